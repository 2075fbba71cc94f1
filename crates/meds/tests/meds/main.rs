//! tend-meds from outside: plans across DST gaps and folds in both hemispheres, leap days, long
//! schedules, travel under both zone policies, schedules with and without a start, and properties
//! over generated schedules.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

mod dst;
mod leap_and_long;
mod properties;
mod start;
mod travel;

use std::sync::LazyLock;

use jiff::{
    tz::{TimeZone, TimeZoneDatabase},
    Timestamp, Zoned,
};
use tend_meds::{plan, DoseSchedule};

/// jiff's bundled copy of the tz database (the `tzdb-bundle-always` dev feature), so the expected
/// instants below do not change with this machine's tzdata.
static TZDB: LazyLock<TimeZoneDatabase> = LazyLock::new(TimeZoneDatabase::bundled);

fn zone(name: &str) -> TimeZone {
    TZDB.get(name)
        .unwrap_or_else(|e| panic!("{name} is in the bundled tz database: {e}"))
}

fn ts(text: &str) -> Timestamp {
    text.parse().expect("an RFC 3339 instant")
}

fn schedule(json: &str) -> DoseSchedule {
    DoseSchedule::from_json(json).expect("a valid schedule")
}

/// RFC 3339 with the local offset: the `tend meds plan` form.
fn rfc3339(due: &Zoned) -> String {
    due.timestamp()
        .display_with_offset(due.offset())
        .to_string()
}

/// One row of a table: a schedule planned in a zone over `[from, until)`, and what is due.
struct Case {
    what: &'static str,
    zone: &'static str,
    schedule: &'static str,
    from: &'static str,
    until: &'static str,
    due: &'static [&'static str],
}

fn check(case: &Case) {
    let zone = zone(case.zone);
    let due = plan(
        &schedule(case.schedule),
        ts(case.from),
        ts(case.until),
        &zone,
    )
    .unwrap_or_else(|e| panic!("{}: {e}", case.what));
    let got: Vec<String> = due.iter().map(rfc3339).collect();
    assert_eq!(got, case.due, "{} ({})", case.what, case.zone);
    for instant in &due {
        assert_eq!(
            instant.time_zone(),
            &zone,
            "{}: planned in the zone",
            case.what
        );
    }
}

#[test]
fn the_bundled_tz_database_is_the_one_in_use() {
    // Without the dev feature the bundled database is empty and every zone lookup fails.
    assert!(TZDB.get("America/New_York").is_ok());
}
