//! Adherence: how many doses due in a range were taken, and how many on time, per medication.

use std::{collections::BTreeMap, ops::Add};

use jiff::{SignedDuration, Timestamp};

use crate::{DoseRecord, DoseState};

/// What became of the doses of one medication (or of all) due in a range.
///
/// Doses due by the time they are counted and still open (due or snoozed, inside their grace
/// window) are `pending`: they count neither for nor against the patient yet. Doses not yet
/// due and not answered are not counted at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Adherence {
    /// Taken, late or not.
    pub taken: usize,
    /// Taken within the on-time window either side of the due time.
    pub on_time: usize,
    pub skipped: usize,
    pub missed: usize,
    pub pending: usize,
}

impl Adherence {
    /// The doses whose outcome is settled: taken, skipped or missed.
    pub fn settled(&self) -> usize {
        self.taken + self.skipped + self.missed
    }

    /// Taken doses as a percentage of settled ones; `None` when none is settled.
    pub fn taken_percent(&self) -> Option<f64> {
        percent(self.taken, self.settled())
    }

    /// Doses taken on time as a percentage of settled ones; `None` when none is settled.
    pub fn on_time_percent(&self) -> Option<f64> {
        percent(self.on_time, self.settled())
    }
}

/// Adds two medications' counts: the overall adherence is the sum over medications.
impl Add for Adherence {
    type Output = Adherence;

    fn add(self, other: Adherence) -> Adherence {
        Adherence {
            taken: self.taken + other.taken,
            on_time: self.on_time + other.on_time,
            skipped: self.skipped + other.skipped,
            missed: self.missed + other.missed,
            pending: self.pending + other.pending,
        }
    }
}

impl std::iter::Sum for Adherence {
    fn sum<I: Iterator<Item = Adherence>>(iter: I) -> Adherence {
        iter.fold(Adherence::default(), Add::add)
    }
}

/// Adherence per medication over the doses due in `[from, until)`, as things stand at `now`.
///
/// An open dose whose grace window has passed by `now` counts as missed ([`DoseState::at`]); a
/// taken dose is on time when taken within `on_time` of its due time, before or after. A dose
/// due after `now` counts once the patient answered it (taken or skipped ahead of its time);
/// until then it is not counted at all, so `until` may lie in the future (the end of today).
/// Negative windows count as none. Sum the values for the overall figure.
pub fn adherence<K: Ord + Clone>(
    doses: &[DoseRecord<K>],
    from: Timestamp,
    until: Timestamp,
    now: Timestamp,
    grace: SignedDuration,
    on_time: SignedDuration,
) -> BTreeMap<K, Adherence> {
    let grace = grace.max(SignedDuration::ZERO);
    let on_time = on_time.max(SignedDuration::ZERO);
    let mut per_medication: BTreeMap<K, Adherence> = BTreeMap::new();
    for dose in doses
        .iter()
        .filter(|dose| from <= dose.due && dose.due < until)
        .filter(|dose| dose.due <= now || !dose.state.is_open())
    {
        let counts = per_medication.entry(dose.medication.clone()).or_default();
        match dose.state.at(dose.due, grace, now) {
            DoseState::Taken { at } => {
                counts.taken += 1;
                if at.duration_since(dose.due).abs() <= on_time {
                    counts.on_time += 1;
                }
            }
            DoseState::Skipped { .. } => counts.skipped += 1,
            DoseState::Missed => counts.missed += 1,
            DoseState::Due | DoseState::Snoozed { .. } => counts.pending += 1,
        }
    }
    per_medication
}

fn percent(part: usize, whole: usize) -> Option<f64> {
    (whole > 0).then(|| 100.0 * part as f64 / whole as f64)
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

    fn taken(at: &str) -> DoseState {
        DoseState::Taken { at: ts(at) }
    }

    fn week() -> Vec<DoseRecord<&'static str>> {
        vec![
            // On time: 10 minutes late, and exactly 30 minutes early.
            dose(
                "metformin",
                "2026-01-01T08:00:00Z",
                taken("2026-01-01T08:10:00Z"),
            ),
            dose(
                "metformin",
                "2026-01-02T08:00:00Z",
                taken("2026-01-02T07:30:00Z"),
            ),
            // Late: 31 minutes after.
            dose(
                "metformin",
                "2026-01-03T08:00:00Z",
                taken("2026-01-03T08:31:00Z"),
            ),
            dose(
                "metformin",
                "2026-01-04T08:00:00Z",
                DoseState::Skipped {
                    reason: "fasting".into(),
                },
            ),
            // Nothing recorded and the grace window long over: missed.
            dose("metformin", "2026-01-05T08:00:00Z", DoseState::Due),
            // Due an hour before `now`, inside a two-hour grace: pending.
            dose("metformin", "2026-01-06T08:00:00Z", DoseState::Due),
            // Outside the range.
            dose(
                "metformin",
                "2026-01-07T08:00:00Z",
                taken("2026-01-07T08:00:00Z"),
            ),
            dose(
                "statin",
                "2026-01-01T21:00:00Z",
                taken("2026-01-01T21:00:00Z"),
            ),
            dose("statin", "2026-01-02T21:00:00Z", DoseState::Missed),
        ]
    }

    fn check(medication: &str, expected: Adherence, taken: Option<f64>, on_time: Option<f64>) {
        let all = adherence(
            &week(),
            ts("2026-01-01T00:00:00Z"),
            ts("2026-01-07T08:00:00Z"),
            ts("2026-01-06T09:00:00Z"),
            SignedDuration::from_hours(2),
            SignedDuration::from_mins(30),
        );
        let got = if medication == "overall" {
            all.values().copied().sum()
        } else {
            all.get(medication).copied().unwrap_or_default()
        };
        assert_eq!(got, expected, "{medication}");
        assert_eq!(got.taken_percent(), taken, "{medication} taken %");
        assert_eq!(got.on_time_percent(), on_time, "{medication} on time %");
    }

    #[test]
    fn taken_and_on_time_per_medication_and_overall() {
        check(
            "metformin",
            Adherence {
                taken: 3,
                on_time: 2,
                skipped: 1,
                missed: 1,
                pending: 1,
            },
            Some(60.0),
            Some(40.0),
        );
        check(
            "statin",
            Adherence {
                taken: 1,
                on_time: 1,
                skipped: 0,
                missed: 1,
                pending: 0,
            },
            Some(50.0),
            Some(50.0),
        );
        check(
            "overall",
            Adherence {
                taken: 4,
                on_time: 3,
                skipped: 1,
                missed: 2,
                pending: 1,
            },
            Some(400.0 / 7.0),
            Some(300.0 / 7.0),
        );
        check("nothing recorded", Adherence::default(), None, None);
    }

    /// Issue 20: at 19:35, one dose skipped and the evening one taken ahead of its 20:00 due time
    /// read "Taken 0%". A dose answered early counts; one not yet due and unanswered does not,
    /// not even as pending.
    #[test]
    fn doses_answered_early_count_and_doses_not_yet_due_do_not() {
        let check =
            |doses: &[DoseRecord<&'static str>], expected: Adherence, taken: Option<f64>| {
                let all = adherence(
                    doses,
                    ts("2026-01-01T00:00:00Z"),
                    ts("2026-01-02T00:00:00Z"),
                    ts("2026-01-01T19:35:00Z"),
                    SignedDuration::from_hours(1),
                    SignedDuration::from_hours(1),
                );
                let got = all.get("metformin").copied().unwrap_or_default();
                assert_eq!(got, expected, "{doses:?}");
                assert_eq!(got.taken_percent(), taken, "{doses:?}");
            };
        let skipped = dose(
            "metformin",
            "2026-01-01T08:00:00Z",
            DoseState::Skipped {
                reason: "felt unwell".into(),
            },
        );
        let taken_early = dose(
            "metformin",
            "2026-01-01T20:00:00Z",
            taken("2026-01-01T19:30:00Z"),
        );
        let not_yet_due = dose("metformin", "2026-01-01T22:00:00Z", DoseState::Due);
        let snoozed_ahead = dose(
            "metformin",
            "2026-01-01T23:00:00Z",
            DoseState::Snoozed {
                until: ts("2026-01-01T23:10:00Z"),
            },
        );
        check(
            &[skipped.clone(), taken_early.clone()],
            Adherence {
                taken: 1,
                on_time: 1,
                skipped: 1,
                ..Adherence::default()
            },
            Some(50.0),
        );
        check(
            &[skipped, taken_early, not_yet_due, snoozed_ahead],
            Adherence {
                taken: 1,
                on_time: 1,
                skipped: 1,
                ..Adherence::default()
            },
            Some(50.0),
        );
    }
}
