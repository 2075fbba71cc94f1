//! Heart rate: median, interquartile range, and the share of readings below 50 and above
//! 120 bpm.
//!
//! Sources (full citations in `docs/clinical-rules.md`): Kusumoto FM, Schoenfeld MH, Barrett C,
//! et al. 2018 ACC/AHA/HRS Guideline on the Evaluation and Management of Patients With
//! Bradycardia and Cardiac Conduction Delay. Circulation 2019;140:e382–e482 — sinus bradycardia
//! below 50 bpm; the 120 bpm bound is Tend's default for a sustained fast rate at rest (a
//! setting; see the rules document).

use serde::{Deserialize, Serialize};

use crate::statistics::{percent, percentile_of_sorted, sort};

/// Below this (bpm, after rounding) a reading counts as slow.
pub const SLOW_BELOW_BPM: f64 = 50.0;
/// Above this (bpm, after rounding) a reading counts as fast.
pub const FAST_ABOVE_BPM: f64 = 120.0;

/// The heart rate of a period: the `heart_rate` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct HeartRateSummary {
    pub readings: u32,
    pub median: f64,
    /// 25th percentile.
    pub p25: f64,
    /// 75th percentile.
    pub p75: f64,
    /// Interquartile range: `p75 - p25`.
    pub iqr: f64,
    pub below_50_percent: f64,
    pub above_120_percent: f64,
}

/// The heart-rate summary of `values` (bpm); `None` without any.
pub fn heart_rate_summary(values: &[f64]) -> Option<HeartRateSummary> {
    let mut sorted = values.to_vec();
    sort(&mut sorted);
    let p25 = percentile_of_sorted(&sorted, 25.0)?;
    let median = percentile_of_sorted(&sorted, 50.0)?;
    let p75 = percentile_of_sorted(&sorted, 75.0)?;
    let total = sorted.len();
    Some(HeartRateSummary {
        readings: u32::try_from(total).unwrap_or(u32::MAX),
        median,
        p25,
        p75,
        iqr: p75 - p25,
        below_50_percent: percent(
            sorted.iter().filter(|v| v.round() < SLOW_BELOW_BPM).count(),
            total,
        ),
        above_120_percent: percent(
            sorted.iter().filter(|v| v.round() > FAST_ABOVE_BPM).count(),
            total,
        ),
    })
}
