//! A reminder reaches the Linux notification service while Tend is locked: a private D-Bus
//! session bus, a private X display and a real notification daemon (dunst) on them, all started
//! here and stopped on drop. The app's own reminder loop rings from the plan outside the vault
//! through tauri-plugin-notification, in words that name no medication; Take pressed on the
//! notification while locked is recorded at the next unlock.
//!
//! One test in this binary: the bus address is process-wide.
#![allow(clippy::expect_used)] // helpers here are test code: a panic is a failed test

use std::{
    io::{BufRead, BufReader},
    path::Path,
    process::{Child, Command, Stdio},
    sync::Arc,
    time::{Duration, Instant},
};

use jiff::{tz::TimeZone, Timestamp};
use tauri::{
    test::{mock_builder, MockRuntime},
    AppHandle, Manager, RunEvent,
};
use tend_core::{
    meds::{DoseSchedule, DoseState},
    IdleLock, KeySource, MedicationDetails, Passphrase, Tend,
};

/// A session bus, an X display and dunst, killed on drop.
struct NotificationService {
    address: String,
    children: Vec<Child>,
    _config: tempfile::TempDir,
}

impl NotificationService {
    fn start() -> NotificationService {
        let config = tempfile::tempdir().expect("temp dir");
        let (bus, address) = spawn_printing(
            Command::new("dbus-daemon").args([
                "--session",
                "--nofork",
                "--nopidfile",
                "--print-address=1",
            ]),
            "dbus-daemon runs (Debian package dbus)",
        );
        let (display, number) = spawn_printing(
            Command::new("Xvfb").args([
                "-displayfd",
                "1",
                "-nolisten",
                "tcp",
                "-screen",
                "0",
                "800x600x24",
            ]),
            "Xvfb runs (Debian package xvfb)",
        );
        let dunst = Command::new("dunst")
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("DISPLAY", format!(":{number}"))
            // Its built-in defaults, not the machine's dunstrc.
            .env("XDG_CONFIG_HOME", config.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("dunst runs (Debian package dunst)");
        let service = NotificationService {
            address,
            children: vec![dunst, display, bus],
            _config: config,
        };
        service.wait_until("dunst answers", || {
            service.dunstctl(&["count", "displayed"]).is_some()
        });
        service
    }

    /// `dunstctl` on the test bus: its output, or `None` while dunst is not answering.
    fn dunstctl(&self, args: &[&str]) -> Option<String> {
        let output = Command::new("dunstctl")
            .args(args)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .ok()?;
        output
            .status
            .success()
            .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
    }

    fn displayed(&self) -> usize {
        self.dunstctl(&["count", "displayed"])
            .and_then(|n| n.parse().ok())
            .unwrap_or(0)
    }

    /// What pressing a button on notification `id` sends (dunst's own menu sends the same).
    fn press(&self, id: u32, action: &str) {
        let sent = Command::new("dbus-send")
            .args([
                &format!("--bus={}", self.address),
                "--type=signal",
                "/org/freedesktop/Notifications",
                "org.freedesktop.Notifications.ActionInvoked",
                &format!("uint32:{id}"),
                &format!("string:{action}"),
            ])
            .status()
            .expect("dbus-send runs");
        assert!(sent.success());
    }

    fn wait_until(&self, what: &str, done: impl FnMut() -> bool) {
        self.wait_until_within(what, Duration::from_secs(15), done);
    }

    fn wait_until_within(&self, what: &str, within: Duration, mut done: impl FnMut() -> bool) {
        let deadline = Instant::now() + within;
        while !done() {
            assert!(Instant::now() < deadline, "timed out waiting until {what}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for NotificationService {
    fn drop(&mut self) {
        for child in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `dbus-monitor` on the test bus, its lines collected as they come.
struct BusMonitor {
    monitor: Child,
    lines: Arc<std::sync::Mutex<Vec<String>>>,
}

impl BusMonitor {
    fn start(address: &str) -> BusMonitor {
        let mut monitor = Command::new("dbus-monitor")
            .args(["--address", address])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("dbus-monitor runs (Debian package dbus)");
        let lines = Arc::new(std::sync::Mutex::new(Vec::new()));
        let (out, sink) = (monitor.stdout.take().expect("piped"), Arc::clone(&lines));
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                sink.lock().expect("lock").push(line);
            }
        });
        // dbus-monitor says it has started by receiving its own NameAcquired signal.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !lines
            .lock()
            .expect("lock")
            .iter()
            .any(|l| l.contains("NameAcquired"))
        {
            assert!(Instant::now() < deadline, "dbus-monitor did not start");
            std::thread::sleep(Duration::from_millis(20));
        }
        BusMonitor { monitor, lines }
    }

    /// The id the daemon returned for the first `Notify` call seen.
    fn notify_reply(&self) -> Option<u32> {
        let lines = self.lines.lock().expect("lock");
        let field = |line: &str, name: &str| {
            line.split_whitespace()
                .find_map(|f| f.strip_prefix(name))
                .map(str::to_owned)
        };
        let call = lines
            .iter()
            .find(|l| l.starts_with("method call") && l.contains("member=Notify"))?;
        let serial = field(call, "serial=")?;
        let reply = lines.iter().position(|l| {
            l.starts_with("method return") && field(l, "reply_serial=").as_deref() == Some(&serial)
        })?;
        lines
            .get(reply + 1)?
            .trim()
            .strip_prefix("uint32 ")?
            .parse()
            .ok()
    }
}

impl Drop for BusMonitor {
    fn drop(&mut self) {
        let _ = self.monitor.kill();
        let _ = self.monitor.wait();
    }
}

/// Starts `command` and reads the first line it prints.
fn spawn_printing(command: &mut Command, what: &str) -> (Child, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect(what);
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped"))
        .read_line(&mut line)
        .expect(what);
    (child, line.trim().to_owned())
}

#[test]
fn a_dose_due_while_locked_reaches_the_notification_service_and_take_is_recorded_at_unlock() {
    let service = NotificationService::start();
    std::env::set_var("DBUS_SESSION_BUS_ADDRESS", &service.address);
    let profile = tempfile::tempdir().expect("dir");
    std::env::set_var("TEND_DATA_DIR", profile.path());

    let app = tend_app_lib::app(mock_builder())
        .build(tauri::generate_context!())
        .expect("the app builds on the mock runtime");
    let service = Arc::new(service);
    let (done, finished) = std::sync::mpsc::channel();
    let (in_app, path) = (Arc::clone(&service), profile.path().to_owned());
    app.run_return(move |handle, event| {
        if let RunEvent::Ready = event {
            remind_and_take(handle, &in_app, &path);
            done.send(()).expect("the test is listening");
            // Closing the last window ends the mock event loop (its `exit` is unimplemented).
            let window = handle.get_webview_window("main").expect("the main window");
            window.destroy().expect("the window closes");
        }
    });
    assert!(
        finished.try_recv().is_ok(),
        "the app became ready and the scenario ran"
    );
}

/// Once the app is running: a dose falls due while Tend is locked, the app's own reminder loop
/// rings it through dunst in words that name no medication, and Take pressed on it while locked
/// is recorded when the vault is next unlocked.
fn remind_and_take(app: &AppHandle<MockRuntime>, service: &NotificationService, profile: &Path) {
    let here = TimeZone::system();
    let key = || KeySource::Passphrase(Passphrase::new("notification test").expect("passphrase"));
    // A dose every 8 hours from a few seconds from now, so the loop (every 20 s) meets it soon.
    let due = Timestamp::now()
        .checked_add(jiff::SignedDuration::from_secs(4))
        .expect("a time")
        .round(jiff::Unit::Second)
        .expect("rounded");
    let schedule = format!(r#"{{"every_hours": 8, "anchor": "{due}"}}"#);
    tauri::async_runtime::block_on(async {
        let session = Tend::new(profile).create(key()).await.expect("vault");
        session
            .add_medication(
                MedicationDetails {
                    name: "Metformin".into(),
                    strength: Some("500 mg".into()),
                    form: None,
                    instructions: None,
                    schedule: DoseSchedule::from_json(&schedule).expect("schedule"),
                    home_zone: None,
                    pills_on_hand: Some(20),
                    pills_per_dose: 1,
                    refill_at: None,
                },
                Timestamp::now(),
            )
            .await
            .expect("added");
        session.close().await.expect("closed");
    });
    let sessions = Arc::clone(&*app.state::<Arc<IdleLock>>());
    assert!(
        !tauri::async_runtime::block_on(sessions.is_unlocked()),
        "Tend is locked"
    );

    // The loop rings it, locked.
    let bus = BusMonitor::start(&service.address);
    service.wait_until_within(
        "the locked app's reminder loop shows the dose",
        Duration::from_secs(40),
        || service.displayed() == 1,
    );

    // Take, pressed while locked: kept, and recorded at the next unlock.
    let mut id = None;
    service.wait_until("the daemon's reply to Notify is seen", || {
        id = bus.notify_reply();
        id.is_some()
    });
    service.press(id.expect("an id"), "take");
    service.wait_until("the press is kept for the next unlock", || {
        profile.join("reminder-pending.json").exists()
    });
    assert!(
        !tauri::async_runtime::block_on(sessions.is_unlocked()),
        "still locked"
    );
    let session = tauri::async_runtime::block_on(Tend::new(profile).unlock(key())).expect("unlock");
    let doses = tauri::async_runtime::block_on(session.doses(
        due,
        due + jiff::SignedDuration::from_secs(1),
        &here,
        Timestamp::now(),
    ))
    .expect("doses");
    assert!(
        matches!(doses[0].state, DoseState::Taken { .. }),
        "taken at unlock: {:?}",
        doses[0].state
    );
    tauri::async_runtime::block_on(session.close()).expect("closed");

    // What the patient saw, from the daemon's own history: the time, no name.
    service.dunstctl(&["close-all"]).expect("close-all");
    let clock = due.to_zoned(here).strftime("%H:%M").to_string();
    let clock = clock.strip_prefix('0').unwrap_or(&clock).to_owned();
    service.wait_until("the history shows it", || {
        service
            .dunstctl(&["history"])
            .is_some_and(|h| h.contains(&format!("Time for your {clock} medication")))
    });
    let history = service.dunstctl(&["history"]).expect("history");
    for secret in ["Metformin", "500 mg"] {
        assert!(
            !history.contains(secret),
            "the notification names {secret:?}: {history}"
        );
    }
}
