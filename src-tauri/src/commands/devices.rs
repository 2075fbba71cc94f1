//! Bluetooth health devices: scan, pair, choose the user, forget, their status, the live
//! stream, and the latest reading of each metric for Today.

use std::{
    sync::{Arc, Mutex},
    time::Duration,
};

use serde::{Deserialize, Serialize};
use tauri::{ipc::Channel, State};
use tend_core::{
    Answer, DeviceEvent, DeviceStatus, DeviceWatch, DevicesUnavailable, IdleLock, LatestReading,
    PairedDevice, PairingChoices, PairingPrompt, ScanResult, SystemClock,
};
use tokio::sync::oneshot;

use super::with_session;
use crate::{devices::DeviceChannels, platform::Platform, IpcError};

/// Which of a shared cuff's or scale's users the patient is (`user` null: its only user), with
/// that user's consent code where the device keeps its users apart with them.
#[derive(Debug, Clone, Copy, Deserialize, specta::Type)]
pub struct UserChoice {
    pub user: Option<u8>,
    pub consent_code: Option<u16>,
}

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

/// What pairing asks the patient, sent to the window that started it.
#[derive(Debug, Clone, Serialize, specta::Type)]
#[serde(tag = "ask", rename_all = "snake_case")]
pub enum PairingQuestion {
    /// Type the 6 digits the device shows.
    Passkey { device: String },
    /// Confirm that the device shows this number.
    Confirm { device: String, passkey: u32 },
}

/// The answer a pairing waits for, given through [`answer_pairing`].
#[derive(Debug, Default)]
pub struct PairingAnswers(Mutex<Option<oneshot::Sender<Option<u32>>>>);

/// The window's side of a pairing: each question goes to its channel, and the pairing waits
/// for the patient's answer (or their cancelling).
struct WindowPrompt {
    questions: Channel<PairingQuestion>,
    answers: Arc<PairingAnswers>,
}

impl WindowPrompt {
    fn ask(&self, question: PairingQuestion) -> Answer<u32> {
        let (tx, rx) = oneshot::channel();
        *self
            .answers
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(tx);
        let asked = self.questions.send(question).is_ok();
        Box::pin(async move {
            if !asked {
                return None;
            }
            rx.await.ok().flatten()
        })
    }
}

impl PairingPrompt for WindowPrompt {
    fn passkey(&self, device: &str) -> Answer<u32> {
        self.ask(PairingQuestion::Passkey {
            device: device.to_owned(),
        })
    }

    fn confirm(&self, device: &str, passkey: u32) -> Answer<()> {
        let answer = self.ask(PairingQuestion::Confirm {
            device: device.to_owned(),
            passkey,
        });
        Box::pin(async move { answer.await.map(|_| ()) })
    }
}

/// The patient's answer to the pairing's question: the passkey typed (or, to a `confirm`, the
/// number confirmed), or nothing to cancel.
#[tauri::command]
#[specta::specta]
pub fn answer_pairing(answers: State<'_, Arc<PairingAnswers>>, passkey: Option<u32>) {
    let waiting = answers
        .0
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take();
    if let Some(tx) = waiting {
        let _ = tx.send(passkey);
    }
}

/// Pairs the device `id` (its address from a scan) as the user `choice` says, and starts
/// receiving from it; what the pairing asks of the patient (a passkey the device
/// shows) goes to `questions`.
#[tauri::command]
#[specta::specta]
pub async fn pair_device(
    sessions: State<'_, Arc<IdleLock>>,
    platform: State<'_, Platform>,
    watch: State<'_, Arc<DeviceWatch>>,
    answers: State<'_, Arc<PairingAnswers>>,
    id: String,
    choice: UserChoice,
    questions: Channel<PairingQuestion>,
) -> Result<PairedDevice, IpcError> {
    allowed(&platform)?;
    let central = tend_core::system_central().await?;
    let choices = PairingChoices {
        prompt: Arc::new(WindowPrompt {
            questions,
            answers: Arc::clone(&answers),
        }),
        user: choice.user,
        consent_code: choice.consent_code,
    };
    let paired = with_session(&sessions, async |s| {
        s.pair_device(&central, &id, choices, &SystemClock, PAIR_SCAN)
            .await
    })
    .await?;
    watch.restart();
    Ok(paired)
}

/// Changes which of a shared cuff's or scale's users the patient is, as `choice` says, without
/// pairing it again; the watch restarts with the new choice. What is stored stays.
#[tauri::command]
#[specta::specta]
pub async fn set_device_user(
    sessions: State<'_, Arc<IdleLock>>,
    watch: State<'_, Arc<DeviceWatch>>,
    id: String,
    choice: UserChoice,
) -> Result<PairedDevice, IpcError> {
    let device = with_session(&sessions, async |s| {
        s.set_device_user(&id, choice.user, choice.consent_code)
            .await
    })
    .await?;
    watch.restart();
    Ok(device)
}

/// Forgets a paired device; its readings stay in the history.
#[tauri::command]
#[specta::specta]
pub async fn forget_device(
    sessions: State<'_, Arc<IdleLock>>,
    watch: State<'_, Arc<DeviceWatch>>,
    id: String,
) -> Result<bool, IpcError> {
    let central = tend_core::system_central().await?;
    let forgotten = with_session(&sessions, async |s| s.forget_device(&central, &id).await).await?;
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
