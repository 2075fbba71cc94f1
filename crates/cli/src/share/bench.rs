//! `tend bench share`: a day of 1 Hz heart rate plus spot readings, synced in a scratch profile to
//! a FHIR server on this machine, summarised and (with `--baseline`) one Observation a reading.

use std::{path::Path, time::Instant};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::Serialize;
use tend_core::share::{Category, ConsentScope, RetryPolicy};
use tend_core::{CareTeamDetails, KeySource, Passphrase, ShareOptions, Tend};

use crate::clock::WallClock;
use crate::{output, Failure};

/// What `tend bench share` measured.
#[derive(Debug, Serialize)]
struct ShareBench {
    readings: u64,
    sync_seconds: f64,
    observations: u64,
    bundles: u64,
    requests: u64,
    bytes_sent: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    baseline: Option<BaselineBench>,
}

/// The same readings, each its own Observation.
#[derive(Debug, Serialize)]
struct BaselineBench {
    sync_seconds: f64,
    observations: u64,
    bundles: u64,
    bytes_sent: u64,
}

/// `tend bench share`: a day of 1 Hz heart rate plus spot readings, in a scratch profile, synced
/// to the FHIR server at `url` (on this machine).
pub async fn bench(
    url: &str,
    patient: &str,
    baseline: bool,
    max_entries: usize,
    json: bool,
) -> Result<(), Failure> {
    let day: Timestamp = "2026-03-01T00:00:00Z".parse()?;
    let scratch = tempfile::tempdir()?;
    let csv = scratch.path().join("day.csv");
    let readings = write_day(&csv, day)?;
    let profile = scratch.path().join("profile");
    let tend = Tend::new(&profile);
    let session = tend
        .create(KeySource::Passphrase(Passphrase::new("bench passphrase")?))
        .await?;
    session.import_file(&csv, jiff::Timestamp::now()).await?;
    let now = day + SignedDuration::from_hours(24);
    let mut options = ShareOptions {
        retry: RetryPolicy {
            max_entries,
            ..RetryPolicy::default()
        },
        zone: TimeZone::UTC,
        ..ShareOptions::default()
    };
    let run = |name: &'static str, patient: String| CareTeamDetails {
        name: name.into(),
        base_url: url.into(),
        patient,
        bearer_token: None,
    };
    let measure = async |name: &'static str,
                         patient: String,
                         options: &ShareOptions|
           -> Result<(f64, tend_core::share::SyncReport), Failure> {
        let team = session
            .add_care_team(run(name, patient), now, &session.opened_by_the_patient())
            .await?;
        for category in [
            Category::HeartRate,
            Category::BloodPressure,
            Category::Temperature,
            Category::Spo2,
            Category::Glucose,
            Category::WeightAndBodyComposition,
        ] {
            session
                .give_consent(
                    &team.id,
                    category,
                    ConsentScope::Since { since: day },
                    now,
                    &session.opened_by_the_patient(),
                )
                .await?;
        }
        let clock = WallClock::starting_at(now);
        let started = Instant::now();
        let report = session
            .sync_care_team(&team.id, &clock, options, &mut |_| {})
            .await?;
        let seconds = started.elapsed().as_secs_f64();
        if let Some(why) = &report.interrupted {
            return Err(Failure::Failed(format!(
                "the benchmark sync stopped: {why}"
            )));
        }
        Ok((seconds, report))
    };
    let (seconds, report) = measure("bench", patient.to_owned(), &options).await?;
    let baseline = if baseline {
        options.summary_period = None;
        let (seconds, report) =
            measure("bench baseline", format!("{patient}-baseline"), &options).await?;
        Some(BaselineBench {
            sync_seconds: seconds,
            observations: report.delivered,
            bundles: report.bundles,
            bytes_sent: report.bytes_sent,
        })
    } else {
        None
    };
    session.close().await?;
    let result = ShareBench {
        readings,
        sync_seconds: seconds,
        observations: report.delivered,
        bundles: report.bundles,
        requests: report.requests,
        bytes_sent: report.bytes_sent,
        baseline,
    };
    if json {
        return output::json(&result);
    }
    println!(
        "{} readings -> {} Observations in {} bundles ({} bytes) in {:.2} s",
        result.readings,
        result.observations,
        result.bundles,
        result.bytes_sent,
        result.sync_seconds
    );
    if let Some(b) = &result.baseline {
        println!(
            "baseline: {} Observations in {} bundles ({} bytes) in {:.2} s",
            b.observations, b.bundles, b.bytes_sent, b.sync_seconds
        );
    }
    Ok(())
}

/// One day: 1 Hz heart rate from a strap, and a patient's spot readings. Returns the row count.
fn write_day(path: &Path, day: Timestamp) -> Result<u64, Failure> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    writeln!(out, "time,metric,value,unit,device")?;
    let mut rows = 0;
    for s in 0..86_400_i64 {
        let t = day + SignedDuration::from_secs(s);
        writeln!(
            out,
            "{t},heart_rate,{},/min,Polar H10",
            60 + (s / 60 + s) % 40
        )?;
        rows += 1;
    }
    for (hour, sys, dia) in [(7, 121, 79), (13, 118, 77), (21, 125, 82)] {
        let t = day + SignedDuration::from_hours(hour);
        writeln!(
            out,
            "{t},systolic,{sys},mm[Hg],cuff\n{t},diastolic,{dia},mm[Hg],cuff"
        )?;
        rows += 2;
    }
    for (hour, spo2, temp, glucose) in [
        (7, 97, 36.7, 95),
        (12, 98, 36.9, 132),
        (18, 96, 37.1, 118),
        (22, 97, 36.8, 104),
    ] {
        let t = day + SignedDuration::from_hours(hour) + SignedDuration::from_mins(10);
        writeln!(out, "{t},spo2,{spo2},%,oximeter\n{t},body_temperature,{temp},Cel,thermometer\n{t},glucose,{glucose},mg/dL,meter")?;
        rows += 3;
    }
    let t = day + SignedDuration::from_hours(7) + SignedDuration::from_mins(30);
    writeln!(out, "{t},weight,71.4,kg,scale\n{t},bmi,22.6,kg/m2,scale")?;
    rows += 2;
    out.flush()?;
    Ok(rows)
}
