//! Sharing with the care team: what the patient consented to, and how it is said in FHIR R4.

mod category;
mod consent;
mod loinc;

pub use category::Category;
pub use consent::{Consent, ConsentScope};
pub use loinc::{loinc_code, LoincCode};

/// Why something could not be shared. Never carries health values.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the patient has not consented to share {0} with this care team")]
    NotConsented(Category),
    #[error("{0} has no FHIR mapping")]
    Unmapped(tend_vitals::Metric),
}

pub type Result<T> = std::result::Result<T, Error>;
