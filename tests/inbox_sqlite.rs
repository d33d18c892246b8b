//! The transactional inbox on SQLite (embedded, bundled: no server), with
//! each effect counted in the same database.
#![cfg(feature = "sqlite")]

#[cfg(feature = "axum")]
mod example_binary;
#[cfg(feature = "axum")]
mod http_client;
mod inbox_suite;
mod senders;

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use inbox_suite::{CRASHES, TestDb};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};
use sqlx::{Pool, Sqlite};

/// A database file of the test's own, removed on drop.
struct Database {
    path: PathBuf,
}

impl Drop for Database {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            let _ = std::fs::remove_file(path);
        }
    }
}

/// A path for a database of the test's own, removed on drop.
fn database_file() -> Database {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "webhook-kit-inbox-{}-{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    Database { path }
}

/// A pool on the database at `path` whose writers wait `busy` for each
/// other.
async fn pool_on(path: &std::path::Path, busy: Duration) -> Pool<Sqlite> {
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(busy);
    SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .expect("opens the database")
}

/// A fresh database and a pool on it whose writers wait `busy` for each
/// other.
async fn database(busy: Duration) -> (Pool<Sqlite>, Database) {
    let database = database_file();
    let pool = pool_on(&database.path, busy).await;
    Sqlite::setup(&pool).await;
    (pool, database)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redeliveries_write_the_effect_once() {
    let (pool, _db) = database(Duration::from_secs(5)).await;
    inbox_suite::concurrent_redeliveries_write_one_effect(pool, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_past_the_busy_timeout_is_told_to_retry_then_acked() {
    let (pool, _db) = database(Duration::from_millis(100)).await;
    inbox_suite::a_redelivery_during_the_transaction_is_told_to_retry_then_acked(pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_after_the_write_leaves_nothing_and_the_retry_processes() {
    let (pool, _db) = database(Duration::from_secs(5)).await;
    inbox_suite::a_rollback_after_the_write_leaves_nothing_and_the_retry_processes(pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_ids_are_never_keyed_and_long_ids_still_deduplicate() {
    let (pool, _db) = database(Duration::from_secs(5)).await;
    inbox_suite::blank_ids_are_never_keyed_and_long_ids_still_deduplicate(pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_records_are_purged_and_live_ones_kept() {
    let (pool, _db) = database(Duration::from_secs(5)).await;
    inbox_suite::expired_records_are_purged_and_live_ones_kept(pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_migration_runs_again_and_concurrently_without_harm() {
    let (pool, _db) = database(Duration::from_secs(5)).await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { webhook_kit::dedup::inbox::migrate(&pool).await })
        })
        .collect();
    for run in runs {
        run.await.expect("no panic").expect("migrates");
    }
    inbox_suite::a_rollback_after_the_write_leaves_nothing_and_the_retry_processes(pool).await;
}

#[tokio::test]
async fn a_claim_the_database_refuses_is_an_error_not_an_event_in_progress() {
    use webhook_kit::dedup::inbox::Inbox;
    use webhook_kit::funnel::Funnel;

    // No migration: the inbox's table does not exist.
    let database = database_file();
    let pool = pool_on(&database.path, Duration::from_secs(5)).await;
    let funnel = Funnel::new();
    let mut tx = pool.begin().await.expect("a transaction");
    let claimed = Inbox::new(&funnel, "funnel").claim(&mut tx, "evt_1").await;
    let error = claimed.expect_err("no table to claim in");
    assert!(error.to_string().contains("no such table"), "{error}");
}

#[test]
fn an_inbox_keeps_the_senders_lease_and_ttl_unless_told_otherwise() {
    use webhook_kit::dedup::inbox::Inbox;
    use webhook_kit::dedup::{lease_for, ttl_for};
    use webhook_kit::funnel::Funnel;

    let funnel = Funnel::new();
    let inbox = Inbox::new(&funnel, "funnel");
    assert_eq!(inbox.lease(), lease_for(&funnel));
    assert_eq!(inbox.ttl(), ttl_for(&funnel));
    assert!(inbox.lease() > Duration::ZERO && inbox.ttl() > inbox.lease());
    let week = Duration::from_secs(7 * 24 * 3600);
    assert_eq!(inbox.with_ttl(week).ttl(), week);
}

#[test]
fn every_listed_sender_under_every_crash_schedule_writes_the_effect_at_most_once() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (pool, _db) = rt.block_on(database(Duration::from_secs(5)));
    inbox_suite::every_listed_sender_under_every_crash_writes_the_effect_at_most_once(
        &rt,
        &pool,
        &CRASHES,
        &senders::all(),
    );
}

#[test]
fn every_sender_under_every_crash_schedule_writes_the_effect_once() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let (pool, _db) = rt.block_on(database(Duration::from_secs(5)));
    inbox_suite::every_sender_under_every_crash_writes_the_effect_once(&rt, &pool, &CRASHES);
}

/// The axum example, run as the binary a user runs: a signed delivery is
/// processed, its copy acknowledged unprocessed, a forged one refused (and
/// logged) before the inbox; one row written per event.
#[cfg(feature = "axum")]
mod axum_example {
    use std::time::Duration;

    use http::HeaderMap;
    use time::OffsetDateTime;
    use webhook_kit::Ack;
    use webhook_kit::standard::StandardWebhooks;

    const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

    #[test]
    fn the_axum_example_writes_each_event_once_and_acks_its_copies() {
        let db = super::database_file();
        let url = format!("sqlite://{}", db.path.display());
        let example = super::example_binary::start(
            "axum_inbox",
            &[("DATABASE_URL", &url), ("STANDARD_WEBHOOKS_SECRET", SECRET)],
        );
        let sender = StandardWebhooks::new(SECRET).expect("secret");
        let ack = Ack::of(&sender);
        let signed = |id: &str, body: &[u8]| -> HeaderMap {
            sender
                .sign_with_id_at(id, body, OffsetDateTime::now_utc())
                .expect("signs")
        };
        let path = "/webhooks/standard";
        let body = br#"{"type": "invoice.paid", "data": {"id": 7}}"#;

        let first = signed("msg_1", body);
        for _ in 0..2 {
            let reply = example.post(path, &first, body);
            assert_eq!(reply.status(), ack.status());
            assert_eq!(reply.body(), ack.body().as_bytes());
        }
        assert!(example.processed().contains("msg_1"));
        // The copy printed nothing: the next line is the next event's.
        let second = br#"{"type": "invoice.paid", "data": {"id": 8}}"#;
        let reply = example.post(path, &signed("msg_2", second), second);
        assert_eq!(reply.status(), ack.status());
        let line = example.processed();
        assert!(line.contains("msg_2"), "the copy was processed: {line}");

        let forged = example.post(path, &first, second);
        assert_eq!(forged.status(), 401);
        let logged = example.rejected();
        assert!(logged.starts_with("standard: rejected 401"), "{logged}");
        assert!(!logged.contains(SECRET), "{logged}");

        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let rows: i64 = rt.block_on(async {
            let pool = super::pool_on(&db.path, Duration::from_secs(5)).await;
            let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM received")
                .fetch_one(&pool)
                .await
                .expect("counts");
            rows
        });
        assert_eq!(rows, 2);
    }
}
