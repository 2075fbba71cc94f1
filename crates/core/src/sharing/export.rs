//! The whole history as one FHIR R4 `collection` Bundle: every reading its own Observation and
//! every closed dose a MedicationAdministration.

use jiff::{tz::TimeZone, Timestamp};
use tend_share::bundle;
use tend_vault::AuditEntry;

use super::AuditAction;
use crate::{Error, Presence, Result, Session};

impl Session {
    /// Writes the whole history (readings and closed doses) as one FHIR R4 `collection` Bundle.
    /// Readings are exported one Observation each, without summaries; summaries an import
    /// brought come as the summary Observations they were.
    pub async fn export_fhir(
        &self,
        out: impl std::io::Write,
        zone: &TimeZone,
        now: Timestamp,
        _: &Presence,
    ) -> Result<u64> {
        let mut items = self.all_observations().await?;
        items.extend(self.imported_summary_items().await?);
        items.extend(
            self.closed_doses(Timestamp::UNIX_EPOCH, now, zone, now)
                .await?,
        );
        let count = items.len() as u64;
        let bundle = bundle::collection(
            &items,
            serde_json::json!({ "resourceType": "Patient", "active": true }),
            &now.to_string(),
        );
        serde_json::to_writer(out, &bundle)
            .map_err(|e| Error::InvalidInput(format!("cannot write the export: {e}")))?;
        self.vault
            .audit(&AuditEntry {
                at: now,
                action: AuditAction::Exported.as_str().into(),
                counterpart: None,
                summary: format!("FHIR collection Bundle of {count} resources"),
            })
            .await?;
        Ok(count)
    }
}
