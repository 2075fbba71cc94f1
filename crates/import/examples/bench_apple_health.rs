//! Benchmark: writes a synthetic Apple Health `export.xml` of a given size, then imports it (the
//! dry run: read, skip, de-duplicate, preview) and prints readings/s, MB/s and peak resident memory.
//!
//!   cargo run --release -p tend-import --example bench_apple_health -- generate /var/tmp/export.xml 1000000000
//!   cargo run --release -p tend-import --example bench_apple_health -- import /var/tmp/export.xml
#![allow(clippy::print_stdout)]

use std::{fs::File, io::BufWriter, time::Instant};

use tend_import::{synthetic::SyntheticAppleHealth, Import, ImportOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("generate") => {
            let path = args.get(2).ok_or("generate PATH [BYTES]")?;
            let bytes: u64 = args.get(3).map_or(Ok(1_000_000_000), |b| b.parse())?;
            let mut generator = SyntheticAppleHealth::new(bytes, 2026);
            let mut out = BufWriter::new(File::create(path)?);
            let written = std::io::copy(&mut generator, &mut out)?;
            let counts = generator.counts();
            println!(
                "{{\"bytes\": {written}, \"records\": {}, \"vital_readings\": {}}}",
                counts.records, counts.vital_readings
            );
        }
        Some("import") => {
            let path = args.get(2).ok_or("import PATH")?;
            let file = File::open(path)?;
            let total = file.metadata()?.len();
            let options = ImportOptions {
                total_bytes: Some(total),
                ..ImportOptions::default()
            };
            let started = Instant::now();
            let import = Import::from_seekable(file, options)?;
            let preview = import.dry_run()?;
            let seconds = started.elapsed().as_secs_f64();
            let readings = preview.readings();
            println!(
                "{{\"bytes\": {total}, \"seconds\": {seconds:.2}, \"readings\": {readings}, \"skipped\": {}, \"repeats_within_source\": {}, \"readings_per_s\": {:.0}, \"mb_per_s\": {:.1}, \"peak_rss_mb\": {:.1}}}",
                preview.skipped_total(),
                preview.repeats_within_source,
                readings as f64 / seconds,
                total as f64 / 1e6 / seconds,
                peak_rss_kb() as f64 / 1024.0
            );
        }
        _ => return Err("usage: bench_apple_health generate PATH [BYTES] | import PATH".into()),
    }
    Ok(())
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
