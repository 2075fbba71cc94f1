//! `tend meds add|edit|remove|list|take|skip|snooze|undo|remind|adherence` through the real
//! binary and a real vault, with "now" fixed by `TEND_NOW` so no test depends on the clock.

use crate::harness::{arg, Run, Tend};

/// `tend <args> --json` in `profile` at `now`.
fn tend(args: &[&str], profile: &Tend, now: &str) -> Run {
    profile
        .command(&[args, &["--json"]].concat())
        .now(now)
        .run()
}

/// Asserts success; the JSON on stdout.
fn json(run: Run) -> serde_json::Value {
    run.json()
}

/// Asserts a failure (exit code 1, one line); that line.
fn error(run: &Run) -> String {
    run.failure()
}

const NY: [&str; 2] = ["--tz", "America/New_York"];

/// A twice-daily medication with 5 pills, reorder at 3, added in a fresh profile.
fn profile_with_metformin() -> Tend {
    let profile = Tend::with_passphrase("a test passphrase");
    let schedule = profile.file(
        "bid.json",
        r#"{"times": ["08:00", "20:00"], "start": "2026-03-01", "end": null}"#,
    );
    let added = tend(
        &[
            "meds",
            "add",
            "--name",
            "Metformin 500 mg",
            "--schedule",
            arg(&schedule),
            "--pills",
            "5",
            "--refill-at",
            "3",
        ],
        &profile,
        "2026-03-01T07:00:00-05:00",
    )
    .json();
    assert_eq!(added["id"], "metformin-500-mg");
    profile
}

#[test]
fn a_day_of_doses_across_the_spring_gap_taken_skipped_and_missed() {
    let profile = profile_with_metformin();
    let p = &profile;
    // The spring-forward day: wall-clock doses stay at 08:00 and 20:00 local time.
    let today = json(tend(
        &[&["meds", "list"][..], &NY].concat(),
        p,
        "2026-03-08T08:10:00-04:00",
    ));
    let due: Vec<_> = today
        .as_array()
        .expect("array")
        .iter()
        .map(|d| d["due"].as_str().expect("due").to_owned())
        .collect();
    assert_eq!(
        due,
        ["2026-03-08T08:00:00-04:00", "2026-03-08T20:00:00-04:00"]
    );

    // Take: the dose due now. Taking again finds no open dose instead of guessing another.
    let taken = json(tend(
        &[&["meds", "take", "metformin-500-mg"][..], &NY].concat(),
        p,
        "2026-03-08T08:10:00-04:00",
    ));
    assert_eq!(
        (taken[0]["due"].as_str(), taken[0]["state"].as_str()),
        (Some("2026-03-08T08:00:00-04:00"), Some("taken"))
    );
    let again = tend(
        &[&["meds", "take", "metformin-500-mg"][..], &NY].concat(),
        p,
        "2026-03-08T08:20:00-04:00",
    );
    assert!(error(&again).contains("no open dose"));

    // The evening dose, left alone past the grace hour, is missed; it can still be taken late.
    let evening = json(tend(
        &[&["meds", "list"][..], &NY].concat(),
        p,
        "2026-03-08T21:30:00-04:00",
    ));
    assert_eq!(evening[1]["state"], "missed");
    let late = [
        "meds",
        "take",
        "metformin-500-mg",
        "--due",
        "2026-03-08T20:00:00-04:00",
    ];
    assert_eq!(
        json(tend(
            &[&late[..], &NY].concat(),
            p,
            "2026-03-08T22:00:00-04:00"
        ))[0]["state"],
        "taken"
    );

    // Next morning: snooze, then skip with a reason; a skipped dose cannot then be taken.
    let snoozed = json(tend(
        &[
            &["meds", "snooze", "metformin-500-mg", "--minutes", "15"][..],
            &NY,
        ]
        .concat(),
        p,
        "2026-03-09T08:05:00-04:00",
    ));
    assert_eq!(
        (snoozed[0]["state"].as_str(), snoozed[0]["until"].as_str()),
        (Some("snoozed"), Some("2026-03-09T12:20:00Z"))
    );
    let skipped = json(tend(
        &[
            &["meds", "skip", "metformin-500-mg", "--reason", "nausea"][..],
            &NY,
        ]
        .concat(),
        p,
        "2026-03-09T08:25:00-04:00",
    ));
    assert_eq!(skipped[0]["reason"], "nausea");
    let retake = [
        "meds",
        "take",
        "metformin-500-mg",
        "--due",
        "2026-03-09T08:00:00-04:00",
    ];
    assert!(error(&tend(
        &[&retake[..], &NY].concat(),
        p,
        "2026-03-09T08:30:00-04:00"
    ))
    .contains("cannot become taken"));

    // Adherence over the two days: 2 taken (1 on time), 1 skipped; the evening dose, not yet
    // due and not answered, is not counted (issue 20: only doses answered ahead are).
    let range = [
        "--from",
        "2026-03-08T00:00:00-05:00",
        "--until",
        "2026-03-10T00:00:00-04:00",
    ];
    let adherence = json(tend(
        &[&["meds", "adherence"][..], &range, &NY].concat(),
        p,
        "2026-03-09T09:00:00-04:00",
    ));
    let m = &adherence[0];
    assert_eq!(
        (
            m["taken"].as_u64(),
            m["on_time"].as_u64(),
            m["skipped"].as_u64(),
            m["pending"].as_u64()
        ),
        (Some(2), Some(1), Some(1), Some(0))
    );
}

#[test]
fn pills_count_down_and_the_refill_reminder_comes_once() {
    let profile = profile_with_metformin();
    let p = &profile;
    let take = |due: &str, now: &str| {
        tend(
            &[&["meds", "take", "metformin-500-mg", "--due", due][..], &NY].concat(),
            p,
            now,
        )
    };
    let first = take("2026-03-02T08:00:00-05:00", "2026-03-02T08:00:00-05:00");
    assert!(!first.stderr().contains("reorder"));
    let second = take("2026-03-02T20:00:00-05:00", "2026-03-02T20:00:00-05:00");
    assert!(
        second.stderr().contains("3 pills of Metformin 500 mg left"),
        "reminded at the threshold"
    );
    let third = take("2026-03-03T08:00:00-05:00", "2026-03-03T08:00:00-05:00");
    assert!(!third.stderr().contains("reorder"), "not again");
}

#[test]
fn bad_medications_and_doses_are_refused_clearly() {
    let profile = profile_with_metformin();
    let p = &profile;
    let now = "2026-03-02T08:00:00-05:00";
    let schedule = p.path("bid.json");
    let add = |extra: &[&str]| {
        tend(
            &[&["meds", "add", "--schedule", arg(&schedule)][..], extra].concat(),
            p,
            now,
        )
    };
    assert!(error(&add(&["--name", "Metformin 500 mg"])).contains("already there"));
    assert!(error(&add(&["--name", "  "])).contains("needs a name"));
    assert!(error(&add(&[
        "--name",
        "Levothyroxine",
        "--home-zone",
        "Mars/Olympus"
    ]))
    .contains("not a time zone"));
    let not_a_dose = [
        "meds",
        "take",
        "metformin-500-mg",
        "--due",
        "2026-03-02T09:00:00-05:00",
    ];
    assert!(error(&tend(&[&not_a_dose[..], &NY].concat(), p, now))
        .contains("no open dose of `metformin-500-mg` due at"));
    assert!(error(&tend(
        &[&["meds", "take", "aspirin"][..], &NY].concat(),
        p,
        now
    ))
    .contains("there is no medication `aspirin`"));
}

#[test]
fn undo_edit_remove_and_one_reminder_check() {
    let profile = profile_with_metformin();
    let p = &profile;
    let due = "2026-03-02T08:00:00-05:00";

    // The app's first check announces nothing from before it; the next one, the 08:00 dose.
    let first = json(tend(
        &[&["meds", "remind"][..], &NY].concat(),
        p,
        "2026-03-02T07:00:00-05:00",
    ));
    assert_eq!(first, serde_json::json!([]));
    let reminders = json(tend(
        &[&["meds", "remind"][..], &NY].concat(),
        p,
        "2026-03-02T08:01:00-05:00",
    ));
    assert_eq!(reminders[0]["kind"], "dose_due");
    assert_eq!(reminders[0]["dose"]["due"], due);
    let again = json(tend(
        &[&["meds", "remind"][..], &NY].concat(),
        p,
        "2026-03-02T08:02:00-05:00",
    ));
    assert_eq!(again, serde_json::json!([]), "nothing fires twice");

    // Taken by mistake, then undone: due again, and the pill is back.
    let taken = json(tend(
        &[&["meds", "take", "metformin-500-mg"][..], &NY].concat(),
        p,
        "2026-03-02T08:05:00-05:00",
    ));
    assert_eq!(taken[0]["state"], "taken");
    let undone = json(tend(
        &[&["meds", "undo", "metformin-500-mg", "--due", due][..], &NY].concat(),
        p,
        "2026-03-02T08:06:00-05:00",
    ));
    assert_eq!(undone[0]["state"], "due");
    assert!(error(&tend(
        &[&["meds", "undo", "metformin-500-mg", "--due", due][..], &NY].concat(),
        p,
        "2026-03-02T08:06:00-05:00",
    ))
    .contains("nothing to undo"));

    // Edited: the same id, a new name and strength; the pills are as entered.
    let schedule = p.path("bid.json");
    let edited = json(tend(
        &[
            "meds",
            "edit",
            "metformin-500-mg",
            "--name",
            "Metformin XR",
            "--strength",
            "750 mg",
            "--schedule",
            arg(&schedule),
            "--pills",
            "5",
        ],
        p,
        "2026-03-02T08:07:00-05:00",
    ));
    assert_eq!(edited["id"], "metformin-500-mg");
    assert_eq!(edited["name"], "Metformin XR");
    assert_eq!(edited["pills_on_hand"], 5);

    // Removing asks for --yes, then takes the medication and its doses away.
    assert!(error(&tend(
        &["meds", "remove", "metformin-500-mg"],
        p,
        "2026-03-02T08:08:00-05:00"
    ))
    .contains("--yes"));
    json(tend(
        &["meds", "remove", "metformin-500-mg", "--yes"],
        p,
        "2026-03-02T08:08:00-05:00",
    ));
    let today = json(tend(
        &[&["meds", "list"][..], &NY].concat(),
        p,
        "2026-03-02T08:09:00-05:00",
    ));
    assert_eq!(today, serde_json::json!([]));
}
