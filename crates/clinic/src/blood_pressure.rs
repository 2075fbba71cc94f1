//! Home blood pressure by the home-monitoring protocol: a measuring week, the first day
//! discarded, the average of the rest against the home thresholds.
//!
//! Sources (full citations in `docs/clinical-rules.md`):
//! - Parati G, Stergiou GS, Asmar R, et al. European Society of Hypertension guidelines for
//!   blood pressure monitoring at home: a summary report of the Second International Consensus
//!   Conference on Home Blood Pressure Monitoring. J Hypertens 2008;26(8):1505–1526 — 7 days
//!   (at least 3 measuring days), duplicate morning and evening readings, the first day
//!   discarded, at least 12 readings averaged; home hypertension ≥ 135/85 mmHg.
//! - Stergiou GS, Palatini P, Parati G, et al. 2021 European Society of Hypertension practice
//!   guidelines for office and out-of-office blood pressure measurement. J Hypertens
//!   2021;39(7):1293–1302 — the same protocol and threshold.
//! - Muntner P, Shimbo D, Carey RM, et al. Measurement of Blood Pressure in Humans: A Scientific
//!   Statement From the American Heart Association. Hypertension 2019;73(5):e35–e66, and Whelton
//!   PK, Carey RM, et al. 2017 ACC/AHA guideline, Hypertension 2018;71(6):e13–e115, table 11 —
//!   the home equivalents: 130/80 (elevated, AHA stage 1) and 135/85 (hypertension).

use std::collections::BTreeMap;

use jiff::{civil::Date, Timestamp};
use serde::{Deserialize, Serialize};
use tend_vitals::{Metric, QualityFlag, Reading};

use crate::{
    local_time::{date_of_day, local_seconds},
    statistics::mean,
};

/// A home average at or above this systolic (mmHg) is hypertension (ESH 2008, 2021; AHA 2019).
pub const HYPERTENSION_SYSTOLIC_AT_LEAST: f64 = 135.0;
/// A home average at or above this diastolic (mmHg) is hypertension.
pub const HYPERTENSION_DIASTOLIC_AT_LEAST: f64 = 85.0;
/// A home average below this systolic (and below the diastolic one) is normal (AHA/ACC 2017
/// table 11: home 130/80 corresponds to office 130/80).
pub const NORMAL_SYSTOLIC_BELOW: f64 = 130.0;
pub const NORMAL_DIASTOLIC_BELOW: f64 = 80.0;
/// The measuring week (ESH 2008).
pub const PROTOCOL_DAYS: i64 = 7;
/// The fewest days a measuring week may have, the discarded first day included (ESH 2008: at
/// least 3 days are averaged).
pub const PROTOCOL_MINIMUM_DAYS: u32 = 4;
/// The fewest readings the average may rest on (ESH 2008).
pub const PROTOCOL_MINIMUM_READINGS: u32 = 12;

/// One blood-pressure measurement: a systolic and a diastolic reading taken together.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BloodPressureReading {
    pub at: Timestamp,
    pub systolic_mm_hg: f64,
    pub diastolic_mm_hg: f64,
    /// False when the cuff said it was not measured properly (movement, loose cuff, wrong
    /// position, an error): such a reading is left out of the average.
    pub valid: bool,
}

/// Whether a reading's quality flags leave it fit for the home average.
pub fn valid_for_home_average(reading: &Reading) -> bool {
    ![
        QualityFlag::BodyMovement,
        QualityFlag::CuffFitLoose,
        QualityFlag::ImproperPosition,
        QualityFlag::PulseRateOutOfRange,
        QualityFlag::EarlyEstimate,
        QualityFlag::Invalid,
        QualityFlag::DeviceFault,
        QualityFlag::NotPatientData,
    ]
    .into_iter()
    .any(|flag| reading.quality.contains(flag))
}

/// Pairs systolic and diastolic readings taken at the same instant into measurements, sorted
/// by time. A systolic without its diastolic (or the reverse) is left out; other metrics are
/// ignored.
pub fn pair_blood_pressure<'a>(
    readings: impl IntoIterator<Item = &'a Reading>,
) -> Vec<BloodPressureReading> {
    let mut at: BTreeMap<Timestamp, (Option<&Reading>, Option<&Reading>)> = BTreeMap::new();
    for reading in readings {
        match reading.metric {
            Metric::Systolic => at.entry(reading.time).or_default().0 = Some(reading),
            Metric::Diastolic => at.entry(reading.time).or_default().1 = Some(reading),
            _ => {}
        }
    }
    at.into_iter()
        .filter_map(|(at, pair)| match pair {
            (Some(systolic), Some(diastolic)) => Some(BloodPressureReading {
                at,
                systolic_mm_hg: systolic.value(),
                diastolic_mm_hg: diastolic.value(),
                valid: valid_for_home_average(systolic) && valid_for_home_average(diastolic),
            }),
            _ => None,
        })
        .collect()
}

/// What the home average says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum HomeBloodPressureClass {
    /// Below 130/80.
    Normal,
    /// 130–134 systolic or 80–84 diastolic: above the AHA/ACC home equivalent of 130/80, below
    /// the ESH home threshold of 135/85 (ESH would call it high-normal).
    Elevated,
    /// 135 systolic or 85 diastolic or more.
    Hypertension,
    /// Fewer than 12 valid readings or fewer than 3 days after the first: the average is shown
    /// but not classified.
    Insufficient,
}

impl HomeBloodPressureClass {
    /// The class of a home average that rests on enough readings.
    pub fn of_average(systolic: f64, diastolic: f64) -> HomeBloodPressureClass {
        if systolic >= HYPERTENSION_SYSTOLIC_AT_LEAST
            || diastolic >= HYPERTENSION_DIASTOLIC_AT_LEAST
        {
            HomeBloodPressureClass::Hypertension
        } else if systolic < NORMAL_SYSTOLIC_BELOW && diastolic < NORMAL_DIASTOLIC_BELOW {
            HomeBloodPressureClass::Normal
        } else {
            HomeBloodPressureClass::Elevated
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            HomeBloodPressureClass::Normal => "normal (home average below 130/80 mmHg)",
            HomeBloodPressureClass::Elevated => "elevated (home average 130/80 to 134/84 mmHg)",
            HomeBloodPressureClass::Hypertension => "hypertension (home average 135/85 mmHg or more)",
            HomeBloodPressureClass::Insufficient => {
                "not classified: the protocol needs at least 12 valid readings over at least 3 days after the first"
            }
        }
    }
}

/// The home blood pressure of a period: the `blood_pressure` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BloodPressureSummary {
    pub systolic_mean: f64,
    pub diastolic_mean: f64,
    /// Valid readings the means rest on.
    pub readings: u32,
    /// Local days those readings were taken on (the discarded first day not counted).
    pub days: u32,
    pub classification: HomeBloodPressureClass,
}

impl BloodPressureSummary {
    /// The label in plain words: the average, its class, and what it rests on.
    pub fn label(&self) -> String {
        format!(
            "Home average {:.1}/{:.1} mmHg from {} valid reading{} on {} day{} (first day of the week left out): {}.",
            self.systolic_mean,
            self.diastolic_mean,
            self.readings,
            if self.readings == 1 { "" } else { "s" },
            self.days,
            if self.days == 1 { "" } else { "s" },
            self.classification.describe()
        )
    }
}

/// The home-protocol summary of `readings` (sorted by time, all in the period) on the clock of
/// the zone whose offsets `local` gives; `None` without a valid reading.
///
/// The measuring week is the 7 local days ending with the last day that has a valid reading.
/// Its first day with readings is discarded (when another day follows); the means are over every
/// valid reading of the remaining days. The average is classified only when it rests on at least
/// 12 readings and 3 days.
pub fn home_blood_pressure(
    readings: &[BloodPressureReading],
    zone: &jiff::tz::TimeZone,
) -> Option<BloodPressureSummary> {
    let valid: Vec<(i64, &BloodPressureReading)> = readings
        .iter()
        .filter(|r| r.valid)
        .map(|r| (local_seconds(r.at, zone).div_euclid(86_400), r))
        .collect();
    let last_day = valid.iter().map(|(day, _)| *day).max()?;
    let week: Vec<&(i64, &BloodPressureReading)> = valid
        .iter()
        .filter(|(day, _)| *day > last_day - PROTOCOL_DAYS)
        .collect();
    let first_day = week.iter().map(|(day, _)| *day).min()?;
    let kept: Vec<&(i64, &BloodPressureReading)> = if first_day == last_day {
        week
    } else {
        week.into_iter()
            .filter(|(day, _)| *day != first_day)
            .collect()
    };
    let systolic: Vec<f64> = kept.iter().map(|(_, r)| r.systolic_mm_hg).collect();
    let diastolic: Vec<f64> = kept.iter().map(|(_, r)| r.diastolic_mm_hg).collect();
    let mut days: Vec<i64> = kept.iter().map(|(day, _)| *day).collect();
    days.dedup();
    let readings = u32::try_from(kept.len()).unwrap_or(u32::MAX);
    let days = u32::try_from(days.len()).unwrap_or(u32::MAX);
    let systolic_mean = mean(&systolic)?;
    let diastolic_mean = mean(&diastolic)?;
    let enough = readings >= PROTOCOL_MINIMUM_READINGS && days >= PROTOCOL_MINIMUM_DAYS - 1;
    Some(BloodPressureSummary {
        systolic_mean,
        diastolic_mean,
        readings,
        days,
        classification: if enough {
            HomeBloodPressureClass::of_average(systolic_mean, diastolic_mean)
        } else {
            HomeBloodPressureClass::Insufficient
        },
    })
}

/// One local day of blood pressure, for the daily chart.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct BloodPressureDay {
    pub date: Date,
    pub readings: u32,
    pub systolic_mean: f64,
    pub diastolic_mean: f64,
    pub systolic_min: f64,
    pub systolic_max: f64,
    pub diastolic_min: f64,
    pub diastolic_max: f64,
}

/// Valid `readings` (sorted by time) by local day.
pub fn blood_pressure_days(
    readings: &[BloodPressureReading],
    zone: &jiff::tz::TimeZone,
) -> Vec<BloodPressureDay> {
    let mut days: BTreeMap<i64, Vec<&BloodPressureReading>> = BTreeMap::new();
    for reading in readings.iter().filter(|r| r.valid) {
        days.entry(local_seconds(reading.at, zone).div_euclid(86_400))
            .or_default()
            .push(reading);
    }
    days.into_iter()
        .filter_map(|(day, list)| {
            let systolic: Vec<f64> = list.iter().map(|r| r.systolic_mm_hg).collect();
            let diastolic: Vec<f64> = list.iter().map(|r| r.diastolic_mm_hg).collect();
            Some(BloodPressureDay {
                date: date_of_day(day),
                readings: u32::try_from(list.len()).unwrap_or(u32::MAX),
                systolic_mean: mean(&systolic)?,
                diastolic_mean: mean(&diastolic)?,
                systolic_min: systolic.iter().copied().fold(f64::INFINITY, f64::min),
                systolic_max: systolic.iter().copied().fold(f64::NEG_INFINITY, f64::max),
                diastolic_min: diastolic.iter().copied().fold(f64::INFINITY, f64::min),
                diastolic_max: diastolic.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            })
        })
        .collect()
}
