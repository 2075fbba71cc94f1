//! The checkpoint: the generation and digest of the newest head Tend has seen, kept outside the
//! vault file, so a file put back as an older copy is recognised as older.
//!
//! Where it is kept decides what it can catch:
//! - A vault whose key is in the keychain keeps its checkpoint there too, in a second entry
//!   (`vault-<id>-checkpoint`): rolling the file back does not roll the keychain back.
//! - A passphrase vault has no keychain to lean on (that is why it has a passphrase), so its
//!   checkpoint is a sealed file beside the vault, `vault.checkpoint`. It catches a vault file
//!   put back alone (a backup tool restoring one file, a copy dropped in place); it cannot catch
//!   someone who puts back both files, or deletes the checkpoint, since both sit in one folder.

use std::path::{Path, PathBuf};

use crate::{
    key_source::{self, KeyProtection},
    keychain,
    seal::Keys,
    Error, Result,
};

/// What the checkpoint holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Checkpoint {
    pub generation: u64,
    pub digest: [u8; 32],
}

impl Checkpoint {
    fn to_bytes(self) -> Vec<u8> {
        [self.generation.to_le_bytes().as_slice(), &self.digest].concat()
    }

    fn from_bytes(bytes: &[u8]) -> Option<Checkpoint> {
        if bytes.len() != 40 {
            return None;
        }
        let (generation, digest) = bytes.split_at(8);
        Some(Checkpoint {
            generation: u64::from_le_bytes(generation.try_into().ok()?),
            digest: digest.try_into().ok()?,
        })
    }
}

/// Where one vault's checkpoint lives.
#[derive(Debug, Clone)]
pub(crate) enum Store {
    Keychain { account: String },
    File { path: PathBuf, aad: Vec<u8> },
}

pub(crate) const FILE_NAME: &str = "vault.checkpoint";

impl Store {
    pub fn for_vault(dir: &Path, vault_id: &str, protection: KeyProtection) -> Store {
        match protection {
            KeyProtection::Keychain => Store::Keychain {
                account: format!("{}-checkpoint", key_source::keychain_account(vault_id)),
            },
            KeyProtection::Passphrase => Store::File {
                path: dir.join(FILE_NAME),
                aad: [b"tend/v2/checkpoint/".as_slice(), vault_id.as_bytes()].concat(),
            },
        }
    }

    /// The checkpoint, if one was ever written. One that fails its check counts as none: it
    /// proves nothing either way.
    pub async fn load(&self, keys: &Keys) -> Result<Option<Checkpoint>> {
        match self {
            Store::Keychain { account } => match keychain::load_bytes(account.clone()).await {
                Ok(bytes) => Ok(Checkpoint::from_bytes(&bytes)),
                Err(Error::KeyMissing) => Ok(None),
                Err(e) => Err(e),
            },
            Store::File { path, aad } => match std::fs::read(path) {
                Ok(sealed) => Ok(keys
                    .open(aad, &sealed)
                    .ok()
                    .and_then(|plain| Checkpoint::from_bytes(&plain))),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(_) => Err(Error::Storage("cannot read the vault's checkpoint".into())),
            },
        }
    }

    pub async fn save(&self, keys: &Keys, checkpoint: Checkpoint) -> Result<()> {
        match self {
            Store::Keychain { account } => {
                keychain::store_bytes(account.clone(), checkpoint.to_bytes()).await
            }
            Store::File { path, aad } => {
                let sealed = keys.seal(aad, &checkpoint.to_bytes())?;
                let fail = |_| Error::Storage("cannot write the vault's checkpoint".into());
                let temporary = path.with_extension("checkpoint-new");
                crate::database::write_private(&temporary, &sealed).map_err(fail)?;
                std::fs::rename(&temporary, path).map_err(fail)
            }
        }
    }

    /// Removes the checkpoint (erase).
    pub async fn delete(&self) -> Result<()> {
        match self {
            Store::Keychain { account } => keychain::delete(account.clone()).await.map(|_| ()),
            Store::File { path, .. } => match std::fs::remove_file(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
                Err(_) => Err(Error::Storage(
                    "cannot delete the vault's checkpoint".into(),
                )),
            },
        }
    }
}
