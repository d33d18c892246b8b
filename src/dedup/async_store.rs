//! The idempotency store for async handlers.

use std::convert::Infallible;
use std::future::{Future, ready};
use std::sync::Arc;
use std::time::Duration;

use super::{Claim, ClaimToken, IdempotencyStore, MemoryStore, Settled};

/// [`IdempotencyStore`] for async handlers (axum, actix-web, hyper): the
/// same protocol, with methods that return futures, so that waiting for the
/// store never blocks a runtime's worker thread.
///
/// The futures are `Send`, so handlers that hold them stay `Send`.
/// Implemented by [`MemoryStore`] (ready at once, no runtime needed) and,
/// with the `redis-async` feature, by `AsyncRedisStore`.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::{AsyncIdempotencyStore, Claim, MemoryStore};
///
/// async fn handle<S: AsyncIdempotencyStore>(store: &S, id: &str) -> Result<bool, S::Error> {
///     match store.claim("standard", id, Duration::from_secs(15)).await? {
///         Claim::Claimed(token) => {
///             // ... process ...
///             store.complete(&token, Duration::from_secs(86_400)).await?;
///             Ok(true)
///         }
///         Claim::InProgress { .. } | Claim::Done => Ok(false),
///     }
/// }
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = MemoryStore::default();
/// assert_eq!(handle(&store, "msg_1").await, Ok(true));
/// assert_eq!(handle(&store, "msg_1").await, Ok(false));
/// # });
/// ```
pub trait AsyncIdempotencyStore {
    /// The store's error.
    type Error: std::error::Error + Send + Sync + 'static;

    /// As [`IdempotencyStore::first_seen`], with the same risk: the event
    /// counts as done before it is processed.
    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// As [`IdempotencyStore::claim`].
    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send;

    /// As [`IdempotencyStore::complete`].
    fn complete(
        &self,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send;

    /// As [`IdempotencyStore::release`].
    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send;

    /// As [`IdempotencyStore::forget`].
    fn forget(
        &self,
        provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

/// Every step is a short critical section: answered at once.
impl AsyncIdempotencyStore for MemoryStore {
    type Error = Infallible;

    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, Infallible>> + Send {
        ready(IdempotencyStore::first_seen(self, provider, event_id, ttl))
    }

    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, Infallible>> + Send {
        ready(IdempotencyStore::claim(self, provider, event_id, lease))
    }

    fn complete(
        &self,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<Settled, Infallible>> + Send {
        ready(IdempotencyStore::complete(self, token, ttl))
    }

    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, Infallible>> + Send {
        ready(IdempotencyStore::release(self, token))
    }

    fn forget(
        &self,
        provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Infallible>> + Send {
        ready(IdempotencyStore::forget(self, provider, event_id))
    }
}

/// Forwards every method to the store behind a reference or an [`Arc`].
macro_rules! forward_async_store {
    ($($ty:ty),+) => {$(
        impl<S: AsyncIdempotencyStore + Sync + ?Sized> AsyncIdempotencyStore for $ty {
            type Error = S::Error;

            fn first_seen(&self, provider: &str, event_id: &str, ttl: Duration)
                -> impl Future<Output = Result<bool, S::Error>> + Send {
                (**self).first_seen(provider, event_id, ttl)
            }

            fn claim(&self, provider: &str, event_id: &str, lease: Duration)
                -> impl Future<Output = Result<Claim, S::Error>> + Send {
                (**self).claim(provider, event_id, lease)
            }

            fn complete(&self, token: &ClaimToken, ttl: Duration)
                -> impl Future<Output = Result<Settled, S::Error>> + Send {
                (**self).complete(token, ttl)
            }

            fn release(&self, token: &ClaimToken)
                -> impl Future<Output = Result<Settled, S::Error>> + Send {
                (**self).release(token)
            }

            fn forget(&self, provider: &str, event_id: &str)
                -> impl Future<Output = Result<bool, S::Error>> + Send {
                (**self).forget(provider, event_id)
            }
        }
    )+};
}

forward_async_store!(&S, Arc<S>);
