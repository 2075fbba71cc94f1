//! The dry-run summary, kept up to date as an import reads: per metric the count, date range and
//! units; per source what it gave and what was dropped as another source's duplicate; skipped
//! records by reason. No values: it can be shown, logged and sent over IPC as it is.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use tend_vitals::{Metric, Unit};

use crate::{Format, ImportedReading, ImportedSummary, SkipReason};

/// What an import holds (or, after a dry run, would store).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Preview {
    pub format: Format,
    pub metrics: BTreeMap<Metric, MetricPreview>,
    pub sources: BTreeMap<String, SourcePreview>,
    pub skipped: BTreeMap<SkipReason, u64>,
    /// Readings a source gave twice (Apple lists a blood-pressure pair in its correlation and
    /// again on its own): kept once, not counted as another source's duplicate.
    pub repeats_within_source: u64,
    /// Readings the history already holds (the caller's lookup): not stored again.
    pub already_stored: u64,
}

/// One metric's share of an import.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MetricPreview {
    pub readings: u64,
    pub summaries: u64,
    pub first: Option<Timestamp>,
    pub last: Option<Timestamp>,
    /// The units the file gave it in, in the order first seen.
    pub units: Vec<Unit>,
}

/// One source's share of an import.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourcePreview {
    pub readings: u64,
    pub summaries: u64,
    /// Its readings dropped because another source gave the same one first.
    pub duplicates_dropped: u64,
}

impl Preview {
    pub(crate) fn new(format: Format) -> Preview {
        Preview {
            format,
            metrics: BTreeMap::new(),
            sources: BTreeMap::new(),
            skipped: BTreeMap::new(),
            repeats_within_source: 0,
            already_stored: 0,
        }
    }

    /// Readings kept, over all metrics.
    pub fn readings(&self) -> u64 {
        self.metrics.values().map(|m| m.readings).sum()
    }

    /// Summaries kept, over all metrics.
    pub fn summaries(&self) -> u64 {
        self.metrics.values().map(|m| m.summaries).sum()
    }

    /// Records skipped, over all reasons.
    pub fn skipped_total(&self) -> u64 {
        self.skipped.values().sum()
    }

    pub(crate) fn reading(&mut self, reading: &ImportedReading) {
        self.metric(reading.metric, reading.time, reading.time, reading.unit)
            .readings += 1;
        self.source(&reading.source, |s| s.readings += 1);
    }

    pub(crate) fn summary(&mut self, summary: &ImportedSummary) {
        self.metric(summary.metric, summary.start, summary.end, summary.unit)
            .summaries += 1;
        self.source(&summary.source, |s| s.summaries += 1);
    }

    pub(crate) fn duplicate(&mut self, source: &str) {
        self.source(source, |s| s.duplicates_dropped += 1);
    }

    pub(crate) fn skip(&mut self, reason: SkipReason) {
        *self.skipped.entry(reason).or_default() += 1;
    }

    fn metric(
        &mut self,
        metric: Metric,
        from: Timestamp,
        to: Timestamp,
        unit: Unit,
    ) -> &mut MetricPreview {
        let entry = self.metrics.entry(metric).or_default();
        entry.first = Some(entry.first.map_or(from, |f| f.min(from)));
        entry.last = Some(entry.last.map_or(to, |l| l.max(to)));
        if !entry.units.contains(&unit) {
            entry.units.push(unit);
        }
        entry
    }

    fn source(&mut self, source: &str, change: impl FnOnce(&mut SourcePreview)) {
        if let Some(preview) = self.sources.get_mut(source) {
            change(preview);
        } else {
            let mut preview = SourcePreview::default();
            change(&mut preview);
            self.sources.insert(source.to_owned(), preview);
        }
    }
}
