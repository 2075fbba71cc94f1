//! Chart data for one metric over a range: buckets (min/max/mean/count) or raw readings, in the
//! metric's canonical unit, from every device.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tend_vitals::{Metric, Unit};

use crate::{Error, Result, Session};

/// How finely to chart: raw readings, or buckets of a fixed width aligned to the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Raw,
    Buckets(SignedDuration),
}

impl std::str::FromStr for Resolution {
    type Err = Error;

    /// `raw`, or a width such as `1m`, `5m`, `1h`, `1d`.
    fn from_str(text: &str) -> Result<Resolution> {
        if text == "raw" {
            return Ok(Resolution::Raw);
        }
        let bad = || {
            Error::InvalidInput(format!(
                "`{text}` is not a bucket width (raw, or a number with s, m, h or d: 1m, 1h, 1d)"
            ))
        };
        let split = text.find(|c: char| !c.is_ascii_digit()).ok_or_else(bad)?;
        let (number, unit) = text.split_at(split);
        let n: i64 = number.parse().ok().filter(|n| *n > 0).ok_or_else(bad)?;
        let seconds = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            _ => return Err(bad()),
        };
        Ok(Resolution::Buckets(SignedDuration::from_secs(
            n.checked_mul(seconds).ok_or_else(bad)?,
        )))
    }
}

/// One bucket of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendBucket {
    pub start: Timestamp,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
    pub count: u64,
}

/// One raw reading of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct TrendPoint {
    pub time: Timestamp,
    pub value: f64,
}

/// A chart's data, the unit its values are in, and what could not be read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trend {
    pub metric: Metric,
    pub unit: Unit,
    pub data: TrendData,
    pub damaged: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum TrendData {
    Buckets(Vec<TrendBucket>),
    Raw(Vec<TrendPoint>),
}

impl Session {
    pub async fn trend(
        &self,
        metric: Metric,
        from: Timestamp,
        until: Timestamp,
        resolution: Resolution,
    ) -> Result<Trend> {
        if from >= until {
            return Err(Error::InvalidInput(
                "the start of the range must be before its end".into(),
            ));
        }
        let unit = metric.canonical_unit();
        let (data, damaged) = match resolution {
            Resolution::Raw => {
                let read = self.vault.read_raw(metric, from, until).await?;
                let points = read
                    .data
                    .into_iter()
                    .map(|s| {
                        let value = s
                            .sample
                            .unit
                            .convert(s.sample.value, unit)
                            .map_err(|e| Error::InvalidInput(e.to_string()))?;
                        Ok(TrendPoint {
                            time: s.sample.time,
                            value,
                        })
                    })
                    .collect::<Result<_>>()?;
                (TrendData::Raw(points), read.damaged)
            }
            Resolution::Buckets(width) => {
                let read = self.vault.read_buckets(metric, from, until, width).await?;
                let buckets = read
                    .data
                    .into_iter()
                    .map(|b| TrendBucket {
                        start: b.start,
                        min: b.min,
                        max: b.max,
                        mean: b.mean,
                        count: b.count,
                    })
                    .collect();
                (TrendData::Buckets(buckets), read.damaged)
            }
        };
        Ok(Trend {
            metric,
            unit,
            data,
            damaged: damaged.iter().map(ToString::to_string).collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolutions() {
        let check = |text: &str, expected: Option<Resolution>| {
            assert_eq!(text.parse::<Resolution>().ok(), expected, "{text}")
        };
        check("raw", Some(Resolution::Raw));
        check(
            "1m",
            Some(Resolution::Buckets(SignedDuration::from_mins(1))),
        );
        check(
            "1h",
            Some(Resolution::Buckets(SignedDuration::from_hours(1))),
        );
        check(
            "1d",
            Some(Resolution::Buckets(SignedDuration::from_hours(24))),
        );
        check(
            "15s",
            Some(Resolution::Buckets(SignedDuration::from_secs(15))),
        );
        for bad in ["", "0m", "1w", "m", "-1h", "1.5h", "99999999999999999999d"] {
            check(bad, None);
        }
    }
}
