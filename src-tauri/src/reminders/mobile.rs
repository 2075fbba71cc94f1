//! Phones: the OS may put Tend to sleep or end it, so the next 48 hours of reminders (the doses
//! and the guided blood-pressure week's readings) are handed to the OS through the notification
//! plugin's schedule (Android's AlarmManager, exact and allowed in Doze where the patient granted
//! "Alarms & reminders"; iOS's calendar triggers). They are planned again whenever the plan file
//! changes (a medication, a dose or the week changed, Tend unlocked), when the time zone changes,
//! every few hours to roll the window on, and when the app starts — which covers a restart; after
//! a reboot the plugin's own receiver puts them back on Android. While the app runs it also sends
//! the missed-dose summary from the plan.

use std::time::Duration;

use jiff::{tz::TimeZone, SignedDuration, Timestamp};
use tauri::{AppHandle, Manager, Runtime};
use tauri_plugin_notification::{NotificationExt, Schedule};
use tend_core::{Alarm, ReminderPlan, Ringing, Tend, PLAN_FILE};

/// How far ahead reminders are handed to the OS.
const AHEAD: SignedDuration = SignedDuration::from_hours(48);
/// iOS keeps at most 64 pending notifications per app; Android has no such limit.
const MOST_SCHEDULED: usize = 60;
/// How often the app looks for a changed plan or zone.
const LOOK_EVERY: Duration = Duration::from_secs(30);
/// How often the window is rolled on although nothing changed.
const ROLL_EVERY: SignedDuration = SignedDuration::from_hours(6);

#[derive(Debug)]
pub struct Ringer;

/// What the doses were last scheduled from.
#[derive(Debug, PartialEq)]
struct Scheduled {
    plan: Vec<u8>,
    zone: Option<String>,
    at: Timestamp,
    ids: Vec<i32>,
}

impl Ringer {
    /// Keeps the OS schedule in step with the plan for as long as the app runs.
    pub fn start<R: Runtime>(app: &AppHandle<R>) {
        let handle = app.clone();
        tauri::async_runtime::spawn(async move {
            let dir = handle.state::<Tend>().data_dir().to_owned();
            let mut last: Option<Scheduled> = None;
            loop {
                let (now, here) = (Timestamp::now(), TimeZone::system());
                let plan = std::fs::read(dir.join(PLAN_FILE)).unwrap_or_default();
                let zone = here.iana_name().map(str::to_owned);
                let stale = last.as_ref().is_none_or(|l| {
                    l.plan != plan || l.zone != zone || now.duration_since(l.at) >= ROLL_EVERY
                });
                if stale {
                    let previous = last.take().map(|l| l.ids).unwrap_or_default();
                    let ids = schedule(&handle, &dir, previous, now, &here);
                    last = Some(Scheduled {
                        plan,
                        zone,
                        at: now,
                        ids,
                    });
                }
                // The OS rings each dose; only the summary of missed doses comes from here.
                match tend_core::check_plan(&dir, now, &here) {
                    Ok(alarms) => {
                        for alarm in alarms {
                            if let Alarm::DosesMissed { .. } = alarm {
                                super::announce(&handle, &alarm).await;
                            }
                        }
                    }
                    Err(e) => tracing::warn!(code = ?e.code(), "reminder check failed"),
                }
                tokio::time::sleep(LOOK_EVERY).await;
            }
        });
    }
}

/// Cancels what was scheduled before and hands the next doses to the OS; returns their ids.
fn schedule<R: Runtime>(
    app: &AppHandle<R>,
    dir: &std::path::Path,
    previous: Vec<i32>,
    now: Timestamp,
    here: &TimeZone,
) -> Vec<i32> {
    if !previous.is_empty() && app.notification().cancel(previous).is_err() {
        tracing::warn!("earlier reminders could not be taken back from the system");
    }
    let ringing = match ReminderPlan::load(dir).and_then(|p| p.ringing(now, now + AHEAD, here)) {
        Ok(ringing) => ringing,
        Err(e) => {
            tracing::warn!(code = ?e.code(), "the reminder plan could not be read");
            return Vec::new();
        }
    };
    let mut ids = Vec::new();
    for Ringing { rings_at, alarm } in ringing.into_iter().take(MOST_SCHEDULED) {
        let Ok(date) = time::OffsetDateTime::from_unix_timestamp(rings_at.as_second()) else {
            continue;
        };
        // Scheduled ahead, so it names nothing: the app may be locked when it rings.
        let id = super::notification_id(&alarm);
        let scheduled = super::notification(app, &alarm, None)
            .schedule(Schedule::At {
                date,
                repeating: false,
                allow_while_idle: true,
            })
            .show();
        match scheduled {
            Ok(()) => ids.push(id),
            Err(_) => tracing::warn!("a reminder could not be scheduled with the system"),
        }
    }
    ids
}
