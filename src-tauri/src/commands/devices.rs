//! Bluetooth health devices: scan, pair, forget, their status, the live stream, and the latest
//! reading of each metric for Today.

use std::{sync::Arc, time::Duration};

use serde::Serialize;
use tauri::{ipc::Channel, State};
use tend_core::{
    DeviceEvent, DeviceStatus, DeviceWatch, DevicesUnavailable, IdleLock, LatestReading,
    PairedDevice, ScanResult, SystemClock,
};

use super::with_session;
use crate::{devices::DeviceChannels, platform::Platform, IpcError};

/// Asks for Bluetooth where the phone wants the patient's permission; a refusal is an error the
/// Devices screen explains, never a scan that waits for nothing.
fn allowed(platform: &Platform) -> Result<(), IpcError> {
    if platform.allow_bluetooth() {
        Ok(())
    } else {
        Err(IpcError {
            code: tend_core::ErrorCode::BluetoothNotAllowed,
            message: "Tend is not allowed to use Bluetooth".into(),
        })
    }
}

/// How long pairing looks for the chosen device before giving up.
const PAIR_SCAN: Duration = Duration::from_secs(3);

/// Health devices in range, the paired ones marked, for `seconds` (1 to 30).
#[tauri::command]
#[specta::specta]
pub async fn scan_devices(
    sessions: State<'_, Arc<IdleLock>>,
    platform: State<'_, Platform>,
    seconds: u8,
) -> Result<Vec<ScanResult>, IpcError> {
    allowed(&platform)?;
    let central = tend_core::system_central().await?;
    let duration = Duration::from_secs(u64::from(seconds.clamp(1, 30)));
    with_session(&sessions, async |s| {
        s.scan_devices(&central, duration).await
    })
    .await
}

/// Pairs the device `id` (its address from a scan) as its user `user` (`null`: its only user)
/// and starts receiving from it.
#[tauri::command]
#[specta::specta]
pub async fn pair_device(
    sessions: State<'_, Arc<IdleLock>>,
    platform: State<'_, Platform>,
    watch: State<'_, Arc<DeviceWatch>>,
    id: String,
    user: Option<u8>,
) -> Result<PairedDevice, IpcError> {
    allowed(&platform)?;
    let central = tend_core::system_central().await?;
    let paired = with_session(&sessions, async |s| {
        s.pair_device(&central, &id, user, &SystemClock, PAIR_SCAN)
            .await
    })
    .await?;
    watch.restart();
    Ok(paired)
}

/// Forgets a paired device; its readings stay in the history.
#[tauri::command]
#[specta::specta]
pub async fn forget_device(
    sessions: State<'_, Arc<IdleLock>>,
    watch: State<'_, Arc<DeviceWatch>>,
    id: String,
) -> Result<bool, IpcError> {
    let forgotten = with_session(&sessions, async |s| s.forget_device(&id).await).await?;
    watch.restart();
    Ok(forgotten)
}

/// The paired devices as last heard, and why none can be reached when Bluetooth is missing.
#[derive(Debug, Serialize, specta::Type)]
pub struct Devices {
    pub devices: Vec<DeviceStatus>,
    pub unavailable: Option<DevicesUnavailable>,
}

#[tauri::command]
#[specta::specta]
pub fn devices(watch: State<'_, Arc<DeviceWatch>>) -> Devices {
    Devices {
        devices: watch.statuses(),
        unavailable: watch.unavailable(),
    }
}

/// Streams every later device event (readings as they are stored, state, battery, download
/// progress, problems) to `channel`.
#[tauri::command]
#[specta::specta]
pub fn watch_devices(channels: State<'_, Arc<DeviceChannels>>, channel: Channel<DeviceEvent>) {
    channels.subscribe(channel);
}

/// The newest reading of each metric, for Today.
#[tauri::command]
#[specta::specta]
pub async fn latest_readings(
    sessions: State<'_, Arc<IdleLock>>,
) -> Result<Vec<LatestReading>, IpcError> {
    with_session(&sessions, async |s| s.latest_readings().await).await
}
