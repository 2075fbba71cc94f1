//! Getting the vault open from the command line: the keychain where the vault keeps its key
//! there (with its passcode from `TEND_PASSCODE` or a prompt, when it has one), else a passphrase
//! from `TEND_PASSPHRASE` or typed at a prompt (never echoed).

use std::io::IsTerminal;

use tend_core::{
    KeyProtection, KeySource, Passcode, Passphrase, PresenceCheck, Session, Tend, VaultStatus,
};

use crate::Failure;

/// Unlocks the profile's vault; `create` makes one first where there is none. A vault older
/// than the last one Tend saw opens read-only, with a warning.
pub async fn session(tend: &Tend, create: bool) -> Result<Session, Failure> {
    let session = open_session(tend, create).await?;
    if session.rolled_back().is_some() {
        eprintln!(
            "tend: warning: this vault is older than the last one Tend saw (an earlier copy was put back): it reads, but takes no change until `tend vault accept-older`, or until the newer copy is put back"
        );
    }
    Ok(session)
}

/// Unlocks without the read-only warning (for the command that answers it).
pub async fn open_session(tend: &Tend, create: bool) -> Result<Session, Failure> {
    match tend.app_info().await?.vault {
        VaultStatus::NotCreated if !create => Err(Failure::Failed(
            "no vault in this profile yet: `tend import` creates one (see `tend status`)".into(),
        )),
        VaultStatus::NotCreated => create_vault(tend).await,
        VaultStatus::Locked {
            protection: KeyProtection::Keychain,
            presence: PresenceCheck::Passcode,
            ..
        } => Ok(tend
            .unlock(KeySource::KeychainAndPasscode(Passcode::new(
                secret("TEND_PASSCODE", "Passcode: ", false)?.as_str(),
            )?))
            .await?),
        VaultStatus::Locked {
            protection: KeyProtection::Keychain,
            ..
        } => Ok(tend.unlock(KeySource::Keychain).await?),
        VaultStatus::Locked {
            protection: KeyProtection::Passphrase,
            ..
        } => Ok(tend
            .unlock(KeySource::Passphrase(passphrase("Passphrase: ", false)?))
            .await?),
    }
}

/// A new vault keeps its key in the keychain, unless a passphrase is given or no keychain answers.
async fn create_vault(tend: &Tend) -> Result<Session, Failure> {
    if std::env::var_os("TEND_PASSPHRASE").is_some() {
        return Ok(tend
            .create(KeySource::Passphrase(passphrase("", true)?))
            .await?);
    }
    match tend.create(KeySource::Keychain).await {
        Err(tend_core::Error::Vault(tend_core::VaultError::KeychainUnavailable(_))) => {
            eprintln!("tend: no keychain is reachable, so a passphrase will protect this vault");
            Ok(tend
                .create(KeySource::Passphrase(passphrase("New passphrase: ", true)?))
                .await?)
        }
        other => Ok(other?),
    }
}

/// `tend passphrase`: the current passphrase unlocks, the new one re-wraps the key.
pub async fn change_passphrase(tend: &Tend) -> Result<(), Failure> {
    let session = session(tend, false).await?;
    let old = passphrase_from("TEND_PASSPHRASE", "Current passphrase: ", false)?;
    let new = passphrase_from("TEND_NEW_PASSPHRASE", "New passphrase: ", true)?;
    let changed = session.change_passphrase(&old, &new).await;
    session.close().await?;
    changed?;
    println!("The passphrase is changed and the vault re-keyed; the old one no longer opens this vault (a backup made before still opens with it).");
    Ok(())
}

/// `TEND_PASSPHRASE`, else a prompt on the terminal (twice for a new one).
fn passphrase(prompt: &str, new: bool) -> Result<Passphrase, Failure> {
    passphrase_from("TEND_PASSPHRASE", prompt, new)
}

/// The passphrase in `variable`, else a prompt on the terminal (twice for a new one).
fn passphrase_from(variable: &str, prompt: &str, new: bool) -> Result<Passphrase, Failure> {
    Ok(Passphrase::new(secret(variable, prompt, new)?.as_str())?)
}

/// The secret in `variable`, else typed at a prompt on the terminal (twice for a new one).
fn secret(variable: &str, prompt: &str, new: bool) -> Result<zeroize::Zeroizing<String>, Failure> {
    if let Ok(text) = std::env::var(variable) {
        return Ok(zeroize::Zeroizing::new(text));
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Failed(format!(
            "this vault needs its {}: set {variable} or run in a terminal",
            prompt.trim_end_matches(": ").to_lowercase()
        )));
    }
    // Every copy typed here is zeroed when dropped.
    let first = zeroize::Zeroizing::new(rpassword::prompt_password(prompt)?);
    if new {
        let repeat = zeroize::Zeroizing::new(rpassword::prompt_password("Repeat it: ")?);
        if *repeat != *first {
            return Err(Failure::Failed("the two entries differ".into()));
        }
    }
    Ok(first)
}
