//! What the app can say about a profile's vault without unlocking it.

use std::path::Path;

use serde::Serialize;

use crate::{database, Result};

/// The state of the vault in one profile directory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum VaultStatus {
    /// No vault yet: the patient has not set Tend up in this profile.
    NotCreated,
    /// A vault exists; its contents stay sealed until it is unlocked.
    Locked { format_version: u32 },
}

/// Looks at the vault in `dir` without reading any sealed data.
pub async fn inspect(dir: &Path) -> Result<VaultStatus> {
    let path = dir.join(database::FILE_NAME);
    if !path.exists() {
        return Ok(VaultStatus::NotCreated);
    }
    let pool = database::connect(&path, false).await?;
    let version = database::format_version(&pool).await;
    pool.close().await;
    Ok(VaultStatus::Locked {
        format_version: version?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    #[tokio::test]
    async fn lifecycle_and_refusals() -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        assert_eq!(inspect(dir.path()).await?, VaultStatus::NotCreated);

        crate::create(dir.path()).await?;
        assert_eq!(
            inspect(dir.path()).await?,
            VaultStatus::Locked { format_version: 1 }
        );
        assert!(matches!(
            crate::create(dir.path()).await,
            Err(Error::AlreadyExists)
        ));

        // A vault from a newer Tend is refused by name, not misread.
        let pool = database::connect(&dir.path().join(database::FILE_NAME), false).await?;
        sqlx::query("UPDATE meta SET value = '99' WHERE key = 'format_version'")
            .execute(&pool)
            .await?;
        pool.close().await;
        let err = inspect(dir.path()).await.expect_err("newer format refused");
        assert!(
            matches!(
                err,
                Error::NewerFormat {
                    found: 99,
                    supported: 1
                }
            ),
            "{err}"
        );
        Ok(())
    }

    #[tokio::test]
    async fn a_file_that_is_not_a_vault_is_reported_corrupt(
    ) -> std::result::Result<(), Box<dyn std::error::Error>> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join(database::FILE_NAME), b"this is not sqlite, just some text padded out to be longer than a header ............................................")?;
        let err = inspect(dir.path()).await.expect_err("garbage refused");
        assert!(matches!(err, Error::Corrupt), "{err}");
        Ok(())
    }
}
