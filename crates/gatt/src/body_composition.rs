//! Body Composition Measurement (0x2A9C) and Body Composition Feature (0x2A9B), Body Composition
//! Service v1.0 and GATT Specification Supplement v8 §3.33–§3.34.
//!
//! Flags (uint16): 0 units, 1 time stamp, 2 user ID, 3 basal metabolism, 4 muscle percentage,
//! 5 muscle mass, 6 fat-free mass, 7 soft lean mass, 8 body water mass, 9 impedance, 10 weight,
//! 11 height, 12 multiple packet measurement; 13–15 reserved (kept, ignored). Body fat percentage is mandatory;
//! 0xFFFF there means "measurement unsuccessful". A measurement too long for one packet is sent as
//! two, each with bit 12 set: [`BodyCompositionMeasurement::merge`] joins them.

use crate::bytes::{bit, flag, ignored_flags, scaled, Reader, Writer};
use crate::date_time::DateTime;
use crate::weight::{HeightResolution, UnitSystem, WeightResolution};
use crate::{Characteristic, Error, Ignored, Result};

/// A body-composition analysis (or one packet of it). Masses are raw 0.005 kg / 0.01 lb steps,
/// percentages 0.1 % steps, impedance 0.1 Ω steps, height 0.001 m / 0.1 in steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyCompositionMeasurement {
    pub units: UnitSystem,
    /// `None` when the measurement was unsuccessful (0xFFFF).
    pub body_fat: Option<u16>,
    pub timestamp: Option<DateTime>,
    pub user_id: Option<u8>,
    pub basal_metabolism_kj: Option<u16>,
    pub muscle_percentage: Option<u16>,
    pub muscle_mass: Option<u16>,
    pub fat_free_mass: Option<u16>,
    pub soft_lean_mass: Option<u16>,
    pub body_water_mass: Option<u16>,
    pub impedance: Option<u16>,
    pub weight: Option<u16>,
    pub height: Option<u16>,
    pub multiple_packet: bool,
    /// Flags bits 13–15 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u16,
}

/// Body Composition Feature (uint32): 0 time stamp, 1 multiple users, 2 basal metabolism, 3 muscle
/// percentage, 4 muscle mass, 5 fat-free mass, 6 soft lean mass, 7 body water mass, 8 impedance,
/// 9 weight, 10 height supported; 11–14 weight resolution, 15–17 height resolution; 18–31 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct BodyCompositionFeature(pub u32);

const UNSUCCESSFUL: u16 = 0xFFFF;
const RESERVED_FLAGS: u32 = 0xE000;

impl BodyCompositionFeature {
    pub fn supports(self, bit_number: u32) -> bool {
        bit(self.0, bit_number)
    }
    pub fn weight_resolution(self) -> WeightResolution {
        WeightResolution::from_raw(((self.0 >> 11) & 0x0F) as u8)
            .unwrap_or(WeightResolution::NotSpecified)
    }
    pub fn height_resolution(self) -> HeightResolution {
        HeightResolution::from_raw(((self.0 >> 15) & 0x07) as u8)
            .unwrap_or(HeightResolution::NotSpecified)
    }
}

impl BodyCompositionMeasurement {
    /// Body fat in percent, or `None` if the measurement was unsuccessful.
    pub fn body_fat_percent(&self) -> Option<f64> {
        self.body_fat.map(percent)
    }
    pub fn muscle_percent(&self) -> Option<f64> {
        self.muscle_percentage.map(percent)
    }
    /// A mass field in kilograms or pounds.
    pub fn mass(&self, raw: Option<u16>) -> Option<f64> {
        raw.map(|r| self.units.mass(r))
    }
    pub fn impedance_ohm(&self) -> Option<f64> {
        self.impedance.map(|r| scaled(i64::from(r), 1, -1))
    }
    pub fn height_value(&self) -> Option<f64> {
        self.height.map(|r| self.units.height(r))
    }

    /// Joins the two packets of a multiple-packet measurement. Both must be flagged as such and use
    /// the same units; a field both carry must agree.
    pub fn merge(self, second: Self) -> Result<Self> {
        if !self.multiple_packet || !second.multiple_packet {
            return Err(Error::Malformed(
                "body composition: merging packets not flagged as multiple-packet",
            ));
        }
        if self.units != second.units || self.body_fat != second.body_fat {
            return Err(Error::Malformed(
                "body composition: the two packets disagree",
            ));
        }
        fn join<T: PartialEq>(a: Option<T>, b: Option<T>) -> Result<Option<T>> {
            match (a, b) {
                (Some(a), Some(b)) if a != b => Err(Error::Malformed(
                    "body composition: the two packets disagree",
                )),
                (Some(a), _) => Ok(Some(a)),
                (None, b) => Ok(b),
            }
        }
        Ok(BodyCompositionMeasurement {
            units: self.units,
            body_fat: self.body_fat,
            timestamp: join(self.timestamp, second.timestamp)?,
            user_id: join(self.user_id, second.user_id)?,
            basal_metabolism_kj: join(self.basal_metabolism_kj, second.basal_metabolism_kj)?,
            muscle_percentage: join(self.muscle_percentage, second.muscle_percentage)?,
            muscle_mass: join(self.muscle_mass, second.muscle_mass)?,
            fat_free_mass: join(self.fat_free_mass, second.fat_free_mass)?,
            soft_lean_mass: join(self.soft_lean_mass, second.soft_lean_mass)?,
            body_water_mass: join(self.body_water_mass, second.body_water_mass)?,
            impedance: join(self.impedance, second.impedance)?,
            weight: join(self.weight, second.weight)?,
            height: join(self.height, second.height)?,
            multiple_packet: false,
            // What either packet's reserved bits held, so neither is lost from `ignored`.
            reserved_flags: self.reserved_flags | second.reserved_flags,
        })
    }

    /// Decodes against the device's features: a field it says it does not support is rejected.
    pub fn decode_with(bytes: &[u8], features: BodyCompositionFeature) -> Result<Self> {
        let m = BodyCompositionMeasurement::decode(bytes)?;
        let fields = [
            (m.timestamp.is_some(), 0, "time stamps"),
            (m.user_id.is_some(), 1, "multiple users"),
            (m.basal_metabolism_kj.is_some(), 2, "basal metabolism"),
            (m.muscle_percentage.is_some(), 3, "muscle percentage"),
            (m.muscle_mass.is_some(), 4, "muscle mass"),
            (m.fat_free_mass.is_some(), 5, "fat-free mass"),
            (m.soft_lean_mass.is_some(), 6, "soft lean mass"),
            (m.body_water_mass.is_some(), 7, "body water mass"),
            (m.impedance.is_some(), 8, "impedance"),
            (m.weight.is_some(), 9, "weight"),
            (m.height.is_some(), 10, "height"),
        ];
        match fields
            .iter()
            .find(|(present, n, _)| *present && !features.supports(*n))
        {
            Some((_, _, what)) => Err(Error::NotSupported(what)),
            None => Ok(m),
        }
    }

    /// The optional uint16 fields in wire order, with their flag bits.
    fn optional_u16(&self) -> [(u32, Option<u16>); 9] {
        [
            (3, self.basal_metabolism_kj),
            (4, self.muscle_percentage),
            (5, self.muscle_mass),
            (6, self.fat_free_mass),
            (7, self.soft_lean_mass),
            (8, self.body_water_mass),
            (9, self.impedance),
            (10, self.weight),
            (11, self.height),
        ]
    }
}

fn percent(raw: u16) -> f64 {
    scaled(i64::from(raw), 1, -1)
}

impl Characteristic for BodyCompositionMeasurement {
    const UUID: u16 = 0x2A9C;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u16()?);
        let body_fat = Some(r.u16()?).filter(|&v| v != UNSUCCESSFUL);
        let timestamp = bit(flags, 1).then(|| DateTime::read(&mut r)).transpose()?;
        let user_id = bit(flags, 2).then(|| r.u8()).transpose()?;
        let mut next = |n| bit(flags, n).then(|| r.u16()).transpose();
        let m = BodyCompositionMeasurement {
            units: if bit(flags, 0) {
                UnitSystem::Imperial
            } else {
                UnitSystem::Si
            },
            body_fat,
            timestamp,
            user_id,
            basal_metabolism_kj: next(3)?,
            muscle_percentage: next(4)?,
            muscle_mass: next(5)?,
            fat_free_mass: next(6)?,
            soft_lean_mass: next(7)?,
            body_water_mass: next(8)?,
            impedance: next(9)?,
            weight: next(10)?,
            height: next(11)?,
            multiple_packet: bit(flags, 12),
            reserved_flags: (flags & RESERVED_FLAGS) as u16,
        };
        r.finish()?;
        Ok(m)
    }

    fn encode(&self) -> Vec<u8> {
        let optional = self.optional_u16();
        let flags = flag(self.units == UnitSystem::Imperial, 0)
            | flag(self.timestamp.is_some(), 1)
            | flag(self.user_id.is_some(), 2)
            | optional
                .iter()
                .fold(0, |acc, (n, v)| acc | flag(v.is_some(), *n))
            | flag(self.multiple_packet, 12)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u16(flags as u16)
            .u16(self.body_fat.unwrap_or(UNSUCCESSFUL));
        if let Some(t) = &self.timestamp {
            t.write(&mut w);
        }
        if let Some(id) = self.user_id {
            w.u8(id);
        }
        for v in optional.iter().filter_map(|(_, v)| *v) {
            w.u16(v);
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for BodyCompositionFeature {
    const UUID: u16 = 0x2A9B;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let feature = BodyCompositionFeature(r.u32()?);
        r.finish()?;
        WeightResolution::from_raw(((feature.0 >> 11) & 0x0F) as u8)?;
        HeightResolution::from_raw(((feature.0 >> 15) & 0x07) as u8)?;
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

    fn empty() -> BodyCompositionMeasurement {
        BodyCompositionMeasurement {
            units: UnitSystem::Si,
            body_fat: Some(215),
            timestamp: None,
            user_id: None,
            basal_metabolism_kj: None,
            muscle_percentage: None,
            muscle_mass: None,
            fat_free_mass: None,
            soft_lean_mass: None,
            body_water_mass: None,
            impedance: None,
            weight: None,
            height: None,
            multiple_packet: false,
            reserved_flags: 0,
        }
    }

    #[test]
    fn measurement_vectors() {
        // Layout and scales per GSS v8 §3.34 (Body Composition Measurement).
        let check = |bytes: &[u8], expected: Result<BodyCompositionMeasurement>| {
            assert_eq!(
                BodyCompositionMeasurement::decode(bytes),
                expected,
                "{bytes:02x?}"
            )
        };
        check(&[0x00, 0x00, 0xD7, 0x00], Ok(empty())); // 21.5 % body fat
        assert_eq!(empty().body_fat_percent(), Some(21.5));
        // User 1, basal metabolism 7000 kJ, impedance 500.0 Ω, weight 70 kg, height 1.75 m.
        let bytes = [
            0x0C, 0x0E, 0xD7, 0x00, 0x01, 0x58, 0x1B, 0x88, 0x13, 0xB0, 0x36, 0xD6, 0x06,
        ];
        let full = BodyCompositionMeasurement {
            user_id: Some(1),
            basal_metabolism_kj: Some(7000),
            impedance: Some(5000),
            weight: Some(14000),
            height: Some(1750),
            ..empty()
        };
        check(&bytes, Ok(full));
        assert_eq!(full.encode(), bytes);
        assert_eq!(
            (
                full.impedance_ohm(),
                full.mass(full.weight),
                full.height_value()
            ),
            (Some(500.0), Some(70.0), Some(1.75))
        );
        check(
            &[0x00, 0x00, 0xFF, 0xFF],
            Ok(BodyCompositionMeasurement {
                body_fat: None,
                ..empty()
            }),
        );
        // A reserved flag bit is kept and ignored (GSS v8: bits 13–15 reserved for future use).
        check(
            &[0x00, 0x20, 0xD7, 0x00],
            Ok(BodyCompositionMeasurement {
                reserved_flags: 0x2000,
                ..empty()
            }),
        );
        check(
            &[0x00, 0x04, 0xD7, 0x00, 0xB0],
            Err(Error::TooShort { needed: 6, got: 5 }),
        );
    }

    #[test]
    fn reserved_flags_are_ignored() {
        let check = check_ignored::<BodyCompositionMeasurement>;
        check(&[0x00, 0x00, 0xD7, 0x00], Ok(vec![]));
        check(
            &[0x00, 0x20, 0xD7, 0x00],
            Ok(vec![Ignored::ReservedFlags(0x2000)]),
        );
        check(
            &[0x08, 0xF0, 0xD7, 0x00, 0x58, 0x1B],
            Ok(vec![Ignored::ReservedFlags(0xE000)]),
        );
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        check(
            &[0x00, 0x80, 0xD7, 0x00, 0x58, 0x1B],
            Err(Error::TrailingBytes(2)),
        );
    }

    #[test]
    fn multiple_packets_merge() {
        // BCS v1.0: a measurement longer than one packet is split; both carry flag bit 12.
        let first = BodyCompositionMeasurement::decode(&[0x08, 0x10, 0xD7, 0x00, 0x58, 0x1B])
            .expect("first");
        let second =
            BodyCompositionMeasurement::decode(&[0x00, 0x1C, 0xD7, 0x00, 0xB0, 0x36, 0xD6, 0x06])
                .expect("second");
        let merged = first.merge(second).expect("mergeable");
        assert_eq!(merged.basal_metabolism_kj, Some(7000));
        assert_eq!(
            (merged.weight, merged.height, merged.multiple_packet),
            (Some(14000), Some(1750), false)
        );
        assert!(empty().merge(empty()).is_err());
        let disagreeing = BodyCompositionMeasurement {
            body_fat: Some(1),
            ..second
        };
        assert!(first.merge(disagreeing).is_err());
    }

    #[test]
    fn features_vectors() {
        // GSS v8 §3.33: everything supported, weight resolution 7, height resolution 3.
        let all = 0x7FF | 7 << 11 | 3 << 15;
        let f = BodyCompositionFeature::decode(&all_bytes(all)).expect("valid");
        assert_eq!(
            (f.weight_resolution(), f.height_resolution()),
            (WeightResolution::Step5g, HeightResolution::Step1mm)
        );
        assert_eq!(
            BodyCompositionFeature::decode(&all_bytes(8 << 11)),
            Err(Error::Reserved {
                field: "weight measurement resolution",
                value: 8
            })
        );
        let with_impedance = [0x00, 0x02, 0xD7, 0x00, 0x88, 0x13];
        assert_eq!(
            BodyCompositionMeasurement::decode_with(&with_impedance, BodyCompositionFeature(0)),
            Err(Error::NotSupported("impedance"))
        );
        assert!(BodyCompositionMeasurement::decode_with(&with_impedance, f).is_ok());
    }

    fn all_bytes(raw: u32) -> [u8; 4] {
        raw.to_le_bytes()
    }
}
