//! `tend devices` as scripts see it, against `bluez-sim` on a private bus: JSON from scan, pair,
//! list, watch and forget; pairing as one user of a shared cuff, and changing which; and a clear error where there is
//! no Bluetooth at all.

use std::time::Duration;

use serde_json::Value;
use tend_testkit::SimulatedBluetooth;

use crate::harness::Tend;

const GLUCOSE: &str = "C0:7E:4D:00:00:05";
const HR_STRAP: &str = "C0:7E:4D:00:00:01";
const BP_CUFF: &str = "C0:7E:4D:00:00:03";
const SCALE: &str = "C0:7E:4D:00:00:07";

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

/// Issue 14: `--user` pairs a cuff two people share as one of them; only that user's
/// measurements are stored, the other's counted. A user is refused where it means nothing.
#[test]
fn pair_user_stores_only_that_users_measurements() {
    let bluetooth =
        SimulatedBluetooth::start_only(&[BP_CUFF, GLUCOSE]).expect("simulated Bluetooth");
    let sim = bluetooth.sim();
    for device in [BP_CUFF, GLUCOSE] {
        sim.set_interval(device, Duration::from_secs(3600)).unwrap();
    }
    // Kept while nobody listened: users 1, 2, 1, 2.
    sim.set_users(BP_CUFF, &[1, 2]).unwrap();
    sim.add_stored_records(BP_CUFF, 4).unwrap();
    let tend = Tend::with_passphrase("devices test passphrase")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());

    let found = tend
        .run(&["devices", "scan", "--for", "0.3", "--json"])
        .json();
    let user_choice = |id: &str| {
        found
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .map(|d| d["user_choice"].clone())
    };
    assert_eq!(user_choice(BP_CUFF), Some(Value::Bool(true)));
    assert_eq!(user_choice(GLUCOSE), Some(Value::Bool(false)));

    // 255 is the standard's "unknown user": a usage error.
    let unknown = tend.run(&["devices", "pair", BP_CUFF, "--user", "255"]);
    assert_eq!(unknown.code(), Some(2), "{}", unknown.stderr());
    // A meter measures whoever uses it.
    let stderr = tend
        .run(&["devices", "pair", GLUCOSE, "--user", "1"])
        .failure_with(1);
    assert!(stderr.contains("does not tell users apart"), "{stderr}");

    let paired = tend
        .run(&["devices", "pair", BP_CUFF, "--user", "1", "--json"])
        .json();
    assert_eq!(paired["user_id"], 1);
    assert_eq!(paired["counters"]["other_users"], 0);

    let lines = tend
        .run(&["devices", "watch", "--json", "--for", "4"])
        .json_lines();
    let systolic: Vec<f64> = lines
        .iter()
        .filter(|l| l["event"] == "reading" && l["metric"] == "systolic")
        .map(|l| l["value"].as_f64().unwrap())
        .collect();
    // User 1's two; user 2's pressure runs 25 mmHg above user 1's 112–132.
    assert_eq!(systolic.len(), 2, "{lines:?}");
    assert!(systolic.iter().all(|s| *s <= 132.0), "{systolic:?}");

    let listed = tend.run(&["devices", "list", "--json"]).json();
    let cuff = &listed.as_array().unwrap()[0];
    assert_eq!(cuff["user_id"], 1);
    assert_eq!(cuff["counters"]["other_users"], 2);

    // User 2 after all, without pairing again; then the only user. Usage errors are exit 2.
    for bad in [
        &["devices", "user", BP_CUFF][..],
        &["devices", "user", BP_CUFF, "--user", "2", "--only"],
        &["devices", "user", BP_CUFF, "--user", "255"],
    ] {
        let refused = tend.run(bad);
        assert_eq!(refused.code(), Some(2), "{bad:?}: {}", refused.stderr());
    }
    let stderr = tend
        .run(&["devices", "user", GLUCOSE, "--user", "1"])
        .failure_with(1);
    assert!(stderr.contains("tend devices list"), "{stderr}");
    let changed = tend
        .run(&["devices", "user", BP_CUFF, "--user", "2", "--json"])
        .json();
    assert_eq!(changed["user_id"], 2);
    let text = tend.run(&["devices", "user", BP_CUFF, "--only"]).stdout();
    assert!(text.contains("You are the only user of"), "{text}");
    let listed = tend.run(&["devices", "list", "--json"]).json();
    assert_eq!(listed[0]["user_id"], Value::Null);
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

/// Issue 14: a device that shows a passkey is bonded with the digits typed at `tend devices
/// pair`'s prompt; wrong digits pair nothing.
#[test]
fn pair_asks_for_the_passkey_a_device_shows() {
    let bluetooth = SimulatedBluetooth::start_only(&[BP_CUFF]).expect("simulated Bluetooth");
    let sim = bluetooth.sim();
    sim.set_interval(BP_CUFF, Duration::from_secs(3600))
        .unwrap();
    sim.set_pairing(BP_CUFF, tend_testkit::Pairing::Passkey(4_071), true)
        .unwrap();
    let tend = Tend::with_passphrase("devices test passphrase")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());
    tend.run(&["devices", "scan", "--for", "0.3", "--json"]);

    let wrong = tend
        .command(&["devices", "pair", BP_CUFF, "--json"])
        .stdin("123456\n")
        .run();
    assert_eq!(wrong.code(), Some(1), "{}", wrong.stderr());
    assert!(wrong.stderr().contains("Type the 6 digits shown on"));
    assert!(
        wrong.stderr().contains("pairing failed"),
        "{}",
        wrong.stderr()
    );
    assert!(!sim.is_bonded(BP_CUFF).unwrap());
    let listed = tend.run(&["devices", "list", "--json"]).json();
    assert_eq!(listed, serde_json::json!([]), "nothing remembered");

    let paired = tend
        .command(&["devices", "pair", BP_CUFF, "--json"])
        .stdin("004071\n")
        .run()
        .json();
    assert_eq!(paired["bond"], "authenticated");
    assert!(sim.is_bonded(BP_CUFF).unwrap());

    let forgotten = tend.run(&["devices", "forget", BP_CUFF, "--json"]).json();
    assert_eq!(forgotten["forgotten"], true);
    assert!(
        !sim.is_bonded(BP_CUFF).unwrap(),
        "forgetting removes the bond"
    );
}

/// Issue 14: a scale a household shares keeps each user's measurements behind a consent code
/// (User Data Service). `--consent-code` pairs as that user; the code is never printed; a
/// missing or wrong code pairs nothing, with a clear error; a code that is not 4 digits is a
/// usage error.
#[test]
fn pair_consent_code_receives_only_that_users_measurements() {
    let bluetooth = SimulatedBluetooth::start_only(&[SCALE]).expect("simulated Bluetooth");
    let sim = bluetooth.sim();
    sim.set_interval(SCALE, Duration::from_secs(3600)).unwrap();
    sim.register_users(SCALE, &[(1, 1111), (2, 4321)]).unwrap();
    // Kept while nobody listened: users 1, 2, 1, 2.
    sim.add_stored_records(SCALE, 4).unwrap();
    let tend = Tend::with_passphrase("devices test passphrase")
        .env("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());

    for bad in [
        &[
            "devices",
            "pair",
            SCALE,
            "--user",
            "2",
            "--consent-code",
            "42",
        ][..],
        &["devices", "pair", SCALE, "--consent-code", "4321"],
    ] {
        let refused = tend.run(bad);
        assert_eq!(refused.code(), Some(2), "{bad:?}: {}", refused.stderr());
    }
    let stderr = tend
        .run(&["devices", "pair", SCALE, "--user", "2"])
        .failure_with(1);
    assert!(stderr.contains("consent code"), "{stderr}");
    let stderr = tend
        .run(&[
            "devices",
            "pair",
            SCALE,
            "--user",
            "2",
            "--consent-code",
            "1111",
        ])
        .failure_with(1);
    assert!(
        stderr.contains("did not accept the consent code"),
        "{stderr}"
    );

    let run = tend.run(&[
        "devices",
        "pair",
        SCALE,
        "--user",
        "2",
        "--consent-code",
        "4321",
        "--json",
    ]);
    assert!(!run.stdout().contains("4321"), "the code is never printed");
    let paired = run.json();
    assert_eq!(paired["user_id"], 2);
    assert_eq!(paired["consent_code_kept"], true);
    assert!(paired.get("consent_code").is_none());

    let lines = tend
        .run(&["devices", "watch", "--json", "--for", "4"])
        .json_lines();
    let weights: Vec<f64> = lines
        .iter()
        .filter(|l| l["event"] == "reading" && l["metric"] == "weight")
        .map(|l| l["value"].as_f64().unwrap())
        .collect();
    // User 2's two; user 1 weighs 12 kg less, and the scale sent none of theirs.
    assert_eq!(weights.len(), 2, "{lines:?}");
    assert!(weights.iter().all(|w| *w > 80.0), "{weights:?}");
    let listed = tend.run(&["devices", "list", "--json"]).json();
    assert_eq!(listed[0]["consent_code_kept"], true);
    assert_eq!(listed[0]["counters"]["other_users"], 0);
    drop(bluetooth);
}
