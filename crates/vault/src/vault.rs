//! The unlocked vault: an open database plus the keys that seal and open it.

use std::path::{Path, PathBuf};

use sqlx::SqlitePool;

use crate::{
    database,
    key_source::{self, KeySource, Passphrase},
    meta,
    seal::{random, DataKey, Keys, NonceRange},
    Result,
};

/// An unlocked vault. It exists only unlocked: holding one means the key was right.
#[derive(Debug)]
pub struct Vault {
    pub(crate) pool: SqlitePool,
    pub(crate) keys: Keys,
    dir: PathBuf,
}

impl Vault {
    /// Creates a new vault in `dir` with a fresh random key protected as `source` says.
    pub async fn create(dir: &Path, source: KeySource) -> Result<Vault> {
        let pool = database::create(dir).await?;
        let created = async {
            let key = DataKey::generate()?;
            let keys = Keys::derive(&key)?;
            let vault_id = hex(&random::<16>()?);
            let mut tx = pool.begin().await?;
            meta::set_text(&mut tx, "vault_id", &vault_id).await?;
            key_source::install(&mut tx, &vault_id, &key, &keys, &source).await?;
            tx.commit().await?;
            Ok(keys)
        }
        .await;
        match created {
            Ok(keys) => Ok(Vault {
                pool,
                keys,
                dir: dir.to_owned(),
            }),
            Err(e) => {
                // A vault whose key could not be stored is useless: leave nothing behind.
                pool.close().await;
                for file in database::files(dir) {
                    let _ = std::fs::remove_file(file);
                }
                Err(e)
            }
        }
    }

    /// Opens the vault in `dir` with its key. A wrong key is `WrongKey`, never garbage data.
    pub async fn unlock(dir: &Path, source: KeySource) -> Result<Vault> {
        let pool = database::open(dir).await?;
        let unlocked = async {
            let mut conn = pool.acquire().await?;
            let vault_id = meta::text(&mut conn, "vault_id")
                .await?
                .ok_or(crate::Error::Corrupt)?;
            let (_key, keys) = key_source::recover(&mut conn, &vault_id, &source).await?;
            Ok(keys)
        }
        .await;
        match unlocked {
            Ok(keys) => Ok(Vault {
                pool,
                keys,
                dir: dir.to_owned(),
            }),
            Err(e) => {
                pool.close().await;
                Err(e)
            }
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Re-wraps the key under a new passphrase (passphrase-protected vaults only).
    pub async fn change_passphrase(&self, old: &Passphrase, new: &Passphrase) -> Result<()> {
        let mut tx = self.write().await?;
        key_source::change_passphrase(&mut tx, old, new).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Closes the database; the keys are zeroed as the vault drops.
    pub async fn close(self) {
        self.pool.close().await;
    }

    /// A write transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`): with the
    /// app and the CLI writing to one file, a deferred transaction that reads first could fail
    /// to upgrade instead of waiting its turn.
    pub(crate) async fn write(&self) -> Result<sqlx::Transaction<'static, sqlx::Sqlite>> {
        Ok(self.pool.begin_with("BEGIN IMMEDIATE").await?)
    }

    /// Reserves nonces for `count` seals inside the caller's transaction.
    pub(crate) async fn nonces(
        conn: &mut sqlx::SqliteConnection,
        count: u64,
    ) -> Result<NonceRange> {
        let start = meta::reserve_nonces(conn, count).await?;
        NonceRange::new(start, count)
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
