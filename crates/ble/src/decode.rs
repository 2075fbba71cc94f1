//! From a characteristic value to readings: which measurement characteristics Tend subscribes to,
//! and the `gatt` decoder and conversion for each.

use tend_gatt::{
    BloodPressureMeasurement, BodyCompositionMeasurement, CgmMeasurement, Characteristic, Context,
    GlucoseMeasurement, HeartRateMeasurement, PlxContinuous, PlxSpotCheck, TemperatureMeasurement,
    ToReadings, WeightMeasurement,
};
use tend_vitals::Reading;

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

/// What one value gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Decoded {
    pub readings: Vec<Reading>,
    /// The device's record number (glucose), for download and dedupe.
    pub sequence: Option<u16>,
}

/// Decodes a value of measurement characteristic `uuid`; `None` for a characteristic that is
/// not a measurement.
pub fn decode(uuid: u16, bytes: &[u8], context: &Context) -> Option<tend_gatt::Result<Decoded>> {
    fn readings<T: Characteristic + ToReadings>(
        bytes: &[u8],
        context: &Context,
    ) -> tend_gatt::Result<Decoded> {
        Ok(Decoded {
            readings: T::decode(bytes)?.to_readings(context).values,
            sequence: None,
        })
    }
    Some(match uuid {
        HeartRateMeasurement::UUID => readings::<HeartRateMeasurement>(bytes, context),
        BloodPressureMeasurement::UUID => readings::<BloodPressureMeasurement>(bytes, context),
        TemperatureMeasurement::UUID => readings::<TemperatureMeasurement>(bytes, context),
        PlxSpotCheck::UUID => readings::<PlxSpotCheck>(bytes, context),
        PlxContinuous::UUID => readings::<PlxContinuous>(bytes, context),
        CgmMeasurement::UUID => readings::<CgmMeasurement>(bytes, context),
        WeightMeasurement::UUID => readings::<WeightMeasurement>(bytes, context),
        BodyCompositionMeasurement::UUID => readings::<BodyCompositionMeasurement>(bytes, context),
        GlucoseMeasurement::UUID => GlucoseMeasurement::decode(bytes).map(|m| Decoded {
            readings: m.to_readings(context).values,
            sequence: Some(m.sequence_number),
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
        let hr = decode(0x2A37, &[0x16, 0x48, 0x00, 0x04], &context)
            .expect("a measurement")
            .expect("valid");
        assert_eq!(hr.readings[0].metric, Metric::HeartRate);
        assert_eq!(hr.sequence, None);
        assert!(decode(0x2A37, &[0xE0], &context)
            .expect("a measurement")
            .is_err());
        assert!(decode(0x2A19, &[50], &context).is_none());
    }
}
