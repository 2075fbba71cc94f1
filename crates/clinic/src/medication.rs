//! Medication: adherence per medication over the period and the doses missed, from the dose
//! records `tend-meds` keeps (taken, skipped, snoozed, missed).

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_meds::{DoseRecord, DoseState};

use crate::Period;

/// A medication the patient takes: its id (the key of its dose records) and the name they gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct NamedMedication {
    pub id: String,
    pub name: String,
}

/// One medication over the period: an element of the report's `medication` array.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct MedicationSummary {
    pub medication_id: String,
    pub medication: String,
    /// Doses due in the period, whatever became of them.
    pub doses: u32,
    pub taken: u32,
    pub on_time: u32,
    pub skipped: u32,
    pub missed: u32,
    /// Still open (due or snoozed, inside their grace window): neither for nor against.
    pub pending: u32,
    /// Taken as a share of settled doses (taken, skipped, missed); `null` when none is settled.
    pub taken_percent: Option<f64>,
    pub on_time_percent: Option<f64>,
    /// The due instants of the missed doses, oldest first.
    pub missed_doses: Vec<Timestamp>,
}

/// Adherence and missed doses per medication, for the doses due in `period` as things stand at
/// `now`. A dose left open past its due time (or snooze) plus `grace` is missed; one taken within
/// `on_time` of its due time is on time (the rules of `tend_meds::adherence`). Medications are
/// listed in the order given; one without doses in the period is left out, and doses of an id not
/// in `medications` are listed under that id.
pub fn medication_summaries(
    medications: &[NamedMedication],
    doses: &[DoseRecord<String>],
    period: Period,
    now: Timestamp,
    grace: SignedDuration,
    on_time: SignedDuration,
) -> Vec<MedicationSummary> {
    let counts = tend_meds::adherence(doses, period.from, period.until, now, grace, on_time);
    let mut order: Vec<(&str, &str)> = medications
        .iter()
        .map(|m| (m.id.as_str(), m.name.as_str()))
        .collect();
    for id in counts.keys() {
        if !medications.iter().any(|m| &m.id == id) {
            order.push((id.as_str(), id.as_str()));
        }
    }
    let grace = grace.max(SignedDuration::ZERO);
    order
        .into_iter()
        .filter_map(|(id, name)| {
            let adherence = counts.get(id)?;
            let mut missed_doses: Vec<Timestamp> = doses
                .iter()
                .filter(|d| d.medication == id && period.contains(d.due))
                .filter(|d| d.state.at(d.due, grace, now) == DoseState::Missed)
                .map(|d| d.due)
                .collect();
            missed_doses.sort();
            let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
            Some(MedicationSummary {
                medication_id: id.to_owned(),
                medication: name.to_owned(),
                doses: count(adherence.settled() + adherence.pending),
                taken: count(adherence.taken),
                on_time: count(adherence.on_time),
                skipped: count(adherence.skipped),
                missed: count(adherence.missed),
                pending: count(adherence.pending),
                taken_percent: adherence.taken_percent(),
                on_time_percent: adherence.on_time_percent(),
                missed_doses,
            })
        })
        .collect()
}
