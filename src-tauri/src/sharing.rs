//! Sharing in the background, in the shell: core's background sync runs for as long as the app;
//! the window hears after each round which care teams it reached.

use std::sync::Arc;

use jiff::tz::TimeZone;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tend_core::{IdleLock, ShareOptions, Sharing, SyncSchedule, SystemClock};

/// The client id Tend signs in with where the care team gave none (a public client: PKCE, no
/// secret).
pub const CLIENT_ID: &str = "tend";
/// How long a SMART sign-in waits for the patient to finish in their browser.
pub const SIGN_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(5 * 60);

/// The patient's own browser, where a care team's sign-in page opens (Tauri's opener: the
/// system's default browser on desktops and phones).
pub struct Browser(Box<dyn Fn(&str) + Send + Sync>);

impl Browser {
    pub fn new<R: Runtime>(app: &AppHandle<R>) -> Browser {
        use tauri_plugin_opener::OpenerExt;
        let app = app.clone();
        Browser(Box::new(move |url| {
            if let Err(e) = app.opener().open_url(url, None::<&str>) {
                // The window shows the address as a link: the patient can open it themselves.
                tracing::info!("no browser opened for the sign-in page: {e}");
            }
        }))
    }

    pub fn open(&self, url: &str) {
        (self.0)(url)
    }
}

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
