//! One measured value, as Tend stores and shows it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Error, Metric, Result, Unit};

/// Where a reading's time came from: the device's own clock, or the moment Tend received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeSource {
    Device,
    Received,
    Manual,
}

/// A value of one metric at one instant, held in the metric's canonical unit.
///
/// The unit the device or the patient used is kept so the value can be shown back as entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    pub metric: Metric,
    pub time: Timestamp,
    value: f64,
    pub original_unit: Unit,
    pub time_source: TimeSource,
}

impl Reading {
    /// Builds a reading from a value in any unit of the metric's dimension.
    pub fn new(
        metric: Metric,
        time: Timestamp,
        value: f64,
        unit: Unit,
        time_source: TimeSource,
    ) -> Result<Self> {
        if !metric.accepts(unit) {
            return Err(Error::UnitMismatch { metric, unit });
        }
        let value = unit.convert(value, metric.canonical_unit())?;
        Ok(Reading {
            metric,
            time,
            value,
            original_unit: unit,
            time_source,
        })
    }

    /// The value in the metric's canonical unit.
    pub fn value(&self) -> f64 {
        self.value
    }

    /// The value in the unit it was measured in.
    pub fn original_value(&self) -> f64 {
        // Canonical and original units share a dimension (checked in `new`), so this cannot fail.
        self.metric
            .canonical_unit()
            .convert(self.value, self.original_unit)
            .unwrap_or(self.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stores_canonical_and_keeps_original_unit() {
        let t = Timestamp::UNIX_EPOCH;
        let r = Reading::new(
            Metric::Glucose,
            t,
            5.5,
            Unit::MillimolePerLitre,
            TimeSource::Device,
        )
        .expect("valid");
        assert!((r.value() - 99.088).abs() < 1e-9);
        assert!((r.original_value() - 5.5).abs() < 1e-9);
        assert_eq!(r.original_unit, Unit::MillimolePerLitre);
    }

    #[test]
    fn refuses_wrong_unit_and_nan() {
        let t = Timestamp::UNIX_EPOCH;
        assert_eq!(
            Reading::new(
                Metric::HeartRate,
                t,
                70.0,
                Unit::Kilogram,
                TimeSource::Manual
            ),
            Err(Error::UnitMismatch {
                metric: Metric::HeartRate,
                unit: Unit::Kilogram
            })
        );
        assert_eq!(
            Reading::new(
                Metric::HeartRate,
                t,
                f64::NAN,
                Unit::PerMinute,
                TimeSource::Manual
            ),
            Err(Error::NotFinite)
        );
    }
}
