//! The simulator's BlueZ side: each peripheral's link as BlueZ shows it (connected, subscribed,
//! object paths) around its model (`model.rs`), and the signals their changes send on the bus.

use std::{
    borrow::Cow,
    collections::{BTreeSet, HashMap, HashSet},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use jiff::Timestamp;
use tend_gatt::RacpResponse;
use zbus::{names::InterfaceName, object_server::SignalEmitter, zvariant::Value, Connection};

use crate::{
    bluez_error::BluezError,
    model::{DeviceModel, RacpAnswer},
    peripheral::{uuids, CharSpec, Pairing, SimPeripheral},
};

pub(crate) const ADAPTER_PATH: &str = "/org/bluez/hci0";
const DEVICE1: &str = "org.bluez.Device1";
const CHARACTERISTIC1: &str = "org.bluez.GattCharacteristic1";

/// Everything the simulator knows, behind one lock that is never held across an `await`.
#[derive(Debug)]
pub(crate) struct World {
    pub devices: Vec<DeviceState>,
    /// The clients (bus names) discovering: as in BlueZ, discovery goes on until the last of
    /// them stops it, so one client's scan ending never cuts another's short.
    pub discovering: BTreeSet<String>,
    pub powered: bool,
    /// The pairing agents registered (`AgentManager1`), each as its bus name and object path,
    /// the default first: the first one registered, or the last to ask to be it.
    pub agents: Vec<(String, String)>,
}

/// One peripheral: its own behaviour (the model) and its link as BlueZ shows it.
#[derive(Debug)]
pub(crate) struct DeviceState {
    pub model: DeviceModel,
    pub path: String,
    /// Each characteristic with its object path.
    pub chars: Vec<(CharSpec, String)>,
    pub connected: bool,
    /// Whether BlueZ holds a bond (keys) with the device: it then connects only encrypted.
    pub paired: bool,
    pub notifying: HashSet<u16>,
    /// What each client (D-Bus sender) subscribed to and has not unsubscribed from: BlueZ keeps
    /// it across a dropped link and subscribes again by itself on reconnecting.
    pub subscriptions: HashSet<(u16, String)>,
    /// Subscriptions BlueZ is renewing after a reconnect: a StartNotify for one is answered
    /// with InProgress.
    pub renewing: HashSet<(u16, String)>,
    /// Bumped on every connect and disconnect, so a download in flight sees its link end.
    pub link_epoch: u64,
}

/// The shared handle every D-Bus object and task holds.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    world: Arc<Mutex<World>>,
    pub runtime: tokio::runtime::Handle,
}

/// A value to send as a notification or indication.
#[derive(Debug)]
pub(crate) struct Emission {
    pub path: String,
    pub value: Vec<u8>,
}

impl Shared {
    pub fn new(world: World, runtime: tokio::runtime::Handle) -> Shared {
        Shared {
            world: Arc::new(Mutex::new(world)),
            runtime,
        }
    }

    pub fn lock(&self) -> MutexGuard<'_, World> {
        // A panic while holding the lock leaves plain data: keep serving it.
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Runs `f` on the device at `path`.
    pub fn device<T>(&self, path: &str, f: impl FnOnce(&mut DeviceState) -> T) -> Option<T> {
        let mut world = self.lock();
        world.devices.iter_mut().find(|d| d.path == path).map(f)
    }

    pub fn device_by_address<T>(
        &self,
        address: &str,
        f: impl FnOnce(&mut DeviceState) -> T,
    ) -> Option<T> {
        let mut world = self.lock();
        world
            .devices
            .iter_mut()
            .find(|d| d.model.peripheral.address.eq_ignore_ascii_case(address))
            .map(f)
    }
}

/// The D-Bus object path of a device.
pub(crate) fn device_path(address: &str) -> String {
    format!("{ADAPTER_PATH}/dev_{}", address.replace(':', "_"))
}

impl DeviceState {
    pub fn new(peripheral: SimPeripheral, seed: u64, now: Timestamp) -> DeviceState {
        let path = device_path(&peripheral.address);
        let mut chars = Vec::new();
        let mut services: Vec<u16> = Vec::new();
        for spec in peripheral.characteristics() {
            if !services.contains(&spec.service) {
                services.push(spec.service);
            }
            let service_index = services.len() * 0x10;
            let char_path = format!(
                "{path}/service{service_index:04x}/char{:04x}",
                service_index + 1 + chars.len() * 2
            );
            chars.push((spec, char_path));
        }
        DeviceState {
            model: DeviceModel::new(peripheral, seed, now),
            path,
            chars,
            connected: false,
            paired: false,
            notifying: HashSet::new(),
            subscriptions: HashSet::new(),
            renewing: HashSet::new(),
            link_epoch: 0,
        }
    }

    pub fn char_path(&self, uuid: u16) -> Option<String> {
        self.chars
            .iter()
            .find(|(spec, _)| spec.uuid == uuid)
            .map(|(_, path)| path.clone())
    }

    /// Whether the link carries values of `uuid` now: connected and subscribed.
    fn subscribed(&self, uuid: u16) -> bool {
        self.connected && self.notifying.contains(&uuid)
    }

    /// Starts a link: the clients' subscriptions are renewed, as BlueZ does. Returns whether
    /// the link is new, and whether the measurement was among them.
    pub fn start_link(&mut self) -> (bool, bool) {
        if self.connected {
            return (false, false);
        }
        self.connected = true;
        self.link_epoch += 1;
        self.renewing = self.subscriptions.clone();
        self.notifying = self.subscriptions.iter().map(|(uuid, _)| *uuid).collect();
        let measurement = self.model.peripheral.measurement();
        (true, self.notifying.contains(&measurement))
    }

    /// Ends the link (Tend's disconnect, a drop, or going out of range).
    pub fn end_link(&mut self) -> bool {
        let was = self.connected;
        self.connected = false;
        self.model.link_ended();
        self.notifying.clear();
        self.renewing.clear();
        self.link_epoch += 1;
        was
    }
}

/// Pairs with the device at `path` as BlueZ does: where the device shows a passkey, through the
/// agent that `caller` (who called `Pair`) registered, or the default agent when it has none or
/// BlueZ pairs by itself (the agent's `RequestPasskey` answer must match the passkey); by Just
/// Works otherwise. Both ends then hold the bond.
pub(crate) async fn pair(
    shared: &Shared,
    conn: &Connection,
    path: &str,
    caller: Option<&str>,
) -> Result<(), BluezError> {
    let (pairing, agent) = shared
        .device(path, |d| d.model.pairing)
        .map(|pairing| {
            let agents = shared.lock().agents.clone();
            let own = agents
                .iter()
                .find(|(name, _)| Some(name.as_str()) == caller)
                .cloned();
            (pairing, own.or_else(|| agents.first().cloned()))
        })
        .ok_or_else(|| BluezError::DoesNotExist("Does Not Exist".into()))?;
    if let Pairing::Passkey(shown) = pairing {
        let Some((name, agent_path)) = agent else {
            return Err(BluezError::AuthenticationFailed(
                "Authentication Failed: no agent".into(),
            ));
        };
        let device = zbus::zvariant::ObjectPath::try_from(path)
            .map_err(|_| BluezError::Failed("bad path".into()))?;
        let reply = conn
            .call_method(
                Some(name.as_str()),
                agent_path.as_str(),
                Some("org.bluez.Agent1"),
                "RequestPasskey",
                &(device,),
            )
            .await
            .map_err(|_| BluezError::AuthenticationCanceled("Authentication Canceled".into()))?;
        let typed: u32 = reply
            .body()
            .deserialize()
            .map_err(|_| BluezError::AuthenticationRejected("Authentication Rejected".into()))?;
        if typed != shown {
            return Err(BluezError::AuthenticationFailed(
                "Authentication Failed".into(),
            ));
        }
    }
    shared.device(path, |d| {
        d.paired = true;
        d.model.holds_bond = true;
    });
    emit_paired(conn, path, true).await;
    Ok(())
}

/// BlueZ forgets the bond with the device at `path` (`Adapter1.RemoveDevice`): the link goes
/// too.
pub(crate) async fn remove_bond(shared: &Shared, conn: &Connection, path: &str) {
    let was = shared.device(path, |d| std::mem::replace(&mut d.paired, false));
    drop_link(shared, conn, path).await;
    if was == Some(true) {
        emit_paired(conn, path, false).await;
    }
}

async fn emit_paired(conn: &Connection, path: &str, paired: bool) {
    let changed = HashMap::from([
        ("Paired", Value::from(paired)),
        ("Bonded", Value::from(paired)),
    ]);
    emit_device(conn, path, changed).await;
}

/// Sends a change of the device at `path`'s `Device1` properties.
async fn emit_device(conn: &Connection, path: &str, changed: HashMap<&str, Value<'_>>) {
    let Ok(emitter) = SignalEmitter::new(conn, path) else {
        return;
    };
    let _ = zbus::fdo::Properties::properties_changed(
        &emitter,
        InterfaceName::from_static_str_unchecked(DEVICE1),
        changed,
        Cow::Borrowed(&[]),
    )
    .await;
}

/// Whether the link to the device at `path` may carry its characteristics: an open device
/// always; one that demands encryption once bonded, BlueZ pairing by itself (through the
/// default agent) on the first access, as it does on "insufficient encryption".
pub(crate) async fn secure(
    shared: &Shared,
    conn: &Connection,
    path: &str,
) -> Result<(), BluezError> {
    let needs = shared
        .device(path, |d| d.model.requires_encryption && !d.paired)
        .unwrap_or(false);
    if !needs {
        return Ok(());
    }
    pair(shared, conn, path, None)
        .await
        .map_err(|_| BluezError::NotPermitted("Insufficient Encryption".into()))
}

/// Sends `Value` changes as BlueZ sends notifications.
pub(crate) async fn emit(conn: &Connection, emissions: Vec<Emission>) {
    for e in emissions {
        let Ok(emitter) = SignalEmitter::new(conn, e.path.as_str()) else {
            continue;
        };
        let changed = HashMap::from([("Value", Value::from(e.value))]);
        let _ = zbus::fdo::Properties::properties_changed(
            &emitter,
            InterfaceName::from_static_str_unchecked(CHARACTERISTIC1),
            changed,
            Cow::Borrowed(&[]),
        )
        .await;
    }
}

/// How long BlueZ waits for a device to answer over ATT before it drops the link.
pub(crate) const ATT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Sends the link state of the device at `path`: up with its services resolved (`Some(true)`),
/// up with nothing answered yet (`Some(false)`), or down (`None`).
pub(crate) async fn emit_link(conn: &Connection, path: &str, resolved: Option<bool>) {
    let changed = HashMap::from([
        ("Connected", Value::from(resolved.is_some())),
        ("ServicesResolved", Value::from(resolved == Some(true))),
    ]);
    emit_device(conn, path, changed).await;
}

/// Drops the link of the device at `path` (if up) and tells the bus.
pub(crate) async fn drop_link(shared: &Shared, conn: &Connection, path: &str) {
    if shared.device(path, DeviceState::end_link) == Some(true) {
        emit_link(conn, path, None).await;
    }
}

/// One measurement period of one device: measure, store, and send what the link allows.
pub(crate) fn tick(shared: &Shared, path: &str, now: Timestamp) -> Vec<Emission> {
    shared
        .device(path, |d| {
            let measurement = d.model.peripheral.measurement();
            let Some(char_path) = d.char_path(measurement) else {
                return Vec::new();
            };
            let subscribed = d.subscribed(measurement);
            d.model
                .tick(now, subscribed)
                .into_iter()
                .map(|value| Emission {
                    path: char_path.clone(),
                    value,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What the device answers to a read of `uuid`: nothing while not connected.
pub(crate) fn read_value(
    shared: &Shared,
    path: &str,
    uuid: u16,
    now: Timestamp,
) -> Option<Vec<u8>> {
    shared
        .device(path, |d| d.connected.then(|| d.model.read(uuid, now)))
        .flatten()
}

/// A write to the device's Current Time: it sets its clock.
pub(crate) fn set_clock(shared: &Shared, path: &str, value: &[u8], now: Timestamp) -> bool {
    shared
        .device(path, |d| d.model.set_clock(value, now))
        .unwrap_or(false)
}

/// What a Record Access Control Point request asks for, resolved against the device's records.
pub(crate) enum RacpPlan {
    Send {
        records: Vec<Vec<u8>>,
        measurement_path: String,
        racp_path: String,
        epoch: u64,
        drop_half_way: bool,
    },
    Answer {
        racp_path: String,
        response: RacpResponse,
    },
}

pub(crate) fn plan_racp(shared: &Shared, path: &str, request: &[u8]) -> Option<RacpPlan> {
    shared
        .device(path, |d| {
            let racp_path = d.char_path(uuids::RACP)?;
            let measurement_path = d.char_path(d.model.peripheral.measurement())?;
            Some(match d.model.racp(request) {
                RacpAnswer::Records {
                    records,
                    drop_half_way,
                } => RacpPlan::Send {
                    records,
                    measurement_path,
                    racp_path,
                    epoch: d.link_epoch,
                    drop_half_way,
                },
                RacpAnswer::Respond(response) => RacpPlan::Answer {
                    racp_path,
                    response,
                },
            })
        })
        .flatten()
}

/// Sends a planned download record by record, as a meter does, stopping if the link ends.
pub(crate) async fn run_racp(shared: Shared, conn: Connection, plan: RacpPlan) {
    // Let the write's reply go out first, as the ATT write response precedes the indications.
    tokio::time::sleep(Duration::from_millis(2)).await;
    match plan {
        RacpPlan::Answer {
            racp_path,
            response,
        } => {
            emit(
                &conn,
                vec![Emission {
                    path: racp_path,
                    value: response.encode(),
                }],
            )
            .await;
        }
        RacpPlan::Send {
            records,
            measurement_path,
            racp_path,
            epoch,
            drop_half_way,
        } => {
            let device_path = measurement_path
                .rsplit_once("/service")
                .map(|(device, _)| device.to_owned())
                .unwrap_or_default();
            let half = records.len() / 2;
            // The last records come after the control point's "complete", as from BlueZ on the
            // device's side: it holds notifications up to 10 ms to batch them, but sends an
            // indication at once.
            let overtaken = records.len().saturating_sub(3).max(half);
            let drop_at = (drop_half_way && half > 0).then_some(half);
            for (i, value) in records.into_iter().enumerate() {
                let live = shared
                    .device(&device_path, |d| d.connected && d.link_epoch == epoch)
                    .unwrap_or(false);
                if !live {
                    return;
                }
                if drop_at == Some(i) {
                    drop_link(&shared, &conn, &device_path).await;
                    return;
                }
                if i == overtaken {
                    emit(
                        &conn,
                        vec![Emission {
                            path: racp_path.clone(),
                            value: RacpAnswer::download_complete().encode(),
                        }],
                    )
                    .await;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                emit(
                    &conn,
                    vec![Emission {
                        path: measurement_path.clone(),
                        value,
                    }],
                )
                .await;
            }
        }
    }
}

/// Answers a User Control Point request on the control point (a consent makes the link that
/// user's), then sends what the device kept for the user the link now speaks for.
pub(crate) async fn run_user_control(
    shared: Shared,
    conn: Connection,
    path: String,
    request: Vec<u8>,
) {
    // Let the write's reply go out first, as the ATT write response precedes the indication.
    tokio::time::sleep(Duration::from_millis(2)).await;
    let answer = shared
        .device(&path, |d| {
            let control_point = d.char_path(uuids::USER_CONTROL_POINT)?;
            let response = d.model.user_control(&request);
            Some((
                Emission {
                    path: control_point,
                    value: response.encode(),
                },
                d.model.peripheral.measurement(),
            ))
        })
        .flatten();
    let Some((answer, measurement)) = answer else {
        return;
    };
    emit(&conn, vec![answer]).await;
    deliver_kept(shared, conn, path, measurement).await;
}

/// Sends what a cuff, thermometer or scale kept while out of range, once Tend subscribes.
pub(crate) async fn deliver_kept(shared: Shared, conn: Connection, path: String, uuid: u16) {
    tokio::time::sleep(Duration::from_millis(2)).await;
    let emissions = shared
        .device(&path, |d| {
            let Some(char_path) = d.char_path(uuid) else {
                return Vec::new();
            };
            let subscribed = d.subscribed(uuid);
            d.model
                .take_undelivered(uuid, subscribed)
                .into_iter()
                .map(|value| Emission {
                    path: char_path.clone(),
                    value,
                })
                .collect()
        })
        .unwrap_or_default();
    emit(&conn, emissions).await;
}

/// Readings the device took before the simulation began (or while nobody listened): kept in
/// its memory as a real meter, cuff or scale keeps them.
pub(crate) fn store_offline(shared: &Shared, path: &str, count: u32, now: Timestamp) -> bool {
    shared
        .device(path, |d| d.model.store_offline(count, now))
        .unwrap_or(false)
}
