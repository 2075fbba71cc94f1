//! Alerts raised by the clinical rules (`tend_clinic::AlertEvaluator`): kept sealed in the vault
//! for the "Alerts today" list, each with the rule that fired in plain words.

use jiff::Timestamp;
use tend_clinic::ClinicAlert;
use tend_vault::RecordKind;

use crate::{Result, Session};

/// How many alerts the list keeps; older ones are dropped as new ones come.
const KEEP: usize = 200;

impl Session {
    /// Keeps `alert` for the in-app list.
    pub async fn record_alert(&self, alert: &ClinicAlert) -> Result<()> {
        let id = format!("{}@{}", alert.metric, alert.at.as_nanosecond());
        self.vault.put_record(RecordKind::Alert, &id, alert).await?;
        let mut all = self.stored_alerts().await?;
        if all.len() > KEEP {
            all.sort_by_key(|(_, a)| a.at);
            for (old, _) in &all[..all.len() - KEEP] {
                self.vault.delete_record(RecordKind::Alert, old).await?;
            }
        }
        Ok(())
    }

    /// The alerts since `since`, newest first.
    pub async fn alerts(&self, since: Timestamp) -> Result<Vec<ClinicAlert>> {
        let mut alerts: Vec<ClinicAlert> = self
            .stored_alerts()
            .await?
            .into_iter()
            .map(|(_, a)| a)
            .filter(|a| a.at >= since)
            .collect();
        alerts.sort_by_key(|a| std::cmp::Reverse(a.at));
        Ok(alerts)
    }

    /// Every kept alert by its record id. Alerts kept before the clinical rules (they name no
    /// rule) are left out of the list: they only ever described a past reading.
    async fn stored_alerts(&self) -> Result<Vec<(String, ClinicAlert)>> {
        Ok(self
            .vault
            .list_records::<serde_json::Value>(RecordKind::Alert)
            .await?
            .into_iter()
            .filter_map(|(id, value)| Some((id, serde_json::from_value(value).ok()?)))
            .collect())
    }
}
