//! Battery Level (0x2A19), Battery Service v1.0 §3.1: one byte, 0–100 percent; 101–255 reserved.

use crate::bytes::Reader;
use crate::{Characteristic, Error, Result};

/// The battery's charge in percent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BatteryLevel(u8);

impl BatteryLevel {
    /// A level, or `None` above 100 %.
    pub fn new(percent: u8) -> Option<Self> {
        (percent <= 100).then_some(BatteryLevel(percent))
    }

    pub fn percent(self) -> u8 {
        self.0
    }
}

impl Characteristic for BatteryLevel {
    const UUID: u16 = 0x2A19;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let raw = r.u8()?;
        r.finish()?;
        BatteryLevel::new(raw).ok_or(Error::Reserved {
            field: "battery level",
            value: u32::from(raw),
        })
    }

    fn encode(&self) -> Vec<u8> {
        vec![self.0]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors() {
        // BAS v1.0 §3.1 Battery Level: uint8 percentage, 0–100.
        let check = |bytes: &[u8], expected: Result<u8>| {
            assert_eq!(
                BatteryLevel::decode(bytes).map(BatteryLevel::percent),
                expected,
                "{bytes:02x?}"
            )
        };
        check(&[0x64], Ok(100));
        check(&[0x00], Ok(0));
        check(&[0x55], Ok(85));
        check(
            &[0x65],
            Err(Error::Reserved {
                field: "battery level",
                value: 101,
            }),
        );
        check(
            &[0xFF],
            Err(Error::Reserved {
                field: "battery level",
                value: 255,
            }),
        );
        check(&[], Err(Error::TooShort { needed: 1, got: 0 }));
        check(&[0x64, 0x00], Err(Error::TrailingBytes(1)));
    }
}
