//! The retry and consent logic against a scripted transport, an in-memory store and a fake clock.

use std::sync::Mutex;

use serde_json::json;

use super::*;
use crate::{transport::Answer, Category, Consent, ConsentScope, Result, SignIn};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

#[derive(Default)]
struct Store {
    queue: Mutex<Vec<Queued>>,
    consents: Mutex<Vec<Consent>>,
    delivered: Mutex<Vec<i64>>,
    withheld: Mutex<Vec<i64>>,
    refused: Mutex<Vec<(i64, String)>>,
    tokens: Mutex<Vec<String>>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Store {
    fn remove(&self, ids: &[i64]) {
        lock(&self.queue).retain(|q| !ids.contains(&q.id));
    }
}

impl SyncStore for Store {
    type Error = crate::Error;
    async fn queued(&self) -> Result<Vec<Queued>> {
        Ok(lock(&self.queue).clone())
    }
    async fn consents(&self) -> Result<ConsentSet> {
        Ok(ConsentSet::new(lock(&self.consents).clone()))
    }
    async fn delivered(&self, items: &[&Queued]) -> Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.remove(&ids);
        lock(&self.delivered).extend(ids);
        Ok(())
    }
    async fn withheld(&self, items: &[&Queued]) -> Result<()> {
        let ids: Vec<i64> = items.iter().map(|q| q.id).collect();
        self.remove(&ids);
        lock(&self.withheld).extend(ids);
        Ok(())
    }
    async fn refused(&self, item: &Queued, message: &str) -> Result<()> {
        self.remove(&[item.id]);
        lock(&self.refused).push((item.id, message.to_owned()));
        Ok(())
    }
    async fn retry_later(&self, _items: &[&Queued], _at: Timestamp) -> Result<()> {
        Ok(())
    }
    async fn access_token(&self) -> Result<Option<String>> {
        Ok(Some("old".into()))
    }
    async fn refresh_access_token(&self) -> Result<Option<String>> {
        Ok(lock(&self.tokens).pop())
    }
}

/// Answers from a script; after it runs out, a transaction-response storing every entry.
#[derive(Default)]
struct Script {
    answers: Mutex<Vec<std::result::Result<Answer, TransportError>>>,
    sent: Mutex<Vec<(usize, Option<String>)>>,
}

impl Transport for Script {
    async fn post(&self, request: Post<'_>) -> std::result::Result<Answer, TransportError> {
        let bundle: serde_json::Value = serde_json::from_slice(request.body).expect("json");
        let entries = bundle["entry"].as_array().map_or(0, Vec::len);
        lock(&self.sent).push((entries, request.bearer.map(str::to_owned)));
        let mut answers = lock(&self.answers);
        if !answers.is_empty() {
            return answers.remove(0);
        }
        Ok(ok(entries))
    }
}

fn ok(entries: usize) -> Answer {
    let entry: Vec<_> = (0..entries)
        .map(|_| json!({ "response": { "status": "201 Created" } }))
        .collect();
    Answer {
        status: 200,
        retry_after: None,
        body: json!({ "resourceType": "Bundle", "type": "transaction-response", "entry": entry })
            .to_string()
            .into_bytes(),
    }
}

fn status(
    code: u16,
    retry_after: Option<&str>,
    body: serde_json::Value,
) -> std::result::Result<Answer, TransportError> {
    Ok(Answer {
        status: code,
        retry_after: retry_after.map(str::to_owned),
        body: body.to_string().into_bytes(),
    })
}

struct FakeClock {
    now: Mutex<Timestamp>,
    slept: Mutex<Vec<SignedDuration>>,
}

impl Clock for FakeClock {
    fn now(&self) -> Timestamp {
        *lock(&self.now)
    }
}

impl Timer for FakeClock {
    async fn sleep(&self, duration: SignedDuration) {
        lock(&self.slept).push(duration);
        let mut now = lock(&self.now);
        *now += duration;
    }
}

fn clock() -> FakeClock {
    FakeClock {
        now: Mutex::new(ts("2026-03-02T00:00:00Z")),
        slept: Mutex::new(Vec::new()),
    }
}

fn store(items: usize, categories: &[Category]) -> Store {
    let store = Store::default();
    *lock(&store.queue) = (0..items)
        .map(|i| Queued {
            id: i as i64,
            item: ShareItem {
                key: format!("k{i}"),
                category: Category::HeartRate,
                measured_at: ts("2026-03-01T08:00:00Z") + SignedDuration::from_mins(i as i64),
                device: None,
                resource: json!({ "resourceType": "Observation" }),
            },
        })
        .collect();
    *lock(&store.consents) = categories
        .iter()
        .map(|c| Consent {
            category: *c,
            given_at: ts("2026-01-01T00:00:00Z"),
            scope: ConsentScope::FromNow,
        })
        .collect();
    store
}

fn team() -> CareTeam {
    CareTeam::new("Clinic", "http://127.0.0.1:9", "Patient/p1", SignIn::Bearer).expect("team")
}

async fn run(store: &Store, script: &Script, clock: &FakeClock) -> SyncReport {
    sync(
        &team(),
        store,
        script,
        clock,
        &RetryPolicy::default(),
        &mut |_| {},
    )
    .await
    .expect("sync")
}

#[tokio::test]
async fn everything_goes_in_bounded_bundles() {
    let (store, script, clock) = (
        store(20, &[Category::HeartRate]),
        Script::default(),
        clock(),
    );
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.delivered, 20);
    assert_eq!(report.bundles, 3);
    assert!(lock(&script.sent).iter().all(|(n, _)| *n <= 8));
    assert!(lock(&store.queue).is_empty());
}

#[tokio::test]
async fn server_errors_and_timeouts_back_off_and_retry() {
    let (store, script, clock) = (store(3, &[Category::HeartRate]), Script::default(), clock());
    *lock(&script.answers) = vec![
        status(500, None, json!({})),
        Err(TransportError::Timeout),
        Err(TransportError::Connection("reset".into())),
    ];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.delivered, 3);
    assert_eq!(report.requests, 4);
    let slept = lock(&clock.slept).clone();
    assert_eq!(slept.len(), 3);
    // Upper half of 0.5 s, 1 s, 2 s.
    for (wait, ceiling) in slept.iter().zip([500, 1000, 2000]) {
        let ms = wait.as_millis();
        assert!(
            ms >= ceiling / 2 && ms <= ceiling,
            "{ms} within ({}, {ceiling})",
            ceiling / 2
        );
    }
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let (store, script, clock) = (store(1, &[Category::HeartRate]), Script::default(), clock());
    *lock(&script.answers) = vec![
        status(429, Some("7"), json!({})),
        status(503, Some("Mon, 02 Mar 2026 00:00:20 GMT"), json!({})),
    ];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.delivered, 1);
    assert_eq!(
        *lock(&clock.slept),
        [SignedDuration::from_secs(7), SignedDuration::from_secs(13)]
    );
}

#[tokio::test]
async fn a_refused_item_is_isolated_and_stopped_with_the_servers_message() {
    let (store, script, clock) = (store(3, &[Category::HeartRate]), Script::default(), clock());
    let refusal = json!({ "resourceType": "OperationOutcome", "issue": [{ "severity": "error", "code": "invalid", "diagnostics": "Observation.valueQuantity: bad" }] });
    *lock(&script.answers) = vec![
        status(400, None, refusal.clone()), // the bundle of three
        Ok(ok(1)),                          // item 0 alone
        status(400, None, refusal),         // item 1 alone: the culprit
    ];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.delivered, 2);
    assert_eq!(report.refused, ["Observation.valueQuantity: bad"]);
    assert_eq!(
        *lock(&store.refused),
        [(1, "Observation.valueQuantity: bad".to_owned())]
    );
    assert_eq!(*lock(&store.delivered), [0, 2]);
}

#[tokio::test]
async fn an_unconsented_item_never_reaches_the_wire() {
    let (store, script, clock) = (store(4, &[Category::Glucose]), Script::default(), clock());
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.withheld, 4);
    assert_eq!(report.delivered, 0);
    assert!(lock(&script.sent).is_empty());
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let (store, script, clock) = (store(1, &[Category::HeartRate]), Script::default(), clock());
    *lock(&store.tokens) = vec!["fresh".into()];
    *lock(&script.answers) = vec![status(401, None, json!({}))];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.delivered, 1);
    let bearers: Vec<_> = lock(&script.sent).iter().map(|(_, b)| b.clone()).collect();
    assert_eq!(bearers, [Some("old".to_owned()), Some("fresh".to_owned())]);

    // No way to refresh: the run stops and everything stays queued.
    let (store, script, clock) = (
        self::store(2, &[Category::HeartRate]),
        Script::default(),
        self::clock(),
    );
    *lock(&script.answers) = vec![status(401, None, json!({}))];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.interrupted, Some(Interruption::SignedOut));
    assert_eq!(lock(&store.queue).len(), 2);
}

#[tokio::test]
async fn an_unreachable_server_stops_the_run_and_keeps_the_queue() {
    let (store, script, clock) = (store(2, &[Category::HeartRate]), Script::default(), clock());
    *lock(&script.answers) = (0..10).map(|_| Err(TransportError::Timeout)).collect();
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.interrupted, Some(Interruption::Unreachable));
    assert_eq!(
        report.requests,
        u64::from(RetryPolicy::default().max_attempts)
    );
    assert_eq!(lock(&store.queue).len(), 2);
}

/// Issue 21: a server that keeps asking to wait (under the longest wait a run accepts) held one
/// bundle for half an hour; one run is now bounded in total time, waits included.
#[tokio::test]
async fn a_server_that_keeps_asking_to_wait_holds_a_run_no_longer_than_its_bound() {
    let (store, script, clock) = (store(2, &[Category::HeartRate]), Script::default(), clock());
    *lock(&script.answers) = (0..50)
        .map(|_| status(429, Some("59"), json!({})))
        .collect();
    let report = run(&store, &script, &clock).await;
    assert!(matches!(
        report.interrupted,
        Some(Interruption::ServerBusy { .. })
    ));
    let waited: SignedDuration = lock(&clock.slept).iter().copied().sum();
    assert!(waited <= RetryPolicy::default().max_run, "waited {waited}");
    assert_eq!(
        lock(&store.queue).len(),
        2,
        "what was not sent stays queued"
    );
}

/// Issue 21: an answer far too large is not read: the run stops with a clear reason and keeps
/// the queue (the transport refuses it after `MAX_FHIR_ANSWER` bytes).
#[tokio::test]
async fn an_answer_too_large_stops_the_run_and_keeps_the_queue() {
    let (store, script, clock) = (store(2, &[Category::HeartRate]), Script::default(), clock());
    *lock(&script.answers) = vec![Err(TransportError::TooLarge {
        limit: crate::transport::MAX_FHIR_ANSWER,
    })];
    let report = run(&store, &script, &clock).await;
    assert_eq!(report.interrupted, Some(Interruption::AnswerTooLarge));
    assert_eq!(report.requests, 1, "not retried");
    assert_eq!(lock(&store.queue).len(), 2);
}
