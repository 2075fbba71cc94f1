//! The vault's `meta` table: small named values (format version, key protection, counters).

use sqlx::SqliteConnection;

use crate::Result;

pub async fn text(conn: &mut SqliteConnection, key: &str) -> Result<Option<String>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

pub async fn blob(conn: &mut SqliteConnection, key: &str) -> Result<Option<Vec<u8>>> {
    Ok(sqlx::query_scalar("SELECT value FROM meta WHERE key = ?")
        .bind(key)
        .fetch_optional(conn)
        .await?)
}

pub async fn set_text(conn: &mut SqliteConnection, key: &str, value: &str) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_blob(conn: &mut SqliteConnection, key: &str, value: &[u8]) -> Result<()> {
    sqlx::query("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await?;
    Ok(())
}

/// Reserves `count` nonce counters atomically: concurrent processes get disjoint ranges.
pub async fn reserve_nonces(conn: &mut SqliteConnection, count: u64) -> Result<u64> {
    let count = i64::try_from(count).unwrap_or(i64::MAX);
    let end: i64 = sqlx::query_scalar(
        "UPDATE meta SET value = value + ? WHERE key = 'nonce_next' RETURNING value",
    )
    .bind(count)
    .fetch_one(conn)
    .await?;
    Ok(end.saturating_sub(count) as u64)
}
