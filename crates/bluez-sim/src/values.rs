//! Realistic measurement values, encoded with `tend-gatt` exactly as a device sends them.

use jiff::{civil, tz::TimeZone, Timestamp};
use tend_gatt::{
    BloodPressureMeasurement, CgmMeasurement, CgmRecord, CgmSessionStartTime, CgmStatusOctets,
    Characteristic, CurrentTime, DateTime, DayOfWeek, DstOffset, GlucoseConcentration,
    GlucoseMeasurement, GlucoseUnit, HeartRateMeasurement, Number, PlxContinuous, PressureUnit,
    SampleLocation, SampleType, SensorContact, SpO2Pr, TemperatureMeasurement, TemperatureType,
    TemperatureUnit, UnitSystem, WeightMeasurement,
};

use crate::peripheral::Kind;

/// A small deterministic generator, so runs repeat and no extra dependency is needed.
#[derive(Debug, Clone)]
pub(crate) struct Wobble(u64);

impl Wobble {
    pub(crate) fn new(seed: u64) -> Wobble {
        Wobble(seed.wrapping_mul(6364136223846793005).wrapping_add(1))
    }

    /// A value in `low..=high`.
    pub(crate) fn between(&mut self, low: i32, high: i32) -> i32 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let span = u64::try_from(high - low + 1).unwrap_or(1).max(1);
        low + i32::try_from((self.0 >> 33) % span).unwrap_or(0)
    }
}

/// A device clock reading as the SIG Date Time field, in local civil time.
pub(crate) fn date_time(at: Timestamp) -> DateTime {
    let t: civil::DateTime = at.to_zoned(TimeZone::system()).datetime();
    let part = |v: i8| u8::try_from(v).unwrap_or(0);
    DateTime {
        year: u16::try_from(t.year()).unwrap_or(0),
        month: part(t.month()),
        day: part(t.day()),
        hours: part(t.hour()),
        minutes: part(t.minute()),
        seconds: part(t.second()),
    }
}

pub(crate) fn current_time(at: Timestamp) -> Vec<u8> {
    CurrentTime {
        date_time: date_time(at),
        day_of_week: DayOfWeek::Unknown,
        fractions256: 0,
        adjust_reason: tend_gatt::AdjustReason(0),
    }
    .encode()
}

/// A CGM's Session Start Time: in its own clock, zone unknown (so the collector's is used).
pub(crate) fn session_start(at: Timestamp) -> Vec<u8> {
    CgmSessionStartTime {
        start: date_time(at),
        time_zone: -128,
        dst: DstOffset::Unknown,
        e2e_crc: false,
    }
    .encode()
}

/// One measurement of `kind` taken at device time `at`; `sequence` numbers glucose records and
/// counts CGM minutes; `user` is the User ID a cuff's or scale's measurement names (`None`: it
/// names none). People differ, so tests can tell whose a value is: user N's systolic pressure
/// runs 25 mmHg × (N − 1) higher than user 1's, and they weigh 12 kg × (N − 1) more (up to N = 5).
pub(crate) fn measurement(
    kind: Kind,
    wobble: &mut Wobble,
    at: Timestamp,
    sequence: u16,
    user: Option<u8>,
) -> Vec<u8> {
    let n = |mantissa: i32, exponent: i8| Number::finite(mantissa, exponent);
    let person = i32::from(user.unwrap_or(1).saturating_sub(1).min(4));
    match kind {
        Kind::HeartRateStrap => HeartRateMeasurement {
            bpm: u16::try_from(wobble.between(62, 84)).unwrap_or(70),
            sensor_contact: SensorContact::Detected,
            energy_expended_kj: None,
            rr_intervals: vec![u16::try_from(wobble.between(780, 900)).unwrap_or(800)],
            reserved_flags: 0,
        }
        .encode(),
        Kind::PulseOximeter => PlxContinuous {
            normal: SpO2Pr {
                spo2: n(wobble.between(95, 99), 0),
                pulse_rate: n(wobble.between(62, 80), 0),
            },
            fast: None,
            slow: None,
            measurement_status: None,
            device_sensor_status: None,
            pulse_amplitude_index: None,
            reserved_flags: 0,
        }
        .encode(),
        Kind::BloodPressureCuff => BloodPressureMeasurement {
            unit: PressureUnit::MmHg,
            systolic: n(wobble.between(112, 132) + 25 * person, 0),
            diastolic: n(wobble.between(70, 86), 0),
            mean_arterial: n(wobble.between(85, 100), 0),
            timestamp: Some(date_time(at)),
            pulse_rate: Some(n(wobble.between(60, 78), 0)),
            user_id: user,
            status: None,
            reserved_flags: 0,
        }
        .encode(),
        Kind::Thermometer => TemperatureMeasurement {
            unit: TemperatureUnit::Celsius,
            temperature: n(wobble.between(362, 373), -1),
            timestamp: Some(date_time(at)),
            temperature_type: Some(TemperatureType::Mouth),
            reserved_flags: 0,
        }
        .encode(),
        Kind::GlucoseMeter => GlucoseMeasurement {
            sequence_number: sequence,
            base_time: date_time(at),
            time_offset_min: None,
            // mg/dL travel as kg/L: 95 mg/dL is 95e-5 kg/L.
            concentration: Some(GlucoseConcentration {
                value: n(wobble.between(82, 140), -5),
                unit: GlucoseUnit::KilogramPerLitre,
                sample_type: SampleType::CapillaryWholeBlood,
                sample_location: SampleLocation::Finger,
            }),
            sensor_status: None,
            context_follows: false,
            reserved_flags: 0,
        }
        .encode(),
        Kind::ContinuousGlucoseMonitor => CgmMeasurement {
            records: vec![CgmRecord {
                glucose: n(wobble.between(85, 150), 0),
                time_offset_min: sequence,
                status: CgmStatusOctets::default(),
                trend: None,
                quality: None,
                e2e_crc: false,
                reserved_flags: 0,
            }],
        }
        .encode(),
        Kind::Scale => WeightMeasurement {
            units: UnitSystem::Si,
            // 0.005 kg steps: 70.5 kg is 14100.
            weight: Some(
                u16::try_from(wobble.between(14000, 14200) + 2400 * person).unwrap_or(14100),
            ),
            timestamp: Some(date_time(at)),
            user_id: user,
            bmi_height: None,
            reserved_flags: 0,
        }
        .encode(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue;

    #[test]
    fn every_kind_encodes_a_value_its_decoder_accepts() {
        let mut wobble = Wobble::new(7);
        let at: Timestamp = "2026-03-01T08:00:00Z".parse().expect("time");
        for device in catalogue() {
            let bytes = measurement(device.kind, &mut wobble, at, 3, Some(2));
            let ok = match device.kind {
                Kind::HeartRateStrap => HeartRateMeasurement::decode(&bytes).is_ok(),
                Kind::PulseOximeter => PlxContinuous::decode(&bytes).is_ok(),
                Kind::BloodPressureCuff => BloodPressureMeasurement::decode(&bytes).is_ok(),
                Kind::Thermometer => TemperatureMeasurement::decode(&bytes).is_ok(),
                Kind::GlucoseMeter => GlucoseMeasurement::decode(&bytes).is_ok(),
                Kind::ContinuousGlucoseMonitor => CgmMeasurement::decode(&bytes).is_ok(),
                Kind::Scale => WeightMeasurement::decode(&bytes).is_ok(),
            };
            assert!(ok, "{:?}", device.kind);
        }
        assert!(CurrentTime::decode(&current_time(at)).is_ok());
        assert!(CgmSessionStartTime::decode(&session_start(at)).is_ok());
    }
}
