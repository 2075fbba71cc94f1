//! What differs between a desktop and a phone, behind one type, as Tauri's own plugins do it:
//! `desktop.rs` and `mobile.rs` each expose a `Native` with the same methods, and
//! `#[cfg(desktop)]`/`#[cfg(mobile)]` picks one; commands reach it as the [`Platform`] state.
//! On Android the phone's side is a small Kotlin plugin (`TendPlatformPlugin.kt` in
//! `src-tauri/gen/android/app/src/main/java/health/tend/companion/`, see docs/mobile.md); on iOS
//! the system asks for Bluetooth itself, with the sentence from Info.plist.

use jiff::Timestamp;
use serde::Serialize;
use tauri::{
    plugin::{Builder, TauriPlugin},
    Manager, Runtime,
};
use tend_core::{IdleLock, KeySource, Session, Tend};

#[cfg(desktop)]
mod desktop;
pub mod leaving;
#[cfg(mobile)]
mod mobile;

#[cfg(desktop)]
use desktop::Native;
#[cfg(mobile)]
use mobile::Native;

/// The platform's calls, for commands (which are not generic over the runtime).
pub struct Platform(Box<dyn Calls>);

impl std::fmt::Debug for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Platform")
    }
}

impl Platform {
    /// Whether Tend may use Bluetooth, asking the patient first where the system wants that; a
    /// refusal is `false` at once.
    pub fn allow_bluetooth(&self) -> bool {
        self.0.allow_bluetooth()
    }

    /// Whether reminders reach the patient on time (asking for notifications when undecided).
    pub fn reminder_delivery(&self) -> ReminderDelivery {
        self.0.reminder_delivery()
    }

    /// Opens the system's page where the patient lets reminders ring on time, where there is one.
    pub fn open_reminder_settings(&self) {
        self.0.open_reminder_settings()
    }

    /// Asks the phone's own check (fingerprint, face or the phone's PIN) whether the patient is
    /// here; a yes counts as presence for a minute, as their passcode would. Desktops have no
    /// such check (`Unavailable`): the app asks for the passphrase or passcode instead.
    pub async fn confirm_presence(&self, sessions: &IdleLock) -> tend_core::Result<SystemCheck> {
        let answer = self.0.ask_the_phone(PRESENCE_REASON);
        if answer == SystemCheck::Confirmed {
            sessions.confirmed_by_the_phone(Timestamp::now()).await?;
        }
        Ok(answer)
    }

    /// Opens a keychain vault with the phone's own check of the patient in place of their
    /// passcode: the session, when the phone confirmed them. Desktops: `Unavailable`, no session.
    pub async fn unlock(&self, tend: &Tend) -> tend_core::Result<(SystemCheck, Option<Session>)> {
        let answer = self.0.ask_the_phone(UNLOCK_REASON);
        if answer != SystemCheck::Confirmed {
            return Ok((answer, None));
        }
        let session = tend.unlock(KeySource::KeychainConfirmedByThePhone).await?;
        Ok((answer, Some(session)))
    }
}

/// What the phone's own check says it is for.
const PRESENCE_REASON: &str = "Confirm it's you before your health data leaves Tend";
const UNLOCK_REASON: &str = "Open Tend";

/// What `Native` does on each platform.
trait Calls: Send + Sync {
    fn allow_bluetooth(&self) -> bool;
    fn reminder_delivery(&self) -> ReminderDelivery;
    fn open_reminder_settings(&self);
    /// The phone's own check of the patient, saying `reason`; blocks until they answer.
    fn ask_the_phone(&self, reason: &str) -> SystemCheck;
}

/// What the phone's own check of the patient answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum SystemCheck {
    /// The patient passed it: their fingerprint, face or the phone's PIN.
    Confirmed,
    /// They cancelled, or it did not recognise them (phones only: desktops have no check).
    #[cfg_attr(desktop, allow(dead_code))]
    Refused,
    /// No such check here (a desktop, or a phone with no fingerprint, face or PIN set up).
    Unavailable,
}

/// Whether reminders can reach the patient on time, for the app to say so when they cannot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, specta::Type)]
pub struct ReminderDelivery {
    /// The system lets Tend show notifications.
    pub notifications: bool,
    /// The system lets Tend's reminders ring at the exact minute (Android 12+ asks the patient
    /// for "Alarms & reminders"; elsewhere always).
    pub exact: bool,
}

/// Registers the platform's side and manages its [`Platform`] for the rest of the app.
pub fn init<R: Runtime>() -> TauriPlugin<R> {
    Builder::new("tend-platform")
        .setup(|app, api| {
            app.manage(Platform(Box::new(Native::<R>::new(app, api)?)));
            Ok(())
        })
        .build()
}
