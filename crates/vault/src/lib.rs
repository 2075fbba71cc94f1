//! Tend's local store: every reading and record, sealed, in one SQLite file per profile.
//!
//! Only this crate touches SQLite, the cipher and the keychain. What is sealed and what stays in
//! clear is listed in the README's threat model.

mod audit;
mod batch;
mod bench;
mod checkpoint;
mod chunk_codec;
mod damage;
mod database;
mod erase;
mod head;
mod key_source;
mod keychain;
mod meta;
mod outbox;
mod presence;
mod records;
mod reseal;
mod rollup;
mod sample;
mod seal;
mod status;
mod timeseries;
mod vault;

pub use audit::AuditEntry;
pub use batch::{BatchId, CommittedBatch, StagedBatch, UndoneBatch};
pub use bench::{bench, VaultBench};
pub use damage::Damage;
pub use database::FORMAT_VERSION;
pub use erase::{erase, Erased};
pub use key_source::{KeyProtection, KeySource, Passcode, Passphrase};
pub use outbox::OutboxItem;
pub use presence::PresenceCheck;
pub use records::{RecordChanges, RecordKind};
pub use sample::{Sample, Series, SeriesKey};
pub use seal::DataKey;
pub use status::{inspect, VaultStatus};
pub use timeseries::{Appended, Bucket, BulkAppended, RangeRead, SeriesSample};
pub use vault::{Rollback, Vault};

/// Why the vault could not do what was asked. Never carries health values or key material.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("no vault has been created in this profile yet")]
    NotCreated,
    #[error("the vault was written by a newer Tend (format {found}, this build reads up to {supported}); update Tend to open it")]
    NewerFormat { found: u32, supported: u32 },
    #[error("the vault file is damaged or not a Tend vault")]
    Corrupt,
    #[error("a sealed record failed its integrity check: the vault file was changed outside Tend")]
    Tampered,
    #[error("this vault is older than the last one Tend saw (that one had {seen} changes, this file has {found}): it is open read-only until you accept this copy or put the newer one back")]
    RolledBack { seen: u64, found: u64 },
    #[error("wrong key: this passphrase or keychain entry does not unlock this vault")]
    WrongKey,
    #[error("this vault is protected by a passphrase: give it (TEND_PASSPHRASE or at the prompt)")]
    PassphraseRequired,
    #[error("Tend asks for the patient's passcode before it opens")]
    PasscodeRequired,
    #[error("the vault's key is missing from the keychain")]
    KeyMissing,
    #[error("the keychain is not reachable: {0}")]
    KeychainUnavailable(String),
    #[error("the vault is already created")]
    AlreadyExists,
    #[error("{0}")]
    InvalidInput(String),
    #[error("encryption failed: {0}")]
    Crypto(&'static str),
    #[error("storage error: {0}")]
    Storage(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db)
                if matches!(db.code().as_deref(), Some("26") | Some("11")) =>
            {
                Error::Corrupt
            } // SQLITE_NOTADB, SQLITE_CORRUPT
            // Statements and values are not echoed: the message names the failure class only.
            other => Error::Storage(sqlx_error_class(&other).to_owned()),
        }
    }
}

impl From<sqlx::migrate::MigrateError> for Error {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::Execute(inner) => inner.into(),
            _ => Error::Storage("schema migration failed".to_owned()),
        }
    }
}

fn sqlx_error_class(e: &sqlx::Error) -> &'static str {
    match e {
        sqlx::Error::Io(_) => "could not read or write the vault file",
        sqlx::Error::Database(_) => "the database refused the operation",
        sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed => "the vault is busy",
        _ => "unexpected database failure",
    }
}

pub type Result<T> = std::result::Result<T, Error>;
