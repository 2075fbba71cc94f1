//! The kinds of health value Tend records.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Error, Unit};

/// One kind of measured value. The names are those of the `tend` CSV contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    HeartRate,
    Spo2,
    Systolic,
    Diastolic,
    MeanArterial,
    PulseRate,
    BodyTemperature,
    Glucose,
    Weight,
    Bmi,
    BodyFat,
    RespiratoryRate,
    Battery,
}

impl Metric {
    pub const ALL: [Metric; 13] = [
        Metric::HeartRate,
        Metric::Spo2,
        Metric::Systolic,
        Metric::Diastolic,
        Metric::MeanArterial,
        Metric::PulseRate,
        Metric::BodyTemperature,
        Metric::Glucose,
        Metric::Weight,
        Metric::Bmi,
        Metric::BodyFat,
        Metric::RespiratoryRate,
        Metric::Battery,
    ];

    /// The name used on the CLI and in CSV files.
    pub fn as_str(self) -> &'static str {
        match self {
            Metric::HeartRate => "heart_rate",
            Metric::Spo2 => "spo2",
            Metric::Systolic => "systolic",
            Metric::Diastolic => "diastolic",
            Metric::MeanArterial => "mean_arterial",
            Metric::PulseRate => "pulse_rate",
            Metric::BodyTemperature => "body_temperature",
            Metric::Glucose => "glucose",
            Metric::Weight => "weight",
            Metric::Bmi => "bmi",
            Metric::BodyFat => "body_fat",
            Metric::RespiratoryRate => "respiratory_rate",
            Metric::Battery => "battery",
        }
    }

    /// The unit the vault stores this metric in; other units are converted on the way in.
    pub fn canonical_unit(self) -> Unit {
        match self {
            Metric::HeartRate | Metric::PulseRate | Metric::RespiratoryRate => Unit::PerMinute,
            Metric::Spo2 | Metric::BodyFat | Metric::Battery => Unit::Percent,
            Metric::Systolic | Metric::Diastolic | Metric::MeanArterial => {
                Unit::MillimetreOfMercury
            }
            Metric::BodyTemperature => Unit::Celsius,
            Metric::Glucose => Unit::MilligramPerDecilitre,
            Metric::Weight => Unit::Kilogram,
            Metric::Bmi => Unit::KilogramPerSquareMetre,
        }
    }

    /// Whether `unit` can express this metric (after conversion).
    pub fn accepts(self, unit: Unit) -> bool {
        unit.dimension() == self.canonical_unit().dimension()
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Metric {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        Metric::ALL
            .into_iter()
            .find(|m| m.as_str() == s)
            .ok_or_else(|| Error::UnknownMetric(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for metric in Metric::ALL {
            assert_eq!(metric.as_str().parse::<Metric>(), Ok(metric));
            assert!(metric.accepts(metric.canonical_unit()));
        }
        assert_eq!(
            "pulse".parse::<Metric>(),
            Err(Error::UnknownMetric("pulse".into()))
        );
    }
}
