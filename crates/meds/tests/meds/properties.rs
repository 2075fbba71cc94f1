//! Properties over generated schedules, windows and zones: every planned instant lies in the
//! window, sorted and unique, and is exactly what a slow, obvious planner finds; catch-up checks
//! never report a dose twice.

use jiff::{
    civil::{date, Date, Time},
    tz::TimeZone,
    SignedDuration, Timestamp, ToSpan,
};
use proptest::prelude::*;
use tend_meds::{
    catch_up, plan, DoseRecord, DoseSchedule, DoseState, FixedInterval, WallClock, Weekday,
};

use crate::zone;

/// Zones with gaps, folds, half-hour and 45-minute offsets, a two-hour DST shift (Troll),
/// negative DST (Dublin), a skipped day (Apia), DST suspended for Ramadan (Casablanca), none.
const ZONES: &[&str] = &[
    "UTC",
    "America/New_York",
    "America/Santiago",
    "America/St_Johns",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Dublin",
    "Africa/Casablanca",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Sydney",
    "Australia/Lord_Howe",
    "Pacific/Chatham",
    "Pacific/Apia",
    "Antarctica/Troll",
];

const WEEK: [Weekday; 7] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
    Weekday::Sun,
];

/// Instants from 1970 to 2040, where the tz database has the most variety.
fn instant() -> impl Strategy<Value = Timestamp> {
    (0i64..2_208_988_800).prop_map(|second| Timestamp::from_second(second).expect("in range"))
}

/// A window of one second to sixty days.
fn window() -> impl Strategy<Value = (Timestamp, Timestamp)> {
    (instant(), 1i64..60 * 86_400)
        .prop_map(|(from, length)| (from, from + SignedDuration::from_secs(length)))
}

fn wall_clock(near: Timestamp) -> impl Strategy<Value = DoseSchedule> {
    let near = near.to_zoned(TimeZone::UTC).date();
    let times = prop::collection::vec((0i8..24, 0i8..60), 1..5);
    let days = prop_oneof![
        Just(None),
        prop::collection::vec(prop::sample::select(WEEK.to_vec()), 1..4).prop_map(Some),
    ];
    let every_n_days = prop_oneof![Just(None), (1u16..10).prop_map(Some)];
    let start = -400i32..60;
    let end = prop::option::of(0i32..400);
    // Without a start there is no lower bound (every_n_days, which counts from it, keeps one).
    let has_start = prop::bool::weighted(0.75);
    (times, days, every_n_days, start, end, has_start).prop_map(
        move |(times, days, every_n_days, start, end, has_start)| {
            let start = near.checked_add(start.days()).expect("in range");
            // One day rule at most, as validation requires.
            let every_n_days = if days.is_some() { None } else { every_n_days };
            DoseSchedule::WallClock(WallClock {
                times: times
                    .into_iter()
                    .map(|(h, m)| Time::constant(h, m, 0, 0))
                    .collect(),
                start: (has_start || every_n_days.is_some()).then_some(start),
                every_n_days,
                days,
                end: end.map(|days| start.checked_add(days.days()).expect("in range")),
            })
        },
    )
}

fn fixed_interval(near: Timestamp) -> impl Strategy<Value = DoseSchedule> {
    (1u16..72, -366 * 86_400i64..30 * 86_400).prop_map(move |(every_hours, offset)| {
        DoseSchedule::FixedInterval(FixedInterval {
            every_hours,
            anchor: near + SignedDuration::from_secs(offset),
        })
    })
}

/// A zone, a window and a schedule that has doses near it.
fn case() -> impl Strategy<Value = (&'static str, (Timestamp, Timestamp), DoseSchedule)> {
    (prop::sample::select(ZONES), window()).prop_flat_map(|(zone, (from, until))| {
        let schedule = prop_oneof![wall_clock(from), fixed_interval(from)];
        (Just(zone), Just((from, until)), schedule)
    })
}

/// The obvious planner: every dose day from three UTC days before the window to three after
/// (wider than any offset or gap), each time made an instant by jiff's default (compatible)
/// rule, kept when in the window.
fn obvious_plan(
    schedule: &DoseSchedule,
    from: Timestamp,
    until: Timestamp,
    zone: &TimeZone,
) -> Vec<Timestamp> {
    let mut due = Vec::new();
    match schedule {
        DoseSchedule::WallClock(w) => {
            let utc_date = |t: Timestamp| t.to_zoned(TimeZone::UTC).date();
            let window_start: Date = utc_date(from).checked_sub(3.days()).expect("in range");
            let mut day = w
                .start
                .map_or(window_start, |start| window_start.max(start));
            let last = utc_date(until).checked_add(3.days()).expect("in range");
            let last = w.end.map_or(last, |end| end.min(last));
            while day <= last {
                let dose_day = match (&w.days, w.every_n_days) {
                    (Some(days), _) => days.iter().any(|d| d.is(day.weekday())),
                    (None, Some(n)) => {
                        let start = w.start.expect("every_n_days comes with a start");
                        start.until(day).expect("days").get_days() % i32::from(n) == 0
                    }
                    (None, None) => true,
                };
                if dose_day {
                    for &time in &w.times {
                        let at = day
                            .to_datetime(time)
                            .to_zoned(zone.clone())
                            .expect("in range");
                        due.push(at.timestamp());
                    }
                }
                day = day.tomorrow().expect("in range");
            }
        }
        DoseSchedule::FixedInterval(f) => {
            let mut at = f.anchor;
            while at < until {
                due.push(at);
                at += SignedDuration::from_hours(i64::from(f.every_hours));
            }
        }
        DoseSchedule::AsNeeded(_) => {}
    }
    due.retain(|at| from <= *at && *at < until);
    due.sort();
    due.dedup();
    due
}

proptest! {
    #[test]
    fn planned_instants_are_in_the_window_sorted_unique_and_complete(
        (name, (from, until), schedule) in case()
    ) {
        let zone = zone(name);
        let due = plan(&schedule, from, until, &zone).expect("plans");
        for instant in &due {
            prop_assert!(from <= instant.timestamp() && instant.timestamp() < until, "{instant} outside the window");
            prop_assert_eq!(instant.time_zone(), &zone);
        }
        prop_assert!(due.windows(2).all(|pair| pair[0].timestamp() < pair[1].timestamp()), "not strictly increasing");
        let got: Vec<Timestamp> = due.iter().map(|z| z.timestamp()).collect();
        prop_assert_eq!(got, obvious_plan(&schedule, from, until, &zone));
    }

    #[test]
    fn a_check_split_in_two_reports_each_missed_dose_once(
        doses in prop::collection::vec((0u8..3, 0i64..10_000, 0u8..5, 0i64..600), 0..40),
        mut checks in prop::collection::vec(0i64..12_000, 3),
        grace in 0i64..180,
    ) {
        let base = date(2026, 1, 1).to_zoned(TimeZone::UTC).expect("in range").timestamp();
        let at = |minutes: i64| base + SignedDuration::from_mins(minutes);
        let doses: Vec<DoseRecord<u8>> = doses
            .into_iter()
            .map(|(medication, due, state, later)| DoseRecord {
                medication,
                due: at(due),
                state: match state {
                    0 => DoseState::Due,
                    1 => DoseState::Snoozed { until: at(due + later) },
                    2 => DoseState::Taken { at: at(due + later) },
                    3 => DoseState::Skipped { reason: String::new() },
                    _ => DoseState::Missed,
                },
            })
            .collect();
        checks.sort_unstable();
        let (since, middle, now) = (at(checks[0]), at(checks[1]), at(checks[2]));
        let grace = SignedDuration::from_mins(grace);
        let reported = |from, to| -> Vec<(u8, Timestamp)> {
            catch_up(&doses, from, to, grace)
                .map(|summary| summary.doses.into_iter().map(|d| (d.medication, d.due)).collect())
                .unwrap_or_default()
        };
        let mut split = reported(since, middle);
        split.extend(reported(middle, now));
        split.sort_unstable();
        let mut whole = reported(since, now);
        whole.sort_unstable();
        prop_assert_eq!(split, whole);
    }
}
