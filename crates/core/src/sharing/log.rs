//! The share log: what was shared with whom and when, and every consent change, from the audit
//! log, with each entry's action as a type the shells switch on.

use jiff::Timestamp;
use serde::Serialize;

use crate::{Result, Session};

/// What an audit entry about sharing records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    CareTeamAdded,
    CareTeamSignedIn,
    CareTeamRemoved,
    ConsentGiven,
    ConsentRevoked,
    /// The server confirmed what was sent.
    Shared,
    /// Queued items dropped unsent because their consent was revoked.
    Withheld,
    /// The server refused an item for good.
    Refused,
    /// The whole history was written to a file.
    Exported,
}

impl AuditAction {
    pub const ALL: [AuditAction; 9] = [
        AuditAction::CareTeamAdded,
        AuditAction::CareTeamSignedIn,
        AuditAction::CareTeamRemoved,
        AuditAction::ConsentGiven,
        AuditAction::ConsentRevoked,
        AuditAction::Shared,
        AuditAction::Withheld,
        AuditAction::Refused,
        AuditAction::Exported,
    ];

    /// The name kept in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::CareTeamAdded => "care_team_added",
            AuditAction::CareTeamSignedIn => "care_team_signed_in",
            AuditAction::CareTeamRemoved => "care_team_removed",
            AuditAction::ConsentGiven => "consent_given",
            AuditAction::ConsentRevoked => "consent_revoked",
            AuditAction::Shared => "shared",
            AuditAction::Withheld => "withheld",
            AuditAction::Refused => "refused",
            AuditAction::Exported => "exported",
        }
    }

    fn named(name: &str) -> Option<AuditAction> {
        AuditAction::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One entry of the share log. The summary counts and dates; it never holds values.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ShareLogEntry {
    pub at: Timestamp,
    pub action: AuditAction,
    /// The care team, when the entry is about one.
    pub counterpart: Option<String>,
    pub summary: String,
}

impl Session {
    /// The audit entries about sharing, oldest first: what was shared with whom and when, and
    /// every consent change.
    pub async fn share_log(&self) -> Result<Vec<ShareLogEntry>> {
        Ok(self
            .vault
            .audit_log()
            .await?
            .into_iter()
            .filter_map(|e| {
                Some(ShareLogEntry {
                    action: AuditAction::named(&e.action)?,
                    at: e.at,
                    counterpart: e.counterpart,
                    summary: e.summary,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_round_trip_and_match_serde() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::named(action.as_str()), Some(action));
            assert_eq!(
                serde_json::to_value(action).ok(),
                Some(serde_json::Value::from(action.as_str()))
            );
        }
    }
}
