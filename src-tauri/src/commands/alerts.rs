//! The in-app list of alerts.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use tauri::State;
use tend_core::{clinic::ClinicAlert, IdleLock};

use super::with_session;
use crate::IpcError;

/// Alerts of the last `hours` hours, newest first.
#[tauri::command]
#[specta::specta]
pub async fn alerts(
    sessions: State<'_, Arc<IdleLock>>,
    hours: u16,
) -> Result<Vec<ClinicAlert>, IpcError> {
    let since = Timestamp::now() - SignedDuration::from_hours(i64::from(hours));
    with_session(&sessions, async |s| s.alerts(since).await).await
}
