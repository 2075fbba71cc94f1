//! The outbox: what the next sync would send (preview), queueing what the consents newly allow,
//! and the sync itself over HTTPS, with the sync's view of the vault as its store.

use std::collections::{BTreeMap, HashSet};

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tend_share::{
    bundle, collection::LATE_WINDOW, CareTeam, Category, ConsentSet, HttpTransport, Queued,
    ShareItem, SyncProgress, SyncReport, SyncStore, Timer, Transport,
};
use tend_vault::RecordKind;

use super::{AuditAction, LastSync, ShareOptions};
use crate::{Error, Result, Session};

/// What a queued payload holds.
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    item: ShareItem,
}

impl Session {
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
        let queued: HashSet<String> = items.iter().map(|i| i.key.clone()).collect();
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
            interrupted: report.interrupted,
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

    /// Every outbox item, as `(destination, item)`.
    pub(super) async fn queued_all(&self) -> Result<Vec<(String, Queued)>> {
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

    pub(super) async fn queued_for(&self, team_id: &str) -> Result<Vec<Queued>> {
        Ok(self
            .queued_all()
            .await?
            .into_iter()
            .filter(|(d, _)| d == team_id)
            .map(|(_, q)| q)
            .collect())
    }
}

/// The machine's clock serves sharing too: real waits between retries.
impl Timer for crate::reminders::SystemClock {
    async fn sleep(&self, duration: SignedDuration) {
        if let Ok(duration) = std::time::Duration::try_from(duration) {
            tokio::time::sleep(duration).await;
        }
    }
}

/// The outbox and consents of one care team, as the sync sees them. Its failures are the
/// vault's, with their codes (a tampered outbox is `tampered`, never `internal`).
struct OutboxStore<'a, C> {
    session: &'a Session,
    team: &'a CareTeam,
    clock: &'a C,
    /// The token last handed out, so a refresh knows whether a new one has been entered.
    token: std::sync::Mutex<Option<String>>,
    /// For refreshing SMART tokens.
    http: HttpTransport,
}

impl<C> OutboxStore<'_, C> {
    fn remember(&self, token: Option<String>) {
        *self
            .token
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = token;
    }
}

impl<C: Timer> SyncStore for OutboxStore<'_, C> {
    type Error = Error;

    async fn queued(&self) -> Result<Vec<Queued>> {
        self.session.queued_for(&self.team.id).await
    }

    async fn consents(&self) -> Result<ConsentSet> {
        self.session.consents_of(&self.team.id).await
    }

    async fn delivered(&self, items: &[&Queued]) -> Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.session.vault.delivered_many(&ids).await?;
        if !items.is_empty() {
            self.session
                .audit(
                    self.clock.now(),
                    AuditAction::Shared,
                    self.team,
                    describe(items),
                )
                .await?;
        }
        Ok(())
    }

    async fn withheld(&self, items: &[&Queued]) -> Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.session.vault.delivered_many(&ids).await?;
        self.session
            .audit(
                self.clock.now(),
                AuditAction::Withheld,
                self.team,
                format!("{} (consent revoked before sending)", describe(items)),
            )
            .await
    }

    async fn refused(&self, item: &Queued, message: &str) -> Result<()> {
        self.session.vault.delivered_many(&[item.id]).await?;
        self.session
            .audit(
                self.clock.now(),
                AuditAction::Refused,
                self.team,
                format!("{}: {message}", describe(&[item])),
            )
            .await
    }

    async fn retry_later(&self, items: &[&Queued], at: Timestamp) -> Result<()> {
        for item in items {
            self.session.vault.retry_later(item.id, at).await?;
        }
        Ok(())
    }

    async fn access_token(&self) -> Result<Option<String>> {
        let record = self.session.care_team_record(&self.team.id).await?;
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
        self.remember(token.clone());
        Ok(token)
    }

    async fn refresh_access_token(&self) -> Result<Option<String>> {
        // SMART: the refresh token gets a new access token.
        match self
            .session
            .refresh_smart_token(&self.team.id, &self.http, self.clock.now())
            .await
        {
            Ok(Some(fresh)) => {
                self.remember(Some(fresh.clone()));
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
