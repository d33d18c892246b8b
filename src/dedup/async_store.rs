//! The idempotency store for async handlers.

use std::future::{Future, ready};
use std::sync::Arc;
use std::time::Duration;

use super::{Claim, ClaimToken, IdempotencyStore, MemoryStore, Settled, StoreFull};

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
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{AsyncIdempotencyStore, MemoryStore};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::default();
    /// let day = Duration::from_secs(86_400);
    /// assert_eq!(AsyncIdempotencyStore::first_seen(&store, "falu", "evt_1", day).await, Ok(true));
    /// assert_eq!(AsyncIdempotencyStore::first_seen(&store, "falu", "evt_1", day).await, Ok(false));
    /// # });
    /// ```
    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;

    /// As [`IdempotencyStore::claim`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{AsyncIdempotencyStore, Claim, MemoryStore};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(30);
    /// let first = AsyncIdempotencyStore::claim(&store, "standard", "msg_1", lease).await;
    /// assert!(matches!(first, Ok(Claim::Claimed(_))));
    /// // A second delivery while the first is being handled.
    /// let second = AsyncIdempotencyStore::claim(&store, "standard", "msg_1", lease).await;
    /// assert!(matches!(second, Ok(Claim::InProgress { .. })));
    /// # });
    /// ```
    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send;

    /// As [`IdempotencyStore::complete`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{AsyncIdempotencyStore, Claim, MemoryStore, Settled};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(30);
    /// let Ok(Claim::Claimed(token)) = AsyncIdempotencyStore::claim(&store, "falu", "evt_1", lease).await
    /// else {
    ///     unreachable!()
    /// };
    /// let day = Duration::from_secs(86_400);
    /// assert_eq!(AsyncIdempotencyStore::complete(&store, &token, day).await, Ok(Settled::Applied));
    /// let again = AsyncIdempotencyStore::claim(&store, "falu", "evt_1", lease).await;
    /// assert_eq!(again, Ok(Claim::Done));
    /// # });
    /// ```
    fn complete(
        &self,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send;

    /// As [`IdempotencyStore::release`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{AsyncIdempotencyStore, Claim, MemoryStore, Settled};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(30);
    /// let Ok(Claim::Claimed(token)) = AsyncIdempotencyStore::claim(&store, "falu", "evt_1", lease).await
    /// else {
    ///     unreachable!()
    /// };
    /// // Processing failed: give the event back so that the redelivery runs it.
    /// assert_eq!(AsyncIdempotencyStore::release(&store, &token).await, Ok(Settled::Applied));
    /// let retry = AsyncIdempotencyStore::claim(&store, "falu", "evt_1", lease).await;
    /// assert!(matches!(retry, Ok(Claim::Claimed(_))));
    /// # });
    /// ```
    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send;

    /// As [`IdempotencyStore::forget`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{AsyncIdempotencyStore, MemoryStore};
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let store = MemoryStore::default();
    /// let day = Duration::from_secs(86_400);
    /// AsyncIdempotencyStore::first_seen(&store, "falu", "evt_1", day).await?;
    /// assert_eq!(AsyncIdempotencyStore::forget(&store, "falu", "evt_1").await, Ok(true));
    /// assert_eq!(AsyncIdempotencyStore::first_seen(&store, "falu", "evt_1", day).await, Ok(true));
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// # }).unwrap();
    /// ```
    fn forget(
        &self,
        provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send;
}

/// Every step is a short critical section: answered at once.
impl AsyncIdempotencyStore for MemoryStore {
    type Error = StoreFull;

    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, StoreFull>> + Send {
        ready(IdempotencyStore::first_seen(self, provider, event_id, ttl))
    }

    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, StoreFull>> + Send {
        ready(IdempotencyStore::claim(self, provider, event_id, lease))
    }

    fn complete(
        &self,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<Settled, StoreFull>> + Send {
        ready(IdempotencyStore::complete(self, token, ttl))
    }

    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, StoreFull>> + Send {
        ready(IdempotencyStore::release(self, token))
    }

    fn forget(
        &self,
        provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, StoreFull>> + Send {
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
