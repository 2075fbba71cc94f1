//! Glucose Measurement (0x2A18), Glucose Measurement Context (0x2A34) and Glucose Feature (0x2A51),
//! Glucose Service v1.0.1.
//!
//! Measurement flags: bit 0 time offset present, bit 1 concentration + type-sample location
//! present, bit 2 unit (kg/L or mol/L), bit 3 sensor status annunciation present, bit 4 context
//! information follows; bits 5–7 reserved (kept, ignored).
//! Context flags: bit 0 carbohydrate, bit 1 meal, bit 2 tester-health, bit 3 exercise, bit 4
//! medication, bit 5 medication unit (kg or litre), bit 6 HbA1c, bit 7 extended flags present.
//! The extended flags byte follows the sequence number; all its bits are reserved for future use
//! and announce no field, so it is read, kept and ignored (as Nordic's Android BLE library does).

use crate::bytes::{bit, flag, ignored_flags, Reader, Writer};
use crate::date_time::DateTime;
use crate::ieee11073::Number;
use crate::{Characteristic, Ignored, Result};

/// A stored or live glucose measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlucoseMeasurement {
    pub sequence_number: u16,
    pub base_time: DateTime,
    /// Minutes to add to the base time.
    pub time_offset_min: Option<i16>,
    pub concentration: Option<GlucoseConcentration>,
    pub sensor_status: Option<GlucoseSensorStatus>,
    /// A Glucose Measurement Context with the same sequence number follows.
    pub context_follows: bool,
    /// Flags bits 5–7 as sent: reserved for future use, kept so encoding gives them back, never
    /// given a meaning (other bits here are ignored when encoding).
    pub reserved_flags: u8,
}

/// Glucose Measurement flags bits 5–7.
const RESERVED_FLAGS: u32 = 0b1110_0000;

/// The concentration and where the sample came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlucoseConcentration {
    pub value: Number,
    pub unit: GlucoseUnit,
    pub sample_type: SampleType,
    pub sample_location: SampleLocation,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GlucoseUnit {
    KilogramPerLitre,
    MolePerLitre,
}

impl GlucoseUnit {
    /// The contract's name: `kg/L` or `mol/L`.
    pub fn name(self) -> &'static str {
        match self {
            GlucoseUnit::KilogramPerLitre => "kg/L",
            GlucoseUnit::MolePerLitre => "mol/L",
        }
    }
}

raw_enum! {
    /// The sample's fluid (GLS Type nibble; also CGMS). 0 and 11–15 reserved.
    pub enum SampleType("sample type") {
        CapillaryWholeBlood = 1,
        CapillaryPlasma = 2,
        VenousWholeBlood = 3,
        VenousPlasma = 4,
        ArterialWholeBlood = 5,
        ArterialPlasma = 6,
        UndeterminedWholeBlood = 7,
        UndeterminedPlasma = 8,
        InterstitialFluid = 9,
        ControlSolution = 10,
    }
}

raw_enum! {
    /// Where a meter took the sample (GLS Sample Location nibble). 0 and 5–14 reserved.
    pub enum SampleLocation("sample location") {
        Finger = 1,
        AlternateSiteTest = 2,
        Earlobe = 3,
        ControlSolution = 4,
        NotAvailable = 15,
    }
}

/// Sensor Status Annunciation (uint16): 0 battery low, 1 sensor malfunction, 2 sample size
/// insufficient, 3 strip insertion error, 4 strip type incorrect, 5 result too high, 6 result too
/// low, 7 temperature too high, 8 temperature too low, 9 read interrupted, 10 general device
/// fault, 11 time fault; 12–15 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlucoseSensorStatus(pub u16);

impl GlucoseSensorStatus {
    pub fn battery_low(self) -> bool {
        self.0 & 1 != 0
    }
    /// Sensor malfunction or general device fault.
    pub fn device_fault(self) -> bool {
        self.0 & (1 << 1 | 1 << 10) != 0
    }
    /// Sample size insufficient, strip insertion error, strip type incorrect or read interrupted.
    pub fn sample_problem(self) -> bool {
        self.0 & (1 << 2 | 1 << 3 | 1 << 4 | 1 << 9) != 0
    }
    /// The result is higher or lower than the device can process.
    pub fn out_of_device_range(self) -> bool {
        self.0 & (1 << 5 | 1 << 6) != 0
    }
    /// The sensor temperature was too high or too low for a valid test.
    pub fn temperature_out_of_range(self) -> bool {
        self.0 & (1 << 7 | 1 << 8) != 0
    }
    pub fn time_fault(self) -> bool {
        self.0 & (1 << 11) != 0
    }
}

/// Glucose Feature (uint16): 0 low battery detection, 1 sensor malfunction detection, 2 sample
/// size, 3 strip insertion error, 4 strip type error, 5 result high-low, 6 temperature high-low,
/// 7 read interrupt, 8 general device fault, 9 time fault, 10 multiple bonds; 11–15 reserved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlucoseFeature(pub u16);

impl GlucoseFeature {
    pub fn multiple_bonds(self) -> bool {
        self.0 & (1 << 10) != 0
    }
}

/// What the patient or the meter recorded around a measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlucoseContext {
    pub sequence_number: u16,
    /// Carbohydrate taken, in kilograms.
    pub carbohydrate: Option<(CarbohydrateId, Number)>,
    pub meal: Option<Meal>,
    pub tester_health: Option<(Tester, Health)>,
    pub exercise: Option<Exercise>,
    pub medication: Option<Medication>,
    pub hba1c_percent: Option<Number>,
    /// The extended flags byte, present when flags bit 7 is set: every bit reserved for future
    /// use, kept as sent so encoding gives it back, never given a meaning.
    pub extended_flags: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Exercise {
    /// Seconds; 65535 means "overrun".
    pub duration_s: u16,
    pub intensity_percent: u8,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Medication {
    pub id: MedicationId,
    pub amount: Number,
    pub unit: MedicationUnit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MedicationUnit {
    Kilogram,
    Litre,
}

impl MedicationUnit {
    /// The contract's name: `kg` or `L`.
    pub fn name(self) -> &'static str {
        match self {
            MedicationUnit::Kilogram => "kg",
            MedicationUnit::Litre => "L",
        }
    }
}

raw_enum! {
    pub enum CarbohydrateId("carbohydrate ID") {
        Breakfast = 1, Lunch = 2, Dinner = 3, Snack = 4, Drink = 5, Supper = 6, Brunch = 7,
    }
}

raw_enum! {
    pub enum Meal("meal") {
        Preprandial = 1, Postprandial = 2, Fasting = 3, Casual = 4, Bedtime = 5,
    }
}

raw_enum! {
    pub enum Tester("tester") {
        SelfTest = 1, HealthCareProfessional = 2, LabTest = 3, NotAvailable = 15,
    }
}

raw_enum! {
    pub enum Health("health") {
        MinorIssues = 1, MajorIssues = 2, DuringMenses = 3, UnderStress = 4, NoIssues = 5,
        NotAvailable = 15,
    }
}

raw_enum! {
    pub enum MedicationId("medication ID") {
        RapidActingInsulin = 1, ShortActingInsulin = 2, IntermediateActingInsulin = 3,
        LongActingInsulin = 4, PreMixedInsulin = 5,
    }
}

/// Splits a byte into its (low, high) nibbles.
fn nibbles(byte: u8) -> (u8, u8) {
    (byte & 0x0F, byte >> 4)
}

impl Characteristic for GlucoseMeasurement {
    const UUID: u16 = 0x2A18;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let sequence_number = r.u16()?;
        let base_time = DateTime::read(&mut r)?;
        let time_offset_min = bit(flags, 0).then(|| r.i16()).transpose()?;
        let concentration = match bit(flags, 1) {
            true => {
                let value = r.sfloat()?;
                let (sample_type, location) = nibbles(r.u8()?);
                Some(GlucoseConcentration {
                    value,
                    unit: if bit(flags, 2) {
                        GlucoseUnit::MolePerLitre
                    } else {
                        GlucoseUnit::KilogramPerLitre
                    },
                    sample_type: SampleType::from_raw(sample_type)?,
                    sample_location: SampleLocation::from_raw(location)?,
                })
            }
            false => None,
        };
        let sensor_status = bit(flags, 3)
            .then(|| r.u16().map(GlucoseSensorStatus))
            .transpose()?;
        r.finish()?;
        Ok(GlucoseMeasurement {
            sequence_number,
            base_time,
            time_offset_min,
            concentration,
            sensor_status,
            context_follows: bit(flags, 4),
            reserved_flags: (flags & RESERVED_FLAGS) as u8,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let mol = self
            .concentration
            .is_some_and(|c| c.unit == GlucoseUnit::MolePerLitre);
        let flags = flag(self.time_offset_min.is_some(), 0)
            | flag(self.concentration.is_some(), 1)
            | flag(mol, 2)
            | flag(self.sensor_status.is_some(), 3)
            | flag(self.context_follows, 4)
            | u32::from(self.reserved_flags) & RESERVED_FLAGS;
        let mut w = Writer::new();
        w.u8(flags as u8).u16(self.sequence_number);
        self.base_time.write(&mut w);
        if let Some(offset) = self.time_offset_min {
            w.i16(offset);
        }
        if let Some(c) = &self.concentration {
            w.sfloat(c.value)
                .u8(c.sample_type.raw() | c.sample_location.raw() << 4);
        }
        if let Some(s) = self.sensor_status {
            w.u16(s.0);
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        ignored_flags(u32::from(self.reserved_flags) & RESERVED_FLAGS)
    }
}

impl Characteristic for GlucoseContext {
    const UUID: u16 = 0x2A34;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let flags = u32::from(r.u8()?);
        let sequence_number = r.u16()?;
        let extended_flags = bit(flags, 7).then(|| r.u8()).transpose()?;
        let carbohydrate = match bit(flags, 0) {
            true => Some((CarbohydrateId::from_raw(r.u8()?)?, r.sfloat()?)),
            false => None,
        };
        let meal = bit(flags, 1)
            .then(|| r.u8().and_then(Meal::from_raw))
            .transpose()?;
        let tester_health = match bit(flags, 2) {
            true => {
                let (tester, health) = nibbles(r.u8()?);
                Some((Tester::from_raw(tester)?, Health::from_raw(health)?))
            }
            false => None,
        };
        let exercise = match bit(flags, 3) {
            true => Some(Exercise {
                duration_s: r.u16()?,
                intensity_percent: r.u8()?,
            }),
            false => None,
        };
        let medication = match bit(flags, 4) {
            true => Some(Medication {
                id: MedicationId::from_raw(r.u8()?)?,
                amount: r.sfloat()?,
                unit: if bit(flags, 5) {
                    MedicationUnit::Litre
                } else {
                    MedicationUnit::Kilogram
                },
            }),
            false => None,
        };
        let hba1c_percent = bit(flags, 6).then(|| r.sfloat()).transpose()?;
        r.finish()?;
        Ok(GlucoseContext {
            sequence_number,
            carbohydrate,
            meal,
            tester_health,
            exercise,
            medication,
            hba1c_percent,
            extended_flags,
        })
    }

    fn encode(&self) -> Vec<u8> {
        let litre = self
            .medication
            .is_some_and(|m| m.unit == MedicationUnit::Litre);
        let flags = flag(self.carbohydrate.is_some(), 0)
            | flag(self.meal.is_some(), 1)
            | flag(self.tester_health.is_some(), 2)
            | flag(self.exercise.is_some(), 3)
            | flag(self.medication.is_some(), 4)
            | flag(litre, 5)
            | flag(self.hba1c_percent.is_some(), 6)
            | flag(self.extended_flags.is_some(), 7);
        let mut w = Writer::new();
        w.u8(flags as u8).u16(self.sequence_number);
        if let Some(extended) = self.extended_flags {
            w.u8(extended);
        }
        if let Some((id, amount)) = self.carbohydrate {
            w.u8(id.raw()).sfloat(amount);
        }
        if let Some(meal) = self.meal {
            w.u8(meal.raw());
        }
        if let Some((tester, health)) = self.tester_health {
            w.u8(tester.raw() | health.raw() << 4);
        }
        if let Some(e) = self.exercise {
            w.u16(e.duration_s).u8(e.intensity_percent);
        }
        if let Some(m) = self.medication {
            w.u8(m.id.raw()).sfloat(m.amount);
        }
        if let Some(h) = self.hba1c_percent {
            w.sfloat(h);
        }
        w.into_vec()
    }

    fn ignored(&self) -> Vec<Ignored> {
        match self.extended_flags {
            Some(bits) if bits != 0 => vec![Ignored::ReservedExtendedFlags(bits)],
            _ => Vec::new(),
        }
    }
}

impl Characteristic for GlucoseFeature {
    const UUID: u16 = 0x2A51;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let feature = GlucoseFeature(r.u16()?);
        r.finish()?;
        Ok(feature)
    }

    fn encode(&self) -> Vec<u8> {
        self.0.to_le_bytes().to_vec()
    }
}

impl GlucoseContext {
    /// Whether this context belongs to `measurement` (GLS: same sequence number, flagged to follow).
    pub fn belongs_to(&self, measurement: &GlucoseMeasurement) -> bool {
        measurement.context_follows && measurement.sequence_number == self.sequence_number
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bytes::check_ignored;
    use crate::Error;

    fn n(mantissa: i32, exponent: i8) -> Number {
        Number::finite(mantissa, exponent)
    }

    #[test]
    fn measurement_vectors() {
        // Layout per GLS v1.0.1, Glucose Measurement characteristic; the first vector is Nordic's
        // Android-BLE-Common-Library GlucoseMeasurementDataCallbackTest.
        let check = |bytes: &[u8], expected: Result<GlucoseMeasurement>| {
            assert_eq!(GlucoseMeasurement::decode(bytes), expected, "{bytes:02x?}")
        };
        let nordic = GlucoseMeasurement {
            sequence_number: 1,
            base_time: DateTime {
                year: 2019,
                month: 2,
                day: 27,
                hours: 11,
                minutes: 10,
                seconds: 30,
            },
            time_offset_min: Some(-5),
            concentration: Some(GlucoseConcentration {
                value: n(30, 0),
                unit: GlucoseUnit::KilogramPerLitre,
                sample_type: SampleType::CapillaryPlasma,
                sample_location: SampleLocation::Finger,
            }),
            sensor_status: Some(GlucoseSensorStatus(0x0105)),
            context_follows: true,
            reserved_flags: 0,
        };
        let bytes = [
            0x1B, 1, 0, 0xE3, 0x07, 2, 27, 11, 10, 30, 0xFB, 0xFF, 30, 0, 0x12, 0b101, 0b1,
        ];
        check(&bytes, Ok(nordic));
        assert_eq!(nordic.encode(), bytes);
        // The same packet with the time offset missing (Nordic's invalid-data case): the fields
        // shift, and the byte read as type-sample location holds reserved location 0.
        check(
            &[
                0x1B, 0, 0, 0xE2, 0x07, 4, 26, 11, 9, 30, 30, 0, 0x12, 0b101, 0b1,
            ],
            Err(Error::Reserved {
                field: "sample location",
                value: 0,
            }),
        );
        // 5.5 mmol/L = 0.0055 mol/L as SFLOAT 55e-4 (0xC037), venous plasma, location not available.
        let mol = [
            0x06, 0x2A, 0x00, 0xE8, 0x07, 1, 1, 8, 0, 0, 0x37, 0xC0, 0xF4,
        ];
        let expected = GlucoseMeasurement {
            sequence_number: 42,
            base_time: DateTime {
                year: 2024,
                month: 1,
                day: 1,
                hours: 8,
                minutes: 0,
                seconds: 0,
            },
            time_offset_min: None,
            concentration: Some(GlucoseConcentration {
                value: n(55, -4),
                unit: GlucoseUnit::MolePerLitre,
                sample_type: SampleType::VenousPlasma,
                sample_location: SampleLocation::NotAvailable,
            }),
            sensor_status: None,
            context_follows: false,
            reserved_flags: 0,
        };
        check(&mol, Ok(expected));
        // A reserved flag bit is kept and ignored (GLS v1.0.1: bits 5–7 reserved for future use).
        let mut reserved_flag = mol;
        reserved_flag[0] |= 0x20;
        check(
            &reserved_flag,
            Ok(GlucoseMeasurement {
                reserved_flags: 0x20,
                ..expected
            }),
        );
        let mut reserved_type = mol;
        reserved_type[12] = 0xF0;
        check(
            &reserved_type,
            Err(Error::Reserved {
                field: "sample type",
                value: 0,
            }),
        );
        let mut reserved_location = mol;
        reserved_location[12] = 0x54;
        check(
            &reserved_location,
            Err(Error::Reserved {
                field: "sample location",
                value: 5,
            }),
        );
    }

    #[test]
    fn status_groups() {
        let s = GlucoseSensorStatus(0x0105);
        assert!(s.battery_low() && s.sample_problem() && s.temperature_out_of_range());
        assert!(!s.device_fault() && !s.out_of_device_range() && !s.time_fault());
    }

    #[test]
    fn context_vectors() {
        // Layout per GLS v1.0.1, Glucose Measurement Context characteristic; field values as in Nordic's
        // GlucoseMeasurementContextDataCallbackTest (dinner, casual, professional/minor issues,
        // 60 s at 50 %, long-acting insulin), extended flags zero.
        let check = |bytes: &[u8], expected: Result<GlucoseContext>| {
            assert_eq!(GlucoseContext::decode(bytes), expected, "{bytes:02x?}")
        };
        let full = GlucoseContext {
            sequence_number: 0,
            carbohydrate: Some((CarbohydrateId::Dinner, n(100, 0))),
            meal: Some(Meal::Casual),
            tester_health: Some((Tester::HealthCareProfessional, Health::MinorIssues)),
            exercise: Some(Exercise {
                duration_s: 60,
                intensity_percent: 50,
            }),
            medication: Some(Medication {
                id: MedicationId::LongActingInsulin,
                amount: n(1234, -1),
                unit: MedicationUnit::Litre,
            }),
            hba1c_percent: Some(n(345, -1)),
            extended_flags: Some(0x00),
        };
        let bytes = [
            0xFF, 0, 0, 0x00, 3, 100, 0, 4, 0x12, 60, 0, 50, 4, 0xD2, 0xF4, 0x59, 0xF1,
        ];
        check(&bytes, Ok(full));
        assert_eq!(full.encode(), bytes);
        check(
            &[0x00, 1, 0],
            Ok(GlucoseContext {
                sequence_number: 1,
                carbohydrate: None,
                meal: None,
                tester_health: None,
                exercise: None,
                medication: None,
                hba1c_percent: None,
                extended_flags: None,
            }),
        );
        // Nordic's extended flags 0xB3 are all reserved bits: kept and ignored, as Nordic's
        // library does.
        let mut extended = bytes;
        extended[3] = 0xB3;
        check(
            &extended,
            Ok(GlucoseContext {
                extended_flags: Some(0xB3),
                ..full
            }),
        );
        // Truncated before the HbA1c (Nordic's invalid case).
        check(
            &bytes[..15],
            Err(Error::TooShort {
                needed: 17,
                got: 15,
            }),
        );
        check(
            &[0x02, 1, 0, 6],
            Err(Error::Reserved {
                field: "meal",
                value: 6,
            }),
        );
        check(
            &[0x04, 1, 0, 0x61],
            Err(Error::Reserved {
                field: "health",
                value: 6,
            }),
        );
    }

    #[test]
    fn reserved_bits_are_ignored() {
        let measurement = check_ignored::<GlucoseMeasurement>;
        let base = [0x00, 0x2A, 0x00, 0xE8, 0x07, 1, 1, 8, 0, 0];
        measurement(&base, Ok(vec![]));
        let mut reserved = base;
        reserved[0] = 0xE0;
        measurement(&reserved, Ok(vec![Ignored::ReservedFlags(0xE0)]));
        // A reserved bit announces no field we know: bytes past the known layout still refuse.
        measurement(
            &[0x40, 0x2A, 0x00, 0xE8, 0x07, 1, 1, 8, 0, 0, 0, 0],
            Err(Error::TrailingBytes(2)),
        );

        let context = check_ignored::<GlucoseContext>;
        context(&[0x00, 1, 0], Ok(vec![]));
        // Extended flags present and zero: nothing ignored, and the byte comes back.
        context(&[0x80, 1, 0, 0x00], Ok(vec![]));
        context(
            &[0x80, 1, 0, 0xB3],
            Ok(vec![Ignored::ReservedExtendedFlags(0xB3)]),
        );
        context(
            &[0x82, 1, 0, 0x01, 4],
            Ok(vec![Ignored::ReservedExtendedFlags(0x01)]),
        );
        // The extended flags announce no field: bytes past the known layout still refuse, and a
        // missing extended flags byte is too short.
        context(&[0x80, 1, 0, 0xB3, 0], Err(Error::TrailingBytes(1)));
        context(&[0x80, 1, 0], Err(Error::TooShort { needed: 4, got: 3 }));
    }

    #[test]
    fn feature_vectors() {
        assert_eq!(
            GlucoseFeature::decode(&[0xFF, 0x07]),
            Ok(GlucoseFeature(0x07FF))
        );
        assert!(GlucoseFeature(0x07FF).multiple_bonds());
        assert_eq!(
            GlucoseFeature::decode(&[0xFF]),
            Err(Error::TooShort { needed: 2, got: 1 })
        );
    }
}
