//! The seam between Tend's connection logic and a Bluetooth stack: a [`Central`] that scans and
//! connects, and the [`Link`] to one connected device. btleplug implements it in `btle.rs`; the
//! unit tests implement it with a scripted fake.

use std::{future::Future, sync::Arc, time::Duration};

use serde::Serialize;
use tokio::sync::mpsc;

use crate::{Bond, HealthService, PairingPrompt, Result};

/// One device seen while scanning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Advertisement {
    pub address: String,
    pub name: Option<String>,
    pub rssi: Option<i16>,
    pub services: Vec<HealthService>,
}

/// One characteristic of a connected device, by its 16-bit UUID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GattChar {
    pub uuid: u16,
    pub read: bool,
    pub write: bool,
    /// Notify or indicate: both arrive as values on the link.
    pub subscribe: bool,
}

/// How many values a link holds for Tend to take: beyond that, a device sending faster than Tend
/// stores has further values dropped and counted, so it cannot make Tend's memory grow.
pub const LINK_QUEUE: usize = 1024;

/// What a link delivers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LinkEvent {
    /// A notification or indication.
    Value { uuid: u16, bytes: Vec<u8> },
    /// Values the link had no room for ([`LINK_QUEUE`]): dropped, counted as a flood.
    Dropped(u64),
    /// The link is gone (out of range, switched off, dropped by either side).
    Lost,
}

/// Scans for and connects to devices.
pub trait Central: Send + Sync + 'static {
    type Link: Link;

    /// Devices advertising a health service, seen within `duration`.
    fn scan(&self, duration: Duration) -> impl Future<Output = Result<Vec<Advertisement>>> + Send;

    /// Connects to `address` and discovers its characteristics. Values and the link's end
    /// arrive on the receiver, which holds at most [`LINK_QUEUE`] of them.
    fn connect(
        &self,
        address: &str,
    ) -> impl Future<Output = Result<(Self::Link, mpsc::Receiver<LinkEvent>)>> + Send;

    /// Bonds with `address` through the system's pairing, asking `prompt` for what the device
    /// shows; says how the link is secured.
    fn bond(
        &self,
        address: &str,
        prompt: Arc<dyn PairingPrompt>,
    ) -> impl Future<Output = Result<Bond>> + Send;

    /// Whether the system still holds a bond with `address`.
    fn has_bond(&self, address: &str) -> impl Future<Output = Result<bool>> + Send;

    /// Makes the system forget `address` and its bond.
    fn unbond(&self, address: &str) -> impl Future<Output = Result<()>> + Send;
}

/// A connection to one device.
pub trait Link: Send + Sync + 'static {
    fn characteristics(&self) -> Vec<GattChar>;
    fn read(&self, uuid: u16) -> impl Future<Output = Result<Vec<u8>>> + Send;
    fn write(&self, uuid: u16, value: Vec<u8>) -> impl Future<Output = Result<()>> + Send;
    fn subscribe(&self, uuid: u16) -> impl Future<Output = Result<()>> + Send;
    fn disconnect(&self) -> impl Future<Output = ()> + Send;

    fn find(&self, uuid: u16) -> Option<GattChar> {
        self.characteristics().into_iter().find(|c| c.uuid == uuid)
    }
}
