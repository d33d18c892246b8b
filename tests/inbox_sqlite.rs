//! The transactional inbox on SQLite (embedded, bundled: no server), with
//! each effect counted in the same database.
#![cfg(feature = "sqlite")]

#[cfg(feature = "axum")]
#[path = "../examples/axum_inbox.rs"]
#[allow(dead_code, reason = "the example's `main` is not called here")]
mod example;
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

/// A fresh database and a pool on it whose writers wait `busy` for each
/// other.
async fn database(busy: Duration) -> (Pool<Sqlite>, Database) {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let path = std::env::temp_dir().join(format!(
        "webhook-kit-inbox-{}-{}.db",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    let database = Database { path };
    let options = SqliteConnectOptions::new()
        .filename(&database.path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(busy);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .expect("opens the database");
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

/// The axum example: a signed delivery is processed, its copy acknowledged
/// unprocessed, a forged one refused before the inbox; one row written.
#[cfg(feature = "axum")]
mod axum_example {
    use std::sync::Arc;
    use std::time::Duration;

    use http::{Request, StatusCode};
    use tower::ServiceExt;
    use webhook_kit::Provider;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_axum_example_writes_each_event_once_and_acks_its_copies() {
        let (pool, _db) = super::database(Duration::from_secs(5)).await;
        super::example::setup(&pool).await.expect("sets up");
        let receiver = Arc::new(super::inbox_suite::standard());
        let app = super::example::router(super::example::App {
            receiver: Arc::clone(&receiver),
            pool: pool.clone(),
        });
        let body = br#"{"type": "invoice.paid", "data": {"id": 7}}"#;
        let headers = receiver
            .sign_at(body, time::OffsetDateTime::now_utc())
            .expect("signs");
        let request = |body: &[u8]| {
            let mut request = Request::post("/webhooks/standard")
                .body(axum::body::Body::from(body.to_vec()))
                .expect("a request");
            *request.headers_mut() = headers.clone();
            request
        };
        for _ in 0..2 {
            let reply = app.clone().oneshot(request(body)).await.expect("answers");
            assert_eq!(reply.status(), StatusCode::OK);
        }
        let forged = app
            .clone()
            .oneshot(request(br#"{"type": "invoice.paid", "data": {"id": 8}}"#))
            .await
            .expect("answers");
        assert_eq!(forged.status(), StatusCode::UNAUTHORIZED);
        let (rows,): (i64,) = sqlx::query_as("SELECT count(*) FROM received")
            .fetch_one(&pool)
            .await
            .expect("counts");
        assert_eq!(rows, 1);
    }
}
