//! What a chart shows: one metric over a range as points (a bucket's mean with its min and max, or
//! a raw reading), in the unit the patient prefers, with the reference range and a summary.

use jiff::Timestamp;
use serde::Serialize;
use tend_vitals::{Metric, ReferenceRange, Unit};

use crate::{trends::TrendData, Error, Resolution, Result, Session};

/// A chart of one metric.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Chart {
    pub metric: Metric,
    pub unit: Unit,
    /// In time order; a raw reading is a point whose min, mean and max are equal.
    pub points: Vec<ChartPoint>,
    /// The patient's normal range ([`crate::Preferences::range_for`]), in `unit`.
    pub range: Option<ReferenceRange>,
    pub summary: ChartSummary,
    /// Stored chunks in the range that could not be read (damaged or tampered): named, never hidden.
    pub damaged: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChartPoint {
    /// Unix milliseconds: what chart libraries take.
    pub time_ms: f64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
    pub count: u32,
}

/// Mean, lowest and highest over the whole range, and how much of it was in the normal range.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ChartSummary {
    pub count: u32,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Readings in range as a share of all (raw), or of bucket means weighted by their counts.
    pub in_range_percent: Option<f64>,
}

impl Session {
    /// The chart of `metric` in `[from, until)` at `resolution`, in `unit` (default: the metric's
    /// own), with its reference range.
    pub async fn chart(
        &self,
        metric: Metric,
        from: Timestamp,
        until: Timestamp,
        resolution: Resolution,
        unit: Option<Unit>,
    ) -> Result<Chart> {
        let unit = unit.unwrap_or(metric.canonical_unit());
        if !metric.accepts(unit) {
            return Err(Error::InvalidInput(format!(
                "{metric} cannot be shown in {}",
                unit.ucum()
            )));
        }
        let trend = self.trend(metric, from, until, resolution).await?;
        let convert = |v: f64| trend.unit.convert(v, unit).unwrap_or(v);
        let millis = |t: Timestamp| t.as_millisecond() as f64;
        let points: Vec<ChartPoint> = match trend.data {
            TrendData::Raw(points) => points
                .into_iter()
                .map(|p| {
                    let v = convert(p.value);
                    ChartPoint {
                        time_ms: millis(p.time),
                        mean: v,
                        min: v,
                        max: v,
                        count: 1,
                    }
                })
                .collect(),
            TrendData::Buckets(buckets) => buckets
                .into_iter()
                .map(|b| ChartPoint {
                    time_ms: millis(b.start),
                    mean: convert(b.mean),
                    min: convert(b.min),
                    max: convert(b.max),
                    count: u32::try_from(b.count).unwrap_or(u32::MAX),
                })
                .collect(),
        };
        let range = self
            .preferences()
            .await?
            .range_for(metric)
            .map(|r| ReferenceRange {
                low: convert(r.low),
                high: convert(r.high),
            });
        Ok(Chart {
            metric,
            unit,
            summary: summarize(&points, range),
            points,
            range,
            damaged: trend.damaged,
        })
    }

    /// The metrics that have readings, in the vocabulary's order.
    pub async fn recorded_metrics(&self) -> Result<Vec<Metric>> {
        let series = self.vault.series().await?;
        let mut metrics: Vec<Metric> = series.data.iter().map(|s| s.metric()).collect();
        metrics.sort();
        metrics.dedup();
        Ok(metrics)
    }
}

fn summarize(points: &[ChartPoint], range: Option<ReferenceRange>) -> ChartSummary {
    let count: u64 = points.iter().map(|p| u64::from(p.count)).sum();
    if count == 0 {
        return ChartSummary {
            count: 0,
            mean: None,
            min: None,
            max: None,
            in_range_percent: None,
        };
    }
    let weighted = |f: &dyn Fn(&ChartPoint) -> f64| {
        points
            .iter()
            .map(|p| f(p) * f64::from(p.count))
            .sum::<f64>()
            / count as f64
    };
    ChartSummary {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        mean: Some(weighted(&|p| p.mean)),
        min: points.iter().map(|p| p.min).reduce(f64::min),
        max: points.iter().map(|p| p.max).reduce(f64::max),
        in_range_percent: range
            .map(|r| 100.0 * weighted(&|p| if r.contains(p.mean) { 1.0 } else { 0.0 })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(mean: f64, min: f64, max: f64, count: u32) -> ChartPoint {
        ChartPoint {
            time_ms: 0.0,
            mean,
            min,
            max,
            count,
        }
    }

    #[test]
    fn summary_weighs_buckets_by_their_readings() {
        let range = Some(ReferenceRange {
            low: 50.0,
            high: 100.0,
        });
        let summary = summarize(
            &[point(60.0, 55.0, 70.0, 3), point(120.0, 110.0, 130.0, 1)],
            range,
        );
        assert_eq!(summary.count, 4);
        assert_eq!(summary.mean, Some(75.0));
        assert_eq!(summary.min, Some(55.0));
        assert_eq!(summary.max, Some(130.0));
        assert_eq!(summary.in_range_percent, Some(75.0));
        let empty = summarize(&[], range);
        assert_eq!(
            (empty.count, empty.mean, empty.in_range_percent),
            (0, None, None)
        );
    }
}
