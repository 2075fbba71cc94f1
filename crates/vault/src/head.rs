//! The vault's head: one sealed piece, rewritten in the same transaction as every change, that
//! says what the file must hold — for each series, the records, the outbox and the audit log, a
//! count and a keyed set digest of every piece's identity — and a generation that only grows.
//!
//! A piece deleted, put back, duplicated or swapped changes what the rows add up to, so it no
//! longer matches the head (checked when the vault is unlocked); a whole file put back as an older
//! copy carries an older generation, which the checkpoint outside the file catches.
//!
//! The set digest is the XOR of an HMAC (under the vault's index key) of each piece's identity:
//! adding or removing a piece is one XOR, and without the key no set of forged identities can be
//! made to add up to the same digest.

use std::collections::{BTreeMap, BTreeSet};

use ring::digest::{digest, SHA256};
use serde::{Deserialize, Serialize};
use sqlx::{Sqlite, SqliteConnection, Transaction};

use crate::{meta, seal::Keys, Error, Result, Vault};

/// A count and a keyed XOR digest of a set of pieces.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct SetDigest {
    count: u64,
    xor: [u8; 32],
}

impl SetDigest {
    pub fn add(&mut self, piece: &[u8]) {
        self.count = self.count.wrapping_add(1);
        self.flip(piece);
    }

    pub fn remove(&mut self, piece: &[u8]) {
        self.count = self.count.wrapping_sub(1);
        self.flip(piece);
    }

    fn flip(&mut self, piece: &[u8]) {
        for (x, p) in self.xor.iter_mut().zip(piece) {
            *x ^= p;
        }
    }
}

/// What the file must hold, sealed in `meta` under `head`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Head {
    /// Grows by one with every committed change.
    pub generation: u64,
    /// The next number for a row id or a version: never reused, so an old piece cannot stand in
    /// for a newer one with the same number.
    pub serial: i64,
    /// Per series id: its name, chunks, pending rows and rollup blocks.
    pub series: BTreeMap<i64, SetDigest>,
    pub records: SetDigest,
    pub outbox: SetDigest,
    pub audit_count: i64,
    pub audit_last: Vec<u8>,
}

/// Identities of the pieces, as the head counts them.
pub(crate) mod piece {
    use crate::seal::Keys;

    fn numbers(keys: &Keys, kind: &[u8], numbers: &[i64], blobs: &[&[u8]]) -> Vec<u8> {
        let bytes: Vec<[u8; 8]> = numbers.iter().map(|n| n.to_le_bytes()).collect();
        let mut parts: Vec<&[u8]> = vec![b"piece", kind];
        parts.extend(bytes.iter().map(|b| b.as_slice()));
        parts.extend_from_slice(blobs);
        keys.tag(&parts)
    }

    /// A series' name is rewritten in place (when its device kind becomes known), so its piece
    /// counts the sealed bytes too: an older name put back does not add up.
    pub fn series(keys: &Keys, id: i64, tag: &[u8], sealed: &[u8]) -> Vec<u8> {
        numbers(keys, b"series", &[id], &[tag, sealed])
    }

    /// A chunk of a device's or the patient's own readings (batch 0) is counted as before
    /// batches existed; an imported one with its batch, so moving it in or out of a batch does
    /// not add up.
    pub fn chunk(
        keys: &Keys,
        series_id: i64,
        id: i64,
        first: i64,
        last: i64,
        batch: i64,
    ) -> Vec<u8> {
        if batch == 0 {
            numbers(keys, b"chunk", &[series_id, id, first, last], &[])
        } else {
            numbers(
                keys,
                b"batch chunk",
                &[series_id, id, first, last, batch],
                &[],
            )
        }
    }

    pub fn pending(keys: &Keys, series_id: i64, id: i64, hour: i64) -> Vec<u8> {
        numbers(keys, b"pending", &[series_id, id, hour], &[])
    }

    pub fn rollup(
        keys: &Keys,
        series_id: i64,
        level: i64,
        block: i64,
        version: i64,
        batch: i64,
    ) -> Vec<u8> {
        if batch == 0 {
            numbers(keys, b"rollup", &[series_id, level, block, version], &[])
        } else {
            numbers(
                keys,
                b"batch rollup",
                &[series_id, level, block, version, batch],
                &[],
            )
        }
    }

    pub fn record(keys: &Keys, kind_tag: &[u8], tag: &[u8], version: i64) -> Vec<u8> {
        numbers(keys, b"record", &[version], &[kind_tag, tag])
    }

    pub fn outbox(keys: &Keys, id: i64, dedupe_tag: &[u8]) -> Vec<u8> {
        numbers(keys, b"outbox", &[id], &[dedupe_tag])
    }
}

pub(crate) fn head_aad(vault_id: &str) -> Vec<u8> {
    [b"tend/v2/head/".as_slice(), vault_id.as_bytes()].concat()
}

/// The head as sealed in the file, opened, with the digest of its plaintext (what a checkpoint
/// keeps).
pub(crate) async fn load(
    conn: &mut SqliteConnection,
    keys: &Keys,
    vault_id: &str,
) -> Result<(Head, [u8; 32])> {
    let sealed = meta::blob(conn, "head").await?.ok_or(Error::Tampered)?;
    let plain = keys.open(&head_aad(vault_id), &sealed)?;
    let head = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
    Ok((head, digest_of(&plain)))
}

/// Seals and stores `head`; returns the digest of its plaintext.
pub(crate) async fn store(
    conn: &mut SqliteConnection,
    keys: &Keys,
    vault_id: &str,
    head: &Head,
) -> Result<[u8; 32]> {
    let plain = serde_json::to_vec(head).map_err(|_| Error::Crypto("the head cannot be stored"))?;
    let sealed = keys.seal(&head_aad(vault_id), &plain)?;
    meta::set_blob(conn, "head", &sealed).await?;
    Ok(digest_of(&plain))
}

fn digest_of(plain: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(digest(&SHA256, plain).as_ref());
    out
}

/// A write transaction together with the head it changes: every write goes through one, so the
/// head moves with the data or not at all.
pub(crate) struct Writing {
    pub tx: Transaction<'static, Sqlite>,
    pub head: Head,
}

impl Writing {
    /// A fresh number for a row id or version.
    pub fn serial(&mut self) -> i64 {
        let n = self.head.serial;
        self.head.serial += 1;
        n
    }

    pub fn series(&mut self, series_id: i64) -> &mut SetDigest {
        self.head.series.entry(series_id).or_default()
    }
}

/// What the unlock-time check found wrong: pieces missing, added or put back.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Integrity {
    /// Series whose rows do not add up to their head.
    pub series: BTreeSet<i64>,
    /// Series the head names that have no row at all.
    pub missing_series: BTreeSet<i64>,
    pub records: bool,
    pub outbox: bool,
}

/// Adds up every row's identity and compares it with the head, in one read snapshot.
pub(crate) async fn check(
    conn: &mut SqliteConnection,
    keys: &Keys,
    head: &Head,
) -> Result<Integrity> {
    let mut series: BTreeMap<i64, SetDigest> = BTreeMap::new();
    let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = sqlx::query_as("SELECT id, tag, sealed FROM series")
        .fetch_all(&mut *conn)
        .await?;
    let series_rows: BTreeSet<i64> = rows.iter().map(|(id, _, _)| *id).collect();
    for (id, tag, sealed) in rows {
        series
            .entry(id)
            .or_default()
            .add(&piece::series(keys, id, &tag, &sealed));
    }
    let chunks: Vec<(i64, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT series_id, id, first_hour, last_hour, batch FROM chunk")
            .fetch_all(&mut *conn)
            .await?;
    for (series_id, id, first, last, batch) in chunks {
        series
            .entry(series_id)
            .or_default()
            .add(&piece::chunk(keys, series_id, id, first, last, batch));
    }
    let pending: Vec<(i64, i64, i64)> = sqlx::query_as("SELECT series_id, id, hour FROM pending")
        .fetch_all(&mut *conn)
        .await?;
    for (series_id, id, hour) in pending {
        series
            .entry(series_id)
            .or_default()
            .add(&piece::pending(keys, series_id, id, hour));
    }
    let rollups: Vec<(i64, i64, i64, i64, i64)> =
        sqlx::query_as("SELECT series_id, level, block, version, batch FROM rollup")
            .fetch_all(&mut *conn)
            .await?;
    for (series_id, level, block, version, batch) in rollups {
        series.entry(series_id).or_default().add(&piece::rollup(
            keys, series_id, level, block, version, batch,
        ));
    }
    let mut integrity = Integrity::default();
    for (id, found) in &series {
        if head.series.get(id) != Some(found) {
            integrity.series.insert(*id);
        }
    }
    for (id, expected) in &head.series {
        if !series_rows.contains(id) {
            integrity.missing_series.insert(*id);
        }
        if series.get(id) != Some(expected) {
            integrity.series.insert(*id);
        }
    }

    let mut records = SetDigest::default();
    let rows: Vec<(Vec<u8>, Vec<u8>, i64)> =
        sqlx::query_as("SELECT kind_tag, tag, version FROM record")
            .fetch_all(&mut *conn)
            .await?;
    for (kind_tag, tag, version) in rows {
        records.add(&piece::record(keys, &kind_tag, &tag, version));
    }
    integrity.records = records != head.records;

    let mut outbox = SetDigest::default();
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT id, dedupe_tag FROM outbox")
        .fetch_all(&mut *conn)
        .await?;
    for (id, tag) in rows {
        outbox.add(&piece::outbox(keys, id, &tag));
    }
    integrity.outbox = outbox != head.outbox;
    Ok(integrity)
}

impl Vault {
    /// A write transaction that takes SQLite's write lock up front (`BEGIN IMMEDIATE`: with the
    /// app and the CLI writing to one file, a deferred transaction that reads first could fail to
    /// upgrade instead of waiting its turn), with the head read inside it. Refused while the
    /// vault is older than the last one Tend saw and the patient has not decided.
    pub(crate) async fn write(&self) -> Result<Writing> {
        if let Some(rollback) = self.rolled_back() {
            return Err(Error::RolledBack {
                seen: rollback.seen,
                found: rollback.found,
            });
        }
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let (head, _) = load(&mut tx, &self.keys(), &self.vault_id).await?;
        Ok(Writing { tx, head })
    }

    /// Seals the changed head (one generation on) and commits it with the data.
    pub(crate) async fn commit(&self, mut writing: Writing) -> Result<()> {
        writing.head.generation += 1;
        store(&mut writing.tx, &self.keys(), &self.vault_id, &writing.head).await?;
        writing.tx.commit().await?;
        Ok(())
    }
}
