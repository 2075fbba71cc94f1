//! Sealed rollups: count, sum, min and max per minute, hour and day, so a chart of a year opens a
//! few small blocks instead of every sample.
//!
//! Buckets are aligned to the Unix epoch; 1024 buckets of one level make a block, sealed as one.
//! Each import batch keeps blocks of its own (batch 0: devices and manual entries), so undoing an
//! import drops its blocks instead of subtracting from shared ones (a minimum cannot be undone);
//! a read merges the blocks of every batch.

use std::collections::BTreeMap;

use sqlx::SqliteConnection;

use crate::{
    damage::{damage, Damage},
    head::{piece, Writing},
    sample::HOUR_NS,
    seal::{aad, Keys},
    Error, Result,
};

const BUCKETS_PER_BLOCK: i64 = 1024;
const MINUTE_NS: i64 = 60_000_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    Minute,
    Hour,
    Day,
}

impl Level {
    /// Finest first.
    pub const ALL: [Level; 3] = [Level::Minute, Level::Hour, Level::Day];

    pub fn width_ns(self) -> i64 {
        match self {
            Level::Minute => MINUTE_NS,
            Level::Hour => HOUR_NS,
            Level::Day => 24 * HOUR_NS,
        }
    }

    pub(crate) fn code(self) -> i64 {
        match self {
            Level::Minute => 1,
            Level::Hour => 2,
            Level::Day => 3,
        }
    }
}

/// Count, sum, min and max of the values in one bucket.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Aggregate {
    pub count: u64,
    pub sum: f64,
    pub min: f64,
    pub max: f64,
}

impl Default for Aggregate {
    fn default() -> Self {
        Aggregate {
            count: 0,
            sum: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Aggregate {
    pub fn add(&mut self, value: f64) {
        self.count += 1;
        self.sum += value;
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    pub fn merge(&mut self, other: &Aggregate) {
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }
}

/// Adds time-sorted `(time_ns, canonical value)` points to every level's blocks of `batch`, in a
/// write. Each block written takes a new version, bound into its seal and counted in the head.
pub(crate) async fn add(
    writing: &mut Writing,
    keys: &Keys,
    series_id: i64,
    points: &[(i64, f64)],
    batch: i64,
) -> Result<()> {
    let mut updates: Vec<(Level, i64, BTreeMap<i64, Aggregate>)> = Vec::new();
    for level in Level::ALL {
        for (bucket, aggregate) in aggregate_sorted(points, level.width_ns()) {
            let block = bucket.div_euclid(BUCKETS_PER_BLOCK);
            match updates.last_mut() {
                Some((l, b, map)) if *l == level && *b == block => {
                    map.entry(bucket).or_default().merge(&aggregate);
                }
                _ => updates.push((level, block, BTreeMap::from([(bucket, aggregate)]))),
            }
        }
    }
    for (level, block, mut buckets) in updates {
        let existing: Option<(i64, Vec<u8>)> = sqlx::query_as(
            "SELECT version, sealed FROM rollup WHERE series_id = ? AND level = ? AND block = ? AND batch = ?",
        )
        .bind(series_id)
        .bind(level.code())
        .bind(block)
        .bind(batch)
        .fetch_optional(&mut *writing.tx)
        .await?;
        if let Some((version, sealed)) = existing {
            // A damaged block cannot be merged into without losing what it held: refuse the write.
            let plain = keys.open(
                &block_aad(series_id, level.code(), block, version, batch),
                &sealed,
            )?;
            for (bucket, aggregate) in decode_block(&plain, block)? {
                buckets.entry(bucket).or_default().merge(&aggregate);
            }
            writing.series(series_id).remove(&piece::rollup(
                keys,
                series_id,
                level.code(),
                block,
                version,
                batch,
            ));
        }
        let version = writing.serial();
        let sealed = keys.seal(
            &block_aad(series_id, level.code(), block, version, batch),
            &encode_block(&buckets, block),
        )?;
        sqlx::query("INSERT INTO rollup (series_id, level, block, batch, version, sealed) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version, sealed = excluded.sealed")
            .bind(series_id)
            .bind(level.code())
            .bind(block)
            .bind(batch)
            .bind(version)
            .bind(sealed)
            .execute(&mut *writing.tx)
            .await?;
        writing.series(series_id).add(&piece::rollup(
            keys,
            series_id,
            level.code(),
            block,
            version,
            batch,
        ));
    }
    Ok(())
}

/// Binds a block to its series, level, block number and version, and an import's block to its
/// batch too (batch 0's blocks are sealed as before batches existed).
pub(crate) fn block_aad(
    series_id: i64,
    level: i64,
    block: i64,
    version: i64,
    batch: i64,
) -> Vec<u8> {
    if batch == 0 {
        aad(b"tend/v2/rollup", &[series_id, level, block, version])
    } else {
        aad(
            b"tend/v3/batch-rollup",
            &[series_id, level, block, version, batch],
        )
    }
}

/// The level's buckets `first..=last` of one series that hold data, from every batch (a bucket
/// may come once per batch: the caller merges them).
pub(crate) async fn read(
    conn: &mut SqliteConnection,
    keys: &Keys,
    series_id: i64,
    level: Level,
    first: i64,
    last: i64,
) -> Result<(Vec<(i64, Aggregate)>, Vec<Damage>)> {
    let rows: Vec<(i64, i64, i64, Vec<u8>)> = sqlx::query_as("SELECT block, version, batch, sealed FROM rollup WHERE series_id = ? AND level = ? AND block BETWEEN ? AND ? ORDER BY block")
        .bind(series_id)
        .bind(level.code())
        .bind(first.div_euclid(BUCKETS_PER_BLOCK))
        .bind(last.div_euclid(BUCKETS_PER_BLOCK))
        .fetch_all(&mut *conn)
        .await?;
    let mut buckets = Vec::new();
    let mut damaged = Vec::new();
    for (block, version, batch, sealed) in rows {
        match keys.open(
            &block_aad(series_id, level.code(), block, version, batch),
            &sealed,
        ) {
            Ok(plain) => buckets.extend(
                decode_block(&plain, block)?
                    .into_iter()
                    .filter(|(b, _)| (first..=last).contains(b)),
            ),
            Err(_) => {
                let span = BUCKETS_PER_BLOCK * level.width_ns() / HOUR_NS;
                damaged.push(damage(
                    "summary block",
                    block * span,
                    (block + 1) * span - 1,
                )?);
            }
        }
    }
    Ok((buckets, damaged))
}

/// Buckets of sorted points, in one pass. Divides only when a point leaves the current bucket
/// (a division per point per level was the bulk of an append's cost).
fn aggregate_sorted(points: &[(i64, f64)], width_ns: i64) -> Vec<(i64, Aggregate)> {
    let mut out: Vec<(i64, Aggregate)> = Vec::new();
    let mut bucket_end = i64::MIN;
    for &(t, value) in points {
        match out.last_mut() {
            Some((_, aggregate)) if t < bucket_end => aggregate.add(value),
            _ => {
                let bucket = t.div_euclid(width_ns);
                bucket_end = (bucket + 1).saturating_mul(width_ns);
                let mut aggregate = Aggregate::default();
                aggregate.add(value);
                out.push((bucket, aggregate));
            }
        }
    }
    out
}

/// Entries `(offset in block, count, sum, min, max)`, offsets ascending.
fn encode_block(buckets: &BTreeMap<i64, Aggregate>, block: i64) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + buckets.len() * 30);
    out.extend_from_slice(&(buckets.len() as u16).to_le_bytes());
    for (bucket, a) in buckets {
        out.extend_from_slice(&((bucket - block * BUCKETS_PER_BLOCK) as u16).to_le_bytes());
        out.extend_from_slice(&a.count.to_le_bytes());
        for v in [a.sum, a.min, a.max] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

fn decode_block(bytes: &[u8], block: i64) -> Result<Vec<(i64, Aggregate)>> {
    const ENTRY: usize = 2 + 8 * 4;
    let (count, rest) = bytes.split_at_checked(2).ok_or(Error::Corrupt)?;
    let count = usize::from(u16::from_le_bytes([count[0], count[1]]));
    if rest.len() != count * ENTRY {
        return Err(Error::Corrupt);
    }
    let word = |e: &[u8], i: usize| -> [u8; 8] {
        let mut w = [0u8; 8];
        w.copy_from_slice(&e[2 + 8 * i..2 + 8 * (i + 1)]);
        w
    };
    rest.chunks_exact(ENTRY)
        .map(|e| {
            let offset = i64::from(u16::from_le_bytes([e[0], e[1]]));
            if offset >= BUCKETS_PER_BLOCK {
                return Err(Error::Corrupt);
            }
            Ok((
                block * BUCKETS_PER_BLOCK + offset,
                Aggregate {
                    count: u64::from_le_bytes(word(e, 0)),
                    sum: f64::from_le_bytes(word(e, 1)),
                    min: f64::from_le_bytes(word(e, 2)),
                    max: f64::from_le_bytes(word(e, 3)),
                },
            ))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregates_and_blocks_round_trip() {
        let points: Vec<_> = (0..180).map(|s| (s * 1_000_000_000, s as f64)).collect();
        let minutes = aggregate_sorted(&points, MINUTE_NS);
        assert_eq!(minutes.len(), 3);
        assert_eq!(
            minutes[1].1,
            Aggregate {
                count: 60,
                sum: (60..120).sum::<i64>() as f64,
                min: 60.0,
                max: 119.0
            }
        );
        let map: BTreeMap<_, _> = minutes.into_iter().collect();
        let decoded = decode_block(&encode_block(&map, 0), 0).expect("decodes");
        assert_eq!(decoded, map.into_iter().collect::<Vec<_>>());
        assert!(decode_block(&[1, 0, 0], 0).is_err());
    }
}
