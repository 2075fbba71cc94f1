//! Attacks on the README's promises about the vault file, each made the way someone holding the
//! file would make them (the sqlite3 shell: foreign keys off, rows moved, deleted, put back, the
//! file copied back). Each must be reported; none may read back as clean data.
//!
//! Every test here failed on the vault of format 1 (before issue 16).
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::path::Path;

use jiff::Timestamp;
use tend_vault::{AuditEntry, KeySource, Passphrase, RecordKind, Sample, Series, Vault};
use tend_vitals::{DeviceKind, Metric, Unit};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const DAY0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z
/// What a write to a vault older than the last one Tend saw answers.
const ROLLED_BACK: &str = "older than the last one Tend saw";

fn key() -> KeySource {
    KeySource::Passphrase(Passphrase::new("attack test passphrase").expect("long enough"))
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(DAY0 + second).expect("time")
}

fn samples(count: i64, value: impl Fn(i64) -> f64, unit: Unit) -> Vec<Sample> {
    (0..count)
        .map(|i| Sample {
            time: at(i),
            value: value(i),
            unit,
            sequence: None,
            flags: 0,
        })
        .collect()
}

fn heart_rate() -> Series {
    Series::new("strap", Metric::HeartRate, DeviceKind::HeartRateMonitor)
}

/// Runs SQL on the file as the sqlite3 shell would: foreign keys off.
async fn shell(dir: &Path, statements: &[&str]) -> TestResult {
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}?mode=rw",
        dir.join("vault.sqlite").display()
    ))
    .await?;
    let mut conn = pool.acquire().await?;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await?;
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.to_string()))
            .execute(&mut *conn)
            .await?;
    }
    drop(conn);
    pool.close().await;
    Ok(())
}

/// Copies the vault file (folded: the write-ahead log is checkpointed on close).
fn copy_file(from: &Path, to: &Path) -> TestResult {
    std::fs::create_dir_all(to)?;
    // With its write-ahead log where one is left (a connection closing late has not folded it
    // in yet): the file alone may not even hold the tables.
    for name in ["vault.sqlite", "vault.sqlite-wal"] {
        if from.join(name).exists() {
            std::fs::copy(from.join(name), to.join(name))?;
        }
    }
    Ok(())
}

/// Puts an earlier copy of the file back in place of the vault (and drops SQLite's companions).
fn put_back(copy: &Path, dir: &Path) -> TestResult {
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.join(format!("vault.sqlite{suffix}")));
    }
    for name in ["vault.sqlite", "vault.sqlite-wal"] {
        if copy.join(name).exists() {
            std::fs::copy(copy.join(name), dir.join(name))?;
        }
    }
    Ok(())
}

fn entry(n: i64) -> AuditEntry {
    AuditEntry {
        at: at(n),
        action: "shared".into(),
        counterpart: Some("Test Clinic".into()),
        summary: format!("{n} heart-rate summaries"),
    }
}

/// Swapping two series' ids makes one series' sealed chunks belong to the other. A body-fat
/// series must not read back SpO2 values as clean data (nor the other way round).
#[tokio::test]
async fn swapped_series_ids_are_reported_not_read_as_the_other_metric() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    let body_fat = Series::new("scale", Metric::BodyFat, DeviceKind::Scale);
    let spo2 = Series::new("oximeter", Metric::Spo2, DeviceKind::PulseOximeter);
    vault
        .append_bulk(
            &body_fat,
            samples(10, |i| 20.0 + 0.1 * i as f64, Unit::Percent),
        )
        .await?;
    vault
        .append_bulk(&spo2, samples(10, |i| 90.0 + i as f64, Unit::Percent))
        .await?;
    vault.close().await;

    shell(
        dir.path(),
        &[
            "UPDATE series SET id = 100 WHERE id = 1",
            "UPDATE series SET id = 1 WHERE id = 2",
            "UPDATE series SET id = 2 WHERE id = 100",
        ],
    )
    .await?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let read = vault.read_raw(Metric::BodyFat, at(0), at(10)).await?;
    assert!(
        read.data.iter().all(|s| s.sample.value < 50.0),
        "SpO2 values read back as body fat"
    );
    assert!(!read.damaged.is_empty(), "the swap is reported");
    let read = vault.read_raw(Metric::Spo2, at(0), at(10)).await?;
    assert!(
        read.data.iter().all(|s| s.sample.value >= 50.0),
        "body-fat values read back as SpO2"
    );
    assert!(!read.damaged.is_empty(), "the swap is reported");
    Ok(())
}

/// A whole sealed chunk deleted: the readings it held must be reported missing.
#[tokio::test]
async fn a_deleted_chunk_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    vault
        .append_bulk(
            &heart_rate(),
            samples(3 * 4_096, |i| 60.0 + (i % 30) as f64, Unit::PerMinute),
        )
        .await?;
    vault.close().await;

    shell(
        dir.path(),
        &["DELETE FROM chunk WHERE id = (SELECT id FROM chunk ORDER BY first_hour LIMIT 1 OFFSET 1)"],
    )
    .await?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let read = vault.read_raw(Metric::HeartRate, at(0), at(86_400)).await?;
    assert!(
        !read.damaged.is_empty(),
        "{} readings came back and nothing was reported",
        read.data.len()
    );
    assert_eq!(read.data.len(), 2 * 4_096, "the rest still reads");
    Ok(())
}

/// An older version of a record put back (a consent since changed) is reported, not read as
/// the current one.
#[tokio::test]
async fn an_old_record_version_put_back_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    let id = "test-clinic/heart_rate";
    vault
        .put_record(
            RecordKind::Consent,
            id,
            &serde_json::json!({"since": "2020-01-01"}),
        )
        .await?;
    vault.close().await;
    let old = tempfile::tempdir()?;
    copy_file(dir.path(), old.path())?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    vault
        .put_record(
            RecordKind::Consent,
            id,
            &serde_json::json!({"since": "2026-06-01"}),
        )
        .await?;
    vault
        .put_record(
            RecordKind::Medication,
            "metformin",
            &serde_json::json!({"pills": 60}),
        )
        .await?;
    vault.close().await;

    // The old row goes back in place of the new one.
    shell(
        dir.path(),
        &[
            &format!(
                "ATTACH '{}' AS old",
                old.path().join("vault.sqlite").display()
            ),
            "UPDATE record SET sealed = (SELECT o.sealed FROM old.record o WHERE o.kind_tag = record.kind_tag AND o.tag = record.tag) WHERE EXISTS (SELECT 1 FROM old.record o WHERE o.kind_tag = record.kind_tag AND o.tag = record.tag)",
        ],
    )
    .await?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let got = vault
        .get_record::<serde_json::Value>(RecordKind::Consent, id)
        .await;
    assert!(
        got.is_err(),
        "the old consent read back as current: {got:?}"
    );
    // The rest still reads.
    assert!(vault
        .get_record::<serde_json::Value>(RecordKind::Medication, "metformin")
        .await?
        .is_some());
    Ok(())
}

/// The audit log cut back to two entries, with the vault's bookkeeping (the `meta` table, where
/// the log's head lives) copied from the time it had two: reported.
#[tokio::test]
async fn a_truncated_audit_log_with_an_old_head_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    vault.audit(&entry(0)).await?;
    vault.audit(&entry(1)).await?;
    vault.close().await;
    let old = tempfile::tempdir()?;
    copy_file(dir.path(), old.path())?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    vault.audit(&entry(2)).await?;
    vault.audit(&entry(3)).await?;
    vault.close().await;

    shell(
        dir.path(),
        &[
            &format!(
                "ATTACH '{}' AS old",
                old.path().join("vault.sqlite").display()
            ),
            "DELETE FROM audit WHERE seq > 2",
            "DELETE FROM meta",
            "INSERT INTO meta SELECT * FROM old.meta",
        ],
    )
    .await?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let log = vault.audit_log().await;
    let write = vault.audit(&entry(4)).await;
    assert!(
        log.is_err()
            || write
                .as_ref()
                .is_err_and(|e| e.to_string().contains(ROLLED_BACK)),
        "the truncated log read back whole ({log:?}) and the vault took a write ({write:?})"
    );
    Ok(())
}

/// The whole file put back as an earlier copy: the vault says it is older than the last one
/// Tend saw, and takes no write until the patient decides.
#[tokio::test]
async fn a_file_rolled_back_to_an_earlier_copy_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    vault
        .append_bulk(&heart_rate(), samples(100, |_| 70.0, Unit::PerMinute))
        .await?;
    vault.close().await;
    let old = tempfile::tempdir()?;
    copy_file(dir.path(), old.path())?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    vault
        .put_record(
            RecordKind::Consent,
            "team/heart_rate",
            &serde_json::json!({}),
        )
        .await?;
    vault.audit(&entry(1)).await?;
    vault.close().await;

    put_back(old.path(), dir.path())?;
    let opened = Vault::unlock(dir.path(), key()).await;
    let reported = match opened {
        Err(e) => e.to_string().contains(ROLLED_BACK),
        Ok(vault) => vault
            .put_record(RecordKind::Setting, "x", &serde_json::json!({}))
            .await
            .is_err_and(|e| e.to_string().contains(ROLLED_BACK)),
    };
    assert!(reported, "the earlier copy opened as if it were current");
    Ok(())
}

/// The clear-text nonce counter reset before each seal: two pieces sealed from the same counter
/// state must share nothing that picks their key and nonce (a 32-bit random prefix is a birthday
/// bound of 2^16 seals).
#[tokio::test]
async fn a_reset_nonce_counter_repeats_no_nonce() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    for n in 0..20 {
        // The counter as the file keeps it, reset as an attacker (or a restored backup) would.
        let pool = sqlx::SqlitePool::connect(&format!(
            "sqlite://{}",
            dir.path().join("vault.sqlite").display()
        ))
        .await?;
        sqlx::query("UPDATE meta SET value = 0 WHERE key = 'nonce_next'")
            .execute(&pool)
            .await?;
        pool.close().await;
        vault
            .put_record(RecordKind::Setting, &format!("s{n}"), &serde_json::json!(n))
            .await?;
    }
    vault.close().await;

    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("vault.sqlite").display()
    ))
    .await?;
    let blobs: Vec<Vec<u8>> = sqlx::query_scalar("SELECT sealed FROM record")
        .fetch_all(&pool)
        .await?;
    pool.close().await;
    assert_eq!(blobs.len(), 20);
    // Whatever the layout, the first 32 bytes of a sealed piece hold what picks its key and
    // nonce: no 8 of them may be equal, at the same place, in two pieces.
    for (i, a) in blobs.iter().enumerate() {
        for b in &blobs[i + 1..] {
            for offset in 0..24 {
                assert_ne!(
                    a[offset..offset + 8],
                    b[offset..offset + 8],
                    "two seals share bytes {offset}..{} of their nonce material",
                    offset + 8
                );
            }
        }
    }
    Ok(())
}

/// Created under the usual umask (022): the profile directory is the patient's alone (0700) and
/// so are the vault and SQLite's companions (0600).
#[cfg(unix)]
#[tokio::test]
async fn the_profile_and_the_vault_are_private_to_the_patient() -> TestResult {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir()?;
    let dir = home.path().join("profile");
    let vault = Vault::create(&dir, key()).await?;
    vault
        .append_live(&heart_rate(), samples(1, |_| 70.0, Unit::PerMinute)[0])
        .await?;
    let mode = |path: &Path| -> u32 {
        std::fs::metadata(path)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&dir), 0o700, "the profile directory");
    for file in ["vault.sqlite", "vault.sqlite-wal", "vault.sqlite-shm"] {
        let path = dir.join(file);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{file}");
        }
    }
    vault.close().await;
    Ok(())
}

/// Changing the passphrase re-keys: someone who knew the old passphrase and grafts the old
/// wrapped key (and its check value) from a backup into the current file unlocks nothing that was
/// written since: every piece is sealed under the new key.
#[tokio::test]
async fn the_old_passphrase_with_the_old_wrapped_key_opens_nothing_after_a_change() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    vault
        .append_bulk(&heart_rate(), samples(100, |_| 70.0, Unit::PerMinute))
        .await?;
    vault
        .put_record(
            RecordKind::Medication,
            "metformin",
            &serde_json::json!({"pills": 60}),
        )
        .await?;
    vault.close().await;
    let backup = tempfile::tempdir()?;
    copy_file(dir.path(), backup.path())?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let old = Passphrase::new("attack test passphrase")?;
    let new = Passphrase::new("a brand new passphrase")?;
    vault.change_passphrase(&old, &new).await?;
    vault.close().await;

    shell(
        dir.path(),
        &[
            &format!(
                "ATTACH '{}' AS old",
                backup.path().join("vault.sqlite").display()
            ),
            "DELETE FROM meta WHERE key IN ('wrapped_key', 'kdf_salt', 'key_check')",
            "INSERT INTO meta SELECT * FROM old.meta WHERE key IN ('wrapped_key', 'kdf_salt', 'key_check')",
        ],
    )
    .await?;
    match Vault::unlock(dir.path(), key()).await {
        Err(_) => {}
        Ok(vault) => {
            let read = vault.read_raw(Metric::HeartRate, at(0), at(100)).await;
            assert!(
                read.as_ref().map_or(true, |r| r.data.is_empty()),
                "{} readings opened with the old key",
                read.as_ref().map_or(0, |r| r.data.len())
            );
            assert!(vault
                .get_record::<serde_json::Value>(RecordKind::Medication, "metformin")
                .await
                .map_or(true, |r| r.is_none()));
        }
    }
    // The backup itself still opens with the old passphrase, and holds what it held.
    let vault = Vault::unlock(backup.path(), key()).await?;
    assert_eq!(
        vault
            .read_raw(Metric::HeartRate, at(0), at(100))
            .await?
            .data
            .len(),
        100
    );
    Ok(())
}

/// A series' older sealed name (from before its device kind was known) put back over the
/// current one: reported, not read as current.
#[tokio::test]
async fn an_older_series_name_put_back_is_reported() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    let unknown = Series::new("strap", Metric::HeartRate, DeviceKind::Unknown);
    vault
        .append_bulk(&unknown, samples(10, |_| 70.0, Unit::PerMinute))
        .await?;
    vault.close().await;
    let old = tempfile::tempdir()?;
    copy_file(dir.path(), old.path())?;
    let vault = Vault::unlock(dir.path(), key()).await?;
    vault
        .append_bulk(&heart_rate(), samples(20, |_| 70.0, Unit::PerMinute))
        .await?;
    vault.close().await;
    shell(
        dir.path(),
        &[
            &format!(
                "ATTACH '{}' AS old",
                old.path().join("vault.sqlite").display()
            ),
            "UPDATE series SET sealed = (SELECT o.sealed FROM old.series o WHERE o.id = series.id)",
        ],
    )
    .await?;
    let vault = Vault::unlock(dir.path(), key()).await?;
    let read = vault.read_raw(Metric::HeartRate, at(0), at(20)).await?;
    assert!(
        !read.damaged.is_empty(),
        "the old name read back as current"
    );
    Ok(())
}

/// Issue 18: an imported chunk whose clear batch number is changed to 0 (to survive an undo as
/// if a device had recorded it), or moved into another batch, fails its seal and no longer adds
/// up to the head.
#[tokio::test]
async fn a_chunk_moved_out_of_its_import_batch_is_reported() -> TestResult {
    use tend_vault::{RecordChanges, StagedBatch};
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), key()).await?;
    let mut staged = StagedBatch::new();
    for sample in samples(100, |i| 60.0 + (i % 30) as f64, Unit::PerMinute) {
        staged.add(&heart_rate(), sample)?;
    }
    vault
        .commit_batch(staged, |_| Ok(RecordChanges::new()), &mut |_| {})
        .await?;
    vault.close().await;
    shell(dir.path(), &["UPDATE chunk SET batch = 0 WHERE batch <> 0"]).await?;

    let vault = Vault::unlock(dir.path(), key()).await?;
    let read = vault.read_raw(Metric::HeartRate, at(0), at(86_400)).await?;
    assert!(
        read.data.is_empty(),
        "the moved chunk read back as clean data"
    );
    assert!(read.damaged.iter().any(|d| d.what == "chunk"));
    assert!(read.damaged.iter().any(|d| d.what == "series index"));
    Ok(())
}
