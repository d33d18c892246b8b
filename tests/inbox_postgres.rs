//! The transactional inbox on a real Postgres that each test starts
//! (`initdb` into a temp dir, `pg_ctl start` on a free port of 127.0.0.1)
//! and stops, with each effect counted in the same database: concurrent
//! redeliveries, a connection killed between the effect's write and the
//! commit, the server crashing and restarting mid-run, and the simulator's
//! crash schedules for every sender.
//!
//! Without `initdb`/`pg_ctl` the tests fail under CI (`CI` set) and are
//! skipped with a printed reason elsewhere.
#![cfg(feature = "postgres")]

mod inbox_suite;
mod pg_server;
mod senders;

use std::time::Duration;

use inbox_suite::{CRASHES, TestDb, deliver, deliver_until_acknowledged};
use pg_server::{Server, server};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Pool, Postgres};
use webhook_kit::dedup::Handled;
use webhook_kit::dedup::inbox::Inbox;
use webhook_kit::funnel::Funnel;

async fn pool(server: &Server) -> Pool<Postgres> {
    let pool = PgPoolOptions::new()
        .max_connections(20)
        .acquire_timeout(Duration::from_secs(30))
        .connect(&server.url)
        .await
        .unwrap_or_else(|e| panic!("connects: {e}\n{}", server.log()));
    Postgres::setup(&pool).await;
    pool
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_redeliveries_write_the_effect_once() {
    let Some(server) = server() else { return };
    inbox_suite::concurrent_redeliveries_write_one_effect(pool(&server).await, 16).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redelivery_during_the_transaction_is_told_to_retry_then_acked() {
    let Some(server) = server() else { return };
    inbox_suite::a_redelivery_during_the_transaction_is_told_to_retry_then_acked(
        pool(&server).await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rollback_after_the_write_leaves_nothing_and_the_retry_processes() {
    let Some(server) = server() else { return };
    inbox_suite::a_rollback_after_the_write_leaves_nothing_and_the_retry_processes(
        pool(&server).await,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn blank_ids_are_never_keyed_and_long_ids_still_deduplicate() {
    let Some(server) = server() else { return };
    inbox_suite::blank_ids_are_never_keyed_and_long_ids_still_deduplicate(pool(&server).await)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn expired_records_are_purged_and_live_ones_kept_and_migrating_again_is_harmless() {
    let Some(server) = server() else { return };
    let pool = pool(&server).await;
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let pool = pool.clone();
            tokio::spawn(async move { webhook_kit::dedup::inbox::migrate(&pool).await })
        })
        .collect();
    for run in runs {
        run.await.expect("no panic").expect("migrates again");
    }
    inbox_suite::expired_records_are_purged_and_live_ones_kept(pool).await;
}

/// The handler's connection is killed (`pg_terminate_backend`, from another
/// connection) after it wrote the effect and before its commit: the commit
/// fails (`503`), nothing of it remains, the redelivery processes the event
/// and the effect exists once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_killed_between_the_write_and_the_commit_is_processed_again_once() {
    let Some(server) = server() else { return };
    let pool = pool(&server).await;
    let (pid_tx, pid_rx) = tokio::sync::oneshot::channel::<i32>();
    let (killed_tx, killed_rx) = tokio::sync::oneshot::channel::<()>();
    let handler_pool = pool.clone();
    let handler = tokio::spawn(async move {
        let funnel = Funnel::new();
        let inbox = Inbox::new(&funnel, "funnel");
        inbox
            .run(&handler_pool, "evt_killed", |mut tx| async move {
                Postgres::write_effect(&mut tx, "funnel", "evt_killed").await?;
                let (pid,): (i32,) = sqlx::query_as("SELECT pg_backend_pid()")
                    .fetch_one(&mut *tx)
                    .await?;
                pid_tx.send(pid).expect("the test waits");
                killed_rx.await.expect("the test says");
                Ok::<_, sqlx::Error>(tx)
            })
            .await
    });
    let pid = pid_rx.await.expect("the handler's backend");
    // Waits (up to 5 s) until the backend has exited.
    let (terminated,): (bool,) = sqlx::query_as("SELECT pg_terminate_backend($1, 5000)")
        .bind(pid)
        .fetch_one(&pool)
        .await
        .expect("terminates");
    assert!(terminated);
    killed_tx.send(()).expect("the handler waits");
    let handled = handler.await.expect("no panic");
    assert!(
        matches!(handled, Handled::StoreUnavailable(_)),
        "{handled:?}"
    );
    assert_eq!(handled.into_response().status(), 503);
    assert_eq!(Postgres::effects(&pool, "funnel", "evt_killed").await, 0);

    let funnel = Funnel::new();
    let inbox = Inbox::new(&funnel, "funnel");
    let retry = deliver(&inbox, &pool, "funnel", "evt_killed").await;
    assert!(matches!(retry, Handled::Processed { .. }), "{retry:?}");
    let copy = deliver(&inbox, &pool, "funnel", "evt_killed").await;
    assert!(matches!(copy, Handled::Duplicate { .. }), "{copy:?}");
    assert_eq!(Postgres::effects(&pool, "funnel", "evt_killed").await, 1);
}

/// The server crashes (`pg_ctl stop -m immediate`) and restarts while one
/// transaction is open and ten events are committed: every committed event
/// is still a duplicate, the open one's redelivery is processed, each
/// effect exists once; the pool comes back by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_restart_mid_run_keeps_every_effect_once() {
    let Some(mut server) = server() else { return };
    let pool = pool(&server).await;
    let funnel = Funnel::new();
    let inbox = Inbox::new(&funnel, "funnel").with_lease(Duration::from_millis(10));
    let ids: Vec<String> = (0..10).map(|i| format!("evt_{i}")).collect();
    for id in &ids {
        let handled = deliver(&inbox, &pool, "funnel", id).await;
        assert!(matches!(handled, Handled::Processed { .. }), "{handled:?}");
    }
    let mut open = pool.begin().await.expect("begins");
    assert_eq!(
        inbox.claim(&mut open, "evt_open").await.expect("claims"),
        webhook_kit::dedup::inbox::InboxClaim::Claimed
    );
    Postgres::write_effect(&mut open, "funnel", "evt_open")
        .await
        .expect("writes");

    server.restart();
    assert!(open.commit().await.is_err(), "the crash ended it");

    for id in &ids {
        let statuses = deliver_until_acknowledged(&inbox, &pool, "funnel", id).await;
        assert_eq!(statuses.last(), Some(&200), "{id}: {statuses:?}");
        assert_eq!(Postgres::effects(&pool, "funnel", id).await, 1, "{id}");
    }
    let handled = deliver(&inbox, &pool, "funnel", "evt_open").await;
    assert!(matches!(handled, Handled::Processed { .. }), "{handled:?}");
    assert_eq!(Postgres::effects(&pool, "funnel", "evt_open").await, 1);
}

#[test]
fn every_sender_under_every_crash_schedule_writes_the_effect_once() {
    let Some(server) = server() else { return };
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let pool = rt.block_on(pool(&server));
    inbox_suite::every_sender_under_every_crash_writes_the_effect_once(&rt, &pool, &CRASHES);
    inbox_suite::every_listed_sender_under_every_crash_writes_the_effect_at_most_once(
        &rt,
        &pool,
        &CRASHES,
        &senders::all(),
    );
}
