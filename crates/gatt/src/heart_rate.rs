//! Heart Rate Measurement (0x2A37), Heart Rate Service v1.0 §3.1.
//!
//! Flags: bit 0 value format (uint8/uint16), bits 1–2 sensor contact, bit 3 energy expended
//! present (uint16 kJ), bit 4 RR-intervals present (uint16, 1/1024 s, one or more); bits 5–7 reserved
//! (kept, ignored).

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::{Characteristic, Error, Ignored, Result};

/// One heart-rate notification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HeartRateMeasurement {
    pub bpm: u16,
    pub sensor_contact: SensorContact,
    pub energy_expended_kj: Option<u16>,
    /// RR-intervals in 1/1024 s, oldest first; empty when the packet carries none.
    pub rr_intervals: Vec<u16>,
    /// Flags bits 5–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

/// The sensor-contact bits: 0b00 and 0b01 both mean "not supported" (HRS v1.0, Flags field).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SensorContact {
    Unsupported,
    NotDetected,
    Detected,
}

impl SensorContact {
    /// The contract's name: `detected`, `not_detected` or `unsupported`.
    pub fn name(self) -> &'static str {
        match self {
            SensorContact::Unsupported => "unsupported",
            SensorContact::NotDetected => "not_detected",
            SensorContact::Detected => "detected",
        }
    }
}

impl HeartRateMeasurement {
    /// The RR-intervals in milliseconds (exact: 1/1024 s is a binary fraction).
    pub fn rr_intervals_ms(&self) -> impl Iterator<Item = f64> + '_ {
        self.rr_intervals
            .iter()
            .map(|&rr| f64::from(rr) * 1000.0 / 1024.0)
    }
}

const KNOWN_FLAGS: u32 = 0b1_1111;
const RESERVED_FLAGS: u32 = !KNOWN_FLAGS & 0xFF;

impl Characteristic for HeartRateMeasurement {
    const UUID: u16 = 0x2A37;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let bpm = if bit(flags, 0) {
            r.u16()?
        } else {
            u16::from(r.u8()?)
        };
        let sensor_contact = match (flags >> 1) & 0b11 {
            0b10 => SensorContact::NotDetected,
            0b11 => SensorContact::Detected,
            _ => SensorContact::Unsupported,
        };
        let energy_expended_kj = if bit(flags, 3) { Some(r.u16()?) } else { None };
        let mut rr_intervals = Vec::new();
        if bit(flags, 4) {
            // The flag promises at least one interval; the rest of the value holds them all.
            if r.remaining() == 0 {
                return Err(Error::TooShort {
                    needed: r.position() + 2,
                    got: bytes.len(),
                });
            }
            while r.remaining() > 0 {
                rr_intervals.push(r.u16()?);
            }
        }
        r.finish()?;
        Ok(HeartRateMeasurement {
            bpm,
            sensor_contact,
            energy_expended_kj,
            rr_intervals,
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let wide = self.bpm > u16::from(u8::MAX);
        let contact = match self.sensor_contact {
            SensorContact::Unsupported => 0b00,
            SensorContact::NotDetected => 0b10,
            SensorContact::Detected => 0b11,
        };
        let flags = flag(wide, 0)
            | contact << 1
            | flag(self.energy_expended_kj.is_some(), 3)
            | flag(!self.rr_intervals.is_empty(), 4)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8);
        match u8::try_from(self.bpm) {
            Ok(narrow) => w.u8(narrow),
            Err(_) => w.u16(self.bpm),
        };
        if let Some(kj) = self.energy_expended_kj {
            w.u16(kj);
        }
        for &rr in &self.rr_intervals {
            w.u16(rr);
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::check_ignored;
    use SensorContact::*;

    fn hr(bpm: u16, contact: SensorContact, kj: Option<u16>, rr: &[u16]) -> HeartRateMeasurement {
        HeartRateMeasurement {
            bpm,
            sensor_contact: contact,
            energy_expended_kj: kj,
            rr_intervals: rr.to_vec(),
            reserved_flags: 0,
        }
    }

    #[test]
    fn vectors() {
        // Layout per HRS v1.0 §3.1 (Heart Rate Measurement); bytes from Nordic's Android-BLE-Common-Library
        // HeartRateMeasurementDataCallbackTest.
        let check = |bytes: &[u8], expected: Result<HeartRateMeasurement>| {
            assert_eq!(
                HeartRateMeasurement::decode(bytes),
                expected,
                "{bytes:02x?}"
            )
        };
        check(&[0x00, 85], Ok(hr(85, Unsupported, None, &[])));
        check(&[0x04, 0xFF], Ok(hr(255, NotDetected, None, &[])));
        check(
            &[0x1E, 85, 50, 0, 33, 0],
            Ok(hr(85, Detected, Some(50), &[33])),
        );
        check(
            &[0x1F, 1, 1, 50, 1, 1, 0, 2, 1, 0xFF, 0xFF],
            Ok(hr(257, Detected, Some(306), &[1, 258, 65535])),
        );
        check(&[0x17, 1, 1], Err(Error::TooShort { needed: 5, got: 3 }));
        // 0b01 in the contact bits is "not supported" too (HRS v1.0, Flags field).
        check(&[0x02, 60], Ok(hr(60, Unsupported, None, &[])));
        // Zephyr's heart-rate sample: flags 0x06 (contact supported and detected), 8-bit value.
        check(&[0x06, 90], Ok(hr(90, Detected, None, &[])));
        // A reserved flag bit is kept and ignored (HRS v1.0: bits 5–7 reserved for future use).
        check(
            &[0x20, 60],
            Ok(HeartRateMeasurement {
                reserved_flags: 0x20,
                ..hr(60, Unsupported, None, &[])
            }),
        );
        // Rejections: missing or odd RR-intervals, empty value, trailing bytes.
        check(&[0x10, 60], Err(Error::TooShort { needed: 4, got: 2 }));
        check(
            &[0x10, 60, 1, 0, 2],
            Err(Error::TooShort { needed: 6, got: 5 }),
        );
        check(&[], Err(Error::TooShort { needed: 1, got: 0 }));
        check(&[0x00, 60, 0], Err(Error::TrailingBytes(1)));
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let check = check_ignored::<HeartRateMeasurement>;
        check(&[0x06, 90], Ok(vec![]));
        check(&[0x20, 60], Ok(vec![Ignored::ReservedFlags(0x20)]));
        check(
            &[0xFE, 85, 50, 0, 33, 0],
            Ok(vec![Ignored::ReservedFlags(0xE0)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        check(&[0x20, 60, 0], Err(Error::TrailingBytes(1)));
        check(&[0xE0], Err(Error::TooShort { needed: 2, got: 1 }));
    }

    #[test]
    fn rr_intervals_in_milliseconds() {
        let m = hr(60, Detected, None, &[1024, 512, 33]);
        assert_eq!(
            m.rr_intervals_ms().collect::<Vec<_>>(),
            [1000.0, 500.0, 32.2265625]
        );
    }

    #[test]
    fn encodes_the_narrowest_format() {
        assert_eq!(
            hr(85, Detected, Some(50), &[33]).encode(),
            [0x1E, 85, 50, 0, 33, 0]
        );
        assert_eq!(hr(257, Unsupported, None, &[]).encode(), [0x01, 1, 1]);
    }
}
