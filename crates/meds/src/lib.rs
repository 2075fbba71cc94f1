//! Medication schedules and dose states. Pure: time is always passed in.

mod dose;
mod schedule;

pub use dose::DoseState;
pub use schedule::{DoseSchedule, FixedInterval, WallClock, Weekday};

/// Why a schedule or a dose change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("invalid schedule: {0}")]
    InvalidSchedule(String),
    #[error("a dose that is {from} cannot become {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
}

pub type Result<T> = std::result::Result<T, Error>;
