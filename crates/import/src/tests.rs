//! Unit tests of each reader on small inline files: what is kept, what is skipped and why.

use std::io::Cursor;

use jiff::{tz::TimeZone, Timestamp};
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{Error, Format, Import, ImportOptions, Imported, SkipReason};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// Readings, summaries (as text) and skip counts.
type ReadBack = (Vec<String>, Vec<String>, Vec<(SkipReason, u64)>);

/// Reads `text` and returns (readings as `metric time value unit kind source`, summaries, skips).
fn read(text: &str, options: ImportOptions) -> crate::Result<ReadBack> {
    let mut import = Import::from_seekable(Cursor::new(text.as_bytes().to_vec()), options)?;
    let (mut readings, mut summaries) = (Vec::new(), Vec::new());
    for item in import.by_ref() {
        match item? {
            Imported::Reading(r) => readings.push(format!(
                "{} {} {} {} {} {}",
                r.metric, r.time, r.value, r.unit, r.device_kind, r.source
            )),
            Imported::Summary(s) => summaries.push(format!(
                "{} {}..{} {:?}/{:?}/{:?} n={:?} {} {}",
                s.metric, s.start, s.end, s.min, s.mean, s.max, s.count, s.unit, s.source
            )),
        }
    }
    let skipped = import
        .preview()
        .skipped
        .iter()
        .map(|(r, n)| (*r, *n))
        .collect();
    Ok((readings, summaries, skipped))
}

fn check(text: &str, readings: &[&str], summaries: &[&str], skipped: &[(SkipReason, u64)]) {
    let got = read(text, ImportOptions::default()).unwrap_or_else(|e| panic!("{e}: {text}"));
    assert_eq!(got.0, readings, "readings of {text}");
    assert_eq!(got.1, summaries, "summaries of {text}");
    assert_eq!(got.2, skipped, "skipped of {text}");
}

const APPLE_HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE HealthData [\n<!ELEMENT HealthData (ExportDate,Me,(Record|Correlation)*)>\n]>\n<HealthData locale=\"en_US\">\n";

fn apple(records: &str) -> String {
    format!("{APPLE_HEAD}{records}</HealthData>\n")
}

#[test]
fn apple_health_vitals_units_and_offsets() {
    check(
        &apple(concat!(
            r#"<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" startDate="2019-01-01 08:00:00 -0500" endDate="2019-01-01 08:00:00 -0500" value="72"><MetadataEntry key="HKMetadataKeyHeartRateMotionContext" value="0"/></Record>"#,
            r#"<Record type="HKQuantityTypeIdentifierOxygenSaturation" sourceName="Watch" unit="%" startDate="2019-01-01 08:01:00 +0100" endDate="2019-01-01 08:01:00 +0100" value="0.97"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBodyFatPercentage" sourceName="Scale" unit="%" startDate="2019-01-01 08:02:00 +0000" endDate="2019-01-01 08:02:00 +0000" value="0.25"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Scale" unit="lb" startDate="2019-01-01 08:02:00 +0000" endDate="2019-01-01 08:02:00 +0000" value="154.5"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBodyMass" sourceName="Old" unit="st" startDate="2019-01-01 08:03:00 +0000" endDate="2019-01-01 08:03:00 +0000" value="11"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBloodGlucose" sourceName="Meter" unit="mmol&lt;180.1558800000541&gt;/L" startDate="2019-01-01 08:04:00 +0000" endDate="2019-01-01 08:04:00 +0000" value="5.5"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBodyTemperature" sourceName="Thermo" unit="degF" startDate="2019-01-01 08:05:00 +0000" endDate="2019-01-01 08:05:00 +0000" value="98.6"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierBodyMassIndex" sourceName="Scale" unit="count" startDate="2019-01-01 08:06:00 +0000" endDate="2019-01-01 08:06:00 +0000" value="22.4"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierRespiratoryRate" sourceName="Watch" unit="count/min" startDate="2019-01-01 08:07:00 +0000" endDate="2019-01-01 08:07:00 +0000" value="14.5"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierStepCount" sourceName="Phone" unit="count" startDate="2019-01-01 08:00:00 +0000" endDate="2019-01-01 08:10:00 +0000" value="400"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/min" startDate="2019-01-01 09:00:00 +0000" endDate="2019-01-01 09:00:00 +0000" value="4000"/>"#,
            r#"<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="Watch" unit="count/s" startDate="2019-01-01 09:01:00 +0000" endDate="2019-01-01 09:01:00 +0000" value="1.2"/>"#,
        )),
        &[
            "heart_rate 2019-01-01T13:00:00Z 72 /min unknown Watch",
            "spo2 2019-01-01T07:01:00Z 97 % unknown Watch",
            "body_fat 2019-01-01T08:02:00Z 25 % unknown Scale",
            "weight 2019-01-01T08:02:00Z 154.5 [lb_av] unknown Scale",
            "weight 2019-01-01T08:03:00Z 69.85322498000001 kg unknown Old",
            "glucose 2019-01-01T08:04:00Z 5.5 mmol/L unknown Meter",
            "body_temperature 2019-01-01T08:05:00Z 98.6 [degF] unknown Thermo",
            "bmi 2019-01-01T08:06:00Z 22.4 kg/m2 unknown Scale",
            "respiratory_rate 2019-01-01T08:07:00Z 14.5 /min unknown Watch",
        ],
        &[],
        &[
            (SkipReason::NotAVital, 1),
            (SkipReason::UnknownUnit, 1),
            (SkipReason::OutOfRange, 1),
        ],
    );
}

#[test]
fn apple_health_blood_pressure_pairs_count_once() -> TestResult {
    let member = |kind: &str, value: u32| {
        format!(
            r#"<Record type="HKQuantityTypeIdentifierBloodPressure{kind}" sourceName="Cuff" unit="mmHg" startDate="2023-07-23 09:24:00 -0400" endDate="2023-07-23 09:24:00 -0400" value="{value}"/>"#
        )
    };
    let text = apple(&format!(
        r#"{}{}<Correlation type="HKCorrelationTypeIdentifierBloodPressure" sourceName="Cuff" startDate="2023-07-23 09:24:00 -0400" endDate="2023-07-23 09:24:00 -0400"><MetadataEntry key="HKWasUserEntered" value="0"/>{}{}</Correlation>{}"#,
        member("Systolic", 113),
        member("Diastolic", 66),
        member("Systolic", 113),
        member("Diastolic", 66),
        // The same pair from another app: dropped, counted against that app.
        member("Systolic", 113).replace("Cuff", "Health"),
    ));
    let mut import =
        Import::from_seekable(Cursor::new(text.into_bytes()), ImportOptions::default())?;
    let readings: Vec<Imported> = import.by_ref().collect::<crate::Result<_>>()?;
    assert_eq!(readings.len(), 2);
    let preview = import.preview();
    assert_eq!(preview.repeats_within_source, 2);
    assert_eq!(preview.sources["Health"].duplicates_dropped, 1);
    assert_eq!(preview.sources["Cuff"].readings, 2);
    assert_eq!(preview.metrics[&Metric::Systolic].readings, 1);
    Ok(())
}

#[test]
fn apple_health_refuses_entities() {
    let billion_laughs = "<?xml version=\"1.0\"?>\n<!DOCTYPE HealthData [\n <!ENTITY lol \"lol\">\n <!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">\n <!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">\n]>\n<HealthData><Record type=\"HKQuantityTypeIdentifierHeartRate\" sourceName=\"&lol3;\" unit=\"count/min\" startDate=\"2019-01-01 08:00:00 -0500\" value=\"72\"/></HealthData>";
    let unknown_in_attribute = apple(
        r#"<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="&watch;" unit="count/min" startDate="2019-01-01 08:00:00 -0500" value="72"/>"#,
    );
    let unknown_in_text = apple("<Note>&watch;</Note>");
    for text in [
        billion_laughs.to_owned(),
        unknown_in_attribute,
        unknown_in_text,
    ] {
        let got = read(&text, ImportOptions::default());
        assert!(
            matches!(got, Err(Error::Entity { .. })),
            "{got:?} for {text}"
        );
    }
}

#[test]
fn apple_health_names_where_it_breaks() {
    let bad_value = apple(
        r#"<Record type="HKQuantityTypeIdentifierHeartRate" sourceName="W" unit="count/min" startDate="2019-01-01 08:00:00 -0500" value="fast"/>"#,
    );
    let message = read(&bad_value, ImportOptions::default())
        .err()
        .map(|e| e.to_string());
    let expected = format!(
        "XML element <Record> at byte {}: the value is not a number",
        APPLE_HEAD.len()
    );
    assert_eq!(message, Some(expected));
    let truncated = &apple("")[..APPLE_HEAD.len() + 10];
    let got = read(truncated, ImportOptions::default());
    assert!(matches!(got, Err(Error::Malformed { .. })), "{got:?}");
}

#[test]
fn nightscout_entries() {
    check(
        r#"[{"type":"sgv","sgv":"120","date":1405792155000,"device":"dexcom"},
            {"type":"sgv","sgv":5,"date":1405792455000,"device":"dexcom"},
            {"type":"mbg","mbg":101,"date":1405792755000},
            {"type":"cal","slope":900,"date":1405792755000},
            {"sgv":2000,"date":1405793055000}]"#,
        &[
            "glucose 2014-07-19T17:49:15Z 120 mg/dL continuous_glucose_monitor dexcom",
            "glucose 2014-07-19T17:59:15Z 101 mg/dL glucose_meter Nightscout",
        ],
        &[],
        &[
            (SkipReason::NotAVital, 1),
            (SkipReason::OutOfRange, 1),
            (SkipReason::CgmStatusCode, 1),
        ],
    );
    check(
        "\"2014-07-19T10:49:15.000-07:00\",1405792155000,\"120\",\"Flat\",\"xDrip-DexcomG5\"\r\n\"2014-07-19T10:54:15.000-07:00\",1405792455000,\"10\",\"NOT COMPUTABLE\",\"xDrip-DexcomG5\"\r\n",
        &["glucose 2014-07-19T17:49:15Z 120 mg/dL continuous_glucose_monitor xDrip-DexcomG5"],
        &[],
        &[(SkipReason::CgmStatusCode, 1)],
    );
}

#[test]
fn tend_csv_keeps_the_contract() {
    check(
        "time,metric,value,unit,device\n2026-01-01T08:00:00+01:00,heart_rate,72,/min,AA:BB\n2026-01-01T07:00:00Z,heart_rate,72,/min,CC:DD\n2026-01-01T07:00:00Z,battery,80,%,AA:BB\n",
        &[
            "heart_rate 2026-01-01T07:00:00Z 72 /min unknown AA:BB",
            "heart_rate 2026-01-01T07:00:00Z 72 /min unknown CC:DD",
            "battery 2026-01-01T07:00:00Z 80 % unknown AA:BB",
        ],
        &[],
        &[],
    );
    let bad = read(
        "time,metric,value,unit,device\n2026-01-01T08:00:00+01:00,heart_rate,72,/min,\n2026-01-01T08:00:00+01:00,heart_rate,72,kg,\n",
        ImportOptions::default(),
    );
    assert_eq!(
        bad.err().map(|e| e.to_string()).as_deref(),
        Some("line 3: kg is not a unit of heart_rate")
    );
}

#[test]
fn openscale_local_times_in_the_patients_zone() -> TestResult {
    let options = ImportOptions {
        time_zone: TimeZone::get("Europe/Paris").unwrap_or(TimeZone::fixed(jiff::tz::offset(2))),
        openscale_weight_unit: Unit::Pound,
        ..ImportOptions::default()
    };
    let (readings, _, skipped) = read(
        "DATE,TIME,BMI,BODY_FAT,HEART_RATE,WEIGHT\n2026-04-24,07:02:41.120,23.1,21.4,64,172.8\n2026-04-25,07:05,,0,,\n",
        options,
    )?;
    assert_eq!(
        readings,
        [
            "bmi 2026-04-24T05:02:41.12Z 23.1 kg/m2 scale openScale",
            "body_fat 2026-04-24T05:02:41.12Z 21.4 % scale openScale",
            "heart_rate 2026-04-24T05:02:41.12Z 64 /min scale openScale",
            "weight 2026-04-24T05:02:41.12Z 172.8 [lb_av] scale openScale",
        ]
    );
    assert_eq!(skipped, [(SkipReason::NoValue, 1)]);
    Ok(())
}

#[test]
fn google_fit_days_are_summaries() {
    check(
        "Date,Move Minutes count,Average heart rate (bpm),Max heart rate (bpm),Min heart rate (bpm),Step count,Average weight (kg),Max weight (kg),Min weight (kg)\n2026-09-01,64,72,141,54,8400,78.4,78.9,78.1\n2026-09-02,31,,,,4100,,,\n2026-09-03,0,0,0,0,0,0,0,0\n",
        &[],
        &[
            "heart_rate 2026-09-01T00:00:00Z..2026-09-02T00:00:00Z Some(54.0)/Some(72.0)/Some(141.0) n=None /min Google Fit",
            "weight 2026-09-01T00:00:00Z..2026-09-02T00:00:00Z Some(78.1)/Some(78.4)/Some(78.9) n=None kg Google Fit",
        ],
        &[],
    );
}

#[test]
fn fhir_reads_back_what_tend_writes() {
    let bp = r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"85354-9"}]},"effectiveDateTime":"2026-01-01T08:00:00Z","component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8462-4"}]},"valueQuantity":{"value":80,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}},{"code":{"coding":[{"system":"http://loinc.org","code":"8480-6"}]},"valueQuantity":{"value":120,"unit":"mmHg","system":"http://unitsofmeasure.org","code":"mm[Hg]"}}]}"#;
    let pulse = r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"},{"system":"http://loinc.org","code":"8889-8"}]},"effectiveDateTime":"2026-01-01T08:00:00Z","valueQuantity":{"value":61,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"}}"#;
    let summary = r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"8867-4"}]},"effectivePeriod":{"start":"2026-01-01T08:00:00Z","end":"2026-01-01T09:00:00Z"},"valueQuantity":{"value":70.5,"unit":"beats/minute","system":"http://unitsofmeasure.org","code":"/min"},"component":[{"code":{"coding":[{"system":"http://loinc.org","code":"8867-4"},{"system":"http://terminology.hl7.org/CodeSystem/observation-statistics","code":"minimum"}]},"valueQuantity":{"value":55,"code":"/min"}},{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-statistics","code":"maximum"}]},"valueQuantity":{"value":98,"code":"/min"}},{"code":{"coding":[{"system":"http://terminology.hl7.org/CodeSystem/observation-statistics","code":"count"}]},"valueInteger":3600}]}"#;
    let cgm = r#"{"resourceType":"Observation","status":"final","code":{"coding":[{"system":"http://loinc.org","code":"99504-3"}]},"effectiveDateTime":"2026-01-01T08:05:00+01:00","valueQuantity":{"value":110,"code":"mg/dL"}}"#;
    let patient = r#"{"resourceType":"Patient","id":"p"}"#;
    let expected_readings = [
        "diastolic 2026-01-01T08:00:00Z 80 mm[Hg] unknown FHIR",
        "systolic 2026-01-01T08:00:00Z 120 mm[Hg] unknown FHIR",
        "pulse_rate 2026-01-01T08:00:00Z 61 /min pulse_oximeter FHIR",
        "glucose 2026-01-01T07:05:00Z 110 mg/dL continuous_glucose_monitor FHIR",
    ];
    let expected_summaries = ["heart_rate 2026-01-01T08:00:00Z..2026-01-01T09:00:00Z Some(55.0)/Some(70.5)/Some(98.0) n=Some(3600) /min FHIR"];
    let entries = [patient, bp, pulse, summary, cgm];
    let bundle = format!(
        r#"{{"resourceType":"Bundle","type":"collection","entry":[{}]}}"#,
        entries
            .map(|r| format!(r#"{{"fullUrl":"urn:x","resource":{r}}}"#))
            .join(",")
    );
    check(
        &bundle,
        &expected_readings,
        &expected_summaries,
        &[(SkipReason::NotAVital, 1)],
    );
    let ndjson = entries.join("\n");
    check(
        &ndjson,
        &expected_readings,
        &expected_summaries,
        &[(SkipReason::NotAVital, 1)],
    );
}

#[test]
fn detects_by_content_and_can_be_forced() {
    let check_detect = |text: &str, expected: Option<Format>| {
        assert_eq!(crate::detect(text.as_bytes()), expected, "{text}");
    };
    check_detect("PK\u{3}\u{4}rest", Some(Format::AppleHealthZip));
    check_detect(&apple(""), Some(Format::AppleHealthXml));
    check_detect("[{\"sgv\":120,\"date\":1}]", Some(Format::NightscoutJson));
    check_detect("[]", Some(Format::NightscoutJson));
    check_detect(
        "\"2014-07-19T10:49:15.000-07:00\",1405792155000,\"120\",\"Flat\",\"x\"",
        Some(Format::NightscoutCsv),
    );
    check_detect(
        "07/19/2014 10:44:15 AM\t1405791855000\t5\tNOT COMPUTABLE\tdexcom",
        Some(Format::NightscoutCsv),
    );
    check_detect("DATE,TIME,WEIGHT\n", Some(Format::OpenScaleCsv));
    check_detect(
        "\"dateTime\",\"weight\",\"fat\"\n",
        Some(Format::OpenScaleCsv),
    );
    check_detect(
        "Date,Move Minutes count,Calories (kcal)\n",
        Some(Format::GoogleFitDailyCsv),
    );
    check_detect(
        "{\n  \"resourceType\": \"Bundle\",\n  \"entry\": []\n}",
        Some(Format::FhirBundle),
    );
    check_detect(
        "{\"resourceType\":\"Observation\"}\n{\"resourceType\":\"Patient\"}\n",
        Some(Format::FhirNdjson),
    );
    check_detect(
        "\u{feff}time,metric,value,unit,device\r\n",
        Some(Format::TendCsv),
    );
    check_detect("hello", None);
    check_detect("<html></html>", None);
    assert!(matches!(
        Import::from_reader(&b"hello"[..], ImportOptions::default()),
        Err(Error::UnknownFormat)
    ));
    let forced = ImportOptions {
        format: Some(Format::TendCsv),
        ..ImportOptions::default()
    };
    assert!(matches!(
        read("DATE,TIME,WEIGHT\n", forced),
        Err(Error::Malformed { .. })
    ));
    assert_eq!(
        "google-fit".parse::<Format>().ok(),
        Some(Format::GoogleFitDailyCsv)
    );
}

#[test]
fn history_lookup_drops_what_is_stored() -> TestResult {
    let csv = "time,metric,value,unit,device\n2026-01-01T07:00:00Z,heart_rate,72,/min,A\n2026-01-01T07:01:00Z,heart_rate,73,/min,A\n";
    let stored: Timestamp = "2026-01-01T07:00:00Z".parse()?;
    let import = Import::from_seekable(
        Cursor::new(csv.as_bytes().to_vec()),
        ImportOptions::default(),
    )?
    .with_history(move |key| {
        key.time == stored && key.metric == Metric::HeartRate && key.value_milli == 72_000
    });
    let preview = import.dry_run()?;
    assert_eq!(preview.already_stored, 1);
    assert_eq!(preview.readings(), 1);
    let _ = DeviceKind::Unknown;
    Ok(())
}
