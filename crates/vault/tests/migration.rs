//! A vault written by an earlier release opens with this one, is brought up to date in place, and
//! loses nothing: `fixtures/vault-format-1.sqlite` was written by format 1 (see `fixtures/README.md`).
//!
//! `make_fixture` (ignored) is the program that wrote it; `fixture_data` is what it wrote, which
//! the migration test expects back.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use jiff::Timestamp;
use serde_json::{json, Value};
use tend_vault::{AuditEntry, KeySource, Passphrase, RecordKind, Sample, Series, Vault};
use tend_vitals::{DeviceKind, Metric, Unit};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "fixture passphrase, format 1";
const FIXTURE: &str = "tests/fixtures/vault-format-1.sqlite";
const DAY0: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn key() -> KeySource {
    KeySource::Passphrase(Passphrase::new(PASSPHRASE).expect("long enough"))
}

fn at(second: i64) -> Timestamp {
    Timestamp::from_second(DAY0 + second).expect("time")
}

fn sample(second: i64, value: f64, unit: Unit, sequence: Option<u32>) -> Sample {
    Sample {
        time: at(second),
        value,
        unit,
        sequence,
        flags: 0,
    }
}

/// One series, with the readings written in bulk (sealed chunks) and live (pending rows).
struct SeriesData {
    series: Series,
    bulk: Vec<Sample>,
    live: Vec<Sample>,
}

/// Everything the fixture holds.
struct FixtureData {
    series: Vec<SeriesData>,
    records: Vec<(RecordKind, &'static str, Value)>,
    deleted_record: (RecordKind, &'static str),
    outbox: Vec<(&'static str, &'static str, &'static [u8])>,
    audit: Vec<AuditEntry>,
}

fn fixture_data() -> FixtureData {
    let heart_rate = SeriesData {
        series: Series::new("Polar H10", Metric::HeartRate, DeviceKind::HeartRateMonitor),
        // Two chunks (4096 + 904) and a few live readings after them.
        bulk: (0..5_000)
            .map(|i| sample(i, 60.0 + (i % 23) as f64, Unit::PerMinute, None))
            .collect(),
        live: (5_000..5_020)
            .map(|i| sample(i, 80.0 + (i % 5) as f64, Unit::PerMinute, None))
            .collect(),
    };
    let spo2 = SeriesData {
        series: Series::new("Nonin 3230", Metric::Spo2, DeviceKind::PulseOximeter),
        bulk: Vec::new(),
        live: (0..30)
            .map(|i| sample(60 * i, 95.0 + (i % 4) as f64, Unit::Percent, None))
            .collect(),
    };
    let body_fat = SeriesData {
        series: Series::new("Scale", Metric::BodyFat, DeviceKind::Scale),
        bulk: (0..10)
            .map(|i| sample(86_400 * i, 21.5 + 0.1 * i as f64, Unit::Percent, None))
            .collect(),
        live: Vec::new(),
    };
    let cgm = SeriesData {
        series: Series::new(
            "Dexcom G7",
            Metric::Glucose,
            DeviceKind::ContinuousGlucoseMonitor,
        ),
        bulk: (0..300)
            .map(|i| {
                sample(
                    300 * i,
                    100.0 + ((i * 7) % 60) as f64,
                    Unit::MilligramPerDecilitre,
                    Some(1_000 + i as u32),
                )
            })
            .collect(),
        live: (300..305)
            .map(|i| {
                sample(
                    300 * i,
                    140.0,
                    Unit::MilligramPerDecilitre,
                    Some(1_000 + i as u32),
                )
            })
            .collect(),
    };
    let systolic = SeriesData {
        series: Series::new("", Metric::Systolic, DeviceKind::Manual),
        bulk: vec![
            sample(3_600, 121.0, Unit::MillimetreOfMercury, None),
            sample(7_200, 118.0, Unit::MillimetreOfMercury, None),
        ],
        live: vec![sample(10_800, 16.2, Unit::Kilopascal, None)],
    };
    FixtureData {
        series: vec![heart_rate, spo2, body_fat, cgm, systolic],
        records: vec![
            (
                RecordKind::Device,
                "C0:7E:4D:00:00:01",
                json!({"name": "Polar H10", "kind": "heart_rate_monitor"}),
            ),
            (
                RecordKind::Medication,
                "metformin-500-mg",
                json!({"name": "Metformin 500 mg", "pills": 60}),
            ),
            (
                RecordKind::CareTeam,
                "test-clinic",
                json!({"team": {"name": "Test Clinic", "base_url": "https://fhir.example"}}),
            ),
            (
                RecordKind::Consent,
                "test-clinic/heart_rate",
                json!({"category": "heart_rate", "given_at": "2026-01-01T00:00:00Z", "scope": {"since": "2020-01-01T00:00:00Z"}}),
            ),
            (RecordKind::Setting, "preferences", json!({"theme": "dark"})),
        ],
        deleted_record: (RecordKind::Consent, "test-clinic/spo2"),
        outbox: vec![
            ("test-clinic", "obs-1", b"bundle one"),
            ("test-clinic", "obs-2", b"bundle two"),
            ("test-clinic", "obs-3", b"bundle three"),
        ],
        audit: (0..4)
            .map(|n| AuditEntry {
                at: at(n * 60),
                action: ["consent_given", "shared", "consent_revoked", "shared"][n as usize].into(),
                counterpart: Some("Test Clinic".into()),
                summary: format!("entry {n}"),
            })
            .collect(),
    }
}

/// Writes the fixture into `TEND_FIXTURE_OUT` (a directory). Run once, by hand, with the release
/// whose format the fixture keeps:
/// `TEND_FIXTURE_OUT=/tmp/f cargo test -p tend-vault --test migration -- --ignored make_fixture`.
#[tokio::test]
#[ignore = "writes the fixture; run by hand"]
async fn make_fixture() -> TestResult {
    let out = std::path::PathBuf::from(std::env::var("TEND_FIXTURE_OUT")?);
    let data = fixture_data();
    let vault = Vault::create(&out, key()).await?;
    for s in &data.series {
        if !s.bulk.is_empty() {
            vault.append_bulk(&s.series, s.bulk.clone()).await?;
        }
        for sample in &s.live {
            vault.append_live(&s.series, *sample).await?;
        }
    }
    for (kind, id, value) in &data.records {
        vault.put_record(*kind, id, value).await?;
    }
    let (kind, id) = data.deleted_record;
    vault
        .put_record(kind, id, &json!({"category": "spo2"}))
        .await?;
    vault.delete_record(kind, id).await?;
    for (destination, dedupe, payload) in &data.outbox {
        vault.enqueue(destination, dedupe, payload, at(0)).await?;
    }
    let first = vault.due(at(0), 1).await?;
    vault.retry_later(first[0].id, at(600)).await?;
    for entry in &data.audit {
        vault.audit(entry).await?;
    }
    vault.close().await;
    Ok(())
}

/// Reads back everything `fixture_data` describes, and checks nothing else is there.
async fn check_everything(vault: &Vault) -> TestResult {
    let data = fixture_data();
    let stored = vault.series().await?;
    assert!(stored.damaged.is_empty(), "{:?}", stored.damaged);
    let mut expected_series: Vec<Series> = data.series.iter().map(|s| s.series.clone()).collect();
    let mut got_series = stored.data.clone();
    expected_series.sort();
    got_series.sort();
    assert_eq!(got_series, expected_series);
    for s in &data.series {
        let read = vault
            .read_series(&s.series.key, at(-86_400), at(30 * 86_400))
            .await?;
        assert!(read.damaged.is_empty(), "{:?}", read.damaged);
        let mut expected: Vec<Sample> = s.bulk.iter().chain(&s.live).copied().collect();
        expected.sort_by_key(|s| s.time);
        assert_eq!(read.data, expected, "{:?}", s.series.key);
    }
    // Rollups came along: a daily chart of heart rate matches the readings.
    let days = vault
        .read_buckets(
            Metric::HeartRate,
            at(0),
            at(86_400),
            jiff::SignedDuration::from_hours(24),
        )
        .await?;
    assert!(days.damaged.is_empty());
    assert_eq!(days.data.len(), 1);
    assert_eq!(days.data[0].count, 5_020);

    for (kind, id, value) in &data.records {
        assert_eq!(
            vault.get_record::<Value>(*kind, id).await?.as_ref(),
            Some(value),
            "{id}"
        );
    }
    let (kind, id) = data.deleted_record;
    assert_eq!(vault.get_record::<Value>(kind, id).await?, None);
    let consents: Vec<(String, Value)> = vault.list_records(RecordKind::Consent).await?;
    assert_eq!(consents.len(), 1);

    let due = vault.due(at(600), 10).await?;
    assert_eq!(
        due.iter()
            .map(|i| (i.destination.as_str(), i.payload.as_slice(), i.attempts))
            .collect::<Vec<_>>(),
        data.outbox
            .iter()
            .zip([1, 0, 0])
            .map(|((d, _, p), attempts)| (*d, *p, attempts))
            .collect::<Vec<_>>()
    );
    assert_eq!(vault.audit_log().await?, data.audit);
    Ok(())
}

#[tokio::test]
async fn a_vault_of_the_previous_format_opens_migrates_and_loses_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: std::path::PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    std::fs::copy(manifest_dir.join(FIXTURE), dir.path().join("vault.sqlite"))?;
    assert!(matches!(
        tend_vault::inspect(dir.path()).await?,
        tend_vault::VaultStatus::Locked {
            format_version: 1,
            ..
        }
    ));
    let vault = Vault::unlock(dir.path(), key()).await?;
    check_everything(&vault).await?;
    vault.close().await;
    assert!(matches!(
        tend_vault::inspect(dir.path()).await?,
        tend_vault::VaultStatus::Locked { format_version, .. } if format_version == tend_vault::FORMAT_VERSION
    ));
    // Once migrated it opens as this release's format, and still reads the same.
    let vault = Vault::unlock(dir.path(), key()).await?;
    check_everything(&vault).await?;
    vault.close().await;
    Ok(())
}
