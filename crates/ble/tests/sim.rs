//! btleplug's real Linux backend against `bluez-sim`: discover, pair, stream, reconnect,
//! stored-record download and hostile peripherals.
//!
//! `DBUS_SYSTEM_BUS_ADDRESS` is process-wide, so every test here shares one private bus, one
//! simulator and one runtime, and each works with its own simulated device.
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::{
    collections::BTreeSet,
    future::Future,
    sync::{Mutex, OnceLock},
    time::Duration,
};

use jiff::Timestamp;
use tend_ble::{
    keep_connected, pair, scan, Bond, BtleCentral, Central, Clock, DeviceEvent, DeviceReading,
    DeviceSink, HealthService, Link, LinkPolicy, LinkState, PairedDevice, PairingChoices, Problem,
};
use tend_bluez_sim::{Fault, Pairing, PrivateBus, Sim};
use tend_vitals::Metric;

const HR_STRAP: &str = "C0:7E:4D:00:00:01";
const OXIMETER: &str = "C0:7E:4D:00:00:02";
const BP_CUFF: &str = "C0:7E:4D:00:00:03";
const THERMOMETER: &str = "C0:7E:4D:00:00:04";
const GLUCOSE: &str = "C0:7E:4D:00:00:05";
const CGM: &str = "C0:7E:4D:00:00:06";
const SCALE: &str = "C0:7E:4D:00:00:07";

struct World {
    runtime: tokio::runtime::Runtime,
    sim: Sim,
    _bus: PrivateBus,
}

fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| {
        let bus = PrivateBus::start().expect("a private bus");
        std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let sim = runtime
            .block_on(Sim::start(bus.address()))
            .expect("the simulator starts");
        World {
            runtime,
            sim,
            _bus: bus,
        }
    })
}

fn run<F: Future>(f: impl FnOnce(&'static Sim) -> F) -> F::Output {
    let w = world();
    w.runtime.block_on(f(&w.sim))
}

struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Keeps what a vault and a UI would get.
#[derive(Default)]
struct MemorySink {
    stored: Mutex<Vec<DeviceReading>>,
    events: Mutex<Vec<DeviceEvent>>,
    remembered: Mutex<Option<PairedDevice>>,
}

impl DeviceSink for MemorySink {
    async fn store(
        &self,
        _device: &PairedDevice,
        readings: &[DeviceReading],
    ) -> tend_ble::Result<()> {
        self.stored.lock().unwrap().extend_from_slice(readings);
        Ok(())
    }
    async fn remember(&self, device: &PairedDevice) -> tend_ble::Result<()> {
        *self.remembered.lock().unwrap() = Some(device.clone());
        Ok(())
    }
    fn event(&self, event: DeviceEvent) {
        self.events.lock().unwrap().push(event);
    }
}

impl MemorySink {
    fn states(&self) -> Vec<LinkState> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter_map(|e| match e {
                DeviceEvent::State { state, .. } => Some(*state),
                _ => None,
            })
            .collect()
    }
    fn readings(&self) -> usize {
        self.stored.lock().unwrap().len()
    }
    /// The values stored of `metric`, in the order they were.
    fn values(&self, metric: Metric) -> Vec<f64> {
        let stored = self.stored.lock().unwrap();
        stored
            .iter()
            .filter(|r| r.reading.metric == metric)
            .map(|r| r.reading.value())
            .collect()
    }
    fn problems(&self, which: Problem) -> usize {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| matches!(e, DeviceEvent::Problem { problem, .. } if *problem == which))
            .count()
    }
}

fn policy() -> LinkPolicy {
    LinkPolicy {
        backoff_first: Duration::from_millis(50),
        backoff_max: Duration::from_millis(400),
        silence: Duration::from_secs(5),
        download_quiet: Duration::from_secs(3),
        ..LinkPolicy::default()
    }
}

async fn paired(central: &BtleCentral, id: &str) -> PairedDevice {
    pair_with(
        central,
        id,
        PairingChoices::only_user(tend_ble::no_prompt()),
    )
    .await
    .expect("pairs")
}

/// Pairs `id` with what the patient chose and answers.
async fn pair_with(
    central: &BtleCentral,
    id: &str,
    choices: PairingChoices,
) -> tend_ble::Result<PairedDevice> {
    let found = scan(central, Duration::from_millis(200), &[])
        .await
        .expect("scan");
    let ad = found
        .into_iter()
        .find(|d| d.id == id)
        .expect("the device is found");
    pair(
        central,
        id,
        ad.name,
        ad.services,
        choices,
        &SystemClock,
        &jiff::tz::TimeZone::system(),
    )
    .await
}

/// Pairs `id` as its user `user` (`None`: its only user).
async fn paired_as(
    central: &BtleCentral,
    id: &str,
    user: Option<u8>,
) -> tend_ble::Result<PairedDevice> {
    let choices = PairingChoices {
        prompt: tend_ble::no_prompt(),
        user,
        consent_code: None,
    };
    pair_with(central, id, choices).await
}

/// Waits until `done` holds, for at most `limit`.
async fn until(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = tokio::time::Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    done()
}

#[test]
fn discovers_every_simulated_health_device() {
    run(|_sim| async {
        let central = BtleCentral::open().await.expect("the simulated adapter");
        let found = scan(&central, Duration::from_millis(300), &[])
            .await
            .expect("scan");
        let check = |id: &str, service: HealthService| {
            let d = found
                .iter()
                .find(|d| d.id == id)
                .unwrap_or_else(|| panic!("{id} found: {found:?}"));
            assert_eq!(d.services, vec![service], "{id}");
            assert!(d.name.as_deref().is_some_and(|n| n.starts_with("Tend Sim")));
            assert!(d.rssi.is_some());
            assert!(!d.paired);
        };
        check(HR_STRAP, HealthService::HeartRate);
        check(OXIMETER, HealthService::PulseOximeter);
        check(BP_CUFF, HealthService::BloodPressure);
        check(THERMOMETER, HealthService::HealthThermometer);
        check(GLUCOSE, HealthService::Glucose);
        check(CGM, HealthService::ContinuousGlucoseMonitoring);
        check(SCALE, HealthService::WeightScale);
    });
}

#[test]
fn pairs_streams_and_reconnects_after_link_loss() {
    run(|sim| async move {
        sim.set_interval(HR_STRAP, Duration::from_millis(100))
            .unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, HR_STRAP).await;
        assert_eq!(
            device.manufacturer.as_deref(),
            Some("Tend Simulated Devices")
        );
        assert_eq!(device.model.as_deref(), Some("HR Strap"));
        assert!(device.serial.is_some() && device.firmware.is_some());
        assert!(device.battery_percent.is_some_and(|b| b <= 100));

        let sink = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            assert!(
                until(Duration::from_secs(10), || sink.readings() >= 3).await,
                "live readings"
            );
            sim.fault(HR_STRAP, Fault::DropLink).await.unwrap();
            assert!(
                until(Duration::from_secs(5), || sink
                    .states()
                    .contains(&LinkState::Reconnecting))
                .await
            );
            let before = sink.readings();
            assert!(
                until(Duration::from_secs(10), || sink.readings() >= before + 3).await,
                "readings after reconnect"
            );
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        let states = sink.states();
        assert_eq!(states.first(), Some(&LinkState::Connecting));
        assert_eq!(states.last(), Some(&LinkState::Offline));
        assert!(
            states
                .iter()
                .filter(|s| **s == LinkState::Streaming)
                .count()
                >= 2,
            "{states:?}"
        );
        // One drop, one loss: the subscriptions BlueZ renews by itself on reconnecting (and
        // answers InProgress for meanwhile) are no reason to reconnect again.
        assert_eq!(device.counters.link_losses, 1, "{states:?}");
        let stored = sink.stored.lock().unwrap();
        assert!(stored.iter().all(|r| r.reading.metric == Metric::HeartRate));
        assert!(sink
            .events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, DeviceEvent::Battery { .. })));
    });
}

#[test]
fn downloads_stored_records_once_across_drops_mid_download() {
    run(|sim| async move {
        sim.set_interval(GLUCOSE, Duration::from_millis(150))
            .unwrap();
        sim.add_stored_records(GLUCOSE, 40).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, GLUCOSE).await;
        sim.fault(GLUCOSE, Fault::DropMidDownload).await.unwrap();

        let sink = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            // The first download is cut half-way; the reconnect asks only for the rest.
            assert!(
                until(Duration::from_secs(15), || sink.readings() >= 45).await,
                "download and live"
            );
            sim.set_in_range(GLUCOSE, false).await.unwrap();
            tokio::time::sleep(Duration::from_millis(800)).await;
            sim.set_in_range(GLUCOSE, true).await.unwrap();
            sim.set_measuring(GLUCOSE, false).unwrap();
            let all = sim.glucose_sequences(GLUCOSE).unwrap().len();
            assert!(
                until(Duration::from_secs(15), || sink.readings() >= all).await,
                "caught up"
            );
            tokio::time::sleep(Duration::from_millis(300)).await;
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        let held: BTreeSet<u16> = sim
            .glucose_sequences(GLUCOSE)
            .unwrap()
            .into_iter()
            .collect();
        let stored: Vec<u16> = sink
            .stored
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| r.sequence)
            .collect();
        let distinct: BTreeSet<u16> = stored.iter().copied().collect();
        assert_eq!(distinct, held, "every record stored");
        assert_eq!(stored.len(), distinct.len(), "none twice");
        assert_eq!(device.last_sequence, held.last().copied());
        assert!(device.counters.link_losses >= 2);
        assert!(sink.states().contains(&LinkState::Downloading));
        assert!(sink
            .events
            .lock()
            .unwrap()
            .iter()
            .any(|e| matches!(e, DeviceEvent::Download { done: true, .. })));
        // The meter's clock is two days behind ours: its stamps are corrected by that offset.
        let oldest = sink
            .stored
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.reading.time)
            .min()
            .unwrap();
        assert!(oldest.duration_until(Timestamp::now()) < jiff::SignedDuration::from_hours(2));
    });
}

#[test]
fn cuff_delivers_what_it_kept_out_of_range_and_gets_its_clock_set() {
    run(|sim| async move {
        // It may have measured since the simulator started, with nobody listening: it keeps
        // those readings too.
        sim.set_measuring(BP_CUFF, false).unwrap();
        sim.add_stored_records(BP_CUFF, 5).unwrap();
        let kept = usize::try_from(sim.measured(BP_CUFF).unwrap()).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, BP_CUFF).await;
        let sink = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            // Each cuff reading is systolic, diastolic, mean arterial and pulse.
            let ok = until(Duration::from_secs(10), || sink.readings() >= 4 * kept).await;
            assert!(
                ok,
                "{} readings, events {:?}",
                sink.readings(),
                sink.events.lock().unwrap()
            );
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        assert!(device.clock_set);
        assert_eq!(sink.readings(), 4 * kept);
    });
}

#[test]
fn cgm_records_are_fetched_by_time_offset_and_placed_by_session_start() {
    run(|sim| async move {
        // It may have measured once since the simulator started: those count too.
        sim.set_measuring(CGM, false).unwrap();
        let measured = sim.glucose_sequences(CGM).unwrap().len();
        sim.add_stored_records(CGM, 30).unwrap();
        let held = u16::try_from(measured).unwrap() + 30;
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, CGM).await;
        let policy = policy();
        let watch_until = |device: PairedDevice, sink: &'static MemorySink, want: usize| {
            let central = &central;
            let policy = &policy;
            async move {
                let (stop_tx, stop) = tokio::sync::watch::channel(false);
                let watch = keep_connected(central, device, sink, &SystemClock, policy, stop);
                let script = async {
                    let done = |s: &MemorySink| {
                        s.events
                            .lock()
                            .unwrap()
                            .iter()
                            .any(|e| matches!(e, DeviceEvent::Download { done: true, .. }))
                    };
                    assert!(until(Duration::from_secs(10), || done(sink)).await);
                    assert_eq!(sink.readings(), want);
                    stop_tx.send(true).unwrap();
                };
                tokio::join!(watch, script).0
            }
        };
        let first: &'static MemorySink = Box::leak(Box::default());
        let device = watch_until(device, first, usize::from(held)).await;
        let offsets: Vec<u16> = first
            .stored
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| r.sequence)
            .collect();
        assert_eq!(offsets, (1..=held).collect::<Vec<u16>>());
        assert_eq!(device.last_sequence, Some(held));
        // Placed by the session start plus each offset, moved onto our clock: the newest is now.
        let newest = first
            .stored
            .lock()
            .unwrap()
            .iter()
            .map(|r| r.reading.time)
            .max()
            .unwrap();
        assert!(
            newest.duration_until(Timestamp::now()).abs() < jiff::SignedDuration::from_secs(90)
        );

        sim.add_stored_records(CGM, 10).unwrap();
        let again: &'static MemorySink = Box::leak(Box::default());
        let device = watch_until(device, again, 10).await;
        let offsets: Vec<u16> = again
            .stored
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| r.sequence)
            .collect();
        assert_eq!(offsets, (held + 1..=held + 10).collect::<Vec<u16>>());
        assert_eq!(device.last_sequence, Some(held + 10));
    });
}

/// The patient typing the same digits at every passkey prompt.
struct Types(u32);

impl tend_ble::PairingPrompt for Types {
    fn passkey(&self, _device: &str) -> tend_ble::Answer<u32> {
        let typed = self.0;
        Box::pin(async move { Some(typed) })
    }
    fn confirm(&self, _device: &str, _passkey: u32) -> tend_ble::Answer<()> {
        Box::pin(async { None })
    }
}

/// The only user, typing `passkey` when asked.
fn typing(passkey: u32) -> PairingChoices {
    PairingChoices::only_user(std::sync::Arc::new(Types(passkey)))
}

/// Issue 14: a cuff that shows a passkey is bonded only with the digits it shows, typed by the
/// patient; the wrong ones pair nothing.
#[test]
fn a_passkey_bond_takes_the_digits_the_device_shows() {
    run(|sim| async move {
        let cuff = sim.add_another(BP_CUFF).await.unwrap();
        sim.set_pairing(&cuff, Pairing::Passkey(123_456), true)
            .unwrap();
        let central = BtleCentral::open().await.expect("adapter");

        let wrong = pair_with(&central, &cuff, typing(654_321)).await;
        assert!(
            matches!(wrong, Err(tend_ble::Error::PairingFailed(_))),
            "{wrong:?}"
        );
        assert!(!sim.is_bonded(&cuff).unwrap());

        let device = pair_with(&central, &cuff, typing(123_456))
            .await
            .expect("pairs with the right passkey");
        assert_eq!(device.bond, Bond::Authenticated);
        assert!(sim.is_bonded(&cuff).unwrap());
        // It demands encryption: its information was read over the bonded link.
        assert!(device.model.is_some());
    });
}

/// Issue 14: a device that demands encryption and can show nothing is bonded by Just Works, and
/// says so; Tend then reads it over the encrypted link.
#[test]
fn a_device_that_demands_encryption_is_bonded_by_just_works() {
    run(|sim| async move {
        let scale = sim.add_another(SCALE).await.unwrap();
        sim.set_pairing(&scale, Pairing::JustWorks, true).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = pair_with(
            &central,
            &scale,
            PairingChoices::only_user(tend_ble::no_prompt()),
        )
        .await
        .expect("pairs");
        assert_eq!(device.bond, Bond::JustWorks);
        assert!(sim.is_bonded(&scale).unwrap());
        assert!(device.model.is_some());
    });
}

/// Issue 14: once bonded, a device's identity is its bond. One answering at its address, with
/// its name and services but not the bond's keys, gets nothing stored; nor does anything once
/// the system has forgotten the bond.
#[test]
fn a_device_posing_at_a_bonded_address_gets_nothing_stored() {
    run(|sim| async move {
        let strap = sim.add_another(HR_STRAP).await.unwrap();
        sim.set_interval(&strap, Duration::from_millis(200))
            .unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = pair_with(
            &central,
            &strap,
            PairingChoices::only_user(tend_ble::no_prompt()),
        )
        .await
        .expect("pairs");
        assert_eq!(device.bond, Bond::JustWorks);

        let sink = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            assert!(until(Duration::from_secs(10), || sink.readings() >= 2).await);
            sim.impersonate(&strap).unwrap();
            sim.fault(&strap, Fault::DropLink).await.unwrap();
            let refused = until(Duration::from_secs(10), || {
                sink.problems(Problem::NotTheBondedDevice) >= 1
            })
            .await;
            assert!(refused, "the impostor is refused");
            let before = sink.readings();
            tokio::time::sleep(Duration::from_secs(1)).await;
            assert_eq!(sink.readings(), before, "nothing from the impostor");
            // The system forgets the bond: no connection at all, and the patient is told.
            central.unbond(&strap).await.unwrap();
            let lost = until(Duration::from_secs(10), || {
                sink.problems(Problem::BondLost) >= 1
            })
            .await;
            assert!(lost, "the lost bond is told");
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        assert!(device.counters.bond_refusals >= 2);
    });
}

/// Issue 14: a device sending far more than its profile can — 10,000 heart-rate values at once —
/// has no more than a strap's allowance stored, and every other value counted: none is stored
/// unchecked, none unaccounted for, and Tend's queue for it stays bounded.
#[test]
fn a_flood_of_10000_values_stores_only_what_a_strap_can_send_and_counts_the_rest() {
    run(|sim| async move {
        let strap = sim.add_another(HR_STRAP).await.unwrap();
        sim.set_interval(&strap, Duration::from_millis(500))
            .unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, &strap).await;
        let sink = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            assert!(until(Duration::from_secs(10), || sink.readings() >= 1).await);
            let before = sink.readings();
            let start = tokio::time::Instant::now();
            sim.fault(&strap, Fault::Flood(10_000)).await.unwrap();
            let sent = until(Duration::from_secs(20), || {
                sim.sent(&strap).unwrap() >= 10_000
            })
            .await;
            assert!(sent, "the simulator sent the flood");
            sim.set_measuring(&strap, false).unwrap();
            let flood_took = start.elapsed();
            // Time for what is still on its way to be taken.
            tokio::time::sleep(Duration::from_secs(3)).await;
            stop_tx.send(true).unwrap();
            (before, flood_took)
        };
        let (device, (before, flood_took)) = tokio::join!(watch, script);
        let sent = sim.sent(&strap).unwrap();
        let stored = sink.readings() as u64;
        assert_eq!(
            stored + device.counters.flood_dropped,
            sent,
            "stored or counted"
        );
        // A strap's allowance: a burst of 20, then 10 a second (and the values of the ticks
        // around the flood, one each 500 ms).
        let seconds = flood_took.as_secs() + 4;
        let allowed = 20 + 10 * seconds;
        let during = stored - before as u64;
        assert!(
            during <= allowed,
            "{during} stored of the flood, {allowed} allowed"
        );
        assert!(device.counters.flood_dropped >= 10_000 - allowed);
        assert!(sink.problems(Problem::Flood) >= 1);
    });
}

/// Connects `device` until its downloads have brought `want` readings into `sink` (and a
/// second more, to see nothing else comes), then stops; returns the device as remembered.
async fn download_into(
    central: &BtleCentral,
    device: PairedDevice,
    sink: &MemorySink,
    want: usize,
) -> PairedDevice {
    let policy = policy();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let watch = keep_connected(central, device, sink, &SystemClock, &policy, stop);
    let script = async {
        let done = || {
            sink.events
                .lock()
                .unwrap()
                .iter()
                .any(|e| matches!(e, DeviceEvent::Download { done: true, .. }))
        };
        let arrived = until(Duration::from_secs(15), || {
            done() && sink.readings() >= want
        })
        .await;
        assert!(
            arrived,
            "{} of {want} readings, done: {}",
            sink.readings(),
            done()
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        stop_tx.send(true).unwrap();
    };
    tokio::join!(watch, script).0
}

/// The record numbers `sink` stored, in the order stored.
fn stored_numbers(sink: &MemorySink) -> Vec<u16> {
    let stored = sink.stored.lock().unwrap();
    stored.iter().filter_map(|r| r.sequence).collect()
}

/// Issue 14: a CGM numbers its records by minutes since its sensor session started, so after 14
/// days on one sensor the next sensor's records were all taken for stored ones.
#[test]
fn a_new_cgm_session_after_14_days_stores_every_record_of_the_new_sensor() {
    run(|sim| async move {
        let cgm = sim.add_another(CGM).await.unwrap();
        sim.set_interval(&cgm, Duration::from_secs(3600)).unwrap();
        sim.add_stored_records(&cgm, 30).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, &cgm).await;
        let first: MemorySink = MemorySink::default();
        let device = download_into(&central, device, &first, 30).await;
        assert_eq!(device.last_sequence, Some(30));
        // The rest of the sensor's 14 days, read and gone; then a new sensor.
        sim.skip_records(&cgm, 14 * 24 * 60 - 30).unwrap();
        sim.start_record_series(&cgm).unwrap();
        sim.add_stored_records(&cgm, 30).unwrap();

        let second = MemorySink::default();
        let device = download_into(&central, device, &second, 30).await;
        assert_eq!(stored_numbers(&second), (1..=30).collect::<Vec<u16>>());
        assert_eq!(device.record_series, 1);
        assert_eq!(device.last_sequence, Some(30));
        assert_eq!(device.counters.duplicates_skipped, 0);
    });
}

/// Issue 14: a glucose meter whose memory was reset numbers from 1 again. Its new records are
/// all stored, whether it has made fewer or more than Tend last stored, and none twice.
#[test]
fn a_reset_meter_has_every_new_record_stored_once() {
    run(|sim| async move {
        let meter = sim.add_another(GLUCOSE).await.unwrap();
        sim.set_interval(&meter, Duration::from_secs(3600)).unwrap();
        sim.add_stored_records(&meter, 20).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired(&central, &meter).await;
        let device = download_into(&central, device, &MemorySink::default(), 20).await;
        assert_eq!((device.record_series, device.last_sequence), (0, Some(20)));

        // Reset, then more records than were stored: 20 comes back, taken later.
        sim.start_record_series(&meter).unwrap();
        sim.add_stored_records(&meter, 25).unwrap();
        let more = MemorySink::default();
        let device = download_into(&central, device, &more, 25).await;
        let mut numbers = stored_numbers(&more);
        numbers.sort_unstable();
        assert_eq!(
            numbers,
            (1..=25).collect::<Vec<u16>>(),
            "each new record once"
        );
        assert_eq!((device.record_series, device.last_sequence), (1, Some(25)));

        // Reset, then fewer: the meter no longer holds record 25 at all.
        sim.start_record_series(&meter).unwrap();
        sim.add_stored_records(&meter, 5).unwrap();
        let fewer = MemorySink::default();
        let device = download_into(&central, device, &fewer, 5).await;
        assert_eq!(stored_numbers(&fewer), (1..=5).collect::<Vec<u16>>());
        assert_eq!((device.record_series, device.last_sequence), (2, Some(5)));

        // Nothing new: the last record comes back as stored, and is neither stored nor counted.
        let skipped = device.counters.duplicates_skipped;
        let nothing = MemorySink::default();
        let device = download_into(&central, device, &nothing, 0).await;
        assert_eq!(nothing.readings(), 0);
        assert_eq!(device.record_series, 2);
        assert_eq!(device.counters.duplicates_skipped, skipped);
    });
}

/// Issue 14: a cuff two people share, paired as its user 1. Of the records it kept and of what
/// it measures live, only user 1's are stored; user 2's are counted, never stored.
#[test]
fn a_cuff_with_two_users_stores_only_the_chosen_ones() {
    run(|sim| async move {
        let cuff = sim.add_another(BP_CUFF).await.unwrap();
        sim.set_interval(&cuff, Duration::from_secs(3600)).unwrap();
        // Six kept while nobody listened: users 1, 2, 1, 2, 1, 2.
        sim.set_users(&cuff, &[1, 2]).unwrap();
        sim.add_stored_records(&cuff, 6).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let device = paired_as(&central, &cuff, Some(1)).await.expect("pairs");
        assert_eq!(device.user_id, Some(1));

        let sink = MemorySink::default();
        let systolic = |sink: &MemorySink| sink.values(Metric::Systolic);
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            assert!(
                until(Duration::from_secs(10), || systolic(&sink).len() >= 3).await,
                "the kept records of user 1"
            );
            // Then live: the two take turns.
            sim.set_interval(&cuff, Duration::from_millis(250)).unwrap();
            assert!(
                until(Duration::from_secs(10), || systolic(&sink).len() >= 6).await,
                "live measurements of user 1"
            );
            sim.set_measuring(&cuff, false).unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        let mine = systolic(&sink);
        let measured = sim.measured(&cuff).unwrap();
        // User 2's pressure runs 25 mmHg higher (137–157 against user 1's 112–132).
        assert!(mine.iter().all(|s| *s <= 132.0), "{mine:?}");
        // Every measurement was user 1's, stored, or user 2's, counted: they took turns.
        let stored = mine.len() as u64;
        let others = device.counters.other_users;
        assert_eq!(
            stored + others,
            measured,
            "{stored} stored, {others} counted"
        );
        assert!(
            stored.abs_diff(others) <= 1,
            "{stored} stored, {others} counted"
        );
        assert_eq!(
            sink.readings() as u64,
            stored * 4,
            "each with its diastolic, mean and pulse"
        );
    });
}

/// Issue 14: a scale that says it keeps no users apart is refused a user (none of its
/// measurements would name one, so none would be stored); once it has several, it takes one
/// (with that user's consent code: the scale keeps its users apart with them).
#[test]
fn a_scale_with_one_user_is_refused_a_user_choice() {
    run(|sim| async move {
        let scale = sim.add_another(SCALE).await.unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let refused = paired_as(&central, &scale, Some(1)).await;
        assert!(
            matches!(refused, Err(tend_ble::Error::OneUserOnly(_))),
            "{:?}",
            refused.map(|d| d.user_id)
        );
        // Its users, each with their consent code (its User Data Service).
        sim.register_users(&scale, &[(1, 1234), (2, 5678)]).unwrap();
        let choices = PairingChoices {
            prompt: tend_ble::no_prompt(),
            user: Some(2),
            consent_code: Some(5678),
        };
        let device = pair_with(&central, &scale, choices).await.expect("pairs");
        assert_eq!(device.user_id, Some(2));
    });
}

/// Issue 14: a scale a household shares keeps each person's measurements behind their consent
/// code (User Data Service 0x181C). Paired as user 2 with user 2's code, Tend gives the code on
/// each connection and receives user 2's measurements, kept and live, and never user 1's: the
/// scale itself withholds them. Pairing without the code, or with another user's, pairs
/// nothing; once the code is changed on the scale, connections are refused and counted, and
/// nothing is read.
#[test]
fn a_scale_with_consent_codes_sends_only_the_consented_users_measurements() {
    run(|sim| async move {
        let scale = sim.add_another(SCALE).await.unwrap();
        sim.set_interval(&scale, Duration::from_secs(3600)).unwrap();
        sim.register_users(&scale, &[(1, 1111), (2, 4321)]).unwrap();
        // Six kept while nobody listened: users 1, 2, 1, 2, 1, 2.
        sim.add_stored_records(&scale, 6).unwrap();
        let central = BtleCentral::open().await.expect("adapter");
        let as_user_2 = |consent_code| PairingChoices {
            prompt: tend_ble::no_prompt(),
            user: Some(2),
            consent_code,
        };
        let without = pair_with(&central, &scale, as_user_2(None)).await;
        assert!(
            matches!(without, Err(tend_ble::Error::ConsentCodeNeeded(_))),
            "{:?}",
            without.map(|d| d.user_id)
        );
        let users_1s = pair_with(&central, &scale, as_user_2(Some(1111))).await;
        assert!(
            matches!(
                users_1s,
                Err(tend_ble::Error::ConsentRefused { user: 2, .. })
            ),
            "{:?}",
            users_1s.map(|d| d.user_id)
        );
        let device = pair_with(&central, &scale, as_user_2(Some(4321)))
            .await
            .expect("pairs");
        assert_eq!((device.user_id, device.consent_code), (Some(2), Some(4321)));

        let sink = MemorySink::default();
        let weights = |sink: &MemorySink| sink.values(Metric::Weight);
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = policy();
        let watch = keep_connected(&central, device, &sink, &SystemClock, &policy, stop);
        let script = async {
            assert!(
                until(Duration::from_secs(10), || weights(&sink).len() >= 3).await,
                "the kept measurements of user 2"
            );
            sim.set_interval(&scale, Duration::from_millis(250))
                .unwrap();
            assert!(
                until(Duration::from_secs(10), || weights(&sink).len() >= 6).await,
                "live measurements of user 2"
            );
            sim.set_measuring(&scale, false).unwrap();
            tokio::time::sleep(Duration::from_millis(300)).await;
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        let mine = weights(&sink);
        // User 2 weighs 12 kg more than user 1 (82–83 kg against 70–71 kg).
        assert!(mine.iter().all(|w| *w > 80.0), "{mine:?}");
        // The scale sent Tend none of user 1's: there was nothing to count.
        assert_eq!(device.counters.other_users, 0);
        let measured = sim.measured(&scale).unwrap();
        assert!(
            (mine.len() as u64).abs_diff(measured / 2) <= 1,
            "{} of {measured} stored",
            mine.len()
        );

        // User 2's code changed on the scale: refused, counted, nothing read.
        sim.register_users(&scale, &[(1, 1111), (2, 2468)]).unwrap();
        sim.set_measuring(&scale, true).unwrap();
        let refused = MemorySink::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let watch = keep_connected(&central, device, &refused, &SystemClock, &policy, stop);
        let script = async {
            assert!(
                until(Duration::from_secs(10), || refused
                    .problems(Problem::ConsentRefused)
                    >= 1)
                .await,
                "the refusal is told"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            stop_tx.send(true).unwrap();
        };
        let (device, ()) = tokio::join!(watch, script);
        assert!(device.counters.consent_refusals >= 1);
        assert_eq!(refused.readings(), 0, "nothing read without consent");
        sim.set_measuring(&scale, false).unwrap();
    });
}

#[test]
fn hostile_peripherals_are_counted_and_never_stored() {
    run(|sim| async move {
        let central = BtleCentral::open().await.expect("adapter");
        // Garbage from the oximeter: counted as malformed, nothing stored.
        sim.set_interval(OXIMETER, Duration::from_millis(100))
            .unwrap();
        sim.fault(OXIMETER, Fault::SendGarbage).await.unwrap();
        let oximeter = paired(&central, OXIMETER).await;
        // A flood from the thermometer.
        sim.set_interval(THERMOMETER, Duration::from_millis(200))
            .unwrap();
        let thermometer = paired(&central, THERMOMETER).await;
        // A scale that goes silent.
        sim.set_interval(SCALE, Duration::from_millis(100)).unwrap();
        let scale = paired(&central, SCALE).await;

        let quick = LinkPolicy {
            silence: Duration::from_millis(700),
            ..policy()
        };
        let (garbage, flood, silent) = (
            MemorySink::default(),
            MemorySink::default(),
            MemorySink::default(),
        );
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let watches = async {
            tokio::join!(
                keep_connected(
                    &central,
                    oximeter,
                    &garbage,
                    &SystemClock,
                    &quick,
                    stop.clone()
                ),
                keep_connected(
                    &central,
                    thermometer,
                    &flood,
                    &SystemClock,
                    &quick,
                    stop.clone()
                ),
                keep_connected(&central, scale, &silent, &SystemClock, &quick, stop.clone()),
            )
        };
        let script = async {
            assert!(
                until(Duration::from_secs(10), || garbage
                    .problems(Problem::Malformed)
                    >= 3)
                .await
            );
            assert!(until(Duration::from_secs(10), || flood.readings() >= 1).await);
            sim.fault(THERMOMETER, Fault::Flood(500)).await.unwrap();
            assert!(
                until(Duration::from_secs(10), || flood.problems(Problem::Flood)
                    >= 1)
                .await,
                "flood seen"
            );
            assert!(until(Duration::from_secs(10), || silent.readings() >= 1).await);
            sim.fault(SCALE, Fault::GoSilent).await.unwrap();
            assert!(
                until(Duration::from_secs(10), || silent.problems(Problem::Silent)
                    >= 1)
                .await,
                "silence seen"
            );
            sim.fault(SCALE, Fault::Behave).await.unwrap();
            let before = silent.readings();
            assert!(
                until(Duration::from_secs(10), || silent.readings() > before).await,
                "back after silence"
            );
            stop_tx.send(true).unwrap();
        };
        let ((oximeter, thermometer, scale), ()) = tokio::join!(watches, script);
        // Only once every watch has ended: a behaving oximeter's readings are real ones.
        sim.fault(OXIMETER, Fault::Behave).await.unwrap();
        assert!(oximeter.counters.malformed >= 3);
        assert_eq!(garbage.readings(), 0, "garbage never becomes a reading");
        assert!(thermometer.counters.flood_dropped > 0);
        assert!(flood.readings() < 500, "a flood is not stored whole");
        assert!(scale.counters.silences >= 1);

        // A scale whose link comes up but which never answers over it: BlueZ would keep the
        // connect waiting for its services until ATT's 30 s timeout; Tend gives up after its own
        // limit, drops the link, and connects once the scale answers again.
        sim.fault(SCALE, Fault::Unanswering).await.unwrap();
        let impatient = central.clone().answer_within(Duration::from_millis(500));
        let asked = std::time::Instant::now();
        let mute = impatient.connect(SCALE).await;
        assert!(
            matches!(&mute, Err(tend_ble::Error::Unavailable(why)) if why.contains("did not answer")),
            "{:?}",
            mute.map(|_| ())
        );
        assert!(
            asked.elapsed() < Duration::from_secs(5),
            "{:?}",
            asked.elapsed()
        );
        assert!(
            until(Duration::from_secs(2), || !sim.is_connected(SCALE)).await,
            "the mute link is dropped"
        );
        sim.fault(SCALE, Fault::Behave).await.unwrap();
        let (link, _values) = impatient.connect(SCALE).await.expect("answers again");
        link.disconnect().await;

        // An impostor under the HR strap's name is shown as one and not as paired.
        let strap = PairedDevice {
            id: HR_STRAP.to_owned(),
            name: "Tend Sim HR Strap".to_owned(),
            ..garbage_free_record()
        };
        let impostor = sim.add_impostor(HR_STRAP).await.unwrap();
        let found = scan(&central, Duration::from_millis(300), &[strap])
            .await
            .unwrap();
        let posing = found
            .iter()
            .find(|d| d.id == impostor)
            .expect("impostor seen");
        assert_eq!(posing.impostor_of.as_deref(), Some(HR_STRAP));
        assert!(!posing.paired);
        assert!(found
            .iter()
            .any(|d| d.id == HR_STRAP && d.paired && d.impostor_of.is_none()));
    });
}

fn garbage_free_record() -> PairedDevice {
    PairedDevice {
        id: String::new(),
        name: String::new(),
        services: vec![HealthService::HeartRate],
        manufacturer: None,
        model: None,
        serial: None,
        firmware: None,
        battery_percent: None,
        last_sequence: None,
        stored_after_last: Vec::new(),
        user_id: None,
        consent_code: None,
        record_series: 0,
        cgm_session: None,
        newest_record_time: None,
        bond: Default::default(),
        clock_set: false,
        paired_at: Timestamp::UNIX_EPOCH,
        last_seen: None,
        counters: Default::default(),
    }
}

#[allow(dead_code)]
fn assert_central<C: Central>(_: &C) {}
