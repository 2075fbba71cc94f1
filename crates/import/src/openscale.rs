//! openScale's CSV export. Since openScale 3 the header is `DATE,TIME,` then the measurement
//! keys in alphabetical order (`BICEPS,BMI,BMR,BODY_FAT,…,HEART_RATE,…,WEIGHT,WHR,WHTR`), dates
//! `YYYY-MM-DD` and times `HH:MM:SS.fff` in the phone's local time, values in the unit the user
//! chose for each measurement (the file does not say which: the caller does, kilograms by
//! default). Before 3.0 the header was `dateTime,weight,fat,water,muscle,…` with
//! `YYYY-MM-DD HH:MM` and kilograms. Kept: weight, BMI, body fat (%), heart rate. An empty or 0
//! cell is a measurement not taken.

use std::{collections::VecDeque, io::Read};

use jiff::{civil, tz::TimeZone};
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    nightscout::csv_error,
    plausible,
    record::{Entry, EntrySource, ImportedReading, SourceNames},
    time, Error, Result, SkipReason,
};

const SOURCE: &str = "openScale";

pub(crate) fn is_header(line: &str) -> bool {
    let columns: Vec<String> = line
        .split(',')
        .map(|c| c.trim().trim_matches('"').to_ascii_lowercase())
        .collect();
    let has = |name: &str| columns.iter().any(|c| c == name);
    (has("date") && has("time") && (has("weight") || has("body_fat") || has("bmi")))
        || (has("datetime") && has("weight"))
}

/// Which column holds what.
#[derive(Debug, Default)]
struct Columns {
    date: Option<usize>,
    time: Option<usize>,
    date_time: Option<usize>,
    values: Vec<(usize, Metric)>,
}

pub(crate) struct OpenScale<R: Read> {
    csv: csv::Reader<R>,
    record: csv::StringRecord,
    columns: Option<Columns>,
    zone: TimeZone,
    weight_unit: Unit,
    pending: VecDeque<Entry>,
    source: std::sync::Arc<str>,
}

impl<R: Read> OpenScale<R> {
    pub(crate) fn new(input: R, zone: TimeZone, weight_unit: Unit) -> OpenScale<R> {
        OpenScale {
            csv: csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(input),
            record: csv::StringRecord::new(),
            columns: None,
            zone,
            weight_unit,
            pending: VecDeque::new(),
            source: SourceNames::default().get(SOURCE),
        }
    }

    fn columns(&mut self) -> Result<&Columns> {
        if self.columns.is_none() {
            let headers = self.csv.headers().map_err(|e| csv_error(&e))?;
            let mut columns = Columns::default();
            for (i, name) in headers.iter().enumerate() {
                match name.trim().to_ascii_lowercase().as_str() {
                    "date" => columns.date = Some(i),
                    "time" => columns.time = Some(i),
                    "datetime" => columns.date_time = Some(i),
                    "weight" => columns.values.push((i, Metric::Weight)),
                    "bmi" => columns.values.push((i, Metric::Bmi)),
                    "body_fat" | "fat" => columns.values.push((i, Metric::BodyFat)),
                    "heart_rate" => columns.values.push((i, Metric::HeartRate)),
                    _ => {}
                }
            }
            if columns.date.is_none() && columns.date_time.is_none() {
                return Err(Error::Malformed {
                    place: "line 1".into(),
                    what: "an openScale header needs DATE (and TIME) or dateTime".into(),
                });
            }
            self.columns = Some(columns);
        }
        self.columns.as_ref().ok_or(Error::UnknownFormat)
    }
}

impl<R: Read> EntrySource for OpenScale<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            self.columns()?;
            if !self
                .csv
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&e))?
            {
                return Ok(None);
            }
            let Some(columns) = self.columns.as_ref() else {
                return Ok(None);
            };
            let line = self.record.position().map_or(0, |p| p.line());
            let field = |i: Option<usize>| {
                i.and_then(|i| self.record.get(i))
                    .map(str::trim)
                    .unwrap_or("")
            };
            if self.record.iter().all(|f| f.trim().is_empty()) {
                continue;
            }
            let bad = |what: &str| Error::Malformed {
                place: format!("line {line}"),
                what: what.to_owned(),
            };
            let (date, clock) = match columns.date_time {
                Some(_) => {
                    let text = field(columns.date_time);
                    let (date, clock) = text.split_once(' ').unwrap_or((text, ""));
                    (date, clock)
                }
                None => (field(columns.date), field(columns.time)),
            };
            let date: civil::Date = date
                .parse()
                .map_err(|_| bad("the date is not YYYY-MM-DD"))?;
            if clock.is_empty() {
                self.pending.extend(
                    columns
                        .values
                        .iter()
                        .filter(|(i, _)| !field(Some(*i)).is_empty())
                        .map(|_| Entry::Skipped(SkipReason::ImpreciseTime)),
                );
                continue;
            }
            let clock: civil::Time = clock
                .parse()
                .map_err(|_| bad("the time is not HH:MM[:SS]"))?;
            let time = time::local(date, clock, &self.zone)
                .ok_or_else(|| bad("the date and time are out of range"))?;
            for &(i, metric) in &columns.values {
                let text = field(Some(i));
                if text.is_empty() {
                    continue;
                }
                let value: f64 = text
                    .parse()
                    .ok()
                    .filter(|v: &f64| v.is_finite())
                    .ok_or_else(|| bad("a value is not a number"))?;
                if value == 0.0 {
                    self.pending.push_back(Entry::Skipped(SkipReason::NoValue));
                    continue;
                }
                let unit = match metric {
                    Metric::Weight => self.weight_unit,
                    other => other.canonical_unit(),
                };
                let entry = match plausible::check(metric, value, unit) {
                    Err(reason) => Entry::Skipped(reason),
                    Ok(()) => Entry::Reading(ImportedReading {
                        metric,
                        time,
                        value,
                        unit,
                        device_kind: DeviceKind::Scale,
                        source: self.source.clone(),
                    }),
                };
                self.pending.push_back(entry);
            }
        }
    }
}
