//! Desktops: Tend's own loop rings the reminders from the plan every 20 seconds while the app
//! runs, locked or not; a laptop that slept gets one summary of what it missed.

use std::time::Duration;

use tauri::{AppHandle, Manager, Runtime};
use tend_core::{Alarm, SystemClock, Tend};

/// How often the loop looks; a check after sleep catches up with one summary.
const CHECK_EVERY: Duration = Duration::from_secs(20);

#[derive(Debug)]
pub struct Ringer;

impl Ringer {
    /// Starts the reminder loop for as long as the app runs.
    pub fn start<R: Runtime>(app: &AppHandle<R>) {
        let handle = app.clone();
        tauri::async_runtime::spawn(async move {
            let dir = handle.state::<Tend>().data_dir().to_owned();
            let sink = |alarm: Alarm| {
                let handle = handle.clone();
                tauri::async_runtime::spawn(async move { super::announce(&handle, &alarm).await });
            };
            tend_core::run_reminders(&dir, &SystemClock, CHECK_EVERY, &sink).await;
        });
    }
}
