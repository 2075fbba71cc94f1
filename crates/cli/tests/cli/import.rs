//! `tend import` of other apps' exports (issue 18) through the real binary and a real vault:
//! recognised by content, previewed with `--dry-run` (against the history, creating nothing),
//! stored as one numbered import, listed, undone; a Nightscout site over loopback with its token.

use std::io::{Read, Write};

use crate::harness::{arg, Tend};

const PASSPHRASE: &str = "an import test passphrase";

/// A small Apple Health export: a watch's heart rate, a blood-pressure correlation whose members
/// also appear on their own (as Apple writes them), the phone's copy of one heart rate, steps.
const APPLE_HEALTH: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE HealthData [
<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation)*)>
]>
<HealthData locale="en_US">
 <ExportDate value="2026-03-02 08:00:00 -0500"/>
 <Me HKCharacteristicTypeIdentifierBiologicalSex="HKBiologicalSexNotSet"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" value="61" startDate="2026-03-01 08:00:00 -0500" endDate="2026-03-01 08:00:00 -0500"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" value="64" startDate="2026-03-01 08:05:00 -0500" endDate="2026-03-01 08:05:00 -0500"/>
 <Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Phone" unit="count/min" value="64" startDate="2026-03-01 08:05:00 -0500" endDate="2026-03-01 08:05:00 -0500"/>
 <Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="count" value="120" startDate="2026-03-01 08:00:00 -0500" endDate="2026-03-01 08:10:00 -0500"/>
 <Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" startDate="2026-03-01 09:00:00 -0500" endDate="2026-03-01 09:00:00 -0500">
  <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Cuff" unit="mmHg" value="121" startDate="2026-03-01 09:00:00 -0500" endDate="2026-03-01 09:00:00 -0500"/>
  <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Cuff" unit="mmHg" value="79" startDate="2026-03-01 09:00:00 -0500" endDate="2026-03-01 09:00:00 -0500"/>
 </Correlation>
 <Record type="HKQuantityTypeIdentifierBloodPressureSystolic" sourceName="Cuff" unit="mmHg" value="121" startDate="2026-03-01 09:00:00 -0500" endDate="2026-03-01 09:00:00 -0500"/>
 <Record type="HKQuantityTypeIdentifierBloodPressureDiastolic" sourceName="Cuff" unit="mmHg" value="79" startDate="2026-03-01 09:00:00 -0500" endDate="2026-03-01 09:00:00 -0500"/>
</HealthData>
"#;

fn metric<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["metric"] == name)
        .unwrap_or_else(|| panic!("{name} in {report}"))
}

#[test]
fn an_apple_health_export_is_previewed_imported_listed_and_undone() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let file = tend.file("export.xml", APPLE_HEALTH);

    // The dry run: recognised by content, per metric and source, and no vault created.
    let preview = tend
        .run(&["import", "--dry-run", "--json", arg(&file)])
        .json();
    assert_eq!(preview["format"], "apple_health_xml");
    assert_eq!(preview["batch"], serde_json::Value::Null);
    assert_eq!(
        (&preview["readings"], &preview["stored"]),
        (&4.into(), &0.into())
    );
    let heart = metric(&preview, "heart_rate");
    assert_eq!(heart["readings"], 2);
    assert_eq!(heart["first"], "2026-03-01T13:00:00Z");
    assert_eq!(heart["last"], "2026-03-01T13:05:00Z");
    assert_eq!(heart["units"], serde_json::json!(["/min"]));
    let phone = preview["sources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["source"] == "Phone")
        .unwrap();
    assert_eq!(
        phone["duplicates_dropped"], 1,
        "the phone's copy of the watch's reading"
    );
    assert_eq!(
        preview["skipped"],
        serde_json::json!([{"reason": "not_a_vital", "count": 1}])
    );
    assert!(
        !tend.profile().join("vault.sqlite").exists(),
        "a dry run creates nothing"
    );
    let text = tend.run(&["import", "--dry-run", arg(&file)]).success();
    assert!(
        text.contains("would store 4 readings") && text.contains("heart_rate"),
        "{text}"
    );

    // The import: one numbered batch.
    let stored = tend.run(&["import", "--json", arg(&file)]).json();
    assert_eq!(stored["stored"], 4);
    let batch = stored["batch"].as_i64().expect("a number");
    let listed = tend.run(&["import", "list", "--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 1);
    assert_eq!(listed[0]["id"], batch);
    assert_eq!(listed[0]["file"], "export.xml");
    assert_eq!(listed[0]["format"], "apple_health_xml");
    assert_eq!(listed[0]["readings"], 4);
    let list = tend.run(&["import", "list"]).success();
    assert!(
        list.starts_with(&format!("{batch}  ")) && list.contains("export.xml"),
        "{list}"
    );

    // Now the dry run checks against the history: all of it is there already.
    let again = tend
        .run(&["import", "--dry-run", "--json", arg(&file)])
        .json();
    assert_eq!(
        (&again["readings"], &again["already_stored"]),
        (&0.into(), &4.into())
    );

    let chart = |tend: &Tend| {
        tend.run(&[
            "trends",
            "heart_rate",
            "--from",
            "2026-03-01T00:00:00Z",
            "--until",
            "2026-03-02T00:00:00Z",
            "--bucket",
            "raw",
            "--json",
        ])
        .json()
    };
    assert_eq!(chart(&tend).as_array().unwrap().len(), 2);
    let undone = tend
        .run(&["import", "undo", &batch.to_string(), "--json"])
        .json();
    assert_eq!(undone["id"], batch);
    assert_eq!(chart(&tend).as_array().unwrap().len(), 0);
    assert_eq!(
        tend.run(&["import", "list", "--json"]).json(),
        serde_json::json!([])
    );
    let gone = tend.run(&["import", "undo", &batch.to_string()]);
    assert_eq!(gone.code(), Some(1));
    assert!(
        gone.stderr().contains("`tend import list`"),
        "{}",
        gone.stderr()
    );
    let not_a_number = tend.run(&["import", "undo", "0"]);
    assert_eq!(not_a_number.code(), Some(1));
}

#[test]
fn formats_are_recognised_by_content_and_forced_by_name() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    // A CSV by any name.
    let csv = tend.file(
        "notes.txt",
        "time,metric,value,unit,device\n2026-03-01T07:00:00Z,weight,80,kg,scale\n",
    );
    let report = tend.run(&["import", "--json", arg(&csv)]).json();
    assert_eq!(report["format"], "tend_csv");
    // Something else is refused by name, and a forced format that does not fit names where.
    let other = tend.file("export.xml", "hello, world\n");
    let unknown = tend.run(&["import", arg(&other)]);
    assert_eq!(unknown.code(), Some(1));
    assert!(
        unknown.stderr().contains("not one Tend can import"),
        "{}",
        unknown.stderr()
    );
    let forced = tend.run(&["import", "--format", "apple-health", arg(&other)]);
    assert_eq!(forced.code(), Some(1));
    // Neither a file nor --url: a usage error.
    assert_eq!(tend.run(&["import"]).code(), Some(2));
    assert_eq!(
        tend.run(&["import", "--format", "pdf", arg(&csv)]).code(),
        Some(2)
    );
}

/// A one-shot Nightscout on loopback: answers `body` with `status` and tells the request line.
fn nightscout(
    body: &'static str,
    status: &'static str,
) -> (String, std::thread::JoinHandle<String>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut socket, _) = listener.accept().unwrap();
        let mut request = Vec::new();
        let mut buffer = [0u8; 4096];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = socket.read(&mut buffer).unwrap();
            if n == 0 {
                break;
            }
            request.extend_from_slice(&buffer[..n]);
        }
        write!(
            socket,
            "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        String::from_utf8_lossy(&request)
            .lines()
            .next()
            .unwrap_or("")
            .to_owned()
    });
    (url, server)
}

#[test]
fn nightscout_entries_come_from_the_site_with_the_token_from_the_environment() {
    let tend = Tend::with_passphrase(PASSPHRASE);
    let body = r#"[{"type":"sgv","sgv":"120","date":1772348400000,"device":"xDrip"},{"type":"sgv","sgv":5,"date":1772348700000,"device":"xDrip"}]"#;
    let (url, server) = nightscout(body, "200 OK");
    let report = tend
        .command(&["import", "--url", &url, "--json"])
        .env("TEND_NIGHTSCOUT_TOKEN", "reader-abc")
        .run()
        .json();
    let asked = server.join().unwrap();
    assert!(asked.contains("token=reader-abc"), "{asked}");
    assert_eq!(report["format"], "nightscout_json");
    assert_eq!(report["stored"], 1);
    assert_eq!(
        report["skipped"],
        serde_json::json!([{"reason": "cgm_status_code", "count": 1}])
    );

    let (url, server) = nightscout("{}", "401 Unauthorized");
    let refused = tend
        .command(&["import", "--url", &url])
        .env("TEND_NIGHTSCOUT_TOKEN", "wrong-secret")
        .run();
    server.join().unwrap();
    assert_eq!(refused.code(), Some(6));
    let stderr = refused.stderr();
    assert!(
        stderr.contains("TEND_NIGHTSCOUT_TOKEN") && !stderr.contains("wrong-secret"),
        "{stderr}"
    );
}
