//! The drops benchmark of `tend bench devices` through the real BlueZ (`tend-bluez-vm`'s
//! [`RealMeter`]): the glucose meter goes out of range N times (0.2–0.5 s, every tenth time 3 s)
//! while it keeps measuring every 50 ms; Tend's `keep_connected` brings it back each time. Prints
//! the time from the link being possible again to the first reading stored (median, slowest) and
//! the readings lost or stored twice, checked against the meter's own record numbers.
//!
//!   cargo test -p tend-ble --test real_bluez_drops -- --ignored --nocapture   (TEND_DROPS=100)
//!
//! Not part of the test command's group: it takes minutes. It fails only on a lost or doubled
//! reading, or a reconnect slower than 30 s.
#![allow(clippy::expect_used, clippy::unwrap_used, clippy::print_stdout)]

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant},
};

use jiff::Timestamp;
use tend_ble::{
    keep_connected, pair, scan, BtleCentral, Clock, DeviceEvent, DeviceReading, DeviceSink,
    LinkPolicy, LinkState, PairedDevice,
};
use tend_bluez_vm::RealMeter;

struct SystemClock;
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// When readings were stored and the link started streaming, and the record numbers stored.
#[derive(Default)]
struct Timeline {
    stored_at: Mutex<Vec<Instant>>,
    streaming_at: Mutex<Vec<Instant>>,
    sequences: Mutex<Vec<u16>>,
}

impl DeviceSink for Timeline {
    async fn store(
        &self,
        _device: &PairedDevice,
        readings: &[DeviceReading],
    ) -> tend_ble::Result<()> {
        let now = Instant::now();
        self.stored_at.lock().unwrap().push(now);
        self.sequences
            .lock()
            .unwrap()
            .extend(readings.iter().filter_map(|r| r.sequence));
        Ok(())
    }
    async fn remember(&self, _device: &PairedDevice) -> tend_ble::Result<()> {
        Ok(())
    }
    fn event(&self, event: DeviceEvent) {
        if let DeviceEvent::State {
            state: LinkState::Streaming,
            ..
        } = event
        {
            self.streaming_at.lock().unwrap().push(Instant::now());
        }
    }
}

impl Timeline {
    fn first_stored_after(&self, since: Instant) -> Option<Instant> {
        self.stored_at
            .lock()
            .unwrap()
            .iter()
            .copied()
            .find(|t| *t >= since)
    }
    fn streaming_after(&self, since: Instant) -> bool {
        self.streaming_at
            .lock()
            .unwrap()
            .iter()
            .any(|t| *t >= since)
    }
}

async fn wait(what: &str, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "{what}: not within 30 s"
        );
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn outage(drop: u32) -> Duration {
    if drop % 10 == 9 {
        Duration::from_secs(3)
    } else {
        Duration::from_millis(200 + u64::from(drop % 4) * 100)
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

#[test]
#[ignore = "boots the real BlueZ in QEMU and takes minutes: run by hand with --ignored"]
fn drops_through_the_real_stack() {
    let drops: u32 = std::env::var("TEND_DROPS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(100);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let meter = RealMeter::start().await.expect("the real BlueZ and the meter");
        let at = meter.address().to_owned();
        let controls = meter.peripherals();
        controls
            .set_interval(&at, Duration::from_millis(50))
            .unwrap();
        controls.add_stored_records(&at, 20).unwrap();
        let central = BtleCentral::open().await.expect("hci0");
        let found = scan(&central, Duration::from_millis(2500), &[])
            .await
            .unwrap();
        let ad = found.into_iter().find(|d| d.id == at).expect("the meter");
        let device = pair(
            &central,
            &at,
            ad.name,
            ad.services,
            &SystemClock,
            &jiff::tz::TimeZone::system(),
        )
        .await
        .expect("pairs");

        let timeline = Timeline::default();
        let (stop_tx, stop) = tokio::sync::watch::channel(false);
        let policy = LinkPolicy::default();
        let watch = keep_connected(&central, device, &timeline, &SystemClock, &policy, stop);
        let script = async {
            let start = Instant::now();
            wait("first connection", || {
                timeline.streaming_after(start) && timeline.first_stored_after(start).is_some()
            })
            .await;
            // From the call bringing it back (as `tend bench devices` measures), and from the
            // moment it advertises again.
            let (mut from_call, mut from_advertising) = (Vec::new(), Vec::new());
            for i in 0..drops {
                meter.set_in_range(false).await.unwrap();
                tokio::time::sleep(outage(i)).await;
                let restored = Instant::now();
                meter.set_in_range(true).await.unwrap();
                let advertising = meter.reachable_since().unwrap().unwrap_or(restored);
                wait("a reading after the link came back", || {
                    timeline.first_stored_after(restored).is_some()
                })
                .await;
                let first = timeline.first_stored_after(restored).unwrap();
                from_call.push(ms(first - restored));
                from_advertising.push(ms(first.saturating_duration_since(advertising)));
                if std::env::var_os("TEND_BENCH_VERBOSE").is_some() {
                    eprintln!(
                        "drop {}: out {} ms, first reading {:.0} ms after",
                        i + 1,
                        outage(i).as_millis(),
                        ms(first - restored)
                    );
                }
                wait("streaming again", || timeline.streaming_after(restored)).await;
            }
            controls.set_measuring(&at, false).unwrap();
            let made = meter.record_numbers().unwrap().len();
            let _ = tokio::time::timeout(Duration::from_secs(30), async {
                while timeline.sequences.lock().unwrap().len() < made {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            })
            .await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            stop_tx.send(true).unwrap();
            (from_call, from_advertising)
        };
        let (_device, (mut from_call, mut from_advertising)) = tokio::join!(watch, script);

        let made: BTreeSet<u16> = meter.record_numbers().unwrap().into_iter().collect();
        let stored = timeline.sequences.lock().unwrap().clone();
        let distinct: BTreeSet<u16> = stored.iter().copied().collect();
        let lost = made.difference(&distinct).count();
        let doubled = stored.len() - distinct.len();
        for figures in [&mut from_call, &mut from_advertising] {
            figures.sort_by(f64::total_cmp);
        }
        let median = |v: &[f64]| v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
        let slowest = |v: &[f64]| v.last().copied().unwrap_or(f64::NAN);
        println!(
            "{drops} drops through the real BlueZ: first reading stored {:.0} ms (median), {:.0} ms \
             (slowest) after the link was possible again ({:.0} / {:.0} ms after it advertised); \
             {} readings made, {} stored, {lost} lost, {doubled} stored twice",
            median(&from_call),
            slowest(&from_call),
            median(&from_advertising),
            slowest(&from_advertising),
            made.len(),
            stored.len()
        );
        assert_eq!((lost, doubled), (0, 0), "readings lost, stored twice");
    });
}
