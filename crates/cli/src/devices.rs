//! `tend devices scan|pair|list|watch|forget`: the patient's Bluetooth health devices from the
//! command line. On a machine without Bluetooth, `tend-bluez-sim` stands in: point
//! `DBUS_SYSTEM_BUS_ADDRESS` at the address it prints.
//!
//! This file is the outermost edge for devices: the system clock is read here and nowhere below.

use std::{
    collections::HashMap,
    sync::{
        atomic::{AtomicU64, Ordering},
        Arc, Mutex,
    },
    time::Duration,
};

use serde::Serialize;
use serde_json::{json, Value};
use tend_core::{
    clinic::ClinicAlert, AlertWatch, Bond, BtleCentral, DeviceEvent, HealthService, LinkPolicy,
    LinkState, PairedDevice, PairingChoices, PairingPrompt, Problem, ScanResult, SystemClock, Tend,
    VaultStatus, WatchSinks,
};

use crate::{args::DevicesCommand, output, unlock, Failure};

/// How long a `pair` scans for the device before giving up.
const PAIR_SCAN: Duration = Duration::from_secs(2);

pub async fn run(tend: &Tend, command: DevicesCommand, json: bool) -> Result<(), Failure> {
    match command {
        DevicesCommand::Scan { seconds } => scan(tend, seconds, json).await,
        DevicesCommand::Pair {
            address,
            user,
            consent_code,
        } => {
            let central = central().await?;
            let session = unlock::session(tend, true).await?;
            let paired = session
                .pair_device(
                    &central,
                    &address,
                    PairingChoices {
                        prompt: Arc::new(TerminalPrompt),
                        user,
                        consent_code,
                    },
                    &SystemClock,
                    PAIR_SCAN,
                )
                .await;
            session.close().await?;
            let device = paired?;
            if json {
                return output::json(&Listed::new(device, LinkState::Offline));
            }
            println!(
                "Paired {} ({}){}. {}",
                device.name,
                device.id,
                device
                    .battery_percent
                    .map(|b| format!(", battery {b}%"))
                    .unwrap_or_default(),
                bond_text(device.bond)
            );
            if let Some(user) = device.user_id {
                println!("You are its user {user}: other users' measurements are not stored.");
            }
            if device.consent_code.is_some() {
                println!("It accepted your consent code: Tend gives it on every connection.");
            }
            Ok(())
        }
        DevicesCommand::User {
            address,
            user,
            consent_code,
            ..
        } => {
            let session = unlock::session(tend, false).await?;
            let changed = session.set_device_user(&address, user, consent_code).await;
            session.close().await?;
            let device = changed?;
            if json {
                return output::json(&Listed::new(device, LinkState::Offline));
            }
            match device.user_id {
                Some(user) => println!(
                    "You are user {user} of {} ({}): from its next connection, only user {user}'s measurements are stored.",
                    device.name, device.id
                ),
                None => println!(
                    "You are the only user of {} ({}): from its next connection, all its measurements are stored.",
                    device.name, device.id
                ),
            }
            Ok(())
        }
        DevicesCommand::List => {
            let session = unlock::session(tend, false).await?;
            let devices = session.paired_devices().await;
            session.close().await?;
            let listed: Vec<Listed> = devices?
                .into_iter()
                .map(|d| Listed::new(d, LinkState::Offline))
                .collect();
            if json {
                return output::json(&listed);
            }
            if listed.is_empty() {
                println!(
                    "No paired devices: `tend devices scan`, then `tend devices pair ADDRESS`."
                );
            }
            for d in listed {
                println!(
                    "{}  {}  {}  battery {}{}",
                    d.device.id,
                    d.device.name,
                    state_name(d.state),
                    d.device
                        .battery_percent
                        .map_or("unknown".to_owned(), |b| format!("{b}%")),
                    d.device
                        .user_id
                        .map(|u| format!("  user {u}"))
                        .unwrap_or_default()
                );
            }
            Ok(())
        }
        DevicesCommand::Watch { seconds, count } => watch(tend, seconds, count, json).await,
        DevicesCommand::Forget { address } => {
            let central = central().await?;
            let session = unlock::session(tend, false).await?;
            let forgotten = session.forget_device(&central, &address).await;
            session.close().await?;
            if !forgotten? {
                return Err(Failure::Core(tend_core::Error::NotFound {
                    what: tend_core::Thing::PairedDevice,
                    id: address,
                }));
            }
            if json {
                return output::json(&json!({"id": address, "forgotten": true}));
            }
            println!("Forgot {address}; its readings stay in your history.");
            Ok(())
        }
    }
}

/// A paired device as `list` and `pair` print it: whether Tend keeps a consent code for it,
/// never the code.
#[derive(Debug, Serialize)]
struct Listed {
    #[serde(flatten)]
    device: PairedDevice,
    consent_code_kept: bool,
    paired: bool,
    state: LinkState,
}

impl Listed {
    fn new(mut device: PairedDevice, state: LinkState) -> Listed {
        let consent_code_kept = device.consent_code.take().is_some();
        Listed {
            device,
            consent_code_kept,
            paired: true,
            state,
        }
    }
}

/// How a newly paired device's link is secured, in the patient's words.
fn bond_text(bond: Bond) -> &'static str {
    match bond {
        Bond::Authenticated => "Bonded with the passkey you typed: only this device can send to Tend.",
        Bond::JustWorks => "Bonded without a passkey (the device offers none): its link is encrypted, but pairing could not check it was this device.",
        Bond::Platform => "The system pairs it when it asks.",
        Bond::None => "Not bonded.",
    }
}

/// Asks at the terminal for what a device shows while pairing (stderr, then a line of stdin).
struct TerminalPrompt;

impl TerminalPrompt {
    fn ask(question: String) -> tend_core::Answer<String> {
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                eprint!("{question}");
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).ok()?;
                Some(line.trim().to_owned())
            })
            .await
            .ok()
            .flatten()
        })
    }
}

impl PairingPrompt for TerminalPrompt {
    fn passkey(&self, device: &str) -> tend_core::Answer<u32> {
        let answer = TerminalPrompt::ask(format!("Type the 6 digits shown on {device}: "));
        Box::pin(async move {
            let typed = answer.await?;
            let digits = typed.len() == 6 && typed.bytes().all(|b| b.is_ascii_digit());
            digits.then(|| typed.parse().ok()).flatten()
        })
    }

    fn confirm(&self, device: &str, passkey: u32) -> tend_core::Answer<()> {
        let answer = TerminalPrompt::ask(format!("Does {device} show {passkey:06}? [y/N] "));
        Box::pin(async move {
            let typed = answer.await?;
            typed.eq_ignore_ascii_case("y").then_some(())
        })
    }
}

async fn central() -> Result<BtleCentral, Failure> {
    Ok(tend_core::system_central().await?)
}

async fn scan(tend: &Tend, seconds: f64, json: bool) -> Result<(), Failure> {
    let duration = duration(seconds)?;
    let central = central().await?;
    // Without a vault nothing is paired yet: scan without opening (or creating) one.
    let found: Vec<ScanResult> = if tend.app_info().await?.vault == VaultStatus::NotCreated {
        tend_core::scan_devices(&central, duration).await?
    } else {
        let session = unlock::session(tend, false).await?;
        let found = session.scan_devices(&central, duration).await;
        session.close().await?;
        found?
    };
    if json {
        return output::json(&found);
    }
    if found.is_empty() {
        println!("No health devices found. Is the device awake and near?");
    }
    for d in found {
        let services: Vec<&str> = d.services.iter().map(service_name).collect();
        let note = match (&d.impostor_of, d.paired) {
            (Some(of), _) => format!("  IMPOSTOR: uses the name of paired device {of}"),
            (None, true) => "  (paired)".to_owned(),
            (None, false) => String::new(),
        };
        println!(
            "{}  {}  {}  {}{note}",
            d.id,
            d.name.as_deref().unwrap_or("(no name)"),
            d.rssi.map_or("?".to_owned(), |r| format!("{r} dBm")),
            services.join(", ")
        );
    }
    Ok(())
}

async fn watch(
    tend: &Tend,
    seconds: Option<f64>,
    count: Option<u64>,
    json: bool,
) -> Result<(), Failure> {
    let limit = seconds.map(duration).transpose()?;
    let central = central().await?;
    let session = unlock::session(tend, false).await?;
    let paired = session.paired_devices().await?;
    if paired.is_empty() {
        session.close().await?;
        return Err(Failure::Failed(
            "no paired devices: `tend devices scan`, then `tend devices pair ADDRESS`".into(),
        ));
    }
    let names: HashMap<String, String> = paired
        .iter()
        .map(|d| (d.id.clone(), d.name.clone()))
        .collect();
    let (stop_tx, stop) = tokio::sync::watch::channel(false);
    let readings = AtomicU64::new(0);
    let print_failed = Mutex::new(None);
    let sink = |event: DeviceEvent| {
        if matches!(event, DeviceEvent::Reading { .. }) {
            let n = readings.fetch_add(1, Ordering::SeqCst) + 1;
            if count.is_some_and(|c| n >= c) {
                let _ = stop_tx.send(true);
            }
        }
        if count.is_some_and(|c| readings.load(Ordering::SeqCst) > c) {
            return;
        }
        if let Err(e) = print_event(&event, &names, json) {
            *print_failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            let _ = stop_tx.send(true);
        }
    };
    // The same alerts as the app raises: one per excursion from the patient's range.
    let alerts = AlertWatch::new(session.preferences().await?);
    let on_alert = |alert: ClinicAlert| {
        if let Err(e) = print_alert(&alert, json) {
            *print_failed.lock().unwrap_or_else(|e| e.into_inner()) = Some(e);
            let _ = stop_tx.send(true);
        }
    };
    let sinks = WatchSinks {
        events: &sink,
        alerts: &on_alert,
    };
    let policy = LinkPolicy::default();
    let mut stopped = stop.clone();
    let watching = session.watch_devices(&central, &SystemClock, &policy, &alerts, sinks, stop);
    let timer = async {
        if let Some(limit) = limit {
            tokio::select! {
                () = tokio::time::sleep(limit) => {
                    let _ = stop_tx.send(true);
                }
                _ = stopped.changed() => {}
            }
        }
    };
    let (watched, ()) = tokio::join!(watching, timer);
    session.close().await?;
    watched?;
    if let Some(e) = print_failed.into_inner().unwrap_or(None) {
        return Err(e);
    }
    Ok(())
}

/// One event: a JSON line, or a line for people.
fn print_event(
    event: &DeviceEvent,
    names: &HashMap<String, String>,
    json: bool,
) -> Result<(), Failure> {
    let name_of = |id: &str| names.get(id).cloned().unwrap_or_else(|| id.to_owned());
    if json {
        let line = match event {
            DeviceEvent::Reading {
                device,
                reading,
                sequence,
            } => {
                let mut line = json!({
                    "event": "reading",
                    "device": device,
                    "name": name_of(device),
                    "metric": reading.metric,
                    "value": reading.value(),
                    "unit": reading.metric.canonical_unit(),
                    "time": reading.time,
                    "time_source": reading.time_source,
                });
                if let Some(s) = sequence {
                    line["sequence"] = json!(s);
                }
                line
            }
            other => {
                let mut line = serde_json::to_value(other)?;
                if let Some(id) = line
                    .get("device")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                {
                    line["name"] = json!(name_of(&id));
                }
                line
            }
        };
        return output::json(&line);
    }
    let at = jiff::Zoned::now().strftime("%H:%M:%S");
    let text = match event {
        DeviceEvent::State { device, state } => {
            format!("{}: {}", name_of(device), state_name(*state))
        }
        DeviceEvent::Battery {
            device,
            battery_percent,
        } => format!("{}: battery {battery_percent}%", name_of(device)),
        DeviceEvent::Reading {
            device, reading, ..
        } => format!(
            "{}: {} {} {}",
            name_of(device),
            reading.metric,
            round(reading.value()),
            reading.metric.canonical_unit().ucum()
        ),
        DeviceEvent::Download {
            device,
            received,
            done,
        } => {
            if *done {
                format!("{}: downloaded {received} stored readings", name_of(device))
            } else {
                format!("{}: {received} stored readings so far", name_of(device))
            }
        }
        DeviceEvent::Problem {
            device,
            problem,
            count,
        } => format!(
            "{}: {} ({count} so far)",
            name_of(device),
            problem_text(*problem)
        ),
    };
    println!("{at}  {text}");
    Ok(())
}

/// An alert: a JSON line (`"event": "alert"`), or a line for people with the rule that fired.
fn print_alert(alert: &ClinicAlert, json: bool) -> Result<(), Failure> {
    if json {
        let mut line = serde_json::to_value(alert)?;
        line["event"] = json!("alert");
        return output::json(&line);
    }
    println!(
        "{}  ALERT: {} {} {} — {}",
        jiff::Zoned::now().strftime("%H:%M:%S"),
        alert.metric,
        round(alert.value),
        alert.metric.canonical_unit().ucum(),
        alert.rule_text
    );
    Ok(())
}

fn round(value: f64) -> String {
    let text = format!("{value:.2}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

fn duration(seconds: f64) -> Result<Duration, Failure> {
    Duration::try_from_secs_f64(seconds)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Failure::Failed(format!("`{seconds}` is not a number of seconds")))
}

fn state_name(state: LinkState) -> &'static str {
    match state {
        LinkState::Scanning => "scanning",
        LinkState::Connecting => "connecting",
        LinkState::Connected => "connected",
        LinkState::Streaming => "streaming",
        LinkState::Downloading => "downloading stored readings",
        LinkState::Reconnecting => "reconnecting",
        LinkState::Offline => "offline",
    }
}

fn problem_text(problem: Problem) -> &'static str {
    match problem {
        Problem::Malformed => "sent a value that is not valid; ignored",
        Problem::Flood => "sent too many values too fast; extra ones dropped",
        Problem::Silent => "went silent; reconnecting",
        Problem::DownloadIncomplete => "stopped sending its stored readings; will ask again",
        Problem::StorageFailed => "a reading could not be stored",
        Problem::ImplausibleTime => {
            "stamped a reading in the future; its clock is wrong, reading not kept"
        }
        Problem::NotTheBondedDevice => {
            "a device at its address could not prove it is the one you paired; nothing taken from it"
        }
        Problem::BondLost => "the system forgot its pairing; pair it again",
        Problem::ConsentRefused => {
            "did not accept your consent code; nothing read until you set your user and code again"
        }
    }
}

fn service_name(service: &HealthService) -> &'static str {
    match service {
        HealthService::HeartRate => "heart rate",
        HealthService::BloodPressure => "blood pressure",
        HealthService::HealthThermometer => "thermometer",
        HealthService::Glucose => "glucose",
        HealthService::WeightScale => "weight",
        HealthService::PulseOximeter => "pulse oximeter",
        HealthService::BodyComposition => "body composition",
        HealthService::ContinuousGlucoseMonitoring => "CGM",
    }
}
