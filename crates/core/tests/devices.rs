//! Devices through the application API, against `bluez-sim` on a private bus (started by
//! `tend-testkit`): pair a glucose meter, watch it into the vault, watch again without
//! duplicates, reset it, forget it; pair a cuff two people share as one of them, then change
//! which one without pairing again.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::Timestamp;
use tend_core::{
    vitals::Metric, AlertWatch, BtleCentral, Clock, DeviceEvent, ErrorCode, KeySource, LinkPolicy,
    LinkState, Passphrase, Session, Tend, WatchSinks,
};
use tend_testkit::SimulatedBluetooth;

const GLUCOSE: &str = "C0:7E:4D:00:00:05";
const BP_CUFF: &str = "C0:7E:4D:00:00:03";

struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

fn policy() -> LinkPolicy {
    LinkPolicy {
        backoff_first: Duration::from_millis(50),
        backoff_max: Duration::from_millis(400),
        ..LinkPolicy::default()
    }
}

/// Watches until `enough` holds for the events so far, then stops.
async fn watch_until(
    session: &Session,
    central: &BtleCentral,
    enough: impl Fn(&[DeviceEvent]) -> bool,
) -> Vec<DeviceEvent> {
    watch_until_then(session, central, enough, async {}).await
}

/// Watches until `enough` holds for the events so far, does `then` while still watching, and
/// stops.
async fn watch_until_then(
    session: &Session,
    central: &BtleCentral,
    enough: impl Fn(&[DeviceEvent]) -> bool,
    then: impl std::future::Future<Output = ()>,
) -> Vec<DeviceEvent> {
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink = {
        let events = events.clone();
        move |e: DeviceEvent| events.lock().unwrap().push(e)
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let policy = policy();
    let alerts = AlertWatch::new(session.preferences().await.expect("preferences"));
    let sinks = WatchSinks {
        events: &sink,
        alerts: &|_| {},
    };
    let watch = session.watch_devices(central, &SystemClock, &policy, &alerts, sinks, stop);
    let script = async {
        for _ in 0..750 {
            if enough(&events.lock().unwrap()) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        then.await;
        stop_tx.send(true).unwrap();
    };
    let (watched, ()) = tokio::join!(watch, script);
    watched.expect("watch ends cleanly");
    let events = events.lock().unwrap().clone();
    events
}

fn readings(events: &[DeviceEvent]) -> usize {
    events
        .iter()
        .filter(|e| matches!(e, DeviceEvent::Reading { .. }))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pair_watch_rewatch_and_forget_a_glucose_meter() {
    let bluetooth =
        SimulatedBluetooth::start_only(&[GLUCOSE, BP_CUFF]).expect("simulated Bluetooth");
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());
    let sim = bluetooth.sim();
    sim.set_interval(GLUCOSE, Duration::from_secs(3600))
        .unwrap();
    sim.set_interval(BP_CUFF, Duration::from_secs(3600))
        .unwrap();
    sim.add_stored_records(GLUCOSE, 25).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let session = Tend::new(dir.path())
        .create(KeySource::Passphrase(
            Passphrase::new("device test").unwrap(),
        ))
        .await
        .unwrap();
    let central = BtleCentral::open().await.expect("the simulated adapter");

    let found = session
        .scan_devices(&central, Duration::from_millis(200))
        .await
        .unwrap();
    assert!(found.iter().any(|d| d.id == GLUCOSE && !d.paired));
    let device = session
        .pair_device(
            &central,
            GLUCOSE,
            tend_core::PairingChoices::only_user(tend_core::no_prompt()),
            &SystemClock,
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    assert_eq!(device.name, "Tend Sim Glucose Meter");
    assert_eq!(session.paired_devices().await.unwrap().len(), 1);
    let found = session
        .scan_devices(&central, Duration::from_millis(200))
        .await
        .unwrap();
    assert!(found.iter().any(|d| d.id == GLUCOSE && d.paired));

    // The first watch downloads all 25 stored records.
    let events = watch_until(&session, &central, |e| readings(e) >= 25).await;
    assert_eq!(readings(&events), 25);
    assert!(events.iter().any(|e| matches!(
        e,
        DeviceEvent::State {
            state: LinkState::Downloading,
            ..
        }
    )));
    assert!(events
        .iter()
        .any(|e| matches!(e, DeviceEvent::Battery { .. })));
    let devices = session.paired_devices().await.unwrap();
    assert_eq!(devices[0].last_sequence, Some(25));

    // Five more while Tend was away; a second watch fetches only those.
    sim.add_stored_records(GLUCOSE, 5).unwrap();
    let events = watch_until(&session, &central, |e| {
        e.iter()
            .any(|e| matches!(e, DeviceEvent::Download { done: true, .. }))
    })
    .await;
    assert_eq!(readings(&events), 5);
    let stored = session
        .device_readings(GLUCOSE, Metric::Glucose)
        .await
        .unwrap();
    let mut sequences: Vec<u16> = stored.iter().filter_map(|s| s.sequence).collect();
    sequences.sort_unstable();
    assert_eq!(sequences, (1..=30).collect::<Vec<u16>>());

    // Issue 14: the meter is reset and numbers from 1 again, minutes later: its new records are
    // a new run, stored beside the old ones of the same numbers and hours, none lost.
    sim.start_record_series(GLUCOSE).unwrap();
    sim.add_stored_records(GLUCOSE, 10).unwrap();
    let events = watch_until(&session, &central, |e| readings(e) >= 10).await;
    assert_eq!(readings(&events), 10);
    let devices = session.paired_devices().await.unwrap();
    assert_eq!(
        (devices[0].record_series, devices[0].last_sequence),
        (1, Some(10))
    );
    let stored = session
        .device_readings(GLUCOSE, Metric::Glucose)
        .await
        .unwrap();
    let new_run: Vec<u16> = stored
        .iter()
        .filter(|s| s.series == Some(1))
        .filter_map(|s| s.sequence)
        .collect();
    assert_eq!(new_run, (1..=10).collect::<Vec<u16>>());
    assert_eq!(stored.len(), 40, "the first run's 30 are all still there");

    // Issue 14: the meter was bonded when paired. Another device now answers at its address,
    // with its name and services but not the bond's keys: core stores nothing from it.
    assert_eq!(devices[0].bond, tend_core::Bond::JustWorks);
    sim.impersonate(GLUCOSE).unwrap();
    sim.add_stored_records(GLUCOSE, 5).unwrap();
    let events = watch_until(&session, &central, |e| {
        e.iter().any(|e| {
            matches!(
                e,
                DeviceEvent::Problem {
                    problem: tend_core::Problem::NotTheBondedDevice,
                    ..
                }
            )
        })
    })
    .await;
    assert_eq!(readings(&events), 0, "nothing from the impostor");
    let stored = session
        .device_readings(GLUCOSE, Metric::Glucose)
        .await
        .unwrap();
    assert_eq!(stored.len(), 40);

    // Forgetting the device removes the bond as well.
    assert!(sim.is_bonded(GLUCOSE).unwrap());
    assert!(session.forget_device(&central, GLUCOSE).await.unwrap());
    assert!(!sim.is_bonded(GLUCOSE).unwrap());
    assert!(session.paired_devices().await.unwrap().is_empty());
    assert!(!session.forget_device(&central, GLUCOSE).await.unwrap());

    // Issue 14: a cuff two people share, paired as its user 2. A user is refused where it
    // means nothing: the unknown user, or a meter that measures whoever uses it.
    let pair = |id: &'static str, user: Option<u8>| {
        session.pair_device(
            &central,
            id,
            tend_core::PairingChoices {
                prompt: tend_core::no_prompt(),
                user,
                consent_code: None,
            },
            &SystemClock,
            Duration::from_millis(200),
        )
    };
    for (id, user) in [(BP_CUFF, 255), (GLUCOSE, 1)] {
        let refused = pair(id, Some(user)).await.map(|d| d.user_id);
        assert!(
            matches!(&refused, Err(e) if e.code() == ErrorCode::InvalidInput),
            "{id} as user {user}: {refused:?}"
        );
    }
    assert!(session.paired_devices().await.unwrap().is_empty());
    sim.set_users(BP_CUFF, &[1, 2]).unwrap();
    sim.add_stored_records(BP_CUFF, 4).unwrap();
    let cuff = pair(BP_CUFF, Some(2)).await.unwrap();
    assert_eq!(cuff.user_id, Some(2));
    // Two of the four kept measurements are user 2's: systolic, diastolic, mean and pulse each.
    let events = watch_until(&session, &central, |e| readings(e) >= 8).await;
    assert_eq!(readings(&events), 8);
    let devices = session.paired_devices().await.unwrap();
    assert_eq!(devices[0].user_id, Some(2));
    assert_eq!(devices[0].counters.other_users, 2);
    let systolic = session
        .device_readings(BP_CUFF, Metric::Systolic)
        .await
        .unwrap();
    // User 2's pressure runs 25 mmHg above user 1's 112–132.
    assert_eq!(systolic.len(), 2);
    assert!(systolic.iter().all(|s| s.value >= 137.0), "{systolic:?}");
    // Today shows the newest of the downloaded readings, kept half a day apart.
    let latest = session.latest_readings().await.unwrap();
    let shown = latest.iter().find(|l| l.metric == Metric::Systolic);
    assert_eq!(shown.map(|l| l.time), systolic.iter().map(|s| s.time).max());

    // The patient is user 1 after all: changed without pairing again. What is stored stays;
    // from the next watch on, only user 1's measurements are stored.
    // A consent code is refused without a user, and past 9999.
    for (id, user, code) in [
        (BP_CUFF, Some(255), None),
        (GLUCOSE, Some(1), None),
        (BP_CUFF, None, Some(1234)),
        (BP_CUFF, Some(1), Some(10_000)),
    ] {
        let refused = session
            .set_device_user(id, user, code)
            .await
            .map(|d| d.user_id);
        assert!(refused.is_err(), "{id} as user {user:?}: {refused:?}");
    }
    // Changed while a watch runs (the app restarts it at once): the watch, remembering the
    // device as it ends, keeps the patient's choice rather than the user it started with.
    let streaming = |e: &[DeviceEvent]| {
        e.iter().any(|e| {
            matches!(
                e,
                DeviceEvent::State {
                    state: LinkState::Streaming,
                    ..
                }
            )
        })
    };
    let change = async {
        let cuff = session
            .set_device_user(BP_CUFF, Some(1), Some(4321))
            .await
            .unwrap();
        assert_eq!(cuff.user_id, Some(1));
    };
    watch_until_then(&session, &central, streaming, change).await;
    let devices = session.paired_devices().await.unwrap();
    assert_eq!(
        (devices[0].user_id, devices[0].consent_code),
        (Some(1), Some(4321)),
        "the watch kept the patient's choice"
    );
    sim.add_stored_records(BP_CUFF, 4).unwrap();
    let events = watch_until(&session, &central, |e| readings(e) >= 8).await;
    assert_eq!(readings(&events), 8);
    let devices = session.paired_devices().await.unwrap();
    assert_eq!(devices[0].user_id, Some(1));
    assert_eq!(devices[0].counters.other_users, 4);
    let systolic = session
        .device_readings(BP_CUFF, Metric::Systolic)
        .await
        .unwrap();
    assert_eq!(systolic.len(), 4);
    assert_eq!(systolic.iter().filter(|s| s.value <= 132.0).count(), 2);
    session.close().await.unwrap();
}
