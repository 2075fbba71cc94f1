//! The `org.bluez` D-Bus objects: adapter, devices, GATT services, characteristics and
//! descriptors, with the properties and methods btleplug's BlueZ backend uses.

use std::collections::HashMap;

use jiff::Timestamp;
use zbus::{
    fdo,
    zvariant::{OwnedObjectPath, OwnedValue},
    Connection,
};

use crate::{
    bluez_error::BluezError,
    peripheral::{uuid16, uuids, CharFlags, Fault, Kind},
    world::{self, Shared, ADAPTER_PATH},
};

/// `org.bluez.AgentManager1` at `/org/bluez`: where an application registers the agent BlueZ
/// asks for passkeys while pairing.
#[derive(Debug)]
pub(crate) struct AgentManager {
    pub shared: Shared,
}

#[zbus::interface(name = "org.bluez.AgentManager1")]
impl AgentManager {
    /// As BlueZ: the first agent registered is the default; later ones are asked only about
    /// what their own program started, until one asks to be the default.
    fn register_agent(
        &self,
        agent: OwnedObjectPath,
        _capability: String,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let sender = sender(&header);
        let mut world = self.shared.lock();
        world.agents.retain(|(name, _)| *name != sender);
        world.agents.push((sender, agent.to_string()));
    }

    fn request_default_agent(
        &self,
        agent: OwnedObjectPath,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let wanted = (sender(&header), agent.to_string());
        let mut world = self.shared.lock();
        if let Some(at) = world.agents.iter().position(|a| *a == wanted) {
            let default = world.agents.remove(at);
            world.agents.insert(0, default);
        }
    }

    fn unregister_agent(
        &self,
        agent: OwnedObjectPath,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) {
        let gone = (sender(&header), agent.to_string());
        self.shared.lock().agents.retain(|a| *a != gone);
    }
}

fn sender(header: &zbus::message::Header<'_>) -> String {
    header.sender().map(|s| s.to_string()).unwrap_or_default()
}

fn path(text: &str) -> OwnedObjectPath {
    OwnedObjectPath::try_from(text.to_owned()).unwrap_or_default()
}

/// `org.bluez.Adapter1` at `/org/bluez/hci0`.
#[derive(Debug)]
pub(crate) struct Adapter {
    pub shared: Shared,
}

#[zbus::interface(name = "org.bluez.Adapter1")]
impl Adapter {
    fn set_discovery_filter(&self, _filter: HashMap<String, OwnedValue>) {}

    async fn start_discovery(&self, #[zbus(header)] header: zbus::message::Header<'_>) {
        let client = header.sender().map(|s| s.to_string()).unwrap_or_default();
        self.shared.lock().discovering.insert(client);
    }

    async fn stop_discovery(&self, #[zbus(header)] header: zbus::message::Header<'_>) {
        let client = header.sender().map(|s| s.to_string()).unwrap_or_default();
        self.shared.lock().discovering.remove(&client);
    }

    /// Forgets the device's bond (BlueZ also removes its object until it is seen again; the
    /// simulator keeps it, in range).
    async fn remove_device(&self, device: OwnedObjectPath, #[zbus(connection)] conn: &Connection) {
        world::remove_bond(&self.shared, conn, device.as_str()).await;
    }

    #[zbus(property)]
    fn address(&self) -> String {
        "00:1A:7D:DA:71:13".to_owned()
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        "public".to_owned()
    }

    #[zbus(property)]
    fn name(&self) -> String {
        "tend-bluez-sim".to_owned()
    }

    #[zbus(property)]
    fn alias(&self) -> String {
        "Tend simulated adapter".to_owned()
    }

    #[zbus(property)]
    fn modalias(&self) -> String {
        "usb:v1D6Bp0246d0540".to_owned()
    }

    #[zbus(property)]
    fn powered(&self) -> bool {
        self.shared.lock().powered
    }

    #[zbus(property)]
    fn set_powered(&mut self, on: bool) {
        self.shared.lock().powered = on;
    }

    #[zbus(property)]
    fn discovering(&self) -> bool {
        !self.shared.lock().discovering.is_empty()
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> Vec<String> {
        Vec::new()
    }
}

/// `org.bluez.Device1` for one simulated peripheral.
#[derive(Debug)]
pub(crate) struct Device {
    pub shared: Shared,
    pub path: String,
}

impl Device {
    fn get<T>(&self, f: impl FnOnce(&world::DeviceState) -> T) -> fdo::Result<T> {
        self.shared
            .device(&self.path, |d| f(d))
            .ok_or_else(|| fdo::Error::UnknownObject(self.path.clone()))
    }
}

#[zbus::interface(name = "org.bluez.Device1")]
impl Device {
    async fn connect(&self, #[zbus(connection)] conn: &Connection) -> Result<(), BluezError> {
        let ((newly, renewed), measurement, answers) = self
            .shared
            .device(&self.path, |d| {
                if !d.model.in_range {
                    return Err(BluezError::Failed("le-connection-abort-by-local".into()));
                }
                if d.paired && !d.model.holds_bond {
                    // BlueZ encrypts a bonded device's link with the bond's key: a device
                    // without it (one posing at its address) fails, and the link drops.
                    return Err(BluezError::AuthenticationFailed(
                        "Authentication Failed".into(),
                    ));
                }
                let answers = d.model.fault != Fault::Unanswering;
                Ok((d.start_link(), d.model.peripheral.measurement(), answers))
            })
            .ok_or_else(|| BluezError::DoesNotExist(self.path.clone()))??;
        if newly {
            world::emit_link(conn, &self.path, Some(answers)).await;
        }
        if !answers {
            // As BlueZ: the link stays up, unresolved, until ATT's timeout drops it.
            let (shared, conn, path) = (self.shared.clone(), conn.clone(), self.path.clone());
            let epoch = shared.device(&path, |d| d.link_epoch);
            self.shared.runtime.spawn(async move {
                tokio::time::sleep(world::ATT_TIMEOUT).await;
                if shared.device(&path, |d| d.link_epoch) == epoch {
                    world::drop_link(&shared, &conn, &path).await;
                }
            });
            return Ok(());
        }
        if renewed {
            // Renewed subscriptions: a cuff or scale sends what it kept.
            let task = world::deliver_kept(
                self.shared.clone(),
                conn.clone(),
                self.path.clone(),
                measurement,
            );
            self.shared.runtime.spawn(task);
        }
        Ok(())
    }

    async fn disconnect(&self, #[zbus(connection)] conn: &Connection) {
        world::drop_link(&self.shared, conn, &self.path).await;
    }

    async fn pair(
        &self,
        #[zbus(connection)] conn: &Connection,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) -> Result<(), BluezError> {
        let (in_range, paired) = self
            .shared
            .device(&self.path, |d| (d.model.in_range, d.paired))
            .ok_or_else(|| BluezError::DoesNotExist(self.path.clone()))?;
        if !in_range {
            return Err(BluezError::Failed("page timeout".into()));
        }
        if paired {
            return Err(BluezError::AlreadyExists("Already Exists".into()));
        }
        world::pair(&self.shared, conn, &self.path, Some(&sender(&header))).await
    }

    fn cancel_pairing(&self) {}

    #[zbus(property)]
    fn address(&self) -> fdo::Result<String> {
        self.get(|d| d.model.peripheral.address.clone())
    }

    #[zbus(property)]
    fn address_type(&self) -> String {
        "random".to_owned()
    }

    #[zbus(property)]
    fn name(&self) -> fdo::Result<String> {
        self.get(|d| d.model.peripheral.name.clone())
    }

    #[zbus(property)]
    fn alias(&self) -> fdo::Result<String> {
        self.get(|d| d.model.peripheral.name.clone())
    }

    #[zbus(property)]
    fn adapter(&self) -> OwnedObjectPath {
        path(ADAPTER_PATH)
    }

    /// As BlueZ: only for a device seen since discovery started (it forgets every RSSI when
    /// discovery stops). An error leaves the property out of GetAll.
    #[zbus(property, name = "RSSI")]
    fn rssi(&self) -> fdo::Result<i16> {
        let discovering = !self.shared.lock().discovering.is_empty();
        let in_range = self.get(|d| d.model.in_range)?;
        if discovering && in_range {
            Ok(-58)
        } else {
            Err(fdo::Error::Failed("no RSSI outside discovery".into()))
        }
    }

    #[zbus(property, name = "UUIDs")]
    fn uuids(&self) -> fdo::Result<Vec<String>> {
        self.get(|d| {
            let mut services = vec![d.model.peripheral.service_uuid().to_string()];
            if d.connected {
                for (spec, _) in &d.chars {
                    let uuid = uuid16(spec.service).to_string();
                    if !services.contains(&uuid) {
                        services.push(uuid);
                    }
                }
            }
            services
        })
    }

    #[zbus(property)]
    fn paired(&self) -> fdo::Result<bool> {
        self.get(|d| d.paired)
    }

    #[zbus(property)]
    fn bonded(&self) -> fdo::Result<bool> {
        self.get(|d| d.paired)
    }

    #[zbus(property)]
    fn connected(&self) -> fdo::Result<bool> {
        self.get(|d| d.connected)
    }

    #[zbus(property)]
    fn services_resolved(&self) -> fdo::Result<bool> {
        self.get(|d| d.connected && d.model.fault != Fault::Unanswering)
    }

    #[zbus(property)]
    fn trusted(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn blocked(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn legacy_pairing(&self) -> bool {
        false
    }

    #[zbus(property)]
    fn appearance(&self) -> u16 {
        0
    }
}

/// `org.bluez.GattService1`.
#[derive(Debug)]
pub(crate) struct Service {
    pub uuid: u16,
    pub device: String,
}

#[zbus::interface(name = "org.bluez.GattService1")]
impl Service {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid16(self.uuid).to_string()
    }

    #[zbus(property)]
    fn primary(&self) -> bool {
        true
    }

    #[zbus(property)]
    fn device(&self) -> OwnedObjectPath {
        path(&self.device)
    }
}

/// `org.bluez.GattCharacteristic1`.
#[derive(Debug)]
pub(crate) struct Char {
    pub shared: Shared,
    pub uuid: u16,
    pub flags: CharFlags,
    pub device: String,
    pub service: String,
    pub kind: Kind,
}

#[zbus::interface(name = "org.bluez.GattCharacteristic1")]
impl Char {
    async fn read_value(
        &self,
        _options: HashMap<String, OwnedValue>,
        #[zbus(connection)] conn: &Connection,
    ) -> Result<Vec<u8>, BluezError> {
        if !self.flags.read {
            return Err(BluezError::NotSupported("read not permitted".into()));
        }
        world::secure(&self.shared, conn, &self.device).await?;
        world::read_value(&self.shared, &self.device, self.uuid, Timestamp::now())
            .ok_or_else(|| BluezError::Failed("not connected".into()))
    }

    async fn write_value(
        &self,
        value: Vec<u8>,
        _options: HashMap<String, OwnedValue>,
        #[zbus(connection)] conn: &Connection,
    ) -> fdo::Result<()> {
        if !self.flags.write {
            return Err(fdo::Error::NotSupported("write not permitted".into()));
        }
        let connected = self
            .shared
            .device(&self.device, |d| d.connected)
            .unwrap_or(false);
        if !connected {
            return Err(fdo::Error::Failed("not connected".into()));
        }
        match self.uuid {
            uuids::CURRENT_TIME
                if !world::set_clock(&self.shared, &self.device, &value, Timestamp::now()) =>
            {
                return Err(fdo::Error::InvalidArgs("not a Current Time value".into()));
            }
            uuids::RACP => {
                if let Some(plan) = world::plan_racp(&self.shared, &self.device, &value) {
                    let task = world::run_racp(self.shared.clone(), conn.clone(), plan);
                    self.shared.runtime.spawn(task);
                }
            }
            uuids::USER_CONTROL_POINT => {
                let task = world::run_user_control(
                    self.shared.clone(),
                    conn.clone(),
                    self.device.clone(),
                    value,
                );
                self.shared.runtime.spawn(task);
            }
            _ => {}
        }
        Ok(())
    }

    async fn start_notify(
        &self,
        #[zbus(connection)] conn: &Connection,
        #[zbus(header)] header: zbus::message::Header<'_>,
    ) -> Result<(), BluezError> {
        if !(self.flags.notify || self.flags.indicate) {
            return Err(BluezError::NotSupported("notify not permitted".into()));
        }
        world::secure(&self.shared, conn, &self.device).await?;
        let keeps = matches!(
            self.kind,
            Kind::BloodPressureCuff | Kind::Thermometer | Kind::Scale
        );
        let uuid = self.uuid;
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        let outcome = self
            .shared
            .device(&self.device, |d| {
                if !d.connected {
                    return Err(BluezError::Failed("Not connected".into()));
                }
                let client = (uuid, sender);
                if d.renewing.remove(&client) {
                    return Err(BluezError::InProgress("In Progress".into()));
                }
                d.notifying.insert(uuid);
                d.subscriptions.insert(client);
                Ok(())
            })
            .unwrap_or_else(|| Err(BluezError::Failed("Not connected".into())));
        outcome?;
        if keeps {
            let task =
                world::deliver_kept(self.shared.clone(), conn.clone(), self.device.clone(), uuid);
            self.shared.runtime.spawn(task);
        }
        Ok(())
    }

    async fn stop_notify(&self, #[zbus(header)] header: zbus::message::Header<'_>) {
        let uuid = self.uuid;
        let sender = header.sender().map(|s| s.to_string()).unwrap_or_default();
        self.shared.device(&self.device, |d| {
            d.subscriptions.remove(&(uuid, sender));
            if !d.subscriptions.iter().any(|(u, _)| *u == uuid) {
                d.notifying.remove(&uuid);
            }
        });
    }

    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid16(self.uuid).to_string()
    }

    #[zbus(property)]
    fn service(&self) -> OwnedObjectPath {
        path(&self.service)
    }

    #[zbus(property)]
    fn flags(&self) -> Vec<String> {
        self.flags.names()
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        Vec::new()
    }

    #[zbus(property)]
    fn notifying(&self) -> bool {
        let uuid = self.uuid;
        self.shared
            .device(&self.device, |d| d.notifying.contains(&uuid))
            .unwrap_or(false)
    }
}

/// `org.bluez.GattDescriptor1`: the Client Characteristic Configuration of a notifying
/// characteristic.
#[derive(Debug)]
pub(crate) struct Descriptor {
    pub characteristic: String,
}

#[zbus::interface(name = "org.bluez.GattDescriptor1")]
impl Descriptor {
    #[zbus(property, name = "UUID")]
    fn uuid(&self) -> String {
        uuid16(uuids::CCCD).to_string()
    }

    #[zbus(property)]
    fn characteristic(&self) -> OwnedObjectPath {
        path(&self.characteristic)
    }

    #[zbus(property)]
    fn value(&self) -> Vec<u8> {
        vec![0, 0]
    }
}

/// Puts one device and its GATT table on the bus.
pub(crate) async fn export_device(
    conn: &Connection,
    shared: &Shared,
    device_path: &str,
) -> zbus::Result<()> {
    let Some((chars, kind)) =
        shared.device(device_path, |d| (d.chars.clone(), d.model.peripheral.kind))
    else {
        return Ok(());
    };
    let server = conn.object_server();
    let mut services_done = Vec::new();
    for (spec, char_path) in &chars {
        let service_path = char_path
            .rsplit_once('/')
            .map(|(s, _)| s.to_owned())
            .unwrap_or_default();
        if !services_done.contains(&service_path) {
            server
                .at(
                    service_path.as_str(),
                    Service {
                        uuid: spec.service,
                        device: device_path.to_owned(),
                    },
                )
                .await?;
            services_done.push(service_path.clone());
        }
        server
            .at(
                char_path.as_str(),
                Char {
                    shared: shared.clone(),
                    uuid: spec.uuid,
                    flags: spec.flags,
                    device: device_path.to_owned(),
                    service: service_path,
                    kind,
                },
            )
            .await?;
        if spec.flags.notify || spec.flags.indicate {
            let desc_path = format!("{char_path}/desc{:04x}", 0x0f);
            server
                .at(
                    desc_path.as_str(),
                    Descriptor {
                        characteristic: char_path.clone(),
                    },
                )
                .await?;
        }
    }
    // The device last, so that InterfacesAdded announces a device whose table is in place.
    server
        .at(
            device_path,
            Device {
                shared: shared.clone(),
                path: device_path.to_owned(),
            },
        )
        .await?;
    Ok(())
}
