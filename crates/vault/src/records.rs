//! Sealed records: paired devices, medications, dose events, care-team endpoints, consents and
//! settings, each a document under a keyed tag, so the file shows neither names nor contents.
//!
//! Each record is sealed with its kind, id and version (a number never reused) bound in: a row
//! moved to another record, or an older copy of one put back, fails to open or fails the head's
//! count. When the records as a whole do not add up to the head (one was deleted, or an old one
//! put back where none is now), which one is wrong cannot be told, so every record read fails
//! loudly (`Tampered`) rather than answer from a set that may hold a revoked consent or miss a
//! medication: acting on such an answer (sharing, reminding) is worse than stopping.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

use crate::{
    audit::AuditEntry,
    damage::Damage,
    head::{piece, Writing},
    seal::aad,
    Error, RangeRead, Result, Vault,
};

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
    /// What one import batch brought in (its file, when, how many readings of what).
    ImportBatch,
    /// Summaries over a period that an import brought in (a FHIR summary Observation, a Google
    /// Fit day): kept as summaries, never turned into readings.
    ImportSummary,
}

impl RecordKind {
    pub const ALL: [RecordKind; 9] = [
        RecordKind::Device,
        RecordKind::Medication,
        RecordKind::DoseEvent,
        RecordKind::CareTeam,
        RecordKind::Consent,
        RecordKind::Setting,
        RecordKind::Alert,
        RecordKind::ImportBatch,
        RecordKind::ImportSummary,
    ];

    pub(crate) fn name(self) -> &'static str {
        match self {
            RecordKind::Device => "device",
            RecordKind::Medication => "medication",
            RecordKind::DoseEvent => "dose_event",
            RecordKind::CareTeam => "care_team",
            RecordKind::Consent => "consent",
            RecordKind::Setting => "setting",
            RecordKind::Alert => "alert",
            RecordKind::ImportBatch => "import_batch",
            RecordKind::ImportSummary => "import_summary",
        }
    }
}

/// The sealed form: kind and id travel inside, so listing needs no clear ids and a row under
/// another record's tag is caught.
#[derive(Serialize)]
struct ToStore<'a, T> {
    kind: &'a str,
    id: &'a str,
    value: &'a T,
}

#[derive(Deserialize)]
pub(crate) struct Stored<T> {
    pub kind: String,
    pub id: String,
    pub value: T,
}

/// Several record changes, and the audit entries that go with them, made in one transaction:
/// all of them are stored or none is.
#[derive(Debug, Default)]
pub struct RecordChanges {
    puts: Vec<(RecordKind, String, Vec<u8>)>,
    deletes: Vec<(RecordKind, String)>,
    delivered: Vec<i64>,
    audit: Vec<AuditEntry>,
}

impl RecordChanges {
    pub fn new() -> RecordChanges {
        RecordChanges::default()
    }

    /// Stores (or replaces) the record `id` of `kind`.
    pub fn put<T: Serialize>(&mut self, kind: RecordKind, id: &str, value: &T) -> Result<()> {
        let plain = serde_json::to_vec(&ToStore {
            kind: kind.name(),
            id,
            value,
        })
        .map_err(|_| Error::InvalidInput("the record cannot be stored".into()))?;
        self.puts.push((kind, id.to_owned(), plain));
        Ok(())
    }

    /// Removes the record `id` of `kind`, if there is one.
    pub fn delete(&mut self, kind: RecordKind, id: &str) {
        self.deletes.push((kind, id.to_owned()));
    }

    /// Removes outbox items (dropped unsent, or delivered).
    pub fn remove_queued(&mut self, ids: &[i64]) {
        self.delivered.extend_from_slice(ids);
    }

    /// Appends an entry to the audit log.
    pub fn audit(&mut self, entry: AuditEntry) {
        self.audit.push(entry);
    }
}

impl Vault {
    /// Stores (or replaces) the record `id` of `kind`.
    pub async fn put_record<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        value: &T,
    ) -> Result<()> {
        let mut changes = RecordChanges::new();
        changes.put(kind, id, value)?;
        self.change_records(changes).await.map(drop)
    }

    /// Stores (or replaces) a record and appends its audit entry, together or not at all.
    pub async fn put_record_audited<T: Serialize>(
        &self,
        kind: RecordKind,
        id: &str,
        value: &T,
        entry: &AuditEntry,
    ) -> Result<()> {
        let mut changes = RecordChanges::new();
        changes.put(kind, id, value)?;
        changes.audit(entry.clone());
        self.change_records(changes).await.map(drop)
    }

    /// Makes every change in `changes` in one transaction. Returns, for each delete in order,
    /// whether there was a record to remove.
    pub async fn change_records(&self, changes: RecordChanges) -> Result<Vec<bool>> {
        let mut writing = self.write().await?;
        let deleted = self.apply_changes(&mut writing, changes).await?;
        self.commit(writing).await?;
        Ok(deleted)
    }

    /// Makes the changes inside the caller's write; for each delete, whether there was a record.
    pub(crate) async fn apply_changes(
        &self,
        writing: &mut Writing,
        changes: RecordChanges,
    ) -> Result<Vec<bool>> {
        let keys = self.keys();
        for (kind, id, plain) in changes.puts {
            let (kind_tag, tag) = self.record_tags(kind, &id);
            self.remove_record_row(writing, &kind_tag, &tag).await?;
            let version = writing.serial();
            let sealed = keys.seal(&record_aad(&kind_tag, &tag, version), &plain)?;
            sqlx::query("INSERT INTO record (kind_tag, tag, version, sealed) VALUES (?, ?, ?, ?)")
                .bind(&kind_tag)
                .bind(&tag)
                .bind(version)
                .bind(sealed)
                .execute(&mut *writing.tx)
                .await?;
            writing
                .head
                .records
                .add(&piece::record(&keys, &kind_tag, &tag, version));
        }
        let mut deleted = Vec::with_capacity(changes.deletes.len());
        for (kind, id) in changes.deletes {
            let (kind_tag, tag) = self.record_tags(kind, &id);
            deleted.push(self.remove_record_row(writing, &kind_tag, &tag).await?);
        }
        self.remove_queued(writing, &changes.delivered).await?;
        for entry in &changes.audit {
            self.append_audit(writing, entry).await?;
        }
        Ok(deleted)
    }

    /// The record `id` of `kind`, if stored. A damaged record is `Tampered`, never garbage.
    pub async fn get_record<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        id: &str,
    ) -> Result<Option<T>> {
        self.records_whole()?;
        let (kind_tag, tag) = self.record_tags(kind, id);
        let row: Option<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT version, sealed FROM record WHERE kind_tag = ? AND tag = ?")
                .bind(&kind_tag)
                .bind(&tag)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|(version, sealed)| {
            self.open_record::<T>(kind, &kind_tag, &tag, version, &sealed)
                .map(|(_, v)| v)
        })
        .transpose()
    }

    /// Every record of `kind`, as `(id, value)`. Fails whole (`Tampered`) if any of them is
    /// damaged: callers act on the whole list (consents to share, medications to remind of).
    pub async fn list_records<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
    ) -> Result<Vec<(String, T)>> {
        let read = self.read_records(kind).await?;
        if read.damaged.is_empty() {
            Ok(read.data)
        } else {
            Err(Error::Tampered)
        }
    }

    /// Every record of `kind` that opens, with the damaged ones reported beside them: for a
    /// screen that can show what is there and say what is not.
    pub async fn read_records<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
    ) -> Result<RangeRead<Vec<(String, T)>>> {
        self.records_whole()?;
        let kind_tag = self.keys().tag(&[b"record kind", kind.name().as_bytes()]);
        let rows: Vec<(Vec<u8>, i64, Vec<u8>)> =
            sqlx::query_as("SELECT tag, version, sealed FROM record WHERE kind_tag = ?")
                .bind(&kind_tag)
                .fetch_all(&self.pool)
                .await?;
        let mut data = Vec::with_capacity(rows.len());
        let mut damaged = Vec::new();
        for (tag, version, sealed) in &rows {
            match self.open_record(kind, &kind_tag, tag, *version, sealed) {
                Ok(record) => data.push(record),
                Err(_) => damaged.push(Damage {
                    what: "record",
                    from: jiff::Timestamp::MIN,
                    until: jiff::Timestamp::MAX,
                }),
            }
        }
        data.sort_by(|a, b| a.0.cmp(&b.0));
        Ok(RangeRead { data, damaged })
    }

    /// Removes the record; `false` if there was none.
    pub async fn delete_record(&self, kind: RecordKind, id: &str) -> Result<bool> {
        let mut changes = RecordChanges::new();
        changes.delete(kind, id);
        Ok(self.change_records(changes).await?.first() == Some(&true))
    }

    /// Removes a record's row inside a write, taking it out of the head; `false` if none.
    async fn remove_record_row(
        &self,
        writing: &mut Writing,
        kind_tag: &[u8],
        tag: &[u8],
    ) -> Result<bool> {
        let old: Option<i64> = sqlx::query_scalar(
            "DELETE FROM record WHERE kind_tag = ? AND tag = ? RETURNING version",
        )
        .bind(kind_tag)
        .bind(tag)
        .fetch_optional(&mut *writing.tx)
        .await?;
        if let Some(version) = old {
            writing
                .head
                .records
                .remove(&piece::record(&self.keys(), kind_tag, tag, version));
        }
        Ok(old.is_some())
    }

    /// Refuses to read records when they do not add up to the head.
    fn records_whole(&self) -> Result<()> {
        if self.integrity.records {
            Err(Error::Tampered)
        } else {
            Ok(())
        }
    }

    fn record_tags(&self, kind: RecordKind, id: &str) -> (Vec<u8>, Vec<u8>) {
        record_tags(&self.keys(), kind, id)
    }

    fn open_record<T: DeserializeOwned>(
        &self,
        kind: RecordKind,
        kind_tag: &[u8],
        tag: &[u8],
        version: i64,
        sealed: &[u8],
    ) -> Result<(String, T)> {
        let plain = self
            .keys()
            .open(&record_aad(kind_tag, tag, version), sealed)?;
        let stored: Stored<T> = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
        // The row's tags must be the ones its sealed kind and id make.
        if stored.kind != kind.name() || self.record_tags(kind, &stored.id).1 != tag {
            return Err(Error::Tampered);
        }
        Ok((stored.id, stored.value))
    }
}

pub(crate) fn record_tags(
    keys: &crate::seal::Keys,
    kind: RecordKind,
    id: &str,
) -> (Vec<u8>, Vec<u8>) {
    (
        keys.tag(&[b"record kind", kind.name().as_bytes()]),
        keys.tag(&[b"record", kind.name().as_bytes(), id.as_bytes()]),
    )
}

pub(crate) fn record_aad(kind_tag: &[u8], tag: &[u8], version: i64) -> Vec<u8> {
    [aad(b"tend/v2/record", &[version]).as_slice(), kind_tag, tag].concat()
}
