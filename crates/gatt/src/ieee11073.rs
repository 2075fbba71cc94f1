//! IEEE 11073-20601 numbers: SFLOAT (16-bit) and FLOAT (32-bit), with their special values.
//!
//! A value is `mantissa × 10^exponent`, both two's-complement. Special values (NaN, NRes, ±INF,
//! reserved) are kept distinct and never turned into numbers (IEEE 11073-20601 §F.6, §F.8).

use serde::{Serialize, Serializer};

use crate::{Error, Result};

/// A decoded IEEE-11073 number: a finite value, or one of the special values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Number {
    /// `mantissa × 10^exponent`, kept exact so encoding gives back the same bytes.
    Finite {
        mantissa: i32,
        exponent: i8,
    },
    Special(Special),
}

/// The values IEEE 11073-20601 reserves in the mantissa: none of them is a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Special {
    NaN,
    /// "Not at this resolution": the device could not represent the value.
    NRes,
    PositiveInfinity,
    NegativeInfinity,
    /// Reserved for future use by IEEE 11073.
    Reserved,
}

impl Special {
    pub const ALL: [Special; 5] = [
        Special::NaN,
        Special::NRes,
        Special::PositiveInfinity,
        Special::NegativeInfinity,
        Special::Reserved,
    ];

    /// The contract's name (`"NaN"`, `"NRes"`, `"+INF"`, `"-INF"`, `"reserved"`).
    pub fn name(self) -> &'static str {
        match self {
            Special::NaN => "NaN",
            Special::NRes => "NRes",
            Special::PositiveInfinity => "+INF",
            Special::NegativeInfinity => "-INF",
            Special::Reserved => "reserved",
        }
    }
}

impl Number {
    pub const NAN: Number = Number::Special(Special::NaN);

    pub fn finite(mantissa: i32, exponent: i8) -> Number {
        Number::Finite { mantissa, exponent }
    }

    /// The physical value, or `None` for a special value.
    pub fn value(self) -> Option<f64> {
        match self {
            Number::Finite { mantissa, exponent } => {
                Some(decimal(i64::from(mantissa), i32::from(exponent)))
            }
            Number::Special(_) => None,
        }
    }

    pub fn special(self) -> Option<Special> {
        match self {
            Number::Special(special) => Some(special),
            Number::Finite { .. } => None,
        }
    }

    /// The contract's name for a special value (`"NaN"`, `"NRes"`, `"+INF"`, `"-INF"`, `"reserved"`).
    pub fn special_name(self) -> Option<&'static str> {
        self.special().map(Special::name)
    }
}

/// Finite values serialize as JSON numbers (whole ones as integers), special values as their names.
impl Serialize for Number {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match *self {
            Number::Finite { .. } => match self.value() {
                Some(v) => serialize_real(v, serializer),
                None => serializer.serialize_none(),
            },
            Number::Special(special) => serializer.serialize_str(special.name()),
        }
    }
}

/// A whole value as an integer (`72`, not `72.0`), any other as the shortest decimal that reads back.
pub fn serialize_real<S: Serializer>(
    value: f64,
    serializer: S,
) -> std::result::Result<S::Ok, S::Error> {
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0; // 2^53
    if value.fract() == 0.0 && value.abs() < EXACT_INTEGERS {
        serializer.serialize_i64(value as i64)
    } else {
        serializer.serialize_f64(value)
    }
}

/// The 16-bit SFLOAT: 4-bit exponent, 12-bit mantissa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sfloat(pub u16);

/// The 32-bit FLOAT: 8-bit exponent, 24-bit mantissa.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Float(pub u32);

/// Largest finite SFLOAT mantissa: ±2046 and up are special values (§F.8).
pub const SFLOAT_MAX_MANTISSA: i32 = 2045;
/// Largest finite FLOAT mantissa: ±(2^23 − 2) and up are special values (§F.6).
pub const FLOAT_MAX_MANTISSA: i32 = 8_388_605;

impl Sfloat {
    pub fn decode(self) -> Number {
        // The special values are mantissas whatever the exponent: a reader never charts 0xF7FF
        // (NaN's mantissa with exponent -1) as 204.7. Encoders always write them with exponent 0.
        let special = match self.0 & 0x0FFF {
            0x07FF => Special::NaN,
            0x0800 => Special::NRes,
            0x07FE => Special::PositiveInfinity,
            0x0802 => Special::NegativeInfinity,
            0x0801 => Special::Reserved,
            _ => {
                let mantissa = sign_extend(u32::from(self.0 & 0x0FFF), 12);
                let exponent = sign_extend(u32::from(self.0 >> 12), 4) as i8;
                return Number::Finite { mantissa, exponent };
            }
        };
        Number::Special(special)
    }

    /// The SFLOAT for `number`. A mantissa too wide is shortened while that loses no digit
    /// (20000 → 2000e1); a value that cannot be written exactly becomes NRes, as a device would.
    pub fn encode(number: Number) -> Sfloat {
        let raw = match number {
            Number::Special(Special::NaN) => 0x07FF,
            Number::Special(Special::NRes) => 0x0800,
            Number::Special(Special::PositiveInfinity) => 0x07FE,
            Number::Special(Special::NegativeInfinity) => 0x0802,
            Number::Special(Special::Reserved) => 0x0801,
            Number::Finite { mantissa, exponent } => {
                match fit(mantissa, i32::from(exponent), SFLOAT_MAX_MANTISSA, -8, 7) {
                    Some((m, e)) => ((e as u16 & 0x000F) << 12) | (m as u16 & 0x0FFF),
                    None => 0x0800,
                }
            }
        };
        Sfloat(raw)
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
        let special = match self.0 & 0x00FF_FFFF {
            0x007F_FFFF => Special::NaN,
            0x0080_0000 => Special::NRes,
            0x007F_FFFE => Special::PositiveInfinity,
            0x0080_0002 => Special::NegativeInfinity,
            0x0080_0001 => Special::Reserved,
            _ => {
                let mantissa = sign_extend(self.0 & 0x00FF_FFFF, 24);
                let exponent = (self.0 >> 24) as u8 as i8;
                return Number::Finite { mantissa, exponent };
            }
        };
        Number::Special(special)
    }

    /// The FLOAT for `number`; as [`Sfloat::encode`], NRes when it cannot be written exactly.
    pub fn encode(number: Number) -> Float {
        let raw = match number {
            Number::Special(Special::NaN) => 0x007F_FFFF,
            Number::Special(Special::NRes) => 0x0080_0000,
            Number::Special(Special::PositiveInfinity) => 0x007F_FFFE,
            Number::Special(Special::NegativeInfinity) => 0x0080_0002,
            Number::Special(Special::Reserved) => 0x0080_0001,
            Number::Finite { mantissa, exponent } => {
                match fit(mantissa, i32::from(exponent), FLOAT_MAX_MANTISSA, -128, 127) {
                    Some((m, e)) => ((e as u8 as u32) << 24) | (m as u32 & 0x00FF_FFFF),
                    None => 0x0080_0000,
                }
            }
        };
        Float(raw)
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

/// `value × 10^exponent` as the f64 nearest to the exact decimal. Powers of ten up to 10^22 are
/// exact in f64, so one multiplication or division rounds once: SFLOAT 366e-1 is 36.6, not
/// 36.600000000000001. Wider exponents (FLOAT only) go through decimal parsing, which is exact too.
pub(crate) fn decimal(value: i64, exponent: i32) -> f64 {
    const POW10: [f64; 23] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
        1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ];
    let v = value as f64; // exact: decoded mantissas are below 2^53
    match POW10.get(exponent.unsigned_abs() as usize) {
        Some(p) if exponent >= 0 => v * p,
        Some(p) => v / p,
        None => format!("{value}e{exponent}").parse().unwrap_or(f64::NAN),
    }
}

/// Brings `(mantissa, exponent)` within `|m| <= max` and `min_e..=max_e` without changing the value.
fn fit(mantissa: i32, exponent: i32, max: i32, min_e: i32, max_e: i32) -> Option<(i32, i32)> {
    let (mut m, mut e) = (i64::from(mantissa), exponent);
    if m == 0 {
        return Some((0, e.clamp(min_e, max_e)));
    }
    // Too wide or too small an exponent: drop trailing zeros.
    while m.abs() > i64::from(max) || e < min_e {
        if m % 10 != 0 {
            return None;
        }
        m /= 10;
        e += 1;
    }
    // Too large an exponent: move it into the mantissa while that fits.
    while e > max_e {
        m *= 10;
        e -= 1;
        if m.abs() > i64::from(max) {
            return None;
        }
    }
    Some((i32::try_from(m).ok()?, e))
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
        // IEEE 11073-20601 §F.8 (SFLOAT-Type) and the Bluetooth SIG Personal Health Devices
        // Transcoding white paper, §2.2 examples.
        let check =
            |raw: u16, expected: Number| assert_eq!(Sfloat(raw).decode(), expected, "{raw:#06x}");
        check(0x0048, finite(72, 0)); // 72 bpm
        check(0xF16E, finite(366, -1)); // 36.6 °C
        check(0xF72C, finite(1836, -1)); // 183.6
        check(0xFFFF, finite(-1, -1)); // -0.1
        check(0xE4D2, finite(1234, -2)); // 12.34, CGMS 1.0.1 measurement example as used by Nordic
        check(0x07FF, Number::Special(Special::NaN));
        check(0x0800, Number::Special(Special::NRes));
        check(0x07FE, Number::Special(Special::PositiveInfinity));
        check(0x0802, Number::Special(Special::NegativeInfinity));
        check(0x0801, Number::Special(Special::Reserved));
    }

    #[test]
    fn float_vectors() {
        // IEEE 11073-20601 §F.6 (FLOAT-Type).
        let check =
            |raw: u32, expected: Number| assert_eq!(Float(raw).decode(), expected, "{raw:#010x}");
        check(0xFF00_016E, finite(366, -1));
        check(0x0000_0048, finite(72, 0));
        check(0xFE00_0EB0, finite(3760, -2)); // 37.60 °C, HTS example as used by Nordic's tests
        check(0x007F_FFFF, Number::Special(Special::NaN));
        check(0x0080_0000, Number::Special(Special::NRes));
        check(0x007F_FFFE, Number::Special(Special::PositiveInfinity));
        check(0x0080_0002, Number::Special(Special::NegativeInfinity));
        check(0x0080_0001, Number::Special(Special::Reserved));
    }

    #[test]
    fn values_are_the_nearest_double() {
        let check = |n: Number, expected: Option<f64>| assert_eq!(n.value(), expected, "{n:?}");
        check(finite(366, -1), Some(36.6));
        check(finite(1234, -2), Some(12.34));
        check(finite(-1, -1), Some(-0.1));
        check(finite(123, 3), Some(123_000.0));
        check(finite(1, -30), Some(1e-30));
        check(Number::NAN, None);
    }

    #[test]
    fn encoding_normalizes_or_gives_nres() {
        let check = |n: Number, raw: u16| assert_eq!(Sfloat::encode(n), Sfloat(raw), "{n:?}");
        check(finite(366, -1), 0xF16E);
        check(finite(20_000, 0), 0x17D0); // 2000e1
        check(finite(7, 8), 0x7046); // 70e7: the exponent tops out at 7
        check(finite(72, 9), 0x0800); // 7200e7 is too wide: NRes
        check(finite(2046, 0), 0x0800); // would read as +INF: NRes
        check(finite(1, -9), 0x0800);
        check(finite(0, 12), 0x7000);
        check(Number::Special(Special::NegativeInfinity), 0x0802);
        assert_eq!(Float::encode(finite(366, -1)), Float(0xFF00_016E));
        assert_eq!(Float::encode(finite(8_388_606, 0)), Float(0x0080_0000));
    }

    #[test]
    fn short_input_is_an_error() {
        assert_eq!(
            Sfloat::read(&[0x48]),
            Err(Error::TooShort { needed: 2, got: 1 })
        );
        assert_eq!(Float::read(&[]), Err(Error::TooShort { needed: 4, got: 0 }));
    }

    #[test]
    fn specials_have_contract_names() {
        let names: Vec<_> = Special::ALL.iter().map(|s| s.name()).collect();
        assert_eq!(names, ["NaN", "NRes", "+INF", "-INF", "reserved"]);
        assert_eq!(Number::Special(Special::NRes).special_name(), Some("NRes"));
    }

    proptest::proptest! {
        #[test]
        fn sfloat_round_trips(mantissa in -SFLOAT_MAX_MANTISSA..=SFLOAT_MAX_MANTISSA, exponent in -8i8..=7) {
            let n = finite(mantissa, exponent);
            proptest::prop_assert_eq!(Sfloat::encode(n).decode(), n);
        }

        #[test]
        fn float_round_trips(mantissa in -FLOAT_MAX_MANTISSA..=FLOAT_MAX_MANTISSA, exponent: i8) {
            let n = finite(mantissa, exponent);
            proptest::prop_assert_eq!(Float::encode(n).decode(), n);
        }

        #[test]
        fn any_sfloat_decodes_and_reencodes(raw: u16) {
            let n = Sfloat(raw).decode();
            proptest::prop_assert_eq!(Sfloat::encode(n).decode(), n);
            let _ = n.value();
        }

        #[test]
        fn any_float_decodes_and_reencodes(raw: u32) {
            let n = Float(raw).decode();
            proptest::prop_assert_eq!(Float::encode(n).decode(), n);
            proptest::prop_assert!(n.value().is_none_or(f64::is_finite));
        }
    }
}
