//! `tend export --format fhir`: the whole history as one R4 `collection` Bundle.

use std::path::Path;

use jiff::tz::TimeZone;
use tend_core::Tend;

use crate::clock::now;
use crate::{unlock, Failure};

/// `tend export --format fhir`: one R4 `collection` Bundle.
pub async fn export_fhir(tend: &Tend, output: Option<&Path>) -> Result<(), Failure> {
    let now = now()?;
    let session = unlock::session(tend, false).await?;
    let written = match output {
        Some(path) => match std::fs::File::create(path) {
            Ok(file) => {
                session
                    .export_fhir(
                        std::io::BufWriter::new(file),
                        &TimeZone::system(),
                        now,
                        &session.opened_by_the_patient(),
                    )
                    .await
            }
            Err(e) => {
                session.close().await?;
                return Err(Failure::Failed(format!(
                    "cannot write {}: {e}",
                    path.display()
                )));
            }
        },
        None => {
            session
                .export_fhir(
                    std::io::BufWriter::new(std::io::stdout().lock()),
                    &TimeZone::system(),
                    now,
                    &session.opened_by_the_patient(),
                )
                .await
        }
    };
    session.close().await?;
    written?;
    Ok(())
}
