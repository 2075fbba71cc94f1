//! Draining one care team's outbox: consent checked before every bundle, bounded transaction
//! Bundles, timeouts, exponential backoff with jitter, `Retry-After` on 429/503, a 4xx isolating
//! and stopping the one refused item, and an item leaving the outbox only once the server
//! confirmed its entry.

use std::{collections::VecDeque, future::Future};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::{
    bundle::{self, EntryOutcome},
    transport::{Post, Transport, TransportError},
    CareTeam, ConsentSet, ShareItem,
};

/// An outbox item of this care team.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub id: i64,
    pub item: ShareItem,
}

pub use tend_vitals::Clock;

/// A clock that can also wait: retries back off in its time, so tests need not.
pub trait Timer: Clock {
    fn sleep(&self, duration: SignedDuration) -> impl Future<Output = ()> + Send;
}

/// Where the sync keeps its state: the vault, behind the core crate. Its failures keep their
/// own type (and code) through the sync: a tampered vault found mid-sync is reported as such.
pub trait SyncStore: Sync {
    type Error: From<crate::Error> + Send;
    /// Every item queued for this care team, oldest first.
    fn queued(&self) -> impl Future<Output = Result<Vec<Queued>, Self::Error>> + Send;
    /// The consents this care team holds right now (read fresh: a revocation counts at once).
    fn consents(&self) -> impl Future<Output = Result<ConsentSet, Self::Error>> + Send;
    /// The server confirmed these: they leave the outbox and the audit log says so.
    fn delivered(&self, items: &[&Queued]) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Consent no longer covers these: they leave the outbox unsent.
    fn withheld(&self, items: &[&Queued]) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// The server refused this one: it leaves the outbox and the audit log keeps the message.
    fn refused(
        &self,
        item: &Queued,
        message: &str,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// Sending failed for now: try these again from `at`.
    fn retry_later(
        &self,
        items: &[&Queued],
        at: Timestamp,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send;
    /// The access token to send, if the endpoint uses one.
    fn access_token(&self) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;
    /// A fresh access token after the server refused the last one; `None` if there is no way
    /// to get one without the patient signing in again.
    fn refresh_access_token(
        &self,
    ) -> impl Future<Output = Result<Option<String>, Self::Error>> + Send;
}

/// Why a sync run stopped before the outbox was empty. What is left stays queued and goes on
/// the next sync; each shell says it in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Interruption {
    /// The server could not be reached, or kept failing, within one run's attempts.
    Unreachable,
    /// The server refused the sign-in and no fresh token could be had: sign in again.
    SignedOut,
    /// The server asked to wait longer than one run waits.
    ServerBusy {
        #[cfg_attr(feature = "specta", specta(type = u32))]
        retry_after_s: u64,
    },
    /// The server's answer was larger than any answer Tend expects (a server gone wrong, or
    /// hostile): nothing more was read of it.
    AnswerTooLarge,
}

impl std::fmt::Display for Interruption {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Interruption::Unreachable => f.write_str("the care team's server is not reachable"),
            Interruption::SignedOut => f.write_str("the care team's server refused the sign-in"),
            Interruption::ServerBusy { retry_after_s } => {
                write!(f, "the care team's server asked to wait {retry_after_s} s")
            }
            Interruption::AnswerTooLarge => {
                f.write_str("the care team's server sent an answer far too large to read")
            }
        }
    }
}

/// How hard to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Entries per transaction Bundle, devices included.
    pub max_entries: usize,
    /// Attempts at one bundle in one run before the run stops (it resumes next time).
    pub max_attempts: u32,
    pub first_delay: SignedDuration,
    pub max_delay: SignedDuration,
    /// A `Retry-After` longer than this ends the run instead of waiting.
    pub max_retry_after: SignedDuration,
    /// One run never takes longer than this, waits included: a server that keeps asking to
    /// wait holds nothing for long (what is left goes with the next run).
    pub max_run: SignedDuration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_entries: bundle::DEFAULT_MAX_ENTRIES,
            max_attempts: 6,
            first_delay: SignedDuration::from_millis(500),
            max_delay: SignedDuration::from_secs(60),
            max_retry_after: SignedDuration::from_secs(60),
            max_run: SignedDuration::from_mins(3),
        }
    }
}

/// How far a sync has got, for a progress bar.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncProgress {
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub delivered: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub remaining: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bundles: u64,
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bytes_sent: u64,
}

/// What one sync run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct SyncReport {
    /// Resources the server confirmed (devices not counted).
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub delivered: u64,
    /// Queued items dropped unsent because their consent was revoked.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub withheld: u64,
    /// Items the server refused, with its message: they will not be retried.
    pub refused: Vec<String>,
    /// Bundles confirmed by the server.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bundles: u64,
    /// HTTP requests made, retries included.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub requests: u64,
    /// Request bytes sent, retries included.
    #[cfg_attr(feature = "specta", specta(type = u32))]
    pub bytes_sent: u64,
    /// Set when the run stopped early; what is left stays queued and goes next time.
    pub interrupted: Option<Interruption>,
}

/// Sends everything queued for `team` that its consents still allow.
pub async fn sync<S: SyncStore, T: Transport, C: Timer>(
    team: &CareTeam,
    store: &S,
    transport: &T,
    clock: &C,
    policy: &RetryPolicy,
    progress: &mut (dyn FnMut(SyncProgress) + Send),
) -> Result<SyncReport, S::Error> {
    let mut report = SyncReport::default();
    let mut token = store.access_token().await?;
    let mut jitter = Jitter::new(clock.now());
    let deadline = clock.now() + policy.max_run;
    let window = policy.max_entries.max(2);
    loop {
        let mut pending: VecDeque<Queued> = store.queued().await?.into();
        if pending.is_empty() {
            break;
        }
        let before = report.delivered + report.withheld + report.refused.len() as u64;
        // After a refused bundle, its items go one per bundle to find the one refused.
        let mut singles_left = 0usize;
        while !pending.is_empty() {
            // Consent is read fresh before every bundle: a revocation stops the very next one.
            let consents = store.consents().await?;
            let denied: Vec<i64> = pending
                .iter()
                .take(window)
                .filter(|q| {
                    consents
                        .permits(q.item.category, q.item.measured_at)
                        .is_err()
                })
                .map(|q| q.id)
                .collect();
            if !denied.is_empty() {
                let gone: Vec<&Queued> =
                    pending.iter().filter(|q| denied.contains(&q.id)).collect();
                store.withheld(&gone).await?;
                report.withheld += gone.len() as u64;
                pending.retain(|q| !denied.contains(&q.id));
                continue;
            }
            let items: Vec<&ShareItem> = pending.iter().take(window).map(|q| &q.item).collect();
            let planned = bundle::plan(&items, policy.max_entries)
                .first()
                .map_or(1, Vec::len);
            let take = if singles_left > 0 { 1 } else { planned };
            let batch: Vec<Queued> = pending.drain(..take.min(pending.len())).collect();
            let refs: Vec<&Queued> = batch.iter().collect();
            let sent = send_bundle(
                team,
                store,
                transport,
                clock,
                policy,
                &mut report,
                &mut token,
                &mut jitter,
                deadline,
                &refs,
            )
            .await?;
            match sent {
                Sent::Done => singles_left = singles_left.saturating_sub(1),
                Sent::Refused(message) if batch.len() == 1 => {
                    store.refused(&batch[0], &message).await?;
                    report.refused.push(message);
                    singles_left = singles_left.saturating_sub(1);
                }
                Sent::Refused(_) => {
                    singles_left = batch.len();
                    for queued in batch.into_iter().rev() {
                        pending.push_front(queued);
                    }
                }
                Sent::Stop(reason) => {
                    let rest: Vec<&Queued> = batch.iter().chain(pending.iter()).collect();
                    store
                        .retry_later(&rest, clock.now() + policy.max_delay)
                        .await?;
                    report.interrupted = Some(reason);
                    return Ok(report);
                }
            }
            progress(SyncProgress {
                delivered: report.delivered,
                remaining: pending.len() as u64,
                bundles: report.bundles,
                bytes_sent: report.bytes_sent,
            });
        }
        let after = report.delivered + report.withheld + report.refused.len() as u64;
        if after == before {
            break; // nothing moved: do not spin on items the store keeps returning
        }
    }
    Ok(report)
}

enum Sent {
    Done,
    Refused(String),
    Stop(Interruption),
}

/// Sends one bundle until the server confirms it, refuses it, or the run must stop.
#[allow(clippy::too_many_arguments)]
async fn send_bundle<S: SyncStore, T: Transport, C: Timer>(
    team: &CareTeam,
    store: &S,
    transport: &T,
    clock: &C,
    policy: &RetryPolicy,
    report: &mut SyncReport,
    token: &mut Option<String>,
    jitter: &mut Jitter,
    deadline: Timestamp,
    batch: &[&Queued],
) -> Result<Sent, S::Error> {
    let items: Vec<&ShareItem> = batch.iter().map(|q| &q.item).collect();
    let tx = bundle::transaction(&items, team);
    let body = serde_json::to_vec(&tx.bundle)
        .map_err(|_| crate::Error::Protocol("the bundle cannot be written".into()))
        .map_err(S::Error::from)?;
    let entries = tx.bundle["entry"].as_array().map_or(0, Vec::len);
    let mut refreshed = false;
    let mut attempt = 0;
    loop {
        attempt += 1;
        report.requests += 1;
        report.bytes_sent += body.len() as u64;
        let answer = transport
            .post(Post {
                url: &team.base_url,
                body: &body,
                bearer: token.as_deref(),
            })
            .await;
        let wait = match answer {
            Ok(answer) if (200..300).contains(&answer.status) => {
                match bundle::read_response(&answer.body, entries) {
                    Ok(outcomes) => {
                        let mut stored = Vec::new();
                        for (queued, entry) in batch.iter().zip(&tx.entry_of) {
                            match outcomes.get(*entry) {
                                Some(EntryOutcome::Stored) => stored.push(*queued),
                                Some(EntryOutcome::Refused(message)) => {
                                    store.refused(queued, message).await?;
                                    report.refused.push(message.clone());
                                }
                                None => {}
                            }
                        }
                        store.delivered(&stored).await?;
                        report.delivered += stored.len() as u64;
                        report.bundles += 1;
                        return Ok(Sent::Done);
                    }
                    // A garbled answer: the server may or may not have stored it; a replay
                    // is harmless, so try again.
                    Err(_) => backoff(policy, attempt, jitter),
                }
            }
            Ok(answer) if answer.status == 401 => {
                if refreshed {
                    return Ok(Sent::Stop(Interruption::SignedOut));
                }
                refreshed = true;
                match store.refresh_access_token().await? {
                    Some(fresh) => {
                        *token = Some(fresh);
                        attempt -= 1;
                        continue;
                    }
                    None => return Ok(Sent::Stop(Interruption::SignedOut)),
                }
            }
            Ok(answer) if answer.status == 429 || answer.status == 503 => {
                let asked = answer
                    .retry_after
                    .as_deref()
                    .and_then(|h| retry_after(h, clock.now()));
                if let Some(asked) = asked.filter(|d| *d > policy.max_retry_after) {
                    return Ok(Sent::Stop(Interruption::ServerBusy {
                        retry_after_s: asked.as_secs().unsigned_abs(),
                    }));
                }
                asked.unwrap_or_else(|| backoff(policy, attempt, jitter))
            }
            Ok(answer) if (400..500).contains(&answer.status) && answer.status != 408 => {
                let message = serde_json::from_slice(&answer.body)
                    .ok()
                    .and_then(|v| bundle::operation_outcome_message(&v))
                    .unwrap_or_else(|| {
                        format!("the server refused the upload ({})", answer.status)
                    });
                return Ok(Sent::Refused(message));
            }
            Err(TransportError::TooLarge { .. }) => {
                return Ok(Sent::Stop(Interruption::AnswerTooLarge))
            }
            Ok(_) | Err(TransportError::Timeout) | Err(TransportError::Connection(_)) => {
                backoff(policy, attempt, jitter)
            }
        };
        if attempt >= policy.max_attempts {
            return Ok(Sent::Stop(Interruption::Unreachable));
        }
        if clock.now() + wait > deadline {
            return Ok(Sent::Stop(Interruption::ServerBusy {
                retry_after_s: wait.as_secs().unsigned_abs(),
            }));
        }
        clock.sleep(wait).await;
    }
}

/// Exponential backoff with jitter: a random delay in the upper half of `first * 2^(attempt-1)`,
/// capped at `max_delay`.
fn backoff(policy: &RetryPolicy, attempt: u32, jitter: &mut Jitter) -> SignedDuration {
    let factor = 1_i64 << attempt.saturating_sub(1).min(20);
    let ceiling = policy
        .first_delay
        .checked_mul(factor as i32)
        .unwrap_or(policy.max_delay)
        .min(policy.max_delay);
    let half = ceiling / 2;
    half + SignedDuration::from_nanos((jitter.next() % (half.as_nanos().max(1) as u64)) as i64)
}

/// `Retry-After`: delay-seconds or an HTTP date.
fn retry_after(header: &str, now: Timestamp) -> Option<SignedDuration> {
    let header = header.trim();
    if let Ok(seconds) = header.parse::<u32>() {
        return Some(SignedDuration::from_secs(i64::from(seconds)));
    }
    let at = jiff::fmt::rfc2822::parse(header).ok()?.timestamp();
    Some(at.duration_since(now).max(SignedDuration::ZERO))
}

/// A small PRNG (xorshift64*) for jitter, seeded from the clock: no two clients retry in step.
#[derive(Debug)]
struct Jitter(u64);

impl Jitter {
    fn new(now: Timestamp) -> Jitter {
        Jitter((now.as_nanosecond() as u64) | 1)
    }

    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
}

#[cfg(test)]
mod tests;
