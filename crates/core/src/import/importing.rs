//! An import in a long-running shell (the app): one at a time; read first, so the patient sees
//! the preview; stored when they confirm; cancellable meanwhile from another command (a Cancel
//! button), which stops the reading or drops the preview — either way nothing is stored.

use std::sync::{Mutex, PoisonError};

use jiff::Timestamp;

use super::{ImportCancel, ImportProgress, ImportReport, ImportRequest, PendingImport};
use crate::{Error, IdleLock, Result};

/// The shell's import: idle, reading, read (the preview, waiting for the patient), or storing.
#[derive(Debug, Default)]
pub struct Importing {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Idle,
    Reading(ImportCancel),
    Read(Box<PendingImport>),
    Storing,
}

impl Importing {
    /// Reads `request` against the unlocked history and keeps what is new, ready to store;
    /// returns the preview. A preview not stored yet is dropped for the new one.
    pub async fn read(
        &self,
        sessions: &IdleLock,
        request: &ImportRequest,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<ImportReport> {
        let cancel = ImportCancel::new();
        {
            let mut state = self.state();
            if matches!(*state, State::Reading(_) | State::Storing) {
                return Err(Error::InvalidInput("another import is under way".into()));
            }
            *state = State::Reading(cancel.clone());
        }
        let _idle_again = IdleOnDrop(self);
        let read = sessions
            .with(async |s| s.read_import(request, &cancel, progress).await)
            .await
            .ok_or(Error::Locked)?;
        let pending = read?;
        let report = pending.report().clone();
        *self.state() = State::Read(Box::new(pending));
        Ok(report)
    }

    /// Stores what [`Importing::read`] kept, as one batch; returns the result with its number.
    pub async fn commit(
        &self,
        sessions: &IdleLock,
        now: Timestamp,
        progress: &mut (dyn FnMut(ImportProgress) + Send),
    ) -> Result<ImportReport> {
        let pending = {
            let mut state = self.state();
            match std::mem::take(&mut *state) {
                State::Read(pending) => {
                    *state = State::Storing;
                    pending
                }
                other => {
                    *state = other;
                    return Err(Error::InvalidInput(
                        "there is no import read and waiting to be stored".into(),
                    ));
                }
            }
        };
        let _idle_again = IdleOnDrop(self);
        sessions
            .with(async |s| s.commit_import(*pending, now, progress).await)
            .await
            .ok_or(Error::Locked)?
    }

    /// Stops the reading under way, or drops the preview waiting to be stored: nothing of it is
    /// stored. A commit under way finishes (it is one transaction). `false` if there was
    /// nothing to cancel.
    pub fn cancel(&self) -> bool {
        let mut state = self.state();
        match &*state {
            State::Reading(cancel) => {
                cancel.cancel();
                true
            }
            State::Read(_) => {
                *state = State::Idle;
                true
            }
            State::Idle | State::Storing => false,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Puts the import back to idle when reading or storing ends (a preview read stays), also in an
/// error or when its future is dropped before it ends.
struct IdleOnDrop<'a>(&'a Importing);

impl Drop for IdleOnDrop<'_> {
    fn drop(&mut self) {
        let mut state = self.0.state();
        if matches!(*state, State::Reading(_) | State::Storing) {
            *state = State::Idle;
        }
    }
}
