//! An unlocked profile: the capabilities that need the vault open, and locking it after idle.

use std::{
    path::{Path, PathBuf},
    sync::Arc,
};

use jiff::{SignedDuration, Timestamp};
use tend_vault::{KeySource, Passcode, Passphrase, PresenceCheck, Rollback, Vault};
use tokio::sync::{watch, Mutex};

use crate::{Error, Result};

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

    /// Proof of presence for a shell that opens Tend for one command (the CLI): opening it asked
    /// for the passphrase or passcode, when the vault has one, a moment ago. The app asks
    /// [`IdleLock::presence`] instead, which expires (the architecture test keeps it so).
    pub fn opened_by_the_patient(&self) -> Presence {
        Presence(())
    }

    /// What this vault asks for to show the patient is here.
    pub async fn presence_check(&self) -> Result<PresenceCheck> {
        Ok(self.vault.presence_check().await?)
    }

    /// Sets the passcode a keychain vault asks for, or removes it (`None`): then Tend opens,
    /// and lets data out, with no prompt. A passphrase vault refuses.
    pub async fn set_passcode(&self, passcode: Option<&Passcode>, _: &Presence) -> Result<()> {
        Ok(self.vault.set_passcode(passcode).await?)
    }

    /// Seals pending live readings and closes the vault.
    pub async fn close(self) -> Result<()> {
        self.vault.flush().await?;
        self.vault.close().await;
        Ok(())
    }
}

/// Proof that the patient is here: what lets data out (adding a care team, consenting, exporting,
/// changing the passcode) takes one. The app gets it from [`IdleLock::presence`], within a minute
/// of the patient's passphrase or passcode; the CLI from [`Session::opened_by_the_patient`].
#[derive(Debug)]
pub struct Presence(());

/// How long the patient's passphrase or passcode counts as presence in the app.
pub const PRESENCE_LASTS: SignedDuration = SignedDuration::from_secs(60);

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
    /// When the patient last gave their passphrase or passcode.
    present_at: std::sync::Mutex<Option<Timestamp>>,
    unlocked: watch::Sender<bool>,
}

/// How long locking waits for background work to let go of the session: within it every task
/// has dropped the session and the keys are gone.
const RELEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

impl IdleLock {
    pub fn new(idle_after: SignedDuration) -> IdleLock {
        IdleLock {
            idle_after: std::sync::Mutex::new(idle_after),
            slot: Mutex::new(None),
            present_at: std::sync::Mutex::new(None),
            unlocked: watch::channel(false).0,
        }
    }

    /// Changes how long the session stays open without the patient's input (their setting).
    pub fn set_idle_after(&self, idle_after: SignedDuration) {
        *locked(&self.idle_after) = idle_after;
    }

    fn idle_after(&self) -> SignedDuration {
        *locked(&self.idle_after)
    }

    /// Holds a session just unlocked by the patient at `now`: unlocking is presence.
    pub async fn put(&self, session: Session, now: Timestamp) {
        *locked(&self.present_at) = Some(now);
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

    /// Runs `f` on the session if unlocked; `None` when locked, or when Tend locks while `f`
    /// runs (then `f` is dropped, so it lets go of the session at once). Not use: see
    /// [`IdleLock::touch`].
    pub async fn with<T>(&self, f: impl AsyncFnOnce(&Session) -> T) -> Option<T> {
        let session = self.shared().await?;
        let mut unlocked = self.unlocked.subscribe();
        tokio::select! {
            done = f(&session) => Some(done),
            _ = unlocked.wait_for(|open| !open) => None,
        }
    }

    /// The patient shows they are here with `secret` (their passphrase, or their passcode):
    /// from `now`, [`IdleLock::presence`] gives proof for [`PRESENCE_LASTS`]. It counts as input.
    pub async fn confirm_presence(&self, secret: &str, now: Timestamp) -> Result<()> {
        let session = self.shared().await.ok_or(Error::Locked)?;
        session.vault.verify_presence(secret).await?;
        *locked(&self.present_at) = Some(now);
        self.touch(now).await;
        Ok(())
    }

    /// The phone's own check showed the patient is here at `now`: their fingerprint, face or
    /// the phone's PIN, asked by the OS (Android's BiometricPrompt, iOS's LocalAuthentication).
    /// Counts as [`IdleLock::confirm_presence`] does. Only a phone's shell calls it, and only
    /// after the OS said yes (the architecture test keeps it so).
    pub async fn confirmed_by_the_phone(&self, now: Timestamp) -> Result<()> {
        self.shared().await.ok_or(Error::Locked)?;
        *locked(&self.present_at) = Some(now);
        self.touch(now).await;
        Ok(())
    }

    /// Proof of presence for what lets data out: the patient gave their passphrase or passcode
    /// within [`PRESENCE_LASTS`] before `now`, or chose to be asked for nothing.
    pub async fn presence(&self, now: Timestamp) -> Result<Presence> {
        let session = self.shared().await.ok_or(Error::Locked)?;
        let at = *locked(&self.present_at);
        let recent = at.is_some_and(|at| at <= now && now.duration_since(at) < PRESENCE_LASTS);
        if recent || session.presence_check().await? == PresenceCheck::Nothing {
            Ok(Presence(()))
        } else {
            Err(Error::PresenceRequired)
        }
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
        *locked(&self.present_at) = None;
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
        *locked(&self.present_at) = None;
        self.unlocked.send_replace(false);
        close(session).await?;
        Ok(true)
    }

    pub async fn is_unlocked(&self) -> bool {
        self.slot.lock().await.is_some()
    }
}

fn locked<T>(mutex: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
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

    const PRESENCE_T0: Timestamp = Timestamp::constant(1_772_352_000, 0); // 2026-03-01T08:00:00Z

    /// A new vault with the passphrase "presence test passphrase", unlocked by the patient at `t0`.
    async fn unlocked_at(
        dir: &std::path::Path,
        t0: Timestamp,
    ) -> std::result::Result<IdleLock, Box<dyn std::error::Error>> {
        let source = KeySource::Passphrase(Passphrase::new("presence test passphrase")?);
        let lock = IdleLock::new(SignedDuration::from_mins(5));
        lock.put(Session::create(dir, source).await?, t0).await;
        Ok(lock)
    }

    /// Issue 21: what lets data out needs the patient within the last minute; unlocking counts,
    /// a wrong passphrase does not, and locking forgets it.
    #[tokio::test]
    async fn presence_lasts_a_minute_and_takes_the_patients_own_secret(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let lock = unlocked_at(dir.path(), PRESENCE_T0).await?;
        let at = |secs: i64| PRESENCE_T0 + SignedDuration::from_secs(secs);

        assert!(lock.presence(at(59)).await.is_ok(), "unlocking is presence");
        assert_eq!(
            lock.presence(at(61)).await.map(drop).map_err(|e| e.code()),
            Err(crate::ErrorCode::PresenceRequired),
            "a minute later, someone else may be at the keyboard"
        );
        let wrong = lock.confirm_presence("not the passphrase", at(70)).await;
        assert_eq!(wrong.map_err(|e| e.code()), Err(crate::ErrorCode::WrongKey));
        assert!(lock.presence(at(70)).await.is_err());
        lock.confirm_presence("presence test passphrase", at(70))
            .await?;
        assert!(lock.presence(at(129)).await.is_ok());
        assert!(lock.presence(at(131)).await.is_err());

        lock.confirm_presence("presence test passphrase", at(140))
            .await?;
        lock.lock_now().await?;
        assert_eq!(
            lock.presence(at(141)).await.map(drop).map_err(|e| e.code()),
            Err(crate::ErrorCode::Locked)
        );
        Ok(())
    }

    /// Issue 19: on a phone, the OS's own check (fingerprint, face, the phone's PIN) counts as
    /// presence for a minute, like the passcode; never while locked.
    #[tokio::test]
    async fn the_phones_own_check_counts_as_presence_for_a_minute(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let lock = unlocked_at(dir.path(), PRESENCE_T0).await?;
        let at = |secs: i64| PRESENCE_T0 + SignedDuration::from_secs(secs);
        assert!(lock.presence(at(90)).await.is_err());
        lock.confirmed_by_the_phone(at(90)).await?;
        assert!(lock.presence(at(149)).await.is_ok());
        assert!(lock.presence(at(151)).await.is_err());

        lock.lock_now().await?;
        let locked = lock.confirmed_by_the_phone(at(160)).await;
        assert_eq!(locked.map_err(|e| e.code()), Err(crate::ErrorCode::Locked));
        Ok(())
    }

    /// Issue 21: locking cancels work under way on the session (a request waiting on a server)
    /// and, within 2 s, no one holds the session: its keys are gone.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn lock_cancels_work_under_way_and_lets_go_of_the_session_within_2_s(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        let source = KeySource::Passphrase(Passphrase::new("release test passphrase")?);
        let lock = Arc::new(IdleLock::new(SignedDuration::from_mins(5)));
        lock.put(Session::create(dir.path(), source).await?, Timestamp::now())
            .await;
        let held = Arc::downgrade(&lock.shared().await.ok_or("unlocked")?);
        let working = tokio::spawn({
            let lock = Arc::clone(&lock);
            async move {
                lock.with(async |_| tokio::time::sleep(std::time::Duration::from_secs(600)).await)
                    .await
            }
        });
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let locking = std::time::Instant::now();
        lock.lock_now().await?;
        assert!(locking.elapsed() < std::time::Duration::from_secs(2));
        assert!(working.await?.is_none(), "the work was cancelled");
        assert!(
            held.upgrade().is_none(),
            "no one holds the session: its keys are gone"
        );
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
