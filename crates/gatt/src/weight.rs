//! Weight Measurement (0x2A9D) and Weight Scale Feature (0x2A9E), Weight Scale Service v1.0.
//!
//! Flags: bit 0 units (SI or imperial), bit 1 time stamp, bit 2 user ID, bit 3 BMI and height;
//! bits 4–7 reserved (kept, ignored). The GATT Specification Supplement fixes each field's scale: weight 0.005 kg
//! or 0.01 lb, BMI 0.1 kg/m², height 0.001 m or 0.1 in; 0xFFFF as weight means "measurement
//! unsuccessful". The feature's resolutions say how fine the scale actually measures (a scale
//! with 0.1 kg resolution sends multiples of 20 × 0.005 kg); they do not rescale the field.

use crate::bytes::{bit, flag, ignored_flags, scaled, Reader, Writer};
use crate::date_time::DateTime;
use crate::{Characteristic, Error, Ignored, Result};

/// The unit system of every mass and length in one measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnitSystem {
    /// Kilograms and metres.
    Si,
    /// Pounds and inches.
    Imperial,
}

impl UnitSystem {
    /// The contract's name for the mass unit: `kg` or `lb`.
    pub fn mass_name(self) -> &'static str {
        match self {
            UnitSystem::Si => "kg",
            UnitSystem::Imperial => "lb",
        }
    }

    /// A mass field's value: 0.005 kg or 0.01 lb per step.
    pub fn mass(self, raw: u16) -> f64 {
        match self {
            UnitSystem::Si => scaled(i64::from(raw), 5, -3),
            UnitSystem::Imperial => scaled(i64::from(raw), 1, -2),
        }
    }

    /// A height field's value: 0.001 m or 0.1 in per step.
    pub fn height(self, raw: u16) -> f64 {
        match self {
            UnitSystem::Si => scaled(i64::from(raw), 1, -3),
            UnitSystem::Imperial => scaled(i64::from(raw), 1, -1),
        }
    }

    fn from_flag(imperial: bool) -> Self {
        if imperial {
            UnitSystem::Imperial
        } else {
            UnitSystem::Si
        }
    }
}

/// One weighing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeightMeasurement {
    pub units: UnitSystem,
    /// Raw weight steps; `None` when the scale reports the measurement unsuccessful (0xFFFF).
    pub weight: Option<u16>,
    pub timestamp: Option<DateTime>,
    /// 0xFF is "unknown user".
    pub user_id: Option<u8>,
    pub bmi_height: Option<BmiHeight>,
    /// Flags bits 4–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

const RESERVED_FLAGS: u32 = 0b1111_0000;

/// BMI and height travel together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BmiHeight {
    /// 0.1 kg/m² steps.
    pub bmi: u16,
    /// 0.001 m or 0.1 in steps.
    pub height: u16,
}

/// Weight Scale Feature (uint32): 0 time stamp, 1 multiple users, 2 BMI supported, 3–6 weight
/// resolution, 7–9 height resolution; 10–31 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeightScaleFeature(pub u32);

raw_enum! {
    /// How finely the scale weighs: SI / imperial step.
    pub enum WeightResolution("weight measurement resolution") {
        NotSpecified = 0,
        /// 0.5 kg or 1 lb.
        Step500g = 1,
        /// 0.2 kg or 0.5 lb.
        Step200g = 2,
        /// 0.1 kg or 0.2 lb.
        Step100g = 3,
        /// 0.05 kg or 0.1 lb.
        Step50g = 4,
        /// 0.02 kg or 0.05 lb.
        Step20g = 5,
        /// 0.01 kg or 0.02 lb.
        Step10g = 6,
        /// 0.005 kg or 0.01 lb.
        Step5g = 7,
    }
}

raw_enum! {
    /// How finely the device measures height: SI / imperial step.
    pub enum HeightResolution("height measurement resolution") {
        NotSpecified = 0,
        /// 0.01 m or 1 in.
        Step10mm = 1,
        /// 0.005 m or 0.5 in.
        Step5mm = 2,
        /// 0.001 m or 0.1 in.
        Step1mm = 3,
    }
}

impl WeightResolution {
    /// The step in kilograms or pounds, if specified.
    pub fn step(self, units: UnitSystem) -> Option<f64> {
        let (si, imperial) = match self {
            WeightResolution::NotSpecified => return None,
            WeightResolution::Step500g => (0.5, 1.0),
            WeightResolution::Step200g => (0.2, 0.5),
            WeightResolution::Step100g => (0.1, 0.2),
            WeightResolution::Step50g => (0.05, 0.1),
            WeightResolution::Step20g => (0.02, 0.05),
            WeightResolution::Step10g => (0.01, 0.02),
            WeightResolution::Step5g => (0.005, 0.01),
        };
        Some(if units == UnitSystem::Si {
            si
        } else {
            imperial
        })
    }
}

impl HeightResolution {
    /// The step in metres or inches, if specified.
    pub fn step(self, units: UnitSystem) -> Option<f64> {
        let (si, imperial) = match self {
            HeightResolution::NotSpecified => return None,
            HeightResolution::Step10mm => (0.01, 1.0),
            HeightResolution::Step5mm => (0.005, 0.5),
            HeightResolution::Step1mm => (0.001, 0.1),
        };
        Some(if units == UnitSystem::Si {
            si
        } else {
            imperial
        })
    }
}

impl WeightScaleFeature {
    pub fn time_stamp_supported(self) -> bool {
        bit(self.0, 0)
    }
    pub fn multiple_users_supported(self) -> bool {
        bit(self.0, 1)
    }
    pub fn bmi_supported(self) -> bool {
        bit(self.0, 2)
    }
    pub fn weight_resolution(self) -> WeightResolution {
        // Every 4-bit value above 7 is rejected when decoding.
        WeightResolution::from_raw(((self.0 >> 3) & 0x0F) as u8)
            .unwrap_or(WeightResolution::NotSpecified)
    }
    pub fn height_resolution(self) -> HeightResolution {
        HeightResolution::from_raw(((self.0 >> 7) & 0x07) as u8)
            .unwrap_or(HeightResolution::NotSpecified)
    }
}

impl WeightMeasurement {
    /// The weight in kilograms or pounds, or `None` if the measurement was unsuccessful.
    pub fn weight_value(&self) -> Option<f64> {
        self.weight.map(|raw| self.units.mass(raw))
    }

    /// BMI in kg/m².
    pub fn bmi_value(&self) -> Option<f64> {
        self.bmi_height.map(|b| scaled(i64::from(b.bmi), 1, -1))
    }

    /// Height in metres or inches.
    pub fn height_value(&self) -> Option<f64> {
        self.bmi_height.map(|b| self.units.height(b.height))
    }

    /// Decodes against the scale's features: a field it says it does not support is rejected.
    pub fn decode_with(bytes: &[u8], features: WeightScaleFeature) -> Result<Self> {
        let m = WeightMeasurement::decode(bytes)?;
        if m.timestamp.is_some() && !features.time_stamp_supported() {
            return Err(Error::NotSupported("time stamps"));
        }
        if m.user_id.is_some() && !features.multiple_users_supported() {
            return Err(Error::NotSupported("multiple users"));
        }
        if m.bmi_height.is_some() && !features.bmi_supported() {
            return Err(Error::NotSupported("BMI"));
        }
        Ok(m)
    }
}

const UNSUCCESSFUL: u16 = 0xFFFF;

impl Characteristic for WeightMeasurement {
    const UUID: u16 = 0x2A9D;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let weight = Some(r.u16()?).filter(|&w| w != UNSUCCESSFUL);
        let timestamp = bit(flags, 1).then(|| DateTime::read(&mut r)).transpose()?;
        let user_id = bit(flags, 2).then(|| r.u8()).transpose()?;
        let bmi_height = match bit(flags, 3) {
            true => Some(BmiHeight {
                bmi: r.u16()?,
                height: r.u16()?,
            }),
            false => None,
        };
        r.finish()?;
        Ok(WeightMeasurement {
            units: UnitSystem::from_flag(bit(flags, 0)),
            weight,
            timestamp,
            user_id,
            bmi_height,
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let flags = flag(self.units == UnitSystem::Imperial, 0)
            | flag(self.timestamp.is_some(), 1)
            | flag(self.user_id.is_some(), 2)
            | flag(self.bmi_height.is_some(), 3)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8).u16(self.weight.unwrap_or(UNSUCCESSFUL));
        if let Some(t) = &self.timestamp {
            t.write(&mut w);
        }
        if let Some(id) = self.user_id {
            w.u8(id);
        }
        if let Some(b) = self.bmi_height {
            w.u16(b.bmi).u16(b.height);
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for WeightScaleFeature {
    const UUID: u16 = 0x2A9E;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let feature = WeightScaleFeature(r.u32()?);
        r.finish()?;
        WeightResolution::from_raw(((feature.0 >> 3) & 0x0F) as u8)?;
        HeightResolution::from_raw(((feature.0 >> 7) & 0x07) as u8)?;
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

    #[test]
    fn measurement_vectors() {
        // Layout and scales per WSS v1.0 §3.2 and the GSS Weight Measurement field descriptions.
        let check = |bytes: &[u8], expected: Result<WeightMeasurement>| {
            assert_eq!(WeightMeasurement::decode(bytes), expected, "{bytes:02x?}")
        };
        let plain = WeightMeasurement {
            units: UnitSystem::Si,
            weight: Some(14000),
            timestamp: None,
            user_id: None,
            bmi_height: None,
            reserved_flags: 0,
        };
        check(&[0x00, 0xB0, 0x36], Ok(plain)); // 14000 × 0.005 kg = 70 kg
        assert_eq!(plain.weight_value(), Some(70.0));
        let full = WeightMeasurement {
            units: UnitSystem::Si,
            weight: Some(12345),
            timestamp: Some(DateTime {
                year: 2024,
                month: 6,
                day: 6,
                hours: 7,
                minutes: 30,
                seconds: 0,
            }),
            user_id: Some(2),
            bmi_height: Some(BmiHeight {
                bmi: 230,
                height: 1760,
            }),
            reserved_flags: 0,
        };
        let bytes = [
            0x0E, 0x39, 0x30, 0xE8, 0x07, 6, 6, 7, 30, 0, 2, 0xE6, 0x00, 0xE0, 0x06,
        ];
        check(&bytes, Ok(full));
        assert_eq!(full.encode(), bytes);
        assert_eq!(
            (full.weight_value(), full.bmi_value(), full.height_value()),
            (Some(61.725), Some(23.0), Some(1.76))
        );
        // Imperial: 15500 × 0.01 lb = 155 lb; 700 × 0.1 in = 70 in.
        let imperial = [0x09, 0x8C, 0x3C, 0xE6, 0x00, 0xBC, 0x02];
        let m = WeightMeasurement::decode(&imperial).expect("valid");
        assert_eq!(
            (m.units, m.weight_value(), m.height_value()),
            (UnitSystem::Imperial, Some(155.0), Some(70.0))
        );
        // 0xFFFF: measurement unsuccessful, not 327.675 kg.
        check(
            &[0x00, 0xFF, 0xFF],
            Ok(WeightMeasurement {
                weight: None,
                ..plain
            }),
        );
        // A reserved flag bit is kept and ignored (WSS v1.0: bits 4–7 reserved for future use).
        check(
            &[0x10, 0xB0, 0x36],
            Ok(WeightMeasurement {
                reserved_flags: 0x10,
                ..plain
            }),
        );
        check(
            &[0x08, 0xB0, 0x36, 0xE6, 0x00],
            Err(Error::TooShort { needed: 7, got: 5 }),
        );
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let check = check_ignored::<WeightMeasurement>;
        check(&[0x00, 0xB0, 0x36], Ok(vec![]));
        check(&[0x10, 0xB0, 0x36], Ok(vec![Ignored::ReservedFlags(0x10)]));
        check(
            &[0xF4, 0xB0, 0x36, 2],
            Ok(vec![Ignored::ReservedFlags(0xF0)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        check(&[0x10, 0xB0, 0x36, 2], Err(Error::TrailingBytes(1)));
        // Features still decide what is supported; reserved bits do not bend that.
        assert_eq!(
            WeightMeasurement::decode_with(&[0xF4, 0xB0, 0x36, 2], WeightScaleFeature(0)),
            Err(Error::NotSupported("multiple users"))
        );
    }

    #[test]
    fn features_vectors() {
        // WSS v1.0 §3.1 / GSS Weight Scale Feature: 0x07 = time stamp, multiple users, BMI.
        let f = WeightScaleFeature::decode(&[0x07, 0, 0, 0]).expect("valid");
        assert!(f.time_stamp_supported() && f.multiple_users_supported() && f.bmi_supported());
        assert_eq!(f.weight_resolution(), WeightResolution::NotSpecified);
        // Weight resolution 3 (0.1 kg), height resolution 3 (1 mm): 3 << 3 | 3 << 7 = 0x198.
        let f = WeightScaleFeature::decode(&[0x98, 0x01, 0, 0]).expect("valid");
        assert_eq!(
            (f.weight_resolution(), f.height_resolution()),
            (WeightResolution::Step100g, HeightResolution::Step1mm)
        );
        assert_eq!(f.weight_resolution().step(UnitSystem::Imperial), Some(0.2));
        assert_eq!(
            WeightScaleFeature::decode(&[0x40, 0, 0, 0]),
            Err(Error::Reserved {
                field: "weight measurement resolution",
                value: 8
            })
        );
        assert_eq!(
            WeightScaleFeature::decode(&[0x00, 0x02, 0, 0]),
            Err(Error::Reserved {
                field: "height measurement resolution",
                value: 4
            })
        );
    }

    #[test]
    fn features_restrict_fields() {
        let with_user = [0x04, 0xB0, 0x36, 1];
        assert_eq!(
            WeightMeasurement::decode_with(&with_user, WeightScaleFeature(0)),
            Err(Error::NotSupported("multiple users"))
        );
        assert!(WeightMeasurement::decode_with(&with_user, WeightScaleFeature(0x02)).is_ok());
    }
}
