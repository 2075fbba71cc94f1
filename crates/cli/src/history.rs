//! `tend import`, `tend export` and `tend trends`: history in, out, and as chart data.

use std::io::{IsTerminal, Write};
use std::path::Path;

use jiff::Timestamp;
use tend_core::{Resolution, Tend, TrendData};

use crate::{output, unlock, Failure};

pub async fn import(tend: &Tend, file: &Path, json: bool) -> Result<(), Failure> {
    let session = unlock::session(tend, true).await?;
    let show_progress = std::io::stderr().is_terminal();
    let summary = session
        .import_csv(file, |p| {
            if show_progress {
                eprint!("\rimported {} of {} rows", p.rows_done, p.rows_total);
            }
        })
        .await;
    if show_progress {
        eprintln!();
    }
    session.close().await?;
    let summary = summary?;
    if json {
        return output::json(&summary);
    }
    println!(
        "{} rows: {} readings stored, {} already there",
        summary.rows, summary.stored, summary.duplicates
    );
    Ok(())
}

pub async fn export(tend: &Tend) -> Result<(), Failure> {
    let session = unlock::session(tend, false).await?;
    let stdout = std::io::stdout().lock();
    let summary = session.export_csv(std::io::BufWriter::new(stdout)).await;
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
