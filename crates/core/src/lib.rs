//! The Tend application: one handle over a profile that the desktop shell and the CLI both call.
//!
//! Lower crates never depend on this one; it is where devices, the vault, reminders and sharing
//! meet.

mod alerts;
mod app_info;
mod background_sharing;
mod bp_week;
mod chart;
mod device_watch;
mod devices;
mod error;
mod history_csv;
mod import;
mod latest;
mod medications;
mod preferences;
mod reminder_plan;
mod reminders;
mod report;
mod session;
mod sharing;
mod trends;
mod whole_file;

use std::path::{Path, PathBuf};

pub use app_info::AppInfo;
pub use background_sharing::{Sharing, SyncSchedule};
pub use bp_week::{BpWeek, BpWeekStatus, BP_REMINDER_RINGS_WITHIN};
pub use chart::{Chart, ChartPoint, ChartSummary};
pub use device_watch::{system_central, AlertWatch, DeviceWatch, DevicesUnavailable, WatchSinks};
pub use devices::{
    adapter_names, no_prompt, scan_devices, Answer, Bond, BtleCentral, Central, Clock,
    DeviceCounters, DeviceEvent, DeviceReading, DeviceSample, DeviceStatus, HealthService,
    LinkPolicy, LinkState, PairedDevice, PairingChoices, PairingPrompt, Problem, ScanResult,
    FLAG_DEVICE_TIME,
};
pub use error::{Error, ErrorCode, Result, Thing};
pub use history_csv::ExportSummary;
pub use import::{
    batch_id, preview_import, ImportBatch, ImportCancel, ImportFormat, ImportPhase, ImportProgress,
    ImportReport, ImportRequest, ImportSource, ImportedSummary, Importing, MetricCount,
    MetricReport, PendingImport, SkipCount, SkipReason, SourceReport,
};
pub use latest::LatestReading;
pub use medications::{
    preview_schedule, rfc3339, zone_named, AdherenceSummary, Dose, DoseAction, Medication,
    MedicationAdherence, MedicationDetails, GRACE, ON_TIME,
};
pub use preferences::{NormalRange, Preferences, Theme, RANGED_METRICS};
pub use reminder_plan::{
    check_plan, keep_pending_action, Alarm, AnsweredDose, PlannedMedication, ReminderPlan, Ringing,
    PLAN_FILE,
};
pub use reminders::{run_reminders, LocalClock, Reminder, SystemClock};
pub use report::{ReportRequest, ReportSent, DEFAULT_REPORT_DAYS};
pub use session::{IdleLock, Presence, Session, PRESENCE_LASTS};
pub use sharing::{
    AuditAction, CareTeamDetails, CareTeamStatus, ConsentStatus, LastSync, ShareLogEntry,
    ShareOptions,
};
pub use tend_vault::AuditEntry;
pub use tend_vault::{
    BatchId, Erased, Error as VaultError, KeyProtection, KeySource, Passcode, Passphrase,
    PresenceCheck, Rollback, VaultBench, VaultStatus,
};
pub use trends::{Resolution, Trend, TrendBucket, TrendData, TrendPoint};
pub use whole_file::WholeFile;
// The pure vocabulary crates, re-exported so shells need no other dependency than this one.
pub use {tend_clinic as clinic, tend_gatt as gatt, tend_meds as meds, tend_vitals as vitals};
// Sharing's vocabulary (categories, consents, sync progress and reports, the clock trait).
pub use tend_share as share;

/// The app's reverse-DNS identifier; the shell's `tauri.conf.json` uses the same, so the desktop
/// app and the CLI find the same default profile.
pub const APP_IDENTIFIER: &str = "health.tend.companion";

/// Tend's version, as the patient sees it in Settings and `tend --version`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// One profile of Tend: a directory holding the vault and its settings.
#[derive(Debug, Clone)]
pub struct Tend {
    data_dir: PathBuf,
}

impl Tend {
    /// Opens the profile in `data_dir`. Nothing is read or created until a capability needs it.
    pub fn new(data_dir: impl Into<PathBuf>) -> Tend {
        Tend {
            data_dir: data_dir.into(),
        }
    }

    /// The desktop default profile: the platform data directory under [`APP_IDENTIFIER`]
    /// (`~/.local/share/health.tend.companion` on Linux). Mobile shells pass their sandbox path.
    pub fn default_data_dir() -> Option<PathBuf> {
        dirs::data_dir().map(|dir| dir.join(APP_IDENTIFIER))
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Creates this profile's vault.
    pub async fn create(&self, source: KeySource) -> Result<Session> {
        Session::create(&self.data_dir, source).await
    }

    /// Unlocks this profile's vault.
    pub async fn unlock(&self, source: KeySource) -> Result<Session> {
        Session::unlock(&self.data_dir, source).await
    }

    /// Accepts this profile's vault as it is although it is older than the last one Tend saw
    /// (the patient put an earlier copy back on purpose): from now on it is the newest. Returns
    /// what was found (`None`: the vault was not older, nothing to accept).
    pub async fn accept_rollback(&self, source: KeySource) -> Result<Option<Rollback>> {
        let session = self.unlock(source).await?;
        let found = session.rolled_back();
        if found.is_some() {
            session.accept_older().await?;
        }
        session.close().await?;
        Ok(found)
    }

    /// Destroys this profile's vault (the key, the keychain entry and the file), the reminder
    /// files beside it, and the exports and reports earlier versions of Tend saved there; says
    /// which files it removed.
    pub async fn erase(&self) -> Result<Erased> {
        let mut erased = tend_vault::erase(&self.data_dir).await?;
        erased.files.extend(reminder_plan::erase(&self.data_dir)?);
        erased.files.extend(erase_saved_exports(&self.data_dir)?);
        Ok(erased)
    }

    /// The version and the state of the vault, without unlocking anything.
    pub async fn app_info(&self) -> Result<AppInfo> {
        Ok(AppInfo {
            version: VERSION.to_owned(),
            data_dir: self.data_dir.display().to_string(),
            vault: tend_vault::inspect(&self.data_dir).await?,
        })
    }
}

/// Removes the history exports and report PDFs that earlier versions of Tend saved into the
/// profile folder (now they go where the patient chooses, and are theirs to keep or delete).
fn erase_saved_exports(dir: &Path) -> Result<Vec<PathBuf>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(_) => {
            return Err(VaultError::Storage("could not list the profile folder".into()).into())
        }
    };
    let mut removed = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let ours = (name.starts_with("tend-history-")
            && (name.ends_with(".csv") || name.ends_with(".fhir.json")))
            || (name.starts_with("tend-report-") && name.ends_with(".pdf"));
        if ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::remove_file(entry.path())
                .map_err(|_| VaultError::Storage(format!("could not delete {name}")))?;
            removed.push(entry.path());
        }
    }
    Ok(removed)
}

/// Benchmarks the vault against a plain SQLite table, in `scratch` (an empty directory).
pub async fn bench_vault(readings: u64, scratch: &Path) -> Result<VaultBench> {
    Ok(tend_vault::bench(readings, scratch).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 20: a CSV export saved in the profile folder stayed after "erase everything".
    #[tokio::test]
    async fn erase_removes_what_tend_saved_in_the_profile_and_says_so(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let tend = Tend::new(dir.path());
        tend.create(KeySource::Passphrase(Passphrase::new(
            "erase test passphrase",
        )?))
        .await?
        .close()
        .await?;
        for name in [
            "tend-history-2026-03-01-080000.csv",
            "tend-report-2026-03-01-080000.pdf",
        ] {
            std::fs::write(dir.path().join(name), b"exported")?;
        }
        std::fs::write(dir.path().join("notes.txt"), b"the patient's own")?;
        let erased = tend.erase().await?;
        let names: Vec<String> = erased
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();
        for name in [
            "vault.sqlite",
            "tend-history-2026-03-01-080000.csv",
            "tend-report-2026-03-01-080000.pdf",
        ] {
            assert!(names.iter().any(|n| n == name), "{name} in {names:?}");
            assert!(!dir.path().join(name).exists());
        }
        assert!(
            dir.path().join("notes.txt").exists(),
            "not Tend's: left alone"
        );
        Ok(())
    }

    #[tokio::test]
    async fn app_info_reports_version_and_vault(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let tend = Tend::new(dir.path());
        let info = tend.app_info().await?;
        assert_eq!(info.version, VERSION);
        assert_eq!(info.vault, VaultStatus::NotCreated);

        let passphrase = tend_vault::Passphrase::new("test passphrase")?;
        tend_vault::Vault::create(dir.path(), tend_vault::KeySource::Passphrase(passphrase))
            .await?
            .close()
            .await;
        let info = tend.app_info().await?;
        assert_eq!(
            info.vault,
            VaultStatus::Locked {
                format_version: tend_vault::FORMAT_VERSION,
                protection: KeyProtection::Passphrase,
                presence: PresenceCheck::Passphrase,
            }
        );
        Ok(())
    }
}
