//! Bringing history in from other apps' exports (issue 18), and taking an import back.
//!
//! `tend-import` reads the file (Apple Health, Nightscout, openScale, Google Fit, FHIR R4, Tend's
//! own CSV) on a reader thread; here each reading it keeps is checked against what the vault
//! already holds (the same instant, metric and value from any source), filed under the series
//! of its source (`Series { device: source label, metric, kind }`: the kind the file stated,
//! else `Unknown`; `Manual` for a Tend CSV row without a device; a label that is a paired
//! device's id keeps that device's kind) and staged in memory. Reading ends in a
//! [`PendingImport`] holding the preview; [`Session::commit_import`] stores it as one batch in one
//! transaction, so a cancel, an error or a crash before then leaves nothing, and
//! [`Session::undo_import`] takes exactly that batch back.
//!
//! Summaries over a period (a FHIR summary Observation with min/max/count, a Google Fit day) are
//! kept as summaries, never turned into readings: sealed records of their own, per batch, listed
//! with the batch, written back out by the FHIR export as the summary Observations they came as,
//! and removed by undo. Charts and alerts see only what was measured.

mod history;
mod importing;
mod nightscout_pipe;
mod reader;
mod records;
mod report;

use std::{
    path::PathBuf,
    sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    },
};

use jiff::{tz::TimeZone, Timestamp};
use serde::Serialize;
use tend_vault::{BatchId, RecordChanges, RecordKind, StagedBatch};
use tend_vitals::Unit;

use crate::{error::Thing, Error, Result, Session};

pub use importing::Importing;
pub use records::{ImportBatch, ImportedSummary, MetricCount};
pub use report::{ImportReport, MetricReport, SkipCount, SourceReport};
pub use tend_import::{Format as ImportFormat, SkipReason};

/// Where an import reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportSource {
    /// A file on this device: every format, recognised by its content.
    File(PathBuf),
    /// A Nightscout site's glucose entries, downloaded over HTTPS (plain http only to this
    /// machine) with its access token.
    Nightscout { url: String, token: Option<String> },
}

/// What to import and how to read it.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub source: ImportSource,
    /// Read as this format instead of recognising it.
    pub format: Option<ImportFormat>,
    /// The patient's zone, for files with wall-clock times (openScale) or local days (Google Fit).
    pub time_zone: TimeZone,
    /// The unit of openScale's weight column (the file does not say).
    pub openscale_weight_unit: Unit,
}

impl ImportRequest {
    /// A file, its format recognised, times without an offset read in `time_zone`.
    pub fn file(path: impl Into<PathBuf>, time_zone: TimeZone) -> ImportRequest {
        ImportRequest {
            source: ImportSource::File(path.into()),
            format: None,
            time_zone,
            openscale_weight_unit: Unit::Kilogram,
        }
    }
}

/// Cancels an import from elsewhere (another command, a button): reading stops at its next
/// block and nothing is stored. A commit under way finishes (it is one transaction).
#[derive(Debug, Clone, Default)]
pub struct ImportCancel(Arc<AtomicBool>);

impl ImportCancel {
    pub fn new() -> ImportCancel {
        ImportCancel::default()
    }

    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// Which part of an import is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ImportPhase {
    /// Reading the file (or the download): nothing is stored yet.
    Reading,
    /// Storing the batch, in one transaction.
    Storing,
}

/// How far an import has got: bytes read of the total, readings found, readings stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ImportProgress {
    pub phase: ImportPhase,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub bytes_read: u64,
    /// The file's size (unknown for a download).
    #[cfg_attr(feature = "specta", specta(type = Option<f64>))]
    pub bytes_total: Option<u64>,
    /// New readings found so far (while reading), or in all (while storing).
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub readings: u64,
    #[cfg_attr(feature = "specta", specta(type = f64))]
    pub stored: u64,
}

/// A file read and checked, its readings staged in memory: the preview the patient sees before
/// anything is stored. Commit it with [`Session::commit_import`] on the session that read it, or
/// drop it to store nothing.
#[derive(Debug)]
pub struct PendingImport {
    report: ImportReport,
    staged: StagedBatch,
    summaries: Vec<ImportedSummary>,
    /// The vault whose history it was checked against.
    vault_dir: PathBuf,
}

impl PendingImport {
    /// What the import holds: per metric the count, dates and units; per source; skipped.
    pub fn report(&self) -> &ImportReport {
        &self.report
    }
}

/// Reads `request` without a vault (a profile with none yet): the preview of everything the
/// file holds. Nothing is stored, nothing is created.
pub async fn preview_import(
    request: &ImportRequest,
    cancel: &ImportCancel,
    progress: &mut (dyn FnMut(ImportProgress) + Send),
) -> Result<ImportReport> {
    let read = reader::read(request, None, cancel, progress).await?;
    Ok(read.report)
}

impl Session {
    /// Reads `request`, checks every reading against the history and stages what is new: the
    /// preview, ready to commit. A file with an unreadable part fails here, naming where.
    pub async fn read_import(
        &self,
        request: &ImportRequest,
        cancel: &ImportCancel,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<PendingImport> {
        if let Some(rollback) = self.vault.rolled_back() {
            return Err(Error::Vault(tend_vault::Error::RolledBack {
                seen: rollback.seen,
                found: rollback.found,
            }));
        }
        let paired = self.paired_devices().await?;
        let context = reader::Context {
            vault: &self.vault,
            paired,
        };
        let read = reader::read(request, Some(context), cancel, progress).await?;
        Ok(PendingImport {
            report: read.report,
            staged: read.staged,
            summaries: read.summaries,
            vault_dir: self.vault.dir().to_owned(),
        })
    }

    /// Stores a pending import as one batch, in one transaction, recorded as imported at `now`.
    /// Returns the report with the batch's number (`None` when there was nothing new to store:
    /// no batch is made).
    pub async fn commit_import(
        &self,
        pending: PendingImport,
        now: Timestamp,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<ImportReport> {
        if pending.vault_dir != self.vault.dir() {
            return Err(Error::InvalidInput(
                "this import was checked against another profile's history".into(),
            ));
        }
        let PendingImport {
            mut report,
            staged,
            summaries,
            ..
        } = pending;
        if staged.is_empty() && summaries.is_empty() {
            return Ok(report);
        }
        let total = staged.readings();
        let at_storing = |stored| ImportProgress {
            phase: ImportPhase::Storing,
            bytes_read: report.bytes,
            bytes_total: Some(report.bytes),
            readings: total,
            stored,
        };
        progress(at_storing(0));
        let description = records::BatchDescription::of(&report, now);
        let committed = self
            .vault
            .commit_batch(
                staged,
                |batch| records::changes(batch, description, summaries),
                &mut |stored| progress(at_storing(stored)),
            )
            .await?;
        report.commit(&committed);
        Ok(report)
    }

    /// Reads and stores in one go (what `tend import` without `--dry-run` does): nothing is
    /// stored if reading fails or is cancelled.
    pub async fn import(
        &self,
        request: &ImportRequest,
        now: Timestamp,
        cancel: &ImportCancel,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<ImportReport> {
        let pending = self.read_import(request, cancel, progress).await?;
        if cancel.is_cancelled() {
            return Err(Error::Cancelled);
        }
        self.commit_import(pending, now, progress).await
    }

    /// Imports a file whole, its format recognised (wall-clock times read as UTC), without
    /// progress: for tools and tests.
    pub async fn import_file(
        &self,
        path: &std::path::Path,
        now: Timestamp,
    ) -> Result<ImportReport> {
        let request = ImportRequest::file(path, TimeZone::UTC);
        self.import(&request, now, &ImportCancel::new(), &mut |_| {})
            .await
    }

    /// Every import batch still in the history, newest first.
    pub async fn import_batches(&self) -> Result<Vec<ImportBatch>> {
        let mut batches: Vec<ImportBatch> = self
            .vault
            .list_records::<ImportBatch>(RecordKind::ImportBatch)
            .await?
            .into_iter()
            .map(|(_, batch)| batch)
            .collect();
        batches.sort_by_key(|b| std::cmp::Reverse((b.imported_at, b.id)));
        Ok(batches)
    }

    /// Takes import batch `id` back: its readings, its summaries and its record, in one
    /// transaction. Nothing a device recorded, and nothing of another import, is touched.
    pub async fn undo_import(&self, id: BatchId) -> Result<ImportBatch> {
        let batch: ImportBatch = self
            .vault
            .get_record(RecordKind::ImportBatch, &id.to_string())
            .await?
            .ok_or_else(|| Error::not_found(Thing::ImportBatch, id.to_string()))?;
        let mut changes = RecordChanges::new();
        changes.delete(RecordKind::ImportBatch, &id.to_string());
        for record in batch.summary_record_ids() {
            changes.delete(RecordKind::ImportSummary, &record);
        }
        self.vault.undo_batch(id, changes).await?;
        Ok(batch)
    }

    /// Every summary imports brought in, in time order.
    pub async fn imported_summaries(&self) -> Result<Vec<ImportedSummary>> {
        let mut all: Vec<ImportedSummary> = self
            .vault
            .list_records::<Vec<ImportedSummary>>(RecordKind::ImportSummary)
            .await?
            .into_iter()
            .flat_map(|(_, summaries)| summaries)
            .collect();
        all.sort_by_key(|a| (a.start, a.metric));
        Ok(all)
    }
}

impl Session {
    /// The summaries imports brought, as the summary Observations the FHIR export writes.
    pub(crate) async fn imported_summary_items(&self) -> Result<Vec<tend_share::ShareItem>> {
        Ok(self
            .imported_summaries()
            .await?
            .iter()
            .map(|s| {
                tend_share::mapping::period_summary(
                    &tend_share::PeriodSummary {
                        device: &s.source,
                        kind: s.device_kind,
                        metric: s.metric,
                        unit: s.unit,
                        start: s.start,
                        end: s.end,
                        mean: s.mean,
                        min: s.min,
                        max: s.max,
                        count: s.count,
                    },
                    &tend_share::DeviceInfo::labelled,
                )
            })
            .collect())
    }
}

/// The batch number the patient typed (`tend import undo 42`).
pub fn batch_id(text: &str) -> Result<BatchId> {
    text.parse::<BatchId>()
        .map_err(|_| Error::InvalidInput(format!("`{text}` is not an import's number")))
}

#[cfg(test)]
mod tests;
