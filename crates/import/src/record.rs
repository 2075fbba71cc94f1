//! What a reader yields: readings, summaries over a period, and the reasons a record was skipped.

use std::{fmt, sync::Arc};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use tend_vitals::{DeviceKind, Metric, Unit};

/// One value at one instant, as the file gave it (after unit normalisation: Apple's fractions
/// become percent, grams and stones become kilograms). `value` is in `unit`, which
/// `metric.accepts()`; the vault converts to the canonical unit as it does for a device's values.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedReading {
    pub metric: Metric,
    pub time: Timestamp,
    pub value: f64,
    pub unit: Unit,
    /// What measured it, where the file says so (a Nightscout `sgv` comes from a CGM); otherwise
    /// [`DeviceKind::Unknown`] — never guessed from a label.
    pub device_kind: DeviceKind,
    /// The app or device the file names as its source (`sourceName` in Apple Health, `device` in
    /// Nightscout, the `device` column in Tend's CSV), or the format's name.
    pub source: Arc<str>,
}

/// Statistics over a period that the file holds instead of the readings (a Google Fit day, a FHIR
/// summary Observation). Kept as a summary: no reading is invented from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportedSummary {
    pub metric: Metric,
    pub start: Timestamp,
    pub end: Timestamp,
    pub unit: Unit,
    pub mean: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub count: Option<u64>,
    pub device_kind: DeviceKind,
    pub source: Arc<str>,
}

/// One thing imported.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Imported {
    Reading(ImportedReading),
    Summary(ImportedSummary),
}

/// Why a record of the file was left out. Counted in the [`crate::Preview`], never an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum SkipReason {
    /// A kind of record Tend does not keep (step counts, energy, a lab result, a Patient resource).
    NotAVital,
    /// A unit Tend does not know for that measurement.
    UnknownUnit,
    /// A value outside what a human body can show (a heart rate of 4000).
    OutOfRange,
    /// A CGM's status code in place of a glucose value (Nightscout `sgv` below 39).
    CgmStatusCode,
    /// A record that carries no value (an empty cell, a FHIR `dataAbsentReason`).
    NoValue,
    /// A FHIR Observation marked `entered-in-error` or `cancelled`.
    Retracted,
    /// A time without a time of day (a FHIR date `2012-09-17`): no instant to store it at.
    ImpreciseTime,
}

impl SkipReason {
    pub const ALL: [SkipReason; 7] = [
        SkipReason::NotAVital,
        SkipReason::UnknownUnit,
        SkipReason::OutOfRange,
        SkipReason::CgmStatusCode,
        SkipReason::NoValue,
        SkipReason::Retracted,
        SkipReason::ImpreciseTime,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SkipReason::NotAVital => "not_a_vital",
            SkipReason::UnknownUnit => "unknown_unit",
            SkipReason::OutOfRange => "out_of_range",
            SkipReason::CgmStatusCode => "cgm_status_code",
            SkipReason::NoValue => "no_value",
            SkipReason::Retracted => "retracted",
            SkipReason::ImpreciseTime => "imprecise_time",
        }
    }
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a format reader hands to [`crate::Import`]: something kept, or a reason to skip.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry {
    Reading(ImportedReading),
    Summary(ImportedSummary),
    Skipped(SkipReason),
}

/// A format reader: the next entry, `None` at the end of the file.
pub(crate) trait EntrySource {
    fn next_entry(&mut self) -> crate::Result<Option<Entry>>;
}

/// Source labels, shared: a file of millions of records names a handful of sources.
#[derive(Debug, Default)]
pub(crate) struct SourceNames {
    names: std::collections::HashMap<Box<str>, Arc<str>>,
}

impl SourceNames {
    pub(crate) fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(shared) = self.names.get(name) {
            return shared.clone();
        }
        let shared: Arc<str> = Arc::from(name);
        self.names.insert(Box::from(name), shared.clone());
        shared
    }
}
