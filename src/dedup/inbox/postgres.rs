//! The inbox on Postgres.
//!
//! A claim takes a transaction-scoped advisory lock on the event before it
//! touches the table, without waiting: a second transaction that claims the
//! same event while the first runs learns so at once (`InProgress`) instead
//! of blocking on the first one's uncommitted row. The lock ends with the
//! transaction (commit, rollback, or a connection that dies), and with it
//! the event is either recorded, with its writes, or free again.

use sqlx::{PgConnection, Pool, Postgres};

use super::InboxClaim;
use super::backend::Backend;

/// Seeds the hash that turns an event into an advisory lock key, so that
/// the keys stay apart from keys the application derives from the same text.
const LOCK_SEED: i64 = 0x7765_6268_6f6f_6b21;

/// Serialises concurrent migrations: `CREATE TABLE IF NOT EXISTS` run by two
/// transactions at once can fail on the catalog's unique index.
const MIGRATION_LOCK: i64 = 0x7765_6268_6f6f_6b6d;

const TRY_LOCK: &str = "SELECT pg_try_advisory_xact_lock(hashtextextended($1 || '/' || $2, $3))";

/// A new record, or a new life for an expired one; no row when a live
/// record exists.
const INSERT: &str = "INSERT INTO webhook_kit_inbox (provider, event_id, processed_at, expires_at) \
     VALUES ($1, $2, $3, $4) \
     ON CONFLICT (provider, event_id) DO UPDATE \
     SET processed_at = EXCLUDED.processed_at, expires_at = EXCLUDED.expires_at \
     WHERE webhook_kit_inbox.expires_at <= EXCLUDED.processed_at \
     RETURNING 1";

impl Backend for Postgres {
    async fn migrate(pool: &Pool<Self>) -> Result<(), sqlx::Error> {
        let mut tx = pool.begin().await?;
        create_table(&mut tx).await?;
        tx.commit().await
    }

    async fn claim(
        conn: &mut PgConnection,
        name: &str,
        event_id: &str,
        now: i64,
        expires_at: i64,
    ) -> Result<InboxClaim, sqlx::Error> {
        let (locked,): (bool,) = sqlx::query_as(TRY_LOCK)
            .bind(name)
            .bind(event_id)
            .bind(LOCK_SEED)
            .fetch_one(&mut *conn)
            .await?;
        if !locked {
            return Ok(InboxClaim::InProgress);
        }
        let inserted = sqlx::query(INSERT)
            .bind(name)
            .bind(event_id)
            .bind(now)
            .bind(expires_at)
            .fetch_optional(&mut *conn)
            .await?;
        Ok(if inserted.is_some() {
            InboxClaim::Claimed
        } else {
            InboxClaim::Done
        })
    }

    async fn purge(pool: &Pool<Self>, now: i64) -> Result<u64, sqlx::Error> {
        let done = sqlx::query("DELETE FROM webhook_kit_inbox WHERE expires_at <= $1")
            .bind(now)
            .execute(pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// Runs the migration on `conn`, inside a transaction, after the other
/// migrations that hold the lock.
async fn create_table(conn: &mut PgConnection) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(MIGRATION_LOCK)
        .execute(&mut *conn)
        .await?;
    for statement in super::statements(super::POSTGRES_MIGRATION) {
        sqlx::query(statement).execute(&mut *conn).await?;
    }
    Ok(())
}

impl super::InboxDatabase for Postgres {}
