//! The OS keychain, through keyring: Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows. Where none is reachable (a headless box, a mobile build), callers fall
//! back to a passphrase.
//!
//! keyring's calls block (D-Bus round trips), so they run on tokio's blocking pool. Every copy of
//! the key Tend makes on the way in or out is zeroed when dropped.

use zeroize::Zeroizing;

use crate::{DataKey, Error, Result};

/// The keychain service name: the app's identifier, so the entry is recognisable to the patient.
const SERVICE: &str = "health.tend.companion";

/// Stores the data key under `account` (one entry per vault).
pub async fn store(account: String, key: &DataKey) -> Result<()> {
    let secret = Zeroizing::new(key.as_bytes().to_vec());
    blocking(move || {
        let entry = keyring::Entry::new(SERVICE, &account).map_err(unavailable)?;
        entry.set_secret(&secret).map_err(unavailable)
    })
    .await
}

/// Loads the data key stored under `account`.
pub async fn load(account: String) -> Result<DataKey> {
    let secret = load_bytes(account).await?;
    DataKey::from_bytes(&secret)
}

/// Stores bytes that are not the key (the checkpoint) under `account`.
pub async fn store_bytes(account: String, bytes: Vec<u8>) -> Result<()> {
    blocking(move || {
        let entry = keyring::Entry::new(SERVICE, &account).map_err(unavailable)?;
        entry.set_secret(&bytes).map_err(unavailable)
    })
    .await
}

/// The bytes stored under `account`; `KeyMissing` if there is no such entry.
pub async fn load_bytes(account: String) -> Result<Zeroizing<Vec<u8>>> {
    blocking(move || {
        let entry = keyring::Entry::new(SERVICE, &account).map_err(unavailable)?;
        entry.get_secret().map(Zeroizing::new).map_err(|e| match e {
            keyring::Error::NoEntry => Error::KeyMissing,
            other => unavailable(other),
        })
    })
    .await
}

/// Deletes the entry; `false` if there was none.
pub async fn delete(account: String) -> Result<bool> {
    blocking(move || {
        let entry = keyring::Entry::new(SERVICE, &account).map_err(unavailable)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring::Error::NoEntry) => Ok(false),
            Err(other) => Err(unavailable(other)),
        }
    })
    .await
}

/// The platform error names the failure, never the secret.
fn unavailable(e: keyring::Error) -> Error {
    Error::KeychainUnavailable(e.to_string())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::KeychainUnavailable("the keychain call did not finish".into()))?
}
