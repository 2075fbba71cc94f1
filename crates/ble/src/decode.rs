//! From a characteristic value to readings: which measurement characteristics Tend subscribes to,
//! the `gatt` decoder and conversion for each, and whose measurement a value is on a device that
//! several people use.

use tend_gatt::{
    BloodPressureMeasurement, BodyCompositionMeasurement, CgmMeasurement, CgmSessionStartTime,
    Characteristic, Context, GlucoseMeasurement, HeartRateMeasurement, PlxContinuous, PlxSpotCheck,
    TemperatureMeasurement, ToReadings, WeightMeasurement,
};

use crate::DeviceReading;

/// The measurement characteristics Tend subscribes to wherever a device offers them.
pub const MEASUREMENTS: [u16; 9] = [
    HeartRateMeasurement::UUID,
    BloodPressureMeasurement::UUID,
    TemperatureMeasurement::UUID,
    PlxSpotCheck::UUID,
    PlxContinuous::UUID,
    GlucoseMeasurement::UUID,
    CgmMeasurement::UUID,
    WeightMeasurement::UUID,
    BodyCompositionMeasurement::UUID,
];

/// How many values of one measurement characteristic a device may send while streaming: `burst`
/// at once, then `per_second`. Beyond it, values are dropped and counted as a flood.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Allowance {
    pub per_second: f64,
    pub burst: f64,
}

/// What measurement `uuid` can physically carry, with room for a device catching up after a
/// radio gap: a strap or oximeter measures a few times a second; a meter or CGM sends a record
/// now and then; a cuff, thermometer, scale or spot-check oximeter indicates what it kept (a
/// memory of a few hundred readings) on connecting, then one reading per measurement.
pub fn allowance(uuid: u16) -> Allowance {
    let (per_second, burst) = match uuid {
        HeartRateMeasurement::UUID | PlxContinuous::UUID => (10.0, 20.0),
        GlucoseMeasurement::UUID | CgmMeasurement::UUID => (10.0, 50.0),
        _ => (20.0, 256.0),
    };
    Allowance { per_second, burst }
}

/// A stored-record download: a link carries at most about a thousand notifications a second
/// (a 7.5 ms connection interval, several packets each).
pub const DOWNLOAD_ALLOWANCE: Allowance = Allowance {
    per_second: 1000.0,
    burst: 1000.0,
};

/// Decodes a value of measurement characteristic `uuid` into readings, each with the device's
/// record number where it keeps one (glucose sequence number, CGM minutes since the session
/// started); `None` for a characteristic that is not a measurement. A CGM's records are placed by
/// its session start time when Tend has read it.
pub fn decode(
    uuid: u16,
    bytes: &[u8],
    context: &Context,
    cgm_session: Option<&CgmSessionStartTime>,
) -> Option<tend_gatt::Result<Vec<DeviceReading>>> {
    fn unnumbered<T: Characteristic + ToReadings>(
        bytes: &[u8],
        context: &Context,
    ) -> tend_gatt::Result<Vec<DeviceReading>> {
        Ok(numbered(
            T::decode(bytes)?.to_readings(context).values,
            None,
        ))
    }
    fn numbered(readings: Vec<tend_vitals::Reading>, sequence: Option<u16>) -> Vec<DeviceReading> {
        readings
            .into_iter()
            .map(|reading| DeviceReading { reading, sequence })
            .collect()
    }
    Some(match uuid {
        HeartRateMeasurement::UUID => unnumbered::<HeartRateMeasurement>(bytes, context),
        BloodPressureMeasurement::UUID => unnumbered::<BloodPressureMeasurement>(bytes, context),
        TemperatureMeasurement::UUID => unnumbered::<TemperatureMeasurement>(bytes, context),
        PlxSpotCheck::UUID => unnumbered::<PlxSpotCheck>(bytes, context),
        PlxContinuous::UUID => unnumbered::<PlxContinuous>(bytes, context),
        WeightMeasurement::UUID => unnumbered::<WeightMeasurement>(bytes, context),
        BodyCompositionMeasurement::UUID => {
            unnumbered::<BodyCompositionMeasurement>(bytes, context)
        }
        GlucoseMeasurement::UUID => GlucoseMeasurement::decode(bytes)
            .map(|m| numbered(m.to_readings(context).values, Some(m.sequence_number))),
        CgmMeasurement::UUID => CgmMeasurement::decode(bytes).map(|m| {
            m.records
                .iter()
                .flat_map(|record| {
                    let one = CgmMeasurement {
                        records: vec![*record],
                    };
                    let readings = match cgm_session {
                        Some(session) => one.readings_since(session, context),
                        None => one.to_readings(context),
                    };
                    numbered(readings.values, Some(record.time_offset_min))
                })
                .collect()
        }),
        _ => return None,
    })
}

/// The User ID a measurement carries for "unknown user" (a guest, or someone the device does
/// not know): never the patient's.
pub use tend_gatt::UNKNOWN_USER;

/// Whose measurement a value is, on a cuff or scale that several people use: blood pressure,
/// weight and body composition measurements may carry a User ID, the device's index of the
/// person measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasuredUser {
    /// A characteristic that never names a user (heart rate, glucose, ...), or a value that does
    /// not decode (counted as malformed by whoever decodes it): the wearer's.
    Anyone,
    /// A measurement that can name a user: the User ID it carries, `None` when it carries none.
    Named(Option<u8>),
    /// One of the two packets of a body composition measurement sent in two: the User ID it
    /// carries. A packet that carries none belongs with the packet just before it.
    Split(Option<u8>),
}

/// Whose measurement the value `bytes` of characteristic `uuid` is.
pub fn measured_user(uuid: u16, bytes: &[u8]) -> MeasuredUser {
    let named = match uuid {
        BloodPressureMeasurement::UUID => {
            BloodPressureMeasurement::decode(bytes).map(|m| MeasuredUser::Named(m.user_id))
        }
        WeightMeasurement::UUID => {
            WeightMeasurement::decode(bytes).map(|m| MeasuredUser::Named(m.user_id))
        }
        BodyCompositionMeasurement::UUID => BodyCompositionMeasurement::decode(bytes).map(|m| {
            if m.multiple_packet {
                MeasuredUser::Split(m.user_id)
            } else {
                MeasuredUser::Named(m.user_id)
            }
        }),
        _ => return MeasuredUser::Anyone,
    };
    named.unwrap_or(MeasuredUser::Anyone)
}

/// Whether a measurement naming `named` (`None`: no one) is the patient's, who is user `chosen`
/// of the device (`None`: its only user, whose every measurement is theirs).
pub fn is_patients(chosen: Option<u8>, named: Option<u8>) -> bool {
    match chosen {
        None => true,
        Some(user) => user != UNKNOWN_USER && named == Some(user),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;
    use tend_vitals::Metric;

    #[test]
    fn a_measurement_is_the_patients_only_when_it_names_their_user() {
        let check = |chosen: Option<u8>, named: Option<u8>, expected: bool| {
            assert_eq!(is_patients(chosen, named), expected, "{chosen:?} {named:?}");
        };
        // The only user: everything the device measures is theirs.
        check(None, None, true);
        check(None, Some(2), true);
        check(None, Some(UNKNOWN_USER), true);
        // User 1 of several: only measurements naming user 1.
        check(Some(1), Some(1), true);
        check(Some(1), Some(2), false);
        check(Some(1), Some(0), false);
        check(Some(1), Some(UNKNOWN_USER), false);
        check(Some(1), None, false);
        check(Some(0), Some(0), true);
        // "Unknown user" is nobody's, even if asked for.
        check(Some(UNKNOWN_USER), Some(UNKNOWN_USER), false);
    }

    #[test]
    fn whose_measurement_a_value_is() {
        let cuff = |user_id| {
            BloodPressureMeasurement {
                unit: tend_gatt::PressureUnit::MmHg,
                systolic: tend_gatt::Number::finite(120, 0),
                diastolic: tend_gatt::Number::finite(80, 0),
                mean_arterial: tend_gatt::Number::finite(93, 0),
                timestamp: None,
                pulse_rate: None,
                user_id,
                status: None,
                reserved_flags: 0,
            }
            .encode()
        };
        let weighing = |user_id| {
            WeightMeasurement {
                units: tend_gatt::UnitSystem::Si,
                weight: Some(14100),
                timestamp: None,
                user_id,
                bmi_height: None,
                reserved_flags: 0,
            }
            .encode()
        };
        // Flags 0x1004: User ID and multiple packet; body fat 20.0 %; user 2.
        let split_packet = [0x04, 0x10, 0xC8, 0x00, 0x02];
        // Flags 0x1000: multiple packet, no User ID.
        let split_rest = [0x00, 0x10, 0xC8, 0x00];
        let check = |uuid: u16, bytes: &[u8], expected: MeasuredUser| {
            assert_eq!(
                measured_user(uuid, bytes),
                expected,
                "{uuid:#06x} {bytes:02x?}"
            );
        };
        check(0x2A35, &cuff(Some(2)), MeasuredUser::Named(Some(2)));
        check(0x2A35, &cuff(None), MeasuredUser::Named(None));
        check(
            0x2A9D,
            &weighing(Some(UNKNOWN_USER)),
            MeasuredUser::Named(Some(UNKNOWN_USER)),
        );
        check(0x2A9C, &split_packet, MeasuredUser::Split(Some(2)));
        check(0x2A9C, &split_rest, MeasuredUser::Split(None));
        check(
            0x2A9C,
            &[0x04, 0x00, 0xC8, 0x00, 0x01],
            MeasuredUser::Named(Some(1)),
        );
        check(0x2A37, &[0x16, 0x48, 0x00, 0x04], MeasuredUser::Anyone);
        // Broken: left to the decoder, which counts it.
        check(0x2A35, &[0x08], MeasuredUser::Anyone);
    }

    #[test]
    fn measurements_decode_and_others_are_not_ours() {
        let context = Context {
            received: "2026-03-01T08:00:00Z".parse().expect("time"),
            time_zone: TimeZone::UTC,
        };
        let hr = decode(0x2A37, &[0x16, 0x48, 0x00, 0x04], &context, None)
            .expect("a measurement")
            .expect("valid");
        assert_eq!(hr[0].reading.metric, Metric::HeartRate);
        assert_eq!(hr[0].sequence, None);
        assert!(decode(0x2A37, &[0xE0], &context, None)
            .expect("a measurement")
            .is_err());
        assert!(decode(0x2A19, &[50], &context, None).is_none());

        // A CGM value with two records: each numbered by its time offset, placed from the
        // session start when known.
        let cgm = tend_gatt::CgmMeasurement {
            records: [5, 6]
                .map(|offset| tend_gatt::CgmRecord {
                    glucose: tend_gatt::Number::finite(110, 0),
                    time_offset_min: offset,
                    status: Default::default(),
                    trend: None,
                    quality: None,
                    e2e_crc: false,
                    reserved_flags: 0,
                })
                .to_vec(),
        }
        .encode();
        let session = CgmSessionStartTime {
            start: tend_gatt::DateTime {
                year: 2026,
                month: 3,
                day: 1,
                hours: 7,
                minutes: 0,
                seconds: 0,
            },
            time_zone: -128,
            dst: tend_gatt::DstOffset::Unknown,
            e2e_crc: false,
        };
        let placed = decode(0x2AA7, &cgm, &context, Some(&session))
            .expect("a measurement")
            .expect("valid");
        let got: Vec<(Option<u16>, String)> = placed
            .iter()
            .map(|r| (r.sequence, r.reading.time.to_string()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Some(5), "2026-03-01T07:05:00Z".to_owned()),
                (Some(6), "2026-03-01T07:06:00Z".to_owned())
            ]
        );
    }
}
