//! Nightscout entries: `/api/v1/entries.json` (a JSON array) and `entries.csv`/`.tsv` (no header:
//! `dateString, date, sgv, direction, device`). `sgv` is a CGM's glucose in mg/dL, sometimes
//! written as a string; values below 39 are the CGM's status codes, not glucose. `mbg` entries are
//! meter readings; calibrations and other types are not vitals. Times come from `date` (Unix ms).

use std::io::{BufRead, Read};

use serde_json::Value;
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    json_stream::JsonValues,
    plausible,
    record::{Entry, EntrySource, ImportedReading, SourceNames},
    time, Error, Format, Result, SkipReason,
};

/// Below this, an `sgv` is a status code of the CGM (sensor not ready, ?? …), not glucose.
const LOWEST_GLUCOSE_MG_DL: f64 = 39.0;
const SOURCE: &str = "Nightscout";

/// Whether a JSON text that starts with `[` is an array of Nightscout entries.
pub(crate) fn looks_like_entries(text: &[u8]) -> bool {
    let inner = text[1..].iter().position(|c| !c.is_ascii_whitespace());
    match inner.map(|at| text[1 + at]) {
        Some(b']') => true,
        Some(b'{') => {
            let has = |key: &[u8]| memchr::memmem::find(text, key).is_some();
            has(br#""date""#) && (has(br#""sgv""#) || has(br#""mbg""#) || has(br#""type""#))
        }
        _ => false,
    }
}

/// Whether a line is a row of Nightscout's CSV/TSV entries (the second field Unix ms).
pub(crate) fn looks_like_csv_row(line: &str) -> bool {
    let separator = if line.contains('\t') { '\t' } else { ',' };
    let fields: Vec<&str> = line.split(separator).collect();
    fields.len() >= 3
        && fields.get(1).is_some_and(|ms| {
            let ms = ms.trim().trim_matches('"');
            (12..=14).contains(&ms.len()) && ms.bytes().all(|c| c.is_ascii_digit())
        })
}

/// Entries from `entries.json`.
pub(crate) struct NightscoutJson<R: BufRead> {
    json: JsonValues<R>,
    buf: Vec<u8>,
    started: bool,
    done: bool,
    index: u64,
    sources: SourceNames,
}

impl<R: BufRead> NightscoutJson<R> {
    pub(crate) fn new(input: R, limit: usize) -> NightscoutJson<R> {
        NightscoutJson {
            json: JsonValues::new(input, limit, Format::NightscoutJson),
            buf: Vec::new(),
            started: false,
            done: false,
            index: 0,
            sources: SourceNames::default(),
        }
    }
}

impl<R: BufRead> EntrySource for NightscoutJson<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.done {
            return Ok(None);
        }
        if !self.started {
            self.started = true;
            self.json.expect(b'[', "expected a JSON list of entries")?;
            if self.json.peek()? == Some(b']') {
                self.done = true;
                return Ok(None);
            }
        }
        let at = self.json.offset();
        self.json.value(&mut self.buf)?;
        self.index += 1;
        let place = || format!("Nightscout entry {} at byte {at}", self.index);
        let entry: Value = serde_json::from_slice(&self.buf).map_err(|e| Error::Malformed {
            place: place(),
            what: format!("not JSON ({})", e.classify_name()),
        })?;
        let parsed = json_entry(&entry, &mut self.sources).map_err(|what| Error::Malformed {
            place: place(),
            what: what.to_owned(),
        })?;
        if !self.json.separator(b']')? {
            self.done = true;
            if self.json.peek()?.is_some() {
                return Err(self.json.malformed("text after the end of the list"));
            }
        }
        Ok(Some(parsed))
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "a syntax error",
            serde_json::error::Category::Data => "unexpected data",
            serde_json::error::Category::Eof => "ends early",
        }
    }
}

fn json_entry(
    entry: &Value,
    sources: &mut SourceNames,
) -> std::result::Result<Entry, &'static str> {
    let object = entry.as_object().ok_or("an entry is not a JSON object")?;
    let kind = object.get("type").and_then(Value::as_str);
    let (field, device_kind) = match kind {
        Some("sgv") | None => ("sgv", DeviceKind::ContinuousGlucoseMonitor),
        Some("mbg") => ("mbg", DeviceKind::GlucoseMeter),
        Some(_) => return Ok(Entry::Skipped(SkipReason::NotAVital)),
    };
    let value = match object.get(field) {
        None | Some(Value::Null) => return Ok(Entry::Skipped(SkipReason::NoValue)),
        Some(Value::String(s)) if s.trim().is_empty() => {
            return Ok(Entry::Skipped(SkipReason::NoValue))
        }
        Some(v) => number(v).ok_or("the glucose value is not a number")?,
    };
    let time = match object.get("date") {
        Some(date) => number(date)
            .filter(|ms| ms.fract() == 0.0)
            .and_then(|ms| time::unix_millis(ms as i64))
            .ok_or("`date` is not Unix milliseconds")?,
        None => object
            .get("dateString")
            .and_then(Value::as_str)
            .and_then(time::rfc3339)
            .ok_or("the entry has neither `date` nor an RFC 3339 `dateString`")?,
    };
    let device = object.get("device").and_then(Value::as_str);
    Ok(glucose(value, time, device_kind, device, sources))
}

fn number(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|v: &f64| v.is_finite())
}

fn glucose(
    value: f64,
    time: jiff::Timestamp,
    device_kind: DeviceKind,
    device: Option<&str>,
    sources: &mut SourceNames,
) -> Entry {
    if device_kind == DeviceKind::ContinuousGlucoseMonitor && value < LOWEST_GLUCOSE_MG_DL {
        return Entry::Skipped(SkipReason::CgmStatusCode);
    }
    let unit = Unit::MilligramPerDecilitre;
    if let Err(reason) = plausible::check(Metric::Glucose, value, unit) {
        return Entry::Skipped(reason);
    }
    let source = match device.map(str::trim) {
        Some(device) if !device.is_empty() => sources.get(device),
        _ => sources.get(SOURCE),
    };
    Entry::Reading(ImportedReading {
        metric: Metric::Glucose,
        time,
        value,
        unit,
        device_kind,
        source,
    })
}

/// Entries from `entries.csv` or `.tsv`.
pub(crate) struct NightscoutCsv<R: Read> {
    csv: csv::Reader<R>,
    record: csv::StringRecord,
    sources: SourceNames,
}

impl<R: Read> NightscoutCsv<R> {
    /// `tabs`: the file separates fields with tabs (`.tsv`, `.txt`) rather than commas.
    pub(crate) fn new(input: R, tabs: bool) -> NightscoutCsv<R> {
        let csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(if tabs { b'\t' } else { b',' })
            .from_reader(input);
        NightscoutCsv {
            csv,
            record: csv::StringRecord::new(),
            sources: SourceNames::default(),
        }
    }
}

impl<R: Read> EntrySource for NightscoutCsv<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            if !self
                .csv
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&e))?
            {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line());
            let field = |i: usize| self.record.get(i).unwrap_or("").trim();
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let bad = |what: &str| Error::Malformed {
                place: format!("line {line}"),
                what: what.to_owned(),
            };
            let time = match field(1) {
                "" => time::rfc3339(field(0)),
                ms => ms.parse::<i64>().ok().and_then(time::unix_millis),
            }
            .ok_or_else(|| bad("the second field is not Unix milliseconds"))?;
            let value = match field(2) {
                "" => return Ok(Some(Entry::Skipped(SkipReason::NoValue))),
                text => text
                    .parse::<f64>()
                    .ok()
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| bad("the glucose value is not a number"))?,
            };
            let device = Some(field(4));
            let entry = glucose(
                value,
                time,
                DeviceKind::ContinuousGlucoseMonitor,
                device,
                &mut self.sources,
            );
            return Ok(Some(entry));
        }
    }
}

/// A CSV error as the line and what is wrong (never the row's text).
pub(crate) fn csv_error(e: &csv::Error) -> Error {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::Utf8 { .. } => Error::Malformed {
            place: format!("line {line}"),
            what: "not UTF-8 text".into(),
        },
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => Error::Malformed {
            place: format!("line {line}"),
            what: format!("{len} fields where the header has {expected_len}"),
        },
        csv::ErrorKind::Io(e) => Error::Io(e.to_string()),
        _ => Error::Malformed {
            place: format!("line {line}"),
            what: "malformed CSV".into(),
        },
    }
}
