//! `tend meds plan`: the due instants of a schedule in a window, per DESIGN.md's contract.
//!
//! The output is always a JSON array of RFC 3339 instants with the local offset of `--tz`
//! (`"2026-03-08T03:00:00-04:00"`), never jiff's bracketed zone annotation: scripts read it.

use std::path::Path;

use jiff::{tz::TimeZone, Timestamp, Zoned};
use tend_core::meds::{self, DoseSchedule};

use crate::{output, Failure};

/// Prints the doses of the schedule in the file `schedule` due in `[from, until)`, in zone `tz`.
pub fn plan(schedule: &Path, from_text: &str, until_text: &str, tz: &str) -> Result<(), Failure> {
    let text = std::fs::read_to_string(schedule).map_err(|e| {
        Failure::Failed(format!(
            "cannot read the schedule {}: {e}",
            schedule.display()
        ))
    })?;
    let parsed = DoseSchedule::from_json(&text)
        .map_err(|e| Failure::Failed(format!("{}: {e}", schedule.display())))?;
    let from = instant("--from", from_text)?;
    let until = instant("--until", until_text)?;
    if from >= until {
        return Err(Failure::Failed(format!(
            "--from ({from_text}) must be before --until ({until_text})"
        )));
    }
    // The system's tz database, as the app uses: zones follow the machine's tzdata updates.
    let zone = TimeZone::get(tz).map_err(|_| {
        Failure::Failed(format!(
            "--tz: `{tz}` is not a time zone this system knows (an IANA name such as America/New_York)"
        ))
    })?;
    let due = meds::plan(&parsed, from, until, &zone)?;
    output::json(&due.iter().map(rfc3339).collect::<Vec<_>>())
}

/// An instant given on the command line; the message names the flag.
fn instant(flag: &str, text: &str) -> Result<Timestamp, Failure> {
    text.parse().map_err(|_| {
        Failure::Failed(format!(
            "{flag}: `{text}` is not an RFC 3339 instant (such as 2026-03-08T00:00:00-05:00)"
        ))
    })
}

/// RFC 3339 with the instant's local offset.
fn rfc3339(due: &Zoned) -> String {
    due.timestamp()
        .display_with_offset(due.offset())
        .to_string()
}
