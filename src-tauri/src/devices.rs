//! Devices in the shell: core's device watch runs for as long as the app, and what it hears goes
//! to the windows — device events over the `tauri::ipc::Channel`s they subscribed, alerts as an
//! event and a notification. The policy (what to watch, when to alert) is core's.

use std::sync::{Arc, Mutex};

use tauri::{ipc::Channel, AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tend_core::{
    clinic::ClinicAlert, DeviceEvent, DeviceWatch, IdleLock, LinkPolicy, SystemClock, WatchSinks,
};

/// The event a window receives with each new [`ClinicAlert`].
pub const ALERT_EVENT: &str = "alert://raised";

/// The windows' subscriptions to device events.
#[derive(Default)]
pub struct DeviceChannels(Mutex<Vec<Channel<DeviceEvent>>>);

impl std::fmt::Debug for DeviceChannels {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceChannels")
            .field("subscribers", &locked(&self.0).len())
            .finish()
    }
}

impl DeviceChannels {
    /// Sends every later device event to `channel`, until its window goes away.
    pub fn subscribe(&self, channel: Channel<DeviceEvent>) {
        locked(&self.0).push(channel);
    }

    fn send(&self, event: DeviceEvent) {
        // A channel whose window closed fails to send: it is dropped.
        locked(&self.0).retain(|channel| channel.send(event.clone()).is_ok());
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Starts core's device watch for as long as the app runs.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let sessions = Arc::clone(&*handle.state::<Arc<IdleLock>>());
        let watch = Arc::clone(&*handle.state::<Arc<DeviceWatch>>());
        let channels = Arc::clone(&*handle.state::<Arc<DeviceChannels>>());
        let events = |event: DeviceEvent| channels.send(event);
        let alerts = |alert: ClinicAlert| raise(&handle, alert);
        let sinks = WatchSinks {
            events: &events,
            alerts: &alerts,
        };
        let policy = LinkPolicy::default();
        watch
            .run(
                &sessions,
                tend_core::system_central,
                &SystemClock,
                &policy,
                sinks,
            )
            .await;
    });
}

/// Tells the window about an alert, and notifies. The notification is private: it says that a
/// reading needs attention, never which measurement or what value (a lock screen shows it).
fn raise<R: Runtime>(app: &AppHandle<R>, alert: ClinicAlert) {
    if app.emit(ALERT_EVENT, &alert).is_err() {
        tracing::warn!("a window missed an alert");
    }
    let shown = app
        .notification()
        .builder()
        .title("A reading needs your attention")
        .body("Open Tend to see it.")
        .show();
    if shown.is_err() {
        tracing::warn!("an alert notification could not be shown");
    }
}
