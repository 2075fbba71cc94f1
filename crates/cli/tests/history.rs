//! `tend import`, `export`, `trends`, `erase` and `bench vault` through the real binary and a real
//! vault file, per DESIGN.md's CLI contract.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::{path::Path, process::Output};

const PASSPHRASE: &str = "a test passphrase";

fn tend(args: &[&str], profile: &Path) -> Output {
    tend_with(args, profile, &[("TEND_PASSPHRASE", PASSPHRASE)])
}

fn tend_with(args: &[&str], profile: &Path, env: &[(&str, &str)]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .env("TEND_DATA_DIR", profile)
        .envs(env.iter().copied())
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

fn failure(output: &Output) -> String {
    assert!(
        matches!(output.status.code(), Some(1 | 4 | 5 | 6)),
        "expected a failure, not {:?}",
        output.status.code()
    );
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    stderr
}

const HISTORY: &str = "time,metric,value,unit,device
2026-03-01T08:00:00+01:00,heart_rate,72,/min,Polar H10
2026-03-01T07:00:01Z,heart_rate,73.5,/min,Polar H10
2026-03-01T07:00:01.25Z,spo2,97,%,\"Oxi, \"\"left\"\" hand\"
2026-03-01T07:05:00Z,systolic,121,mm[Hg],cuff
2026-03-01T07:05:00Z,diastolic,16.1,kPa,cuff
2026-03-01T07:06:00Z,body_temperature,98.6,[degF],
2026-03-01T07:07:00Z,glucose,5.6,mmol/L,meter
2026-03-01T07:07:00Z,weight,176.37,[lb_av],scale
2026-03-01T07:07:00Z,bmi,24.1,kg/m2,scale
2026-03-02T07:07:00Z,battery,80,%,Polar H10
";

/// `tend import --json` of `file`: its summary.
fn import_json(file: &Path, profile: &Path) -> serde_json::Value {
    let args = [
        "import",
        "--format",
        "csv",
        "--json",
        file.to_str().expect("path"),
    ];
    serde_json::from_str(&ok(tend(&args, profile))).expect("JSON")
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn export_then_import_reproduces_the_history_exactly() {
    let (first, second) = (
        tempfile::tempdir().expect("dir"),
        tempfile::tempdir().expect("dir"),
    );
    let file = first.path().join("history.csv");
    std::fs::write(&file, HISTORY).expect("write");
    let summary = import_json(&file, first.path());
    assert_eq!(
        summary,
        serde_json::json!({"rows": 10, "stored": 10, "duplicates": 0})
    );

    let exported = ok(tend(&["export", "--format", "csv"], first.path()));
    assert_eq!(
        exported.lines().next(),
        Some("time,metric,value,unit,device")
    );
    assert_eq!(exported.lines().count(), 11);

    let again = second.path().join("again.csv");
    std::fs::write(&again, &exported).expect("write");
    ok(tend(
        &["import", "--format", "csv", again.to_str().expect("path")],
        second.path(),
    ));
    let reexported = ok(tend(&["export", "--format", "csv"], second.path()));
    assert_eq!(sorted_lines(&reexported), sorted_lines(&exported));
    // Times are normalised to UTC; values and units are kept exactly as measured.
    assert!(exported.contains("2026-03-01T07:00:00Z,heart_rate,72,/min,Polar H10"));
    assert!(exported.contains("2026-03-01T07:05:00Z,diastolic,16.1,kPa,cuff"));
    assert!(exported.contains("\"Oxi, \"\"left\"\" hand\""));

    // Importing the same file again stores nothing twice.
    let repeat = import_json(&file, first.path());
    assert_eq!(repeat["duplicates"], 10);
}

#[test]
fn a_bad_row_is_reported_by_line_and_nothing_of_the_file_is_stored() {
    let profile = tempfile::tempdir().expect("dir");
    let check = |body: &str, message: &str| {
        let file = profile.path().join("bad.csv");
        std::fs::write(&file, format!("time,metric,value,unit,device\n2026-03-01T07:00:00Z,heart_rate,70,/min,strap\n{body}\n")).expect("write");
        let err = failure(&tend(
            &["import", "--format", "csv", file.to_str().expect("path")],
            profile.path(),
        ));
        assert!(
            err.contains("line 3") && err.contains(message),
            "{body}: {err}"
        );
    };
    check(
        "2026-03-01T07:00:01Z,heart_rate,seventy,/min,strap",
        "not a number",
    );
    check(
        "2026-03-01T07:00:01Z,heart_rate,NaN,/min,strap",
        "not a number",
    );
    check("2026-03-01T07:00:01Z,pulse,70,/min,strap", "unknown metric");
    check(
        "2026-03-01T07:00:01Z,heart_rate,70,bpm,strap",
        "unknown unit",
    );
    check(
        "2026-03-01T07:00:01Z,heart_rate,70,kg,strap",
        "not a unit of heart_rate",
    );
    check("2026-03-01 07:00:01,heart_rate,70,/min,strap", "RFC 3339");
    check(
        "2026-03-01T07:00:01Z,heart_rate,70,/min,strap,extra",
        "6 fields",
    );
    let exported = ok(tend(&["export", "--format", "csv"], profile.path()));
    assert_eq!(
        exported.trim(),
        "time,metric,value,unit,device",
        "nothing stored"
    );

    let header = profile.path().join("header.csv");
    std::fs::write(&header, "when,what\n").expect("write");
    assert!(failure(&tend(
        &["import", "--format", "csv", header.to_str().expect("path")],
        profile.path()
    ))
    .contains("line 1"));
}

#[test]
fn trends_print_the_contract_json() {
    let profile = tempfile::tempdir().expect("dir");
    let file = profile.path().join("hr.csv");
    let mut csv = String::from("time,metric,value,unit,device\n");
    for i in 0..7_200 {
        csv.push_str(&format!(
            "2026-03-01T{:02}:{:02}:{:02}Z,heart_rate,{},/min,strap\n",
            i / 3600,
            (i / 60) % 60,
            i % 60,
            60 + i % 10
        ));
    }
    csv.push_str("2026-03-01T00:30:00Z,glucose,5.5,mmol/L,meter\n");
    std::fs::write(&file, csv).expect("write");
    ok(tend(
        &["import", "--format", "csv", file.to_str().expect("path")],
        profile.path(),
    ));

    let range = [
        "--from",
        "2026-03-01T00:00:00Z",
        "--until",
        "2026-03-02T00:00:00Z",
    ];
    let hourly: serde_json::Value = serde_json::from_str(&ok(tend(
        &[
            &["trends", "heart_rate"][..],
            &range,
            &["--bucket", "1h", "--json"],
        ]
        .concat(),
        profile.path(),
    )))
    .expect("JSON");
    assert_eq!(
        hourly,
        serde_json::json!([
            {"start": "2026-03-01T00:00:00Z", "min": 60.0, "max": 69.0, "mean": 64.5, "count": 3600},
            {"start": "2026-03-01T01:00:00Z", "min": 60.0, "max": 69.0, "mean": 64.5, "count": 3600},
        ])
    );
    let daily: serde_json::Value = serde_json::from_str(&ok(tend(
        &[
            &["trends", "heart_rate"][..],
            &range,
            &["--bucket", "1d", "--json"],
        ]
        .concat(),
        profile.path(),
    )))
    .expect("JSON");
    assert_eq!(daily[0]["count"], 7_200);
    // Raw readings in the canonical unit (mg/dL for glucose).
    let raw: serde_json::Value = serde_json::from_str(&ok(tend(
        &[
            &["trends", "glucose"][..],
            &range,
            &["--bucket", "raw", "--json"],
        ]
        .concat(),
        profile.path(),
    )))
    .expect("JSON");
    assert_eq!(
        raw,
        serde_json::json!([{"time": "2026-03-01T00:30:00Z", "value": 99.088}])
    );

    let bad = tend(
        &[
            "trends",
            "heart_rate",
            "--from",
            "yesterday",
            "--until",
            "2026-03-02T00:00:00Z",
            "--bucket",
            "1h",
        ],
        profile.path(),
    );
    assert!(failure(&bad).contains("--from"));
}

#[test]
fn a_wrong_passphrase_says_so_and_erase_removes_everything() {
    let profile = tempfile::tempdir().expect("dir");
    let file = profile.path().join("h.csv");
    std::fs::write(&file, HISTORY).expect("write");
    ok(tend(
        &["import", "--format", "csv", file.to_str().expect("path")],
        profile.path(),
    ));

    let wrong = tend_with(
        &["export", "--format", "csv"],
        profile.path(),
        &[("TEND_PASSPHRASE", "not the passphrase")],
    );
    assert_eq!(
        wrong.status.code(),
        Some(4),
        "a wrong key has its own exit code"
    );
    assert!(failure(&wrong).contains("wrong key"));

    // Change of passphrase: the old one stops working, the new one opens the same history.
    let new = [
        ("TEND_PASSPHRASE", PASSPHRASE),
        ("TEND_NEW_PASSPHRASE", "the new test passphrase"),
    ];
    ok(tend_with(&["passphrase"], profile.path(), &new));
    assert!(failure(&tend(&["export", "--format", "csv"], profile.path())).contains("wrong key"));
    let exported = tend_with(
        &["export", "--format", "csv"],
        profile.path(),
        &[("TEND_PASSPHRASE", "the new test passphrase")],
    );
    assert_eq!(ok(exported).lines().count(), 11);

    let refused = tend(&["erase"], profile.path());
    assert!(
        failure(&refused).contains("--yes"),
        "no silent erase without a terminal"
    );
    let erased: serde_json::Value =
        serde_json::from_str(&ok(tend(&["erase", "--yes", "--json"], profile.path())))
            .expect("JSON");
    assert!(erased["files"].as_array().is_some_and(|f| f
        .iter()
        .any(|f| f.as_str().is_some_and(|f| f.ends_with("vault.sqlite")))));
    assert!(!profile.path().join("vault.sqlite").exists());
    let status: serde_json::Value =
        serde_json::from_str(&ok(tend(&["status", "--json"], profile.path()))).expect("JSON");
    assert_eq!(status["vault"]["state"], "not_created");
}

#[test]
fn bench_vault_prints_every_contract_field() {
    let profile = tempfile::tempdir().expect("dir");
    let report: serde_json::Value = serde_json::from_str(&ok(tend(
        &["bench", "vault", "--readings", "20000", "--json"],
        profile.path(),
    )))
    .expect("JSON");
    for field in [
        "append_readings_per_s",
        "baseline_append_readings_per_s",
        "append_ratio",
        "chart_day_ms",
        "baseline_chart_day_ms",
        "chart_ratio",
        "size_bytes",
        "baseline_size_bytes",
        "size_ratio",
    ] {
        assert!(
            report[field].as_f64().is_some_and(|v| v > 0.0),
            "{field}: {report}"
        );
    }
}
