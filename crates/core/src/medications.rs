//! Medications and their doses, kept sealed in the vault: what the patient takes, which doses are
//! due, and what they did about each one.

use std::{collections::BTreeMap, num::NonZeroU32};

use jiff::{tz::TimeZone, SignedDuration, Timestamp, Zoned};
use serde::{Deserialize, Serialize};
use tend_meds::{Adherence, DoseRecord, DoseSchedule, DoseState, ZonePolicy};
use tend_vault::RecordKind;

use crate::{Error, Result, Session};

/// A dose left open this long after it was due (or snoozed to) counts as missed.
pub const GRACE: SignedDuration = SignedDuration::from_mins(60);
/// A dose taken within this much of its due time counts as on time.
pub const ON_TIME: SignedDuration = SignedDuration::from_mins(60);

/// A medication as stored: its id and what the patient entered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medication {
    pub id: String,
    #[serde(flatten)]
    pub details: MedicationDetails,
}

/// A medication as the patient sets it up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
pub struct MedicationAdherence {
    pub medication_id: String,
    pub medication: String,
    pub taken: usize,
    pub on_time: usize,
    pub skipped: usize,
    pub missed: usize,
    pub pending: usize,
    pub taken_percent: Option<f64>,
    pub on_time_percent: Option<f64>,
}

/// What was recorded about one dose.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct DoseEvent {
    medication: String,
    due: Timestamp,
    state: DoseState,
    recorded_at: Timestamp,
}

impl Session {
    /// Adds a medication after checking its name, schedule, zone and pill counts.
    pub async fn add_medication(&self, mut new: MedicationDetails) -> Result<Medication> {
        new.name = new.name.trim().to_owned();
        if new.name.is_empty() {
            return Err(Error::InvalidInput("the medication needs a name".into()));
        }
        new.schedule
            .validate()
            .map_err(|e| Error::InvalidInput(e.to_string()))?;
        if let Some(zone) = &new.home_zone {
            zone_named(zone)?;
        }
        if new.pills_per_dose == 0 {
            return Err(Error::InvalidInput(
                "pills per dose must be at least 1".into(),
            ));
        }
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
            return Err(Error::InvalidInput(format!(
                "a medication called `{id}` is already there"
            )));
        }
        let medication = Medication { id, details: new };
        self.vault
            .put_record(RecordKind::Medication, &medication.id, &medication)
            .await?;
        Ok(medication)
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

    /// Every planned dose in `[from, until)` with its state at `now`, for a patient now in `here`.
    pub async fn doses(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<Dose>> {
        let events = self.dose_events().await?;
        let mut doses = Vec::new();
        for medication in self.medications().await? {
            for due in planned(&medication, from, until, here)? {
                let recorded = events
                    .get(&(medication.id.clone(), due.timestamp()))
                    .map(|e| e.state.clone());
                doses.push(dose(
                    &medication,
                    &due,
                    recorded
                        .unwrap_or(DoseState::Due)
                        .at(due.timestamp(), GRACE, now),
                    None,
                ));
            }
        }
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
        self.medication(medication_id).await?;
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
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "`{medication_id}` has no open dose due now: give --due"
                ))
            })
    }

    /// Records what the patient did about the dose of `medication_id` due at `due`.
    pub async fn record_dose(
        &self,
        medication_id: &str,
        due: Timestamp,
        next: DoseState,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Dose> {
        let mut medication = self.medication(medication_id).await?;
        let planned = planned(&medication, due, due + SignedDuration::from_nanos(1), here)?;
        let due_at = planned.first().ok_or_else(|| {
            Error::InvalidInput(format!("`{medication_id}` has no dose due at {due}"))
        })?;
        let key = event_key(medication_id, due);
        let recorded = self
            .vault
            .get_record::<DoseEvent>(RecordKind::DoseEvent, &key)
            .await?;
        let current = recorded
            .map_or(DoseState::Due, |e| e.state)
            .at(due, GRACE, now);
        let state = current
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
        };
        self.vault
            .put_record(RecordKind::DoseEvent, &key, &event)
            .await?;
        Ok(dose(&medication, due_at, state, refill_due))
    }

    /// Taken and on-time counts per medication for doses due in `[from, until)`.
    pub async fn adherence(
        &self,
        from: Timestamp,
        until: Timestamp,
        here: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<MedicationAdherence>> {
        let events = self.dose_events().await?;
        let medications = self.medications().await?;
        let mut records = Vec::new();
        for medication in &medications {
            for due in planned(medication, from, until, here)? {
                let state = events
                    .get(&(medication.id.clone(), due.timestamp()))
                    .map_or(DoseState::Due, |e| e.state.clone());
                records.push(DoseRecord {
                    medication: medication.id.clone(),
                    due: due.timestamp(),
                    state,
                });
            }
        }
        let counts: BTreeMap<String, Adherence> =
            tend_meds::adherence(&records, from, until, now, GRACE, ON_TIME);
        Ok(medications
            .into_iter()
            .map(|m| {
                let a = counts.get(&m.id).copied().unwrap_or_default();
                MedicationAdherence {
                    medication_id: m.id,
                    medication: m.details.name,
                    taken: a.taken,
                    on_time: a.on_time,
                    skipped: a.skipped,
                    missed: a.missed,
                    pending: a.pending,
                    taken_percent: a.taken_percent(),
                    on_time_percent: a.on_time_percent(),
                }
            })
            .collect())
    }

    async fn medication(&self, id: &str) -> Result<Medication> {
        self.vault
            .get_record(RecordKind::Medication, id)
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "no medication called `{id}` (see `tend meds list`)"
                ))
            })
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

/// The doses of `medication` in `[from, until)`, in the zone its policy picks for a patient in `here`.
fn planned(
    medication: &Medication,
    from: Timestamp,
    until: Timestamp,
    here: &TimeZone,
) -> Result<Vec<Zoned>> {
    let policy = match &medication.details.home_zone {
        Some(zone) => ZonePolicy::HomeZone(zone_named(zone)?),
        None => ZonePolicy::FollowLocal,
    };
    tend_meds::plan(
        &medication.details.schedule,
        from,
        until,
        &policy.planning_zone(here),
    )
    .map_err(|e| Error::InvalidInput(e.to_string()))
}

fn dose(medication: &Medication, due: &Zoned, state: DoseState, refill_due: Option<u32>) -> Dose {
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

    #[test]
    fn slugs() {
        assert_eq!(slug("Metformin 500 mg"), "metformin-500-mg");
        assert_eq!(slug("  L-Thyroxine "), "l-thyroxine");
        assert_eq!(slug("!!"), "");
    }
}
