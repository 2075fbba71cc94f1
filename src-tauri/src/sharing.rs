//! Sharing in the background: while the vault is unlocked, every care team the patient switched
//! something on for is synced soon after unlocking and then every few minutes, so the outbox
//! drains after a restart or once the network is back. A sync started from the window and one
//! started here never run at once.

use std::{sync::Arc, time::Duration};

use jiff::tz::TimeZone;
use tauri::{AppHandle, Emitter, Manager, Runtime};
use tend_core::{IdleLock, ShareOptions, SystemClock};
use tokio::sync::Mutex;

/// The event a window receives after each background sync of a care team.
pub const EVENT: &str = "share://synced";
/// How often the outbox is tried again.
const EVERY: Duration = Duration::from_secs(5 * 60);
/// Soon after unlocking, but not in the middle of it.
const AFTER_UNLOCK: Duration = Duration::from_secs(10);

/// Held while a sync runs.
#[derive(Debug, Default)]
pub struct SyncGate(pub Mutex<()>);

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
        let gate = Arc::clone(&*handle.state::<Arc<SyncGate>>());
        let mut unlocked = sessions.unlocked_signal();
        loop {
            if unlocked.wait_for(|open| *open).await.is_err() {
                return;
            }
            tokio::time::sleep(AFTER_UNLOCK).await;
            while *unlocked.borrow() {
                sync_all(&handle, &sessions, &gate).await;
                tokio::select! {
                    _ = tokio::time::sleep(EVERY) => {}
                    _ = unlocked.wait_for(|open| !open) => {}
                }
            }
        }
    });
}

async fn sync_all<R: Runtime>(app: &AppHandle<R>, sessions: &IdleLock, gate: &SyncGate) {
    let _running = gate.0.lock().await;
    let options = options();
    let synced = sessions
        .peek(async |s| {
            let mut synced = Vec::new();
            for team in s.care_teams().await? {
                if team.consents.iter().all(|c| c.consent.is_none()) && team.queued == 0 {
                    continue;
                }
                // Failures are kept in the team's last sync and retried next round.
                if s.sync_care_team(&team.team.id, &SystemClock, &options, &mut |_| {})
                    .await
                    .is_ok()
                {
                    synced.push(team.team.id);
                }
            }
            Ok::<_, tend_core::Error>(synced)
        })
        .await;
    match synced {
        Some(Ok(teams)) if !teams.is_empty() && app.emit(EVENT, &teams).is_err() => {
            tracing::warn!("a window missed that sharing ran");
        }
        Some(Err(e)) => tracing::warn!(code = ?e.code(), "background sharing failed"),
        _ => {}
    }
}
