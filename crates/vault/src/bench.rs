//! `tend bench vault`: the vault against the way other health apps store readings (one row per
//! reading in a plain SQLite table, Gadgetbridge-style), measured in the same run on the same data.

use std::{path::Path, time::Instant};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{database, Error, KeySource, Passphrase, Result, Sample, Series, Vault};

/// Readings per `append_bulk` call: what an import hands the vault at a time.
const BATCH: usize = 1 << 20;
/// The baseline inserts its rows through one prepared multi-row statement per this many rows, in
/// one transaction: SQLite's own per-row cost, as a native app's prepared-statement loop pays it.
/// (One sqlx call per row would add tens of microseconds of async round trip a row, and flatter
/// the vault.)
const BASELINE_ROWS_PER_STATEMENT: usize = 500;

/// The figures `tend bench vault` prints (field names are part of the CLI contract).
#[derive(Debug, Clone, Serialize)]
pub struct VaultBench {
    pub readings: u64,
    pub append_readings_per_s: f64,
    pub baseline_append_readings_per_s: f64,
    pub append_ratio: f64,
    pub chart_day_ms: f64,
    pub baseline_chart_day_ms: f64,
    pub chart_ratio: f64,
    pub chart_hour_ms: f64,
    pub baseline_chart_hour_ms: f64,
    pub chart_minute_ms: f64,
    pub baseline_chart_minute_ms: f64,
    pub size_bytes: u64,
    pub baseline_size_bytes: u64,
    pub size_ratio: f64,
}

/// Runs the benchmark on `readings` readings of 1 Hz heart rate, in `scratch` (a fresh directory).
pub async fn bench(readings: u64, scratch: &Path) -> Result<VaultBench> {
    let start = Timestamp::from_second(1_767_225_600).map_err(|_| Error::Corrupt)?;
    let samples = heart_rate(start, readings);
    let until = start + SignedDuration::from_secs(i64::try_from(readings).unwrap_or(i64::MAX));

    let baseline_dir = scratch.join("baseline");
    std::fs::create_dir_all(&baseline_dir)
        .map_err(|_| Error::Storage("cannot create the scratch directory".into()))?;
    let baseline = database::connect(&baseline_dir.join("plain.sqlite"), true).await?;
    sqlx::query("CREATE TABLE reading (timestamp INTEGER NOT NULL, device_id INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (timestamp, device_id)) WITHOUT ROWID")
        .execute(&baseline)
        .await?;
    let timer = Instant::now();
    let mut tx = baseline.begin().await?;
    for rows in samples.chunks(BASELINE_ROWS_PER_STATEMENT) {
        let mut insert =
            sqlx::QueryBuilder::new("INSERT INTO reading (timestamp, device_id, value) ");
        insert.push_values(rows, |mut row, sample| {
            row.push_bind(sample.time.as_second())
                .push_bind(1i64)
                .push_bind(sample.value);
        });
        insert.build().persistent(true).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    let baseline_append_s = timer.elapsed().as_secs_f64();

    let vault_dir = scratch.join("vault");
    let vault = Vault::create(
        &vault_dir,
        KeySource::Passphrase(Passphrase::new("benchmark passphrase")?),
    )
    .await?;
    let series = Series::new(
        "bench strap",
        Metric::HeartRate,
        DeviceKind::HeartRateMonitor,
    );
    // Batches are handed over owned, as an import does: copying them is not the vault's work.
    let batches: Vec<Vec<Sample>> = samples.chunks(BATCH).map(<[Sample]>::to_vec).collect();
    let timer = Instant::now();
    for batch in batches {
        vault.append_bulk(&series, batch).await?;
    }
    let append_s = timer.elapsed().as_secs_f64();

    let mut charts = [(0.0, 0.0); 3];
    for (i, width_s) in [86_400i64, 3_600, 60].into_iter().enumerate() {
        // Best of three for the vault (milliseconds, noisy); the baseline's seconds-long scans once.
        let mut best = f64::MAX;
        for _ in 0..3 {
            let timer = Instant::now();
            vault
                .read_buckets(
                    Metric::HeartRate,
                    start,
                    until,
                    SignedDuration::from_secs(width_s),
                )
                .await?;
            best = best.min(timer.elapsed().as_secs_f64() * 1e3);
        }
        let timer = Instant::now();
        sqlx::query("SELECT timestamp / ? AS bucket, min(value), max(value), avg(value), count(*) FROM reading GROUP BY bucket")
            .bind(width_s)
            .fetch_all(&baseline)
            .await?;
        charts[i] = (best, timer.elapsed().as_secs_f64() * 1e3);
    }

    let size_bytes = checkpointed_size(&vault.pool, &database::path(&vault_dir)).await?;
    let baseline_size_bytes =
        checkpointed_size(&baseline, &baseline_dir.join("plain.sqlite")).await?;
    vault.close().await;
    baseline.close().await;

    let rate = |seconds: f64| readings as f64 / seconds.max(1e-9);
    Ok(VaultBench {
        readings,
        append_readings_per_s: rate(append_s),
        baseline_append_readings_per_s: rate(baseline_append_s),
        append_ratio: baseline_append_s / append_s.max(1e-9),
        chart_day_ms: charts[0].0,
        baseline_chart_day_ms: charts[0].1,
        chart_ratio: charts[0].1 / charts[0].0.max(1e-9),
        chart_hour_ms: charts[1].0,
        baseline_chart_hour_ms: charts[1].1,
        chart_minute_ms: charts[2].0,
        baseline_chart_minute_ms: charts[2].1,
        size_bytes,
        baseline_size_bytes,
        size_ratio: size_bytes as f64 / baseline_size_bytes.max(1) as f64,
    })
}

/// A wandering heart rate, one reading a second (deterministic: the same data in every run).
fn heart_rate(start: Timestamp, count: u64) -> Vec<Sample> {
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut bpm = 70i64;
    (0..count)
        .map(|i| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            bpm = (bpm + (state % 3) as i64 - 1).clamp(45, 180);
            Sample {
                time: start + SignedDuration::from_secs(i as i64),
                value: bpm as f64,
                unit: Unit::PerMinute,
                sequence: None,
                flags: 0,
            }
        })
        .collect()
}

/// The file's size once the write-ahead log is folded in, as it would sit on disk at rest.
async fn checkpointed_size(pool: &sqlx::SqlitePool, path: &Path) -> Result<u64> {
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(pool)
        .await?;
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|_| Error::Storage("cannot measure the database file".into()))
}
