//! How a command fails: one line on stderr in the CLI's own words — core's message plus a hint
//! chosen by its error code — and an exit code by the kind of failure (docs/cli.md lists them).

use tend_core::{share::Interruption, Error, ErrorCode, Thing};

/// The command failed (anything without a code of its own below).
pub const EXIT_FAILED: u8 = 1;
// 2 is clap's: the command line itself was wrong.
/// The command is not offered by this build.
pub const EXIT_UNAVAILABLE: u8 = 3;
/// The vault could not be opened: no passphrase given, a wrong key, no keychain.
pub const EXIT_LOCKED: u8 = 4;
/// The vault is damaged or was changed outside Tend, or is of a newer format.
pub const EXIT_DAMAGED: u8 = 5;
/// The care team's server: not reachable, sign-in refused, or it refused what was sent.
pub const EXIT_SERVER: u8 = 6;
/// The vault is older than the last one Tend saw: it takes no change until the patient decides.
pub const EXIT_ROLLED_BACK: u8 = 7;

/// How a command can fail.
#[derive(Debug)]
pub enum Failure {
    /// A Tend capability failed: its code chooses the hint and the exit code.
    Core(Error),
    /// A Tend capability failed where the command knows a better hint than its code's.
    Hinted(Error, &'static str),
    /// The command line or the CLI's own work (a file, the terminal) failed.
    Failed(String),
    /// A sync stopped before the outbox was empty.
    Interrupted(Interruption),
    /// The command is not offered by this build.
    Unavailable(&'static str),
}

impl Failure {
    /// The one line for stderr.
    pub fn message(&self) -> String {
        match self {
            Failure::Core(e) => match hint(e) {
                Some(hint) => format!("{e}: {hint}"),
                None => e.to_string(),
            },
            Failure::Hinted(e, hint) => format!("{e}: {hint}"),
            Failure::Failed(message) => message.clone(),
            Failure::Interrupted(why) => {
                format!(
                    "the sync stopped early: {why}; what is left goes with the next sync{}",
                    if *why == Interruption::SignedOut {
                        " (sign in again: `tend share signin`, or a new `tend share token`)"
                    } else {
                        ""
                    }
                )
            }
            Failure::Unavailable(command) => {
                format!("`tend {command}` is not available in this build")
            }
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Failure::Core(e) | Failure::Hinted(e, _) => exit_code(e.code()),
            Failure::Failed(_) => EXIT_FAILED,
            Failure::Interrupted(_) => EXIT_SERVER,
            Failure::Unavailable(_) => EXIT_UNAVAILABLE,
        }
    }
}

fn exit_code(code: ErrorCode) -> u8 {
    use ErrorCode as C;
    match code {
        C::WrongKey
        | C::PassphraseRequired
        | C::PresenceRequired
        | C::KeyMissing
        | C::KeychainUnavailable
        | C::Locked => EXIT_LOCKED,
        C::Tampered | C::VaultCorrupt | C::VaultNewerFormat => EXIT_DAMAGED,
        C::RolledBack => EXIT_ROLLED_BACK,
        C::Unreachable | C::SignedOut | C::RefusedByServer => EXIT_SERVER,
        _ => EXIT_FAILED,
    }
}

/// What to do next, in the CLI's terms, where there is something to say.
fn hint(e: &Error) -> Option<&'static str> {
    match e {
        Error::NotFound { what, .. } => Some(match what {
            Thing::CareTeam => "`tend share list` shows the care teams",
            Thing::Medication => "`tend meds list` shows the medications",
            Thing::Dose => "name the dose by its due time with --due",
            Thing::DeviceInRange => "`tend devices scan` lists what is in range",
            Thing::PairedDevice => "`tend devices list` shows the paired devices",
            Thing::ImportBatch => "`tend import list` shows the imports",
        }),
        _ => match e.code() {
            ErrorCode::PassphraseRequired => Some("set TEND_PASSPHRASE, or run in a terminal"),
            ErrorCode::PresenceRequired => Some("set TEND_PASSCODE, or run in a terminal"),
            ErrorCode::RolledBack => {
                Some("`tend vault accept-older` goes on from this copy; or put the newer copy back")
            }
            ErrorCode::VaultNotCreated => {
                Some("`tend import` or `tend meds add` creates one (see `tend status`)")
            }
            ErrorCode::BluetoothUnavailable => Some(
                "without a Bluetooth adapter, start the simulator (`tend-bluez-sim`) and set \
                 DBUS_SYSTEM_BUS_ADDRESS to the address it prints",
            ),
            ErrorCode::KeychainUnavailable => {
                Some("no keychain answers: set TEND_PASSPHRASE to use a passphrase instead")
            }
            ErrorCode::SignedOut => Some(
                "sign in again (`tend share signin`) or enter a new token (`tend share token`)",
            ),
            _ => None,
        },
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Core(e)
    }
}

impl From<tend_core::VaultError> for Failure {
    fn from(e: tend_core::VaultError) -> Self {
        Failure::Core(e.into())
    }
}

impl From<tend_core::share::Error> for Failure {
    fn from(e: tend_core::share::Error) -> Self {
        Failure::Core(e.into())
    }
}

/// The CLI's own failures (files, the terminal, JSON, dates): their message as it is.
macro_rules! failed_from {
    ($($error:ty),* $(,)?) => {$(
        impl From<$error> for Failure {
            fn from(e: $error) -> Self {
                Failure::Failed(e.to_string())
            }
        }
    )*};
}

failed_from!(
    std::io::Error,
    serde_json::Error,
    jiff::Error,
    tend_core::vitals::Error,
    tend_core::meds::Error,
    tend_core::gatt::Error,
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_follow_the_error_code() {
        let check = |e: Error, code: u8| assert_eq!(Failure::Core(e).exit_code(), code);
        check(Error::Vault(tend_core::VaultError::WrongKey), EXIT_LOCKED);
        check(Error::Vault(tend_core::VaultError::Tampered), EXIT_DAMAGED);
        check(
            Error::Vault(tend_core::VaultError::RolledBack { seen: 9, found: 7 }),
            EXIT_ROLLED_BACK,
        );
        check(
            Error::NotFound {
                what: Thing::CareTeam,
                id: "dr-x".into(),
            },
            EXIT_FAILED,
        );
        assert_eq!(
            Failure::Interrupted(Interruption::Unreachable).exit_code(),
            EXIT_SERVER
        );
    }

    #[test]
    fn not_found_says_where_to_look() {
        let message = Failure::Core(Error::NotFound {
            what: Thing::CareTeam,
            id: "dr-x".into(),
        })
        .message();
        assert_eq!(
            message,
            "there is no care team `dr-x`: `tend share list` shows the care teams"
        );
    }
}
