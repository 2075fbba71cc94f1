//! A pairing agent on the guest's BlueZ, for tests of bonding: it accepts every request and
//! notes what it was asked. BlueZ has one default agent for all its controllers, so it answers
//! for the central and the peripheral side alike.

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
}

/// A request the agent answered (no passkeys: they are test noise).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AgentRequest {
    Confirmation { adapter: String, device: String },
    Authorization { adapter: String, device: String },
    Service { adapter: String, device: String },
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
        let (on_authorization, on_service) = (requests.clone(), requests.clone());
        let mut agent = Agent {
            request_default: true,
            request_authorization: Some(Box::new(move |r| {
                note(
                    &on_authorization,
                    AgentRequest::Authorization {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                    },
                );
                async { Ok(()) }.boxed()
            })),
            authorize_service: Some(Box::new(move |r| {
                note(
                    &on_service,
                    AgentRequest::Service {
                        adapter: r.adapter,
                        device: r.device.to_string(),
                    },
                );
                async { Ok(()) }.boxed()
            })),
            ..Default::default()
        };
        if capability == AgentCapability::DisplayYesNo {
            let on_confirmation = requests.clone();
            agent.request_confirmation = Some(Box::new(move |r| {
                note(
                    &on_confirmation,
                    AgentRequest::Confirmation {
                        adapter: r.adapter,
                        device: r.device.to_string(),
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

    /// What the agent was asked so far.
    pub fn requests(&self) -> Vec<AgentRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}
