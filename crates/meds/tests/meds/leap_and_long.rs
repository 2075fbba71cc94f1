//! Leap days and schedules that run for years.

use jiff::civil::time;
use tend_meds::{plan, Error, MAX_WINDOW_DAYS};

use crate::{check, rfc3339, schedule, ts, zone, Case};

const LEAP_DAYS: &[Case] = &[
    Case {
        what: "a schedule ending on 1 March 2028 covers 29 February",
        zone: "America/New_York",
        schedule: r#"{"times": ["09:00"], "start": "2028-02-28", "end": "2028-03-01"}"#,
        from: "2028-02-01T00:00:00-05:00",
        until: "2028-04-01T00:00:00-04:00",
        due: &[
            "2028-02-28T09:00:00-05:00",
            "2028-02-29T09:00:00-05:00",
            "2028-03-01T09:00:00-05:00",
        ],
    },
    Case {
        what: "a schedule of 29 February alone",
        zone: "Asia/Kolkata",
        schedule: r#"{"times": ["08:00"], "start": "2028-02-29", "end": "2028-02-29"}"#,
        from: "2028-01-01T00:00:00+05:30",
        until: "2029-01-01T00:00:00+05:30",
        due: &["2028-02-29T08:00:00+05:30"],
    },
    Case {
        what: "every 2 days across 29 February counts it",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00"], "every_n_days": 2, "start": "2028-02-27"}"#,
        from: "2028-02-27T00:00:00-05:00",
        until: "2028-03-04T00:00:00-05:00",
        due: &[
            "2028-02-27T08:00:00-05:00",
            "2028-02-29T08:00:00-05:00",
            "2028-03-02T08:00:00-05:00",
        ],
    },
    Case {
        what: "every 2 days across the end of February in a common year",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00"], "every_n_days": 2, "start": "2027-02-27"}"#,
        from: "2027-02-27T00:00:00-05:00",
        until: "2027-03-04T00:00:00-05:00",
        due: &[
            "2027-02-27T08:00:00-05:00",
            "2027-03-01T08:00:00-05:00",
            "2027-03-03T08:00:00-05:00",
        ],
    },
    Case {
        // 29 February 2028 is day 789 after 1 January 2026 (730 + 59), a multiple of 3.
        what: "every 3 days counted from two years before",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00"], "every_n_days": 3, "start": "2026-01-01"}"#,
        from: "2028-02-26T00:00:00-05:00",
        until: "2028-03-04T00:00:00-05:00",
        due: &[
            "2028-02-26T08:00:00-05:00",
            "2028-02-29T08:00:00-05:00",
            "2028-03-03T08:00:00-05:00",
        ],
    },
    Case {
        what: "Tuesdays, 29 February 2028 among them",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00"], "days": ["tue"], "start": "2028-01-01"}"#,
        from: "2028-02-28T00:00:00-05:00",
        until: "2028-03-08T00:00:00-05:00",
        due: &["2028-02-29T08:00:00-05:00", "2028-03-07T08:00:00-05:00"],
    },
    Case {
        what: "every 365 days from 29 February",
        zone: "UTC",
        schedule: r#"{"times": ["12:00"], "every_n_days": 365, "start": "2028-02-29"}"#,
        from: "2028-01-01T00:00:00Z",
        until: "2031-01-01T00:00:00Z",
        due: &[
            "2028-02-29T12:00:00+00:00",
            "2029-02-28T12:00:00+00:00",
            "2030-02-28T12:00:00+00:00",
        ],
    },
    Case {
        what: "every 24 hours through 29 February",
        zone: "Europe/Berlin",
        schedule: r#"{"every_hours": 24, "anchor": "2028-02-28T07:00:00Z"}"#,
        from: "2028-02-28T00:00:00+01:00",
        until: "2028-03-01T09:00:00+01:00",
        due: &[
            "2028-02-28T08:00:00+01:00",
            "2028-02-29T08:00:00+01:00",
            "2028-03-01T08:00:00+01:00",
        ],
    },
];

#[test]
fn leap_days() {
    LEAP_DAYS.iter().for_each(check);
}

const YEARS_LATER: &[Case] = &[
    Case {
        // 1 June 2035 is day 3438 after 1 January 2026 (9 years, two of them leap, and 151 days).
        what: "every 10 days, nine years on",
        zone: "Europe/Berlin",
        schedule: r#"{"times": ["08:00"], "every_n_days": 10, "start": "2026-01-01"}"#,
        from: "2035-06-01T00:00:00+02:00",
        until: "2035-06-15T00:00:00+02:00",
        due: &["2035-06-03T08:00:00+02:00", "2035-06-13T08:00:00+02:00"],
    },
    Case {
        what: "an open-ended schedule's gap day ten years on",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:30"], "start": "2026-01-01", "end": null}"#,
        from: "2035-03-10T00:00:00-05:00",
        until: "2035-03-13T00:00:00-04:00",
        due: &[
            "2035-03-10T02:30:00-05:00",
            "2035-03-11T03:30:00-04:00",
            "2035-03-12T02:30:00-04:00",
        ],
    },
];

#[test]
fn years_after_the_start() {
    YEARS_LATER.iter().for_each(check);
}

#[test]
fn ten_years_of_daily_doses_stay_on_the_wall_clock() {
    let due = plan(
        &schedule(r#"{"times": ["08:00"], "start": "2026-01-01"}"#),
        ts("2026-01-01T00:00:00-05:00"),
        ts("2036-01-01T00:00:00-05:00"),
        &zone("America/New_York"),
    )
    .expect("plans");
    // 2026 to 2035: ten years, two of them leap.
    assert_eq!(due.len(), 3652);
    assert_eq!(rfc3339(&due[0]), "2026-01-01T08:00:00-05:00");
    assert_eq!(rfc3339(&due[3651]), "2035-12-31T08:00:00-05:00");
    assert!(due.iter().all(|d| d.time() == time(8, 0, 0, 0)));
    assert!(due
        .windows(2)
        .all(|pair| pair[0].date().tomorrow().ok() == Some(pair[1].date())));
}

#[test]
fn ten_years_of_fixed_intervals_stay_in_elapsed_time() {
    let due = plan(
        &schedule(r#"{"every_hours": 8, "anchor": "2026-01-01T00:00:00Z"}"#),
        ts("2026-01-01T00:00:00Z"),
        ts("2036-01-01T00:00:00Z"),
        &zone("Asia/Kolkata"),
    )
    .expect("plans");
    assert_eq!(due.len(), 3652 * 3);
    assert_eq!(rfc3339(&due[0]), "2026-01-01T05:30:00+05:30");
    assert_eq!(rfc3339(&due[3652 * 3 - 1]), "2035-12-31T21:30:00+05:30");
    let hourly = plan(
        &schedule(r#"{"every_hours": 1, "anchor": "2026-01-01T00:00:00Z"}"#),
        ts("2026-01-01T00:00:00Z"),
        ts("2036-01-01T00:00:00Z"),
        &zone("Europe/London"),
    )
    .expect("ten years of hourly doses fit under the cap");
    assert_eq!(hourly.len(), 3652 * 24);
}

#[test]
fn longer_windows_are_refused() {
    let got = plan(
        &schedule(r#"{"times": ["08:00"], "start": "2026-01-01"}"#),
        ts("2026-01-01T00:00:00Z"),
        ts("2046-01-01T00:00:00Z"),
        &zone("UTC"),
    );
    assert_eq!(
        got,
        Err(Error::WindowTooLong {
            max_days: MAX_WINDOW_DAYS
        })
    );
}
