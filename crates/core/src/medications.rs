//! Medications and their doses, kept sealed in the vault: what the patient takes, which doses are
//! due, and what they did about each one.

use std::{collections::BTreeMap, num::NonZeroU32};

use jiff::{tz::TimeZone, SignedDuration, Timestamp, Zoned};
use serde::{Deserialize, Serialize};
use tend_meds::{Adherence, DoseRecord, DoseSchedule, DoseState, ZonePolicy};
use tend_vault::RecordKind;

use crate::{error::Thing, Error, Result, Session};

/// A dose left open this long after it was due (or snoozed to) counts as missed.
pub const GRACE: SignedDuration = SignedDuration::from_mins(60);
/// A dose taken within this much of its due time counts as on time.
pub const ON_TIME: SignedDuration = SignedDuration::from_mins(60);
/// A dose due this little before its medication was added is still one: the patient entering
/// it at 08:03 is about to take the 08:00 dose. Anything earlier is no dose.
pub const ADDING_LEEWAY: SignedDuration = SignedDuration::from_mins(5);

/// A medication as stored: its id and what the patient entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Medication {
    pub id: String,
    #[serde(flatten)]
    pub details: MedicationDetails,
    /// When the patient added it: a dose due before it (by more than [`ADDING_LEEWAY`]) is no
    /// dose — not due, not missed, not counted, not announced. `None` for a medication stored
    /// before Tend kept this: every planned dose counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub added_at: Option<Timestamp>,
}

/// A medication as the patient sets it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MedicationDetails {
    pub name: String,
    pub strength: Option<String>,
    pub form: Option<String>,
    pub instructions: Option<String>,
    pub schedule: DoseSchedule,
    /// `None`: doses follow the patient's local time; a zone name: they keep that zone's time.
    pub home_zone: Option<String>,
    pub pills_on_hand: Option<u32>,
    pub pills_per_dose: u32,
    /// Remind to reorder when the pills on hand fall to this.
    pub refill_at: Option<u32>,
}

/// One planned dose and where it stands now.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct Dose {
    pub medication_id: String,
    pub medication: String,
    /// The due instant, with the offset of the zone it was planned in.
    pub due: String,
    #[serde(flatten)]
    pub state: DoseState,
    /// Set when taking this dose brought the pills on hand to the refill threshold.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub refill_due: Option<u32>,
}

/// Adherence of one medication over a range.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MedicationAdherence {
    pub medication_id: String,
    pub medication: String,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub taken: usize,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub on_time: usize,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub skipped: usize,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub missed: usize,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub pending: usize,
    pub taken_percent: Option<f64>,
    pub on_time_percent: Option<f64>,
}

/// What the patient does about a dose from a button or a notification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum DoseAction {
    Take,
    Skip { reason: String },
    Snooze { minutes: u16 },
}

impl DoseAction {
    /// The state this action records at `now`.
    pub fn state(self, now: Timestamp) -> DoseState {
        match self {
            DoseAction::Take => DoseState::Taken { at: now },
            DoseAction::Skip { reason } => DoseState::Skipped { reason },
            DoseAction::Snooze { minutes } => DoseState::Snoozed {
                until: now + SignedDuration::from_mins(i64::from(minutes)),
            },
        }
    }
}

/// The next `count` doses of `schedule` (within a year) that a medication added at `now` has,
/// as the patient would see them in the zone that `home_zone` or `here` gives: the preview
/// while setting a medication up.
pub fn preview_schedule(
    schedule: &DoseSchedule,
    home_zone: Option<&str>,
    now: Timestamp,
    here: &TimeZone,
    count: usize,
) -> Result<Vec<String>> {
    schedule
        .validate()
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    let zone = match home_zone {
        Some(zone) => zone_named(zone)?,
        None => here.clone(),
    };
    let from = doses_from(now);
    let due = tend_meds::plan(
        schedule,
        from,
        from + SignedDuration::from_hours(366 * 24),
        &zone,
    )
    .map_err(|e| Error::InvalidInput(e.to_string()))?;
    Ok(due.iter().take(count).map(rfc3339).collect())
}

/// Adherence over a range: per medication, and overall (every dose of every medication).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AdherenceSummary {
    pub medications: Vec<MedicationAdherence>,
    pub overall: MedicationAdherence,
}

impl MedicationAdherence {
    fn new(medication_id: String, medication: String, counts: Adherence) -> MedicationAdherence {
        MedicationAdherence {
            medication_id,
            medication,
            taken: counts.taken,
            on_time: counts.on_time,
            skipped: counts.skipped,
            missed: counts.missed,
            pending: counts.pending,
            taken_percent: counts.taken_percent(),
            on_time_percent: counts.on_time_percent(),
        }
    }
}

/// What was recorded about one dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct DoseEvent {
    pub(crate) medication: String,
    pub(crate) due: Timestamp,
    pub(crate) state: DoseState,
    pub(crate) recorded_at: Timestamp,
    /// The states recorded before this one, latest last: what `undo` goes back to.
    #[serde(default)]
    earlier: Vec<DoseState>,
}

impl Session {
    /// Adds a medication after checking its name, schedule, zone and pill counts; `now` is
    /// when the patient added it.
    pub async fn add_medication(
        &self,
        new: MedicationDetails,
        now: Timestamp,
    ) -> Result<Medication> {
        let new = validated(new)?;
        let id = slug(&new.name);
        if id.is_empty() {
            return Err(Error::InvalidInput(
                "the name needs a letter or digit".into(),
            ));
        }
        if self
            .vault
            .get_record::<Medication>(RecordKind::Medication, &id)
            .await?
            .is_some()
        {
            return Err(Error::AlreadyExists {
                what: Thing::Medication,
                id,
            });
        }
        // No dose from before it was added is due or missed; one the patient records (they had
        // been taking it) is kept as recorded.
        let medication = Medication {
            id,
            details: new,
            added_at: Some(now),
        };
        self.vault
            .put_record(RecordKind::Medication, &medication.id, &medication)
            .await?;
        self.write_reminder_plan().await?;
        Ok(medication)
    }

    /// Replaces what the patient entered for medication `id`; its id and dose history stay.
    pub async fn update_medication(
        &self,
        id: &str,
        details: MedicationDetails,
    ) -> Result<Medication> {
        let details = validated(details)?;
        let stored = self.medication(id).await?;
        let medication = Medication {
            id: id.to_owned(),
            details,
            added_at: stored.added_at,
        };
        self.vault
            .put_record(RecordKind::Medication, id, &medication)
            .await?;
        self.write_reminder_plan().await?;
        Ok(medication)
    }

    /// Removes medication `id` and every dose recorded for it.
    pub async fn remove_medication(&self, id: &str) -> Result<()> {
        self.medication(id).await?;
        for (key, event) in self
            .vault
            .list_records::<DoseEvent>(RecordKind::DoseEvent)
            .await?
        {
            if event.medication == id {
                self.vault
                    .delete_record(RecordKind::DoseEvent, &key)
                    .await?;
            }
        }
        self.vault.delete_record(RecordKind::Medication, id).await?;
        self.write_reminder_plan().await?;
        Ok(())
    }

    pub async fn medications(&self) -> Result<Vec<Medication>> {
        Ok(self
            .vault
            .list_records(RecordKind::Medication)
            .await?
            .into_iter()
            .map(|(_, m)| m)
            .collect())
    }

    /// Adherence over the last `days` local days (today and the days before it), as the app
    /// shows it: every dose due so far, and today's doses the patient answered ahead of their
    /// time (the evening dose taken at 19:35 counts at 19:40).
    pub async fn recent_adherence(
        &self,
        days: u16,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<AdherenceSummary> {
        let (today, tomorrow) = local_day(now, here)?;
        let from = today
            .checked_sub(jiff::Span::new().days(i64::from(days.max(1) - 1)))
            .map_err(|_| Error::InvalidInput("the period starts before any date".into()))?;
        self.adherence_summary(from.timestamp(), tomorrow.timestamp(), here, now)
            .await
    }

    /// Every planned dose in `[from, until)` with its state at `now`, for a patient now in `here`.
    pub async fn doses(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<Dose>> {
        let mut doses: Vec<Dose> = self
            .dose_records(from, until, here)
            .await?
            .into_iter()
            .map(|(medication, due, state)| {
                let state = state.at(due.timestamp(), GRACE, now);
                dose(&medication, &due, state, None)
            })
            .collect();
        doses.sort_by(|a, b| (&a.due, &a.medication).cmp(&(&b.due, &b.medication)));
        Ok(doses)
    }

    /// The dose a patient means by "take it now": the latest still-open (due or snoozed) dose of
    /// `medication_id` due by `now` (or within the on-time window ahead of it). A missed dose is
    /// never guessed: it must be named by its due time.
    pub async fn current_dose(
        &self,
        medication_id: &str,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Timestamp> {
        if let DoseSchedule::AsNeeded(_) = self.medication(medication_id).await?.details.schedule {
            return Ok(now);
        }
        let doses = self
            .doses(
                now - SignedDuration::from_hours(24),
                now + ON_TIME,
                here,
                now,
            )
            .await?;
        doses
            .iter()
            .filter(|d| d.medication_id == medication_id && d.state.is_open())
            .filter_map(|d| d.due.parse::<Timestamp>().ok())
            .max()
            .ok_or_else(|| Error::not_found(Thing::Dose, format!("of `{medication_id}` due now")))
    }

    /// Records what the patient did about the dose of `medication_id` due at `due`. A snooze
    /// asked before the dose is due counts from the due time ([`DoseState::snoozed`]).
    pub async fn record_dose(
        &self,
        medication_id: &str,
        due: Timestamp,
        next: DoseState,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Dose> {
        let mut medication = self.medication(medication_id).await?;
        let due_at = planned_dose(&medication, due, here)?;
        let next = snoozed_from_due(next, due, now);
        let key = event_key(medication_id, due);
        let recorded = self
            .vault
            .get_record::<DoseEvent>(RecordKind::DoseEvent, &key)
            .await?;
        let mut earlier = Vec::new();
        let mut current = DoseState::Due;
        if let Some(recorded) = recorded {
            earlier = recorded.earlier;
            earlier.push(recorded.state.clone());
            current = recorded.state;
        }
        let state = current
            .at(due, GRACE, now)
            .transition(next)
            .map_err(|e| Error::InvalidInput(e.to_string()))?;

        let mut refill_due = None;
        if let (DoseState::Taken { .. }, Some(on_hand)) = (&state, medication.details.pills_on_hand)
        {
            let per_dose =
                NonZeroU32::new(medication.details.pills_per_dose).unwrap_or(NonZeroU32::MIN);
            let status = tend_meds::count_down(
                on_hand,
                per_dose,
                1,
                medication.details.refill_at.unwrap_or(0),
            );
            medication.details.pills_on_hand = Some(status.remaining);
            if status.crossed_threshold && medication.details.refill_at.is_some() {
                refill_due = Some(status.remaining);
            }
            self.vault
                .put_record(RecordKind::Medication, medication_id, &medication)
                .await?;
        }
        let event = DoseEvent {
            medication: medication_id.to_owned(),
            due,
            state: state.clone(),
            recorded_at: now,
            earlier,
        };
        self.vault
            .put_record(RecordKind::DoseEvent, &key, &event)
            .await?;
        self.write_reminder_plan().await?;
        Ok(dose(&medication, &due_at, state, refill_due))
    }

    /// Takes back the last thing recorded about the dose of `medication_id` due at `due`: the
    /// dose returns to its earlier state, and a dose no longer taken puts its pills back.
    pub async fn undo_dose(
        &self,
        medication_id: &str,
        due: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Dose> {
        let mut medication = self.medication(medication_id).await?;
        let due_at = planned_dose(&medication, due, here)?;
        let key = event_key(medication_id, due);
        let Some(mut event) = self
            .vault
            .get_record::<DoseEvent>(RecordKind::DoseEvent, &key)
            .await?
        else {
            return Err(Error::InvalidInput(format!(
                "nothing is recorded for the dose of `{medication_id}` due at {due}: nothing to undo"
            )));
        };
        if let (DoseState::Taken { .. }, Some(on_hand)) =
            (&event.state, medication.details.pills_on_hand)
        {
            medication.details.pills_on_hand =
                Some(on_hand.saturating_add(medication.details.pills_per_dose));
            self.vault
                .put_record(RecordKind::Medication, medication_id, &medication)
                .await?;
        }
        let restored = match event.earlier.pop() {
            Some(earlier) => {
                event.state = earlier.clone();
                event.recorded_at = now;
                self.vault
                    .put_record(RecordKind::DoseEvent, &key, &event)
                    .await?;
                earlier
            }
            None => {
                self.vault
                    .delete_record(RecordKind::DoseEvent, &key)
                    .await?;
                DoseState::Due
            }
        };
        self.write_reminder_plan().await?;
        Ok(dose(
            &medication,
            &due_at,
            restored.at(due, GRACE, now),
            None,
        ))
    }

    /// Taken and on-time counts per medication for doses due in `[from, until)`.
    pub async fn adherence(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<MedicationAdherence>> {
        let medications = self.medications().await?;
        let records: Vec<DoseRecord<String>> = self
            .dose_records(from, until, here)
            .await?
            .into_iter()
            // As-needed doses are not planned, so they count for no adherence.
            .filter(|(m, _, _)| !matches!(m.details.schedule, DoseSchedule::AsNeeded(_)))
            .map(|(medication, due, state)| DoseRecord {
                medication: medication.id,
                due: due.timestamp(),
                state,
            })
            .collect();
        let counts: BTreeMap<String, Adherence> =
            tend_meds::adherence(&records, from, until, now, GRACE, ON_TIME);
        Ok(medications
            .into_iter()
            .map(|m| {
                let counts = counts.get(&m.id).copied().unwrap_or_default();
                MedicationAdherence::new(m.id, m.details.name, counts)
            })
            .collect())
    }

    /// Adherence per medication and over all of them, for doses due in `[from, until)`.
    pub async fn adherence_summary(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<AdherenceSummary> {
        let medications = self.adherence(from, until, here, now).await?;
        let all = medications
            .iter()
            .map(|m| Adherence {
                taken: m.taken,
                on_time: m.on_time,
                skipped: m.skipped,
                missed: m.missed,
                pending: m.pending,
            })
            .fold(Adherence::default(), |sum, a| sum + a);
        Ok(AdherenceSummary {
            medications,
            overall: MedicationAdherence::new(String::new(), "All medications".into(), all),
        })
    }

    /// Every dose of every medication due in `[from, until)` with what was recorded about it
    /// (not yet aged into missed): the planned doses, plus the as-needed doses taken.
    pub(crate) async fn dose_records(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
    ) -> Result<Vec<(Medication, Zoned, DoseState)>> {
        let mut events = self.dose_events().await?;
        let mut records = Vec::new();
        for medication in self.medications().await? {
            if let DoseSchedule::AsNeeded(_) = medication.details.schedule {
                let zone = planning_zone(&medication, here)?;
                for ((_, due), event) in
                    events.range((medication.id.clone(), from)..(medication.id.clone(), until))
                {
                    records.push((
                        medication.clone(),
                        due.to_zoned(zone.clone()),
                        event.state.clone(),
                    ));
                }
                continue;
            }
            for due in planned(&medication, from, until, here)? {
                let state = events
                    .remove(&(medication.id.clone(), due.timestamp()))
                    .map_or(DoseState::Due, |e| e.state);
                records.push((medication.clone(), due, state));
            }
            // What the patient recorded outside those (a dose from before the medication was
            // added, or one an earlier schedule planned) stays as recorded.
            let zone = planning_zone(&medication, here)?;
            let range = (medication.id.clone(), from)..(medication.id.clone(), until);
            for ((_, due), event) in events.range(range) {
                records.push((
                    medication.clone(),
                    due.to_zoned(zone.clone()),
                    event.state.clone(),
                ));
            }
        }
        Ok(records)
    }

    async fn medication(&self, id: &str) -> Result<Medication> {
        self.vault
            .get_record(RecordKind::Medication, id)
            .await?
            .ok_or_else(|| Error::not_found(Thing::Medication, id))
    }

    async fn dose_events(&self) -> Result<BTreeMap<(String, Timestamp), DoseEvent>> {
        Ok(self
            .vault
            .list_records::<DoseEvent>(RecordKind::DoseEvent)
            .await?
            .into_iter()
            .map(|(_, e)| ((e.medication.clone(), e.due), e))
            .collect())
    }
}

/// Checks and tidies what the patient entered for a medication.
fn validated(mut details: MedicationDetails) -> Result<MedicationDetails> {
    details.name = details.name.trim().to_owned();
    if details.name.is_empty() {
        return Err(Error::InvalidInput("the medication needs a name".into()));
    }
    details
        .schedule
        .validate()
        .map_err(|e| Error::InvalidInput(e.to_string()))?;
    if let Some(zone) = &details.home_zone {
        zone_named(zone)?;
    }
    if details.pills_per_dose == 0 {
        return Err(Error::InvalidInput(
            "pills per dose must be at least 1".into(),
        ));
    }
    Ok(details)
}

/// The zone whose wall clock `medication`'s doses follow for a patient now in `here`.
fn planning_zone(medication: &Medication, here: &TimeZone) -> Result<TimeZone> {
    let policy = match &medication.details.home_zone {
        Some(zone) => ZonePolicy::HomeZone(zone_named(zone)?),
        None => ZonePolicy::FollowLocal,
    };
    Ok(policy.planning_zone(here))
}

/// The doses of `medication` in `[from, until)`, in the zone its policy picks for a patient in `here`.
fn planned(
    medication: &Medication,
    from: Timestamp,
    until: Timestamp,
    here: &TimeZone,
) -> Result<Vec<Zoned>> {
    let zone = planning_zone(medication, here)?;
    plan_doses(
        &medication.details.schedule,
        medication.added_at,
        from,
        until,
        &zone,
    )
}

/// The due instants of `schedule` in `[from, until)` in `zone`, none from before its medication
/// was added at `added_at` ([`doses_from`]), in a window of any length.
pub(crate) fn plan_doses(
    schedule: &DoseSchedule,
    added_at: Option<Timestamp>,
    from: Timestamp,
    until: Timestamp,
    zone: &TimeZone,
) -> Result<Vec<Zoned>> {
    // The planner takes windows of at most ten years; a longer one (an export of the whole
    // history, a consent with history since long ago) is planned a window at a time.
    let step = SignedDuration::from_hours(24 * (tend_meds::MAX_WINDOW_DAYS - 1));
    let mut doses = Vec::new();
    let mut start = added_at.map_or(from, |added| from.max(doses_from(added)));
    while start < until {
        let end = start.checked_add(step).map_or(until, |end| end.min(until));
        doses.extend(
            tend_meds::plan(schedule, start, end, zone)
                .map_err(|e| Error::InvalidInput(e.to_string()))?,
        );
        start = end;
    }
    Ok(doses)
}

/// The first instant a medication added at `added_at` has doses from: [`ADDING_LEEWAY`] before.
fn doses_from(added_at: Timestamp) -> Timestamp {
    added_at
        .checked_sub(ADDING_LEEWAY)
        .unwrap_or(Timestamp::MIN)
}

/// `state`, with a snooze asked at `now` counted from `due` when the dose is not yet due.
pub(crate) fn snoozed_from_due(state: DoseState, due: Timestamp, now: Timestamp) -> DoseState {
    match state {
        DoseState::Snoozed { until } => DoseState::snoozed(
            due,
            now,
            now.duration_until(until).max(SignedDuration::ZERO),
        ),
        other => other,
    }
}

/// The start of `now`'s local day in `here`, and of the next.
pub(crate) fn local_day(now: Timestamp, here: &TimeZone) -> Result<(Zoned, Zoned)> {
    let today = now
        .to_zoned(here.clone())
        .start_of_day()
        .map_err(|_| Error::InvalidInput("today has no start in this zone".into()))?;
    let tomorrow = today
        .tomorrow()
        .and_then(|day| day.start_of_day())
        .map_err(|_| Error::InvalidInput("today has no end in this zone".into()))?;
    Ok((today, tomorrow))
}

/// The dose of `medication` due at `due`: a planned one, or any instant for an as-needed one.
fn planned_dose(medication: &Medication, due: Timestamp, here: &TimeZone) -> Result<Zoned> {
    if let DoseSchedule::AsNeeded(_) = medication.details.schedule {
        return Ok(due.to_zoned(planning_zone(medication, here)?));
    }
    // Any dose of its schedule, from before it was added too: the patient records one they took.
    let zone = planning_zone(medication, here)?;
    let schedule = &medication.details.schedule;
    plan_doses(
        schedule,
        None,
        due,
        due + SignedDuration::from_nanos(1),
        &zone,
    )?
    .into_iter()
    .next()
    .ok_or_else(|| Error::not_found(Thing::Dose, format!("of `{}` due at {due}", medication.id)))
}

pub(crate) fn dose(
    medication: &Medication,
    due: &Zoned,
    state: DoseState,
    refill_due: Option<u32>,
) -> Dose {
    Dose {
        medication_id: medication.id.clone(),
        medication: medication.details.name.clone(),
        due: rfc3339(due),
        state,
        refill_due,
    }
}

/// RFC 3339 with the instant's local offset, as the `tend meds` contract prints instants (never
/// jiff's bracketed zone annotation).
pub fn rfc3339(zoned: &Zoned) -> String {
    zoned
        .timestamp()
        .display_with_offset(zoned.offset())
        .to_string()
}

/// An IANA zone by name, or a clear error.
pub fn zone_named(name: &str) -> Result<TimeZone> {
    TimeZone::get(name).map_err(|_| {
        Error::InvalidInput(format!(
            "`{name}` is not a time zone this system knows (an IANA name such as Europe/Berlin)"
        ))
    })
}

fn event_key(medication_id: &str, due: Timestamp) -> String {
    format!("{medication_id}@{}", due.as_nanosecond())
}

/// A short id from a name: lowercase letters and digits, words joined by `-`.
fn slug(name: &str) -> String {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A medication stored before Tend kept when it was added plans from its schedule's start,
    /// over any length: the export of the whole history asked for doses since 1970 and failed
    /// ("longer than 3660 days").
    #[test]
    fn doses_are_planned_over_windows_of_any_length() {
        let schedule = DoseSchedule::from_json(r#"{"times": ["08:00"], "start": "2016-03-01"}"#);
        let until: Timestamp = "2026-03-01T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let planned = schedule
            .map_err(|e| Error::InvalidInput(e.to_string()))
            .and_then(|s| plan_doses(&s, None, Timestamp::UNIX_EPOCH, until, &TimeZone::UTC));
        // 2016-03-01 to 2026-02-28: ten years of daily doses.
        assert_eq!(
            planned.map(|d| d.len()).map_err(|e| e.to_string()),
            Ok(3652)
        );
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Metformin 500 mg"), "metformin-500-mg");
        assert_eq!(slug("  L-Thyroxine "), "l-thyroxine");
        assert_eq!(slug("!!"), "");
    }
}
