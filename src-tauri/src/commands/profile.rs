//! The profile: what state the vault is in, creating it, unlocking and locking it.

use std::sync::Arc;

use jiff::Timestamp;
use tauri::State;
use tend_core::{AppInfo, IdleLock, KeySource, Passphrase, Tend};

use crate::IpcError;

/// The app's version and its vault's state, for the first screen.
#[tauri::command]
#[specta::specta]
pub async fn app_info(tend: State<'_, Tend>) -> Result<AppInfo, IpcError> {
    tend.app_info().await.map_err(Into::into)
}

/// Whether the vault is unlocked in this app now.
#[tauri::command]
#[specta::specta]
pub async fn vault_unlocked(sessions: State<'_, Arc<IdleLock>>) -> Result<bool, IpcError> {
    Ok(sessions.is_unlocked().await)
}

/// Creates the vault: its key in the system keychain, or wrapped by `passphrase` when given.
#[tauri::command]
#[specta::specta]
pub async fn vault_create(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    passphrase: Option<String>,
) -> Result<AppInfo, IpcError> {
    let session = tend.create(key_source(passphrase)?).await?;
    sessions.put(session, Timestamp::now()).await;
    tend.app_info().await.map_err(Into::into)
}

/// Unlocks the vault with the keychain, or with `passphrase` when it is protected by one.
#[tauri::command]
#[specta::specta]
pub async fn vault_unlock(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    passphrase: Option<String>,
) -> Result<(), IpcError> {
    let session = tend.unlock(key_source(passphrase)?).await?;
    sessions.put(session, Timestamp::now()).await;
    Ok(())
}

/// Locks the vault now: its keys leave memory until the next unlock.
#[tauri::command]
#[specta::specta]
pub async fn vault_lock(sessions: State<'_, Arc<IdleLock>>) -> Result<(), IpcError> {
    sessions.lock_now().await.map_err(Into::into)
}

fn key_source(passphrase: Option<String>) -> Result<KeySource, IpcError> {
    Ok(match passphrase {
        Some(text) => KeySource::Passphrase(Passphrase::new(text)?),
        None => KeySource::Keychain,
    })
}
