//! The life of one scheduled dose: due, then taken, skipped, snoozed or missed.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// Where one dose stands. Transitions are checked so a taken dose cannot be "missed" later.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum DoseState {
    Due,
    Taken { at: Timestamp },
    Skipped { reason: String },
    Snoozed { until: Timestamp },
    Missed,
}

/// One planned dose of one medication and what has been recorded about it: [`DoseState::Due`]
/// when nothing has. `K` names the medication however the caller does (an id, a name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseRecord<K> {
    pub medication: K,
    pub due: Timestamp,
    pub state: DoseState,
}

impl DoseState {
    fn name(&self) -> &'static str {
        match self {
            DoseState::Due => "due",
            DoseState::Taken { .. } => "taken",
            DoseState::Skipped { .. } => "skipped",
            DoseState::Snoozed { .. } => "snoozed",
            DoseState::Missed => "missed",
        }
    }

    /// Whether the patient still has to act on this dose.
    pub fn is_open(&self) -> bool {
        matches!(self, DoseState::Due | DoseState::Snoozed { .. })
    }

    /// Moves to `next` if the patient may do that from here. A missed dose can still be taken
    /// late (recorded with its real time); a closed dose is reopened only by `undo`.
    pub fn transition(&self, next: DoseState) -> Result<DoseState> {
        let allowed = match (&self, &next) {
            (DoseState::Due | DoseState::Snoozed { .. }, _) => !matches!(next, DoseState::Due),
            (DoseState::Missed, DoseState::Taken { .. } | DoseState::Skipped { .. }) => true,
            _ => false,
        };
        if allowed {
            Ok(next)
        } else {
            Err(Error::InvalidTransition {
                from: self.name(),
                to: next.name(),
            })
        }
    }

    /// A snooze of `length` asked at `now` for the dose due at `due`: it ends `length` after
    /// the later of the two. Snoozing a dose not yet due asks to be reminded later than its
    /// time, never earlier, so it counts from the due time.
    pub fn snoozed(due: Timestamp, now: Timestamp, length: SignedDuration) -> DoseState {
        DoseState::Snoozed {
            until: due.max(now) + length,
        }
    }

    /// What an open dose becomes at `now`: missed once the grace window after `due_at` has passed.
    pub fn at(&self, due_at: Timestamp, grace: SignedDuration, now: Timestamp) -> DoseState {
        let deadline = match self {
            DoseState::Due => due_at,
            DoseState::Snoozed { until } => *until,
            closed => return closed.clone(),
        };
        if now >= deadline + grace {
            DoseState::Missed
        } else {
            self.clone()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    #[test]
    fn transitions() {
        let taken = DoseState::Taken {
            at: ts("2026-01-01T08:05:00Z"),
        };
        assert_eq!(DoseState::Due.transition(taken.clone()), Ok(taken.clone()));
        assert!(taken.transition(DoseState::Missed).is_err());
        assert!(DoseState::Missed.transition(taken.clone()).is_ok());
        assert!(DoseState::Missed.transition(DoseState::Due).is_err());
    }

    #[test]
    fn missed_after_grace_window() {
        let due = ts("2026-01-01T08:00:00Z");
        let grace = SignedDuration::from_mins(60);
        assert_eq!(
            DoseState::Due.at(due, grace, ts("2026-01-01T08:59:59Z")),
            DoseState::Due
        );
        assert_eq!(
            DoseState::Due.at(due, grace, ts("2026-01-01T09:00:00Z")),
            DoseState::Missed
        );
        let snoozed = DoseState::Snoozed {
            until: ts("2026-01-01T08:30:00Z"),
        };
        assert_eq!(snoozed.at(due, grace, ts("2026-01-01T09:15:00Z")), snoozed);
    }

    /// Issue 20: snoozing a dose that is not yet due gave a time earlier than the dose. A snooze
    /// counts from the due time when that is still ahead, from now otherwise.
    #[test]
    fn a_snooze_never_ends_before_the_dose_is_due() {
        let due = ts("2026-01-01T20:00:00Z");
        let check = |now: &str, expected: &str| {
            assert_eq!(
                DoseState::snoozed(due, ts(now), SignedDuration::from_mins(10)),
                DoseState::Snoozed {
                    until: ts(expected)
                },
                "snoozed at {now}"
            );
        };
        check("2026-01-01T19:35:00Z", "2026-01-01T20:10:00Z");
        check("2026-01-01T20:00:00Z", "2026-01-01T20:10:00Z");
        check("2026-01-01T20:05:00Z", "2026-01-01T20:15:00Z");
    }
}
