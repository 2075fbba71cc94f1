//! Sharing in the background: while Tend is unlocked, every care team the patient switched
//! something on for is synced soon after unlocking and then every few minutes, so the outbox
//! drains after a restart or once the network is back. A sync the patient started and one
//! started here never run at once. Locking ends either at once: its request in flight is
//! cancelled (the outbox keeps what the server did not confirm) and the session let go.

use std::{future::Future, time::Duration};

use tend_share::{SyncProgress, SyncReport, Timer};
use tokio::sync::Mutex;

use crate::{Error, IdleLock, Result, ShareOptions};

/// When background syncs run.
#[derive(Debug, Clone, Copy)]
pub struct SyncSchedule {
    /// Soon after unlocking, but not in the middle of it.
    pub after_unlock: Duration,
    /// How often the outbox is tried again.
    pub every: Duration,
}

impl Default for SyncSchedule {
    fn default() -> Self {
        SyncSchedule {
            after_unlock: Duration::from_secs(10),
            every: Duration::from_secs(5 * 60),
        }
    }
}

/// The sharing of a long-running shell: one sync at a time, on demand or in the background.
#[derive(Debug, Default)]
pub struct Sharing {
    running: Mutex<()>,
}

impl Sharing {
    /// Syncs `team_id` now, for the patient; waits for a background sync under way to finish
    /// first. Fails with [`Error::Locked`] if Tend locks meanwhile.
    pub async fn sync_now<C: Timer>(
        &self,
        sessions: &IdleLock,
        team_id: &str,
        clock: &C,
        options: &ShareOptions,
        progress: &mut (dyn FnMut(SyncProgress) + Send),
    ) -> Result<SyncReport> {
        let _running = self.running.lock().await;
        let sync =
            sessions.with(async |s| s.sync_care_team(team_id, clock, options, progress).await);
        until_locked(sessions, sync)
            .await
            .flatten()
            .ok_or(Error::Locked)?
    }

    /// Runs until the task is dropped: after each unlock, syncs every care team with something
    /// switched on or queued, then again on `schedule`, until Tend locks. `synced` gets the ids
    /// of the teams each round reached. Does not count as use for the idle lock.
    pub async fn run<C: Timer>(
        &self,
        sessions: &IdleLock,
        clock: &C,
        options: &ShareOptions,
        schedule: SyncSchedule,
        synced: &(dyn Fn(Vec<String>) + Send + Sync),
    ) {
        let mut unlocked = sessions.unlocked_signal();
        loop {
            if unlocked.wait_for(|open| *open).await.is_err() {
                return;
            }
            tokio::time::sleep(schedule.after_unlock).await;
            while *unlocked.borrow() {
                match until_locked(sessions, self.sync_all(sessions, clock, options)).await {
                    Some(Ok(teams)) if !teams.is_empty() => synced(teams),
                    Some(Ok(_)) | None => {}
                    Some(Err(e)) => tracing::warn!(code = ?e.code(), "background sharing failed"),
                }
                tokio::select! {
                    _ = tokio::time::sleep(schedule.every) => {}
                    _ = unlocked.wait_for(|open| !open) => {}
                }
            }
        }
    }

    /// One round: every team with a consent or a queue. Failures are kept in each team's last
    /// sync and retried next round.
    async fn sync_all<C: Timer>(
        &self,
        sessions: &IdleLock,
        clock: &C,
        options: &ShareOptions,
    ) -> Result<Vec<String>> {
        let _running = self.running.lock().await;
        let round = sessions
            .with(async |s| {
                let mut synced = Vec::new();
                for team in s.care_teams().await? {
                    if team.consents.iter().all(|c| c.consent.is_none()) && team.queued == 0 {
                        continue;
                    }
                    if s.sync_care_team(&team.team.id, clock, options, &mut |_| {})
                        .await
                        .is_ok()
                    {
                        synced.push(team.team.id);
                    }
                }
                Ok::<_, Error>(synced)
            })
            .await;
        round.unwrap_or(Ok(Vec::new()))
    }
}

/// Runs `work` until it ends, or until Tend locks: then drops it (cancelling its request in
/// flight and letting go of the session) and gives `None`.
async fn until_locked<T>(sessions: &IdleLock, work: impl Future<Output = T>) -> Option<T> {
    let mut unlocked = sessions.unlocked_signal();
    tokio::select! {
        done = work => Some(done),
        _ = unlocked.wait_for(|open| !open) => None,
    }
}
