//! Medication reminders: which doses to announce, each once, across sleep, suspend, restarts and
//! clock changes. The clock and the place the reminders go are passed in. The app's loop fires
//! from the reminder plan outside the vault (`reminder_plan.rs`), so it runs while Tend is
//! locked; `Session::check_reminders` is the same check over the unlocked vault, with names.

use std::{path::Path, time::Duration};

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_meds::{DoseRecord, DoseState};
use tend_vault::RecordKind;

use crate::{
    medications::dose, reminder_plan::check_plan, rfc3339, Alarm, Clock, Dose, Result, Session,
    GRACE,
};

/// A [`Clock`] that also knows the zone the patient is in now: doses that follow local time
/// move with it.
pub trait LocalClock: Clock {
    fn zone(&self) -> TimeZone;
}

/// The machine's clock and zone: what the app and the CLI use.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

impl LocalClock for SystemClock {
    fn zone(&self) -> TimeZone {
        TimeZone::system()
    }
}

/// Something for the patient to hear about.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reminder {
    /// A dose to take now: it fell due (or its snooze ended) since the last check.
    DoseDue { dose: Dose },
    /// The doses whose grace window ran out unanswered since the last check: one summary,
    /// however long the app slept.
    DosesMissed {
        since: String,
        until: String,
        doses: Vec<Dose>,
    },
}

/// How far back a check looks after a long absence: older doses are in the history, and
/// adherence counts them, but a reminder about them helps nobody.
const LOOK_BACK: SignedDuration = SignedDuration::from_hours(7 * 24);
const LAST_CHECK: &str = "reminders.last_check";

#[derive(Debug, Serialize, Deserialize)]
struct LastCheck {
    at: Timestamp,
}

impl Session {
    /// The reminders that came due since the last check, which is then moved to `now`.
    ///
    /// The last check is kept in the vault, so a restart neither repeats nor loses a reminder.
    /// The first check ever announces nothing from before it. A clock set back keeps the last
    /// check where it was, so nothing is announced twice when the clock catches up.
    pub async fn check_reminders(&self, now: Timestamp, here: &TimeZone) -> Result<Vec<Reminder>> {
        let last = self
            .vault
            .get_record::<LastCheck>(RecordKind::Setting, LAST_CHECK)
            .await?;
        let since = match last {
            Some(last) if last.at >= now => return Ok(Vec::new()),
            Some(last) => last.at.max(now - LOOK_BACK),
            None => now,
        };
        // Doses due a while before `since` may still be snoozed or in their grace window.
        let records = self
            .dose_records(since - LOOK_BACK, now + SignedDuration::from_nanos(1), here)
            .await?;
        // Saved before anything is announced: a crash in between loses a "due" notice, which the
        // missed-dose summary then covers, rather than repeating it.
        self.vault
            .put_record(RecordKind::Setting, LAST_CHECK, &LastCheck { at: now })
            .await?;

        let mut reminders = Vec::new();
        for (medication, due, state) in &records {
            let alarm = match state {
                DoseState::Due => due.timestamp(),
                DoseState::Snoozed { until } => *until,
                _ => continue,
            };
            if since < alarm && alarm <= now && state.at(due.timestamp(), GRACE, now).is_open() {
                reminders.push(Reminder::DoseDue {
                    dose: dose(medication, due, state.clone(), None),
                });
            }
        }
        let open: Vec<DoseRecord<usize>> = records
            .iter()
            .enumerate()
            .map(|(i, (_, due, state))| DoseRecord {
                medication: i,
                due: due.timestamp(),
                state: state.clone(),
            })
            .collect();
        if let Some(missed) = tend_meds::catch_up(&open, since, now, GRACE) {
            let doses = missed
                .doses
                .iter()
                .filter_map(|m| records.get(m.medication))
                .map(|(medication, due, _)| dose(medication, due, DoseState::Missed, None))
                .collect();
            reminders.push(Reminder::DosesMissed {
                since: rfc3339(&since.to_zoned(here.clone())),
                until: rfc3339(&now.to_zoned(here.clone())),
                doses,
            });
        }
        Ok(reminders)
    }
}

/// Checks for reminders every `every` from the profile's reminder plan in `dir`, locked or
/// not, handing each [`Alarm`] to `sink`; runs until the task is dropped. Time is read from
/// `clock` at each check, so a laptop that slept gets one catch-up summary when it wakes. The
/// vault is never opened: reminders neither need it unlocked nor keep it open.
pub async fn run_reminders(
    dir: &Path,
    clock: &dyn LocalClock,
    every: Duration,
    sink: &(dyn Fn(Alarm) + Send + Sync),
) {
    loop {
        let (now, here) = (clock.now(), clock.zone());
        match check_plan(dir, now, &here) {
            Ok(alarms) => alarms.into_iter().for_each(sink),
            Err(e) => tracing::warn!(code = ?e.code(), "reminder check failed"),
        }
        tokio::time::sleep(every).await;
    }
}
