//! What an import holds and what it stored, as the preview and the result show it: per metric the
//! count, date range and units; per source what it gave and what was dropped as a duplicate;
//! skipped records by reason. Counts and dates only, never a value: it can be printed, logged and
//! sent over IPC as it is.

use std::{collections::BTreeMap, sync::Arc};

use jiff::Timestamp;
use serde::Serialize;
use tend_import::{Format, ImportedReading, ImportedSummary, Preview, SkipReason};
use tend_vault::{BatchId, CommittedBatch};
use tend_vitals::{Metric, Unit};

/// An import's preview (before anything is stored) or its result (after).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportReport {
    /// The batch's number, to undo it with; `None` before the commit, or when nothing was new.
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub batch: Option<BatchId>,
    pub format: Format,
    /// The file's name (or the Nightscout site's host).
    pub file: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes: u64,
    /// Records read: readings, summaries, duplicates and skipped records alike.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub rows: u64,
    /// New readings found: what the commit stores.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    /// Readings stored (0 until the commit).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub stored: u64,
    /// Readings not stored because the history or the file already had them: another source's
    /// copy, a source's repeat, one already in the vault.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub duplicates: u64,
    /// New summaries over a period (kept as summaries, not readings).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub summaries: u64,
    /// Of the duplicates: those already in the vault (readings and summaries).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub already_stored: u64,
    pub metrics: Vec<MetricReport>,
    pub sources: Vec<SourceReport>,
    pub skipped: Vec<SkipCount>,
}

/// One metric's share of an import.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MetricReport {
    pub metric: Metric,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub summaries: u64,
    pub first: Timestamp,
    pub last: Timestamp,
    /// The units the file gave it in, in the order first seen.
    pub units: Vec<Unit>,
}

/// One source's share of an import (an app or device the file names).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SourceReport {
    pub source: String,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub summaries: u64,
    /// Its readings dropped because another source in the file gave the same one first.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub duplicates_dropped: u64,
    /// Its readings and summaries dropped because the vault already held them.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub already_stored: u64,
}

/// Records skipped for one reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SkipCount {
    pub reason: SkipReason,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub count: u64,
}

/// Counts what core keeps as it reads (after the history check), beside the reader's preview.
#[derive(Debug, Default)]
pub(super) struct Tally {
    metrics: BTreeMap<Metric, MetricReport>,
    /// Per source: readings, summaries, already stored.
    sources: BTreeMap<Arc<str>, (u64, u64, u64)>,
    already_stored: u64,
    /// Readings the vault refused as they are (a time it cannot hold).
    unstorable: u64,
    /// Summaries the file gave twice.
    repeats: u64,
}

impl Tally {
    pub fn reading(&mut self, reading: &ImportedReading) {
        self.metric(reading.metric, reading.time, reading.time, reading.unit)
            .readings += 1;
        self.source(&reading.source).0 += 1;
    }

    pub fn summary(&mut self, summary: &ImportedSummary) {
        self.metric(summary.metric, summary.start, summary.end, summary.unit)
            .summaries += 1;
        self.source(&summary.source).1 += 1;
    }

    pub fn already_stored(&mut self, source: &Arc<str>) {
        self.already_stored += 1;
        self.source(source).2 += 1;
    }

    pub fn repeat(&mut self) {
        self.repeats += 1;
    }

    pub fn unstorable(&mut self) {
        self.unstorable += 1;
    }

    pub fn readings(&self) -> u64 {
        self.metrics.values().map(|m| m.readings).sum()
    }

    fn metric(
        &mut self,
        metric: Metric,
        from: Timestamp,
        to: Timestamp,
        unit: Unit,
    ) -> &mut MetricReport {
        let entry = self.metrics.entry(metric).or_insert(MetricReport {
            metric,
            readings: 0,
            summaries: 0,
            first: from,
            last: to,
            units: Vec::new(),
        });
        entry.first = entry.first.min(from);
        entry.last = entry.last.max(to);
        if !entry.units.contains(&unit) {
            entry.units.push(unit);
        }
        entry
    }

    fn source(&mut self, source: &Arc<str>) -> &mut (u64, u64, u64) {
        self.sources.entry(Arc::clone(source)).or_default()
    }

    /// The report, from this tally and the reader's own preview (skips, another source's
    /// duplicates, a source's repeats).
    pub fn report(self, preview: &Preview, file: String, bytes: u64) -> ImportReport {
        let mut skipped: BTreeMap<SkipReason, u64> = preview.skipped.clone();
        if self.unstorable > 0 {
            *skipped.entry(SkipReason::OutOfRange).or_default() += self.unstorable;
        }
        let dropped_by_source: u64 = preview.sources.values().map(|s| s.duplicates_dropped).sum();
        let rows = preview.readings()
            + preview.summaries()
            + preview.skipped_total()
            + dropped_by_source
            + preview.repeats_within_source;
        let mut sources: BTreeMap<String, SourceReport> = BTreeMap::new();
        for (name, (readings, summaries, already)) in self.sources {
            sources.insert(
                name.to_string(),
                SourceReport {
                    source: name.to_string(),
                    readings,
                    summaries,
                    duplicates_dropped: 0,
                    already_stored: already,
                },
            );
        }
        for (name, from_reader) in &preview.sources {
            let entry = sources.entry(name.clone()).or_insert(SourceReport {
                source: name.clone(),
                readings: 0,
                summaries: 0,
                duplicates_dropped: 0,
                already_stored: 0,
            });
            entry.duplicates_dropped = from_reader.duplicates_dropped;
        }
        let readings = self.metrics.values().map(|m| m.readings).sum();
        let summaries = self.metrics.values().map(|m| m.summaries).sum();
        ImportReport {
            batch: None,
            format: preview.format,
            file,
            bytes,
            rows,
            readings,
            stored: 0,
            duplicates: dropped_by_source
                + preview.repeats_within_source
                + self.repeats
                + self.already_stored,
            summaries,
            already_stored: self.already_stored,
            metrics: self.metrics.into_values().collect(),
            sources: sources.into_values().collect(),
            skipped: skipped
                .into_iter()
                .map(|(reason, count)| SkipCount { reason, count })
                .collect(),
        }
    }
}

impl ImportReport {
    /// The result of the commit: the batch's number, what was stored, and the readings the
    /// series turned out to hold already (at the same instant).
    pub(super) fn commit(&mut self, batch: &CommittedBatch) {
        self.batch = Some(batch.id);
        self.stored = batch.stored;
        self.duplicates += batch.duplicates;
    }
}
