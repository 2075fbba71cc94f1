//! Readers for other apps' exports: a patient's history from Apple Health, Nightscout, openScale,
//! Google Fit, FHIR R4 (a portal download or another Tend's export) and Tend's own CSV.
//!
//! Every reader streams: it holds one record (an XML element, a CSV row, a JSON resource) at a time,
//! and every such record is bounded in size ([`Limits`]), so a file of several GB — or a hostile
//! one with a 10 GB line — is read in bounded memory. Input comes only through what the caller
//! passes in (`Read`, `Read + Seek` for a zip); nothing here reads a clock or the network.
//!
//! [`Import`] recognises the format by content ([`detect`]), reads it, skips and counts values
//! Tend cannot keep ([`SkipReason`]), drops duplicates across sources ([`Deduplicator`]) and keeps
//! a running [`Preview`] (per metric: count, date range, unit; per source; skipped by reason).
//! A file with an unreadable part ends in an [`Error`] that names where (line, or XML element and
//! byte offset): the caller stores nothing of it.

mod apple_health;
mod bounded;
mod dedupe;
mod detect;
mod fhir;
mod google_fit;
mod import;
mod json_stream;
mod nightscout;
mod openscale;
mod plausible;
mod preview;
mod record;
pub mod synthetic;
mod tend_csv;
mod time;
mod zip_entry;

pub use dedupe::{Admission, Deduplicator, ReadingKey};
pub use detect::{detect, Format};
pub use import::{BytesRead, Import, ImportOptions, Limits, Progress};
pub use plausible::plausible_range;
pub use preview::{MetricPreview, Preview, SourcePreview};
pub use record::{Imported, ImportedReading, ImportedSummary, SkipReason};

/// Why a file could not be read. Names where the problem is; never carries a health value.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the format of this file is not one Tend can import (Apple Health, Nightscout, openScale, Google Fit, FHIR R4 or Tend CSV)")]
    UnknownFormat,
    #[error("{0}")]
    Unsupported(String),
    /// A line, element or JSON value longer than the limit: read no further.
    #[error("{place}: longer than {limit} bytes without a break; the file is not a {format} export or is damaged")]
    TooLong {
        format: Format,
        place: String,
        limit: usize,
    },
    /// The XML declares entities (a DTD with `<!ENTITY`, as in a billion-laughs attack) or uses one
    /// that XML does not predefine.
    #[error("{place}: {what}; Apple Health exports use no entities beyond XML's own, so the file is refused")]
    Entity { place: String, what: String },
    /// The file does not follow its format at `place`.
    #[error("{place}: {what}")]
    Malformed { place: String, what: String },
    #[error("the zip archive cannot be read: {0}")]
    Zip(String),
    #[error("cannot read the file: {0}")]
    Io(String),
    #[error("the import was cancelled")]
    Cancelled,
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests;
