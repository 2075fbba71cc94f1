//! Desktops: Bluetooth needs no permission from the app (the system's own settings decide), and
//! reminders ring from Tend's own loop, on time whenever the laptop is awake.

use std::marker::PhantomData;

use tauri::{plugin::PluginApi, AppHandle, Runtime};

use super::{ReminderDelivery, SystemCheck};

#[derive(Debug)]
pub struct Native<R: Runtime>(PhantomData<fn() -> R>);

impl<R: Runtime> Native<R> {
    pub fn new(
        _app: &AppHandle<R>,
        _api: PluginApi<R, ()>,
    ) -> Result<Native<R>, Box<dyn std::error::Error>> {
        Ok(Native(PhantomData))
    }
}

impl<R: Runtime> super::Calls for Native<R> {
    /// Whether Tend may use Bluetooth, asking the patient first where the system wants that.
    fn allow_bluetooth(&self) -> bool {
        true
    }

    fn reminder_delivery(&self) -> ReminderDelivery {
        ReminderDelivery {
            notifications: true,
            exact: true,
        }
    }

    /// Opens the system's page where the patient allows exact reminders: none on desktops.
    fn open_reminder_settings(&self) {}

    /// Tend asks for its own passphrase or passcode on desktops instead.
    fn ask_the_phone(&self, _reason: &str) -> SystemCheck {
        SystemCheck::Unavailable
    }
}
