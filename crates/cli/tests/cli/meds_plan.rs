//! `tend meds plan` as scripts see it: the contract (docs/cli.md) on DST edges, an optional
//! `start`, and one-line errors.
//!
//! The binary reads zones from the system's tz database, as the app does, so these cases keep to
//! rules that have been stable for years (United States since 2007, EU since 1996, India none).

use crate::harness::{arg, Run, Tend};

/// Runs `tend meds plan` on a schedule file holding `schedule`.
fn plan(schedule: &str, from: &str, until: &str, tz: &str) -> Run {
    let tend = Tend::new();
    let file = tend.file("schedule.json", schedule);
    tend.run(&[
        "meds",
        "plan",
        arg(&file),
        "--from",
        from,
        "--until",
        until,
        "--tz",
        tz,
    ])
}

/// The plan succeeds and prints exactly `expected`, as one JSON array on one line.
fn check(schedule: &str, from: &str, until: &str, tz: &str, expected: &[&str]) {
    let output = plan(schedule, from, until, tz);
    let stderr = output.stderr();
    assert!(stderr.is_empty(), "{schedule}: unexpected stderr {stderr}");
    let stdout = output.success();
    assert_eq!(stdout.lines().count(), 1, "one line: {stdout}");
    let got: Vec<String> = serde_json::from_str(&stdout).expect("a JSON array of strings");
    assert_eq!(got, expected, "{schedule} in {tz} over [{from}, {until})");
}

/// The plan fails with exit code 1 and one line on stderr that contains `part`.
fn check_error(schedule: &str, from: &str, until: &str, tz: &str, part: &str) {
    let output = plan(schedule, from, until, tz);
    let stderr = output.failure();
    assert!(
        output.output.stdout.is_empty(),
        "nothing on stdout on failure"
    );
    assert!(stderr.starts_with("tend: "), "{stderr}");
    assert!(stderr.contains(part), "`{stderr}` lacks `{part}`");
}

#[test]
fn the_contract_example_on_mondays_and_wednesdays() {
    // 2026-01-05 is a Monday.
    check(
        r#"{"times": ["08:00", "20:00"], "days": ["mon", "wed"], "start": "2026-01-01", "end": null}"#,
        "2026-01-05T00:00:00-05:00",
        "2026-01-12T00:00:00-05:00",
        "America/New_York",
        &[
            "2026-01-05T08:00:00-05:00",
            "2026-01-05T20:00:00-05:00",
            "2026-01-07T08:00:00-05:00",
            "2026-01-07T20:00:00-05:00",
        ],
    );
}

#[test]
fn new_york_spring_gap_moves_doses_forward() {
    // 8 March 2026: 02:00 EST becomes 03:00 EDT.
    check(
        r#"{"times": ["02:00", "02:30", "03:00"], "start": "2026-03-08", "end": "2026-03-08"}"#,
        "2026-03-08T00:00:00-05:00",
        "2026-03-09T00:00:00-04:00",
        "America/New_York",
        &["2026-03-08T03:00:00-04:00", "2026-03-08T03:30:00-04:00"],
    );
}

#[test]
fn new_york_fall_fold_fires_once_at_the_earlier_instant() {
    // 1 November 2026: 02:00 EDT becomes 01:00 EST.
    check(
        r#"{"times": ["01:30"], "start": "2026-10-31", "end": "2026-11-02"}"#,
        "2026-10-31T00:00:00-04:00",
        "2026-11-03T00:00:00-05:00",
        "America/New_York",
        &[
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00",
        ],
    );
}

#[test]
fn fixed_intervals_count_elapsed_time_across_dst() {
    // Berlin, 29 March 2026: 02:00 CET becomes 03:00 CEST at 01:00Z.
    check(
        r#"{"every_hours": 8, "anchor": "2026-03-28T16:00:00+01:00"}"#,
        "2026-03-28T16:00:00+01:00",
        "2026-03-29T16:00:00+02:00",
        "Europe/Berlin",
        &[
            "2026-03-28T16:00:00+01:00",
            "2026-03-29T00:00:00+01:00",
            "2026-03-29T09:00:00+02:00",
        ],
    );
}

#[test]
fn half_hour_offsets_print_as_such() {
    check(
        r#"{"times": ["08:00"], "every_n_days": 2, "start": "2026-03-01"}"#,
        "2026-03-01T00:00:00+05:30",
        "2026-03-06T00:00:00+05:30",
        "Asia/Kolkata",
        &[
            "2026-03-01T08:00:00+05:30",
            "2026-03-03T08:00:00+05:30",
            "2026-03-05T08:00:00+05:30",
        ],
    );
}

#[test]
fn the_window_is_half_open_and_may_be_given_in_any_offset() {
    check(
        r#"{"times": ["08:00"], "start": "2026-01-01"}"#,
        "2026-01-01T13:00:00Z",
        "2026-01-02T13:00:00Z",
        "America/New_York",
        &["2026-01-01T08:00:00-05:00"],
    );
}

#[test]
fn as_needed_and_empty_windows_print_an_empty_array() {
    check(
        r#"{"as_needed": true}"#,
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
        "UTC",
        &[],
    );
    check(
        r#"{"times": ["08:00"], "start": "2027-01-01"}"#,
        "2026-01-01T00:00:00Z",
        "2026-02-01T00:00:00Z",
        "UTC",
        &[],
    );
}

#[test]
fn bad_input_fails_with_one_clear_line() {
    let daily = r#"{"times": ["08:00"], "start": "2026-01-01"}"#;
    let (from, until) = ("2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z");
    check_error("{not json", from, until, "UTC", "schedule.json");
    check_error(
        r#"{"times": ["8am"], "start": "2026-01-01"}"#,
        from,
        until,
        "UTC",
        "`8am` is not a time of day",
    );
    check_error(
        r#"{"every_hours": 0, "anchor": "2026-01-01T00:00:00Z"}"#,
        from,
        until,
        "UTC",
        "every_hours must be at least 1",
    );
    check_error(
        daily,
        from,
        until,
        "Mars/Olympus_Mons",
        "--tz: `Mars/Olympus_Mons`",
    );
    check_error(daily, "yesterday", until, "UTC", "--from: `yesterday`");
    check_error(daily, from, "2026-01-02", "UTC", "--until: `2026-01-02`");
    check_error(daily, until, from, "UTC", "must be before --until");
    check_error(daily, from, from, "UTC", "must be before --until");
    check_error(
        daily,
        from,
        "2046-01-01T00:00:00Z",
        "UTC",
        "longer than 3660 days",
    );
}

#[test]
fn a_missing_schedule_file_is_named() {
    let output = Tend::new().run(&[
        "meds",
        "plan",
        "no-such.json",
        "--from",
        "2026-01-01T00:00:00Z",
        "--until",
        "2026-01-02T00:00:00Z",
        "--tz",
        "UTC",
    ]);
    let stderr = output.stderr();
    assert_eq!(output.code(), Some(1));
    assert!(
        stderr.contains("cannot read the schedule no-such.json"),
        "{stderr}"
    );
}

#[test]
fn the_vault_commands_say_when_there_is_no_vault_yet() {
    // `meds plan` needs no vault; listing doses does, and says so in one line.
    let output = Tend::new().run(&["meds", "list", "--tz", "UTC"]);
    assert_eq!(output.code(), Some(1));
    assert!(output.stderr().contains("no vault"));
}

#[test]
fn a_schedule_without_a_start_plans_from_the_window_on() {
    // `start` is optional: without it there is no lower bound.
    check(
        r#"{"times": ["08:00", "20:00"], "days": ["mon", "wed"]}"#,
        "2026-01-05T00:00:00-05:00",
        "2026-01-12T00:00:00-05:00",
        "America/New_York",
        &[
            "2026-01-05T08:00:00-05:00",
            "2026-01-05T20:00:00-05:00",
            "2026-01-07T08:00:00-05:00",
            "2026-01-07T20:00:00-05:00",
        ],
    );
    check(
        r#"{"times": ["08:00"], "end": null}"#,
        "1999-12-31T00:00:00Z",
        "2000-01-02T00:00:00Z",
        "UTC",
        &["1999-12-31T08:00:00+00:00", "2000-01-01T08:00:00+00:00"],
    );
    // With a start, nothing before it, as before.
    check(
        r#"{"times": ["08:00"], "start": "2000-01-01"}"#,
        "1999-12-31T00:00:00Z",
        "2000-01-02T00:00:00Z",
        "UTC",
        &["2000-01-01T08:00:00+00:00"],
    );
    check_error(
        r#"{"times": ["08:00"], "every_n_days": 2}"#,
        "2026-01-01T00:00:00Z",
        "2026-01-02T00:00:00Z",
        "UTC",
        "every_n_days needs a start",
    );
}
