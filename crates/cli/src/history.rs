//! `tend export` and `tend trends`: history out, and as chart data (`import.rs` brings it in).

use std::io::Write;

use jiff::Timestamp;
use tend_core::{Resolution, Tend, TrendData};

use crate::{output, unlock, Failure};

pub async fn export(tend: &Tend) -> Result<(), Failure> {
    let session = unlock::session(tend, false).await?;
    let stdout = std::io::stdout().lock();
    let summary = session
        .export_csv(
            std::io::BufWriter::new(stdout),
            &session.opened_by_the_patient(),
        )
        .await;
    session.close().await?;
    warn_damaged(&summary?.damaged);
    Ok(())
}

pub async fn trends(
    tend: &Tend,
    metric: &str,
    from: &str,
    until: &str,
    bucket: &str,
    json: bool,
) -> Result<(), Failure> {
    let metric = metric
        .parse()
        .map_err(|e: tend_core::vitals::Error| Failure::Failed(e.to_string()))?;
    let (from, until) = (timestamp("--from", from)?, timestamp("--until", until)?);
    if from >= until {
        return Err(Failure::Failed("--from must be before --until".into()));
    }
    let resolution: Resolution = bucket.parse()?;
    let session = unlock::session(tend, false).await?;
    let trend = session.trend(metric, from, until, resolution).await;
    session.close().await?;
    let trend = trend?;
    warn_damaged(&trend.damaged);
    if json {
        return match &trend.data {
            TrendData::Buckets(buckets) => output::json(buckets),
            TrendData::Raw(points) => output::json(points),
        };
    }
    let mut out = std::io::stdout().lock();
    match trend.data {
        TrendData::Buckets(buckets) => {
            for b in buckets {
                writeln!(
                    out,
                    "{}  mean {:.1}  min {}  max {}  ({} readings, {})",
                    b.start, b.mean, b.min, b.max, b.count, trend.unit
                )?;
            }
        }
        TrendData::Raw(points) => {
            for p in points {
                writeln!(out, "{}  {} {}", p.time, p.value, trend.unit)?;
            }
        }
    }
    Ok(())
}

fn timestamp(option: &str, text: &str) -> Result<Timestamp, Failure> {
    text.parse().map_err(|_| {
        Failure::Failed(format!(
            "{option}: `{text}` is not an RFC 3339 date-time with an offset"
        ))
    })
}

/// Damage is reported on stderr, one line each; the readable data is still printed.
fn warn_damaged(damaged: &[String]) {
    for d in damaged {
        eprintln!("tend: warning: {d}");
    }
}
