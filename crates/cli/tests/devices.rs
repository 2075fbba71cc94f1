//! `tend devices` as scripts see it, against `bluez-sim` on a private bus: JSON from scan, pair,
//! list, watch and forget; and a clear error where there is no Bluetooth at all.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::{
    path::Path,
    process::{Command, Output},
    time::Duration,
};

use serde_json::Value;
use tend_bluez_sim::{PrivateBus, Sim};

const GLUCOSE: &str = "C0:7E:4D:00:00:05";
const HR_STRAP: &str = "C0:7E:4D:00:00:01";

fn tend(args: &[&str], data_dir: &Path, bus: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tend"))
        .args(args)
        .env("TEND_DATA_DIR", data_dir)
        .env("TEND_PASSPHRASE", "devices test passphrase")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bus)
        .output()
        .expect("the tend binary runs")
}

fn json(output: &Output) -> Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn scan_pair_list_watch_forget_against_the_simulator() {
    let bus = PrivateBus::start().expect("private bus");
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let sim = runtime.block_on(Sim::start(bus.address())).expect("sim");
    sim.set_interval(HR_STRAP, Duration::from_millis(400))
        .unwrap();
    sim.set_interval(GLUCOSE, Duration::from_secs(3600))
        .unwrap();
    sim.add_stored_records(GLUCOSE, 6).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| tend(args, dir.path(), bus.address());

    let found = json(&run(&["devices", "scan", "--for", "0.3", "--json"]));
    let found = found.as_array().expect("an array");
    assert_eq!(found.len(), 7);
    let meter = found
        .iter()
        .find(|d| d["id"] == GLUCOSE)
        .expect("the meter");
    assert_eq!(meter["name"], "Tend Sim Glucose Meter");
    assert_eq!(meter["services"], serde_json::json!(["glucose"]));
    assert_eq!(meter["paired"], false);
    assert!(meter["rssi"].is_i64());

    let paired = json(&run(&["devices", "pair", GLUCOSE, "--json"]));
    assert_eq!(paired["id"], GLUCOSE);
    assert_eq!(paired["paired"], true);
    assert_eq!(paired["manufacturer"], "Tend Simulated Devices");
    assert!(paired["battery_percent"].is_u64());
    json(&run(&["devices", "pair", HR_STRAP, "--json"]));
    let again = run(&["devices", "pair", HR_STRAP]);
    assert_eq!(again.status.code(), Some(1), "pairing twice is refused");

    let listed = json(&run(&["devices", "list", "--json"]));
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["state"] == "offline"));

    // The six stored glucose readings, then live heart rate: at least ten readings.
    let watch = run(&["devices", "watch", "--json", "--count", "10", "--for", "20"]);
    assert!(
        watch.status.success(),
        "{}",
        String::from_utf8_lossy(&watch.stderr)
    );
    let lines: Vec<Value> = String::from_utf8_lossy(&watch.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect();
    let readings: Vec<&Value> = lines.iter().filter(|l| l["event"] == "reading").collect();
    assert_eq!(readings.len(), 10);
    let glucose: Vec<&&Value> = readings
        .iter()
        .filter(|r| r["metric"] == "glucose")
        .collect();
    assert_eq!(glucose.len(), 6);
    assert!(glucose
        .iter()
        .all(|r| r["unit"] == "mg/dL" && r["sequence"].is_u64()));
    assert!(readings
        .iter()
        .any(|r| r["metric"] == "heart_rate" && r["name"] == "Tend Sim HR Strap"));
    for state in [
        "connecting",
        "connected",
        "downloading",
        "streaming",
        "offline",
    ] {
        assert!(
            lines.iter().any(|l| l["state"] == state),
            "no `{state}` in {lines:?}"
        );
    }
    assert!(lines
        .iter()
        .any(|l| l["event"] == "battery" && l["battery_percent"].is_u64()));

    let listed = json(&run(&["devices", "list", "--json"]));
    let meter = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == GLUCOSE)
        .unwrap();
    assert_eq!(meter["last_sequence"], 6);

    let forgot = json(&run(&["devices", "forget", HR_STRAP, "--json"]));
    assert_eq!(forgot["forgotten"], true);
    assert_eq!(
        json(&run(&["devices", "list", "--json"]))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(run(&["devices", "forget", HR_STRAP]).status.code(), Some(1));
    drop(sim);
}

#[test]
fn without_bluetooth_the_error_names_the_simulator() {
    let dir = tempfile::tempdir().unwrap();
    let output = tend(
        &["devices", "scan"],
        dir.path(),
        "unix:path=/nonexistent/tend-no-bus",
    );
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("tend-bluez-sim"), "{stderr}");
}
