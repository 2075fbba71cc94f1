//! One measured value, as Tend stores and shows it.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{Error, Metric, Result, Unit};

/// Where a reading's time came from: the device's own clock, or the moment Tend received it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
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
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Reading {
    pub metric: Metric,
    pub time: Timestamp,
    value: f64,
    pub original_unit: Unit,
    pub time_source: TimeSource,
    /// What the device said about how far the value can be trusted; empty for a clean reading.
    #[serde(default, skip_serializing_if = "Quality::is_empty")]
    #[cfg_attr(feature = "specta", specta(type = Vec<QualityFlag>))]
    pub quality: Quality,
}

/// One reason a device gave to doubt a reading, or to read it with care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum QualityFlag {
    /// The sensor was not in contact with the body (heart rate, pulse oximetry).
    NoSensorContact,
    /// The patient moved during the measurement (blood pressure).
    BodyMovement,
    /// The cuff was too loose (blood pressure).
    CuffFitLoose,
    /// An irregular or early pulse was detected.
    IrregularPulse,
    /// The pulse rate was outside the device's range for a valid measurement.
    PulseRateOutOfRange,
    /// The measurement position was improper (blood pressure).
    ImproperPosition,
    /// An early estimate, or a measurement still under way.
    EarlyEstimate,
    /// The device flagged the measurement as questionable (weak signal, low perfusion…).
    Questionable,
    /// The device flagged the measurement as invalid or unavailable.
    Invalid,
    /// Demonstration or test data, not the patient's.
    NotPatientData,
    /// The device or its sensor reported a malfunction.
    DeviceFault,
    /// The device's battery was low when it measured.
    LowBattery,
    /// A sample problem: too small, strip error, read interrupted, wrong sensor type.
    SampleProblem,
    /// The result was beyond what the device can measure.
    OutOfDeviceRange,
    /// The sensor's temperature was out of range for a valid test.
    TemperatureOutOfRange,
    /// The device's clock was faulty or not synchronised.
    TimeFault,
    /// The device asks for calibration.
    CalibrationNeeded,
}

impl QualityFlag {
    pub const ALL: [QualityFlag; 17] = [
        QualityFlag::NoSensorContact,
        QualityFlag::BodyMovement,
        QualityFlag::CuffFitLoose,
        QualityFlag::IrregularPulse,
        QualityFlag::PulseRateOutOfRange,
        QualityFlag::ImproperPosition,
        QualityFlag::EarlyEstimate,
        QualityFlag::Questionable,
        QualityFlag::Invalid,
        QualityFlag::NotPatientData,
        QualityFlag::DeviceFault,
        QualityFlag::LowBattery,
        QualityFlag::SampleProblem,
        QualityFlag::OutOfDeviceRange,
        QualityFlag::TemperatureOutOfRange,
        QualityFlag::TimeFault,
        QualityFlag::CalibrationNeeded,
    ];

    fn mask(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of [`QualityFlag`]s; serialized as the list of their names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Quality(u32);

impl Quality {
    pub fn is_empty(&self) -> bool {
        self.0 == 0
    }

    pub fn contains(&self, flag: QualityFlag) -> bool {
        self.0 & flag.mask() != 0
    }

    pub fn insert(&mut self, flag: QualityFlag) {
        self.0 |= flag.mask();
    }

    /// Adds `flag` when `condition` holds.
    pub fn set_if(&mut self, flag: QualityFlag, condition: bool) {
        if condition {
            self.insert(flag);
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = QualityFlag> + '_ {
        QualityFlag::ALL.into_iter().filter(|f| self.contains(*f))
    }
}

impl FromIterator<QualityFlag> for Quality {
    fn from_iter<I: IntoIterator<Item = QualityFlag>>(flags: I) -> Self {
        let mut quality = Quality::default();
        flags.into_iter().for_each(|f| quality.insert(f));
        quality
    }
}

impl Serialize for Quality {
    fn serialize<S: serde::Serializer>(
        &self,
        serializer: S,
    ) -> std::result::Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Quality {
    fn deserialize<D: serde::Deserializer<'de>>(
        deserializer: D,
    ) -> std::result::Result<Self, D::Error> {
        Ok(Vec::<QualityFlag>::deserialize(deserializer)?
            .into_iter()
            .collect())
    }
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
            quality: Quality::default(),
        })
    }

    /// The same reading with `quality` attached.
    pub fn with_quality(self, quality: Quality) -> Self {
        Reading { quality, ..self }
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
    fn quality_flags_round_trip_as_names() {
        let quality: Quality = [QualityFlag::IrregularPulse, QualityFlag::NoSensorContact]
            .into_iter()
            .collect();
        assert!(
            quality.contains(QualityFlag::IrregularPulse)
                && !quality.contains(QualityFlag::Invalid)
        );
        let r = Reading::new(
            Metric::HeartRate,
            Timestamp::UNIX_EPOCH,
            72.0,
            Unit::PerMinute,
            TimeSource::Device,
        )
        .expect("valid")
        .with_quality(quality);
        let json = serde_json::to_value(&r).expect("serializable");
        assert_eq!(
            json["quality"],
            serde_json::json!(["no_sensor_contact", "irregular_pulse"])
        );
        assert_eq!(
            serde_json::from_value::<Reading>(json).expect("deserializable"),
            r
        );
        // A clean reading carries no quality field, and one without it reads back clean.
        let clean = Reading::new(
            Metric::HeartRate,
            Timestamp::UNIX_EPOCH,
            72.0,
            Unit::PerMinute,
            TimeSource::Device,
        )
        .expect("valid");
        let json = serde_json::to_value(&clean).expect("serializable");
        assert!(json.get("quality").is_none());
        assert_eq!(
            serde_json::from_value::<Reading>(json).expect("deserializable"),
            clean
        );
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
