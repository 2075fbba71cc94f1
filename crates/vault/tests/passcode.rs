//! Issue 21: a keychain vault opened with one click by whoever sits at the laptop. With a
//! passcode, the key in the keychain is not enough: unlocking without the passcode, or with a
//! wrong one, is refused, against a real Secret Service.
//!
//! One test per binary: the bus address is process-wide and keyring connects once.

#[path = "support/secret_service.rs"]
mod secret_service;

use tend_vault::{Error, KeySource, Passcode, PresenceCheck, Vault, VaultStatus};

#[tokio::test]
async fn a_keychain_vault_with_a_passcode_opens_only_with_it(
) -> Result<(), Box<dyn std::error::Error>> {
    let _service = secret_service::SecretService::start();
    let dir = tempfile::tempdir()?;
    let passcode = Passcode::new("482916")?;
    Vault::create(dir.path(), KeySource::KeychainAndPasscode(passcode.clone()))
        .await?
        .close()
        .await;
    assert!(matches!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::Locked {
            presence: PresenceCheck::Passcode,
            ..
        }
    ));

    // The key is in the keychain, but the keychain alone no longer opens it…
    assert!(matches!(
        Vault::unlock(dir.path(), KeySource::Keychain).await,
        Err(Error::PasscodeRequired)
    ));
    // …nor a wrong passcode.
    let wrong = Passcode::new("111111")?;
    assert!(matches!(
        Vault::unlock(dir.path(), KeySource::KeychainAndPasscode(wrong)).await,
        Err(Error::WrongKey)
    ));
    // On a phone, its own check of the patient (issue 19) stands in for the passcode.
    Vault::unlock(dir.path(), KeySource::KeychainConfirmedByThePhone)
        .await?
        .close()
        .await;
    let vault = Vault::unlock(dir.path(), KeySource::KeychainAndPasscode(passcode)).await?;
    // Presence again (before letting data out) checks the same passcode.
    assert!(matches!(
        vault.verify_presence("111111").await,
        Err(Error::WrongKey)
    ));
    vault.verify_presence("482916").await?;

    // The patient may choose no prompt: then the keychain opens it, and anything is presence.
    vault.set_passcode(None).await?;
    assert_eq!(vault.presence_check().await?, PresenceCheck::Nothing);
    vault.close().await;
    let vault = Vault::unlock(dir.path(), KeySource::Keychain).await?;
    vault.verify_presence("").await?;

    // And set one again, from then on asked for.
    vault.set_passcode(Some(&Passcode::new("735102")?)).await?;
    vault.close().await;
    assert!(matches!(
        Vault::unlock(dir.path(), KeySource::Keychain).await,
        Err(Error::PasscodeRequired)
    ));

    // A passphrase vault takes no passcode, nor the phone's check: its passphrase is asked for.
    let other = tempfile::tempdir()?;
    let vault = Vault::create(
        other.path(),
        KeySource::Passphrase(tend_vault::Passphrase::new("a long passphrase")?),
    )
    .await?;
    assert!(matches!(
        vault.set_passcode(Some(&Passcode::new("735102")?)).await,
        Err(Error::InvalidInput(_))
    ));

    assert!(matches!(
        vault.verify_presence("not the passphrase").await,
        Err(Error::WrongKey)
    ));
    vault.verify_presence("a long passphrase").await?;
    vault.close().await;
    assert!(matches!(
        Vault::unlock(other.path(), KeySource::KeychainConfirmedByThePhone).await,
        Err(Error::PassphraseRequired)
    ));
    Ok(())
}
