//! A wall-clock schedule's `start` is optional: without one there is no lower bound, and doses
//! are planned from the window's start; with one, nothing is due before it, as always.

use crate::{check, Case};

const WITH_AND_WITHOUT_A_START: &[Case] = &[
    Case {
        what: "with a start, a window before it holds nothing",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00", "20:00"], "start": "2026-03-08"}"#,
        from: "2026-03-06T00:00:00-05:00",
        until: "2026-03-08T00:00:00-05:00",
        due: &[],
    },
    Case {
        what: "without a start, the same window holds every dose",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00", "20:00"]}"#,
        from: "2026-03-06T00:00:00-05:00",
        until: "2026-03-08T00:00:00-05:00",
        due: &[
            "2026-03-06T08:00:00-05:00",
            "2026-03-06T20:00:00-05:00",
            "2026-03-07T08:00:00-05:00",
            "2026-03-07T20:00:00-05:00",
        ],
    },
    Case {
        what: "with a start, a window across it begins on the start date",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00", "20:00"], "start": "2026-03-08", "end": null}"#,
        from: "2026-03-07T12:00:00-05:00",
        until: "2026-03-09T00:00:00-04:00",
        due: &["2026-03-08T08:00:00-04:00", "2026-03-08T20:00:00-04:00"],
    },
    Case {
        what: "without a start (null), the window's first dose comes first, across the gap",
        zone: "America/New_York",
        schedule: r#"{"times": ["08:00", "20:00"], "start": null, "end": null}"#,
        from: "2026-03-07T12:00:00-05:00",
        until: "2026-03-09T00:00:00-04:00",
        due: &[
            "2026-03-07T20:00:00-05:00",
            "2026-03-08T08:00:00-04:00",
            "2026-03-08T20:00:00-04:00",
        ],
    },
    Case {
        what: "without a start, a time in the spring gap still moves forward",
        zone: "America/New_York",
        schedule: r#"{"times": ["02:30"]}"#,
        from: "2026-03-08T00:00:00-05:00",
        until: "2026-03-09T00:00:00-04:00",
        due: &["2026-03-08T03:30:00-04:00"],
    },
    Case {
        what: "without a start, weekdays and an end bound the plan",
        zone: "Europe/Berlin",
        // 2026-03-02 is a Monday.
        schedule: r#"{"times": ["09:00"], "days": ["mon", "thu"], "end": "2026-03-05"}"#,
        from: "2026-02-23T00:00:00+01:00",
        until: "2026-03-16T00:00:00+01:00",
        due: &[
            "2026-02-23T09:00:00+01:00",
            "2026-02-26T09:00:00+01:00",
            "2026-03-02T09:00:00+01:00",
            "2026-03-05T09:00:00+01:00",
        ],
    },
    Case {
        what: "without a start, a window in the distant past plans as any other",
        zone: "UTC",
        schedule: r#"{"times": ["08:00"]}"#,
        from: "1971-01-01T00:00:00Z",
        until: "1971-01-03T00:00:00Z",
        due: &["1971-01-01T08:00:00+00:00", "1971-01-02T08:00:00+00:00"],
    },
];

#[test]
fn with_and_without_a_start() {
    WITH_AND_WITHOUT_A_START.iter().for_each(check);
}

#[test]
fn every_n_days_needs_a_start_to_count_from() {
    let refused = tend_meds::DoseSchedule::from_json(r#"{"times": ["08:00"], "every_n_days": 2}"#);
    assert!(
        refused
            .as_ref()
            .is_err_and(|e| e.to_string().contains("every_n_days needs a start")),
        "{refused:?}"
    );
}
