//! `tend share` and `tend export --format fhir` through the real binary, a real vault and a real
//! FHIR R4 server on loopback (`tests/fhir-server`, started by `tend-testkit`); every Bundle
//! printed is checked by the independent FHIR.js validator.

use std::path::{Path, PathBuf};

use serde_json::Value;
use tend_testkit::FhirServer;

use crate::harness::{arg, Tend};

const PASSPHRASE: &str = "a test passphrase";
const NOW: &str = "2026-03-02T00:00:00Z";

const HISTORY: &str = "time,metric,value,unit,device
2026-03-01T08:00:00Z,heart_rate,72,/min,Polar H10
2026-03-01T08:00:01Z,heart_rate,74,/min,Polar H10
2026-03-01T08:00:02Z,heart_rate,73,/min,Polar H10
2026-03-01T09:00:00Z,spo2,97,%,oximeter
2026-03-01T09:05:00Z,systolic,121,mm[Hg],cuff
2026-03-01T09:05:00Z,diastolic,79,mm[Hg],cuff
2026-03-01T09:06:00Z,body_temperature,98.6,[degF],
2026-03-01T09:07:00Z,glucose,5.6,mmol/L,meter
2026-03-01T09:07:00Z,weight,71.5,kg,scale
";

/// A profile with the history above, at a fixed "now".
fn profile_with_history() -> Tend {
    let tend = Tend::with_passphrase(PASSPHRASE).now(NOW);
    let csv = tend.file("history.csv", HISTORY);
    tend.run(&["import", "--format", "csv", arg(&csv)])
        .success();
    tend
}

/// Panics with the validator's findings unless every file holds valid R4.
fn validate(files: &[&Path]) {
    if let Err(invalid) = tend_testkit::validate_files(files) {
        panic!("{invalid}");
    }
}

/// The history, and a care team at `url` with everything but SpO2 consented since 1 March.
fn setup(url: &str) -> Tend {
    let tend = profile_with_history();
    tend.run(&[
        "share",
        "add",
        "--name",
        "Dr Smith",
        "--url",
        url,
        "--patient",
        "Patient/p-1",
    ])
    .success();
    for category in [
        "heart_rate",
        "blood_pressure",
        "temperature",
        "glucose",
        "weight",
    ] {
        tend.run(&[
            "share",
            "consent",
            "dr-smith",
            category,
            "--since",
            "2026-03-01T00:00:00Z",
        ])
        .success();
    }
    tend
}

#[test]
fn plain_http_is_refused_except_to_this_machine() {
    let tend = profile_with_history();
    let refused = tend.run(&[
        "share",
        "add",
        "--name",
        "X",
        "--url",
        "http://fhir.example.org/r4",
        "--patient",
        "Patient/1",
    ]);
    assert_eq!(refused.code(), Some(1));
    let stderr = refused.stderr();
    assert!(stderr.contains("plain http is refused"), "{stderr}");
    tend.run(&[
        "share",
        "add",
        "--name",
        "X",
        "--url",
        "https://fhir.example.org/r4",
        "--patient",
        "Patient/1",
    ])
    .success();
}

#[test]
fn preview_prints_valid_transaction_bundles_of_consented_data_only() {
    let tend = setup("http://127.0.0.1:9");
    let preview = tend.run(&["share", "preview", "dr-smith"]).json();
    let preview = preview.as_array().expect("an array of Bundles");
    assert!(!preview.is_empty());
    let mut files: Vec<PathBuf> = Vec::new();
    let mut codes = Vec::new();
    for (i, bundle) in preview.iter().enumerate() {
        assert_eq!(bundle["type"], "transaction");
        let entries = bundle["entry"].as_array().expect("entries");
        assert!(entries.len() <= 8);
        for entry in entries {
            assert!(entry["request"]["ifNoneExist"]
                .as_str()
                .is_some_and(|s| s.starts_with("identifier=")));
            if let Some(code) = entry["resource"]["code"]["coding"][0]["code"].as_str() {
                codes.push(code.to_owned());
            }
        }
        files.push(tend.file(&format!("preview-{i}.json"), &bundle.to_string()));
    }
    validate(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    codes.sort();
    // A 3-second heart-rate stream (one summary), a BP panel, temperature, glucose in mmol/L,
    // weight; no SpO2 (not consented).
    assert_eq!(codes, ["14743-9", "29463-7", "8310-5", "85354-9", "8867-4"]);

    // Revoked: it leaves the preview at once.
    tend.run(&["share", "consent", "dr-smith", "glucose", "--revoke"])
        .success();
    let preview = tend.run(&["share", "preview"]).success();
    assert!(!preview.contains("14743-9"));
    assert!(preview.contains("85354-9"));
    let log = tend.run(&["share", "log", "--json"]).json();
    let actions: Vec<&str> = log
        .as_array()
        .expect("an array of entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert_eq!(actions.iter().filter(|a| **a == "consent_given").count(), 5);
    assert_eq!(actions.last(), Some(&"consent_revoked"));
}

#[test]
fn export_fhir_writes_a_valid_collection_bundle() {
    let tend = setup("http://127.0.0.1:9");
    let file = tend.path("export.json");
    tend.run(&["export", "--format", "fhir", "--output", arg(&file)])
        .success();
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
    assert_eq!(bundle["type"], "collection");
    // Patient, 5 devices, 3 heart rate, SpO2, BP panel, temperature, glucose, weight.
    assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(1 + 5 + 8));
    validate(&[&file]);
    let stdout = tend.run(&["export", "--format", "fhir"]).json();
    assert_eq!(stdout["type"], "collection");
}

#[test]
fn sync_sends_to_the_server_and_the_log_says_what_was_shared() {
    let server = FhirServer::start().expect("the FHIR server starts");
    let tend = setup(&server.url());
    let report = tend.run(&["share", "sync", "dr-smith", "--json"]).json();
    assert_eq!(report["delivered"], 5);
    assert_eq!(report["interrupted"], Value::Null);
    let again = tend.run(&["share", "sync", "dr-smith", "--json"]).json();
    assert_eq!(again["delivered"], 0);
    let log = tend.run(&["share", "log"]).success();
    assert!(log.contains("shared") && log.contains("Dr Smith"), "{log}");
    let teams = tend.run(&["share", "list", "--json"]).json();
    assert_eq!(teams[0]["queued"], 0);
    assert_eq!(teams[0]["last_sync"]["interrupted"], Value::Null);
}
