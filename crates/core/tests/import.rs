//! Importing other apps' exports through the core API and a real vault (issue 18): read, preview,
//! store as one batch, undo exactly; duplicates against the history; Tend's CSV contract;
//! summaries kept as summaries; a Nightscout site over HTTP on loopback; cancel; and a process
//! killed mid-import, which must leave nothing half-stored.
//!
//! The crash test's child is this same test binary, re-run with `TEND_IMPORT_CRASH_CHILD`.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test
#![allow(clippy::print_stdout)] // the crash test's child reports its progress on stdout

use std::{
    io::{BufRead, BufReader, Read, Write},
    path::{Path, PathBuf},
};

use jiff::{tz::TimeZone, Timestamp};
use tend_core::{
    preview_import, vitals::Metric, ErrorCode, IdleLock, ImportCancel, ImportFormat, ImportPhase,
    ImportRequest, ImportSource, Importing, KeySource, Passphrase, Resolution, Session, SkipReason,
    Tend, TrendData,
};
use tend_import::synthetic::SyntheticAppleHealth;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const PASSPHRASE: &str = "import test passphrase";
const CRASH_CHILD: &str = "TEND_IMPORT_CRASH_CHILD";
/// Charts look at 2010 to 2030 (the synthetic exports start on 2020-01-01, the Nightscout data
/// is of 2014).
const FROM: &str = "2010-01-01T00:00:00Z";
const UNTIL: &str = "2030-01-01T00:00:00Z";

fn ts(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339 instant")
}

fn key() -> KeySource {
    KeySource::Passphrase(Passphrase::new(PASSPHRASE).expect("long enough"))
}

async fn profile() -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().expect("dir");
    let session = Tend::new(dir.path()).create(key()).await.expect("vault");
    (dir, session)
}

fn write(dir: &Path, name: &str, body: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, body).expect("write");
    path
}

/// A synthetic Apple Health export.xml of about `bytes`; returns its path and the vital
/// readings it holds.
fn apple_health(dir: &Path, bytes: u64) -> (PathBuf, u64) {
    let path = dir.join(format!("export-{bytes}.xml"));
    let mut generator = SyntheticAppleHealth::new(bytes, 18);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&path).expect("create"));
    std::io::copy(&mut generator, &mut out).expect("generate");
    out.flush().expect("flush");
    (path, generator.counts().vital_readings)
}

fn request(path: &Path) -> ImportRequest {
    ImportRequest::file(path, TimeZone::UTC)
}

/// Raw readings of `metric` in the whole range.
async fn readings(session: &Session, metric: Metric) -> usize {
    let trend = session
        .trend(metric, ts(FROM), ts(UNTIL), Resolution::Raw)
        .await
        .expect("trend");
    assert!(trend.damaged.is_empty(), "{:?}", trend.damaged);
    match trend.data {
        TrendData::Raw(points) => points.len(),
        TrendData::Buckets(buckets) => buckets.iter().map(|b| b.count as usize).sum(),
    }
}

#[tokio::test]
async fn an_apple_health_export_is_previewed_stored_as_one_batch_and_undone() -> TestResult {
    let (dir, session) = profile().await;
    // The patient's own strap, before the import.
    let strap = write(
        dir.path(),
        "strap.csv",
        "time,metric,value,unit,device\n2020-01-01T05:00:30Z,heart_rate,64,/min,strap\n",
    );
    session
        .import_file(&strap, ts("2026-01-01T00:00:00Z"))
        .await?;
    let (export, vital) = apple_health(dir.path(), 2_000_000);

    // Read: the preview, and nothing stored yet.
    let mut phases = Vec::new();
    let pending = session
        .read_import(&request(&export), &ImportCancel::new(), &mut |p| {
            phases.push((p.phase, p.bytes_read))
        })
        .await?;
    let preview = pending.report().clone();
    assert_eq!(preview.format, ImportFormat::AppleHealthXml);
    assert_eq!(preview.batch, None);
    assert_eq!(
        preview.readings, vital,
        "every vital reading, BP pairs once"
    );
    assert!(
        preview.rows > preview.readings,
        "steps and energy are read and skipped"
    );
    assert!(preview
        .skipped
        .iter()
        .any(|s| s.reason == SkipReason::NotAVital && s.count > 0));
    let heart = preview
        .metrics
        .iter()
        .find(|m| m.metric == Metric::HeartRate)
        .expect("heart rate");
    assert!(heart.first < heart.last && heart.units == [tend_core::vitals::Unit::PerMinute]);
    for metric in [
        Metric::Systolic,
        Metric::Diastolic,
        Metric::Weight,
        Metric::Spo2,
    ] {
        assert!(
            preview.metrics.iter().any(|m| m.metric == metric),
            "{metric} in the preview"
        );
    }
    assert!(phases
        .iter()
        .all(|(phase, _)| *phase == ImportPhase::Reading));
    let (_, last_bytes) = phases.last().copied().expect("progress");
    assert_eq!(last_bytes, std::fs::metadata(&export)?.len());
    assert_eq!(
        readings(&session, Metric::HeartRate).await,
        1,
        "nothing stored by reading"
    );
    assert_eq!(
        session.import_batches().await?.len(),
        1,
        "the strap's file only"
    );

    // Commit: one batch, everything in it.
    let mut stored_steps = Vec::new();
    let result = session
        .commit_import(pending, ts("2026-06-01T12:00:00Z"), &mut |p| {
            stored_steps.push((p.phase, p.stored))
        })
        .await?;
    let batch = result.batch.expect("a batch number");
    assert_eq!(result.stored, vital);
    assert_eq!(stored_steps.last(), Some(&(ImportPhase::Storing, vital)));
    assert_eq!(
        readings(&session, Metric::HeartRate).await as u64,
        1 + heart.readings
    );
    let batches = session.import_batches().await?;
    assert_eq!(batches.len(), 2);
    assert_eq!(batches[0].id, batch, "newest first");
    assert_eq!(batches[0].file, "export-2000000.xml");
    assert_eq!(batches[0].readings, vital);
    assert_eq!(batches[0].imported_at, ts("2026-06-01T12:00:00Z"));

    // The same file again: everything is already there; no batch is made.
    let again = session
        .import(
            &request(&export),
            ts("2026-06-02T00:00:00Z"),
            &ImportCancel::new(),
            &mut |_| {},
        )
        .await?;
    assert_eq!((again.readings, again.batch), (0, None));
    assert_eq!(again.already_stored, vital);
    assert_eq!(session.import_batches().await?.len(), 2);

    // Undo: exactly the batch; the strap's own reading stays.
    let undone = session.undo_import(batch).await?;
    assert_eq!(undone.readings, vital);
    assert_eq!(readings(&session, Metric::HeartRate).await, 1);
    assert_eq!(readings(&session, Metric::Weight).await, 0);
    assert_eq!(session.import_batches().await?.len(), 1);
    let err = session.undo_import(batch).await.expect_err("gone");
    assert_eq!(err.code(), ErrorCode::NotFound);
    session.close().await?;

    // The undo left a vault that adds up to its sealed head.
    let session = Tend::new(dir.path()).unlock(key()).await?;
    assert_eq!(readings(&session, Metric::HeartRate).await, 1);
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn tend_csv_keeps_its_contract_bad_rows_by_line_and_nothing_stored() -> TestResult {
    let (dir, session) = profile().await;
    let now = ts("2026-03-02T00:00:00Z");
    let check = |body: &str, message: &str| {
        let file = write(
            dir.path(),
            &format!("bad-{}.csv", message.replace(' ', "-")),
            &format!("time,metric,value,unit,device\n2026-03-01T07:00:00Z,heart_rate,70,/min,strap\n{body}\n"),
        );
        (file, message.to_owned())
    };
    for (file, message) in [
        check(
            "2026-03-01T07:00:01Z,heart_rate,seventy,/min,strap",
            "not a number",
        ),
        check("2026-03-01T07:00:01Z,pulse,70,/min,strap", "unknown metric"),
        check(
            "2026-03-01T07:00:01Z,heart_rate,70,kg,strap",
            "not a unit of heart_rate",
        ),
        check(
            "2026-03-01T07:00:01Z,heart_rate,70,/min,strap,extra",
            "6 fields",
        ),
    ] {
        let err = session
            .import_file(&file, now)
            .await
            .expect_err("a bad row");
        let text = err.to_string();
        assert!(text.contains("line 3") && text.contains(&message), "{text}");
        assert_eq!(err.code(), ErrorCode::InvalidInput);
    }
    let header = write(dir.path(), "header.csv", "when,what\n1,2\n");
    let forced = ImportRequest {
        format: Some(ImportFormat::TendCsv),
        ..request(&header)
    };
    let err = session
        .import(&forced, now, &ImportCancel::new(), &mut |_| {})
        .await
        .expect_err("a bad header");
    assert!(err.to_string().contains("line 1"), "{err}");
    assert_eq!(
        readings(&session, Metric::HeartRate).await,
        0,
        "nothing stored"
    );
    assert!(session.import_batches().await?.is_empty());

    // Export, then import into a fresh profile: the same history, manual entries included.
    let history = write(
        dir.path(),
        "history.csv",
        "time,metric,value,unit,device\n\
         2026-03-01T07:00:00Z,heart_rate,72,/min,Polar H10\n\
         2026-03-01T07:00:00Z,heart_rate,72,/min,watch\n\
         2026-03-01T07:06:00Z,body_temperature,98.6,[degF],\n\
         2026-03-01T07:07:00Z,weight,176.37,[lb_av],scale\n",
    );
    let first = session.import_file(&history, now).await?;
    assert_eq!((first.rows, first.stored, first.duplicates), (4, 4, 0));
    let mut exported = Vec::new();
    session
        .export_csv(&mut exported, &session.opened_by_the_patient())
        .await?;
    let other = tempfile::tempdir()?;
    let fresh = Tend::new(other.path()).create(key()).await?;
    let again = write(other.path(), "again.csv", std::str::from_utf8(&exported)?);
    fresh.import_file(&again, now).await?;
    let mut reexported = Vec::new();
    fresh
        .export_csv(&mut reexported, &fresh.opened_by_the_patient())
        .await?;
    let sorted = |bytes: &[u8]| {
        let mut lines: Vec<String> = String::from_utf8_lossy(bytes)
            .lines()
            .map(str::to_owned)
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(sorted(&reexported), sorted(&exported));
    // The same file again stores nothing twice.
    let repeat = session.import_file(&history, now).await?;
    assert_eq!((repeat.rows, repeat.stored, repeat.duplicates), (4, 0, 4));
    Ok(())
}

#[tokio::test]
async fn a_reading_already_in_the_history_from_any_source_is_stored_once() -> TestResult {
    let (dir, session) = profile().await;
    let now = ts("2026-03-02T00:00:00Z");
    let device = write(
        dir.path(),
        "device.csv",
        "time,metric,value,unit,device\n2026-03-01T07:00:00Z,weight,80,kg,scale\n",
    );
    session.import_file(&device, now).await?;
    // Another app's copy (in pounds), the same instant with another value, a value the scale's
    // own series holds at that instant already, and something new.
    let other = write(
        dir.path(),
        "other.csv",
        "time,metric,value,unit,device\n\
         2026-03-01T07:00:00Z,weight,176.369809,[lb_av],Health\n\
         2026-03-01T07:00:00Z,weight,81,kg,Health\n\
         2026-03-01T07:00:00Z,weight,82,kg,scale\n\
         2026-03-02T07:00:00Z,weight,79.5,kg,Health\n",
    );
    let report = session.import_file(&other, now).await?;
    assert_eq!(report.already_stored, 2, "{report:?}");
    assert_eq!(report.stored, 2);
    let health = report
        .sources
        .iter()
        .find(|s| s.source == "Health")
        .expect("per source");
    assert_eq!((health.readings, health.already_stored), (2, 1));
    assert_eq!(readings(&session, Metric::Weight).await, 3);
    Ok(())
}

#[tokio::test]
async fn summaries_are_kept_as_summaries_exported_and_undone() -> TestResult {
    let (dir, session) = profile().await;
    let bundle = write(
        dir.path(),
        "summary.json",
        r#"{"resourceType":"Bundle","type":"collection","entry":[
          {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
            "effectivePeriod":{"start":"2026-01-01T08:00:00Z","end":"2026-01-01T09:00:00Z"},
            "valueQuantity":{"value":70.5,"code":"/min"},
            "component":[{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-statistics","code":"minimum"}]},"valueQuantity":{"value":55,"code":"/min"}},
                         {"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-statistics","code":"count"}]},"valueInteger":3}]}},
          {"resource":{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},
            "effectiveDateTime":"2026-01-01T10:00:00Z","valueQuantity":{"value":66,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"}}}
        ]}"#,
    );
    let now = ts("2026-02-01T00:00:00Z");
    let report = session.import_file(&bundle, now).await?;
    assert_eq!(report.format, ImportFormat::FhirBundle);
    assert_eq!((report.summaries, report.stored), (1, 1));
    let batch = report.batch.expect("a batch");
    // Not a reading: the chart has the spot reading only.
    assert_eq!(readings(&session, Metric::HeartRate).await, 1);
    let summaries = session.imported_summaries().await?;
    assert_eq!(summaries.len(), 1);
    assert_eq!(
        (summaries[0].mean, summaries[0].min, summaries[0].count),
        (Some(70.5), Some(55.0), Some(3))
    );
    let mut fhir = Vec::new();
    session
        .export_fhir(
            &mut fhir,
            &TimeZone::UTC,
            now,
            &session.opened_by_the_patient(),
        )
        .await?;
    let fhir: serde_json::Value = serde_json::from_slice(&fhir)?;
    let periods = fhir["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["resource"]["effectivePeriod"]["start"] == "2026-01-01T08:00:00Z")
        .count();
    assert_eq!(periods, 1, "the summary goes out as the summary it came as");

    let again = session.import_file(&bundle, now).await?;
    assert_eq!(
        (again.summaries, again.already_stored, again.batch),
        (0, 2, None)
    );
    session.undo_import(batch).await?;
    assert!(session.imported_summaries().await?.is_empty());
    assert_eq!(readings(&session, Metric::HeartRate).await, 0);
    Ok(())
}

#[tokio::test]
async fn a_preview_without_a_vault_reads_everything_and_creates_nothing() -> TestResult {
    let dir = tempfile::tempdir()?;
    let csv = write(
        dir.path(),
        "h.csv",
        "time,metric,value,unit,device\n2026-03-01T07:00:00Z,heart_rate,72,/min,strap\n2026-03-01T07:01:00Z,heart_rate,73,/min,strap\n",
    );
    let report = preview_import(&request(&csv), &ImportCancel::new(), &mut |_| {}).await?;
    assert_eq!(
        (report.format, report.readings, report.stored),
        (ImportFormat::TendCsv, 2, 0)
    );
    assert_eq!(report.metrics[0].first, ts("2026-03-01T07:00:00Z"));
    assert_eq!(report.metrics[0].last, ts("2026-03-01T07:01:00Z"));
    assert!(!dir.path().join("vault.sqlite").exists());
    let err = preview_import(
        &request(&write(dir.path(), "x.bin", "\u{0}\u{1}garbage")),
        &ImportCancel::new(),
        &mut |_| {},
    )
    .await
    .expect_err("unknown");
    assert!(err.to_string().contains("not one Tend can import"), "{err}");
    Ok(())
}

#[tokio::test]
async fn a_cancelled_import_stores_nothing() -> TestResult {
    let (dir, session) = profile().await;
    let (export, _) = apple_health(dir.path(), 30_000_000);
    let total = std::fs::metadata(&export)?.len();
    let cancel = ImportCancel::new();
    let mut last = 0;
    let err = session
        .import(
            &request(&export),
            ts("2026-01-01T00:00:00Z"),
            &cancel,
            &mut |p| {
                last = p.bytes_read;
                if p.bytes_read > total / 3 {
                    cancel.cancel();
                }
            },
        )
        .await
        .expect_err("cancelled");
    assert_eq!(err.code(), ErrorCode::Cancelled, "{err}");
    assert!(last < total, "stopped before the end ({last} of {total})");
    assert!(session.import_batches().await?.is_empty());
    assert_eq!(readings(&session, Metric::HeartRate).await, 0);

    // In a shell: the preview read, then cancelled before it is stored.
    let tend = Tend::new(dir.path());
    session.close().await?;
    let sessions = IdleLock::new(jiff::SignedDuration::from_mins(15));
    sessions
        .put(tend.unlock(key()).await?, ts("2026-01-01T00:00:00Z"))
        .await;
    let importing = Importing::default();
    let small = write(
        dir.path(),
        "h.csv",
        "time,metric,value,unit,device\n2026-03-01T07:00:00Z,heart_rate,72,/min,strap\n",
    );
    let preview = importing
        .read(&sessions, &request(&small), &mut |_| {})
        .await?;
    assert_eq!(preview.readings, 1);
    assert!(importing.cancel());
    let err = importing
        .commit(&sessions, ts("2026-01-01T00:00:02Z"), &mut |_| {})
        .await
        .expect_err("nothing waiting");
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let shown = sessions
        .with(async |s| readings(s, Metric::HeartRate).await)
        .await;
    assert_eq!(shown, Some(0));
    // Read again and stored this time.
    importing
        .read(&sessions, &request(&small), &mut |_| {})
        .await?;
    let stored = importing
        .commit(&sessions, ts("2026-01-01T00:00:05Z"), &mut |_| {})
        .await?;
    assert_eq!(stored.stored, 1);
    sessions.lock_now().await?;
    Ok(())
}

/// A tiny Nightscout on loopback: `/api/v1/entries.json` answers `body` once, and tells the
/// request line it was asked.
fn nightscout(
    body: &'static str,
    status: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().expect("accept");
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).expect("read");
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        let head = format!(
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
            body.len()
        );
        socket.write_all(head.as_bytes()).expect("write");
        socket.write_all(body.as_bytes()).expect("write");
        String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    });
    (url, server)
}

#[tokio::test]
async fn nightscout_entries_come_in_from_the_site_with_its_token() -> TestResult {
    let (_dir, session) = profile().await;
    let body: &'static str = include_str!("../../import/tests/data/nightscout-entries.json");
    let (url, server) = nightscout(body, "200 OK");
    let request = ImportRequest {
        source: ImportSource::Nightscout {
            url,
            token: Some("reader-token".into()),
        },
        ..request(Path::new("unused"))
    };
    let report = session
        .import(
            &request,
            ts("2026-01-01T00:00:00Z"),
            &ImportCancel::new(),
            &mut |_| {},
        )
        .await?;
    let asked = server.join().expect("served");
    assert!(
        asked.starts_with("GET /api/v1/entries.json?") && asked.contains("token=reader-token"),
        "{asked}"
    );
    assert_eq!(report.format, ImportFormat::NightscoutJson);
    assert_eq!(
        report.stored, 18,
        "30 entries, 12 of them the sensor's status code"
    );
    assert!(report.file.starts_with("127.0.0.1:"));
    assert_eq!(readings(&session, Metric::Glucose).await, 18);

    let (url, server) = nightscout("{\"status\":401}", "401 Unauthorized");
    let refused = ImportRequest {
        source: ImportSource::Nightscout {
            url,
            token: Some("wrong".into()),
        },
        ..request
    };
    let err = session
        .import(
            &refused,
            ts("2026-01-01T00:00:00Z"),
            &ImportCancel::new(),
            &mut |_| {},
        )
        .await
        .expect_err("refused");
    server.join().expect("served");
    assert_eq!(err.code(), ErrorCode::SignedOut, "{err}");
    assert!(
        !err.to_string().contains("wrong"),
        "no token in the message: {err}"
    );
    Ok(())
}

/// Issue 18: an import killed at any moment — while reading, or inside its commit — leaves the
/// vault as it was, or with the whole batch; never a part of it, and always adding up to its
/// sealed head.
#[tokio::test]
async fn an_import_killed_mid_way_leaves_nothing_half_stored() -> TestResult {
    if let (Some(dir), Ok(file)) = (
        std::env::var_os(CRASH_CHILD),
        std::env::var("TEND_IMPORT_CRASH_FILE"),
    ) {
        return import_until_killed(Path::new(&dir), Path::new(&file)).await;
    }
    let scratch = tempfile::tempdir()?;
    let (export, vital) = apple_health(scratch.path(), 20_000_000);
    // Killed while reading (a third in), and at moments in and around the commit.
    for (when, delay_ms) in [
        ("reading", 0u64),
        ("storing", 0),
        ("storing", 20),
        ("storing", 80),
        ("storing", 400),
    ] {
        let dir = tempfile::tempdir()?;
        let session = Tend::new(dir.path()).create(key()).await?;
        let strap = write(
            dir.path(),
            "strap.csv",
            "time,metric,value,unit,device\n2020-01-01T05:00:30Z,heart_rate,64,/min,strap\n",
        );
        session
            .import_file(&strap, ts("2026-01-01T00:00:00Z"))
            .await?;
        session.close().await?;

        let mut child = std::process::Command::new(std::env::current_exe()?)
            .args([
                "--exact",
                "an_import_killed_mid_way_leaves_nothing_half_stored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CRASH_CHILD, dir.path())
            .env("TEND_IMPORT_CRASH_FILE", &export)
            .stdout(std::process::Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().expect("piped");
        let total = std::fs::metadata(&export)?.len();
        for line in BufReader::new(stdout).lines() {
            let line = line?;
            let reached = match when {
                "reading" => line
                    .strip_prefix("reading ")
                    .and_then(|b| b.parse::<u64>().ok())
                    .is_some_and(|b| b > total / 3),
                _ => line.starts_with("storing"),
            };
            if reached {
                std::thread::sleep(std::time::Duration::from_millis(delay_ms));
                break;
            }
        }
        child.kill()?;
        child.wait()?;

        let session = Tend::new(dir.path()).unlock(key()).await?;
        let batches: Vec<_> = session
            .import_batches()
            .await?
            .into_iter()
            .filter(|b| b.file != "strap.csv")
            .collect();
        let heart = readings(&session, Metric::HeartRate).await;
        match batches.len() {
            0 => assert_eq!(
                heart, 1,
                "{when} +{delay_ms} ms: no batch, yet readings of it"
            ),
            1 => {
                assert_eq!(batches[0].readings, vital, "{when} +{delay_ms} ms");
                let of_batch = batches[0]
                    .metrics
                    .iter()
                    .find(|m| m.metric == Metric::HeartRate)
                    .map_or(0, |m| m.readings);
                assert_eq!(
                    heart as u64,
                    1 + of_batch,
                    "{when} +{delay_ms} ms: part of a batch"
                );
            }
            n => panic!("{n} batches from one import"),
        }
        if when == "reading" {
            assert!(batches.is_empty(), "killed while reading, yet stored");
        }
        session.close().await?;
    }
    Ok(())
}

/// The child: one import, its progress on stdout.
async fn import_until_killed(dir: &Path, file: &Path) -> TestResult {
    let session = Tend::new(dir).unlock(key()).await?;
    let mut out = std::io::stdout();
    session
        .import(
            &request(file),
            ts("2026-01-01T00:00:00Z"),
            &ImportCancel::new(),
            &mut |p| {
                let line = match p.phase {
                    ImportPhase::Reading => format!("reading {}\n", p.bytes_read),
                    ImportPhase::Storing => format!("storing {}\n", p.stored),
                };
                let _ = out.write_all(line.as_bytes());
                let _ = out.flush();
            },
        )
        .await?;
    println!("done");
    // Keep the process alive, as a running app would be, until the parent kills it.
    let mut forever = std::io::stdin();
    let _ = forever.read(&mut [0u8; 1]);
    Ok(())
}
