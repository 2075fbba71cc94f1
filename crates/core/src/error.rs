//! The one error type of the application API, with a stable code set where the failure happens.
//!
//! Messages name the failure in plain words, without telling the reader which command or button
//! to use: each shell chooses its own words and hints from the [`ErrorCode`].

use serde::Serialize;

/// A failure of an application capability. Its message is safe to show and to log: it never
/// holds health values or secrets.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Vault(#[from] tend_vault::Error),
    #[error(transparent)]
    Bluetooth(#[from] tend_ble::Error),
    #[error(transparent)]
    Share(#[from] tend_share::Error),
    /// A file to import that cannot be read (its format, or a part of it, named with where).
    #[error(transparent)]
    Import(#[from] tend_import::Error),
    /// The patient stopped it: nothing of it was stored.
    #[error("the import was cancelled; nothing of it was stored")]
    Cancelled,
    #[error("{0}")]
    InvalidInput(String),
    #[error("{}", missing(*what, id))]
    NotFound { what: Thing, id: String },
    #[error("{what} `{id}` is already there")]
    AlreadyExists { what: Thing, id: String },
    #[error("Tend is locked")]
    Locked,
    /// What was asked lets data out: the patient must give their passphrase or passcode first.
    #[error("the patient must confirm it is them first")]
    PresenceRequired,
    /// A reminder file in the profile (the plan, its cursor, presses kept while locked) could
    /// not be read or written; the file's name, never its content.
    #[error("the reminder file {0} could not be read or written")]
    ReminderFile(String),
}

/// What a [`Error::NotFound`] or [`Error::AlreadyExists`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum Thing {
    CareTeam,
    Medication,
    /// A dose of a medication, by its due time.
    Dose,
    /// A health device in Bluetooth range.
    DeviceInRange,
    PairedDevice,
    /// An import batch, by its number.
    ImportBatch,
}

impl std::fmt::Display for Thing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Thing::CareTeam => "care team",
            Thing::Medication => "medication",
            Thing::Dose => "dose",
            Thing::DeviceInRange => "health device in range called",
            Thing::PairedDevice => "paired device",
            Thing::ImportBatch => "import",
        })
    }
}

/// What kind of failure happened, for the UI and scripts to switch on; never parse messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The profile has no vault yet.
    VaultNotCreated,
    /// The vault was written by a newer Tend.
    VaultNewerFormat,
    /// The file is not a Tend vault, or SQLite found it damaged.
    VaultCorrupt,
    /// A sealed piece failed its integrity check: the file was changed outside Tend.
    Tampered,
    /// The vault file is older than the last one Tend saw (an earlier copy was put back): it
    /// reads, but takes no change until the patient accepts it or puts the newer copy back.
    RolledBack,
    /// The thing to create exists already (a vault, a care team, a paired device).
    AlreadyExists,
    /// The thing named does not exist (a care team, a medication, a dose, a device).
    NotFound,
    WrongKey,
    PassphraseRequired,
    KeyMissing,
    KeychainUnavailable,
    /// Tend is locked: unlock it to go on.
    Locked,
    /// The patient must show it is them (their passphrase or passcode) first: to open a
    /// keychain vault that has a passcode, or, in the app, for what lets data out.
    PresenceRequired,
    /// The care team's server refused the sign-in and no fresh token can be had.
    SignedOut,
    /// The care team's (or another) server could not be reached.
    Unreachable,
    /// The care team's server refused what was sent, for good.
    RefusedByServer,
    /// The patient has not consented to share this with this care team.
    NotConsented,
    Storage,
    BluetoothUnavailable,
    /// The patient (or the phone) refused Tend the use of Bluetooth.
    BluetoothNotAllowed,
    DeviceMalformed,
    InvalidInput,
    /// The patient cancelled it (an import): nothing of it was stored.
    Cancelled,
    Internal,
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        use tend_vault::Error as V;
        match self {
            Error::Vault(V::NotCreated) => ErrorCode::VaultNotCreated,
            Error::Vault(V::NewerFormat { .. }) => ErrorCode::VaultNewerFormat,
            Error::Vault(V::Corrupt) => ErrorCode::VaultCorrupt,
            Error::Vault(V::Tampered) => ErrorCode::Tampered,
            Error::Vault(V::RolledBack { .. }) => ErrorCode::RolledBack,
            Error::Vault(V::AlreadyExists) => ErrorCode::AlreadyExists,
            Error::Vault(V::WrongKey) => ErrorCode::WrongKey,
            Error::Vault(V::PassphraseRequired) => ErrorCode::PassphraseRequired,
            Error::Vault(V::PasscodeRequired) => ErrorCode::PresenceRequired,
            Error::Vault(V::KeyMissing) => ErrorCode::KeyMissing,
            Error::Vault(V::KeychainUnavailable(_)) => ErrorCode::KeychainUnavailable,
            Error::Vault(V::InvalidInput(_)) => ErrorCode::InvalidInput,
            Error::Vault(V::Storage(_)) => ErrorCode::Storage,
            Error::Vault(V::Crypto(_)) => ErrorCode::Internal,
            Error::Bluetooth(tend_ble::Error::Malformed(_)) => ErrorCode::DeviceMalformed,
            Error::Bluetooth(tend_ble::Error::UnknownDevice(_)) => ErrorCode::NotFound,
            Error::Bluetooth(tend_ble::Error::NotAHealthDevice(_)) => ErrorCode::InvalidInput,
            Error::Bluetooth(
                tend_ble::Error::OneUserOnly(_)
                | tend_ble::Error::ConsentCodeNeeded(_)
                | tend_ble::Error::ConsentRefused { .. },
            ) => ErrorCode::InvalidInput,
            Error::Bluetooth(tend_ble::Error::NotAllowed) => ErrorCode::BluetoothNotAllowed,
            Error::Bluetooth(_) => ErrorCode::BluetoothUnavailable,
            Error::Share(e) => share_code(e),
            Error::Import(tend_import::Error::Cancelled) | Error::Cancelled => ErrorCode::Cancelled,
            Error::Import(_) => ErrorCode::InvalidInput,
            Error::InvalidInput(_) => ErrorCode::InvalidInput,
            Error::NotFound { .. } => ErrorCode::NotFound,
            Error::AlreadyExists { .. } => ErrorCode::AlreadyExists,
            Error::Locked => ErrorCode::Locked,
            Error::PresenceRequired => ErrorCode::PresenceRequired,
            Error::ReminderFile(_) => ErrorCode::Storage,
        }
    }

    pub(crate) fn not_found(what: Thing, id: impl Into<String>) -> Error {
        Error::NotFound {
            what,
            id: id.into(),
        }
    }
}

/// "there is no care team `dr-x`"; a dose is named by its medication and due time.
fn missing(what: Thing, id: &str) -> String {
    match what {
        Thing::Dose => format!("there is no open dose {id}"),
        _ => format!("there is no {what} `{id}`"),
    }
}

fn share_code(e: &tend_share::Error) -> ErrorCode {
    use tend_share::Error as S;
    match e {
        S::InvalidInput(_) | S::InsecureUrl(_) | S::Unmapped(_) => ErrorCode::InvalidInput,
        S::NotConsented(_) => ErrorCode::NotConsented,
        S::Transport(_) => ErrorCode::Unreachable,
        S::Protocol(_) => ErrorCode::RefusedByServer,
        S::SignIn(_) => ErrorCode::SignedOut,
        S::Save(_) => ErrorCode::Storage,
    }
}

pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_set_where_the_failure_happens() {
        let check = |error: Error, code: ErrorCode| assert_eq!(error.code(), code, "{error}");
        check(
            Error::Vault(tend_vault::Error::Tampered),
            ErrorCode::Tampered,
        );
        check(
            Error::not_found(Thing::CareTeam, "dr-x"),
            ErrorCode::NotFound,
        );
        check(
            Error::Share(tend_share::Error::Transport(
                tend_share::TransportError::Timeout,
            )),
            ErrorCode::Unreachable,
        );
        check(Error::Locked, ErrorCode::Locked);
        check(
            Error::Vault(tend_vault::Error::RolledBack { seen: 9, found: 7 }),
            ErrorCode::RolledBack,
        );
        check(
            Error::Bluetooth(tend_ble::Error::OneUserOnly("Scale".into())),
            ErrorCode::InvalidInput,
        );
        check(
            Error::Bluetooth(tend_ble::Error::ConsentRefused {
                device: "Scale".into(),
                user: 2,
            }),
            ErrorCode::InvalidInput,
        );
    }

    #[test]
    fn messages_name_no_command_or_flag() {
        for error in [
            Error::not_found(Thing::CareTeam, "dr-x"),
            Error::not_found(Thing::Medication, "metformin"),
            Error::not_found(Thing::DeviceInRange, "C0:7E:4D:00:00:01"),
            Error::Locked,
            Error::Vault(tend_vault::Error::PassphraseRequired),
            Error::Bluetooth(tend_ble::Error::OneUserOnly("Scale".into())),
            Error::Bluetooth(tend_ble::Error::ConsentCodeNeeded("Scale".into())),
        ] {
            let text = error.to_string();
            assert!(!text.contains("tend ") && !text.contains("--"), "{text}");
        }
    }
}
