//! `tend meds`: planning a schedule (`plan`, per DESIGN.md's contract), and the medications kept
//! in the vault with their doses (`add`, `edit`, `remove`, `list`, `take`, `skip`, `snooze`,
//! `undo`, `remind`, `adherence`).
//!
//! Instants print as RFC 3339 with the local offset (`"2026-03-08T03:00:00-04:00"`), never
//! jiff's bracketed zone annotation: scripts read them. "Now" is the system clock, or `TEND_NOW`
//! (an RFC 3339 instant) for scripts and tests.

use std::path::Path;

use jiff::{tz::TimeZone, SignedDuration, Timestamp, ToSpan};
use tend_core::meds::{self, DoseSchedule, DoseState};
use tend_core::{rfc3339, Dose, MedicationDetails, Reminder, Tend};

use crate::{
    args::{AddMedication, DoseArgs, MedsCommand},
    clock::{instant, now, zone},
    output, unlock, Failure,
};

/// Runs a `tend meds` command other than `plan`.
pub async fn run(tend: &Tend, command: MedsCommand, json: bool) -> Result<(), Failure> {
    let now = now()?;
    match command {
        MedsCommand::Plan { .. } => Err(Failure::Failed("`meds plan` needs no vault".into())),
        MedsCommand::Add(add) => {
            let new = medication_details(add)?;
            let session = unlock::session(tend, true).await?;
            let added = session.add_medication(new, now).await;
            session.close().await?;
            let added = added?;
            if json {
                return output::json(&added);
            }
            println!("Added {} (id `{}`).", added.details.name, added.id);
            Ok(())
        }
        MedsCommand::Edit { id, details } => {
            let details = medication_details(details)?;
            let session = unlock::session(tend, false).await?;
            let edited = session.update_medication(&id, details).await;
            session.close().await?;
            let edited = edited?;
            if json {
                return output::json(&edited);
            }
            println!("Changed {} (id `{}`).", edited.details.name, edited.id);
            Ok(())
        }
        MedsCommand::Remove { id, yes } => {
            if !yes {
                return Err(Failure::Failed(format!(
                    "removing `{id}` deletes its dose history too: add --yes to confirm"
                )));
            }
            let session = unlock::session(tend, false).await?;
            let removed = session.remove_medication(&id).await;
            session.close().await?;
            removed?;
            if json {
                return output::json(&serde_json::json!({ "removed": id }));
            }
            println!("Removed `{id}` and its doses.");
            Ok(())
        }
        MedsCommand::Undo {
            medication,
            due,
            tz,
        } => {
            let here = zone(tz.as_deref())?;
            let due = instant("--due", &due)?;
            let session = unlock::session(tend, false).await?;
            let undone = session.undo_dose(&medication, due, &here, now).await;
            session.close().await?;
            print_doses(&[undone?], json)
        }
        MedsCommand::Remind { tz } => {
            let here = zone(tz.as_deref())?;
            let session = unlock::session(tend, false).await?;
            let reminders = session.check_reminders(now, &here).await;
            session.close().await?;
            let reminders = reminders?;
            if json {
                return output::json(&reminders);
            }
            for reminder in reminders {
                match reminder {
                    Reminder::DoseDue { dose } => {
                        println!("Due now: {} ({})", dose.medication, dose.due)
                    }
                    Reminder::DosesMissed { doses, since, .. } => {
                        println!("Missed since {since}: {} doses", doses.len());
                        print_doses(&doses, false)?;
                    }
                }
            }
            Ok(())
        }
        MedsCommand::List { from, until, tz } => {
            let here = zone(tz.as_deref())?;
            let (from, until) = match (from, until) {
                (Some(from), Some(until)) => {
                    (instant("--from", &from)?, instant("--until", &until)?)
                }
                (None, None) => today(now, &here)?,
                _ => {
                    return Err(Failure::Failed(
                        "give both --from and --until, or neither for today".into(),
                    ))
                }
            };
            let session = unlock::session(tend, false).await?;
            let doses = session.doses(from, until, &here, now).await;
            session.close().await?;
            print_doses(&doses?, json)
        }
        MedsCommand::Take(dose) => {
            record(tend, dose, now, DoseState::Taken { at: now }, json).await
        }
        MedsCommand::Skip { dose, reason } => {
            record(tend, dose, now, DoseState::Skipped { reason }, json).await
        }
        MedsCommand::Snooze { dose, minutes } => {
            let until = now + SignedDuration::from_mins(i64::from(minutes));
            record(tend, dose, now, DoseState::Snoozed { until }, json).await
        }
        MedsCommand::Adherence { from, until, tz } => {
            let here = zone(tz.as_deref())?;
            let (from, until) = (instant("--from", &from)?, instant("--until", &until)?);
            let session = unlock::session(tend, false).await?;
            let adherence = session.adherence(from, until, &here, now).await;
            session.close().await?;
            let adherence = adherence?;
            if json {
                return output::json(&adherence);
            }
            for a in adherence {
                let percent = |p: Option<f64>| p.map_or("–".to_owned(), |p| format!("{p:.0}%"));
                println!(
                    "{}: {} taken ({} on time), {} skipped, {} missed, {} still open: taken {}, on time {}",
                    a.medication, a.taken, a.on_time, a.skipped, a.missed, a.pending,
                    percent(a.taken_percent), percent(a.on_time_percent)
                );
            }
            Ok(())
        }
    }
}

async fn record(
    tend: &Tend,
    dose: DoseArgs,
    now: Timestamp,
    next: DoseState,
    json: bool,
) -> Result<(), Failure> {
    let here = zone(dose.tz.as_deref())?;
    let session = unlock::session(tend, false).await?;
    let recorded = async {
        let due = match &dose.due {
            Some(due) => instant("--due", due)?,
            None => session.current_dose(&dose.medication, &here, now).await?,
        };
        Ok::<_, Failure>(
            session
                .record_dose(&dose.medication, due, next, &here, now)
                .await?,
        )
    }
    .await;
    session.close().await?;
    let recorded = recorded?;
    if let Some(left) = recorded.refill_due {
        eprintln!(
            "tend: {} pills of {} left: time to reorder",
            left, recorded.medication
        );
    }
    print_doses(&[recorded], json)
}

fn print_doses(doses: &[Dose], json: bool) -> Result<(), Failure> {
    if json {
        return output::json(&doses);
    }
    for dose in doses {
        let state = match &dose.state {
            DoseState::Due => "due".to_owned(),
            DoseState::Taken { at } => format!("taken at {at}"),
            DoseState::Skipped { reason } => format!("skipped ({reason})"),
            DoseState::Snoozed { until } => format!("snoozed until {until}"),
            DoseState::Missed => "missed".to_owned(),
        };
        println!("{}  {}  {state}", dose.due, dose.medication);
    }
    Ok(())
}

fn medication_details(add: AddMedication) -> Result<MedicationDetails, Failure> {
    Ok(MedicationDetails {
        name: add.name,
        strength: add.strength,
        form: add.form,
        instructions: add.instructions,
        schedule: schedule_file(&add.schedule)?,
        home_zone: add.home_zone,
        pills_on_hand: add.pills,
        pills_per_dose: add.per_dose,
        refill_at: add.refill_at,
    })
}

/// Local midnight to midnight around `now`.
fn today(now: Timestamp, here: &TimeZone) -> Result<(Timestamp, Timestamp), Failure> {
    let start = now.to_zoned(here.clone()).start_of_day()?;
    let end = start.checked_add(1.day())?;
    Ok((start.timestamp(), end.timestamp()))
}

/// Prints the doses of the schedule in the file `schedule` due in `[from, until)`, in zone `tz`.
pub fn plan(schedule: &Path, from_text: &str, until_text: &str, tz: &str) -> Result<(), Failure> {
    let parsed = schedule_file(schedule)?;
    let from = instant("--from", from_text)?;
    let until = instant("--until", until_text)?;
    if from >= until {
        return Err(Failure::Failed(format!(
            "--from ({from_text}) must be before --until ({until_text})"
        )));
    }
    // The system's tz database, as the app uses: zones follow the machine's tzdata updates.
    let zone = TimeZone::get(tz).map_err(|_| {
        Failure::Failed(format!(
            "--tz: `{tz}` is not a time zone this system knows (an IANA name such as America/New_York)"
        ))
    })?;
    let due = meds::plan(&parsed, from, until, &zone)?;
    output::json(&due.iter().map(rfc3339).collect::<Vec<_>>())
}

/// Reads and checks a schedule file.
pub fn schedule_file(path: &Path) -> Result<DoseSchedule, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Failure::Failed(format!("cannot read the schedule {}: {e}", path.display()))
    })?;
    DoseSchedule::from_json(&text).map_err(|e| Failure::Failed(format!("{}: {e}", path.display())))
}
