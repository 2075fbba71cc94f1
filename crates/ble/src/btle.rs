//! The [`Central`] and [`Link`] over btleplug: BlueZ on Linux (or `bluez-sim` through
//! `DBUS_SYSTEM_BUS_ADDRESS`), CoreBluetooth on macOS, WinRT on Windows.

use std::{sync::Arc, time::Duration};

use btleplug::api::{
    Central as _, CentralEvent, CharPropFlags, Characteristic, Manager as _, Peripheral as _,
    ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::{
    link::{Advertisement, Central, GattChar, Link, LinkEvent, LINK_QUEUE},
    Bond, Error, HealthService, PairingPrompt, Result,
};

/// The system's first Bluetooth adapter, through btleplug.
#[derive(Debug, Clone)]
pub struct BtleCentral {
    adapter: Adapter,
    /// BlueZ itself for this adapter, for bonding.
    #[cfg(target_os = "linux")]
    bluez: crate::bonding::bluez::Bluez,
    answer_within: Duration,
}

/// How long a device whose link is up may take to answer over it (ATT) before the connection is
/// given up. BlueZ reports the link at once but its services only after the device answered, or
/// after ATT's own 30 s timeout, and btleplug waits for them: without a limit of Tend's own, one
/// mute device held a connect — and the patient — for 30 s (seen with the real BlueZ). Every
/// device measured here answers within about a second.
pub const ANSWER_WITHIN: Duration = Duration::from_secs(10);

/// A connected btleplug peripheral.
#[derive(Debug)]
pub struct BtleLink {
    peripheral: Peripheral,
    characteristics: Vec<Characteristic>,
    forward: tokio::task::JoinHandle<()>,
}

impl BtleCentral {
    /// Opens the system's first adapter (on Linux the lowest-numbered: hci0 before hci1);
    /// [`Error::NoAdapter`] when the system has none.
    pub async fn open() -> Result<BtleCentral> {
        #[cfg(target_os = "android")]
        crate::android::init()?;
        let manager = Manager::new().await?;
        // BlueZ lists its adapters in no particular order: without sorting, a machine with two
        // (a built-in one and a dongle) would use either from one start to the next.
        let mut adapters = Vec::new();
        for adapter in manager.adapters().await? {
            let info = adapter.adapter_info().await.unwrap_or_default();
            adapters.push((adapter_order(&info), adapter));
        }
        adapters.sort_by(|a, b| a.0.cmp(&b.0));
        let ((_, adapter_name), adapter) = adapters.into_iter().next().ok_or(Error::NoAdapter)?;
        #[cfg(not(target_os = "linux"))]
        let _ = adapter_name;
        Ok(BtleCentral {
            adapter,
            #[cfg(target_os = "linux")]
            bluez: crate::bonding::bluez::Bluez::new(adapter_name),
            answer_within: ANSWER_WITHIN,
        })
    }

    /// The same adapter with another [`ANSWER_WITHIN`] (tests use a short one).
    pub fn answer_within(self, limit: Duration) -> BtleCentral {
        BtleCentral {
            answer_within: limit,
            ..self
        }
    }

    /// Connects and discovers the services; gives up, and drops the link, when the link came up
    /// but the device did not answer over it within `answer_within`. Bringing the link up is not
    /// limited: BlueZ's pending Connect is what reconnects a device the moment it advertises.
    async fn link_up(
        &self,
        peripheral: &Peripheral,
        central_events: &mut (impl futures::Stream<Item = CentralEvent> + Unpin),
    ) -> Result<()> {
        let id = peripheral.id();
        let connecting = async {
            peripheral.connect().await?;
            peripheral.discover_services().await?;
            Ok::<_, Error>(())
        };
        tokio::pin!(connecting);
        let mut answer_by = peripheral
            .is_connected()
            .await
            .unwrap_or(false)
            .then(|| tokio::time::Instant::now() + self.answer_within);
        loop {
            let unanswered = async {
                match answer_by {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                done = &mut connecting => return done,
                Some(event) = central_events.next(), if answer_by.is_none() => {
                    if matches!(&event, CentralEvent::DeviceConnected(c) if *c == id) {
                        answer_by = Some(tokio::time::Instant::now() + self.answer_within);
                    }
                }
                () = unanswered => {
                    let _ = peripheral.disconnect().await;
                    return Err(Error::Unavailable(format!(
                        "the device connected but did not answer within {} s",
                        self.answer_within.as_secs_f32()
                    )));
                }
            }
        }
    }

    async fn find(&self, address: &str) -> Result<Peripheral> {
        for p in self.adapter.peripherals().await? {
            if p.address().to_string().eq_ignore_ascii_case(address) {
                return Ok(p);
            }
        }
        Err(Error::UnknownDevice(address.to_owned()))
    }

    /// The devices the adapter knows that offer a health service, with what they advertised.
    async fn advertisements(&self) -> Result<Vec<Advertisement>> {
        let mut found = Vec::new();
        for p in self.adapter.peripherals().await? {
            let Some(props) = p.properties().await? else {
                continue;
            };
            let services: Vec<HealthService> = props
                .services
                .iter()
                .filter_map(|u| HealthService::from_uuid(*u))
                .collect();
            if services.is_empty() {
                continue;
            }
            found.push(Advertisement {
                address: p.address().to_string(),
                name: props.local_name,
                rssi: props.rssi,
                services,
            });
        }
        found.sort_by(|a, b| a.address.cmp(&b.address));
        Ok(found)
    }
}

/// The link is gone: what was dropped is told first, then the end, each waiting for room (neither
/// is ever dropped).
async fn link_lost(tx: &mpsc::Sender<LinkEvent>, dropped: u64) {
    if dropped > 0 {
        let _ = tx.send(LinkEvent::Dropped(dropped)).await;
    }
    let _ = tx.send(LinkEvent::Lost).await;
}

/// Where an adapter comes when choosing the first, from btleplug's description of it
/// (`hci1 (usb:v1D6Bp0246d0542)` on Linux): by its number, then its name.
fn adapter_order(info: &str) -> (u32, String) {
    let name = info.split_whitespace().next().unwrap_or(info);
    let number = name
        .strip_prefix("hci")
        .and_then(|n| n.parse().ok())
        .unwrap_or(u32::MAX);
    (number, name.to_owned())
}

/// The 16-bit assigned number inside a Bluetooth Base UUID, if it is one.
fn short_uuid(uuid: uuid::Uuid) -> Option<u16> {
    let (high, rest) = (uuid.as_u128() >> 96, uuid.as_u128() & ((1u128 << 96) - 1));
    let base = crate::health_service::uuid_from_u16(0).as_u128();
    (rest == base && high <= 0xFFFF).then(|| u16::try_from(high).unwrap_or(0))
}

impl Central for BtleCentral {
    type Link = BtleLink;

    async fn scan(&self, duration: Duration) -> Result<Vec<Advertisement>> {
        let filter = ScanFilter {
            services: HealthService::ALL.iter().map(|s| s.uuid()).collect(),
        };
        self.adapter.start_scan(filter).await?;
        tokio::time::sleep(duration).await;
        // Read what was seen before stopping: BlueZ forgets every device's RSSI when discovery
        // stops.
        let found = self.advertisements().await;
        let _ = self.adapter.stop_scan().await;
        found
    }

    async fn connect(&self, address: &str) -> Result<(BtleLink, mpsc::Receiver<LinkEvent>)> {
        let peripheral = self.find(address).await?;
        // Listen before connecting, so a drop right after the connection is not missed, nor a
        // value: BlueZ renews a client's subscriptions by itself on reconnecting, and a cuff
        // then sends what it kept at once. Values wait in the stream until it is read, after
        // service discovery has named their characteristics.
        let mut central_events = self.adapter.events().await?;
        let mut values = peripheral.notifications().await?;
        self.link_up(&peripheral, &mut central_events).await?;
        let characteristics: Vec<Characteristic> =
            peripheral.characteristics().into_iter().collect();
        let (tx, rx) = mpsc::channel(LINK_QUEUE);
        let id = peripheral.id();
        let forward = tokio::spawn(async move {
            // Values the queue had no room for since it last had.
            let mut dropped = 0u64;
            loop {
                tokio::select! {
                    value = values.next() => {
                        let Some(value) = value else {
                            link_lost(&tx, dropped).await;
                            return;
                        };
                        // A value on a characteristic without a 16-bit UUID is not ours.
                        let Some(uuid) = short_uuid(value.uuid) else {
                            continue;
                        };
                        match tx.try_send(LinkEvent::Value { uuid, bytes: value.value }) {
                            Ok(()) => {}
                            Err(mpsc::error::TrySendError::Full(_)) => dropped += 1,
                            Err(mpsc::error::TrySendError::Closed(_)) => return,
                        }
                    }
                    event = central_events.next() => match event {
                        Some(CentralEvent::DeviceDisconnected(gone)) if gone == id => {
                            link_lost(&tx, dropped).await;
                            return;
                        }
                        Some(_) => {}
                        None => {
                            link_lost(&tx, dropped).await;
                            return;
                        }
                    },
                    // The count is told as soon as there is room, not with the next value: a
                    // flood's last values may be the last the device sends for a long time.
                    permit = tx.reserve(), if dropped > 0 => {
                        let Ok(permit) = permit else { return };
                        permit.send(LinkEvent::Dropped(dropped));
                        dropped = 0;
                    }
                    () = tx.closed() => return,
                }
            }
        });
        Ok((
            BtleLink {
                peripheral,
                characteristics,
                forward,
            },
            rx,
        ))
    }

    async fn bond(&self, address: &str, prompt: Arc<dyn PairingPrompt>) -> Result<Bond> {
        #[cfg(target_os = "linux")]
        return self.bluez.bond(address, prompt).await;
        #[cfg(not(target_os = "linux"))]
        {
            let _ = (address, prompt);
            Ok(Bond::Platform)
        }
    }

    async fn has_bond(&self, address: &str) -> Result<bool> {
        #[cfg(target_os = "linux")]
        return self.bluez.has_bond(address).await;
        #[cfg(not(target_os = "linux"))]
        {
            let _ = address;
            Ok(true)
        }
    }

    async fn unbond(&self, address: &str) -> Result<()> {
        #[cfg(target_os = "linux")]
        return self.bluez.unbond(address).await;
        #[cfg(not(target_os = "linux"))]
        {
            // The system's own settings forget a device there.
            let _ = address;
            Ok(())
        }
    }
}

impl BtleLink {
    fn characteristic(&self, uuid: u16) -> Result<&Characteristic> {
        self.characteristics
            .iter()
            .find(|c| short_uuid(c.uuid) == Some(uuid))
            .ok_or(Error::MissingCharacteristic(uuid))
    }
}

impl Link for BtleLink {
    fn characteristics(&self) -> Vec<GattChar> {
        self.characteristics
            .iter()
            .filter_map(|c| {
                Some(GattChar {
                    uuid: short_uuid(c.uuid)?,
                    read: c.properties.contains(CharPropFlags::READ),
                    write: c
                        .properties
                        .intersects(CharPropFlags::WRITE | CharPropFlags::WRITE_WITHOUT_RESPONSE),
                    subscribe: c
                        .properties
                        .intersects(CharPropFlags::NOTIFY | CharPropFlags::INDICATE),
                })
            })
            .collect()
    }

    async fn read(&self, uuid: u16) -> Result<Vec<u8>> {
        Ok(self.peripheral.read(self.characteristic(uuid)?).await?)
    }

    async fn write(&self, uuid: u16, value: Vec<u8>) -> Result<()> {
        let c = self.characteristic(uuid)?;
        Ok(self
            .peripheral
            .write(c, &value, WriteType::WithResponse)
            .await?)
    }

    async fn subscribe(&self, uuid: u16) -> Result<()> {
        match self.peripheral.subscribe(self.characteristic(uuid)?).await {
            // BlueZ keeps a client's subscriptions across a dropped link and renews them itself
            // on reconnecting; until that is done it answers StartNotify with InProgress. The
            // values will come: that is a subscription, not a failure.
            Err(e) if format!("{e:?}").contains("org.bluez.Error.InProgress") => Ok(()),
            other => Ok(other?),
        }
    }

    async fn disconnect(&self) {
        let _ = self.peripheral.disconnect().await;
    }
}

impl Drop for BtleLink {
    fn drop(&mut self) {
        self.forward.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lowest_numbered_adapter_comes_first() {
        let check = |info: &str, expected: (u32, &str)| {
            assert_eq!(
                adapter_order(info),
                (expected.0, expected.1.to_owned()),
                "{info}"
            );
        };
        check("hci0 (usb:v1D6Bp0246d0542)", (0, "hci0"));
        check("hci10 (usb:v1D6Bp0246d0542)", (10, "hci10"));
        check("hci2", (2, "hci2"));
        check("CoreBluetooth", (u32::MAX, "CoreBluetooth"));
        let mut infos = vec!["hci10 (x)", "hci2 (x)", "hci0 (x)"];
        infos.sort_by_key(|i| adapter_order(i));
        assert_eq!(infos, vec!["hci0 (x)", "hci2 (x)", "hci10 (x)"]);
    }

    #[test]
    fn short_uuids() {
        assert_eq!(short_uuid(HealthService::Glucose.uuid()), Some(0x1808));
        assert_eq!(
            short_uuid(uuid::Uuid::from_u128(
                0x6e40_0001_b5a3_f393_e0a9_e50e_24dc_ca9e
            )),
            None
        );
    }
}
