//! Idempotency: process each event once, however often it is delivered.
//!
//! Providers deliver *at least once*: an attempt whose reply was lost or
//! late is delivered again, and some send the same event twice on their own.
//! An [`IdempotencyStore`] answers "is this the first time I see this event
//! id from this provider?" atomically, so the second copy can be acknowledged
//! without being processed again.
//!
//! - [`MemoryStore`]: in-process, bounded, thread-safe. Enough for a
//!   receiver that runs as a single process.
//! - `RedisStore` (feature `redis`): shared by receivers on several
//!   machines, one atomic `SET key 1 NX PX ttl` per check.
//!
//! An id only needs remembering while the provider may still redeliver it;
//! [`ttl_for`] computes that time from the provider's [`RetrySchedule`].
//!
//! # Example
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
//! use webhook_kit::dedup::IdempotencyStore;
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
//! fn is_new<S: IdempotencyStore>(store: &S, id: &str) -> bool {
//!     // If the store is down, process anyway: a duplicate beats a lost event.
//!     store.first_seen("clickfunnels", id, Duration::from_secs(3600)).unwrap_or(true)
//! }
//! # let _ = (store, is_new::<webhook_kit::dedup::MemoryStore>);
//! ```
//!
//! # Recording before or after processing
//!
//! `first_seen` records the id as it answers. If processing then fails and
//! the handler answers with an error so that the provider retries, the retry
//! would be taken for a duplicate. Either forget the id on failure
//! ([`MemoryStore::forget`], and `RedisStore::forget`), or make processing
//! itself idempotent and use the store only to skip work already done.
//!
//! [`RetrySchedule`]: crate::RetrySchedule

use std::sync::Arc;
use std::time::Duration;

use crate::Provider;

mod async_store;
mod claim;
mod flow;
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
pub use lease::{lease_for, recovers_from_crash};
pub use memory::MemoryStore;
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
    /// The store's error ([`MemoryStore`]: [`std::convert::Infallible`]).
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
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, Self::Error>;

    /// Gives the claim up after a clean failure, so that the next delivery
    /// claims the event at once. [`Settled::LeaseLost`] (and no change) when
    /// another delivery claimed or completed the event since.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached; the claim then ends with its lease.
    fn release(&self, token: &ClaimToken) -> Result<Settled, Self::Error>;

    /// Forgets `(provider, event_id)` whatever its state, so that its next
    /// delivery is new again. `Ok(true)` when something was recorded.
    ///
    /// # Errors
    ///
    /// When the store cannot be reached.
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
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);

/// The fixed part of the margin [`ttl_for`] adds: 5 minutes, for clock skew
/// between machines and a sender's queueing delays.
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
