//! The Bluetooth SIG health services Tend scans for, by their 16-bit assigned numbers.

use serde::{Deserialize, Serialize};
use tend_vitals::DeviceKind;
use uuid::Uuid;

/// A GATT service that carries health measurements (Bluetooth SIG Assigned Numbers, §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum HealthService {
    HeartRate,
    BloodPressure,
    HealthThermometer,
    Glucose,
    WeightScale,
    PulseOximeter,
    BodyComposition,
    ContinuousGlucoseMonitoring,
}

/// The Bluetooth Base UUID, into which 16-bit assigned numbers are placed (Core Spec Vol 3 Part B §2.5.1).
const BLUETOOTH_BASE_UUID: u128 = 0x0000_0000_0000_1000_8000_0080_5F9B_34FB;

impl HealthService {
    pub const ALL: [HealthService; 8] = [
        HealthService::HeartRate,
        HealthService::BloodPressure,
        HealthService::HealthThermometer,
        HealthService::Glucose,
        HealthService::WeightScale,
        HealthService::PulseOximeter,
        HealthService::BodyComposition,
        HealthService::ContinuousGlucoseMonitoring,
    ];

    /// Whether a device offering `services` can name which of its users a measurement is of
    /// (the User ID of blood pressure, weight and body composition measurements).
    pub fn names_users(services: &[HealthService]) -> bool {
        services.iter().any(|s| {
            matches!(
                s,
                HealthService::BloodPressure
                    | HealthService::WeightScale
                    | HealthService::BodyComposition
            )
        })
    }

    pub fn assigned_number(self) -> u16 {
        match self {
            HealthService::HeartRate => 0x180D,
            HealthService::BloodPressure => 0x1810,
            HealthService::HealthThermometer => 0x1809,
            HealthService::Glucose => 0x1808,
            HealthService::WeightScale => 0x181D,
            HealthService::PulseOximeter => 0x1822,
            HealthService::BodyComposition => 0x181B,
            HealthService::ContinuousGlucoseMonitoring => 0x181F,
        }
    }

    pub fn uuid(self) -> Uuid {
        uuid_from_u16(self.assigned_number())
    }

    /// The kind of device that offers this service.
    pub fn device_kind(self) -> DeviceKind {
        match self {
            HealthService::HeartRate => DeviceKind::HeartRateMonitor,
            HealthService::BloodPressure => DeviceKind::BloodPressureMonitor,
            HealthService::HealthThermometer => DeviceKind::Thermometer,
            HealthService::Glucose => DeviceKind::GlucoseMeter,
            HealthService::WeightScale | HealthService::BodyComposition => DeviceKind::Scale,
            HealthService::PulseOximeter => DeviceKind::PulseOximeter,
            HealthService::ContinuousGlucoseMonitoring => DeviceKind::ContinuousGlucoseMonitor,
        }
    }

    /// The kind of a device offering `services`: its most specific service decides (a CGM that
    /// also serves heart rate is a CGM; a cuff's pulse does not make it a heart-rate monitor).
    pub fn kind_of(services: &[HealthService]) -> DeviceKind {
        const MOST_SPECIFIC_FIRST: [HealthService; 8] = [
            HealthService::ContinuousGlucoseMonitoring,
            HealthService::Glucose,
            HealthService::BloodPressure,
            HealthService::PulseOximeter,
            HealthService::HealthThermometer,
            HealthService::BodyComposition,
            HealthService::WeightScale,
            HealthService::HeartRate,
        ];
        MOST_SPECIFIC_FIRST
            .into_iter()
            .find(|s| services.contains(s))
            .map_or(DeviceKind::Unknown, HealthService::device_kind)
    }

    /// The health service a UUID names, if it is one.
    pub fn from_uuid(uuid: Uuid) -> Option<HealthService> {
        HealthService::ALL.into_iter().find(|s| s.uuid() == uuid)
    }
}

/// The full 128-bit UUID of a 16-bit assigned number.
pub fn uuid_from_u16(short: u16) -> Uuid {
    Uuid::from_u128(BLUETOOTH_BASE_UUID | (u128::from(short) << 96))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        let check = |service: HealthService, text: &str| {
            assert_eq!(service.uuid().to_string(), text);
            assert_eq!(HealthService::from_uuid(service.uuid()), Some(service));
        };
        check(
            HealthService::HeartRate,
            "0000180d-0000-1000-8000-00805f9b34fb",
        );
        check(
            HealthService::ContinuousGlucoseMonitoring,
            "0000181f-0000-1000-8000-00805f9b34fb",
        );
        check(
            HealthService::PulseOximeter,
            "00001822-0000-1000-8000-00805f9b34fb",
        );
        assert_eq!(HealthService::from_uuid(uuid_from_u16(0x180F)), None); // battery
    }

    #[test]
    fn a_device_is_the_kind_of_its_most_specific_service() {
        use HealthService as S;
        let check = |services: &[HealthService], kind: DeviceKind| {
            assert_eq!(HealthService::kind_of(services), kind, "{services:?}");
        };
        check(&[S::HeartRate], DeviceKind::HeartRateMonitor);
        check(
            &[S::HeartRate, S::ContinuousGlucoseMonitoring],
            DeviceKind::ContinuousGlucoseMonitor,
        );
        check(&[S::Glucose], DeviceKind::GlucoseMeter);
        check(
            &[S::BloodPressure, S::HeartRate],
            DeviceKind::BloodPressureMonitor,
        );
        check(&[S::WeightScale, S::BodyComposition], DeviceKind::Scale);
        check(&[S::PulseOximeter], DeviceKind::PulseOximeter);
        check(&[], DeviceKind::Unknown);
    }

    #[test]
    fn cuffs_and_scales_can_name_their_users() {
        use HealthService as S;
        let check = |services: &[HealthService], names: bool| {
            assert_eq!(HealthService::names_users(services), names, "{services:?}");
        };
        check(&[S::BloodPressure], true);
        check(&[S::WeightScale], true);
        check(&[S::BodyComposition, S::WeightScale], true);
        check(&[S::HeartRate, S::BloodPressure], true);
        check(&[S::HeartRate], false);
        check(&[S::Glucose], false);
        check(&[S::HealthThermometer], false);
        check(&[], false);
    }
}
