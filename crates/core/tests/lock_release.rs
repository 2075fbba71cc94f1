//! Issue 21: within 2 s of Lock, the device watch — a strap streaming into the open vault
//! through btleplug and `bluez-sim` — has let go of the session, so its keys are gone from
//! memory; before, locking waited up to 10 s for background work and then left the session to
//! whoever still held it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::{
    sync::{
        atomic::{AtomicUsize, Ordering},
        Arc,
    },
    time::{Duration, Instant},
};

use jiff::{SignedDuration, Timestamp};
use tend_core::{
    BtleCentral, Clock, DeviceEvent, DeviceWatch, IdleLock, KeySource, LinkPolicy, Passphrase,
    Tend, WatchSinks,
};
use tend_testkit::SimulatedBluetooth;

const STRAP: &str = "C0:7E:4D:00:00:01";

struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_ends_the_device_watch_and_the_session_is_gone_within_2_s() {
    let bluetooth = SimulatedBluetooth::start_only(&[STRAP]).expect("simulated Bluetooth");
    // Only this binary's one test sets it.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bluetooth.address());
    bluetooth
        .sim()
        .set_interval(STRAP, Duration::from_millis(200))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let tend = Tend::new(dir.path());
    let session = tend
        .create(KeySource::Passphrase(
            Passphrase::new("release test").unwrap(),
        ))
        .await
        .unwrap();
    let central = BtleCentral::open().await.expect("the simulated adapter");
    session
        .pair_device(
            &central,
            STRAP,
            tend_core::PairingChoices::only_user(tend_core::no_prompt()),
            &SystemClock,
            Duration::from_millis(200),
        )
        .await
        .unwrap();
    drop(central);

    let sessions = Arc::new(IdleLock::new(SignedDuration::from_hours(1)));
    sessions.put(session, Timestamp::now()).await;
    let readings = Arc::new(AtomicUsize::new(0));
    let watch = Arc::new(DeviceWatch::default());
    tokio::spawn({
        let (sessions, readings, watch) = (sessions.clone(), readings.clone(), watch.clone());
        async move {
            let events = move |e: DeviceEvent| {
                if matches!(e, DeviceEvent::Reading { .. }) {
                    readings.fetch_add(1, Ordering::SeqCst);
                }
            };
            let sinks = WatchSinks {
                events: &events,
                alerts: &|_| {},
            };
            watch
                .run(
                    &sessions,
                    async || Ok(BtleCentral::open().await?),
                    &SystemClock,
                    &LinkPolicy::default(),
                    sinks,
                )
                .await;
        }
    });
    let started = Instant::now();
    while readings.load(Ordering::SeqCst) < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the strap streams into the vault"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let held = Arc::downgrade(&sessions.shared().await.expect("unlocked"));
    let locking = Instant::now();
    sessions.lock_now().await.expect("locks");
    let took = locking.elapsed();
    assert!(took < Duration::from_secs(2), "locking took {took:?}");
    assert!(
        held.upgrade().is_none(),
        "nothing holds the session: its keys are gone"
    );
    // And nothing more is stored: the watch let go of the vault, not only of the session.
    let after = readings.load(Ordering::SeqCst);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(readings.load(Ordering::SeqCst), after, "no reading after Lock");
}
