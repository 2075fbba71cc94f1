//! A pairing agent on the guest's BlueZ, for tests of bonding: it accepts every request and
//! notes what it was asked. BlueZ has one default agent for all its controllers: it answers for
//! the peripherals' side, and for the central's too unless the program that called
//! `Device1.Pair` registered an agent of its own (BlueZ then asks that one for its pairings).

use std::sync::{Arc, Mutex};

use bluer::{
    agent::{Agent, AgentHandle},
    Session,
};
use futures::FutureExt;

use crate::Result;

/// The input and output a pairing agent claims: it decides the pairing method.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AgentCapability {
    /// Just Works, with the agent asked to authorise it.
    NoInputNoOutput,
    /// Numeric comparison: the agent is asked to confirm a passkey.
    DisplayYesNo,
    /// A screen and no buttons, as on a cuff that shows a passkey: the agent is given the digits
    /// to show, and the other side types them.
    DisplayOnly,
}

/// A request the agent answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    /// A number to compare with the other side's, confirmed.
    Confirmation {
        adapter: String,
        device: String,
        passkey: u32,
    },
    /// Digits to show, which the other side must type.
    DisplayPasskey {
        adapter: String,
        device: String,
        passkey: u32,
    },
    Authorization {
        adapter: String,
        device: String,
    },
    Service {
        adapter: String,
        device: String,
    },
}

/// The registered agent. Dropping it unregisters it.
#[derive(Debug)]
pub struct PairingAgent {
    _handle: AgentHandle,
    requests: Arc<Mutex<Vec<AgentRequest>>>,
}

impl PairingAgent {
    /// Registers the default agent with `capability` on `session`'s BlueZ.
    pub async fn register(session: &Session, capability: AgentCapability) -> Result<PairingAgent> {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let note = |requests: &Arc<Mutex<Vec<AgentRequest>>>, request| {
            requests
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push(request);
        };
        let mut agent = Agent {
            request_default: true,
            ..Default::default()
        };
        if capability == AgentCapability::DisplayOnly {
            // Only a display: any yes/no answer would make BlueZ take it for DisplayYesNo.
            let on_display = requests.clone();
            agent.display_passkey = Some(Box::new(move |r| {
                note(
                    &on_display,
                    AgentRequest::DisplayPasskey {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                        passkey: r.passkey,
                    },
                );
                async { Ok(()) }.boxed()
            }));
        } else {
            let (on_authorization, on_service) = (requests.clone(), requests.clone());
            agent.request_authorization = Some(Box::new(move |r| {
                note(
                    &on_authorization,
                    AgentRequest::Authorization {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                    },
                );
                async { Ok(()) }.boxed()
            }));
            agent.authorize_service = Some(Box::new(move |r| {
                note(
                    &on_service,
                    AgentRequest::Service {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                    },
                );
                async { Ok(()) }.boxed()
            }));
        }
        if capability == AgentCapability::DisplayYesNo {
            let on_confirmation = requests.clone();
            agent.request_confirmation = Some(Box::new(move |r| {
                note(
                    &on_confirmation,
                    AgentRequest::Confirmation {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                        passkey: r.passkey,
                    },
                );
                async { Ok(()) }.boxed()
            }));
        }
        let handle = session.register_agent(agent).await?;
        Ok(PairingAgent {
            _handle: handle,
            requests,
        })
    }

    /// The digits the agent was last given to show or to compare, if any.
    pub fn shown_passkey(&self) -> Option<u32> {
        self.requests().iter().rev().find_map(|r| match r {
            AgentRequest::DisplayPasskey { passkey, .. }
            | AgentRequest::Confirmation { passkey, .. } => Some(*passkey),
            _ => None,
        })
    }

    /// What the agent was asked so far.
    pub fn requests(&self) -> Vec<AgentRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
