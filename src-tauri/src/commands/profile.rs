//! The profile: what state the vault is in, creating it, unlocking and locking it.

use std::sync::Arc;

use jiff::Timestamp;
use tauri::State;
use tend_core::{AppInfo, IdleLock, KeySource, Passcode, Passphrase, Session, Tend, WholeFile};

use super::{with_presence, with_session};
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

/// Creates the vault: its key in the system keychain, or wrapped by `passphrase` when given. A
/// keychain vault's passcode is chosen next ([`set_passcode`]), while the patient is present.
#[tauri::command]
#[specta::specta]
pub async fn vault_create(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    passphrase: Option<String>,
) -> Result<AppInfo, IpcError> {
    let session = tend.create(key_source(passphrase, None)?).await?;
    hold(&sessions, session).await;
    tend.app_info().await.map_err(Into::into)
}

/// Unlocks the vault with `passphrase` when it is protected by one, else with the keychain and
/// `passcode` when the patient set one.
#[tauri::command]
#[specta::specta]
pub async fn vault_unlock(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    passphrase: Option<String>,
    passcode: Option<String>,
) -> Result<(), IpcError> {
    let session = tend.unlock(key_source(passphrase, passcode)?).await?;
    hold(&sessions, session).await;
    Ok(())
}

/// Unlocks a keychain vault with the phone's own check of the patient (fingerprint, face or the
/// phone's PIN) in place of the passcode. `unavailable` on desktops and phones without one: the
/// app asks for the passcode, as it does after `refused`.
#[tauri::command]
#[specta::specta]
pub async fn vault_unlock_by_system(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    platform: State<'_, crate::platform::Platform>,
) -> Result<crate::platform::SystemCheck, IpcError> {
    let (answer, session) = platform.unlock(&tend).await?;
    if let Some(session) = session {
        hold(&sessions, session).await;
    }
    Ok(answer)
}

/// Holds a session the patient just opened, locking after their own idle time.
async fn hold(sessions: &IdleLock, session: Session) {
    if let Ok(preferences) = session.preferences().await {
        sessions.set_idle_after(preferences.lock_after());
    }
    sessions.put(session, Timestamp::now()).await;
}

/// The patient used the window (a key, a click, a touch, a scroll): the only thing that keeps
/// Tend unlocked. The window reports it at most every few seconds.
#[tauri::command]
#[specta::specta]
pub async fn patient_active(sessions: State<'_, Arc<IdleLock>>) -> Result<(), IpcError> {
    sessions.touch(Timestamp::now()).await;
    Ok(())
}

/// The patient shows it is them, with their passphrase (or passcode): for the next minute they
/// may add a care team, consent, export or erase.
#[tauri::command]
#[specta::specta]
pub async fn confirm_presence(
    sessions: State<'_, Arc<IdleLock>>,
    secret: String,
) -> Result<(), IpcError> {
    sessions
        .confirm_presence(&secret, Timestamp::now())
        .await
        .map_err(Into::into)
}

/// The patient shows it is them with the phone's own check (fingerprint, face or the phone's
/// PIN), where there is one: `confirmed` counts as their passcode would; `unavailable` (every
/// desktop), the app asks for the passphrase or passcode instead.
#[tauri::command]
#[specta::specta]
pub async fn confirm_presence_by_system(
    sessions: State<'_, Arc<IdleLock>>,
    platform: State<'_, crate::platform::Platform>,
) -> Result<crate::platform::SystemCheck, IpcError> {
    platform
        .confirm_presence(&sessions)
        .await
        .map_err(Into::into)
}

/// Sets the passcode a keychain vault asks for when Tend opens and before data leaves, or
/// removes it (`null`: Tend opens without asking). The patient must have confirmed it is them.
#[tauri::command]
#[specta::specta]
pub async fn set_passcode(
    sessions: State<'_, Arc<IdleLock>>,
    passcode: Option<String>,
) -> Result<(), IpcError> {
    let passcode = passcode.map(Passcode::new).transpose()?;
    with_presence(&sessions, async |s, presence| {
        s.set_passcode(passcode.as_ref(), presence).await
    })
    .await
}

/// Locks the vault now: its keys leave memory until the next unlock.
#[tauri::command]
#[specta::specta]
pub async fn vault_lock(sessions: State<'_, Arc<IdleLock>>) -> Result<(), IpcError> {
    sessions.lock_now().await.map_err(Into::into)
}

fn key_source(passphrase: Option<String>, passcode: Option<String>) -> Result<KeySource, IpcError> {
    Ok(match (passphrase, passcode) {
        (Some(text), _) => KeySource::Passphrase(Passphrase::new(text)?),
        (None, Some(code)) => KeySource::KeychainAndPasscode(Passcode::new(code)?),
        (None, None) => KeySource::Keychain,
    })
}

/// The format of an export.
#[derive(Debug, Clone, Copy, serde::Deserialize, specta::Type)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// The `time,metric,value,unit,device` CSV that `tend import` reads back.
    Csv,
    /// One HL7 FHIR R4 `collection` Bundle.
    Fhir,
}

/// Where an export was written, and how much it holds.
#[derive(Debug, serde::Serialize, specta::Type)]
pub struct Exported {
    pub path: String,
    /// Rows (CSV) or resources (FHIR).
    pub items: u32,
}

/// Writes the whole history to `path`, where the patient chose in the system's Save dialog. The
/// file is not encrypted (Settings says so). The patient must have confirmed it is them.
#[tauri::command]
#[specta::specta]
pub async fn export_history(
    sessions: State<'_, Arc<IdleLock>>,
    format: ExportFormat,
    path: String,
) -> Result<Exported, IpcError> {
    let now = Timestamp::now();
    // Asked before anything is written: a refusal leaves no file behind.
    let presence = sessions.presence(now).await?;
    let mut out = create_chosen_file(&path)?;
    let items = with_session(&sessions, async |s| match format {
        ExportFormat::Csv => s
            .export_csv(&mut out, &presence)
            .await
            .map(|summary| summary.rows),
        ExportFormat::Fhir => {
            s.export_fhir(&mut out, &jiff::tz::TimeZone::system(), now, &presence)
                .await
        }
    })
    .await?;
    Ok(Exported {
        path: finish_chosen_file(out)?,
        items: u32::try_from(items).unwrap_or(u32::MAX),
    })
}

/// Starts the file the patient chose in a Save dialog (an absolute path; replaced if it exists,
/// as the dialog asked them). It is in place only once [`finish_chosen_file`] moved it there: a
/// failure on the way leaves whatever was there before.
pub(crate) fn create_chosen_file(path: &str) -> Result<WholeFile, IpcError> {
    let path = std::path::PathBuf::from(path);
    if !path.is_absolute() {
        return Err(tend_core::Error::InvalidInput("choose where to save the file".into()).into());
    }
    WholeFile::create(&path).map_err(|e| cannot_write(&path, &e))
}

/// Puts the file in its place; says where.
pub(crate) fn finish_chosen_file(file: WholeFile) -> Result<String, IpcError> {
    let path = file.path().to_owned();
    file.finish().map_err(|e| cannot_write(&path, &e))?;
    Ok(path.display().to_string())
}

fn cannot_write(path: &std::path::Path, e: &std::io::Error) -> IpcError {
    IpcError {
        code: tend_core::ErrorCode::Storage,
        message: format!("cannot write {}: {e}", path.display()),
    }
}

/// What erasing removed, for the patient to read.
#[derive(Debug, serde::Serialize, specta::Type)]
pub struct ErasedAll {
    /// The key's keychain entry was found and deleted.
    pub keychain_entry: bool,
    /// The names of the files deleted from the profile folder.
    pub files: Vec<String>,
    pub app: AppInfo,
}

/// Erases everything: locks, then destroys the key (and its keychain entry), the history and
/// every file Tend wrote in its profile folder, and says what it removed. `confirm` must be the
/// word `erase`, so no stray call can do it; the patient must have confirmed it is them.
#[tauri::command]
#[specta::specta]
pub async fn erase_everything(
    tend: State<'_, Tend>,
    sessions: State<'_, Arc<IdleLock>>,
    confirm: String,
) -> Result<ErasedAll, IpcError> {
    if confirm.trim() != "erase" {
        return Err(tend_core::Error::InvalidInput("type the word erase to confirm".into()).into());
    }
    sessions.presence(Timestamp::now()).await?;
    sessions.lock_now().await?;
    let erased = tend.erase().await?;
    Ok(ErasedAll {
        keychain_entry: erased.keychain_entry,
        files: erased
            .files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect(),
        app: tend.app_info().await?,
    })
}
