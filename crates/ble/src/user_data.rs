//! The User Data Service's consent: on a scale a household shares, a link receives the patient's
//! measurements only once the scale accepted their user's consent code, and no one else's ever.
//! A consent lasts one connection, so Tend gives it when pairing and on every connection after.

use std::time::Duration;

use tend_gatt::{UcpRequest, UcpResponse, UcpResult, UserControlPoint};
use tokio::sync::mpsc;

use crate::{Error, Link, LinkEvent, Result};

/// How long a device may take to answer a consent.
const ANSWER_WITHIN: Duration = Duration::from_secs(5);

/// Whether the device keeps its users apart through the User Data Service (a consent code each).
pub(crate) fn offers_consent<L: Link>(link: &L) -> bool {
    link.find(UserControlPoint::UUID)
        .is_some_and(|c| c.write && c.subscribe)
}

/// Gives the device at `id` the consent `code` of its user `user` on its User Control Point, and
/// waits for its answer. [`Error::ConsentRefused`] when it does not accept them. Values that
/// arrive before the answer are dropped: a device with the service sends no one's
/// measurements to a link that has not consented.
pub(crate) async fn give_consent<L: Link>(
    link: &L,
    events: &mut mpsc::Receiver<LinkEvent>,
    id: &str,
    user: u8,
    code: u16,
) -> Result<()> {
    link.subscribe(UserControlPoint::UUID).await?;
    let request = UcpRequest::Consent {
        user_index: user,
        consent_code: code,
    };
    link.write(UserControlPoint::UUID, request.encode()).await?;
    let deadline = tokio::time::Instant::now() + ANSWER_WITHIN;
    loop {
        let event = tokio::time::timeout_at(deadline, events.recv())
            .await
            .map_err(|_| Error::Unavailable(format!("{id} did not answer the consent")))?;
        match event {
            None | Some(LinkEvent::Lost) => {
                return Err(Error::Unavailable(format!("{id} dropped the link")))
            }
            Some(LinkEvent::Value { uuid, bytes }) if uuid == UserControlPoint::UUID => {
                let response = UcpResponse::decode(&bytes)?;
                if response.request_op_code != request.op_code() {
                    continue;
                }
                return match response.result {
                    UcpResult::Success => Ok(()),
                    _ => Err(Error::ConsentRefused {
                        device: id.to_owned(),
                        user,
                    }),
                };
            }
            Some(_) => {}
        }
    }
}
