//! The outbox: what waits to be sent to a care team. One item per thing to send (a dedupe key
//! keeps a retried enqueue from doubling it); an item leaves only when the caller confirms it was
//! delivered, so a crash or an offline spell loses nothing.
//!
//! Each item is sealed with its row id bound in and counted in the head: an item dropped at a
//! revocation and put back from an older copy does not match the head, and then nothing is
//! handed out to send (`Tampered`) rather than risk sending what the patient withdrew.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::{
    head::{piece, Writing},
    seal::aad,
    Error, Result, Vault,
};

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

/// The sealed form. `dedupe_key` lets a re-key remake the lookup tag (items queued by format 1
/// did not keep it).
#[derive(Serialize, Deserialize)]
pub(crate) struct Sealed {
    pub destination: String,
    pub payload: Vec<u8>,
    #[serde(default)]
    pub dedupe_key: Option<String>,
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
        let stored = self
            .enqueue_many(
                destination,
                &[(dedupe_key.to_owned(), payload.to_vec())],
                now,
            )
            .await?;
        Ok(stored > 0)
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
        let keys = self.keys();
        let mut writing = self.write().await?;
        let mut stored = 0;
        for (dedupe_key, payload) in items {
            let tag = outbox_tag(&keys, destination, dedupe_key);
            let queued: Option<i64> =
                sqlx::query_scalar("SELECT id FROM outbox WHERE dedupe_tag = ?")
                    .bind(&tag)
                    .fetch_optional(&mut *writing.tx)
                    .await?;
            if queued.is_some() {
                continue;
            }
            let plain = serde_json::to_vec(&Sealed {
                destination: destination.to_owned(),
                payload: payload.clone(),
                dedupe_key: Some(dedupe_key.clone()),
            })
            .map_err(|_| Error::InvalidInput("the item cannot be queued".into()))?;
            let id = writing.serial();
            let sealed = keys.seal(&outbox_aad(id, &tag), &plain)?;
            sqlx::query(
                "INSERT INTO outbox (id, dedupe_tag, next_attempt_at, sealed) VALUES (?, ?, ?, ?)",
            )
            .bind(id)
            .bind(&tag)
            .bind(now.as_second())
            .bind(sealed)
            .execute(&mut *writing.tx)
            .await?;
            writing.head.outbox.add(&piece::outbox(&keys, id, &tag));
            stored += 1;
        }
        self.commit(writing).await?;
        Ok(stored)
    }

    /// The receiver confirmed all of `ids`: they leave the outbox together.
    pub async fn delivered_many(&self, ids: &[i64]) -> Result<()> {
        let mut writing = self.write().await?;
        self.remove_queued(&mut writing, ids).await?;
        self.commit(writing).await
    }

    /// Removes outbox items inside a write, taking them out of the head.
    pub(crate) async fn remove_queued(&self, writing: &mut Writing, ids: &[i64]) -> Result<()> {
        let keys = self.keys();
        for id in ids {
            let tag: Option<Vec<u8>> =
                sqlx::query_scalar("DELETE FROM outbox WHERE id = ? RETURNING dedupe_tag")
                    .bind(id)
                    .fetch_optional(&mut *writing.tx)
                    .await?;
            if let Some(tag) = tag {
                writing.head.outbox.remove(&piece::outbox(&keys, *id, &tag));
            }
        }
        Ok(())
    }

    /// Up to `limit` items due at `now`, oldest first. `Tampered` if the outbox does not add up
    /// to the head or an item fails its check: nothing is handed out to send then.
    pub async fn due(&self, now: Timestamp, limit: u32) -> Result<Vec<OutboxItem>> {
        if self.integrity.outbox {
            return Err(Error::Tampered);
        }
        let keys = self.keys();
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, dedupe_tag, attempts, next_attempt_at, sealed FROM outbox WHERE next_attempt_at <= ? ORDER BY id LIMIT ?",
        )
        .bind(now.as_second())
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|row| {
                let plain = keys.open(&outbox_aad(row.id, &row.dedupe_tag), &row.sealed)?;
                let item: Sealed = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
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
        self.delivered_many(&[id]).await
    }

    /// Sending failed: try again at `next_attempt_at`. (When to retry is kept in clear, outside
    /// the seal: changing it only moves a send earlier or later.)
    pub async fn retry_later(&self, id: i64, next_attempt_at: Timestamp) -> Result<()> {
        let mut writing = self.write().await?;
        sqlx::query("UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ? WHERE id = ?")
            .bind(next_attempt_at.as_second())
            .bind(id)
            .execute(&mut *writing.tx)
            .await?;
        self.commit(writing).await
    }
}

pub(crate) fn outbox_tag(keys: &crate::seal::Keys, destination: &str, dedupe_key: &str) -> Vec<u8> {
    keys.tag(&[b"outbox", destination.as_bytes(), dedupe_key.as_bytes()])
}

pub(crate) fn outbox_aad(id: i64, tag: &[u8]) -> Vec<u8> {
    [aad(b"tend/v2/outbox", &[id]).as_slice(), tag].concat()
}
