//! Phones. Android: Bluetooth needs runtime permissions (`BLUETOOTH_SCAN` and
//! `BLUETOOTH_CONNECT` from Android 12, fine location below it), asked through the Kotlin plugin
//! `TendPlatformPlugin` when the patient first looks for a device; exact reminders need "Alarms &
//! reminders", which the patient grants in the system's settings. iOS: CoreBluetooth asks the
//! patient itself the first time Tend scans, with the Info.plist sentence, and a refusal comes
//! back from btleplug as "not allowed"; notifications are asked for by the notification plugin.
//! Both: the phone's own check of the patient (fingerprint, face or PIN) through the biometric
//! plugin, as presence before data leaves.

use serde::Deserialize;
use tauri::{plugin::PluginApi, AppHandle, Runtime};
use tauri_plugin_biometric::{AuthOptions, BiometricExt};
use tauri_plugin_notification::{NotificationExt, PermissionState};

use super::{ReminderDelivery, SystemCheck};

/// The Kotlin plugin's package (the app's identifier) and class.
#[cfg(target_os = "android")]
const ANDROID_PACKAGE: &str = "health.tend.companion";
#[cfg(target_os = "android")]
const ANDROID_CLASS: &str = "TendPlatformPlugin";

#[derive(Debug)]
pub struct Native<R: Runtime> {
    app: AppHandle<R>,
    #[cfg(target_os = "android")]
    android: tauri::plugin::PluginHandle<R>,
}

/// What the Kotlin plugin answers about a permission.
#[cfg_attr(not(target_os = "android"), allow(dead_code))]
#[derive(Debug, Deserialize)]
struct Granted {
    granted: bool,
}

impl<R: Runtime> Native<R> {
    pub fn new(
        app: &AppHandle<R>,
        api: PluginApi<R, ()>,
    ) -> Result<Native<R>, Box<dyn std::error::Error>> {
        #[cfg(target_os = "android")]
        let android = api.register_android_plugin(ANDROID_PACKAGE, ANDROID_CLASS)?;
        #[cfg(not(target_os = "android"))]
        let _ = api;
        Ok(Native {
            app: app.clone(),
            #[cfg(target_os = "android")]
            android,
        })
    }
}

impl<R: Runtime> super::Calls for Native<R> {
    /// Whether Tend may use Bluetooth. On Android this asks the patient when they have not
    /// decided yet (the system's dialog, after the Devices screen's sentence on why); a refusal
    /// is `false` at once, never a wait.
    fn allow_bluetooth(&self) -> bool {
        #[cfg(target_os = "android")]
        {
            self.android
                .run_mobile_plugin::<Granted>("requestBluetooth", ())
                .is_ok_and(|g| g.granted)
        }
        // iOS: CoreBluetooth asks at the first scan; btleplug reports a refusal.
        #[cfg(not(target_os = "android"))]
        {
            true
        }
    }

    /// Whether reminders reach the patient, asking for notifications when not decided yet.
    fn reminder_delivery(&self) -> ReminderDelivery {
        let notifications = match self.app.notification().permission_state() {
            Ok(PermissionState::Granted) => true,
            Ok(PermissionState::Prompt | PermissionState::PromptWithRationale) => matches!(
                self.app.notification().request_permission(),
                Ok(PermissionState::Granted)
            ),
            _ => false,
        };
        #[cfg(target_os = "android")]
        let exact = self
            .android
            .run_mobile_plugin::<Granted>("exactAlarms", ())
            .is_ok_and(|g| g.granted);
        // iOS delivers calendar triggers on time; there is no such setting.
        #[cfg(not(target_os = "android"))]
        let exact = true;
        ReminderDelivery {
            notifications,
            exact,
        }
    }

    /// Android's BiometricPrompt or iOS's LocalAuthentication, with the phone's PIN allowed in
    /// place of a fingerprint or face: the same check the phone's own lock screen makes.
    fn ask_the_phone(&self, reason: &str) -> SystemCheck {
        let biometric = self.app.biometric();
        let enrolled = biometric.status().is_ok_and(|s| s.is_available);
        // Without a fingerprint or face, iOS and Android may still offer the PIN; status says
        // whether the phone can check anything at all.
        if !enrolled {
            return SystemCheck::Unavailable;
        }
        let options = AuthOptions {
            allow_device_credential: true,
            title: Some("Confirm it's you".into()),
            cancel_title: Some("Use my passcode".into()),
            ..AuthOptions::default()
        };
        match biometric.authenticate(reason.to_owned(), options) {
            Ok(()) => SystemCheck::Confirmed,
            Err(_) => SystemCheck::Refused,
        }
    }

    /// Opens the system's "Alarms & reminders" page for Tend (Android 12+).
    fn open_reminder_settings(&self) {
        #[cfg(target_os = "android")]
        if self
            .android
            .run_mobile_plugin::<serde_json::Value>("openExactAlarmSettings", ())
            .is_err()
        {
            tracing::warn!("the exact-alarm settings could not be opened");
        }
    }
}
