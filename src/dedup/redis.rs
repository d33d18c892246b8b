//! The Redis idempotency store, for receivers on several machines.

use std::fmt;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use ::redis::{Client, Connection, RedisError};

use super::scripts::{self, CLAIM, COMPLETE, DONE, RELEASE};
use super::{Claim, ClaimToken, IdempotencyStore, Settled};

/// An [`IdempotencyStore`] in Redis, shared by every receiver that uses the
/// same server. Each step is one atomic round trip: `SET <key> 1 NX PX <ttl
/// ms>` for `first_seen`, a Lua script for `claim`, `complete` and
/// `release` (the script is sent again only after the server lost it, e.g.
/// on a restart), `DEL` for `forget`.
///
/// Keys read `webhook-kit:<provider>:<event_id>`; the prefix is configurable
/// ([`RedisStore::with_prefix`]), and a `:` or `%` in the provider name is
/// percent-encoded so that no two `(provider, id)` pairs share a key. An id
/// longer than [`MAX_ID_LEN`](super::MAX_ID_LEN) bytes (or starting with
/// `#`) is keyed by its digest ([`stored_id`](super::stored_id)), so no
/// request grows a key beyond that, whatever id it carries.
///
/// The server bounds the total: set `maxmemory` with the `noeviction`
/// policy, so that a full server refuses new claims (an error, which
/// [`ExactlyOnce`](super::ExactlyOnce) answers with `503`: the sender
/// retries). Any eviction policy may evict a live claim (every key here has
/// an expiry, so the `volatile-*` policies reach them too) and hand an event
/// in progress to a second worker.
///
/// Connections use the `redis` crate's synchronous client: a few are kept
/// open between checks, and one that fails is dropped and replaced on the
/// next check. Each connect, read and write gives up after the timeout
/// ([`RedisStore::with_timeout`], by default 2 s: our choice), so a stalled
/// server fails the check instead of stalling the handler.
///
/// ```no_run
/// use std::time::Duration;
/// use webhook_kit::dedup::{IdempotencyStore, RedisStore};
///
/// let store = RedisStore::open("redis://127.0.0.1:6379/")?.with_prefix("shop-webhooks");
/// if store.first_seen("clickfunnels", "e1", Duration::from_secs(3600))? {
///     // process the event
/// }
/// # Ok::<(), redis::RedisError>(())
/// ```
pub struct RedisStore {
    client: Client,
    prefix: String,
    timeout: Duration,
    idle: Mutex<Vec<Connection>>,
}

/// The prefix of every key unless [`RedisStore::with_prefix`] says otherwise.
const DEFAULT_PREFIX: &str = "webhook-kit";

/// Our default for connecting, reading and writing.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

/// Open connections kept between checks.
const MAX_IDLE: usize = 8;

impl RedisStore {
    /// A store on the server at `url` (`redis://host:port/db`, with
    /// `redis://:password@host` or `redis://user:password@host` for
    /// authentication). Nothing is connected until the first check.
    ///
    /// # Errors
    ///
    /// When `url` is not a Redis URL.
    ///
    /// ```
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// // Only parses the URL; the first check connects.
    /// let store = RedisStore::open("redis://:s3cr3t@127.0.0.1:6379/2")?;
    /// assert!(RedisStore::open("http://127.0.0.1/").is_err());
    /// # drop(store);
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn open(url: &str) -> Result<Self, RedisError> {
        Ok(RedisStore::from_client(Client::open(url)?))
    }

    /// A store using an existing client.
    ///
    /// ```
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// let client = redis::Client::open("redis://127.0.0.1/")?;
    /// let store = RedisStore::from_client(client);
    /// assert_eq!(store.key("falu", "evt_1"), "webhook-kit:falu:evt_1");
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn from_client(client: Client) -> Self {
        RedisStore {
            client,
            prefix: DEFAULT_PREFIX.to_owned(),
            timeout: DEFAULT_TIMEOUT,
            idle: Mutex::new(Vec::new()),
        }
    }

    /// Puts keys under `prefix` instead of `webhook-kit`.
    ///
    /// ```
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// let store = RedisStore::open("redis://127.0.0.1/")?.with_prefix("shop");
    /// assert_eq!(store.key("falu", "evt_1"), "shop:falu:evt_1");
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    #[must_use]
    pub fn with_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sets the limit for connecting and for each read or write (default 2 s).
    /// A zero duration is taken as 1 ms.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// // Fail a check after 250 ms rather than the default 2 s.
    /// let store = RedisStore::open("redis://127.0.0.1/")?.with_timeout(Duration::from_millis(250));
    /// # drop(store);
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.max(Duration::from_millis(1));
        self
    }

    /// The key that records `(provider, event_id)`.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// let store = RedisStore::open("redis://127.0.0.1/")?;
    /// assert_eq!(store.key("falu", "evt_1"), "webhook-kit:falu:evt_1");
    /// assert_eq!(store.key("a:b", "c"), "webhook-kit:a%3Ab:c");
    /// // A 64 KiB id: keyed by its digest.
    /// assert_eq!(store.key("github", &"x".repeat(65_536)).len(), "webhook-kit:github:#".len() + 64);
    /// # Ok(())
    /// # }
    /// ```
    pub fn key(&self, provider: &str, event_id: &str) -> String {
        scripts::key(&self.prefix, provider, event_id)
    }

    /// Forgets `(provider, event_id)`, so that its next delivery is seen as
    /// the first (see the [module docs](super)). Returns whether it was known.
    ///
    /// # Errors
    ///
    /// When the server cannot be reached or answers with an error.
    ///
    /// ```no_run
    /// use webhook_kit::dedup::RedisStore;
    ///
    /// let store = RedisStore::open("redis://127.0.0.1:6379/")?;
    /// // A handler failed after recording the event: let the redelivery run it.
    /// if store.forget("falu", "evt_1")? {
    ///     println!("evt_1 will be processed on its next delivery");
    /// }
    /// # Ok::<(), redis::RedisError>(())
    /// ```
    pub fn forget(&self, provider: &str, event_id: &str) -> Result<bool, RedisError> {
        let key = self.key(provider, event_id);
        self.with_connection_retried(|con| ::redis::cmd("DEL").arg(&key).query::<u64>(con))
            .map(|deleted| deleted > 0)
    }

    /// Runs `f` on an idle connection or a new one; keeps the connection
    /// for later unless `f` failed on it.
    fn with_connection<T>(
        &self,
        f: impl FnOnce(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisError> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let mut con = match idle {
            Some(con) => con,
            None => self.connect()?,
        };
        let result = f(&mut con)?;
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < MAX_IDLE {
            idle.push(con);
        }
        Ok(result)
    }

    /// [`Self::with_connection`] for an idempotent step: when the connection
    /// breaks under it (an idle connection the server closed on a restart,
    /// a killed client, a reply lost), `f` runs once more on a new one.
    fn with_connection_retried<T>(
        &self,
        f: impl Fn(&mut Connection) -> Result<T, RedisError>,
    ) -> Result<T, RedisError> {
        match self.with_connection(&f) {
            Err(error) if scripts::worth_retrying(&error) => {
                // The other idle connections most likely broke the same way
                // (a restart closes them all): start afresh.
                self.idle
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .clear();
                self.with_connection(f)
            }
            result => result,
        }
    }

    fn connect(&self) -> Result<Connection, RedisError> {
        let con = self
            .client
            .get_connection_with_timeout(self.timeout)
            .map_err(|error| naming_server(&self.client, error))?;
        con.set_read_timeout(Some(self.timeout))?;
        con.set_write_timeout(Some(self.timeout))?;
        Ok(con)
    }
}

/// A failure to connect, saying that it was Redis and where: "Redis at
/// 127.0.0.1:6379: Connection refused (os error 111)" instead of the bare
/// I/O error. The address is the host and port (or socket path) only, never
/// the URL's credentials. An I/O error stays one, of the same kind, so
/// `is_connection_refusal` and `is_timeout` still answer.
pub(crate) fn naming_server(client: &Client, error: RedisError) -> RedisError {
    let addr = client.get_connection_info().addr();
    // redis keeps an I/O error behind an `Arc`, which is the source.
    type Shared = std::sync::Arc<dyn std::error::Error + Send + Sync>;
    let io_kind = std::error::Error::source(&error)
        .and_then(|source| {
            source.downcast_ref::<std::io::Error>().or_else(|| {
                source
                    .downcast_ref::<Shared>()
                    .and_then(|shared| shared.downcast_ref::<std::io::Error>())
            })
        })
        .map(std::io::Error::kind);
    match io_kind {
        Some(kind) => RedisError::from(std::io::Error::new(
            kind,
            format!("Redis at {addr}: {error}"),
        )),
        None => RedisError::from((error.kind(), "Redis", format!("at {addr}: {error}"))),
    }
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The connection info may hold a password: show only where keys go.
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

impl IdempotencyStore for RedisStore {
    type Error = RedisError;

    /// `SET <key> 1 NX PX <ttl>`: Redis answers `OK` when it created the key
    /// and nil when the key existed. The TTL is sent in milliseconds, at
    /// least 1 and at most about 100 years.
    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> Result<bool, RedisError> {
        let key = self.key(provider, event_id);
        self.with_connection(|con| {
            ::redis::cmd("SET")
                .arg(&key)
                .arg(DONE)
                .arg("NX")
                .arg("PX")
                .arg(scripts::expiry_ms(ttl))
                .query::<bool>(con)
        })
    }

    fn claim(&self, provider: &str, event_id: &str, lease: Duration) -> Result<Claim, RedisError> {
        let token = ClaimToken::new(provider, event_id);
        let answer = self.with_connection_retried(|con| {
            CLAIM
                .key(self.key(provider, event_id))
                .arg(scripts::claimed(token.as_str()))
                .arg(scripts::expiry_ms(lease))
                .invoke(con)
        })?;
        Ok(scripts::read_claim(answer, token))
    }

    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, RedisError> {
        let answer = self.with_connection_retried(|con| {
            COMPLETE
                .key(self.key(token.provider(), token.event_id()))
                .arg(scripts::claimed(token.as_str()))
                .arg(scripts::completed(token.as_str()))
                .arg(scripts::expiry_ms(ttl))
                .invoke(con)
        })?;
        Ok(scripts::read_settled(answer))
    }

    fn release(&self, token: &ClaimToken) -> Result<Settled, RedisError> {
        let answer = self.with_connection_retried(|con| {
            RELEASE
                .key(self.key(token.provider(), token.event_id()))
                .arg(scripts::claimed(token.as_str()))
                .invoke(con)
        })?;
        Ok(scripts::read_settled(answer))
    }

    fn forget(&self, provider: &str, event_id: &str) -> Result<bool, RedisError> {
        RedisStore::forget(self, provider, event_id)
    }
}
