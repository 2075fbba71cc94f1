//! The command line, as DESIGN.md's `tend` contract defines it.

use std::path::PathBuf;

use clap::{Args as ClapArgs, Parser, Subcommand, ValueEnum};

/// Tend: your health devices, history, medications and care team, from the command line.
#[derive(Debug, Parser)]
#[command(name = "tend", version, about, max_term_width = 100)]
pub struct Args {
    /// The profile directory (default: the desktop app's profile).
    #[arg(long, global = true, env = "TEND_DATA_DIR", value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Print results as JSON on stdout (always on for `decode`).
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show the version, the profile directory and the state of its vault.
    Status,
    /// Decode one Bluetooth characteristic value (always JSON).
    Decode {
        /// 16-bit characteristic UUID in hex (`2a37`), or `sfloat`/`float`.
        #[arg(value_name = "CHAR")]
        characteristic: String,
        /// The value's bytes in hex, as sent; spaces allowed.
        #[arg(value_name = "HEX", required = true, num_args = 1..)]
        hex: Vec<String>,
    },
    /// Medication schedules, doses and adherence.
    #[command(subcommand)]
    Meds(MedsCommand),
    /// Bring history in from another app's export (its format recognised by content), or from
    /// a Nightscout site; list the imports; undo one.
    Import(ImportArgs),
    /// Write the history out.
    Export {
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write to this file instead of stdout (`--format fhir`).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The clinic report over a period (default: the last 14 days), to the guidelines.
    Report {
        /// The start of the period (default: 14 days before --until).
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        /// The end of the period (default: now).
        #[arg(long, value_name = "RFC3339")]
        until: Option<String>,
        /// `json` (the summaries), `pdf` (the accessible PDF) or `fhir` (a collection Bundle).
        #[arg(long, value_enum, default_value = "json")]
        format: ReportFormat,
        /// Write to this file instead of stdout (needed for `pdf` on a terminal).
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// The zone days and times of day are counted in (default: this system's).
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
    /// The guided blood-pressure week: reminders each morning and evening for 7 days, and how
    /// far it is (the home protocol the clinic report judges blood pressure by).
    #[command(subcommand, name = "bp-week")]
    BpWeek(BpWeekCommand),
    /// Chart data for one metric.
    Trends {
        metric: String,
        #[arg(long, value_name = "RFC3339")]
        from: String,
        #[arg(long, value_name = "RFC3339")]
        until: String,
        /// `raw`, or a bucket width: 1m, 1h, 1d (any number of s, m, h or d works).
        #[arg(long)]
        bucket: String,
    },
    /// Measure the vault against a plain SQLite baseline.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// What is shared with the care team.
    #[command(subcommand)]
    Share(ShareCommand),
    /// Bluetooth health devices.
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Change the passphrase that protects this profile's vault (TEND_PASSPHRASE and
    /// TEND_NEW_PASSPHRASE, or prompts).
    Passphrase,
    /// Decisions about the vault file itself.
    #[command(subcommand)]
    Vault(VaultCommand),
    /// Destroy the key, the keychain entry and the vault file of this profile.
    Erase {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum MedsCommand {
    /// Print the due instants of a schedule in a window.
    Plan {
        schedule: PathBuf,
        #[arg(long, value_name = "RFC3339")]
        from: String,
        #[arg(long, value_name = "RFC3339")]
        until: String,
        #[arg(long, value_name = "IANA zone")]
        tz: String,
    },
    /// Add a medication.
    Add(AddMedication),
    /// Change a medication: give everything again, as for `add`. Its id and history stay.
    Edit {
        id: String,
        #[command(flatten)]
        details: AddMedication,
    },
    /// Remove a medication and the doses recorded for it.
    Remove {
        id: String,
        /// Confirm: the dose history of this medication goes too.
        #[arg(long)]
        yes: bool,
    },
    /// Today's doses (or a window's) and where each stands.
    List {
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        #[arg(long, value_name = "RFC3339")]
        until: Option<String>,
        /// The zone you are in now (default: this system's).
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
    /// Record a dose as taken.
    Take(DoseArgs),
    /// Record a dose as skipped.
    Skip {
        #[command(flatten)]
        dose: DoseArgs,
        #[arg(long)]
        reason: String,
    },
    /// Snooze a due dose.
    Snooze {
        #[command(flatten)]
        dose: DoseArgs,
        #[arg(long, default_value_t = 10)]
        minutes: u16,
    },
    /// Take back the last thing recorded about a dose.
    Undo {
        medication: String,
        #[arg(long, value_name = "RFC3339")]
        due: String,
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
    /// Check for reminders as the app does: doses due since the last check, and one summary of
    /// the doses missed meanwhile.
    Remind {
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
    /// Taken and on-time percentages per medication.
    Adherence {
        #[arg(long, value_name = "RFC3339")]
        from: String,
        #[arg(long, value_name = "RFC3339")]
        until: String,
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
}

/// A medication to add.
#[derive(Debug, ClapArgs)]
pub struct AddMedication {
    #[arg(long)]
    pub name: String,
    /// The schedule as JSON (the `meds plan` form).
    #[arg(long, value_name = "SCHEDULE.json")]
    pub schedule: PathBuf,
    #[arg(long)]
    pub strength: Option<String>,
    #[arg(long)]
    pub form: Option<String>,
    #[arg(long)]
    pub instructions: Option<String>,
    /// Keep this zone's clock when travelling (default: follow local time).
    #[arg(long, value_name = "IANA zone")]
    pub home_zone: Option<String>,
    /// Pills on hand, counted down as doses are taken.
    #[arg(long)]
    pub pills: Option<u32>,
    #[arg(long, default_value_t = 1)]
    pub per_dose: u32,
    /// Remind to reorder when this many pills are left.
    #[arg(long)]
    pub refill_at: Option<u32>,
}

/// Which dose: the medication, and its due time (default: the latest open dose due now).
#[derive(Debug, ClapArgs)]
pub struct DoseArgs {
    pub medication: String,
    #[arg(long, value_name = "RFC3339")]
    pub due: Option<String>,
    #[arg(long, value_name = "IANA zone")]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum VaultCommand {
    /// Go on from this vault although it is older than the last one Tend saw (an earlier copy
    /// was put back on purpose); what the newer copy held beyond it is not in this one.
    AcceptOlder {
        /// Do not ask for confirmation.
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Vault append, chart and size benchmarks.
    Vault {
        #[arg(long, default_value_t = 31_536_000)]
        readings: u64,
    },
    /// Sync one day of 1 Hz heart rate plus spot readings to a FHIR server on this machine.
    Share {
        /// The FHIR base URL of a loopback test server.
        #[arg(long, value_name = "URL")]
        url: String,
        /// The patient's reference there.
        #[arg(long, value_name = "Patient/ID")]
        patient: String,
        /// Also send every reading as its own Observation, as a baseline (slow: 86,400 of them).
        #[arg(long)]
        baseline: bool,
        #[arg(long, default_value_t = 8)]
        max_entries: usize,
    },
}

#[derive(Debug, Subcommand)]
pub enum ShareCommand {
    /// Add a care team's FHIR R4 endpoint (a bearer token, if any, from TEND_CARE_TEAM_TOKEN).
    Add {
        #[arg(long)]
        name: String,
        /// The FHIR R4 base URL: https, or http to this machine only.
        #[arg(long, value_name = "URL")]
        url: String,
        /// Your reference on that server, e.g. `Patient/123`.
        #[arg(long, value_name = "Patient/ID")]
        patient: String,
    },
    /// The care teams, what each may see, and their sync state.
    List,
    /// Switch sharing of one kind of data with one care team on (or off with --revoke).
    Consent {
        /// The care team's id (see `tend share list`).
        team: String,
        /// heart_rate, spo2, blood_pressure, temperature, glucose, weight_and_body_composition
        /// or medication_adherence.
        category: String,
        /// Share history measured since this instant too (default: from now on).
        #[arg(long, value_name = "RFC3339", conflicts_with = "revoke")]
        since: Option<String>,
        /// Stop sharing it: what is queued is dropped unsent.
        #[arg(long)]
        revoke: bool,
    },
    /// Replace a care team's bearer token (from TEND_CARE_TEAM_TOKEN or a prompt).
    Token { team: String },
    /// Sign in to a care team's server with SMART App Launch (opens a browser address).
    Signin {
        team: String,
        /// The client id Tend is registered under at that server.
        #[arg(long)]
        client_id: String,
        /// How long to wait for the browser to come back.
        #[arg(long, default_value_t = 300)]
        wait_seconds: u64,
    },
    /// Print the transaction Bundles the next sync would send under today's consents.
    Preview {
        /// One care team's id (default: every care team).
        team: Option<String>,
        #[command(flatten)]
        options: ShareOptionsArgs,
    },
    /// Send what is consented and not yet sent; prints what happened.
    Sync {
        team: String,
        #[command(flatten)]
        options: ShareOptionsArgs,
    },
    /// What was shared with whom and when, and every consent change (from the audit log).
    Log,
    /// Send the clinic report to a care team that has `reports` switched on; it holds only the
    /// kinds of data that team may see.
    Report {
        team: String,
        /// The start of the period (default: 14 days before --until).
        #[arg(long, value_name = "RFC3339")]
        from: Option<String>,
        /// The end of the period (default: now).
        #[arg(long, value_name = "RFC3339")]
        until: Option<String>,
        /// The zone days and times of day are counted in (default: this system's).
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
}

/// How sharing batches and sends.
#[derive(Debug, Clone, ClapArgs)]
pub struct ShareOptionsArgs {
    /// Entries per transaction Bundle (some servers refuse more than 8).
    #[arg(long, default_value_t = 8)]
    pub max_entries: usize,
    /// Streams are summarised per this many minutes.
    #[arg(long, default_value_t = 5)]
    pub period_minutes: u32,
    /// Each request gives up after this many seconds.
    #[arg(long, default_value_t = 30)]
    pub timeout_seconds: u64,
    /// The zone doses are planned in (default: this system's).
    #[arg(long, value_name = "IANA zone")]
    pub tz: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum DevicesCommand {
    /// Look for health devices nearby (marks paired ones and impostors).
    Scan {
        /// How long to scan.
        #[arg(long = "for", value_name = "SECONDS", default_value_t = 2.0)]
        seconds: f64,
    },
    /// Pair a device found by a scan: bond with it (typing the passkey it shows, when it shows
    /// one), remember it, read its information and battery, set its clock.
    Pair {
        address: String,
        /// Which of the device's users you are, on a cuff or scale several people share (0 to
        /// 254, as the device numbers them): only that user's measurements are stored. Without
        /// it, you are its only user and all its measurements are yours.
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=254))]
        user: Option<u8>,
        /// Your user's consent code (0000 to 9999), on a scale that keeps each user's
        /// measurements behind one: the code set on the device for your user.
        #[arg(long, value_name = "CODE", requires = "user", value_parser = consent_code)]
        consent_code: Option<u16>,
    },
    /// Change which of a shared cuff's or scale's users you are, without pairing it again: from
    /// its next connection only that user's measurements are stored. What is stored stays.
    User {
        address: String,
        /// Which of the device's users you are (0 to 254, as the device numbers them).
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(0..=254), required_unless_present = "only")]
        user: Option<u8>,
        /// Your user's consent code (0000 to 9999), on a scale that keeps each user's
        /// measurements behind one.
        #[arg(long, value_name = "CODE", requires = "user", value_parser = consent_code)]
        consent_code: Option<u16>,
        /// You are the device's only user: all its measurements are yours.
        #[arg(long, conflicts_with = "user")]
        only: bool,
    },
    /// List paired devices and their state.
    List,
    /// Stay connected to every paired device and print what arrives (one JSON line per event
    /// with --json) until interrupted, or for --for seconds, or until --count readings.
    Watch {
        #[arg(long = "for", value_name = "SECONDS")]
        seconds: Option<f64>,
        /// Stop after this many readings.
        #[arg(long, value_name = "N")]
        count: Option<u64>,
    },
    /// Forget a paired device (its readings stay in the history).
    Forget { address: String },
}

/// `tend import`: a file (or `--url`), or one of its subcommands.
#[derive(Debug, ClapArgs)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ImportArgs {
    #[command(subcommand)]
    pub command: Option<ImportCommand>,
    /// The export to read: Apple Health export.zip or export.xml, Nightscout entries (JSON,
    /// CSV/TSV), openScale CSV, Google Fit daily summaries CSV, FHIR R4 Bundle or NDJSON, or
    /// Tend's CSV.
    #[arg(required_unless_present = "url", conflicts_with = "url")]
    pub file: Option<PathBuf>,
    /// Read as this format instead of recognising it.
    #[arg(long, value_enum)]
    pub format: Option<ImportFormat>,
    /// Read and check everything, print what would be stored, store nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Download the entries of this Nightscout site (https) instead of reading a file; its
    /// access token from TEND_NIGHTSCOUT_TOKEN.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The zone of times without an offset (openScale) and of days (Google Fit); default: this
    /// system's.
    #[arg(long, value_name = "IANA zone")]
    pub tz: Option<String>,
    /// The unit of openScale's weight column (the file does not say).
    #[arg(long, value_enum, default_value_t = WeightUnit::Kg)]
    pub weight_unit: WeightUnit,
}

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// The imports in the history: number, when, file, what each brought.
    List,
    /// Take one import back: exactly its readings and summaries, nothing a device recorded.
    Undo {
        /// The import's number (`tend import list`).
        id: String,
    },
}

/// The formats `--format` forces.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportFormat {
    /// Tend's CSV (`time,metric,value,unit,device`).
    Csv,
    AppleHealth,
    AppleHealthZip,
    Nightscout,
    NightscoutCsv,
    Openscale,
    GoogleFit,
    Fhir,
    FhirNdjson,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WeightUnit {
    Kg,
    Lb,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Json,
    Pdf,
    Fhir,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Fhir,
}

/// `tend bp-week`.
#[derive(Debug, Subcommand)]
pub enum BpWeekCommand {
    /// Start (or replace) the week: reminders from its first day at both times.
    Start {
        /// Its first day, YYYY-MM-DD (default: tomorrow).
        #[arg(long, value_name = "DATE")]
        start: Option<String>,
        /// The morning reminder, HH:MM before noon.
        #[arg(long, value_name = "HH:MM", default_value = "07:00")]
        morning: String,
        /// The evening reminder, HH:MM from noon on.
        #[arg(long, value_name = "HH:MM", default_value = "19:00")]
        evening: String,
        /// The zone the week keeps (default: this system's).
        #[arg(long, value_name = "IANA zone")]
        tz: Option<String>,
    },
    /// How far the week is: the day, the readings that count, what is still due.
    Status,
    /// End the week and its reminders (the readings stay).
    Stop,
}

/// A consent code as the patient types it: four digits, 0000 to 9999.
fn consent_code(text: &str) -> Result<u16, String> {
    match text.parse() {
        Ok(code) if text.len() == 4 && text.bytes().all(|b| b.is_ascii_digit()) => Ok(code),
        _ => Err("a consent code is 4 digits, 0000 to 9999".to_owned()),
    }
}
