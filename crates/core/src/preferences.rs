//! The patient's preferences: the units values are shown in, and the app's look. Kept sealed in
//! the vault, so they travel with the history.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tend_clinic::Spo2Target;
use tend_vault::RecordKind;
use tend_vitals::{Metric, ReferenceRange, Unit};

use crate::{Error, Result, Session};

const PREFERENCES: &str = "preferences";

/// What the patient chose about how Tend shows their numbers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(default)]
pub struct Preferences {
    /// `mg/dL` or `mmol/L`.
    pub glucose: Unit,
    /// `kg` or `[lb_av]`.
    pub weight: Unit,
    /// `Cel` or `[degF]`.
    pub temperature: Unit,
    pub theme: Theme,
    /// The name the clinic report carries on every page (none: "Patient").
    pub patient_name: Option<String>,
    /// The SpO2 the patient's clinician expects: 95 % and above, or 88–92 % (COPD and others).
    pub spo2_target: Spo2Target,
    /// Alert thresholds the patient (with their clinician) set, in each metric's canonical unit;
    /// the clinical defaults apply to the others.
    pub thresholds: BTreeMap<Metric, ReferenceRange>,
    /// Whether notifications name the medication (and reminders show more than "Time for your
    /// 8:00 medication"). Off by default: a phone's or laptop's lock screen shows notifications
    /// to whoever looks. Only an unlocked Tend can name anything.
    pub detailed_notifications: bool,
    /// How long a live stream (heart rate, SpO2, CGM glucose) must stay outside its range before
    /// Tend alerts, in minutes: 10 by default, as clinicians set home monitors; 0 alerts at once.
    pub alert_after_minutes: u32,
    /// How long the app stays unlocked without the patient touching it, in minutes (1–60; 15 by
    /// default). Only the patient's own input counts: live readings, reminders, device events
    /// and sharing in the background never keep it open.
    pub lock_after_minutes: u32,
}

/// The longest wait before a stream out of range alerts that Settings offers.
pub const LONGEST_ALERT_WAIT_MINUTES: u32 = 60;
/// The shortest and longest idle time before the app locks that Settings offers.
pub const LOCK_AFTER_MINUTES: std::ops::RangeInclusive<u32> = 1..=60;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

impl Default for Preferences {
    fn default() -> Preferences {
        Preferences {
            glucose: Unit::MilligramPerDecilitre,
            weight: Unit::Kilogram,
            temperature: Unit::Celsius,
            theme: Theme::System,
            patient_name: None,
            spo2_target: Spo2Target::Standard,
            thresholds: BTreeMap::new(),
            detailed_notifications: false,
            alert_after_minutes: 10,
            lock_after_minutes: 15,
        }
    }
}

impl Preferences {
    /// The unit `metric` is shown in.
    pub fn unit_for(&self, metric: Metric) -> Unit {
        match metric {
            Metric::Glucose => self.glucose,
            Metric::Weight => self.weight,
            Metric::BodyTemperature => self.temperature,
            other => other.canonical_unit(),
        }
    }

    /// How long the app stays unlocked without the patient's input.
    pub fn lock_after(&self) -> jiff::SignedDuration {
        jiff::SignedDuration::from_mins(i64::from(self.lock_after_minutes))
    }

    /// The patient's normal range for `metric`, in its canonical unit: the one they (with their
    /// clinician) set, else the adult default. The one range charts shade, alerts watch, and the
    /// app calls "your normal range".
    pub fn range_for(&self, metric: Metric) -> Option<ReferenceRange> {
        self.thresholds
            .get(&metric)
            .copied()
            .or_else(|| ReferenceRange::adult_default(metric))
    }
}

/// One metric's normal range, as the patient sees and edits it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NormalRange {
    pub metric: Metric,
    /// The unit `range` and `default` are in: the metric's canonical one.
    pub unit: Unit,
    /// What [`Preferences::range_for`] says: the patient's own, else the default.
    pub range: ReferenceRange,
    /// The adult default, for "back to the default".
    pub default: ReferenceRange,
}

/// The metrics whose normal range the patient sees and may change, in the order shown.
pub const RANGED_METRICS: [Metric; 7] = [
    Metric::HeartRate,
    Metric::Spo2,
    Metric::Systolic,
    Metric::Diastolic,
    Metric::BodyTemperature,
    Metric::Glucose,
    Metric::RespiratoryRate,
];

impl Preferences {
    /// Every patient-facing normal range.
    pub fn normal_ranges(&self) -> Vec<NormalRange> {
        RANGED_METRICS
            .into_iter()
            .filter_map(|metric| {
                Some(NormalRange {
                    metric,
                    unit: metric.canonical_unit(),
                    range: self.range_for(metric)?,
                    default: ReferenceRange::adult_default(metric)?,
                })
            })
            .collect()
    }
}

impl Session {
    pub async fn preferences(&self) -> Result<Preferences> {
        Ok(self
            .vault
            .get_record(RecordKind::Setting, PREFERENCES)
            .await?
            .unwrap_or_default())
    }

    /// Stores `preferences` after checking each unit measures what it is for.
    pub async fn set_preferences(&self, preferences: Preferences) -> Result<Preferences> {
        for (metric, unit) in [
            (Metric::Glucose, preferences.glucose),
            (Metric::Weight, preferences.weight),
            (Metric::BodyTemperature, preferences.temperature),
        ] {
            if !metric.accepts(unit) {
                return Err(Error::InvalidInput(format!(
                    "{metric} cannot be shown in {}",
                    unit.ucum()
                )));
            }
        }
        if preferences.alert_after_minutes > LONGEST_ALERT_WAIT_MINUTES {
            return Err(Error::InvalidInput(format!(
                "alerts wait at most {LONGEST_ALERT_WAIT_MINUTES} minutes"
            )));
        }
        if !LOCK_AFTER_MINUTES.contains(&preferences.lock_after_minutes) {
            return Err(Error::InvalidInput(format!(
                "Tend locks after {} to {} minutes unused",
                LOCK_AFTER_MINUTES.start(),
                LOCK_AFTER_MINUTES.end()
            )));
        }
        for (metric, range) in &preferences.thresholds {
            if !(range.low.is_finite() && range.high.is_finite() && range.low < range.high) {
                return Err(Error::InvalidInput(format!(
                    "the {metric} alert range needs a lower limit below the upper one"
                )));
            }
        }
        self.vault
            .put_record(RecordKind::Setting, PREFERENCES, &preferences)
            .await?;
        Ok(preferences)
    }
}
