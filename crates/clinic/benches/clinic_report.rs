//! The clinic report's JSON from a year of data: 5-minute CGM (about 105,000 readings), home
//! blood pressure twice a day and a daily weight. Target: ≤ 100 ms in a release build.
//!
//! `cargo bench -p tend-clinic --bench clinic_report` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use jiff::{tz::TimeZone, Timestamp};
use tend_clinic::{
    clinic_report,
    example::{example_measurements, example_medications, ExampleContents},
    report_with_charts, Period, ReportInput, ReportSettings,
};

fn year(c: &mut Criterion) {
    let from: Timestamp = "2025-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let period = Period::last_days(from + jiff::SignedDuration::from_hours(365 * 24), 365)
        .unwrap_or_else(|e| panic!("period: {e}"));
    let measurements = example_measurements(from, 365, ExampleContents::CGM_BP_WEIGHT);
    let (medications, doses) = example_medications(from, 365);
    let zone = TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC);
    let input = ReportInput {
        period,
        zone: &zone,
        now: period.until,
        measurements: &measurements,
        medications: &medications,
        doses: &doses,
        settings: ReportSettings::default(),
    };
    eprintln!("{} readings, {} doses", measurements.len(), doses.len());
    let mut group = c.benchmark_group("clinic_report_year");
    group.sample_size(20);
    group.bench_function("json", |b| {
        b.iter(|| serde_json::to_vec(&clinic_report(black_box(&input))).map(|json| json.len()))
    });
    group.bench_function("summaries_and_charts", |b| {
        b.iter(|| report_with_charts(black_box(&input)))
    });
    group.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
