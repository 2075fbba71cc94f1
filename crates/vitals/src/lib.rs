//! Tend's vocabulary: what a health value is, in which unit, and what range is expected.
//!
//! Pure: no I/O, no clock. Every other crate speaks in these types.

mod alert;
mod clock;
mod device_kind;
mod metric;
mod range;
mod reading;
mod unit;

pub use alert::{Alert, AlertPolicy, Alerter, Direction};
pub use clock::Clock;
pub use device_kind::DeviceKind;
pub use metric::Metric;
pub use range::ReferenceRange;
pub use reading::{Quality, QualityFlag, Reading, TimeSource};
pub use unit::Unit;

/// Everything that can go wrong when building or converting a value of the vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("unknown metric `{0}`")]
    UnknownMetric(String),
    #[error("unknown device kind `{0}`")]
    UnknownDeviceKind(String),
    #[error("unknown unit `{0}`")]
    UnknownUnit(String),
    #[error("unit {unit} does not measure {metric}")]
    UnitMismatch { metric: Metric, unit: Unit },
    #[error("the value is not a finite number")]
    NotFinite,
}

pub type Result<T> = std::result::Result<T, Error>;
