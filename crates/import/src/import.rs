//! One import: the format recognised (or forced), the stream metered and bounded, the format's
//! reader behind it, skips counted, duplicates dropped, the preview kept. Iterate it to get the
//! readings and summaries to store; stop at the first error and store nothing.

use std::{
    io::{BufReader, Cursor, Read, Seek, SeekFrom},
    sync::{atomic::AtomicBool, Arc},
};

use jiff::tz::TimeZone;
use serde::Serialize;
use tend_vitals::Unit;

use crate::{
    apple_health::AppleHealth,
    bounded::{Meter, Metered, RunLimit},
    dedupe::{Admission, Deduplicator, ReadingKey},
    detect::{detect, DETECT_PREFIX_BYTES},
    fhir::{FhirBundle, FhirNdjson},
    google_fit::GoogleFit,
    nightscout::{NightscoutCsv, NightscoutJson},
    openscale::OpenScale,
    record::{Entry, EntrySource},
    tend_csv::TendCsv,
    zip_entry, Error, Format, Imported, Preview, Result,
};

/// Bounds on what one record may hold; past them the file is refused, read no further.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// A CSV or NDJSON line.
    pub max_line_bytes: usize,
    /// XML between two `<` (one element with its attributes, or the text after it); one JSON
    /// element (a Nightscout entry, a Bundle entry).
    pub max_element_bytes: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_line_bytes: 1 << 20,
            max_element_bytes: 16 << 20,
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// Read as this format instead of recognising it.
    pub format: Option<Format>,
    /// The patient's time zone, for files that give wall-clock times without an offset
    /// (openScale) or local days (Google Fit).
    pub time_zone: TimeZone,
    /// The unit openScale's weight column is in (the file does not say; openScale's setting).
    pub openscale_weight_unit: Unit,
    /// The file's size, for progress.
    pub total_bytes: Option<u64>,
    /// Set to cancel: the next read fails with [`Error::Cancelled`].
    pub cancel: Option<Arc<AtomicBool>>,
    pub limits: Limits,
}

impl Default for ImportOptions {
    fn default() -> ImportOptions {
        ImportOptions {
            format: None,
            time_zone: TimeZone::UTC,
            openscale_weight_unit: Unit::Kilogram,
            total_bytes: None,
            cancel: None,
            limits: Limits::default(),
        }
    }
}

/// How far an import has got.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Bytes of the caller's stream read (of the zip, for an `export.zip`).
    pub bytes_read: u64,
    pub bytes_total: Option<u64>,
    pub readings: u64,
    pub summaries: u64,
}

/// How many bytes of its stream an import has read, readable from another thread while the
/// import itself runs on a reader thread (progress through long runs of skipped records).
#[derive(Debug, Clone)]
pub struct BytesRead {
    meter: Arc<Meter>,
    total: Option<u64>,
}

impl BytesRead {
    /// Bytes of the caller's stream read so far (never past the total given).
    pub fn get(&self) -> u64 {
        self.total
            .map_or(self.meter.position(), |t| self.meter.position().min(t))
    }
}

type HistoryLookup = Box<dyn FnMut(&ReadingKey) -> bool + Send>;

/// An import under way. An `Iterator` of what to store; [`Import::preview`] at any point.
pub struct Import {
    format: Format,
    entries: Box<dyn EntrySource + Send>,
    meter: Arc<Meter>,
    dedupe: Deduplicator,
    already_stored: HistoryLookup,
    preview: Preview,
    total: Option<u64>,
    limits: Limits,
    finished: bool,
}

impl std::fmt::Debug for Import {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Import")
            .field("format", &self.format)
            .field("preview", &self.preview)
            .finish_non_exhaustive()
    }
}

impl Import {
    /// Opens a file (or any seekable stream): every format, `export.zip` included.
    pub fn from_seekable<R: Read + Seek + Send + 'static>(
        input: R,
        options: ImportOptions,
    ) -> Result<Import> {
        let meter = Meter::new(options.cancel.clone());
        let mut input = Metered::new(input, meter.clone());
        let prefix = read_prefix(&mut input)?;
        let format = options
            .format
            .or_else(|| detect(&prefix))
            .ok_or(Error::UnknownFormat)?;
        input
            .seek(SeekFrom::Start(0))
            .map_err(|e| Error::Io(e.to_string()))?;
        let stream: Box<dyn Read + Send> = if format == Format::AppleHealthZip {
            zip_entry::export_xml(input)?
        } else {
            Box::new(input)
        };
        Import::with_stream(stream, &prefix, format, options, meter)
    }

    /// Opens a stream read once (a pipe, a download): every format but a zip, which needs its end
    /// first.
    pub fn from_reader<R: Read + Send + 'static>(
        input: R,
        options: ImportOptions,
    ) -> Result<Import> {
        let meter = Meter::new(options.cancel.clone());
        let mut input = Metered::new(input, meter.clone());
        let prefix = read_prefix(&mut input)?;
        let format = options
            .format
            .or_else(|| detect(&prefix))
            .ok_or(Error::UnknownFormat)?;
        if format == Format::AppleHealthZip {
            return Err(Error::Unsupported(
                "a zip is read from a file (its directory is at its end): pass the file, or its export.xml".into(),
            ));
        }
        let stream: Box<dyn Read + Send> = Box::new(Cursor::new(prefix.clone()).chain(input));
        Import::with_stream(stream, &prefix, format, options, meter)
    }

    fn with_stream(
        stream: Box<dyn Read + Send>,
        prefix: &[u8],
        format: Format,
        options: ImportOptions,
        meter: Arc<Meter>,
    ) -> Result<Import> {
        let limits = options.limits;
        let lines = |stream| RunLimit::new(stream, b'\n', limits.max_line_bytes, meter.clone());
        let entries: Box<dyn EntrySource + Send> = match format {
            Format::AppleHealthZip | Format::AppleHealthXml => {
                let xml = RunLimit::new(stream, b'<', limits.max_element_bytes, meter.clone());
                Box::new(AppleHealth::new(BufReader::with_capacity(256 << 10, xml)))
            }
            Format::NightscoutJson => Box::new(NightscoutJson::new(
                BufReader::with_capacity(64 << 10, stream),
                limits.max_element_bytes,
            )),
            Format::FhirBundle => Box::new(FhirBundle::new(
                BufReader::with_capacity(64 << 10, stream),
                limits.max_element_bytes,
            )),
            Format::FhirNdjson => Box::new(FhirNdjson::new(BufReader::with_capacity(
                64 << 10,
                lines(stream),
            ))),
            Format::NightscoutCsv => {
                let first_line = prefix.split(|&c| c == b'\n').next().unwrap_or(&[]);
                Box::new(NightscoutCsv::new(
                    lines(stream),
                    first_line.contains(&b'\t'),
                ))
            }
            Format::OpenScaleCsv => Box::new(OpenScale::new(
                lines(stream),
                options.time_zone.clone(),
                options.openscale_weight_unit,
            )),
            Format::GoogleFitDailyCsv => {
                Box::new(GoogleFit::new(lines(stream), options.time_zone.clone()))
            }
            Format::TendCsv => Box::new(TendCsv::new(lines(stream))),
        };
        Ok(Import {
            format,
            entries,
            meter,
            dedupe: Deduplicator::new(),
            already_stored: Box::new(|_| false),
            preview: Preview::new(format),
            total: options.total_bytes,
            limits,
            finished: false,
        })
    }

    /// Drops the readings the history already holds: `already_stored` is asked once for each
    /// reading new to this import.
    pub fn with_history(
        mut self,
        already_stored: impl FnMut(&ReadingKey) -> bool + Send + 'static,
    ) -> Import {
        self.already_stored = Box::new(already_stored);
        self
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// A handle on the bytes read, for another thread.
    pub fn bytes_read(&self) -> BytesRead {
        BytesRead {
            meter: self.meter.clone(),
            total: self.total,
        }
    }

    pub fn progress(&self) -> Progress {
        Progress {
            // A damaged zip can point past the file's end; progress never does.
            bytes_read: self
                .total
                .map_or(self.meter.position(), |t| self.meter.position().min(t)),
            bytes_total: self.total,
            readings: self.preview.readings(),
            summaries: self.preview.summaries(),
        }
    }

    pub fn preview(&self) -> &Preview {
        &self.preview
    }

    /// Reads to the end without keeping anything: the dry run.
    pub fn dry_run(mut self) -> Result<Preview> {
        for item in self.by_ref() {
            item?;
        }
        Ok(self.preview)
    }

    /// The error to report for `error`, given why the stream may have stopped.
    fn explain(&self, error: Error) -> Error {
        if self.meter.is_cancelled() {
            return Error::Cancelled;
        }
        if let Some(at) = self.meter.too_long_at() {
            let (place, limit) = match self.format {
                Format::AppleHealthZip | Format::AppleHealthXml => (
                    format!("XML text at byte {at}"),
                    self.limits.max_element_bytes,
                ),
                _ => (
                    format!("the line starting at byte {at}"),
                    self.limits.max_line_bytes,
                ),
            };
            return Error::TooLong {
                format: self.format,
                place,
                limit,
            };
        }
        error
    }
}

impl Iterator for Import {
    type Item = Result<Imported>;

    fn next(&mut self) -> Option<Result<Imported>> {
        if self.finished {
            return None;
        }
        if self.meter.is_cancelled() {
            self.finished = true;
            return Some(Err(Error::Cancelled));
        }
        loop {
            let entry = match self.entries.next_entry() {
                Ok(Some(entry)) => entry,
                Ok(None) => {
                    self.finished = true;
                    return None;
                }
                Err(error) => {
                    self.finished = true;
                    return Some(Err(self.explain(error)));
                }
            };
            match entry {
                Entry::Skipped(reason) => self.preview.skip(reason),
                Entry::Summary(summary) => {
                    self.preview.summary(&summary);
                    return Some(Ok(Imported::Summary(summary)));
                }
                Entry::Reading(reading) => {
                    match self.dedupe.admit(&reading, &mut self.already_stored) {
                        Admission::Keep => {}
                        // Tend's own CSV holds one series per device: the same value at the
                        // same instant from two devices is two readings.
                        Admission::DuplicateOf(_) if self.format == Format::TendCsv => {}
                        Admission::DuplicateOf(_) => {
                            self.preview.duplicate(&reading.source);
                            continue;
                        }
                        Admission::Repeat => {
                            self.preview.repeats_within_source += 1;
                            continue;
                        }
                        Admission::AlreadyStored => {
                            self.preview.already_stored += 1;
                            continue;
                        }
                    }
                    self.preview.reading(&reading);
                    return Some(Ok(Imported::Reading(reading)));
                }
            }
        }
    }
}

fn read_prefix(input: &mut impl Read) -> Result<Vec<u8>> {
    let mut prefix = Vec::with_capacity(DETECT_PREFIX_BYTES);
    input
        .take(DETECT_PREFIX_BYTES as u64)
        .read_to_end(&mut prefix)
        .map_err(|e| Error::Io(e.to_string()))?;
    Ok(prefix)
}
