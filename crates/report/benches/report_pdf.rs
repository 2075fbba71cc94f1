//! The clinic report's PDF from a year of data: 5-minute CGM (about 105,000 readings), home blood
//! pressure twice a day and a daily weight, summaries included. Target: ≤ 1 s in a release build.
//!
//! `cargo bench -p tend-report --bench report_pdf` (add `-- --quick` for a short run).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_clinic::{
    example::{example_measurements, example_medications, ExampleContents},
    report_with_charts, Period, ReportInput, ReportSettings,
};
use tend_report::{render_pdf, Paper, ReportDocument};

fn year(c: &mut Criterion) {
    let from: Timestamp = "2025-01-01T00:00:00Z"
        .parse()
        .unwrap_or(Timestamp::UNIX_EPOCH);
    let period = Period::new(from, from + SignedDuration::from_hours(365 * 24))
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
    let document = ReportDocument {
        patient_name: "Alex Example",
        zone: &zone,
        paper: Paper::A4,
        language: "en-GB",
        generated_at: period.until,
    };
    let mut group = c.benchmark_group("clinic_report_year");
    group.sample_size(10);
    group.bench_function("pdf_from_readings", |b| {
        b.iter(|| {
            let (report, charts) = report_with_charts(black_box(&input));
            render_pdf(&report, &charts, &document).map(|pdf| pdf.len())
        })
    });
    let (report, charts) = report_with_charts(&input);
    group.bench_function("pdf_from_summaries", |b| {
        b.iter(|| render_pdf(black_box(&report), &charts, &document).map(|pdf| pdf.len()))
    });
    group.finish();
}

criterion_group!(benches, year);
criterion_main!(benches);
