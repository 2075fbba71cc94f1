//! Sealed records: paired devices, medications, dose events, care-team endpoints, consents and
//! settings, each a document under a keyed tag, so the file shows neither names nor contents.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{seal::aad, Error, Result, Vault};

/// The kinds of record the vault keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordKind {
    Device,
    Medication,
    DoseEvent,
    CareTeam,
    Consent,
    /// The app's own state and preferences, such as when reminders were last checked.
    Setting,
    /// An alert raised when a value left its range.
    Alert,
}

impl RecordKind {
    fn name(self) -> &'static str {
        match self {
            RecordKind::Device => "device",
            RecordKind::Medication => "medication",
            RecordKind::DoseEvent => "dose_event",
            RecordKind::CareTeam => "care_team",
            RecordKind::Consent => "consent",
            RecordKind::Setting => "setting",
            RecordKind::Alert => "alert",
        }
    }
}

/// The sealed form: the id travels inside, so listing needs no clear ids.
#[derive(Serialize)]
struct ToStore<'a, T> {
    id: &'a str,
    value: &'a T,
}

#[derive(Deserialize)]
struct Stored<T> {
    id: String,
    value: T,
}

impl Vault {
    /// Stores (or replaces) the record `id` of `kind`.
    pub async fn put_record<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        value: &T,
    ) -> Result<()> {
        let (kind_tag, tag) = self.record_tags(kind, id);
        let plain = serde_json::to_vec(&ToStore { id, value })
            .map_err(|_| Error::InvalidInput("the record cannot be stored".into()))?;
        let mut tx = self.write().await?;
        let mut nonces = Vault::nonces(&mut tx, 1).await?;
        let sealed = self
            .keys
            .seal(nonces.take()?, &record_aad(&kind_tag, &tag), &plain)?;
        sqlx::query("INSERT INTO record (kind_tag, tag, sealed) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET sealed = excluded.sealed")
            .bind(&kind_tag)
            .bind(&tag)
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The record `id` of `kind`, if stored. A damaged record is `Tampered`, never garbage.
    pub async fn get_record<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<T>> {
        let (kind_tag, tag) = self.record_tags(kind, id);
        let sealed: Option<Vec<u8>> =
            sqlx::query_scalar("SELECT sealed FROM record WHERE kind_tag = ? AND tag = ?")
                .bind(&kind_tag)
                .bind(&tag)
                .fetch_optional(&self.pool)
                .await?;
        sealed
            .map(|sealed| {
                self.open_record::<T>(&kind_tag, &tag, &sealed)
                    .map(|(_, v)| v)
            })
            .transpose()
    }

    /// Every record of `kind`, as `(id, value)`.
    pub async fn list_records<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
    ) -> Result<Vec<(String, T)>> {
        let kind_tag = self.keys.tag(&[b"record kind", kind.name().as_bytes()]);
        let rows: Vec<(Vec<u8>, Vec<u8>)> =
            sqlx::query_as("SELECT tag, sealed FROM record WHERE kind_tag = ?")
                .bind(&kind_tag)
                .fetch_all(&self.pool)
                .await?;
        let mut records = rows
            .iter()
            .map(|(tag, sealed)| self.open_record(&kind_tag, tag, sealed))
            .collect::<Result<Vec<_>>>()?;
        records.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(records)
    }

    /// Removes the record; `false` if there was none.
    pub async fn delete_record(&self, kind: RecordKind, id: &str) -> Result<bool> {
        let (kind_tag, tag) = self.record_tags(kind, id);
        let done = sqlx::query("DELETE FROM record WHERE kind_tag = ? AND tag = ?")
            .bind(kind_tag)
            .bind(tag)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    fn record_tags(&self, kind: RecordKind, id: &str) -> (Vec<u8>, Vec<u8>) {
        (
            self.keys.tag(&[b"record kind", kind.name().as_bytes()]),
            self.keys
                .tag(&[b"record", kind.name().as_bytes(), id.as_bytes()]),
        )
    }

    fn open_record<T: DeserializeOwned>(
        &self,
        kind_tag: &[u8],
        tag: &[u8],
        sealed: &[u8],
    ) -> Result<(String, T)> {
        let plain = self.keys.open(&record_aad(kind_tag, tag), sealed)?;
        let stored: Stored<T> = serde_json::from_slice(&plain).map_err(|_| Error::Corrupt)?;
        Ok((stored.id, stored.value))
    }
}

fn record_aad(kind_tag: &[u8], tag: &[u8]) -> Vec<u8> {
    [aad(b"tend/record/v1", &[]).as_slice(), kind_tag, tag].concat()
}
