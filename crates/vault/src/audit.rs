//! The audit log: what was shared, when, with whom. Append-only and tamper-evident: each entry is
//! sealed with the digest of the one before, and the head (count and last digest) is sealed in
//! `meta`, so an entry changed, removed, reordered or cut off the end is reported.

use jiff::Timestamp;
use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};

use crate::{meta, seal::aad, Error, Result, Vault};

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

const HEAD_AAD: &[u8] = b"tend/audit-head/v1";

impl Vault {
    /// Appends an entry to the audit log.
    pub async fn audit(&self, entry: &AuditEntry) -> Result<()> {
        let mut tx = self.write().await?;
        let (count, previous) = self.audit_head(&mut tx).await?;
        let seq = count + 1;
        let plain = serde_json::to_vec(entry)
            .map_err(|_| Error::InvalidInput("the audit entry cannot be stored".into()))?;
        let mut nonces = Vault::nonces(&mut tx, 2).await?;
        let sealed = self
            .keys
            .seal(nonces.take()?, &entry_aad(seq, &previous), &plain)?;
        sqlx::query("INSERT INTO audit (seq, sealed) VALUES (?, ?)")
            .bind(seq)
            .bind(&sealed)
            .execute(&mut *tx)
            .await?;
        let head = [
            seq.to_le_bytes().as_slice(),
            digest(&SHA256, &sealed).as_ref(),
        ]
        .concat();
        let sealed_head = self.keys.seal(nonces.take()?, HEAD_AAD, &head)?;
        meta::set_blob(&mut tx, "audit_head", &sealed_head).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The whole log, oldest first, after checking the chain end to end.
    pub async fn audit_log(&self) -> Result<Vec<AuditEntry>> {
        let mut conn = self.pool.acquire().await?;
        let (count, last) = self.audit_head(&mut conn).await?;
        let rows: Vec<(i64, Vec<u8>)> =
            sqlx::query_as("SELECT seq, sealed FROM audit ORDER BY seq")
                .fetch_all(&mut *conn)
                .await?;
        if rows.len() as i64 != count {
            return Err(Error::Tampered);
        }
        let mut previous = vec![0u8; 32];
        let mut entries = Vec::with_capacity(rows.len());
        for (expected, (seq, sealed)) in (1..).zip(rows) {
            if seq != expected {
                return Err(Error::Tampered);
            }
            let plain = self.keys.open(&entry_aad(seq, &previous), &sealed)?;
            entries.push(serde_json::from_slice(&plain).map_err(|_| Error::Corrupt)?);
            previous = digest(&SHA256, &sealed).as_ref().to_vec();
        }
        if count > 0 && previous != last {
            return Err(Error::Tampered);
        }
        Ok(entries)
    }

    /// `(entries, digest of the last)`; an empty log has a zero digest.
    async fn audit_head(&self, conn: &mut sqlx::SqliteConnection) -> Result<(i64, Vec<u8>)> {
        let Some(sealed) = meta::blob(conn, "audit_head").await? else {
            let any: Option<i64> = sqlx::query_scalar("SELECT seq FROM audit LIMIT 1")
                .fetch_optional(&mut *conn)
                .await?;
            return if any.is_some() {
                Err(Error::Tampered)
            } else {
                Ok((0, vec![0u8; 32]))
            };
        };
        let head = self.keys.open(HEAD_AAD, &sealed)?;
        let (count, last) = head.split_at_checked(8).ok_or(Error::Corrupt)?;
        let count = i64::from_le_bytes(count.try_into().map_err(|_| Error::Corrupt)?);
        Ok((count, last.to_vec()))
    }
}

fn entry_aad(seq: i64, previous: &[u8]) -> Vec<u8> {
    [aad(b"tend/audit/v1", &[seq]).as_slice(), previous].concat()
}
