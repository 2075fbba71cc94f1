//! After sleep, suspend or a restart: the doses missed since the last check, as one summary.

use jiff::{SignedDuration, Timestamp};

use crate::{DoseRecord, DoseState};

/// A dose whose grace window ran out with nothing recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedDose<K> {
    pub medication: K,
    pub due: Timestamp,
}

/// The doses that became missed in `(since, until]`, earliest due first: one value for the app to
/// show once, however many doses a long sleep let slip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissedSummary<K> {
    pub since: Timestamp,
    pub until: Timestamp,
    pub doses: Vec<MissedDose<K>>,
}

impl<K> MissedSummary<K> {
    pub fn count(&self) -> usize {
        self.doses.len()
    }

    /// The medications concerned, each once, in order.
    pub fn medications(&self) -> Vec<&K>
    where
        K: Ord,
    {
        let mut names: Vec<&K> = self.doses.iter().map(|dose| &dose.medication).collect();
        names.sort_unstable();
        names.dedup();
        names
    }
}

/// The doses missed between the last check at `since` and this one at `now`, or `None`.
///
/// A dose is missed once its grace window has passed with the dose still open (due, or snoozed
/// and the snooze's grace passed too): the same rule as [`DoseState::at`]. It is reported by the
/// one check whose interval `(since, now]` holds that moment, so checks that each start where the
/// last one ended report every missed dose exactly once, however long the app slept. Closed
/// doses (taken, skipped, or recorded as missed after an earlier report) are never reported. A
/// clock that went backwards (`now <= since`) reports nothing. A negative grace counts as none.
pub fn catch_up<K: Clone>(
    doses: &[DoseRecord<K>],
    since: Timestamp,
    now: Timestamp,
    grace: SignedDuration,
) -> Option<MissedSummary<K>> {
    if now <= since {
        return None;
    }
    let grace = grace.max(SignedDuration::ZERO);
    let missed_at = |dose: &DoseRecord<K>, at: Timestamp| {
        dose.state.at(dose.due, grace, at) == DoseState::Missed
    };
    let mut missed: Vec<MissedDose<K>> = doses
        .iter()
        .filter(|dose| dose.state.is_open() && missed_at(dose, now) && !missed_at(dose, since))
        .map(|dose| MissedDose {
            medication: dose.medication.clone(),
            due: dose.due,
        })
        .collect();
    if missed.is_empty() {
        return None;
    }
    missed.sort_by_key(|dose| dose.due);
    Some(MissedSummary {
        since,
        until: now,
        doses: missed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    fn dose(medication: &'static str, due: &str, state: DoseState) -> DoseRecord<&'static str> {
        DoseRecord {
            medication,
            due: ts(due),
            state,
        }
    }

    fn day() -> Vec<DoseRecord<&'static str>> {
        vec![
            dose("metformin", "2026-01-01T20:00:00Z", DoseState::Due),
            dose("metformin", "2026-01-01T08:00:00Z", DoseState::Due),
            dose(
                "lisinopril",
                "2026-01-01T08:00:00Z",
                DoseState::Taken {
                    at: ts("2026-01-01T08:10:00Z"),
                },
            ),
            dose(
                "lisinopril",
                "2026-01-01T12:00:00Z",
                DoseState::Snoozed {
                    until: ts("2026-01-01T13:00:00Z"),
                },
            ),
            dose(
                "aspirin",
                "2026-01-01T09:00:00Z",
                DoseState::Skipped {
                    reason: "nausea".into(),
                },
            ),
            dose("aspirin", "2026-01-01T10:00:00Z", DoseState::Missed),
        ]
    }

    /// The doses reported by a check from `since` to `now` with a one-hour grace.
    fn check(since: &str, now: &str, expected: &[(&str, &str)]) {
        let got = catch_up(&day(), ts(since), ts(now), SignedDuration::from_hours(1));
        let got: Vec<(&str, Timestamp)> = got
            .iter()
            .flat_map(|summary| &summary.doses)
            .map(|dose| (dose.medication, dose.due))
            .collect();
        let expected: Vec<(&str, Timestamp)> =
            expected.iter().map(|(med, due)| (*med, ts(due))).collect();
        assert_eq!(got, expected, "check ({since}, {now}]");
    }

    #[test]
    fn one_summary_of_what_became_missed_since_the_last_check() {
        // A night asleep: everything open at the end of its grace is reported together, in order.
        check(
            "2026-01-01T07:00:00Z",
            "2026-01-02T07:00:00Z",
            &[
                ("metformin", "2026-01-01T08:00:00Z"),
                ("lisinopril", "2026-01-01T12:00:00Z"),
                ("metformin", "2026-01-01T20:00:00Z"),
            ],
        );
        // Still inside the grace window: nothing yet.
        check("2026-01-01T07:00:00Z", "2026-01-01T08:59:59Z", &[]);
        // The grace window ends exactly at the check: reported now.
        check(
            "2026-01-01T07:00:00Z",
            "2026-01-01T09:00:00Z",
            &[("metformin", "2026-01-01T08:00:00Z")],
        );
        // The next check starts where that one ended: the 08:00 dose is not reported again, and
        // the snoozed dose counts its grace from the end of the snooze (14:00), not from 13:00.
        check("2026-01-01T09:00:00Z", "2026-01-01T13:59:59Z", &[]);
        check(
            "2026-01-01T09:00:00Z",
            "2026-01-01T14:00:00Z",
            &[("lisinopril", "2026-01-01T12:00:00Z")],
        );
        // A clock that went backwards reports nothing.
        check("2026-01-02T07:00:00Z", "2026-01-01T07:00:00Z", &[]);
    }

    #[test]
    fn summary_names_each_medication_once() {
        let summary = catch_up(
            &day(),
            ts("2026-01-01T00:00:00Z"),
            ts("2026-01-03T00:00:00Z"),
            SignedDuration::from_hours(1),
        )
        .expect("some doses missed");
        assert_eq!(summary.count(), 3);
        assert_eq!(summary.medications(), vec![&"lisinopril", &"metformin"]);
        assert_eq!(summary.until, ts("2026-01-03T00:00:00Z"));
    }
}
