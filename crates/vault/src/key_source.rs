//! Where the data key lives, and how the vault gets it back: from the keychain, or unwrapped with
//! a key derived from the patient's passphrase (Argon2id, memory-hard).

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use sqlx::SqliteConnection;
use zeroize::Zeroizing;

use crate::{
    keychain, meta,
    seal::{aead_key, open_with, random, seal_with, Keys},
    DataKey, Error, Result,
};

/// The passcode a patient sets for a keychain vault, zeroed when dropped and never printed.
#[derive(Clone)]
pub struct Passcode(Zeroizing<String>);

impl Passcode {
    /// Shorter passcodes are refused: six digits is what phones ask for.
    pub const MIN_LEN: usize = 6;

    pub fn new(text: impl Into<String>) -> Result<Passcode> {
        let text = Zeroizing::new(text.into());
        if text.chars().count() < Self::MIN_LEN {
            return Err(Error::InvalidInput(format!(
                "the passcode must be at least {} characters",
                Self::MIN_LEN
            )));
        }
        Ok(Passcode(text))
    }

    pub(crate) fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Passcode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passcode(..)")
    }
}

/// How the patient protects their vault's key.
#[derive(Debug, Clone)]
pub enum KeySource {
    /// The OS keychain holds the key; unlocking needs nothing from the patient, unless they set
    /// a passcode (then unlocking without it is [`Error::PasscodeRequired`]).
    Keychain,
    /// The OS keychain holds the key, and the patient's passcode guards it (set when creating).
    KeychainAndPasscode(Passcode),
    /// The OS keychain holds the key, and the phone's own check of the patient (fingerprint,
    /// face or the phone's PIN, asked by the OS) stands in for the passcode. Only a phone's
    /// shell builds it, after the OS said yes (the architecture test keeps it so).
    KeychainConfirmedByThePhone,
    /// A passphrase the patient types (or `TEND_PASSPHRASE` gives) wraps the key.
    Passphrase(Passphrase),
}

/// A passphrase, zeroed when dropped and never printed.
#[derive(Clone)]
pub struct Passphrase(Zeroizing<String>);

impl Passphrase {
    /// Passphrases shorter than this are refused: the KDF slows guessing, it cannot make "1234" safe.
    pub const MIN_LEN: usize = 8;

    pub fn new(text: impl Into<String>) -> Result<Passphrase> {
        let text = Zeroizing::new(text.into());
        if text.chars().count() < Self::MIN_LEN {
            return Err(Error::InvalidInput(format!(
                "the passphrase must be at least {} characters",
                Self::MIN_LEN
            )));
        }
        Ok(Passphrase(text))
    }
}

impl fmt::Debug for Passphrase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Passphrase(..)")
    }
}

/// What the file says about how its key is protected (kept in clear so unlock knows what to ask).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum KeyProtection {
    Keychain,
    Passphrase,
}

/// Argon2id cost: 64 MiB, 3 passes (RFC 9106's second recommended option), one lane.
const KDF_MEMORY_KIB: u32 = 64 * 1024;
const KDF_PASSES: u32 = 3;
const WRAP_AAD: &[u8] = b"tend/wrapped-key/v1";
const KEY_CHECK_AAD_FORMAT_1: &[u8] = b"tend/key-check/v1";
const KEY_CHECK_AAD: &[u8] = b"tend/v2/key-check";
const KEY_CHECK_PLAIN: &[u8] = b"tend vault key";

/// Records where the key lives and a check value that tells a wrong key from a damaged file.
pub(crate) async fn install(
    conn: &mut SqliteConnection,
    vault_id: &str,
    key: &DataKey,
    keys: &Keys,
    source: &KeySource,
) -> Result<()> {
    match source {
        // The passcode's verifier is stored by the caller (`presence`), under the same keys.
        KeySource::Keychain
        | KeySource::KeychainAndPasscode(_)
        | KeySource::KeychainConfirmedByThePhone => {
            meta::set_text(conn, "key_protection", "keychain").await?;
            keychain::store(keychain_account(vault_id), key).await?;
        }
        KeySource::Passphrase(passphrase) => {
            meta::set_text(conn, "key_protection", "passphrase").await?;
            wrap(conn, key, passphrase).await?;
        }
    }
    write_key_check(conn, keys).await
}

pub(crate) async fn write_key_check(conn: &mut SqliteConnection, keys: &Keys) -> Result<()> {
    let check = keys.seal(KEY_CHECK_AAD, KEY_CHECK_PLAIN)?;
    meta::set_blob(conn, "key_check", &check).await
}

/// Recovers the data key and proves it is this vault's, or says why not.
pub(crate) async fn recover(
    conn: &mut SqliteConnection,
    vault_id: &str,
    source: &KeySource,
    format: u32,
) -> Result<(DataKey, Keys)> {
    let key = match (protection(conn).await?, source) {
        (KeyProtection::Keychain, _) => keychain::load(keychain_account(vault_id)).await?,
        (KeyProtection::Passphrase, KeySource::Passphrase(p)) => unwrap(conn, p).await?,
        (
            KeyProtection::Passphrase,
            KeySource::Keychain
            | KeySource::KeychainAndPasscode(_)
            | KeySource::KeychainConfirmedByThePhone,
        ) => return Err(Error::PassphraseRequired),
    };
    let keys = Keys::derive(&key)?;
    let check = meta::blob(conn, "key_check").await?.ok_or(Error::Corrupt)?;
    let opened = if format == 1 {
        keys.open_format_1(KEY_CHECK_AAD_FORMAT_1, &check)
    } else {
        keys.open(KEY_CHECK_AAD, &check)
    };
    match opened {
        Ok(plain) if plain == KEY_CHECK_PLAIN => Ok((key, keys)),
        _ => Err(Error::WrongKey),
    }
}

/// Checks that `passphrase` unwraps this vault's key (passphrase-protected vaults only).
pub(crate) async fn check_passphrase(
    conn: &mut SqliteConnection,
    passphrase: &Passphrase,
) -> Result<()> {
    if protection(conn).await? != KeyProtection::Passphrase {
        return Err(Error::InvalidInput(
            "this vault's key is in the keychain, not behind a passphrase".into(),
        ));
    }
    unwrap(conn, passphrase).await.map(drop)
}

/// Puts a new data key in place: wrapped under `passphrase`, with its check value.
pub(crate) async fn rekey(
    conn: &mut SqliteConnection,
    key: &DataKey,
    keys: &Keys,
    passphrase: &Passphrase,
) -> Result<()> {
    wrap(conn, key, passphrase).await?;
    write_key_check(conn, keys).await
}

pub(crate) async fn protection(conn: &mut SqliteConnection) -> Result<KeyProtection> {
    match meta::text(conn, "key_protection").await?.as_deref() {
        Some("keychain") => Ok(KeyProtection::Keychain),
        Some("passphrase") => Ok(KeyProtection::Passphrase),
        _ => Err(Error::Corrupt),
    }
}

pub(crate) fn keychain_account(vault_id: &str) -> String {
    format!("vault-{vault_id}")
}

async fn wrap(conn: &mut SqliteConnection, key: &DataKey, passphrase: &Passphrase) -> Result<()> {
    let salt = random::<16>()?;
    let kek = derive_kek(&passphrase.0, &salt).await?;
    // A fresh random nonce per wrap: each KEK (fresh salt) seals exactly one message.
    let wrapped = seal_with(
        &aead_key(kek.as_ref())?,
        random::<12>()?,
        WRAP_AAD,
        key.as_bytes(),
    )?;
    meta::set_blob(conn, "kdf_salt", &salt).await?;
    meta::set_text(
        conn,
        "kdf",
        &format!("argon2id m={KDF_MEMORY_KIB} t={KDF_PASSES} p=1"),
    )
    .await?;
    meta::set_blob(conn, "wrapped_key", &wrapped).await
}

async fn unwrap(conn: &mut SqliteConnection, passphrase: &Passphrase) -> Result<DataKey> {
    let salt = meta::blob(conn, "kdf_salt").await?.ok_or(Error::Corrupt)?;
    let wrapped = meta::blob(conn, "wrapped_key")
        .await?
        .ok_or(Error::Corrupt)?;
    let kek = derive_kek(&passphrase.0, &salt).await?;
    let plain = Zeroizing::new(
        open_with(&aead_key(kek.as_ref())?, WRAP_AAD, &wrapped).ok_or(Error::WrongKey)?,
    );
    DataKey::from_bytes(&plain)
}

/// Argon2id is deliberately slow (a few hundred ms): run it off the async threads.
pub(crate) async fn derive_kek(secret: &str, salt: &[u8]) -> Result<Zeroizing<[u8; 32]>> {
    let secret = Zeroizing::new(secret.to_owned());
    let salt = salt.to_vec();
    tokio::task::spawn_blocking(move || {
        let params = Params::new(KDF_MEMORY_KIB, KDF_PASSES, 1, Some(32))
            .map_err(|_| Error::Crypto("bad KDF parameters"))?;
        let mut out = Zeroizing::new([0u8; 32]);
        Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
            .hash_password_into(secret.as_bytes(), &salt, out.as_mut())
            .map_err(|_| Error::Crypto("key derivation failed"))?;
        Ok(out)
    })
    .await
    .map_err(|_| Error::Crypto("key derivation did not finish"))?
}
