//! `tend import`: history in from another app's export or a Nightscout site (read, checked,
//! previewed with `--dry-run`, stored as one batch), `tend import list` and `tend import undo`.

use std::io::{IsTerminal, Write};

use jiff::{tz::TimeZone, Timestamp};
use tend_core::{
    batch_id, preview_import, vitals::Unit, ImportBatch, ImportCancel, ImportFormat, ImportPhase,
    ImportProgress, ImportReport, ImportRequest, ImportSource, Tend, VaultStatus,
};

use crate::{
    args::{self, ImportArgs, ImportCommand, WeightUnit},
    output, unlock, Failure,
};

/// Where the Nightscout site's access token comes from.
const TOKEN_VARIABLE: &str = "TEND_NIGHTSCOUT_TOKEN";

pub async fn run(tend: &Tend, args: ImportArgs, json: bool) -> Result<(), Failure> {
    match args.command {
        Some(ImportCommand::List) => list(tend, json).await,
        Some(ImportCommand::Undo { id }) => undo(tend, &id, json).await,
        None => import(tend, args, json).await,
    }
}

async fn import(tend: &Tend, args: ImportArgs, json: bool) -> Result<(), Failure> {
    let from_site = args.url.is_some();
    let request = request(
        args.file,
        args.url,
        args.format,
        args.tz.as_deref(),
        args.weight_unit,
    )?;
    let cancel = ImportCancel::new();
    let mut meter = Meter::on_terminal();
    let report = if args.dry_run {
        dry_run(tend, &request, &cancel, &mut meter).await?
    } else {
        let session = unlock::session(tend, true).await?;
        let result = session
            .import(&request, Timestamp::now(), &cancel, &mut |p| meter.show(p))
            .await;
        meter.done();
        session.close().await?;
        result.map_err(|e| explained(e, from_site))?
    };
    if json {
        return output::json(&report);
    }
    print_report(&report, args.dry_run)?;
    Ok(())
}

/// The preview: against the history when the profile has a vault (it is not created), else of
/// the file alone.
async fn dry_run(
    tend: &Tend,
    request: &ImportRequest,
    cancel: &ImportCancel,
    meter: &mut Meter,
) -> Result<ImportReport, Failure> {
    let from_site = matches!(request.source, ImportSource::Nightscout { .. });
    let report = match tend.app_info().await?.vault {
        VaultStatus::NotCreated => preview_import(request, cancel, &mut |p| meter.show(p)).await,
        VaultStatus::Locked { .. } => {
            let session = unlock::session(tend, false).await?;
            let read = session
                .read_import(request, cancel, &mut |p| meter.show(p))
                .await
                .map(|pending| pending.report().clone());
            session.close().await?;
            read
        }
    };
    meter.done();
    report.map_err(|e| explained(e, from_site))
}

async fn list(tend: &Tend, json: bool) -> Result<(), Failure> {
    let session = unlock::session(tend, false).await?;
    let batches = session.import_batches().await;
    session.close().await?;
    let batches = batches?;
    if json {
        return output::json(&batches);
    }
    let mut out = std::io::stdout().lock();
    if batches.is_empty() {
        writeln!(out, "no imports")?;
    }
    for batch in &batches {
        writeln!(out, "{}", describe(batch))?;
    }
    Ok(())
}

async fn undo(tend: &Tend, id: &str, json: bool) -> Result<(), Failure> {
    let id = batch_id(id)?;
    let session = unlock::session(tend, false).await?;
    let undone = session.undo_import(id).await;
    session.close().await?;
    let undone = undone?;
    if json {
        return output::json(&undone);
    }
    println!("undone: {}", describe(&undone));
    Ok(())
}

fn request(
    file: Option<std::path::PathBuf>,
    url: Option<String>,
    format: Option<args::ImportFormat>,
    tz: Option<&str>,
    weight_unit: WeightUnit,
) -> Result<ImportRequest, Failure> {
    let source = match (file, url) {
        (_, Some(url)) => ImportSource::Nightscout {
            url,
            token: std::env::var(TOKEN_VARIABLE).ok().filter(|t| !t.is_empty()),
        },
        (Some(file), None) => ImportSource::File(file),
        (None, None) => return Err(Failure::Failed("give a FILE to import, or --url".into())),
    };
    Ok(ImportRequest {
        source,
        format: format.map(format_of),
        time_zone: match tz {
            Some(name) => tend_core::zone_named(name)?,
            None => TimeZone::system(),
        },
        openscale_weight_unit: match weight_unit {
            WeightUnit::Kg => Unit::Kilogram,
            WeightUnit::Lb => Unit::Pound,
        },
    })
}

fn format_of(format: args::ImportFormat) -> ImportFormat {
    use args::ImportFormat as F;
    match format {
        F::Csv => ImportFormat::TendCsv,
        F::AppleHealth => ImportFormat::AppleHealthXml,
        F::AppleHealthZip => ImportFormat::AppleHealthZip,
        F::Nightscout => ImportFormat::NightscoutJson,
        F::NightscoutCsv => ImportFormat::NightscoutCsv,
        F::Openscale => ImportFormat::OpenScaleCsv,
        F::GoogleFit => ImportFormat::GoogleFitDailyCsv,
        F::Fhir => ImportFormat::FhirBundle,
        F::FhirNdjson => ImportFormat::FhirNdjson,
    }
}

/// A refused Nightscout token is not a care team's sign-in: say where the token comes from.
fn explained(e: tend_core::Error, from_site: bool) -> Failure {
    if from_site && e.code() == tend_core::ErrorCode::SignedOut {
        return Failure::Hinted(e, "check the site's token in TEND_NIGHTSCOUT_TOKEN");
    }
    Failure::Core(e)
}

fn print_report(report: &ImportReport, dry_run: bool) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    let what = if dry_run { "would store" } else { "stored" };
    let stored = if dry_run {
        report.readings
    } else {
        report.stored
    };
    writeln!(
        out,
        "{} ({}): {} records read; {what} {} readings and {} summaries; {} duplicates not stored",
        report.file,
        report.format.as_str(),
        report.rows,
        stored,
        report.summaries,
        report.duplicates,
    )?;
    for metric in &report.metrics {
        let units: Vec<&str> = metric.units.iter().map(|u| u.ucum()).collect();
        writeln!(
            out,
            "  {:<18} {:>9} readings {:>6} summaries  {} to {}  ({})",
            metric.metric.as_str(),
            metric.readings,
            metric.summaries,
            metric.first.strftime("%Y-%m-%d"),
            metric.last.strftime("%Y-%m-%d"),
            units.join(", ")
        )?;
    }
    for source in &report.sources {
        writeln!(
            out,
            "  from {}: {} readings, {} summaries; {} dropped as another source's duplicate, {} already stored",
            source.source,
            source.readings,
            source.summaries,
            source.duplicates_dropped,
            source.already_stored
        )?;
    }
    for skip in &report.skipped {
        writeln!(out, "  skipped ({}): {}", skip.reason, skip.count)?;
    }
    match report.batch {
        Some(batch) => writeln!(
            out,
            "import {batch}: `tend import undo {batch}` takes it back"
        )?,
        None if !dry_run => writeln!(out, "nothing new: no import recorded")?,
        None => {}
    }
    Ok(())
}

/// One import as a line: number, when, file, what of each metric.
fn describe(batch: &ImportBatch) -> String {
    let metrics: Vec<String> = batch
        .metrics
        .iter()
        .map(|m| format!("{} {}", m.metric.as_str(), m.readings + m.summaries))
        .collect();
    format!(
        "{}  {}  {} ({}): {} readings, {} summaries [{}]",
        batch.id,
        batch.imported_at.strftime("%Y-%m-%d %H:%M:%SZ"),
        batch.file,
        batch.format.as_str(),
        batch.readings,
        batch.summaries,
        metrics.join(", ")
    )
}

/// Progress on a terminal's stderr, one line rewritten in place; nothing when stderr is not a
/// terminal.
struct Meter {
    on: bool,
    shown: bool,
}

impl Meter {
    fn on_terminal() -> Meter {
        Meter {
            on: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    fn show(&mut self, p: ImportProgress) {
        if !self.on {
            return;
        }
        let megabytes = |b: u64| b as f64 / 1e6;
        let line = match (p.phase, p.bytes_total) {
            (ImportPhase::Reading, Some(total)) => format!(
                "reading {:.0} of {:.0} MB ({:.0}%), {} readings found",
                megabytes(p.bytes_read),
                megabytes(total),
                100.0 * p.bytes_read as f64 / total.max(1) as f64,
                p.readings
            ),
            (ImportPhase::Reading, None) => format!(
                "reading {:.1} MB, {} readings found",
                megabytes(p.bytes_read),
                p.readings
            ),
            (ImportPhase::Storing, _) => {
                format!("storing {} of {} readings", p.stored, p.readings)
            }
        };
        eprint!("\r{line:<72}");
        self.shown = true;
    }

    fn done(&mut self) {
        if self.shown {
            eprintln!();
            self.shown = false;
        }
    }
}
