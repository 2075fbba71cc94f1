//! Attacks on the vault file that aim at what reaches the care team: an old consent row put back
//! after the patient revoked it must not send anything from the revoked period to the server
//! (a FHIR R4 server on loopback, started by `tend-testkit`).
//!
//! This failed before issue 16: the restored consent was read as current and the readings taken
//! while sharing was off were uploaded.
#![allow(clippy::expect_used)] // test code: a panic is a failed test

use std::{collections::BTreeSet, path::Path, time::Duration};

use jiff::{SignedDuration, Timestamp};
use tend_core::share::{Category, Clock, ConsentScope, HttpTransport, RetryPolicy, Timer};
use tend_core::{CareTeamDetails, KeySource, Passphrase, Session, ShareOptions, Tend};
use tend_testkit::FhirServer;

const PASSPHRASE: &str = "consent attack passphrase";

/// A fixed "now": sync waits only as long as retries need, and the data's time is this.
struct FixedClock(Timestamp);

impl Clock for FixedClock {
    fn now(&self) -> Timestamp {
        self.0
    }
}

impl Timer for FixedClock {
    async fn sleep(&self, duration: SignedDuration) {
        tokio::time::sleep(duration.try_into().expect("positive")).await;
    }
}

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

fn options() -> ShareOptions {
    ShareOptions {
        timeout: Duration::from_millis(1500),
        retry: RetryPolicy {
            first_delay: SignedDuration::from_millis(50),
            max_delay: SignedDuration::from_millis(400),
            max_attempts: 4,
            ..RetryPolicy::default()
        },
        ..ShareOptions::default()
    }
}

async fn open(dir: &Path) -> Session {
    Tend::new(dir.join("profile"))
        .unlock(KeySource::Passphrase(
            Passphrase::new(PASSPHRASE).expect("passphrase"),
        ))
        .await
        .expect("unlock")
}

/// Imports `seconds` of 1 Hz heart rate from `start`.
async fn import_heart_rate(session: &Session, dir: &Path, start: &str, seconds: i64) {
    let mut csv = String::from("time,metric,value,unit,device\n");
    for s in 0..seconds {
        let t = ts(start) + SignedDuration::from_secs(s);
        csv.push_str(&format!("{t},heart_rate,{},/min,Polar H10\n", 60 + s % 30));
    }
    let file = dir.join(format!("history-{}.csv", ts(start).as_second()));
    std::fs::write(&file, csv).expect("write");
    session.import_file(&file, ts(start)).await.expect("import");
}

async fn heart_rate_on_server(server: &FhirServer) -> BTreeSet<String> {
    server
        .identifiers("Observation")
        .expect("stored resources")
        .into_iter()
        .filter(|id| id.contains(".heart_rate."))
        .collect()
}

/// Runs SQL on the file as the sqlite3 shell would: foreign keys off.
async fn shell(file: &Path, statements: &[String]) {
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}?mode=rw", file.display()))
        .await
        .expect("open the file");
    let mut conn = pool.acquire().await.expect("connection");
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut *conn)
        .await
        .expect("pragma");
    for statement in statements {
        sqlx::query(sqlx::AssertSqlSafe(statement.clone()))
            .execute(&mut *conn)
            .await
            .expect("statement");
    }
    drop(conn);
    pool.close().await;
}

#[tokio::test]
async fn an_old_consent_row_put_back_shares_nothing_from_the_revoked_period() {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = FhirServer::start().expect("the FHIR server starts");
    let session = Tend::new(dir.path().join("profile"))
        .create(KeySource::Passphrase(
            Passphrase::new(PASSPHRASE).expect("passphrase"),
        ))
        .await
        .expect("vault");
    import_heart_rate(&session, dir.path(), "2026-03-01T08:00:00Z", 3_000).await;

    // Heart rate shared with history since 2020, and synced.
    let consented = ts("2026-03-01T10:00:00Z");
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Test Clinic".into(),
                base_url: server.url(),
                patient: "Patient/pat-1".into(),
                bearer_token: None,
            },
            consented,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("care team")
        .id;
    session
        .give_consent(
            &team,
            Category::HeartRate,
            ConsentScope::Since {
                since: ts("2020-01-01T00:00:00Z"),
            },
            consented,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("consent");
    let transport = HttpTransport::new(options().timeout).expect("client");
    session
        .sync_care_team_with(
            &team,
            &transport,
            &FixedClock(consented),
            &options(),
            &mut |_| {},
        )
        .await
        .expect("sync");
    let shared_while_consented = heart_rate_on_server(&server).await;
    assert_eq!(
        shared_while_consented.len(),
        10,
        "50 minutes, 5-minute summaries"
    );
    session.close().await.expect("close");
    let vault = dir.path().join("profile").join("vault.sqlite");
    let copy = dir.path().join("copy-with-consent.sqlite");
    std::fs::copy(&vault, &copy).expect("copy");

    // The patient revokes heart rate; readings go on being taken while it is off.
    let session = open(dir.path()).await;
    assert!(session
        .revoke_consent(&team, Category::HeartRate, ts("2026-03-01T12:00:00Z"))
        .await
        .expect("revoke"));
    import_heart_rate(&session, dir.path(), "2026-03-01T13:00:00Z", 1_800).await;
    session.close().await.expect("close");

    // Someone holding the file puts the consent row back from the earlier copy.
    shell(
        &vault,
        &[
            format!("ATTACH '{}' AS old", copy.display()),
            "INSERT INTO record SELECT * FROM old.record o WHERE NOT EXISTS (SELECT 1 FROM record r WHERE r.kind_tag = o.kind_tag AND r.tag = o.tag)".into(),
        ],
    )
    .await;

    // The next sync must send nothing taken while sharing was off (failing loudly is fine).
    let session = open(dir.path()).await;
    let synced = session
        .sync_care_team_with(
            &team,
            &transport,
            &FixedClock(ts("2026-03-01T14:00:00Z")),
            &options(),
            &mut |_| {},
        )
        .await;
    let on_server = heart_rate_on_server(&server).await;
    let leaked: Vec<_> = on_server.difference(&shared_while_consented).collect();
    assert!(
        leaked.is_empty(),
        "readings from the revoked period reached the server ({} new, sync: {:?})",
        leaked.len(),
        synced.map(|r| r.delivered)
    );
    session.close().await.ok();
}
