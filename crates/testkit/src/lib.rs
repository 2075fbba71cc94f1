//! What Tend's test suites start around the code they test, written once: the loopback FHIR R4
//! server (`tests/fhir-server`) with its fault injection and validator, and simulated Bluetooth
//! (`tend-bluez-sim` on a private D-Bus bus).
//!
//! Only ever a dev-dependency: no shipped crate links it.

mod bluetooth;
mod fhir_server;

pub use bluetooth::SimulatedBluetooth;
pub use fhir_server::{validate, validate_files, Fault, FhirServer};
pub use tend_bluez_sim::Pairing;

/// Why a harness could not do what a test asked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the FHIR test server is not installed: run `npm ci` in tests/fhir-server \
         (or `scripts/setup.sh --for-tests`)"
    )]
    FhirServerNotInstalled,
    #[error("the FHIR test server did not start: {0}")]
    FhirServerStart(String),
    #[error("the FHIR test server's admin API: {0}")]
    Admin(String),
    #[error("not valid FHIR R4:\n{0}")]
    InvalidFhir(String),
    #[error("the simulated Bluetooth: {0}")]
    Bluetooth(#[from] tend_bluez_sim::Error),
    #[error("the simulator did not start: {0}")]
    SimulatorStart(String),
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Json(#[from] serde_json::Error),
}

pub type Result<T> = std::result::Result<T, Error>;
