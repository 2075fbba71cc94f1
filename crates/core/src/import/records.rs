//! What the vault keeps about each import besides its readings: the batch's record (its file,
//! when, what of each metric it brought) and its summaries over a period, sealed records written
//! in the batch's own transaction and removed with it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_import::Format;
use tend_vault::{BatchId, CommittedBatch, RecordChanges, RecordKind};
use tend_vitals::{DeviceKind, Metric, Unit};

use super::report::ImportReport;

/// Summaries per sealed record: a year of five-minute summaries is about 100,000 of them.
const SUMMARIES_PER_RECORD: usize = 2_000;

/// One import still in the history, as `tend import list` and Settings → Import show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportBatch {
    /// Its number: what undo takes.
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub id: BatchId,
    pub imported_at: Timestamp,
    /// The file's name (or the Nightscout site's host).
    pub file: String,
    pub format: Format,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub summaries: u64,
    pub metrics: Vec<MetricCount>,
    /// How many sealed records its summaries fill (`<id>.0`, `<id>.1`, ...).
    pub summary_records: u32,
}

/// What a batch brought of one metric.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MetricCount {
    pub metric: Metric,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub summaries: u64,
    pub first: Timestamp,
    pub last: Timestamp,
}

/// Statistics over a period that an import brought instead of readings, kept as they came.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedSummary {
    pub metric: Metric,
    pub start: Timestamp,
    pub end: Timestamp,
    pub unit: Unit,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub count: Option<u64>,
    pub device_kind: DeviceKind,
    /// The source the file named.
    pub source: String,
}

impl From<&tend_import::ImportedSummary> for ImportedSummary {
    fn from(s: &tend_import::ImportedSummary) -> ImportedSummary {
        ImportedSummary {
            metric: s.metric,
            start: s.start,
            end: s.end,
            unit: s.unit,
            mean: s.mean,
            min: s.min,
            max: s.max,
            count: s.count,
            device_kind: s.device_kind,
            source: s.source.to_string(),
        }
    }
}

impl ImportBatch {
    pub(super) fn summary_record_ids(&self) -> Vec<String> {
        (0..self.summary_records)
            .map(|n| summary_record_id(self.id, n))
            .collect()
    }
}

fn summary_record_id(batch: BatchId, n: u32) -> String {
    format!("{batch}.{n}")
}

/// The batch's record as far as it is known before the commit.
#[derive(Debug)]
pub(super) struct BatchDescription {
    imported_at: Timestamp,
    file: String,
    format: Format,
    metrics: Vec<MetricCount>,
}

impl BatchDescription {
    pub fn of(report: &ImportReport, now: Timestamp) -> Self {
        BatchDescription {
            imported_at: now,
            file: report.file.clone(),
            format: report.format,
            metrics: report
                .metrics
                .iter()
                .map(|m| MetricCount {
                    metric: m.metric,
                    readings: m.readings,
                    summaries: m.summaries,
                    first: m.first,
                    last: m.last,
                })
                .collect(),
        }
    }
}

/// The records written with the batch: its own, and its summaries in records of
/// [`SUMMARIES_PER_RECORD`].
pub(super) fn changes(
    batch: &CommittedBatch,
    description: BatchDescription,
    summaries: Vec<ImportedSummary>,
) -> tend_vault::Result<RecordChanges> {
    let mut changes = RecordChanges::new();
    let mut records = 0u32;
    for part in summaries.chunks(SUMMARIES_PER_RECORD) {
        changes.put(
            RecordKind::ImportSummary,
            &summary_record_id(batch.id, records),
            &part,
        )?;
        records += 1;
    }
    // What each metric received, as stored (a series may have held some of it already).
    let mut metrics = description.metrics;
    for metric in &mut metrics {
        metric.readings = batch
            .series
            .iter()
            .filter(|(series, _)| series.metric() == metric.metric)
            .map(|(_, stored)| stored)
            .sum();
    }
    let record = ImportBatch {
        id: batch.id,
        imported_at: description.imported_at,
        file: description.file,
        format: description.format,
        readings: batch.stored,
        summaries: summaries.len() as u64,
        metrics,
        summary_records: records,
    };
    changes.put(RecordKind::ImportBatch, &batch.id.to_string(), &record)?;
    Ok(changes)
}
