//! Which format a file is in, from its first bytes — never from its name.

use std::{fmt, str::FromStr};

use serde::{Deserialize, Serialize};

use crate::{google_fit, nightscout, openscale, tend_csv};

/// The formats Tend imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// Apple Health's `export.zip` (its `apple_health_export/export.xml` is read).
    AppleHealthZip,
    /// Apple Health's `export.xml`.
    AppleHealthXml,
    /// Nightscout `/api/v1/entries.json`: a JSON array of entries.
    NightscoutJson,
    /// Nightscout `/api/v1/entries.csv` (or `.tsv`/`.txt`): no header, `dateString, date, sgv,
    /// direction, device`.
    NightscoutCsv,
    /// openScale's CSV export (`DATE,TIME,…` since 3.0, `dateTime,weight,…` before).
    OpenScaleCsv,
    /// Google Fit Takeout's "Daily activity metrics" summaries (`Date,…`).
    GoogleFitDailyCsv,
    /// A FHIR R4 Bundle (JSON).
    FhirBundle,
    /// FHIR R4 resources as NDJSON, one a line (bulk data export).
    FhirNdjson,
    /// Tend's own CSV: `time,metric,value,unit,device`.
    TendCsv,
}

impl Format {
    pub const ALL: [Format; 9] = [
        Format::AppleHealthZip,
        Format::AppleHealthXml,
        Format::NightscoutJson,
        Format::NightscoutCsv,
        Format::OpenScaleCsv,
        Format::GoogleFitDailyCsv,
        Format::FhirBundle,
        Format::FhirNdjson,
        Format::TendCsv,
    ];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::AppleHealthZip => "apple-health-zip",
            Format::AppleHealthXml => "apple-health",
            Format::NightscoutJson => "nightscout",
            Format::NightscoutCsv => "nightscout-csv",
            Format::OpenScaleCsv => "openscale",
            Format::GoogleFitDailyCsv => "google-fit",
            Format::FhirBundle => "fhir",
            Format::FhirNdjson => "fhir-ndjson",
            Format::TendCsv => "csv",
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Format {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Format> {
        Format::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| {
                crate::Error::Unsupported(format!(
                    "unknown format `{s}` (one of {})",
                    Format::ALL.map(Format::as_str).join(", ")
                ))
            })
    }
}

/// How many first bytes [`detect`] wants to see (Apple's DTD comes before the root element).
pub const DETECT_PREFIX_BYTES: usize = 64 * 1024;

/// The format of a file that begins with `prefix` (up to [`DETECT_PREFIX_BYTES`] of it), if
/// Tend imports it.
pub fn detect(prefix: &[u8]) -> Option<Format> {
    if prefix.starts_with(b"PK\x03\x04") || prefix.starts_with(b"PK\x05\x06") {
        return Some(Format::AppleHealthZip);
    }
    let text = prefix.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(prefix);
    let start = text.iter().position(|c| !c.is_ascii_whitespace())?;
    let text = &text[start..];
    match text[0] {
        b'<' => memchr::memmem::find(text, b"<HealthData").map(|_| Format::AppleHealthXml),
        b'[' => nightscout::looks_like_entries(text).then_some(Format::NightscoutJson),
        b'{' => detect_json_object(text),
        _ => detect_csv(first_line(text)),
    }
}

fn detect_json_object(text: &[u8]) -> Option<Format> {
    let line = first_line(text);
    if let Ok(serde_json::Value::Object(object)) = serde_json::from_slice(line) {
        return match object.get("resourceType").and_then(|t| t.as_str()) {
            Some("Bundle") => Some(Format::FhirBundle),
            Some(_) => Some(Format::FhirNdjson),
            None => None,
        };
    }
    // A pretty-printed object: look for its resourceType among the first keys.
    let compact: Vec<u8> = text
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    if memchr::memmem::find(&compact, br#""resourceType":"Bundle""#).is_some() {
        return Some(Format::FhirBundle);
    }
    // A first line longer than the prefix: NDJSON if it names a resource type.
    let compact_line: Vec<u8> = line
        .iter()
        .copied()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    memchr::memmem::find(&compact_line, br#"{"resourceType":""#)
        .filter(|&at| at == 0)
        .map(|_| Format::FhirNdjson)
}

fn detect_csv(line: &[u8]) -> Option<Format> {
    let line = std::str::from_utf8(line).ok()?.trim_end_matches('\r');
    if tend_csv::is_header(line) {
        Some(Format::TendCsv)
    } else if openscale::is_header(line) {
        Some(Format::OpenScaleCsv)
    } else if google_fit::is_header(line) {
        Some(Format::GoogleFitDailyCsv)
    } else if nightscout::looks_like_csv_row(line) {
        Some(Format::NightscoutCsv)
    } else {
        None
    }
}

fn first_line(text: &[u8]) -> &[u8] {
    match memchr::memchr(b'\n', text) {
        Some(end) => &text[..end],
        None => text,
    }
}
