//! Sharing with the care team: what the patient consented to, how it is said in FHIR R4, and
//! how the outbox reaches the care team's server — nothing lost, nothing duplicated, nothing
//! unconsented.

pub mod bundle;
mod category;
pub mod collection;
mod consent;
mod endpoint;
mod loinc;
pub mod mapping;
pub mod nightscout;
pub mod report;
pub mod smart;
pub mod sync;
pub mod transport;

pub use category::Category;
pub use consent::{Consent, ConsentScope, ConsentSet};
pub use endpoint::{checked_base_url, slug, CareTeam, SignIn};
pub use loinc::{loinc_code, LoincCode};
pub use mapping::{
    DeviceInfo, DoseOutcome, DoseTaken, Measured, PeriodSummary, ShareItem, IDENTIFIER_SYSTEM,
};
pub use smart::{SmartSignIn, SmartTokens};
pub use sync::{
    sync, Clock, Interruption, Queued, RetryPolicy, SyncProgress, SyncReport, SyncStore, Timer,
};
pub use transport::{Answer, HttpTransport, Post, Transport, TransportError};

/// Why something could not be shared. Never carries health values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the patient has not consented to share {0} with this care team")]
    NotConsented(Category),
    #[error("{0} has no FHIR mapping")]
    Unmapped(tend_vitals::Metric),
    #[error("{0}")]
    InvalidInput(String),
    #[error("refused: {0}")]
    InsecureUrl(String),
    #[error(transparent)]
    Transport(#[from] TransportError),
    #[error("the FHIR server's answer was not understood: {0}")]
    Protocol(String),
    #[error("sign-in failed: {0}")]
    SignIn(String),
    /// What was downloaded could not be written where the caller asked.
    #[error("cannot save the download: {0}")]
    Save(String),
}

pub type Result<T> = std::result::Result<T, Error>;
