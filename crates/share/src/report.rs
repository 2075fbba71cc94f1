//! The clinic report as FHIR R4: a `DiagnosticReport` carrying the PDF as its `presentedForm`,
//! the glucose summary as the Observations of HL7's Continuous Glucose Monitoring IG (LOINC codes:
//! mean glucose, GMI, CV, times in ranges, days of wear, sensor active %), and the home
//! blood-pressure average as a blood-pressure panel. Pure: the PDF bytes, the patient reference
//! and the issue time are passed in.
//!
//! CGM IG: <https://build.fhir.org/ig/HL7/cgm/> (`input/fsh/profiles.fsh` of HL7/cgm): profiles
//! `cgm-summary`, `cgm-summary-mean-glucose-mass-per-volume`, `cgm-summary-times-in-ranges`,
//! `cgm-summary-gmi`, `cgm-summary-coefficient-of-variation`, `cgm-summary-days-of-wear`,
//! `cgm-summary-sensor-active-percentage`, `cgm-summary-pdf`.
//!
//! The resources go out as one Bundle so the report's `result` and the CGM summary's `hasMember`
//! can point at the Observations by their `urn:uuid` full URLs; each carries a Tend identifier
//! (scoped to the patient, as `bundle.rs` does) and a transaction Bundle creates each only if
//! none with that identifier exists, so a retried upload duplicates nothing.

use base64::{engine::general_purpose::STANDARD, Engine};
use jiff::Timestamp;
use serde_json::{json, Value};
use tend_clinic::{
    BloodPressureSummary, ClinicReport, GlucoseSummary, HomeBloodPressureClass, ReportCharts,
};

use crate::{mapping::short_hash, Category, IDENTIFIER_SYSTEM};

const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const CGM_PROFILE: &str = "http://hl7.org/fhir/uv/cgm/StructureDefinition";
/// The CGM IG's one remaining temporary code system (its `cgm-summary` code has no LOINC yet).
pub const CGM_SUMMARY_CODES: &str =
    "http://hl7.org/fhir/uv/cgm/CodeSystem/cgm-summary-codes-temporary";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const STATISTICS: &str = "http://terminology.hl7.org/CodeSystem/observation-statistics";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";

/// The LOINC codes of the CGM IG's summary Observations.
pub mod cgm_loinc {
    /// Mean glucose, mass per volume (mg/dL).
    pub const MEAN_GLUCOSE_MASS: (&str, &str) = (
        "97507-8",
        "Average glucose [Mass/volume] in Interstitial fluid during Reporting Period",
    );
    /// The times-in-ranges panel.
    pub const TIMES_IN_RANGES: (&str, &str) = (
        "106793-3",
        "Continuous glucose monitoring time in ranges panel",
    );
    /// Time in very low range (< 54 mg/dL), %.
    pub const TIME_VERY_LOW: (&str, &str) = (
        "104642-4",
        "Time below range, very low in Reporting Period Interstitial fluid by calculation",
    );
    /// Time in low range (54–69 mg/dL), %.
    pub const TIME_LOW: (&str, &str) = (
        "104641-6",
        "Time below range, low in Reporting Period Interstitial fluid by calculation",
    );
    /// Time in target range (70–180 mg/dL), %.
    pub const TIME_IN_TARGET: (&str, &str) = (
        "97510-2",
        "Glucose measurements in range out of Total glucose measurements during reporting period",
    );
    /// Time in high range (181–250 mg/dL), %.
    pub const TIME_HIGH: (&str, &str) = (
        "104640-8",
        "Time above range, high in Reporting Period Interstitial fluid by calculation",
    );
    /// Time in very high range (> 250 mg/dL), %.
    pub const TIME_VERY_HIGH: (&str, &str) = (
        "104639-0",
        "Time above range, very high in Reporting Period Interstitial fluid by calculation",
    );
    /// Glucose management indicator, %.
    pub const GMI: (&str, &str) = ("97506-0", "Glucose management indicator");
    /// Coefficient of variation, %.
    pub const CV: (&str, &str) = (
        "104638-2",
        "Glucose [Coefficient of variation] in Interstitial fluid by calculation",
    );
    /// Days of wear.
    pub const DAYS_OF_WEAR: (&str, &str) =
        ("104636-6", "Continuous glucose monitoring duration of use");
    /// Sensor active, % of the period.
    pub const SENSOR_ACTIVE: (&str, &str) = (
        "104637-4",
        "Continuous glucose monitoring sensor wear time active",
    );
}

/// Which kind of Bundle to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportBundleKind {
    /// For a care team's server: each entry a conditional create on Tend's identifier.
    Transaction,
    /// For `tend report --format fhir` and export: the resources as they are.
    Collection,
}

/// Leaves in `report` and `charts` only the sections whose consent category `allowed` says may
/// be shared: glucose (CGM and meter) under glucose, blood pressure, weight under weight and
/// body composition, SpO2, heart rate, medication under medication adherence. Render the PDF
/// from what is left, so the PDF too holds only consented data.
pub fn keep_consented(
    report: &mut ClinicReport,
    charts: &mut ReportCharts,
    allowed: &dyn Fn(Category) -> bool,
) {
    if !allowed(Category::Glucose) {
        report.glucose = None;
        report.glucose_meter = None;
        charts.glucose_profile = None;
        charts.glucose_days.clear();
    }
    if !allowed(Category::BloodPressure) {
        report.blood_pressure = None;
        charts.blood_pressure_days.clear();
    }
    if !allowed(Category::WeightAndBodyComposition) {
        report.weight = None;
        charts.weight_days.clear();
    }
    if !allowed(Category::Spo2) {
        report.spo2 = None;
    }
    if !allowed(Category::HeartRate) {
        report.heart_rate = None;
    }
    if !allowed(Category::MedicationAdherence) {
        report.medication.clear();
    }
}

/// The report as a Bundle of `kind`: the summary Observations first, the `DiagnosticReport`
/// with the PDF last. `patient` is the reference every resource's `subject` carries (the care
/// team's `Patient/…`, or a bundle-local `urn:uuid:…`); `issued` is when the report was made
/// (it tells two reports of the same period apart).
pub fn report_bundle(
    report: &ClinicReport,
    pdf: &[u8],
    patient: &str,
    issued: Timestamp,
    kind: ReportBundleKind,
) -> Value {
    let scope = patient.strip_prefix("Patient/").unwrap_or(patient);
    let base = format!(
        "{scope}.report.{}.{}.{}",
        report.from.as_second(),
        report.until.as_second(),
        issued.as_second()
    );
    let period = json!({ "start": report.from.to_string(), "end": report.until.to_string() });
    let mut entries: Vec<(String, Value)> = Vec::new();
    let mut results: Vec<String> = Vec::new();
    if let Some(glucose) = &report.glucose {
        let members = glucose_observations(glucose, &base, &period, &mut entries);
        let summary_key = format!("{base}.cgm-summary");
        let mut summary = observation(
            json!({ "coding": [{ "system": CGM_SUMMARY_CODES, "code": "cgm-summary", "display": "CGM Summary Report" }], "text": "CGM summary" }),
            "cgm-summary",
            &period,
        );
        summary["hasMember"] = members
            .iter()
            .map(|url| json!({ "reference": url }))
            .collect();
        results.push(push(&mut entries, summary_key, summary));
    }
    if let Some(bp) = &report.blood_pressure {
        results.push(push(
            &mut entries,
            format!("{base}.blood-pressure"),
            blood_pressure(bp, &period),
        ));
    }
    let mut diagnostic = json!({
        "resourceType": "DiagnosticReport",
        "status": "final",
        "code": report_code(report),
        "effectivePeriod": period,
        "issued": issued.to_string(),
        "result": results.iter().map(|url| json!({ "reference": url })).collect::<Vec<_>>(),
        "presentedForm": [{
            "contentType": "application/pdf",
            "data": STANDARD.encode(pdf),
            "title": "Clinic report (PDF)",
            "creation": issued.to_string(),
        }],
    });
    if report.glucose.is_some() {
        // The CGM IG's PDF profile fixes the CGM summary code: only a report with glucose is one.
        diagnostic["meta"] = json!({ "profile": [format!("{CGM_PROFILE}/cgm-summary-pdf")] });
    }
    push(
        &mut entries,
        format!("{base}.diagnostic-report"),
        diagnostic,
    );
    let bundle_entries: Vec<Value> = entries
        .into_iter()
        .map(|(identifier, mut resource)| {
            resource["identifier"] = json!([{ "system": IDENTIFIER_SYSTEM, "value": identifier }]);
            resource["subject"] = json!({ "reference": patient });
            let url = full_url(&identifier);
            match kind {
                ReportBundleKind::Collection => json!({ "fullUrl": url, "resource": resource }),
                ReportBundleKind::Transaction => {
                    let resource_type = resource["resourceType"].as_str().unwrap_or("").to_owned();
                    json!({
                        "fullUrl": url,
                        "resource": resource,
                        "request": {
                            "method": "POST",
                            "url": resource_type,
                            "ifNoneExist": format!("identifier={IDENTIFIER_SYSTEM}|{identifier}"),
                        },
                    })
                }
            }
        })
        .collect();
    let mut bundle = json!({
        "resourceType": "Bundle",
        "type": match kind { ReportBundleKind::Transaction => "transaction", ReportBundleKind::Collection => "collection" },
        "entry": bundle_entries,
    });
    if kind == ReportBundleKind::Collection {
        bundle["timestamp"] = json!(issued.to_string());
    }
    bundle
}

/// Adds a resource under `identifier`; returns its full URL.
fn push(entries: &mut Vec<(String, Value)>, identifier: String, resource: Value) -> String {
    let url = full_url(&identifier);
    entries.push((identifier, resource));
    url
}

fn report_code(report: &ClinicReport) -> Value {
    let text = "Home monitoring summary (Tend clinic report)";
    if report.glucose.is_some() {
        json!({ "coding": [{ "system": CGM_SUMMARY_CODES, "code": "cgm-summary", "display": "CGM Summary Report" }], "text": text })
    } else {
        json!({ "text": text })
    }
}

fn loinc((code, display): (&str, &str)) -> Value {
    json!({ "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display })
}

fn observation(code: Value, profile: &str, period: &Value) -> Value {
    json!({
        "resourceType": "Observation",
        "meta": { "profile": [format!("{CGM_PROFILE}/{profile}")] },
        "status": "final",
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "laboratory", "display": "Laboratory" }] }],
        "code": code,
        "effectivePeriod": period,
    })
}

fn percent(value: f64) -> Value {
    json!({ "value": decimal(value), "unit": "%", "system": UCUM, "code": "%" })
}

/// The CGM IG's summary Observations; returns their full URLs for `hasMember`.
fn glucose_observations(
    glucose: &GlucoseSummary,
    base: &str,
    period: &Value,
    entries: &mut Vec<(String, Value)>,
) -> Vec<String> {
    use cgm_loinc::*;
    let mut members = Vec::new();
    let mut mean = observation(
        loinc(MEAN_GLUCOSE_MASS),
        "cgm-summary-mean-glucose-mass-per-volume",
        period,
    );
    mean["valueQuantity"] = json!({ "value": decimal(glucose.mean_mg_dl), "unit": "mg/dl", "system": UCUM, "code": "mg/dL" });
    members.push(push(entries, format!("{base}.mean-glucose"), mean));

    let ranges = glucose.ranges_percent;
    let mut times = observation(
        loinc(TIMES_IN_RANGES),
        "cgm-summary-times-in-ranges",
        period,
    );
    times["component"] = json!([
        { "code": loinc(TIME_VERY_LOW), "valueQuantity": percent(ranges.very_low) },
        { "code": loinc(TIME_LOW), "valueQuantity": percent(ranges.low) },
        { "code": loinc(TIME_IN_TARGET), "valueQuantity": percent(ranges.in_range) },
        { "code": loinc(TIME_HIGH), "valueQuantity": percent(ranges.high) },
        { "code": loinc(TIME_VERY_HIGH), "valueQuantity": percent(ranges.very_high) },
    ]);
    times["note"] = json!([{ "text": "Shares of CGM readings in each range (Battelino et al., Diabetes Care 2019); values rounded to whole mg/dL before ranges are applied." }]);
    members.push(push(entries, format!("{base}.times-in-ranges"), times));

    let mut gmi = observation(loinc(GMI), "cgm-summary-gmi", period);
    gmi["valueQuantity"] = percent(glucose.gmi_percent);
    members.push(push(entries, format!("{base}.gmi"), gmi));

    let mut cv = observation(loinc(CV), "cgm-summary-coefficient-of-variation", period);
    cv["valueQuantity"] = percent(glucose.cv_percent);
    members.push(push(entries, format!("{base}.cv"), cv));

    let mut days = observation(loinc(DAYS_OF_WEAR), "cgm-summary-days-of-wear", period);
    days["valueQuantity"] =
        json!({ "value": glucose.days, "unit": "days", "system": UCUM, "code": "d" });
    members.push(push(entries, format!("{base}.days-of-wear"), days));

    let mut active = observation(
        loinc(SENSOR_ACTIVE),
        "cgm-summary-sensor-active-percentage",
        period,
    );
    active["valueQuantity"] = percent(glucose.active_percent);
    members.push(push(entries, format!("{base}.sensor-active"), active));
    members
}

/// The home average as a vital-signs blood-pressure panel over the period, its components
/// marked as averages, with how many readings and days it rests on and its classification.
fn blood_pressure(bp: &BloodPressureSummary, period: &Value) -> Value {
    let component = |(code, display): (&str, &str), value: f64| {
        json!({
            "code": {
                "coding": [
                    { "system": LOINC, "code": code, "display": display },
                    { "system": STATISTICS, "code": "average", "display": "Average" },
                ],
                "text": format!("{display}, home average"),
            },
            "valueQuantity": { "value": decimal(value), "unit": "mmHg", "system": UCUM, "code": "mm[Hg]" },
        })
    };
    let mut resource = json!({
        "resourceType": "Observation",
        "meta": { "profile": ["http://hl7.org/fhir/StructureDefinition/bp"] },
        "status": "final",
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": "vital-signs", "display": "Vital Signs" }] }],
        "code": {
            "coding": [{ "system": LOINC, "code": "85354-9", "display": "Blood pressure panel with all children optional" }],
            "text": "Home blood pressure, average",
        },
        "effectivePeriod": period,
        "method": { "text": "Home blood-pressure protocol (ESH 2008/2021, AHA 2019): a measuring week, the first day left out, the remaining valid readings averaged." },
        "component": [
            component(("8480-6", "Systolic blood pressure"), bp.systolic_mean),
            component(("8462-4", "Diastolic blood pressure"), bp.diastolic_mean),
        ],
        "note": [{ "text": format!(
            "Average of {} valid home readings on {} days; {}.",
            bp.readings, bp.days, bp.classification.describe()
        ) }],
    });
    let interpretation = match bp.classification {
        HomeBloodPressureClass::Hypertension => Some(("H", "High")),
        HomeBloodPressureClass::Normal => Some(("N", "Normal")),
        HomeBloodPressureClass::Elevated | HomeBloodPressureClass::Insufficient => None,
    };
    if let Some((code, display)) = interpretation {
        resource["interpretation"] =
            json!([{ "coding": [{ "system": INTERPRETATION, "code": code, "display": display }] }]);
    }
    resource
}

/// A FHIR decimal: at most 4 decimal places, whole numbers as integers.
fn decimal(value: f64) -> Value {
    let rounded = (value * 10_000.0).round() / 10_000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

/// A stable `urn:uuid:` for an identifier (version-4 shaped, derived from its hash).
fn full_url(seed: &str) -> String {
    let a = short_hash(seed);
    let b = short_hash(&format!("{seed}#report"));
    format!(
        "urn:uuid:{}-{}-4{}-8{}-{}{}",
        &a[0..8],
        &a[8..12],
        &a[13..16],
        &b[1..4],
        &b[4..12],
        &b[12..16]
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use tend_clinic::{
        example::{example_measurements, ExampleContents},
        report_with_charts, Period, ReportInput, ReportSettings,
    };

    fn report() -> (ClinicReport, ReportCharts) {
        let from: Timestamp = "2026-03-02T00:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let period = Period::last_days(from + jiff::SignedDuration::from_hours(14 * 24), 14)
            .unwrap_or_else(|e| panic!("{e}"));
        let measurements = example_measurements(from, 14, ExampleContents::EVERYTHING);
        report_with_charts(&ReportInput {
            period,
            zone: &jiff::tz::TimeZone::UTC,
            now: period.until,
            measurements: &measurements,
            medications: &[],
            doses: &[],
            settings: ReportSettings::default(),
        })
    }

    fn codes(resource: &Value) -> Vec<String> {
        resource["code"]["coding"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    }

    #[test]
    fn the_cgm_ig_observations_and_the_pdf() {
        let (report, _) = report();
        let issued: Timestamp = "2026-03-16T09:00:00Z"
            .parse()
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let bundle = report_bundle(
            &report,
            b"%PDF-1.7 test",
            "Patient/p1",
            issued,
            ReportBundleKind::Transaction,
        );
        let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
        let resources: Vec<&Value> = entries.iter().map(|e| &e["resource"]).collect();
        let all_codes: Vec<Vec<String>> = resources.iter().map(|r| codes(r)).collect();
        for code in [
            "97507-8",
            "106793-3",
            "97506-0",
            "104638-2",
            "104636-6",
            "104637-4",
            "cgm-summary",
            "85354-9",
        ] {
            assert!(
                all_codes.iter().any(|c| c.iter().any(|x| x == code)),
                "missing {code}"
            );
        }
        let times = resources
            .iter()
            .find(|r| codes(r).contains(&"106793-3".to_owned()))
            .unwrap_or_else(|| panic!("times in ranges"));
        let components: Vec<String> = times["component"]
            .as_array()
            .map(|c| {
                c.iter()
                    .filter_map(|c| c["code"]["coding"][0]["code"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        assert_eq!(
            components,
            ["104642-4", "104641-6", "97510-2", "104640-8", "104639-0"]
        );
        let report_resource = resources.last().copied().unwrap_or(&Value::Null);
        assert_eq!(report_resource["resourceType"], "DiagnosticReport");
        assert_eq!(
            report_resource["presentedForm"][0]["contentType"],
            "application/pdf"
        );
        assert_eq!(
            report_resource["presentedForm"][0]["data"],
            STANDARD.encode(b"%PDF-1.7 test")
        );
        assert_eq!(report_resource["subject"]["reference"], "Patient/p1");
        // The report points at the CGM summary and the BP average; the summary at its six members.
        let urls: Vec<&str> = entries
            .iter()
            .filter_map(|e| e["fullUrl"].as_str())
            .collect();
        for reference in report_resource["result"]
            .as_array()
            .cloned()
            .unwrap_or_default()
        {
            assert!(urls.contains(&reference["reference"].as_str().unwrap_or("")));
        }
        let summary = resources
            .iter()
            .find(|r| codes(r) == ["cgm-summary"] && r["resourceType"] == "Observation")
            .unwrap_or_else(|| panic!("summary"));
        assert_eq!(summary["hasMember"].as_array().map(Vec::len), Some(6));
        // Conditional creates on Tend's patient-scoped identifier; stable across calls.
        let first = &entries[0];
        assert!(first["request"]["ifNoneExist"]
            .as_str()
            .is_some_and(|s| s.contains("|p1.report.")));
        assert_eq!(
            report_bundle(
                &report,
                b"%PDF-1.7 test",
                "Patient/p1",
                issued,
                ReportBundleKind::Transaction
            ),
            bundle
        );
    }

    #[test]
    fn consent_leaves_out_what_is_not_shared() {
        let (mut report, mut charts) = report();
        keep_consented(&mut report, &mut charts, &|c| c == Category::BloodPressure);
        assert!(report.glucose.is_none() && report.weight.is_none() && report.heart_rate.is_none());
        assert!(report.blood_pressure.is_some() && !charts.blood_pressure_days.is_empty());
        assert!(charts.glucose_days.is_empty());
        let bundle = report_bundle(
            &report,
            b"%PDF",
            "urn:uuid:patient",
            Timestamp::UNIX_EPOCH,
            ReportBundleKind::Collection,
        );
        let entries = bundle["entry"].as_array().cloned().unwrap_or_default();
        assert_eq!(entries.len(), 2, "the BP average and the report");
        assert!(
            entries[1]["resource"].get("meta").is_none(),
            "not a CGM report without glucose"
        );
        assert_eq!(bundle["type"], "collection");
    }
}
