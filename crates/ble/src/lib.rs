//! Talking to the patient's Bluetooth LE health devices through btleplug.
//!
//! btleplug (and, on Linux, BlueZ's own bindings for bonding: `bonding.rs`) stay inside this
//! crate (`btle.rs`):
//! the connection logic in `supervise.rs` sees a [`Central`] and a [`Link`], so it is tested with
//! a fake as well as against `bluez-sim`. The rest of the app sees [`HealthService`]s,
//! [`LinkState`]s, [`DeviceEvent`]s and decoded readings handed to its [`DeviceSink`].

#[cfg(target_os = "android")]
mod android;
mod bonding;
mod btle;
mod decode;
mod device;
mod health_service;
mod link;
mod link_state;
mod pairing;
mod supervise;
#[cfg(test)]
mod supervise_tests;
mod user_data;

pub use bonding::{no_prompt, Answer, Bond, NoPrompt, PairingPrompt};
pub use btle::{BtleCentral, BtleLink, ANSWER_WITHIN};
pub use decode::{decode, is_patients, measured_user, MeasuredUser, MEASUREMENTS, UNKNOWN_USER};
pub use device::{
    Clock, DeviceCounters, DeviceEvent, DeviceReading, DeviceSink, PairedDevice, Problem,
};
pub use health_service::{uuid_from_u16, HealthService};
pub use link::{Advertisement, Central, GattChar, Link, LinkEvent};
pub use link_state::LinkState;
pub use pairing::{pair, scan, PairingChoices, ScanResult};
pub use supervise::{backoff, keep_connected, LinkPolicy};
pub use tend_gatt::MAX_CONSENT_CODE;

use btleplug::api::Manager as _;

/// Why talking to a device failed. Carries no health values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no Bluetooth adapter found")]
    NoAdapter,
    #[error("Bluetooth is unavailable: {0}")]
    Unavailable(String),
    #[error("the device sent a malformed value: {0}")]
    Malformed(#[from] tend_gatt::Error),
    #[error("no device {0} is known: scan first, and check it is in range")]
    UnknownDevice(String),
    #[error("the device has no characteristic {0:#06x}")]
    MissingCharacteristic(u16),
    #[error("{0} offers no health service Tend supports")]
    NotAHealthDevice(String),
    /// A user was chosen for a device that says it keeps no users apart.
    #[error("{0} has one user only: every measurement it takes is that user's")]
    OneUserOnly(String),
    #[error("could not store: {0}")]
    Storage(String),
    /// The patient (or the system) has not allowed Tend to use Bluetooth.
    #[error("Tend is not allowed to use Bluetooth")]
    NotAllowed,
    #[error("pairing failed: {0}")]
    PairingFailed(String),
    /// A device answered at a bonded device's address without the bond's keys.
    #[error("the device at {0} could not prove it is the one paired: not connected")]
    NotTheBondedDevice(String),
    /// The system no longer holds the bond with a device Tend bonded with.
    #[error("the system no longer holds the bond with {0}: pair it again")]
    BondLost(String),
    /// A device that keeps its users apart with consent codes (User Data Service) was paired as
    /// one of its users without that user's code.
    #[error("{0} keeps each user's measurements behind a 4-digit consent code: give yours (the one set on the device for your user)")]
    ConsentCodeNeeded(String),
    /// The device did not accept the consent code for the user (a wrong code, or no such user).
    #[error("{device} did not accept the consent code for user {user}: check the user number and the code set on the device")]
    ConsentRefused { device: String, user: u8 },
}

impl From<btleplug::Error> for Error {
    fn from(e: btleplug::Error) -> Self {
        match e {
            btleplug::Error::PermissionDenied => Error::NotAllowed,
            // BlueZ could not encrypt the link with the bond's keys (btleplug keeps only the
            // D-Bus message: "Authentication Failed").
            other
                if other
                    .to_string()
                    .to_ascii_lowercase()
                    .contains("authentication fail") =>
            {
                Error::NotTheBondedDevice(other.to_string())
            }
            other => Error::Unavailable(other.to_string()),
        }
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Names the Bluetooth adapters the system offers (BlueZ on Linux), so the app can tell the
/// patient when there is none rather than scanning forever.
pub async fn adapter_names() -> Result<Vec<String>> {
    use btleplug::api::Central as _;
    #[cfg(target_os = "android")]
    android::init()?;
    let manager = btleplug::platform::Manager::new().await?;
    let mut names = Vec::new();
    for adapter in manager.adapters().await? {
        names.push(adapter.adapter_info().await?);
    }
    Ok(names)
}
