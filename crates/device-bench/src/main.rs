//! `tend-device-bench --drops N [--json]`: against the simulated glucose meter, in-process on a
//! private bus, drop the link N times while the meter keeps measuring, and measure the time from
//! the link being possible again to the first reading stored, and the readings lost or stored
//! twice (checked against the vault and the meter's own record numbers).
//!
//! A binary of its own so that the simulator is never linked into the shipped `tend`.

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
use tend_core::{
    vitals::Metric, AlertWatch, BtleCentral, DeviceEvent, KeySource, LinkPolicy, LinkState,
    Passphrase, SystemClock, Tend, WatchSinks,
};

/// Reconnect time and readings lost or doubled across simulated link drops (bluez-sim).
#[derive(Debug, Parser)]
#[command(name = "tend-device-bench", version, about)]
struct Args {
    /// How many times the meter goes out of range.
    #[arg(long, default_value_t = 100)]
    drops: u32,
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
    match run(args.drops, args.json) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(Failure(message)) => {
            eprintln!("tend-device-bench: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

const METER: &str = "C0:7E:4D:00:00:05";
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

fn run(drops: u32, json: bool) -> Result<(), Failure> {
    if drops == 0 {
        return Err(Failure("--drops must be at least 1".into()));
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let bench = runtime.block_on(measure(drops))?;
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

async fn measure(drops: u32) -> Result<DevicesBench, Failure> {
    let bus = PrivateBus::start()?;
    // btleplug reaches BlueZ through the system bus address; this process has no other use for it.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", bus.address());
    let meter = tend_bluez_sim::catalogue()
        .into_iter()
        .filter(|d| d.address == METER)
        .collect();
    let sim = Sim::start_with(bus.address(), meter).await?;
    sim.set_interval(METER, MEASURE_EVERY)?;
    sim.add_stored_records(METER, 20)?;

    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path())
        .create(KeySource::Passphrase(Passphrase::new(
            "tend bench devices",
        )?))
        .await?;
    let central = BtleCentral::open().await?;
    session
        .pair_device(&central, METER, &SystemClock, Duration::from_millis(300))
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
            sim.set_in_range(METER, false).await?;
            // Out of range for 0.2 to 0.5 s, and every tenth time for 3 s (long enough for the
            // backoff to reach its cap), while the meter keeps measuring.
            tokio::time::sleep(outage(i)).await;
            let restored = Instant::now();
            sim.set_in_range(METER, true).await?;
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
        sim.set_measuring(METER, false)?;
        let made = sim.glucose_sequences(METER)?.len();
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

    let made: BTreeSet<u32> = sim
        .glucose_sequences(METER)?
        .into_iter()
        .map(u32::from)
        .collect();
    let stored = session.device_readings(METER, Metric::Glucose).await?;
    session.close().await?;
    let distinct: BTreeSet<u32> = stored.iter().filter_map(|s| s.sequence).collect();
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
                "the simulated meter stopped answering: benchmark abandoned".into(),
            ));
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    Ok(())
}
