//! A real Secret Service for the keychain tests: a private D-Bus session bus and
//! gnome-keyring-daemon, started by the test and stopped when it drops.
#![allow(clippy::expect_used)] // test code: a panic is a failed test

use std::{
    io::{BufRead, BufReader, Write},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

/// A session bus and a Secret Service on it, killed on drop.
pub struct SecretService {
    bus: Child,
    keyring: Child,
    _home: tempfile::TempDir,
}

impl SecretService {
    pub fn start() -> SecretService {
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
