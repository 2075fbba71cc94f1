//! Watching the paired devices for as long as a shell runs: while Tend is unlocked every paired
//! device is kept connected (readings stored, alerts raised), its status kept for the shells,
//! and the watch restarted when the devices change. Shells pass sinks and forward what comes.

use std::{collections::BTreeMap, sync::Mutex};

use jiff::{SignedDuration, Timestamp};
use tend_ble::Central;
use tend_clinic::{AlertEvaluator, AlertSettings, ClinicAlert};
use tend_vitals::{DeviceKind, Metric, Reading};
use tokio::sync::watch;

use crate::{
    Clock, DeviceEvent, DeviceStatus, Error, ErrorCode, IdleLock, LinkPolicy, PairedDevice,
    Preferences, Result,
};

/// Where a watch's news goes: every device event, and every alert raised.
#[derive(Clone, Copy)]
pub struct WatchSinks<'a> {
    pub events: &'a (dyn Fn(DeviceEvent) + Send + Sync),
    pub alerts: &'a (dyn Fn(ClinicAlert) + Send + Sync),
}

impl std::fmt::Debug for WatchSinks<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatchSinks(..)")
    }
}

/// Live readings under the clinical alert rules (`tend_clinic::AlertEvaluator`): a single
/// blood-pressure reading alerts only at crisis level or when very low, streams when out of range
/// for a sustained time, glucose below 54 mg/dL at once, and a second alert in the same direction
/// waits for a return to range. Readings a device kept in its memory never alert: they are
/// history by the time they arrive.
#[derive(Debug, Default)]
pub struct AlertWatch {
    evaluator: Mutex<AlertEvaluator>,
}

/// A reading measured longer ago than this when it is stored came from a device's memory.
pub const LIVE_WITHIN: SignedDuration = SignedDuration::from_mins(10);

impl AlertWatch {
    pub fn new(preferences: Preferences) -> AlertWatch {
        AlertWatch {
            evaluator: Mutex::new(AlertEvaluator::new(alert_settings(&preferences))),
        }
    }

    /// The patient's settings from now on; what the rules remember is kept.
    pub fn use_preferences(&self, preferences: Preferences) {
        let mut evaluator = locked(&self.evaluator);
        if *evaluator.settings() != alert_settings(&preferences) {
            *evaluator = AlertEvaluator::new(alert_settings(&preferences));
        }
    }

    /// The alert one stored reading from a device of `kind` calls for, if any; `now` tells a
    /// live reading from one the device kept in its memory.
    pub(crate) fn observe(
        &self,
        reading: &Reading,
        kind: DeviceKind,
        now: Timestamp,
    ) -> Option<ClinicAlert> {
        if reading.time < now - LIVE_WITHIN {
            return None;
        }
        locked(&self.evaluator).observe(reading, kind)
    }
}

/// The rules tuned as the patient (with their clinician) set them: their heart-rate range where
/// they set one, their SpO2 target; the clinical defaults otherwise.
fn alert_settings(preferences: &Preferences) -> AlertSettings {
    let defaults = AlertSettings::default();
    AlertSettings {
        heart_rate: preferences
            .thresholds
            .get(&Metric::HeartRate)
            .copied()
            .unwrap_or(defaults.heart_rate),
        spo2_target: preferences.spo2_target,
        sustained_for: SignedDuration::from_mins(i64::from(preferences.alert_after_minutes)),
        ..defaults
    }
}

/// Why the devices cannot be reached (no adapter, Bluetooth off), for the shells to say.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct DevicesUnavailable {
    pub code: ErrorCode,
    pub message: String,
}

/// The device watch of a long-running shell: statuses as last heard, and why devices cannot be
/// reached when they cannot.
#[derive(Debug, Default)]
pub struct DeviceWatch {
    statuses: Mutex<BTreeMap<String, DeviceStatus>>,
    unavailable: Mutex<Option<DevicesUnavailable>>,
    /// Bumped when the set of paired devices changes.
    restart: watch::Sender<u64>,
    alerts: AlertWatch,
}

impl DeviceWatch {
    /// The status of every paired device, as last heard.
    pub fn statuses(&self) -> Vec<DeviceStatus> {
        locked(&self.statuses).values().cloned().collect()
    }

    pub fn unavailable(&self) -> Option<DevicesUnavailable> {
        locked(&self.unavailable).clone()
    }

    /// Re-reads the paired devices and watches them (after pairing or forgetting one).
    pub fn restart(&self) {
        self.restart.send_modify(|n| *n += 1);
    }

    /// Alerts follow `preferences` from now on.
    pub fn use_preferences(&self, preferences: Preferences) {
        self.alerts.use_preferences(preferences);
    }

    /// Runs until the task is dropped: whenever `sessions` is unlocked, keeps every paired device
    /// connected through a central from `open_central`, until Tend locks or the devices change.
    /// Holds the session only while watching; locking ends the watch first.
    pub async fn run<C: Central, K: Clock>(
        &self,
        sessions: &IdleLock,
        open_central: impl AsyncFn() -> Result<C>,
        clock: &K,
        policy: &LinkPolicy,
        sinks: WatchSinks<'_>,
    ) {
        let mut unlocked = sessions.unlocked_signal();
        let mut restart = self.restart.subscribe();
        loop {
            if unlocked.wait_for(|open| *open).await.is_err() {
                return;
            }
            restart.borrow_and_update();
            self.watch_once(
                sessions,
                &open_central,
                clock,
                policy,
                sinks,
                &unlocked,
                &restart,
            )
            .await;
            // Until Tend locks or the devices change, there is nothing new to do.
            if !restart.has_changed().unwrap_or(true) && *unlocked.borrow() {
                tokio::select! {
                    _ = unlocked.wait_for(|open| !open) => {}
                    _ = restart.changed() => {}
                }
            }
        }
    }

    /// Watches the paired devices until Tend locks or the set of devices changes; returns at
    /// once when there is nothing to watch or no Bluetooth.
    #[allow(clippy::too_many_arguments)]
    async fn watch_once<C: Central, K: Clock>(
        &self,
        sessions: &IdleLock,
        open_central: &impl AsyncFn() -> Result<C>,
        clock: &K,
        policy: &LinkPolicy,
        sinks: WatchSinks<'_>,
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
        self.reset(&devices);
        if let Ok(preferences) = session.preferences().await {
            self.alerts.use_preferences(preferences);
        }
        *locked(&self.unavailable) = None;
        if devices.is_empty() {
            return;
        }
        let central = match open_central().await {
            Ok(central) => central,
            Err(e) => {
                *locked(&self.unavailable) = Some(DevicesUnavailable {
                    code: e.code(),
                    message: e.to_string(),
                });
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
        let events = |event: DeviceEvent| {
            for status in locked(&self.statuses).values_mut() {
                if status.apply(&event) {
                    break;
                }
            }
            (sinks.events)(event);
        };
        let sinks = WatchSinks {
            events: &events,
            alerts: sinks.alerts,
        };
        let watching = session.watch_devices(&central, clock, policy, &self.alerts, sinks, stopped);
        tokio::pin!(watching);
        let watched = tokio::select! {
            watched = &mut watching => watched,
            () = stopper => watching.await,
        };
        if let Err(e) = watched {
            tracing::warn!(code = ?e.code(), "watching devices stopped");
        }
    }

    fn reset(&self, devices: &[PairedDevice]) {
        *locked(&self.statuses) = devices
            .iter()
            .map(|d| (d.id.clone(), DeviceStatus::new(d)))
            .collect();
    }
}

/// Opens the system's Bluetooth (BlueZ on Linux): the central the shells watch through.
pub async fn system_central() -> Result<crate::BtleCentral> {
    crate::BtleCentral::open().await.map_err(Error::from)
}

fn locked<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[cfg(test)]
mod tests {
    use tend_vitals::{TimeSource, Unit};

    use super::*;

    fn crisis(at: Timestamp) -> Reading {
        Reading::new(
            Metric::Systolic,
            at,
            190.0,
            Unit::MillimetreOfMercury,
            TimeSource::Device,
        )
        .expect("a reading")
    }

    /// Pairing a cuff raised a notification for each reading it had kept, hours old: a reading
    /// from a device's memory is history, listed in the app, never an alert.
    #[test]
    fn readings_from_a_devices_memory_never_alert_and_a_live_one_does() {
        let now: Timestamp = "2026-03-02T08:00:00Z".parse().expect("a time");
        let watch = AlertWatch::default();
        let cuff = DeviceKind::BloodPressureMonitor;
        for hours_ago in [4, 3, 2, 1] {
            let kept = crisis(now - SignedDuration::from_hours(hours_ago));
            assert_eq!(watch.observe(&kept, cuff, now), None, "{hours_ago} h old");
        }
        let eleven_minutes_old = crisis(now - SignedDuration::from_mins(11));
        assert_eq!(watch.observe(&eleven_minutes_old, cuff, now), None);
        assert!(watch.observe(&crisis(now), cuff, now).is_some());
    }
}
