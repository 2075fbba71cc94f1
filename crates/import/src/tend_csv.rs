//! Tend's own CSV (`time,metric,value,unit,device`), per the CLI contract in DESIGN.md: the
//! header exactly, RFC 3339 times, Tend's metric names, UCUM units that measure the metric; a bad
//! row is an error naming its line. Values are Tend's own, so they are taken as they are (no
//! plausibility filter): export then import reproduces the history exactly.

use std::io::Read;

use tend_vitals::{DeviceKind, Metric, Unit};

use crate::{
    nightscout::csv_error,
    record::{Entry, EntrySource, ImportedReading, SourceNames},
    Error, Result,
};

const HEADER: [&str; 5] = ["time", "metric", "value", "unit", "device"];

pub(crate) fn is_header(line: &str) -> bool {
    line.split(',').eq(HEADER)
}

pub(crate) struct TendCsv<R: Read> {
    csv: csv::Reader<R>,
    record: csv::StringRecord,
    checked_header: bool,
    sources: SourceNames,
}

impl<R: Read> TendCsv<R> {
    pub(crate) fn new(input: R) -> TendCsv<R> {
        TendCsv {
            csv: csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(input),
            record: csv::StringRecord::new(),
            checked_header: false,
            sources: SourceNames::default(),
        }
    }
}

impl<R: Read> EntrySource for TendCsv<R> {
    fn next_entry(&mut self) -> Result<Option<Entry>> {
        if !self.checked_header {
            self.checked_header = true;
            let headers = self.csv.headers().map_err(|e| csv_error(&e))?;
            if !headers.iter().eq(HEADER) {
                return Err(Error::Malformed {
                    place: "line 1".into(),
                    what: format!("the header must be `{}`", HEADER.join(",")),
                });
            }
        }
        if !self
            .csv
            .read_record(&mut self.record)
            .map_err(|e| csv_error(&e))?
        {
            return Ok(None);
        }
        let line = self.record.position().map_or(0, |p| p.line());
        let bad = |what: String| Error::Malformed {
            place: format!("line {line}"),
            what,
        };
        let field = |i: usize| self.record.get(i).unwrap_or("");
        let time: jiff::Timestamp = field(0).parse().map_err(|_| {
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
        if i64::try_from(time.as_nanosecond()).is_err() {
            return Err(bad("the time is outside the years 1678–2262".into()));
        }
        Ok(Some(Entry::Reading(ImportedReading {
            metric,
            time,
            value,
            unit,
            device_kind: DeviceKind::Unknown,
            source: self.sources.get(field(4)),
        })))
    }
}
