//! Google Fit Takeout's "Daily activity metrics" summaries (`Daily Summaries.csv`): one row per
//! local day, `Date,Move Minutes count,Calories (kcal),…,Average heart rate (bpm),Max heart rate
//! (bpm),Min heart rate (bpm),…,Average weight (kg),Max weight (kg),Min weight (kg),…`. The vitals
//! in it are the heart-rate and weight statistics of each day: kept as daily summaries (the day
//! placed in the patient's time zone), never as readings. Activity columns are not vitals.

use std::{collections::VecDeque, io::Read, sync::Arc};

use jiff::{civil, tz::TimeZone};
use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    nightscout::csv_error,
    plausible,
    record::{Entry, EntrySource, ImportedSummary, SourceNames},
    time, Error, Result, SkipReason,
};

const SOURCE: &str = "Google Fit";

/// The statistics columns of one metric: (mean, max, min), and its unit.
const STATISTICS: [(Metric, Unit, [&str; 3]); 2] = [
    (
        Metric::HeartRate,
        Unit::PerMinute,
        [
            "Average heart rate (bpm)",
            "Max heart rate (bpm)",
            "Min heart rate (bpm)",
        ],
    ),
    (
        Metric::Weight,
        Unit::Kilogram,
        ["Average weight (kg)", "Max weight (kg)", "Min weight (kg)"],
    ),
];

pub(crate) fn is_header(line: &str) -> bool {
    let mut columns = line.split(',').map(|c| c.trim().trim_matches('"'));
    columns.next() == Some("Date")
        && columns.any(|c| {
            matches!(
                c,
                "Move Minutes count"
                    | "Calories (kcal)"
                    | "Step count"
                    | "Average heart rate (bpm)"
                    | "Average weight (kg)"
            )
        })
}

pub(crate) struct GoogleFit<R: Read> {
    csv: csv::Reader<R>,
    record: csv::StringRecord,
    /// Per metric of [`STATISTICS`]: the columns of its mean, max and min.
    columns: Option<Vec<[Option<usize>; 3]>>,
    zone: TimeZone,
    pending: VecDeque<Entry>,
    source: Arc<str>,
}

impl<R: Read> GoogleFit<R> {
    pub(crate) fn new(input: R, zone: TimeZone) -> GoogleFit<R> {
        GoogleFit {
            csv: csv::ReaderBuilder::new()
                .has_headers(true)
                .flexible(true)
                .from_reader(input),
            record: csv::StringRecord::new(),
            columns: None,
            zone,
            pending: VecDeque::new(),
            source: SourceNames::default().get(SOURCE),
        }
    }
}

impl<R: Read> EntrySource for GoogleFit<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        if self.columns.is_none() {
            let headers = self.csv.headers().map_err(|e| csv_error(&e))?;
            if headers.get(0).map(str::trim) != Some("Date") {
                return Err(Error::Malformed {
                    place: "line 1".into(),
                    what: "a Google Fit daily summary starts with a Date column".into(),
                });
            }
            let find = |name: &str| headers.iter().position(|h| h.trim() == name);
            self.columns = Some(
                STATISTICS
                    .iter()
                    .map(|(_, _, names)| names.map(find))
                    .collect(),
            );
        }
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            if !self
                .csv
                .read_record(&mut self.record)
                .map_err(|e| csv_error(&e))?
            {
                return Ok(None);
            }
            let line = self.record.position().map_or(0, |p| p.line());
            let bad = |what: &str| Error::Malformed {
                place: format!("line {line}"),
                what: what.to_owned(),
            };
            let date_text = self.record.get(0).unwrap_or("").trim();
            if date_text.is_empty() {
                continue;
            }
            let date: civil::Date = date_text
                .parse()
                .map_err(|_| bad("the date is not YYYY-MM-DD"))?;
            let start = time::local(date, civil::Time::midnight(), &self.zone);
            let end = date
                .tomorrow()
                .ok()
                .and_then(|next| time::local(next, civil::Time::midnight(), &self.zone));
            let (Some(start), Some(end)) = (start, end) else {
                return Err(bad("the date is out of range"));
            };
            let Some(columns) = self.columns.as_ref() else {
                return Ok(None);
            };
            for ((metric, unit, _), cells) in STATISTICS.iter().zip(columns) {
                let mut values = [None; 3];
                for (value, cell) in values.iter_mut().zip(cells) {
                    let text = cell.and_then(|i| self.record.get(i)).unwrap_or("").trim();
                    if !text.is_empty() {
                        let number: f64 = text
                            .parse()
                            .ok()
                            .filter(|v: &f64| v.is_finite())
                            .ok_or_else(|| bad("a value is not a number"))?;
                        // Takeout writes 0 for a day without the measurement.
                        *value = (number != 0.0).then_some(number);
                    }
                }
                let [mean, max, min] = values;
                if values.iter().all(Option::is_none) {
                    continue;
                }
                let plausible = values
                    .iter()
                    .flatten()
                    .all(|v| plausible::check(*metric, *v, *unit).is_ok());
                self.pending.push_back(if plausible {
                    Entry::Summary(ImportedSummary {
                        metric: *metric,
                        start,
                        end,
                        unit: *unit,
                        mean,
                        min,
                        max,
                        count: None,
                        device_kind: DeviceKind::Unknown,
                        source: self.source.clone(),
                    })
                } else {
                    Entry::Skipped(SkipReason::OutOfRange)
                });
            }
        }
    }
}
