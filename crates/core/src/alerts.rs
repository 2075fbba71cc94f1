//! Alerts raised when a value left its range: kept sealed in the vault for the in-app list.

use jiff::Timestamp;
use tend_vault::RecordKind;
use tend_vitals::Alert;

use crate::{Result, Session};

/// How many alerts the list keeps; older ones are dropped as new ones come.
const KEEP: usize = 200;

impl Session {
    /// Keeps `alert` for the in-app list.
    pub async fn record_alert(&self, alert: &Alert) -> Result<()> {
        let id = format!("{}@{}", alert.metric, alert.at.as_nanosecond());
        self.vault.put_record(RecordKind::Alert, &id, alert).await?;
        let mut all = self.vault.list_records::<Alert>(RecordKind::Alert).await?;
        if all.len() > KEEP {
            all.sort_by_key(|(_, a)| a.at);
            for (old, _) in &all[..all.len() - KEEP] {
                self.vault.delete_record(RecordKind::Alert, old).await?;
            }
        }
        Ok(())
    }

    /// The alerts since `since`, newest first.
    pub async fn alerts(&self, since: Timestamp) -> Result<Vec<Alert>> {
        let mut alerts: Vec<Alert> = self
            .vault
            .list_records::<Alert>(RecordKind::Alert)
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .filter(|a| a.at >= since)
            .collect();
        alerts.sort_by_key(|a| std::cmp::Reverse(a.at));
        Ok(alerts)
    }
}
