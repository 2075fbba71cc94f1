//! Which stored readings one consented category has newly made shareable: the window collection
//! reads from the vault into the outbox. Pure: the consent, how far collection got, and now.

use jiff::{SignedDuration, Timestamp};

use crate::Consent;

/// How far back collection looks for readings stored after their time was collected: a device's
/// stored records, downloaded when it came back in range. What was queued before is skipped by
/// its key, so nothing goes twice.
pub const LATE_WINDOW: SignedDuration = SignedDuration::from_hours(48);

/// The shortest summary period: streams are never summarised over less than a second.
const MIN_PERIOD: SignedDuration = SignedDuration::from_secs(1);

/// The window `[from, until)` of readings to collect now for `consent`, given where collection
/// of its category reached before (`collected_until`, `None` the first time), or `None` when
/// there is nothing to read.
///
/// Streams are summarised over whole periods only, so the window ends at the start of the
/// current `period` (aligned to the Unix epoch): the period under way is collected once complete.
/// After the first collection it opens [`LATE_WINDOW`] before where the last one reached, and
/// never before the consent covers.
pub fn window(
    consent: &Consent,
    collected_until: Option<Timestamp>,
    now: Timestamp,
    period: Option<SignedDuration>,
) -> Option<(Timestamp, Timestamp)> {
    let until = whole_periods_until(now, period);
    let from = match collected_until {
        Some(collected) => (collected - LATE_WINDOW).max(consent.covers_from()),
        None => consent.covers_from(),
    };
    (from < until).then_some((from, until))
}

/// `now`, rounded down to a whole `period` since the Unix epoch (a second when there is none).
pub fn whole_periods_until(now: Timestamp, period: Option<SignedDuration>) -> Timestamp {
    let period_ns = period.map_or(MIN_PERIOD, |p| p.max(MIN_PERIOD)).as_nanos();
    Timestamp::from_nanosecond(now.as_nanosecond().div_euclid(period_ns) * period_ns).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Category, ConsentScope};

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("timestamp")
    }

    fn consent(given: &str, since: Option<&str>) -> Consent {
        Consent {
            category: Category::HeartRate,
            given_at: ts(given),
            scope: match since {
                Some(since) => ConsentScope::Since { since: ts(since) },
                None => ConsentScope::FromNow,
            },
        }
    }

    #[test]
    fn windows() {
        let five = Some(SignedDuration::from_mins(5));
        let check = |consent: Consent,
                     collected: Option<&str>,
                     now: &str,
                     period: Option<SignedDuration>,
                     expected: Option<(&str, &str)>| {
            assert_eq!(
                window(&consent, collected.map(ts), ts(now), period),
                expected.map(|(from, until)| (ts(from), ts(until))),
                "collected {collected:?} now {now}"
            );
        };
        // First collection of a consent from now on: from when it was given, to the last
        // whole 5 minutes.
        check(
            consent("2026-03-01T08:00:00Z", None),
            None,
            "2026-03-01T08:12:30Z",
            five,
            Some(("2026-03-01T08:00:00Z", "2026-03-01T08:10:00Z")),
        );
        // With history: from the date the patient chose.
        check(
            consent("2026-03-01T08:00:00Z", Some("2026-01-01T00:00:00Z")),
            None,
            "2026-03-01T08:12:30Z",
            five,
            Some(("2026-01-01T00:00:00Z", "2026-03-01T08:10:00Z")),
        );
        // Later: 48 hours back from where the last collection reached…
        check(
            consent("2026-01-01T00:00:00Z", Some("2025-01-01T00:00:00Z")),
            Some("2026-03-05T08:10:00Z"),
            "2026-03-05T09:00:00Z",
            five,
            Some(("2026-03-03T08:10:00Z", "2026-03-05T09:00:00Z")),
        );
        // …but never before the consent covers.
        check(
            consent("2026-03-05T08:00:00Z", None),
            Some("2026-03-05T08:10:00Z"),
            "2026-03-05T09:00:00Z",
            five,
            Some(("2026-03-05T08:00:00Z", "2026-03-05T09:00:00Z")),
        );
        // Nothing yet: consent given within the period under way.
        check(
            consent("2026-03-01T08:11:00Z", None),
            None,
            "2026-03-01T08:12:30Z",
            five,
            None,
        );
        // Without summaries, whole seconds.
        check(
            consent("2026-03-01T08:00:00Z", None),
            None,
            "2026-03-01T08:12:30.5Z",
            None,
            Some(("2026-03-01T08:00:00Z", "2026-03-01T08:12:30Z")),
        );
    }

    #[test]
    fn periods_are_aligned_to_the_epoch_and_at_least_a_second() {
        let check = |now: &str, period: Option<SignedDuration>, expected: &str| {
            assert_eq!(whole_periods_until(ts(now), period), ts(expected), "{now}");
        };
        let five = Some(SignedDuration::from_mins(5));
        check("2026-03-01T08:14:59Z", five, "2026-03-01T08:10:00Z");
        check("2026-03-01T08:15:00Z", five, "2026-03-01T08:15:00Z");
        check(
            "2026-03-01T08:00:00.75Z",
            Some(SignedDuration::from_millis(10)),
            "2026-03-01T08:00:00Z",
        );
    }
}
