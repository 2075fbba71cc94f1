//! Real health peripherals: `bluez-sim`'s device models served through the real BlueZ, each on
//! its own emulated controller (hci1, hci2, …) with BlueZ's own GATT server (`GattManager1`) and
//! advertising (`LEAdvertisingManager1`), from this process over the guest's bus (bluer).
//!
//! Characteristics are method-based (ReadValue, WriteValue, StartNotify): file descriptors do not
//! cross a TCP bus. Out of range is the device no longer advertising and its links dropped;
//! back in range is advertising again. (Powering its controller off instead races with btvirt:
//! a connection made while the power goes off stays up on the central's side with nobody
//! answering.)

use std::{
    collections::{BTreeSet, HashMap},
    sync::{Arc, Mutex, Weak},
    time::{Duration, Instant},
};

use bluer::{
    adv::{Advertisement, AdvertisementHandle, Type as AdvertisementType},
    gatt::local::{
        Application, ApplicationHandle, Characteristic, CharacteristicNotifier,
        CharacteristicNotify, CharacteristicNotifyMethod, CharacteristicRead, CharacteristicWrite,
        CharacteristicWriteMethod, ReqError, Service,
    },
    Address, Session,
};
use futures::FutureExt;
use jiff::Timestamp;
use tend_bluez_sim::{
    catalogue, uuid16, uuids, CharSpec, DeviceModel, Fault, Kind, RacpAnswer, SimPeripheral,
};
use tokio::task::JoinHandle;

use crate::{Error, Result};

/// What a peripheral demands before it answers reads and writes of its characteristics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Security {
    /// Anyone connected may read and write (most health devices).
    #[default]
    Open,
    /// An encrypted link: BlueZ pairs (Just Works at least) before the first read.
    Encrypted,
    /// An encrypted link from an authenticated pairing (passkey or numeric comparison).
    Authenticated,
}

/// The health peripherals on the guest's controllers. Dropping it stops them: their GATT
/// applications and advertisements are unregistered.
#[derive(Debug)]
pub struct Peripherals {
    session: Session,
    devices: Mutex<Vec<Arc<Served>>>,
    /// Controllers not serving a device yet: for impostors.
    spare: Mutex<Vec<String>>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

/// One device on one controller.
struct Served {
    adapter: bluer::Adapter,
    address: String,
    model: Mutex<DeviceModel>,
    /// The central's subscriptions, by characteristic.
    notifiers: tokio::sync::Mutex<HashMap<u16, CharacteristicNotifier>>,
    application: tokio::sync::Mutex<Option<ApplicationHandle>>,
    advertisements: tokio::sync::Mutex<Vec<AdvertisementHandle>>,
    security: Mutex<Security>,
    /// When the device last became reachable again (back in range).
    reachable_since: Mutex<Option<Instant>>,
}

impl std::fmt::Debug for Served {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Served")
            .field("adapter", &self.adapter.name())
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl Peripherals {
    /// Serves the whole catalogue on the controllers after the central (hci1, hci2, …) of the
    /// guest whose bus `DBUS_SYSTEM_BUS_ADDRESS` names; the controllers left over serve impostors.
    pub async fn start(controllers: &[String]) -> Result<Peripherals> {
        Peripherals::start_with(controllers, catalogue()).await
    }

    /// Serves `devices`, one on each controller after the first.
    pub async fn start_with(
        controllers: &[String],
        devices: Vec<SimPeripheral>,
    ) -> Result<Peripherals> {
        let session = Session::new().await?;
        let mut free: Vec<String> = controllers.iter().skip(1).cloned().collect();
        free.reverse();
        let peripherals = Peripherals {
            session,
            devices: Mutex::new(Vec::new()),
            spare: Mutex::new(free),
            tasks: Mutex::new(Vec::new()),
        };
        for device in devices {
            peripherals.serve(device).await?;
        }
        Ok(peripherals)
    }

    /// The BlueZ session the peripherals use: for an agent or the central's view of a device.
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The devices served, impostors included, each with its controller's address.
    pub fn devices(&self) -> Vec<SimPeripheral> {
        lock(&self.devices)
            .iter()
            .map(|d| lock(&d.model).peripheral.clone())
            .collect()
    }

    /// The address of the (first) device of `kind`.
    pub fn address_of(&self, kind: Kind) -> Result<String> {
        self.devices()
            .into_iter()
            .find(|d| d.kind == kind)
            .map(|d| d.address)
            .ok_or_else(|| Error::UnknownPeripheral(format!("{kind:?}")))
    }

    /// Makes `address` misbehave (or, with [`Fault::Behave`], stop misbehaving).
    pub async fn fault(&self, address: &str, fault: Fault) -> Result<()> {
        let served = self.find(address)?;
        match fault {
            Fault::DropLink => served.drop_links().await,
            Fault::DropMidDownload => lock(&served.model).drop_mid_download = true,
            other => lock(&served.model).fault = other,
        }
        Ok(())
    }

    /// Takes the device out of range (it stops advertising and its links drop) or brings it
    /// back (advertising again). It keeps measuring either way.
    pub async fn set_in_range(&self, address: &str, in_range: bool) -> Result<()> {
        let served = self.find(address)?;
        lock(&served.model).in_range = in_range;
        if in_range {
            served.advertise().await?;
            *lock(&served.reachable_since) = Some(Instant::now());
        } else {
            served.stop_advertising().await;
            served.drop_links().await;
            served.notifiers.lock().await.clear();
        }
        Ok(())
    }

    /// When `address` last came back in range (the end of [`Peripherals::set_in_range`]).
    pub fn reachable_since(&self, address: &str) -> Result<Option<Instant>> {
        Ok(*lock(&self.find(address)?.reachable_since))
    }

    /// How often the device measures.
    pub fn set_interval(&self, address: &str, interval: Duration) -> Result<()> {
        lock(&self.find(address)?.model).interval = interval;
        Ok(())
    }

    /// Stops or resumes the device's own measuring.
    pub fn set_measuring(&self, address: &str, measuring: bool) -> Result<()> {
        lock(&self.find(address)?.model).measuring = measuring;
        Ok(())
    }

    /// Puts `count` readings in the device's memory (glucose meter, CGM, cuff, thermometer, scale).
    pub fn add_stored_records(&self, address: &str, count: u32) -> Result<()> {
        self.change(address, "it keeps no records", |model| {
            model.store_offline(count, Timestamp::now())
        })
    }

    /// How many readings the device has taken so far (stored ones included).
    pub fn measured(&self, address: &str) -> Result<u64> {
        Ok(lock(&self.find(address)?.model).measured)
    }

    /// How many values the device has sent (notified or indicated) so far.
    pub fn sent(&self, address: &str) -> Result<u64> {
        Ok(lock(&self.find(address)?.model).sent)
    }

    /// Makes a cuff or scale one that several people share: its measurements (live and stored)
    /// name `users` in turn, the first one next. Empty: back to one user, named by no
    /// measurement.
    pub fn set_users(&self, address: &str, users: &[u8]) -> Result<()> {
        self.change(address, "its measurements name no user", |model| {
            model.set_users(users)
        })
    }

    /// Registers a household's people in the scale's User Data Service, each a `(user index,
    /// consent code)`: their measurements take turns, and each goes only to a link that gave its
    /// user's code.
    pub fn register_users(&self, address: &str, users: &[(u8, u16)]) -> Result<()> {
        self.change(address, "it has no User Data Service", |model| {
            model.register_users(users)
        })
    }

    /// A meter or CGM numbers its records from the start again, its clock running on: a CGM's
    /// new sensor session, a meter whose memory was reset.
    pub fn start_record_series(&self, address: &str) -> Result<()> {
        self.change(address, "it does not number its records", |model| {
            model.start_record_series(Timestamp::now())
        })
    }

    /// A meter or CGM counts `count` records on without keeping them (days of a sensor whose
    /// records were read and dropped).
    pub fn skip_records(&self, address: &str, count: u16) -> Result<()> {
        self.change(address, "it does not number its records", |model| {
            model.skip_records(count)
        })
    }

    /// The record numbers a glucose meter (sequence numbers) or CGM (minutes since its session
    /// started) holds.
    pub fn glucose_sequences(&self, address: &str) -> Result<Vec<u16>> {
        Ok(lock(&self.find(address)?.model).record_numbers())
    }

    /// Serves another device of `kind`, from the catalogue, on a spare controller: for a
    /// journey that changes a device for good. Returns its address.
    pub async fn add_another(&self, kind: Kind) -> Result<String> {
        let device = catalogue()
            .into_iter()
            .find(|d| d.kind == kind)
            .ok_or_else(|| Error::UnknownPeripheral(format!("{kind:?}")))?;
        self.serve(device).await
    }

    /// Serves, on a spare controller, a device that advertises the name and service of
    /// `address` and offers its GATT table. Returns the impostor's address.
    pub async fn add_impostor(&self, address: &str) -> Result<String> {
        let original = lock(&self.find(address)?.model).peripheral.clone();
        self.serve(original).await
    }

    /// Re-registers the device's GATT application with characteristics that demand `security`.
    pub async fn set_security(&self, address: &str, security: Security) -> Result<()> {
        let served = self.find(address)?;
        *lock(&served.security) = security;
        served.serve_application().await
    }

    /// Makes the device forget every central it knows (bonds included), as after a reset.
    pub async fn forget_centrals(&self, address: &str) -> Result<()> {
        let served = self.find(address)?;
        for central in served.adapter.device_addresses().await? {
            // bluetoothd 5.66 can die when a device is removed while its link is still being
            // torn down (the central has just dropped it): let the link go first.
            let device = served.adapter.device(central)?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while device.is_connected().await.unwrap_or(false) && Instant::now() < deadline {
                if deadline - Instant::now() < Duration::from_secs(5) {
                    let _ = device.disconnect().await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
            served.adapter.remove_device(central).await?;
        }
        Ok(())
    }

    async fn serve(&self, mut device: SimPeripheral) -> Result<String> {
        let controller = lock(&self.spare).pop().ok_or(Error::NoSpareController)?;
        let adapter = self.session.adapter(&controller)?;
        adapter.set_powered(true).await?;
        // The GAP Device Name the central reads on connecting is the controller's alias.
        adapter.set_alias(device.name.clone()).await?;
        device.address = adapter.address().await?.to_string();
        let address = device.address.clone();
        let seed = lock(&self.devices).len() as u64 + 1;
        let served = Arc::new(Served {
            adapter,
            address: address.clone(),
            model: Mutex::new(DeviceModel::new(device, seed, Timestamp::now())),
            notifiers: tokio::sync::Mutex::new(HashMap::new()),
            application: tokio::sync::Mutex::new(None),
            advertisements: tokio::sync::Mutex::new(Vec::new()),
            security: Mutex::new(Security::Open),
            reachable_since: Mutex::new(None),
        });
        served.serve_application().await?;
        served.advertise().await?;
        let task = tokio::spawn(measure(Arc::downgrade(&served)));
        lock(&self.tasks).push(task);
        lock(&self.devices).push(served);
        Ok(address)
    }

    /// Applies `change` to the device's model; `false` from it means the device cannot do
    /// that, and `why_not` says why.
    fn change(
        &self,
        address: &str,
        why_not: &str,
        change: impl FnOnce(&mut DeviceModel) -> bool,
    ) -> Result<()> {
        if change(&mut lock(&self.find(address)?.model)) {
            Ok(())
        } else {
            Err(Error::UnknownPeripheral(format!("{address} ({why_not})")))
        }
    }

    fn find(&self, address: &str) -> Result<Arc<Served>> {
        lock(&self.devices)
            .iter()
            .find(|d| d.address.eq_ignore_ascii_case(address))
            .cloned()
            .ok_or_else(|| Error::UnknownPeripheral(address.to_owned()))
    }
}

impl Drop for Peripherals {
    fn drop(&mut self) {
        for task in lock(&self.tasks).iter() {
            task.abort();
        }
    }
}

/// Locks a mutex that only ever holds plain data: a panic while it was held leaves it usable.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

impl Served {
    fn peripheral(&self) -> SimPeripheral {
        lock(&self.model).peripheral.clone()
    }

    /// (Re-)registers the device's GATT application with BlueZ.
    async fn serve_application(self: &Arc<Self>) -> Result<()> {
        let mut application = self.application.lock().await;
        *application = None;
        let peripheral = self.peripheral();
        let security = *lock(&self.security);
        *application = Some(
            self.adapter
                .serve_gatt_application(gatt_application(self, &peripheral, security))
                .await?,
        );
        Ok(())
    }

    /// Starts advertising (again).
    async fn advertise(&self) -> Result<()> {
        let peripheral = self.peripheral();
        let mut advertisements = self.advertisements.lock().await;
        // Two identical advertisements: the kernel rotates between them every second, and each
        // switch re-enables advertising, which is when btvirt reports it to scanners. A radio
        // repeats an advertisement every interval; btvirt only when it starts, so a scan that
        // began a moment too early would not see the device until the next.
        while advertisements.len() < 2 {
            advertisements.push(
                self.adapter
                    .advertise(Advertisement {
                        advertisement_type: AdvertisementType::Peripheral,
                        service_uuids: BTreeSet::from([peripheral.service_uuid()]),
                        local_name: Some(peripheral.name.clone()),
                        discoverable: Some(true),
                        duration: Some(Duration::from_secs(1)),
                        ..Default::default()
                    })
                    .await?,
            );
        }
        Ok(())
    }

    /// Stops advertising and waits until BlueZ has (the handles unregister in the background).
    async fn stop_advertising(&self) {
        self.advertisements.lock().await.clear();
        let start = Instant::now();
        while start.elapsed() < Duration::from_secs(3) {
            match self.adapter.active_advertising_instances().await {
                Ok(0) | Err(_) => return,
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            }
        }
    }

    /// Whether the central is subscribed to `uuid` (and the device in range).
    async fn subscribed(&self, uuid: u16) -> bool {
        if !lock(&self.model).in_range {
            return false;
        }
        let notifiers = self.notifiers.lock().await;
        // A consent lasts one connection: the link that gave it has ended once its
        // subscription to the control point's answers has.
        let consent_ended = notifiers
            .get(&uuids::USER_CONTROL_POINT)
            .is_none_or(CharacteristicNotifier::is_stopped);
        if consent_ended {
            lock(&self.model).link_ended();
        }
        notifiers.get(&uuid).is_some_and(|n| !n.is_stopped())
    }

    /// Sends `values` on `uuid`, one notification (or indication) each. A burst of indications
    /// is sent without waiting for each confirmation: BlueZ queues them and paces them by the
    /// central's confirmations, as a real flooding device would be paced.
    async fn send(&self, uuid: u16, values: Vec<Vec<u8>>) -> bool {
        let burst = values.len() > 1;
        let mut notifiers = self.notifiers.lock().await;
        let Some(notifier) = notifiers.get_mut(&uuid) else {
            return false;
        };
        for value in values {
            let sent = if burst && notifier.confirming() {
                notifier
                    .notify(value)
                    .now_or_never()
                    .is_none_or(|r| r.is_ok())
            } else {
                tokio::time::timeout(Duration::from_secs(5), notifier.notify(value))
                    .await
                    .is_ok_and(|r| r.is_ok())
            };
            if !sent {
                notifiers.remove(&uuid);
                return false;
            }
        }
        true
    }

    /// Drops every link of the device's controller, from the device's side.
    async fn drop_links(&self) {
        let Ok(addresses) = self.adapter.device_addresses().await else {
            return;
        };
        // Whatever Connected says: on the peripheral's side BlueZ does not always show the link.
        for address in addresses {
            if let Ok(device) = self.adapter.device(address) {
                let _ = device.disconnect().await;
            }
        }
    }

    /// Serves a Record Access Control Point request: records on the measurement characteristic,
    /// then the outcome on the control point.
    async fn answer_racp(self: Arc<Self>, request: Vec<u8>, central: Address) {
        // The write's reply goes out first, as the ATT write response precedes the records.
        tokio::time::sleep(Duration::from_millis(5)).await;
        let answer = lock(&self.model).racp(&request);
        let measurement = self.peripheral().measurement();
        let response = match answer {
            RacpAnswer::Respond(response) => response,
            RacpAnswer::Records {
                records,
                drop_half_way,
            } => {
                let half = records.len() / 2;
                for (i, record) in records.into_iter().enumerate() {
                    if drop_half_way && i == half && i > 0 {
                        if let Ok(device) = self.adapter.device(central) {
                            let _ = device.disconnect().await;
                        }
                        return;
                    }
                    if !self.subscribed(measurement).await
                        || !self.send(measurement, vec![record]).await
                    {
                        return;
                    }
                }
                RacpAnswer::download_complete()
            }
        };
        self.send(uuids::RACP, vec![response.encode()]).await;
    }

    /// Answers a User Control Point request on the control point (a consent makes the link that
    /// user's), then sends what the device kept for the user the link now speaks for.
    async fn answer_user_control(self: Arc<Self>, request: Vec<u8>) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let response = lock(&self.model).user_control(&request);
        self.send(uuids::USER_CONTROL_POINT, vec![response.encode()])
            .await;
        let measurement = self.peripheral().measurement();
        self.deliver_kept(measurement).await;
    }

    /// Sends what a cuff, thermometer or scale kept while nobody listened, now that the central
    /// subscribed to `uuid`.
    async fn deliver_kept(self: Arc<Self>, uuid: u16) {
        tokio::time::sleep(Duration::from_millis(5)).await;
        let subscribed = self.subscribed(uuid).await;
        let kept = lock(&self.model).take_undelivered(uuid, subscribed);
        for value in kept {
            if !self.send(uuid, vec![value.clone()]).await {
                // Not delivered: the device keeps it for next time.
                lock(&self.model).put_back(value);
                return;
            }
        }
    }
}

/// The device measuring on its own, as long as it is served.
async fn measure(served: Weak<Served>) {
    let mut last = tokio::time::Instant::now();
    loop {
        let Some(device) = served.upgrade() else {
            return;
        };
        let (interval, measurement) = {
            let model = lock(&device.model);
            (model.interval, model.peripheral.measurement())
        };
        let due = last + interval;
        let now = tokio::time::Instant::now();
        if now < due {
            drop(device);
            // Short sleeps, so a new interval applies at once rather than after the old one.
            tokio::time::sleep((due - now).min(Duration::from_millis(50))).await;
            continue;
        }
        last = now;
        let subscribed = device.subscribed(measurement).await;
        let values = lock(&device.model).tick(Timestamp::now(), subscribed);
        if !values.is_empty() {
            device.send(measurement, values).await;
        }
    }
}

/// The device's GATT table as a BlueZ application: its services in order, each characteristic
/// answering from the model.
fn gatt_application(
    served: &Arc<Served>,
    peripheral: &SimPeripheral,
    security: Security,
) -> Application {
    let mut services: Vec<Service> = Vec::new();
    for spec in peripheral.characteristics() {
        let characteristic = characteristic(served, spec, security);
        let uuid = uuid16(spec.service);
        match services.iter_mut().find(|s| s.uuid == uuid) {
            Some(service) => service.characteristics.push(characteristic),
            None => services.push(Service {
                uuid,
                primary: true,
                characteristics: vec![characteristic],
                ..Default::default()
            }),
        }
    }
    Application {
        services,
        ..Default::default()
    }
}

fn characteristic(served: &Arc<Served>, spec: CharSpec, security: Security) -> Characteristic {
    let uuid = spec.uuid;
    let encrypt = security == Security::Encrypted;
    let authenticate = security == Security::Authenticated;
    let read = spec.flags.read.then(|| {
        let weak = Arc::downgrade(served);
        CharacteristicRead {
            read: true,
            encrypt_read: encrypt,
            encrypt_authenticated_read: authenticate,
            fun: Box::new(move |request| {
                let weak = weak.clone();
                async move {
                    let served = weak.upgrade().ok_or(ReqError::Failed)?;
                    let value = lock(&served.model).read(uuid, Timestamp::now());
                    let offset = usize::from(request.offset);
                    value
                        .get(offset..)
                        .map(<[u8]>::to_vec)
                        .ok_or(ReqError::InvalidOffset)
                }
                .boxed()
            }),
            ..Default::default()
        }
    });
    let write = spec.flags.write.then(|| {
        let weak = Arc::downgrade(served);
        CharacteristicWrite {
            write: true,
            encrypt_write: encrypt,
            encrypt_authenticated_write: authenticate,
            method: CharacteristicWriteMethod::Fun(Box::new(move |value, request| {
                let weak = weak.clone();
                async move {
                    let served = weak.upgrade().ok_or(ReqError::Failed)?;
                    match uuid {
                        uuids::CURRENT_TIME => {
                            if lock(&served.model).set_clock(&value, Timestamp::now()) {
                                Ok(())
                            } else {
                                Err(ReqError::InvalidValueLength)
                            }
                        }
                        uuids::RACP => {
                            tokio::spawn(served.answer_racp(value, request.device_address));
                            Ok(())
                        }
                        uuids::USER_CONTROL_POINT => {
                            tokio::spawn(served.answer_user_control(value));
                            Ok(())
                        }
                        _ => Err(ReqError::NotSupported),
                    }
                }
                .boxed()
            })),
            ..Default::default()
        }
    });
    let notify = (spec.flags.notify || spec.flags.indicate).then(|| {
        let weak = Arc::downgrade(served);
        CharacteristicNotify {
            notify: spec.flags.notify,
            indicate: spec.flags.indicate,
            method: CharacteristicNotifyMethod::Fun(Box::new(move |notifier| {
                let weak = weak.clone();
                async move {
                    let Some(served) = weak.upgrade() else {
                        return;
                    };
                    served.notifiers.lock().await.insert(uuid, notifier);
                    let keeps = {
                        let model = lock(&served.model);
                        model.keeps_undelivered() && model.peripheral.measurement() == uuid
                    };
                    if keeps {
                        tokio::spawn(served.deliver_kept(uuid));
                    }
                }
                .boxed()
            })),
            ..Default::default()
        }
    });
    Characteristic {
        uuid: uuid16(uuid),
        read,
        write,
        notify,
        ..Default::default()
    }
}
