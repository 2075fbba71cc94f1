//! Crash safety: a process appending readings is killed with SIGKILL at an arbitrary moment; every
//! reading it had been told was stored is there after reopening, and SQLite's integrity check passes.
//!
//! The child is this same test binary, re-run with `TEND_CRASH_CHILD` naming the vault directory.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test
#![allow(clippy::print_stdout)] // the child reports each acknowledged reading on stdout

use std::io::{BufRead, BufReader};

use jiff::Timestamp;
use tend_vault::{KeySource, Passphrase, Sample, Series, Vault};
use tend_vitals::{DeviceKind, Metric, Unit};

const CHILD: &str = "TEND_CRASH_CHILD";
const DAY0: i64 = 1_767_225_600;

fn key() -> KeySource {
    KeySource::Passphrase(Passphrase::new("crash test passphrase").expect("long enough"))
}

fn series() -> Series {
    Series::new("strap", Metric::HeartRate, DeviceKind::HeartRateMonitor)
}

fn sample(second: i64) -> Sample {
    Sample {
        time: Timestamp::from_second(DAY0 + second).expect("time"),
        value: 60.0 + (second % 50) as f64,
        unit: Unit::PerMinute,
        sequence: None,
        flags: 0,
    }
}

#[tokio::test]
async fn readings_acknowledged_before_a_kill_survive_it() -> Result<(), Box<dyn std::error::Error>>
{
    if let Some(dir) = std::env::var_os(CHILD) {
        return ingest_until_killed(dir.as_ref()).await;
    }
    let dir = tempfile::tempdir()?;
    Vault::create(dir.path(), key()).await?.close().await;

    let mut child = std::process::Command::new(std::env::current_exe()?)
        .args([
            "--exact",
            "readings_acknowledged_before_a_kill_survive_it",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, dir.path())
        .stdout(std::process::Stdio::piped())
        .spawn()?;
    let stdout = child.stdout.take().expect("piped");
    // Read acknowledgements until well past a compaction (every 512 live readings) and a few
    // bulk batches, then kill without warning.
    let mut acknowledged = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let Some(rest) = line.strip_prefix("stored ") else {
            continue;
        };
        let (from, to): (i64, i64) = rest
            .split_once(' ')
            .map(|(a, b)| (a.parse().expect("n"), b.parse().expect("n")))
            .expect("range");
        acknowledged.extend(from..to);
        if acknowledged.len() > 6_000 {
            break;
        }
    }
    child.kill()?; // SIGKILL on Unix
    child.wait()?;
    assert!(acknowledged.len() > 6_000, "the child stopped early");

    let vault = Vault::unlock(dir.path(), key()).await?;
    let read = vault
        .read_series(
            &series().key,
            Timestamp::from_second(DAY0)?,
            Timestamp::from_second(DAY0 + 1_000_000)?,
        )
        .await?;
    assert!(read.damaged.is_empty(), "{:?}", read.damaged);
    let stored: std::collections::HashSet<i64> = read
        .data
        .iter()
        .map(|s| s.time.as_second() - DAY0)
        .collect();
    let lost: Vec<_> = acknowledged
        .iter()
        .filter(|s| !stored.contains(s))
        .collect();
    assert!(
        lost.is_empty(),
        "{} acknowledged readings lost, first {:?}",
        lost.len(),
        lost.first()
    );
    vault.close().await;

    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("vault.sqlite").display()
    ))
    .await?;
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await?;
    assert_eq!(check, "ok");
    Ok(())
}

/// The child: live readings one by one, with a bulk batch every 200, printing what is stored as
/// soon as the call returns.
async fn ingest_until_killed(dir: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let vault = Vault::unlock(dir, key()).await?;
    let mut second = 0i64;
    loop {
        for _ in 0..200 {
            vault.append_live(&series(), sample(second)).await?;
            println!("stored {second} {}", second + 1);
            second += 1;
        }
        let batch: Vec<Sample> = (second..second + 1_000).map(sample).collect();
        vault.append_bulk(&series(), batch).await?;
        println!("stored {second} {}", second + 1_000);
        second += 1_000;
    }
}

const BATCH_CHILD: &str = "TEND_CRASH_BATCH_CHILD";
/// Readings per batch in the batch crash test; batch `k` covers seconds `k * SPACING ..`.
const BATCH_READINGS: i64 = 40_000;
const SPACING: i64 = 100_000;

/// Issue 18: a process committing import batches is killed while a commit is under way; after
/// reopening, every batch is there whole (its record and all its readings) or not at all, and
/// the file adds up to its sealed head.
#[tokio::test]
async fn an_import_batch_is_stored_whole_or_not_at_all_across_a_kill(
) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(dir) = std::env::var_os(BATCH_CHILD) {
        return commit_batches_until_killed(dir.as_ref()).await;
    }
    // A commit takes some tens of milliseconds here: the kill lands before, inside or after one.
    for delay_ms in [0u64, 10, 25, 60, 250] {
        let dir = tempfile::tempdir()?;
        Vault::create(dir.path(), key()).await?.close().await;
        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args([
                "--exact",
                "an_import_batch_is_stored_whole_or_not_at_all_across_a_kill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(BATCH_CHILD, dir.path())
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let mut committed = 0;
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            if line.starts_with("committed ") {
                committed += 1;
            }
            // The third commit has begun: kill it somewhere inside.
            if line == "committing 2" {
                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                break;
            }
        }
        child.kill()?;
        child.wait()?;
        assert_eq!(committed, 2, "the child stopped early");

        let vault = Vault::unlock(dir.path(), key()).await?;
        let batches: Vec<(String, serde_json::Value)> = vault
            .list_records(tend_vault::RecordKind::ImportBatch)
            .await?;
        let recorded: Vec<i64> = batches
            .iter()
            .map(|(_, v)| v["k"].as_i64().expect("k"))
            .collect();
        assert!(
            recorded.len() >= 2,
            "a committed batch was lost: {recorded:?}"
        );
        let last = recorded.iter().max().copied().unwrap_or(0);
        for k in 0..=last + 1 {
            let read = vault
                .read_series(
                    &series().key,
                    Timestamp::from_second(DAY0 + k * SPACING)?,
                    Timestamp::from_second(DAY0 + (k + 1) * SPACING)?,
                )
                .await?;
            assert!(read.damaged.is_empty(), "{:?}", read.damaged);
            let expected = if recorded.contains(&k) {
                BATCH_READINGS as usize
            } else {
                0
            };
            assert_eq!(
                read.data.len(),
                expected,
                "batch {k}, killed after {delay_ms} ms"
            );
        }
        vault.close().await;
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("vault.sqlite").display()
        ))
        .await?;
        let check: String = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_one(&pool)
            .await?;
        assert_eq!(check, "ok");
        pool.close().await;
    }
    Ok(())
}

/// The child: batch after batch of the same series, each announced before its commit starts.
async fn commit_batches_until_killed(
    dir: &std::path::Path,
) -> Result<(), Box<dyn std::error::Error>> {
    use tend_vault::{RecordChanges, RecordKind, StagedBatch};
    let vault = Vault::unlock(dir, key()).await?;
    for k in 0.. {
        let mut staged = StagedBatch::new();
        for s in 0..BATCH_READINGS {
            staged.add(&series(), sample(k * SPACING + s))?;
        }
        println!("committing {k}");
        let batch = vault
            .commit_batch(
                staged,
                |batch| {
                    let mut changes = RecordChanges::new();
                    changes.put(
                        RecordKind::ImportBatch,
                        &batch.id.to_string(),
                        &serde_json::json!({ "k": k }),
                    )?;
                    Ok(changes)
                },
                &mut |_| {},
            )
            .await?;
        println!("committed {}", batch.id);
    }
    Ok(())
}
