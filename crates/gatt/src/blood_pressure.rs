//! Blood Pressure Measurement (0x2A35), Intermediate Cuff Pressure (0x2A36) and Blood Pressure
//! Feature (0x2A49), Blood Pressure Service v1.1.
//!
//! Both measurements share one layout: flags (bit 0 unit kPa, bit 1 time stamp, bit 2 pulse rate,
//! bit 3 user ID, bit 4 measurement status; bits 5–7 reserved), three SFLOATs, then the optional
//! fields in flag order. In Intermediate Cuff Pressure the first SFLOAT is the current cuff pressure
//! and the other two are unused and set to NaN.

use crate::bytes::{bit, check_flags, flag, Reader, Writer};
use crate::date_time::DateTime;
use crate::ieee11073::{Number, Special};
use crate::{Characteristic, Error, Result};

/// The unit of every pressure in one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PressureUnit {
    MmHg,
    KPa,
}

impl PressureUnit {
    /// The contract's name: `mmHg` or `kPa`.
    pub fn name(self) -> &'static str {
        match self {
            PressureUnit::MmHg => "mmHg",
            PressureUnit::KPa => "kPa",
        }
    }
}

/// A blood-pressure reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BloodPressureMeasurement {
    pub unit: PressureUnit,
    pub systolic: Number,
    pub diastolic: Number,
    pub mean_arterial: Number,
    pub timestamp: Option<DateTime>,
    /// Beats per minute.
    pub pulse_rate: Option<Number>,
    /// 0xFF is "unknown user".
    pub user_id: Option<u8>,
    pub status: Option<BloodPressureStatus>,
}

/// The cuff pressure while a measurement is under way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct IntermediateCuffPressure {
    pub unit: PressureUnit,
    pub cuff_pressure: Number,
    pub timestamp: Option<DateTime>,
    pub pulse_rate: Option<Number>,
    pub user_id: Option<u8>,
    pub status: Option<BloodPressureStatus>,
}

/// Measurement Status: bit 0 body movement, 1 cuff too loose, 2 irregular pulse, 3–4 pulse rate
/// range, 5 improper measurement position; 6–15 reserved (kept, ignored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BloodPressureStatus(pub u16);

/// Bits 3–4 of the measurement status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PulseRateRange {
    WithinRange,
    ExceedsUpperLimit,
    BelowLowerLimit,
}

/// Supported features: bit 0 body movement, 1 cuff fit, 2 irregular pulse, 3 pulse rate range,
/// 4 measurement position detection, 5 multiple bonds, 6 E2E-CRC, 7 User Data Service,
/// 8 user facing time; the rest reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BloodPressureFeature(pub u16);

impl BloodPressureStatus {
    pub fn body_movement(self) -> bool {
        self.0 & 0x0001 != 0
    }
    pub fn cuff_too_loose(self) -> bool {
        self.0 & 0x0002 != 0
    }
    pub fn irregular_pulse(self) -> bool {
        self.0 & 0x0004 != 0
    }
    pub fn pulse_rate_range(self) -> PulseRateRange {
        match (self.0 >> 3) & 0b11 {
            0b01 => PulseRateRange::ExceedsUpperLimit,
            0b10 => PulseRateRange::BelowLowerLimit,
            // 0b11 is rejected when decoding.
            _ => PulseRateRange::WithinRange,
        }
    }
    pub fn improper_position(self) -> bool {
        self.0 & 0x0020 != 0
    }

    fn check(self) -> Result<Self> {
        match (self.0 >> 3) & 0b11 {
            0b11 => Err(Error::Reserved {
                field: "pulse rate range",
                value: 3,
            }),
            _ => Ok(self),
        }
    }
}

impl BloodPressureFeature {
    pub fn body_movement_detection(self) -> bool {
        self.0 & 0x0001 != 0
    }
    pub fn cuff_fit_detection(self) -> bool {
        self.0 & 0x0002 != 0
    }
    pub fn irregular_pulse_detection(self) -> bool {
        self.0 & 0x0004 != 0
    }
    pub fn pulse_rate_range_detection(self) -> bool {
        self.0 & 0x0008 != 0
    }
    pub fn measurement_position_detection(self) -> bool {
        self.0 & 0x0010 != 0
    }
    pub fn multiple_bonds(self) -> bool {
        self.0 & 0x0020 != 0
    }
}

/// The layout both measurements share.
struct Layout {
    unit: PressureUnit,
    values: [Number; 3],
    timestamp: Option<DateTime>,
    pulse_rate: Option<Number>,
    user_id: Option<u8>,
    status: Option<BloodPressureStatus>,
}

impl Layout {
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        check_flags(flags, 0b1_1111)?;
        let unit = if bit(flags, 0) {
            PressureUnit::KPa
        } else {
            PressureUnit::MmHg
        };
        let values = [r.sfloat()?, r.sfloat()?, r.sfloat()?];
        let timestamp = bit(flags, 1).then(|| DateTime::read(&mut r)).transpose()?;
        let pulse_rate = bit(flags, 2).then(|| r.sfloat()).transpose()?;
        let user_id = bit(flags, 3).then(|| r.u8()).transpose()?;
        let status = match bit(flags, 4) {
            true => Some(BloodPressureStatus(r.u16()?).check()?),
            false => None,
        };
        r.finish()?;
        Ok(Layout {
            unit,
            values,
            timestamp,
            pulse_rate,
            user_id,
            status,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.unit == PressureUnit::KPa, 0)
            | flag(self.timestamp.is_some(), 1)
            | flag(self.pulse_rate.is_some(), 2)
            | flag(self.user_id.is_some(), 3)
            | flag(self.status.is_some(), 4);
        let mut w = Writer::new();
        w.u8(flags as u8);
        for value in self.values {
            w.sfloat(value);
        }
        if let Some(t) = &self.timestamp {
            t.write(&mut w);
        }
        if let Some(p) = self.pulse_rate {
            w.sfloat(p);
        }
        if let Some(id) = self.user_id {
            w.u8(id);
        }
        if let Some(s) = self.status {
            w.u16(s.0);
        }
        w.into_vec()
    }
}

impl Characteristic for BloodPressureMeasurement {
    const UUID: u16 = 0x2A35;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let l = Layout::decode(bytes)?;
        let [systolic, diastolic, mean_arterial] = l.values;
        Ok(BloodPressureMeasurement {
            unit: l.unit,
            systolic,
            diastolic,
            mean_arterial,
            timestamp: l.timestamp,
            pulse_rate: l.pulse_rate,
            user_id: l.user_id,
            status: l.status,
        })
    }

    fn encode(&self) -> Vec<u8> {
        Layout {
            unit: self.unit,
            values: [self.systolic, self.diastolic, self.mean_arterial],
            timestamp: self.timestamp,
            pulse_rate: self.pulse_rate,
            user_id: self.user_id,
            status: self.status,
        }
        .encode()
    }
}

impl Characteristic for IntermediateCuffPressure {
    const UUID: u16 = 0x2A36;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let l = Layout::decode(bytes)?;
        let [cuff_pressure, diastolic, mean_arterial] = l.values;
        // BLS: "the Diastolic and MAP subfields are unused and set to NaN".
        if diastolic != Number::NAN || mean_arterial != Number::NAN {
            return Err(Error::Malformed(
                "intermediate cuff pressure: diastolic and mean arterial pressure must be NaN",
            ));
        }
        Ok(IntermediateCuffPressure {
            unit: l.unit,
            cuff_pressure,
            timestamp: l.timestamp,
            pulse_rate: l.pulse_rate,
            user_id: l.user_id,
            status: l.status,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let nan = Number::Special(Special::NaN);
        Layout {
            unit: self.unit,
            values: [self.cuff_pressure, nan, nan],
            timestamp: self.timestamp,
            pulse_rate: self.pulse_rate,
            user_id: self.user_id,
            status: self.status,
        }
        .encode()
    }
}

impl Characteristic for BloodPressureFeature {
    const UUID: u16 = 0x2A49;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let feature = BloodPressureFeature(r.u16()?);
        r.finish()?;
        Ok(feature)
    }

    fn encode(&self) -> Vec<u8> {
        self.0.to_le_bytes().to_vec()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(mantissa: i32, exponent: i8) -> Number {
        Number::finite(mantissa, exponent)
    }

    fn bp(unit: PressureUnit, values: [Number; 3]) -> BloodPressureMeasurement {
        let [systolic, diastolic, mean_arterial] = values;
        BloodPressureMeasurement {
            unit,
            systolic,
            diastolic,
            mean_arterial,
            timestamp: None,
            pulse_rate: None,
            user_id: None,
            status: None,
        }
    }

    #[test]
    fn measurement_vectors() {
        // Layout per BLS v1.1 §3.1 (Blood Pressure Measurement); bytes from Nordic's
        // Android-BLE-Common-Library BloodPressureMeasurementDataCallbackTest.
        let check = |bytes: &[u8], expected: Result<BloodPressureMeasurement>| {
            assert_eq!(
                BloodPressureMeasurement::decode(bytes),
                expected,
                "{bytes:02x?}"
            )
        };
        let full = BloodPressureMeasurement {
            timestamp: Some(DateTime {
                year: 0,
                month: 4,
                day: 17,
                hours: 20,
                minutes: 41,
                seconds: 59,
            }),
            pulse_rate: Some(n(60, 0)),
            user_id: Some(1),
            status: Some(BloodPressureStatus(0b10_0111)),
            ..bp(PressureUnit::MmHg, [n(138, 0), n(88, 0), n(120, 0)])
        };
        check(
            &[
                0x1E, 0x8A, 0x00, 0x58, 0x00, 0x78, 0x00, 0x00, 0x00, 0x04, 0x11, 0x14, 0x29, 0x3B,
                0x3C, 0x00, 0x01, 0x27, 0x00,
            ],
            Ok(full),
        );
        let some = BloodPressureMeasurement {
            pulse_rate: Some(n(60, 0)),
            status: Some(BloodPressureStatus(0b01_0010)),
            ..bp(PressureUnit::KPa, [n(189, -1), n(11, 0), n(159, -1)])
        };
        check(
            &[
                0x15, 0xBD, 0xF0, 0x0B, 0x00, 0x9F, 0xF0, 0x3C, 0x00, 0x12, 0x00,
            ],
            Ok(some),
        );
        check(
            &[0x00, 0xBD, 0xF0, 0x0B, 0x00, 0x9F, 0xF0],
            Ok(bp(PressureUnit::MmHg, [n(189, -1), n(11, 0), n(159, -1)])),
        );
        check(
            &[1, 2, 3, 4, 5, 6],
            Err(Error::TooShort { needed: 7, got: 6 }),
        );
        check(
            &[3, 2, 3, 4, 5, 6, 7],
            Err(Error::TooShort { needed: 9, got: 7 }),
        );
        check(&[0x20, 0, 0, 0, 0, 0, 0], Err(Error::UnknownFlags(0x20)));
        // Pulse rate range 0b11 is reserved (BLS v1.1, Measurement Status field).
        check(
            &[0x10, 0x78, 0x00, 0x50, 0x00, 0x5A, 0x00, 0x18, 0x00],
            Err(Error::Reserved {
                field: "pulse rate range",
                value: 3,
            }),
        );
        // A special value stays special.
        check(
            &[0x00, 0xFF, 0x07, 0x00, 0x08, 0xFE, 0x07],
            Ok(bp(
                PressureUnit::MmHg,
                [
                    Number::NAN,
                    Number::Special(Special::NRes),
                    Number::Special(Special::PositiveInfinity),
                ],
            )),
        );
    }

    #[test]
    fn status_bits() {
        let s = BloodPressureStatus(0b10_0111);
        assert!(
            s.body_movement() && s.cuff_too_loose() && s.irregular_pulse() && s.improper_position()
        );
        assert_eq!(s.pulse_rate_range(), PulseRateRange::WithinRange);
        assert_eq!(
            BloodPressureStatus(0b01_0010).pulse_rate_range(),
            PulseRateRange::BelowLowerLimit
        );
        assert_eq!(
            BloodPressureStatus(0b00_1000).pulse_rate_range(),
            PulseRateRange::ExceedsUpperLimit
        );
    }

    #[test]
    fn cuff_pressure_vectors() {
        // BLS v1.1 §3.2: cuff pressure in the first SFLOAT, the other two NaN.
        let check = |bytes: &[u8], expected: Result<IntermediateCuffPressure>| {
            assert_eq!(
                IntermediateCuffPressure::decode(bytes),
                expected,
                "{bytes:02x?}"
            )
        };
        let cuff = IntermediateCuffPressure {
            unit: PressureUnit::MmHg,
            cuff_pressure: n(56, 0),
            timestamp: None,
            pulse_rate: None,
            user_id: None,
            status: None,
        };
        check(&[0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07], Ok(cuff));
        assert_eq!(cuff.encode(), [0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07]);
        check(
            &[0x00, 0x38, 0x00, 0x00, 0x00, 0xFF, 0x07],
            Err(Error::Malformed(
                "intermediate cuff pressure: diastolic and mean arterial pressure must be NaN",
            )),
        );
    }

    #[test]
    fn feature_vectors() {
        // BLS v1.1 §3.3 Blood Pressure Feature: uint16.
        assert_eq!(
            BloodPressureFeature::decode(&[0x3F, 0x00]),
            Ok(BloodPressureFeature(0x003F))
        );
        assert!(BloodPressureFeature(0x003F).multiple_bonds());
        assert_eq!(
            BloodPressureFeature::decode(&[0x3F]),
            Err(Error::TooShort { needed: 2, got: 1 })
        );
        assert_eq!(
            BloodPressureFeature::decode(&[0x3F, 0, 0]),
            Err(Error::TrailingBytes(1))
        );
    }
}
