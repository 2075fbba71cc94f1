//! History out as CSV (`time,metric,value,unit,device`), per DESIGN.md's contract. It comes back
//! in through the import (`import/`): Tend's CSV is one of the formats `tend-import` reads, so
//! export then import reproduces the history exactly.

use std::io::Write;

use jiff::SignedDuration;
use serde::Serialize;
use tend_vault::Series;

use crate::{Error, Presence, Result, Session};

const HEADER: [&str; 5] = ["time", "metric", "value", "unit", "device"];
/// Export reads each series a week at a time.
const EXPORT_WINDOW: SignedDuration = SignedDuration::from_hours(7 * 24);

/// What an export wrote, and what it could not read.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ExportSummary {
    pub rows: u64,
    pub damaged: Vec<String>,
}

impl Session {
    /// Writes the whole history as CSV: each series in time order. It leaves Tend: the patient
    /// must be here.
    pub async fn export_csv(&self, out: impl Write, _: &Presence) -> Result<ExportSummary> {
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
}

fn write_error(e: csv::Error) -> Error {
    Error::InvalidInput(format!("cannot write the export: {e}"))
}
