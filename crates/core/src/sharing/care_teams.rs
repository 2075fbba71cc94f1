//! Care teams: adding one's FHIR endpoint, its access token or SMART sign-in, and each team with
//! its consents and sync state for a settings screen.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use tend_share::{CareTeam, Category, Consent, HttpTransport, Interruption, SignIn};
use tend_vault::RecordKind;

use super::{AuditAction, CareTeamRecord, SmartState};
use crate::{error::Thing, Error, Presence, Result, Session};

/// A new care team's patient reference until its server's sign-in says it; never stored.
const PATIENT_NOT_YET_KNOWN: &str = "Patient/not-yet-known";

/// What the patient enters to add a care team.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CareTeamDetails {
    pub name: String,
    pub base_url: String,
    /// The patient's reference on the care team's server (`Patient/123`).
    pub patient: String,
    /// A bearer token the care team issued, if its server uses one.
    pub bearer_token: Option<String>,
}

/// A care team with its consents and sync state, for a settings screen.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct CareTeamStatus {
    #[serde(flatten)]
    pub team: CareTeam,
    pub consents: Vec<ConsentStatus>,
    /// Items waiting in the outbox.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub queued: u64,
    pub last_sync: Option<LastSync>,
}

/// One category's switch: whether it is on, from when, and in plain words what it shares.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct ConsentStatus {
    pub category: Category,
    pub label: String,
    pub shares: &'static str,
    pub consent: Option<Consent>,
}

/// The end of the last sync.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct LastSync {
    pub at: Timestamp,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub delivered: u64,
    pub interrupted: Option<Interruption>,
}

/// A last sync as kept sealed; one written before interruptions had codes (a sentence) reads as
/// none: it only ever described a past run.
pub(super) fn last_sync_or_none<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> std::result::Result<Option<LastSync>, D::Error> {
    #[derive(Deserialize)]
    struct Stored {
        at: Timestamp,
        delivered: u64,
        #[serde(default)]
        interrupted: serde_json::Value,
    }
    let Some(stored) = Option::<Stored>::deserialize(deserializer)? else {
        return Ok(None);
    };
    Ok(Some(LastSync {
        at: stored.at,
        delivered: stored.delivered,
        interrupted: serde_json::from_value(stored.interrupted).unwrap_or(None),
    }))
}

impl Session {
    /// Adds a care team's FHIR endpoint. Plain http is refused except to this machine.
    pub async fn add_care_team(
        &self,
        details: CareTeamDetails,
        now: Timestamp,
        _: &Presence,
    ) -> Result<CareTeam> {
        let sign_in = if details.bearer_token.is_some() {
            SignIn::Bearer
        } else {
            SignIn::None
        };
        let team = CareTeam::new(&details.name, &details.base_url, &details.patient, sign_in)?;
        if self.care_team_record(&team.id).await.is_ok() {
            return Err(Error::AlreadyExists {
                what: Thing::CareTeam,
                id: team.id,
            });
        }
        let record = CareTeamRecord {
            team: team.clone(),
            bearer_token: details.bearer_token.filter(|t| !t.trim().is_empty()),
            collected_until: BTreeMap::new(),
            last_sync: None,
            smart: None,
            recent: BTreeMap::new(),
        };
        self.vault
            .put_record(RecordKind::CareTeam, &team.id, &record)
            .await?;
        self.audit(
            now,
            AuditAction::CareTeamAdded,
            &team,
            format!("{} at {}", team.name, team.base_url),
        )
        .await?;
        Ok(team)
    }

    /// Replaces the bearer token `team_id`'s server issued (after the old one expired).
    pub async fn set_care_team_token(
        &self,
        team_id: &str,
        token: &str,
        now: Timestamp,
    ) -> Result<()> {
        let mut record = self.care_team_record(team_id).await?;
        record.bearer_token = Some(token.trim().to_owned()).filter(|t| !t.is_empty());
        record.smart = None;
        record.team.sign_in = if record.bearer_token.is_some() {
            SignIn::Bearer
        } else {
            SignIn::None
        };
        self.vault
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        self.audit(
            now,
            AuditAction::CareTeamSignedIn,
            &record.team,
            "a new access token was entered".into(),
        )
        .await
    }

    /// Signs in to `team_id`'s server with SMART App Launch (standalone patient launch):
    /// discovery, authorization code with PKCE, a loopback redirect. `open` gets the address to
    /// open in the patient's browser; the sign-in waits for it up to `wait`. The patient context
    /// from the token response becomes the team's patient reference.
    pub async fn smart_sign_in(
        &self,
        team_id: &str,
        client_id: &str,
        wait: std::time::Duration,
        now: Timestamp,
        open: impl FnOnce(&str),
        _: &Presence,
    ) -> Result<CareTeam> {
        let record = self.care_team_record(team_id).await?;
        self.sign_in_and_store(record, client_id, wait, now, open)
            .await
    }

    /// Adds a care team by signing in to its server (SMART App Launch, as
    /// [`Session::smart_sign_in`]): the patient gives its name and address, the server says which
    /// patient they are. Nothing is stored unless the sign-in succeeds.
    pub async fn add_care_team_by_signing_in(
        &self,
        name: &str,
        base_url: &str,
        client_id: &str,
        wait: std::time::Duration,
        now: Timestamp,
        open: impl FnOnce(&str),
        _: &Presence,
    ) -> Result<CareTeam> {
        let team = CareTeam::new(name, base_url, PATIENT_NOT_YET_KNOWN, SignIn::None)?;
        if self.care_team_record(&team.id).await.is_ok() {
            return Err(Error::AlreadyExists {
                what: Thing::CareTeam,
                id: team.id,
            });
        }
        let record = CareTeamRecord {
            team,
            bearer_token: None,
            collected_until: BTreeMap::new(),
            last_sync: None,
            smart: None,
            recent: BTreeMap::new(),
        };
        self.sign_in_and_store(record, client_id, wait, now, open)
            .await
    }

    async fn sign_in_and_store(
        &self,
        mut record: CareTeamRecord,
        client_id: &str,
        wait: std::time::Duration,
        now: Timestamp,
        open: impl FnOnce(&str),
    ) -> Result<CareTeam> {
        let team_id = record.team.id.clone();
        let http = HttpTransport::new(std::time::Duration::from_secs(30))?;
        let sign_in = tend_share::SmartSignIn::start(&http, &record.team, client_id).await?;
        open(&sign_in.authorize_url);
        let token_endpoint = sign_in.configuration.token_endpoint.clone();
        let tokens = sign_in.finish(&http, wait, now).await?;
        match tokens.patient.clone() {
            Some(patient) => {
                record.team = CareTeam::new(
                    &record.team.name,
                    &record.team.base_url,
                    &patient,
                    SignIn::None,
                )?;
            }
            None if record.team.patient == PATIENT_NOT_YET_KNOWN => {
                return Err(Error::InvalidInput(
                    "the clinic's server did not say which patient you are: add the care team with your patient reference instead".into(),
                ))
            }
            None => {}
        }
        record.team.id = team_id.clone();
        record.team.sign_in = SignIn::Smart {
            client_id: client_id.to_owned(),
        };
        record.bearer_token = Some(tokens.access_token);
        record.smart = Some(SmartState {
            client_id: client_id.to_owned(),
            token_endpoint,
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
        });
        self.vault
            .put_record(RecordKind::CareTeam, &team_id, &record)
            .await?;
        self.audit(
            now,
            AuditAction::CareTeamSignedIn,
            &record.team,
            format!("SMART sign-in as {}", record.team.patient),
        )
        .await?;
        Ok(record.team)
    }

    /// Refreshes a SMART access token; `None` if the team has no refresh token.
    pub(super) async fn refresh_smart_token(
        &self,
        team_id: &str,
        http: &HttpTransport,
        now: Timestamp,
    ) -> Result<Option<String>> {
        let mut record = self.care_team_record(team_id).await?;
        let Some(smart) = record.smart.clone() else {
            return Ok(None);
        };
        let Some(refresh_token) = smart.refresh_token.as_deref() else {
            return Ok(None);
        };
        let tokens = tend_share::smart::refresh(
            http,
            &smart.token_endpoint,
            &smart.client_id,
            refresh_token,
            now,
        )
        .await?;
        record.bearer_token = Some(tokens.access_token.clone());
        record.smart = Some(SmartState {
            refresh_token: tokens.refresh_token,
            expires_at: tokens.expires_at,
            ..smart
        });
        self.vault
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        Ok(Some(tokens.access_token))
    }

    /// Every care team with its consents and sync state.
    pub async fn care_teams(&self) -> Result<Vec<CareTeamStatus>> {
        let records = self
            .vault
            .list_records::<CareTeamRecord>(RecordKind::CareTeam)
            .await?;
        let queued = self.queued_all().await?;
        let mut teams = Vec::new();
        for (_, record) in records {
            let consents = self.consents_of(&record.team.id).await?;
            teams.push(CareTeamStatus {
                consents: Category::ALL
                    .into_iter()
                    .map(|category| ConsentStatus {
                        category,
                        label: category.to_string(),
                        shares: category.describe(),
                        consent: consents.get(category).cloned(),
                    })
                    .collect(),
                queued: queued.iter().filter(|(d, _)| *d == record.team.id).count() as u64,
                last_sync: record.last_sync,
                team: record.team,
            });
        }
        Ok(teams)
    }

    pub(crate) async fn care_team_record(&self, team_id: &str) -> Result<CareTeamRecord> {
        self.vault
            .get_record(RecordKind::CareTeam, team_id)
            .await?
            .ok_or_else(|| Error::not_found(Thing::CareTeam, team_id))
    }
}
