//! The simulator's state: what each peripheral is doing, what it has stored, and the signals its
//! changes send on the bus.

use std::{
    borrow::Cow,
    collections::{HashMap, HashSet, VecDeque},
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use jiff::{SignedDuration, Timestamp};
use tend_gatt::{
    Characteristic, CurrentTime, RacpOperator, RacpRequest, RacpResponse, RacpService,
    RecordFilter, ResponseCode,
};
use zbus::{names::InterfaceName, object_server::SignalEmitter, zvariant::Value, Connection};

use crate::{
    peripheral::{uuids, CharSpec, Fault, Kind, SimPeripheral},
    values::{self, Wobble},
};

pub(crate) const ADAPTER_PATH: &str = "/org/bluez/hci0";
const DEVICE1: &str = "org.bluez.Device1";
const CHARACTERISTIC1: &str = "org.bluez.GattCharacteristic1";
/// Stored readings a cuff or scale keeps before it overwrites the oldest.
const MEMORY: usize = 200;

/// Everything the simulator knows, behind one lock that is never held across an `await`.
#[derive(Debug)]
pub(crate) struct World {
    pub devices: Vec<DeviceState>,
    pub discovering: bool,
    pub powered: bool,
}

/// One peripheral's state.
#[derive(Debug)]
pub(crate) struct DeviceState {
    pub peripheral: SimPeripheral,
    pub path: String,
    /// Each characteristic with its object path.
    pub chars: Vec<(CharSpec, String)>,
    pub connected: bool,
    pub paired: bool,
    pub in_range: bool,
    pub fault: Fault,
    pub drop_mid_download: bool,
    pub notifying: HashSet<u16>,
    /// The last glucose sequence number (or CGM minute) used.
    pub sequence: u16,
    /// Glucose records, kept for the Record Access Control Point.
    pub records: Vec<(u16, Vec<u8>)>,
    /// Cuff, thermometer and scale readings not yet delivered.
    pub undelivered: VecDeque<Vec<u8>>,
    pub battery: u8,
    /// How far the device's clock is from real time.
    pub clock_skew: SignedDuration,
    pub measured: u64,
    pub interval: Duration,
    pub measuring: bool,
    pub wobble: Wobble,
    pub last_value: Vec<u8>,
    /// Bumped on every connect and disconnect, so a download in flight sees its link end.
    pub link_epoch: u64,
}

/// The shared handle every D-Bus object and task holds.
#[derive(Debug, Clone)]
pub(crate) struct Shared {
    world: Arc<Mutex<World>>,
    pub runtime: tokio::runtime::Handle,
    /// Where glucose meters' clocks started: their stamps advance one minute per reading, so
    /// readings taken in a quick test never share a second.
    pub glucose_epoch: Timestamp,
}

/// A value to send as a notification or indication.
#[derive(Debug)]
pub(crate) struct Emission {
    pub path: String,
    pub value: Vec<u8>,
}

impl Shared {
    pub fn new(world: World, runtime: tokio::runtime::Handle, now: Timestamp) -> Shared {
        Shared {
            world: Arc::new(Mutex::new(world)),
            runtime,
            glucose_epoch: now - SignedDuration::from_hours(48),
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
            .find(|d| d.peripheral.address.eq_ignore_ascii_case(address))
            .map(f)
    }

    /// The device's clock now.
    pub fn device_clock(&self, d: &DeviceState, now: Timestamp) -> Timestamp {
        if d.peripheral.keeps_numbered_records() {
            self.glucose_epoch + SignedDuration::from_mins(i64::from(d.sequence))
        } else {
            now + d.clock_skew
        }
    }
}

/// The D-Bus object path of a device.
pub(crate) fn device_path(address: &str) -> String {
    format!("{ADAPTER_PATH}/dev_{}", address.replace(':', "_"))
}

impl DeviceState {
    pub fn new(peripheral: SimPeripheral, seed: u64) -> DeviceState {
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
        let interval = match peripheral.kind {
            Kind::HeartRateStrap | Kind::PulseOximeter => Duration::from_secs(1),
            Kind::ContinuousGlucoseMonitor => Duration::from_secs(3),
            _ => Duration::from_secs(5),
        };
        let clock_skew = match peripheral.kind {
            // A thermometer whose clock runs 95 s behind until Tend sets it.
            Kind::Thermometer => SignedDuration::from_secs(-95),
            _ => SignedDuration::ZERO,
        };
        DeviceState {
            peripheral,
            path,
            chars,
            connected: false,
            paired: false,
            in_range: true,
            fault: Fault::Behave,
            drop_mid_download: false,
            notifying: HashSet::new(),
            sequence: 0,
            records: Vec::new(),
            undelivered: VecDeque::new(),
            battery: 87,
            clock_skew,
            measured: 0,
            interval,
            measuring: true,
            wobble: Wobble::new(seed),
            last_value: Vec::new(),
            link_epoch: 0,
        }
    }

    pub fn char_path(&self, uuid: u16) -> Option<String> {
        self.chars
            .iter()
            .find(|(spec, _)| spec.uuid == uuid)
            .map(|(_, path)| path.clone())
    }

    fn can_send(&self, uuid: u16) -> bool {
        self.connected && self.notifying.contains(&uuid) && self.fault != Fault::GoSilent
    }

    /// Ends the link (Tend's disconnect, a drop, or going out of range).
    pub fn end_link(&mut self) -> bool {
        let was = self.connected;
        self.connected = false;
        self.notifying.clear();
        self.link_epoch += 1;
        was
    }
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

/// Sends the link state of the device at `path`.
pub(crate) async fn emit_link(conn: &Connection, path: &str, connected: bool) {
    let Ok(emitter) = SignalEmitter::new(conn, path) else {
        return;
    };
    let changed = HashMap::from([
        ("Connected", Value::from(connected)),
        ("ServicesResolved", Value::from(connected)),
    ]);
    let _ = zbus::fdo::Properties::properties_changed(
        &emitter,
        InterfaceName::from_static_str_unchecked(DEVICE1),
        changed,
        Cow::Borrowed(&[]),
    )
    .await;
}

/// Drops the link of the device at `path` (if up) and tells the bus.
pub(crate) async fn drop_link(shared: &Shared, conn: &Connection, path: &str) {
    if shared.device(path, DeviceState::end_link) == Some(true) {
        emit_link(conn, path, false).await;
    }
}

/// One measurement period of one device: measure, store, and send what the link allows.
pub(crate) fn tick(shared: &Shared, path: &str, now: Timestamp) -> Vec<Emission> {
    let epoch = shared.glucose_epoch;
    shared
        .device(path, |d| {
            let mut out = Vec::new();
            if !d.measuring {
                return out;
            }
            let kind = d.peripheral.kind;
            let measurement = d.peripheral.measurement();
            let Some(char_path) = d.char_path(measurement) else {
                return out;
            };
            d.measured += 1;
            if d.measured % 40 == 0 && d.battery > 5 {
                d.battery -= 1;
            }
            if matches!(kind, Kind::GlucoseMeter | Kind::ContinuousGlucoseMonitor) {
                d.sequence = d.sequence.wrapping_add(1);
            }
            let at = if d.peripheral.keeps_numbered_records() {
                epoch + SignedDuration::from_mins(i64::from(d.sequence))
            } else {
                now + d.clock_skew
            };
            let value = values::measurement(kind, &mut d.wobble, at, d.sequence);
            d.last_value.clone_from(&value);
            if d.peripheral.keeps_numbered_records() {
                d.records.push((d.sequence, value.clone()));
            }
            let keeps = matches!(
                kind,
                Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale
            );
            match d.fault {
                Fault::SendGarbage if d.can_send(measurement) => {
                    let len = usize::try_from(d.wobble.between(1, 3)).unwrap_or(1);
                    let mut garbage = d.wobble.bytes(len);
                    // Every reserved flags bit set: no decoder may accept it.
                    garbage[0] = 0xE0;
                    out.push(Emission {
                        path: char_path,
                        value: garbage,
                    });
                }
                Fault::Flood(count) if d.can_send(measurement) => {
                    for _ in 0..count {
                        out.push(Emission {
                            path: char_path.clone(),
                            value: value.clone(),
                        });
                    }
                    d.fault = Fault::Behave;
                }
                _ if d.can_send(measurement) => out.push(Emission {
                    path: char_path,
                    value,
                }),
                _ if keeps => {
                    if d.undelivered.len() == MEMORY {
                        d.undelivered.pop_front();
                    }
                    d.undelivered.push_back(value);
                }
                _ => {}
            }
            out
        })
        .unwrap_or_default()
}

/// What the device answers to a read of `uuid`.
pub(crate) fn read_value(
    shared: &Shared,
    path: &str,
    uuid: u16,
    now: Timestamp,
) -> Option<Vec<u8>> {
    let epoch_shared = shared.clone();
    shared
        .device(path, |d| {
            if !d.connected {
                return None;
            }
            Some(match uuid {
                uuids::BATTERY_LEVEL => vec![d.battery],
                uuids::MANUFACTURER => b"Tend Simulated Devices".to_vec(),
                uuids::MODEL => d.peripheral.name.replace("Tend Sim ", "").into_bytes(),
                uuids::SERIAL => {
                    format!("SIM-{}", d.peripheral.address.replace(':', "")).into_bytes()
                }
                uuids::FIRMWARE => b"1.4.2".to_vec(),
                uuids::CURRENT_TIME => values::current_time(epoch_shared.device_clock(d, now)),
                uuids::CGM_SESSION_START => values::session_start(epoch_shared.glucose_epoch),
                _ => d.last_value.clone(),
            })
        })
        .flatten()
}

/// A write to the device's Current Time: it sets its clock.
pub(crate) fn set_clock(shared: &Shared, path: &str, value: &[u8], now: Timestamp) -> bool {
    let Ok(time) = CurrentTime::decode(value) else {
        return false;
    };
    let Some(civil) = time.date_time.to_civil() else {
        return false;
    };
    let Ok(zoned) = civil.to_zoned(jiff::tz::TimeZone::system()) else {
        return false;
    };
    shared
        .device(path, |d| {
            d.clock_skew = zoned.timestamp().duration_since(now);
        })
        .is_some()
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
            let measurement_path = d.char_path(d.peripheral.measurement())?;
            let answer = |op: u8, response| RacpPlan::Answer {
                racp_path: racp_path.clone(),
                response: RacpResponse::ResponseCode {
                    request_op_code: op,
                    response,
                },
            };
            let service = if d.peripheral.kind == Kind::ContinuousGlucoseMonitor {
                RacpService::ContinuousGlucose
            } else {
                RacpService::Glucose
            };
            let request = match RacpRequest::decode(request, service) {
                Ok(r) => r,
                Err(_) => {
                    return Some(answer(
                        request.first().copied().unwrap_or(0),
                        ResponseCode::InvalidOperator,
                    ))
                }
            };
            let selected = |op: &RacpOperator| -> Vec<(u16, Vec<u8>)> {
                let keep = |seq: u16| match op {
                    RacpOperator::All => true,
                    RacpOperator::GreaterOrEqual(
                        RecordFilter::SequenceNumber(n) | RecordFilter::TimeOffset(n),
                    ) => seq >= *n,
                    RacpOperator::LessOrEqual(
                        RecordFilter::SequenceNumber(n) | RecordFilter::TimeOffset(n),
                    ) => seq <= *n,
                    _ => false,
                };
                let mut records: Vec<_> = d
                    .records
                    .iter()
                    .filter(|(seq, _)| keep(*seq))
                    .cloned()
                    .collect();
                match op {
                    RacpOperator::First => {
                        records = d.records.first().cloned().into_iter().collect()
                    }
                    RacpOperator::Last => records = d.records.last().cloned().into_iter().collect(),
                    _ => {}
                }
                records
            };
            Some(match request {
                RacpRequest::ReportStoredRecords(op) => {
                    let records = selected(&op);
                    if records.is_empty() {
                        answer(request.op_code(), ResponseCode::NoRecordsFound)
                    } else {
                        let drop_half_way = std::mem::take(&mut d.drop_mid_download);
                        RacpPlan::Send {
                            records: records.into_iter().map(|(_, v)| v).collect(),
                            measurement_path,
                            racp_path,
                            epoch: d.link_epoch,
                            drop_half_way,
                        }
                    }
                }
                RacpRequest::ReportNumberOfStoredRecords(op) => RacpPlan::Answer {
                    racp_path,
                    response: RacpResponse::NumberOfStoredRecords(
                        u16::try_from(selected(&op).len()).unwrap_or(u16::MAX),
                    ),
                },
                RacpRequest::DeleteStoredRecords(_) => {
                    d.records.clear();
                    answer(request.op_code(), ResponseCode::Success)
                }
                RacpRequest::Abort => answer(request.op_code(), ResponseCode::Success),
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
            for (i, value) in records.into_iter().enumerate() {
                let live = shared
                    .device(&device_path, |d| d.connected && d.link_epoch == epoch)
                    .unwrap_or(false);
                if !live {
                    return;
                }
                if drop_half_way && i == half && i > 0 {
                    drop_link(&shared, &conn, &device_path).await;
                    return;
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
            let done = RacpResponse::ResponseCode {
                request_op_code: 1,
                response: ResponseCode::Success,
            };
            emit(
                &conn,
                vec![Emission {
                    path: racp_path,
                    value: done.encode(),
                }],
            )
            .await;
        }
    }
}

/// Sends what a cuff, thermometer or scale kept while out of range, once Tend subscribes.
pub(crate) async fn deliver_kept(shared: Shared, conn: Connection, path: String, uuid: u16) {
    tokio::time::sleep(Duration::from_millis(2)).await;
    let emissions = shared
        .device(&path, |d| {
            let Some(char_path) = d.char_path(uuid) else {
                return Vec::new();
            };
            if uuid != d.peripheral.measurement() || !d.can_send(uuid) {
                return Vec::new();
            }
            d.undelivered
                .drain(..)
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
    let epoch = shared.glucose_epoch;
    shared
        .device(path, |d| {
            let kind = d.peripheral.kind;
            for i in 0..count {
                let value = match kind {
                    Kind::GlucoseMeter | Kind::ContinuousGlucoseMonitor => {
                        d.sequence = d.sequence.wrapping_add(1);
                        let at = epoch + SignedDuration::from_mins(i64::from(d.sequence));
                        let value = values::measurement(kind, &mut d.wobble, at, d.sequence);
                        d.records.push((d.sequence, value.clone()));
                        value
                    }
                    Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale => {
                        let back = SignedDuration::from_mins(i64::from(count - i) * 30);
                        let value =
                            values::measurement(kind, &mut d.wobble, now + d.clock_skew - back, 0);
                        d.undelivered.push_back(value.clone());
                        value
                    }
                    _ => return false,
                };
                d.measured += 1;
                d.last_value = value;
            }
            true
        })
        .unwrap_or(false)
}
