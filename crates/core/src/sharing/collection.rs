//! Reading what the consents newly allow from the vault into share items: readings as
//! Observations (streams summarised), closed doses as MedicationAdministrations, each device
//! described by its paired-device record.

use std::collections::BTreeMap;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tend_share::{
    collection, mapping, Category, ConsentSet, DeviceInfo, DoseOutcome, DoseTaken, Measured,
    ShareItem,
};
use tend_vault::SeriesSample;

use super::{CareTeamRecord, ShareOptions};
use crate::{medications::local_day, PairedDevice, Result, Session};

impl Session {
    /// Maps what the consents newly allow into items; returns them and, per category, how far
    /// collection reached.
    pub(super) async fn collect(
        &self,
        record: &CareTeamRecord,
        consents: &ConsentSet,
        options: &ShareOptions,
        now: Timestamp,
    ) -> Result<(Vec<ShareItem>, BTreeMap<Category, Timestamp>)> {
        let devices = self.paired_devices().await?;
        let mut items = Vec::new();
        let mut reached = BTreeMap::new();
        for consent in consents.iter() {
            if consent.category == Category::Reports {
                continue; // sent when the patient sends one (`Session::share_report`)
            }
            let collected = record.collected_until.get(&consent.category).copied();
            if consent.category == Category::MedicationAdherence {
                let from = collected
                    .unwrap_or(Timestamp::MIN)
                    .max(consent.covers_from());
                // Today's doses answered ahead of their time (the evening dose taken at 19:35)
                // go now, with the rest of the day's answers.
                let (_, tomorrow) = local_day(now, &options.zone)?;
                let doses = self
                    .closed_doses(from, tomorrow.timestamp(), &options.zone, now)
                    .await?;
                // Doses due and still open stay for a later sync: collection stops at the first
                // one. Any answered later (sent now) is sent once: its key is kept in `recent`.
                let open = self.first_open_dose(from, now, &options.zone, now).await?;
                reached.insert(consent.category, open.unwrap_or(now));
                items.extend(
                    doses
                        .into_iter()
                        .filter(|d| open.is_none_or(|o| d.measured_at < o)),
                );
                continue;
            }
            let Some((from, until)) =
                collection::window(consent, collected, now, options.summary_period)
            else {
                continue;
            };
            let mut readings = Vec::new();
            for metric in consent.category.metrics() {
                readings.extend(self.vault.read_raw(metric, from, until).await?.data);
            }
            items.extend(observations(&readings, options.summary_period, &devices));
            reached.insert(consent.category, until);
        }
        items.retain(|item| !record.recent.contains_key(&item.key));
        Ok((items, reached))
    }

    /// Taken, skipped and missed doses due in `[from, until)` (a dose due after `now` when
    /// answered ahead of its time), as MedicationAdministrations naming each medication's
    /// strength.
    pub(super) async fn closed_doses(
        &self,
        from: Timestamp,
        until: Timestamp,
        zone: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<ShareItem>> {
        if from >= until {
            return Ok(Vec::new());
        }
        let strengths: BTreeMap<String, Option<String>> = self
            .medications()
            .await?
            .into_iter()
            .map(|m| (m.id, m.details.strength))
            .collect();
        let mut items = Vec::new();
        for dose in self.doses(from, until, zone, now).await? {
            let outcome = match &dose.state {
                tend_meds::DoseState::Taken { at } => DoseOutcome::Taken { at: *at },
                tend_meds::DoseState::Skipped { reason } => DoseOutcome::Skipped {
                    reason: reason.clone(),
                },
                tend_meds::DoseState::Missed => DoseOutcome::Missed,
                _ => continue,
            };
            let Ok(due) = dose.due.parse::<Timestamp>() else {
                continue;
            };
            items.push(mapping::medication_administration(&DoseTaken {
                medication_id: &dose.medication_id,
                medication: &dose.medication,
                strength: strengths
                    .get(&dose.medication_id)
                    .and_then(Option::as_deref),
                due,
                outcome,
            }));
        }
        Ok(items)
    }

    async fn first_open_dose(
        &self,
        from: Timestamp,
        until: Timestamp,
        zone: &TimeZone,
        now: Timestamp,
    ) -> Result<Option<Timestamp>> {
        if from >= until {
            return Ok(None);
        }
        Ok(self
            .doses(from, until, zone, now)
            .await?
            .iter()
            .filter(|d| d.state.is_open())
            .filter_map(|d| d.due.parse::<Timestamp>().ok())
            .min())
    }

    /// Every stored reading as its own Observation, for the whole-history export.
    pub(super) async fn all_observations(&self) -> Result<Vec<ShareItem>> {
        let devices = self.paired_devices().await?;
        let mut readings: Vec<SeriesSample> = Vec::new();
        for series in self.vault.series().await?.data {
            if Category::of(series.metric()).is_none() {
                continue;
            }
            let Some((first, last)) = self.vault.span(&series.key).await? else {
                continue;
            };
            let read = self.vault.read_series(&series.key, first, last).await?;
            readings.extend(read.data.into_iter().map(|sample| SeriesSample {
                series: series.clone(),
                sample,
            }));
        }
        Ok(observations(&readings, None, &devices))
    }
}

/// Observations for stored readings, streams summarised per `period`, each pointing to its
/// device as its paired-device record describes it. The kind of device comes with the series.
fn observations(
    readings: &[SeriesSample],
    period: Option<SignedDuration>,
    devices: &[PairedDevice],
) -> Vec<ShareItem> {
    let measured: Vec<Measured<'_>> = readings
        .iter()
        .map(|s| Measured {
            device: s.series.device(),
            kind: s.series.kind,
            metric: s.series.metric(),
            time: s.sample.time,
            value: s.sample.value,
            unit: s.sample.unit,
        })
        .collect();
    mapping::observations(&measured, period, &|label| device_info(devices, label))
}

/// A device label's FHIR details from the paired-device records (a paired device's series is
/// labelled by its `id`), else the label alone (an import's source name).
fn device_info(devices: &[PairedDevice], label: &str) -> DeviceInfo {
    devices
        .iter()
        .find(|d| d.id == label || d.name == label)
        .map_or_else(
            || DeviceInfo::labelled(label),
            |d| DeviceInfo {
                label: label.to_owned(),
                name: Some(d.name.clone()),
                manufacturer: d.manufacturer.clone(),
                model: d.model.clone(),
                serial: d.serial.clone(),
            },
        )
}
