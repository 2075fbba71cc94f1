//! Blood Pressure Measurement (0x2A35), Intermediate Cuff Pressure (0x2A36) and Blood Pressure
//! Feature (0x2A49), Blood Pressure Service v1.1.
//!
//! Both measurements share one layout: flags (bit 0 unit kPa, bit 1 time stamp, bit 2 pulse rate,
//! bit 3 user ID, bit 4 measurement status; bits 5–7 reserved, kept and ignored), three SFLOATs,
//! then the optional
//! fields in flag order. In Intermediate Cuff Pressure the first SFLOAT is the current cuff pressure
//! and the other two are unused and set to NaN; whatever a cuff puts there is kept and ignored.

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::date_time::DateTime;
use crate::ieee11073::Number;
use crate::{Characteristic, Error, Ignored, Result};

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
    /// Flags bits 5–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
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
    /// Flags bits 5–7 as sent, as in [`BloodPressureMeasurement::reserved_flags`].
    pub reserved_flags: u8,
    /// The diastolic and mean arterial pressure fields, unused here (the specification sets them
    /// to NaN): kept as sent so encoding gives them back, never given a meaning.
    pub unused_fields: [Number; 2],
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
    reserved_flags: u8,
}

const RESERVED_FLAGS: u32 = 0b1110_0000;

impl Layout {
    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
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
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.unit == PressureUnit::KPa, 0)
            | flag(self.timestamp.is_some(), 1)
            | flag(self.pulse_rate.is_some(), 2)
            | flag(self.user_id.is_some(), 3)
            | flag(self.status.is_some(), 4)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
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
            reserved_flags: l.reserved_flags,
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
            reserved_flags: self.reserved_flags,
        }
        .encode()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for IntermediateCuffPressure {
    const UUID: u16 = 0x2A36;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let l = Layout::decode(bytes)?;
        // BLS: "the Diastolic and MAP subfields are unused and set to NaN"; a cuff that sends
        // something else there still sent a cuff pressure.
        let [cuff_pressure, diastolic, mean_arterial] = l.values;
        Ok(IntermediateCuffPressure {
            unit: l.unit,
            cuff_pressure,
            timestamp: l.timestamp,
            pulse_rate: l.pulse_rate,
            user_id: l.user_id,
            status: l.status,
            reserved_flags: l.reserved_flags,
            unused_fields: [diastolic, mean_arterial],
        })
    }

    fn encode(&self) -> Vec<u8> {
        let [diastolic, mean_arterial] = self.unused_fields;
        Layout {
            unit: self.unit,
            values: [self.cuff_pressure, diastolic, mean_arterial],
            timestamp: self.timestamp,
            pulse_rate: self.pulse_rate,
            user_id: self.user_id,
            status: self.status,
            reserved_flags: self.reserved_flags,
        }
        .encode()
    }

    fn ignored(&self) -> Vec<Ignored> {
        let mut ignored = ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS);
        let [diastolic, mean_arterial] = self.unused_fields;
        for (name, value) in [("diastolic", diastolic), ("mean_arterial", mean_arterial)] {
            if value != Number::NAN {
                ignored.push(Ignored::UnusedField(name));
            }
        }
        ignored
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
    use crate::bytes::check_ignored;
    use crate::ieee11073::Special;

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
            reserved_flags: 0,
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
        // A reserved flag bit is kept and ignored (BLS v1.1: bits 5–7 reserved for future use).
        check(
            &[0x20, 0, 0, 0, 0, 0, 0],
            Ok(BloodPressureMeasurement {
                reserved_flags: 0x20,
                ..bp(PressureUnit::MmHg, [n(0, 0), n(0, 0), n(0, 0)])
            }),
        );
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
            reserved_flags: 0,
            unused_fields: [Number::NAN, Number::NAN],
        };
        check(&[0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07], Ok(cuff));
        assert_eq!(cuff.encode(), [0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07]);
        // Unused fields that are not NaN (cuffs send zeros there) are kept and ignored.
        check(
            &[0x00, 0x38, 0x00, 0x00, 0x00, 0xFF, 0x07],
            Ok(IntermediateCuffPressure {
                unused_fields: [n(0, 0), Number::NAN],
                ..cuff
            }),
        );
    }

    #[test]
    fn reserved_flags_and_unused_fields_are_ignored() {
        let measurement = check_ignored::<BloodPressureMeasurement>;
        measurement(&[0x00, 0x78, 0x00, 0x50, 0x00, 0x5A, 0x00], Ok(vec![]));
        measurement(
            &[0xE0, 0x78, 0x00, 0x50, 0x00, 0x5A, 0x00],
            Ok(vec![Ignored::ReservedFlags(0xE0)]),
        );
        measurement(
            &[0x24, 0x78, 0x00, 0x50, 0x00, 0x5A, 0x00, 0x48, 0x00],
            Ok(vec![Ignored::ReservedFlags(0x20)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        measurement(
            &[0x20, 0x78, 0x00, 0x50, 0x00, 0x5A, 0x00, 0x48, 0x00],
            Err(Error::TrailingBytes(2)),
        );

        let cuff = check_ignored::<IntermediateCuffPressure>;
        cuff(&[0x00, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07], Ok(vec![]));
        cuff(
            &[0x00, 0x38, 0x00, 0x00, 0x00, 0x00, 0x00],
            Ok(vec![
                Ignored::UnusedField("diastolic"),
                Ignored::UnusedField("mean_arterial"),
            ]),
        );
        cuff(
            &[0x40, 0x38, 0x00, 0xFF, 0x07, 0x00, 0x08],
            Ok(vec![
                Ignored::ReservedFlags(0x40),
                Ignored::UnusedField("mean_arterial"),
            ]),
        );
        cuff(
            &[0x40, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07, 0x00],
            Err(Error::TrailingBytes(1)),
        );
        // A reserved pulse-rate range is a value outside its type, not a reserved bit.
        cuff(
            &[0x30, 0x38, 0x00, 0xFF, 0x07, 0xFF, 0x07, 0x18, 0x00],
            Err(Error::Reserved {
                field: "pulse rate range",
                value: 3,
            }),
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
