//! The SQLite file: where it lives, how it is opened, its schema and format version.

use std::path::Path;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Error, Result};

/// The on-disk format this build writes and the newest it can read.
pub const FORMAT_VERSION: u32 = 1;

/// The vault file's name inside a profile directory.
pub(crate) const FILE_NAME: &str = "vault.sqlite";

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

/// Creates a new, empty vault in `dir` (which is created if needed).
pub async fn create(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|_| Error::Storage("cannot create the profile directory".into()))?;
    let path = dir.join(FILE_NAME);
    if path.exists() {
        return Err(Error::AlreadyExists);
    }
    let pool = connect(&path, true).await?;
    MIGRATIONS.run(&pool).await?;
    pool.close().await;
    Ok(())
}

/// Opens an existing vault file read-write, after checking it is a format this build reads.
pub(crate) async fn connect(path: &Path, create: bool) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
        // WAL with FULL sync: a commit that returned is on disk, even after power loss.
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true);
    Ok(SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options)
        .await?)
}

/// Reads the format version, refusing a vault from a newer Tend before anything else touches it.
pub(crate) async fn format_version(pool: &SqlitePool) -> Result<u32> {
    let text: Option<String> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'format_version'")
            .fetch_optional(pool)
            .await
            .map_err(|e| match e {
                // No meta table at all: not a Tend vault.
                sqlx::Error::Database(_) => Error::Corrupt,
                other => other.into(),
            })?;
    let found: u32 = text.and_then(|t| t.parse().ok()).ok_or(Error::Corrupt)?;
    if found > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            found,
            supported: FORMAT_VERSION,
        });
    }
    Ok(found)
}
