//! Sharing with the care team, as the shells see it: care-team endpoints, consent per category
//! (every change audited), what the next sync would send, the sync itself with progress, its
//! status, and the log of what was shared when.
//!
//! Consent is enforced here, in the data layer, twice: only consented categories are read from
//! the vault for the outbox, and every queued item is checked again against the consents as they
//! are at that moment before its bundle is sent (`tend_share::sync`).

use std::collections::BTreeMap;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tend_share::{
    bundle, mapping, CareTeam, Category, Consent, ConsentScope, ConsentSet, DeviceInfo,
    DoseOutcome, DoseTaken, HttpTransport, Measured, Queued, RetryPolicy, ShareItem, SignIn,
    SyncProgress, SyncReport, SyncStore, Timer, Transport,
};
use tend_vault::{AuditEntry, RecordKind};
use tend_vitals::Metric;

use crate::{Error, Result, Session};

/// Audit actions that belong to sharing, for the share log.
pub const SHARE_ACTIONS: [&str; 9] = [
    "care_team_added",
    "care_team_signed_in",
    "care_team_removed",
    "consent_given",
    "consent_revoked",
    "shared",
    "withheld",
    "refused",
    "exported",
];

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
    pub interrupted: Option<String>,
}

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
struct CareTeamRecord {
    team: CareTeam,
    bearer_token: Option<String>,
    /// Per category: data measured before this is already in the outbox (or sent).
    collected_until: BTreeMap<Category, Timestamp>,
    last_sync: Option<LastSync>,
    /// Set once the patient signed in with SMART: how to refresh the access token.
    #[serde(default)]
    smart: Option<SmartState>,
    /// Items queued recently, by key, with when they were measured: collection looks back
    /// [`LATE_WINDOW`] for readings stored late (a device's stored records, downloaded when it
    /// came back in range) and skips these.
    #[serde(default)]
    recent: BTreeMap<String, Timestamp>,
}

/// How far back collection looks for readings stored after their time's data was collected.
const LATE_WINDOW: SignedDuration = SignedDuration::from_hours(48);

/// What a SMART sign-in left for refreshing the access token (kept sealed in the vault).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SmartState {
    client_id: String,
    token_endpoint: String,
    refresh_token: Option<String>,
    expires_at: Option<Timestamp>,
}

/// What a queued payload holds.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    item: ShareItem,
}

impl Session {
    /// Adds a care team's FHIR endpoint. Plain http is refused except to this machine.
    pub async fn add_care_team(
        &self,
        details: CareTeamDetails,
        now: Timestamp,
    ) -> Result<CareTeam> {
        let sign_in = if details.bearer_token.is_some() {
            SignIn::Bearer
        } else {
            SignIn::None
        };
        let team = CareTeam::new(&details.name, &details.base_url, &details.patient, sign_in)?;
        if self.care_team_record(&team.id).await.is_ok() {
            return Err(Error::InvalidInput(format!(
                "a care team called `{}` is already there",
                team.id
            )));
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
            "care_team_added",
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
            "care_team_signed_in",
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
    ) -> Result<CareTeam> {
        let mut record = self.care_team_record(team_id).await?;
        let http = HttpTransport::new(std::time::Duration::from_secs(30))?;
        let sign_in = tend_share::SmartSignIn::start(&http, &record.team, client_id).await?;
        open(&sign_in.authorize_url);
        let token_endpoint = sign_in.configuration.token_endpoint.clone();
        let tokens = sign_in.finish(&http, wait, now).await?;
        if let Some(patient) = tokens.patient.clone() {
            record.team = CareTeam::new(
                &record.team.name,
                &record.team.base_url,
                &patient,
                SignIn::None,
            )?;
        }
        record.team.id = team_id.to_owned();
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
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        self.audit(
            now,
            "care_team_signed_in",
            &record.team,
            format!("SMART sign-in as {}", record.team.patient),
        )
        .await?;
        Ok(record.team)
    }

    /// Refreshes a SMART access token; `None` if the team has no refresh token.
    async fn refresh_smart_token(
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
            "consent_given",
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
                "consent_revoked",
                &record.team,
                format!("{category}; {} queued items dropped unsent", dropped.len()),
            )
            .await?;
        }
        Ok(was_on)
    }

    /// The transaction Bundles the next sync to `team_id` would send under today's consents:
    /// what is queued plus what is newly consented and measured, nothing written.
    pub async fn share_preview(
        &self,
        team_id: &str,
        options: &ShareOptions,
        now: Timestamp,
    ) -> Result<Vec<Value>> {
        let record = self.care_team_record(team_id).await?;
        let consents = self.consents_of(team_id).await?;
        let mut items: Vec<ShareItem> = self
            .queued_for(team_id)
            .await?
            .into_iter()
            .map(|q| q.item)
            .collect();
        let queued: std::collections::HashSet<String> =
            items.iter().map(|i| i.key.clone()).collect();
        let (fresh, _) = self.collect(&record, &consents, options, now).await?;
        items.extend(fresh.into_iter().filter(|i| !queued.contains(&i.key)));
        let allowed: Vec<&ShareItem> = items
            .iter()
            .filter(|i| consents.permits(i.category, i.measured_at).is_ok())
            .collect();
        Ok(bundle::plan(&allowed, options.retry.max_entries)
            .iter()
            .map(|group| bundle::transaction(group, &record.team).bundle)
            .collect())
    }

    /// Queues what is newly consented and measured, then sends the outbox to `team_id` over
    /// HTTPS. `progress` is called after each confirmed bundle.
    pub async fn sync_care_team<C: Timer>(
        &self,
        team_id: &str,
        clock: &C,
        options: &ShareOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport> {
        let transport = HttpTransport::new(options.timeout)?;
        self.sync_care_team_with(team_id, &transport, clock, options, progress)
            .await
    }

    /// [`Session::sync_care_team`] over any transport.
    pub async fn sync_care_team_with<T: Transport, C: Timer>(
        &self,
        team_id: &str,
        transport: &T,
        clock: &C,
        options: &ShareOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport> {
        self.queue_for_sharing(team_id, options, clock.now())
            .await?;
        let record = self.care_team_record(team_id).await?;
        let store = OutboxStore {
            session: self,
            team: &record.team,
            clock,
            token: std::sync::Mutex::new(None),
            http: HttpTransport::new(options.timeout)?,
        };
        let report = tend_share::sync(
            &record.team,
            &store,
            transport,
            clock,
            &options.retry,
            progress,
        )
        .await?;
        let mut record = self.care_team_record(team_id).await?;
        record.last_sync = Some(LastSync {
            at: clock.now(),
            delivered: report.delivered,
            interrupted: report.interrupted.clone(),
        });
        self.vault
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        Ok(report)
    }

    /// Reads what `team_id` is newly allowed to see and puts it in the outbox. Returns how many
    /// items were queued.
    pub async fn queue_for_sharing(
        &self,
        team_id: &str,
        options: &ShareOptions,
        now: Timestamp,
    ) -> Result<u64> {
        let mut record = self.care_team_record(team_id).await?;
        let consents = self.consents_of(team_id).await?;
        let (items, reached) = self.collect(&record, &consents, options, now).await?;
        let measured: Vec<(String, Timestamp)> = items
            .iter()
            .map(|i| (i.key.clone(), i.measured_at))
            .collect();
        let payloads = items
            .into_iter()
            .map(|item| {
                let key = item.key.clone();
                serde_json::to_vec(&Payload { item })
                    .map(|p| (key, p))
                    .map_err(|_| Error::InvalidInput("an item cannot be queued".into()))
            })
            .collect::<Result<Vec<_>>>()?;
        let stored = self.vault.enqueue_many(team_id, &payloads, now).await?;
        record.recent.extend(measured);
        record.collected_until.extend(reached);
        // Keys older than any look-back can reach are not needed any more.
        if let Some(oldest) = record.collected_until.values().min() {
            let horizon = *oldest - LATE_WINDOW;
            record
                .recent
                .retain(|_, measured_at| *measured_at >= horizon);
        }
        self.vault
            .put_record(RecordKind::CareTeam, team_id, &record)
            .await?;
        Ok(stored)
    }

    /// The audit entries about sharing, oldest first: what was shared with whom and when, and
    /// every consent change.
    pub async fn share_log(&self) -> Result<Vec<AuditEntry>> {
        Ok(self
            .vault
            .audit_log()
            .await?
            .into_iter()
            .filter(|e| SHARE_ACTIONS.contains(&e.action.as_str()))
            .collect())
    }

    /// Writes the whole history (readings and closed doses) as one FHIR R4 `collection` Bundle.
    /// Readings are exported one Observation each, without summaries.
    pub async fn export_fhir(
        &self,
        out: impl std::io::Write,
        zone: &TimeZone,
        now: Timestamp,
    ) -> Result<u64> {
        let series = self.vault.series().await?;
        let devices = self.device_directory().await?;
        let mut items = Vec::new();
        for category in Category::ALL {
            let mut readings: Vec<(Metric, String, tend_vault::Sample)> = Vec::new();
            for key in series
                .data
                .iter()
                .filter(|k| Category::of(k.metric) == Some(category))
            {
                let Some((first, last)) = self.vault.span(key).await? else {
                    continue;
                };
                let read = self.vault.read_series(key, first, last).await?;
                readings.extend(
                    read.data
                        .into_iter()
                        .map(|s| (key.metric, key.device.clone(), s)),
                );
            }
            items.extend(observations(&readings, None, &devices));
        }
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
                action: "exported".into(),
                counterpart: None,
                summary: format!("FHIR collection Bundle of {count} resources"),
            })
            .await?;
        Ok(count)
    }

    /// Maps what the consents newly allow into items; returns them and, per category, how far
    /// collection reached.
    async fn collect(
        &self,
        record: &CareTeamRecord,
        consents: &ConsentSet,
        options: &ShareOptions,
        now: Timestamp,
    ) -> Result<(Vec<ShareItem>, BTreeMap<Category, Timestamp>)> {
        let devices = self.device_directory().await?;
        let period_ns = options
            .summary_period
            .map_or(1_000_000_000, |p| p.as_nanos().max(1_000_000_000));
        // Streams are summarised over whole periods only: stop at the last complete one.
        let until =
            Timestamp::from_nanosecond(now.as_nanosecond().div_euclid(period_ns) * period_ns)
                .unwrap_or(now);
        let mut items = Vec::new();
        let mut reached = BTreeMap::new();
        for consent in consents.iter() {
            let from = record
                .collected_until
                .get(&consent.category)
                .copied()
                .unwrap_or(Timestamp::MIN)
                .max(consent.covers_from());
            if consent.category == Category::MedicationAdherence {
                let doses = self.closed_doses(from, now, &options.zone, now).await?;
                // Doses still open stay for a later sync: collection stops at the first one.
                let open = self.first_open_dose(from, now, &options.zone, now).await?;
                reached.insert(consent.category, open.unwrap_or(now));
                items.extend(
                    doses
                        .into_iter()
                        .filter(|d| open.is_none_or(|o| d.measured_at < o)),
                );
                continue;
            }
            // Readings stored late (downloaded from a device's memory) are picked up too.
            let from = match record.collected_until.get(&consent.category) {
                Some(collected) => (*collected - LATE_WINDOW).max(consent.covers_from()),
                None => from,
            };
            if from >= until {
                continue;
            }
            let mut readings = Vec::new();
            for metric in consent.category.metrics() {
                let read = self.vault.read_raw(metric, from, until).await?;
                readings.extend(
                    read.data
                        .into_iter()
                        .map(|s| (metric, s.series.device, s.sample)),
                );
            }
            items.extend(observations(&readings, options.summary_period, &devices));
            reached.insert(consent.category, until);
        }
        items.retain(|item| !record.recent.contains_key(&item.key));
        Ok((items, reached))
    }

    /// Taken, skipped and missed doses due in `[from, until)`, as MedicationAdministrations.
    async fn closed_doses(
        &self,
        from: Timestamp,
        until: Timestamp,
        zone: &TimeZone,
        now: Timestamp,
    ) -> Result<Vec<ShareItem>> {
        if from >= until {
            return Ok(Vec::new());
        }
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

    async fn care_team_record(&self, team_id: &str) -> Result<CareTeamRecord> {
        self.vault
            .get_record(RecordKind::CareTeam, team_id)
            .await?
            .ok_or_else(|| {
                Error::InvalidInput(format!(
                    "no care team called `{team_id}` (see `tend share list`)"
                ))
            })
    }

    async fn consents_of(&self, team_id: &str) -> Result<ConsentSet> {
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

    /// Every outbox item, as `(destination, item)`.
    async fn queued_all(&self) -> Result<Vec<(String, Queued)>> {
        let far = Timestamp::MAX;
        let mut items = Vec::new();
        for queued in self.vault.due(far, u32::MAX).await? {
            let Ok(payload) = serde_json::from_slice::<Payload>(&queued.payload) else {
                continue; // not a sharing item
            };
            items.push((
                queued.destination,
                Queued {
                    id: queued.id,
                    item: payload.item,
                },
            ));
        }
        Ok(items)
    }

    async fn queued_for(&self, team_id: &str) -> Result<Vec<Queued>> {
        Ok(self
            .queued_all()
            .await?
            .into_iter()
            .filter(|(d, _)| d == team_id)
            .map(|(_, q)| q)
            .collect())
    }

    /// What the vault's device records say about each device label.
    async fn device_directory(&self) -> Result<Vec<Value>> {
        Ok(self
            .vault
            .list_records::<Value>(RecordKind::Device)
            .await?
            .into_iter()
            .map(|(_, v)| v)
            .collect())
    }

    async fn audit(
        &self,
        at: Timestamp,
        action: &str,
        team: &CareTeam,
        summary: String,
    ) -> Result<()> {
        Ok(self
            .vault
            .audit(&AuditEntry {
                at,
                action: action.into(),
                counterpart: Some(team.name.clone()),
                summary,
            })
            .await?)
    }
}

/// Observations for stored readings `(metric, device label, sample)`, streams summarised per
/// `period`, each pointing to its device as the vault's records describe it.
fn observations(
    readings: &[(Metric, String, tend_vault::Sample)],
    period: Option<SignedDuration>,
    devices: &[Value],
) -> Vec<ShareItem> {
    let measured: Vec<Measured<'_>> = readings
        .iter()
        .map(|(metric, device, s)| Measured {
            device,
            metric: *metric,
            time: s.time,
            value: s.value,
            unit: s.unit,
        })
        .collect();
    mapping::observations(&measured, period, &|label| device_info(devices, label))
}

/// The machine's clock serves sharing too: real waits between retries.
impl Timer for crate::reminders::SystemClock {
    async fn sleep(&self, duration: SignedDuration) {
        if let Ok(duration) = std::time::Duration::try_from(duration) {
            tokio::time::sleep(duration).await;
        }
    }
}

/// The outbox and consents of one care team, as the sync sees them.
struct OutboxStore<'a, C> {
    session: &'a Session,
    team: &'a CareTeam,
    clock: &'a C,
    /// The token last handed out, so a refresh knows whether a new one has been entered.
    token: std::sync::Mutex<Option<String>>,
    /// For refreshing SMART tokens.
    http: HttpTransport,
}

fn store_error(e: impl std::fmt::Display) -> tend_share::Error {
    tend_share::Error::Store(e.to_string())
}

impl<C: Timer> SyncStore for OutboxStore<'_, C> {
    async fn queued(&self) -> tend_share::Result<Vec<Queued>> {
        self.session
            .queued_for(&self.team.id)
            .await
            .map_err(store_error)
    }

    async fn consents(&self) -> tend_share::Result<ConsentSet> {
        self.session
            .consents_of(&self.team.id)
            .await
            .map_err(store_error)
    }

    async fn delivered(&self, items: &[&Queued]) -> tend_share::Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.session
            .vault
            .delivered_many(&ids)
            .await
            .map_err(store_error)?;
        if !items.is_empty() {
            self.session
                .audit(self.clock.now(), "shared", self.team, describe(items))
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn withheld(&self, items: &[&Queued]) -> tend_share::Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.session
            .vault
            .delivered_many(&ids)
            .await
            .map_err(store_error)?;
        self.session
            .audit(
                self.clock.now(),
                "withheld",
                self.team,
                format!("{} (consent revoked before sending)", describe(items)),
            )
            .await
            .map_err(store_error)
    }

    async fn refused(&self, item: &Queued, message: &str) -> tend_share::Result<()> {
        self.session
            .vault
            .delivered_many(&[item.id])
            .await
            .map_err(store_error)?;
        self.session
            .audit(
                self.clock.now(),
                "refused",
                self.team,
                format!("{}: {message}", describe(&[item])),
            )
            .await
            .map_err(store_error)
    }

    async fn retry_later(&self, items: &[&Queued], at: Timestamp) -> tend_share::Result<()> {
        for item in items {
            self.session
                .vault
                .retry_later(item.id, at)
                .await
                .map_err(store_error)?;
        }
        Ok(())
    }

    async fn access_token(&self) -> tend_share::Result<Option<String>> {
        let record = self
            .session
            .care_team_record(&self.team.id)
            .await
            .map_err(store_error)?;
        let now = self.clock.now();
        let expiring = record.smart.as_ref().is_some_and(|s| {
            s.expires_at
                .is_some_and(|at| at <= now + SignedDuration::from_secs(30))
        });
        let token = if expiring {
            match self
                .session
                .refresh_smart_token(&self.team.id, &self.http, now)
                .await
            {
                Ok(Some(fresh)) => Some(fresh),
                _ => record.bearer_token,
            }
        } else {
            record.bearer_token
        };
        *self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = token.clone();
        Ok(token)
    }

    async fn refresh_access_token(&self) -> tend_share::Result<Option<String>> {
        // SMART: the refresh token gets a new access token.
        match self
            .session
            .refresh_smart_token(&self.team.id, &self.http, self.clock.now())
            .await
        {
            Ok(Some(fresh)) => {
                *self
                    .token
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(fresh.clone());
                return Ok(Some(fresh));
            }
            Ok(None) => {}
            Err(_) => return Ok(None), // the refresh token is refused too: sign in again
        }
        // A plain bearer token cannot be refreshed by Tend: only a new one the patient entered
        // since (`set_care_team_token`) counts.
        let used = self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone();
        let current = self.access_token().await?;
        Ok(current.filter(|t| Some(t) != used.as_ref()))
    }
}

/// "3 heart rate, 1 blood pressure (measured 08:00 to 08:20 UTC)": counts and times, no values.
fn describe(items: &[&Queued]) -> String {
    let mut counts: BTreeMap<Category, usize> = BTreeMap::new();
    for q in items {
        *counts.entry(q.item.category).or_default() += 1;
    }
    let parts: Vec<String> = counts.iter().map(|(c, n)| format!("{n} {c}")).collect();
    let first = items.iter().map(|q| q.item.measured_at).min();
    let last = items.iter().map(|q| q.item.measured_at).max();
    match (first, last) {
        (Some(first), Some(last)) => format!("{} (measured {first} to {last})", parts.join(", ")),
        _ => parts.join(", "),
    }
}

fn consent_id(team_id: &str, category: Category) -> String {
    format!("{team_id}/{}", category.as_str())
}

/// A device label's FHIR details from the vault's paired-device records (a series' label is the
/// device's `id`, its Bluetooth address; imports may use its `name`), else the label alone.
fn device_info(devices: &[Value], label: &str) -> DeviceInfo {
    let text = |v: &Value, key: &str| v[key].as_str().map(str::to_owned);
    devices
        .iter()
        .find(|d| {
            ["id", "name"]
                .iter()
                .any(|k| text(d, k).as_deref() == Some(label))
        })
        .map_or_else(
            || DeviceInfo::labelled(label),
            |d| DeviceInfo {
                label: label.to_owned(),
                name: text(d, "name"),
                manufacturer: text(d, "manufacturer"),
                model: text(d, "model"),
                serial: text(d, "serial"),
            },
        )
}

#[cfg(test)]
mod tests;
