//! Blood oxygen (SpO2): the share of readings in the NHS oximetry@home bands, and a band below
//! 88 % for patients whose target is lower.
//!
//! Sources (full citations in `docs/clinical-rules.md`): NHS England. Pulse oximetry to detect
//! early deterioration of patients with COVID-19 in primary and community care settings (COVID
//! Oximetry @home), 2020–2021 — 95 % or above, 93–94 %, 92 % or below; O'Driscoll BR, Howard LS,
//! Earis J, Mak V. BTS guideline for oxygen use in adults in healthcare and emergency settings.
//! Thorax 2017;72(Suppl 1):ii1–ii90 — a target of 88–92 % for patients at risk of hypercapnic
//! respiratory failure.

use serde::{Deserialize, Serialize};

use crate::statistics::{percent, percentile_of_sorted, sort};

/// The patient's SpO2 target, set with their clinician.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Spo2Target {
    /// 95 % or above is expected (NHS oximetry@home).
    #[default]
    Standard,
    /// 88–92 % (BTS 2017: patients at risk of hypercapnic respiratory failure, such as COPD).
    Lower,
}

/// Shares (%) of readings by band. Readings are rounded to whole % first, as oximeters show them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Spo2Bands {
    /// 95 % or above.
    pub at_least_95: f64,
    /// 93 or 94 %.
    pub from_93_to_94: f64,
    /// 92 % or below.
    pub at_most_92: f64,
    /// Below 88 %: part of `at_most_92`; present only for a lower target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_88: Option<f64>,
}

/// The SpO2 of a period: the `spo2` section of the report's JSON.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Spo2Summary {
    pub readings: u32,
    pub median: f64,
    pub lowest: f64,
    pub bands_percent: Spo2Bands,
    pub target: Spo2Target,
}

/// The SpO2 summary of `values` (%); `None` without any.
pub fn spo2_summary(values: &[f64], target: Spo2Target) -> Option<Spo2Summary> {
    let mut sorted = values.to_vec();
    sort(&mut sorted);
    let median = percentile_of_sorted(&sorted, 50.0)?;
    let count = |keep: &dyn Fn(f64) -> bool| sorted.iter().filter(|v| keep(v.round())).count();
    let total = sorted.len();
    Some(Spo2Summary {
        readings: u32::try_from(total).unwrap_or(u32::MAX),
        median,
        lowest: sorted[0],
        bands_percent: Spo2Bands {
            at_least_95: percent(count(&|v| v >= 95.0), total),
            from_93_to_94: percent(count(&|v| (93.0..95.0).contains(&v)), total),
            at_most_92: percent(count(&|v| v <= 92.0), total),
            below_88: (target == Spo2Target::Lower).then(|| percent(count(&|v| v < 88.0), total)),
        },
        target,
    })
}
