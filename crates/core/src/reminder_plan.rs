//! What reminders need, kept outside the sealed vault so that they fire while Tend is locked: a
//! small plan file in the profile (per medication an opaque reference, its dose times and the
//! zone they keep; the doses already answered), the reminder check's cursor, and the Take and
//! Snooze presses made while locked, recorded at the next unlock. None of these files holds a
//! medication's name, a pill count or a health value.

use std::{
    collections::BTreeMap,
    path::{Path, PathBuf},
};

use jiff::{tz::TimeZone, SignedDuration, Timestamp, Zoned};
use serde::{Deserialize, Serialize};
use tend_meds::{DoseRecord, DoseSchedule, DoseState};
use tend_vault::RecordKind;

use tend_clinic::BpSlot;

use crate::{
    bp_week::{BpWeek, BP_REMINDER_RINGS_WITHIN},
    medications::{plan_doses, snoozed_from_due, zone_named, DoseEvent},
    rfc3339, DoseAction, Error, Result, Session, GRACE,
};

/// The plan's file name in the profile folder.
pub const PLAN_FILE: &str = "reminder-plan.json";
/// Where the last reminder check stopped.
const CURSOR_FILE: &str = "reminder-cursor.json";
/// Take and Snooze pressed on a notification while Tend was locked.
const PENDING_FILE: &str = "reminder-pending.json";
/// Sealed: each medication's opaque reference in the plan.
const REFERENCES: &str = "reminders.references";
/// How far back a check looks after a long absence (as the vault's own check does).
const LOOK_BACK: SignedDuration = SignedDuration::from_hours(7 * 24);

/// What the reminders of one profile need, readable without the vault's key.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ReminderPlan {
    pub medications: Vec<PlannedMedication>,
    /// Doses with something recorded, from a week before the latest answer on: no reminder for
    /// a dose taken or skipped, a snoozed one rings at the snooze's end.
    pub answered: Vec<AnsweredDose>,
    /// The guided blood-pressure week, while one is on: its days and times only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bp_week: Option<BpWeek>,
}

/// One medication as the plan knows it: no name, no strength, no pill count.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedMedication {
    /// A random reference, the same for as long as the medication exists; only the vault maps
    /// it to the medication.
    pub reference: String,
    pub schedule: DoseSchedule,
    /// `None`: the doses follow local time; a zone name: they keep that zone's clock.
    pub home_zone: Option<String>,
    /// When the medication was added: no dose from before it rings (`ADDING_LEEWAY` aside).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Timestamp>,
}

/// A dose something was recorded about.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AnsweredDose {
    pub reference: String,
    pub due: Timestamp,
    /// Set while the dose is snoozed; `None`: taken or skipped, nothing more to remind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snoozed_until: Option<Timestamp>,
}

/// Something to tell the patient, worded without naming any medication.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Alarm {
    /// A dose to take now: it fell due (or its snooze ended) since the last check.
    DoseDue {
        /// The medication's opaque reference in the plan.
        reference: String,
        /// The due instant, RFC 3339 with the local offset of the zone it was planned in.
        due: String,
    },
    /// Doses whose grace window ran out unanswered since the last check: one summary.
    DosesMissed {
        since: String,
        until: String,
        count: u32,
    },
    /// Time for the guided week's blood-pressure readings.
    MeasureBloodPressure {
        slot: BpSlot,
        /// The reminder's instant, RFC 3339 with the week's local offset.
        due: String,
        /// The week's day, 1 to 7.
        day: u32,
    },
}

/// A reminder to hand to a phone's OS, which rings it although Tend sleeps: a dose (at its due
/// instant or its snooze's end) or one of the guided week's readings.
#[derive(Debug, Clone, PartialEq)]
pub struct Ringing {
    pub rings_at: Timestamp,
    pub alarm: Alarm,
}

impl ReminderPlan {
    /// The plan in `dir`; an empty plan where there is none yet.
    pub fn load(dir: &Path) -> Result<ReminderPlan> {
        read_json(&dir.join(PLAN_FILE)).map(Option::unwrap_or_default)
    }

    /// The doses that ring in `[from, until)` for a patient in `here`, earliest first, with
    /// every planned dose's state: what the loop and the OS schedule both fire from.
    pub fn doses(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
    ) -> Result<Vec<(String, Zoned, DoseState)>> {
        let answered: BTreeMap<(&str, Timestamp), &AnsweredDose> = self
            .answered
            .iter()
            .map(|a| ((a.reference.as_str(), a.due), a))
            .collect();
        let mut doses = Vec::new();
        for medication in &self.medications {
            if let DoseSchedule::AsNeeded(_) = medication.schedule {
                continue;
            }
            let zone = match &medication.home_zone {
                Some(zone) => zone_named(zone)?,
                None => here.clone(),
            };
            let planned = plan_doses(
                &medication.schedule,
                medication.added_at,
                from,
                until,
                &zone,
            )?;
            for due in planned {
                let state = match answered.get(&(medication.reference.as_str(), due.timestamp())) {
                    None => DoseState::Due,
                    Some(AnsweredDose {
                        snoozed_until: Some(until),
                        ..
                    }) => DoseState::Snoozed { until: *until },
                    Some(_) => DoseState::Skipped {
                        reason: String::new(),
                    },
                };
                doses.push((medication.reference.clone(), due, state));
            }
        }
        doses.sort_by_key(|(_, due, _)| due.timestamp());
        Ok(doses)
    }

    /// Everything that rings in `[from, until)`, earliest first: the doses (a snoozed one at its
    /// snooze's end) and the guided week's readings. What a phone hands to its OS.
    pub fn ringing(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
    ) -> Result<Vec<Ringing>> {
        // A snooze can move a dose due a little before `from` into the window.
        let mut ringing: Vec<Ringing> = self
            .doses(from - LOOK_BACK, until, here)?
            .into_iter()
            .filter_map(|(reference, due, state)| {
                let rings_at = match state {
                    DoseState::Due => due.timestamp(),
                    DoseState::Snoozed { until } => until,
                    _ => return None,
                };
                (from <= rings_at && rings_at < until).then(|| Ringing {
                    rings_at,
                    alarm: Alarm::DoseDue {
                        reference,
                        due: rfc3339(&due),
                    },
                })
            })
            .collect();
        ringing.extend(
            self.measuring()?
                .into_iter()
                .filter(|r| from <= r.rings_at && r.rings_at < until),
        );
        ringing.sort_by_key(|r| r.rings_at);
        Ok(ringing)
    }

    /// The guided week's reminders, if a week is on.
    fn measuring(&self) -> Result<Vec<Ringing>> {
        let Some(week) = &self.bp_week else {
            return Ok(Vec::new());
        };
        Ok(week
            .reminders()?
            .into_iter()
            .map(|(day, slot, at)| Ringing {
                rings_at: at.timestamp(),
                alarm: Alarm::MeasureBloodPressure {
                    slot,
                    due: rfc3339(&at),
                    day,
                },
            })
            .collect())
    }

    /// The alarms between `since` and `now`: each dose that fell due (or whose snooze ended)
    /// and is still open, and one summary of the doses that became missed.
    pub fn alarms(&self, since: Timestamp, now: Timestamp, here: &TimeZone) -> Result<Vec<Alarm>> {
        let doses = self.doses(since - LOOK_BACK, now + SignedDuration::from_nanos(1), here)?;
        let mut alarms = Vec::new();
        for (reference, due, state) in &doses {
            let rings_at = match state {
                DoseState::Due => due.timestamp(),
                DoseState::Snoozed { until } => *until,
                _ => continue,
            };
            if since < rings_at
                && rings_at <= now
                && state.at(due.timestamp(), GRACE, now).is_open()
            {
                alarms.push(Alarm::DoseDue {
                    reference: reference.clone(),
                    due: rfc3339(due),
                });
            }
        }
        let records: Vec<DoseRecord<usize>> = doses
            .iter()
            .enumerate()
            .map(|(i, (_, due, state))| DoseRecord {
                medication: i,
                due: due.timestamp(),
                state: state.clone(),
            })
            .collect();
        if let Some(missed) = tend_meds::catch_up(&records, since, now, GRACE) {
            alarms.push(Alarm::DosesMissed {
                since: rfc3339(&since.to_zoned(here.clone())),
                until: rfc3339(&now.to_zoned(here.clone())),
                count: u32::try_from(missed.count()).unwrap_or(u32::MAX),
            });
        }
        for reminder in self.measuring()? {
            if since < reminder.rings_at
                && reminder.rings_at <= now
                && reminder.rings_at.duration_until(now) <= BP_REMINDER_RINGS_WITHIN
            {
                alarms.push(reminder.alarm);
            }
        }
        Ok(alarms)
    }

    /// Notes what the patient did about a dose, so the plan stops ringing for it (or rings at
    /// the snooze's end) before the vault records it.
    fn answer(&mut self, reference: &str, due: Timestamp, state: &DoseState) {
        self.answered
            .retain(|a| !(a.reference == reference && a.due == due));
        self.answered.push(AnsweredDose {
            reference: reference.to_owned(),
            due,
            snoozed_until: match state {
                DoseState::Snoozed { until } => Some(*until),
                _ => None,
            },
        });
    }
}

/// One reminder check from the plan in `dir`, without the vault: the alarms since the last
/// check, which then moves to `now`. The first check ever announces nothing from before it; a
/// clock set back announces nothing twice; a check after a long absence looks back a week.
pub fn check_plan(dir: &Path, now: Timestamp, here: &TimeZone) -> Result<Vec<Alarm>> {
    let cursor_path = dir.join(CURSOR_FILE);
    let last: Option<Cursor> = read_json(&cursor_path)?;
    let since = match last {
        Some(last) if last.checked_until >= now => return Ok(Vec::new()),
        Some(last) => last.checked_until.max(now - LOOK_BACK),
        None => now,
    };
    let plan = ReminderPlan::load(dir)?;
    // Saved before anything is announced: a crash in between loses a "due" notice, which the
    // missed-dose summary then covers, rather than repeating it.
    write_json(&cursor_path, &Cursor { checked_until: now })?;
    plan.alarms(since, now, here)
}

/// Keeps a Take or Snooze pressed while Tend is locked: the plan stops ringing for that dose at
/// once, and the vault records it at the next unlock ([`Session::unlock`] does).
pub fn keep_pending_action(
    dir: &Path,
    reference: &str,
    due: Timestamp,
    action: DoseAction,
    at: Timestamp,
    here: &TimeZone,
) -> Result<()> {
    let path = dir.join(PENDING_FILE);
    let mut pending: Vec<PendingAction> = read_json(&path)?.unwrap_or_default();
    pending.push(PendingAction {
        reference: reference.to_owned(),
        due,
        action: action.clone(),
        at,
        zone: here.iana_name().map(str::to_owned),
    });
    write_json(&path, &pending)?;
    let mut plan = ReminderPlan::load(dir)?;
    plan.answer(reference, due, &snoozed_from_due(action.state(at), due, at));
    write_json(&dir.join(PLAN_FILE), &plan)
}

/// A button pressed on a notification while locked. No name, no value: which medication (by
/// its opaque reference), which dose, what and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct PendingAction {
    reference: String,
    due: Timestamp,
    action: DoseAction,
    at: Timestamp,
    /// The zone the patient was in when pressing: a dose that follows local time is found there.
    #[serde(default)]
    zone: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Cursor {
    checked_until: Timestamp,
}

impl Session {
    /// Rewrites the profile's reminder plan from the vault: called after every change to the
    /// medications or their doses, and at unlock.
    pub async fn write_reminder_plan(&self) -> Result<()> {
        let references = self.reminder_references().await?;
        let mut medications = Vec::new();
        for medication in self.medications().await? {
            let Some(reference) = references.get(&medication.id) else {
                continue;
            };
            medications.push(PlannedMedication {
                reference: reference.clone(),
                schedule: medication.details.schedule,
                home_zone: medication.details.home_zone,
                added_at: medication.added_at,
            });
        }
        let events: Vec<DoseEvent> = self
            .vault
            .list_records::<DoseEvent>(RecordKind::DoseEvent)
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
        // A week before the latest answer is as far back as a check ever looks.
        let keep_from = events
            .iter()
            .map(|e| e.recorded_at)
            .max()
            .map(|latest| latest - LOOK_BACK - SignedDuration::from_hours(24));
        let answered = events
            .iter()
            .filter(|e| keep_from.is_some_and(|from| e.due >= from))
            .filter_map(|e| {
                Some(AnsweredDose {
                    reference: references.get(&e.medication)?.clone(),
                    due: e.due,
                    snoozed_until: match e.state {
                        DoseState::Snoozed { until } => Some(until),
                        _ => None,
                    },
                })
            })
            .collect();
        write_json(
            &self.dir.join(PLAN_FILE),
            &ReminderPlan {
                medications,
                answered,
                bp_week: self.bp_week().await?,
            },
        )
    }

    /// Records the Take and Snooze presses kept while Tend was locked, each as of the moment it
    /// was pressed, then forgets them. One that no longer applies (its medication removed, the
    /// dose answered since) is dropped; the file is kept when the vault takes no change.
    pub async fn record_pending_actions(&self, here: &TimeZone) -> Result<usize> {
        let path = self.dir.join(PENDING_FILE);
        let Some(pending) = read_json::<Vec<PendingAction>>(&path)? else {
            return Ok(0);
        };
        let medication_of: BTreeMap<String, String> = self
            .reminder_references()
            .await?
            .into_iter()
            .map(|(id, reference)| (reference, id))
            .collect();
        let mut recorded = 0;
        for action in pending {
            let Some(medication_id) = medication_of.get(&action.reference) else {
                continue;
            };
            let state = action.action.clone().state(action.at);
            let zone = match action.zone.as_deref().map(TimeZone::get) {
                Some(Ok(zone)) => zone,
                _ => here.clone(),
            };
            match self
                .record_dose(medication_id, action.due, state, &zone, action.at)
                .await
            {
                Ok(_) => recorded += 1,
                Err(e) if e.code() == crate::ErrorCode::RolledBack => return Err(e),
                // Answered since, or no longer planned: nothing left to record.
                Err(e) => {
                    tracing::info!(code = ?e.code(), "a dose pressed while locked no longer applies")
                }
            }
        }
        remove_file(&path)?;
        Ok(recorded)
    }

    /// Each medication's opaque reference, made when first needed and kept sealed.
    pub async fn reminder_references(&self) -> Result<BTreeMap<String, String>> {
        let mut references: BTreeMap<String, String> = self
            .vault
            .get_record(RecordKind::Setting, REFERENCES)
            .await?
            .unwrap_or_default();
        let medications = self.medications().await?;
        let before = references.clone();
        references.retain(|id, _| medications.iter().any(|m| &m.id == id));
        for medication in &medications {
            references
                .entry(medication.id.clone())
                .or_insert_with(|| uuid::Uuid::new_v4().simple().to_string());
        }
        if references != before && self.vault.rolled_back().is_none() {
            self.vault
                .put_record(RecordKind::Setting, REFERENCES, &references)
                .await?;
        }
        Ok(references)
    }

    /// The names of the medications by their opaque reference: for a notification that shows
    /// them, when the patient chose that and Tend is unlocked.
    pub async fn reminder_names(&self) -> Result<BTreeMap<String, String>> {
        let references = self.reminder_references().await?;
        Ok(self
            .medications()
            .await?
            .into_iter()
            .filter_map(|m| Some((references.get(&m.id)?.clone(), m.details.name)))
            .collect())
    }

    /// The medication id behind an opaque reference.
    pub async fn medication_for_reference(&self, reference: &str) -> Result<String> {
        self.reminder_references()
            .await?
            .into_iter()
            .find_map(|(id, r)| (r == reference).then_some(id))
            .ok_or_else(|| Error::not_found(crate::Thing::Medication, "behind this reminder"))
    }
}

/// Removes the plan, its cursor and any presses kept while locked (erasing the profile); gives
/// the files it removed.
pub(crate) fn erase(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    for name in [PLAN_FILE, CURSOR_FILE, PENDING_FILE] {
        let path = dir.join(name);
        if remove_file(&path)? {
            removed.push(path);
        }
    }
    Ok(removed)
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Option<T>> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|_| Error::ReminderFile(file_name(path))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(_) => Err(Error::ReminderFile(file_name(path))),
    }
}

/// Writes `value` as the whole of `path`, atomically (a temporary file renamed over it), for
/// the patient alone (0600 on Unix).
fn write_json<T: Serialize>(path: &Path, value: &T) -> Result<()> {
    let failed = || Error::ReminderFile(file_name(path));
    let bytes = serde_json::to_vec(value).map_err(|_| failed())?;
    let temporary: PathBuf = path.with_extension("json.new");
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&temporary).map_err(|_| failed())?;
    std::io::Write::write_all(&mut file, &bytes).map_err(|_| failed())?;
    file.sync_all().map_err(|_| failed())?;
    std::fs::rename(&temporary, path).map_err(|_| failed())
}

/// Removes `path`; `false` when there was none.
fn remove_file(path: &Path) -> Result<bool> {
    match std::fs::remove_file(path) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(_) => Err(Error::ReminderFile(file_name(path))),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
