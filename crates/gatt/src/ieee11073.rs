//! IEEE 11073-20601 numbers: SFLOAT (16-bit) and FLOAT (32-bit), with their special values.
//!
//! A value is `mantissa × 10^exponent`, both two's-complement. Special values (NaN, NRes, ±INF,
//! reserved) are kept distinct and never turned into numbers (IEEE 11073-20601 §F.8).

use serde::{Serialize, Serializer};

use crate::{Error, Result};

/// A decoded IEEE-11073 number: a finite value, or one of the special values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    /// `mantissa × 10^exponent`, kept exact so encoding gives back the same bytes.
    Finite {
        mantissa: i32,
        exponent: i8,
    },
    NaN,
    /// "Not at this resolution": the device could not represent the value.
    NRes,
    PositiveInfinity,
    NegativeInfinity,
    Reserved,
}

impl Number {
    /// The physical value, or `None` for a special value.
    pub fn value(self) -> Option<f64> {
        match self {
            Number::Finite { mantissa, exponent } => {
                Some(f64::from(mantissa) * 10f64.powi(i32::from(exponent)))
            }
            _ => None,
        }
    }

    /// The contract's name for a special value (`"NaN"`, `"NRes"`, `"+INF"`, `"-INF"`, `"reserved"`).
    pub fn special_name(self) -> Option<&'static str> {
        match self {
            Number::Finite { .. } => None,
            Number::NaN => Some("NaN"),
            Number::NRes => Some("NRes"),
            Number::PositiveInfinity => Some("+INF"),
            Number::NegativeInfinity => Some("-INF"),
            Number::Reserved => Some("reserved"),
        }
    }
}

/// Finite values serialize as JSON numbers, special values as their contract names.
impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match (self.value(), self.special_name()) {
            (Some(v), _) => serializer.serialize_f64(round_to_exponent(v, *self)),
            (None, Some(name)) => serializer.serialize_str(name),
            (None, None) => serializer.serialize_none(),
        }
    }
}

/// Removes binary noise (`0.1 * 3 = 0.30000000000000004`) by rounding to the decimal exponent.
fn round_to_exponent(value: f64, number: Number) -> f64 {
    match number {
        Number::Finite { exponent, .. } if exponent < 0 => {
            let scale = 10f64.powi(-i32::from(exponent));
            (value * scale).round() / scale
        }
        _ => value,
    }
}

/// The 16-bit SFLOAT: 4-bit exponent, 12-bit mantissa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sfloat(pub u16);

/// The 32-bit FLOAT: 8-bit exponent, 24-bit mantissa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Float(pub u32);

impl Sfloat {
    pub fn decode(self) -> Number {
        // The special values are mantissas, whatever the exponent (§F.8).
        match self.0 & 0x0FFF {
            0x07FF => return Number::NaN,
            0x0800 => return Number::NRes,
            0x07FE => return Number::PositiveInfinity,
            0x0802 => return Number::NegativeInfinity,
            0x0801 => return Number::Reserved,
            _ => {}
        }
        let mantissa = sign_extend(u32::from(self.0 & 0x0FFF), 12);
        let exponent = sign_extend(u32::from(self.0 >> 12), 4) as i8;
        Number::Finite { mantissa, exponent }
    }

    /// Reads an SFLOAT from the first two bytes, little-endian.
    pub fn read(bytes: &[u8]) -> Result<Number> {
        match bytes {
            [lo, hi, ..] => Ok(Sfloat(u16::from_le_bytes([*lo, *hi])).decode()),
            _ => Err(Error::TooShort {
                needed: 2,
                got: bytes.len(),
            }),
        }
    }
}

impl Float {
    pub fn decode(self) -> Number {
        // As for SFLOAT, the special values are mantissas (§F.6).
        match self.0 & 0x00FF_FFFF {
            0x007F_FFFF => return Number::NaN,
            0x0080_0000 => return Number::NRes,
            0x007F_FFFE => return Number::PositiveInfinity,
            0x0080_0002 => return Number::NegativeInfinity,
            0x0080_0001 => return Number::Reserved,
            _ => {}
        }
        let mantissa = sign_extend(self.0 & 0x00FF_FFFF, 24);
        let exponent = (self.0 >> 24) as u8 as i8;
        Number::Finite { mantissa, exponent }
    }

    /// Reads a FLOAT from the first four bytes, little-endian.
    pub fn read(bytes: &[u8]) -> Result<Number> {
        match bytes {
            [a, b, c, d, ..] => Ok(Float(u32::from_le_bytes([*a, *b, *c, *d])).decode()),
            _ => Err(Error::TooShort {
                needed: 4,
                got: bytes.len(),
            }),
        }
    }
}

fn sign_extend(raw: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    ((raw << shift) as i32) >> shift
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finite(mantissa: i32, exponent: i8) -> Number {
        Number::Finite { mantissa, exponent }
    }

    #[test]
    fn sfloat_vectors() {
        // IEEE 11073-20601 §F.8 (SFLOAT-Type).
        let check =
            |raw: u16, expected: Number| assert_eq!(Sfloat(raw).decode(), expected, "{raw:#06x}");
        check(0x0048, finite(72, 0)); // 72 bpm
        check(0xF16E, finite(366, -1)); // 36.6 °C
        check(0xF72C, finite(1836, -1)); // 183.6
        check(0xFFFF, finite(-1, -1)); // -0.1
        check(0x07FF, Number::NaN);
        check(0x0800, Number::NRes);
        check(0x07FE, Number::PositiveInfinity);
        check(0x0802, Number::NegativeInfinity);
        check(0x0801, Number::Reserved);
    }

    #[test]
    fn float_vectors() {
        // IEEE 11073-20601 §F.6 (FLOAT-Type).
        let check =
            |raw: u32, expected: Number| assert_eq!(Float(raw).decode(), expected, "{raw:#010x}");
        check(0xFF00_016E, finite(366, -1));
        check(0x0000_0048, finite(72, 0));
        check(0x007F_FFFF, Number::NaN);
        check(0x0080_0000, Number::NRes);
        check(0x007F_FFFE, Number::PositiveInfinity);
        check(0x0080_0002, Number::NegativeInfinity);
        check(0x0080_0001, Number::Reserved);
    }

    #[test]
    fn short_input_is_an_error() {
        assert_eq!(
            Sfloat::read(&[0x48]),
            Err(Error::TooShort { needed: 2, got: 1 })
        );
        assert_eq!(Float::read(&[]), Err(Error::TooShort { needed: 4, got: 0 }));
    }

    proptest::proptest! {
        #[test]
        fn any_sfloat_decodes(raw: u16) { let _ = Sfloat(raw).decode(); }
        #[test]
        fn any_float_decodes(raw: u32) { let _ = Float(raw).decode(); }
    }
}
