//! `tend-device-bench --drops N [--real-bluez] [--json]`: drop the glucose meter's link N times
//! while it keeps measuring, and measure the time from the link being possible again to the first
//! reading stored, and the readings lost or stored twice (checked against the vault and the
//! meter's own record numbers). The meter is `bluez-sim`'s, in-process on a private bus, or with
//! `--real-bluez` the same meter served through the real BlueZ in a QEMU guest (`tend-bluez-vm`),
//! Tend's btleplug being the central in both.
//!
//! A binary of its own so that neither is ever linked into the shipped `tend`.

// This binary's job is to print its figures.
#![allow(clippy::print_stdout, clippy::print_stderr)]

use std::{
    collections::BTreeSet,
    sync::Mutex,
    time::{Duration, Instant},
};

use clap::Parser;
use serde::Serialize;
use tend_bluez_sim::{PrivateBus, Sim};
use tend_bluez_vm::RealMeter;
use tend_core::{
    vitals::Metric, AlertWatch, BtleCentral, DeviceEvent, KeySource, LinkPolicy, LinkState,
    Passphrase, SystemClock, Tend, WatchSinks,
};

/// Reconnect time and readings lost or doubled across link drops of a glucose meter.
#[derive(Debug, Parser)]
#[command(name = "tend-device-bench", version, about)]
struct Args {
    /// How many times the meter goes out of range.
    #[arg(long, default_value_t = 100)]
    drops: u32,
    /// Through the real BlueZ in a QEMU guest instead of bluez-sim (boots it; builds its image
    /// first when the cache has none).
    #[arg(long)]
    real_bluez: bool,
    /// Print the figures as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Why the benchmark could not run: said in one line on stderr.
#[derive(Debug)]
struct Failure(String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(e: E) -> Self {
        Failure(e.to_string())
    }
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("tend-device-bench: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// The simulated meter's address in bluez-sim's catalogue.
const SIM_METER: &str = "C0:7E:4D:00:00:05";
/// How often the simulated meter measures: live readings keep arriving between drops.
const MEASURE_EVERY: Duration = Duration::from_millis(50);
/// The longest wait for any one step before the benchmark gives up.
const PATIENCE: Duration = Duration::from_secs(30);

/// The figures, as `--json` prints them.
#[derive(Debug, Serialize)]
struct DevicesBench {
    drops: u32,
    reconnect_to_first_reading_ms_median: f64,
    reconnect_to_first_reading_ms_max: f64,
    readings_made: usize,
    readings_stored: usize,
    readings_lost: usize,
    readings_duplicated: usize,
}

fn run(
    &Args {
        drops,
        real_bluez,
        json,
    }: &Args,
) -> Result<(), Failure> {
    if drops == 0 {
        return Err(Failure("--drops must be at least 1".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bench = runtime.block_on(async {
        let meter = Meter::start(real_bluez).await?;
        measure(&meter, drops).await
    })?;
    if json {
        println!("{}", serde_json::to_string(&bench)?);
        return Ok(());
    }
    println!(
        "{} link drops: first reading stored {:.0} ms (median), {:.0} ms (max) after the link was possible again",
        bench.drops, bench.reconnect_to_first_reading_ms_median, bench.reconnect_to_first_reading_ms_max
    );
    println!(
        "{} readings made by the meter, {} stored: {} lost, {} stored twice",
        bench.readings_made, bench.readings_stored, bench.readings_lost, bench.readings_duplicated
    );
    Ok(())
}

/// What the watch reported, and when.
#[derive(Debug, Clone, Copy)]
enum Seen {
    Reading(Instant),
    Streaming(Instant),
}

/// The glucose meter the benchmark drops, and the bus it is on.
enum Meter {
    Simulated { sim: Sim, _bus: PrivateBus },
    RealBluez(RealMeter),
}

impl Meter {
    /// Starts the meter and points this process's `DBUS_SYSTEM_BUS_ADDRESS` (btleplug's way to
    /// BlueZ; the process has no other use for it) at its bus. It measures every
    /// [`MEASURE_EVERY`] and has 20 stored records to download.
    async fn start(real_bluez: bool) -> Result<Meter, Failure> {
        let meter = if real_bluez {
            Meter::RealBluez(RealMeter::start().await?)
        } else {
            let bus = PrivateBus::start()?;
            std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
            let catalogue = tend_bluez_sim::catalogue()
                .into_iter()
                .filter(|d| d.address == SIM_METER)
                .collect();
            let sim = Sim::start_with(bus.address(), catalogue).await?;
            Meter::Simulated { sim, _bus: bus }
        };
        let at = meter.address().to_owned();
        match &meter {
            Meter::Simulated { sim, .. } => {
                sim.set_interval(&at, MEASURE_EVERY)?;
                sim.add_stored_records(&at, 20)?;
            }
            Meter::RealBluez(real) => {
                real.peripherals().set_interval(&at, MEASURE_EVERY)?;
                real.peripherals().add_stored_records(&at, 20)?;
            }
        }
        Ok(meter)
    }

    fn address(&self) -> &str {
        match self {
            Meter::Simulated { .. } => SIM_METER,
            Meter::RealBluez(real) => real.address(),
        }
    }

    /// How long pairing scans: the real stack's emulated radio advertises about once a second.
    fn scan_for(&self) -> Duration {
        match self {
            Meter::Simulated { .. } => Duration::from_millis(300),
            Meter::RealBluez(_) => Duration::from_millis(2500),
        }
    }

    async fn set_in_range(&self, in_range: bool) -> Result<(), Failure> {
        match self {
            Meter::Simulated { sim, .. } => sim.set_in_range(SIM_METER, in_range).await?,
            Meter::RealBluez(real) => real.set_in_range(in_range).await?,
        }
        Ok(())
    }

    fn stop_measuring(&self) -> Result<(), Failure> {
        match self {
            Meter::Simulated { sim, .. } => sim.set_measuring(SIM_METER, false)?,
            Meter::RealBluez(real) => real.peripherals().set_measuring(real.address(), false)?,
        }
        Ok(())
    }

    /// The meter's record numbers: every reading it made, stored ones included.
    fn record_numbers(&self) -> Result<Vec<u16>, Failure> {
        Ok(match self {
            Meter::Simulated { sim, .. } => sim.glucose_sequences(SIM_METER)?,
            Meter::RealBluez(real) => real.record_numbers()?,
        })
    }
}

async fn measure(meter: &Meter, drops: u32) -> Result<DevicesBench, Failure> {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path())
        .create(KeySource::Passphrase(Passphrase::new(
            "tend bench devices",
        )?))
        .await?;
    let central = BtleCentral::open().await?;
    session
        .pair_device(
            &central,
            meter.address(),
            tend_core::PairingChoices::only_user(tend_core::no_prompt()),
            &SystemClock,
            meter.scan_for(),
        )
        .await?;

    let seen = Mutex::new(Vec::<Seen>::new());
    let sink = |event: DeviceEvent| {
        let now = Instant::now();
        let entry = match event {
            DeviceEvent::Reading { .. } => Seen::Reading(now),
            DeviceEvent::State {
                state: LinkState::Streaming,
                ..
            } => Seen::Streaming(now),
            _ => return,
        };
        seen.lock().unwrap_or_else(|e| e.into_inner()).push(entry);
    };
    let after = |since: Instant, reading: bool| {
        seen.lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find_map(|s| match (*s, reading) {
                (Seen::Reading(t), true) | (Seen::Streaming(t), false) if t >= since => Some(t),
                _ => None,
            })
    };
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let policy = LinkPolicy::default();
    let alerts = AlertWatch::default();
    let sinks = WatchSinks {
        events: &sink,
        alerts: &|_| {},
    };
    let watching = session.watch_devices(&central, &SystemClock, &policy, &alerts, sinks, stop);
    // Per-drop figures on stderr, for looking into a slow one.
    let verbose = std::env::var_os("TEND_BENCH_VERBOSE").is_some();
    let script = async {
        let start = Instant::now();
        let mut latencies = Vec::new();
        wait(|| after(start, false).is_some() && after(start, true).is_some()).await?;
        for i in 0..drops {
            meter.set_in_range(false).await?;
            // Out of range for 0.2 to 0.5 s, and every tenth time for 3 s (long enough for the
            // backoff to reach its cap), while the meter keeps measuring.
            tokio::time::sleep(outage(i)).await;
            let restored = Instant::now();
            meter.set_in_range(true).await?;
            wait(|| after(restored, true).is_some()).await?;
            if let Some(first) = after(restored, true) {
                latencies.push(first.duration_since(restored).as_secs_f64() * 1000.0);
                if verbose {
                    eprintln!(
                        "drop {}: out of range {} ms, first reading stored {:.0} ms after",
                        i + 1,
                        outage(i).as_millis(),
                        first.duration_since(restored).as_secs_f64() * 1000.0
                    );
                }
            }
            wait(|| after(restored, false).is_some()).await?;
        }
        meter.stop_measuring()?;
        let made = meter.record_numbers()?.len();
        let readings = || {
            seen.lock()
                .unwrap_or_else(|e| e.into_inner())
                .iter()
                .filter(|s| matches!(s, Seen::Reading(_)))
                .count()
        };
        // The last live readings may still be on their way; missing ones show up as lost.
        let _ = wait(|| readings() >= made).await;
        tokio::time::sleep(Duration::from_millis(200)).await;
        let _ = stop_tx.send(true);
        Ok::<_, Failure>(latencies)
    };
    let (watched, latencies) = tokio::join!(watching, script);
    watched?;
    let mut latencies = latencies?;

    let made: BTreeSet<u16> = meter.record_numbers()?.into_iter().collect();
    let stored = session
        .device_readings(meter.address(), Metric::Glucose)
        .await?;
    session.close().await?;
    let distinct: BTreeSet<u16> = stored.iter().filter_map(|s| s.sequence).collect();
    latencies.sort_by(f64::total_cmp);
    Ok(DevicesBench {
        drops,
        reconnect_to_first_reading_ms_median: latencies
            .get(latencies.len() / 2)
            .copied()
            .unwrap_or(f64::NAN),
        reconnect_to_first_reading_ms_max: latencies.last().copied().unwrap_or(f64::NAN),
        readings_made: made.len(),
        readings_stored: stored.len(),
        readings_lost: made.difference(&distinct).count(),
        readings_duplicated: stored.len() - distinct.len(),
    })
}

fn outage(drop: u32) -> Duration {
    if drop % 10 == 9 {
        Duration::from_secs(3)
    } else {
        Duration::from_millis(200 + u64::from(drop % 4) * 100)
    }
}

/// Polls `done` until it holds; fails after [`PATIENCE`].
async fn wait(mut done: impl FnMut() -> bool) -> Result<(), Failure> {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > PATIENCE {
            return Err(Failure(
                "the meter stopped answering: benchmark abandoned".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}
