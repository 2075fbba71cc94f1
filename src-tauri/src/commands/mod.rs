//! The commands the UI may call. Each converts its input, calls `tend-core`, and maps the error.
//!
//! Every command is listed in `ipc()` (bindings) and in `build.rs` (permissions).

mod alerts;
mod charts;
mod devices;
mod import;
mod medications;
mod profile;
mod report;
mod sharing;

pub use devices::PairingAnswers;

use jiff::Timestamp;
use tauri::Runtime;
use tend_core::{IdleLock, Presence, Session};

use crate::IpcError;

/// The typed IPC surface: the invoke handler and the TypeScript bindings come from this list.
pub fn ipc<R: Runtime>() -> tauri_specta::Builder<R> {
    tauri_specta::Builder::<R>::new()
        // Payloads of the events that `lib.rs` and `reminders.rs` emit.
        .typ::<tend_core::Alarm>()
        .constant("REMINDER_EVENT", crate::reminders::EVENT)
        .constant("DOSE_RECORDED_EVENT", crate::DOSE_RECORDED)
        .constant("VAULT_LOCKED_EVENT", crate::VAULT_LOCKED)
        .constant("SHARE_SYNCED_EVENT", crate::sharing::EVENT)
        .constant("ALERT_EVENT", crate::devices::ALERT_EVENT)
        // The vocabulary the UI shows: each metric's canonical unit, as core defines it.
        .constant(
            "CANONICAL_UNITS",
            tend_core::vitals::Metric::ALL
                .into_iter()
                .map(|m| (m, m.canonical_unit()))
                .collect::<std::collections::BTreeMap<_, _>>(),
        )
        .commands(tauri_specta::collect_commands![
            profile::app_info,
            profile::vault_unlocked,
            profile::vault_create,
            profile::vault_unlock,
            profile::vault_unlock_by_system,
            profile::vault_lock,
            profile::patient_active,
            profile::confirm_presence,
            profile::confirm_presence_by_system,
            profile::set_passcode,
            profile::export_history,
            profile::erase_everything,
            medications::medications,
            medications::add_medication,
            medications::update_medication,
            medications::remove_medication,
            medications::todays_doses,
            medications::record_dose,
            medications::undo_dose,
            medications::adherence,
            medications::schedule_preview,
            medications::reminder_delivery,
            medications::allow_exact_reminders,
            medications::use_twelve_hour_clock,
            charts::recorded_metrics,
            charts::chart,
            charts::normal_ranges,
            charts::preferences,
            charts::set_preferences,
            devices::scan_devices,
            devices::pair_device,
            devices::answer_pairing,
            devices::set_device_user,
            devices::forget_device,
            devices::devices,
            devices::watch_devices,
            devices::latest_readings,
            sharing::care_teams,
            sharing::add_care_team,
            sharing::sign_in_care_team,
            sharing::set_consent,
            sharing::sync_care_team,
            sharing::share_log,
            alerts::alerts,
            report::clinic_report,
            report::save_report_pdf,
            report::share_report,
            report::bp_week,
            report::start_bp_week,
            report::stop_bp_week,
            import::read_import,
            import::commit_import,
            import::cancel_import,
            import::import_batches,
            import::undo_import,
        ])
}

/// Runs `f` on the unlocked session, or fails with `locked`. A command is not use for the idle
/// lock (a screen refreshing on live readings calls them too): the patient's input is, which
/// the window reports with [`profile::patient_active`].
async fn with_session<T>(
    sessions: &IdleLock,
    f: impl AsyncFnOnce(&Session) -> tend_core::Result<T>,
) -> Result<T, IpcError> {
    sessions
        .with(f)
        .await
        .ok_or(tend_core::Error::Locked)?
        .map_err(Into::into)
}

/// Runs `f` with proof that the patient is here — their passphrase or passcode within the last
/// minute — or fails with `presence_required`: for everything that lets data out of Tend.
async fn with_presence<T>(
    sessions: &IdleLock,
    f: impl AsyncFnOnce(&Session, &Presence) -> tend_core::Result<T>,
) -> Result<T, IpcError> {
    let presence = sessions.presence(Timestamp::now()).await?;
    with_session(sessions, async |s| f(s, &presence).await).await
}
