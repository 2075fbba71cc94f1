//! The unlocked vault: an open database, the keys that seal and open it, what the unlock-time
//! check found, and whether the file is older than the last one Tend saw.

use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex, PoisonError, RwLock},
};

use sqlx::SqlitePool;

use crate::{
    checkpoint::{self, Checkpoint},
    database,
    head::{self, Head, Integrity},
    key_source::{self, KeyProtection, KeySource, Passphrase},
    meta, presence, reseal,
    seal::{random, DataKey, Keys},
    Error, Result, FORMAT_VERSION,
};

/// An unlocked vault. It exists only unlocked: holding one means the key was right.
#[derive(Debug)]
pub struct Vault {
    pub(crate) pool: SqlitePool,
    keys: RwLock<Arc<Keys>>,
    pub(crate) vault_id: String,
    pub(crate) integrity: Integrity,
    checkpoints: checkpoint::Store,
    rolled_back: Mutex<Option<Rollback>>,
    dir: PathBuf,
}

/// The vault file is older than the last one Tend saw: a copy from before change `seen` was put
/// back (this file is at change `found`). The vault reads, and takes no write until the patient
/// accepts it ([`Vault::accept_older`]) or puts the newer copy back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rollback {
    pub seen: u64,
    pub found: u64,
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
            meta::set_int(&mut tx, "format_version", i64::from(FORMAT_VERSION)).await?;
            meta::delete(&mut tx, "nonce_next").await?;
            key_source::install(&mut tx, &vault_id, &key, &keys, &source).await?;
            if let KeySource::KeychainAndPasscode(passcode) = &source {
                presence::store(&mut tx, &keys, passcode).await?;
            }
            let head = Head {
                generation: 1,
                serial: 1,
                audit_last: vec![0; 32],
                ..Head::default()
            };
            let digest = head::store(&mut tx, &keys, &vault_id, &head).await?;
            tx.commit().await?;
            let protection = match source {
                KeySource::Keychain
                | KeySource::KeychainAndPasscode(_)
                | KeySource::KeychainConfirmedByThePhone => KeyProtection::Keychain,
                KeySource::Passphrase(_) => KeyProtection::Passphrase,
            };
            let checkpoints = checkpoint::Store::for_vault(dir, &vault_id, protection);
            checkpoints
                .save(
                    &keys,
                    Checkpoint {
                        generation: head.generation,
                        digest,
                    },
                )
                .await?;
            Ok((keys, vault_id, checkpoints))
        }
        .await;
        match created {
            Ok((keys, vault_id, checkpoints)) => Ok(Vault {
                pool,
                keys: RwLock::new(Arc::new(keys)),
                vault_id,
                integrity: Integrity::default(),
                checkpoints,
                rolled_back: Mutex::new(None),
                dir: dir.to_owned(),
            }),
            Err(e) => {
                // A vault whose key could not be stored is useless: leave nothing behind.
                pool.close().await;
                for file in database::files(dir) {
                    let _ = std::fs::remove_file(file);
                }
                let _ = std::fs::remove_file(dir.join(checkpoint::FILE_NAME));
                Err(e)
            }
        }
    }

    /// Opens the vault in `dir` with its key. A wrong key is `WrongKey`, never garbage data.
    ///
    /// A vault of an earlier format is migrated in place, in one transaction. Then every row is
    /// added up against the sealed head (what does not match is reported by the reads that touch
    /// it), and the head is compared with the checkpoint kept outside the file: a file older
    /// than the last one Tend saw opens read-only ([`Vault::rolled_back`]).
    pub async fn unlock(dir: &Path, source: KeySource) -> Result<Vault> {
        let pool = database::open(dir).await?;
        match Vault::unlock_pool(&pool, dir, &source).await {
            Ok(parts) => Ok(Vault {
                pool,
                keys: RwLock::new(Arc::new(parts.keys)),
                vault_id: parts.vault_id,
                integrity: parts.integrity,
                checkpoints: parts.checkpoints,
                rolled_back: Mutex::new(parts.rolled_back),
                dir: dir.to_owned(),
            }),
            Err(e) => {
                pool.close().await;
                Err(e)
            }
        }
    }

    async fn unlock_pool(pool: &SqlitePool, dir: &Path, source: &KeySource) -> Result<Unlocked> {
        let format = database::format_version(pool).await?;
        let mut conn = pool.acquire().await?;
        let vault_id = meta::text(&mut conn, "vault_id")
            .await?
            .ok_or(Error::Corrupt)?;
        let protection = key_source::protection(&mut conn).await?;
        let (_key, keys) = key_source::recover(&mut conn, &vault_id, source, format).await?;
        presence::check_at_unlock(&mut conn, &keys, source).await?;
        drop(conn);
        // Format 2 became 3 in its schema migration (nothing to re-seal); format 1 is re-sealed.
        if format < 2 {
            let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
            reseal::migrate_format_1(&mut tx, &keys, &vault_id).await?;
            tx.commit().await?;
        }
        let mut tx = pool.begin().await?;
        let (head, digest) = head::load(&mut tx, &keys, &vault_id).await?;
        let integrity = head::check(&mut tx, &keys, &head).await?;
        tx.commit().await?;
        if integrity != Integrity::default() {
            tracing::warn!("the vault's rows do not add up to its sealed head: some pieces are missing or were put back");
        }

        let checkpoints = checkpoint::Store::for_vault(dir, &vault_id, protection);
        let seen = checkpoints.load(&keys).await?;
        let rolled_back = match seen {
            Some(seen)
                if seen.generation > head.generation
                    || (seen.generation == head.generation && seen.digest != digest) =>
            {
                tracing::warn!("the vault file is older than the last one Tend saw");
                Some(Rollback {
                    seen: seen.generation,
                    found: head.generation,
                })
            }
            Some(seen) if seen.generation == head.generation => None,
            _ => {
                checkpoints
                    .save(
                        &keys,
                        Checkpoint {
                            generation: head.generation,
                            digest,
                        },
                    )
                    .await?;
                None
            }
        };
        Ok(Unlocked {
            keys,
            vault_id,
            integrity,
            checkpoints,
            rolled_back,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// `Some` when this file is older than the last one Tend saw: it reads, but takes no write.
    pub fn rolled_back(&self) -> Option<Rollback> {
        *self
            .rolled_back
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The patient's decision to go on from this older copy: it becomes the one Tend has seen
    /// last, and takes writes again. What the newer copy held beyond it is not in this file.
    pub async fn accept_older(&self) -> Result<()> {
        self.checkpoint().await?;
        *self
            .rolled_back
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
        Ok(())
    }

    /// Records the file's current head outside it, as the newest Tend has seen (done on unlock
    /// and close; a crash in between leaves the one from unlock, which is still older).
    pub async fn checkpoint(&self) -> Result<()> {
        let keys = self.keys();
        let mut conn = self.pool.acquire().await?;
        let (head, digest) = head::load(&mut conn, &keys, &self.vault_id).await?;
        drop(conn);
        if let Some(seen) = self.checkpoints.load(&keys).await? {
            if seen.generation > head.generation && self.rolled_back().is_none() {
                // Another handle on this file already recorded a newer head: keep it.
                return Ok(());
            }
        }
        self.checkpoints
            .save(
                &keys,
                Checkpoint {
                    generation: head.generation,
                    digest,
                },
            )
            .await
    }

    /// Changes the passphrase and re-keys: a new data key, every piece re-sealed under it and the
    /// lookup tags remade, in one transaction. A backup of the file from before opens only with
    /// the old passphrase, and holds only what was in it then; the file from now on opens only
    /// with the new one.
    pub async fn change_passphrase(&self, old: &Passphrase, new: &Passphrase) -> Result<()> {
        if self.rolled_back().is_some() {
            let rollback = self.rolled_back().unwrap_or(Rollback { seen: 0, found: 0 });
            return Err(Error::RolledBack {
                seen: rollback.seen,
                found: rollback.found,
            });
        }
        let old_keys = self.keys();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        key_source::check_passphrase(&mut tx, old).await?;
        let (old_head, _) = head::load(&mut tx, &old_keys, &self.vault_id).await?;
        let key = DataKey::generate()?;
        let keys = Keys::derive(&key)?;
        let mut head = reseal::reseal(
            &mut tx,
            reseal::Source::Format2(&old_keys),
            &keys,
            old_head.serial,
        )
        .await?;
        head.generation = old_head.generation + 1;
        key_source::rekey(&mut tx, &key, &keys, new).await?;
        let digest = head::store(&mut tx, &keys, &self.vault_id, &head).await?;
        tx.commit().await?;
        *self.keys.write().unwrap_or_else(PoisonError::into_inner) = Arc::new(keys);
        self.checkpoints
            .save(
                &self.keys(),
                Checkpoint {
                    generation: head.generation,
                    digest,
                },
            )
            .await
    }

    /// Closes the database, recording its head as the newest Tend has seen; the keys are zeroed
    /// as the vault drops.
    pub async fn close(self) {
        if self.rolled_back().is_none() {
            if let Err(e) = self.checkpoint().await {
                tracing::warn!("the vault's checkpoint could not be recorded: {e}");
            }
        }
        self.pool.close().await;
    }

    /// The keys in use (they change when the passphrase does).
    pub(crate) fn keys(&self) -> Arc<Keys> {
        Arc::clone(&self.keys.read().unwrap_or_else(PoisonError::into_inner))
    }

    /// Where the checkpoint of the vault in `dir` is kept, for erase.
    pub(crate) fn checkpoint_store(
        dir: &Path,
        vault_id: &str,
        protection: KeyProtection,
    ) -> checkpoint::Store {
        checkpoint::Store::for_vault(dir, vault_id, protection)
    }
}

struct Unlocked {
    keys: Keys,
    vault_id: String,
    integrity: Integrity,
    checkpoints: checkpoint::Store,
    rolled_back: Option<Rollback>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
