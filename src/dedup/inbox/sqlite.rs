//! The inbox on SQLite.
//!
//! SQLite has one writer at a time: the claim's insert takes the database's
//! write lock for the rest of the transaction, so a second transaction
//! claiming the same event waits (the connection's busy timeout) for the
//! first to commit or roll back, then finds its record or claims the event.
//! A wait that outlasts the busy timeout fails with `SQLITE_BUSY`, read here
//! as "in progress".

use sqlx::{Pool, Sqlite, SqliteConnection};

use super::InboxClaim;
use super::backend::Backend;

/// A new record, or a new life for an expired one; no row when a live
/// record exists.
const INSERT: &str = "INSERT INTO webhook_kit_inbox (provider, event_id, processed_at, expires_at) \
     VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (provider, event_id) DO UPDATE \
     SET processed_at = excluded.processed_at, expires_at = excluded.expires_at \
     WHERE webhook_kit_inbox.expires_at <= excluded.processed_at \
     RETURNING 1";

/// `SQLITE_BUSY` and `SQLITE_LOCKED`, the primary codes under sqlx's
/// extended ones: another connection holds the lock.
fn is_busy(error: &sqlx::Error) -> bool {
    const SQLITE_BUSY: i64 = 5;
    const SQLITE_LOCKED: i64 = 6;
    let code = match error {
        sqlx::Error::Database(error) => error.code().and_then(|c| c.parse::<i64>().ok()),
        _ => None,
    };
    code.is_some_and(|code| matches!(code & 0xff, SQLITE_BUSY | SQLITE_LOCKED))
}

impl Backend for Sqlite {
    async fn migrate(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
        // One transaction: SQLite's write lock serialises concurrent runs.
        let mut tx = pool.begin().await?;
        create_table(&mut tx).await?;
        tx.commit().await
    }

    async fn claim(
        conn: &mut SqliteConnection,
        name: &str,
        event_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<InboxClaim, sqlx::Error> {
        let inserted = sqlx::query(INSERT)
            .bind(name)
            .bind(event_id)
            .bind(now)
            .bind(expires_at)
            .fetch_optional(&mut *conn)
            .await;
        match inserted {
            Ok(Some(_)) => Ok(InboxClaim::Claimed),
            Ok(None) => Ok(InboxClaim::Done),
            Err(error) if is_busy(&error) => Ok(InboxClaim::InProgress),
            Err(error) => Err(error),
        }
    }

    async fn purge(pool: &Pool<Self>, now: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM webhook_kit_inbox WHERE expires_at <= ?1")
            .bind(now)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }
}

async fn create_table(conn: &mut SqliteConnection) -> Result<(), sqlx::Error> {
    for statement in super::statements(super::SQLITE_MIGRATION) {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok(())
}

impl super::InboxDatabase for Sqlite {}
