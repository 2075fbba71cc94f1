//! What Tend is doing with one device, as shown to the patient.

use serde::{Deserialize, Serialize};

/// The connection state of one paired device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkState {
    /// Looking for a device the adapter no longer knows.
    Scanning,
    Connecting,
    Connected,
    Streaming,
    /// Fetching readings the device stored while out of range.
    Downloading,
    Reconnecting,
    Offline,
}

impl LinkState {
    /// Whether readings can arrive from the device in this state.
    pub fn is_linked(self) -> bool {
        matches!(
            self,
            LinkState::Connected | LinkState::Streaming | LinkState::Downloading
        )
    }
}
