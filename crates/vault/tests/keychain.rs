//! The keychain path against a real Secret Service: a private D-Bus session bus and
//! gnome-keyring-daemon, started here and stopped when the test ends.
//!
//! One test per binary: the bus address is process-wide and keyring connects once.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use jiff::Timestamp;
use tend_vault::{Error, KeyProtection, KeySource, Sample, Series, Vault, VaultStatus};
use tend_vitals::{DeviceKind, Metric, Unit};

/// A session bus and a Secret Service on it, killed on drop.
struct SecretService {
    bus: Child,
    keyring: Child,
    _home: tempfile::TempDir,
}

impl SecretService {
    fn start() -> SecretService {
        let home = tempfile::tempdir().expect("temp dir");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
            .stdout(Stdio::piped())
            // It warns that it cannot raise its file limit when not privileged: noise here.
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-daemon runs (Debian package dbus)");
        let mut address = String::new();
        BufReader::new(bus.stdout.take().expect("piped"))
            .read_line(&mut address)
            .expect("bus address");
        let address = address.trim().to_owned();
        std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);

        let (data, runtime) = (home.path().join("data"), home.path().join("run"));
        for dir in [&data, &runtime] {
            std::fs::create_dir_all(dir).expect("dir");
        }
        let mut keyring = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("gnome-keyring-daemon runs (Debian package gnome-keyring)");
        // --unlock reads the login keyring's password from stdin until it closes.
        keyring
            .stdin
            .take()
            .expect("piped")
            .write_all(b"test keyring password")
            .expect("password");

        let service = SecretService {
            bus,
            keyring,
            _home: home,
        };
        service.wait_for_name("org.freedesktop.secrets", &address);
        service
    }

    fn wait_for_name(&self, name: &str, address: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let owned = Command::new("dbus-send")
                .args([
                    &format!("--bus={address}"),
                    "--print-reply",
                    "--dest=org.freedesktop.DBus",
                    "/org/freedesktop/DBus",
                    "org.freedesktop.DBus.NameHasOwner",
                    &format!("string:{name}"),
                ])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("boolean true"));
            if owned {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{name} did not appear on the test bus");
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        for child in [&mut self.keyring, &mut self.bus] {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn the_key_lives_in_the_secret_service_and_erase_removes_it(
) -> Result<(), Box<dyn std::error::Error>> {
    let _service = SecretService::start();
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
