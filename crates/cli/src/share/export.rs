//! `tend export --format fhir`: the whole history as one R4 `collection` Bundle.

use std::path::Path;

use jiff::tz::TimeZone;
use tend_core::{Tend, WholeFile};

use crate::clock::now;
use crate::{unlock, Failure};

/// `tend export --format fhir`: one R4 `collection` Bundle, to `output` (in place only when
/// whole: a failed export leaves no file that looks like one) or standard output.
pub async fn export_fhir(tend: &Tend, output: Option<&Path>) -> Result<(), Failure> {
    let now = now()?;
    let cannot_write = |path: &Path, e: std::io::Error| {
        Failure::Failed(format!("cannot write {}: {e}", path.display()))
    };
    let mut file = output
        .map(|path| WholeFile::create(path).map_err(|e| cannot_write(path, e)))
        .transpose()?;
    let session = unlock::session(tend, false).await?;
    let zone = TimeZone::system();
    let presence = session.opened_by_the_patient();
    let written = match file.as_mut() {
        Some(file) => session.export_fhir(file, &zone, now, &presence).await,
        None => {
            let stdout = std::io::BufWriter::new(std::io::stdout().lock());
            session.export_fhir(stdout, &zone, now, &presence).await
        }
    };
    session.close().await?;
    written?;
    if let (Some(file), Some(path)) = (file, output) {
        file.finish().map_err(|e| cannot_write(path, e))?;
    }
    Ok(())
}
