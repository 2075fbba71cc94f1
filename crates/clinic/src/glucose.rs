//! Glucose: the CGM summary of the international consensus on time in ranges, the glucose
//! profile by time of day, daily traces, and the summary of meter (spot) readings.
//!
//! Sources (full citations in `docs/clinical-rules.md`):
//! - Battelino T, Danne T, Bergenstal RM, et al. Clinical Targets for Continuous Glucose
//!   Monitoring Data Interpretation: Recommendations From the International Consensus on Time
//!   in Range. Diabetes Care 2019;42(8):1593–1603 — the five ranges, their targets, 14 days and
//!   70 % of CGM data, CV ≤ 36 %.
//! - Bergenstal RM, Beck RW, Close KL, et al. Glucose Management Indicator (GMI): A New Term for
//!   Estimating A1C From Continuous Glucose Monitoring. Diabetes Care 2018;41(11):2275–2280 —
//!   GMI (%) = 3.31 + 0.02392 × mean glucose (mg/dL).

use std::collections::BTreeMap;

use jiff::{civil::Date, SignedDuration};
use serde::{Deserialize, Serialize};

use crate::{
    local_time::{date_of_day, LocalSample},
    statistics::{mean, percent, percentile_of_sorted, sort, standard_deviation},
    Period,
};

/// Below this (mg/dL, after rounding) a reading is "very low": level 2 hypoglycaemia
/// (Battelino 2019).
pub const VERY_LOW_BELOW_MG_DL: f64 = 54.0;
/// Below this (mg/dL, after rounding) a reading is "low": level 1 hypoglycaemia (Battelino 2019).
pub const LOW_BELOW_MG_DL: f64 = 70.0;
/// Above this (mg/dL, after rounding) a reading is "high": level 1 hyperglycaemia (Battelino 2019).
pub const HIGH_ABOVE_MG_DL: f64 = 180.0;
/// Above this (mg/dL, after rounding) a reading is "very high": level 2 hyperglycaemia
/// (Battelino 2019).
pub const VERY_HIGH_ABOVE_MG_DL: f64 = 250.0;
/// A coefficient of variation at or below this is "stable" glucose (Battelino 2019, after
/// Monnier 2017).
pub const CV_STABLE_AT_MOST_PERCENT: f64 = 36.0;
/// Days of CGM data the consensus asks for before the metrics are read (Battelino 2019).
pub const SUFFICIENT_DAYS: u32 = 14;
/// Share of possible CGM readings the consensus asks for (Battelino 2019).
pub const SUFFICIENT_ACTIVE_PERCENT: f64 = 70.0;
/// The reading interval assumed when the data cannot show one: most CGMs read every 5 minutes.
pub const DEFAULT_CGM_INTERVAL: SignedDuration = SignedDuration::from_mins(5);

/// The five glucose ranges of the consensus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum GlucoseRange {
    /// < 54 mg/dL (< 3.0 mmol/L).
    VeryLow,
    /// 54–69 mg/dL (3.0–3.8 mmol/L).
    Low,
    /// 70–180 mg/dL (3.9–10.0 mmol/L).
    InRange,
    /// 181–250 mg/dL (10.1–13.9 mmol/L).
    High,
    /// > 250 mg/dL (> 13.9 mmol/L).
    VeryHigh,
}

/// The range a value (mg/dL) falls in.
///
/// The consensus draws its ranges on whole mg/dL (54, 69, 70, 180, 181, 250), as meters and
/// CGMs display them; a value with a fraction — most often one converted from mmol/L — is first
/// rounded to the nearest whole mg/dL, halves away from zero: 69.5 is 70 (in range), 180.4 is 180
/// (in range), 180.5 is 181 (high), 53.5 is 54 (low). With 18.016 mg/dL per mmol/L this puts
/// the consensus' own mmol/L boundaries on the right side: 3.0 → 54 (low), 3.9 → 70 (in range),
/// 10.0 → 180 (in range), 10.1 → 182 (high), 13.9 → 250 (high), 14.0 → 252 (very high).
pub fn glucose_range(mg_dl: f64) -> GlucoseRange {
    let whole = mg_dl.round();
    if whole < VERY_LOW_BELOW_MG_DL {
        GlucoseRange::VeryLow
    } else if whole < LOW_BELOW_MG_DL {
        GlucoseRange::Low
    } else if whole <= HIGH_ABOVE_MG_DL {
        GlucoseRange::InRange
    } else if whole <= VERY_HIGH_ABOVE_MG_DL {
        GlucoseRange::High
    } else {
        GlucoseRange::VeryHigh
    }
}

/// The Glucose Management Indicator (%) for a mean glucose in mg/dL (Bergenstal 2018).
pub fn gmi_percent(mean_mg_dl: f64) -> f64 {
    3.31 + 0.02392 * mean_mg_dl
}

/// The share of readings (%) in each range; they add up to 100.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct RangesPercent {
    pub very_low: f64,
    pub low: f64,
    pub in_range: f64,
    pub high: f64,
    pub very_high: f64,
}

/// One consensus target and whether the period met it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TargetCheck {
    /// What is measured, in plain words with its bounds in mg/dL.
    pub measure: &'static str,
    pub percent: f64,
    /// The target: above this share when `above_is_better` (time in range), else below it.
    pub target_percent: f64,
    pub above_is_better: bool,
    pub met: bool,
}

impl RangesPercent {
    /// The consensus targets for most adults with type 1 or type 2 diabetes (Battelino 2019,
    /// table 2): > 70 % in range, < 4 % below 70, < 1 % below 54, < 25 % above 180, < 5 %
    /// above 250.
    pub fn targets(&self) -> [TargetCheck; 5] {
        let below = |measure, percent, target_percent| TargetCheck {
            measure,
            percent,
            target_percent,
            above_is_better: false,
            met: percent < target_percent,
        };
        [
            TargetCheck {
                measure: "In range (70–180 mg/dL)",
                percent: self.in_range,
                target_percent: 70.0,
                above_is_better: true,
                met: self.in_range > 70.0,
            },
            below("Below 70 mg/dL", self.very_low + self.low, 4.0),
            below("Below 54 mg/dL", self.very_low, 1.0),
            below("Above 180 mg/dL", self.high + self.very_high, 25.0),
            below("Above 250 mg/dL", self.very_high, 5.0),
        ]
    }
}

/// The CGM summary of a period: the `glucose` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GlucoseSummary {
    /// Local calendar days with at least one CGM reading.
    pub days: u32,
    /// Share (%) of the period's expected readings (one per reading interval) that are there.
    pub active_percent: f64,
    pub mean_mg_dl: f64,
    pub gmi_percent: f64,
    /// Coefficient of variation: standard deviation over mean, in %. ≤ 36 % is stable.
    pub cv_percent: f64,
    /// Shares of readings, not of time.
    pub ranges_percent: RangesPercent,
    /// At least 14 days and at least 70 % active ([`GlucoseSummary::sufficiency`] says what is missing).
    pub sufficient: bool,
}

/// Whether there is enough CGM data to read the metrics, and if not what is missing.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "sufficiency", rename_all = "snake_case")]
pub enum Sufficiency {
    Sufficient,
    Insufficient {
        /// Days of data still missing to reach 14 (0 if there are enough).
        days_missing: u32,
        /// Percentage points of sensor activity missing to reach 70 (0 if there are enough).
        active_percent_missing: f64,
    },
}

impl GlucoseSummary {
    pub fn sufficiency(&self) -> Sufficiency {
        if self.sufficient {
            return Sufficiency::Sufficient;
        }
        Sufficiency::Insufficient {
            days_missing: SUFFICIENT_DAYS.saturating_sub(self.days),
            active_percent_missing: (SUFFICIENT_ACTIVE_PERCENT - self.active_percent).max(0.0),
        }
    }

    /// The sufficiency label in plain words, for the PDF and the app.
    pub fn sufficiency_label(&self) -> String {
        match self.sufficiency() {
            Sufficiency::Sufficient => format!(
                "Enough data: {} days, sensor active {:.0} % of the time (the consensus asks for 14 days and 70 %).",
                self.days, self.active_percent
            ),
            Sufficiency::Insufficient { days_missing, active_percent_missing } => {
                let mut missing = Vec::new();
                if days_missing > 0 {
                    missing.push(format!("{days_missing} more day{} of data", if days_missing == 1 { "" } else { "s" }));
                }
                if active_percent_missing > 0.0 {
                    missing.push(format!(
                        "the sensor active at least 70 % of the time (it was {:.0} %)",
                        self.active_percent
                    ));
                }
                format!(
                    "Not enough data to rely on these figures: needs {}.",
                    missing.join(" and ")
                )
            }
        }
    }

    /// Whether glucose variability is in the stable band (CV ≤ 36 %).
    pub fn stable(&self) -> bool {
        self.cv_percent <= CV_STABLE_AT_MOST_PERCENT
    }
}

/// The reading interval the data shows: the median gap between consecutive readings, in whole
/// minutes from 1 to 15; 5 minutes when there are too few readings to tell.
pub fn reading_interval(samples: &[LocalSample]) -> SignedDuration {
    let mut gaps: Vec<f64> = samples
        .windows(2)
        .map(|pair| pair[1].at.duration_since(pair[0].at).as_secs_f64())
        .filter(|gap| *gap > 0.0)
        .collect();
    sort(&mut gaps);
    match percentile_of_sorted(&gaps, 50.0) {
        Some(median) => {
            let minutes = (median / 60.0).round().clamp(1.0, 15.0);
            SignedDuration::from_mins(minutes as i64)
        }
        None => DEFAULT_CGM_INTERVAL,
    }
}

/// The CGM summary of `samples` (mg/dL, sorted by time, all inside `period`); `None` when
/// there are none. `interval` overrides the interval the data shows.
pub fn cgm_summary(
    samples: &[LocalSample],
    period: Period,
    interval: Option<SignedDuration>,
) -> Option<GlucoseSummary> {
    let values: Vec<f64> = samples.iter().map(|s| s.value).collect();
    let mean_mg_dl = mean(&values)?;
    let deviation = standard_deviation(&values)?;
    let interval = interval
        .filter(|i| i.is_positive())
        .unwrap_or_else(|| reading_interval(samples));
    let active_percent = active_percent(samples, period, interval);
    let mut days: Vec<i64> = samples.iter().map(LocalSample::day).collect();
    days.dedup();
    let days = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let ranges_percent = ranges_percent(&values);
    Some(GlucoseSummary {
        days,
        active_percent,
        mean_mg_dl,
        gmi_percent: gmi_percent(mean_mg_dl),
        cv_percent: if mean_mg_dl > 0.0 {
            100.0 * deviation / mean_mg_dl
        } else {
            0.0
        },
        ranges_percent,
        sufficient: days >= SUFFICIENT_DAYS && active_percent >= SUFFICIENT_ACTIVE_PERCENT,
    })
}

/// The share of readings in each range.
pub fn ranges_percent(values: &[f64]) -> RangesPercent {
    let mut counts = [0usize; 5];
    for value in values {
        counts[glucose_range(*value) as usize] += 1;
    }
    let share = |range: GlucoseRange| percent(counts[range as usize], values.len());
    RangesPercent {
        very_low: share(GlucoseRange::VeryLow),
        low: share(GlucoseRange::Low),
        in_range: share(GlucoseRange::InRange),
        high: share(GlucoseRange::High),
        very_high: share(GlucoseRange::VeryHigh),
    }
}

/// The share (%) of the period's reading slots (one per `interval`, counted from the period's
/// start) that hold at least one reading; at most 100.
fn active_percent(samples: &[LocalSample], period: Period, interval: SignedDuration) -> f64 {
    let step = interval.as_secs().max(1);
    let start = period.from.as_second();
    let slots = (period.until.as_second() - start + step - 1) / step;
    let mut covered = 0usize;
    let mut last_slot = None;
    for sample in samples {
        let slot = (sample.at.as_second() - start).div_euclid(step);
        if last_slot != Some(slot) {
            covered += 1;
            last_slot = Some(slot);
        }
    }
    (percent(covered, usize::try_from(slots.max(1)).unwrap_or(usize::MAX))).min(100.0)
}

/// Glucose by time of day: percentiles of all readings in each slot of the local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GlucoseProfile {
    pub slot_minutes: u32,
    /// One per slot from local midnight; slots without readings are left out.
    pub slots: Vec<ProfileSlot>,
}

/// The 5th, 25th, 50th, 75th and 95th percentiles (mg/dL) of the readings in one slot.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ProfileSlot {
    /// Minutes after local midnight at which the slot starts.
    pub start_minute: u32,
    pub readings: u32,
    pub p5: f64,
    pub p25: f64,
    pub p50: f64,
    pub p75: f64,
    pub p95: f64,
}

/// The glucose profile of `samples` in slots of `slot_minutes` (a divisor of 1440 is best;
/// clamped to 5–240).
pub fn glucose_profile(samples: &[LocalSample], slot_minutes: u32) -> GlucoseProfile {
    let slot_minutes = slot_minutes.clamp(5, 240);
    let slot_seconds = i64::from(slot_minutes) * 60;
    let count = 1440_u32.div_ceil(slot_minutes);
    let mut by_slot: Vec<Vec<f64>> = vec![Vec::new(); count as usize];
    for sample in samples {
        let slot = (sample.second_of_day() / slot_seconds) as usize;
        if let Some(values) = by_slot.get_mut(slot) {
            values.push(sample.value);
        }
    }
    let slots = by_slot
        .into_iter()
        .enumerate()
        .filter_map(|(index, mut values)| {
            sort(&mut values);
            let p = |q| percentile_of_sorted(&values, q);
            Some(ProfileSlot {
                start_minute: index as u32 * slot_minutes,
                readings: u32::try_from(values.len()).unwrap_or(u32::MAX),
                p5: p(5.0)?,
                p25: p(25.0)?,
                p50: p(50.0)?,
                p75: p(75.0)?,
                p95: p(95.0)?,
            })
        })
        .collect();
    GlucoseProfile {
        slot_minutes,
        slots,
    }
}

/// One local day of CGM readings, for the daily traces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DailyTrace {
    pub date: Date,
    pub points: Vec<TracePoint>,
}

/// One reading of a daily trace.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct TracePoint {
    /// Minutes after local midnight.
    pub minute: f32,
    pub mg_dl: f32,
}

/// `samples` (sorted by time) split into local days.
pub fn daily_traces(samples: &[LocalSample]) -> Vec<DailyTrace> {
    let mut days: Vec<DailyTrace> = Vec::new();
    let mut current_day = None;
    for sample in samples {
        let day = sample.day();
        if current_day != Some(day) {
            current_day = Some(day);
            days.push(DailyTrace {
                date: date_of_day(day),
                points: Vec::new(),
            });
        }
        if let Some(trace) = days.last_mut() {
            trace.points.push(TracePoint {
                minute: sample.second_of_day() as f32 / 60.0,
                mg_dl: sample.value as f32,
            });
        }
    }
    days
}

/// Parts of the local day that meter readings are grouped by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum TimeOfDay {
    /// 00:00–05:59
    Night,
    /// 06:00–11:59
    Morning,
    /// 12:00–17:59
    Afternoon,
    /// 18:00–23:59
    Evening,
}

impl TimeOfDay {
    pub const ALL: [TimeOfDay; 4] = [
        TimeOfDay::Night,
        TimeOfDay::Morning,
        TimeOfDay::Afternoon,
        TimeOfDay::Evening,
    ];

    pub fn of(sample: &LocalSample) -> TimeOfDay {
        match sample.second_of_day() / 3600 {
            0..=5 => TimeOfDay::Night,
            6..=11 => TimeOfDay::Morning,
            12..=17 => TimeOfDay::Afternoon,
            _ => TimeOfDay::Evening,
        }
    }

    /// The local hours it covers, `[from, until)`.
    pub fn hours(self) -> (u32, u32) {
        match self {
            TimeOfDay::Night => (0, 6),
            TimeOfDay::Morning => (6, 12),
            TimeOfDay::Afternoon => (12, 18),
            TimeOfDay::Evening => (18, 24),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TimeOfDay::Night => "night",
            TimeOfDay::Morning => "morning",
            TimeOfDay::Afternoon => "afternoon",
            TimeOfDay::Evening => "evening",
        }
    }
}

/// Meter (spot) readings over a period: the `glucose_meter` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct GlucoseMeterSummary {
    pub readings: u32,
    pub mean_mg_dl: f64,
    /// Readings below 70 mg/dL (after rounding to whole mg/dL).
    pub below_70: u32,
    /// Readings below 54 mg/dL (after rounding): part of `below_70`.
    pub below_54: u32,
    /// Readings above 180 mg/dL (after rounding).
    pub above_180: u32,
    /// The same, per part of the local day; parts without readings are left out.
    pub by_time_of_day: Vec<MeterTimeOfDay>,
}

/// Meter readings in one part of the local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MeterTimeOfDay {
    pub time_of_day: TimeOfDay,
    pub from_hour: u32,
    pub until_hour: u32,
    pub readings: u32,
    pub mean_mg_dl: f64,
    pub below_70: u32,
    pub above_180: u32,
}

/// The summary of meter readings (mg/dL); `None` when there are none.
pub fn meter_summary(samples: &[LocalSample]) -> Option<GlucoseMeterSummary> {
    let count = |values: &[f64], range: &dyn Fn(GlucoseRange) -> bool| {
        u32::try_from(values.iter().filter(|v| range(glucose_range(**v))).count())
            .unwrap_or(u32::MAX)
    };
    let below_70 = |r: GlucoseRange| r <= GlucoseRange::Low;
    let above_180 = |r: GlucoseRange| r >= GlucoseRange::High;
    let values: Vec<f64> = samples.iter().map(|s| s.value).collect();
    let mean_mg_dl = mean(&values)?;
    let mut parts: BTreeMap<TimeOfDay, Vec<f64>> = BTreeMap::new();
    for sample in samples {
        parts
            .entry(TimeOfDay::of(sample))
            .or_default()
            .push(sample.value);
    }
    let by_time_of_day = parts
        .into_iter()
        .filter_map(|(time_of_day, values)| {
            let (from_hour, until_hour) = time_of_day.hours();
            Some(MeterTimeOfDay {
                time_of_day,
                from_hour,
                until_hour,
                readings: u32::try_from(values.len()).unwrap_or(u32::MAX),
                mean_mg_dl: mean(&values)?,
                below_70: count(&values, &below_70),
                above_180: count(&values, &above_180),
            })
        })
        .collect();
    Some(GlucoseMeterSummary {
        readings: u32::try_from(values.len()).unwrap_or(u32::MAX),
        mean_mg_dl,
        below_70: count(&values, &below_70),
        below_54: count(&values, &|r| r == GlucoseRange::VeryLow),
        above_180: count(&values, &above_180),
        by_time_of_day,
    })
}
