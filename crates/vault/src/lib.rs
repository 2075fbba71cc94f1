//! Tend's local store: every reading and record, sealed, in one SQLite file per profile.
//!
//! Only this crate touches SQLite, the cipher and the keychain.

mod database;
mod status;

pub use database::{create, FORMAT_VERSION};
pub use status::{inspect, VaultStatus};

/// Why the vault could not do what was asked. Never carries health values or key material.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("the vault was written by a newer Tend (format {found}, this build reads up to {supported}); update Tend to open it")]
    NewerFormat { found: u32, supported: u32 },
    #[error("the vault file is damaged or not a Tend vault")]
    Corrupt,
    #[error("the vault is already created")]
    AlreadyExists,
    #[error("storage error: {0}")]
    Storage(String),
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::Database(db) if db.code().as_deref() == Some("26") => Error::Corrupt, // SQLITE_NOTADB
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
