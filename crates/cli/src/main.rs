//! `tend`: every Tend capability from the command line, with JSON output for scripts.
//!
//! Errors go to stderr as one line and the exit code is non-zero; results go to stdout.

// This binary's job is to print results.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod args;
mod bp_week;
mod clock;
mod decode;
mod devices;
mod failure;
mod history;
mod import;
mod meds;
mod output;
mod report;
mod share;
mod status;
mod unlock;
mod vault_admin;

use std::{path::PathBuf, process::ExitCode};

use clap::Parser;

use args::{Args, BenchCommand, Command, ExportFormat, MedsCommand, VaultCommand};
pub use failure::Failure;

fn main() -> ExitCode {
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("tend: {}", one_line(&failure.message()));
            ExitCode::from(failure.exit_code())
        }
    }
}

fn run(args: Args) -> Result<(), Failure> {
    let json = args.json;
    match args.command {
        Command::Decode {
            characteristic,
            hex,
        } => decode::run(&characteristic, &hex.join(" ")),
        Command::Status => block_on(status::run(&profile(args.data_dir)?, json)),
        Command::Meds(MedsCommand::Plan {
            schedule,
            from,
            until,
            tz,
        }) => meds::plan(&schedule, &from, &until, &tz),
        Command::Meds(command) => block_on(meds::run(&profile(args.data_dir)?, command, json)),
        Command::Import(import) => block_on(import::run(&profile(args.data_dir)?, import, json)),
        Command::Export {
            format: ExportFormat::Csv,
            output: None,
        } => block_on(history::export(&profile(args.data_dir)?)),
        Command::Export {
            format: ExportFormat::Csv,
            output: Some(_),
        } => Err(Failure::Failed(
            "--output is for --format fhir; redirect the CSV instead (> FILE)".into(),
        )),
        Command::Export {
            format: ExportFormat::Fhir,
            output,
        } => block_on(share::export_fhir(
            &profile(args.data_dir)?,
            output.as_deref(),
        )),
        Command::Report {
            from,
            until,
            format,
            output,
            tz,
        } => block_on(report::run(
            &profile(args.data_dir)?,
            from.as_deref(),
            until.as_deref(),
            format,
            output.as_deref(),
            tz.as_deref(),
        )),
        Command::Trends {
            metric,
            from,
            until,
            bucket,
        } => block_on(history::trends(
            &profile(args.data_dir)?,
            &metric,
            &from,
            &until,
            &bucket,
            json,
        )),
        Command::Bench(BenchCommand::Vault { readings }) => {
            block_on(vault_admin::bench(readings, json))
        }
        Command::Bench(BenchCommand::Share {
            url,
            patient,
            baseline,
            max_entries,
        }) => block_on(share::bench(&url, &patient, baseline, max_entries, json)),
        Command::BpWeek(command) => block_on(bp_week::run(&profile(args.data_dir)?, command, json)),
        Command::Share(command) => block_on(share::run(&profile(args.data_dir)?, command, json)),
        Command::Devices(command) => {
            block_on(devices::run(&profile(args.data_dir)?, command, json))
        }
        Command::Passphrase => block_on(unlock::change_passphrase(&profile(args.data_dir)?)),
        Command::Vault(VaultCommand::AcceptOlder { yes }) => block_on(vault_admin::accept_older(
            &profile(args.data_dir)?,
            yes,
            json,
        )),
        Command::Erase { yes } => block_on(vault_admin::erase(&profile(args.data_dir)?, yes, json)),
    }
}

/// The profile named by `--data-dir`/`TEND_DATA_DIR`, or the desktop default.
fn profile(data_dir: Option<PathBuf>) -> Result<tend_core::Tend, Failure> {
    let dir = data_dir
        .or_else(tend_core::Tend::default_data_dir)
        .ok_or_else(|| Failure::Failed("no home directory: give --data-dir".into()))?;
    Ok(tend_core::Tend::new(dir))
}

fn block_on<F: std::future::Future<Output = Result<(), Failure>>>(
    future: F,
) -> Result<(), Failure> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(future)
}

fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}
