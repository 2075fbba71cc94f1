//! Medications through the core API and a real vault: reminders that fire once each across
//! sleep, restarts, clock changes and DST; undo; editing and removing a medication; the day a
//! patient walked through in issue 20 (a medication added in the evening, a snooze before the
//! dose, one dose taken and one skipped, what the care team receives).
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::{
    sync::{
        atomic::{AtomicI64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_core::{
    meds::{DoseSchedule, DoseState},
    share::{Category, ConsentScope},
    Alarm, BpWeek, CareTeamDetails, Clock, DoseAction, IdleLock, KeySource, LocalClock,
    MedicationDetails, Passphrase, Reminder, Session, ShareOptions, Tend,
};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

fn ts(s: &str) -> Timestamp {
    s.parse().expect("RFC 3339 instant")
}

fn new_york() -> TimeZone {
    TimeZone::get("America/New_York").expect("tzdata has New York")
}

/// When the tests' medications were added: before any dose they look at.
const ADDED: &str = "2026-03-01T00:00:00-05:00";

fn key() -> KeySource {
    KeySource::Passphrase(Passphrase::new("medication test passphrase").expect("passphrase"))
}

fn details(name: &str, schedule: &str, pills: Option<u32>) -> MedicationDetails {
    MedicationDetails {
        name: name.into(),
        strength: Some("500 mg".into()),
        form: Some("tablet".into()),
        instructions: Some("with food".into()),
        schedule: DoseSchedule::from_json(schedule).expect("schedule"),
        home_zone: None,
        pills_on_hand: pills,
        pills_per_dose: 1,
        refill_at: None,
    }
}

/// What a check at `now` (New York) announces, as short strings: `due <med> <due>` or
/// `missed <med> <due>, ...`.
async fn check(session: &Session, now: &str) -> Vec<String> {
    session
        .check_reminders(ts(now), &new_york())
        .await
        .expect("check")
        .iter()
        .map(describe)
        .collect()
}

fn describe(reminder: &Reminder) -> String {
    match reminder {
        Reminder::DoseDue { dose } => format!("due {} {}", dose.medication_id, dose.due),
        Reminder::DosesMissed { doses, .. } => format!(
            "missed {}",
            doses
                .iter()
                .map(|d| format!("{} {}", d.medication_id, d.due))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[tokio::test]
async fn each_reminder_fires_once_across_snooze_sleep_restart_and_a_clock_set_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let tend = Tend::new(dir.path());
    let session = tend.create(key()).await?;
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00", "20:00"], "start": "2026-03-01"}"#,
                None,
            ),
            ts(ADDED),
        )
        .await?;
    let here = new_york();

    // The first check ever announces nothing from before it.
    assert!(check(&session, "2026-03-02T07:00:00-05:00")
        .await
        .is_empty());
    assert_eq!(
        check(&session, "2026-03-02T08:00:20-05:00").await,
        ["due metformin 2026-03-02T08:00:00-05:00"]
    );
    assert!(check(&session, "2026-03-02T08:00:40-05:00")
        .await
        .is_empty());

    // Snoozed for 30 minutes: it comes back once when the snooze ends.
    session
        .record_dose(
            "metformin",
            ts("2026-03-02T08:00:00-05:00"),
            DoseState::Snoozed {
                until: ts("2026-03-02T08:30:00-05:00"),
            },
            &here,
            ts("2026-03-02T08:01:00-05:00"),
        )
        .await?;
    assert!(check(&session, "2026-03-02T08:29:59-05:00")
        .await
        .is_empty());
    assert_eq!(
        check(&session, "2026-03-02T08:30:10-05:00").await,
        ["due metformin 2026-03-02T08:00:00-05:00"]
    );
    assert!(check(&session, "2026-03-02T08:31:00-05:00")
        .await
        .is_empty());

    // The laptop sleeps from before the 20:00 dose to 10:30 the next day: the two doses whose grace
    // ran out come as one summary, and nothing else.
    assert_eq!(
        check(&session, "2026-03-03T10:30:00-05:00").await,
        [
            "missed metformin 2026-03-02T08:00:00-05:00, metformin 2026-03-02T20:00:00-05:00, \
          metformin 2026-03-03T08:00:00-05:00"
        ]
    );

    // A restart: the last check is in the vault, so nothing is repeated.
    session.close().await?;
    let session = tend.unlock(key()).await?;
    assert!(check(&session, "2026-03-03T10:31:00-05:00")
        .await
        .is_empty());

    // The clock is set back an hour, then catches up: nothing fires twice.
    assert!(check(&session, "2026-03-03T09:31:00-05:00")
        .await
        .is_empty());
    assert!(check(&session, "2026-03-03T10:32:00-05:00")
        .await
        .is_empty());

    // Waking up inside a dose's grace window: it is still due, so it is a reminder, not a miss.
    assert!(check(&session, "2026-03-03T19:00:00-05:00")
        .await
        .is_empty());
    assert_eq!(
        check(&session, "2026-03-03T20:40:00-05:00").await,
        ["due metformin 2026-03-03T20:00:00-05:00"]
    );
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn dst_nights_fire_once_checked_every_five_minutes() -> TestResult {
    // Doses at 01:30 and 02:30, never taken: each is due once, then missed once, an hour later.
    for (start, end, expected) in [
        (
            "2026-03-08T00:00:00-05:00",
            "2026-03-08T05:00:00-04:00",
            // Spring forward: 02:30 does not exist and moves forward by the gap, to 03:30 EDT,
            // when 01:30's grace hour (an hour of elapsed time) also ends.
            [
                "due night-dose 2026-03-08T01:30:00-05:00",
                "due night-dose 2026-03-08T03:30:00-04:00",
                "missed night-dose 2026-03-08T01:30:00-05:00",
                "missed night-dose 2026-03-08T03:30:00-04:00",
            ],
        ),
        (
            "2026-11-01T00:00:00-04:00",
            "2026-11-01T05:00:00-05:00",
            // Fall back: 01:30 happens twice and fires once, at the earlier (EDT) instant.
            [
                "due night-dose 2026-11-01T01:30:00-04:00",
                "missed night-dose 2026-11-01T01:30:00-04:00",
                "due night-dose 2026-11-01T02:30:00-05:00",
                "missed night-dose 2026-11-01T02:30:00-05:00",
            ],
        ),
    ] {
        let dir = tempfile::tempdir()?;
        let session = Tend::new(dir.path()).create(key()).await?;
        session
            .add_medication(
                details(
                    "Night dose",
                    r#"{"times": ["01:30", "02:30"], "start": "2026-01-01"}"#,
                    None,
                ),
                ts(ADDED),
            )
            .await?;
        let mut fired = Vec::new();
        let mut now = ts(start);
        while now <= ts(end) {
            fired.extend(check(&session, &now.to_string()).await);
            now += SignedDuration::from_mins(5);
        }
        assert_eq!(fired, expected, "the night from {start}");
        session.close().await?;
    }
    Ok(())
}

#[tokio::test]
async fn undo_goes_back_one_step_and_returns_the_pills() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00"], "start": "2026-03-01"}"#,
                Some(10),
            ),
            ts(ADDED),
        )
        .await?;
    let here = new_york();
    let due = ts("2026-03-02T08:00:00-05:00");
    let now = ts("2026-03-02T08:05:00-05:00");
    let pills = async |s: &Session| {
        s.medications().await.expect("list")[0]
            .details
            .pills_on_hand
    };

    let nothing = session.undo_dose("metformin", due, &here, now).await;
    assert!(nothing.is_err(), "nothing recorded, nothing to undo");

    let snoozed = DoseState::Snoozed {
        until: ts("2026-03-02T08:15:00-05:00"),
    };
    session
        .record_dose("metformin", due, snoozed.clone(), &here, now)
        .await?;
    session
        .record_dose("metformin", due, DoseState::Taken { at: now }, &here, now)
        .await?;
    assert_eq!(pills(&session).await, Some(9));

    // Taken by mistake: back to snoozed, the pill back in the box.
    let undone = session.undo_dose("metformin", due, &here, now).await?;
    assert_eq!(undone.state, snoozed);
    assert_eq!(pills(&session).await, Some(10));
    // And once more: back to due, as if nothing had been recorded.
    let undone = session.undo_dose("metformin", due, &here, now).await?;
    assert_eq!(undone.state, DoseState::Due);
    assert!(session
        .undo_dose("metformin", due, &here, now)
        .await
        .is_err());

    // A skipped dose is closed; undo reopens it so it can be taken.
    let skipped = DoseState::Skipped {
        reason: "felt sick".into(),
    };
    session
        .record_dose("metformin", due, skipped, &here, now)
        .await?;
    assert!(session
        .record_dose("metformin", due, DoseState::Taken { at: now }, &here, now)
        .await
        .is_err());
    session.undo_dose("metformin", due, &here, now).await?;
    let taken = session
        .record_dose("metformin", due, DoseState::Taken { at: now }, &here, now)
        .await?;
    assert_eq!(taken.state, DoseState::Taken { at: now });
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn edit_keeps_the_history_and_remove_drops_it() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let added = session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00"], "start": "2026-03-01"}"#,
                Some(10),
            ),
            ts(ADDED),
        )
        .await?;
    let here = new_york();
    let due = ts("2026-03-02T08:00:00-05:00");
    let now = ts("2026-03-02T08:05:00-05:00");
    session
        .record_dose("metformin", due, DoseState::Taken { at: now }, &here, now)
        .await?;

    // Twice a day from now on, under the same id.
    let mut edited = added.details.clone();
    edited.schedule =
        DoseSchedule::from_json(r#"{"times": ["08:00", "20:00"], "start": "2026-03-01"}"#)?;
    edited.name = "  Metformin XR ".into();
    let updated = session.update_medication(&added.id, edited).await?;
    assert_eq!(updated.id, "metformin");
    assert_eq!(updated.details.name, "Metformin XR");
    let day = session
        .doses(due, ts("2026-03-03T00:00:00-05:00"), &here, now)
        .await?;
    assert_eq!(day.len(), 2);
    assert_eq!(day[0].state, DoseState::Taken { at: now }, "history kept");

    let mut bad = added.details.clone();
    bad.pills_per_dose = 0;
    assert!(session.update_medication("metformin", bad).await.is_err());
    assert!(session
        .update_medication("aspirin", added.details.clone())
        .await
        .is_err());

    session.remove_medication("metformin").await?;
    assert!(session.medications().await?.is_empty());
    // Added again under the same name, it starts with a clean history.
    session.add_medication(added.details, ts(ADDED)).await?;
    let day = session
        .doses(due, ts("2026-03-03T00:00:00-05:00"), &here, now)
        .await?;
    assert_eq!(day[0].state, DoseState::Due);
    session.close().await?;
    Ok(())
}

/// Ten minutes pass at every reading of the clock.
struct SteppingClock(AtomicI64);

impl Clock for SteppingClock {
    fn now(&self) -> Timestamp {
        let step = self.0.fetch_add(1, Ordering::SeqCst);
        ts("2026-03-02T07:30:00-05:00") + SignedDuration::from_mins(10 * step)
    }
}

impl LocalClock for SteppingClock {
    fn zone(&self) -> TimeZone {
        new_york()
    }
}

fn describe_alarm(alarm: &Alarm) -> String {
    match alarm {
        Alarm::DoseDue { due, .. } => format!("due {due}"),
        Alarm::DosesMissed { count, .. } => format!("missed {count}"),
        Alarm::MeasureBloodPressure { day, slot, .. } => format!("measure {day} {slot:?}"),
    }
}

#[tokio::test]
async fn the_reminder_loop_fires_from_the_plan_while_the_vault_is_locked() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00"], "start": "2026-03-01"}"#,
                None,
            ),
            ts(ADDED),
        )
        .await?;
    let sessions = Arc::new(IdleLock::new(SignedDuration::from_hours(1)));
    sessions.put(session, ts("2026-03-02T07:30:00-05:00")).await;
    // Locked before the dose is due, as the idle lock would.
    sessions.lock_now().await?;
    assert!(!sessions.is_unlocked().await);
    let heard = Arc::new(Mutex::new(Vec::new()));

    let (profile, loop_heard) = (dir.path().to_owned(), Arc::clone(&heard));
    let task = tokio::spawn(async move {
        let clock = SteppingClock(AtomicI64::new(0));
        let sink = move |a: Alarm| loop_heard.lock().expect("lock").push(describe_alarm(&a));
        tend_core::run_reminders(&profile, &clock, Duration::from_millis(1), &sink).await;
    });
    // 30 checks: from 07:30 to 12:20, the dose falls due at 08:00 and is missed at 09:00.
    for _ in 0..500 {
        if heard.lock().expect("lock").len() >= 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    task.abort();
    assert_eq!(
        *heard.lock().expect("lock"),
        ["due 2026-03-02T08:00:00-05:00", "missed 1"]
    );
    assert!(!sessions.is_unlocked().await, "reminders never unlock");
    Ok(())
}

/// What the locked plan check at `now` (New York) announces.
fn check_locked(dir: &std::path::Path, now: &str) -> Vec<Alarm> {
    tend_core::check_plan(dir, ts(now), &new_york()).expect("check")
}

#[tokio::test]
async fn a_dose_due_while_locked_is_announced_and_the_plan_names_no_medication() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let mut evening = details(
        "Metformin",
        r#"{"times": ["08:00", "20:00"], "start": "2026-03-01"}"#,
        Some(30),
    );
    evening.home_zone = Some("America/New_York".into());
    session.add_medication(evening, ts(ADDED)).await?;
    session
        .add_medication(
            details(
                "Lisinopril",
                r#"{"times": ["08:00"], "start": "2026-03-01"}"#,
                None,
            ),
            ts(ADDED),
        )
        .await?;
    session.close().await?;

    // Locked from here on: only the plan is read.
    assert!(check_locked(dir.path(), "2026-03-02T07:59:00-05:00").is_empty());
    let due = check_locked(dir.path(), "2026-03-02T08:00:30-05:00");
    assert_eq!(
        due.iter().map(describe_alarm).collect::<Vec<_>>(),
        [
            "due 2026-03-02T08:00:00-05:00",
            "due 2026-03-02T08:00:00-05:00"
        ]
    );
    // Nothing twice, also with the clock set back.
    assert!(check_locked(dir.path(), "2026-03-02T08:01:00-05:00").is_empty());
    assert!(check_locked(dir.path(), "2026-03-02T07:00:00-05:00").is_empty());

    // What the plan file (and every reminder file) holds: times, opaque references, zones.
    for entry in std::fs::read_dir(dir.path())? {
        let path = entry?.path();
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_owned();
        if !name.starts_with("reminder-") {
            continue;
        }
        let text = std::fs::read_to_string(&path)?;
        // The pill count, 30, as a JSON number would be (an opaque reference, random hex, may
        // hold the digits "30" and did, one run in five).
        for secret in [
            "Metformin",
            "metformin",
            "Lisinopril",
            "500 mg",
            "tablet",
            "food",
            ":30,",
            ":30}",
        ] {
            assert!(!text.contains(secret), "{name} names {secret:?}: {text}");
        }
    }
    let plan = tend_core::ReminderPlan::load(dir.path())?;
    assert_eq!(plan.medications.len(), 2);
    assert!(plan.medications.iter().all(|m| m.reference.len() == 32));
    Ok(())
}

#[tokio::test]
async fn take_pressed_while_locked_is_recorded_at_the_next_unlock() -> TestResult {
    let dir = tempfile::tempdir()?;
    let tend = Tend::new(dir.path());
    let session = tend.create(key()).await?;
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00"], "start": "2026-03-01"}"#,
                Some(10),
            ),
            ts(ADDED),
        )
        .await?;
    session.close().await?;

    let due = check_locked(dir.path(), "2026-03-02T07:59:00-05:00");
    assert!(due.is_empty());
    let Some(Alarm::DoseDue { reference, due }) =
        check_locked(dir.path(), "2026-03-02T08:00:30-05:00").pop()
    else {
        panic!("the 08:00 dose is announced while locked");
    };
    // Take, pressed on the notification at 08:05 while locked; one for a reference
    // the vault does not know is kept too, and dropped at unlock.
    tend_core::keep_pending_action(
        dir.path(),
        &reference,
        ts(&due),
        DoseAction::Take,
        ts("2026-03-02T08:05:00-05:00"),
        &new_york(),
    )?;
    tend_core::keep_pending_action(
        dir.path(),
        "no-such-reference",
        ts(&due),
        DoseAction::Take,
        ts("2026-03-02T08:06:00-05:00"),
        &new_york(),
    )?;
    // The plan knows at once: no missed-dose summary while still locked.
    assert!(check_locked(dir.path(), "2026-03-02T09:30:00-05:00").is_empty());

    // The next unlock records it, as of the moment it was pressed.
    let session = tend.unlock(key()).await?;
    let doses = session
        .doses(
            ts("2026-03-02T08:00:00-05:00"),
            ts("2026-03-02T08:00:01-05:00"),
            &new_york(),
            ts("2026-03-02T10:00:00-05:00"),
        )
        .await?;
    assert_eq!(
        doses[0].state,
        DoseState::Taken {
            at: ts("2026-03-02T08:05:00-05:00")
        }
    );
    assert_eq!(
        session.medications().await?[0].details.pills_on_hand,
        Some(9)
    );
    assert!(
        !dir.path().join("reminder-pending.json").exists(),
        "recorded presses are forgotten"
    );
    session.close().await?;
    // Unlocking again records nothing twice.
    let session = tend.unlock(key()).await?;
    assert_eq!(
        session.medications().await?[0].details.pills_on_hand,
        Some(9)
    );
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn the_plan_rings_each_open_dose_once_for_the_os_schedule() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let medication = session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00", "20:00"], "start": "2026-03-01"}"#,
                None,
            ),
            ts(ADDED),
        )
        .await?;
    let here = new_york();
    session
        .record_dose(
            &medication.id,
            ts("2026-03-02T08:00:00-05:00"),
            DoseState::Snoozed {
                until: ts("2026-03-02T08:10:00-05:00"),
            },
            &here,
            ts("2026-03-02T08:00:10-05:00"),
        )
        .await?;
    session
        .record_dose(
            &medication.id,
            ts("2026-03-02T20:00:00-05:00"),
            DoseState::Taken {
                at: ts("2026-03-02T19:50:00-05:00"),
            },
            &here,
            ts("2026-03-02T19:50:00-05:00"),
        )
        .await?;
    session.close().await?;
    let plan = tend_core::ReminderPlan::load(dir.path())?;
    // 48 hours from 08:05: the snoozed 08:00 dose at 08:10, not the taken 20:00 one, then two a day.
    let ringing: Vec<String> = plan
        .ringing(
            ts("2026-03-02T08:05:00-05:00"),
            ts("2026-03-04T08:05:00-05:00"),
            &here,
        )?
        .iter()
        .map(|d| {
            d.rings_at
                .to_zoned(here.clone())
                .strftime("%d %H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(ringing, ["02 08:10", "03 08:00", "03 20:00", "04 08:00"]);
    Ok(())
}

#[tokio::test]
async fn a_guided_bp_week_rings_twice_a_day_for_seven_days_and_counts_its_readings() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let week = BpWeek::new(
        "2026-03-02".parse()?,
        "07:00".parse()?,
        "19:00".parse()?,
        &new_york(),
    )?;
    assert!(
        BpWeek::new(
            "2026-03-02".parse()?,
            "13:00".parse()?,
            "19:00".parse()?,
            &new_york()
        )
        .is_err(),
        "a morning after noon is refused"
    );
    session.start_bp_week(&week).await?;
    // Days 1-3: both readings each morning and evening (day 1's are discarded by the protocol),
    // then one evening reading on day 4.
    let mut csv = String::from("time,metric,value,unit,device\n");
    for (day, slot) in [
        (2, "07:05"),
        (2, "19:05"),
        (3, "07:05"),
        (3, "19:05"),
        (4, "07:05"),
        (4, "19:05"),
    ] {
        for minute in [0, 1] {
            let at: Timestamp = format!("2026-03-{day:02}T{slot}:0{minute}-05:00").parse()?;
            csv.push_str(&format!(
                "{at},systolic,128,mm[Hg],cuff\n{at},diastolic,82,mm[Hg],cuff\n"
            ));
        }
    }
    csv.push_str("2026-03-05T19:10:00-05:00,systolic,131,mm[Hg],cuff\n2026-03-05T19:10:00-05:00,diastolic,84,mm[Hg],cuff\n");
    let file = dir.path().join("bp.csv");
    std::fs::write(&file, csv)?;
    session
        .import_file(&file, ts("2026-03-05T20:00:00-05:00"))
        .await?;

    let status = session
        .bp_week_status(ts("2026-03-05T20:00:00-05:00"))
        .await?
        .expect("a week is on");
    assert_eq!(status.label, "Day 4 of 7, 9 of 12 readings");
    assert_eq!(status.progress.counted_days, 3);
    assert_eq!(status.progress.missed.len(), 1, "day 4's morning");
    let now = &status.progress.due[0];
    assert_eq!(
        (now.date.to_string(), now.readings_needed),
        ("2026-03-05".into(), 1)
    );
    assert!(!status.progress.complete);
    session.close().await?;

    // A phone hands its OS the week's readings of the next 48 hours, as it does the doses.
    let ahead: Vec<String> = tend_core::ReminderPlan::load(dir.path())?
        .ringing(
            ts("2026-03-01T12:00:00-05:00"),
            ts("2026-03-03T12:00:00-05:00"),
            &new_york(),
        )?
        .iter()
        .map(|r| match &r.alarm {
            Alarm::MeasureBloodPressure { slot, day, due } => {
                assert_eq!(r.rings_at, ts(due));
                format!("{day} {slot:?} {due}")
            }
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(
        ahead,
        [
            "1 Morning 2026-03-02T07:00:00-05:00",
            "1 Evening 2026-03-02T19:00:00-05:00",
            "2 Morning 2026-03-03T07:00:00-05:00"
        ]
    );

    // Locked, the plan rings each morning and evening of the week once, and nothing after it.
    check_locked(dir.path(), "2026-03-01T12:00:00-05:00");
    let mut rung = Vec::new();
    let mut now = ts("2026-03-01T12:00:00-05:00");
    while now < ts("2026-03-10T00:00:00-05:00") {
        now += SignedDuration::from_mins(30);
        for alarm in tend_core::check_plan(dir.path(), now, &new_york())? {
            if let Alarm::MeasureBloodPressure { slot, due, day } = alarm {
                rung.push(format!("{day} {slot:?} {due}"));
            }
        }
    }
    assert_eq!(rung.len(), 14, "{rung:?}");
    assert_eq!(rung[0], "1 Morning 2026-03-02T07:00:00-05:00");
    // The week keeps New York's wall clock across the DST change on 8 March.
    assert_eq!(rung[13], "7 Evening 2026-03-08T19:00:00-04:00");

    // A laptop asleep through a whole day rings nothing stale when it wakes.
    let session = Tend::new(dir.path()).unlock(key()).await?;
    session.start_bp_week(&week).await?;
    session.close().await?;
    check_locked(dir.path(), "2026-03-02T06:00:00-05:00");
    let woke = check_locked(dir.path(), "2026-03-03T12:00:00-05:00");
    assert!(
        woke.iter()
            .all(|a| !matches!(a, Alarm::MeasureBloodPressure { .. })),
        "{woke:?}"
    );

    let session = Tend::new(dir.path()).unlock(key()).await?;
    session.stop_bp_week().await?;
    assert!(session
        .bp_week_status(ts("2026-03-05T20:00:00-05:00"))
        .await?
        .is_none());
    assert_eq!(session.bp_week().await?, None);
    session.close().await?;
    Ok(())
}

/// Today's doses in New York on 2 March 2026, at `now`: `<medication> <due> <state>`.
async fn day_of_doses(session: &Session, now: &str) -> Vec<String> {
    session
        .doses(
            ts("2026-03-02T00:00:00-05:00"),
            ts("2026-03-03T00:00:00-05:00"),
            &new_york(),
            ts(now),
        )
        .await
        .expect("doses")
        .iter()
        .map(|d| {
            let state = serde_json::to_value(&d.state).expect("state")["state"].clone();
            format!(
                "{} {} {}",
                d.medication_id,
                d.due,
                state.as_str().unwrap_or("?")
            )
        })
        .collect()
}

#[tokio::test]
async fn issue_20_doses_before_a_medication_was_added_are_not_doses() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let here = new_york();
    // Tend has been running since the morning: both reminder checks have a cursor.
    assert!(check(&session, "2026-03-02T07:00:00-05:00")
        .await
        .is_empty());
    assert!(check_locked(dir.path(), "2026-03-02T07:00:00-05:00").is_empty());

    // Added at 19:30 with the form's default first day, today; the preview said 20:00 first.
    let schedule = r#"{"times": ["08:00", "20:00"], "start": "2026-03-02"}"#;
    let added = ts("2026-03-02T19:30:00-05:00");
    assert_eq!(
        tend_core::preview_schedule(&DoseSchedule::from_json(schedule)?, None, added, &here, 1)?,
        ["2026-03-02T20:00:00-05:00"]
    );
    session
        .add_medication(details("Metformin", schedule, None), added)
        .await?;
    // A dose due up to five minutes before a medication is added is one (it is being taken
    // as the patient enters it); one due earlier is not.
    let at_19_30 = r#"{"times": ["19:30"], "start": "2026-03-02"}"#;
    session
        .add_medication(
            details("Lisinopril", at_19_30, None),
            ts("2026-03-02T19:35:00-05:00"),
        )
        .await?;
    session
        .add_medication(
            details("Aspirin", at_19_30, None),
            ts("2026-03-02T19:35:01-05:00"),
        )
        .await?;

    // Not listed as missed, nor as due.
    assert_eq!(
        day_of_doses(&session, "2026-03-02T19:36:00-05:00").await,
        [
            "lisinopril 2026-03-02T19:30:00-05:00 due",
            "metformin 2026-03-02T20:00:00-05:00 due"
        ]
    );
    // Not announced, unlocked or locked: no missed-dose summary for the morning.
    assert_eq!(
        check(&session, "2026-03-02T19:36:00-05:00").await,
        ["due lisinopril 2026-03-02T19:30:00-05:00"]
    );
    assert_eq!(
        check_locked(dir.path(), "2026-03-02T19:36:00-05:00")
            .iter()
            .map(describe_alarm)
            .collect::<Vec<_>>(),
        ["due 2026-03-02T19:30:00-05:00"]
    );
    // Not counted.
    let day = session
        .adherence_summary(
            ts("2026-03-02T00:00:00-05:00"),
            ts("2026-03-03T00:00:00-05:00"),
            &here,
            ts("2026-03-02T19:36:00-05:00"),
        )
        .await?;
    assert_eq!((day.overall.missed, day.overall.taken_percent), (0, None));
    // One the patient says they took (before adding it) is kept as they recorded it, and can
    // be taken back.
    let morning = ts("2026-03-02T08:00:00-05:00");
    let now = ts("2026-03-02T19:37:00-05:00");
    session
        .record_dose(
            "metformin",
            morning,
            DoseState::Taken { at: now },
            &here,
            now,
        )
        .await?;
    assert_eq!(
        day_of_doses(&session, "2026-03-02T19:37:00-05:00").await,
        [
            "metformin 2026-03-02T08:00:00-05:00 taken",
            "lisinopril 2026-03-02T19:30:00-05:00 due",
            "metformin 2026-03-02T20:00:00-05:00 due"
        ]
    );
    session.undo_dose("metformin", morning, &here, now).await?;
    // Changing the medication keeps when it was added.
    let mut edited = session
        .medications()
        .await?
        .into_iter()
        .find(|m| m.id == "metformin")
        .ok_or("metformin is listed")?
        .details;
    edited.instructions = Some("with dinner".into());
    session.update_medication("metformin", edited).await?;
    assert_eq!(
        day_of_doses(&session, "2026-03-02T22:00:00-05:00").await,
        [
            "lisinopril 2026-03-02T19:30:00-05:00 missed",
            "metformin 2026-03-02T20:00:00-05:00 missed"
        ]
    );
    assert_eq!(
        check(&session, "2026-03-02T22:00:00-05:00").await,
        ["missed lisinopril 2026-03-02T19:30:00-05:00, metformin 2026-03-02T20:00:00-05:00"]
    );
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn issue_20_snoozing_a_dose_not_yet_due_counts_from_its_due_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = Tend::new(dir.path()).create(key()).await?;
    let here = new_york();
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00", "20:00"], "start": "2026-03-01"}"#,
                None,
            ),
            ts(ADDED),
        )
        .await?;
    // Due: ten minutes from now. Not yet due: ten minutes after its time, not before it.
    for (due, now, until) in [
        (
            "2026-03-02T08:00:00-05:00",
            "2026-03-02T08:05:00-05:00",
            "2026-03-02T08:15:00-05:00",
        ),
        (
            "2026-03-02T20:00:00-05:00",
            "2026-03-02T19:35:00-05:00",
            "2026-03-02T20:10:00-05:00",
        ),
    ] {
        let now = ts(now);
        let snoozed = session
            .record_dose(
                "metformin",
                ts(due),
                DoseAction::Snooze { minutes: 10 }.state(now),
                &here,
                now,
            )
            .await?;
        assert_eq!(snoozed.state, DoseState::Snoozed { until: ts(until) });
    }
    session.close().await?;
    // Reminders ring at the snooze's end, once.
    let ringing: Vec<String> = tend_core::ReminderPlan::load(dir.path())?
        .ringing(
            ts("2026-03-02T19:35:00-05:00"),
            ts("2026-03-02T21:00:00-05:00"),
            &here,
        )?
        .iter()
        .map(|d| {
            d.rings_at
                .to_zoned(here.clone())
                .strftime("%H:%M")
                .to_string()
        })
        .collect();
    assert_eq!(ringing, ["20:10"]);
    Ok(())
}

/// The day of issue 20's walk-through: the 08:00 dose skipped, the 20:00 one taken at 19:35.
async fn one_skipped_one_taken_early(
    dir: &std::path::Path,
) -> Result<Session, Box<dyn std::error::Error>> {
    let session = Tend::new(dir).create(key()).await?;
    let here = new_york();
    session
        .add_medication(
            details(
                "Metformin",
                r#"{"times": ["08:00", "20:00"], "start": "2026-03-02"}"#,
                None,
            ),
            ts("2026-03-02T07:00:00-05:00"),
        )
        .await?;
    let at = ts("2026-03-02T08:30:00-05:00");
    session
        .record_dose(
            "metformin",
            ts("2026-03-02T08:00:00-05:00"),
            DoseAction::Skip {
                reason: "Felt unwell".into(),
            }
            .state(at),
            &here,
            at,
        )
        .await?;
    let at = ts("2026-03-02T19:35:00-05:00");
    session
        .record_dose(
            "metformin",
            ts("2026-03-02T20:00:00-05:00"),
            DoseAction::Take.state(at),
            &here,
            at,
        )
        .await?;
    Ok(session)
}

#[tokio::test]
async fn issue_20_one_taken_and_one_skipped_is_taken_50_percent() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = one_skipped_one_taken_early(dir.path()).await?;
    // What the app's Medications screen asks for: the last 7 days, at 19:40.
    let summary = session
        .recent_adherence(7, &new_york(), ts("2026-03-02T19:40:00-05:00"))
        .await?;
    let overall = &summary.overall;
    assert_eq!(
        (
            overall.taken,
            overall.skipped,
            overall.missed,
            overall.pending
        ),
        (1, 1, 0, 0)
    );
    assert_eq!(overall.taken_percent, Some(50.0));
    assert_eq!(summary.medications[0].taken_percent, Some(50.0));
    session.close().await?;
    Ok(())
}

#[tokio::test]
async fn issue_20_the_care_team_receives_taken_doses_with_the_strength() -> TestResult {
    let dir = tempfile::tempdir()?;
    let session = one_skipped_one_taken_early(dir.path()).await?;
    let now = ts("2026-03-02T19:40:00-05:00");
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Dr Rivera's clinic".into(),
                base_url: "http://127.0.0.1:9/fhir".into(),
                patient: "Patient/rivera-1".into(),
                bearer_token: None,
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await?;
    session
        .give_consent(
            &team.id,
            Category::MedicationAdherence,
            ConsentScope::Since {
                since: ts("2026-03-01T00:00:00-05:00"),
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await?;
    let options = ShareOptions {
        zone: new_york(),
        ..ShareOptions::default()
    };
    let bundles = session.share_preview(&team.id, &options, now).await?;
    let mut sent: Vec<String> = bundles
        .iter()
        .flat_map(|b| b["entry"].as_array().cloned().unwrap_or_default())
        .map(|e| e["resource"].clone())
        .filter(|r| r["resourceType"] == "MedicationAdministration")
        .map(|r| {
            format!(
                "{} {}",
                r["status"].as_str().unwrap_or("?"),
                r["medicationCodeableConcept"]["text"]
                    .as_str()
                    .unwrap_or("?")
            )
        })
        .collect();
    sent.sort();
    assert_eq!(
        sent,
        ["completed Metformin 500 mg", "not-done Metformin 500 mg"]
    );
    session.close().await?;
    Ok(())
}
