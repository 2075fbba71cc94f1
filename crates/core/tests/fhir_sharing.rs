//! Sharing against a real FHIR R4 server on loopback (Medplum's router behind
//! `tests/fhir-server/server.mjs`, started by `tend-testkit` as a child process), with the faults a real
//! network brings: 500s, timeouts, 429/503 with Retry-After, a connection dropped mid-answer,
//! consent revoked and a token expired mid-sync, a restart half-way. Each ends with every
//! consented reading on the server exactly once and nothing else there. Every Bundle Tend sends
//! or exports is also checked by an independent R4 validator (`validate.mjs`, FHIR.js).
#![allow(clippy::expect_used, clippy::unwrap_used)] // test code: a panic is a failed test

use std::{
    collections::BTreeSet,
    io::{Read, Write},
    net::TcpStream,
    path::Path,
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};
use serde_json::{json, Value};
use tend_core::share::{
    Answer, Category, Clock, ConsentScope, HttpTransport, Interruption, Post, RetryPolicy, Timer,
    Transport, TransportError,
};
use tend_core::{AuditAction, CareTeamDetails, KeySource, Passphrase, Session, ShareOptions, Tend};
use tend_testkit::{Fault, FhirServer};

const PASSPHRASE: &str = "fhir test passphrase";

/// Panics with the independent validator's findings if any of `bundles` is not valid R4.
fn validate(bundles: &[Value]) {
    if let Err(invalid) = tend_testkit::validate(bundles) {
        panic!("{invalid}");
    }
}

/// The real HTTP transport, keeping every body it sends for validation.
#[derive(Clone)]
struct Recording {
    inner: HttpTransport,
    sent: Arc<Mutex<Vec<Value>>>,
}

impl Recording {
    fn new(timeout: Duration) -> Recording {
        Recording {
            inner: HttpTransport::new(timeout).expect("client"),
            sent: Arc::default(),
        }
    }

    fn validate_sent(&self) {
        let mut sent = self.sent.lock().unwrap().clone();
        sent.dedup();
        validate(&sent);
    }
}

impl Transport for Recording {
    async fn post(&self, request: Post<'_>) -> Result<Answer, TransportError> {
        self.sent
            .lock()
            .unwrap()
            .push(serde_json::from_slice(request.body).expect("JSON body"));
        self.inner.post(request).await
    }
}

/// Real time, starting at a fixed instant (the data's "now").
struct TestClock {
    start: Timestamp,
    started: std::time::Instant,
}

impl TestClock {
    fn at(start: Timestamp) -> TestClock {
        TestClock {
            start,
            started: std::time::Instant::now(),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> Timestamp {
        self.start + SignedDuration::try_from(self.started.elapsed()).expect("elapsed")
    }
}

impl Timer for TestClock {
    async fn sleep(&self, duration: SignedDuration) {
        tokio::time::sleep(duration.try_into().expect("positive")).await;
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn now() -> Timestamp {
    ts("2026-03-02T00:00:00Z")
}

/// 100 minutes of 1 Hz heart rate (20 five-minute summaries), then blood pressure, temperature,
/// SpO2 (never consented here) and a weighing.
const SPOTS: &str = "2026-03-01T10:00:00Z,systolic,121,mm[Hg],cuff
2026-03-01T10:00:00Z,diastolic,79,mm[Hg],cuff
2026-03-01T10:30:00Z,systolic,118,mm[Hg],cuff
2026-03-01T10:30:00Z,diastolic,77,mm[Hg],cuff
2026-03-01T11:00:00Z,body_temperature,36.9,Cel,
2026-03-01T11:05:00Z,spo2,97,%,oximeter
2026-03-01T11:10:00Z,weight,71.4,kg,scale
2026-03-01T11:10:00Z,bmi,22.6,kg/m2,scale
";

async fn profile(dir: &Path) -> Session {
    let tend = Tend::new(dir.join("profile"));
    let session = tend
        .create(KeySource::Passphrase(
            Passphrase::new(PASSPHRASE).expect("passphrase"),
        ))
        .await
        .expect("vault");
    let mut csv = String::from("time,metric,value,unit,device\n");
    let start = ts("2026-03-01T08:00:00Z");
    for s in 0..6000 {
        let t = start + SignedDuration::from_secs(s);
        csv.push_str(&format!("{t},heart_rate,{},/min,Polar H10\n", 60 + s % 30));
    }
    csv.push_str(SPOTS);
    let file = dir.join("history.csv");
    std::fs::write(&file, csv).expect("write");
    session.import_file(&file, start).await.expect("import");
    session
}

async fn reopen(dir: &Path) -> Session {
    Tend::new(dir.join("profile"))
        .unlock(KeySource::Passphrase(
            Passphrase::new(PASSPHRASE).expect("passphrase"),
        ))
        .await
        .expect("unlock")
}

/// Adds the server as a care team with heart rate, blood pressure, temperature and weight
/// consented since the start of the data (not SpO2).
async fn care_team(session: &Session, server: &FhirServer, token: Option<&str>) -> String {
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Test Clinic".into(),
                base_url: server.url(),
                patient: "Patient/pat-1".into(),
                bearer_token: token.map(str::to_owned),
            },
            now(),
            &session.opened_by_the_patient(),
        )
        .await
        .expect("care team");
    for category in [
        Category::HeartRate,
        Category::BloodPressure,
        Category::Temperature,
        Category::WeightAndBodyComposition,
    ] {
        session
            .give_consent(
                &team.id,
                category,
                ConsentScope::Since {
                    since: ts("2026-03-01T00:00:00Z"),
                },
                now(),
                &session.opened_by_the_patient(),
            )
            .await
            .expect("consent");
    }
    team.id
}

fn options() -> ShareOptions {
    ShareOptions {
        timeout: Duration::from_millis(1500),
        retry: RetryPolicy {
            first_delay: SignedDuration::from_millis(50),
            max_delay: SignedDuration::from_millis(400),
            max_attempts: 8,
            ..RetryPolicy::default()
        },
        ..ShareOptions::default()
    }
}

/// The identifiers in `bundles` of resources of `resource_type`.
fn identifiers_in(bundles: &[Value], resource_type: &str) -> BTreeSet<String> {
    bundles
        .iter()
        .flat_map(|b| b["entry"].as_array().cloned().unwrap_or_default())
        .filter(|e| e["resource"]["resourceType"] == resource_type)
        .map(|e| {
            e["resource"]["identifier"][0]["value"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

/// The server holds each of `expected` exactly once, and nothing else.
fn assert_exactly_once(server: &FhirServer, resource_type: &str, expected: &BTreeSet<String>) {
    let mut stored = server.identifiers(resource_type).expect("stored resources");
    stored.sort();
    let unique: BTreeSet<String> = stored.iter().cloned().collect();
    assert_eq!(
        stored.len(),
        unique.len(),
        "{resource_type}: duplicates on the server"
    );
    assert_eq!(
        &unique, expected,
        "{resource_type}: the server holds exactly what was consented"
    );
}

/// Previews, then syncs with `fault` injected, then checks the server and the vault.
async fn sync_through(fault: Option<(Fault, u32, u32)>) {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let preview = session
        .share_preview(&team, &options(), now())
        .await
        .expect("preview");
    validate(&preview);
    let expected = identifiers_in(&preview, "Observation");
    assert_eq!(
        expected.len(),
        20 + 2 + 1 + 2,
        "20 summaries, 2 BP panels, 1 temperature, weight + BMI"
    );
    assert!(preview
        .iter()
        .all(|b| b["entry"].as_array().map_or(0, Vec::len) <= 8));

    if let Some((fault, count, retry_after)) = fault {
        server
            .fail_next(fault, count, retry_after)
            .expect("fault queued");
    }
    let transport = Recording::new(options().timeout);
    let report = session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert_eq!(report.interrupted, None);
    assert_eq!(report.delivered as usize, expected.len());
    if fault.is_some() {
        assert!(
            report.requests > report.bundles,
            "the fault was met and retried: {report:?}"
        );
    }
    assert_exactly_once(&server, "Observation", &expected);
    assert_exactly_once(&server, "Device", &identifiers_in(&preview, "Device"));
    transport.validate_sent();

    // Nothing is left, and a second sync sends nothing.
    let again = session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync again");
    assert_eq!((again.delivered, again.requests), (0, 0));
    let log = session.share_log().await.expect("log");
    assert!(log.iter().any(|e| e.action == AuditAction::Shared));
    session.close().await.expect("close");
}

#[tokio::test]
async fn sync_sends_every_consented_reading_once() {
    sync_through(None).await;
}

#[tokio::test]
async fn server_errors_are_retried() {
    sync_through(Some((Fault::ServerError, 3, 0))).await;
}

#[tokio::test]
async fn rate_limits_wait_for_retry_after() {
    sync_through(Some((Fault::RateLimited, 2, 1))).await;
}

#[tokio::test]
async fn unavailability_waits_for_retry_after() {
    sync_through(Some((Fault::Unavailable, 1, 1))).await;
}

#[tokio::test]
async fn a_timeout_after_the_server_stored_creates_no_duplicate() {
    sync_through(Some((Fault::HangAfterStoring, 2, 0))).await;
}

#[tokio::test]
async fn a_timeout_before_the_server_stored_loses_nothing() {
    sync_through(Some((Fault::HangBeforeStoring, 1, 0))).await;
}

#[tokio::test]
async fn a_connection_dropped_mid_answer_creates_no_duplicate() {
    sync_through(Some((Fault::DropMidAnswer, 3, 0))).await;
}

#[tokio::test]
async fn a_replayed_bundle_creates_nothing_new() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let preview = session
        .share_preview(&team, &options(), now())
        .await
        .expect("preview");
    let transport = HttpTransport::new(Duration::from_secs(5)).expect("client");
    for _ in 0..2 {
        for bundle in &preview {
            let body = bundle.to_string();
            let answer = transport
                .post(Post {
                    url: &server.url(),
                    body: body.as_bytes(),
                    bearer: None,
                })
                .await
                .expect("answer");
            assert_eq!(answer.status, 200);
        }
    }
    // And Tend's own sync after that adds nothing either.
    session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert_exactly_once(
        &server,
        "Observation",
        &identifiers_in(&preview, "Observation"),
    );
    session.close().await.expect("close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_revoked_mid_sync_stops_the_rest() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let preview = session
        .share_preview(&team, &options(), now())
        .await
        .expect("preview");
    // The first bundle holds the device and the first 7 heart-rate summaries.
    let first = identifiers_in(&preview[..1], "Observation");
    assert_eq!(first.len(), 7);

    // After the first confirmed bundle, another session (the UI, say) revokes heart rate.
    let (revoke, revoked) = (
        std::sync::mpsc::channel::<()>(),
        std::sync::mpsc::channel::<()>(),
    );
    let (to_revoker, from_sync) = revoke;
    let (to_sync, done) = revoked;
    let path = dir.path().to_owned();
    let team_id = team.clone();
    let revoker = tokio::spawn(async move {
        tokio::task::spawn_blocking(move || from_sync.recv())
            .await
            .expect("join")
            .expect("signal");
        let other = reopen(&path).await;
        assert!(other
            .revoke_consent(&team_id, Category::HeartRate, now())
            .await
            .expect("revoke"));
        other.close().await.expect("close");
        to_sync.send(()).expect("signal");
    });
    let mut bundles = 0;
    let mut progress = move |_| {
        bundles += 1;
        if bundles == 1 {
            to_revoker.send(()).expect("signal");
            done.recv().expect("revoked");
        }
    };
    let report = session
        .sync_care_team_with(
            &team,
            &HttpTransport::new(options().timeout).expect("client"),
            &TestClock::at(now()),
            &options(),
            &mut progress,
        )
        .await
        .expect("sync");
    revoker.await.expect("revoker");
    assert_eq!(report.interrupted, None);

    let mut expected = first;
    expected.extend(
        identifiers_in(&preview, "Observation")
            .into_iter()
            .filter(|id| !id.contains(".heart_rate.")),
    );
    assert_exactly_once(&server, "Observation", &expected);
    let log = session.share_log().await.expect("log");
    assert!(log.iter().any(|e| e.action == AuditAction::ConsentRevoked));
    assert!(session.care_teams().await.expect("teams")[0].queued == 0);
    session.close().await.expect("close");
}

#[tokio::test]
async fn a_token_expired_mid_sync_resumes_after_signing_in_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    server.require_token("first-token").expect("token set");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, Some("first-token")).await;
    let expected = identifiers_in(
        &session
            .share_preview(&team, &options(), now())
            .await
            .expect("preview"),
        "Observation",
    );

    let mut bundles = 0;
    let mut progress = |_| {
        bundles += 1;
        if bundles == 2 {
            // The server's token expires: it now only takes a new one.
            server.require_token("second-token").expect("token set");
        }
    };
    let transport = Recording::new(options().timeout);
    let report = session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut progress,
        )
        .await
        .expect("sync");
    assert_eq!(
        report.interrupted,
        Some(Interruption::SignedOut),
        "{report:?}"
    );
    assert!(report.delivered > 0 && (report.delivered as usize) < expected.len());

    session
        .set_care_team_token(&team, "second-token", now())
        .await
        .expect("token");
    let report = session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert_eq!(report.interrupted, None);
    assert_exactly_once(&server, "Observation", &expected);
    transport.validate_sent();
    session.close().await.expect("close");
}

#[tokio::test]
async fn a_sync_cut_short_resumes_after_a_restart() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let expected = identifiers_in(
        &session
            .share_preview(&team, &options(), now())
            .await
            .expect("preview"),
        "Observation",
    );
    // The server goes away for longer than one run is willing to wait.
    server
        .fail_next(Fault::ServerError, 100, 0)
        .expect("fault queued");
    let first = session
        .sync_care_team_with(
            &team,
            &Recording::new(options().timeout),
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert!(first.interrupted.is_some());
    assert_eq!(first.delivered, 0);
    session.close().await.expect("close");
    server.reset().expect("reset");

    // Later, after a restart: the outbox is still there and goes out once.
    let session = reopen(dir.path()).await;
    assert_eq!(
        session.care_teams().await.expect("teams")[0].queued as usize,
        expected.len()
    );
    let report = session
        .sync_care_team_with(
            &team,
            &Recording::new(options().timeout),
            &TestClock::at(now()),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert_eq!(report.interrupted, None);
    assert_exactly_once(&server, "Observation", &expected);
    session.close().await.expect("close");
}

#[tokio::test]
async fn the_fhir_export_is_a_valid_collection() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = profile(dir.path()).await;
    let mut out = Vec::new();
    let count = session
        .export_fhir(
            &mut out,
            &jiff::tz::TimeZone::UTC,
            now(),
            &session.opened_by_the_patient(),
        )
        .await
        .expect("export");
    let bundle: Value = serde_json::from_slice(&out).expect("JSON");
    assert_eq!(bundle["type"], "collection");
    // Every reading its own Observation: 6000 heart rate, 2 panels, temperature, SpO2, weight, BMI.
    assert_eq!(count, 6000 + 2 + 1 + 1 + 2);
    validate(&[bundle]);
    session.close().await.expect("close");
}

/// The export of the whole history with a medication: its doses since it was added, taken and
/// missed, and one the patient recorded from before it was added; never the earlier doses nobody
/// recorded (a schedule started days before was sent as days of doses not taken).
#[tokio::test]
async fn the_fhir_export_holds_the_doses_since_added_and_those_recorded_before() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = profile(dir.path()).await;
    let details: tend_core::MedicationDetails = serde_json::from_value(json!({
        "name": "Metformin", "strength": "500 mg", "form": null, "instructions": null,
        "schedule": { "times": ["08:00", "20:00"], "start": "2026-02-26" },
        "home_zone": null, "pills_on_hand": null, "pills_per_dose": 1, "refill_at": null,
    }))
    .expect("details");
    let utc = jiff::tz::TimeZone::UTC;
    let medication = session
        .add_medication(details, ts("2026-03-01T00:00:00Z"))
        .await
        .expect("medication");
    for due in ["2026-02-27T08:00:00Z", "2026-03-01T08:00:00Z"] {
        let taken = tend_core::meds::DoseState::Taken { at: ts(due) };
        session
            .record_dose(&medication.id, ts(due), taken, &utc, now())
            .await
            .expect("taken");
    }
    let mut out = Vec::new();
    let count = session
        .export_fhir(&mut out, &utc, now(), &session.opened_by_the_patient())
        .await
        .expect("the export of a history with a medication");
    let bundle: Value = serde_json::from_slice(&out).expect("JSON");
    let mut doses: Vec<&str> = bundle["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|e| e["resource"]["resourceType"] == "MedicationAdministration")
        .filter_map(|e| e["resource"]["status"].as_str())
        .collect();
    // Taken on Feb 27 (recorded) and Mar 1 at 08:00, missed at 20:00; the readings beside them.
    doses.sort_unstable();
    assert_eq!(doses, ["completed", "completed", "not-done"]);
    assert_eq!(count, 6000 + 2 + 1 + 1 + 2 + 3);
    validate(&[bundle]);
    session.close().await.expect("close");
}

#[tokio::test]
async fn doses_arrive_as_medication_administrations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let details: tend_core::MedicationDetails = serde_json::from_value(json!({
        "name": "Metformin 500 mg", "strength": null, "form": null, "instructions": null,
        "schedule": { "times": ["08:00", "20:00"], "start": "2026-03-01" },
        "home_zone": null, "pills_on_hand": null, "pills_per_dose": 1, "refill_at": null,
    }))
    .expect("details");
    let medication = session
        .add_medication(details, ts("2026-03-01T00:00:00Z"))
        .await
        .expect("medication");
    let utc = jiff::tz::TimeZone::UTC;
    session
        .record_dose(
            &medication.id,
            ts("2026-03-01T08:00:00Z"),
            tend_core::meds::DoseState::Taken {
                at: ts("2026-03-01T08:05:00Z"),
            },
            &utc,
            ts("2026-03-01T08:05:00Z"),
        )
        .await
        .expect("taken");
    // The 20:00 dose is never recorded: by midnight it is missed.
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Pharmacy".into(),
                base_url: server.url(),
                patient: "Patient/pat-2".into(),
                bearer_token: None,
            },
            now(),
            &session.opened_by_the_patient(),
        )
        .await
        .expect("team");
    session
        .give_consent(
            &team.id,
            Category::MedicationAdherence,
            ConsentScope::Since {
                since: ts("2026-03-01T00:00:00Z"),
            },
            now(),
            &session.opened_by_the_patient(),
        )
        .await
        .expect("consent");
    let options = ShareOptions {
        zone: utc,
        ..options()
    };
    let transport = Recording::new(options.timeout);
    let report = session
        .sync_care_team_with(
            &team.id,
            &transport,
            &TestClock::at(now()),
            &options,
            &mut |_| {},
        )
        .await
        .expect("sync");
    assert_eq!(report.delivered, 2, "{report:?}");
    let stored = server
        .resources("MedicationAdministration")
        .expect("stored resources");
    let mut statuses: Vec<&str> = stored.iter().filter_map(|r| r["status"].as_str()).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, ["completed", "not-done"]);
    assert!(
        server
            .identifiers("Observation")
            .expect("stored resources")
            .is_empty(),
        "only adherence was consented"
    );
    transport.validate_sent();
    session.close().await.expect("close");
}

/// A browser: follows the authorization URL to its redirect and loads that (plain HTTP/1.1 on
/// loopback, as the mock authorization server answers at once without a login page).
fn browse(url: &str) {
    let mut next = url.to_owned();
    for _ in 0..2 {
        let rest = next.strip_prefix("http://").expect("http on loopback");
        let (host, target) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
        let mut stream = TcpStream::connect(host).expect("connect");
        write!(
            stream,
            "GET {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        )
        .expect("send");
        let mut answer = String::new();
        stream.read_to_string(&mut answer).expect("read");
        match answer.lines().find_map(|l| {
            l.strip_prefix("Location: ")
                .or_else(|| l.strip_prefix("location: "))
        }) {
            Some(location) => next = location.trim().to_owned(),
            None => return,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smart_sign_in_and_a_token_expired_mid_sync_is_refreshed() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start_smart().expect("the SMART FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let signed_in = session
        .smart_sign_in(
            &team,
            "tend-test-client",
            Duration::from_secs(20),
            now(),
            |url| {
                assert!(url.contains("code_challenge_method=S256"), "{url}");
                let url = url.to_owned();
                std::thread::spawn(move || browse(&url));
            },
            &session.opened_by_the_patient(),
        )
        .await
        .expect("signed in");
    assert_eq!(
        signed_in.patient, "Patient/pat-smart",
        "the patient context from the token"
    );
    let expected = identifiers_in(
        &session
            .share_preview(&team, &options(), now())
            .await
            .expect("preview"),
        "Observation",
    );
    assert!(expected.iter().all(|id| id.starts_with("pat-smart.")));

    let mut bundles = 0;
    let mut progress = |_| {
        bundles += 1;
        if bundles == 2 {
            server.expire_tokens().expect("tokens expired");
        }
    };
    let transport = Recording::new(options().timeout);
    let report = session
        .sync_care_team_with(
            &team,
            &transport,
            &TestClock::at(now()),
            &options(),
            &mut progress,
        )
        .await
        .expect("sync");
    assert_eq!(report.interrupted, None, "{report:?}");
    assert_eq!(
        report.requests,
        report.bundles + 1,
        "one 401, then the refreshed token"
    );
    assert_exactly_once(&server, "Observation", &expected);
    transport.validate_sent();
    let log = session.share_log().await.expect("log");
    assert!(log
        .iter()
        .any(|e| e.action == AuditAction::CareTeamSignedIn));
    session.close().await.expect("close");
}

/// Lock during a sync that waits out a server's Retry-After: within 2 s the sync has let go of
/// the session (the vault closes at once, keys gone) and sends nothing more; unlocked again, the
/// outbox delivers everything exactly once. (Before, the sync kept the session — and the keys —
/// for as long as the server asked it to wait.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lock_ends_a_sync_held_by_retry_after_within_2_s() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = profile(dir.path()).await;
    let team = care_team(&session, &server, None).await;
    let expected = identifiers_in(
        &session
            .share_preview(&team, &options(), now())
            .await
            .expect("preview"),
        "Observation",
    );
    // One 429 asking for 20 s: the sync waits it out, holding the session.
    server
        .fail_next(Fault::RateLimited, 1, 20)
        .expect("fault queued");
    let sessions = Arc::new(tend_core::IdleLock::new(SignedDuration::from_hours(1)));
    sessions.put(session, now()).await;
    let sharing = Arc::new(tend_core::Sharing::default());

    let syncing = tokio::spawn({
        let (sessions, sharing, team) = (sessions.clone(), sharing.clone(), team.clone());
        async move {
            sharing
                .sync_now(
                    &sessions,
                    &team,
                    &TestClock::at(now()),
                    &options(),
                    &mut |_| {},
                )
                .await
        }
    });
    let requests = || {
        server.stats().expect("stats")["requests"]
            .as_u64()
            .unwrap_or(0)
    };
    let asked = std::time::Instant::now();
    while requests() == 0 {
        assert!(
            asked.elapsed() < Duration::from_secs(20),
            "the sync reached the server"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await; // now waiting out Retry-After

    let locking = std::time::Instant::now();
    sessions.lock_now().await.expect("locks");
    assert!(
        locking.elapsed() < Duration::from_secs(2),
        "the sync let go of the session in {:?}",
        locking.elapsed()
    );
    let sent = requests();
    let result = syncing.await.expect("the sync task");
    assert_eq!(
        result.map(|_| ()).map_err(|e| e.code()),
        Err(tend_core::ErrorCode::Locked)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(requests(), sent, "nothing sent after Lock");

    // Unlocked again: the outbox kept everything the server did not confirm.
    let session = Tend::new(dir.path().join("profile"))
        .unlock(KeySource::Passphrase(
            Passphrase::new(PASSPHRASE).expect("passphrase"),
        ))
        .await
        .expect("unlocks");
    let report = session
        .sync_care_team(&team, &TestClock::at(now()), &options(), &mut |_| {})
        .await
        .expect("sync");
    assert_eq!(report.interrupted, None);
    assert_exactly_once(&server, "Observation", &expected);
    session.close().await.expect("close");
}
