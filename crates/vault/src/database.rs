//! The SQLite file: where it lives, how it is opened, its schema and format version.

use std::path::{Path, PathBuf};

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use crate::{Error, Result};

/// The on-disk format this build writes and the newest it can read.
pub const FORMAT_VERSION: u32 = 3;

/// The vault file's name inside a profile directory.
pub(crate) const FILE_NAME: &str = "vault.sqlite";

static MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub(crate) fn path(dir: &Path) -> PathBuf {
    dir.join(FILE_NAME)
}

/// The vault file and SQLite's companions (write-ahead log, shared memory), for erase.
pub(crate) fn files(dir: &Path) -> [PathBuf; 3] {
    let main = path(dir);
    let with = |suffix: &str| PathBuf::from(format!("{}{suffix}", main.display()));
    [main.clone(), with("-wal"), with("-shm")]
}

/// Makes the profile directory the patient's alone (0700 on Unix).
fn private_dir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir)
        .map_err(|_| Error::Storage("cannot create the profile directory".into()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
            .map_err(|_| Error::Storage("cannot make the profile directory private".into()))?;
    }
    Ok(())
}

/// Makes the vault file and SQLite's companions the patient's alone (0600 on Unix). SQLite gives
/// the companions it creates the main file's mode.
fn private_files(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    for file in files(dir) {
        use std::os::unix::fs::PermissionsExt;
        match std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => return Err(Error::Storage("cannot make the vault file private".into())),
        }
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes `bytes` to a new file readable by the patient alone (0600 on Unix).
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

/// Creates the file and its schema; fails if a vault is already there.
pub(crate) async fn create(dir: &Path) -> Result<SqlitePool> {
    private_dir(dir)?;
    if path(dir).exists() {
        return Err(Error::AlreadyExists);
    }
    // The file exists, empty and private, before SQLite first opens it.
    write_private(&path(dir), &[])
        .map_err(|_| Error::Storage("cannot create the vault file".into()))?;
    let pool = connect(&path(dir), true).await?;
    MIGRATIONS.run(&pool).await?;
    Ok(pool)
}

/// Opens an existing vault after checking it is a format this build reads, then brings an older
/// format up to date.
pub(crate) async fn open(dir: &Path) -> Result<SqlitePool> {
    if !path(dir).exists() {
        return Err(Error::NotCreated);
    }
    // A vault made by an earlier release may be readable by others: no longer.
    private_dir(dir)?;
    private_files(dir)?;
    let pool = connect(&path(dir), false).await?;
    format_version(&pool).await?;
    MIGRATIONS.run(&pool).await?;
    private_files(dir)?;
    Ok(pool)
}

/// Opens the file read-write. WAL with FULL sync: a transaction that returned is on disk, even
/// after a crash or power loss.
pub(crate) async fn connect(path: &Path, create: bool) -> Result<SqlitePool> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create)
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
    let found: Option<i64> =
        sqlx::query_scalar("SELECT value FROM meta WHERE key = 'format_version'")
            .fetch_optional(pool)
            .await
            .map_err(|e| match e {
                // No meta table at all: not a Tend vault.
                sqlx::Error::Database(_) => Error::Corrupt,
                other => other.into(),
            })?;
    let found = found
        .and_then(|v| u32::try_from(v).ok())
        .ok_or(Error::Corrupt)?;
    if found > FORMAT_VERSION {
        return Err(Error::NewerFormat {
            found,
            supported: FORMAT_VERSION,
        });
    }
    Ok(found)
}
