//! What the app says about itself on its first screen and in `tend status`.

use serde::Serialize;
use tend_vault::VaultStatus;

/// The app's version, where its profile lives, and the state of the vault there.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AppInfo {
    pub version: String,
    pub data_dir: String,
    pub vault: VaultStatus,
}
