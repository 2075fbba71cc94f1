//! The outbox: what waits to be sent to a care team. One item per thing to send (a dedupe key
//! keeps a retried enqueue from doubling it); an item leaves only when the caller confirms it was
//! delivered, so a crash or an offline spell loses nothing.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{seal::aad, Error, Result, Vault};

/// One item waiting to be sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    /// Which endpoint it goes to (the care team's record id).
    pub destination: String,
    pub payload: Vec<u8>,
    pub attempts: u32,
    pub next_attempt_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    dedupe_tag: Vec<u8>,
    attempts: i64,
    next_attempt_at: i64,
    sealed: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct Sealed {
    destination: String,
    payload: Vec<u8>,
}

impl Vault {
    /// Queues `payload` for `destination`; `false` if an item with this `dedupe_key` is queued.
    pub async fn enqueue(
        &self,
        destination: &str,
        dedupe_key: &str,
        payload: &[u8],
        now: Timestamp,
    ) -> Result<bool> {
        let tag = self
            .keys
            .tag(&[b"outbox", destination.as_bytes(), dedupe_key.as_bytes()]);
        let plain = serde_json::to_vec(&Sealed {
            destination: destination.to_owned(),
            payload: payload.to_vec(),
        })
        .map_err(|_| Error::InvalidInput("the item cannot be queued".into()))?;
        let mut tx = self.write().await?;
        let mut nonces = Vault::nonces(&mut tx, 1).await?;
        let sealed = self.keys.seal(nonces.take()?, &outbox_aad(&tag), &plain)?;
        let done = sqlx::query("INSERT INTO outbox (dedupe_tag, next_attempt_at, sealed) VALUES (?, ?, ?) ON CONFLICT (dedupe_tag) DO NOTHING")
            .bind(&tag)
            .bind(now.as_second())
            .bind(sealed)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(done.rows_affected() > 0)
    }

    /// Queues many payloads for `destination` in one transaction, as `(dedupe_key, payload)`;
    /// returns how many were new (an item with the same dedupe key already queued is kept once).
    pub async fn enqueue_many(
        &self,
        destination: &str,
        items: &[(String, Vec<u8>)],
        now: Timestamp,
    ) -> Result<u64> {
        if items.is_empty() {
            return Ok(0);
        }
        let mut tx = self.write().await?;
        let mut nonces = Vault::nonces(&mut tx, items.len() as u64).await?;
        let mut stored = 0;
        for (dedupe_key, payload) in items {
            let tag = self
                .keys
                .tag(&[b"outbox", destination.as_bytes(), dedupe_key.as_bytes()]);
            let plain = serde_json::to_vec(&Sealed {
                destination: destination.to_owned(),
                payload: payload.clone(),
            })
            .map_err(|_| Error::InvalidInput("the item cannot be queued".into()))?;
            let sealed = self.keys.seal(nonces.take()?, &outbox_aad(&tag), &plain)?;
            let done = sqlx::query("INSERT INTO outbox (dedupe_tag, next_attempt_at, sealed) VALUES (?, ?, ?) ON CONFLICT (dedupe_tag) DO NOTHING")
                .bind(&tag)
                .bind(now.as_second())
                .bind(sealed)
                .execute(&mut *tx)
                .await?;
            stored += done.rows_affected();
        }
        tx.commit().await?;
        Ok(stored)
    }

    /// The receiver confirmed all of `ids`: they leave the outbox together.
    pub async fn delivered_many(&self, ids: &[i64]) -> Result<()> {
        let mut tx = self.write().await?;
        for id in ids {
            sqlx::query("DELETE FROM outbox WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Up to `limit` items due at `now`, oldest first.
    pub async fn due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxItem>> {
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, dedupe_tag, attempts, next_attempt_at, sealed FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
        )
        .bind(now.as_second())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let plain = self.keys.open(&outbox_aad(&row.dedupe_tag), &row.sealed)?;
                let item: Sealed = serde_json::from_slice(&plain).map_err(|_| Error::Corrupt)?;
                Ok(OutboxItem {
                    id: row.id,
                    destination: item.destination,
                    payload: item.payload,
                    attempts: u32::try_from(row.attempts).unwrap_or(u32::MAX),
                    next_attempt_at: Timestamp::from_second(row.next_attempt_at)
                        .map_err(|_| Error::Corrupt)?,
                })
            })
            .collect()
    }

    /// The receiver confirmed the item: it leaves the outbox.
    pub async fn delivered(&self, id: i64) -> Result<()> {
        sqlx::query("DELETE FROM outbox WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Sending failed: try again at `next_attempt_at`.
    pub async fn retry_later(&self, id: i64, next_attempt_at: Timestamp) -> Result<()> {
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?")
            .bind(next_attempt_at.as_second())
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

fn outbox_aad(tag: &[u8]) -> Vec<u8> {
    [aad(b"tend/outbox/v1", &[]).as_slice(), tag].concat()
}
