//! A BlueZ look-alike with simulated health peripherals, for tests and the demo on machines
//! without a Bluetooth radio.
//!
//! [`Sim::start`] owns `org.bluez` on the bus it is given (usually a [`PrivateBus`]) and serves
//! the adapter, device and GATT objects btleplug's BlueZ backend uses. The peripherals measure on
//! their own, send values encoded by `tend-gatt`, keep what they measured out of range, and on
//! command drop the link, send garbage, go silent, flood, or have an impostor pose as them.
//! What a device does is its [`DeviceModel`], which `tend-bluez-vm` serves through the real
//! BlueZ as well.

mod bluez_error;
mod bus;
mod model;
mod objects;
mod peripheral;
mod values;
mod world;

use std::{collections::BTreeSet, time::Duration};

use jiff::Timestamp;
use zbus::Connection;

pub use bus::PrivateBus;
pub use model::{DeviceModel, RacpAnswer};
pub use peripheral::{
    catalogue, uuid16, uuids, CharFlags, CharSpec, Fault, Kind, Pairing, SimPeripheral,
};

use world::{device_path, DeviceState, Shared, World, ADAPTER_PATH};

/// Why the simulator could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no simulated peripheral at {0}")]
    UnknownPeripheral(String),
    #[error("the private bus failed: {0}")]
    Bus(String),
    #[error("D-Bus: {0}")]
    Dbus(#[from] zbus::Error),
    #[error("the simulator needs a tokio runtime")]
    NoRuntime,
}

pub type Result<T> = std::result::Result<T, Error>;

/// The running simulator. Dropping it stops the peripherals and releases `org.bluez`.
#[derive(Debug)]
pub struct Sim {
    conn: Connection,
    shared: Shared,
    tasks: std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>,
}

impl Sim {
    /// Serves the whole [`catalogue`] on the bus at `bus_address`.
    pub async fn start(bus_address: &str) -> Result<Sim> {
        Sim::start_with(bus_address, catalogue()).await
    }

    /// Serves `devices` on the bus at `bus_address`.
    pub async fn start_with(bus_address: &str, devices: Vec<SimPeripheral>) -> Result<Sim> {
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| Error::NoRuntime)?;
        let world = World {
            devices: Vec::new(),
            discovering: BTreeSet::new(),
            powered: true,
            agents: Vec::new(),
        };
        let shared = Shared::new(world, runtime);
        let conn = zbus::connection::Builder::address(bus_address)?
            .serve_at("/", zbus::fdo::ObjectManager)?
            .serve_at(
                ADAPTER_PATH,
                objects::Adapter {
                    shared: shared.clone(),
                },
            )?
            .serve_at(
                "/org/bluez",
                objects::AgentManager {
                    shared: shared.clone(),
                },
            )?
            .name("org.bluez")?
            .build()
            .await?;
        let sim = Sim {
            conn,
            shared,
            tasks: std::sync::Mutex::new(Vec::new()),
        };
        for device in devices {
            sim.add(device).await?;
        }
        Ok(sim)
    }

    /// The peripherals on the bus, impostors included.
    pub fn devices(&self) -> Vec<SimPeripheral> {
        self.shared
            .lock()
            .devices
            .iter()
            .map(|d| d.model.peripheral.clone())
            .collect()
    }

    /// Makes `address` misbehave (or, with [`Fault::Behave`], stop misbehaving).
    pub async fn fault(&self, address: &str, fault: Fault) -> Result<()> {
        let path = self.path_of(address)?;
        match fault {
            Fault::DropLink => world::drop_link(&self.shared, &self.conn, &path).await,
            Fault::DropMidDownload => {
                self.shared
                    .device(&path, |d| d.model.drop_mid_download = true);
            }
            other => {
                self.shared.device(&path, |d| d.model.fault = other);
            }
        }
        Ok(())
    }

    /// Takes the device out of range (dropping its link) or brings it back.
    pub async fn set_in_range(&self, address: &str, in_range: bool) -> Result<()> {
        let path = self.path_of(address)?;
        self.shared.device(&path, |d| d.model.in_range = in_range);
        if !in_range {
            world::drop_link(&self.shared, &self.conn, &path).await;
        }
        Ok(())
    }

    /// How often the device measures.
    pub fn set_interval(&self, address: &str, interval: Duration) -> Result<()> {
        let path = self.path_of(address)?;
        self.shared.device(&path, |d| d.model.interval = interval);
        Ok(())
    }

    /// Takes one measurement now, as when the patient presses the cuff's or meter's button:
    /// sent if Tend is listening, kept where the device keeps readings otherwise.
    pub async fn measure(&self, address: &str) -> Result<()> {
        let path = self.path_of(address)?;
        let emissions = world::tick(&self.shared, &path, Timestamp::now());
        world::emit(&self.conn, emissions).await;
        Ok(())
    }

    /// Stops or resumes the device's own measuring.
    pub fn set_measuring(&self, address: &str, measuring: bool) -> Result<()> {
        let path = self.path_of(address)?;
        self.shared.device(&path, |d| d.model.measuring = measuring);
        Ok(())
    }

    /// Makes a cuff or scale one that several people share: its measurements (live and stored)
    /// name `users` in turn, the first one next, and its features say it has several users.
    /// Empty: back to one user, named by no measurement.
    pub fn set_users(&self, address: &str, users: &[u8]) -> Result<()> {
        let path = self.path_of(address)?;
        match self.shared.device(&path, |d| d.model.set_users(users)) {
            Some(true) => Ok(()),
            _ => Err(Error::UnknownPeripheral(format!(
                "{address} (its measurements name no user)"
            ))),
        }
    }

    /// Registers a household's people in the scale's User Data Service, each a `(user index,
    /// consent code)`: their measurements take turns, and each goes only to a link that gave its
    /// user's code. Empty: it keeps no one's measurements from anyone.
    pub fn register_users(&self, address: &str, users: &[(u8, u16)]) -> Result<()> {
        let path = self.path_of(address)?;
        match self.shared.device(&path, |d| d.model.register_users(users)) {
            Some(true) => Ok(()),
            _ => Err(Error::UnknownPeripheral(format!(
                "{address} (it has no User Data Service)"
            ))),
        }
    }

    /// Puts `count` readings in the device's memory (glucose meter, CGM, cuff, thermometer, scale).
    pub fn add_stored_records(&self, address: &str, count: u32) -> Result<()> {
        let path = self.path_of(address)?;
        if world::store_offline(&self.shared, &path, count, Timestamp::now()) {
            Ok(())
        } else {
            Err(Error::UnknownPeripheral(format!(
                "{address} (it keeps no records)"
            )))
        }
    }

    /// How the device pairs, and whether it demands an encrypted (bonded) link before it answers
    /// reads and notifications.
    pub fn set_pairing(
        &self,
        address: &str,
        pairing: Pairing,
        requires_encryption: bool,
    ) -> Result<()> {
        let path = self.path_of(address)?;
        self.shared.device(&path, |d| {
            d.model.pairing = pairing;
            d.model.requires_encryption = requires_encryption;
        });
        Ok(())
    }

    /// Whether BlueZ holds a bond with the device.
    pub fn is_bonded(&self, address: &str) -> Result<bool> {
        let path = self.path_of(address)?;
        self.shared
            .device(&path, |d| d.paired)
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }

    /// Another device now answers at `address`, with its name and services but not the keys of
    /// its bond (an impostor copying its address): BlueZ cannot encrypt a link to it.
    pub fn impersonate(&self, address: &str) -> Result<()> {
        let path = self.path_of(address)?;
        self.shared.device(&path, |d| d.model.holds_bond = false);
        Ok(())
    }

    /// A meter or CGM numbers its records from the start again, its clock running on: a CGM's
    /// new sensor session, a meter whose memory was reset.
    pub fn start_record_series(&self, address: &str) -> Result<()> {
        let path = self.path_of(address)?;
        match self
            .shared
            .device(&path, |d| d.model.start_record_series(Timestamp::now()))
        {
            Some(true) => Ok(()),
            _ => Err(Error::UnknownPeripheral(format!(
                "{address} (it does not number its records)"
            ))),
        }
    }

    /// A meter or CGM counts `count` records on without keeping them (days of a sensor whose
    /// records were read and dropped).
    pub fn skip_records(&self, address: &str, count: u16) -> Result<()> {
        let path = self.path_of(address)?;
        match self.shared.device(&path, |d| d.model.skip_records(count)) {
            Some(true) => Ok(()),
            _ => Err(Error::UnknownPeripheral(format!(
                "{address} (it does not number its records)"
            ))),
        }
    }

    /// Adds a device that advertises the name and service of `address` from another address.
    /// Returns the impostor's address.
    pub async fn add_impostor(&self, address: &str) -> Result<String> {
        self.add_copy(address, |name| name.to_owned()).await
    }

    /// Adds another device of the same kind as `address`, at a new address and named apart
    /// (a second one of the household's, or one a test has to itself). Returns its address.
    pub async fn add_another(&self, address: &str) -> Result<String> {
        self.add_copy(address, |name| format!("{name} 2")).await
    }

    async fn add_copy(&self, address: &str, name: impl FnOnce(&str) -> String) -> Result<String> {
        let path = self.path_of(address)?;
        let original = self
            .shared
            .device(&path, |d| d.model.peripheral.clone())
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))?;
        // Copies made at once (tests run in parallel) each get their own address.
        static COPIES: std::sync::atomic::AtomicU8 = std::sync::atomic::AtomicU8::new(0);
        let count = COPIES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let copy = SimPeripheral {
            address: format!("C0:7E:4D:00:01:{count:02X}"),
            name: name(&original.name),
            ..original
        };
        let new_address = copy.address.clone();
        self.add(copy).await?;
        Ok(new_address)
    }

    /// How many readings the device has taken so far (stored ones included).
    pub fn measured(&self, address: &str) -> Result<u64> {
        let path = self.path_of(address)?;
        self.shared
            .device(&path, |d| d.model.measured)
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }

    /// How many values the device has sent on its measurement characteristic as it measured
    /// (floods included; not stored records sent on request).
    pub fn sent(&self, address: &str) -> Result<u64> {
        let path = self.path_of(address)?;
        self.shared
            .device(&path, |d| d.model.sent)
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }

    /// The record numbers a glucose meter (sequence numbers) or CGM (minutes since its session
    /// started) holds.
    pub fn glucose_sequences(&self, address: &str) -> Result<Vec<u16>> {
        let path = self.path_of(address)?;
        self.shared
            .device(&path, |d| d.model.record_numbers())
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }

    pub fn is_connected(&self, address: &str) -> bool {
        self.shared
            .device_by_address(address, |d| d.connected)
            .unwrap_or(false)
    }

    async fn add(&self, device: SimPeripheral) -> Result<()> {
        let seed = self.shared.lock().devices.len() as u64 + 1;
        let path = device_path(&device.address);
        self.shared
            .lock()
            .devices
            .push(DeviceState::new(device, seed, Timestamp::now()));
        objects::export_device(&self.conn, &self.shared, &path).await?;
        let (shared, conn) = (self.shared.clone(), self.conn.clone());
        let task = self.shared.runtime.spawn(async move {
            // Short sleeps, so a new interval applies at once rather than after the old one.
            let mut last = tokio::time::Instant::now();
            loop {
                let Some(interval) = shared.device(&path, |d| d.model.interval) else {
                    return;
                };
                let due = last + interval;
                let now = tokio::time::Instant::now();
                if now < due {
                    tokio::time::sleep((due - now).min(Duration::from_millis(50))).await;
                    continue;
                }
                last = now;
                let emissions = world::tick(&shared, &path, Timestamp::now());
                world::emit(&conn, emissions).await;
            }
        });
        self.tasks
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(task);
        Ok(())
    }

    fn path_of(&self, address: &str) -> Result<String> {
        self.shared
            .device_by_address(address, |d| d.path.clone())
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        for task in self.tasks.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            task.abort();
        }
    }
}
