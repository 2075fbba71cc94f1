//! The latest reading of each metric, with when and from which device: the tiles on Today.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tend_vault::RecordKind;
use tend_vitals::{Metric, Unit};

use crate::{PairedDevice, Result, Session};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LatestReading {
    pub metric: Metric,
    /// In the unit the patient prefers.
    pub value: f64,
    pub unit: Unit,
    pub time: Timestamp,
    /// The device's id (its Bluetooth address), or the label an import gave; empty when entered
    /// by hand.
    pub device: String,
    /// The paired device's name, when the reading came from one.
    pub device_name: Option<String>,
}

impl Session {
    /// The newest reading of every metric that has one, in the vocabulary's order.
    pub async fn latest_readings(&self) -> Result<Vec<LatestReading>> {
        let preferences = self.preferences().await?;
        let devices: Vec<(String, PairedDevice)> =
            self.vault.list_records(RecordKind::Device).await?;
        let mut latest: Vec<LatestReading> = Vec::new();
        for series in self.vault.series().await?.data {
            let Some((_, last_hour_end)) = self.vault.span(&series.key).await? else {
                continue;
            };
            // The span is in whole hours: the newest reading is in its last hour.
            let read = self
                .vault
                .read_series(
                    &series.key,
                    last_hour_end - SignedDuration::from_hours(1),
                    last_hour_end,
                )
                .await?;
            let Some(sample) = read.data.iter().max_by_key(|s| s.time) else {
                continue;
            };
            if latest
                .iter()
                .any(|l| l.metric == series.metric() && l.time >= sample.time)
            {
                continue;
            }
            let unit = preferences.unit_for(series.metric());
            let Ok(value) = sample.unit.convert(sample.value, unit) else {
                continue;
            };
            latest.retain(|l| l.metric != series.metric());
            latest.push(LatestReading {
                metric: series.metric(),
                value,
                unit,
                time: sample.time,
                device_name: devices
                    .iter()
                    .find(|(_, d)| d.id == series.key.device)
                    .map(|(_, d)| d.name.clone()),
                device: series.key.device,
            });
        }
        latest.sort_by_key(|l| l.metric);
        Ok(latest)
    }
}
