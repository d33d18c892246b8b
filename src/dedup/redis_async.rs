//! The Redis idempotency store for async handlers.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use ::redis::aio::{ConnectionManager, ConnectionManagerConfig};
use ::redis::{Client, RedisError};

use super::scripts::{self, CLAIM, COMPLETE, DONE, RELEASE};
use super::{AsyncIdempotencyStore, Claim, ClaimToken, Settled};

/// An [`AsyncIdempotencyStore`] in Redis (feature `redis-async`): the same
/// keys, values and scripts as `RedisStore`, so sync and async receivers
/// can share one server, over redis's tokio [`ConnectionManager`], which
/// reconnects by itself after a dropped connection or a server restart.
///
/// Each command gives up after the timeout (by default 2 s: our choice),
/// and the manager tries to reconnect a few times before an operation
/// fails, so a stalled server fails the step instead of stalling the
/// handler. Needs a tokio runtime.
///
/// ```no_run
/// use std::time::Duration;
/// use webhook_kit::dedup::{AsyncIdempotencyStore, AsyncRedisStore};
///
/// # async fn run() -> Result<(), redis::RedisError> {
/// let store = AsyncRedisStore::connect("redis://127.0.0.1:6379/").await?;
/// if store.first_seen("clickfunnels", "e1", Duration::from_secs(3600)).await? {
///     // process the event
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct AsyncRedisStore {
    manager: ConnectionManager,
    prefix: String,
}

/// The prefix of every key unless [`AsyncRedisStore::with_prefix`] says
/// otherwise (the same as `RedisStore`'s).
const DEFAULT_PREFIX: &str = "webhook-kit";

/// Our default for connecting and for each command.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Reconnection attempts before an operation fails: our choice, few, so
/// that a handler answers 503 quickly while the server is down.
const RECONNECT_TRIES: usize = 2;

impl AsyncRedisStore {
    /// Connects to the server at `url` (as `RedisStore::open`), with a 2 s
    /// timeout for connecting and for each command.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// let store = webhook_kit::dedup::AsyncRedisStore::connect("redis://127.0.0.1/").await?;
    /// # let _ = store; Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL or the server cannot be reached; the
    /// message then names Redis and the address: `Redis at
    /// 127.0.0.1:6379: Connection refused (os error 111)`.
    pub async fn connect(url: &str) -> Result<Self, RedisError> {
        Self::connect_with_timeout(url, DEFAULT_TIMEOUT).await
    }

    /// [`AsyncRedisStore::connect`] with another timeout (a zero duration is
    /// taken as 1 ms).
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// use std::time::Duration;
    /// use webhook_kit::dedup::AsyncRedisStore;
    ///
    /// let store = AsyncRedisStore::connect_with_timeout("redis://127.0.0.1/", Duration::from_millis(500)).await?;
    /// # let _ = store; Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL or the server cannot be reached.
    pub async fn connect_with_timeout(url: &str, timeout: Duration) -> Result<Self, RedisError> {
        let timeout = timeout.max(Duration::from_millis(1));
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(RECONNECT_TRIES);
        let client = Client::open(url)?;
        let manager = ConnectionManager::new_with_config(client.clone(), config)
            .await
            .map_err(|error| super::redis::naming_server(&client, error))?;
        Ok(Self::from_manager(manager))
    }

    /// A store on an existing connection manager, configured as you like.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// let client = redis::Client::open("redis://127.0.0.1/")?;
    /// let manager = redis::aio::ConnectionManager::new(client).await?;
    /// let store = webhook_kit::dedup::AsyncRedisStore::from_manager(manager);
    /// # let _ = store; Ok(())
    /// # }
    /// ```
    pub fn from_manager(manager: ConnectionManager) -> Self {
        AsyncRedisStore {
            manager,
            prefix: DEFAULT_PREFIX.to_owned(),
        }
    }

    /// Puts keys under `prefix` instead of `webhook-kit`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// use webhook_kit::dedup::AsyncRedisStore;
    ///
    /// let store = AsyncRedisStore::connect("redis://127.0.0.1/").await?.with_prefix("shop");
    /// assert_eq!(store.key("falu", "evt_1"), "shop:falu:evt_1");
    /// # Ok(())
    /// # }
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// The key that records `(provider, event_id)`: the same as
    /// `RedisStore::key`.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), redis::RedisError> {
    /// let store = webhook_kit::dedup::AsyncRedisStore::connect("redis://127.0.0.1/").await?;
    /// assert_eq!(store.key("a:b", "c"), "webhook-kit:a%3Ab:c");
    /// # Ok(())
    /// # }
    /// ```
    pub fn key(&self, provider: &str, event_id: &str) -> String {
        scripts::key(&self.prefix, provider, event_id)
    }
}

impl fmt::Debug for AsyncRedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection info may hold a password: show only where keys go.
        f.debug_struct("AsyncRedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl AsyncIdempotencyStore for AsyncRedisStore {
    type Error = RedisError;

    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> impl Future<Output = Result<bool, RedisError>> + Send {
        let mut con = self.manager.clone();
        let mut cmd = ::redis::cmd("SET");
        cmd.arg(self.key(provider, event_id))
            .arg(DONE)
            .arg("NX")
            .arg("PX")
            .arg(scripts::expiry_ms(ttl));
        async move { cmd.query_async::<bool>(&mut con).await }
    }

    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
    ) -> impl Future<Output = Result<Claim, RedisError>> + Send {
        let con = self.manager.clone();
        let key = self.key(provider, event_id);
        let token = ClaimToken::new(provider, event_id);
        async move {
            let mut step = CLAIM.key(key);
            step.arg(scripts::claimed(token.as_str()))
                .arg(scripts::expiry_ms(lease));
            let answer = retried(con, &step).await?;
            Ok(scripts::read_claim(answer, token))
        }
    }

    fn complete(
        &self,
        token: &ClaimToken,
        ttl: Duration,
    ) -> impl Future<Output = Result<Settled, RedisError>> + Send {
        let con = self.manager.clone();
        let mut step = COMPLETE.key(self.key(token.provider(), token.event_id()));
        step.arg(scripts::claimed(token.as_str()))
            .arg(scripts::completed(token.as_str()))
            .arg(scripts::expiry_ms(ttl));
        async move { Ok(scripts::read_settled(retried(con, &step).await?)) }
    }

    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, RedisError>> + Send {
        let con = self.manager.clone();
        let mut step = RELEASE.key(self.key(token.provider(), token.event_id()));
        step.arg(scripts::claimed(token.as_str()));
        async move { Ok(scripts::read_settled(retried(con, &step).await?)) }
    }

    fn forget(
        &self,
        provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, RedisError>> + Send {
        let mut con = self.manager.clone();
        let mut cmd = ::redis::cmd("DEL");
        cmd.arg(self.key(provider, event_id));
        async move { Ok(cmd.query_async::<u64>(&mut con).await? > 0) }
    }
}

/// Runs an idempotent script step; when the connection breaks under it (a
/// restart, a killed client, a reply lost), runs it once more, on the
/// connection the manager makes in its place.
async fn retried<T: ::redis::FromRedisValue>(
    mut con: ConnectionManager,
    step: &::redis::ScriptInvocation<'static>,
) -> Result<T, RedisError> {
    match step.invoke_async(&mut con).await {
        Err(error) if scripts::worth_retrying(&error) => step.invoke_async(&mut con).await,
        result => result,
    }
}
