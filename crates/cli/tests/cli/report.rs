//! `tend report` and `tend share report` through the real binary and a real vault: the JSON of
//! docs/cli.md, an accessible PDF checked with poppler, and the report sent to a care team on the
//! real FHIR test server holding only what that team may see.

use std::process::Command;

use serde_json::Value;
use tend_testkit::FhirServer;

use crate::harness::{arg, Tend};

const NOW: &str = "2026-03-16T12:00:00Z";
const UNTIL: &str = "2026-03-16T00:00:00Z";

/// Two weeks of home blood pressure (two readings morning and evening), a weighing a day, and
/// meter glucose in the mornings.
fn two_weeks() -> String {
    let mut rows = vec!["time,metric,value,unit,device".to_owned()];
    for day in 2..16 {
        for (time, systolic, diastolic) in [
            ("07:00:00", 138, 88),
            ("07:02:00", 136, 86),
            ("19:00:00", 134, 84),
            ("19:02:00", 140, 90),
        ] {
            let t = format!("2026-03-{day:02}T{time}Z");
            rows.push(format!("{t},systolic,{systolic},mm[Hg],cuff"));
            rows.push(format!("{t},diastolic,{diastolic},mm[Hg],cuff"));
        }
        rows.push(format!(
            "2026-03-{day:02}T07:30:00Z,weight,{:.1},kg,scale",
            80.0 + f64::from(day) / 10.0
        ));
        rows.push(format!(
            "2026-03-{day:02}T08:00:00Z,glucose,{},mg/dL,meter",
            100 + day * 5
        ));
    }
    rows.join("\n") + "\n"
}

fn profile() -> Tend {
    let tend = Tend::with_passphrase("report test passphrase").now(NOW);
    let csv = tend.file("history.csv", &two_weeks());
    tend.run(&["import", "--format", "csv", arg(&csv)])
        .success();
    tend
}

#[test]
fn the_report_json_has_a_section_per_condition_with_data() {
    let tend = profile();
    let report = tend
        .run(&["report", "--until", UNTIL, "--tz", "UTC"])
        .json();
    assert_eq!(report["from"], "2026-03-02T00:00:00Z");
    assert_eq!(report["until"], UNTIL);
    let bp = &report["blood_pressure"];
    assert_eq!(bp["classification"], "hypertension", "{bp}");
    assert!(bp["readings"].as_u64().is_some_and(|n| n >= 12), "{bp}");
    assert!(
        (bp["systolic_mean"].as_f64().unwrap() - 137.0).abs() < 0.01,
        "{bp}"
    );
    assert!(report["weight"]["latest_kg"].as_f64().is_some());
    assert_eq!(report["glucose_meter"]["readings"], 14);
    // No CGM, no SpO2, no heart rate, no medication: those sections are absent.
    for absent in ["glucose", "spo2", "heart_rate"] {
        assert!(report.get(absent).is_none(), "{absent} should be absent");
    }
}

#[test]
fn the_report_pdf_is_tagged_with_fonts_embedded_and_holds_the_figures() {
    let tend = profile();
    let pdf = tend.path("report.pdf");
    tend.command(&[
        "report",
        "--until",
        UNTIL,
        "--format",
        "pdf",
        "--output",
        arg(&pdf),
    ])
    .env("LC_ALL", "en_GB.UTF-8")
    .run()
    .success();
    let poppler = |tool: &str, extra: &[&str]| {
        let output = Command::new(tool)
            .args(extra)
            .arg(&pdf)
            .args(if tool == "pdftotext" {
                &["-"][..]
            } else {
                &[][..]
            })
            .output()
            .unwrap_or_else(|e| panic!("{tool} (poppler-utils) runs: {e}"));
        String::from_utf8_lossy(&output.stdout).into_owned()
    };
    let info = poppler("pdfinfo", &[]);
    assert!(info.contains("Tagged:          yes"), "{info}");
    assert!(info.contains("(A4)"), "en_GB is A4: {info}");
    let fonts = poppler("pdffonts", &[]);
    for line in fonts.lines().skip(2) {
        assert!(line.contains(" yes "), "every font embedded: {line}");
    }
    let text = poppler("pdftotext", &[]);
    assert!(text.contains("137"), "the systolic mean: {text}");
    assert!(text.contains("Patient"), "the name on every page: {text}");
}

#[test]
fn the_report_goes_only_to_a_team_with_reports_on_and_holds_only_what_it_may_see() {
    let server = FhirServer::start().expect("the FHIR test server");
    let tend = profile();
    tend.run(&[
        "share",
        "add",
        "--name",
        "Clinic",
        "--url",
        &server.url(),
        "--patient",
        "Patient/p-1",
    ])
    .success();
    tend.run(&[
        "share",
        "consent",
        "clinic",
        "blood_pressure",
        "--since",
        "2026-01-01T00:00:00Z",
    ])
    .success();
    // Without the reports switch: refused, nothing sent.
    let refused = tend
        .run(&["share", "report", "clinic", "--until", UNTIL])
        .failure();
    assert!(refused.contains("reports"), "{refused}");
    assert!(server.resources("DiagnosticReport").unwrap().is_empty());

    tend.run(&["share", "consent", "clinic", "reports"])
        .success();
    let sent = tend
        .run(&["--json", "share", "report", "clinic", "--until", UNTIL])
        .json();
    assert_eq!(sent["categories"], serde_json::json!(["blood_pressure"]));
    let reports = server.resources("DiagnosticReport").unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0]["presentedForm"][0]["contentType"],
        "application/pdf"
    );
    let codes: Vec<String> = server
        .resources("Observation")
        .unwrap()
        .iter()
        .filter_map(|o: &Value| o["code"]["coding"][0]["code"].as_str().map(str::to_owned))
        .collect();
    assert!(
        codes.contains(&"85354-9".to_owned()),
        "the BP average: {codes:?}"
    );
    assert!(
        !codes.iter().any(|c| c == "29463-7"),
        "no weight: {codes:?}"
    );
    // Sent again: nothing new on the server.
    tend.run(&["share", "report", "clinic", "--until", UNTIL])
        .success();
    assert_eq!(server.resources("DiagnosticReport").unwrap().len(), 1);
    let log = tend.run(&["share", "log"]).success();
    assert!(log.contains("clinic report"), "{log}");
}

#[test]
fn a_guided_bp_week_starts_counts_its_readings_and_stops() {
    let tend = Tend::with_passphrase("bp week test passphrase").now("2026-03-05T20:00:00Z");
    let started = tend
        .run(&[
            "bp-week",
            "start",
            "--start",
            "2026-03-02",
            "--tz",
            "UTC",
            "--json",
        ])
        .json();
    assert_eq!(started["week"]["zone"], "UTC");
    assert_eq!(started["label"], "Day 4 of 7, 0 of 12 readings");
    let csv = tend.file("history.csv", &two_weeks());
    tend.run(&["import", "--format", "csv", arg(&csv)])
        .success();
    // Days 2 to 4 of the week (3 to 5 March) counted, the first day left out, and nothing after
    // "now" (the history runs to 15 March).
    let status = tend.run(&["bp-week", "status", "--json"]).json();
    assert_eq!(status["label"], "Day 4 of 7, 12 of 12 readings", "{status}");
    assert_eq!(status["progress"]["complete"], true, "{status}");
    let text = tend.run(&["bp-week", "status"]).success();
    assert!(text.contains("Day 4 of 7, 12 of 12 readings"), "{text}");
    assert!(text.contains("Next: 2026-03-06 morning"), "{text}");
    let refused = tend
        .run(&["bp-week", "start", "--morning", "13:00"])
        .failure();
    assert!(refused.contains("before noon"), "{refused}");
    tend.run(&["bp-week", "stop"]).success();
    assert_eq!(
        tend.run(&["bp-week", "status", "--json"]).json(),
        Value::Null
    );
}
