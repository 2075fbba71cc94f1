//! What the app can say about a profile's vault without unlocking it.

use std::path::Path;

use serde::Serialize;

use crate::{database, key_source, presence, KeyProtection, PresenceCheck, Result};

/// The state of the vault in one profile directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VaultStatus {
    /// No vault yet: the patient has not set Tend up in this profile.
    NotCreated,
    /// A vault exists; its contents stay sealed until it is unlocked.
    Locked {
        format_version: u32,
        protection: KeyProtection,
        /// What unlocking asks for besides the key: the passphrase, a passcode, or nothing.
        presence: PresenceCheck,
    },
}

/// Looks at the vault in `dir` without reading any sealed data.
pub async fn inspect(dir: &Path) -> Result<VaultStatus> {
    if !database::path(dir).exists() {
        return Ok(VaultStatus::NotCreated);
    }
    let pool = database::connect(&database::path(dir), false).await?;
    let status = async {
        let format_version = database::format_version(&pool).await?;
        let mut conn = pool.acquire().await?;
        let protection = key_source::protection(&mut conn).await?;
        let presence = presence::check_of(&mut conn).await?;
        Ok(VaultStatus::Locked {
            format_version,
            protection,
            presence,
        })
    }
    .await;
    pool.close().await;
    status
}
