//! The real BlueZ for Tend's tests: `bluetoothd` and the Linux HCI/mgmt stack in a QEMU guest
//! with emulated LE controllers (`btvirt`), its system bus forwarded to the host, and health
//! peripherals served through it.
//!
//! - [`Guest`] builds the guest image once ([`ensure_image`], cached by recipe hash), boots it under
//!   QEMU's software emulation and kills it when dropped (or when this process ends in any
//!   other way). Its bus goes in `DBUS_SYSTEM_BUS_ADDRESS`: then btleplug (through `tend-ble`,
//!   unchanged) is the central on hci0.
//! - [`Peripherals`] serves `bluez-sim`'s device models through BlueZ's own GATT server and
//!   advertising, one device per controller (hci1, hci2, …), with the same controls as
//!   `bluez-sim` (out of range, faults, stored records, impostors) and [`Security`] for devices
//!   that demand an encrypted or authenticated link.
//! - [`PairingAgent`] answers BlueZ's pairing requests, for bonding tests.
//! - [`RealMeter`] is the glucose meter alone on the real stack, for the drops benchmark.

mod agent;
mod guest;
mod image;
mod meter;
mod peripherals;

pub use agent::{AgentCapability, AgentRequest, PairingAgent};
pub use guest::{Guest, GuestOptions};
pub use image::{cache_root, ensure_image, recipe_hash, GuestImage};
pub use meter::RealMeter;
pub use peripherals::{Peripherals, Security};
pub use tend_bluez_sim::{catalogue, Fault, Kind, SimPeripheral};

/// Why the real-BlueZ harness could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("QEMU cannot run here: {0}")]
    Qemu(String),
    #[error("the guest image could not be built: {0}")]
    Image(String),
    #[error("the guest did not come up: {0}")]
    Boot(String),
    #[error("BlueZ: {0}")]
    Bluez(#[from] bluer::Error),
    #[error("no peripheral {0} is served")]
    UnknownPeripheral(String),
    #[error("no controller is left for another peripheral: start the guest with more")]
    NoSpareController,
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
