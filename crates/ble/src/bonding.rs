//! Bonding: the keys a device and the system share once paired, which make every later link
//! encrypted and prove it is the same device, whatever it calls itself. On Linux Tend asks
//! BlueZ itself (`org.bluez.Device1.Pair`, with an `org.bluez.Agent1` Tend registers, so that
//! BlueZ asks Tend — and Tend the patient — for the passkey a device shows). LE Secure
//! Connections is BlueZ's and the controller's choice wherever both ends support it. Other
//! systems pair when a device asks, with their own dialog ([`Bond::Platform`]).

use std::{future::Future, pin::Pin, sync::Arc};

use serde::{Deserialize, Serialize};

/// How a paired device's link is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Bond {
    /// No bond: paired before Tend bonded devices.
    #[default]
    None,
    /// Bonded by "Just Works": the device can show and take nothing, so the patient could
    /// check nothing. Encrypted, and only this device holds the keys, but a device in the
    /// middle while pairing would not have been noticed.
    JustWorks,
    /// Bonded with a passkey the patient typed (or a number they confirmed): authenticated.
    Authenticated,
    /// The system pairs on its own, with its own dialog, when the device asks (Android, iOS,
    /// macOS, Windows): Tend cannot see how.
    Platform,
}

impl Bond {
    /// Whether the system holds keys Tend bonded with, which every later link must prove.
    pub fn is_bonded(self) -> bool {
        matches!(self, Bond::JustWorks | Bond::Authenticated)
    }
}

/// An answer the patient gives while pairing, or `None` when they cancel.
pub type Answer<T> = Pin<Box<dyn Future<Output = Option<T>> + Send>>;

/// The patient's side of pairing, asked by a shell (a dialog in the app, a prompt in the CLI).
pub trait PairingPrompt: Send + Sync + 'static {
    /// The device at `device` shows a 6-digit passkey: the patient types it.
    fn passkey(&self, device: &str) -> Answer<u32>;
    /// Both ends show `passkey` (numeric comparison): the patient confirms they match.
    fn confirm(&self, device: &str, passkey: u32) -> Answer<()>;
}

/// A prompt for no patient: it refuses to pair with a device that wants a passkey.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoPrompt;

impl PairingPrompt for NoPrompt {
    fn passkey(&self, _device: &str) -> Answer<u32> {
        Box::pin(async { None })
    }
    fn confirm(&self, _device: &str, _passkey: u32) -> Answer<()> {
        Box::pin(async { None })
    }
}

/// Bonding through BlueZ (`bluer`, its official bindings).
#[cfg(target_os = "linux")]
pub(crate) mod bluez {
    use std::sync::{
        atomic::{AtomicBool, Ordering},
        Arc,
    };

    use bluer::agent::{Agent, ReqError};
    use futures::FutureExt;

    use super::{Bond, PairingPrompt};
    use crate::{Error, Result};

    fn address(text: &str) -> Result<bluer::Address> {
        text.parse()
            .map_err(|_| Error::UnknownDevice(text.to_owned()))
    }

    fn unavailable(e: bluer::Error) -> Error {
        Error::Unavailable(e.to_string())
    }

    /// BlueZ for one adapter: its D-Bus session opened on first use and kept, since a bonded
    /// device's every reconnect asks whether the bond is still there.
    #[derive(Clone)]
    pub struct Bluez {
        adapter: String,
        session: Arc<tokio::sync::OnceCell<bluer::Session>>,
    }

    impl std::fmt::Debug for Bluez {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("Bluez")
                .field("adapter", &self.adapter)
                .finish_non_exhaustive()
        }
    }

    impl Bluez {
        /// BlueZ's adapter `adapter` (`hci0`); nothing is opened yet.
        pub fn new(adapter: String) -> Bluez {
            Bluez {
                adapter,
                session: Arc::default(),
            }
        }

        async fn session(&self) -> Result<&bluer::Session> {
            self.session
                .get_or_try_init(|| async { bluer::Session::new().await.map_err(unavailable) })
                .await
        }

        async fn adapter(&self) -> Result<bluer::Adapter> {
            self.session()
                .await?
                .adapter(&self.adapter)
                .map_err(unavailable)
        }

        async fn device(&self, device: &str) -> Result<bluer::Device> {
            self.adapter()
                .await?
                .device(address(device)?)
                .map_err(unavailable)
        }

        /// Pairs with `device` through BlueZ, with an agent that asks `prompt`.
        pub async fn bond(&self, device: &str, prompt: Arc<dyn PairingPrompt>) -> Result<Bond> {
            bond(self.session().await?, self.device(device).await?, prompt).await
        }

        /// Whether BlueZ still holds a bond with `device`.
        pub async fn has_bond(&self, device: &str) -> Result<bool> {
            self.device(device)
                .await?
                .is_paired()
                .await
                .map_err(unavailable)
        }

        /// Makes BlueZ forget `device` and its bond.
        pub async fn unbond(&self, device: &str) -> Result<()> {
            self.adapter()
                .await?
                .remove_device(address(device)?)
                .await
                .map_err(unavailable)
        }
    }

    async fn bond(
        session: &bluer::Session,
        target: bluer::Device,
        prompt: Arc<dyn PairingPrompt>,
    ) -> Result<Bond> {
        let asked = Arc::new(AtomicBool::new(false));
        let (passkey_asked, confirm_asked) = (asked.clone(), asked.clone());
        let (passkey_prompt, confirm_prompt) = (prompt.clone(), prompt);
        // Not the default agent: BlueZ asks the agent of whoever called Pair about that pairing,
        // and the system's own agent (the desktop's Bluetooth settings) stays the one asked
        // about anything else, such as the other end of a pairing on a second controller.
        let agent = Agent {
            request_default: false,
            request_passkey: Some(Box::new(move |request| {
                passkey_asked.store(true, Ordering::SeqCst);
                let answer = passkey_prompt.passkey(&request.device.to_string());
                async move { answer.await.ok_or(ReqError::Canceled) }.boxed()
            })),
            request_confirmation: Some(Box::new(move |request| {
                confirm_asked.store(true, Ordering::SeqCst);
                let answer = confirm_prompt.confirm(&request.device.to_string(), request.passkey);
                async move { answer.await.ok_or(ReqError::Rejected) }.boxed()
            })),
            // The patient started this pairing in Tend: a Just Works request is theirs.
            request_authorization: Some(Box::new(|_| async { Ok(()) }.boxed())),
            ..Default::default()
        };
        let _agent = session.register_agent(agent).await.map_err(unavailable)?;
        if target.is_paired().await.map_err(unavailable)? {
            // Bonded already (in the system's settings): the keys are there, how is unknown.
            return Ok(Bond::Platform);
        }
        target
            .pair()
            .await
            .map_err(|e| Error::PairingFailed(e.to_string()))?;
        Ok(if asked.load(Ordering::SeqCst) {
            Bond::Authenticated
        } else {
            Bond::JustWorks
        })
    }
}

/// The default for a shell that cannot ask: [`NoPrompt`].
pub fn no_prompt() -> Arc<dyn PairingPrompt> {
    Arc::new(NoPrompt)
}
