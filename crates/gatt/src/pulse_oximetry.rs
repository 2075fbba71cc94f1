//! PLX Spot-Check Measurement (0x2A5E), PLX Continuous Measurement (0x2A5F) and PLX Features
//! (0x2A60), Pulse Oximeter Service v1.0.1.
//!
//! The measurements' flags say which fields follow; the features say which the device supports
//! at all, and which status bits it can set. A value that flags an unsupported field, or sets an
//! unsupported status bit, is rejected by [`PlxSpotCheck::decode_with`] and
//! [`PlxContinuous::decode_with`]. Without the features, [`PlxFeatures::ALL`] (everything
//! supported) is assumed: the flags alone then decide the layout, which is what the spec's
//! layout rules give. Both measurements' flags bits 5–7 are reserved: kept as sent and ignored.

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::date_time::DateTime;
use crate::ieee11073::Number;
use crate::{Characteristic, Error, Ignored, Result};

/// A spot-check: one SpO2 and pulse-rate pair, taken once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlxSpotCheck {
    pub reading: SpO2Pr,
    pub timestamp: Option<DateTime>,
    pub measurement_status: Option<PlxMeasurementStatus>,
    pub device_sensor_status: Option<PlxDeviceSensorStatus>,
    pub pulse_amplitude_index: Option<Number>,
    /// Flags bit 4: the device's clock is not set, so its timestamp is not a real time.
    pub device_clock_not_set: bool,
    /// Flags bits 5–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

/// A continuous measurement: the normal pair, and optionally the fast- and slow-responding ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlxContinuous {
    pub normal: SpO2Pr,
    pub fast: Option<SpO2Pr>,
    pub slow: Option<SpO2Pr>,
    pub measurement_status: Option<PlxMeasurementStatus>,
    pub device_sensor_status: Option<PlxDeviceSensorStatus>,
    pub pulse_amplitude_index: Option<Number>,
    /// Flags bits 5–7 as sent, as in [`PlxSpotCheck::reserved_flags`].
    pub reserved_flags: u8,
}

/// Flags bits 5–7 of both measurements.
const RESERVED_FLAGS: u32 = 0b1110_0000;

/// SpO2 in percent and pulse rate in beats per minute, both SFLOAT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SpO2Pr {
    pub spo2: Number,
    pub pulse_rate: Number,
}

/// Measurement Status (uint16): bits 0–4 reserved; 5 measurement ongoing, 6 early estimated data,
/// 7 validated data, 8 fully qualified data, 9 data from measurement storage, 10 data for
/// demonstration, 11 data for testing, 12 calibration ongoing, 13 measurement unavailable,
/// 14 questionable measurement detected, 15 invalid measurement detected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlxMeasurementStatus(pub u16);

/// Device and Sensor Status (uint24): 0 extended display update ongoing, 1 equipment malfunction,
/// 2 signal processing irregularity, 3 inadequate signal, 4 poor signal, 5 low perfusion,
/// 6 erratic signal, 7 nonpulsatile signal, 8 questionable pulse, 9 signal analysis ongoing,
/// 10 sensor interference, 11 sensor unconnected to user, 12 unknown sensor connected,
/// 13 sensor displaced, 14 sensor malfunctioning, 15 sensor disconnected; 16–23 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlxDeviceSensorStatus(pub u32);

/// PLX Features: supported features (uint16), then the supported measurement-status bits (uint16,
/// present if bit 0) and the supported device-and-sensor-status bits (uint24, present if bit 1).
///
/// Supported features: 0 measurement status, 1 device and sensor status, 2 measurement storage for
/// spot-check, 3 timestamp for spot-check, 4 SpO2PR-Fast, 5 SpO2PR-Slow, 6 pulse amplitude index,
/// 7 multiple bonds; 8–15 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct PlxFeatures {
    /// Bits 0 and 1 follow the two fields below when encoding.
    pub supported: u16,
    pub measurement_status_support: Option<u16>,
    pub device_sensor_status_support: Option<u32>,
}

impl PlxFeatures {
    /// "Everything supported": the assumption when the device's features are not known.
    pub const ALL: PlxFeatures = PlxFeatures {
        supported: 0xFFFF,
        measurement_status_support: Some(0xFFFF),
        device_sensor_status_support: Some(0xFF_FFFF),
    };

    fn supports(&self, n: u32) -> bool {
        bit(u32::from(self.supported), n)
    }

    fn require(&self, present: bool, n: u32, what: &'static str) -> Result<()> {
        match present && !self.supports(n) {
            true => Err(Error::NotSupported(what)),
            false => Ok(()),
        }
    }

    fn check_status(
        &self,
        measurement: Option<PlxMeasurementStatus>,
        device: Option<PlxDeviceSensorStatus>,
    ) -> Result<()> {
        self.require(measurement.is_some(), 0, "measurement status")?;
        self.require(device.is_some(), 1, "device and sensor status")?;
        let allowed = u32::from(self.measurement_status_support.unwrap_or(0));
        if measurement.is_some_and(|s| u32::from(s.0) & !allowed != 0) {
            return Err(Error::NotSupported("a measurement status bit it sets"));
        }
        let allowed = self.device_sensor_status_support.unwrap_or(0);
        if device.is_some_and(|s| s.0 & !allowed != 0) {
            return Err(Error::NotSupported(
                "a device and sensor status bit it sets",
            ));
        }
        Ok(())
    }
}

macro_rules! status_bits {
    ($type:ty, $($name:ident = $bit:literal),+ $(,)?) => {
        impl $type {
            $(pub fn $name(self) -> bool { bit(u32::from(self.0), $bit) })+
        }
    };
}

status_bits!(
    PlxMeasurementStatus,
    measurement_ongoing = 5,
    early_estimated_data = 6,
    validated_data = 7,
    fully_qualified_data = 8,
    from_measurement_storage = 9,
    for_demonstration = 10,
    for_testing = 11,
    calibration_ongoing = 12,
    measurement_unavailable = 13,
    questionable_measurement = 14,
    invalid_measurement = 15,
);

status_bits!(
    PlxDeviceSensorStatus,
    extended_display_update_ongoing = 0,
    equipment_malfunction = 1,
    signal_processing_irregularity = 2,
    inadequate_signal = 3,
    poor_signal = 4,
    low_perfusion = 5,
    erratic_signal = 6,
    nonpulsatile_signal = 7,
    questionable_pulse = 8,
    signal_analysis_ongoing = 9,
    sensor_interference = 10,
    sensor_unconnected = 11,
    unknown_sensor = 12,
    sensor_displaced = 13,
    sensor_malfunctioning = 14,
    sensor_disconnected = 15,
);

impl SpO2Pr {
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        Ok(SpO2Pr {
            spo2: r.sfloat()?,
            pulse_rate: r.sfloat()?,
        })
    }

    fn write(&self, w: &mut Writer) {
        w.sfloat(self.spo2).sfloat(self.pulse_rate);
    }
}

/// Reads the status fields and the pulse amplitude index both measurements end with.
fn read_tail(
    r: &mut Reader<'_>,
    status: bool,
    device: bool,
    pai: bool,
) -> Result<(
    Option<PlxMeasurementStatus>,
    Option<PlxDeviceSensorStatus>,
    Option<Number>,
)> {
    let status = status
        .then(|| r.u16().map(PlxMeasurementStatus))
        .transpose()?;
    let device = device
        .then(|| r.u24().map(PlxDeviceSensorStatus))
        .transpose()?;
    let pai = pai.then(|| r.sfloat()).transpose()?;
    Ok((status, device, pai))
}

fn write_tail(
    w: &mut Writer,
    status: Option<PlxMeasurementStatus>,
    device: Option<PlxDeviceSensorStatus>,
    pai: Option<Number>,
) {
    if let Some(s) = status {
        w.u16(s.0);
    }
    if let Some(d) = device {
        w.u24(d.0);
    }
    if let Some(p) = pai {
        w.sfloat(p);
    }
}

impl PlxSpotCheck {
    /// Decodes against the device's PLX Features.
    pub fn decode_with(bytes: &[u8], features: &PlxFeatures) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let reading = SpO2Pr::read(&mut r)?;
        let timestamp = bit(flags, 0).then(|| DateTime::read(&mut r)).transpose()?;
        let (measurement_status, device_sensor_status, pulse_amplitude_index) =
            read_tail(&mut r, bit(flags, 1), bit(flags, 2), bit(flags, 3))?;
        r.finish()?;
        features.require(timestamp.is_some(), 3, "a spot-check timestamp")?;
        features.require(
            pulse_amplitude_index.is_some(),
            6,
            "the pulse amplitude index",
        )?;
        features.check_status(measurement_status, device_sensor_status)?;
        Ok(PlxSpotCheck {
            reading,
            timestamp,
            measurement_status,
            device_sensor_status,
            pulse_amplitude_index,
            device_clock_not_set: bit(flags, 4),
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }
}

impl Characteristic for PlxSpotCheck {
    const UUID: u16 = 0x2A5E;

    fn decode(bytes: &[u8]) -> Result<Self> {
        PlxSpotCheck::decode_with(bytes, &PlxFeatures::ALL)
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.timestamp.is_some(), 0)
            | flag(self.measurement_status.is_some(), 1)
            | flag(self.device_sensor_status.is_some(), 2)
            | flag(self.pulse_amplitude_index.is_some(), 3)
            | flag(self.device_clock_not_set, 4)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8);
        self.reading.write(&mut w);
        if let Some(t) = &self.timestamp {
            t.write(&mut w);
        }
        write_tail(
            &mut w,
            self.measurement_status,
            self.device_sensor_status,
            self.pulse_amplitude_index,
        );
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl PlxContinuous {
    /// Decodes against the device's PLX Features.
    pub fn decode_with(bytes: &[u8], features: &PlxFeatures) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let normal = SpO2Pr::read(&mut r)?;
        let fast = bit(flags, 0).then(|| SpO2Pr::read(&mut r)).transpose()?;
        let slow = bit(flags, 1).then(|| SpO2Pr::read(&mut r)).transpose()?;
        let (measurement_status, device_sensor_status, pulse_amplitude_index) =
            read_tail(&mut r, bit(flags, 2), bit(flags, 3), bit(flags, 4))?;
        r.finish()?;
        features.require(fast.is_some(), 4, "SpO2PR-Fast")?;
        features.require(slow.is_some(), 5, "SpO2PR-Slow")?;
        features.require(
            pulse_amplitude_index.is_some(),
            6,
            "the pulse amplitude index",
        )?;
        features.check_status(measurement_status, device_sensor_status)?;
        Ok(PlxContinuous {
            normal,
            fast,
            slow,
            measurement_status,
            device_sensor_status,
            pulse_amplitude_index,
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }
}

impl Characteristic for PlxContinuous {
    const UUID: u16 = 0x2A5F;

    fn decode(bytes: &[u8]) -> Result<Self> {
        PlxContinuous::decode_with(bytes, &PlxFeatures::ALL)
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.fast.is_some(), 0)
            | flag(self.slow.is_some(), 1)
            | flag(self.measurement_status.is_some(), 2)
            | flag(self.device_sensor_status.is_some(), 3)
            | flag(self.pulse_amplitude_index.is_some(), 4)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8);
        self.normal.write(&mut w);
        for pair in [self.fast, self.slow].iter().flatten() {
            pair.write(&mut w);
        }
        write_tail(
            &mut w,
            self.measurement_status,
            self.device_sensor_status,
            self.pulse_amplitude_index,
        );
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for PlxFeatures {
    const UUID: u16 = 0x2A60;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let supported = r.u16()?;
        let flags = u32::from(supported);
        let measurement_status_support = bit(flags, 0).then(|| r.u16()).transpose()?;
        let device_sensor_status_support = bit(flags, 1).then(|| r.u24()).transpose()?;
        r.finish()?;
        Ok(PlxFeatures {
            supported,
            measurement_status_support,
            device_sensor_status_support,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let supported = (self.supported & !0b11)
            | flag(self.measurement_status_support.is_some(), 0) as u16
            | flag(self.device_sensor_status_support.is_some(), 1) as u16;
        let mut w = Writer::new();
        w.u16(supported);
        if let Some(s) = self.measurement_status_support {
            w.u16(s);
        }
        if let Some(s) = self.device_sensor_status_support {
            w.u24(s);
        }
        w.into_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::check_ignored;

    fn n(mantissa: i32, exponent: i8) -> Number {
        Number::finite(mantissa, exponent)
    }

    fn pair(spo2: Number, pulse_rate: Number) -> SpO2Pr {
        SpO2Pr { spo2, pulse_rate }
    }

    // Layouts per PLXS v1.0.1 (PLX Spot-Check Measurement, PLX Continuous Measurement, PLX Features); bytes from
    // StanfordSpezi/SpeziBluetooth PLXTests (an independent implementation), values re-derived
    // here by hand from the SFLOAT rules of IEEE 11073-20601 §F.8.

    #[test]
    fn continuous_vectors() {
        let check = |bytes: &[u8], expected: Result<PlxContinuous>| {
            assert_eq!(PlxContinuous::decode(bytes), expected, "{bytes:02x?}")
        };
        let plain = PlxContinuous {
            normal: pair(n(1000, -1), n(900, -1)),
            fast: None,
            slow: None,
            measurement_status: None,
            device_sensor_status: None,
            pulse_amplitude_index: None,
            reserved_flags: 0,
        };
        check(&[0, 232, 243, 132, 243], Ok(plain));
        check(
            &[28, 95, 0, 90, 0, 32, 0, 0, 0, 0, 87, 240],
            Ok(PlxContinuous {
                normal: pair(n(95, 0), n(90, 0)),
                measurement_status: Some(PlxMeasurementStatus(0x0020)),
                device_sensor_status: Some(PlxDeviceSensorStatus(0)),
                pulse_amplitude_index: Some(n(87, -1)),
                ..plain
            }),
        );
        check(
            &[
                31, 222, 243, 202, 243, 202, 243, 90, 245, 212, 243, 178, 242, 32, 1, 0, 0, 0, 122,
                227,
            ],
            Ok(PlxContinuous {
                normal: pair(n(990, -1), n(970, -1)),
                fast: Some(pair(n(970, -1), n(1370, -1))),
                slow: Some(pair(n(980, -1), n(690, -1))),
                measurement_status: Some(PlxMeasurementStatus(0x0120)),
                device_sensor_status: Some(PlxDeviceSensorStatus(0)),
                pulse_amplitude_index: Some(n(890, -2)),
                reserved_flags: 0,
            }),
        );
        // A reserved flag bit is kept and ignored (PLXS v1.0.1: bits 5–7 reserved for future use).
        check(
            &[0x20, 95, 0, 90, 0],
            Ok(PlxContinuous {
                normal: pair(n(95, 0), n(90, 0)),
                reserved_flags: 0x20,
                ..plain
            }),
        );
        check(
            &[0x01, 95, 0, 90, 0],
            Err(Error::TooShort { needed: 7, got: 5 }),
        );
    }

    #[test]
    fn spot_check_vectors() {
        let bytes = [
            15, 172, 243, 190, 245, 232, 7, 11, 29, 23, 8, 57, 32, 64, 34, 0, 0, 102, 227,
        ];
        let expected = PlxSpotCheck {
            reading: pair(n(940, -1), n(1470, -1)),
            timestamp: Some(DateTime {
                year: 2024,
                month: 11,
                day: 29,
                hours: 23,
                minutes: 8,
                seconds: 57,
            }),
            measurement_status: Some(PlxMeasurementStatus(0x4020)),
            device_sensor_status: Some(PlxDeviceSensorStatus(0x22)),
            pulse_amplitude_index: Some(n(870, -2)),
            device_clock_not_set: false,
            reserved_flags: 0,
        };
        assert_eq!(PlxSpotCheck::decode(&bytes), Ok(expected));
        assert_eq!(expected.encode(), bytes);
        let status = expected
            .measurement_status
            .map(|s| (s.measurement_ongoing(), s.questionable_measurement()));
        assert_eq!(status, Some((true, true)));
        let device = expected
            .device_sensor_status
            .map(|s| (s.equipment_malfunction(), s.low_perfusion()));
        assert_eq!(device, Some((true, true)));
        // Bit 4: the device clock is not set.
        assert_eq!(
            PlxSpotCheck::decode(&[0x10, 95, 0, 72, 0]).map(|m| m.device_clock_not_set),
            Ok(true)
        );
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let spot_check = check_ignored::<PlxSpotCheck>;
        spot_check(&[0x10, 95, 0, 72, 0], Ok(vec![]));
        spot_check(
            &[0x30, 95, 0, 72, 0],
            Ok(vec![Ignored::ReservedFlags(0x20)]),
        );
        spot_check(
            &[0xE8, 95, 0, 72, 0, 87, 240],
            Ok(vec![Ignored::ReservedFlags(0xE0)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        spot_check(&[0x80, 95, 0, 72, 0, 0], Err(Error::TrailingBytes(1)));

        let continuous = check_ignored::<PlxContinuous>;
        continuous(&[0x00, 95, 0, 90, 0], Ok(vec![]));
        continuous(
            &[0x41, 95, 0, 90, 0, 97, 0, 137, 0],
            Ok(vec![Ignored::ReservedFlags(0x40)]),
        );
        continuous(&[0x20, 95, 0, 90, 0, 0, 0], Err(Error::TrailingBytes(2)));
        // Features still decide what is supported; reserved bits do not bend that.
        let features = PlxFeatures {
            supported: 0,
            measurement_status_support: None,
            device_sensor_status_support: None,
        };
        assert_eq!(
            PlxContinuous::decode_with(&[0xE0, 95, 0, 90, 0], &features).map(|m| m.ignored()),
            Ok(vec![Ignored::ReservedFlags(0xE0)])
        );
    }

    #[test]
    fn features_vectors() {
        let bytes = [163, 0, 64, 16, 128, 1, 0];
        let expected = PlxFeatures {
            supported: 0x00A3,
            measurement_status_support: Some(0x1040),
            device_sensor_status_support: Some(0x0180),
        };
        assert_eq!(PlxFeatures::decode(&bytes), Ok(expected));
        assert_eq!(expected.encode(), bytes);
        assert_eq!(
            PlxFeatures::decode(&[0x00, 0x00]).map(|f| f.measurement_status_support),
            Ok(None)
        );
        assert_eq!(
            PlxFeatures::decode(&[0x01, 0x00]),
            Err(Error::TooShort { needed: 4, got: 2 })
        );
    }

    #[test]
    fn features_change_what_is_accepted() {
        // Measurement status 0x0020 (ongoing) and device status 0; SpO2PR-Slow supported,
        // measurement status support only early-estimate and calibration-ongoing bits.
        let features = PlxFeatures::decode(&[163, 0, 64, 16, 128, 1, 0]).expect("valid features");
        let status_ongoing = [0x04, 95, 0, 90, 0, 0x20, 0x00];
        assert_eq!(
            PlxContinuous::decode_with(&status_ongoing, &features),
            Err(Error::NotSupported("a measurement status bit it sets"))
        );
        let early = [0x04, 95, 0, 90, 0, 0x40, 0x00];
        assert!(PlxContinuous::decode_with(&early, &features).is_ok());
        let fast = [0x01, 95, 0, 90, 0, 95, 0, 90, 0];
        assert_eq!(
            PlxContinuous::decode_with(&fast, &features),
            Err(Error::NotSupported("SpO2PR-Fast"))
        );
        assert!(PlxContinuous::decode(&fast).is_ok());
        let spot_with_time = [0x01, 95, 0, 90, 0, 232, 7, 11, 29, 23, 8, 57];
        assert_eq!(
            PlxSpotCheck::decode_with(&spot_with_time, &features),
            Err(Error::NotSupported("a spot-check timestamp"))
        );
    }
}
