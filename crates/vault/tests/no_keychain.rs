//! Where no keychain answers (a headless box with no Secret Service), creating a keychain-protected
//! vault says so and leaves nothing behind, so the caller can fall back to a passphrase.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use tend_vault::{Error, KeySource, Passphrase, Vault, VaultStatus};

#[tokio::test]
async fn without_a_secret_service_the_keychain_is_reported_unavailable(
) -> Result<(), Box<dyn std::error::Error>> {
    let nowhere = tempfile::tempdir()?;
    // No bus listens here, and this binary's only test sets it.
    std::env::set_var(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}/no-bus", nowhere.path().display()),
    );
    let dir = tempfile::tempdir()?;
    let err = Vault::create(dir.path(), KeySource::Keychain)
        .await
        .expect_err("no keychain");
    assert!(matches!(err, Error::KeychainUnavailable(_)), "{err}");
    assert_eq!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::NotCreated,
        "nothing left behind"
    );

    // The passphrase path still works on the same machine.
    Vault::create(
        dir.path(),
        KeySource::Passphrase(Passphrase::new("fallback passphrase")?),
    )
    .await?
    .close()
    .await;
    Ok(())
}
