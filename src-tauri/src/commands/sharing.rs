//! Sharing with the care team: endpoints, consent switches, syncing with progress, and the log
//! of what was shared when. Consent is enforced in core, whatever is called here.

use std::sync::Arc;

use jiff::{civil::Date, tz::TimeZone, Timestamp};
use tauri::{ipc::Channel, State};
use tend_core::{
    share::{CareTeam, Category, ConsentScope, SyncProgress, SyncReport},
    CareTeamDetails, CareTeamStatus, IdleLock, ShareLogEntry, Sharing, SystemClock,
};

use super::{with_presence, with_session};
use crate::IpcError;

#[tauri::command]
#[specta::specta]
pub async fn care_teams(
    sessions: State<'_, Arc<IdleLock>>,
) -> Result<Vec<CareTeamStatus>, IpcError> {
    with_session(&sessions, async |s| s.care_teams().await).await
}

/// Adds a care team's FHIR endpoint (https; plain http only to this machine). The patient must
/// have confirmed it is them within the last minute.
#[tauri::command]
#[specta::specta]
pub async fn add_care_team(
    sessions: State<'_, Arc<IdleLock>>,
    details: CareTeamDetails,
) -> Result<CareTeam, IpcError> {
    with_presence(&sessions, async |s, presence| {
        s.add_care_team(details, Timestamp::now(), presence).await
    })
    .await
}

/// Adds a care team by signing in to its server (SMART App Launch): opens the sign-in page in
/// the patient's browser and sends its address on `sign_in_page` (the window shows it as a link,
/// should no browser open), then waits for the patient to sign in there. The patient must have
/// confirmed it is them within the last minute.
#[tauri::command]
#[specta::specta]
pub async fn sign_in_care_team(
    sessions: State<'_, Arc<IdleLock>>,
    browser: State<'_, crate::sharing::Browser>,
    name: String,
    base_url: String,
    client_id: Option<String>,
    sign_in_page: Channel<String>,
) -> Result<CareTeam, IpcError> {
    let client_id = client_id
        .map(|id| id.trim().to_owned())
        .filter(|id| !id.is_empty())
        .unwrap_or_else(|| crate::sharing::CLIENT_ID.to_owned());
    with_presence(&sessions, async |s, presence| {
        let open = |url: &str| {
            let _ = sign_in_page.send(url.to_owned());
            browser.open(url);
        };
        s.add_care_team_by_signing_in(
            &name,
            &base_url,
            &client_id,
            crate::sharing::SIGN_IN_WAIT,
            Timestamp::now(),
            open,
            presence,
        )
        .await
    })
    .await
}

/// Switches sharing of `category` with `team_id` on (from now, or with history since the local
/// date `since`; the patient must have confirmed it is them within the last minute) or off.
#[tauri::command]
#[specta::specta]
pub async fn set_consent(
    sessions: State<'_, Arc<IdleLock>>,
    team_id: String,
    category: Category,
    on: bool,
    since: Option<Date>,
) -> Result<(), IpcError> {
    let now = Timestamp::now();
    let scope = match since {
        Some(date) => ConsentScope::Since {
            since: date.to_zoned(TimeZone::system())?.timestamp(),
        },
        None => ConsentScope::FromNow,
    };
    if on {
        with_presence(&sessions, async |s, presence| {
            s.give_consent(&team_id, category, scope, now, presence)
                .await
                .map(drop)
        })
        .await
    } else {
        with_session(&sessions, async |s| {
            s.revoke_consent(&team_id, category, now).await.map(drop)
        })
        .await
    }
}

/// Sends what is consented and not yet sent to `team_id`, reporting each confirmed bundle.
#[tauri::command]
#[specta::specta]
pub async fn sync_care_team(
    sessions: State<'_, Arc<IdleLock>>,
    sharing: State<'_, Arc<Sharing>>,
    team_id: String,
    progress: Channel<SyncProgress>,
) -> Result<SyncReport, IpcError> {
    let mut report = |p: SyncProgress| {
        let _ = progress.send(p);
    };
    sharing
        .sync_now(
            &sessions,
            &team_id,
            &SystemClock,
            &crate::sharing::options(),
            &mut report,
        )
        .await
        .map_err(Into::into)
}

/// What was shared with whom and when, and every consent change, newest first.
#[tauri::command]
#[specta::specta]
pub async fn share_log(sessions: State<'_, Arc<IdleLock>>) -> Result<Vec<ShareLogEntry>, IpcError> {
    let mut log = with_session(&sessions, async |s| s.share_log().await).await?;
    log.reverse();
    Ok(log)
}
