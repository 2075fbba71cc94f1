//! The [`Central`] and [`Link`] over btleplug: BlueZ on Linux (or `bluez-sim` through
//! `DBUS_SYSTEM_BUS_ADDRESS`), CoreBluetooth on macOS, WinRT on Windows.

use std::time::Duration;

use btleplug::api::{
    Central as _, CentralEvent, CharPropFlags, Characteristic, Manager as _, Peripheral as _,
    ScanFilter, WriteType,
};
use btleplug::platform::{Adapter, Manager, Peripheral};
use futures::StreamExt;
use tokio::sync::mpsc;

use crate::{
    link::{Advertisement, Central, GattChar, Link, LinkEvent},
    Error, HealthService, Result,
};

/// The system's first Bluetooth adapter, through btleplug.
#[derive(Debug, Clone)]
pub struct BtleCentral {
    adapter: Adapter,
}

/// A connected btleplug peripheral.
#[derive(Debug)]
pub struct BtleLink {
    peripheral: Peripheral,
    characteristics: Vec<Characteristic>,
    forward: tokio::task::JoinHandle<()>,
}

impl BtleCentral {
    /// Opens the first adapter; [`Error::NoAdapter`] when the system has none.
    pub async fn open() -> Result<BtleCentral> {
        #[cfg(target_os = "android")]
        crate::android::init()?;
        let manager = Manager::new().await?;
        let adapter = manager
            .adapters()
            .await?
            .into_iter()
            .next()
            .ok_or(Error::NoAdapter)?;
        Ok(BtleCentral { adapter })
    }

    async fn find(&self, address: &str) -> Result<Peripheral> {
        for p in self.adapter.peripherals().await? {
            if p.address().to_string().eq_ignore_ascii_case(address) {
                return Ok(p);
            }
        }
        Err(Error::UnknownDevice(address.to_owned()))
    }
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
        let _ = self.adapter.stop_scan().await;
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

    async fn connect(
        &self,
        address: &str,
    ) -> Result<(BtleLink, mpsc::UnboundedReceiver<LinkEvent>)> {
        let peripheral = self.find(address).await?;
        // Listen before connecting, so a drop right after the connection is not missed.
        let mut central_events = self.adapter.events().await?;
        peripheral.connect().await?;
        peripheral.discover_services().await?;
        let mut values = peripheral.notifications().await?;
        let characteristics: Vec<Characteristic> =
            peripheral.characteristics().into_iter().collect();
        let (tx, rx) = mpsc::unbounded_channel();
        let id = peripheral.id();
        let forward = tokio::spawn(async move {
            loop {
                tokio::select! {
                    value = values.next() => {
                        let Some(value) = value else {
                            let _ = tx.send(LinkEvent::Lost);
                            return;
                        };
                        // A value on a characteristic without a 16-bit UUID is not ours.
                        let Some(uuid) = short_uuid(value.uuid) else {
                            continue;
                        };
                        if tx.send(LinkEvent::Value { uuid, bytes: value.value }).is_err() {
                            return;
                        }
                    }
                    event = central_events.next() => match event {
                        Some(CentralEvent::DeviceDisconnected(gone)) if gone == id => {
                            let _ = tx.send(LinkEvent::Lost);
                            return;
                        }
                        Some(_) => {}
                        None => {
                            let _ = tx.send(LinkEvent::Lost);
                            return;
                        }
                    },
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
        Ok(self
            .peripheral
            .subscribe(self.characteristic(uuid)?)
            .await?)
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
