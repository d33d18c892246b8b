//! Exactly-once *effects*: a transactional inbox in your own database
//! (features `postgres` and `sqlite`, on `sqlx`).
//!
//! [`ExactlyOnce`](super::ExactlyOnce) with a [`MemoryStore`](super::MemoryStore)
//! or Redis records an event as done in a store of its own, after the
//! handler's work. A handler that commits its database write and dies before
//! the store records the event leaves the claim to run out; the redelivery
//! does the write again. The inbox closes that gap by recording the event in
//! the same transaction as the handler's writes:
//!
//! 1. [`Inbox::run`] begins a transaction on your pool and claims the event
//!    in it: a row in `webhook_kit_inbox`, keyed by the inbox's name and the
//!    event id.
//! 2. Your closure gets the transaction, does its writes in it and hands it
//!    back.
//! 3. `run` commits: the event's record and your writes become visible
//!    together, or not at all.
//!
//! A process that dies before the commit leaves nothing (the database rolls
//! the transaction back when the connection goes), so the redelivery is
//! processed; after the commit every redelivery finds the record and is
//! acknowledged as a duplicate. **Exactly once holds for the writes made
//! through that transaction, in that database.** An effect elsewhere (an
//! e-mail, a call to another service, a write to another database) can still
//! happen twice: after it, the process may die before the commit. Make such
//! effects idempotent, or record them as rows that another job sends (an
//! *outbox*).
//!
//! # A redelivery while the first transaction runs
//!
//! | database | what the concurrent delivery does | reply |
//! |---|---|---|
//! | Postgres | does not wait: the claim takes a transaction-scoped advisory lock on the event (`pg_try_advisory_xact_lock`), held until the first transaction ends; a delivery that cannot take it is told [`InboxClaim::InProgress`] | `429`, `Retry-After`: the lease |
//! | SQLite | waits, as every SQLite writer waits for the one before it, up to the pool's busy timeout (`SqliteConnectOptions::busy_timeout`, 5 s unless set): then sees the first transaction's outcome; past the timeout, [`InboxClaim::InProgress`] | `200` duplicate once committed; processed if rolled back; `429` past the timeout |
//!
//! Once the first transaction has committed, a redelivery is answered with
//! the provider's acknowledgement ([`Handled::Duplicate`]); if it rolled
//! back, the redelivery claims the event and processes it.
//!
//! The lease ([`lease_for`], the sender's timeout) is only the `Retry-After`
//! told to such a delivery: the database, not a timer, ends a dead
//! handler's claim, so no lease can run out while its handler still works,
//! and processing that outlasts the lease does not lead to a second effect.
//! A handler that hangs with its transaction open keeps the event in
//! progress until it ends; bound that with the database's own settings
//! (Postgres `idle_in_transaction_session_timeout`).
//!
//! Postgres 11 or later: the lock key is `hashtextextended` of the name and
//! the id, so two events whose keys collide are answered `429` while the
//! other one's transaction runs, nothing worse. The claim works at the
//! default isolation, `READ COMMITTED`; under `REPEATABLE READ` or
//! `SERIALIZABLE` a claim that races another may fail with a serialization
//! error instead, answered `503` and retried.
//!
//! # Setting up
//!
//! [`migrate`] creates the table (the SQL is [`POSTGRES_MIGRATION`] and
//! [`SQLITE_MIGRATION`], for your own migration tool); it is idempotent, so
//! call it at start. Records last [`ttl_for`] the sender (change it with
//! [`Inbox::with_ttl`]); [`purge`] deletes the expired ones: call it from a
//! periodic job. An expired record that was not purged yet counts as absent.
//!
//! ```
//! use sqlx::sqlite::SqlitePoolOptions;
//! use webhook_kit::dedup::Handled;
//! use webhook_kit::dedup::inbox::{self, Inbox};
//! use webhook_kit::standard::StandardWebhooks;
//! use webhook_kit::{Provider, WebhookEvent};
//!
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
//! inbox::migrate(&pool).await?;
//! sqlx::query("CREATE TABLE invoices (id INTEGER)").execute(&pool).await?;
//! let inbox = Inbox::new(&receiver, "standard");
//!
//! // In the handler, after `verify_and_parse`:
//! # let body = br#"{"type": "invoice.paid", "data": {"id": 7}}"#;
//! # let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! # let event = receiver.verify_and_parse(&headers, body)?;
//! let handled = inbox
//!     .run(&pool, &event.id(), |mut tx| async move {
//!         sqlx::query("INSERT INTO invoices (id) VALUES (7)").execute(&mut *tx).await?;
//!         Ok::<_, sqlx::Error>(tx)
//!     })
//!     .await;
//! assert!(matches!(handled, Handled::Processed { .. }));
//!
//! // A redelivery: acknowledged, and the invoice written once.
//! let again = inbox.run(&pool, &event.id(), |tx| async { Ok::<_, sqlx::Error>(tx) }).await;
//! assert_eq!(again.into_response().status(), 200);
//! let (n,): (i64,) = sqlx::query_as("SELECT count(*) FROM invoices").fetch_one(&pool).await?;
//! assert_eq!(n, 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # }).unwrap();
//! ```

use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sqlx::{Pool, Transaction};

use super::{Handled, Settled, lease_for, ttl_for};
use crate::Provider;

#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "sqlite")]
mod sqlite;

/// The inbox table for Postgres, as [`migrate`] creates it (idempotent).
///
/// ```
/// assert!(webhook_kit::dedup::inbox::POSTGRES_MIGRATION.contains("webhook_kit_inbox"));
/// ```
#[cfg(feature = "postgres")]
pub const POSTGRES_MIGRATION: &str = include_str!("postgres.sql");

/// The inbox table for SQLite, as [`migrate`] creates it (idempotent).
///
/// ```
/// assert!(webhook_kit::dedup::inbox::SQLITE_MIGRATION.contains("webhook_kit_inbox"));
/// ```
#[cfg(feature = "sqlite")]
pub const SQLITE_MIGRATION: &str = include_str!("sqlite.sql");

/// What [`Inbox::claim`] found for an event, in the caller's transaction.
///
/// ```
/// use webhook_kit::dedup::inbox::InboxClaim;
///
/// // Only `Claimed` means: process the event in this transaction.
/// assert_ne!(InboxClaim::Done, InboxClaim::Claimed);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InboxClaim {
    /// The event's record is now written in this transaction: do the
    /// event's writes in it and commit. A rollback takes the record away
    /// with the writes.
    Claimed,
    /// A committed transaction processed the event, and its record has not
    /// expired: acknowledge, do nothing.
    Done,
    /// Another transaction holds the event now: ask the sender to come back
    /// (`429`). Roll this transaction back.
    InProgress,
}

/// A database the inbox runs on: `sqlx::Postgres` (feature `postgres`) or
/// `sqlx::Sqlite` (feature `sqlite`). Sealed: the crate provides both
/// implementations.
///
/// ```
/// # #[cfg(feature = "sqlite")] {
/// fn accepts<DB: webhook_kit::dedup::inbox::InboxDatabase>() {}
/// accepts::<sqlx::Sqlite>();
/// # }
/// ```
pub trait InboxDatabase: sqlx::Database + backend::Backend {}

/// The statements each database runs; private, so that the trait stays
/// sealed and these stay out of the public API.
mod backend {
    use std::future::Future;

    use sqlx::Pool;

    use super::InboxClaim;

    /// One database's SQL for the inbox. Times are Unix milliseconds.
    #[allow(unreachable_pub, reason = "sealed: nameable only inside the crate")]
    pub trait Backend: sqlx::Database {
        /// Creates the table and index, safely when several start at once.
        fn migrate(pool: &Pool<Self>) -> impl Future<Output = Result<(), sqlx::Error>> + Send;

        /// Claims `(name, event_id)` in the transaction on `conn`: a new
        /// record expiring at `expires_at`, or the one found.
        fn claim<'c>(
            conn: &'c mut Self::Connection,
            name: &'c str,
            event_id: &'c str,
            now: i64,
            expires_at: i64,
        ) -> impl Future<Output = Result<InboxClaim, sqlx::Error>> + Send + 'c;

        /// Deletes the records expired at `now`; how many.
        fn purge(
            pool: &Pool<Self>,
            now: i64,
        ) -> impl Future<Output = Result<u64, sqlx::Error>> + Send;
    }
}

/// Creates the inbox table (and its index) when missing: call it at start,
/// as often as you like, from as many processes as you like.
///
/// # Errors
///
/// When the database cannot be reached or refuses the statements (no right
/// to create a table: run [`POSTGRES_MIGRATION`] or [`SQLITE_MIGRATION`]
/// with your own migration tool instead).
///
/// ```
/// use sqlx::sqlite::SqlitePoolOptions;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
/// webhook_kit::dedup::inbox::migrate(&pool).await?;
/// webhook_kit::dedup::inbox::migrate(&pool).await?; // idempotent
/// # Ok::<(), sqlx::Error>(())
/// # }).unwrap();
/// ```
pub async fn migrate<DB: InboxDatabase>(pool: &Pool<DB>) -> Result<(), sqlx::Error> {
    DB::migrate(pool).await
}

/// Deletes the records whose time ([`Inbox::ttl`]) has run out; returns how
/// many. Run it periodically: expired records already count as absent, so
/// this only keeps the table small.
///
/// # Errors
///
/// When the database cannot be reached.
///
/// ```
/// use sqlx::sqlite::SqlitePoolOptions;
///
/// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
/// let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
/// webhook_kit::dedup::inbox::migrate(&pool).await?;
/// assert_eq!(webhook_kit::dedup::inbox::purge(&pool).await?, 0);
/// # Ok::<(), sqlx::Error>(())
/// # }).unwrap();
/// ```
pub async fn purge<DB: InboxDatabase>(pool: &Pool<DB>) -> Result<u64, sqlx::Error> {
    DB::purge(pool, unix_millis(SystemTime::now())).await
}

/// The statements of a migration script, one at a time (each is sent as a
/// prepared statement, which takes one), without the comment-only pieces.
fn statements(script: &str) -> impl Iterator<Item = &str> {
    script.split(';').map(str::trim).filter(|piece| {
        piece
            .lines()
            .any(|line| !line.trim().is_empty() && !line.trim_start().starts_with("--"))
    })
}

/// Milliseconds since the Unix epoch, saturating (a clock before 1970
/// reads as 0).
fn unix_millis(at: SystemTime) -> i64 {
    let since = at.duration_since(UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since.as_millis()).unwrap_or(i64::MAX)
}

/// Processes each event's writes exactly once, in one transaction with the
/// event's record, and says what to answer the sender (the same
/// [`Handled`] as [`ExactlyOnce`](super::ExactlyOnce)).
///
/// Built per provider from its retry schedule: records last [`ttl_for`],
/// and [`lease_for`] is the `Retry-After` told to a delivery that comes
/// while another holds the event; both can be changed. `name` keys the
/// provider's events in the table (`"clickfunnels"`); keep it stable across
/// deploys.
///
/// ```
/// use webhook_kit::dedup::inbox::Inbox;
/// use webhook_kit::dedup::{lease_for, ttl_for};
/// use webhook_kit::funnel::Funnel;
///
/// let funnel = Funnel::new();
/// let inbox = Inbox::new(&funnel, "funnel");
/// assert_eq!(inbox.lease(), lease_for(&funnel));
/// assert_eq!(inbox.ttl(), ttl_for(&funnel));
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Inbox<'a, P: ?Sized> {
    provider: &'a P,
    name: &'a str,
    lease: Duration,
    ttl: Duration,
}

impl<'a, P: Provider + ?Sized> Inbox<'a, P> {
    /// The inbox for `provider`'s events, under `name`.
    ///
    /// ```
    /// use webhook_kit::dedup::inbox::Inbox;
    /// use webhook_kit::falu::Falu;
    ///
    /// let falu = Falu::new("secret")?;
    /// let inbox = Inbox::new(&falu, "falu");
    /// # let _ = inbox;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn new(provider: &'a P, name: &'a str) -> Self {
        Inbox {
            provider,
            name,
            lease: lease_for(provider),
            ttl: ttl_for(provider),
        }
    }

    /// Tells a delivery that finds the event in progress to come back after
    /// `lease` instead of [`lease_for`]: about as long as processing takes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::inbox::Inbox;
    /// use webhook_kit::funnel::Funnel;
    ///
    /// let funnel = Funnel::new();
    /// let inbox = Inbox::new(&funnel, "funnel").with_lease(Duration::from_secs(2));
    /// assert_eq!(inbox.lease(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Keeps records for `ttl` instead of [`ttl_for`], for example longer,
    /// to catch replays started by hand.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::inbox::Inbox;
    /// use webhook_kit::falu::Falu;
    ///
    /// let falu = Falu::new("secret")?;
    /// let week = Duration::from_secs(7 * 86_400);
    /// assert_eq!(Inbox::new(&falu, "falu").with_ttl(week).ttl(), week);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The `Retry-After` told to a delivery that finds the event in
    /// progress.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::dedup::inbox::Inbox;
    /// # use webhook_kit::funnel::Funnel;
    /// let funnel = Funnel::new();
    /// assert_eq!(Inbox::new(&funnel, "funnel").lease(), Duration::from_secs(5));
    /// ```
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// How long a processed event's record lasts.
    ///
    /// ```
    /// # use webhook_kit::dedup::{inbox::Inbox, ttl_for};
    /// # use webhook_kit::funnel::Funnel;
    /// let funnel = Funnel::new();
    /// assert_eq!(Inbox::new(&funnel, "funnel").ttl(), ttl_for(&funnel));
    /// ```
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Claims `event_id` inside `tx`, a transaction of yours: for handlers
    /// that run their own transactions ([`run`](Self::run) does it for you).
    /// Claim before the transaction reads anything (SQLite takes its write
    /// lock here), do the event's writes only on
    /// [`InboxClaim::Claimed`], then commit.
    ///
    /// # Errors
    ///
    /// When the database fails the statements; roll back (drop `tx`) and
    /// answer `503`.
    ///
    /// ```
    /// use sqlx::sqlite::SqlitePoolOptions;
    /// use webhook_kit::dedup::inbox::{self, Inbox, InboxClaim};
    /// use webhook_kit::funnel::Funnel;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
    /// inbox::migrate(&pool).await?;
    /// let funnel = Funnel::new();
    /// let inbox = Inbox::new(&funnel, "funnel");
    ///
    /// let mut tx = pool.begin().await?;
    /// assert_eq!(inbox.claim(&mut tx, "8932127").await?, InboxClaim::Claimed);
    /// // ... the event's writes, on `&mut *tx` ...
    /// tx.commit().await?;
    ///
    /// let mut tx = pool.begin().await?;
    /// assert_eq!(inbox.claim(&mut tx, "8932127").await?, InboxClaim::Done);
    /// # Ok::<(), sqlx::Error>(())
    /// # }).unwrap();
    /// ```
    pub async fn claim<DB: InboxDatabase>(
        &self,
        tx: &mut Transaction<'_, DB>,
        event_id: &str,
    ) -> Result<InboxClaim, sqlx::Error> {
        let now = SystemTime::now();
        let expires_at = unix_millis(now.checked_add(self.ttl).unwrap_or(now));
        // Long ids are keyed by their digest, as in every store.
        let key = super::stored_id(event_id);
        DB::claim(&mut *tx, self.name, &key, unix_millis(now), expires_at).await
    }

    /// Begins a transaction on `pool`, claims `event_id` in it and, if this
    /// delivery claimed the event, hands the transaction to `process`; when
    /// `process` gives it back (`Ok`), commits the event's record with
    /// `process`'s writes. On `Err` (or a panic, or a process that dies)
    /// the transaction rolls back, record and writes alike, so the sender's
    /// retry processes the event.
    ///
    /// | outcome | [`Handled`] | reply |
    /// |---|---|---|
    /// | committed | `Processed` ([`Settled::Applied`]) | the acknowledgement |
    /// | a blank `event_id`: processed and committed without a record | `NoId` | the acknowledgement |
    /// | processed before | `Duplicate` | the acknowledgement |
    /// | another transaction holds the event | `InProgress`, `retry_after` = [`lease`](Self::lease) | `429` |
    /// | `process` failed | `Failed` | `503` |
    /// | begin, claim or commit failed | `StoreUnavailable` | `503` |
    ///
    /// A transaction dropped in `process` is rolled back by sqlx when the
    /// pool gets its connection back; until then the event stays in
    /// progress (`429` to a redelivery in between). `process` can roll back
    /// itself (`tx.rollback().await`) before returning `Err`, to free the
    /// event at once.
    ///
    /// A failed commit may still have committed (the reply was lost with
    /// the connection): the sender's retry then finds the record and is
    /// acknowledged; either way the writes happen once. `Unrecorded` never
    /// comes from the inbox.
    ///
    /// The future is `Send` when `process`'s is, as axum and actix handlers
    /// need.
    ///
    /// ```
    /// use sqlx::sqlite::SqlitePoolOptions;
    /// use webhook_kit::dedup::Handled;
    /// use webhook_kit::dedup::inbox::{self, Inbox};
    /// use webhook_kit::falu::Falu;
    ///
    /// # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
    /// let pool = SqlitePoolOptions::new().connect("sqlite::memory:").await?;
    /// inbox::migrate(&pool).await?;
    /// let falu = Falu::new("secret")?;
    /// let inbox = Inbox::new(&falu, "falu");
    ///
    /// let failed = inbox.run(&pool, "evt_1", |_tx| async { Err("out of stock") }).await;
    /// assert!(matches!(failed, Handled::Failed("out of stock")));
    /// assert_eq!(failed.into_response().status(), 503);
    /// // Rolled back: the next delivery processes it.
    /// let retried = inbox.run(&pool, "evt_1", |tx| async { Ok::<_, &str>(tx) }).await;
    /// assert!(matches!(retried, Handled::Processed { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// # }).unwrap();
    /// ```
    pub async fn run<DB, E, F, Fut>(
        &self,
        pool: &Pool<DB>,
        event_id: &str,
        process: F,
    ) -> Handled<E, sqlx::Error>
    where
        DB: InboxDatabase,
        F: FnOnce(Transaction<'static, DB>) -> Fut,
        Fut: Future<Output = Result<Transaction<'static, DB>, E>>,
    {
        let mut tx = match pool.begin().await {
            Ok(tx) => tx,
            Err(error) => return Handled::StoreUnavailable(error),
        };
        if event_id.trim().is_empty() {
            // Nothing to key the event by: it is processed, and its writes
            // committed, without a record (as `ExactlyOnce` does).
            return match process(tx).await {
                Ok(tx) => match tx.commit().await {
                    Ok(()) => Handled::NoId {
                        ack: self.provider.acknowledge(),
                    },
                    Err(error) => Handled::StoreUnavailable(error),
                },
                Err(error) => Handled::Failed(error),
            };
        }
        let claim = self.claim(&mut tx, event_id).await;
        if !matches!(claim, Ok(InboxClaim::Claimed)) {
            // At once, not when the pool gets the connection back: until
            // then the transaction keeps the event's lock, and a delivery in
            // between would be told it is in progress.
            let _ = tx.rollback().await;
            return match claim {
                Ok(InboxClaim::InProgress) => Handled::InProgress {
                    retry_after: self.lease,
                },
                Ok(_) => Handled::Duplicate {
                    ack: self.provider.acknowledge(),
                },
                Err(error) => Handled::StoreUnavailable(error),
            };
        }
        let tx = match process(tx).await {
            Ok(tx) => tx,
            // The transaction was dropped with `process`: sqlx rolls it back
            // when the pool gets the connection back.
            Err(error) => return Handled::Failed(error),
        };
        match tx.commit().await {
            Ok(()) => Handled::Processed {
                ack: self.provider.acknowledge(),
                settled: Settled::Applied,
            },
            Err(error) => Handled::StoreUnavailable(error),
        }
    }
}
