//! Issue 13, end to end in core: a CGM paired through `bluez-sim` (its own test binary, since
//! `DBUS_SYSTEM_BUS_ADDRESS` is process-wide), its readings watched into the vault and shared
//! with a care team on the real FHIR test server.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::Timestamp;
use tend_core::{
    AlertWatch, BtleCentral, Clock, DeviceEvent, KeySource, LinkPolicy, Passphrase, Session, Tend,
    WatchSinks,
};
use tend_testkit::SimulatedBluetooth;

struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Watches until the device has sent `count` readings, then stops.
async fn watch_for(session: &Session, central: &BtleCentral, count: usize) -> usize {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        move |e: DeviceEvent| events.lock().unwrap().push(e)
    };
    let readings = || {
        events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, DeviceEvent::Reading { .. }))
            .count()
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let policy = LinkPolicy::default();
    let alerts = AlertWatch::default();
    let sinks = WatchSinks {
        events: &sink,
        alerts: &|_| {},
    };
    let watch = session.watch_devices(central, &SystemClock, &policy, &alerts, sinks, stop);
    let script = async {
        for _ in 0..750 {
            if readings() >= count {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop_tx.send(true).unwrap();
    };
    let (watched, ()) = tokio::join!(watch, script);
    watched.expect("watch ends cleanly");
    readings()
}

/// A clock an hour ahead of the machine's: the simulated CGM places its records by its session
/// start plus their offsets, so the last of them may lie minutes ahead of the wall clock, and
/// sharing collects whole 5-minute periods only up to "now".
struct HourAhead;
impl Clock for HourAhead {
    fn now(&self) -> Timestamp {
        Timestamp::now() + jiff::SignedDuration::from_hours(1)
    }
}
impl tend_core::share::Timer for HourAhead {
    async fn sleep(&self, duration: jiff::SignedDuration) {
        if let Ok(duration) = std::time::Duration::try_from(duration) {
            tokio::time::sleep(duration).await;
        }
    }
}

/// Issue 13: a paired CGM is labelled by its Bluetooth address, and its readings went to the
/// clinic as meter glucose. Its kind now comes from its services: on the FHIR server its readings
/// are CGM Observations (LOINC 99504-3), summarised per 5 minutes, and none is meter glucose.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paired_cgm_is_shared_as_cgm_summaries() {
    const CGM: &str = "C0:7E:4D:00:00:06";
    let bluetooth = SimulatedBluetooth::start_only(&[CGM]).expect("simulated Bluetooth");
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());
    let sim = bluetooth.sim();
    sim.set_interval(CGM, Duration::from_secs(3600)).unwrap();
    sim.add_stored_records(CGM, 30).unwrap();
    let server = tend_testkit::FhirServer::start().expect("the FHIR test server");

    let dir = tempfile::tempdir().unwrap();
    let session = Tend::new(dir.path())
        .create(KeySource::Passphrase(Passphrase::new("cgm test").unwrap()))
        .await
        .unwrap();
    let central = BtleCentral::open().await.expect("the simulated adapter");
    let device = session
        .pair_device(
            &central,
            CGM,
            tend_core::PairingChoices::only_user(tend_core::no_prompt()),
            &SystemClock,
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    assert_eq!(
        device.kind(),
        tend_core::vitals::DeviceKind::ContinuousGlucoseMonitor
    );
    let stored = watch_for(&session, &central, 30).await;
    assert!(stored >= 30);

    let now = HourAhead.now();
    let team = session
        .add_care_team(
            tend_core::CareTeamDetails {
                name: "Diabetes clinic".into(),
                base_url: server.url(),
                patient: "Patient/cgm-1".into(),
                bearer_token: None,
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .unwrap();
    session
        .give_consent(
            &team.id,
            tend_core::share::Category::Glucose,
            tend_core::share::ConsentScope::Since {
                since: now - jiff::SignedDuration::from_hours(24 * 30),
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .unwrap();
    let report = session
        .sync_care_team(
            &team.id,
            &HourAhead,
            &tend_core::ShareOptions::default(),
            &mut |_| {},
        )
        .await
        .unwrap();
    assert_eq!(report.interrupted, None, "{report:?}");

    let observations = server.resources("Observation").unwrap();
    let code = |o: &serde_json::Value| o["code"]["coding"][0]["code"].as_str().map(str::to_owned);
    assert!(!observations.is_empty());
    assert!(
        observations
            .iter()
            .all(|o| code(o).as_deref() == Some("99504-3")),
        "every glucose Observation is CGM glucose: {:?}",
        observations.iter().map(code).collect::<Vec<_>>()
    );
    let summaries = observations
        .iter()
        .filter(|o| o.get("effectivePeriod").is_some())
        .count();
    assert!(summaries > 0, "CGM readings are summarised per 5 minutes");
    assert!(
        observations.len() < stored,
        "fewer Observations than readings: streams are summarised"
    );
    session.close().await.unwrap();
}
