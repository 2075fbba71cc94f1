//! A BlueZ look-alike with simulated health peripherals, for tests and the demo on machines
//! without a Bluetooth radio.
//!
//! This module holds the peripherals' model; the D-Bus service that presents them as
//! `org.bluez` objects is built on it.

mod peripheral;

pub use peripheral::{catalogue, Fault, SimPeripheral};

/// Why the simulator could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no simulated peripheral at {0}")]
    UnknownPeripheral(String),
}

pub type Result<T> = std::result::Result<T, Error>;
