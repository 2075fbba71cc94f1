//! The kinds of data a patient consents to share, one toggle each.

use std::fmt;

use serde::{Deserialize, Serialize};
use tend_vitals::Metric;

/// A consent category: what the patient sees as one switch per care team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    HeartRate,
    Spo2,
    BloodPressure,
    Temperature,
    Glucose,
    WeightAndBodyComposition,
    MedicationAdherence,
}

impl Category {
    /// The category a metric falls under, or `None` for device housekeeping (battery) that is never shared.
    pub fn of(metric: Metric) -> Option<Category> {
        Some(match metric {
            Metric::HeartRate | Metric::PulseRate | Metric::RespiratoryRate => Category::HeartRate,
            Metric::Spo2 => Category::Spo2,
            Metric::Systolic | Metric::Diastolic | Metric::MeanArterial => Category::BloodPressure,
            Metric::BodyTemperature => Category::Temperature,
            Metric::Glucose => Category::Glucose,
            Metric::Weight | Metric::Bmi | Metric::BodyFat => Category::WeightAndBodyComposition,
            Metric::Battery => return None,
        })
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Category::HeartRate => "heart rate",
            Category::Spo2 => "blood oxygen",
            Category::BloodPressure => "blood pressure",
            Category::Temperature => "temperature",
            Category::Glucose => "glucose",
            Category::WeightAndBodyComposition => "weight and body composition",
            Category::MedicationAdherence => "medication adherence",
        })
    }
}
