//! The keychain path against a real Secret Service: a private D-Bus session bus and
//! gnome-keyring-daemon, started here and stopped when the test ends.
//!
//! One test per binary: the bus address is process-wide and keyring connects once.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

#[path = "support/secret_service.rs"]
mod secret_service;

use jiff::Timestamp;
use tend_vault::{Error, KeyProtection, KeySource, Sample, Series, Vault, VaultStatus};
use tend_vitals::{DeviceKind, Metric, Unit};

#[tokio::test]
async fn the_key_lives_in_the_secret_service_and_erase_removes_it(
) -> Result<(), Box<dyn std::error::Error>> {
    let _service = secret_service::SecretService::start();
    let dir = tempfile::tempdir()?;
    let series = Series::new("strap", Metric::HeartRate, DeviceKind::HeartRateMonitor);
    let sample = Sample {
        time: Timestamp::from_second(1_767_225_600)?,
        value: 72.0,
        unit: Unit::PerMinute,
        sequence: None,
        flags: 0,
    };

    let vault = Vault::create(dir.path(), KeySource::Keychain).await?;
    vault.append_live(&series, sample).await?;
    vault.close().await;
    assert!(matches!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::Locked {
            protection: KeyProtection::Keychain,
            ..
        }
    ));

    // Unlocking needs nothing from the patient: the key comes from the Secret Service.
    let vault = Vault::unlock(dir.path(), KeySource::Keychain).await?;
    let read = vault
        .read_series(
            &series.key,
            sample.time,
            sample.time + jiff::SignedDuration::from_secs(1),
        )
        .await?;
    assert_eq!(read.data, vec![sample]);
    vault.close().await;

    // The checkpoint lives in the keychain: an earlier copy of the file put back is older than
    // the last one Tend saw, reads, and takes no write until accepted.
    let earlier = dir.path().join("earlier.sqlite");
    std::fs::copy(dir.path().join("vault.sqlite"), &earlier)?;
    let vault = Vault::unlock(dir.path(), KeySource::Keychain).await?;
    vault
        .append_live(
            &series,
            Sample {
                time: sample.time + jiff::SignedDuration::from_secs(1),
                ..sample
            },
        )
        .await?;
    vault.close().await;
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(dir.path().join(format!("vault.sqlite{suffix}")));
    }
    std::fs::rename(&earlier, dir.path().join("vault.sqlite"))?;
    let vault = Vault::unlock(dir.path(), KeySource::Keychain).await?;
    assert!(vault.rolled_back().is_some());
    assert!(matches!(
        vault.append_live(&series, sample).await,
        Err(Error::RolledBack { .. })
    ));
    vault.accept_older().await?;
    assert!(vault.rolled_back().is_none());
    vault.close().await;

    // A second vault gets its own entry; its key does not open the first.
    let other = tempfile::tempdir()?;
    Vault::create(other.path(), KeySource::Keychain)
        .await?
        .close()
        .await;

    let erased = tend_vault::erase(dir.path()).await?;
    assert!(
        erased.keychain_entry,
        "the keychain entry was found and removed"
    );
    assert!(erased.keychain_error.is_none());
    assert_eq!(
        tend_vault::inspect(dir.path()).await?,
        VaultStatus::NotCreated
    );
    // The other vault is untouched.
    Vault::unlock(other.path(), KeySource::Keychain)
        .await?
        .close()
        .await;

    // A copy of an erased vault is useless: its key is gone from the keychain.
    let copy = tempfile::tempdir()?;
    let vault = Vault::create(copy.path(), KeySource::Keychain).await?;
    vault.close().await;
    let backup = copy.path().join("backup.sqlite");
    std::fs::copy(copy.path().join("vault.sqlite"), &backup)?;
    tend_vault::erase(copy.path()).await?;
    std::fs::rename(&backup, copy.path().join("vault.sqlite"))?;
    assert!(matches!(
        Vault::unlock(copy.path(), KeySource::Keychain).await,
        Err(Error::KeyMissing)
    ));
    Ok(())
}
