//! The vault with real parts: a real SQLite file through sqlx, real AES-GCM, real Argon2id.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use jiff::{SignedDuration, Timestamp};
use tend_vault::{Appended, Error, KeySource, Passphrase, Sample, Series, Vault, VaultStatus};
use tend_vitals::{DeviceKind, Metric, Unit};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn passphrase(text: &str) -> KeySource {
    KeySource::Passphrase(Passphrase::new(text).expect("long enough"))
}

fn heart_rate(device: &str) -> Series {
    Series::new(device, Metric::HeartRate, DeviceKind::HeartRateMonitor)
}

/// 1 Hz heart rate from `start` (seconds since the epoch).
fn samples(start: i64, count: i64) -> Vec<Sample> {
    (0..count)
        .map(|i| Sample {
            time: Timestamp::from_second(start + i).expect("time"),
            value: 60.0 + ((i * 7) % 40) as f64,
            unit: Unit::PerMinute,
            sequence: None,
            flags: 0,
        })
        .collect()
}

const DAY0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

async fn sql(dir: &std::path::Path, statement: &'static str) -> TestResult {
    let pool =
        sqlx::SqlitePool::connect(&format!("sqlite://{}", dir.join("vault.sqlite").display()))
            .await?;
    sqlx::query(statement).execute(&pool).await?;
    pool.close().await;
    Ok(())
}

#[tokio::test]
async fn passphrase_unlocks_wrong_one_says_so_and_it_can_change() -> TestResult {
    let dir = tempfile::tempdir()?;
    assert_eq!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::NotCreated
    );
    Vault::create(dir.path(), passphrase("correct horse battery"))
        .await?
        .close()
        .await;
    assert!(matches!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::Locked {
            format_version: tend_vault::FORMAT_VERSION,
            protection: tend_vault::KeyProtection::Passphrase,
            presence: tend_vault::PresenceCheck::Passphrase,
        }
    ));
    assert!(matches!(
        Vault::create(dir.path(), passphrase("another passphrase")).await,
        Err(Error::AlreadyExists)
    ));

    assert!(matches!(
        Vault::unlock(dir.path(), passphrase("wrong horse battery")).await,
        Err(Error::WrongKey)
    ));
    assert!(matches!(
        Vault::unlock(dir.path(), KeySource::Keychain).await,
        Err(Error::PassphraseRequired)
    ));
    let vault = Vault::unlock(dir.path(), passphrase("correct horse battery")).await?;
    vault
        .append_live(&heart_rate("strap"), samples(DAY0, 1)[0])
        .await?;

    let old = Passphrase::new("correct horse battery")?;
    let new = Passphrase::new("a new and longer passphrase")?;
    assert!(
        vault.change_passphrase(&new, &old).await.is_err(),
        "the old passphrase is required"
    );
    vault.change_passphrase(&old, &new).await?;
    vault.close().await;
    assert!(matches!(
        Vault::unlock(dir.path(), passphrase("correct horse battery")).await,
        Err(Error::WrongKey)
    ));
    let vault = Vault::unlock(dir.path(), passphrase("a new and longer passphrase")).await?;
    let day = vault
        .read_raw(
            Metric::HeartRate,
            Timestamp::from_second(DAY0)?,
            Timestamp::from_second(DAY0 + 86_400)?,
        )
        .await?;
    assert_eq!(
        day.data.len(),
        1,
        "the data survives a change of passphrase"
    );
    assert!(Passphrase::new("short").is_err());
    Ok(())
}

#[tokio::test]
async fn live_and_bulk_readings_are_stored_once_and_read_back_exactly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    let strap = heart_rate("strap");
    let all = samples(DAY0, 2_000);

    // Live: every reading acknowledged; a repeat is a duplicate; compaction happens on the way.
    for sample in &all[..700] {
        assert_eq!(vault.append_live(&strap, *sample).await?, Appended::Stored);
    }
    assert_eq!(
        vault.append_live(&strap, all[10]).await?,
        Appended::Duplicate
    );

    // Bulk over an overlapping range: only the new readings are stored.
    let bulk = vault.append_bulk(&strap, all[500..].to_vec()).await?;
    assert_eq!((bulk.stored, bulk.duplicates), (1_300, 200));
    let again = vault.append_bulk(&strap, all.clone()).await?;
    assert_eq!((again.stored, again.duplicates), (0, 2_000));

    let read = vault
        .read_raw(
            Metric::HeartRate,
            Timestamp::from_second(DAY0)?,
            Timestamp::from_second(DAY0 + 2_000)?,
        )
        .await?;
    assert!(read.damaged.is_empty());
    let got: Vec<Sample> = read.data.iter().map(|s| s.sample).collect();
    assert_eq!(got, all);
    assert_eq!(read.data[0].series, strap);

    // A half-open window, and another series that is not mixed in.
    vault
        .append_live(
            &Series::new("cuff", Metric::Systolic, DeviceKind::BloodPressureMonitor),
            Sample {
                unit: Unit::MillimetreOfMercury,
                ..all[0]
            },
        )
        .await?;
    let window = vault
        .read_raw(
            Metric::HeartRate,
            Timestamp::from_second(DAY0 + 10)?,
            Timestamp::from_second(DAY0 + 20)?,
        )
        .await?;
    assert_eq!(window.data.len(), 10);
    assert_eq!(vault.series().await?.data.len(), 2);

    // Readings that break the store's rules are refused with a reason.
    let bad = Sample {
        value: f64::NAN,
        ..all[0]
    };
    assert!(matches!(
        vault.append_live(&strap, bad).await,
        Err(Error::InvalidInput(_))
    ));
    let wrong_unit = Sample {
        unit: Unit::Kilogram,
        ..all[0]
    };
    assert!(matches!(
        vault.append_bulk(&strap, vec![wrong_unit]).await,
        Err(Error::InvalidInput(_))
    ));
    Ok(())
}

#[tokio::test]
async fn buckets_from_rollups_match_buckets_from_raw_readings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    // Three days at 1 Hz in bulk, plus a few live readings still pending, from two devices.
    vault
        .append_bulk(&heart_rate("strap"), samples(DAY0, 3 * 86_400))
        .await?;
    for sample in samples(DAY0 + 3 * 86_400, 30) {
        vault.append_live(&heart_rate("watch"), sample).await?;
    }
    let (from, until) = (
        Timestamp::from_second(DAY0 - 3_600)?,
        Timestamp::from_second(DAY0 + 4 * 86_400)?,
    );
    let raw = vault.read_raw(Metric::HeartRate, from, until).await?.data;

    for width in [
        SignedDuration::from_secs(10),
        SignedDuration::from_mins(1),
        SignedDuration::from_mins(5),
        SignedDuration::from_hours(1),
        SignedDuration::from_hours(24),
    ] {
        let buckets = vault
            .read_buckets(Metric::HeartRate, from, until, width)
            .await?;
        assert!(buckets.damaged.is_empty());
        let width_s = width.as_secs();
        let mut expected = std::collections::BTreeMap::<i64, (u64, f64, f64, f64)>::new();
        for s in &raw {
            let e = expected
                .entry(s.sample.time.as_second().div_euclid(width_s))
                .or_insert((0, 0.0, f64::MAX, f64::MIN));
            e.0 += 1;
            e.1 += s.sample.value;
            e.2 = e.2.min(s.sample.value);
            e.3 = e.3.max(s.sample.value);
        }
        assert_eq!(buckets.data.len(), expected.len(), "{width:?}");
        for (bucket, (index, (count, sum, min, max))) in buckets.data.iter().zip(expected) {
            assert_eq!(bucket.start.as_second(), index * width_s);
            assert_eq!(
                (bucket.count, bucket.min, bucket.max),
                (count, min, max),
                "{width:?}"
            );
            assert!((bucket.mean - sum / count as f64).abs() < 1e-9);
        }
    }
    Ok(())
}

#[tokio::test]
async fn a_tampered_chunk_is_reported_and_the_rest_still_reads() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    vault
        .append_bulk(&heart_rate("strap"), samples(DAY0, 3 * 4_096))
        .await?;
    vault.close().await;

    // One byte flipped in the middle of the second chunk's ciphertext.
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("vault.sqlite").display()
    ))
    .await?;
    // Chunks by time: the second and the third (row ids are the vault's own numbers).
    let mut sealed: Vec<u8> = sqlx::query_scalar(
        "SELECT sealed FROM chunk WHERE id = (SELECT id FROM chunk ORDER BY first_hour, id LIMIT 1 OFFSET 1)",
    )
        .fetch_one(&pool)
        .await?;
    sealed[100] ^= 0x01;
    sqlx::query("UPDATE chunk SET sealed = ? WHERE id = (SELECT id FROM chunk ORDER BY first_hour, id LIMIT 1 OFFSET 1)")
        .bind(sealed)
        .execute(&pool)
        .await?;
    pool.close().await;
    // Another chunk moved to a different hour slot: its sealed time range no longer matches.
    sql(
        dir.path(),
        "UPDATE chunk SET first_hour = first_hour - 1 WHERE id = (SELECT id FROM chunk ORDER BY first_hour, id LIMIT 1 OFFSET 2)",
    )
    .await?;

    let vault = Vault::unlock(dir.path(), passphrase("test passphrase")).await?;
    let read = vault
        .read_raw(
            Metric::HeartRate,
            Timestamp::from_second(DAY0)?,
            Timestamp::from_second(DAY0 + 86_400)?,
        )
        .await?;
    // Both chunks fail to open; the moved one also no longer adds up to the series' head.
    let chunks = read.damaged.iter().filter(|d| d.what == "chunk").count();
    assert_eq!(chunks, 2, "{:?}", read.damaged);
    assert!(read.damaged.iter().any(|d| d.what == "series index"));
    assert_eq!(read.data.len(), 4_096, "the first chunk still reads");
    assert_eq!(read.data[0].sample, samples(DAY0, 1)[0]);
    Ok(())
}

#[tokio::test]
async fn newer_formats_and_foreign_files_are_refused_by_name() -> TestResult {
    let dir = tempfile::tempdir()?;
    Vault::create(dir.path(), passphrase("test passphrase"))
        .await?
        .close()
        .await;
    sql(
        dir.path(),
        "UPDATE meta SET value = 99 WHERE key = 'format_version'",
    )
    .await?;
    for result in [
        tend_vault::inspect(dir.path()).await.map(|_| ()),
        Vault::unlock(dir.path(), passphrase("test passphrase"))
            .await
            .map(|_| ()),
    ] {
        let err = result.expect_err("a newer format is refused");
        assert!(
            matches!(
                err,
                Error::NewerFormat {
                    found: 99,
                    supported: tend_vault::FORMAT_VERSION
                }
            ),
            "{err}"
        );
        assert!(err.to_string().contains("newer Tend"));
    }

    let other = tempfile::tempdir()?;
    std::fs::write(other.path().join("vault.sqlite"), vec![b'x'; 4096])?;
    assert!(matches!(
        tend_vault::inspect(other.path()).await,
        Err(Error::Corrupt)
    ));
    assert!(matches!(
        Vault::unlock(other.path(), passphrase("test passphrase")).await,
        Err(Error::Corrupt)
    ));
    Ok(())
}

#[tokio::test]
async fn erase_removes_the_file_even_when_the_passphrase_is_forgotten() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    vault
        .append_live(&heart_rate("strap"), samples(DAY0, 1)[0])
        .await?;
    vault.close().await;
    let erased = tend_vault::erase(dir.path()).await?;
    assert!(!erased.keychain_entry);
    assert!(erased.files.iter().any(|f| f.ends_with("vault.sqlite")));
    assert!(!dir.path().join("vault.sqlite").exists());
    assert_eq!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::NotCreated
    );
    assert!(tend_vault::erase(dir.path()).await?.files.is_empty());
    Ok(())
}

#[tokio::test]
async fn records_are_sealed_documents_by_kind_and_id() -> TestResult {
    use tend_vault::RecordKind;
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    let metformin = serde_json::json!({"name": "Metformin", "strength": "500 mg"});
    vault
        .put_record(RecordKind::Medication, "med-1", &metformin)
        .await?;
    vault
        .put_record(
            RecordKind::Medication,
            "med-2",
            &serde_json::json!({"name": "Lisinopril"}),
        )
        .await?;
    vault
        .put_record(
            RecordKind::Device,
            "med-1",
            &serde_json::json!({"name": "same id, other kind"}),
        )
        .await?;
    assert_eq!(
        vault
            .get_record::<serde_json::Value>(RecordKind::Medication, "med-1")
            .await?,
        Some(metformin.clone())
    );
    let meds: Vec<(String, serde_json::Value)> = vault.list_records(RecordKind::Medication).await?;
    assert_eq!(
        meds.iter().map(|(id, _)| id.as_str()).collect::<Vec<_>>(),
        ["med-1", "med-2"]
    );
    assert!(vault.delete_record(RecordKind::Medication, "med-2").await?);
    assert!(!vault.delete_record(RecordKind::Medication, "med-2").await?);
    vault.close().await;

    // The file holds no name in clear.
    let bytes = std::fs::read(dir.path().join("vault.sqlite"))?;
    assert!(!bytes.windows(9).any(|w| w == b"Metformin"));
    Ok(())
}

#[tokio::test]
async fn the_audit_log_is_append_only_and_tamper_evident() -> TestResult {
    use tend_vault::AuditEntry;
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    let entry = |n: i64| AuditEntry {
        at: Timestamp::from_second(DAY0 + n).expect("time"),
        action: "shared".into(),
        counterpart: Some("Dr Okafor's clinic".into()),
        summary: format!("{n} heart-rate summaries"),
    };
    for n in 0..3 {
        vault.audit(&entry(n)).await?;
    }
    assert_eq!(vault.audit_log().await?, vec![entry(0), entry(1), entry(2)]);
    vault.close().await;

    // Removing the last entry (a truncation) is caught by the sealed head.
    let copy = tempfile::tempdir()?;
    std::fs::copy(
        dir.path().join("vault.sqlite"),
        copy.path().join("vault.sqlite"),
    )?;
    sql(copy.path(), "DELETE FROM audit WHERE seq = 3").await?;
    let vault = Vault::unlock(copy.path(), passphrase("test passphrase")).await?;
    assert!(matches!(vault.audit_log().await, Err(Error::Tampered)));
    vault.close().await;

    // Swapping two entries breaks the chain.
    sql(dir.path(), "UPDATE audit SET seq = seq + 10 WHERE seq = 1").await?;
    sql(dir.path(), "UPDATE audit SET seq = 1 WHERE seq = 2").await?;
    sql(dir.path(), "UPDATE audit SET seq = 2 WHERE seq = 11").await?;
    let vault = Vault::unlock(dir.path(), passphrase("test passphrase")).await?;
    assert!(matches!(vault.audit_log().await, Err(Error::Tampered)));
    Ok(())
}

#[tokio::test]
async fn the_outbox_keeps_one_item_per_key_until_delivered() -> TestResult {
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    let now = Timestamp::from_second(DAY0)?;
    assert!(vault.enqueue("clinic", "obs-1", b"bundle one", now).await?);
    assert!(
        !vault
            .enqueue("clinic", "obs-1", b"bundle one again", now)
            .await?,
        "no duplicate"
    );
    assert!(vault.enqueue("clinic", "obs-2", b"bundle two", now).await?);
    let due = vault.due(now, 10).await?;
    assert_eq!(
        due.iter().map(|i| i.payload.as_slice()).collect::<Vec<_>>(),
        [b"bundle one".as_slice(), b"bundle two"]
    );

    vault
        .retry_later(due[0].id, now + SignedDuration::from_mins(5))
        .await?;
    vault.delivered(due[1].id).await?;
    assert!(vault.due(now, 10).await?.is_empty());
    let later = vault.due(now + SignedDuration::from_mins(5), 10).await?;
    assert_eq!(
        (
            later.len(),
            later[0].attempts,
            later[0].destination.as_str()
        ),
        (1, 1, "clinic")
    );
    Ok(())
}

#[tokio::test]
async fn two_handles_on_one_file_write_at_once_without_losing_or_refusing() -> TestResult {
    // The app and the CLI may both have the vault open: their writes queue, none fails.
    let dir = tempfile::tempdir()?;
    Vault::create(dir.path(), passphrase("test passphrase"))
        .await?
        .close()
        .await;
    let (a, b) = (
        Vault::unlock(dir.path(), passphrase("test passphrase")).await?,
        Vault::unlock(dir.path(), passphrase("test passphrase")).await?,
    );
    let strap = heart_rate("strap");
    let all = samples(DAY0, 400);
    let (left, right) = all.split_at(200);
    let (x, y) = tokio::join!(append_all(&a, &strap, left), append_all(&b, &strap, right));
    x?;
    y?;
    let read = a
        .read_raw(
            Metric::HeartRate,
            Timestamp::from_second(DAY0)?,
            Timestamp::from_second(DAY0 + 400)?,
        )
        .await?;
    assert_eq!(read.data.len(), 400);
    Ok(())
}

async fn append_all(vault: &Vault, series: &Series, samples: &[Sample]) -> Result<(), Error> {
    for sample in samples {
        vault.append_live(series, *sample).await?;
    }
    Ok(())
}

#[tokio::test]
async fn a_record_change_and_its_audit_entry_are_stored_together() -> TestResult {
    use tend_vault::{AuditEntry, RecordChanges, RecordKind};
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("test passphrase")).await?;
    let entry = |action: &str| AuditEntry {
        at: Timestamp::from_second(DAY0).expect("time"),
        action: action.into(),
        counterpart: Some("Test Clinic".into()),
        summary: "heart rate".into(),
    };
    vault
        .put_record_audited(
            RecordKind::Consent,
            "clinic/heart_rate",
            &serde_json::json!({"since": "2020-01-01"}),
            &entry("consent_given"),
        )
        .await?;
    assert_eq!(vault.audit_log().await?, vec![entry("consent_given")]);

    let mut changes = RecordChanges::new();
    changes.delete(RecordKind::Consent, "clinic/heart_rate");
    changes.delete(RecordKind::Consent, "clinic/spo2");
    changes.put(
        RecordKind::CareTeam,
        "clinic",
        &serde_json::json!({"name": "Test Clinic"}),
    )?;
    changes.audit(entry("consent_revoked"));
    assert_eq!(vault.change_records(changes).await?, vec![true, false]);
    assert_eq!(vault.audit_log().await?.len(), 2);
    assert!(vault
        .get_record::<serde_json::Value>(RecordKind::Consent, "clinic/heart_rate")
        .await?
        .is_none());

    // A record that fails its check: the list fails whole, the reporting read names it and
    // returns the rest.
    for n in 0..3 {
        vault
            .put_record(RecordKind::Device, &format!("d{n}"), &serde_json::json!(n))
            .await?;
    }
    vault.close().await;
    let pool = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        dir.path().join("vault.sqlite").display()
    ))
    .await?;
    let mut sealed: Vec<u8> =
        sqlx::query_scalar("SELECT sealed FROM record ORDER BY version DESC LIMIT 1")
            .fetch_one(&pool)
            .await?;
    let last = sealed.len() - 1;
    sealed[last] ^= 1;
    sqlx::query("UPDATE record SET sealed = ? WHERE version = (SELECT max(version) FROM record)")
        .bind(sealed)
        .execute(&pool)
        .await?;
    pool.close().await;
    let vault = Vault::unlock(dir.path(), passphrase("test passphrase")).await?;
    assert!(matches!(
        vault
            .list_records::<serde_json::Value>(RecordKind::Device)
            .await,
        Err(Error::Tampered)
    ));
    let read = vault
        .read_records::<serde_json::Value>(RecordKind::Device)
        .await?;
    assert_eq!((read.data.len(), read.damaged.len()), (2, 1));
    Ok(())
}

/// Issue 18: an import is one batch, stored whole under its own number, read with everything
/// else (raw and in rollups), surviving a re-key, and undone exactly: nothing a device recorded
/// in the same series goes with it, and a series that held only the batch goes too.
#[tokio::test]
async fn an_import_batch_is_stored_whole_and_undone_exactly() -> TestResult {
    use tend_vault::{BatchId, RecordChanges, RecordKind, StagedBatch};
    let dir = tempfile::tempdir()?;
    let vault = Vault::create(dir.path(), passphrase("batch test passphrase")).await?;
    let strap = heart_rate("strap");
    vault.append_bulk(&strap, samples(DAY0, 1_000)).await?;
    for sample in samples(DAY0 + 5_000, 5) {
        vault.append_live(&strap, sample).await?;
    }
    let (from, until) = (
        Timestamp::from_second(DAY0)?,
        Timestamp::from_second(DAY0 + 86_400)?,
    );
    let device_only = vault.read_raw(Metric::HeartRate, from, until).await?.data;
    let device_buckets = vault
        .read_buckets(
            Metric::HeartRate,
            from,
            until,
            SignedDuration::from_hours(1),
        )
        .await?
        .data;

    // The batch: more readings of the strap's own series (one at an instant it already holds),
    // and a series of its own, with one instant given twice.
    let mut staged = StagedBatch::new();
    for sample in samples(DAY0 + 2_000, 500) {
        staged.add(&strap, sample)?;
    }
    staged.add(&strap, samples(DAY0 + 10, 1)[0])?;
    let watch = Series::new("Watch", Metric::HeartRate, DeviceKind::Unknown);
    for sample in samples(DAY0 + 3_000, 300) {
        staged.add(&watch, sample)?;
    }
    staged.add(&watch, samples(DAY0 + 3_000, 1)[0])?;
    assert_eq!(staged.readings(), 802);
    let wrong_unit = Sample {
        unit: Unit::Kilogram,
        ..samples(DAY0, 1)[0]
    };
    assert!(staged.add(&watch, wrong_unit).is_err());

    let mut steps = Vec::new();
    let committed = vault
        .commit_batch(
            staged,
            |batch| {
                let mut changes = RecordChanges::new();
                changes.put(
                    RecordKind::ImportBatch,
                    &batch.id.to_string(),
                    &serde_json::json!({"file": "export.xml", "stored": batch.stored}),
                )?;
                Ok(changes)
            },
            &mut |stored| steps.push(stored),
        )
        .await?;
    assert_eq!((committed.stored, committed.duplicates), (800, 2));
    assert_eq!(steps.last(), Some(&800));
    assert_eq!(
        committed
            .series
            .iter()
            .map(|(s, n)| (s.device(), *n))
            .collect::<Vec<_>>(),
        [("Watch", 300), ("strap", 500)]
    );
    let all = vault.read_raw(Metric::HeartRate, from, until).await?;
    assert!(all.damaged.is_empty());
    assert_eq!(all.data.len(), 1_005 + 800);
    let buckets = vault
        .read_buckets(
            Metric::HeartRate,
            from,
            until,
            SignedDuration::from_hours(1),
        )
        .await?;
    assert_eq!(
        buckets.data.iter().map(|b| b.count).sum::<u64>(),
        1_005 + 800,
        "the batch's rollups are read with the device's"
    );

    // A new passphrase re-seals the batch's pieces with the rest.
    let old = Passphrase::new("batch test passphrase")?;
    let new = Passphrase::new("another batch passphrase")?;
    vault.change_passphrase(&old, &new).await?;
    vault.close().await;
    let vault = Vault::unlock(dir.path(), passphrase("another batch passphrase")).await?;
    let all = vault.read_raw(Metric::HeartRate, from, until).await?;
    assert!(all.damaged.is_empty(), "{:?}", all.damaged);
    assert_eq!(all.data.len(), 1_805);
    let batches: Vec<(String, serde_json::Value)> =
        vault.list_records(RecordKind::ImportBatch).await?;
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].0, committed.id.to_string());

    // Undo: the batch's readings, rollups, its record and the series it alone made go; the
    // strap's own readings stay exactly as they were.
    let mut records = RecordChanges::new();
    records.delete(RecordKind::ImportBatch, &committed.id.to_string());
    let undone = vault.undo_batch(committed.id, records).await?;
    assert_eq!(undone.series, 1, "the Watch series held nothing else");
    let left = vault.read_raw(Metric::HeartRate, from, until).await?;
    assert!(left.damaged.is_empty());
    assert_eq!(left.data, device_only);
    let left_buckets = vault
        .read_buckets(
            Metric::HeartRate,
            from,
            until,
            SignedDuration::from_hours(1),
        )
        .await?;
    assert_eq!(left_buckets.data, device_buckets);
    assert_eq!(vault.series().await?.data, [strap]);
    assert!(vault
        .list_records::<serde_json::Value>(RecordKind::ImportBatch)
        .await?
        .is_empty());
    // Undoing it again removes nothing; batch 0 (the devices' readings) cannot be named.
    let again = vault.undo_batch(committed.id, RecordChanges::new()).await?;
    assert_eq!(again.chunks, 0);
    assert_eq!(BatchId::new(0), None);
    assert!("0".parse::<BatchId>().is_err() && "-3".parse::<BatchId>().is_err());
    vault.close().await;

    // Everything still adds up to the sealed head after the undo.
    let vault = Vault::unlock(dir.path(), passphrase("another batch passphrase")).await?;
    let read = vault.read_raw(Metric::HeartRate, from, until).await?;
    assert!(read.damaged.is_empty(), "{:?}", read.damaged);
    assert_eq!(read.data, device_only);
    Ok(())
}
