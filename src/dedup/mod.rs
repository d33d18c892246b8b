//! Idempotency: process each event once, however often it is delivered,
//! and, when the sender redelivers, lose none whose handler died half-way
//! (what "once" covers depends on the store: see
//! [what each store guarantees](#what-each-store-guarantees)).
//!
//! Providers deliver *at least once*: an attempt whose reply was lost or
//! late is delivered again, and some send the same event twice on their own.
//! A store remembers, per provider and event id, whether the event is being
//! processed or is done, so that each copy gets the right answer.
//!
//! # The protocol: claim, lease, complete
//!
//! 1. [`claim`](IdempotencyStore::claim) the event for a bounded time, the
//!    *lease*. Exactly one delivery gets [`Claim::Claimed`] with a
//!    [`ClaimToken`]; a delivery that finds a live claim learns
//!    [`Claim::InProgress`] (the first attempt may still fail), one that
//!    finds the event completed learns [`Claim::Done`].
//! 2. Process the event.
//! 3. On success, [`complete`](IdempotencyStore::complete): the event is
//!    recorded as done for the provider's retry horizon ([`ttl_for`]). On a
//!    clean failure, [`release`](IdempotencyStore::release): the next
//!    delivery claims it at once. If the process dies, nothing is called,
//!    and the claim runs out with its lease: a later redelivery claims it.
//! 4. Only the token's holder can complete or release
//!    ([`Settled::LeaseLost`] otherwise), so an attempt that outlived its
//!    lease cannot overwrite what a later attempt recorded.
//!
//! [`ExactlyOnce`] runs these steps for a handler and says what to answer:
//! the provider's acknowledgement for a processed or duplicate event, `429`
//! with `Retry-After` while another delivery holds the event, `503` when
//! processing failed (see [`Handled`]).
//!
//! ```
//! use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
//! use webhook_kit::standard::StandardWebhooks;
//! use webhook_kit::{Provider, WebhookEvent};
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let store = MemoryStore::default();
//!
//! // In the handler:
//! # let body = br#"{"type": "invoice.paid", "data": {}}"#;
//! # let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! let event = receiver.verify_and_parse(&headers, body)?;
//! let handled = ExactlyOnce::new(&receiver, &store, "standard").run(&event.id(), || {
//!     // Process the event; an `Err` releases it for the sender's retry.
//!     Ok::<(), std::io::Error>(())
//! });
//! let reply: http::Response<&'static str> = handled.into_response();
//! assert_eq!(reply.status(), 200);
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! Async handlers use [`ExactlyOnce::run_async`] with an
//! [`AsyncIdempotencyStore`], so that no worker thread waits on the store.
//!
//! # What each provider's schedule can recover
//!
//! Recovery needs a redelivery after the lease ends. [`lease_for`] gives
//! the lease we recommend (the sender's timeout, within its horizon);
//! [`recovers_from_crash`] tells whether a lease leaves a redelivery to
//! recover a handler that died on the first attempt.
//!
//! | provider | lease ([`lease_for`]) | a handler that dies after claiming | a redelivery during the lease |
//! |---|---|---|---|
//! | Funnel | 5 s | recovered by a retry at 5, 15 or 30 s; lost if the lease exceeds 30 s, its whole horizon | `429`, retried on schedule |
//! | Fourvenues | 30 s | recovered by the retry after 1 min (40 retries, our default schedule) | `429`, retried on schedule |
//! | ClickFunnels | 30 s | recovered by the retry at 1 min 16 s | `429`, retried on schedule |
//! | Standard Webhooks | 15 s | recovered by the retry at 5 min 5 s | `429`: throttled, retried after `Retry-After` |
//! | Falu | 30 s | **lost**: Falu never redelivers; replay it by hand | never happens |
//!
//! Processing must end within the lease: a claim that runs out while its
//! holder still works lets a redelivery process the event again (the
//! holder then learns [`Settled::LeaseLost`]).
//!
//! # Stores
//!
//! - [`MemoryStore`]: in-process, bounded in entries and bytes (it never
//!   evicts a live claim: when full of them it refuses with [`StoreFull`]),
//!   thread-safe, each step atomic under one mutex; implements both traits.
//!   Enough for a receiver that runs as a single process.
//!
//! Every store keys an id of at most [`MAX_ID_LEN`] bytes as it is and a
//! longer one by its digest ([`stored_id`]), so no request can grow a key.
//! An event without an id is never deduplicated on an empty key
//! ([`Handled::NoId`]); where the id is missing or unsigned, key the event by
//! its signed content ([`content_key`]).
//! - `RedisStore` (feature `redis`): shared by receivers on several
//!   machines; each step is one atomic round trip (a Lua script, or `SET NX
//!   PX`). A step whose connection broke is sent once more on a new one: the
//!   scripts are idempotent for their token, so a restart of the server
//!   between claim and complete, or a reply lost with its connection, loses
//!   no event and processes none twice.
//! - `AsyncRedisStore` (feature `redis-async`): the same records and scripts
//!   over redis's tokio connection manager.
//!
//! # What each store guarantees
//!
//! - [`MemoryStore`] and the Redis stores, through [`ExactlyOnce`]: at most
//!   one delivery processes an event at a time, and an event recorded as
//!   done is not processed again while its record lasts ([`ttl_for`]). That
//!   is exactly-once *processing* for handlers that are idempotent or that
//!   finish within the lease: a handler whose process dies after its effect
//!   and before the store records the event is run again by the redelivery
//!   after the lease, and one that outlasts its lease may run beside a
//!   second delivery. Their effects happen once only if repeating them is
//!   harmless.
//! - `inbox::Inbox` (features `postgres`, `sqlite`): the event is recorded
//!   in the handler's own database transaction, committed with its writes or
//!   rolled back with them. That is exactly-once *effects* for the writes
//!   made through that transaction in that database, whatever the lease and
//!   wherever the process dies; effects elsewhere (an e-mail, another
//!   service, another database) are not covered.
//! - All of them need a redelivery to recover an event whose handler died:
//!   Falu's is lost (with the inbox, nothing of it is written).
//!
//! # The simple entry point, and its risk
//!
//! [`first_seen`](IdempotencyStore::first_seen) records the event as done
//! in one call, *before* it is processed. If processing fails cleanly,
//! [`forget`](IdempotencyStore::forget) the id and answer `503` so that the
//! retry is processed. But if the process dies mid-way, nothing forgets it:
//! every redelivery is acknowledged as a duplicate and the event is lost;
//! and a redelivery that arrives while the first attempt still runs is
//! acknowledged though that attempt may yet fail.
//!
//! ```
//! use webhook_kit::dedup::{IdempotencyStore, MemoryStore, ttl_for};
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let store = MemoryStore::default();
//! let ttl = ttl_for(&receiver);
//!
//! // In the handler, after `verify_and_parse`:
//! assert!(store.first_seen("standard", "msg_1", ttl).unwrap_or(true));
//! // A redelivery of the same event: acknowledge it, do not process it again.
//! assert!(!store.first_seen("standard", "msg_1", ttl).unwrap_or(true));
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! # Choosing a store at build time
//!
//! ```
//! use std::time::Duration;
//! use webhook_kit::dedup::{Claim, IdempotencyStore};
//!
//! #[cfg(feature = "redis")]
//! fn store() -> impl IdempotencyStore {
//!     let url = std::env::var("REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1/".into());
//!     webhook_kit::dedup::RedisStore::open(&url).expect("a Redis URL")
//! }
//!
//! #[cfg(not(feature = "redis"))]
//! fn store() -> impl IdempotencyStore {
//!     webhook_kit::dedup::MemoryStore::default()
//! }
//!
//! fn is_new<S: IdempotencyStore>(store: &S, id: &str) -> Result<Claim, S::Error> {
//!     store.claim("clickfunnels", id, Duration::from_secs(30))
//! }
//! # let _ = (store, is_new::<webhook_kit::dedup::MemoryStore>);
//! ```
//!
//! An id only needs remembering while the provider may still redeliver it;
//! [`ttl_for`] computes that time from the provider's [`RetrySchedule`].
//!
//! [`RetrySchedule`]: crate::RetrySchedule

use std::sync::Arc;
use std::time::Duration;

use crate::Provider;

mod async_store;
mod claim;
mod flow;
#[cfg(any(feature = "postgres", feature = "sqlite"))]
pub mod inbox;
mod key;
mod lease;
mod memory;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "redis-async")]
mod redis_async;
#[cfg(feature = "redis")]
mod scripts;

pub use async_store::AsyncIdempotencyStore;
pub use claim::{Claim, ClaimToken, Settled};
pub use flow::{ExactlyOnce, Handled};
pub use key::{MAX_ID_LEN, content_key, stored_id};
pub use lease::{lease_for, recovers_from_crash};
pub use memory::{MemoryStore, StoreFull};
#[cfg(feature = "redis")]
pub use redis::RedisStore;
#[cfg(feature = "redis-async")]
pub use redis_async::AsyncRedisStore;

/// Remembers which events were claimed and completed, per provider, for a
/// limited time.
///
/// Two ways to use it:
///
/// - The claim protocol ([`claim`](Self::claim), then
///   [`complete`](Self::complete) or [`release`](Self::release)): an event is
///   recorded as done only once it was processed, and a claim whose holder
///   died runs out with its lease. [`ExactlyOnce`] runs it for a handler.
/// - [`first_seen`](Self::first_seen): one call that records the event
///   before it is processed. Simple, but an event whose processing dies
///   half-way is lost: its redeliveries are taken for duplicates. Call
///   [`forget`](Self::forget) when processing fails cleanly.
///
/// Implementations make each method atomic: when several threads or
/// machines claim the same id at once, exactly one gets
/// [`Claim::Claimed`]; only the holder of a [`ClaimToken`] can complete or
/// release its claim.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::{Claim, IdempotencyStore, MemoryStore, Settled};
///
/// fn handle<S: IdempotencyStore>(store: &S, id: &str) -> Result<&'static str, S::Error> {
///     let lease = Duration::from_secs(30);
///     Ok(match store.claim("clickfunnels", id, lease)? {
///         Claim::Claimed(token) => {
///             // ... process the event ...
///             let _: Settled = store.complete(&token, Duration::from_secs(86_400))?;
///             "processed"
///         }
///         Claim::InProgress { .. } => "try again later",
///         Claim::Done => "duplicate",
///     })
/// }
///
/// let store = MemoryStore::default();
/// assert_eq!(handle(&store, "e1"), Ok("processed"));
/// assert_eq!(handle(&store, "e1"), Ok("duplicate"));
/// ```
pub trait IdempotencyStore {
    /// The store's error ([`MemoryStore`]: [`StoreFull`]).
    type Error: std::error::Error + Send + Sync + 'static;

    /// Atomically records `(provider, event_id)` as done: `Ok(true)` the
    /// first time within `ttl`, `Ok(false)` for a duplicate (or while the
    /// event is claimed).
    ///
    /// `provider` is a name of your choosing (`"clickfunnels"`); ids from
    /// different providers never collide.
    ///
    /// **Risk:** the event counts as done before it is processed. If the
    /// process dies while processing, every redelivery is answered as a
    /// duplicate and the event is lost; a redelivery that comes while the
    /// first attempt still runs is acknowledged though that attempt may yet
    /// fail. Use [`claim`](Self::claim) (or [`ExactlyOnce`]) where that
    /// matters.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached. A handler usually treats an error
    /// as "first seen" (process, at the risk of a duplicate) or answers `503`
    /// so the provider retries later.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::new(10_000);
    /// let ttl = Duration::from_secs(3 * 24 * 3600);
    /// assert_eq!(store.first_seen("falu", "evt_1", ttl), Ok(true));
    /// // The redelivery of the same event:
    /// assert_eq!(store.first_seen("falu", "evt_1", ttl), Ok(false));
    /// ```
    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> Result<bool, Self::Error>;

    /// Claims `(provider, event_id)` for `lease`: [`Claim::Claimed`] with a
    /// token when no live claim or completion exists, else
    /// [`Claim::InProgress`] or [`Claim::Done`]. A claim whose lease runs out
    /// without completion can be claimed again. See [`lease_for`] for the
    /// lease a provider's schedule allows.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached: the event is not claimed (or is,
    /// with the answer lost; its lease then runs out). Answer `503` so the
    /// provider retries.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{Claim, IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::new(10_000);
    /// let lease = Duration::from_secs(60);
    /// let Ok(Claim::Claimed(token)) = store.claim("falu", "evt_1", lease) else { panic!("new event") };
    /// // A concurrent redelivery finds the claim and leaves the event alone.
    /// assert!(matches!(store.claim("falu", "evt_1", lease), Ok(Claim::InProgress { .. })));
    /// # let _ = token;
    /// ```
    fn claim(&self, provider: &str, event_id: &str, lease: Duration) -> Result<Claim, Self::Error>;

    /// Records the claimed event as done for `ttl` ([`ttl_for`]), so that
    /// its redeliveries are answered [`Claim::Done`]. [`Settled::LeaseLost`]
    /// (and no change) when another delivery claimed or completed the event
    /// after this token's lease ran out.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached. Completing may be tried again with
    /// the same token.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{Claim, IdempotencyStore, MemoryStore, Settled};
    ///
    /// let store = MemoryStore::new(10_000);
    /// let Ok(Claim::Claimed(token)) = store.claim("falu", "evt_1", Duration::from_secs(60)) else { panic!() };
    /// // … process the event, then:
    /// assert_eq!(store.complete(&token, Duration::from_secs(3600)), Ok(Settled::Applied));
    /// assert_eq!(store.claim("falu", "evt_1", Duration::from_secs(60)), Ok(Claim::Done));
    /// ```
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, Self::Error>;

    /// Gives the claim up after a clean failure, so that the next delivery
    /// claims the event at once. [`Settled::LeaseLost`] (and no change) when
    /// another delivery claimed or completed the event since.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached; the claim then ends with its lease.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{Claim, IdempotencyStore, MemoryStore, Settled};
    ///
    /// let store = MemoryStore::new(10_000);
    /// let lease = Duration::from_secs(60);
    /// let Ok(Claim::Claimed(token)) = store.claim("falu", "evt_1", lease) else { panic!() };
    /// // Processing failed cleanly: let the next delivery try at once.
    /// assert_eq!(store.release(&token), Ok(Settled::Applied));
    /// assert!(matches!(store.claim("falu", "evt_1", lease), Ok(Claim::Claimed(_))));
    /// ```
    fn release(&self, token: &ClaimToken) -> Result<Settled, Self::Error>;

    /// Forgets `(provider, event_id)` whatever its state, so that its next
    /// delivery is new again. `Ok(true)` when something was recorded.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::new(10_000);
    /// let ttl = Duration::from_secs(3600);
    /// assert_eq!(store.first_seen("falu", "evt_1", ttl), Ok(true));
    /// // Processing was rolled back: accept the event again.
    /// assert_eq!(IdempotencyStore::forget(&store, "falu", "evt_1"), Ok(true));
    /// assert_eq!(store.first_seen("falu", "evt_1", ttl), Ok(true));
    /// ```
    fn forget(&self, provider: &str, event_id: &str) -> Result<bool, Self::Error>;
}

/// Forwards every method to the store behind a reference or an [`Arc`].
macro_rules! forward_store {
    ($($ty:ty),+) => {$(
        impl<S: IdempotencyStore + ?Sized> IdempotencyStore for $ty {
            type Error = S::Error;

            fn first_seen(&self, provider: &str, event_id: &str, ttl: Duration) -> Result<bool, S::Error> {
                (**self).first_seen(provider, event_id, ttl)
            }

            fn claim(&self, provider: &str, event_id: &str, lease: Duration) -> Result<Claim, S::Error> {
                (**self).claim(provider, event_id, lease)
            }

            fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, S::Error> {
                (**self).complete(token, ttl)
            }

            fn release(&self, token: &ClaimToken) -> Result<Settled, S::Error> {
                (**self).release(token)
            }

            fn forget(&self, provider: &str, event_id: &str) -> Result<bool, S::Error> {
                (**self).forget(provider, event_id)
            }
        }
    )+};
}

forward_store!(&S, Arc<S>);

/// The per-attempt timeout assumed where a provider publishes none: 30 s,
/// the upper end of the Standard Webhooks guidance. Our default, not a
/// provider's published figure.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::DEFAULT_ATTEMPT_TIMEOUT;
///
/// // Used as a schedule's `timeout()` where the provider states none.
/// let schedule = webhook_kit::RetrySchedule::falu();
/// assert_eq!(schedule.timeout().unwrap_or(DEFAULT_ATTEMPT_TIMEOUT), Duration::from_secs(30));
/// ```
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The fixed part of the margin [`ttl_for`] adds: 5 minutes, for clock skew
/// between machines and a sender's queueing delays.
///
/// ```
/// use webhook_kit::dedup::{TTL_MARGIN, ttl_for};
/// use webhook_kit::falu::Falu;
///
/// // Falu never retries, yet its ids are kept at least this long.
/// assert!(ttl_for(&Falu::new("falu-secret")?) >= TTL_MARGIN);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const TTL_MARGIN: Duration = Duration::from_secs(5 * 60);

/// How long to remember a provider's event ids so that no automatic
/// redelivery slips through:
///
/// ```text
/// base = horizon + max_attempts × timeout
/// ttl  = base + base / 10 + 5 min
/// ```
///
/// `horizon` is [`RetrySchedule::horizon`] (every wait, at its jittered
/// maximum); `timeout` is [`RetrySchedule::timeout`], or
/// [`DEFAULT_ATTEMPT_TIMEOUT`] where the provider publishes none, counted
/// once per attempt because each failed attempt may run that long before the
/// next wait starts. The margin (10 % plus [`TTL_MARGIN`]) absorbs clock skew
/// and a sender's queueing. The sum saturates instead of overflowing.
///
/// Replays a person starts by hand (ClickFunnels' and Falu's "resend") can
/// come later than this; remember ids longer if those must be caught too.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::ttl_for;
/// use webhook_kit::standard::StandardWebhooks;
///
/// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// // Standard Webhooks: 75 h 35 min 5 s of waits, 10 attempts of 15 s.
/// let base = Duration::from_secs(75 * 3600 + 35 * 60 + 5 + 10 * 15);
/// assert_eq!(ttl_for(&receiver), base + base / 10 + Duration::from_secs(300));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
///
/// [`RetrySchedule::horizon`]: crate::RetrySchedule::horizon
/// [`RetrySchedule::timeout`]: crate::RetrySchedule::timeout
pub fn ttl_for<P: Provider + ?Sized>(provider: &P) -> Duration {
    let schedule = provider.retry_schedule();
    let timeout = schedule.timeout().unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
    let base = schedule
        .horizon()
        .saturating_add(timeout.saturating_mul(schedule.max_attempts()));
    base.saturating_add(base / 10).saturating_add(TTL_MARGIN)
}
