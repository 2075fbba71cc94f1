//! The series an import files its readings under, checked in the vault itself: the kind of
//! device a file states, a paired device's own kind when the source label is its id, and a Tend
//! CSV row without a device as a manual entry.
#![allow(clippy::expect_used)]

use jiff::Timestamp;
use tend_vault::{KeySource, Passphrase, RecordKind};
use tend_vitals::{DeviceKind, Metric};

use crate::{DeviceCounters, HealthService, PairedDevice, Session};

fn ts(s: &str) -> Timestamp {
    s.parse().expect("instant")
}

#[tokio::test]
async fn readings_are_filed_under_their_source_with_the_kind_known_for_it() {
    let dir = tempfile::tempdir().expect("dir");
    let key = KeySource::Passphrase(Passphrase::new("kinds test passphrase").expect("long"));
    let session = Session::create(dir.path(), key).await.expect("vault");
    let cuff = PairedDevice {
        id: "C0:7E:4D:00:00:03".into(),
        name: "BP cuff".into(),
        services: vec![HealthService::BloodPressure],
        manufacturer: None,
        model: None,
        serial: None,
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
        counters: DeviceCounters::default(),
    };
    session
        .vault
        .put_record(RecordKind::Device, &cuff.id, &cuff)
        .await
        .expect("paired");
    let csv = dir.path().join("history.csv");
    std::fs::write(
        &csv,
        "time,metric,value,unit,device\n\
         2026-03-01T07:00:00Z,systolic,121,mm[Hg],C0:7E:4D:00:00:03\n\
         2026-03-01T07:06:00Z,body_temperature,36.8,Cel,\n\
         2026-03-01T07:07:00Z,weight,80,kg,bathroom scale\n",
    )
    .expect("write");
    session
        .import_file(&csv, ts("2026-03-02T00:00:00Z"))
        .await
        .expect("import");
    let ns = dir.path().join("entries.json");
    std::fs::write(
        &ns,
        r#"[{"type":"sgv","sgv":120,"date":1772348400000,"device":"xDrip-DexcomG6"}]"#,
    )
    .expect("write");
    session
        .import_file(&ns, ts("2026-03-02T00:00:00Z"))
        .await
        .expect("import");

    let mut series: Vec<(String, Metric, DeviceKind)> = session
        .vault
        .series()
        .await
        .expect("series")
        .data
        .into_iter()
        .map(|s| (s.key.device, s.key.metric, s.kind))
        .collect();
    series.sort();
    assert_eq!(
        series,
        [
            ("".into(), Metric::BodyTemperature, DeviceKind::Manual),
            (
                "C0:7E:4D:00:00:03".into(),
                Metric::Systolic,
                DeviceKind::BloodPressureMonitor
            ),
            ("bathroom scale".into(), Metric::Weight, DeviceKind::Unknown),
            (
                "xDrip-DexcomG6".into(),
                Metric::Glucose,
                DeviceKind::ContinuousGlucoseMonitor
            ),
        ]
    );
    session.close().await.expect("close");
}
