//! User Data Service (UDS v1.0, 0x181C): how a client says which of a shared device's users it
//! speaks for. A cuff or scale that several people use keeps each one's measurements apart, and
//! sends a link a user's measurements only after it gave that user's consent code.
//!
//! The User Control Point (0x2A9F) takes a request (op code, parameters) and indicates a response:
//! 0x20, the request's op code, a result code, and for a registration the new user's index.
//! Requests: 1 register new user (consent code), 2 consent (user index, consent code), 3 delete
//! user data. A consent code is 0 to 9999, the four digits a patient types. The User Index
//! (0x2A9A) reads the index of the user the link has consented as, 0xFF while it has not.

use crate::bytes::{Reader, Writer};
use crate::{Characteristic, Error, Result};

/// The service's 16-bit UUID.
pub const USER_DATA_SERVICE: u16 = 0x181C;

/// The user index a device gives measurements whose user it does not know.
pub const UNKNOWN_USER: u8 = 0xFF;

/// The highest consent code (the specification allows 0x0000 to 0x270F).
pub const MAX_CONSENT_CODE: u16 = 9999;

/// What the client asks on the User Control Point.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UcpRequest {
    /// Make a new user, protected by `consent_code`; the response names its index.
    RegisterNewUser { consent_code: u16 },
    /// Speak for `user_index` on this link, proven by its `consent_code`.
    Consent { user_index: u8, consent_code: u16 },
    /// Delete the consented user's data.
    DeleteUserData,
}

raw_enum! {
    /// User Control Point result codes; 0 and 6–255 reserved.
    pub enum UcpResult("User Control Point result code") {
        Success = 1,
        OpCodeNotSupported = 2,
        InvalidParameter = 3,
        OperationFailed = 4,
        UserNotAuthorized = 5,
    }
}

/// What the device indicates back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UcpResponse {
    pub request_op_code: u8,
    pub result: UcpResult,
    /// The registered user's index: only in a successful registration's response.
    pub user_index: Option<u8>,
}

const REGISTER_NEW_USER: u8 = 0x01;
const CONSENT: u8 = 0x02;
const DELETE_USER_DATA: u8 = 0x03;
const RESPONSE: u8 = 0x20;

fn consent_code(r: &mut Reader<'_>) -> Result<u16> {
    let code = r.u16()?;
    if code > MAX_CONSENT_CODE {
        return Err(Error::Reserved {
            field: "consent code",
            value: u32::from(code),
        });
    }
    Ok(code)
}

impl UcpRequest {
    /// The request op code (what a response names).
    pub fn op_code(&self) -> u8 {
        match self {
            UcpRequest::RegisterNewUser { .. } => REGISTER_NEW_USER,
            UcpRequest::Consent { .. } => CONSENT,
            UcpRequest::DeleteUserData => DELETE_USER_DATA,
        }
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(self.op_code());
        match *self {
            UcpRequest::RegisterNewUser { consent_code } => {
                w.u16(consent_code);
            }
            UcpRequest::Consent {
                user_index,
                consent_code,
            } => {
                w.u8(user_index).u16(consent_code);
            }
            UcpRequest::DeleteUserData => {}
        }
        w.into_vec()
    }

    /// Decodes a request as a device receives it (the simulated peripherals use this).
    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let request = match r.u8()? {
            REGISTER_NEW_USER => UcpRequest::RegisterNewUser {
                consent_code: consent_code(&mut r)?,
            },
            CONSENT => UcpRequest::Consent {
                user_index: r.u8()?,
                consent_code: consent_code(&mut r)?,
            },
            DELETE_USER_DATA => UcpRequest::DeleteUserData,
            RESPONSE => {
                return Err(Error::Malformed(
                    "User Control Point: a response where a request was expected",
                ))
            }
            other => {
                return Err(Error::Reserved {
                    field: "User Control Point op code",
                    value: u32::from(other),
                })
            }
        };
        r.finish()?;
        Ok(request)
    }
}

impl UcpResponse {
    /// The answer to `request` with `result` (and, for a registration, the new user's index).
    pub fn to(request_op_code: u8, result: UcpResult) -> UcpResponse {
        UcpResponse {
            request_op_code,
            result,
            user_index: None,
        }
    }

    pub fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        if r.u8()? != RESPONSE {
            return Err(Error::Malformed(
                "User Control Point: a request where a response was expected",
            ));
        }
        let request_op_code = r.u8()?;
        let result = UcpResult::from_raw(r.u8()?)?;
        let user_index = if request_op_code == REGISTER_NEW_USER && result == UcpResult::Success {
            Some(r.u8()?)
        } else {
            None
        };
        r.finish()?;
        Ok(UcpResponse {
            request_op_code,
            result,
            user_index,
        })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut w = Writer::new();
        w.u8(RESPONSE)
            .u8(self.request_op_code)
            .u8(self.result.raw());
        if let Some(index) = self.user_index {
            w.u8(index);
        }
        w.into_vec()
    }
}

/// The User Index (0x2A9A): the user the link has consented as ([`UNKNOWN_USER`] before).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserIndex(pub u8);

impl Characteristic for UserIndex {
    const UUID: u16 = 0x2A9A;

    fn decode(bytes: &[u8]) -> Result<Self> {
        let mut r = Reader::new(bytes);
        let index = r.u8()?;
        r.finish()?;
        Ok(UserIndex(index))
    }

    fn encode(&self) -> Vec<u8> {
        vec![self.0]
    }
}

/// The User Control Point's UUID.
#[derive(Debug, Clone, Copy)]
pub struct UserControlPoint;

impl UserControlPoint {
    pub const UUID: u16 = 0x2A9F;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_refuse_what_the_specification_does_not_allow() {
        let consent = UcpRequest::Consent {
            user_index: 2,
            consent_code: 1234,
        };
        assert_eq!(consent.encode(), [0x02, 0x02, 0xD2, 0x04]);
        assert_eq!(UcpRequest::decode(&consent.encode()), Ok(consent));
        let register = UcpRequest::RegisterNewUser { consent_code: 9999 };
        assert_eq!(UcpRequest::decode(&register.encode()), Ok(register));
        assert_eq!(UcpRequest::decode(&[0x03]), Ok(UcpRequest::DeleteUserData));
        // A consent code past 9999, a missing byte, one too many, a reserved op code.
        assert!(matches!(
            UcpRequest::decode(&[0x02, 0x01, 0x10, 0x27]),
            Err(Error::Reserved { .. })
        ));
        assert!(matches!(
            UcpRequest::decode(&[0x02, 0x01, 0xD2]),
            Err(Error::TooShort { .. })
        ));
        assert_eq!(
            UcpRequest::decode(&[0x03, 0x00]),
            Err(Error::TrailingBytes(1))
        );
        assert!(matches!(
            UcpRequest::decode(&[0x07]),
            Err(Error::Reserved { .. })
        ));
        assert!(UcpRequest::decode(&[0x20, 0x02, 0x01]).is_err());
    }

    #[test]
    fn responses_carry_a_new_users_index_only_after_a_registration() {
        let refused = UcpResponse::to(CONSENT, UcpResult::UserNotAuthorized);
        assert_eq!(refused.encode(), [0x20, 0x02, 0x05]);
        assert_eq!(UcpResponse::decode(&refused.encode()), Ok(refused));
        let registered = UcpResponse {
            user_index: Some(3),
            ..UcpResponse::to(REGISTER_NEW_USER, UcpResult::Success)
        };
        assert_eq!(registered.encode(), [0x20, 0x01, 0x01, 0x03]);
        assert_eq!(UcpResponse::decode(&registered.encode()), Ok(registered));
        assert_eq!(
            UcpResponse::decode(&[0x20, 0x02, 0x01, 0x03]),
            Err(Error::TrailingBytes(1))
        );
        assert!(UcpResponse::decode(&[0x20, 0x02, 0x00]).is_err());
        assert!(UcpResponse::decode(&[0x02, 0x01, 0xD2, 0x04]).is_err());
        assert_eq!(UserIndex::decode(&[UNKNOWN_USER]), Ok(UserIndex(0xFF)));
        assert!(UserIndex::decode(&[]).is_err());
    }
}
