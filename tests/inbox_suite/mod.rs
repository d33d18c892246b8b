//! What every inbox database must show, with the effect counted in the
//! database itself: one effect per event under concurrent redeliveries, a
//! rollback that leaves nothing, and the simulator's crash schedules for
//! every sender.
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::{Request, StatusCode};
use sqlx::{Pool, Transaction};
use time::OffsetDateTime;
use tokio::runtime::Runtime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::Handled;
use webhook_kit::dedup::inbox::{Inbox, InboxClaim, InboxDatabase};
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::simulate::{Fate, History, Reply, Simulator, virtual_now};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Outcome, Provider, WebhookEvent};

pub(crate) type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The test's own table of effects, in the same database as the inbox: a
/// row per time an event's handler wrote its effect and committed.
pub(crate) trait TestDb: InboxDatabase {
    /// Creates the inbox and the effects table.
    fn setup(pool: &Pool<Self>) -> BoxFuture<'_, ()>;
    /// The handler's write: one row for `(name, id)`.
    fn write_effect<'c>(
        tx: &'c mut Transaction<'static, Self>,
        name: &'c str,
        id: &'c str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>>;
    /// How many effects `(name, id)` has, committed.
    fn effects<'a>(pool: &'a Pool<Self>, name: &'a str, id: &'a str) -> BoxFuture<'a, i64>;
}

#[cfg(feature = "postgres")]
impl TestDb for sqlx::Postgres {
    fn setup(pool: &Pool<Self>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            webhook_kit::dedup::inbox::migrate(pool)
                .await
                .expect("migrates");
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS effects (provider TEXT NOT NULL, event_id TEXT NOT NULL)",
            )
            .execute(pool)
            .await
            .expect("effects table");
        })
    }
    fn write_effect<'c>(
        tx: &'c mut Transaction<'static, Self>,
        name: &'c str,
        id: &'c str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let conn: &mut sqlx::PgConnection = tx;
            sqlx::query("INSERT INTO effects (provider, event_id) VALUES ($1, $2)")
                .bind(name)
                .bind(id)
                .execute(conn)
                .await
                .map(drop)
        })
    }
    fn effects<'a>(pool: &'a Pool<Self>, name: &'a str, id: &'a str) -> BoxFuture<'a, i64> {
        Box::pin(async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM effects WHERE provider = $1 AND event_id = $2",
            )
            .bind(name)
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("counts");
            n
        })
    }
}

#[cfg(feature = "sqlite")]
impl TestDb for sqlx::Sqlite {
    fn setup(pool: &Pool<Self>) -> BoxFuture<'_, ()> {
        Box::pin(async move {
            webhook_kit::dedup::inbox::migrate(pool)
                .await
                .expect("migrates");
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS effects (provider TEXT NOT NULL, event_id TEXT NOT NULL)",
            )
            .execute(pool)
            .await
            .expect("effects table");
        })
    }
    fn write_effect<'c>(
        tx: &'c mut Transaction<'static, Self>,
        name: &'c str,
        id: &'c str,
    ) -> BoxFuture<'c, Result<(), sqlx::Error>> {
        Box::pin(async move {
            let conn: &mut sqlx::SqliteConnection = tx;
            sqlx::query("INSERT INTO effects (provider, event_id) VALUES (?1, ?2)")
                .bind(name)
                .bind(id)
                .execute(conn)
                .await
                .map(drop)
        })
    }
    fn effects<'a>(pool: &'a Pool<Self>, name: &'a str, id: &'a str) -> BoxFuture<'a, i64> {
        Box::pin(async move {
            let (n,): (i64,) = sqlx::query_as(
                "SELECT count(*) FROM effects WHERE provider = ?1 AND event_id = ?2",
            )
            .bind(name)
            .bind(id)
            .fetch_one(pool)
            .await
            .expect("counts");
            n
        })
    }
}

/// Delivers `event_id` through `inbox.run`, writing the effect.
pub(crate) async fn deliver<DB: TestDb, P: Provider + ?Sized>(
    inbox: &Inbox<'_, P>,
    pool: &Pool<DB>,
    name: &str,
    id: &str,
) -> Handled<sqlx::Error, sqlx::Error> {
    inbox
        .run(pool, id, |mut tx| async move {
            DB::write_effect(&mut tx, name, id).await?;
            Ok(tx)
        })
        .await
}

/// Delivers until the sender would stop (acknowledged), as a sender that
/// honours `429` does; returns what each attempt got.
pub(crate) async fn deliver_until_acknowledged<DB: TestDb, P: Provider + ?Sized>(
    inbox: &Inbox<'_, P>,
    pool: &Pool<DB>,
    name: &str,
    id: &str,
) -> Vec<u16> {
    let mut statuses = Vec::new();
    for _ in 0..200 {
        let handled = deliver(inbox, pool, name, id).await;
        let acknowledged = handled.is_acknowledged();
        statuses.push(handled.into_response().status().as_u16());
        if acknowledged {
            return statuses;
        }
        // The sender's wait before the retry, shortened.
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("{name}/{id}: never acknowledged: {statuses:?}");
}

/// `n` copies of one event delivered at once, each retried until
/// acknowledged: the effect is written once, exactly one copy processed it.
pub(crate) async fn concurrent_redeliveries_write_one_effect<DB: TestDb>(pool: Pool<DB>, n: usize) {
    let funnel = Arc::new(Funnel::new());
    let mut tasks = Vec::new();
    for _ in 0..n {
        let (pool, funnel) = (pool.clone(), Arc::clone(&funnel));
        tasks.push(tokio::spawn(async move {
            let inbox = Inbox::new(&*funnel, "funnel").with_lease(Duration::from_millis(10));
            let handled = inbox
                .run(&pool, "concurrent", |mut tx| async move {
                    DB::write_effect(&mut tx, "funnel", "concurrent").await?;
                    // Hold the transaction a while, so that copies overlap.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Ok::<_, sqlx::Error>(tx)
                })
                .await;
            let processed = matches!(handled, Handled::Processed { .. });
            let mut statuses = vec![handled.into_response().status().as_u16()];
            if !statuses.contains(&200) {
                statuses.extend(
                    deliver_until_acknowledged(&inbox, &pool, "funnel", "concurrent").await,
                );
            }
            (processed, statuses)
        }));
    }
    let mut processed = 0;
    for task in tasks {
        let (first, statuses) = task.await.expect("no panic");
        processed += usize::from(first);
        assert_eq!(statuses.last(), Some(&200), "{statuses:?}");
    }
    assert_eq!(DB::effects(&pool, "funnel", "concurrent").await, 1);
    assert!(processed <= 1, "{processed} copies processed at first try");
}

/// A delivery that arrives while another's transaction holds the event is
/// answered `429` with the lease as `Retry-After`; once the first commits,
/// the next is acknowledged as a duplicate; the effect is written once.
pub(crate) async fn a_redelivery_during_the_transaction_is_told_to_retry_then_acked<DB: TestDb>(
    pool: Pool<DB>,
) {
    let standard = standard();
    let inbox = Inbox::new(&standard, "standard").with_lease(Duration::from_secs(3));
    let mut first = pool.begin().await.expect("begins");
    assert_eq!(
        inbox.claim(&mut first, "msg_busy").await.expect("claims"),
        InboxClaim::Claimed
    );
    DB::write_effect(&mut first, "standard", "msg_busy")
        .await
        .expect("writes");
    // The redelivery, on another connection, while `first` is open.
    let busy = deliver(&inbox, &pool, "standard", "msg_busy").await;
    assert!(
        matches!(busy, Handled::InProgress { retry_after } if retry_after == Duration::from_secs(3)),
        "{busy:?}"
    );
    let reply = busy.into_response();
    assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(reply.headers()["retry-after"], "3");
    first.commit().await.expect("commits");
    let again = deliver(&inbox, &pool, "standard", "msg_busy").await;
    assert!(matches!(again, Handled::Duplicate { .. }), "{again:?}");
    assert_eq!(DB::effects(&pool, "standard", "msg_busy").await, 1);
}

/// A transaction that claimed and wrote, then rolled back (the handler
/// died before its commit), leaves neither record nor effect: the next
/// delivery processes the event.
pub(crate) async fn a_rollback_after_the_write_leaves_nothing_and_the_retry_processes<
    DB: TestDb,
>(
    pool: Pool<DB>,
) {
    let falu = falu();
    let inbox = Inbox::new(&falu, "falu");
    let mut tx = pool.begin().await.expect("begins");
    assert_eq!(
        inbox.claim(&mut tx, "evt_rb").await.expect("claims"),
        InboxClaim::Claimed
    );
    DB::write_effect(&mut tx, "falu", "evt_rb")
        .await
        .expect("writes");
    tx.rollback().await.expect("rolls back");
    assert_eq!(DB::effects(&pool, "falu", "evt_rb").await, 0);
    let retry = deliver(&inbox, &pool, "falu", "evt_rb").await;
    assert!(matches!(retry, Handled::Processed { .. }), "{retry:?}");
    let copy = deliver(&inbox, &pool, "falu", "evt_rb").await;
    assert!(matches!(copy, Handled::Duplicate { .. }), "{copy:?}");
    assert_eq!(DB::effects(&pool, "falu", "evt_rb").await, 1);
}

/// A record whose time ran out counts as absent (a replay long after is
/// processed again) and `purge` deletes it; live records stay.
pub(crate) async fn expired_records_are_purged_and_live_ones_kept<DB: TestDb>(pool: Pool<DB>) {
    use webhook_kit::dedup::inbox::purge;
    let funnel = Funnel::new();
    let forgetful = Inbox::new(&funnel, "purge").with_ttl(Duration::ZERO);
    let lasting = Inbox::new(&funnel, "purge");
    assert!(matches!(
        deliver(&forgetful, &pool, "purge", "short").await,
        Handled::Processed { .. }
    ));
    assert!(matches!(
        deliver(&lasting, &pool, "purge", "long").await,
        Handled::Processed { .. }
    ));
    // Expired at once: the replay is processed, the live one is not.
    assert!(matches!(
        deliver(&lasting, &pool, "purge", "long").await,
        Handled::Duplicate { .. }
    ));
    assert_eq!(purge(&pool).await.expect("purges"), 1);
    assert_eq!(purge(&pool).await.expect("purges"), 0);
    assert!(matches!(
        deliver(&lasting, &pool, "purge", "short").await,
        Handled::Processed { .. }
    ));
    assert!(matches!(
        deliver(&lasting, &pool, "purge", "long").await,
        Handled::Duplicate { .. }
    ));
    assert_eq!(DB::effects(&pool, "purge", "short").await, 2);
    assert_eq!(DB::effects(&pool, "purge", "long").await, 1);
}

// The simulator's crash schedules.

pub(crate) fn falu() -> Falu {
    Falu::new("whsec_falu_test").expect("a usable secret")
}

fn clickfunnels() -> ClickFunnels {
    ClickFunnels::new("clickfunnels-secret").expect("a usable secret")
}

fn fourvenues() -> Fourvenues {
    Fourvenues::new("fourvenues-secret").expect("a usable secret")
}

pub(crate) fn standard() -> StandardWebhooks {
    StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("a valid secret")
}

const FUNNEL_BODY: &[u8] = include_bytes!("../data/funnel_v2_status_updated.json");
const FOURVENUES_BODY: &[u8] = include_bytes!("../data/fourvenues_payment_success.json");
const FALU_BODY: &[u8] = include_bytes!("../data/falu_basic_message_delivered.json");
const CLICKFUNNELS_BODY: &[u8] = include_bytes!("../data/clickfunnels_contact_identified.json");
const STANDARD_BODY: &[u8] =
    br#"{"type": "invoice.paid", "timestamp": "2024-04-04T19:16:31Z", "data": {"id": 7}}"#;

fn start() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_712_258_191).expect("valid time")
}

/// Where the first attempt that reaches the handler dies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Crash {
    /// No fault.
    None,
    /// Claimed and wrote the effect, then died before the commit: the
    /// transaction rolls back, the sender sees a server error.
    BeforeCommit,
    /// Committed, then died before replying: the sender sees a server
    /// error though the event was processed.
    AfterCommit,
    /// The handler's closure returned an error (`503`).
    ProcessingFails,
}

pub(crate) const CRASHES: [Crash; 4] = [
    Crash::None,
    Crash::BeforeCommit,
    Crash::AfterCommit,
    Crash::ProcessingFails,
];

/// One sender's delivery of its sample event under `crash`, with two copies
/// sent after success; the history, and the effects in the database.
fn simulate<DB: TestDb, P: Provider + ?Sized>(
    rt: &Runtime,
    pool: &Pool<DB>,
    provider: &P,
    name: &str,
    body: &[u8],
    crash: Crash,
) -> (History, i64) {
    // Each crash keys its own records and effects: runs start afresh.
    let key = format!("{name}-{crash:?}");
    let name = key.as_str();
    let inbox = Inbox::new(provider, name);
    let mut attempts = 0u32;
    let mut event_id = String::new();
    let handler = |req: Request<Vec<u8>>| -> Reply {
        let now = virtual_now(&req);
        let event = match provider.verify_and_parse_at(req.headers(), req.body(), now) {
            Ok(event) => event,
            Err(err) => return Reply::empty(err.status()),
        };
        let id = event.id().into_owned();
        assert!(!id.is_empty(), "{name}: the sample has an id");
        event_id.clone_from(&id);
        attempts += 1;
        let fault = if attempts == 1 { crash } else { Crash::None };
        rt.block_on(async {
            match fault {
                Crash::BeforeCommit => {
                    let mut tx = pool.begin().await.expect("begins");
                    let claim = inbox.claim(&mut tx, &id).await.expect("claims");
                    assert_eq!(claim, InboxClaim::Claimed, "{name}");
                    DB::write_effect(&mut tx, name, &id).await.expect("writes");
                    // What the database does when the process dies (the
                    // Postgres test that kills the connection shows it),
                    // done here at once: dropping `tx` would leave the
                    // rollback until the pool gets the connection back.
                    tx.rollback().await.expect("rolls back");
                    Reply::empty(StatusCode::INTERNAL_SERVER_ERROR)
                }
                Crash::AfterCommit => {
                    let handled = deliver(&inbox, pool, name, &id).await;
                    assert!(matches!(handled, Handled::Processed { .. }), "{handled:?}");
                    Reply::empty(StatusCode::INTERNAL_SERVER_ERROR)
                }
                Crash::ProcessingFails => {
                    let id = id.as_str();
                    let handled = inbox
                        .run(pool, id, |mut tx| async move {
                            DB::write_effect(&mut tx, name, id).await?;
                            // Frees the event now, not when the pool
                            // gets the connection back.
                            tx.rollback().await?;
                            Err::<Transaction<'static, DB>, _>(sqlx::Error::PoolClosed)
                        })
                        .await;
                    Reply::new(handled.into_response())
                }
                Crash::None => Reply::new(deliver(&inbox, pool, name, &id).await.into_response()),
            }
        })
    };
    let delivery = Simulator::new(provider)
        .starting_at(start())
        .duplicates(2)
        .deliver(body, handler)
        .expect("signs");
    let effects = rt.block_on(DB::effects(pool, name, &event_id));
    (delivery, effects)
}

fn statuses(history: &History) -> Vec<Option<u16>> {
    history
        .attempts
        .iter()
        .map(|a| a.status.map(|s| s.as_u16()))
        .collect()
}

/// Every retrying sender under every crash: delivered, the effect written
/// once, the copies acknowledged; a crash before the commit is recovered by
/// the very next attempt (no lease to wait out). Falu, which never retries:
/// a crash before the commit leaves no effect at all, one after leaves
/// exactly one.
pub(crate) fn every_sender_under_every_crash_writes_the_effect_once<DB: TestDb>(
    rt: &Runtime,
    pool: &Pool<DB>,
    crashes: &[Crash],
) {
    let funnel = Funnel::new();
    let fourvenues = fourvenues();
    let clickfunnels = clickfunnels();
    let standard = standard();
    let falu = falu();
    for &crash in crashes {
        let runs = [
            simulate(rt, pool, &funnel, "funnel", FUNNEL_BODY, crash),
            simulate(rt, pool, &fourvenues, "fourvenues", FOURVENUES_BODY, crash),
            simulate(
                rt,
                pool,
                &clickfunnels,
                "clickfunnels",
                CLICKFUNNELS_BODY,
                crash,
            ),
            simulate(rt, pool, &standard, "standard", STANDARD_BODY, crash),
        ];
        for (name, (history, effects)) in ["funnel", "fourvenues", "clickfunnels", "standard"]
            .iter()
            .zip(runs)
        {
            let seen = statuses(&history);
            assert_eq!(history.fate, Fate::Delivered, "{name} {crash:?}: {seen:?}");
            assert_eq!(effects, 1, "{name} {crash:?}: {seen:?}");
            assert_eq!(history.duplicates.len(), 2, "{name} {crash:?}");
            assert!(
                history
                    .duplicates
                    .iter()
                    .all(|d| d.outcome == Outcome::Delivered),
                "{name} {crash:?}: {:?}",
                history.duplicates
            );
            let expected: &[Option<u16>] = match crash {
                Crash::None => &[Some(200)],
                Crash::BeforeCommit | Crash::AfterCommit => &[Some(500), Some(200)],
                Crash::ProcessingFails => &[Some(503), Some(200)],
            };
            assert_eq!(seen, expected, "{name} {crash:?}");
        }
        let (history, effects) = simulate(rt, pool, &falu, "falu", FALU_BODY, crash);
        let (fate, want) = match crash {
            Crash::None => (Fate::Delivered, 1),
            Crash::AfterCommit => (Fate::Exhausted, 1),
            Crash::BeforeCommit | Crash::ProcessingFails => (Fate::Exhausted, 0),
        };
        assert_eq!(history.fate, fate, "falu {crash:?}");
        assert_eq!(effects, want, "falu {crash:?}");
    }
}

/// An event with a blank id is processed, its writes committed, and never
/// keyed: a second blank-id event is processed too (never a duplicate of
/// the first). An id far over `MAX_ID_LEN` is keyed by its digest and still
/// deduplicated.
pub(crate) async fn blank_ids_are_never_keyed_and_long_ids_still_deduplicate<DB: TestDb>(
    pool: Pool<DB>,
) {
    let funnel = Funnel::new();
    let inbox = Inbox::new(&funnel, "funnel");
    for _ in 0..2 {
        let handled = inbox
            .run(&pool, " ", |mut tx| async move {
                DB::write_effect(&mut tx, "funnel", "blank").await?;
                Ok::<_, sqlx::Error>(tx)
            })
            .await;
        assert!(matches!(handled, Handled::NoId { .. }), "{handled:?}");
        assert_eq!(handled.into_response().status(), 200);
    }
    assert_eq!(DB::effects(&pool, "funnel", "blank").await, 2);

    let long = "x".repeat(64 * 1024);
    for expected in [true, false] {
        let handled = deliver(&inbox, &pool, "funnel", &long).await;
        assert_eq!(
            matches!(handled, Handled::Processed { .. }),
            expected,
            "{handled:?}"
        );
    }
    assert_eq!(DB::effects(&pool, "funnel", &long).await, 1);
}

/// Every sender in the sender list whose sample event has an id, under
/// every crash: the effect is written once when the sender retries past
/// the crash, and at most once otherwise (a sender that never retries
/// loses what the crash rolled back, as its schedule says); its two
/// duplicate copies are acknowledged and never write again.
pub(crate) fn every_listed_sender_under_every_crash_writes_the_effect_at_most_once<DB: TestDb>(
    rt: &Runtime,
    pool: &Pool<DB>,
    crashes: &[Crash],
    senders: &[crate::senders::Fixture],
) {
    let mut swept = 0;
    for sender in senders {
        let receiver = sender.signer();
        let has_id = receiver
            .parse(sender.body)
            .is_ok_and(|event| !event.id().trim().is_empty());
        if !has_id {
            // Without an id an event is not deduplicated (`Handled::NoId`):
            // its copies are processed again, by design.
            continue;
        }
        swept += 1;
        let retries = receiver.retry_schedule().max_attempts() > 1;
        // Its own keys, apart from the other sweeps on the same database.
        let name = format!("listed-{}", sender.name);
        for &crash in crashes {
            let (history, effects) = simulate(rt, pool, receiver, &name, sender.body, crash);
            let want = match crash {
                Crash::None | Crash::AfterCommit => 1,
                Crash::BeforeCommit | Crash::ProcessingFails => i64::from(retries),
            };
            assert_eq!(
                effects,
                want,
                "{} {crash:?}: {:?}",
                sender.name,
                statuses(&history)
            );
            if history.fate == Fate::Delivered {
                assert_eq!(history.duplicates.len(), 2, "{} {crash:?}", sender.name);
            }
        }
    }
    assert!(swept >= 10, "only {swept} senders swept");
}
