//! An unlocked profile: the capabilities that need the vault open, and locking it after idle.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use jiff::{SignedDuration, Timestamp};
use tend_vault::{KeySource, Passphrase, Rollback, Vault};
use tokio::sync::{watch, Mutex};

use crate::Result;

/// A profile whose vault is unlocked. Dropping it (or `close`) zeroes the keys.
#[derive(Debug)]
pub struct Session {
    pub(crate) vault: Vault,
    /// The profile folder, where the reminder plan lives beside the vault.
    pub(crate) dir: PathBuf,
}

impl Session {
    pub async fn create(dir: &Path, source: KeySource) -> Result<Session> {
        let session = Session {
            vault: Vault::create(dir, source).await?,
            dir: dir.to_owned(),
        };
        session.write_reminder_plan().await?;
        Ok(session)
    }

    /// Unlocks the vault, then records the doses answered on notifications while it was locked
    /// and rewrites the reminder plan. A vault that takes no change (an older copy put back)
    /// still unlocks; the presses stay kept for later.
    pub async fn unlock(dir: &Path, source: KeySource) -> Result<Session> {
        let session = Session {
            vault: Vault::unlock(dir, source).await?,
            dir: dir.to_owned(),
        };
        if session.vault.rolled_back().is_none() {
            let here = jiff::tz::TimeZone::system();
            if let Err(e) = session.record_pending_actions(&here).await {
                tracing::warn!(code = ?e.code(), "doses answered while locked are kept for later");
            }
            if let Err(e) = session.write_reminder_plan().await {
                tracing::warn!(code = ?e.code(), "the reminder plan could not be rewritten");
            }
        }
        Ok(session)
    }

    /// `Some` when the vault file is older than the last one Tend saw: the session reads, but
    /// every change fails with [`crate::ErrorCode::RolledBack`] until the patient decides.
    pub fn rolled_back(&self) -> Option<Rollback> {
        self.vault.rolled_back()
    }

    /// The patient's decision to go on from the older copy: it becomes the newest Tend has seen,
    /// and takes changes again. (The other decision is to put the newer copy back, outside Tend.)
    pub async fn accept_older(&self) -> Result<()> {
        Ok(self.vault.accept_older().await?)
    }

    /// Changes the passphrase and re-keys the vault: a new data key, everything re-sealed under
    /// it. The old passphrase must be right.
    pub async fn change_passphrase(&self, old: &Passphrase, new: &Passphrase) -> Result<()> {
        Ok(self.vault.change_passphrase(old, new).await?)
    }

    /// Seals pending live readings and closes the vault.
    pub async fn close(self) -> Result<()> {
        self.vault.flush().await?;
        self.vault.close().await;
        Ok(())
    }
}

/// Holds the session of a long-running shell and locks it once nobody has used the app for a
/// while, so a laptop left open does not leave the history readable. Time is passed in.
///
/// Only the patient's own input counts as use ([`IdleLock::touch`]): commands, live readings,
/// reminders, device events and background sharing run on the session ([`IdleLock::with`]) but
/// never keep it open — a strap streaming to an open Today screen must not stop the lock.
///
/// Commands and background work share the session; locking tells the background work to stop
/// ([`IdleLock::unlocked_signal`]), waits for it, then closes the vault, so readings already
/// acknowledged are sealed before the keys leave memory.
#[derive(Debug)]
pub struct IdleLock {
    idle_after: std::sync::Mutex<SignedDuration>,
    /// The session and the patient's last input.
    slot: Mutex<Option<(Arc<Session>, Timestamp)>>,
    unlocked: watch::Sender<bool>,
}

/// How long locking waits for background work to let go of the session.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

impl IdleLock {
    pub fn new(idle_after: SignedDuration) -> IdleLock {
        IdleLock {
            idle_after: std::sync::Mutex::new(idle_after),
            slot: Mutex::new(None),
            unlocked: watch::channel(false).0,
        }
    }

    /// Changes how long the session stays open without the patient's input (their setting).
    pub fn set_idle_after(&self, idle_after: SignedDuration) {
        *self
            .idle_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = idle_after;
    }

    fn idle_after(&self) -> SignedDuration {
        *self
            .idle_after
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Holds a session just unlocked by the patient at `now`.
    pub async fn put(&self, session: Session, now: Timestamp) {
        let previous = self.slot.lock().await.replace((Arc::new(session), now));
        self.unlocked.send_replace(true);
        if let Some((previous, _)) = previous {
            close(previous).await.ok();
        }
    }

    /// The patient did something in the app at `now` (a key, a click, a touch, a notification's
    /// button): the only thing that keeps the session open. Nothing when locked.
    pub async fn touch(&self, now: Timestamp) {
        if let Some((_, last_input)) = self.slot.lock().await.as_mut() {
            *last_input = now;
        }
    }

    /// Runs `f` on the session if unlocked; `None` when locked. Not use: see [`IdleLock::touch`].
    pub async fn with<T>(&self, f: impl AsyncFnOnce(&Session) -> T) -> Option<T> {
        let session = self.shared().await?;
        Some(f(&session).await)
    }

    /// The session itself, for long-running background work, which must drop it once
    /// [`IdleLock::unlocked_signal`] turns false.
    pub async fn shared(&self) -> Option<Arc<Session>> {
        self.slot.lock().await.as_ref().map(|(s, _)| Arc::clone(s))
    }

    /// `true` while unlocked: background work stops when it turns false.
    pub fn unlocked_signal(&self) -> watch::Receiver<bool> {
        self.unlocked.subscribe()
    }

    /// Locks (closes) the session now, if unlocked.
    pub async fn lock_now(&self) -> Result<()> {
        let taken = self.slot.lock().await.take();
        self.unlocked.send_replace(false);
        match taken {
            Some((session, _)) => close(session).await,
            None => Ok(()),
        }
    }

    /// Locks (closes) the session if the patient's last input is longer ago than allowed.
    /// Returns whether it locked.
    pub async fn lock_if_idle(&self, now: Timestamp) -> Result<bool> {
        let idle_after = self.idle_after();
        let taken = {
            let mut slot = self.slot.lock().await;
            match slot.take() {
                Some((session, last_input)) if now.duration_since(last_input) >= idle_after => {
                    Some(session)
                }
                other => {
                    *slot = other;
                    None
                }
            }
        };
        let Some(session) = taken else {
            return Ok(false);
        };
        self.unlocked.send_replace(false);
        close(session).await?;
        Ok(true)
    }

    pub async fn is_unlocked(&self) -> bool {
        self.slot.lock().await.is_some()
    }
}

/// Closes a shared session once background work has let go of it. If it does not within
/// [`RELEASE_WAIT`], the session is dropped with the last holder, which zeroes the keys.
async fn close(session: Arc<Session>) -> Result<()> {
    let deadline = tokio::time::Instant::now() + RELEASE_WAIT;
    let mut session = session;
    loop {
        match Arc::try_unwrap(session) {
            Ok(session) => return session.close().await,
            Err(shared) if tokio::time::Instant::now() < deadline => {
                session = shared;
                tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            }
            Err(_) => {
                tracing::warn!("background work held the vault past locking; it closes when done");
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn locks_after_the_idle_time_since_the_patients_last_input(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let source = KeySource::Passphrase(tend_vault::Passphrase::new("idle test passphrase")?);
        let lock = IdleLock::new(SignedDuration::from_mins(5));
        let t0: Timestamp = "2026-03-01T08:00:00Z".parse()?;
        lock.put(Session::create(dir.path(), source).await?, t0)
            .await;

        assert!(!lock.lock_if_idle(t0 + SignedDuration::from_mins(4)).await?);
        // The patient pressed a key at 4 minutes: the clock restarts from there.
        lock.touch(t0 + SignedDuration::from_mins(4)).await;
        assert!(!lock.lock_if_idle(t0 + SignedDuration::from_mins(8)).await?);
        // Their setting changes the wait at once.
        lock.set_idle_after(SignedDuration::from_mins(3));
        assert!(lock.lock_if_idle(t0 + SignedDuration::from_mins(8)).await?);
        assert!(!lock.is_unlocked().await);
        assert!(
            lock.with(async |_| ()).await.is_none(),
            "locked: nothing runs"
        );
        lock.touch(t0 + SignedDuration::from_mins(9)).await;
        assert!(!lock.is_unlocked().await, "input does not unlock");
        Ok(())
    }

    /// What an open Today screen does while a strap streams: it reads the session on every
    /// reading. None of that is the patient: the session locks on time (it never did before,
    /// as every read counted as use).
    #[tokio::test]
    async fn a_screen_refreshing_on_live_readings_does_not_keep_it_open(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let source = KeySource::Passphrase(tend_vault::Passphrase::new("idle test passphrase")?);
        let lock = IdleLock::new(SignedDuration::from_mins(1));
        let t0: Timestamp = "2026-03-01T08:00:00Z".parse()?;
        lock.put(Session::create(dir.path(), source).await?, t0)
            .await;
        let mut locked_at = None;
        for second in 1..=120 {
            let now = t0 + SignedDuration::from_secs(second);
            let refreshed = lock.with(async |s| s.latest_readings().await.is_ok()).await;
            if lock.lock_if_idle(now).await? {
                locked_at = Some(second);
                break;
            }
            assert_eq!(refreshed, Some(true));
        }
        assert_eq!(locked_at, Some(60));
        Ok(())
    }
}
