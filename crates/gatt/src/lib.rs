//! Bluetooth SIG health profiles: decoding and encoding of characteristic values.
//!
//! Pure and total: no I/O, no clock, no panic on any input. Every rejected packet is a typed
//! [`Error`] saying what is wrong with it. Each characteristic is a type implementing
//! [`Characteristic`]; [`ToReadings`] turns measurements into the vocabulary's `Reading`s.
//!
//! Rules applied everywhere, so that no decoder guesses. A value is refused only when its structure
//! is broken; what the specifications reserve for future use is ignored, as they tell a receiver:
//! - a value shorter than its flags promise is [`Error::TooShort`], a longer one [`Error::TrailingBytes`];
//! - a flags bit the specification reserves is ignored: kept as sent (so encoding gives the same
//!   bytes back), never given a meaning, and reported by [`Characteristic::ignored`]. It announces
//!   no field we know, so it never makes room for more bytes: anything past the known layout is
//!   still refused ([`Error::TrailingBytes`]; in a CGM record, a size that disagrees with its
//!   flags);
//! - a field the specification reserves or leaves unused (a glucose context's extended flags, all
//!   reserved bits; an intermediate cuff pressure's diastolic and mean arterial pressure, fixed to
//!   NaN) is read, kept as sent, never given a meaning, and reported by
//!   [`Characteristic::ignored`] when it holds anything but zero or NaN;
//! - an enumerated value the specification reserves (a temperature type 0, a month 13) is outside
//!   its type: [`Error::Reserved`];
//! - reserved bits of status and feature bit fields are kept as sent (the specifications say a
//!   receiver ignores them) but never given a meaning; they travel in the raw field, so they are
//!   not reported separately;
//! - IEEE-11073 special values (NaN, NRes, ±INF, reserved) stay [`Special`] values, never numbers.

#[macro_use]
mod raw_enum;

mod battery;
mod blood_pressure;
mod body_composition;
mod bytes;
mod cgm;
mod crc;
mod date_time;
mod device_information;
mod glucose;
mod heart_rate;
pub mod ieee11073;
mod pulse_oximetry;
mod racp;
mod readings;
mod temperature;
mod user_data;
mod weight;

pub use battery::BatteryLevel;
pub use blood_pressure::{
    BloodPressureFeature, BloodPressureMeasurement, BloodPressureStatus, IntermediateCuffPressure,
    PressureUnit, PulseRateRange,
};
pub use body_composition::{BodyCompositionFeature, BodyCompositionMeasurement};
pub use cgm::{
    CgmFeature, CgmMeasurement, CgmRecord, CgmSampleLocation, CgmSessionStartTime, CgmStatus,
    CgmStatusOctets, DstOffset,
};
pub use crc::e2e_crc;
pub use date_time::{AdjustReason, CurrentTime, DateTime, DayOfWeek};
pub use device_information::DeviceInformationString;
pub use glucose::{
    CarbohydrateId, Exercise, GlucoseConcentration, GlucoseContext, GlucoseFeature,
    GlucoseMeasurement, GlucoseSensorStatus, GlucoseUnit, Health, Meal, Medication, MedicationId,
    MedicationUnit, SampleLocation, SampleType, Tester,
};
pub use heart_rate::{HeartRateMeasurement, SensorContact};
pub use ieee11073::{Float, Number, Sfloat, Special};
pub use pulse_oximetry::{
    PlxContinuous, PlxDeviceSensorStatus, PlxFeatures, PlxMeasurementStatus, PlxSpotCheck, SpO2Pr,
};
pub use racp::{
    RacpOperator, RacpRequest, RacpResponse, RacpService, RecordFilter, RecordRange, ResponseCode,
};
pub use readings::{Context, NoValue, NoValueReason, Readings, ToReadings};
pub use temperature::{TemperatureMeasurement, TemperatureType, TemperatureUnit};
pub use user_data::{
    UcpRequest, UcpResponse, UcpResult, UserControlPoint, UserIndex, MAX_CONSENT_CODE,
    UNKNOWN_USER, USER_DATA_SERVICE,
};
pub use weight::{
    BmiHeight, HeightResolution, UnitSystem, WeightMeasurement, WeightResolution,
    WeightScaleFeature,
};

/// One characteristic value type: its 16-bit UUID, and how it is read from and written to bytes.
pub trait Characteristic: Sized {
    /// The 16-bit UUID assigned by the Bluetooth SIG.
    const UUID: u16;
    /// Decodes a whole characteristic value: every byte must be accounted for.
    fn decode(bytes: &[u8]) -> Result<Self>;
    /// Encodes the value as a device sends it, reserved bits and unused fields as they were sent.
    fn encode(&self) -> Vec<u8>;
    /// What decoding read and ignored, as the specifications tell a receiver to: reserved flag bits
    /// that were set, reserved or unused fields that held something. Empty for a value written as
    /// the specification writes it, and for every characteristic without such bits or fields.
    fn ignored(&self) -> Vec<Ignored> {
        Vec::new()
    }
}

/// One thing a decoder read and ignored. Names bits and fields, never a health value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ignored {
    /// Flag bits the specification reserves for future use, set by the device (only those bits).
    ReservedFlags(u32),
    /// A glucose context's extended flags: every bit reserved for future use (only the set ones).
    ReservedExtendedFlags(u8),
    /// A field the specification leaves unused (and fixes to NaN) held something else: its name
    /// in `tend decode`'s contract.
    UnusedField(&'static str),
}

/// The sentence `tend decode` puts in its `warnings` (`reserved flag bits 0x20 ignored`).
impl std::fmt::Display for Ignored {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ignored::ReservedFlags(bits) => write!(f, "reserved flag bits {bits:#04x} ignored"),
            Ignored::ReservedExtendedFlags(bits) => {
                write!(f, "reserved extended flag bits {bits:#04x} ignored")
            }
            Ignored::UnusedField(name) => write!(f, "unused field {name} ignored (not NaN)"),
        }
    }
}

/// Why a characteristic value was rejected. Never carries a health value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("value too short: needed {needed} bytes, got {got}")]
    TooShort { needed: usize, got: usize },
    #[error("{0} unexpected trailing bytes")]
    TrailingBytes(usize),
    #[error("reserved value {value:#x} in {field}")]
    Reserved { field: &'static str, value: u32 },
    #[error("bad CRC: computed {computed:#06x}, packet says {sent:#06x}")]
    BadCrc { computed: u16, sent: u16 },
    #[error("the device's features say it does not support {0}")]
    NotSupported(&'static str),
    #[error("text is not valid UTF-8")]
    InvalidUtf8,
    #[error("{0}")]
    Malformed(&'static str),
}

pub type Result<T> = std::result::Result<T, Error>;
