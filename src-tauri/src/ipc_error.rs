//! The one error that crosses the IPC boundary: a stable code to switch on and a safe message.

use serde::Serialize;
use tend_core::ErrorCode;

/// What the UI receives when a command fails. `message` is for people; code is for logic.
#[derive(Debug, Serialize, specta::Type)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

impl From<tend_core::Error> for IpcError {
    fn from(e: tend_core::Error) -> Self {
        IpcError {
            code: e.code(),
            message: e.to_string(),
        }
    }
}

impl From<tend_core::VaultError> for IpcError {
    fn from(e: tend_core::VaultError) -> Self {
        tend_core::Error::from(e).into()
    }
}

/// Date arithmetic that cannot be done (far outside any calendar a patient uses).
impl From<jiff::Error> for IpcError {
    fn from(_: jiff::Error) -> Self {
        IpcError {
            code: tend_core::ErrorCode::Internal,
            message: "that date is outside the calendar Tend can work with".into(),
        }
    }
}
