//! A bounds-checked reader over a characteristic value, and the matching little-endian writer.
//!
//! Decoders never index the input: every read goes through [`Reader`], which answers
//! [`Error::TooShort`] instead of panicking, and [`Reader::finish`] rejects trailing bytes.

use crate::ieee11073::{Float, Number, Sfloat};
use crate::{Error, Ignored, Result};

/// Reads little-endian fields front to back.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, position: 0 }
    }

    /// The next `n` bytes.
    pub fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self.position.saturating_add(n);
        let slice = self.bytes.get(self.position..end).ok_or(Error::TooShort {
            needed: end,
            got: self.bytes.len(),
        })?;
        self.position = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    pub fn u8(&mut self) -> Result<u8> {
        Ok(u8::from_le_bytes(self.array()?))
    }

    pub fn i8(&mut self) -> Result<i8> {
        Ok(i8::from_le_bytes(self.array()?))
    }

    pub fn u16(&mut self) -> Result<u16> {
        Ok(u16::from_le_bytes(self.array()?))
    }

    pub fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_le_bytes(self.array()?))
    }

    pub fn u24(&mut self) -> Result<u32> {
        let [a, b, c] = self.array()?;
        Ok(u32::from_le_bytes([a, b, c, 0]))
    }

    pub fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_le_bytes(self.array()?))
    }

    pub fn sfloat(&mut self) -> Result<Number> {
        Ok(Sfloat(self.u16()?).decode())
    }

    pub fn float(&mut self) -> Result<Number> {
        Ok(Float(self.u32()?).decode())
    }

    /// How many bytes are left.
    pub fn remaining(&self) -> usize {
        self.bytes.len().saturating_sub(self.position)
    }

    /// How many bytes were read so far.
    pub fn position(&self) -> usize {
        self.position
    }

    /// The bytes read so far.
    pub fn consumed(&self) -> &'a [u8] {
        self.bytes.get(..self.position).unwrap_or_default()
    }

    /// Ends decoding: every byte must have been read.
    pub fn finish(self) -> Result<()> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(Error::TrailingBytes(n)),
        }
    }
}

/// Appends little-endian fields.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    pub fn new() -> Self {
        Writer::default()
    }

    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    pub fn i8(&mut self, value: i8) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn u16(&mut self, value: u16) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn i16(&mut self, value: i16) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// The low 24 bits of `value`.
    pub fn u24(&mut self, value: u32) -> &mut Self {
        let [a, b, c, _] = value.to_le_bytes();
        self.bytes.extend_from_slice(&[a, b, c]);
        self
    }

    pub fn u32(&mut self, value: u32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(value);
        self
    }

    pub fn sfloat(&mut self, value: Number) -> &mut Self {
        self.u16(Sfloat::encode(value).0)
    }

    pub fn float(&mut self, value: Number) -> &mut Self {
        self.u32(Float::encode(value).0)
    }

    /// The bytes written so far.
    pub fn as_slice(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_vec(self) -> Vec<u8> {
        self.bytes
    }
}

/// Whether bit `n` of `value` is set.
pub(crate) fn bit(value: u32, n: u32) -> bool {
    value.checked_shr(n).is_some_and(|v| v & 1 == 1)
}

/// `1 << n` if `set`, else 0.
pub(crate) fn flag(set: bool, n: u32) -> u32 {
    if set {
        1u32.checked_shl(n).unwrap_or(0)
    } else {
        0
    }
}

/// The reserved flag bits of a value as it reports them: nothing when none is set. `reserved` holds
/// only the bits the specification reserves.
pub(crate) fn ignored_flags(reserved: u32) -> Vec<Ignored> {
    match reserved {
        0 => Vec::new(),
        bits => vec![Ignored::ReservedFlags(bits)],
    }
}

/// `raw × multiplier × 10^exponent`, correctly rounded: `raw × multiplier` is exact, and dividing
/// by an exact power of ten rounds once (so 0.005 kg × 12345 is 61.725, not 61.724999…).
pub(crate) fn scaled(raw: i64, multiplier: i64, exponent: i32) -> f64 {
    crate::ieee11073::decimal(raw.saturating_mul(multiplier), exponent)
}

/// Test check for the tolerance rules: `bytes` decodes as `T` and reports `expected` as ignored
/// (or is refused with `expected`'s error), and an accepted value encodes to `bytes` again.
#[cfg(test)]
pub(crate) fn check_ignored<T: crate::Characteristic + std::fmt::Debug>(
    bytes: &[u8],
    expected: Result<Vec<Ignored>>,
) {
    let decoded = T::decode(bytes);
    assert_eq!(
        decoded.as_ref().map(T::ignored).map_err(Clone::clone),
        expected,
        "{bytes:02x?}"
    );
    if let Ok(value) = decoded {
        assert_eq!(value.encode(), bytes, "{value:?} encodes as sent");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_reports_what_is_missing() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(), Ok(0x0201));
        assert_eq!(r.u16(), Err(Error::TooShort { needed: 4, got: 3 }));
        assert_eq!(r.clone().finish(), Err(Error::TrailingBytes(1)));
        assert_eq!(r.u8(), Ok(3));
        assert_eq!(r.finish(), Ok(()));
        assert_eq!(
            Reader::new(&[1, 2]).u24(),
            Err(Error::TooShort { needed: 3, got: 2 })
        );
        assert_eq!(Reader::new(&[1, 2, 3]).u24(), Ok(0x030201));
    }

    #[test]
    fn writes_little_endian() {
        let mut w = Writer::new();
        w.u8(1).u16(0x0302).u24(0x060504).i16(-2).u32(0x0A09_0807);
        assert_eq!(w.into_vec(), [1, 2, 3, 4, 5, 6, 0xFE, 0xFF, 7, 8, 9, 10]);
    }

    #[test]
    fn reserved_flags_report_only_when_set() {
        assert_eq!(ignored_flags(0), []);
        assert_eq!(ignored_flags(0xE0), [Ignored::ReservedFlags(0xE0)]);
        assert_eq!(
            Ignored::ReservedFlags(0x20).to_string(),
            "reserved flag bits 0x20 ignored"
        );
    }

    #[test]
    fn scaling_is_correctly_rounded() {
        assert_eq!(scaled(12345, 5, -3), 61.725);
        assert_eq!(scaled(1700, 1, -3), 1.7);
        assert_eq!(scaled(7, 1, 0), 7.0);
    }
}
