//! The history as the screens show it, through the core API and a real vault: the chart of a
//! metric in the patient's units with its range and summary, and the latest value per metric.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use jiff::Timestamp;
use tend_core::{
    vitals::{Metric, Unit},
    ImportCancel, ImportRequest, KeySource, Passphrase, Preferences, Resolution, Session, Tend,
};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339 instant")
}

async fn profile_with(csv: &str) -> (tempfile::TempDir, Session) {
    let dir = tempfile::tempdir().expect("dir");
    let key =
        KeySource::Passphrase(Passphrase::new("history test passphrase").expect("passphrase"));
    let session = Tend::new(dir.path()).create(key).await.expect("vault");
    let file = dir.path().join("history.csv");
    std::fs::write(&file, format!("time,metric,value,unit,device\n{csv}")).expect("write");
    let request = ImportRequest::file(&file, jiff::tz::TimeZone::UTC);
    session
        .import(
            &request,
            ts("2026-03-03T00:00:00Z"),
            &ImportCancel::new(),
            &mut |_| {},
        )
        .await
        .expect("import");
    (dir, session)
}

#[tokio::test]
async fn a_chart_in_the_preferred_unit_with_its_range_and_summary() -> TestResult {
    let (_dir, session) = profile_with(
        "2026-03-02T08:00:00Z,glucose,90,mg/dL,meter\n\
         2026-03-02T12:00:00Z,glucose,216.192,mg/dL,meter\n\
         2026-03-02T18:00:00Z,glucose,5.5,mmol/L,meter\n",
    )
    .await;
    session
        .set_preferences(Preferences {
            glucose: Unit::MillimolePerLitre,
            ..Preferences::default()
        })
        .await?;
    let unit = session.preferences().await?.unit_for(Metric::Glucose);
    let chart = session
        .chart(
            Metric::Glucose,
            ts("2026-03-02T00:00:00Z"),
            ts("2026-03-03T00:00:00Z"),
            Resolution::Raw,
            Some(unit),
        )
        .await?;
    assert_eq!(chart.unit, Unit::MillimolePerLitre);
    let values: Vec<f64> = chart
        .points
        .iter()
        .map(|p| (p.mean * 10.0).round() / 10.0)
        .collect();
    assert_eq!(values, [5.0, 12.0, 5.5]);
    let range = chart.range.expect("glucose has a normal range");
    assert!((range.low - 3.9).abs() < 0.05 && (range.high - 10.0).abs() < 0.05);
    // 12.0 mmol/L is above 10.0: two of three in range.
    let in_range = chart.summary.in_range_percent.expect("a range");
    assert!((in_range - 66.67).abs() < 0.01, "{in_range}");
    assert_eq!(chart.summary.count, 3);

    // A unit that does not measure glucose is refused, clearly.
    let wrong = session
        .set_preferences(Preferences {
            glucose: Unit::Kilogram,
            ..Preferences::default()
        })
        .await;
    assert!(wrong.is_err());
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_latest_value_of_each_metric_with_its_device() -> TestResult {
    let (_dir, session) = profile_with(
        "2026-03-02T08:00:00Z,heart_rate,61,/min,strap\n\
         2026-03-02T09:30:00Z,heart_rate,64,/min,watch\n\
         2026-03-02T09:00:00Z,heart_rate,70,/min,strap\n\
         2026-03-01T07:00:00Z,weight,80.5,kg,scale\n",
    )
    .await;
    let latest = session.latest_readings().await?;
    let seen: Vec<(Metric, f64, &str)> = latest
        .iter()
        .map(|l| (l.metric, l.value, l.device.as_str()))
        .collect();
    assert_eq!(
        seen,
        [
            (Metric::HeartRate, 64.0, "watch"),
            (Metric::Weight, 80.5, "scale")
        ]
    );
    assert_eq!(latest[0].time, ts("2026-03-02T09:30:00Z"));
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn alerts_are_kept_for_the_list_newest_first() -> TestResult {
    use tend_core::clinic::{AlertRule, ClinicAlert};
    use tend_core::vitals::{DeviceKind, Direction};
    let (_dir, session) = profile_with("").await;
    for (at, value) in [
        ("2026-03-02T08:00:00Z", 130.0),
        ("2026-03-02T09:00:00Z", 40.0),
    ] {
        let (rule, direction) = if value > 100.0 {
            (AlertRule::HeartRateHigh, Direction::High)
        } else {
            (AlertRule::HeartRateLow, Direction::Low)
        };
        let alert = ClinicAlert {
            rule,
            metric: Metric::HeartRate,
            device_kind: DeviceKind::HeartRateMonitor,
            direction,
            value,
            at: ts(at),
            since: ts(at),
            rule_text: "heart rate out of range for 10 minutes".into(),
        };
        session.record_alert(&alert).await?;
    }
    let listed = session.alerts(ts("2026-03-02T00:00:00Z")).await?;
    let seen: Vec<Direction> = listed.iter().map(|a| a.direction).collect();
    assert_eq!(seen, [Direction::Low, Direction::High]);
    assert!(session.alerts(ts("2026-03-02T10:00:00Z")).await?.is_empty());
    session.close().await?;
    Ok(())
}

/// A cuff's memory, twice a day over a week, downloaded in one go: the newest is the one shown,
/// not one from days before.
#[tokio::test]
async fn the_latest_of_readings_spread_over_days_is_the_newest() -> TestResult {
    let rows: String = (0..12)
        .map(|i| {
            let at = ts("2026-02-26T08:00:00Z") + jiff::SignedDuration::from_hours(12 * i);
            format!("{at},systolic,{},mm[Hg],cuff\n", 110 + i)
        })
        .collect();
    let (_dir, session) = profile_with(&rows).await;
    let latest = session.latest_readings().await?;
    assert_eq!(latest.len(), 1);
    assert_eq!(latest[0].time, ts("2026-03-03T20:00:00Z"));
    assert_eq!(latest[0].value, 121.0);
    session.close().await?;
    Ok(())
}
