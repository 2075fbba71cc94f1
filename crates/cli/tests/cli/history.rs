//! `tend import`, `export`, `trends`, `passphrase`, `erase` and `bench vault` through the real
//! binary and a real vault file, per the contract (docs/cli.md).

use std::path::Path;

use crate::harness::{arg, Tend};

const PASSPHRASE: &str = "a test passphrase";

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
fn import_json(tend: &Tend, file: &Path) -> serde_json::Value {
    tend.run(&["import", "--format", "csv", "--json", arg(file)])
        .json()
}

fn sorted_lines(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = text.lines().skip(1).map(str::to_owned).collect();
    lines.sort();
    lines
}

#[test]
fn export_then_import_reproduces_the_history_exactly() {
    let (first, second) = (
        Tend::with_passphrase(PASSPHRASE),
        Tend::with_passphrase(PASSPHRASE),
    );
    let file = first.file("history.csv", HISTORY);
    let summary = import_json(&first, &file);
    assert_eq!(
        [&summary["rows"], &summary["stored"], &summary["duplicates"]],
        [10, 10, 0]
    );

    let exported = first.run(&["export", "--format", "csv"]).success();
    assert_eq!(
        exported.lines().next(),
        Some("time,metric,value,unit,device")
    );
    assert_eq!(exported.lines().count(), 11);

    let again = second.file("again.csv", &exported);
    second
        .run(&["import", "--format", "csv", arg(&again)])
        .success();
    let reexported = second.run(&["export", "--format", "csv"]).success();
    assert_eq!(sorted_lines(&reexported), sorted_lines(&exported));
    // Times are normalised to UTC; values and units are kept exactly as measured.
    assert!(exported.contains("2026-03-01T07:00:00Z,heart_rate,72,/min,Polar H10"));
    assert!(exported.contains("2026-03-01T07:05:00Z,diastolic,16.1,kPa,cuff"));
    assert!(exported.contains("\"Oxi, \"\"left\"\" hand\""));

    // Importing the same file again stores nothing twice.
    let repeat = import_json(&first, &file);
    assert_eq!(repeat["duplicates"], 10);
}

#[test]
fn a_bad_row_is_reported_by_line_and_nothing_of_the_file_is_stored() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let check = |body: &str, message: &str| {
        let file = tend.file(
            "bad.csv",
            &format!("time,metric,value,unit,device\n2026-03-01T07:00:00Z,heart_rate,70,/min,strap\n{body}\n"),
        );
        let err = tend
            .run(&["import", "--format", "csv", arg(&file)])
            .failure();
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
    let exported = tend.run(&["export", "--format", "csv"]).success();
    assert_eq!(
        exported.trim(),
        "time,metric,value,unit,device",
        "nothing stored"
    );

    let header = tend.file("header.csv", "when,what\n");
    assert!(tend
        .run(&["import", "--format", "csv", arg(&header)])
        .failure()
        .contains("line 1"));
}

#[test]
fn trends_print_the_contract_json() {
    let tend = Tend::with_passphrase(PASSPHRASE);
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
    let file = tend.file("hr.csv", &csv);
    tend.run(&["import", "--format", "csv", arg(&file)])
        .success();

    let range = [
        "--from",
        "2026-03-01T00:00:00Z",
        "--until",
        "2026-03-02T00:00:00Z",
    ];
    let hourly = tend
        .run(
            &[
                &["trends", "heart_rate"][..],
                &range,
                &["--bucket", "1h", "--json"],
            ]
            .concat(),
        )
        .json();
    assert_eq!(
        hourly,
        serde_json::json!([
            {"start": "2026-03-01T00:00:00Z", "min": 60.0, "max": 69.0, "mean": 64.5, "count": 3600},
            {"start": "2026-03-01T01:00:00Z", "min": 60.0, "max": 69.0, "mean": 64.5, "count": 3600},
        ])
    );
    let daily = tend
        .run(
            &[
                &["trends", "heart_rate"][..],
                &range,
                &["--bucket", "1d", "--json"],
            ]
            .concat(),
        )
        .json();
    assert_eq!(daily[0]["count"], 7_200);
    // Raw readings in the canonical unit (mg/dL for glucose).
    let raw = tend
        .run(
            &[
                &["trends", "glucose"][..],
                &range,
                &["--bucket", "raw", "--json"],
            ]
            .concat(),
        )
        .json();
    assert_eq!(
        raw,
        serde_json::json!([{"time": "2026-03-01T00:30:00Z", "value": 99.088}])
    );

    let bad = tend.run(&[
        "trends",
        "heart_rate",
        "--from",
        "yesterday",
        "--until",
        "2026-03-02T00:00:00Z",
        "--bucket",
        "1h",
    ]);
    assert!(bad.failure().contains("--from"));
}

#[test]
fn a_wrong_passphrase_says_so_and_erase_removes_everything() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let file = tend.file("h.csv", HISTORY);
    tend.run(&["import", "--format", "csv", arg(&file)])
        .success();

    let wrong = tend
        .command(&["export", "--format", "csv"])
        .env("TEND_PASSPHRASE", "not the passphrase")
        .run();
    assert!(wrong.failure_with(4).contains("wrong key"));

    // Change of passphrase: the old one stops working, the new one opens the same history.
    tend.command(&["passphrase"])
        .env("TEND_NEW_PASSPHRASE", "the new test passphrase")
        .run()
        .success();
    assert!(tend
        .run(&["export", "--format", "csv"])
        .failure_with(4)
        .contains("wrong key"));
    let exported = tend
        .command(&["export", "--format", "csv"])
        .env("TEND_PASSPHRASE", "the new test passphrase")
        .run();
    assert_eq!(exported.success().lines().count(), 11);

    let refused = tend.run(&["erase"]);
    assert!(
        refused.failure().contains("--yes"),
        "no silent erase without a terminal"
    );
    let erased = tend.run(&["erase", "--yes", "--json"]).json();
    assert!(erased["files"].as_array().is_some_and(|f| f
        .iter()
        .any(|f| f.as_str().is_some_and(|f| f.ends_with("vault.sqlite")))));
    assert!(!tend.profile().join("vault.sqlite").exists());
    let status = tend.run(&["status", "--json"]).json();
    assert_eq!(status["vault"]["state"], "not_created");
}

#[test]
fn erase_is_confirmed_only_at_a_terminal_or_with_yes() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let file = tend.file("h.csv", HISTORY);
    tend.run(&["import", "--format", "csv", arg(&file)])
        .success();
    // The word a person types at the prompt, piped in by a script, confirms nothing.
    let piped = tend.command(&["erase"]).stdin("ERASE\n").run();
    assert!(piped.failure().contains("--yes"));
    assert!(tend.profile().join("vault.sqlite").exists());
}

#[test]
fn bench_vault_prints_every_contract_field() {
    let report = Tend::new()
        .run(&["bench", "vault", "--readings", "20000", "--json"])
        .json();
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
    // The rest of the object, as docs/cli.md lists it.
    assert_eq!(report["readings"], 20_000);
    for field in [
        "chart_hour_ms",
        "baseline_chart_hour_ms",
        "chart_minute_ms",
        "baseline_chart_minute_ms",
    ] {
        assert!(report[field].is_number(), "{field}: {report}");
    }
}

#[test]
fn an_older_copy_of_the_vault_reads_but_takes_no_change_until_accepted() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let file = tend.file("h.csv", HISTORY);
    tend.run(&["import", "--format", "csv", arg(&file)])
        .success();
    let copy = tend.path("earlier.sqlite");
    std::fs::copy(tend.profile().join("vault.sqlite"), &copy).expect("copy");
    let later = tend.file(
        "later.csv",
        "time,metric,value,unit,device\n2026-04-01T08:00:00Z,weight,70.1,kg,scale\n",
    );
    tend.run(&["import", "--format", "csv", arg(&later)])
        .success();

    // The earlier copy is put back: it reads, with a warning, and refuses changes (exit 7).
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(tend.profile().join(format!("vault.sqlite{suffix}")));
    }
    std::fs::copy(&copy, tend.profile().join("vault.sqlite")).expect("put back");
    let read = tend.run(&["export", "--format", "csv"]);
    assert!(read.stderr().contains("older than the last one Tend saw"));
    assert_eq!(read.success().lines().count(), 11);
    // The warning, then the failure's own line.
    let refused = tend.run(&["import", "--format", "csv", arg(&later)]);
    assert_eq!(refused.code(), Some(7));
    assert!(refused.stdout().is_empty());
    assert!(refused
        .stderr()
        .lines()
        .last()
        .is_some_and(|line| line.contains("tend vault accept-older")));

    assert!(tend
        .run(&["vault", "accept-older"])
        .failure()
        .contains("--yes"));
    let accepted = tend
        .run(&["vault", "accept-older", "--yes", "--json"])
        .json();
    assert_eq!(accepted["accepted"], true);
    tend.run(&["import", "--format", "csv", arg(&later)])
        .success();
    let again = tend.run(&["vault", "accept-older", "--json"]).json();
    assert_eq!(again["accepted"], false);
}
