//! The OS keychain, through keyring-core: Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows (keyring's own choice), the iOS Keychain (its "protected data" store, items
//! readable only on this device while it is unlocked) and the Android Keystore (a key there
//! encrypts the entries Tend keeps in its SharedPreferences). Where none is reachable (a headless
//! box), callers fall back to a passphrase.
//!
//! keyring's calls block (D-Bus round trips, JNI), so they run on tokio's blocking pool. Every
//! copy of the key Tend makes on the way in or out is zeroed when dropped.

use zeroize::Zeroizing;

use crate::{DataKey, Error, Result};

/// The keychain service name: the app's identifier, so the entry is recognisable to the patient.
const SERVICE: &str = "health.tend.companion";

/// Stores the data key under `account` (one entry per vault).
pub async fn store(account: String, key: &DataKey) -> Result<()> {
    let secret = Zeroizing::new(key.as_bytes().to_vec());
    blocking(move || {
        let entry = entry(&account)?;
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
        let entry = entry(&account)?;
        entry.set_secret(&bytes).map_err(unavailable)
    })
    .await
}

/// The bytes stored under `account`; `KeyMissing` if there is no such entry.
pub async fn load_bytes(account: String) -> Result<Zeroizing<Vec<u8>>> {
    blocking(move || {
        let entry = entry(&account)?;
        entry.get_secret().map(Zeroizing::new).map_err(|e| match e {
            keyring_core::Error::NoEntry => Error::KeyMissing,
            other => unavailable(other),
        })
    })
    .await
}

/// Deletes the entry; `false` if there was none.
pub async fn delete(account: String) -> Result<bool> {
    blocking(move || {
        let entry = entry(&account)?;
        match entry.delete_credential() {
            Ok(()) => Ok(true),
            Err(keyring_core::Error::NoEntry) => Ok(false),
            Err(other) => Err(unavailable(other)),
        }
    })
    .await
}

/// The entry for `account` in this platform's store.
#[cfg(not(any(target_os = "android", target_os = "ios")))]
fn entry(account: &str) -> Result<keyring_core::Entry> {
    // keyring's v1 mode picks the desktop's store once and sets it as keyring-core's default.
    keyring::Entry::new(SERVICE, account)
        .map(|entry| entry.inner)
        .map_err(unavailable)
}

/// The entry for `account` in the iOS Keychain: this device only (never in a backup restored
/// elsewhere, never synced), readable while the device is unlocked.
#[cfg(target_os = "ios")]
fn entry(account: &str) -> Result<keyring_core::Entry> {
    use std::collections::HashMap;
    phone_store(|| {
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            apple_native_keyring_store::protected::Store::new()?;
        Ok(store)
    })?;
    let policy = HashMap::from([("access-policy", "when-unlocked-this-device-only")]);
    keyring_core::Entry::new_with_modifiers(SERVICE, account, &policy).map_err(unavailable)
}

/// The entry for `account` in Tend's store backed by the Android Keystore (which reaches the
/// app's context through ndk-context, set up by the Tauri runtime when the activity starts).
#[cfg(target_os = "android")]
fn entry(account: &str) -> Result<keyring_core::Entry> {
    phone_store(|| {
        let store: std::sync::Arc<keyring_core::CredentialStore> =
            android_native_keyring_store::Store::new()?;
        Ok(store)
    })?;
    keyring_core::Entry::new(SERVICE, account).map_err(unavailable)
}

/// Makes the phone's store keyring-core's default, once; a failure is kept and reported again.
#[cfg(any(target_os = "android", target_os = "ios"))]
fn phone_store(
    open: impl FnOnce() -> keyring_core::Result<std::sync::Arc<keyring_core::CredentialStore>>,
) -> Result<()> {
    static READY: std::sync::OnceLock<std::result::Result<(), String>> = std::sync::OnceLock::new();
    READY
        .get_or_init(|| {
            open()
                .map(keyring_core::set_default_store)
                .map_err(|e| e.to_string())
        })
        .clone()
        .map_err(Error::KeychainUnavailable)
}

/// The platform error names the failure, never the secret.
fn unavailable(e: keyring_core::Error) -> Error {
    Error::KeychainUnavailable(e.to_string())
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| Error::KeychainUnavailable("the keychain call did not finish".into()))?
}
