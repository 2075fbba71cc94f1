//! Settings → Import: reads the file the patient picked (in the system's Open dialog) into a
//! preview, stores it when they confirm, cancels either, and lists and undoes past imports.
//! Progress goes over the channel the window passed, at most ten times a second.

use std::{sync::Arc, time::Duration};

use jiff::{tz::TimeZone, Timestamp};
use tauri::{ipc::Channel, State};
use tend_core::{IdleLock, ImportBatch, ImportProgress, ImportReport, ImportRequest, Importing};

use super::with_session;
use crate::IpcError;

/// Reads `path` (its format recognised by content; times without an offset in the system's
/// zone) and checks it against the history: the preview. Nothing is stored yet.
#[tauri::command]
#[specta::specta]
pub async fn read_import(
    sessions: State<'_, Arc<IdleLock>>,
    importing: State<'_, Importing>,
    path: String,
    progress: Channel<ImportProgress>,
) -> Result<ImportReport, IpcError> {
    let request = ImportRequest::file(path, TimeZone::system());
    let mut report = throttled(progress);
    Ok(importing.read(&sessions, &request, &mut report).await?)
}

/// Stores the preview read last, as one batch; returns the result with the batch's number.
#[tauri::command]
#[specta::specta]
pub async fn commit_import(
    sessions: State<'_, Arc<IdleLock>>,
    importing: State<'_, Importing>,
    progress: Channel<ImportProgress>,
) -> Result<ImportReport, IpcError> {
    let mut report = throttled(progress);
    Ok(importing
        .commit(&sessions, Timestamp::now(), &mut report)
        .await?)
}

/// Stops the reading under way or drops the preview: nothing of it is stored. `false` when
/// there was nothing to cancel (a commit under way finishes: it is one transaction).
#[tauri::command]
#[specta::specta]
pub fn cancel_import(importing: State<'_, Importing>) -> bool {
    importing.cancel()
}

/// Every import still in the history, newest first.
#[tauri::command]
#[specta::specta]
pub async fn import_batches(
    sessions: State<'_, Arc<IdleLock>>,
) -> Result<Vec<ImportBatch>, IpcError> {
    with_session(&sessions, async |s| s.import_batches().await).await
}

/// Removes exactly the readings and summaries import `id` stored.
#[tauri::command]
#[specta::specta]
pub async fn undo_import(
    sessions: State<'_, Arc<IdleLock>>,
    id: String,
) -> Result<ImportBatch, IpcError> {
    let id = tend_core::batch_id(&id)?;
    with_session(&sessions, async |s| s.undo_import(id).await).await
}

/// Sends progress to the window: a change of phase at once, otherwise at most every 100 ms (a
/// 1 GB file reports thousands of blocks).
fn throttled(channel: Channel<ImportProgress>) -> impl FnMut(ImportProgress) + Send {
    let mut last: Option<(std::time::Instant, ImportProgress)> = None;
    move |progress| {
        let due = last.is_none_or(|(at, sent)| {
            sent.phase != progress.phase || at.elapsed() >= Duration::from_millis(100)
        });
        if due {
            // A window that went away misses its progress; the import goes on.
            let _ = channel.send(progress);
            last = Some((std::time::Instant::now(), progress));
        }
    }
}
