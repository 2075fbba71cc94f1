//! Erasing a profile's vault: the key (keychain entry or wrapped key) and the file, even when the
//! vault cannot be unlocked (a forgotten passphrase) or is damaged.

use std::path::{Path, PathBuf};

use crate::{database, key_source, keychain, meta, KeyProtection, Result, Vault};

/// What `erase` removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    /// The keychain entry was found and deleted.
    pub keychain_entry: bool,
    /// Why a keychain entry that should exist could not be deleted, if so.
    pub keychain_error: Option<String>,
    /// The files deleted (the vault and SQLite's companions).
    pub files: Vec<PathBuf>,
}

/// Destroys the vault in `dir`: its key first, then its files. Without the key, any copy of the
/// file left behind (a backup, a disk block) is sealed data no one can open.
pub async fn erase(dir: &Path) -> Result<Erased> {
    let mut erased = Erased {
        keychain_entry: false,
        keychain_error: None,
        files: Vec::new(),
    };
    if database::path(dir).exists() {
        if let Ok(pool) = database::connect(&database::path(dir), false).await {
            let key = async {
                let mut conn = pool.acquire().await?;
                let protection = key_source::protection(&mut conn).await?;
                let vault_id = meta::text(&mut conn, "vault_id").await?;
                Ok::<_, crate::Error>((protection, vault_id))
            }
            .await;
            pool.close().await;
            if let Ok((KeyProtection::Keychain, Some(vault_id))) = key {
                match keychain::delete(key_source::keychain_account(&vault_id)).await {
                    Ok(found) => erased.keychain_entry = found,
                    Err(e) => erased.keychain_error = Some(e.to_string()),
                }
                let checkpoint = Vault::checkpoint_store(dir, &vault_id, KeyProtection::Keychain);
                if let Err(e) = checkpoint.delete().await {
                    erased.keychain_error.get_or_insert(e.to_string());
                }
            }
        }
    }
    let checkpoint_file = dir.join(crate::checkpoint::FILE_NAME);
    for file in database::files(dir).into_iter().chain([checkpoint_file]) {
        match std::fs::remove_file(&file) {
            Ok(()) => erased.files.push(file),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(_) => {
                return Err(crate::Error::Storage(format!(
                    "could not delete {}",
                    file.display()
                )))
            }
        }
    }
    Ok(erased)
}
