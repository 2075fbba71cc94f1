//! Re-sealing every piece of the vault in one transaction: to migrate a vault of format 1 (one
//! key and a counter nonce, no identity beyond the series and time slot) to format 2, and to
//! re-key it under a new data key when the passphrase changes. Lookup tags are remade from what
//! the pieces hold, so they follow the new key too. The head is rebuilt from what is re-sealed.
//!
//! A piece that fails to open is left as it is and counted: it stays reported as damaged.

use ring::digest::{digest, SHA256};
use serde_json::Value;
use sqlx::SqliteConnection;

use crate::{
    audit::entry_aad,
    head::{self, piece, Head},
    key_source, meta,
    outbox::{outbox_aad, outbox_tag, Sealed},
    records::{record_aad, record_tags, Stored},
    rollup::block_aad,
    seal::{aad, Keys},
    timeseries::{chunk_aad, pending_aad, series_aad, series_tag},
    Error, RecordKind, Result, Series, FORMAT_VERSION,
};

/// A record row: kind tag, tag, version, sealed.
type RecordRow = (Vec<u8>, Vec<u8>, i64, Vec<u8>);

/// What the pieces are sealed with now.
#[derive(Clone, Copy)]
pub(crate) enum Source<'a> {
    Format1(&'a Keys),
    Format2(&'a Keys),
}

impl Source<'_> {
    fn keys(&self) -> &Keys {
        match self {
            Source::Format1(keys) | Source::Format2(keys) => keys,
        }
    }

    /// Opens with format 1's associated data or format 2's, whichever this source is.
    fn open(&self, format_1: &[u8], format_2: &[u8], sealed: &[u8]) -> Result<Vec<u8>> {
        match self {
            Source::Format1(keys) => keys.open_format_1(format_1, sealed),
            Source::Format2(keys) => keys.open(format_2, sealed),
        }
    }
}

/// Brings a format-1 vault to format 2 in the caller's transaction: every piece re-sealed with
/// its identity bound, versions given, a head written, the clear nonce counter dropped.
pub(crate) async fn migrate_format_1(
    conn: &mut SqliteConnection,
    keys: &Keys,
    vault_id: &str,
) -> Result<()> {
    let largest: Option<i64> = sqlx::query_scalar(
        "SELECT max(m) FROM (SELECT max(id) AS m FROM series UNION ALL SELECT max(id) FROM chunk
         UNION ALL SELECT max(id) FROM pending UNION ALL SELECT max(id) FROM outbox)",
    )
    .fetch_one(&mut *conn)
    .await?;
    let mut head = reseal(conn, Source::Format1(keys), keys, largest.unwrap_or(0) + 1).await?;
    head.generation = 1;
    key_source::write_key_check(conn, keys).await?;
    meta::delete(conn, "nonce_next").await?;
    meta::delete(conn, "audit_head").await?;
    meta::set_int(conn, "format_version", i64::from(FORMAT_VERSION)).await?;
    head::store(conn, keys, vault_id, &head).await?;
    Ok(())
}

/// Re-seals every piece from `from` under `to`; returns the head that counts them (generation
/// 0: the caller sets it). Row ids are kept; versions are new numbers from `serial` on.
pub(crate) async fn reseal(
    conn: &mut SqliteConnection,
    from: Source<'_>,
    to: &Keys,
    serial: i64,
) -> Result<Head> {
    let mut head = Head {
        serial,
        audit_last: vec![0; 32],
        ..Head::default()
    };
    let same_index = std::ptr::eq(from.keys(), to);

    let rows: Vec<(i64, Vec<u8>, Vec<u8>)> = sqlx::query_as("SELECT id, tag, sealed FROM series")
        .fetch_all(&mut *conn)
        .await?;
    for (id, tag, sealed) in rows {
        let format_1 = [b"tend/series/v1".as_slice(), &tag].concat();
        let opened = from
            .open(&format_1, &series_aad(id, &tag), &sealed)
            .and_then(|plain| {
                let series: Series = serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
                Ok((series, plain))
            });
        let (tag, sealed) = match opened {
            Ok((series, plain)) => {
                let new_tag = series_tag(to, &series.key);
                let resealed = to.seal(&series_aad(id, &new_tag), &plain)?;
                sqlx::query("UPDATE series SET tag = ?, sealed = ? WHERE id = ?")
                    .bind(&new_tag)
                    .bind(&resealed)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                (new_tag, resealed)
            }
            Err(_) => (tag, sealed),
        };
        head.series
            .entry(id)
            .or_default()
            .add(&piece::series(to, id, &tag, &sealed));
    }

    // Chunks are most of the file: a batch at a time.
    let mut after = i64::MIN;
    loop {
        let rows: Vec<(i64, i64, i64, i64, i64, Vec<u8>)> = sqlx::query_as(
            "SELECT id, series_id, first_hour, last_hour, batch, sealed FROM chunk WHERE id > ? ORDER BY id LIMIT 256",
        )
        .bind(after)
        .fetch_all(&mut *conn)
        .await?;
        let Some(last) = rows.last() else { break };
        after = last.0;
        for (id, series_id, first, last, batch, sealed) in rows {
            let format_1 = aad(b"tend/chunk/v1", &[series_id, first, last]);
            let format_2 = chunk_aad(series_id, id, first, last, batch);
            if let Ok(plain) = from.open(&format_1, &format_2, &sealed) {
                sqlx::query("UPDATE chunk SET sealed = ? WHERE id = ?")
                    .bind(to.seal(&format_2, &plain)?)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
            }
            head.series
                .entry(series_id)
                .or_default()
                .add(&piece::chunk(to, series_id, id, first, last, batch));
        }
    }

    let rows: Vec<(i64, i64, i64, Vec<u8>)> =
        sqlx::query_as("SELECT id, series_id, hour, sealed FROM pending")
            .fetch_all(&mut *conn)
            .await?;
    for (id, series_id, hour, sealed) in rows {
        let format_1 = aad(b"tend/pending/v1", &[series_id, hour]);
        let format_2 = pending_aad(series_id, id, hour);
        if let Ok(plain) = from.open(&format_1, &format_2, &sealed) {
            sqlx::query("UPDATE pending SET sealed = ? WHERE id = ?")
                .bind(to.seal(&format_2, &plain)?)
                .bind(id)
                .execute(&mut *conn)
                .await?;
        }
        head.series
            .entry(series_id)
            .or_default()
            .add(&piece::pending(to, series_id, id, hour));
    }

    let rows: Vec<(i64, i64, i64, i64, i64, Vec<u8>)> =
        sqlx::query_as("SELECT series_id, level, block, batch, version, sealed FROM rollup")
            .fetch_all(&mut *conn)
            .await?;
    for (series_id, level, block, batch, version, sealed) in rows {
        let format_1 = aad(b"tend/rollup/v1", &[series_id, level, block]);
        let version = match from.open(
            &format_1,
            &block_aad(series_id, level, block, version, batch),
            &sealed,
        ) {
            Ok(plain) => {
                let new_version = head.serial;
                head.serial += 1;
                sqlx::query("UPDATE rollup SET version = ?, sealed = ? WHERE series_id = ? AND level = ? AND block = ? AND batch = ?")
                    .bind(new_version)
                    .bind(to.seal(&block_aad(series_id, level, block, new_version, batch), &plain)?)
                    .bind(series_id)
                    .bind(level)
                    .bind(block)
                    .bind(batch)
                    .execute(&mut *conn)
                    .await?;
                new_version
            }
            Err(_) => version,
        };
        head.series
            .entry(series_id)
            .or_default()
            .add(&piece::rollup(to, series_id, level, block, version, batch));
    }

    let kinds: Vec<(Vec<u8>, RecordKind)> = RecordKind::ALL
        .into_iter()
        .map(|kind| (record_tags(from.keys(), kind, "").0, kind))
        .collect();
    let rows: Vec<RecordRow> = sqlx::query_as("SELECT kind_tag, tag, version, sealed FROM record")
        .fetch_all(&mut *conn)
        .await?;
    for (kind_tag, tag, version, sealed) in rows {
        let kind = kinds.iter().find(|(t, _)| *t == kind_tag).map(|(_, k)| *k);
        let format_1 = [aad(b"tend/record/v1", &[]).as_slice(), &kind_tag, &tag].concat();
        let opened = kind.ok_or(Error::Tampered).and_then(|kind| {
            let plain = from.open(&format_1, &record_aad(&kind_tag, &tag, version), &sealed)?;
            let (id, value) = match from {
                Source::Format1(_) => {
                    #[derive(serde::Deserialize)]
                    struct Format1 {
                        id: String,
                        value: Value,
                    }
                    let old: Format1 =
                        serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
                    (old.id, old.value)
                }
                Source::Format2(_) => {
                    let stored: Stored<Value> =
                        serde_json::from_slice(&plain).map_err(|_| Error::Tampered)?;
                    (stored.id, stored.value)
                }
            };
            Ok((kind, id, value))
        });
        let (kind_tag_now, tag_now, version_now) = match opened {
            Ok((kind, id, value)) => {
                let (new_kind_tag, new_tag) = record_tags(to, kind, &id);
                let new_version = head.serial;
                head.serial += 1;
                let plain = serde_json::to_vec(
                    &serde_json::json!({"kind": kind.name(), "id": id, "value": value}),
                )
                .map_err(|_| Error::Tampered)?;
                sqlx::query("UPDATE record SET kind_tag = ?, tag = ?, version = ?, sealed = ? WHERE kind_tag = ? AND tag = ?")
                    .bind(&new_kind_tag)
                    .bind(&new_tag)
                    .bind(new_version)
                    .bind(to.seal(&record_aad(&new_kind_tag, &new_tag, new_version), &plain)?)
                    .bind(&kind_tag)
                    .bind(&tag)
                    .execute(&mut *conn)
                    .await?;
                (new_kind_tag, new_tag, new_version)
            }
            Err(_) => (kind_tag, tag, version),
        };
        head.records
            .add(&piece::record(to, &kind_tag_now, &tag_now, version_now));
    }

    let rows: Vec<(i64, Vec<u8>, Vec<u8>)> =
        sqlx::query_as("SELECT id, dedupe_tag, sealed FROM outbox")
            .fetch_all(&mut *conn)
            .await?;
    for (id, tag, sealed) in rows {
        let format_1 = [aad(b"tend/outbox/v1", &[]).as_slice(), &tag].concat();
        let opened = from
            .open(&format_1, &outbox_aad(id, &tag), &sealed)
            .and_then(|plain| {
                serde_json::from_slice::<Sealed>(&plain).map_err(|_| Error::Tampered)
            });
        let tag = match opened {
            Ok(item) => {
                let new_tag = match (&item.dedupe_key, same_index) {
                    (Some(key), _) => outbox_tag(to, &item.destination, key),
                    (None, true) => tag.clone(),
                    // Queued by format 1, which did not keep the key: a new tag of its own.
                    (None, false) => to.tag(&[b"outbox re-keyed", &tag]),
                };
                let plain = serde_json::to_vec(&item).map_err(|_| Error::Tampered)?;
                sqlx::query("UPDATE outbox SET dedupe_tag = ?, sealed = ? WHERE id = ?")
                    .bind(&new_tag)
                    .bind(to.seal(&outbox_aad(id, &new_tag), &plain)?)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                new_tag
            }
            Err(_) => tag,
        };
        head.outbox.add(&piece::outbox(to, id, &tag));
    }

    // The audit chain is re-made link by link; a broken chain stops the whole change.
    let rows: Vec<(i64, Vec<u8>)> = sqlx::query_as("SELECT seq, sealed FROM audit ORDER BY seq")
        .fetch_all(&mut *conn)
        .await?;
    let mut previous_from = vec![0u8; 32];
    for (expected, (seq, sealed)) in (1..).zip(rows) {
        if seq != expected {
            return Err(Error::Tampered);
        }
        let format_1 = [aad(b"tend/audit/v1", &[seq]).as_slice(), &previous_from].concat();
        let plain = from.open(&format_1, &entry_aad(seq, &previous_from), &sealed)?;
        previous_from = digest(&SHA256, &sealed).as_ref().to_vec();
        let resealed = to.seal(&entry_aad(seq, &head.audit_last), &plain)?;
        sqlx::query("UPDATE audit SET sealed = ? WHERE seq = ?")
            .bind(&resealed)
            .bind(seq)
            .execute(&mut *conn)
            .await?;
        head.audit_count = seq;
        head.audit_last = digest(&SHA256, &resealed).as_ref().to_vec();
    }
    Ok(head)
}
