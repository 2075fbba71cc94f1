//! From a characteristic value to readings: which measurement characteristics Tend subscribes to,
//! and the `gatt` decoder and conversion for each.

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

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::tz::TimeZone;
    use tend_vitals::Metric;

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
