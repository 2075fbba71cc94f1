//! Consent per care team and category: switching sharing on (from now, or with history since a
//! date) and off, each change audited; what a team may see, read fresh from the vault.

use jiff::Timestamp;
use tend_share::{Category, Consent, ConsentScope, ConsentSet};
use tend_vault::{RecordChanges, RecordKind};

use super::{audit_entry, AuditAction};
use crate::{Presence, Result, Session};

impl Session {
    /// Switches sharing of `category` with `team_id` on, from now or with history since a date.
    pub async fn give_consent(
        &self,
        team_id: &str,
        category: Category,
        scope: ConsentScope,
        now: Timestamp,
        _: &Presence,
    ) -> Result<Consent> {
        let record = self.care_team_record(team_id).await?;
        let consent = Consent {
            category,
            given_at: now,
            scope,
        };
        let from = match scope {
            ConsentScope::FromNow => "from now on".to_owned(),
            ConsentScope::Since { since } => format!("including history since {since}"),
        };
        // The consent and its audit entry are stored together or not at all.
        self.vault
            .put_record_audited(
                RecordKind::Consent,
                &consent_id(team_id, category),
                &consent,
                &audit_entry(
                    now,
                    AuditAction::ConsentGiven,
                    &record.team,
                    format!("{category}, {from}"),
                ),
            )
            .await?;
        Ok(consent)
    }

    /// Switches sharing of `category` with `team_id` off at once: what is queued for it is
    /// dropped unsent. `false` if it was not on.
    pub async fn revoke_consent(
        &self,
        team_id: &str,
        category: Category,
        now: Timestamp,
    ) -> Result<bool> {
        let mut record = self.care_team_record(team_id).await?;
        let id = consent_id(team_id, category);
        let was_on = self
            .vault
            .get_record::<Consent>(RecordKind::Consent, &id)
            .await?
            .is_some();
        let dropped: Vec<i64> = self
            .queued_for(team_id)
            .await?
            .into_iter()
            .filter(|q| q.item.category == category)
            .map(|q| q.id)
            .collect();
        record.collected_until.remove(&category);
        // The consent's removal, the queue dropped, the team's window and the audit entry are
        // one transaction: all of them happen or none does.
        let mut changes = RecordChanges::new();
        changes.delete(RecordKind::Consent, &id);
        changes.remove_queued(&dropped);
        changes.put(RecordKind::CareTeam, team_id, &record)?;
        if was_on {
            changes.audit(audit_entry(
                now,
                AuditAction::ConsentRevoked,
                &record.team,
                format!("{category}; {} queued items dropped unsent", dropped.len()),
            ));
        }
        self.vault.change_records(changes).await?;
        Ok(was_on)
    }

    /// The consents `team_id` holds right now.
    pub(crate) async fn consents_of(&self, team_id: &str) -> Result<ConsentSet> {
        let mut consents = Vec::new();
        for category in Category::ALL {
            if let Some(consent) = self
                .vault
                .get_record::<Consent>(RecordKind::Consent, &consent_id(team_id, category))
                .await?
            {
                consents.push(consent);
            }
        }
        Ok(ConsentSet::new(consents))
    }
}

fn consent_id(team_id: &str, category: Category) -> String {
    format!("{team_id}/{}", category.as_str())
}
