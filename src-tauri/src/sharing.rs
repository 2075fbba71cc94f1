//! Sharing in the background, in the shell: core's background sync runs for as long as the app;
//! the window hears after each round which care teams it reached.

use std::sync::Arc;

use jiff::tz::TimeZone;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tend_core::{IdleLock, ShareOptions, Sharing, SyncSchedule, SystemClock};

/// The event a window receives after each background sync of a care team.
pub const EVENT: &str = "share://synced";

/// How the app shares: 5-minute summaries of streams, doses planned in the patient's zone.
pub fn options() -> ShareOptions {
    ShareOptions {
        zone: TimeZone::system(),
        ..ShareOptions::default()
    }
}

pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let sessions = Arc::clone(&*handle.state::<Arc<IdleLock>>());
        let sharing = Arc::clone(&*handle.state::<Arc<Sharing>>());
        let synced = |teams: Vec<String>| {
            if handle.emit(EVENT, &teams).is_err() {
                tracing::warn!("a window missed that sharing ran");
            }
        };
        sharing
            .run(
                &sessions,
                &SystemClock,
                &options(),
                SyncSchedule::default(),
                &synced,
            )
            .await;
    });
}
