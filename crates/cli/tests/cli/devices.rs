//! `tend devices` as scripts see it, against `bluez-sim` on a private bus: JSON from scan, pair,
//! list, watch and forget; and a clear error where there is no Bluetooth at all.

use std::time::Duration;

use serde_json::Value;
use tend_testkit::SimulatedBluetooth;

use crate::harness::Tend;

const GLUCOSE: &str = "C0:7E:4D:00:00:05";
const HR_STRAP: &str = "C0:7E:4D:00:00:01";

#[test]
fn scan_pair_list_watch_forget_against_the_simulator() {
    let bluetooth = SimulatedBluetooth::start().expect("simulated Bluetooth");
    let sim = bluetooth.sim();
    sim.set_interval(HR_STRAP, Duration::from_millis(400))
        .unwrap();
    sim.set_interval(GLUCOSE, Duration::from_secs(3600))
        .unwrap();
    sim.add_stored_records(GLUCOSE, 6).unwrap();
    let tend = Tend::with_passphrase("devices test passphrase")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());

    let found = tend
        .run(&["devices", "scan", "--for", "0.3", "--json"])
        .json();
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

    let paired = tend.run(&["devices", "pair", GLUCOSE, "--json"]).json();
    assert_eq!(paired["id"], GLUCOSE);
    assert_eq!(paired["paired"], true);
    assert_eq!(paired["manufacturer"], "Tend Simulated Devices");
    assert!(paired["battery_percent"].is_u64());
    tend.run(&["devices", "pair", HR_STRAP, "--json"]).json();
    let again = tend.run(&["devices", "pair", HR_STRAP]);
    assert_eq!(again.code(), Some(1), "pairing twice is refused");

    let listed = tend.run(&["devices", "list", "--json"]).json();
    assert_eq!(listed.as_array().unwrap().len(), 2);
    assert!(listed
        .as_array()
        .unwrap()
        .iter()
        .all(|d| d["state"] == "offline"));

    // The six stored glucose readings, then live heart rate: at least ten readings.
    let lines = tend
        .run(&["devices", "watch", "--json", "--count", "10", "--for", "20"])
        .json_lines();
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

    let listed = tend.run(&["devices", "list", "--json"]).json();
    let meter = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == GLUCOSE)
        .unwrap();
    assert_eq!(meter["last_sequence"], 6);

    let forgot = tend.run(&["devices", "forget", HR_STRAP, "--json"]).json();
    assert_eq!(forgot["forgotten"], true);
    assert_eq!(
        tend.run(&["devices", "list", "--json"])
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_eq!(tend.run(&["devices", "forget", HR_STRAP]).code(), Some(1));
    drop(bluetooth);
}

#[test]
fn without_bluetooth_the_error_names_the_simulator() {
    let tend = Tend::with_passphrase("devices test passphrase").env(
        "DBUS_SYSTEM_BUS_ADDRESS",
        "unix:path=/nonexistent/tend-no-bus",
    );
    let stderr = tend.run(&["devices", "scan"]).failure();
    assert!(stderr.contains("tend-bluez-sim"), "{stderr}");
}
