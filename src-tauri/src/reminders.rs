//! Reminders in the shell: what the core's reminder loop finds becomes a system notification
//! (with Take and Snooze buttons where the platform has them) and a `reminder://due` event for
//! an open window. A button pressed on a notification records the dose.

use std::{sync::Arc, time::Duration};

use jiff::{tz::TimeZone, Timestamp};
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tauri_plugin_notification::{Action, ActionPerformed, ActionType, NotificationExt};
use tend_core::{DoseAction, IdleLock, Reminder, SystemClock};

/// The event an open window receives with each [`Reminder`].
pub const EVENT: &str = "reminder://due";
/// The action type of a due-dose notification: its buttons.
const DOSE_BUTTONS: &str = "dose";
const TAKE: &str = "take";
const SNOOZE: &str = "snooze";
const SNOOZE_MINUTES: u16 = 10;
/// How often the loop looks; a check after sleep catches up with one summary.
const CHECK_EVERY: Duration = Duration::from_secs(20);

/// Registers the notification buttons and their handler, and starts the reminder loop.
pub fn start<R: Runtime>(app: &AppHandle<R>) -> Result<(), tauri_plugin_notification::Error> {
    listen_for_buttons(app)?;
    let handle = app.clone();
    tauri::async_runtime::spawn(async move {
        let sessions = Arc::clone(&*handle.state::<Arc<IdleLock>>());
        let sink = |reminder: Reminder| announce(&handle, &reminder);
        tend_core::run_reminders(&sessions, &SystemClock, CHECK_EVERY, &sink).await;
    });
    Ok(())
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
        if let Some((medication_id, due, action)) = button(performed) {
            let handle = handle.clone();
            tauri::async_runtime::spawn(async move {
                record(&handle, &medication_id, due, action).await;
            });
        }
    })
}

/// Tells the window and the system about `reminder`.
pub fn announce<R: Runtime>(app: &AppHandle<R>, reminder: &Reminder) {
    if app.emit(EVENT, reminder).is_err() {
        tracing::warn!("a reminder could not reach the window");
    }
    let notification = app.notification().builder();
    let shown = match reminder {
        Reminder::DoseDue { dose } => notification
            .id(notification_id(&dose.medication_id, &dose.due))
            .title(format!("Time for {}", dose.medication))
            .body(format!("Due at {}", clock_time(&dose.due)))
            .action_type_id(DOSE_BUTTONS)
            .extra("medication_id", &dose.medication_id)
            .extra("due", &dose.due)
            .show(),
        Reminder::DosesMissed { doses, .. } => {
            let mut names: Vec<&str> = doses.iter().map(|d| d.medication.as_str()).collect();
            names.dedup();
            let count = doses.len();
            let title = if count == 1 {
                "A dose was missed".to_owned()
            } else {
                format!("{count} doses were missed")
            };
            notification
                .title(title)
                .body(format!("{}. Open Tend to catch up.", names.join(", ")))
                .show()
        }
    };
    if shown.is_err() {
        tracing::warn!("a reminder notification could not be shown");
    }
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
    let medication_id = extra.get("medication_id")?.as_str()?.to_owned();
    let due = extra.get("due")?.as_str()?.parse().ok()?;
    Some((medication_id, due, action))
}

async fn record<R: Runtime>(
    app: &AppHandle<R>,
    medication_id: &str,
    due: Timestamp,
    action: DoseAction,
) {
    let (now, here) = (Timestamp::now(), TimeZone::system());
    let sessions = app.state::<Arc<IdleLock>>();
    let recorded = sessions
        .with(now, async |s| {
            s.record_dose(medication_id, due, action.state(now), &here, now)
                .await
        })
        .await;
    match recorded {
        Some(Ok(dose)) => {
            if app.emit(crate::DOSE_RECORDED, &dose).is_err() {
                tracing::warn!("a recorded dose could not reach the window");
            }
            if let Some(left) = dose.refill_due {
                let shown = app
                    .notification()
                    .builder()
                    .title(format!("Time to reorder {}", dose.medication))
                    .body(format!("{left} left."))
                    .show();
                if shown.is_err() {
                    tracing::warn!("a refill reminder could not be shown");
                }
            }
        }
        Some(Err(e)) => {
            tracing::warn!(code = ?e.code(), "a dose from a notification was not recorded")
        }
        None => tracing::warn!("a dose from a notification came while Tend was locked"),
    }
}

/// The same dose always gets the same notification id, so a repeat replaces rather than adds.
fn notification_id(medication_id: &str, due: &str) -> i32 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (medication_id, due).hash(&mut hasher);
    (hasher.finish() & 0x7fff_ffff) as i32
}

/// "08:00" from an RFC 3339 instant with its local offset.
fn clock_time(due: &str) -> &str {
    due.get(11..16).unwrap_or(due)
}
