//! FHIR R4 vital-signs Observations, from a Bundle (JSON, streamed entry by entry) or NDJSON (a
//! bulk-data export, one resource a line). LOINC codes and UCUM units are mapped back to Tend's
//! metrics — including the codes Tend itself writes (`crates/share`), so Tend's own export reads
//! back. A blood-pressure panel (85354-9) is split into its systolic, diastolic and mean
//! components; an Observation over an `effectivePeriod` (Tend's summaries: mean as the value,
//! minimum/maximum/count as components) is kept as a summary, never turned into readings.

use std::{
    collections::{HashMap, VecDeque},
    io::BufRead,
    sync::Arc,
};

use jiff::Timestamp;
use serde_json::Value;
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    json_stream::JsonValues,
    plausible,
    record::{Entry, EntrySource, ImportedReading, ImportedSummary, SourceNames},
    time, Error, Format, Result, SkipReason,
};

const LOINC: &str = "http://loinc.org";
const STATISTICS: &str = "http://terminology.hl7.org/CodeSystem/observation-statistics";
const SOURCE: &str = "FHIR";
/// Device names remembered to label the Observations that reference them.
const MAX_DEVICES: usize = 10_000;

/// What an Observation's code says it measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Meaning {
    Vital(Metric, DeviceKind),
    BloodPressurePanel,
}

/// Maps LOINC codes to a meaning. Where several codings are given, the most specific wins (Tend
/// codes pulse rate as `8867-4` plus `8889-8`, SpO2 as `2708-6` plus `59408-5`).
fn meaning(concept: &Value) -> Option<Meaning> {
    let codes: Vec<&str> = concept["coding"]
        .as_array()?
        .iter()
        .filter(|c| c["system"].as_str().is_none_or(|s| s == LOINC))
        .filter_map(|c| c["code"].as_str())
        .collect();
    let has = |code: &str| codes.contains(&code);
    use DeviceKind::*;
    let vital = |metric, kind| Some(Meaning::Vital(metric, kind));
    if has("85354-9") || has("55284-4") || has("35094-2") {
        return Some(Meaning::BloodPressurePanel);
    }
    if has("8889-8") {
        return vital(Metric::PulseRate, PulseOximeter);
    }
    if has("59408-5") {
        return vital(Metric::Spo2, PulseOximeter);
    }
    if has("99504-3") || has("105272-9") {
        return vital(Metric::Glucose, ContinuousGlucoseMonitor);
    }
    if has("41653-7") || has("14743-9") {
        return vital(Metric::Glucose, GlucoseMeter);
    }
    for code in codes {
        let metric = match code {
            "8867-4" => Metric::HeartRate,
            "2708-6" | "2710-2" | "20564-1" => Metric::Spo2,
            "8480-6" => Metric::Systolic,
            "8462-4" => Metric::Diastolic,
            "8478-0" => Metric::MeanArterial,
            "8310-5" | "8331-1" | "8332-9" | "8333-7" | "8328-7" => Metric::BodyTemperature,
            "2339-0" | "2345-7" | "15074-8" | "14749-6" => Metric::Glucose,
            "29463-7" | "3141-9" => Metric::Weight,
            "39156-5" => Metric::Bmi,
            "41982-0" => Metric::BodyFat,
            "9279-1" => Metric::RespiratoryRate,
            _ => continue,
        };
        return vital(metric, Unknown);
    }
    None
}

/// A UCUM code (or, without one, the unit's text) as a Tend unit and a factor to apply.
fn unit(quantity: &Value) -> Option<(Unit, f64)> {
    let code = quantity["code"]
        .as_str()
        .or_else(|| quantity["unit"].as_str())?
        .trim();
    Some(match code {
        "/min" | "{beats}/min" | "{beat}/min" | "beats/min" | "{breaths}/min" | "{Breaths}/min"
        | "breaths/min" | "{counts}/min" | "bpm" => (Unit::PerMinute, 1.0),
        "%" => (Unit::Percent, 1.0),
        "mm[Hg]" | "mmHg" => (Unit::MillimetreOfMercury, 1.0),
        "kPa" => (Unit::Kilopascal, 1.0),
        "Cel" | "°C" | "[degC]" => (Unit::Celsius, 1.0),
        "[degF]" | "°F" => (Unit::Fahrenheit, 1.0),
        "mg/dL" => (Unit::MilligramPerDecilitre, 1.0),
        "mmol/L" => (Unit::MillimolePerLitre, 1.0),
        "kg" => (Unit::Kilogram, 1.0),
        "g" => (Unit::Kilogram, 0.001),
        "[lb_av]" | "lb" | "lbs" => (Unit::Pound, 1.0),
        "kg/m2" | "kg/m^2" => (Unit::KilogramPerSquareMetre, 1.0),
        _ => return None,
    })
}

/// A quantity's value in a Tend unit, or why it cannot be kept.
fn quantity(quantity: &Value) -> std::result::Result<(f64, Unit), SkipReason> {
    let Some(value) = quantity["value"].as_f64().filter(|v| v.is_finite()) else {
        return Err(SkipReason::NoValue);
    };
    let (unit, factor) = unit(quantity).ok_or(SkipReason::UnknownUnit)?;
    Ok((value * factor, unit))
}

/// When an Observation was made.
enum When {
    At(Timestamp),
    Over(Timestamp, Timestamp),
}

fn when(resource: &Value) -> std::result::Result<When, Problem> {
    let instant = |text: &str| -> std::result::Result<Timestamp, Problem> {
        if time::is_date_only(text) {
            return Err(Problem::Skip(SkipReason::ImpreciseTime));
        }
        time::rfc3339(text).ok_or(Problem::Bad("a date-time is not FHIR's dateTime"))
    };
    if let Some(text) = resource["effectiveDateTime"]
        .as_str()
        .or_else(|| resource["effectiveInstant"].as_str())
    {
        return instant(text).map(When::At);
    }
    if let Some(period) = resource["effectivePeriod"].as_object() {
        let start = period
            .get("start")
            .and_then(Value::as_str)
            .ok_or(Problem::Skip(SkipReason::ImpreciseTime))?;
        let start = instant(start)?;
        return match period.get("end").and_then(Value::as_str) {
            Some(end) => {
                let end = instant(end)?;
                if end < start {
                    Err(Problem::Bad("effectivePeriod ends before it starts"))
                } else if end == start {
                    Ok(When::At(start))
                } else {
                    Ok(When::Over(start, end))
                }
            }
            None => Ok(When::At(start)),
        };
    }
    Err(Problem::Skip(SkipReason::ImpreciseTime))
}

enum Problem {
    Skip(SkipReason),
    Bad(&'static str),
}

impl From<SkipReason> for Problem {
    fn from(reason: SkipReason) -> Problem {
        Problem::Skip(reason)
    }
}

/// Turns resources into entries; remembers Devices to label Observations with.
#[derive(Debug, Default)]
struct Resources {
    sources: SourceNames,
    devices: HashMap<String, Arc<str>>,
}

impl Resources {
    /// The entries of one resource (`full_url` is its Bundle entry's), or what is wrong with it.
    fn read(
        &mut self,
        resource: &Value,
        full_url: Option<&str>,
        out: &mut VecDeque<Entry>,
    ) -> std::result::Result<(), &'static str> {
        match resource["resourceType"].as_str() {
            Some("Observation") => {}
            Some("Device") => {
                self.remember_device(resource, full_url);
                return Ok(());
            }
            Some(_) => {
                out.push_back(Entry::Skipped(SkipReason::NotAVital));
                return Ok(());
            }
            None => return Err("a resource without a resourceType"),
        }
        if matches!(
            resource["status"].as_str(),
            Some("entered-in-error" | "cancelled")
        ) {
            out.push_back(Entry::Skipped(SkipReason::Retracted));
            return Ok(());
        }
        let Some(code_meaning) = meaning(&resource["code"]) else {
            out.push_back(Entry::Skipped(SkipReason::NotAVital));
            return Ok(());
        };
        let source = self.source_of(resource);
        let when = match when(resource) {
            Ok(when) => when,
            Err(Problem::Skip(reason)) => {
                out.push_back(Entry::Skipped(reason));
                return Ok(());
            }
            Err(Problem::Bad(what)) => return Err(what),
        };
        match (code_meaning, when) {
            (Meaning::BloodPressurePanel, When::At(time)) => {
                let components = resource["component"]
                    .as_array()
                    .map_or(&[][..], Vec::as_slice);
                let mut any = false;
                for component in components {
                    let Some(Meaning::Vital(metric, _)) = meaning(&component["code"]) else {
                        continue;
                    };
                    any = true;
                    out.push_back(reading(
                        metric,
                        time,
                        &component["valueQuantity"],
                        DeviceKind::Unknown,
                        &source,
                    ));
                }
                if !any {
                    out.push_back(Entry::Skipped(SkipReason::NoValue));
                }
            }
            (Meaning::BloodPressurePanel, When::Over(..)) => {
                out.push_back(Entry::Skipped(SkipReason::ImpreciseTime));
            }
            (Meaning::Vital(metric, kind), When::At(time)) => {
                out.push_back(reading(
                    metric,
                    time,
                    &resource["valueQuantity"],
                    kind,
                    &source,
                ));
            }
            (Meaning::Vital(metric, kind), When::Over(start, end)) => {
                out.push_back(summary(metric, kind, start, end, resource, &source));
            }
        }
        Ok(())
    }

    fn remember_device(&mut self, resource: &Value, full_url: Option<&str>) {
        let name = resource["deviceName"][0]["name"].as_str();
        let (Some(url), Some(name)) = (full_url, name) else {
            return;
        };
        if self.devices.len() < MAX_DEVICES {
            let name = self.sources.get(name);
            self.devices.insert(url.to_owned(), name.clone());
            if let Some(id) = resource["id"].as_str() {
                self.devices.insert(format!("Device/{id}"), name);
            }
        }
    }

    fn source_of(&mut self, resource: &Value) -> Arc<str> {
        let device = &resource["device"];
        if let Some(name) = device["reference"]
            .as_str()
            .and_then(|r| self.devices.get(r))
        {
            return name.clone();
        }
        match device["display"].as_str() {
            Some(display) if !display.trim().is_empty() => self.sources.get(display.trim()),
            _ => self.sources.get(SOURCE),
        }
    }
}

fn reading(
    metric: Metric,
    time: Timestamp,
    value: &Value,
    device_kind: DeviceKind,
    source: &Arc<str>,
) -> Entry {
    let (value, unit) = match quantity(value) {
        Ok(q) => q,
        Err(reason) => return Entry::Skipped(reason),
    };
    if let Err(reason) = plausible::check(metric, value, unit) {
        return Entry::Skipped(reason);
    }
    Entry::Reading(ImportedReading {
        metric,
        time,
        value,
        unit,
        device_kind,
        source: source.clone(),
    })
}

/// Mean, minimum, maximum and count, as far as an Observation gives them.
type Statistics = (Option<f64>, Option<f64>, Option<f64>, Option<u64>);

fn summary(
    metric: Metric,
    device_kind: DeviceKind,
    start: Timestamp,
    end: Timestamp,
    resource: &Value,
    source: &Arc<str>,
) -> Entry {
    let mut unit_found = None;
    let mut value_of = |q: &Value| -> std::result::Result<Option<f64>, SkipReason> {
        match quantity(q) {
            Ok((value, unit)) => {
                if unit_found.is_some_and(|u| u != unit) {
                    return Err(SkipReason::UnknownUnit);
                }
                unit_found = Some(unit);
                plausible::check(metric, value, unit)?;
                Ok(Some(value))
            }
            Err(SkipReason::NoValue) => Ok(None),
            Err(reason) => Err(reason),
        }
    };
    let mut values = || -> std::result::Result<Statistics, SkipReason> {
        let mean = value_of(&resource["valueQuantity"])?;
        let (mut min, mut max, mut count) = (None, None, None);
        for component in resource["component"]
            .as_array()
            .map_or(&[][..], Vec::as_slice)
        {
            let statistic = component["code"]["coding"]
                .as_array()
                .and_then(|codings| {
                    codings
                        .iter()
                        .find(|c| c["system"].as_str() == Some(STATISTICS))
                })
                .and_then(|c| c["code"].as_str());
            match statistic {
                Some("minimum") => min = value_of(&component["valueQuantity"])?,
                Some("maximum") => max = value_of(&component["valueQuantity"])?,
                Some("count") => count = component["valueInteger"].as_u64(),
                _ => {}
            }
        }
        Ok((mean, min, max, count))
    };
    let (mean, min, max, count) = match values() {
        Ok(v) => v,
        Err(reason) => return Entry::Skipped(reason),
    };
    let Some(unit) = unit_found else {
        return Entry::Skipped(SkipReason::NoValue);
    };
    Entry::Summary(ImportedSummary {
        metric,
        start,
        end,
        unit,
        mean,
        min,
        max,
        count,
        device_kind,
        source: source.clone(),
    })
}

/// A Bundle, streamed entry by entry.
pub(crate) struct FhirBundle<R: BufRead> {
    json: JsonValues<R>,
    buf: Vec<u8>,
    state: BundleState,
    is_bundle: bool,
    index: u64,
    pending: VecDeque<Entry>,
    resources: Resources,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BundleState {
    Start,
    Keys,
    Entries,
    Done,
}

impl<R: BufRead> FhirBundle<R> {
    pub(crate) fn new(input: R, limit: usize) -> FhirBundle<R> {
        FhirBundle {
            json: JsonValues::new(input, limit, Format::FhirBundle),
            buf: Vec::new(),
            state: BundleState::Start,
            is_bundle: false,
            index: 0,
            pending: VecDeque::new(),
            resources: Resources::default(),
        }
    }

    /// Reads the next key of the Bundle object and its value; enters `entry`.
    fn key(&mut self) -> Result<()> {
        if self.json.peek()? != Some(b'"') {
            return Err(self.json.malformed("expected a key of the Bundle"));
        }
        self.json.value(&mut self.buf)?;
        let key: String = serde_json::from_slice(&self.buf)
            .map_err(|_| self.json.malformed("a key is not a JSON string"))?;
        self.json.expect(b':', "expected `:` after a key")?;
        if key == "entry" {
            self.json.expect(b'[', "`entry` is not a list")?;
            if self.json.peek()? == Some(b']') {
                self.json.separator(b']')?;
                return self.after_value();
            }
            self.state = BundleState::Entries;
            return Ok(());
        }
        self.json.value(&mut self.buf)?;
        if key == "resourceType" {
            let resource_type: Value = serde_json::from_slice(&self.buf)
                .map_err(|_| self.json.malformed("resourceType is not a string"))?;
            if resource_type != "Bundle" {
                return Err(self
                    .json
                    .malformed("the resource is not a Bundle (for single resources use NDJSON)"));
            }
            self.is_bundle = true;
        }
        self.after_value()
    }

    fn after_value(&mut self) -> Result<()> {
        self.state = if self.json.separator(b'}')? {
            BundleState::Keys
        } else {
            if !self.is_bundle {
                return Err(self.json.malformed("no `\"resourceType\": \"Bundle\"`"));
            }
            if self.json.peek()?.is_some() {
                return Err(self.json.malformed("text after the end of the Bundle"));
            }
            BundleState::Done
        };
        Ok(())
    }
}

impl<R: BufRead> EntrySource for FhirBundle<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            match self.state {
                BundleState::Done => return Ok(None),
                BundleState::Start => {
                    self.json.expect(b'{', "a FHIR Bundle is a JSON object")?;
                    if self.json.peek()? == Some(b'}') {
                        return Err(self.json.malformed("an empty object is not a Bundle"));
                    }
                    self.state = BundleState::Keys;
                }
                BundleState::Keys => self.key()?,
                BundleState::Entries => {
                    let at = self.json.offset();
                    self.json.value(&mut self.buf)?;
                    self.index += 1;
                    let place = format!("Bundle entry {} at byte {at}", self.index);
                    let entry: Value =
                        serde_json::from_slice(&self.buf).map_err(|_| Error::Malformed {
                            place: place.clone(),
                            what: "not JSON".into(),
                        })?;
                    self.resources
                        .read(
                            &entry["resource"],
                            entry["fullUrl"].as_str(),
                            &mut self.pending,
                        )
                        .map_err(|what| Error::Malformed {
                            place,
                            what: what.into(),
                        })?;
                    if !self.json.separator(b']')? {
                        self.after_value()?;
                    }
                }
            }
        }
    }
}

/// NDJSON: one resource a line.
pub(crate) struct FhirNdjson<R: BufRead> {
    input: R,
    line: u64,
    buf: Vec<u8>,
    pending: VecDeque<Entry>,
    resources: Resources,
}

impl<R: BufRead> FhirNdjson<R> {
    pub(crate) fn new(input: R) -> FhirNdjson<R> {
        FhirNdjson {
            input,
            line: 0,
            buf: Vec::new(),
            pending: VecDeque::new(),
            resources: Resources::default(),
        }
    }
}

impl<R: BufRead> EntrySource for FhirNdjson<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            self.buf.clear();
            let read = self
                .input
                .read_until(b'\n', &mut self.buf)
                .map_err(|e| Error::Io(e.to_string()))?;
            if read == 0 {
                return Ok(None);
            }
            self.line += 1;
            if self.buf.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let place = || format!("line {}", self.line);
            let resource: Value =
                serde_json::from_slice(&self.buf).map_err(|_| Error::Malformed {
                    place: place(),
                    what: "not a JSON resource".into(),
                })?;
            let full_url = resource["id"].as_str().map(|id| format!("Device/{id}"));
            self.resources
                .read(&resource, full_url.as_deref(), &mut self.pending)
                .map_err(|what| Error::Malformed {
                    place: place(),
                    what: what.into(),
                })?;
        }
    }
}
