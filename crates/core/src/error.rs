//! The one error type of the application API, with a stable code for shells to switch on.

use serde::Serialize;

/// A failure of an application capability. Its message is safe to show and to log: it never
/// holds health values or secrets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] tend_vault::Error),
    #[error(transparent)]
    Bluetooth(#[from] tend_ble::Error),
    #[error(transparent)]
    Share(#[from] tend_share::Error),
    #[error("{0}")]
    InvalidInput(String),
    #[error("Tend is locked: unlock it to go on")]
    Locked,
}

/// What kind of failure happened, for the UI and scripts to switch on; never parse messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    VaultNotCreated,
    VaultNewerFormat,
    VaultCorrupt,
    VaultTampered,
    VaultExists,
    WrongKey,
    PassphraseRequired,
    KeyMissing,
    KeychainUnavailable,
    Storage,
    Internal,
    BluetoothUnavailable,
    DeviceMalformed,
    InvalidInput,
    Locked,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        use tend_vault::Error as V;
        match self {
            Error::Vault(V::NotCreated) => ErrorCode::VaultNotCreated,
            Error::Vault(V::NewerFormat { .. }) => ErrorCode::VaultNewerFormat,
            Error::Vault(V::Corrupt) => ErrorCode::VaultCorrupt,
            Error::Vault(V::Tampered) => ErrorCode::VaultTampered,
            Error::Vault(V::AlreadyExists) => ErrorCode::VaultExists,
            Error::Vault(V::WrongKey) => ErrorCode::WrongKey,
            Error::Vault(V::PassphraseRequired) => ErrorCode::PassphraseRequired,
            Error::Vault(V::KeyMissing) => ErrorCode::KeyMissing,
            Error::Vault(V::KeychainUnavailable(_)) => ErrorCode::KeychainUnavailable,
            Error::Vault(V::InvalidInput(_)) => ErrorCode::InvalidInput,
            Error::Vault(V::Storage(_)) => ErrorCode::Storage,
            Error::Vault(V::Crypto(_)) => ErrorCode::Internal,
            Error::Bluetooth(tend_ble::Error::Malformed(_)) => ErrorCode::DeviceMalformed,
            Error::Bluetooth(_) => ErrorCode::BluetoothUnavailable,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::Share(
                tend_share::Error::InvalidInput(_)
                | tend_share::Error::InsecureUrl(_)
                | tend_share::Error::NotConsented(_),
            ) => ErrorCode::InvalidInput,
            Error::Share(_) => ErrorCode::Internal,
            Error::Locked => ErrorCode::Locked,
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
