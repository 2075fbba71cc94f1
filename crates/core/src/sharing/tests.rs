//! Consent in the data layer, without a server: what the preview (and so the sync) may read.

use jiff::Timestamp;
use tend_share::{Category, ConsentScope};
use tend_vault::{KeySource, Passphrase};

use crate::{AuditAction, CareTeamDetails, Session, ShareOptions};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("timestamp")
}

async fn session_with_history(dir: &std::path::Path) -> Session {
    let session = Session::create(
        &dir.join("profile"),
        KeySource::Passphrase(Passphrase::new("sharing unit tests").expect("passphrase")),
    )
    .await
    .expect("vault");
    let csv = dir.join("history.csv");
    std::fs::write(
        &csv,
        "time,metric,value,unit,device\n\
         2026-03-01T08:00:00Z,heart_rate,72,/min,strap\n\
         2026-03-01T09:00:00Z,glucose,98,mg/dL,meter\n\
         2026-03-03T09:00:00Z,glucose,101,mg/dL,meter\n",
    )
    .expect("write");
    session
        .import_file(&csv, "2026-03-04T00:00:00Z".parse().expect("instant"))
        .await
        .expect("import");
    session
}

fn codes(bundles: &[serde_json::Value]) -> Vec<String> {
    bundles
        .iter()
        .flat_map(|b| b["entry"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| {
            e["resource"]["code"]["coding"][0]["code"]
                .as_str()
                .map(str::to_owned)
        })
        .collect()
}

#[tokio::test]
async fn only_consented_categories_and_times_are_read_for_sharing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session_with_history(dir.path()).await;
    let now = ts("2026-03-04T00:00:00Z");
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Clinic".into(),
                base_url: "https://fhir.example.org/r4".into(),
                patient: "Patient/7".into(),
                bearer_token: None,
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("team");
    let options = ShareOptions::default();
    assert!(
        session
            .share_preview(&team.id, &options, now)
            .await
            .expect("preview")
            .is_empty(),
        "nothing without consent"
    );

    // Glucose from the 2nd on: the reading of the 1st stays home, heart rate too.
    session
        .give_consent(
            &team.id,
            Category::Glucose,
            ConsentScope::Since {
                since: ts("2026-03-02T00:00:00Z"),
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("consent");
    let preview = session
        .share_preview(&team.id, &options, now)
        .await
        .expect("preview");
    assert_eq!(codes(&preview), ["41653-7"]);

    // Queued, then revoked: the queue for it empties and the preview with it.
    assert_eq!(
        session
            .queue_for_sharing(&team.id, &options, now)
            .await
            .expect("queue"),
        1
    );
    assert!(session
        .revoke_consent(&team.id, Category::Glucose, now)
        .await
        .expect("revoke"));
    assert!(session
        .share_preview(&team.id, &options, now)
        .await
        .expect("preview")
        .is_empty());
    assert_eq!(session.care_teams().await.expect("teams")[0].queued, 0);

    let actions: Vec<AuditAction> = session
        .share_log()
        .await
        .expect("log")
        .into_iter()
        .map(|e| e.action)
        .collect();
    assert_eq!(
        actions,
        [
            AuditAction::CareTeamAdded,
            AuditAction::ConsentGiven,
            AuditAction::ConsentRevoked
        ]
    );
    session.close().await.expect("close");
}

#[tokio::test]
async fn plain_http_is_refused_off_this_machine() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session_with_history(dir.path()).await;
    let refused = session
        .add_care_team(
            CareTeamDetails {
                name: "Clinic".into(),
                base_url: "http://fhir.example.org/r4".into(),
                patient: "Patient/7".into(),
                bearer_token: None,
            },
            ts("2026-03-04T00:00:00Z"),
            &session.opened_by_the_patient(),
        )
        .await;
    assert!(refused.is_err());
    session.close().await.expect("close");
}

#[tokio::test]
async fn a_paired_device_is_described_by_its_record() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session_with_history(dir.path()).await;
    // What the Bluetooth side stores for a paired device (its series are labelled by `id`).
    let strap = crate::PairedDevice {
        id: "strap".into(),
        name: "Polar H10".into(),
        services: vec![crate::HealthService::HeartRate],
        manufacturer: Some("Polar Electro Oy".into()),
        model: Some("H10".into()),
        serial: Some("C7A1".into()),
        firmware: None,
        battery_percent: None,
        last_sequence: None,
        stored_after_last: Vec::new(),
        user_id: None,
        consent_code: None,
        record_series: 0,
        cgm_session: None,
        newest_record_time: None,
        bond: Default::default(),
        clock_set: false,
        paired_at: ts("2026-03-01T00:00:00Z"),
        last_seen: None,
        counters: crate::DeviceCounters::default(),
    };
    session
        .vault
        .put_record(tend_vault::RecordKind::Device, "strap", &strap)
        .await
        .expect("device");
    let now = ts("2026-03-04T00:00:00Z");
    let team = session
        .add_care_team(
            CareTeamDetails {
                name: "Clinic".into(),
                base_url: "https://fhir.example.org/r4".into(),
                patient: "Patient/7".into(),
                bearer_token: None,
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("team");
    session
        .give_consent(
            &team.id,
            Category::HeartRate,
            ConsentScope::Since {
                since: ts("2026-03-01T00:00:00Z"),
            },
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("consent");
    let preview = session
        .share_preview(&team.id, &ShareOptions::default(), now)
        .await
        .expect("preview");
    let device = &preview[0]["entry"][0]["resource"];
    assert_eq!(device["resourceType"], "Device");
    assert_eq!(device["deviceName"][0]["name"], "Polar H10");
    assert_eq!(device["manufacturer"], "Polar Electro Oy");
    assert_eq!(device["modelNumber"], "H10");
    assert_eq!(device["serialNumber"], "C7A1");
    session.close().await.expect("close");
}

#[tokio::test]
async fn readings_stored_late_are_shared_once_and_nothing_twice() {
    let dir = tempfile::tempdir().expect("tempdir");
    let session = session_with_history(dir.path()).await;
    let now = ts("2026-03-04T00:00:00Z");
    let details = CareTeamDetails {
        name: "Clinic".into(),
        base_url: "https://fhir.example.org/r4".into(),
        patient: "Patient/7".into(),
        bearer_token: None,
    };
    let team = session
        .add_care_team(details, now, &session.opened_by_the_patient())
        .await
        .expect("team");
    let since = ConsentScope::Since {
        since: ts("2026-03-01T00:00:00Z"),
    };
    session
        .give_consent(
            &team.id,
            Category::Glucose,
            since,
            now,
            &session.opened_by_the_patient(),
        )
        .await
        .expect("consent");
    let options = ShareOptions::default();
    let queue = async |at: &str| {
        session
            .queue_for_sharing(&team.id, &options, ts(at))
            .await
            .expect("queue")
    };
    assert_eq!(queue("2026-03-04T00:00:00Z").await, 2);
    // Delivered: the outbox forgets them.
    let ids: Vec<i64> = session
        .queued_for(&team.id)
        .await
        .expect("queued")
        .iter()
        .map(|q| q.id)
        .collect();
    session.vault.delivered_many(&ids).await.expect("delivered");
    assert_eq!(queue("2026-03-04T01:00:00Z").await, 0, "nothing twice");

    // The meter comes back in range and its memory is downloaded: a reading from before the
    // last collection is stored now. It is picked up; what was sent is not sent again.
    let late = dir.path().join("late.csv");
    std::fs::write(
        &late,
        "time,metric,value,unit,device\n2026-03-03T20:00:00Z,glucose,140,mg/dL,meter\n",
    )
    .expect("write");
    session
        .import_file(&late, "2026-03-04T00:00:00Z".parse().expect("instant"))
        .await
        .expect("import");
    assert_eq!(queue("2026-03-04T02:00:00Z").await, 1);
    assert_eq!(queue("2026-03-04T03:00:00Z").await, 0);
    session.close().await.expect("close");
}
