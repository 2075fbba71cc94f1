//! What a human body can show: values outside these bounds are errors of the exporting app (a
//! heart rate of 4000, a weight of 0), skipped and counted rather than stored.
//!
//! The bounds are deliberately wide (they reject the impossible, not the alarming). They belong in
//! `tend-vitals` beside the reference ranges; until it has them they live here.

use tend_vitals::{Metric, Unit};

use crate::SkipReason;

/// The closed interval a value of `metric` must lie in, in the metric's canonical unit.
pub fn plausible_range(metric: Metric) -> (f64, f64) {
    match metric {
        Metric::HeartRate | Metric::PulseRate => (20.0, 300.0),
        Metric::Spo2 => (40.0, 100.0),
        Metric::Systolic => (40.0, 300.0),
        Metric::Diastolic => (20.0, 200.0),
        Metric::MeanArterial => (30.0, 250.0),
        Metric::BodyTemperature => (25.0, 45.0),
        // CGMs read 40–400 mg/dL, meters 20–600; lab values beyond 1000 are not home readings.
        Metric::Glucose => (10.0, 1000.0),
        Metric::Weight => (0.5, 500.0),
        Metric::Bmi => (5.0, 150.0),
        Metric::BodyFat => (1.0, 75.0),
        Metric::RespiratoryRate => (2.0, 80.0),
        Metric::Battery => (0.0, 100.0),
    }
}

/// Checks that `unit` measures `metric` and `value` (in `unit`) is plausible.
pub(crate) fn check(metric: Metric, value: f64, unit: Unit) -> Result<(), SkipReason> {
    if !metric.accepts(unit) {
        return Err(SkipReason::UnknownUnit);
    }
    let canonical = unit
        .convert(value, metric.canonical_unit())
        .map_err(|_| SkipReason::OutOfRange)?;
    let (low, high) = plausible_range(metric);
    if (low..=high).contains(&canonical) {
        Ok(())
    } else {
        Err(SkipReason::OutOfRange)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds() {
        let check_one = |metric, value, unit, expected: Result<(), SkipReason>| {
            assert_eq!(
                check(metric, value, unit),
                expected,
                "{metric} {value} {unit}"
            );
        };
        check_one(Metric::HeartRate, 72.0, Unit::PerMinute, Ok(()));
        check_one(
            Metric::HeartRate,
            4000.0,
            Unit::PerMinute,
            Err(SkipReason::OutOfRange),
        );
        check_one(
            Metric::HeartRate,
            72.0,
            Unit::Kilogram,
            Err(SkipReason::UnknownUnit),
        );
        check_one(Metric::Weight, 154.0, Unit::Pound, Ok(()));
        check_one(
            Metric::Weight,
            0.0,
            Unit::Kilogram,
            Err(SkipReason::OutOfRange),
        );
        check_one(Metric::BodyTemperature, 98.6, Unit::Fahrenheit, Ok(()));
        check_one(Metric::Glucose, 5.5, Unit::MillimolePerLitre, Ok(()));
        check_one(
            Metric::Spo2,
            0.97,
            Unit::Percent,
            Err(SkipReason::OutOfRange),
        );
        check_one(
            Metric::Spo2,
            f64::NAN,
            Unit::Percent,
            Err(SkipReason::OutOfRange),
        );
    }
}
