//! What kind of device a reading came from: known from the Bluetooth services the device offers,
//! or stated by the file it was imported from — never guessed from a label.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{Error, Metric};

/// The kind of device that measured a reading. It decides what a reading means where the metric
/// alone does not: glucose from a CGM is interstitial and continuous, from a meter capillary and
/// spot.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    HeartRateMonitor,
    PulseOximeter,
    BloodPressureMonitor,
    Thermometer,
    GlucoseMeter,
    ContinuousGlucoseMonitor,
    /// A weight scale, with or without body composition.
    Scale,
    /// Entered by hand.
    Manual,
    /// Brought in from a file that did not say what measured it.
    #[default]
    Unknown,
}

impl DeviceKind {
    pub const ALL: [DeviceKind; 9] = [
        DeviceKind::HeartRateMonitor,
        DeviceKind::PulseOximeter,
        DeviceKind::BloodPressureMonitor,
        DeviceKind::Thermometer,
        DeviceKind::GlucoseMeter,
        DeviceKind::ContinuousGlucoseMonitor,
        DeviceKind::Scale,
        DeviceKind::Manual,
        DeviceKind::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeviceKind::HeartRateMonitor => "heart_rate_monitor",
            DeviceKind::PulseOximeter => "pulse_oximeter",
            DeviceKind::BloodPressureMonitor => "blood_pressure_monitor",
            DeviceKind::Thermometer => "thermometer",
            DeviceKind::GlucoseMeter => "glucose_meter",
            DeviceKind::ContinuousGlucoseMonitor => "continuous_glucose_monitor",
            DeviceKind::Scale => "scale",
            DeviceKind::Manual => "manual",
            DeviceKind::Unknown => "unknown",
        }
    }

    /// Whether `metric` from this kind of device is a continuous stream (summarised for
    /// sharing, judged by time in range) rather than spot readings.
    pub fn streams(self, metric: Metric) -> bool {
        match self {
            DeviceKind::ContinuousGlucoseMonitor => metric == Metric::Glucose,
            DeviceKind::HeartRateMonitor => {
                matches!(metric, Metric::HeartRate | Metric::RespiratoryRate)
            }
            DeviceKind::PulseOximeter => matches!(metric, Metric::Spo2 | Metric::PulseRate),
            _ => false,
        }
    }
}

impl fmt::Display for DeviceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DeviceKind {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Error> {
        DeviceKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| Error::UnknownDeviceKind(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for kind in DeviceKind::ALL {
            assert_eq!(kind.as_str().parse::<DeviceKind>(), Ok(kind));
        }
        assert!("cgm".parse::<DeviceKind>().is_err());
    }

    #[test]
    fn only_a_cgm_streams_glucose() {
        assert!(DeviceKind::ContinuousGlucoseMonitor.streams(Metric::Glucose));
        assert!(!DeviceKind::GlucoseMeter.streams(Metric::Glucose));
        assert!(!DeviceKind::Unknown.streams(Metric::Glucose));
        assert!(DeviceKind::HeartRateMonitor.streams(Metric::HeartRate));
        assert!(!DeviceKind::BloodPressureMonitor.streams(Metric::PulseRate));
    }
}
