//! What a read reports about sealed pieces that failed their integrity check.

use jiff::Timestamp;

use crate::{
    sample::{from_ns, HOUR_NS},
    Result,
};

/// A sealed piece of the vault that failed its integrity check: reported, never silently skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Damage {
    pub what: &'static str,
    /// The hours the damaged piece covers (as far as its clear keys tell).
    pub from: Timestamp,
    pub until: Timestamp,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.what == SERIES_INDEX {
            return f.write_str(
                "pieces of a series are missing or were put back from an older copy: some of its readings may be missing",
            );
        }
        write!(
            f,
            "a sealed {} covering {} to {} failed its integrity check; its readings are left out",
            self.what, self.from, self.until
        )
    }
}

/// What a read reports for a series whose rows do not add up to the vault's head.
pub(crate) const SERIES_INDEX: &str = "series index";

/// The damage of a piece covering hours `first_hour..=last_hour`.
pub(crate) fn damage(what: &'static str, first_hour: i64, last_hour: i64) -> Result<Damage> {
    Ok(Damage {
        what,
        from: from_ns(first_hour.saturating_mul(HOUR_NS))?,
        until: from_ns((last_hour + 1).saturating_mul(HOUR_NS))?,
    })
}
