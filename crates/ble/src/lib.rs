//! Talking to the patient's Bluetooth LE health devices through btleplug.
//!
//! btleplug is the only Bluetooth dependency in Tend and stays inside this crate: the rest of the
//! app sees [`HealthService`]s, [`LinkState`]s and decoded readings.

mod health_service;
mod link_state;

pub use health_service::HealthService;
pub use link_state::LinkState;

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
}

impl From<btleplug::Error> for Error {
    fn from(e: btleplug::Error) -> Self {
        Error::Unavailable(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// Names the Bluetooth adapters the system offers (BlueZ on Linux), so the app can tell the
/// patient when there is none rather than scanning forever.
pub async fn adapter_names() -> Result<Vec<String>> {
    use btleplug::api::Central as _;
    let manager = btleplug::platform::Manager::new().await?;
    let mut names = Vec::new();
    for adapter in manager.adapters().await? {
        names.push(adapter.adapter_info().await?);
    }
    Ok(names)
}
