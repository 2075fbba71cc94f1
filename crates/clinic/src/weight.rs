//! Weight: the trend over the period and the heart-failure rule of a rapid gain.
//!
//! Source (full citations in `docs/clinical-rules.md`): McDonagh TA, Metra M, et al. 2021 ESC
//! Guidelines for the diagnosis and treatment of acute and chronic heart failure. Eur Heart J
//! 2021;42(36):3599–3726 (patient self-care: weigh daily, act on "a sudden unexpected weight gain
//! of > 2 kg in 3 days"), and Jaarsma T, Hill L, Bayes-Genis A, et al. Self-care of heart failure
//! patients: practical management recommendations from the Heart Failure Association of the
//! European Society of Cardiology. Eur J Heart Fail 2021;23(1):157–174.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::{
    local_time::{date_of_day, LocalSample},
    statistics::mean,
};

/// A gain of more than this (kg) ...
pub const RAPID_GAIN_MORE_THAN_KG: f64 = 2.0;
/// ... within this many days is a rapid gain (ESC 2021; HFA 2021).
pub const RAPID_GAIN_WITHIN_DAYS: i64 = 3;

/// The weight of a period: the `weight` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WeightSummary {
    pub readings: u32,
    /// Local days with a weighing.
    pub days: u32,
    /// The day's weight is its first weighing (the morning weight self-care asks for).
    pub first_kg: f64,
    pub latest_kg: f64,
    /// `latest_kg - first_kg`.
    pub change_kg: f64,
    pub min_kg: f64,
    pub max_kg: f64,
    /// The least-squares slope of the daily weights, per 7 days; `null` with fewer than 2 days.
    pub trend_kg_per_week: Option<f64>,
    /// Each time the heart-failure rule fired: more than 2 kg gained within 3 days.
    pub rapid_gains: Vec<RapidGain>,
}

/// A gain of more than 2 kg within 3 days; overlapping ones are merged into one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RapidGain {
    /// The day of the lower weight.
    pub from: Date,
    /// The day of the higher weight.
    pub until: Date,
    /// The largest gain within 3 days in this episode, kg.
    pub gain_kg: f64,
}

/// One local day's weight, for the trend chart.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct WeightDay {
    pub date: Date,
    pub kg: f64,
}

/// The first weighing of each local day, from `samples` (kg, sorted by time).
pub fn daily_weights(samples: &[LocalSample]) -> Vec<(i64, f64)> {
    let mut days: Vec<(i64, f64)> = Vec::new();
    for sample in samples {
        let day = sample.day();
        if days.last().map(|(d, _)| *d) != Some(day) {
            days.push((day, sample.value));
        }
    }
    days
}

/// The chart's daily weights.
pub fn weight_days(samples: &[LocalSample]) -> Vec<WeightDay> {
    daily_weights(samples)
        .into_iter()
        .map(|(day, kg)| WeightDay {
            date: date_of_day(day),
            kg,
        })
        .collect()
}

/// The weight summary of `samples` (kg, sorted by time); `None` without any.
pub fn weight_summary(samples: &[LocalSample]) -> Option<WeightSummary> {
    let days = daily_weights(samples);
    let (_, first_kg) = *days.first()?;
    let (_, latest_kg) = *days.last()?;
    let values: Vec<f64> = samples.iter().map(|s| s.value).collect();
    Some(WeightSummary {
        readings: u32::try_from(samples.len()).unwrap_or(u32::MAX),
        days: u32::try_from(days.len()).unwrap_or(u32::MAX),
        first_kg,
        latest_kg,
        change_kg: latest_kg - first_kg,
        min_kg: values.iter().copied().fold(f64::INFINITY, f64::min),
        max_kg: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        trend_kg_per_week: slope_per_day(&days).map(|slope| slope * 7.0),
        rapid_gains: rapid_gains(&days),
    })
}

/// The least-squares slope (kg per day) of daily weights; `None` with fewer than 2 days.
fn slope_per_day(days: &[(i64, f64)]) -> Option<f64> {
    if days.len() < 2 {
        return None;
    }
    let origin = days[0].0;
    let xs: Vec<f64> = days.iter().map(|(d, _)| (d - origin) as f64).collect();
    let ys: Vec<f64> = days.iter().map(|(_, kg)| *kg).collect();
    let (mean_x, mean_y) = (mean(&xs)?, mean(&ys)?);
    let covariance: f64 = xs
        .iter()
        .zip(&ys)
        .map(|(x, y)| (x - mean_x) * (y - mean_y))
        .sum();
    let variance: f64 = xs.iter().map(|x| (x - mean_x) * (x - mean_x)).sum();
    (variance > 0.0).then(|| covariance / variance)
}

/// Every day whose weight is more than 2 kg above a weight of the 3 days before it; episodes
/// that overlap are merged.
pub fn rapid_gains(days: &[(i64, f64)]) -> Vec<RapidGain> {
    let mut episodes: Vec<(i64, i64, f64)> = Vec::new();
    for (index, &(day, kg)) in days.iter().enumerate() {
        let lowest_before = days[..index]
            .iter()
            .rev()
            .take_while(|(earlier, _)| day - earlier <= RAPID_GAIN_WITHIN_DAYS)
            .min_by(|a, b| a.1.total_cmp(&b.1));
        let Some(&(low_day, low_kg)) = lowest_before else {
            continue;
        };
        let gain = kg - low_kg;
        if gain <= RAPID_GAIN_MORE_THAN_KG {
            continue;
        }
        match episodes.last_mut() {
            Some(last) if low_day <= last.1 => {
                last.0 = last.0.min(low_day);
                last.1 = day;
                last.2 = last.2.max(gain);
            }
            _ => episodes.push((low_day, day, gain)),
        }
    }
    episodes
        .into_iter()
        .map(|(from, until, gain_kg)| RapidGain {
            from: date_of_day(from),
            until: date_of_day(until),
            gain_kg,
        })
        .collect()
}
