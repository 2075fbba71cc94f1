//! An unlocked profile: the capabilities that need the vault open, and locking it after idle.

use std::path::Path;

use jiff::{SignedDuration, Timestamp};
use tend_vault::{KeySource, Passphrase, Vault};
use tokio::sync::Mutex;

use crate::Result;

/// A profile whose vault is unlocked. Dropping it (or `close`) zeroes the keys.
#[derive(Debug)]
pub struct Session {
    pub(crate) vault: Vault,
}

impl Session {
    pub async fn create(dir: &Path, source: KeySource) -> Result<Session> {
        Ok(Session {
            vault: Vault::create(dir, source).await?,
        })
    }

    pub async fn unlock(dir: &Path, source: KeySource) -> Result<Session> {
        Ok(Session {
            vault: Vault::unlock(dir, source).await?,
        })
    }

    /// Re-wraps the vault's key under a new passphrase; the old one must be right.
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

/// Holds the session of a long-running shell and locks it after a stretch of inactivity, so a
/// laptop left open does not leave the history readable. Time is passed in.
#[derive(Debug)]
pub struct IdleLock {
    idle_after: SignedDuration,
    slot: Mutex<Option<(Session, Timestamp)>>,
}

impl IdleLock {
    pub fn new(idle_after: SignedDuration) -> IdleLock {
        IdleLock {
            idle_after,
            slot: Mutex::new(None),
        }
    }

    pub async fn put(&self, session: Session, now: Timestamp) {
        *self.slot.lock().await = Some((session, now));
    }

    /// Runs `f` on the session if unlocked, counting as activity; `None` when locked.
    pub async fn with<T>(&self, now: Timestamp, f: impl AsyncFnOnce(&Session) -> T) -> Option<T> {
        let mut slot = self.slot.lock().await;
        let (session, last_used) = slot.as_mut()?;
        *last_used = now;
        Some(f(session).await)
    }

    /// Runs `f` on the session if unlocked, without counting as activity: for background work
    /// such as reminders, which must not keep the vault open.
    pub async fn peek<T>(&self, f: impl AsyncFnOnce(&Session) -> T) -> Option<T> {
        let slot = self.slot.lock().await;
        let (session, _) = slot.as_ref()?;
        Some(f(session).await)
    }

    /// Locks (closes) the session now, if unlocked.
    pub async fn lock_now(&self) -> Result<()> {
        match self.slot.lock().await.take() {
            Some((session, _)) => session.close().await,
            None => Ok(()),
        }
    }

    /// Locks (closes) the session if idle for longer than allowed. Returns whether it locked.
    pub async fn lock_if_idle(&self, now: Timestamp) -> Result<bool> {
        let mut slot = self.slot.lock().await;
        match slot.take() {
            Some((session, last_used)) if now.duration_since(last_used) >= self.idle_after => {
                session.close().await?;
                Ok(true)
            }
            other => {
                *slot = other;
                Ok(false)
            }
        }
    }

    pub async fn is_unlocked(&self) -> bool {
        self.slot.lock().await.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn locks_only_after_the_idle_time_and_use_counts_as_activity(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let source = KeySource::Passphrase(tend_vault::Passphrase::new("idle test passphrase")?);
        let lock = IdleLock::new(SignedDuration::from_mins(5));
        let t0: Timestamp = "2026-03-01T08:00:00Z".parse()?;
        lock.put(Session::create(dir.path(), source).await?, t0)
            .await;

        assert!(!lock.lock_if_idle(t0 + SignedDuration::from_mins(4)).await?);
        // Used at 4 minutes: the clock restarts from there.
        let series = lock
            .with(t0 + SignedDuration::from_mins(4), async |s| {
                s.vault.series().await.map(|r| r.data.len())
            })
            .await;
        assert_eq!(series.transpose()?, Some(0));
        assert!(!lock.lock_if_idle(t0 + SignedDuration::from_mins(8)).await?);
        assert!(lock.lock_if_idle(t0 + SignedDuration::from_mins(9)).await?);
        assert!(!lock.is_unlocked().await);
        assert!(
            lock.with(t0 + SignedDuration::from_mins(10), async |_| ())
                .await
                .is_none(),
            "locked: nothing runs"
        );
        Ok(())
    }
}
