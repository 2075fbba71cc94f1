//! Consent per care team and category: switching sharing on (from now, or with history since a
//! date) and off, each change audited; what a team may see, read fresh from the vault.

use jiff::Timestamp;
use tend_share::{Category, Consent, ConsentScope, ConsentSet};
use tend_vault::RecordKind;

use super::AuditAction;
use crate::{Result, Session};

impl Session {
    /// Switches sharing of `category` with `team_id` on, from now or with history since a date.
    pub async fn give_consent(
        &self,
        team_id: &str,
        category: Category,
        scope: ConsentScope,
        now: Timestamp,
    ) -> Result<Consent> {
        let record = self.care_team_record(team_id).await?;
        let consent = Consent {
            category,
            given_at: now,
            scope,
        };
        self.vault
            .put_record(
                RecordKind::Consent,
                &consent_id(team_id, category),
                &consent,
            )
            .await?;
        let from = match scope {
            ConsentScope::FromNow => "from now on".to_owned(),
            ConsentScope::Since { since } => format!("including history since {since}"),
        };
        self.audit(
            now,
            AuditAction::ConsentGiven,
            &record.team,
            format!("{category}, {from}"),
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
        let was_on = self
            .vault
            .delete_record(RecordKind::Consent, &consent_id(team_id, category))
            .await?;
        let dropped: Vec<i64> = self
            .queued_for(team_id)
            .await?
            .into_iter()
            .filter(|q| q.item.category == category)
            .map(|q| q.id)
            .collect();
        self.vault.delivered_many(&dropped).await?;
        record.collected_until.remove(&category);
        self.vault
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        if was_on {
            self.audit(
                now,
                AuditAction::ConsentRevoked,
                &record.team,
                format!("{category}; {} queued items dropped unsent", dropped.len()),
            )
            .await?;
        }
        Ok(was_on)
    }

    /// The consents `team_id` holds right now.
    pub(super) async fn consents_of(&self, team_id: &str) -> Result<ConsentSet> {
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
