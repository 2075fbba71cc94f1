//! The audit log: what was shared, when, with whom. Append-only and tamper-evident: each entry is
//! sealed with the digest of the one before, and the vault's head holds the count and the last
//! digest, so an entry changed, removed, reordered or cut off the end is reported; a whole file
//! put back with its older head is caught by the checkpoint (see `head` and `checkpoint`).

use jiff::Timestamp;
use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};

use crate::{head, head::Writing, seal::aad, Error, Result, Vault};

/// One audited event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "specta", derive(specta::Type))]
pub struct AuditEntry {
    pub at: Timestamp,
    /// What happened, e.g. `shared`, `consent_given`, `consent_revoked`, `exported`.
    pub action: String,
    /// Who was involved (a care team's name), if anyone.
    pub counterpart: Option<String>,
    /// What it concerned, in words (categories and counts, never values).
    pub summary: String,
}

impl Vault {
    /// Appends an entry to the audit log.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let mut writing = self.write().await?;
        self.append_audit(&mut writing, entry).await?;
        self.commit(writing).await
    }

    /// Appends an entry inside a write.
    pub(crate) async fn append_audit(
        &self,
        writing: &mut Writing,
        entry: &AuditEntry,
    ) -> Result<()> {
        let seq = writing.head.audit_count + 1;
        let plain = serde_json::to_vec(entry)
            .map_err(|_| Error::InvalidInput("the audit entry cannot be stored".into()))?;
        let sealed = self
            .keys()
            .seal(&entry_aad(seq, &writing.head.audit_last), &plain)?;
        sqlx::query("INSERT INTO audit (seq, sealed) VALUES (?, ?)")
            .bind(seq)
            .bind(&sealed)
            .execute(&mut *writing.tx)
            .await?;
        writing.head.audit_count = seq;
        writing.head.audit_last = digest(&SHA256, &sealed).as_ref().to_vec();
        Ok(())
    }

    /// The whole log, oldest first, after checking the chain end to end against the head.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let keys = self.keys();
        let mut tx = self.pool.begin().await?;
        let (head, _) = head::load(&mut tx, &keys, &self.vault_id).await?;
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, sealed FROM audit ORDER BY seq")
                .fetch_all(&mut *tx)
                .await?;
        tx.commit().await?;
        if rows.len() as i64 != head.audit_count {
            return Err(Error::Tampered);
        }
        let mut previous = vec![0u8; 32];
        let mut entries = Vec::with_capacity(rows.len());
        for (expected, (seq, sealed)) in (1..).zip(rows) {
            if seq != expected {
                return Err(Error::Tampered);
            }
            let plain = keys.open(&entry_aad(seq, &previous), &sealed)?;
            entries.push(serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?);
            previous = digest(&SHA256, &sealed).as_ref().to_vec();
        }
        if previous != head.audit_last {
            return Err(Error::Tampered);
        }
        Ok(entries)
    }
}

pub(crate) fn entry_aad(seq: i64, previous: &[u8]) -> Vec<u8> {
    [aad(b"tend/v2/audit", &[seq]).as_slice(), previous].concat()
}
