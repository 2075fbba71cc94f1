//! The due instants of a schedule in a window of time: the `tend meds plan` contract.
//!
//! Wall-clock doses follow local time with the RFC 5545 / Temporal "compatible" rule: a time in a
//! spring-forward gap moves forward by the gap's length, a time in a fall-back fold fires once, at
//! the earlier instant. Fixed-interval doses count elapsed time and ignore the clocks.

use jiff::{
    civil::{Date, Time},
    tz::TimeZone,
    SignedDuration, Timestamp, ToSpan, Zoned,
};

use crate::{DoseSchedule, Error, FixedInterval, Result, WallClock};

/// The longest window [`plan`] accepts, in days of elapsed time: ten years and a few days.
pub const MAX_WINDOW_DAYS: i64 = 3660;

/// The most doses one [`plan`] returns: enough for ten years of hourly doses.
pub const MAX_DOSES: usize = 100_000;

/// Every due instant of `schedule` in the half-open window `[from, until)`, sorted and unique,
/// as instants in `zone`.
///
/// Refuses an empty or reversed window, one longer than [`MAX_WINDOW_DAYS`], and one holding
/// more than [`MAX_DOSES`] doses, so a careless caller cannot make it run for ever.
pub fn plan(
    schedule: &DoseSchedule,
    from: Timestamp,
    until: Timestamp,
    zone: &TimeZone,
) -> Result<Vec<Zoned>> {
    check_window(from, until)?;
    schedule.validate()?;
    let mut due = match schedule {
        DoseSchedule::WallClock(wall_clock) => wall_clock_doses(wall_clock, from, until, zone)?,
        DoseSchedule::FixedInterval(interval) => interval_doses(interval, from, until)?,
        DoseSchedule::AsNeeded(_) => Vec::new(),
    };
    // Two times can land on one instant (02:00 and 03:00 on a spring-forward day): it fires once.
    due.sort_unstable();
    due.dedup();
    Ok(due
        .into_iter()
        .map(|at| at.to_zoned(zone.clone()))
        .collect())
}

/// Refuses windows that are empty, reversed or too long.
pub(crate) fn check_window(from: Timestamp, until: Timestamp) -> Result<()> {
    if from >= until {
        return Err(Error::InvalidWindow(format!(
            "from ({from}) must be before until ({until})"
        )));
    }
    if until.duration_since(from) > SignedDuration::from_hours(MAX_WINDOW_DAYS * 24) {
        return Err(Error::WindowTooLong {
            max_days: MAX_WINDOW_DAYS,
        });
    }
    Ok(())
}

/// Collects due instants in `[from, until)`, refusing to hold more than [`MAX_DOSES`].
struct Collector {
    from: Timestamp,
    until: Timestamp,
    due: Vec<Timestamp>,
}

impl Collector {
    fn offer(&mut self, at: Timestamp) -> Result<()> {
        if self.from <= at && at < self.until {
            if self.due.len() >= MAX_DOSES {
                return Err(Error::TooManyDoses { limit: MAX_DOSES });
            }
            self.due.push(at);
        }
        Ok(())
    }
}

fn wall_clock_doses(
    schedule: &WallClock,
    from: Timestamp,
    until: Timestamp,
    zone: &TimeZone,
) -> Result<Vec<Timestamp>> {
    // A local time maps to an instant no earlier than itself and at most a day later (Samoa
    // skipped a whole day in 2011), so local dates two days either side of the window cover
    // every dose in it; the collector drops the rest.
    let first = from
        .to_zoned(zone.clone())
        .date()
        .checked_sub(2.days())
        .unwrap_or(Date::MIN);
    // Without a start there is no lower bound: the window's first days are the first dose days.
    let first = schedule.start.map_or(first, |start| first.max(start));
    let mut last = until
        .to_zoned(zone.clone())
        .date()
        .checked_add(2.days())
        .unwrap_or(Date::MAX);
    if let Some(end) = schedule.end {
        last = last.min(end);
    }

    let mut times: Vec<Time> = schedule.times.clone();
    times.sort_unstable();
    times.dedup();

    let mut collector = Collector {
        from,
        until,
        due: Vec::new(),
    };
    let mut date = first;
    // Days since `start`, kept as we walk so `every_n_days` needs no date arithmetic per day
    // (validation makes `every_n_days` come with a start; without one the index is unused).
    let mut day_index = match schedule.start {
        Some(start) => i64::from(
            start
                .until(first)
                .map_err(|_| Error::OutOfRange)?
                .get_days(),
        ),
        None => 0,
    };
    while date <= last {
        if is_dose_day(schedule, date, day_index) {
            for &time in &times {
                // A local time past the ends of the calendar is outside any window: skip it.
                if let Ok(at) = zone
                    .to_ambiguous_timestamp(date.to_datetime(time))
                    .compatible()
                {
                    collector.offer(at)?;
                }
            }
        }
        match date.tomorrow() {
            Ok(next) => date = next,
            Err(_) => break,
        }
        day_index += 1;
    }
    Ok(collector.due)
}

fn is_dose_day(schedule: &WallClock, date: Date, days_since_start: i64) -> bool {
    if let Some(days) = &schedule.days {
        return days.iter().any(|day| day.is(date.weekday()));
    }
    match schedule.every_n_days {
        Some(n) => days_since_start % i64::from(n) == 0,
        None => true,
    }
}

fn interval_doses(
    schedule: &FixedInterval,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Timestamp>> {
    let period = i128::from(schedule.every_hours) * 3_600_000_000_000;
    if period <= 0 {
        return Err(Error::InvalidSchedule(
            "every_hours must be at least 1".into(),
        ));
    }
    let anchor = schedule.anchor.as_nanosecond();
    // The first k >= 0 with anchor + k * period >= from.
    let behind = from.as_nanosecond() - anchor;
    let k = if behind <= 0 {
        0
    } else {
        (behind + period - 1) / period
    };
    let mut collector = Collector {
        from,
        until,
        due: Vec::new(),
    };
    let mut at = anchor + k * period;
    while at < until.as_nanosecond() {
        let Ok(instant) = Timestamp::from_nanosecond(at) else {
            break;
        };
        collector.offer(instant)?;
        at += period;
    }
    Ok(collector.due)
}

#[cfg(test)]
mod tests {
    use jiff::tz::Offset;

    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    fn check(
        schedule: &str,
        from: &str,
        until: &str,
        expected: std::result::Result<&[&str], Error>,
    ) {
        let schedule = DoseSchedule::from_json(schedule).expect("valid schedule");
        let zone = TimeZone::fixed(Offset::constant(-5));
        let got = plan(&schedule, ts(from), ts(until), &zone).map(|due| {
            due.iter()
                .map(|z| z.timestamp().display_with_offset(z.offset()).to_string())
                .collect::<Vec<_>>()
        });
        let expected = expected.map(|e| e.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>());
        assert_eq!(got, expected, "{schedule:?} in [{from}, {until})");
    }

    #[test]
    fn windows_are_half_open_and_bounded() {
        let daily = r#"{"times": ["08:00"], "start": "2026-01-01"}"#;
        check(
            daily,
            "2026-01-01T08:00:00-05:00",
            "2026-01-02T08:00:00-05:00",
            Ok(&["2026-01-01T08:00:00-05:00"]),
        );
        check(
            daily,
            "2026-01-01T08:00:01-05:00",
            "2026-01-02T08:00:01-05:00",
            Ok(&["2026-01-02T08:00:00-05:00"]),
        );
        check(
            daily,
            "2026-01-01T08:00:00-05:00",
            "2026-01-01T08:00:00-05:00",
            Err(Error::InvalidWindow(
                "from (2026-01-01T13:00:00Z) must be before until (2026-01-01T13:00:00Z)".into(),
            )),
        );
        check(
            daily,
            "2026-01-01T00:00:00Z",
            "2036-01-10T00:00:00Z",
            Err(Error::WindowTooLong { max_days: 3660 }),
        );
        // Ten years of doses every minute of the day: far too many, refused quickly.
        let every_minute = (0..24 * 60)
            .map(|m| format!("\"{:02}:{:02}\"", m / 60, m % 60))
            .collect::<Vec<_>>()
            .join(",");
        check(
            &format!(r#"{{"times": [{every_minute}], "start": "2026-01-01"}}"#),
            "2026-01-01T00:00:00Z",
            "2035-01-01T00:00:00Z",
            Err(Error::TooManyDoses { limit: MAX_DOSES }),
        );
    }

    #[test]
    fn start_and_end_are_local_dates_end_inclusive() {
        check(
            r#"{"times": ["20:00", "08:00", "08:00"], "start": "2026-01-02", "end": "2026-01-03"}"#,
            "2026-01-01T00:00:00-05:00",
            "2026-01-10T00:00:00-05:00",
            Ok(&[
                "2026-01-02T08:00:00-05:00",
                "2026-01-02T20:00:00-05:00",
                "2026-01-03T08:00:00-05:00",
                "2026-01-03T20:00:00-05:00",
            ]),
        );
    }

    #[test]
    fn without_a_start_doses_are_planned_from_the_window_on() {
        // One table: the same times with and without a start, in windows before, across and
        // after the start date.
        let with_start = r#"{"times": ["08:00", "20:00"], "start": "2026-01-03"}"#;
        let without_start = r#"{"times": ["08:00", "20:00"]}"#;
        let null_start = r#"{"times": ["08:00", "20:00"], "start": null}"#;
        let cases: [(&str, &str, &str, &[&str]); 9] = [
            // A window wholly before the start: nothing with one, every dose without.
            (
                with_start,
                "2026-01-01T00:00:00-05:00",
                "2026-01-02T00:00:00-05:00",
                &[],
            ),
            (
                without_start,
                "2026-01-01T00:00:00-05:00",
                "2026-01-02T00:00:00-05:00",
                &["2026-01-01T08:00:00-05:00", "2026-01-01T20:00:00-05:00"],
            ),
            (
                null_start,
                "2026-01-01T00:00:00-05:00",
                "2026-01-02T00:00:00-05:00",
                &["2026-01-01T08:00:00-05:00", "2026-01-01T20:00:00-05:00"],
            ),
            // A window across the start: from the start date with one, from the window without.
            (
                with_start,
                "2026-01-02T12:00:00-05:00",
                "2026-01-03T12:00:00-05:00",
                &["2026-01-03T08:00:00-05:00"],
            ),
            (
                without_start,
                "2026-01-02T12:00:00-05:00",
                "2026-01-03T12:00:00-05:00",
                &["2026-01-02T20:00:00-05:00", "2026-01-03T08:00:00-05:00"],
            ),
            // A window after the start: the same doses either way.
            (
                with_start,
                "2026-01-05T00:00:00-05:00",
                "2026-01-06T00:00:00-05:00",
                &["2026-01-05T08:00:00-05:00", "2026-01-05T20:00:00-05:00"],
            ),
            (
                without_start,
                "2026-01-05T00:00:00-05:00",
                "2026-01-06T00:00:00-05:00",
                &["2026-01-05T08:00:00-05:00", "2026-01-05T20:00:00-05:00"],
            ),
            // Weekdays and an end need no start either (2026-01-05 is a Monday).
            (
                r#"{"times": ["08:00"], "days": ["mon", "wed"], "end": "2026-01-06"}"#,
                "2025-12-29T00:00:00-05:00",
                "2026-01-12T00:00:00-05:00",
                &[
                    "2025-12-29T08:00:00-05:00",
                    "2025-12-31T08:00:00-05:00",
                    "2026-01-05T08:00:00-05:00",
                ],
            ),
            // The far past is a window like any other without a start.
            (
                without_start,
                "1970-01-01T00:00:00-05:00",
                "1970-01-01T12:00:00-05:00",
                &["1970-01-01T08:00:00-05:00"],
            ),
        ];
        for (schedule, from, until, expected) in cases {
            check(schedule, from, until, Ok(expected));
        }
    }

    #[test]
    fn day_rules() {
        // 2026-01-05 is a Monday.
        check(
            r#"{"times": ["08:00"], "days": ["mon", "wed"], "start": "2026-01-01"}"#,
            "2026-01-05T00:00:00-05:00",
            "2026-01-12T00:00:00-05:00",
            Ok(&["2026-01-05T08:00:00-05:00", "2026-01-07T08:00:00-05:00"]),
        );
        check(
            r#"{"times": ["08:00"], "every_n_days": 3, "start": "2026-01-01"}"#,
            "2026-01-03T00:00:00-05:00",
            "2026-01-11T00:00:00-05:00",
            Ok(&[
                "2026-01-04T08:00:00-05:00",
                "2026-01-07T08:00:00-05:00",
                "2026-01-10T08:00:00-05:00",
            ]),
        );
    }

    #[test]
    fn fixed_intervals_count_from_the_anchor_forward() {
        let every_8h = r#"{"every_hours": 8, "anchor": "2026-01-01T06:00:00-05:00"}"#;
        check(
            every_8h,
            "2025-12-31T00:00:00-05:00",
            "2026-01-01T23:00:00-05:00",
            Ok(&[
                "2026-01-01T06:00:00-05:00",
                "2026-01-01T14:00:00-05:00",
                "2026-01-01T22:00:00-05:00",
            ]),
        );
        check(
            every_8h,
            "2026-01-01T14:00:00-05:00",
            "2026-01-01T22:00:00-05:00",
            Ok(&["2026-01-01T14:00:00-05:00"]),
        );
        check(
            every_8h,
            "2026-01-01T14:00:00.000000001-05:00",
            "2026-01-01T22:00:00.000000001-05:00",
            Ok(&["2026-01-01T22:00:00-05:00"]),
        );
    }

    #[test]
    fn as_needed_plans_nothing() {
        check(
            r#"{"as_needed": true}"#,
            "2026-01-01T00:00:00Z",
            "2026-02-01T00:00:00Z",
            Ok(&[]),
        );
    }

    #[test]
    fn the_ends_of_the_calendar_do_not_panic() {
        let schedule = DoseSchedule::from_json(r#"{"times": ["23:59"], "start": "9999-12-30"}"#)
            .expect("valid");
        let zone = TimeZone::fixed(Offset::constant(-12));
        let due = plan(
            &schedule,
            Timestamp::MAX - SignedDuration::from_hours(100),
            Timestamp::MAX,
            &zone,
        );
        assert!(due.is_ok(), "{due:?}");
        let interval =
            DoseSchedule::from_json(r#"{"every_hours": 1, "anchor": "-009999-01-02T01:59:59Z"}"#)
                .expect("valid");
        let due = plan(
            &interval,
            Timestamp::MAX - SignedDuration::from_hours(5),
            Timestamp::MAX,
            &zone,
        )
        .expect("plans");
        assert_eq!(due.len(), 5);
    }
}
