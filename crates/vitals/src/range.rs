//! Default reference ranges: what a resting adult's value usually lies within.
//!
//! These are defaults for charts and alerts, which the patient (with their clinician) may change.
//! Sources: AHA 2017 blood-pressure categories, WHO pulse-oximetry manual (2011), ADA Standards of
//! Care (fasting-to-postprandial glucose), NICE CG183 body temperature, WHO BMI classification.

use serde::{Deserialize, Serialize};

use crate::Metric;

/// A closed interval of normal values, in the metric's canonical unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ReferenceRange {
    pub low: f64,
    pub high: f64,
}

impl ReferenceRange {
    /// The default range for an adult, or `None` where no single range makes sense (weight).
    pub fn adult_default(metric: Metric) -> Option<ReferenceRange> {
        let (low, high) = match metric {
            Metric::HeartRate | Metric::PulseRate => (50.0, 100.0),
            Metric::Spo2 => (95.0, 100.0),
            Metric::Systolic => (90.0, 129.0),
            Metric::Diastolic => (60.0, 79.0),
            Metric::MeanArterial => (70.0, 100.0),
            Metric::BodyTemperature => (36.0, 37.9),
            Metric::Glucose => (70.0, 180.0),
            Metric::Bmi => (18.5, 24.9),
            Metric::RespiratoryRate => (12.0, 20.0),
            Metric::Battery => (20.0, 100.0),
            Metric::Weight | Metric::BodyFat => return None,
        };
        Some(ReferenceRange { low, high })
    }

    pub fn contains(&self, value: f64) -> bool {
        (self.low..=self.high).contains(&value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let check = |metric, value, inside| {
            let range = ReferenceRange::adult_default(metric).expect("has a range");
            assert_eq!(range.contains(value), inside, "{metric} {value}");
        };
        check(Metric::HeartRate, 72.0, true);
        check(Metric::HeartRate, 140.0, false);
        check(Metric::Spo2, 91.0, false);
        check(Metric::Systolic, 129.0, true);
        check(Metric::Glucose, 65.0, false);
        assert_eq!(ReferenceRange::adult_default(Metric::Weight), None);
    }
}
