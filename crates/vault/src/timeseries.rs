//! Time series: appending readings (live, or in bulk for imports and stored-record downloads) and
//! reading them back raw or in buckets.
//!
//! Durability: `append_live` returns only after its transaction is on disk (WAL, synchronous=FULL),
//! so a reading acknowledged as stored survives a crash or power loss. Duplicates (same series and
//! time, or same device sequence number) are stored once.

use std::collections::HashSet;

use jiff::{SignedDuration, Timestamp};
use sqlx::SqliteConnection;
use tend_vitals::{DeviceKind, Metric};

use crate::{
    chunk_codec,
    damage::{damage, Damage, SERIES_INDEX},
    head::{piece, Writing},
    rollup::{self, Aggregate, Level},
    sample::{time_ns, HOUR_NS},
    seal::aad,
    Error, Result, Sample, Series, SeriesKey, Vault,
};

/// Samples per sealed chunk: large enough that per-chunk overhead vanishes, small enough that a
/// range read opens little it does not need.
const CHUNK_MAX: usize = 4096;
/// Live readings are compacted into a chunk once a series has this many pending.
const COMPACT_AT: i64 = 512;

/// What happened to one live reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Appended {
    Stored,
    /// Already stored (same time or sequence number): kept once.
    Duplicate,
}

/// What a bulk append stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BulkAppended {
    pub stored: u64,
    pub duplicates: u64,
}

/// Data read from the vault, with whatever could not be read reported beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeRead<T> {
    pub data: T,
    pub damaged: Vec<Damage>,
}

/// One sample and the series it belongs to.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesSample {
    pub series: Series,
    pub sample: Sample,
}

/// Summary of one bucket of a chart, in the metric's canonical unit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bucket {
    pub start: Timestamp,
    pub count: u64,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

impl Vault {
    /// Stores one reading as it arrives, durably, before returning.
    pub async fn append_live(&self, series: &Series, sample: Sample) -> Result<Appended> {
        sample.validate(series.metric())?;
        let t = time_ns(sample.time)?;
        let hour = t.div_euclid(HOUR_NS);
        let keys = self.keys();
        let mut writing = self.write().await?;
        let series_id = self.series_id(&mut writing, series).await?;
        let (existing, _) = self.load(&mut writing.tx, series_id, hour, hour).await?;
        if existing.iter().any(|e| same_reading(e, &sample)) {
            return Ok(Appended::Duplicate);
        }
        let id = writing.serial();
        let sealed = keys.seal(
            &pending_aad(series_id, id, hour),
            &chunk_codec::encode(&[sample])?,
        )?;
        sqlx::query("INSERT INTO pending (id, series_id, hour, sealed) VALUES (?, ?, ?, ?)")
            .bind(id)
            .bind(series_id)
            .bind(hour)
            .bind(sealed)
            .execute(&mut *writing.tx)
            .await?;
        writing
            .series(series_id)
            .add(&piece::pending(&keys, series_id, id, hour));
        let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM pending WHERE series_id = ?")
            .bind(series_id)
            .fetch_one(&mut *writing.tx)
            .await?;
        self.commit(writing).await?;
        if pending >= COMPACT_AT {
            self.compact(series_id, series.metric()).await?;
        }
        Ok(Appended::Stored)
    }

    /// Stores many readings of one series at once (imports, stored-record downloads): sealed
    /// straight into chunks, in one transaction.
    pub async fn append_bulk(
        &self,
        series: &Series,
        mut samples: Vec<Sample>,
    ) -> Result<BulkAppended> {
        for (i, sample) in samples.iter().enumerate() {
            sample
                .validate(series.metric())
                .map_err(|e| Error::InvalidInput(format!("reading {}: {e}", i + 1)))?;
        }
        if samples.is_empty() {
            return Ok(BulkAppended::default());
        }
        if !samples.is_sorted_by_key(|s| s.time) {
            samples.sort_by_key(|s| s.time);
        }
        let offered = samples.len() as u64;
        let mut sequences = HashSet::new();
        samples.dedup_by(|later, earlier| later.time == earlier.time);
        samples.retain(|s| s.sequence.is_none_or(|seq| sequences.insert(seq)));

        let first_hour = time_ns(samples[0].time)?.div_euclid(HOUR_NS);
        let last_hour = time_ns(samples[samples.len() - 1].time)?.div_euclid(HOUR_NS);
        let mut writing = self.write().await?;
        let series_id = self.series_id(&mut writing, series).await?;
        let (existing, _) = self
            .load(&mut writing.tx, series_id, first_hour, last_hour)
            .await?;
        if !existing.is_empty() {
            // Only readings inside the stored ones' span can repeat a time: a range check first
            // keeps a large batch next to a stored chunk from hashing every reading.
            let mut times: Vec<Timestamp> = existing.iter().map(|s| s.time).collect();
            times.sort_unstable();
            let span = times[0]..=times[times.len() - 1];
            let sequences: HashSet<_> = existing.iter().filter_map(|s| s.sequence).collect();
            samples.retain(|s| {
                let same_time = span.contains(&s.time) && times.binary_search(&s.time).is_ok();
                !same_time && s.sequence.is_none_or(|q| !sequences.contains(&q))
            });
        }
        self.write_chunks(&mut writing, series_id, series.metric(), &samples, 0)
            .await?;
        self.commit(writing).await?;
        let stored = samples.len() as u64;
        Ok(BulkAppended {
            stored,
            duplicates: offered - stored,
        })
    }

    /// Seals every pending live reading into chunks (done by itself as they accumulate; call it
    /// before closing to leave a compact file).
    pub async fn flush(&self) -> Result<()> {
        if self.rolled_back().is_some() {
            // Read-only until the patient decides: the pending readings stay as they are.
            return Ok(());
        }
        let (series, _) = self.all_series().await?;
        for (id, series) in series {
            self.compact(id, series.metric()).await?;
        }
        Ok(())
    }

    /// Every series in the vault.
    pub async fn series(&self) -> Result<RangeRead<Vec<Series>>> {
        let (series, damaged) = self.all_series().await?;
        Ok(RangeRead {
            data: series.into_iter().map(|(_, key)| key).collect(),
            damaged,
        })
    }

    /// The hours a series' readings fall within, as `[first, last)`; `None` for an empty series.
    pub async fn span(&self, series: &SeriesKey) -> Result<Option<(Timestamp, Timestamp)>> {
        let (first, last): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT min(first), max(last) FROM (
                 SELECT first_hour AS first, last_hour AS last FROM chunk WHERE series_id = (SELECT id FROM series WHERE tag = ?1)
                 UNION ALL
                 SELECT hour, hour FROM pending WHERE series_id = (SELECT id FROM series WHERE tag = ?1))",
        )
        .bind(self.series_tag(series))
        .fetch_one(&self.pool)
        .await?;
        match (first, last) {
            (Some(first), Some(last)) => {
                let span = damage("", first, last)?;
                Ok(Some((span.from, span.until)))
            }
            _ => Ok(None),
        }
    }

    /// Every reading of one series in `[from, until)`, in time order.
    pub async fn read_series(
        &self,
        series: &SeriesKey,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<RangeRead<Vec<Sample>>> {
        let mut conn = self.pool.acquire().await?;
        let Some(id) = self.find_series(&mut conn, series).await? else {
            return Ok(RangeRead {
                data: Vec::new(),
                damaged: Vec::new(),
            });
        };
        let (samples, mut damaged) = self.load_range(&mut conn, id, from, until).await?;
        damaged.extend(self.index_damage(id));
        Ok(RangeRead {
            data: samples,
            damaged,
        })
    }

    /// Every reading of `metric` from any device in `[from, until)`, in time order.
    pub async fn read_raw(
        &self,
        metric: Metric,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<RangeRead<Vec<SeriesSample>>> {
        let (series, mut damaged) = self.all_series().await?;
        let mut conn = self.pool.acquire().await?;
        let mut data = Vec::new();
        for (id, key) in series.into_iter().filter(|(_, s)| s.metric() == metric) {
            let (samples, more) = self.load_range(&mut conn, id, from, until).await?;
            damaged.extend(more);
            damaged.extend(self.index_damage(id));
            data.extend(samples.into_iter().map(|sample| SeriesSample {
                series: key.clone(),
                sample,
            }));
        }
        data.sort_by_key(|s| s.sample.time);
        Ok(RangeRead { data, damaged })
    }

    /// Chart buckets of `width` (aligned to the Unix epoch) for `metric` from any device, covering
    /// `[from, until)` in whole buckets. Long ranges read the sealed rollups, not the samples.
    pub async fn read_buckets(
        &self,
        metric: Metric,
        from: Timestamp,
        until: Timestamp,
        width: SignedDuration,
    ) -> Result<RangeRead<Vec<Bucket>>> {
        let width_ns = i64::try_from(width.as_nanos())
            .ok()
            .filter(|w| *w > 0)
            .ok_or_else(|| Error::InvalidInput("the bucket width must be positive".into()))?;
        let first_bucket = time_ns(from)?.div_euclid(width_ns);
        let last_bucket = (time_ns(until)? - 1).div_euclid(width_ns);
        let (start, end) = (
            first_bucket.saturating_mul(width_ns),
            (last_bucket + 1).saturating_mul(width_ns),
        );
        let (series, mut damaged) = self.all_series().await?;
        let mut buckets = std::collections::BTreeMap::<i64, Aggregate>::new();
        let mut conn = self.pool.acquire().await?;
        let level = Level::ALL
            .into_iter()
            .rev()
            .find(|l| width_ns % l.width_ns() == 0);

        for (id, key) in series.into_iter().filter(|(_, s)| s.metric() == metric) {
            damaged.extend(self.index_damage(id));
            let raw = match level {
                Some(level) => {
                    let (rolled, more) = rollup::read(
                        &mut conn,
                        &self.keys(),
                        id,
                        level,
                        start / level.width_ns(),
                        end / level.width_ns() - 1,
                    )
                    .await?;
                    damaged.extend(more);
                    for (bucket, aggregate) in rolled {
                        buckets
                            .entry((bucket * level.width_ns()).div_euclid(width_ns))
                            .or_default()
                            .merge(&aggregate);
                    }
                    self.load_pending(
                        &mut conn,
                        id,
                        start.div_euclid(HOUR_NS),
                        (end - 1).div_euclid(HOUR_NS),
                    )
                    .await?
                }
                None => {
                    self.load(
                        &mut conn,
                        id,
                        start.div_euclid(HOUR_NS),
                        (end - 1).div_euclid(HOUR_NS),
                    )
                    .await?
                }
            };
            let (samples, more) = raw;
            damaged.extend(more);
            for sample in samples {
                let t = time_ns(sample.time)?;
                if (start..end).contains(&t) {
                    let value = sample
                        .unit
                        .convert(sample.value, key.metric().canonical_unit())
                        .map_err(|_| Error::Corrupt)?;
                    buckets
                        .entry(t.div_euclid(width_ns))
                        .or_default()
                        .add(value);
                }
            }
        }
        let data = buckets
            .into_iter()
            .filter(|(_, a)| a.count > 0)
            .map(|(bucket, a)| {
                Ok(Bucket {
                    start: crate::sample::from_ns(bucket * width_ns)?,
                    count: a.count,
                    min: a.min,
                    max: a.max,
                    mean: a.sum / a.count as f64,
                })
            })
            .collect::<Result<_>>()?;
        Ok(RangeRead { data, damaged })
    }

    /// Seals sorted samples into chunks of `batch` (0: not an import) and adds them to that
    /// batch's rollups, in the caller's transaction.
    pub(crate) async fn write_chunks(
        &self,
        writing: &mut Writing,
        series_id: i64,
        metric: Metric,
        samples: &[Sample],
        batch: i64,
    ) -> Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        let keys = self.keys();
        for piece in samples.chunks(CHUNK_MAX) {
            let (first, last) = match (piece.first(), piece.last()) {
                (Some(first), Some(last)) => (
                    time_ns(first.time)?.div_euclid(HOUR_NS),
                    time_ns(last.time)?.div_euclid(HOUR_NS),
                ),
                _ => continue,
            };
            let id = writing.serial();
            let sealed = keys.seal(
                &chunk_aad(series_id, id, first, last, batch),
                &chunk_codec::encode(piece)?,
            )?;
            sqlx::query(
                "INSERT INTO chunk (id, series_id, first_hour, last_hour, batch, sealed) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(series_id)
            .bind(first)
            .bind(last)
            .bind(batch)
            .bind(sealed)
            .execute(&mut *writing.tx)
            .await?;
            writing
                .series(series_id)
                .add(&piece::chunk(&keys, series_id, id, first, last, batch));
        }
        let canonical = metric.canonical_unit();
        let points = samples
            .iter()
            .map(|s| {
                Ok((
                    time_ns(s.time)?,
                    s.unit
                        .convert(s.value, canonical)
                        .map_err(|_| Error::Corrupt)?,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        rollup::add(writing, &keys, series_id, &points, batch).await
    }

    /// Moves a series' pending live readings into sealed chunks.
    async fn compact(&self, series_id: i64, metric: Metric) -> Result<()> {
        let keys = self.keys();
        let mut writing = self.write().await?;
        let rows: Vec<(i64, i64, Vec<u8>)> =
            sqlx::query_as("SELECT id, hour, sealed FROM pending WHERE series_id = ? ORDER BY id")
                .bind(series_id)
                .fetch_all(&mut *writing.tx)
                .await?;
        let mut samples = Vec::with_capacity(rows.len());
        let mut done = Vec::with_capacity(rows.len());
        for (id, hour, sealed) in rows {
            // A damaged row stays where it is, reported by every read; it is never dropped.
            if let Ok(plain) = keys.open(&pending_aad(series_id, id, hour), &sealed) {
                samples.extend(chunk_codec::decode(&plain)?);
                done.push((id, hour));
            }
        }
        if done.is_empty() {
            return Ok(());
        }
        samples.sort_by_key(|s| s.time);
        self.write_chunks(&mut writing, series_id, metric, &samples, 0)
            .await?;
        for (id, hour) in done {
            sqlx::query("DELETE FROM pending WHERE id = ?")
                .bind(id)
                .execute(&mut *writing.tx)
                .await?;
            writing
                .series(series_id)
                .remove(&piece::pending(&keys, series_id, id, hour));
        }
        self.commit(writing).await
    }

    fn series_tag(&self, series: &SeriesKey) -> Vec<u8> {
        series_tag(&self.keys(), series)
    }

    /// The id of a series, if it has ever been written to.
    pub(crate) async fn find_series(
        &self,
        conn: &mut SqliteConnection,
        series: &SeriesKey,
    ) -> Result<Option<i64>> {
        Ok(sqlx::query_scalar("SELECT id FROM series WHERE tag = ?")
            .bind(self.series_tag(series))
            .fetch_optional(&mut *conn)
            .await?)
    }

    /// The id of a series, created on first use. A series whose device kind was not known when
    /// it was first written (`Unknown`) takes the kind given now.
    pub(crate) async fn series_id(&self, writing: &mut Writing, series: &Series) -> Result<i64> {
        let keys = self.keys();
        let tag = self.series_tag(&series.key);
        let found: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT id, sealed FROM series WHERE tag = ?")
                .bind(&tag)
                .fetch_optional(&mut *writing.tx)
                .await?;
        let plain = serde_json::to_vec(series).map_err(|_| Error::Corrupt)?;
        match found {
            Some((id, sealed)) => {
                if series.kind != DeviceKind::Unknown {
                    let stored: Series = self.open_series(id, &tag, &sealed)?;
                    if stored.kind == DeviceKind::Unknown {
                        let renamed = keys.seal(&series_aad(id, &tag), &plain)?;
                        sqlx::query("UPDATE series SET sealed = ? WHERE id = ?")
                            .bind(&renamed)
                            .bind(id)
                            .execute(&mut *writing.tx)
                            .await?;
                        let digest = writing.series(id);
                        digest.remove(&piece::series(&keys, id, &tag, &sealed));
                        digest.add(&piece::series(&keys, id, &tag, &renamed));
                    }
                }
                Ok(id)
            }
            None => {
                let id = writing.serial();
                let sealed = keys.seal(&series_aad(id, &tag), &plain)?;
                sqlx::query("INSERT INTO series (id, tag, sealed) VALUES (?, ?, ?)")
                    .bind(id)
                    .bind(&tag)
                    .bind(&sealed)
                    .execute(&mut *writing.tx)
                    .await?;
                writing
                    .series(id)
                    .add(&piece::series(&keys, id, &tag, &sealed));
                Ok(id)
            }
        }
    }

    /// A series' sealed name, bound to its row id and tag; `Tampered` when it fails its check or
    /// names another series than its tag (another metric or device).
    fn open_series(&self, id: i64, tag: &[u8], sealed: &[u8]) -> Result<Series> {
        let plain = self
            .keys()
            .open(&series_aad(id, tag), sealed)
            .map_err(|_| Error::Tampered)?;
        let series: Series = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
        if self.series_tag(&series.key) != tag {
            return Err(Error::Tampered);
        }
        Ok(series)
    }

    /// What the unlock-time check found about a series, as damage to report with its reads.
    fn index_damage(&self, series_id: i64) -> Option<Damage> {
        self.integrity
            .series
            .contains(&series_id)
            .then_some(Damage {
                what: SERIES_INDEX,
                from: Timestamp::MIN,
                until: Timestamp::MAX,
            })
    }

    async fn all_series(&self) -> Result<(Vec<(i64, Series)>, Vec<Damage>)> {
        let rows: Vec<(i64, Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT id, tag, sealed FROM series ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        let mut series = Vec::with_capacity(rows.len());
        let mut damaged = Vec::new();
        for id in &self.integrity.missing_series {
            if !rows.iter().any(|(row, _, _)| row == id) {
                damaged.push(Damage {
                    what: "series name",
                    from: Timestamp::MIN,
                    until: Timestamp::MAX,
                });
            }
        }
        for (id, tag, sealed) in rows {
            match self.open_series(id, &tag, &sealed) {
                Ok(key) => series.push((id, key)),
                Err(_) => damaged.push(Damage {
                    what: "series name",
                    from: Timestamp::MIN,
                    until: Timestamp::MAX,
                }),
            }
        }
        Ok((series, damaged))
    }

    /// Samples of one series in `[from, until)`, sorted, each time once.
    async fn load_range(
        &self,
        conn: &mut SqliteConnection,
        series_id: i64,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<(Vec<Sample>, Vec<Damage>)> {
        let (from_ns, until_ns) = (time_ns(from)?, time_ns(until)?);
        if from_ns >= until_ns {
            return Ok((Vec::new(), Vec::new()));
        }
        let (mut samples, damaged) = self
            .load(
                conn,
                series_id,
                from_ns.div_euclid(HOUR_NS),
                (until_ns - 1).div_euclid(HOUR_NS),
            )
            .await?;
        samples.retain(|s| (from..until).contains(&s.time));
        samples.sort_by_key(|s| s.time);
        samples.dedup_by(|later, earlier| later.time == earlier.time);
        Ok((samples, damaged))
    }

    /// Every sample in chunks and pending rows touching hours `first..=last`, unsorted.
    pub(crate) async fn load(
        &self,
        conn: &mut SqliteConnection,
        series_id: i64,
        first_hour: i64,
        last_hour: i64,
    ) -> Result<(Vec<Sample>, Vec<Damage>)> {
        let rows: Vec<(i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, first_hour, last_hour, batch, sealed FROM chunk WHERE series_id = ? AND first_hour <= ? AND last_hour >= ?",
        )
        .bind(series_id)
        .bind(last_hour)
        .bind(first_hour)
        .fetch_all(&mut *conn)
        .await?;
        let mut samples = Vec::new();
        let mut damaged = Vec::new();
        let keys = self.keys();
        for (id, first, last, batch, sealed) in rows {
            match keys.open(&chunk_aad(series_id, id, first, last, batch), &sealed) {
                Ok(plain) => samples.extend(chunk_codec::decode(&plain)?),
                Err(_) => damaged.push(damage("chunk", first, last)?),
            }
        }
        let (pending, more) = self
            .load_pending(conn, series_id, first_hour, last_hour)
            .await?;
        samples.extend(pending);
        damaged.extend(more);
        Ok((samples, damaged))
    }

    async fn load_pending(
        &self,
        conn: &mut SqliteConnection,
        series_id: i64,
        first_hour: i64,
        last_hour: i64,
    ) -> Result<(Vec<Sample>, Vec<Damage>)> {
        let rows: Vec<(i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, hour, sealed FROM pending WHERE series_id = ? AND hour BETWEEN ? AND ?",
        )
        .bind(series_id)
        .bind(first_hour)
        .bind(last_hour)
        .fetch_all(&mut *conn)
        .await?;
        let mut samples = Vec::new();
        let mut damaged = Vec::new();
        let keys = self.keys();
        for (id, hour, sealed) in rows {
            match keys.open(&pending_aad(series_id, id, hour), &sealed) {
                Ok(plain) => samples.extend(chunk_codec::decode(&plain)?),
                Err(_) => damaged.push(damage("live reading", hour, hour)?),
            }
        }
        Ok((samples, damaged))
    }
}

fn same_reading(a: &Sample, b: &Sample) -> bool {
    a.time == b.time || (a.sequence.is_some() && a.sequence == b.sequence)
}

pub(crate) fn series_tag(keys: &crate::seal::Keys, series: &SeriesKey) -> Vec<u8> {
    keys.tag(&[
        b"series",
        series.device.as_bytes(),
        series.metric.as_str().as_bytes(),
    ])
}

/// Associated data: binds a sealed piece to its series, its row, its time keys, its import batch
/// and the format version, so a piece moved to another series, row, time slot or batch fails to
/// open. Batch 0 (devices, manual entries) is sealed as before batches existed.
pub(crate) fn chunk_aad(
    series_id: i64,
    id: i64,
    first_hour: i64,
    last_hour: i64,
    batch: i64,
) -> Vec<u8> {
    if batch == 0 {
        aad(b"tend/v2/chunk", &[series_id, id, first_hour, last_hour])
    } else {
        aad(
            b"tend/v3/batch-chunk",
            &[series_id, id, first_hour, last_hour, batch],
        )
    }
}

pub(crate) fn pending_aad(series_id: i64, id: i64, hour: i64) -> Vec<u8> {
    aad(b"tend/v2/pending", &[series_id, id, hour])
}

/// A series' name is bound to its row id and its tag (which is made from its device and metric).
pub(crate) fn series_aad(id: i64, tag: &[u8]) -> Vec<u8> {
    [aad(b"tend/v2/series", &[id]).as_slice(), tag].concat()
}
