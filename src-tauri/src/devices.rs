//! Devices in the shell: while the vault is unlocked, every paired device is kept connected
//! (core stores its readings), and device events stream to the windows that subscribed over a
//! `tauri::ipc::Channel`. Pairing or forgetting a device restarts the watch with the new set.

use std::{
    collections::BTreeMap,
    sync::{Arc, Mutex, OnceLock},
};

use tauri::{ipc::Channel, AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::NotificationExt;
use tend_core::{
    vitals::{Alert, Alerter, Direction},
    BtleCentral, DeviceEvent, DeviceStatus, IdleLock, LinkPolicy, PairedDevice, Preferences,
    SystemClock,
};
use tokio::sync::watch;

/// The event a window receives with each new [`Alert`].
pub const ALERT_EVENT: &str = "alert://raised";

/// What the windows see of the devices, and how to reach them.
#[derive(Default)]
pub struct DeviceHub {
    statuses: Mutex<BTreeMap<String, DeviceStatus>>,
    channels: Mutex<Vec<Channel<DeviceEvent>>>,
    /// Bumped when the set of paired devices changes.
    restart: watch::Sender<u64>,
    /// Why devices cannot be reached (no adapter, Bluetooth off), when they cannot.
    unavailable: Mutex<Option<String>>,
    /// Watches live readings against the patient's alert ranges.
    alerter: Mutex<Alerter>,
    preferences: Mutex<Preferences>,
    on_alert: OnceLock<Box<dyn Fn(Alert) + Send + Sync>>,
}

impl std::fmt::Debug for DeviceHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeviceHub")
            .field("devices", &locked(&self.statuses).len())
            .field("subscribers", &locked(&self.channels).len())
            .finish()
    }
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl DeviceHub {
    /// The status of every paired device, as last heard.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        locked(&self.statuses).values().cloned().collect()
    }

    pub fn unavailable(&self) -> Option<String> {
        locked(&self.unavailable).clone()
    }

    /// Sends every later device event to `channel`, until its window goes away.
    pub fn subscribe(&self, channel: Channel<DeviceEvent>) {
        locked(&self.channels).push(channel);
    }

    /// Re-reads the paired devices and watches them.
    pub fn restart(&self) {
        self.restart.send_modify(|n| *n += 1);
    }

    /// The preferences alerts follow, as the patient last set them.
    pub fn use_preferences(&self, preferences: Preferences) {
        *locked(&self.preferences) = preferences;
    }

    fn event(&self, event: DeviceEvent) {
        if let DeviceEvent::Reading { reading, .. } = &event {
            let range = locked(&self.preferences).alert_range(reading.metric);
            let alert = range.and_then(|range| {
                locked(&self.alerter).observe(reading.metric, reading.value(), reading.time, range)
            });
            if let (Some(alert), Some(on_alert)) = (alert, self.on_alert.get()) {
                on_alert(alert);
            }
        }
        for status in locked(&self.statuses).values_mut() {
            if status.apply(&event) {
                break;
            }
        }
        // A channel whose window closed fails to send: it is dropped.
        locked(&self.channels).retain(|channel| channel.send(event.clone()).is_ok());
    }

    fn reset(&self, devices: &[PairedDevice]) {
        *locked(&self.statuses) = devices
            .iter()
            .map(|d| (d.id.clone(), DeviceStatus::new(d)))
            .collect();
    }
}

/// Starts watching devices whenever the vault is unlocked, for as long as the app runs.
pub fn start<R: Runtime>(app: &AppHandle<R>) {
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let sessions = Arc::clone(&*handle.state::<Arc<IdleLock>>());
        let hub = Arc::clone(&*handle.state::<Arc<DeviceHub>>());
        let mut unlocked = sessions.unlocked_signal();
        let mut restart = hub.restart.subscribe();
        let on_alert = handle.clone();
        let _ = hub
            .on_alert
            .set(Box::new(move |alert| raise(&on_alert, alert)));
        loop {
            if unlocked.wait_for(|open| *open).await.is_err() {
                return;
            }
            restart.borrow_and_update();
            watch_once(&sessions, &hub, &unlocked, &restart).await;
            // Until the vault locks or the devices change, there is nothing new to do.
            if !restart.has_changed().unwrap_or(true) && *unlocked.borrow() {
                tokio::select! {
                    _ = unlocked.wait_for(|open| !open) => {}
                    _ = restart.changed() => {}
                }
            }
        }
    });
}

/// Watches the paired devices until the vault locks or the set of devices changes; returns at
/// once when there is nothing to watch or no Bluetooth.
async fn watch_once(
    sessions: &IdleLock,
    hub: &DeviceHub,
    unlocked: &watch::Receiver<bool>,
    restart: &watch::Receiver<u64>,
) {
    let Some(session) = sessions.shared().await else {
        return;
    };
    let devices = match session.paired_devices().await {
        Ok(devices) => devices,
        Err(e) => {
            tracing::warn!(code = ?e.code(), "paired devices could not be read");
            return;
        }
    };
    hub.reset(&devices);
    if let Ok(preferences) = session.preferences().await {
        hub.use_preferences(preferences);
    }
    *locked(&hub.unavailable) = None;
    if devices.is_empty() {
        return;
    }
    let central = match BtleCentral::open().await {
        Ok(central) => central,
        Err(e) => {
            *locked(&hub.unavailable) = Some(e.to_string());
            return;
        }
    };
    let (stop, stopped) = watch::channel(false);
    let (mut unlocked, mut restart) = (unlocked.clone(), restart.clone());
    let stopper = async {
        tokio::select! {
            _ = unlocked.wait_for(|open| !open) => {}
            _ = restart.changed() => {}
        }
        stop.send_replace(true);
    };
    let sink = |event: DeviceEvent| hub.event(event);
    let policy = LinkPolicy::default();
    let watching = session.watch_devices(&central, &SystemClock, &policy, &sink, stopped);
    tokio::pin!(watching);
    let watched = tokio::select! {
        watched = &mut watching => watched,
        () = stopper => watching.await,
    };
    if let Err(e) = watched {
        tracing::warn!(code = ?e.code(), "watching devices stopped");
    }
}

/// Keeps the alert for the in-app list, tells the window, and notifies. The notification names
/// the measurement and the direction, not the value.
fn raise<R: Runtime>(app: &AppHandle<R>, alert: Alert) {
    if app.emit(ALERT_EVENT, alert).is_err() {
        tracing::warn!("a window missed an alert");
    }
    let name = tend_core::share::Category::of(alert.metric)
        .map_or_else(|| alert.metric.to_string(), |c| c.to_string());
    let side = match alert.direction {
        Direction::High => "above",
        Direction::Low => "below",
    };
    let shown = app
        .notification()
        .builder()
        .title(format!("Your {name} is {side} your range"))
        .body("Open Tend to see the reading.")
        .show();
    if shown.is_err() {
        tracing::warn!("an alert notification could not be shown");
    }
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let sessions = Arc::clone(&*handle.state::<Arc<IdleLock>>());
        if let Some(Err(e)) = sessions.peek(async |s| s.record_alert(&alert).await).await {
            tracing::warn!(code = ?e.code(), "an alert could not be kept");
        }
    });
}
