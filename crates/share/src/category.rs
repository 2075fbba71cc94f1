//! The kinds of data a patient consents to share, one toggle each.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};
use tend_vitals::Metric;

use crate::Error;

/// A consent category: what the patient sees as one switch per care team.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Category {
    HeartRate,
    Spo2,
    BloodPressure,
    Temperature,
    Glucose,
    WeightAndBodyComposition,
    MedicationAdherence,
    /// The clinic report: a summary of a period (time in ranges, the home blood-pressure
    /// average…) as a PDF with its figures, holding only the categories also switched on.
    Reports,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::HeartRate,
        Category::Spo2,
        Category::BloodPressure,
        Category::Temperature,
        Category::Glucose,
        Category::WeightAndBodyComposition,
        Category::MedicationAdherence,
        Category::Reports,
    ];

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

    /// The metrics whose readings this category shares (none for medication adherence and
    /// reports).
    pub fn metrics(self) -> impl Iterator<Item = Metric> {
        Metric::ALL
            .into_iter()
            .filter(move |m| Category::of(*m) == Some(self))
    }

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::HeartRate => "heart_rate",
            Category::Spo2 => "spo2",
            Category::BloodPressure => "blood_pressure",
            Category::Temperature => "temperature",
            Category::Glucose => "glucose",
            Category::WeightAndBodyComposition => "weight_and_body_composition",
            Category::MedicationAdherence => "medication_adherence",
            Category::Reports => "reports",
        }
    }

    /// What switching this category on sends, in the patient's words.
    pub fn describe(self) -> &'static str {
        match self {
            Category::HeartRate => "Your heart rate (and pulse and breathing rate): single readings as measured, and 5-minute averages with the lowest and highest value while a strap or watch streams.",
            Category::Spo2 => "Your blood oxygen from a pulse oximeter: single readings, and 5-minute averages while it streams.",
            Category::BloodPressure => "Each blood-pressure reading: the top and bottom numbers (and the mean pressure if your cuff gives it).",
            Category::Temperature => "Each body-temperature reading.",
            Category::Glucose => "Each blood-glucose reading from a meter, and 5-minute averages from a continuous glucose monitor.",
            Category::WeightAndBodyComposition => "Each weighing: your weight, and your BMI and body fat if your scale measures them.",
            Category::MedicationAdherence => "For each scheduled dose: the medication's name and whether you took it (and when), skipped it (with your reason) or missed it.",
            Category::Reports => "Your clinic report when you send it: a summary of a period (time in range, your home blood-pressure average, and so on) as a PDF with its figures, holding only what you also share with this care team.",
        }
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
            Category::Reports => "clinic reports",
        })
    }
}

impl FromStr for Category {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == s || (s == "weight" && *c == Category::WeightAndBodyComposition))
            .ok_or_else(|| Error::InvalidInput(format!("`{s}` is not a sharing category (one of: heart_rate, spo2, blood_pressure, temperature, glucose, weight_and_body_composition, medication_adherence, reports)")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_every_shared_metric_has_a_category() {
        for c in Category::ALL {
            assert_eq!(c.as_str().parse::<Category>().ok(), Some(c));
        }
        assert!("battery".parse::<Category>().is_err());
        let covered: Vec<Metric> = Category::ALL
            .into_iter()
            .flat_map(Category::metrics)
            .collect();
        assert_eq!(covered.len(), Metric::ALL.len() - 1, "all but battery");
    }
}
