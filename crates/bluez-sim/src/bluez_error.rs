//! BlueZ's errors as the simulator answers them, by their D-Bus names (`org.bluez.Error.*`):
//! what the objects return and what pairing fails with.

/// BlueZ's errors, by their D-Bus names (`org.bluez.Error.*`).
#[derive(Debug, zbus::DBusError)]
#[zbus(prefix = "org.bluez.Error")]
pub(crate) enum BluezError {
    #[zbus(error)]
    ZBus(zbus::Error),
    Failed(String),
    InProgress(String),
    NotSupported(String),
    NotPermitted(String),
    AlreadyExists(String),
    DoesNotExist(String),
    AuthenticationFailed(String),
    AuthenticationCanceled(String),
    AuthenticationRejected(String),
}
