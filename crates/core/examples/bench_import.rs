//! Benchmark: imports an Apple Health `export.xml` (or any export) through `Session::import`
//! into a real vault in a scratch profile, and prints the time to read and to store, readings/s,
//! MB/s, peak resident memory (of the import alone: the passphrase's key derivation before it,
//! 64 MiB by design, is left out by resetting the peak first) and the vault's size.
//!
//!   cargo run --release -p tend-import --example bench_apple_health -- generate /var/tmp/export.xml 1000000000
//!   cargo run --release -p tend-core --example bench_import -- /var/tmp/export.xml [PROFILE]
#![allow(clippy::print_stdout)]

use std::time::Instant;

use jiff::{tz::TimeZone, Timestamp};
use tend_core::{ImportCancel, ImportPhase, ImportRequest, KeySource, Passphrase, Tend};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = std::env::args()
        .nth(1)
        .ok_or("bench_import EXPORT [PROFILE]")?;
    let bytes = std::fs::metadata(&path)?.len();
    // A profile directory to keep (to look at the vault afterwards), else a temporary one.
    let kept = std::env::args().nth(2).map(std::path::PathBuf::from);
    let scratch = tempfile::tempdir()?;
    let profile = kept.unwrap_or_else(|| scratch.path().to_owned());
    let key = KeySource::Passphrase(Passphrase::new("bench import passphrase")?);
    let session = Tend::new(&profile).create(key).await?;
    let peak_with_key_derivation = peak_rss_kb();
    reset_peak_rss();

    let started = Instant::now();
    let mut storing_from = None;
    let report = session
        .import(
            &ImportRequest::file(&path, TimeZone::UTC),
            Timestamp::now(),
            &ImportCancel::new(),
            &mut |p| {
                if p.phase == ImportPhase::Storing && storing_from.is_none() {
                    storing_from = Some(started.elapsed().as_secs_f64());
                }
            },
        )
        .await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kb();
    session.close().await?;
    let files: serde_json::Map<String, serde_json::Value> = std::fs::read_dir(&profile)?
        .filter_map(|e| {
            let e = e.ok()?;
            let name = e.file_name().to_string_lossy().into_owned();
            Some((name, e.metadata().ok()?.len().into()))
        })
        .collect();
    let reading = storing_from.unwrap_or(seconds);
    let figures = serde_json::json!({
        "bytes": bytes,
        "records": report.rows,
        "readings_stored": report.stored,
        "seconds": round(seconds),
        "seconds_reading": round(reading),
        "seconds_storing": round(seconds - reading),
        "readings_per_s": (report.stored as f64 / seconds).round(),
        "mb_per_s": round(bytes as f64 / 1e6 / seconds),
        "peak_rss_mb": round(peak as f64 / 1024.0),
        "peak_rss_mb_with_key_derivation": round(peak_with_key_derivation.max(peak) as f64 / 1024.0),
        "files": files,
    });
    println!("{figures}");
    Ok(())
}

fn round(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// Peak resident set size of this process (VmHWM), in KiB; 0 where /proc is absent.
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// Resets the peak to the current resident size (Linux: `5` to `/proc/self/clear_refs`).
fn reset_peak_rss() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}
