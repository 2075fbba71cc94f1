//! Sharing with the care team, as the shells see it: care-team endpoints and sign-in
//! (`care_teams`), consent per category with every change audited (`consent`), reading what the
//! consents newly allow into items (`collection`), the outbox and its sync (`outbox`), the
//! whole-history FHIR export (`export`) and the log of what was shared when (`log`).
//!
//! Consent is enforced here, in the data layer, twice: only consented categories are read from
//! the vault for the outbox, and every queued item is checked again against the consents as they
//! are at that moment before its bundle is sent (`tend_share::sync`).

mod care_teams;
mod collection;
mod consent;
mod export;
mod log;
mod outbox;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use tend_share::{CareTeam, Category, RetryPolicy};
use tend_vault::AuditEntry;

use crate::{Result, Session};

pub use care_teams::{CareTeamDetails, CareTeamStatus, ConsentStatus, LastSync};
pub use log::{AuditAction, ShareLogEntry};

/// How sharing reads and sends.
#[derive(Debug, Clone)]
pub struct ShareOptions {
    /// Streams (1 Hz heart rate, CGM) are summarised per this period; `None` sends every
    /// reading as its own Observation.
    pub summary_period: Option<SignedDuration>,
    pub retry: RetryPolicy,
    /// Each request gives up after this long.
    pub timeout: std::time::Duration,
    /// The zone doses are planned in (the patient's, for medication adherence).
    pub zone: TimeZone,
}

impl Default for ShareOptions {
    fn default() -> Self {
        ShareOptions {
            summary_period: Some(SignedDuration::from_mins(5)),
            retry: RetryPolicy::default(),
            timeout: std::time::Duration::from_secs(30),
            zone: TimeZone::UTC,
        }
    }
}

/// The sealed care-team record: the endpoint, its token and how far collection has got.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CareTeamRecord {
    pub(crate) team: CareTeam,
    pub(crate) bearer_token: Option<String>,
    /// Per category: data measured before this is already in the outbox (or sent).
    collected_until: BTreeMap<Category, Timestamp>,
    #[serde(default, deserialize_with = "care_teams::last_sync_or_none")]
    last_sync: Option<LastSync>,
    /// Set once the patient signed in with SMART: how to refresh the access token.
    #[serde(default)]
    smart: Option<SmartState>,
    /// Items queued recently, by key, with when they were measured: collection looks back
    /// [`tend_share::collection::LATE_WINDOW`] for readings stored late and skips these.
    #[serde(default)]
    recent: BTreeMap<String, Timestamp>,
}

/// What a SMART sign-in left for refreshing the access token (kept sealed in the vault).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SmartState {
    client_id: String,
    token_endpoint: String,
    refresh_token: Option<String>,
    expires_at: Option<Timestamp>,
}

impl Session {
    /// Writes one sharing entry to the audit log.
    pub(crate) async fn audit(
        &self,
        at: Timestamp,
        action: AuditAction,
        team: &CareTeam,
        summary: String,
    ) -> Result<()> {
        Ok(self
            .vault
            .audit(&audit_entry(at, action, team, summary))
            .await?)
    }
}

/// The audit entry for `action` with `team`.
pub(super) fn audit_entry(
    at: Timestamp,
    action: AuditAction,
    team: &CareTeam,
    summary: String,
) -> AuditEntry {
    AuditEntry {
        at,
        action: action.as_str().into(),
        counterpart: Some(team.name.clone()),
        summary,
    }
}
