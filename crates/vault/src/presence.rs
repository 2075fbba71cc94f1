//! Proving the patient is there. A passphrase vault asks for its passphrase, which unwraps the
//! key. A keychain vault needs nothing to unwrap its key, so the patient may set a passcode:
//! its Argon2id verifier is kept sealed in the vault, and unlocking — and anything that lets data
//! out — asks for it. Removing the passcode is the patient's choice to be asked for nothing.
//!
//! The passcode guards Tend, not the keychain: someone who can run programs as the patient can
//! read the keychain entry itself (the README's threat model says so).

use serde::{Deserialize, Serialize};
use sqlx::SqliteConnection;
use zeroize::Zeroizing;

use crate::{
    key_source::{self, derive_kek, KeyProtection, Passcode},
    meta,
    seal::{random, Keys},
    Error, KeySource, Result, Vault,
};

/// What the patient gives to show they are here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum PresenceCheck {
    /// The vault's passphrase.
    Passphrase,
    /// The passcode of a keychain vault.
    Passcode,
    /// Nothing: a keychain vault whose patient chose no prompt.
    Nothing,
}

/// Where the sealed verifier is kept, and the flag `inspect` reads without keys.
const VERIFIER: &str = "passcode_verifier";
const FLAG: &str = "presence";
const VERIFIER_AAD: &[u8] = b"tend/v2/passcode-verifier";

/// The passcode's Argon2id verifier: a salt and the derived bytes.
#[derive(Serialize, Deserialize)]
struct Verifier {
    salt: Vec<u8>,
    hash: Vec<u8>,
}

/// What a vault in this state asks for, read without keys (for the locked screen).
pub(crate) async fn check_of(conn: &mut SqliteConnection) -> Result<PresenceCheck> {
    Ok(match key_source::protection(conn).await? {
        KeyProtection::Passphrase => PresenceCheck::Passphrase,
        KeyProtection::Keychain if meta::text(conn, FLAG).await?.is_some() => {
            PresenceCheck::Passcode
        }
        KeyProtection::Keychain => PresenceCheck::Nothing,
    })
}

/// At unlock, after the key is recovered: a keychain vault with a passcode opens only with it.
pub(crate) async fn check_at_unlock(
    conn: &mut SqliteConnection,
    keys: &Keys,
    source: &KeySource,
) -> Result<()> {
    let Some(sealed) = meta::blob(conn, VERIFIER).await? else {
        return Ok(());
    };
    match source {
        KeySource::KeychainAndPasscode(passcode) => verify(keys, &sealed, passcode).await,
        KeySource::Keychain => Err(Error::PasscodeRequired),
        // The phone's own check of the patient stands in for the passcode.
        KeySource::KeychainConfirmedByThePhone => Ok(()),
        // A passphrase vault has no verifier; the passphrase already proved the patient.
        KeySource::Passphrase(_) => Ok(()),
    }
}

/// Stores the verifier of `passcode` (creating a vault, or setting a new one).
pub(crate) async fn store(
    conn: &mut SqliteConnection,
    keys: &Keys,
    passcode: &Passcode,
) -> Result<()> {
    let salt = random::<16>()?.to_vec();
    let hash = derive_kek(passcode.as_str(), &salt).await?;
    let verifier = Zeroizing::new(
        serde_json::to_vec(&Verifier {
            salt,
            hash: hash.to_vec(),
        })
        .map_err(|_| Error::Crypto("the passcode verifier could not be written"))?,
    );
    meta::set_blob(conn, VERIFIER, &keys.seal(VERIFIER_AAD, &verifier)?).await?;
    meta::set_text(conn, FLAG, "passcode").await
}

async fn verify(keys: &Keys, sealed: &[u8], passcode: &Passcode) -> Result<()> {
    let plain = Zeroizing::new(keys.open(VERIFIER_AAD, sealed)?);
    let verifier: Verifier = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
    let hash = derive_kek(passcode.as_str(), &verifier.salt).await?;
    if same_bytes(hash.as_ref(), &verifier.hash) {
        Ok(())
    } else {
        Err(Error::WrongKey)
    }
}

impl Vault {
    /// What this vault asks for to show the patient is here.
    pub async fn presence_check(&self) -> Result<PresenceCheck> {
        let mut conn = self.pool.acquire().await?;
        check_of(&mut conn).await
    }

    /// Checks the patient's `secret`: the passphrase of a passphrase vault, the passcode of a
    /// keychain vault that has one (`WrongKey` when it is not). A keychain vault without a
    /// passcode takes anything: its patient chose no prompt.
    pub async fn verify_presence(&self, secret: &str) -> Result<()> {
        let mut conn = self.pool.acquire().await?;
        match check_of(&mut conn).await? {
            PresenceCheck::Passphrase => {
                let passphrase =
                    key_source::Passphrase::new(secret).map_err(|_| Error::WrongKey)?;
                key_source::check_passphrase(&mut conn, &passphrase).await
            }
            PresenceCheck::Passcode => {
                let sealed = meta::blob(&mut conn, VERIFIER)
                    .await?
                    .ok_or(Error::Tampered)?;
                let passcode = Passcode::new(secret).map_err(|_| Error::WrongKey)?;
                verify(&self.keys(), &sealed, &passcode).await
            }
            PresenceCheck::Nothing => Ok(()),
        }
    }

    /// Sets the passcode a keychain vault asks for, or removes it (`None`: Tend opens with no
    /// prompt). A passphrase vault refuses: its passphrase is already asked for.
    pub async fn set_passcode(&self, passcode: Option<&Passcode>) -> Result<()> {
        if let Some(rollback) = self.rolled_back() {
            return Err(Error::RolledBack {
                seen: rollback.seen,
                found: rollback.found,
            });
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        if key_source::protection(&mut tx).await? != KeyProtection::Keychain {
            return Err(Error::InvalidInput(
                "this vault is behind a passphrase, which Tend already asks for".into(),
            ));
        }
        match passcode {
            Some(passcode) => store(&mut tx, &self.keys(), passcode).await?,
            None => {
                meta::delete(&mut tx, VERIFIER).await?;
                meta::delete(&mut tx, FLAG).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}

/// Whether `a` and `b` are equal, in time that does not depend on where they differ.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}
