//! Writes an example clinic report PDF (synthetic data, 14 days of everything) to the path given,
//! for looking at it and for the README's picture:
//! `cargo run -p tend-report --example clinic_report -- report.pdf [en-US] [DAYS]`.

use std::error::Error;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_clinic::{
    example::{example_measurements, example_medications, ExampleContents},
    report_with_charts, Period, ReportInput, ReportSettings,
};
use tend_report::{render_pdf, Paper, ReportDocument};

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .ok_or("usage: clinic_report OUTPUT.pdf [LOCALE]")?;
    let locale = args.next().unwrap_or_else(|| "en-GB".to_owned());
    let days: i64 = args.next().map_or(Ok(14), |d| d.parse())?;
    let zone = TimeZone::get("Europe/London")?;
    let from: Timestamp = "2026-03-02T00:00:00Z".parse()?;
    let period = Period::new(from, from + SignedDuration::from_hours(days * 24))?;
    let measurements = example_measurements(from, days, ExampleContents::EVERYTHING);
    let (medications, doses) = example_medications(from, days);
    let input = ReportInput {
        period,
        zone: &zone,
        now: period.until,
        measurements: &measurements,
        medications: &medications,
        doses: &doses,
        settings: ReportSettings::default(),
    };
    let (report, charts) = report_with_charts(&input);
    let document = ReportDocument {
        patient_name: "Alex Example",
        zone: &zone,
        paper: Paper::for_locale(&locale),
        language: &locale,
        generated_at: period.until,
    };
    std::fs::write(&path, render_pdf(&report, &charts, &document)?)?;
    Ok(())
}
