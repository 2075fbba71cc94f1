//! Readings and doses as FHIR R4 resources: vital-signs Observations with LOINC codes and UCUM
//! units, continuous streams summarised per period, a `Device` per wearable (Personal Health
//! Device IG), and `MedicationAdministration` for each closed dose.
//!
//! A mapped [`ShareItem`] is independent of the care team: the patient reference, the identifier
//! and the device reference are filled in when a Bundle is built.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{loinc, loinc_code, Category, LoincCode};

/// Tend's own identifier system: every resource Tend creates carries one identifier in it, so a
/// replayed upload finds what it created before instead of creating it again.
pub const IDENTIFIER_SYSTEM: &str = "https://tend.health/fhir/identifier";
const LOINC: &str = "http://loinc.org";
const UCUM: &str = "http://unitsofmeasure.org";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
const STATISTICS: &str = "http://terminology.hl7.org/CodeSystem/observation-statistics";

/// One stored reading, as sharing reads it from the vault.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Measured<'a> {
    /// The series' device label; empty for a manual entry.
    pub device: &'a str,
    /// What kind of device measured it: decides the coding where the metric alone does not
    /// (glucose from a CGM is interstitial and summarised as a stream).
    pub kind: DeviceKind,
    pub metric: Metric,
    pub time: Timestamp,
    pub value: f64,
    pub unit: Unit,
}

/// What Tend knows about a wearable, for its FHIR `Device`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceInfo {
    /// The series' device label (a Bluetooth address for a paired device): its identity.
    pub label: String,
    /// The name the patient knows it by, if other than the label.
    #[serde(default)]
    pub name: Option<String>,
    pub manufacturer: Option<String>,
    pub model: Option<String>,
    pub serial: Option<String>,
}

impl DeviceInfo {
    pub fn labelled(label: &str) -> DeviceInfo {
        DeviceInfo {
            label: label.to_owned(),
            name: None,
            manufacturer: None,
            model: None,
            serial: None,
        }
    }

    /// The device's key inside Tend's identifiers.
    pub fn key(&self) -> String {
        format!("device.{}", short_hash(&self.label))
    }
}

/// One resource to share, mapped but not yet addressed to a care team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareItem {
    /// Stable across runs and replays: the outbox's dedupe key and the identifier's tail.
    pub key: String,
    pub category: Category,
    /// When it was measured (a summary's start, a dose's due time): what consent is checked on.
    pub measured_at: Timestamp,
    pub device: Option<DeviceInfo>,
    /// The resource without `identifier`, `subject` and `device`.
    pub resource: Value,
}

impl ShareItem {
    pub fn resource_type(&self) -> &str {
        self.resource
            .get("resourceType")
            .and_then(Value::as_str)
            .unwrap_or("Resource")
    }
}

/// What happened to one planned dose, as adherence reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DoseOutcome {
    Taken { at: Timestamp },
    Skipped { reason: String },
    Missed,
}

/// One closed dose of one medication.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoseTaken<'a> {
    pub medication_id: &'a str,
    pub medication: &'a str,
    /// The strength as the patient entered it (`"500 mg"`), if they did.
    pub strength: Option<&'a str>,
    pub due: Timestamp,
    pub outcome: DoseOutcome,
}

/// Maps readings to Observations. Blood-pressure values of one device at one instant become one
/// panel; with a `period`, a heart-rate, pulse, breathing-rate, SpO2 or (from a CGM) glucose
/// stream with more than
/// one reading in a period (aligned to the Unix epoch) becomes one summary (mean, min, max, count)
/// over it; without one, every reading is its own Observation.
/// `device` says what is known of each device label. Battery readings are never mapped.
pub fn observations(
    readings: &[Measured<'_>],
    period: Option<SignedDuration>,
    device: &dyn Fn(&str) -> DeviceInfo,
) -> Vec<ShareItem> {
    let period_ns = period.map_or(0, |p| p.as_nanos().max(1_000_000_000));
    let mut panels: BTreeMap<(&str, Timestamp), Vec<&Measured<'_>>> = BTreeMap::new();
    let mut streams: BTreeMap<(&str, Metric, &str, i128), Vec<&Measured<'_>>> = BTreeMap::new();
    let mut spots = Vec::new();
    for reading in readings {
        match reading.metric {
            Metric::Battery => {}
            Metric::Systolic | Metric::Diastolic | Metric::MeanArterial => panels
                .entry((reading.device, reading.time))
                .or_default()
                .push(reading),
            metric if period_ns > 0 && summarised(metric, reading.kind) => streams
                .entry((
                    reading.device,
                    metric,
                    reading.unit.ucum(),
                    reading.time.as_nanosecond().div_euclid(period_ns),
                ))
                .or_default()
                .push(reading),
            _ => spots.push(reading),
        }
    }
    let mut items = Vec::new();
    for ((_, _, _, slot), group) in streams {
        if group.len() == 1 {
            spots.extend(group);
            continue;
        }
        let start = Timestamp::from_nanosecond(slot * period_ns).unwrap_or(group[0].time);
        let end = Timestamp::from_nanosecond((slot + 1) * period_ns).unwrap_or(start);
        items.push(summary(&group, start, end, device));
    }
    for ((label, time), group) in panels {
        items.push(blood_pressure(label, time, &group, device));
    }
    for reading in spots {
        items.push(spot(reading, device));
    }
    items.sort_by(|a, b| (a.measured_at, &a.key).cmp(&(b.measured_at, &b.key)));
    items
}

/// A closed dose as a `MedicationAdministration`: `completed`, or `not-done` with the reason;
/// the medication named with its strength.
pub fn medication_administration(dose: &DoseTaken<'_>) -> ShareItem {
    let mut resource = json!({
        "resourceType": "MedicationAdministration",
        "medicationCodeableConcept": { "text": medication_text(dose.medication, dose.strength) },
    });
    match &dose.outcome {
        DoseOutcome::Taken { at } => {
            resource["status"] = json!("completed");
            resource["effectiveDateTime"] = json!(at.to_string());
        }
        DoseOutcome::Skipped { reason } => {
            resource["status"] = json!("not-done");
            resource["statusReason"] =
                json!([{ "text": format!("Skipped by the patient: {reason}") }]);
            resource["effectiveDateTime"] = json!(dose.due.to_string());
        }
        DoseOutcome::Missed => {
            resource["status"] = json!("not-done");
            resource["statusReason"] =
                json!([{ "text": "Missed: not recorded as taken or skipped in time" }]);
            resource["effectiveDateTime"] = json!(dose.due.to_string());
        }
    }
    ShareItem {
        key: format!(
            "dose.{}.{}",
            short_hash(dose.medication_id),
            dose.due.as_nanosecond()
        ),
        category: Category::MedicationAdherence,
        measured_at: dose.due,
        device: None,
        resource,
    }
}

/// The medication as a clinician reads it: its name and strength (`"Metformin 500 mg"`), the
/// strength left out where the name already says it.
fn medication_text(name: &str, strength: Option<&str>) -> String {
    let name = name.trim();
    let squeezed = |text: &str| -> String {
        text.chars()
            .filter(|c| !c.is_whitespace())
            .flat_map(char::to_lowercase)
            .collect()
    };
    match strength.map(str::trim).filter(|s| !s.is_empty()) {
        Some(strength) if !squeezed(name).contains(&squeezed(strength)) => {
            format!("{name} {strength}")
        }
        _ => name.to_owned(),
    }
}

/// The `Device` resource for a wearable, per the Personal Health Device IG.
pub fn device_resource(device: &DeviceInfo, patient: &str) -> Value {
    let mut resource = json!({
        "resourceType": "Device",
        "deviceName": [{
            "name": device.name.as_deref().unwrap_or(&device.label),
            "type": "user-friendly-name",
        }],
        "patient": { "reference": patient },
    });
    if let Some(m) = &device.manufacturer {
        resource["manufacturer"] = json!(m);
    }
    if let Some(m) = &device.model {
        resource["modelNumber"] = json!(m);
    }
    if let Some(s) = &device.serial {
        resource["serialNumber"] = json!(s);
    }
    resource
}

/// Whether readings of `metric` from a device of `kind` may come as a stream worth summarising
/// (several in one period). Decided by type, never by a device's label.
fn summarised(metric: Metric, kind: DeviceKind) -> bool {
    match metric {
        Metric::HeartRate | Metric::PulseRate | Metric::RespiratoryRate | Metric::Spo2 => true,
        Metric::Glucose => kind == DeviceKind::ContinuousGlucoseMonitor,
        _ => false,
    }
}

/// The codes, category and profile for one metric's Observation.
struct Coding {
    codes: Vec<LoincCode>,
    category: &'static str,
    profile: Option<&'static str>,
}

fn coding(metric: Metric, unit: Unit, kind: DeviceKind) -> Option<Coding> {
    let primary = loinc_code(metric)?;
    let vital = |codes, profile| Coding {
        codes,
        category: "vital-signs",
        profile: Some(profile),
    };
    Some(match metric {
        Metric::HeartRate => vital(vec![primary], "heartrate"),
        Metric::PulseRate => vital(vec![loinc_code(Metric::HeartRate)?, primary], "heartrate"),
        Metric::Spo2 => vital(vec![loinc::SPO2_ARTERIAL, primary], "oxygensat"),
        Metric::RespiratoryRate => vital(vec![primary], "resprate"),
        Metric::BodyTemperature => vital(vec![primary], "bodytemp"),
        Metric::Weight => vital(vec![primary], "bodyweight"),
        Metric::Bmi => vital(vec![primary], "bmi"),
        Metric::Glucose => {
            let molar = unit == Unit::MillimolePerLitre;
            let code = match (kind == DeviceKind::ContinuousGlucoseMonitor, molar) {
                (true, false) => loinc::CGM_GLUCOSE_MASS,
                (true, true) => loinc::CGM_GLUCOSE_MOLAR,
                (false, false) => primary,
                (false, true) => loinc::GLUCOSE_MOLAR,
            };
            Coding {
                codes: vec![code],
                category: "laboratory",
                profile: None,
            }
        }
        _ => Coding {
            codes: vec![primary],
            category: "vital-signs",
            profile: None,
        },
    })
}

fn code_json(codes: &[LoincCode]) -> Value {
    json!({
        "coding": codes.iter().map(|c| json!({ "system": LOINC, "code": c.code, "display": c.display })).collect::<Vec<_>>(),
        "text": codes.first().map_or("", |c| c.display),
    })
}

fn quantity(value: f64, unit: Unit, metric: Metric) -> Value {
    let text = match (unit, metric) {
        (Unit::PerMinute, Metric::RespiratoryRate) => "breaths/minute",
        (Unit::PerMinute, _) => "beats/minute",
        (Unit::MillimetreOfMercury, _) => "mmHg",
        (Unit::Celsius, _) => "°C",
        (Unit::Fahrenheit, _) => "°F",
        (Unit::Pound, _) => "lb",
        (other, _) => other.ucum(),
    };
    json!({ "value": decimal(value), "unit": text, "system": UCUM, "code": unit.ucum() })
}

/// A FHIR decimal: finite, at most 4 decimal places (no binary noise like 36.900000000000006).
fn decimal(value: f64) -> Value {
    let rounded = (value * 10_000.0).round() / 10_000.0;
    if rounded.fract() == 0.0 && rounded.abs() < 1e15 {
        json!(rounded as i64)
    } else {
        json!(rounded)
    }
}

fn observation(codes: &Coding) -> Value {
    let mut resource = json!({
        "resourceType": "Observation",
        "status": "final",
        "category": [{ "coding": [{
            "system": OBSERVATION_CATEGORY,
            "code": codes.category,
            "display": if codes.category == "laboratory" { "Laboratory" } else { "Vital Signs" },
        }] }],
        "code": code_json(&codes.codes),
    });
    if let Some(profile) = codes.profile {
        resource["meta"] =
            json!({ "profile": [format!("http://hl7.org/fhir/StructureDefinition/{profile}")] });
    }
    resource
}

fn spot(reading: &Measured<'_>, device: &dyn Fn(&str) -> DeviceInfo) -> ShareItem {
    let codes = coding(reading.metric, reading.unit, reading.kind).unwrap_or(Coding {
        codes: Vec::new(),
        category: "vital-signs",
        profile: None,
    });
    let mut resource = observation(&codes);
    resource["effectiveDateTime"] = json!(reading.time.to_string());
    resource["valueQuantity"] = quantity(reading.value, reading.unit, reading.metric);
    ShareItem {
        key: format!(
            "{}.{}.{}",
            reading.metric.as_str(),
            short_hash(reading.device),
            reading.time.as_nanosecond()
        ),
        category: Category::of(reading.metric).unwrap_or(Category::HeartRate),
        measured_at: reading.time,
        device: device_of(reading.device, device),
        resource,
    }
}

fn summary(
    group: &[&Measured<'_>],
    start: Timestamp,
    end: Timestamp,
    device: &dyn Fn(&str) -> DeviceInfo,
) -> ShareItem {
    let first = group[0];
    let values = group.iter().map(|r| r.value);
    let stats = PeriodSummary {
        device: first.device,
        kind: first.kind,
        metric: first.metric,
        unit: first.unit,
        start,
        end,
        mean: Some(values.clone().sum::<f64>() / group.len() as f64),
        min: Some(values.clone().fold(f64::INFINITY, f64::min)),
        max: Some(values.fold(f64::NEG_INFINITY, f64::max)),
        count: Some(group.len() as u64),
    };
    ShareItem {
        // The earliest reading in it (not the period's start): what consent is checked on.
        measured_at: group.iter().map(|r| r.time).min().unwrap_or(start),
        ..period_summary(&stats, device)
    }
}

/// Statistics over a period: a stream summarised, or a summary that came that way (an
/// imported FHIR summary Observation, a Google Fit day), kept as it came.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeriodSummary<'a> {
    /// The series' device label (the import's source); empty for none.
    pub device: &'a str,
    pub kind: DeviceKind,
    pub metric: Metric,
    pub unit: Unit,
    pub start: Timestamp,
    pub end: Timestamp,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub count: Option<u64>,
}

/// A summary Observation: `effectivePeriod`, the mean as its value, minimum, maximum and count
/// as components (each only when known).
pub fn period_summary(
    summary: &PeriodSummary<'_>,
    device: &dyn Fn(&str) -> DeviceInfo,
) -> ShareItem {
    let PeriodSummary {
        metric,
        unit,
        start,
        end,
        ..
    } = *summary;
    let codes = coding(metric, unit, summary.kind).unwrap_or(Coding {
        codes: Vec::new(),
        category: "vital-signs",
        profile: None,
    });
    let statistic = |code: &str, display: &str| {
        let mut concept = code_json(&codes.codes);
        if let Some(list) = concept["coding"].as_array_mut() {
            list.push(json!({ "system": STATISTICS, "code": code, "display": display }));
        }
        concept["text"] = json!(format!("{display} over the period"));
        concept
    };
    let mut resource = observation(&codes);
    resource["effectivePeriod"] = json!({ "start": start.to_string(), "end": end.to_string() });
    if let Some(mean) = summary.mean {
        resource["valueQuantity"] = quantity(mean, unit, metric);
    }
    let mut components = Vec::new();
    if let Some(min) = summary.min {
        components.push(json!({ "code": statistic("minimum", "Minimum"), "valueQuantity": quantity(min, unit, metric) }));
    }
    if let Some(max) = summary.max {
        components.push(json!({ "code": statistic("maximum", "Maximum"), "valueQuantity": quantity(max, unit, metric) }));
    }
    if let Some(count) = summary.count {
        components.push(json!({ "code": statistic("count", "Count"), "valueInteger": count }));
    }
    resource["component"] = json!(components);
    let readings = summary
        .count
        .map_or_else(|| "the readings".to_owned(), |n| format!("{n} readings"));
    resource["note"] = json!([{ "text": format!(
        "Mean of {readings} from {start} to {end}; the components give the minimum, maximum and count."
    ) }]);
    ShareItem {
        key: format!(
            "{}.{}.s{}.{}",
            metric.as_str(),
            short_hash(summary.device),
            end.duration_since(start).as_secs(),
            start.as_nanosecond()
        ),
        category: Category::of(metric).unwrap_or(Category::HeartRate),
        measured_at: start,
        device: device_of(summary.device, device),
        resource,
    }
}

fn blood_pressure(
    label: &str,
    time: Timestamp,
    group: &[&Measured<'_>],
    device: &dyn Fn(&str) -> DeviceInfo,
) -> ShareItem {
    let mut resource = observation(&Coding {
        codes: vec![loinc::BLOOD_PRESSURE_PANEL],
        category: "vital-signs",
        profile: Some("bp"),
    });
    resource["effectiveDateTime"] = json!(time.to_string());
    let mut components: Vec<&Measured<'_>> = group.to_vec();
    components.sort_by_key(|r| r.metric);
    resource["component"] = components
        .iter()
        .filter_map(|r| {
            let code = loinc_code(r.metric)?;
            Some(json!({ "code": code_json(&[code]), "valueQuantity": quantity(r.value, r.unit, r.metric) }))
        })
        .collect();
    ShareItem {
        key: format!(
            "blood_pressure.{}.{}",
            short_hash(label),
            time.as_nanosecond()
        ),
        category: Category::BloodPressure,
        measured_at: time,
        device: device_of(label, device),
        resource,
    }
}

fn device_of(label: &str, device: &dyn Fn(&str) -> DeviceInfo) -> Option<DeviceInfo> {
    (!label.is_empty()).then(|| device(label))
}

/// 64-bit FNV-1a as 16 hex digits: a stable, compact key for free-text labels.
pub fn short_hash(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().expect("valid timestamp")
    }

    fn reading<'a>(
        device: &'a str,
        metric: Metric,
        time: &str,
        value: f64,
        unit: Unit,
    ) -> Measured<'a> {
        Measured {
            device,
            kind: DeviceKind::Unknown,
            metric,
            time: ts(time),
            value,
            unit,
        }
    }

    fn labelled(label: &str) -> DeviceInfo {
        DeviceInfo::labelled(label)
    }

    #[test]
    fn spot_readings_carry_loinc_and_ucum() {
        let check = |metric, unit, value, code: &str, ucum: &str, category: &str| {
            let items = observations(
                &[reading(
                    "meter",
                    metric,
                    "2026-03-01T08:00:00Z",
                    value,
                    unit,
                )],
                Some(SignedDuration::from_mins(5)),
                &labelled,
            );
            assert_eq!(items.len(), 1);
            let r = &items[0].resource;
            let codes: Vec<&str> = r["code"]["coding"]
                .as_array()
                .expect("codings")
                .iter()
                .filter_map(|c| c["code"].as_str())
                .collect();
            assert!(codes.contains(&code), "{metric}: {codes:?}");
            assert_eq!(r["valueQuantity"]["code"], ucum, "{metric}");
            assert_eq!(r["valueQuantity"]["system"], UCUM);
            assert_eq!(r["category"][0]["coding"][0]["code"], category, "{metric}");
            assert_eq!(r["effectiveDateTime"], "2026-03-01T08:00:00Z");
        };
        check(
            Metric::HeartRate,
            Unit::PerMinute,
            61.0,
            "8867-4",
            "/min",
            "vital-signs",
        );
        check(
            Metric::Spo2,
            Unit::Percent,
            97.0,
            "2708-6",
            "%",
            "vital-signs",
        );
        check(
            Metric::Spo2,
            Unit::Percent,
            97.0,
            "59408-5",
            "%",
            "vital-signs",
        );
        check(
            Metric::BodyTemperature,
            Unit::Celsius,
            36.9,
            "8310-5",
            "Cel",
            "vital-signs",
        );
        check(
            Metric::Weight,
            Unit::Kilogram,
            71.5,
            "29463-7",
            "kg",
            "vital-signs",
        );
        check(
            Metric::Bmi,
            Unit::KilogramPerSquareMetre,
            22.1,
            "39156-5",
            "kg/m2",
            "vital-signs",
        );
        check(
            Metric::Glucose,
            Unit::MilligramPerDecilitre,
            98.0,
            "41653-7",
            "mg/dL",
            "laboratory",
        );
        check(
            Metric::Glucose,
            Unit::MillimolePerLitre,
            5.4,
            "14743-9",
            "mmol/L",
            "laboratory",
        );
    }

    /// Issue 13: a paired CGM is labelled by its Bluetooth address; its kind, not its label,
    /// makes its readings CGM glucose, summarised as a stream.
    #[test]
    fn cgm_glucose_is_known_by_the_device_kind_never_by_its_label() {
        let start = ts("2026-03-01T08:00:00Z");
        let glucose = |label, kind, minutes: i64| Measured {
            device: label,
            kind,
            metric: Metric::Glucose,
            time: start + SignedDuration::from_mins(minutes),
            value: 101.0,
            unit: Unit::MilligramPerDecilitre,
        };
        let cgm = DeviceKind::ContinuousGlucoseMonitor;
        let items = observations(
            &[
                glucose("C0:7E:4D:00:00:06", cgm, 0),
                glucose("C0:7E:4D:00:00:06", cgm, 1),
            ],
            Some(SignedDuration::from_mins(5)),
            &labelled,
        );
        assert_eq!(items.len(), 1, "two CGM readings in 5 minutes: one summary");
        assert_eq!(items[0].resource["code"]["coding"][0]["code"], "99504-3");
        assert!(items[0].resource.get("effectivePeriod").is_some());
        assert_eq!(
            items[0].resource["category"][0]["coding"][0]["code"],
            "laboratory"
        );
        // A meter whose name happens to say "CGM" is still a meter: spot readings, 41653-7.
        let meter = DeviceKind::GlucoseMeter;
        let items = observations(
            &[
                glucose("My CGM-style meter", meter, 0),
                glucose("My CGM-style meter", meter, 1),
            ],
            Some(SignedDuration::from_mins(5)),
            &labelled,
        );
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].resource["code"]["coding"][0]["code"], "41653-7");
    }

    #[test]
    fn blood_pressure_becomes_one_panel() {
        let items = observations(
            &[
                reading(
                    "cuff",
                    Metric::Systolic,
                    "2026-03-01T08:00:00Z",
                    121.0,
                    Unit::MillimetreOfMercury,
                ),
                reading(
                    "cuff",
                    Metric::Diastolic,
                    "2026-03-01T08:00:00Z",
                    79.0,
                    Unit::MillimetreOfMercury,
                ),
            ],
            Some(SignedDuration::from_mins(5)),
            &labelled,
        );
        assert_eq!(items.len(), 1);
        let r = &items[0].resource;
        assert_eq!(r["code"]["coding"][0]["code"], "85354-9");
        assert_eq!(r["component"][0]["code"]["coding"][0]["code"], "8480-6");
        assert_eq!(r["component"][0]["valueQuantity"]["code"], "mm[Hg]");
        assert_eq!(r["component"][1]["code"]["coding"][0]["code"], "8462-4");
        assert_eq!(r["component"][1]["valueQuantity"]["value"], 79);
    }

    #[test]
    fn a_stream_is_summarised_per_period() {
        let start = ts("2026-03-01T08:00:00Z");
        let readings: Vec<Measured<'_>> = (0..600)
            .map(|s| Measured {
                device: "strap",
                kind: DeviceKind::HeartRateMonitor,
                metric: Metric::HeartRate,
                time: start + SignedDuration::from_secs(s),
                value: 60.0 + (s % 10) as f64,
                unit: Unit::PerMinute,
            })
            .collect();
        let items = observations(&readings, Some(SignedDuration::from_mins(5)), &labelled);
        assert_eq!(
            items.len(),
            2,
            "ten minutes at 1 Hz: two 5-minute summaries"
        );
        let r = &items[0].resource;
        assert_eq!(r["effectivePeriod"]["start"], "2026-03-01T08:00:00Z");
        assert_eq!(r["effectivePeriod"]["end"], "2026-03-01T08:05:00Z");
        assert_eq!(r["valueQuantity"]["value"], 64.5);
        assert_eq!(r["component"][0]["valueQuantity"]["value"], 60);
        assert_eq!(r["component"][1]["valueQuantity"]["value"], 69);
        assert_eq!(r["component"][2]["valueInteger"], 300);
        assert_eq!(
            items[0].device.as_ref().map(|d| d.label.as_str()),
            Some("strap")
        );
        // A lone reading in its period stays a spot reading.
        let lone = observations(
            &readings[..1],
            Some(SignedDuration::from_mins(5)),
            &labelled,
        );
        assert!(lone[0].resource.get("effectiveDateTime").is_some());
    }

    #[test]
    fn doses_become_medication_administrations() {
        let due = ts("2026-03-01T08:00:00Z");
        let check = |outcome, status: &str| {
            let item = medication_administration(&DoseTaken {
                medication_id: "metformin",
                medication: "Metformin 500 mg",
                strength: None,
                due,
                outcome,
            });
            assert_eq!(item.resource["status"], status);
            assert_eq!(item.category, Category::MedicationAdherence);
            item
        };
        let taken = check(
            DoseOutcome::Taken {
                at: ts("2026-03-01T08:10:00Z"),
            },
            "completed",
        );
        assert_eq!(taken.resource["effectiveDateTime"], "2026-03-01T08:10:00Z");
        let missed = check(DoseOutcome::Missed, "not-done");
        assert!(missed.resource["statusReason"][0]["text"]
            .as_str()
            .is_some_and(|t| t.starts_with("Missed")));
        check(
            DoseOutcome::Skipped {
                reason: "nausea".into(),
            },
            "not-done",
        );
        assert_eq!(taken.key, missed.key, "one dose, one identifier");
    }

    /// Issue 20: the clinician saw doses without the medication's strength.
    #[test]
    fn a_dose_names_the_medication_with_its_strength() {
        let check = |medication: &str, strength: Option<&str>, expected: &str| {
            for outcome in [
                DoseOutcome::Taken {
                    at: ts("2026-03-01T19:35:00Z"),
                },
                DoseOutcome::Skipped {
                    reason: "Felt unwell".into(),
                },
                DoseOutcome::Missed,
            ] {
                let item = medication_administration(&DoseTaken {
                    medication_id: "metformin",
                    medication,
                    strength,
                    due: ts("2026-03-01T20:00:00Z"),
                    outcome,
                });
                assert_eq!(
                    item.resource["medicationCodeableConcept"]["text"], expected,
                    "{medication} {strength:?}"
                );
            }
        };
        check("Metformin", Some("500 mg"), "Metformin 500 mg");
        check("Metformin", Some(" 500 mg "), "Metformin 500 mg");
        // Already in the name the patient gave: not twice.
        check("Metformin 500 mg", Some("500 mg"), "Metformin 500 mg");
        check("Metformin 500MG", Some("500 mg"), "Metformin 500MG");
        check("Metformin", None, "Metformin");
        check("Metformin", Some(""), "Metformin");
    }

    #[test]
    fn battery_is_never_mapped_and_keys_are_stable() {
        let r = reading(
            "strap",
            Metric::Battery,
            "2026-03-01T08:00:00Z",
            80.0,
            Unit::Percent,
        );
        assert!(observations(&[r], Some(SignedDuration::from_mins(5)), &labelled).is_empty());
        assert_eq!(short_hash("strap"), short_hash("strap"));
        assert_ne!(short_hash("strap"), short_hash("Strap"));
    }
}
