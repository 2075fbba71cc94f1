//! Medications, today's doses and adherence.

use std::sync::Arc;

use jiff::{tz::TimeZone, Timestamp, ToSpan};
use tauri::State;
use tend_core::{
    meds::DoseSchedule, AdherenceSummary, Dose, DoseAction, IdleLock, Medication, MedicationDetails,
};

use super::with_session;
use crate::IpcError;

#[tauri::command]
#[specta::specta]
pub async fn medications(sessions: State<'_, Arc<IdleLock>>) -> Result<Vec<Medication>, IpcError> {
    with_session(&sessions, async |s| s.medications().await).await
}

#[tauri::command]
#[specta::specta]
pub async fn add_medication(
    sessions: State<'_, Arc<IdleLock>>,
    details: MedicationDetails,
) -> Result<Medication, IpcError> {
    with_session(&sessions, async |s| {
        s.add_medication(details, Timestamp::now()).await
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn update_medication(
    sessions: State<'_, Arc<IdleLock>>,
    id: String,
    details: MedicationDetails,
) -> Result<Medication, IpcError> {
    with_session(&sessions, async |s| s.update_medication(&id, details).await).await
}

#[tauri::command]
#[specta::specta]
pub async fn remove_medication(
    sessions: State<'_, Arc<IdleLock>>,
    id: String,
) -> Result<(), IpcError> {
    with_session(&sessions, async |s| s.remove_medication(&id).await).await
}

/// Today's doses, local midnight to midnight, and where each stands.
#[tauri::command]
#[specta::specta]
pub async fn todays_doses(sessions: State<'_, Arc<IdleLock>>) -> Result<Vec<Dose>, IpcError> {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    let start = now.to_zoned(here.clone()).start_of_day()?;
    let end = start.checked_add(1.day())?;
    with_session(&sessions, async |s| {
        s.doses(start.timestamp(), end.timestamp(), &here, now)
            .await
    })
    .await
}

/// Takes, skips or snoozes the dose of `medication_id` due at `due`.
#[tauri::command]
#[specta::specta]
pub async fn record_dose(
    sessions: State<'_, Arc<IdleLock>>,
    medication_id: String,
    due: Timestamp,
    action: DoseAction,
) -> Result<Dose, IpcError> {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    with_session(&sessions, async |s| {
        s.record_dose(&medication_id, due, action.state(now), &here, now)
            .await
    })
    .await
}

/// Takes back the last thing recorded about a dose.
#[tauri::command]
#[specta::specta]
pub async fn undo_dose(
    sessions: State<'_, Arc<IdleLock>>,
    medication_id: String,
    due: Timestamp,
) -> Result<Dose, IpcError> {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    with_session(&sessions, async |s| {
        s.undo_dose(&medication_id, due, &here, now).await
    })
    .await
}

/// Adherence per medication over the last `days` days, up to now.
#[tauri::command]
#[specta::specta]
pub async fn adherence(
    sessions: State<'_, Arc<IdleLock>>,
    days: u16,
) -> Result<AdherenceSummary, IpcError> {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    with_session(&sessions, async |s| {
        s.recent_adherence(days, &here, now).await
    })
    .await
}

/// The next doses a schedule gives, to show while the patient sets it up. Needs no vault.
#[tauri::command]
#[specta::specta]
pub fn schedule_preview(
    schedule: DoseSchedule,
    home_zone: Option<String>,
) -> Result<Vec<String>, IpcError> {
    tend_core::preview_schedule(
        &schedule,
        home_zone.as_deref(),
        Timestamp::now(),
        &TimeZone::system(),
        5,
    )
    .map_err(Into::into)
}

/// Whether reminders reach the patient on time: notifications allowed, and exact alarms where
/// the system asks for them (Android 12+). The app tells the patient when either is refused.
#[tauri::command]
#[specta::specta]
pub async fn reminder_delivery(
    platform: State<'_, crate::platform::Platform>,
) -> Result<crate::platform::ReminderDelivery, IpcError> {
    Ok(platform.reminder_delivery())
}

/// The window says how the patient's locale writes a time, so reminders say "8:00 PM" or
/// "20:00" as the screens do.
#[tauri::command]
#[specta::specta]
pub fn use_twelve_hour_clock(style: State<'_, crate::reminders::ClockStyle>, twelve_hour: bool) {
    style.set_twelve_hour(twelve_hour);
}

/// Opens the system's page where the patient lets Tend's reminders ring on time.
#[tauri::command]
#[specta::specta]
pub async fn allow_exact_reminders(
    platform: State<'_, crate::platform::Platform>,
) -> Result<(), IpcError> {
    platform.open_reminder_settings();
    Ok(())
}
