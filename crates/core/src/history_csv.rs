//! History in and out as CSV (`time,metric,value,unit,device`), per DESIGN.md's contract.
//!
//! Import reads the file twice: once to check every row (a bad row is reported with its line
//! number and nothing is stored), then to store it in batches, so a file of millions of rows
//! never has to fit in memory.

use std::{collections::BTreeMap, io::Write, path::Path};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use tend_vault::{Sample, Series, SeriesKey};
use tend_vitals::DeviceKind;
use tend_vitals::{Metric, Unit};

use crate::{Error, Result, Session};

const HEADER: [&str; 5] = ["time", "metric", "value", "unit", "device"];
/// Rows handed to the vault at a time.
const BATCH_ROWS: usize = 200_000;
/// Export reads each series a week at a time.
const EXPORT_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// How far an import has got.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct ImportProgress {
    pub rows_done: u64,
    pub rows_total: u64,
}

/// What an import stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub rows: u64,
    pub stored: u64,
    pub duplicates: u64,
}

/// What an export wrote, and what it could not read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportSummary {
    pub rows: u64,
    pub damaged: Vec<String>,
}

impl Session {
    /// Imports a CSV history file; `progress` is called after each stored batch.
    pub async fn import_csv(
        &self,
        path: &Path,
        mut progress: impl FnMut(ImportProgress),
    ) -> Result<ImportSummary> {
        let rows_total = check_file(path)?;
        let mut summary = ImportSummary {
            rows: rows_total,
            ..ImportSummary::default()
        };
        let mut csv = open_csv(path)?;
        let mut record = csv::StringRecord::new();
        let mut batch = Vec::with_capacity(BATCH_ROWS);
        let mut rows_done = 0u64;
        loop {
            let more = csv
                .read_record(&mut record)
                .map_err(|e| Error::InvalidInput(csv_error(&e)))?;
            if more {
                batch.push(parse_row(&record)?);
            }
            if batch.len() == BATCH_ROWS || (!more && !batch.is_empty()) {
                rows_done += batch.len() as u64;
                let (stored, duplicates) = self.store(std::mem::take(&mut batch)).await?;
                summary.stored += stored;
                summary.duplicates += duplicates;
                progress(ImportProgress {
                    rows_done,
                    rows_total,
                });
            }
            if !more {
                return Ok(summary);
            }
        }
    }

    /// Writes the whole history as CSV: each series in time order.
    pub async fn export_csv(&self, out: impl Write) -> Result<ExportSummary> {
        let mut csv = csv::Writer::from_writer(out);
        csv.write_record(HEADER).map_err(write_error)?;
        let series = self.vault.series().await?;
        let mut summary = ExportSummary {
            rows: 0,
            damaged: series.damaged.iter().map(ToString::to_string).collect(),
        };
        for Series { key, .. } in series.data {
            let Some((first, last)) = self.vault.span(&key).await? else {
                continue;
            };
            let mut from = first;
            while from < last {
                let until = from + EXPORT_WINDOW;
                let read = self.vault.read_series(&key, from, until).await?;
                summary
                    .damaged
                    .extend(read.damaged.iter().map(ToString::to_string));
                for sample in read.data {
                    csv.write_record([
                        sample.time.to_string(),
                        key.metric.as_str().to_owned(),
                        sample.value.to_string(),
                        sample.unit.ucum().to_owned(),
                        key.device.clone(),
                    ])
                    .map_err(write_error)?;
                    summary.rows += 1;
                }
                from = until;
            }
        }
        csv.flush()
            .map_err(|e| Error::InvalidInput(format!("cannot write the export: {e}")))?;
        Ok(summary)
    }

    /// Stores one batch, grouped by series. Returns (stored, duplicates).
    ///
    /// The CSV names a device by its label only: a label that is a paired device's id takes that
    /// device's kind (an export of its readings reads back as what it was), an empty one is a
    /// manual entry, any other is of unknown kind.
    async fn store(&self, rows: Vec<(SeriesKey, Sample)>) -> Result<(u64, u64)> {
        let paired = self.paired_devices().await?;
        let mut by_series: BTreeMap<SeriesKey, Vec<Sample>> = BTreeMap::new();
        for (key, sample) in rows {
            by_series.entry(key).or_default().push(sample);
        }
        let (mut stored, mut duplicates) = (0, 0);
        for (key, samples) in by_series {
            let kind = match paired.iter().find(|d| d.id == key.device) {
                Some(device) => device.kind(),
                None if key.device.is_empty() => DeviceKind::Manual,
                None => DeviceKind::Unknown,
            };
            let appended = self
                .vault
                .append_bulk(&Series { key, kind }, samples)
                .await?;
            stored += appended.stored;
            duplicates += appended.duplicates;
        }
        Ok((stored, duplicates))
    }
}

/// Checks every row of the file: the row count, or the first bad row by line number.
fn check_file(path: &Path) -> Result<u64> {
    let mut csv = open_csv(path)?;
    let headers = csv
        .headers()
        .map_err(|e| Error::InvalidInput(csv_error(&e)))?;
    if headers.iter().collect::<Vec<_>>() != HEADER {
        return Err(Error::InvalidInput(format!(
            "line 1: the header must be `{}`",
            HEADER.join(",")
        )));
    }
    let mut rows = 0u64;
    let mut record = csv::StringRecord::new();
    while csv
        .read_record(&mut record)
        .map_err(|e| Error::InvalidInput(csv_error(&e)))?
    {
        parse_row(&record)?;
        rows += 1;
    }
    Ok(rows)
}

fn open_csv(path: &Path) -> Result<csv::Reader<std::io::BufReader<std::fs::File>>> {
    let file = std::fs::File::open(path)
        .map_err(|e| Error::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    Ok(csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(std::io::BufReader::with_capacity(1 << 20, file)))
}

/// One row, or an error naming its line and what is wrong (never the value itself).
fn parse_row(record: &csv::StringRecord) -> Result<(SeriesKey, Sample)> {
    let line = record.position().map_or(0, |p| p.line());
    let bad = |what: String| Error::InvalidInput(format!("line {line}: {what}"));
    let field = |i: usize| record.get(i).unwrap_or("");
    let time: Timestamp = field(0).parse().map_err(|_| {
        bad(
            "the time is not an RFC 3339 date-time with an offset (2026-01-01T08:00:00+01:00)"
                .into(),
        )
    })?;
    let metric: Metric = field(1)
        .parse()
        .map_err(|_| bad(format!("unknown metric `{}`", field(1))))?;
    let value: f64 = field(2)
        .trim()
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| bad("the value is not a number".into()))?;
    let unit: Unit = field(3).parse().map_err(|_| {
        bad(format!(
            "unknown unit `{}` (a UCUM code such as mm[Hg] or /min)",
            field(3)
        ))
    })?;
    if !metric.accepts(unit) {
        return Err(bad(format!("{unit} is not a unit of {metric}")));
    }
    let sample = Sample {
        time,
        value,
        unit,
        sequence: None,
        flags: 0,
    };
    if i64::try_from(time.as_nanosecond()).is_err() {
        return Err(bad("the time is outside the years 1678–2262".into()));
    }
    Ok((
        SeriesKey {
            device: field(4).to_owned(),
            metric,
        },
        sample,
    ))
}

fn csv_error(e: &csv::Error) -> String {
    let line = e.position().map_or(0, |p| p.line());
    match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => {
            format!("line {line}: {len} fields where the header has {expected_len} (quote a device label that holds a comma)")
        }
        csv::ErrorKind::Utf8 { .. } => format!("line {line}: not UTF-8 text"),
        csv::ErrorKind::Io(e) => format!("cannot read the file: {e}"),
        _ => format!("line {line}: malformed CSV"),
    }
}

fn write_error(e: csv::Error) -> Error {
    Error::InvalidInput(format!("cannot write the export: {e}"))
}
