//! Reminders in the shell: the reminder plan (kept by core outside the vault) becomes system
//! notifications, with Take and Snooze buttons where the platform has them, and a
//! `reminder://due` event for an open window. They ring whether Tend is locked or not: on
//! desktops from Tend's own loop (`desktop.rs`), on phones from the OS's schedule (`mobile.rs`);
//! both expose the same [`Ringer`].
//!
//! Notifications are private by default: "Time for your 8:00 medication", no name. A patient
//! who chose detailed notifications sees the medication's name, and only while Tend is
//! unlocked (the names are sealed). A button pressed while Tend is locked is kept and recorded
//! at the next unlock.

use std::{collections::BTreeMap, sync::Arc};

use jiff::{tz::TimeZone, Timestamp};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::{Action, ActionPerformed, ActionType, NotificationExt};
use tend_core::{
    clinic::{BpSlot, PROTOCOL_DAYS},
    Alarm, DoseAction, IdleLock, Tend,
};

#[cfg(desktop)]
mod desktop;
#[cfg(mobile)]
mod mobile;

#[cfg(desktop)]
pub use desktop::Ringer;
#[cfg(mobile)]
pub use mobile::Ringer;

/// The event an open window receives with each [`Alarm`].
pub const EVENT: &str = "reminder://due";
/// The action type of a due-dose notification: its buttons.
const DOSE_BUTTONS: &str = "dose";
const TAKE: &str = "take";
const SNOOZE: &str = "snooze";
const SNOOZE_MINUTES: u16 = 10;

/// Registers the notification buttons and their handler, and starts ringing.
pub fn start<R: Runtime>(app: &AppHandle<R>) -> Result<(), tauri_plugin_notification::Error> {
    listen_for_buttons(app)?;
    Ringer::start(app);
    Ok(())
}

/// How the patient's locale writes a time: "8:00 PM" or "20:00". The window says so as it
/// starts (`use_twelve_hour_clock`), so notifications read as the screens do; 24 hours until it
/// has.
#[derive(Debug, Default)]
pub struct ClockStyle(std::sync::atomic::AtomicBool);

impl ClockStyle {
    pub fn set_twelve_hour(&self, twelve_hour: bool) {
        self.0
            .store(twelve_hour, std::sync::atomic::Ordering::Relaxed);
    }

    pub fn twelve_hour(&self) -> bool {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// What a notification says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wording {
    pub title: String,
    pub body: String,
}

/// The words of a notification for `alarm`: naming nothing unless `name` is given (the patient
/// chose detailed notifications and Tend is unlocked); times in 12 hours when `twelve_hour`.
pub fn wording(alarm: &Alarm, name: Option<&str>, twelve_hour: bool) -> Wording {
    let clock_time = |due: &str| clock_time(due, twelve_hour);
    match (alarm, name) {
        (Alarm::DoseDue { due, .. }, None) => Wording {
            title: format!("Time for your {} medication", clock_time(due)),
            body: format!("Take it now, or snooze it for {SNOOZE_MINUTES} minutes."),
        },
        (Alarm::DoseDue { due, .. }, Some(name)) => Wording {
            title: format!("Time for {name}"),
            body: format!("Due at {}", clock_time(due)),
        },
        (Alarm::DosesMissed { count: 1, .. }, _) => Wording {
            title: "A dose was missed".into(),
            body: "Open Tend to catch up.".into(),
        },
        (Alarm::DosesMissed { count, .. }, _) => Wording {
            title: format!("{count} doses were missed"),
            body: "Open Tend to catch up.".into(),
        },
        (Alarm::MeasureBloodPressure { slot, day, .. }, _) => Wording {
            title: match slot {
                BpSlot::Morning => "Time for your morning blood pressure".into(),
                BpSlot::Evening => "Time for your evening blood pressure".into(),
            },
            body: format!(
                "Day {day} of {PROTOCOL_DAYS}. Sit quietly for 5 minutes, then take two readings a minute apart."
            ),
        },
    }
}

/// Tells the window and the system about `alarm`.
pub async fn announce<R: Runtime>(app: &AppHandle<R>, alarm: &Alarm) {
    if app.emit(EVENT, alarm).is_err() {
        tracing::warn!("a reminder could not reach the window");
    }
    let names = names(app).await;
    let shown = notification(app, alarm, names.as_ref()).show();
    if shown.is_err() {
        tracing::warn!("a reminder notification could not be shown");
    }
}

/// The notification for `alarm`, ready to show or schedule.
fn notification<R: Runtime>(
    app: &AppHandle<R>,
    alarm: &Alarm,
    names: Option<&BTreeMap<String, String>>,
) -> tauri_plugin_notification::NotificationBuilder<R> {
    let builder = app.notification().builder();
    let twelve_hour = app
        .try_state::<ClockStyle>()
        .is_some_and(|style| style.twelve_hour());
    match alarm {
        Alarm::DoseDue { reference, due } => {
            let name = names.and_then(|n| n.get(reference)).map(String::as_str);
            let words = wording(alarm, name, twelve_hour);
            builder
                .id(notification_id(alarm))
                .title(words.title)
                .body(words.body)
                .action_type_id(DOSE_BUTTONS)
                .extra("reference", reference)
                .extra("due", due)
        }
        Alarm::MeasureBloodPressure { .. } => {
            let words = wording(alarm, None, twelve_hour);
            builder
                .id(notification_id(alarm))
                .title(words.title)
                .body(words.body)
        }
        Alarm::DosesMissed { .. } => {
            let words = wording(alarm, None, twelve_hour);
            builder.title(words.title).body(words.body)
        }
    }
}

/// The medications' names by reference, when the patient chose detailed notifications and Tend
/// is unlocked; otherwise none. Looking does not count as use for the idle lock.
async fn names<R: Runtime>(app: &AppHandle<R>) -> Option<BTreeMap<String, String>> {
    let sessions = app.state::<Arc<IdleLock>>();
    sessions
        .with(async |s| {
            let detailed = s.preferences().await.ok()?.detailed_notifications;
            if !detailed {
                return None;
            }
            s.reminder_names().await.ok()
        })
        .await
        .flatten()
}

/// Registers the Take and Snooze buttons and records the dose when one is pressed.
pub fn listen_for_buttons<R: Runtime>(
    app: &AppHandle<R>,
) -> Result<(), tauri_plugin_notification::Error> {
    let notifications = app.notification();
    notifications.register_action_types(vec![ActionType::builder(DOSE_BUTTONS)
        .actions(vec![
            Action::builder(TAKE, "Take").build(),
            Action::builder(SNOOZE, format!("Snooze {SNOOZE_MINUTES} min")).build(),
        ])
        .build()])?;
    let handle = app.clone();
    notifications.on_action(move |performed| {
        if let Some((reference, due, action)) = button(performed) {
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                record(&handle, &reference, due, action).await;
            });
        }
    })
}

/// The dose and the action a pressed button means, if it is one of ours.
fn button(performed: &ActionPerformed) -> Option<(String, Timestamp, DoseAction)> {
    let action = match performed.action_id() {
        TAKE => DoseAction::Take,
        SNOOZE => DoseAction::Snooze {
            minutes: SNOOZE_MINUTES,
        },
        _ => return None,
    };
    let extra = performed.notification()?.extra();
    let reference = extra.get("reference")?.as_str()?.to_owned();
    let due = extra.get("due")?.as_str()?.parse().ok()?;
    Some((reference, due, action))
}

/// Records a button press: at once while Tend is unlocked, else kept (no name, no value) for
/// the next unlock. Either way the plan stops ringing for that dose.
async fn record<R: Runtime>(
    app: &AppHandle<R>,
    reference: &str,
    due: Timestamp,
    action: DoseAction,
) {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    let sessions = app.state::<Arc<IdleLock>>();
    // Pressing a notification's button is the patient at the device.
    sessions.touch(now).await;
    let recorded = sessions
        .with(async |s| {
            let medication_id = s.medication_for_reference(reference).await?;
            s.record_dose(&medication_id, due, action.clone().state(now), &here, now)
                .await
        })
        .await;
    match recorded {
        Some(Ok(dose)) => {
            if app.emit(crate::DOSE_RECORDED, &dose).is_err() {
                tracing::warn!("a recorded dose could not reach the window");
            }
            if let Some(left) = dose.refill_due {
                let detailed = names(app).await.is_some();
                let title = if detailed {
                    format!("Time to reorder {}", dose.medication)
                } else {
                    "Time to reorder a medication".to_owned()
                };
                let shown = app
                    .notification()
                    .builder()
                    .title(title)
                    .body(format!("{left} left. Open Tend to see which."))
                    .show();
                if shown.is_err() {
                    tracing::warn!("a refill reminder could not be shown");
                }
            }
        }
        Some(Err(e)) => {
            tracing::warn!(code = ?e.code(), "a dose from a notification was not recorded")
        }
        None => {
            let dir = app.state::<Tend>().data_dir().to_owned();
            match tend_core::keep_pending_action(&dir, reference, due, action, now, &here) {
                Ok(()) => {
                    tracing::info!("a dose answered while locked is kept for the next unlock")
                }
                Err(e) => tracing::warn!(code = ?e.code(), "a dose answered while locked was lost"),
            }
        }
    }
}

/// The same dose, or the same reading of the guided week, always gets the same notification id,
/// so a repeat replaces rather than adds, and a phone can take back what it scheduled.
fn notification_id(alarm: &Alarm) -> i32 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    match alarm {
        Alarm::DoseDue { reference, due } => (reference, due).hash(&mut hasher),
        Alarm::MeasureBloodPressure { due, .. } => ("blood pressure", due).hash(&mut hasher),
        Alarm::DosesMissed { since, until, .. } => ("missed", since, until).hash(&mut hasher),
    }
    (hasher.finish() & 0x7fff_ffff) as i32
}

/// "8:00" or "20:30" (or, in 12 hours, "8:00 AM" and "8:30 PM") from an RFC 3339 instant with
/// its local offset: the dose's own clock time.
fn clock_time(due: &str, twelve_hour: bool) -> String {
    let (Some(hours), Some(minutes)) = (
        due.get(11..13).and_then(|h| h.parse::<u8>().ok()),
        due.get(14..16),
    ) else {
        return due.to_owned();
    };
    if !twelve_hour {
        return format!("{hours}:{minutes}");
    }
    let half = if hours < 12 { "AM" } else { "PM" };
    let on_the_dial = match hours % 12 {
        0 => 12,
        h => h,
    };
    format!("{on_the_dial}:{minutes} {half}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(at: &str) -> Alarm {
        Alarm::DoseDue {
            reference: "3f2a9c".into(),
            due: at.into(),
        }
    }

    fn check(alarm: Alarm, name: Option<&str>, title: &str, body: &str) {
        assert_eq!(
            wording(&alarm, name, false),
            Wording {
                title: title.into(),
                body: body.into()
            }
        );
    }

    #[test]
    fn notifications_name_nothing_unless_the_patient_chose_it() {
        check(
            due("2026-03-02T08:00:00-05:00"),
            None,
            "Time for your 8:00 medication",
            "Take it now, or snooze it for 10 minutes.",
        );
        check(
            due("2026-03-02T20:30:00+01:00"),
            None,
            "Time for your 20:30 medication",
            "Take it now, or snooze it for 10 minutes.",
        );
        check(
            due("2026-03-02T08:00:00-05:00"),
            Some("Metformin"),
            "Time for Metformin",
            "Due at 8:00",
        );
        let missed = |count| Alarm::DosesMissed {
            since: "2026-03-02T08:00:00-05:00".into(),
            until: "2026-03-02T10:00:00-05:00".into(),
            count,
        };
        check(
            missed(1),
            Some("Metformin"),
            "A dose was missed",
            "Open Tend to catch up.",
        );
        check(
            missed(3),
            None,
            "3 doses were missed",
            "Open Tend to catch up.",
        );
        check(
            Alarm::MeasureBloodPressure {
                slot: BpSlot::Evening,
                due: "2026-03-04T19:00:00-05:00".into(),
                day: 3,
            },
            None,
            "Time for your evening blood pressure",
            "Day 3 of 7. Sit quietly for 5 minutes, then take two readings a minute apart.",
        );
    }

    /// A patient whose screens say "8:00 PM" read "20:00" in every reminder.
    #[test]
    fn reminders_say_the_time_as_the_patients_screens_do() {
        let title = |at: &str, twelve_hour: bool| wording(&due(at), None, twelve_hour).title;
        assert_eq!(
            title("2026-03-02T20:30:00+01:00", true),
            "Time for your 8:30 PM medication"
        );
        assert_eq!(
            title("2026-03-02T08:05:00-05:00", true),
            "Time for your 8:05 AM medication"
        );
        assert_eq!(
            title("2026-03-02T00:15:00Z", true),
            "Time for your 12:15 AM medication"
        );
        assert_eq!(
            title("2026-03-02T12:00:00Z", true),
            "Time for your 12:00 PM medication"
        );
        assert_eq!(
            title("2026-03-02T00:15:00Z", false),
            "Time for your 0:15 medication"
        );
        let named = wording(&due("2026-03-02T20:30:00+01:00"), Some("Metformin"), true);
        assert_eq!(named.body, "Due at 8:30 PM");
    }
}
