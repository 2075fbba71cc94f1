//! `tend bp-week`: the guided blood-pressure week — started with its two daily reminder times,
//! shown as how far it is, stopped.

use jiff::{
    civil::{Date, Time},
    ToSpan,
};
use tend_core::{clinic::BpSlot, BpWeek, BpWeekStatus, Tend};

use crate::{
    args::BpWeekCommand,
    clock::{now, zone},
    output, unlock, Failure,
};

pub async fn run(tend: &Tend, command: BpWeekCommand, json: bool) -> Result<(), Failure> {
    let now = now()?;
    let week = match &command {
        BpWeekCommand::Start {
            start,
            morning,
            evening,
            tz,
        } => {
            let here = zone(tz.as_deref())?;
            let start = match start {
                Some(text) => text.parse::<Date>().map_err(|_| {
                    Failure::Failed(format!("--start: `{text}` is not a date (YYYY-MM-DD)"))
                })?,
                None => now.to_zoned(here.clone()).date().checked_add(1.day())?,
            };
            Some(BpWeek::new(
                start,
                time("--morning", morning)?,
                time("--evening", evening)?,
                &here,
            )?)
        }
        BpWeekCommand::Status | BpWeekCommand::Stop => None,
    };
    // Starting a week is a first step like importing: it creates the vault if there is none.
    let session = unlock::session(tend, week.is_some()).await?;
    let result = async {
        match (&command, week) {
            (BpWeekCommand::Stop, _) => session.stop_bp_week().await.map(|()| None),
            (_, Some(week)) => {
                session.start_bp_week(&week).await?;
                session.bp_week_status(now).await
            }
            (_, None) => session.bp_week_status(now).await,
        }
    }
    .await;
    session.close().await?;
    let status = result?;
    if json {
        return output::json(&status);
    }
    match (command, status) {
        (BpWeekCommand::Stop, _) => {
            println!("The blood-pressure week is stopped; its readings stay.")
        }
        (_, None) => println!("No blood-pressure week is on: start one with `tend bp-week start`."),
        (_, Some(status)) => print_status(&status),
    }
    Ok(())
}

fn print_status(status: &BpWeekStatus) {
    let week = &status.week;
    println!(
        "{} (from {}, reminders at {} and {}, {}).",
        status.label,
        week.start,
        week.morning.strftime("%H:%M"),
        week.evening.strftime("%H:%M"),
        week.zone
    );
    let progress = &status.progress;
    if progress.complete {
        println!("Enough readings for the home average: see `tend report`.");
    }
    if let Some(next) = progress.due.first() {
        println!(
            "Next: {} {} ({} reading{}).",
            next.date,
            slot_name(next.slot),
            next.readings_needed,
            if next.readings_needed == 1 { "" } else { "s" }
        );
    } else if progress.finished {
        println!("The week is over.");
    }
    if !progress.missed.is_empty() {
        println!(
            "Missed so far: {} of the week's times.",
            progress.missed.len()
        );
    }
}

fn slot_name(slot: BpSlot) -> &'static str {
    match slot {
        BpSlot::Morning => "morning",
        BpSlot::Evening => "evening",
    }
}

fn time(option: &str, text: &str) -> Result<Time, Failure> {
    text.parse::<Time>()
        .map_err(|_| Failure::Failed(format!("{option}: `{text}` is not a time of day (HH:MM)")))
}
