//! The clinic report: its figures and charts for the Report screen, the PDF saved for the
//! patient, and sending it to a care team with "clinic reports" switched on.

use std::sync::Arc;

use jiff::{
    civil::{Date, Time},
    tz::TimeZone,
    Timestamp,
};
use serde::Serialize;
use tauri::State;
use tend_core::{
    clinic::{BloodPressureDay, ClinicReport, GlucoseProfile, Period, WeightDay},
    BpWeek, BpWeekStatus, IdleLock, ReportRequest, ReportSent,
};

use super::{profile::Exported, with_session};
use crate::IpcError;

/// What the Report screen draws: the report's figures and the data of its charts.
#[derive(Debug, Serialize, specta::Type)]
pub struct ReportView {
    pub report: ClinicReport,
    /// The glucose profile by time of day (CGM), when there is one.
    pub glucose_profile: Option<GlucoseProfile>,
    pub blood_pressure_days: Vec<BloodPressureDay>,
    pub weight_days: Vec<WeightDay>,
    /// Why the glucose figures are or are not enough to go by, in words.
    pub glucose_sufficiency: Option<String>,
}

/// The report over `[from, until)`, in the patient's zone.
#[tauri::command]
#[specta::specta]
pub async fn clinic_report(
    sessions: State<'_, Arc<IdleLock>>,
    from: Timestamp,
    until: Timestamp,
) -> Result<ReportView, IpcError> {
    let request = request(from, until)?;
    let (report, charts) = with_session(&sessions, async |s| {
        s.clinic_report(&request, Timestamp::now()).await
    })
    .await?;
    Ok(ReportView {
        glucose_sufficiency: report.glucose.as_ref().map(|g| g.sufficiency_label()),
        report,
        glucose_profile: charts.glucose_profile,
        blood_pressure_days: charts.blood_pressure_days,
        weight_days: charts.weight_days,
    })
}

/// Saves the report over `[from, until)` as a PDF at `path`, where the patient chose in the
/// system's Save dialog. The patient must have confirmed it is them: the file is not encrypted.
#[tauri::command]
#[specta::specta]
pub async fn save_report_pdf(
    sessions: State<'_, Arc<IdleLock>>,
    from: Timestamp,
    until: Timestamp,
    path: String,
) -> Result<Exported, IpcError> {
    let request = request(from, until)?;
    let now = Timestamp::now();
    sessions.presence(now).await?;
    let pdf = with_session(&sessions, async |s| {
        s.clinic_report_pdf(&request, now).await
    })
    .await?;
    let mut out = super::profile::create_chosen_file(&path)?;
    std::io::Write::write_all(&mut out, &pdf).map_err(|e| IpcError {
        code: tend_core::ErrorCode::Storage,
        message: format!("cannot write {path}: {e}"),
    })?;
    Ok(Exported {
        path: super::profile::finish_chosen_file(out)?,
        items: 1,
    })
}

/// Sends the report over `[from, until)` to `team_id` (which must have reports switched on).
#[tauri::command]
#[specta::specta]
pub async fn share_report(
    sessions: State<'_, Arc<IdleLock>>,
    team_id: String,
    from: Timestamp,
    until: Timestamp,
) -> Result<ReportSent, IpcError> {
    let request = request(from, until)?;
    with_session(&sessions, async |s| {
        s.share_report_https(
            &team_id,
            &request,
            std::time::Duration::from_secs(30),
            Timestamp::now(),
        )
        .await
    })
    .await
}

fn request(from: Timestamp, until: Timestamp) -> Result<ReportRequest, IpcError> {
    let period = Period::new(from, until).map_err(|_| {
        IpcError::from(tend_core::Error::InvalidInput(
            "the report's start must be before its end".into(),
        ))
    })?;
    Ok(ReportRequest {
        period,
        zone: TimeZone::system(),
        locale: sys_locale(),
    })
}

/// The locale the paper follows, as the C library would read it.
fn sys_locale() -> String {
    ["LC_ALL", "LC_PAPER", "LANG"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|l| !l.is_empty()))
        .unwrap_or_default()
}

/// The guided blood-pressure week and how far it is, if one was started.
#[tauri::command]
#[specta::specta]
pub async fn bp_week(sessions: State<'_, Arc<IdleLock>>) -> Result<Option<BpWeekStatus>, IpcError> {
    with_session(&sessions, async |s| {
        s.bp_week_status(Timestamp::now()).await
    })
    .await
}

/// Starts a guided week on `start`, with reminders at `morning` and `evening` in the patient's
/// zone.
#[tauri::command]
#[specta::specta]
pub async fn start_bp_week(
    sessions: State<'_, Arc<IdleLock>>,
    start: Date,
    morning: Time,
    evening: Time,
) -> Result<Option<BpWeekStatus>, IpcError> {
    let week = BpWeek::new(start, morning, evening, &TimeZone::system())?;
    with_session(&sessions, async |s| {
        s.start_bp_week(&week).await?;
        s.bp_week_status(Timestamp::now()).await
    })
    .await
}

/// Ends the guided week and its reminders; the readings stay.
#[tauri::command]
#[specta::specta]
pub async fn stop_bp_week(sessions: State<'_, Arc<IdleLock>>) -> Result<(), IpcError> {
    with_session(&sessions, async |s| s.stop_bp_week().await).await
}
