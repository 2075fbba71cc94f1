//! Temperature Measurement (0x2A1C) and Temperature Type (0x2A1D), Health Thermometer Service v1.0.
//!
//! Flags: bit 0 unit (Celsius/Fahrenheit), bit 1 time stamp present, bit 2 temperature type
//! present; bits 3–7 reserved (kept, ignored). The temperature is an IEEE-11073 FLOAT.

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::date_time::DateTime;
use crate::ieee11073::Number;
use crate::{Characteristic, Ignored, Result};

/// The unit the thermometer measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TemperatureUnit {
    Celsius,
    Fahrenheit,
}

impl TemperatureUnit {
    /// The contract's name: `C` or `F`.
    pub fn name(self) -> &'static str {
        match self {
            TemperatureUnit::Celsius => "C",
            TemperatureUnit::Fahrenheit => "F",
        }
    }
}

raw_enum! {
    /// Where the temperature was taken (GSS, Temperature Type); 0 and 10–255 reserved.
    pub enum TemperatureType("temperature type") {
        Armpit = 1,
        Body = 2,
        Ear = 3,
        Finger = 4,
        GastroIntestinalTract = 5,
        Mouth = 6,
        Rectum = 7,
        Toe = 8,
        Tympanum = 9,
    }
}

/// One thermometer reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TemperatureMeasurement {
    pub unit: TemperatureUnit,
    pub temperature: Number,
    pub timestamp: Option<DateTime>,
    pub temperature_type: Option<TemperatureType>,
    /// Flags bits 3–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

const RESERVED_FLAGS: u32 = 0b1111_1000;

impl Characteristic for TemperatureMeasurement {
    const UUID: u16 = 0x2A1C;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let unit = if bit(flags, 0) {
            TemperatureUnit::Fahrenheit
        } else {
            TemperatureUnit::Celsius
        };
        let temperature = r.float()?;
        let timestamp = bit(flags, 1).then(|| DateTime::read(&mut r)).transpose()?;
        let temperature_type = match bit(flags, 2) {
            true => Some(TemperatureType::from_raw(r.u8()?)?),
            false => None,
        };
        r.finish()?;
        Ok(TemperatureMeasurement {
            unit,
            temperature,
            timestamp,
            temperature_type,
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.unit == TemperatureUnit::Fahrenheit, 0)
            | flag(self.timestamp.is_some(), 1)
            | flag(self.temperature_type.is_some(), 2)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8).float(self.temperature);
        if let Some(t) = &self.timestamp {
            t.write(&mut w);
        }
        if let Some(t) = self.temperature_type {
            w.u8(t.raw());
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for TemperatureType {
    const UUID: u16 = 0x2A1D;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let t = TemperatureType::from_raw(r.u8()?)?;
        r.finish()?;
        Ok(t)
    }

    fn encode(&self) -> Vec<u8> {
        vec![self.raw()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::check_ignored;
    use crate::ieee11073::Special;
    use crate::Error;

    #[test]
    fn measurement_vectors() {
        // Layout per HTS v1.0 §3.1 (Temperature Measurement); first vector from Nordic's
        // Android-BLE-Common-Library TemperatureMeasurementDataCallbackTest.
        let check = |bytes: &[u8], expected: Result<TemperatureMeasurement>| {
            assert_eq!(
                TemperatureMeasurement::decode(bytes),
                expected,
                "{bytes:02x?}"
            )
        };
        check(
            &[
                0x06, 0xB0, 0x0E, 0x00, 0xFE, 0xDC, 0x07, 0x0C, 0x05, 0x0B, 0x32, 0x1B, 0x04,
            ],
            Ok(TemperatureMeasurement {
                unit: TemperatureUnit::Celsius,
                temperature: Number::finite(3760, -2),
                timestamp: Some(DateTime {
                    year: 2012,
                    month: 12,
                    day: 5,
                    hours: 11,
                    minutes: 50,
                    seconds: 27,
                }),
                temperature_type: Some(TemperatureType::Finger),
                reserved_flags: 0,
            }),
        );
        check(
            &[
                0x06, 0xB0, 0x0E, 0x00, 0xFE, 0xDC, 0x07, 0x0C, 0x05, 0x0B, 0x32, 0x1B,
            ],
            Err(Error::TooShort {
                needed: 13,
                got: 12,
            }),
        );
        // 36.6 °C as FLOAT 0xFF00016E (IEEE 11073-20601 §F.6), no optional fields.
        let plain = TemperatureMeasurement {
            unit: TemperatureUnit::Celsius,
            temperature: Number::finite(366, -1),
            timestamp: None,
            temperature_type: None,
            reserved_flags: 0,
        };
        check(&[0x00, 0x6E, 0x01, 0x00, 0xFF], Ok(plain));
        check(
            &[0x01, 0xFF, 0xFF, 0x7F, 0x00],
            Ok(TemperatureMeasurement {
                unit: TemperatureUnit::Fahrenheit,
                temperature: Number::Special(Special::NaN),
                ..plain
            }),
        );
        // A reserved flag bit is kept and ignored (HTS v1.0: bits 3–7 reserved for future use).
        check(
            &[0x08, 0x6E, 0x01, 0x00, 0xFF],
            Ok(TemperatureMeasurement {
                reserved_flags: 0x08,
                ..plain
            }),
        );
        check(
            &[0x04, 0x6E, 0x01, 0x00, 0xFF, 0x00],
            Err(Error::Reserved {
                field: "temperature type",
                value: 0,
            }),
        );
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let check = check_ignored::<TemperatureMeasurement>;
        check(&[0x00, 0x6E, 0x01, 0x00, 0xFF], Ok(vec![]));
        check(
            &[0x08, 0x6E, 0x01, 0x00, 0xFF],
            Ok(vec![Ignored::ReservedFlags(0x08)]),
        );
        check(
            &[0xFE, 0x6E, 0x01, 0x00, 0xFF, 0xE8, 0x07, 1, 2, 3, 4, 5, 2],
            Ok(vec![Ignored::ReservedFlags(0xF8)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        check(
            &[0x08, 0x6E, 0x01, 0x00, 0xFF, 0x00],
            Err(Error::TrailingBytes(1)),
        );
        // A reserved temperature type is a value outside its type, not a reserved bit.
        check(
            &[0xFE, 0x6E, 0x01, 0x00, 0xFF, 0xE8, 0x07, 1, 2, 3, 4, 5, 0],
            Err(Error::Reserved {
                field: "temperature type",
                value: 0,
            }),
        );
    }

    #[test]
    fn type_vectors() {
        // HTS v1.0 §3.2 / GSS Temperature Type: 1 armpit … 9 tympanum.
        assert_eq!(TemperatureType::decode(&[0x02]), Ok(TemperatureType::Body));
        assert_eq!(
            TemperatureType::decode(&[0x09]),
            Ok(TemperatureType::Tympanum)
        );
        assert_eq!(
            TemperatureType::decode(&[0x0A]),
            Err(Error::Reserved {
                field: "temperature type",
                value: 10
            })
        );
        assert_eq!(
            TemperatureType::decode(&[0x02, 0x00]),
            Err(Error::TrailingBytes(1))
        );
    }
}
