//! `tend report`: the clinic report over a period, as the JSON of docs/cli.md, an accessible PDF,
//! or a FHIR collection Bundle; and `tend share report`: sending it to a care team.

use std::{io::Write, path::Path};

use jiff::{SignedDuration, Timestamp};
use tend_core::{clinic::Period, ReportRequest, Session, Tend, DEFAULT_REPORT_DAYS};

use crate::{
    args::ReportFormat,
    clock::{instant, now, zone},
    output, unlock, Failure,
};

/// `tend report`.
pub async fn run(
    tend: &Tend,
    from: Option<&str>,
    until: Option<&str>,
    format: ReportFormat,
    output_file: Option<&Path>,
    tz: Option<&str>,
) -> Result<(), Failure> {
    let now = now()?;
    let request = request(from, until, tz, now)?;
    if format == ReportFormat::Pdf
        && output_file.is_none()
        && std::io::IsTerminal::is_terminal(&std::io::stdout())
    {
        return Err(Failure::Failed(
            "a PDF is not for a terminal: give --output FILE, or redirect stdout".into(),
        ));
    }
    let session = unlock::session(tend, false).await?;
    let made = make(&session, &request, format, now).await;
    session.close().await?;
    let bytes = made?;
    match output_file {
        Some(path) => tend_core::WholeFile::create(path)
            .and_then(|mut file| file.write_all(&bytes).and_then(|()| file.finish()))
            .map_err(|e| Failure::Failed(format!("cannot write {}: {e}", path.display()))),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(&bytes)?;
            if format != ReportFormat::Pdf {
                out.write_all(b"\n")?;
            }
            Ok(out.flush()?)
        }
    }
}

async fn make(
    session: &Session,
    request: &ReportRequest,
    format: ReportFormat,
    now: Timestamp,
) -> Result<Vec<u8>, Failure> {
    Ok(match format {
        ReportFormat::Json => {
            let (report, _) = session.clinic_report(request, now).await?;
            serde_json::to_vec(&report)?
        }
        ReportFormat::Pdf => session.clinic_report_pdf(request, now).await?,
        ReportFormat::Fhir => serde_json::to_vec(&session.clinic_report_fhir(request, now).await?)?,
    })
}

/// `tend share report TEAM`.
pub async fn send(
    session: &Session,
    team: &str,
    from: Option<&str>,
    until: Option<&str>,
    tz: Option<&str>,
    json: bool,
    now: Timestamp,
) -> Result<(), Failure> {
    let request = request(from, until, tz, now)?;
    let sent = session
        .share_report_https(team, &request, std::time::Duration::from_secs(30), now)
        .await?;
    if json {
        return output::json(&sent);
    }
    let names: Vec<String> = sent.categories.iter().map(ToString::to_string).collect();
    println!(
        "The clinic report for {} to {} went to `{team}` ({} resources; it holds {}).",
        request.period.from,
        request.period.until,
        sent.resources,
        if names.is_empty() {
            "no data: nothing else is shared with this team".into()
        } else {
            names.join(", ")
        }
    );
    Ok(())
}

/// The period (default: the last 14 days up to now), the zone and the locale for the paper.
fn request(
    from: Option<&str>,
    until: Option<&str>,
    tz: Option<&str>,
    now: Timestamp,
) -> Result<ReportRequest, Failure> {
    let until = match until {
        Some(text) => instant("--until", text)?,
        None => now,
    };
    let from = match from {
        Some(text) => instant("--from", text)?,
        None => until - SignedDuration::from_hours(24 * DEFAULT_REPORT_DAYS),
    };
    let period = Period::new(from, until)
        .map_err(|_| Failure::Failed("--from must be before --until".into()))?;
    let zone = zone(tz)?;
    Ok(ReportRequest {
        period,
        zone,
        locale: locale(),
    })
}

/// The locale the paper size follows: LC_ALL, LC_PAPER or LANG, as the C library reads them.
fn locale() -> String {
    ["LC_ALL", "LC_PAPER", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|l| !l.is_empty()))
        .unwrap_or_default()
}
