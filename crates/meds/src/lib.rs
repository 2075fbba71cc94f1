//! Medication schedules and dose states. Pure: time is always passed in.
//!
//! [`plan`] turns a [`DoseSchedule`] into due instants in a window, following local time in a
//! zone that a [`ZonePolicy`] chooses. The helpers around it take planned doses and what was
//! recorded about them: [`catch_up`] reports missed doses once, [`adherence`] counts taken and
//! on-time doses, [`count_down`] tracks pills until a refill.

mod adherence;
mod catch_up;
mod dose;
mod plan;
mod refill;
mod schedule;
mod zone_policy;

pub use adherence::{adherence, Adherence};
pub use catch_up::{catch_up, MissedDose, MissedSummary};
pub use dose::{DoseRecord, DoseState};
pub use plan::{plan, MAX_DOSES, MAX_WINDOW_DAYS};
pub use refill::{count_down, RefillStatus};
pub use schedule::{AsNeeded, DoseSchedule, FixedInterval, WallClock, Weekday};
pub use zone_policy::{plan_stays, Stay, ZonePolicy};

/// Why a schedule, a window or a dose change was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("invalid schedule: {0}")]
    InvalidSchedule(String),
    #[error("a dose that is {from} cannot become {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    #[error("invalid window: {0}")]
    InvalidWindow(String),
    #[error("the window is longer than {max_days} days; plan a shorter one")]
    WindowTooLong { max_days: i64 },
    #[error("the window holds more than {limit} doses; plan a shorter one")]
    TooManyDoses { limit: usize },
    #[error("a dose falls outside the dates this calendar can represent")]
    OutOfRange,
}

pub type Result<T> = std::result::Result<T, Error>;
