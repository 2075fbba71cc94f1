//! DST gaps and folds in both hemispheres, whole-hour and part-hour shifts, and zones without DST.
//!
//! Every transition below is the 2026 one from the tz database: the instant is given in UTC with
//! the local clock on each side. Wall-clock doses take the "compatible" rule (a time in a gap
//! moves forward by the gap's length; a time in a fold fires once, at the earlier instant);
//! fixed-interval doses count elapsed time.

use crate::{check, Case};

/// America/New_York, 2026: gap at 07:00Z on 8 March (02:00 EST -> 03:00 EDT), fold at 06:00Z on
/// 1 November (02:00 EDT -> 01:00 EST, so 01:00-01:59 happens twice).
const NEW_YORK: &[Case] = &[
    Case {
        what: "02:30 daily across the spring gap",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:30"], "start": "2026-03-01"}"#,
        from: "2026-03-07T00:00:00-05:00",
        until: "2026-03-10T00:00:00-04:00",
        due: &[
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-09T02:30:00-04:00",
        ],
    },
    Case {
        what: "02:00 and 03:00 land on one instant in the gap and fire once",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:00", "03:00"], "start": "2026-03-08", "end": "2026-03-08"}"#,
        from: "2026-03-01T00:00:00-05:00",
        until: "2026-03-31T00:00:00-04:00",
        due: &["2026-03-08T03:00:00-04:00"],
    },
    Case {
        what: "the shifted dose is excluded by an until equal to it",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:30"], "start": "2026-03-08"}"#,
        from: "2026-03-08T00:00:00-05:00",
        until: "2026-03-08T03:30:00-04:00",
        due: &[],
    },
    Case {
        what: "and included by an until one second later",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:30"], "start": "2026-03-08"}"#,
        from: "2026-03-08T00:00:00-05:00",
        until: "2026-03-08T03:30:01-04:00",
        due: &["2026-03-08T03:30:00-04:00"],
    },
    Case {
        what: "01:30 daily across the fall fold fires once, at the earlier instant",
        zone: "America/New_York",
        schedule: r#"{"times": ["01:30"], "start": "2026-10-01"}"#,
        from: "2026-10-31T00:00:00-04:00",
        until: "2026-11-03T00:00:00-05:00",
        due: &[
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00",
        ],
    },
    Case {
        what: "a window starting between the two 01:30s holds no second dose",
        zone: "America/New_York",
        schedule: r#"{"times": ["01:30"], "start": "2026-10-01"}"#,
        from: "2026-11-01T01:00:00-05:00",
        until: "2026-11-02T00:00:00-05:00",
        due: &[],
    },
    Case {
        what: "a window from the first 01:30 to the second holds the first only",
        zone: "America/New_York",
        schedule: r#"{"times": ["01:30"], "start": "2026-10-01"}"#,
        from: "2026-11-01T01:30:00-04:00",
        until: "2026-11-01T01:30:00-05:00",
        due: &["2026-11-01T01:30:00-04:00"],
    },
    Case {
        what: "01:00 (ambiguous) and 02:00 (not) on the fold day are two hours apart",
        zone: "America/New_York",
        schedule: r#"{"times": ["01:00", "02:00"], "start": "2026-11-01", "end": "2026-11-01"}"#,
        from: "2026-11-01T00:00:00-04:00",
        until: "2026-11-02T00:00:00-05:00",
        due: &["2026-11-01T01:00:00-04:00", "2026-11-01T02:00:00-05:00"],
    },
    Case {
        what: "every 8 hours across the spring gap keeps 8 hours of elapsed time",
        zone: "America/New_York",
        schedule: r#"{"every_hours": 8, "anchor": "2026-03-07T16:00:00-05:00"}"#,
        from: "2026-03-07T16:00:00-05:00",
        until: "2026-03-09T00:00:00-04:00",
        due: &[
            "2026-03-07T16:00:00-05:00",
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T09:00:00-04:00",
            "2026-03-08T17:00:00-04:00",
        ],
    },
    Case {
        what: "every 8 hours across the fall fold",
        zone: "America/New_York",
        schedule: r#"{"every_hours": 8, "anchor": "2026-10-31T16:00:00-04:00"}"#,
        from: "2026-10-31T16:00:00-04:00",
        until: "2026-11-01T23:00:00-05:00",
        due: &[
            "2026-10-31T16:00:00-04:00",
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T07:00:00-05:00",
            "2026-11-01T15:00:00-05:00",
        ],
    },
    Case {
        what: "hourly through the fold fires at both 01:00s",
        zone: "America/New_York",
        schedule: r#"{"every_hours": 1, "anchor": "2026-11-01T00:00:00-04:00"}"#,
        from: "2026-11-01T00:00:00-04:00",
        until: "2026-11-01T03:00:00-05:00",
        due: &[
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T02:00:00-05:00",
        ],
    },
    Case {
        what: "hourly through the gap skips no elapsed hour",
        zone: "America/New_York",
        schedule: r#"{"every_hours": 1, "anchor": "2026-03-08T00:00:00-05:00"}"#,
        from: "2026-03-08T00:00:00-05:00",
        until: "2026-03-08T05:00:00-04:00",
        due: &[
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T01:00:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T04:00:00-04:00",
        ],
    },
];

/// Europe/London (gap at 01:00Z on 29 March, 01:00 GMT -> 02:00 BST; fold at 01:00Z on
/// 25 October, 02:00 BST -> 01:00 GMT) and Europe/Berlin (the same instants; 02:00 CET -> 03:00
/// CEST and 03:00 CEST -> 02:00 CET).
const EUROPE: &[Case] = &[
    Case {
        what: "01:30 in the London spring gap",
        zone: "Europe/London",
        schedule: r#"{"times": ["01:30"], "start": "2026-01-01"}"#,
        from: "2026-03-28T00:00:00+00:00",
        until: "2026-03-30T00:00:00+01:00",
        due: &["2026-03-28T01:30:00+00:00", "2026-03-29T02:30:00+01:00"],
    },
    Case {
        what: "01:30 in the London autumn fold",
        zone: "Europe/London",
        schedule: r#"{"times": ["01:30"], "start": "2026-01-01"}"#,
        from: "2026-10-24T00:00:00+01:00",
        until: "2026-10-27T00:00:00+00:00",
        due: &[
            "2026-10-24T01:30:00+01:00",
            "2026-10-25T01:30:00+01:00",
            "2026-10-26T01:30:00+00:00",
        ],
    },
    Case {
        what: "02:30 on Sundays in Berlin: the gap Sunday, then a normal one",
        zone: "Europe/Berlin",
        schedule: r#"{"times": ["02:30"], "days": ["sun"], "start": "2026-01-01"}"#,
        from: "2026-03-23T00:00:00+01:00",
        until: "2026-04-06T00:00:00+02:00",
        due: &["2026-03-29T03:30:00+02:00", "2026-04-05T02:30:00+02:00"],
    },
    Case {
        what: "02:30 in the Berlin autumn fold",
        zone: "Europe/Berlin",
        schedule: r#"{"times": ["02:30"], "start": "2026-01-01"}"#,
        from: "2026-10-25T00:00:00+02:00",
        until: "2026-10-27T00:00:00+01:00",
        due: &["2026-10-25T02:30:00+02:00", "2026-10-26T02:30:00+01:00"],
    },
];

/// The southern hemisphere: DST ends in April and begins in September or October.
const SOUTH: &[Case] = &[
    // Australia/Sydney: fold at 16:00Z on 4 April (03:00 AEDT -> 02:00 AEST on 5 April), gap at
    // 16:00Z on 3 October (02:00 AEST -> 03:00 AEDT on 4 October).
    Case {
        what: "02:30 in the Sydney April fold",
        zone: "Australia/Sydney",
        schedule: r#"{"times": ["02:30"], "start": "2026-01-01"}"#,
        from: "2026-04-04T00:00:00+11:00",
        until: "2026-04-06T00:00:00+10:00",
        due: &["2026-04-04T02:30:00+11:00", "2026-04-05T02:30:00+11:00"],
    },
    Case {
        what: "02:30 in the Sydney October gap",
        zone: "Australia/Sydney",
        schedule: r#"{"times": ["02:30"], "start": "2026-01-01"}"#,
        from: "2026-10-03T00:00:00+10:00",
        until: "2026-10-05T00:00:00+11:00",
        due: &["2026-10-03T02:30:00+10:00", "2026-10-04T03:30:00+11:00"],
    },
    Case {
        what: "08:00 and 20:00 stay on the wall clock across the Sydney gap",
        zone: "Australia/Sydney",
        schedule: r#"{"times": ["08:00", "20:00"], "start": "2026-01-01"}"#,
        from: "2026-10-03T00:00:00+10:00",
        until: "2026-10-05T00:00:00+11:00",
        due: &[
            "2026-10-03T08:00:00+10:00",
            "2026-10-03T20:00:00+10:00",
            "2026-10-04T08:00:00+11:00",
            "2026-10-04T20:00:00+11:00",
        ],
    },
    Case {
        what: "every 12 hours across the Sydney fold",
        zone: "Australia/Sydney",
        schedule: r#"{"every_hours": 12, "anchor": "2026-04-04T20:00:00+11:00"}"#,
        from: "2026-04-04T00:00:00+11:00",
        until: "2026-04-06T00:00:00+10:00",
        due: &[
            "2026-04-04T20:00:00+11:00",
            "2026-04-05T07:00:00+10:00",
            "2026-04-05T19:00:00+10:00",
        ],
    },
    // America/Santiago changes at midnight: fold at 03:00Z on 5 April (24:00 -> 23:00 on
    // 4 April, so 23:00-23:59 happens twice), gap at 04:00Z on 6 September (24:00 -> 01:00, so
    // 6 September has no 00:xx at all).
    Case {
        what: "23:30 in the Santiago fold before midnight",
        zone: "America/Santiago",
        schedule: r#"{"times": ["23:30"], "start": "2026-01-01"}"#,
        from: "2026-04-03T12:00:00-03:00",
        until: "2026-04-05T12:00:00-04:00",
        due: &["2026-04-03T23:30:00-03:00", "2026-04-04T23:30:00-03:00"],
    },
    Case {
        what: "00:30 in the Santiago midnight gap",
        zone: "America/Santiago",
        schedule: r#"{"times": ["00:30"], "start": "2026-01-01"}"#,
        from: "2026-09-05T00:00:00-04:00",
        until: "2026-09-08T00:00:00-03:00",
        due: &[
            "2026-09-05T00:30:00-04:00",
            "2026-09-06T01:30:00-03:00",
            "2026-09-07T00:30:00-03:00",
        ],
    },
    Case {
        what: "midnight on a day without one, starting that day",
        zone: "America/Santiago",
        schedule: r#"{"times": ["00:00"], "start": "2026-09-06", "end": "2026-09-06"}"#,
        from: "2026-09-01T00:00:00-04:00",
        until: "2026-09-30T00:00:00-03:00",
        due: &["2026-09-06T01:00:00-03:00"],
    },
    Case {
        what: "Sundays at 00:30: the gap Sunday keeps its dose, moved forward",
        zone: "America/Santiago",
        schedule: r#"{"times": ["00:30"], "days": ["sun"], "start": "2026-01-01"}"#,
        from: "2026-09-01T00:00:00-04:00",
        until: "2026-09-14T00:00:00-03:00",
        due: &["2026-09-06T01:30:00-03:00", "2026-09-13T00:30:00-03:00"],
    },
    Case {
        what: "every 6 hours onto the Santiago transition instant itself",
        zone: "America/Santiago",
        schedule: r#"{"every_hours": 6, "anchor": "2026-09-05T18:00:00-04:00"}"#,
        from: "2026-09-05T18:00:00-04:00",
        until: "2026-09-06T12:00:00-03:00",
        due: &[
            "2026-09-05T18:00:00-04:00",
            "2026-09-06T01:00:00-03:00",
            "2026-09-06T07:00:00-03:00",
        ],
    },
];

/// Shifts that are not a whole hour, offsets that are not whole hours, and no DST at all.
const ODD_OFFSETS: &[Case] = &[
    // Australia/Lord_Howe shifts by 30 minutes: fold at 15:00Z on 4 April (02:00 +11:00 ->
    // 01:30 +10:30 on 5 April), gap at 15:30Z on 3 October (02:00 +10:30 -> 02:30 +11:00).
    Case {
        what: "01:45 in the Lord Howe half-hour fold",
        zone: "Australia/Lord_Howe",
        schedule: r#"{"times": ["01:45"], "start": "2026-01-01"}"#,
        from: "2026-04-04T00:00:00+11:00",
        until: "2026-04-06T00:00:00+10:30",
        due: &["2026-04-04T01:45:00+11:00", "2026-04-05T01:45:00+11:00"],
    },
    Case {
        what: "02:15 in the Lord Howe half-hour gap moves forward 30 minutes",
        zone: "Australia/Lord_Howe",
        schedule: r#"{"times": ["02:15"], "start": "2026-01-01"}"#,
        from: "2026-10-03T00:00:00+10:30",
        until: "2026-10-05T00:00:00+11:00",
        due: &["2026-10-03T02:15:00+10:30", "2026-10-04T02:45:00+11:00"],
    },
    Case {
        what: "02:00, 02:29 and 02:30 on the Lord Howe gap day: two instants",
        zone: "Australia/Lord_Howe",
        schedule: r#"{"times": ["02:30", "02:29", "02:00"], "start": "2026-10-04", "end": "2026-10-04"}"#,
        from: "2026-10-04T00:00:00+10:30",
        until: "2026-10-05T00:00:00+11:00",
        due: &["2026-10-04T02:30:00+11:00", "2026-10-04T02:59:00+11:00"],
    },
    Case {
        what: "every 24 hours across the Lord Howe gap lands 30 minutes later on the clock",
        zone: "Australia/Lord_Howe",
        schedule: r#"{"every_hours": 24, "anchor": "2026-10-03T08:00:00+10:30"}"#,
        from: "2026-10-03T00:00:00+10:30",
        until: "2026-10-06T00:00:00+11:00",
        due: &[
            "2026-10-03T08:00:00+10:30",
            "2026-10-04T08:30:00+11:00",
            "2026-10-05T08:30:00+11:00",
        ],
    },
    // Pacific/Chatham: +12:45 standard, +13:45 daylight. Fold at 14:00Z on 4 April (03:45 ->
    // 02:45 on 5 April), gap at 14:00Z on 26 September (02:45 -> 03:45 on 27 September).
    Case {
        what: "03:00 in the Chatham fold",
        zone: "Pacific/Chatham",
        schedule: r#"{"times": ["03:00"], "start": "2026-01-01"}"#,
        from: "2026-04-04T00:00:00+13:45",
        until: "2026-04-06T00:00:00+12:45",
        due: &["2026-04-04T03:00:00+13:45", "2026-04-05T03:00:00+13:45"],
    },
    Case {
        what: "03:00 in the Chatham gap",
        zone: "Pacific/Chatham",
        schedule: r#"{"times": ["03:00"], "start": "2026-01-01"}"#,
        from: "2026-09-26T00:00:00+12:45",
        until: "2026-09-28T00:00:00+13:45",
        due: &["2026-09-26T03:00:00+12:45", "2026-09-27T04:00:00+13:45"],
    },
    Case {
        what: "every 24 hours across the Chatham gap",
        zone: "Pacific/Chatham",
        schedule: r#"{"every_hours": 24, "anchor": "2026-09-26T12:00:00+12:45"}"#,
        from: "2026-09-26T00:00:00+12:45",
        until: "2026-09-28T00:00:00+13:45",
        due: &["2026-09-26T12:00:00+12:45", "2026-09-27T13:00:00+13:45"],
    },
    // Asia/Kolkata: +05:30 all year, through the weekend Europe changes its clocks.
    Case {
        what: "08:00 in Kolkata while Europe springs forward",
        zone: "Asia/Kolkata",
        schedule: r#"{"times": ["08:00"], "start": "2026-01-01"}"#,
        from: "2026-03-28T00:00:00+05:30",
        until: "2026-03-30T00:00:00+05:30",
        due: &["2026-03-28T08:00:00+05:30", "2026-03-29T08:00:00+05:30"],
    },
    Case {
        what: "every 12 hours in Kolkata",
        zone: "Asia/Kolkata",
        schedule: r#"{"every_hours": 12, "anchor": "2026-03-28T08:00:00+05:30"}"#,
        from: "2026-03-28T00:00:00+05:30",
        until: "2026-03-29T08:00:00+05:30",
        due: &["2026-03-28T08:00:00+05:30", "2026-03-28T20:00:00+05:30"],
    },
    // Pacific/Apia skipped Friday 30 December 2011 entirely (-10:00 -> +14:00): the 30th's dose
    // moves forward a whole day onto the 31st's, and fires once.
    Case {
        what: "a day that never happened in Samoa",
        zone: "Pacific/Apia",
        schedule: r#"{"times": ["08:00"], "start": "2011-12-01"}"#,
        from: "2011-12-29T00:00:00-10:00",
        until: "2012-01-01T00:00:00+14:00",
        due: &["2011-12-29T08:00:00-10:00", "2011-12-31T08:00:00+14:00"],
    },
];

#[test]
fn new_york() {
    NEW_YORK.iter().for_each(check);
}

#[test]
fn london_and_berlin() {
    EUROPE.iter().for_each(check);
}

#[test]
fn southern_hemisphere() {
    SOUTH.iter().for_each(check);
}

#[test]
fn half_hour_shifts_odd_offsets_and_no_dst() {
    ODD_OFFSETS.iter().for_each(check);
}
