//! Charts of the history, and the preferences that say which units to show them in.

use std::sync::Arc;

use jiff::Timestamp;
use tauri::State;
use tend_core::{
    vitals::Metric, Chart, DeviceWatch, IdleLock, NormalRange, Preferences, Resolution,
};

use super::with_session;
use crate::IpcError;

/// The metrics that have readings: what the Trends screen offers.
#[tauri::command]
#[specta::specta]
pub async fn recorded_metrics(sessions: State<'_, Arc<IdleLock>>) -> Result<Vec<Metric>, IpcError> {
    with_session(&sessions, async |s| s.recorded_metrics().await).await
}

/// `metric` in `[from, until)` at `resolution` (`raw`, or a bucket width such as `1m`, `1h`,
/// `1d`), in the unit the patient prefers.
#[tauri::command]
#[specta::specta]
pub async fn chart(
    sessions: State<'_, Arc<IdleLock>>,
    metric: Metric,
    from: Timestamp,
    until: Timestamp,
    resolution: String,
) -> Result<Chart, IpcError> {
    let resolution: Resolution = resolution.parse()?;
    with_session(&sessions, async |s| {
        let unit = s.preferences().await?.unit_for(metric);
        s.chart(metric, from, until, resolution, Some(unit)).await
    })
    .await
}

/// The patient's normal range of each measurement that has one: what charts shade and alerts
/// watch.
#[tauri::command]
#[specta::specta]
pub async fn normal_ranges(
    sessions: State<'_, Arc<IdleLock>>,
) -> Result<Vec<NormalRange>, IpcError> {
    with_session(&sessions, async |s| {
        Ok(s.preferences().await?.normal_ranges())
    })
    .await
}

#[tauri::command]
#[specta::specta]
pub async fn preferences(sessions: State<'_, Arc<IdleLock>>) -> Result<Preferences, IpcError> {
    with_session(&sessions, async |s| s.preferences().await).await
}

#[tauri::command]
#[specta::specta]
pub async fn set_preferences(
    sessions: State<'_, Arc<IdleLock>>,
    watch: State<'_, Arc<DeviceWatch>>,
    preferences: Preferences,
) -> Result<Preferences, IpcError> {
    let saved = with_session(&sessions, async |s| s.set_preferences(preferences).await).await?;
    watch.use_preferences(saved.clone());
    sessions.set_idle_after(saved.lock_after());
    Ok(saved)
}
