//! Benchmark: imports an Apple Health `export.xml` (or any export) through `Session::import`
//! into a real vault in a scratch profile, and prints the time to read and to store, readings/s,
//! MB/s, peak resident memory (of the import alone: the passphrase's key derivation before it,
//! 64 MiB by design, is left out by resetting the peak first) and the vault's size. The baseline,
//! measured in the same run first: the same file only parsed by quick-xml (every element, no
//! attribute read, nothing kept), the floor of any streaming import of it; `x_baseline` is the
//! import's time over that.
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
    let baseline = bare_parse_seconds(&path)?;
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
        "baseline_seconds_bare_xml_parse": round(baseline),
        "x_baseline": round(seconds / baseline),
        "peak_rss_mb": round(peak as f64 / 1024.0),
        "peak_rss_mb_with_key_derivation": round(peak_with_key_derivation.max(peak) as f64 / 1024.0),
        "files": files,
    });
    println!("{figures}");
    Ok(())
}

/// The baseline: seconds to parse the file with quick-xml and nothing else. For a file that is
/// not XML (a zip) its first error ends it, and the baseline means nothing.
fn bare_parse_seconds(path: &str) -> Result<f64, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(path)?);
    let mut xml = quick_xml::Reader::from_reader(file);
    let mut buffer = Vec::with_capacity(4096);
    let mut elements = 0u64;
    loop {
        match xml.read_event_into(&mut buffer) {
            Ok(quick_xml::events::Event::Eof) | Err(_) => break,
            Ok(quick_xml::events::Event::Start(_) | quick_xml::events::Event::Empty(_)) => {
                elements += 1;
            }
            Ok(_) => {}
        }
        buffer.clear();
    }
    std::hint::black_box(elements);
    Ok(started.elapsed().as_secs_f64())
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
