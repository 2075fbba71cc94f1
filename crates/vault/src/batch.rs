//! Import batches: readings gathered in memory, stored in one transaction as a numbered batch,
//! and taken out again — exactly that batch — by undo.
//!
//! Nothing of a batch reaches the file before [`Vault::commit_batch`], so a cancelled or crashed
//! import leaves no trace. The commit writes every chunk and rollup block of the batch, the
//! caller's records about it and the head in one SQLite transaction: after a crash the batch is
//! there whole or not at all. Its pieces carry the batch number in their seal and in their
//! identity in the head, so [`Vault::undo_batch`] removes them and nothing a device recorded, and
//! a piece moved into or out of a batch fails its check.
//!
//! Gathering in memory costs 32 bytes a reading; an import's duplicate check holds every
//! reading's key anyway, so the batch is of the same order, and a 1 GB Apple Health export (about
//! 750,000 vital readings) stages in about 24 MB.

use std::{
    collections::{BTreeSet, HashMap},
    fmt,
    str::FromStr,
};

use serde::{Deserialize, Serialize};
use tend_vitals::{DeviceKind, Unit};

use crate::{
    head::{piece, SetDigest},
    sample::{from_ns, time_ns, HOUR_NS},
    Error, RecordChanges, Result, Sample, Series, SeriesKey, Vault,
};

/// Readings written to the vault at a time by a commit (its progress steps).
const COMMIT_STEP: usize = 1 << 16;

/// The number of an import batch: never 0 (the number of every reading not imported), never
/// reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct BatchId(i64);

impl BatchId {
    /// A batch number; `None` for 0 or less, which no batch has.
    pub fn new(number: i64) -> Option<BatchId> {
        (number > 0).then_some(BatchId(number))
    }

    pub fn get(self) -> i64 {
        self.0
    }
}

impl TryFrom<i64> for BatchId {
    type Error = String;

    fn try_from(number: i64) -> std::result::Result<BatchId, String> {
        BatchId::new(number).ok_or_else(|| format!("{number} is not an import batch number"))
    }
}

impl From<BatchId> for i64 {
    fn from(id: BatchId) -> i64 {
        id.0
    }
}

impl fmt::Display for BatchId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl FromStr for BatchId {
    type Err = Error;

    fn from_str(text: &str) -> Result<BatchId> {
        text.trim()
            .parse()
            .ok()
            .and_then(BatchId::new)
            .ok_or_else(|| Error::InvalidInput(format!("`{text}` is not an import batch number")))
    }
}

/// Readings gathered for one batch, in memory, until [`Vault::commit_batch`] stores them.
#[derive(Debug, Default)]
pub struct StagedBatch {
    series: HashMap<SeriesKey, (DeviceKind, Vec<Staged>)>,
    readings: u64,
}

/// One staged reading, compactly (32 bytes).
#[derive(Debug, Clone, Copy)]
struct Staged {
    time_ns: i64,
    value: f64,
    sequence: Option<u32>,
    flags: u16,
    unit: Unit,
}

impl StagedBatch {
    pub fn new() -> StagedBatch {
        StagedBatch::default()
    }

    /// Adds one reading of `series`, checked as the vault checks every reading.
    pub fn add(&mut self, series: &Series, sample: Sample) -> Result<()> {
        sample.validate(series.metric())?;
        let staged = Staged {
            time_ns: time_ns(sample.time)?,
            value: sample.value,
            sequence: sample.sequence,
            flags: sample.flags,
            unit: sample.unit,
        };
        let entry = match self.series.get_mut(&series.key) {
            Some(entry) => entry,
            None => self
                .series
                .entry(series.key.clone())
                .or_insert((series.kind, Vec::new())),
        };
        if entry.0 == DeviceKind::Unknown {
            entry.0 = series.kind;
        }
        entry.1.push(staged);
        self.readings += 1;
        Ok(())
    }

    /// Readings added so far.
    pub fn readings(&self) -> u64 {
        self.readings
    }

    pub fn is_empty(&self) -> bool {
        self.readings == 0
    }
}

/// What a committed batch stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommittedBatch {
    pub id: BatchId,
    pub stored: u64,
    /// Readings whose series already held one at the same instant (or the same record number),
    /// or that the batch held twice: kept once.
    pub duplicates: u64,
    /// What each series received, in series order.
    pub series: Vec<(Series, u64)>,
}

/// What undoing a batch removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UndoneBatch {
    pub chunks: u64,
    /// Series that held nothing but this batch's readings, removed with them.
    pub series: u64,
}

impl Vault {
    /// Stores a staged batch in one transaction under a new batch number, with the records that
    /// `describe` makes of it (what the batch was: the caller's to say). `progress` is told the
    /// readings written so far. The batch is there whole once this returns, and not at all if
    /// it fails or the process dies first.
    pub async fn commit_batch(
        &self,
        staged: StagedBatch,
        describe: impl FnOnce(&CommittedBatch) -> Result<RecordChanges> + Send,
        progress: &mut (dyn FnMut(u64) + Send),
    ) -> Result<CommittedBatch> {
        let mut writing = self.write().await?;
        let id = BatchId(writing.serial());
        let mut committed = CommittedBatch {
            id,
            stored: 0,
            duplicates: 0,
            series: Vec::new(),
        };
        let mut all: Vec<(SeriesKey, (DeviceKind, Vec<Staged>))> =
            staged.series.into_iter().collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        for (key, (kind, mut samples)) in all {
            let offered = samples.len() as u64;
            samples.sort_by_key(|s| s.time_ns);
            samples.dedup_by(|later, earlier| later.time_ns == earlier.time_ns);
            let series = Series { key, kind };
            let existed = self
                .find_series(&mut writing.tx, &series.key)
                .await?
                .is_some();
            let series_id = self.series_id(&mut writing, &series).await?;
            if existed && !samples.is_empty() {
                let first_hour = samples[0].time_ns.div_euclid(HOUR_NS);
                let last_hour = samples[samples.len() - 1].time_ns.div_euclid(HOUR_NS);
                let (existing, _) = self
                    .load(&mut writing.tx, series_id, first_hour, last_hour)
                    .await?;
                let mut times = Vec::with_capacity(existing.len());
                for sample in &existing {
                    times.push(time_ns(sample.time)?);
                }
                times.sort_unstable();
                let sequences: BTreeSet<u32> = existing.iter().filter_map(|s| s.sequence).collect();
                samples.retain(|s| {
                    times.binary_search(&s.time_ns).is_err()
                        && s.sequence.is_none_or(|q| !sequences.contains(&q))
                });
            }
            for window in samples.chunks(COMMIT_STEP) {
                let window = window
                    .iter()
                    .map(|s| {
                        Ok(Sample {
                            time: from_ns(s.time_ns)?,
                            value: s.value,
                            unit: s.unit,
                            sequence: s.sequence,
                            flags: s.flags,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?;
                self.write_chunks(&mut writing, series_id, series.metric(), &window, id.0)
                    .await?;
                committed.stored += window.len() as u64;
                progress(committed.stored);
            }
            let stored = samples.len() as u64;
            committed.duplicates += offered - stored;
            committed.series.push((series, stored));
        }
        let changes = describe(&committed)?;
        self.apply_changes(&mut writing, changes).await?;
        self.commit(writing).await?;
        Ok(committed)
    }

    /// Removes batch `batch` — its chunks and rollup blocks, the series that held nothing else,
    /// and the caller's `records` changes (its description) — in one transaction. Nothing of
    /// batch 0 (what devices and the patient recorded) or of another batch is touched.
    pub async fn undo_batch(&self, batch: BatchId, records: RecordChanges) -> Result<UndoneBatch> {
        let keys = self.keys();
        let mut writing = self.write().await?;
        let mut undone = UndoneBatch::default();
        let mut touched = BTreeSet::new();
        let chunks: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "DELETE FROM chunk WHERE batch = ? RETURNING series_id, id, first_hour, last_hour",
        )
        .bind(batch.0)
        .fetch_all(&mut *writing.tx)
        .await?;
        for (series_id, id, first, last) in chunks {
            writing
                .series(series_id)
                .remove(&piece::chunk(&keys, series_id, id, first, last, batch.0));
            touched.insert(series_id);
            undone.chunks += 1;
        }
        let blocks: Vec<(i64, i64, i64, i64)> = sqlx::query_as(
            "DELETE FROM rollup WHERE batch = ? RETURNING series_id, level, block, version",
        )
        .bind(batch.0)
        .fetch_all(&mut *writing.tx)
        .await?;
        for (series_id, level, block, version) in blocks {
            writing.series(series_id).remove(&piece::rollup(
                &keys, series_id, level, block, version, batch.0,
            ));
            touched.insert(series_id);
        }
        for series_id in touched {
            let left: i64 = sqlx::query_scalar(
                "SELECT (SELECT count(*) FROM chunk WHERE series_id = ?1)
                      + (SELECT count(*) FROM pending WHERE series_id = ?1)
                      + (SELECT count(*) FROM rollup WHERE series_id = ?1)",
            )
            .bind(series_id)
            .fetch_one(&mut *writing.tx)
            .await?;
            if left > 0 {
                continue;
            }
            let row: Option<(Vec<u8>, Vec<u8>)> =
                sqlx::query_as("DELETE FROM series WHERE id = ? RETURNING tag, sealed")
                    .bind(series_id)
                    .fetch_optional(&mut *writing.tx)
                    .await?;
            if let Some((tag, sealed)) = row {
                let digest = writing.series(series_id);
                digest.remove(&piece::series(&keys, series_id, &tag, &sealed));
                if *digest == SetDigest::default() {
                    writing.head.series.remove(&series_id);
                }
                undone.series += 1;
            }
        }
        self.apply_changes(&mut writing, records).await?;
        self.commit(writing).await?;
        Ok(undone)
    }
}
