//! Issue 21: Tend locks when the patient leaves — the session locks or the machine sleeps — not
//! only after the idle time. A private dbus-daemon stands in for the system and session buses;
//! on it this test owns logind's and the screen saver's names and sends the signals they send
//! (`PrepareForSleep`, a session's `Lock`, `ActiveChanged`), and the app's watcher locks.
#![allow(clippy::expect_used)] // test code: a panic is a failed test

use std::{
    io::{BufRead, BufReader},
    process::{Child, Command, Stdio},
    sync::{Arc, Mutex},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};
use tend_app_lib::{lock_when_leaving, Leaving};
use tend_core::{IdleLock, KeySource, Passphrase, Session};
use zbus::zvariant::OwnedObjectPath;

const SESSION: &str = "/org/freedesktop/login1/session/c1";

struct Bus(Child);

impl Drop for Bus {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start_bus() -> (Bus, String) {
    let mut bus = Command::new("dbus-daemon")
        .args(["--session", "--nofork", "--nopidfile", "--print-address=1"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("dbus-daemon runs (Debian package dbus)");
    let mut address = String::new();
    BufReader::new(bus.stdout.take().expect("piped"))
        .read_line(&mut address)
        .expect("bus address");
    (Bus(bus), address.trim().to_owned())
}

/// The part of logind's manager the watcher asks: which session this process is in.
struct Manager;

#[zbus::interface(name = "org.freedesktop.login1.Manager")]
impl Manager {
    #[zbus(name = "GetSessionByPID")]
    fn get_session_by_pid(&self, _pid: u32) -> OwnedObjectPath {
        OwnedObjectPath::try_from(SESSION).expect("path")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tend_locks_when_the_session_locks_or_the_machine_sleeps() {
    let (_bus, address) = start_bus();
    // Only this binary's one test sets them.
    std::env::set_var("DBUS_SYSTEM_BUS_ADDRESS", &address);
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &address);
    let system = zbus::connection::Builder::address(address.as_str())
        .expect("address")
        .name("org.freedesktop.login1")
        .expect("name")
        .name("org.freedesktop.ScreenSaver")
        .expect("name")
        .serve_at("/org/freedesktop/login1", Manager)
        .expect("serve")
        .build()
        .await
        .expect("the stand-in logind is on the bus");

    let dir = tempfile::tempdir().expect("tempdir");
    let sessions = Arc::new(IdleLock::new(SignedDuration::from_hours(1)));
    let source = || KeySource::Passphrase(Passphrase::new("leaving test passphrase").expect("ok"));
    sessions
        .put(
            Session::create(dir.path(), source()).await.expect("vault"),
            Timestamp::now(),
        )
        .await;
    let heard = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn({
        let (sessions, heard) = (Arc::clone(&sessions), Arc::clone(&heard));
        async move {
            lock_when_leaving(&sessions, |why| heard.lock().expect("lock").push(why)).await;
        }
    });

    // Each signal is sent until the watcher (subscribing meanwhile) has locked Tend.
    let send_until_locked =
        async |path: &str, interface: &str, member: &str, body: Option<bool>| {
            for _ in 0..50 {
                match body {
                    Some(flag) => {
                        system
                            .emit_signal(None::<()>, path, interface, member, &flag)
                            .await
                    }
                    None => {
                        system
                            .emit_signal(None::<()>, path, interface, member, &())
                            .await
                    }
                }
                .expect("signal sent");
                tokio::time::sleep(Duration::from_millis(100)).await;
                if !sessions.is_unlocked().await {
                    return;
                }
            }
            panic!("{member} did not lock Tend within 5 s");
        };
    let reopen = async || {
        sessions
            .put(
                Session::unlock(dir.path(), source())
                    .await
                    .expect("unlocks"),
                Timestamp::now(),
            )
            .await;
    };

    // Waking up (`PrepareForSleep(false)`) is not leaving.
    for _ in 0..5 {
        system
            .emit_signal(
                None::<()>,
                "/org/freedesktop/login1",
                "org.freedesktop.login1.Manager",
                "PrepareForSleep",
                &false,
            )
            .await
            .expect("signal sent");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(sessions.is_unlocked().await, "waking up does not lock");

    send_until_locked(
        "/org/freedesktop/login1",
        "org.freedesktop.login1.Manager",
        "PrepareForSleep",
        Some(true),
    )
    .await;
    reopen().await;
    send_until_locked(SESSION, "org.freedesktop.login1.Session", "Lock", None).await;
    reopen().await;
    send_until_locked(
        "/org/freedesktop/ScreenSaver",
        "org.freedesktop.ScreenSaver",
        "ActiveChanged",
        Some(true),
    )
    .await;

    assert_eq!(
        *heard.lock().expect("lock"),
        [
            Leaving::Sleeping,
            Leaving::SessionLocked,
            Leaving::SessionLocked
        ]
    );
}
