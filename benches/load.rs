//! A receiver under load: an axum receiver on 127.0.0.1, and a load generator in the same program sending signed 4 KiB
//! Standard Webhooks deliveries over keep-alive HTTP/1.1 connections, every
//! event twice: the second copy is a redelivery, sent by the next
//! connection once the first copy was answered, as a sender redelivers an
//! attempt whose reply it lost.
//!
//! Five configurations, one after the other, each on a fresh server:
//!
//! 1. `memory`: the `RoutedWebhook` extractor, `ExactlyOnce::run_async`
//!    over `MemoryStore`;
//! 2. `redis`: the same flow with `ExactlyOnce::run_async` over
//!    `AsyncRedisStore`, against a `redis-server` this program starts in a
//!    temp dir and stops at the end (skipped, saying so, without one);
//! 3. `floor`: the same server, route and client, with the same work written
//!    by hand, without the crate: a pre-keyed `hmac` + `sha2` HMAC-SHA256
//!    over `id.timestamp.body` with the 5-minute window and a constant-time
//!    compare, `serde_json` into a struct, and a `Mutex<HashSet>` of event
//!    ids claimed before the effect (released if it fails). `memory` /
//!    `floor` is the figure that speaks of the crate's cost;
//!    `floor-value`: the floor with the event's data parsed into a
//!    `serde_json::Value` rather than kept raw, as the crate's
//!    `UnknownEvent::data` gives it to the handler (informative: how much
//!    of the gap is that one difference in what the handler receives);
//!    `extractor`: the crate's `RoutedWebhook` extractor (verification,
//!    parse, routing), then the floor's `Mutex<HashSet>` instead of
//!    `ExactlyOnce` (informative: which half of the crate the gap is in);
//!    `flow-set`: the crate's extractor and `ExactlyOnce`, over a store
//!    that is only a `Mutex<HashSet>` (no leases, expiry or bounds):
//!    informative, the flow's cost apart from `MemoryStore`'s;
//!    `redis-floor`: the same hand-written work deduplicating in Redis
//!    instead (a fresh `redis-server`, as `redis`): one `SET <key> 1 NX PX
//!    <ttl>` claims the event before the effect, a `DEL` releases it if the
//!    effect fails, over the same `redis` connection manager the crate
//!    uses. `redis` / `redis-floor` is the Redis figure's fair comparison
//!    (the crate makes two round trips per new event, a claim with a lease
//!    and its completion, so that a handler that dies mid-effect does not
//!    hold the event for the whole TTL; the floor makes one);
//! 4. `baseline`: the same server and route, with a handler that reads the
//!    body and answers 200, without verification or deduplication (an
//!    informative second ratio: the cost of the work itself);
//! 5. `inbox` (with the `postgres` feature): the example's handler with
//!    `dedup::inbox::Inbox::run` writing each event's effect (a row) in the
//!    transaction that records it, against a Postgres this program starts
//!    (`initdb` in a temp dir, `fsync` on, as `tests/pg_server` does) and
//!    stops; processed-once is counted from the effects table.
//!
//! For each: requests/s and p50/p99 latency as the client measured them,
//! and from the handler's own counters whether every event was processed
//! exactly once. Ends with a markdown table for BENCHMARKS.md.
//!
//! ```sh
//! cargo bench --features axum,redis-async --bench load
//! LOAD_SECONDS=2 LOAD_CONNECTIONS=16 cargo bench --features axum,redis-async --bench load
//! LOAD_ONLY=inbox LOAD_SECONDS=5 LOAD_CONNECTIONS=16 cargo bench --features axum,redis-async,postgres --bench load
//! ```
//!
//! Settings (environment): `LOAD_SECONDS` measured seconds per configuration
//! (default 10, at most 600), `LOAD_WARMUP` seconds of warm-up before them
//! (default 2, at most 3), `LOAD_CONNECTIONS` (default 64, at most 1024),
//! `LOAD_ONLY` a comma-separated subset of
//! `memory,redis,floor,floor-value,extractor,flow-set,redis-floor,baseline,inbox` (to
//! profile one configuration under `perf`), `LOAD_STORE_ENTRIES` the
//! `memory` configuration's `MemoryStore` capacity (default 100,000; more
//! than a run's events, and the store never evicts).
//! Only 127.0.0.1 is contacted; every request has a timeout, every event a
//! bounded number of attempts, every configuration a hard time limit.

#[cfg(feature = "postgres")]
#[path = "../tests/pg_server/mod.rs"]
mod pg_server;

use std::collections::{HashSet, VecDeque};
use std::error::Error;
use std::net::{SocketAddr, TcpListener as StdListener};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{FromRef, Path, State};
use axum::response::IntoResponse;
use axum::routing::post;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use sha2::Sha256;
use subtle::ConstantTimeEq;
use time::OffsetDateTime;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use webhook_kit::axum::RoutedWebhook;
use webhook_kit::dedup::{
    AsyncIdempotencyStore, AsyncRedisStore, Claim, ClaimToken, MemoryStore, Settled,
};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Receivers, Rejection, WebhookEvent};

type BoxError = Box<dyn Error + Send + Sync>;

/// The Standard Webhooks secret of the receiver and the generator.
const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// The size of every delivery's body.
const BODY_SIZE: usize = 4 << 10;
/// The route the generator posts to (the examples' Standard Webhooks route).
const PATH: &str = "/webhooks/standard";
/// Event ids are this prefix and the event's number.
const ID_PREFIX: &str = "msg_load_";
/// The most events one configuration creates (the ledger's size, 16 MiB of
/// counters); past it the generator only finishes redeliveries.
const MAX_EVENTS: usize = 1 << 22;
/// Attempts per copy of an event before the client gives up on it.
const MAX_ATTEMPTS: u32 = 20;
/// The longest a request may take before the client counts it failed.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// How long after its measured window a configuration may take to send its
/// last redeliveries and stop.
const DRAIN_LIMIT: Duration = Duration::from_secs(30);

/// How long and how wide to load the receiver.
#[derive(Debug, Clone, Copy)]
struct Settings {
    warmup: Duration,
    measured: Duration,
    connections: usize,
    only: Option<&'static str>,
}

impl Settings {
    /// Whether `LOAD_ONLY` (when set) names the configuration.
    fn runs(&self, name: &str) -> bool {
        self.only
            .is_none_or(|only| only.split(',').any(|n| n.trim() == name))
    }
}

impl Settings {
    /// From `LOAD_SECONDS`, `LOAD_WARMUP` and `LOAD_CONNECTIONS`, bounded.
    fn from_env() -> Self {
        let read = |name: &str, default: u64, min: u64, max: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(default)
                .clamp(min, max)
        };
        Settings {
            warmup: Duration::from_secs(read("LOAD_WARMUP", 2, 0, 3)),
            measured: Duration::from_secs(read("LOAD_SECONDS", 10, 1, 600)),
            connections: usize::try_from(read("LOAD_CONNECTIONS", 64, 1, 1024)).unwrap_or(64),
            // Leaked once, so that the settings stay `Copy`.
            only: std::env::var("LOAD_ONLY")
                .ok()
                .map(|only| &*Box::leak(only.into_boxed_str())),
        }
    }
}

fn main() -> Result<(), BoxError> {
    let settings = Settings::from_env();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(run_all(settings))
}

/// Runs the configurations and prints the report.
async fn run_all(settings: Settings) -> Result<(), BoxError> {
    let sender = Arc::new(Sender::new()?);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!(
        "load: {} connections, {} s warm-up + {} s measured per configuration, \
         {BODY_SIZE} B Standard Webhooks deliveries, each event sent twice; \
         client and server share {cores} core(s) on 127.0.0.1",
        settings.connections,
        settings.warmup.as_secs(),
        settings.measured.as_secs()
    );
    println!(
        "client: signing costs {:.1} µs per event (once per event, in every configuration)",
        sender.signing_cost().as_secs_f64() * 1e6
    );

    let mut results = Vec::new();

    if settings.runs("memory") {
        let ledger = Arc::new(Ledger::new());
        let router = memory_router(&ledger)?;
        results.push(run("memory", router, ledger, sender.clone(), settings).await?);
    }

    if settings.runs("redis") {
        match RedisServer::start().await {
            Ok(redis) => {
                let ledger = Arc::new(Ledger::new());
                let router = redis_router(&ledger, &redis.url).await?;
                results.push(run("redis", router, ledger, sender.clone(), settings).await?);
                drop(redis);
            }
            Err(reason) => println!("redis: skipped: {reason}"),
        }
    }

    #[cfg(feature = "postgres")]
    if settings.runs("inbox") {
        match inbox::start().await {
            Ok((server, pool)) => {
                let router = inbox::router(pool.clone())?;
                let mut outcome = run(
                    "inbox",
                    router,
                    Arc::new(Ledger::new()),
                    sender.clone(),
                    settings,
                )
                .await?;
                outcome.tally = inbox::tally(&pool, outcome.events).await?;
                results.push(outcome);
                pool.close().await;
                drop(server);
            }
            Err(reason) => println!("inbox: skipped: {reason}"),
        }
    }

    if settings.runs("floor") {
        let ledger = Arc::new(Ledger::new());
        let router = floor_router::<Box<RawValue>>(&ledger)?;
        results.push(run("floor", router, ledger, sender.clone(), settings).await?);
    }

    if settings.runs("flow-set") {
        let ledger = Arc::new(Ledger::new());
        let router = dedup_router(&ledger, SetStore::default())?;
        results.push(run("flow-set", router, ledger, sender.clone(), settings).await?);
    }

    if settings.runs("extractor") {
        let ledger = Arc::new(Ledger::new());
        let router = extractor_router(&ledger)?;
        results.push(run("extractor", router, ledger, sender.clone(), settings).await?);
    }

    if settings.runs("floor-value") {
        let ledger = Arc::new(Ledger::new());
        let router = floor_router::<serde_json::Value>(&ledger)?;
        results.push(run("floor-value", router, ledger, sender.clone(), settings).await?);
    }

    if settings.runs("redis-floor") {
        match RedisServer::start().await {
            Ok(redis) => {
                let ledger = Arc::new(Ledger::new());
                let router = redis_floor_router(&ledger, &redis.url).await?;
                results.push(run("redis-floor", router, ledger, sender.clone(), settings).await?);
                drop(redis);
            }
            Err(reason) => println!("redis-floor: skipped: {reason}"),
        }
    }

    if settings.runs("baseline") {
        let ledger = Arc::new(Ledger::new());
        let router = baseline_router(&ledger);
        results.push(run("baseline", router, ledger, sender, settings).await?);
    }

    report(&results, settings);
    Ok(())
}

// ---------------------------------------------------------------------------
// The servers.

/// The receivers every configuration that uses the crate routes to: one
/// Standard Webhooks receiver holding [`SECRET`], as `standard`.
fn standard_receivers() -> Result<Arc<Receivers>, BoxError> {
    Ok(Arc::new(
        Receivers::new().with_receiver("standard", StandardWebhooks::new(SECRET)?),
    ))
}

/// Configurations 1 and 2's state: the receivers, the store of event ids,
/// the ledger.
#[derive(Clone)]
struct DedupApp<S> {
    receivers: Arc<Receivers>,
    store: S,
    ledger: Arc<Ledger>,
}

impl<S> FromRef<DedupApp<S>> for Arc<Receivers> {
    fn from_ref(app: &DedupApp<S>) -> Self {
        Arc::clone(&app.receivers)
    }
}

/// `POST /webhooks/{provider}` over `store`: verify, then `ExactlyOnce`
/// counting each event in the ledger.
fn dedup_router<S>(ledger: &Arc<Ledger>, store: S) -> Result<axum::Router, BoxError>
where
    S: AsyncIdempotencyStore + Clone + Send + Sync + 'static,
{
    let app = DedupApp {
        receivers: standard_receivers()?,
        store,
        ledger: Arc::clone(ledger),
    };
    Ok(axum::Router::new()
        .route("/webhooks/{provider}", post(dedup_webhook::<S>))
        .with_state(app))
}

/// Configuration 1: `ExactlyOnce::run_async` over `MemoryStore`.
fn memory_router(ledger: &Arc<Ledger>) -> Result<axum::Router, BoxError> {
    let entries = std::env::var("LOAD_STORE_ENTRIES")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(100_000)
        .clamp(1_000, 10_000_000);
    dedup_router(ledger, Arc::new(MemoryStore::new(entries)))
}

/// Configuration 2: `ExactlyOnce::run_async` over `AsyncRedisStore`.
async fn redis_router(ledger: &Arc<Ledger>, url: &str) -> Result<axum::Router, BoxError> {
    dedup_router(ledger, AsyncRedisStore::connect(url).await?)
}

async fn dedup_webhook<S>(
    State(app): State<DedupApp<S>>,
    hook: Result<RoutedWebhook, Rejection>,
) -> Result<impl IntoResponse, Rejection>
where
    S: AsyncIdempotencyStore + Clone + Send + Sync + 'static,
{
    let hook = hook?;
    let id = hook.event.id();
    let handled = hook
        .exactly_once(&app.store)
        .run_async(&id, || async { app.ledger.record(&id) })
        .await;
    Ok(handled)
}

/// The `extractor` configuration's state: the crate's receivers, the
/// floor's set of ids, the ledger.
#[derive(Clone)]
struct ExtractorApp {
    receivers: Arc<Receivers>,
    seen: Arc<Mutex<HashSet<String>>>,
    ledger: Arc<Ledger>,
}

impl FromRef<ExtractorApp> for Arc<Receivers> {
    fn from_ref(app: &ExtractorApp) -> Self {
        Arc::clone(&app.receivers)
    }
}

/// The `extractor` configuration: the crate's extractor (verification and
/// parse), then the floor's `Mutex<HashSet>` instead of `ExactlyOnce`.
fn extractor_router(ledger: &Arc<Ledger>) -> Result<axum::Router, BoxError> {
    let app = ExtractorApp {
        receivers: standard_receivers()?,
        seen: Arc::new(Mutex::new(HashSet::new())),
        ledger: Arc::clone(ledger),
    };
    Ok(axum::Router::new()
        .route("/webhooks/{provider}", post(extractor_webhook))
        .with_state(app))
}

async fn extractor_webhook(
    State(app): State<ExtractorApp>,
    hook: Result<RoutedWebhook, Rejection>,
) -> StatusCode {
    let Ok(hook) = hook else {
        return StatusCode::UNAUTHORIZED;
    };
    let id = hook.event.id();
    claim_then_record(&app.seen, &app.ledger, &id)
}

/// The floors' deduplication: claim `id` in `seen`, record it, release it
/// if recording failed.
fn claim_then_record(seen: &Mutex<HashSet<String>>, ledger: &Ledger, id: &str) -> StatusCode {
    let claimed = seen.lock().is_ok_and(|mut seen| seen.insert(id.to_owned()));
    if !claimed {
        return StatusCode::OK;
    }
    match ledger.record(id) {
        Ok(()) => StatusCode::OK,
        Err(_) => {
            if let Ok(mut seen) = seen.lock() {
                seen.remove(id);
            }
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Configuration 3's state: the pre-keyed MAC, the ids seen, the ledger.
#[derive(Clone)]
struct FloorApp {
    prepared: Hmac<Sha256>,
    seen: Arc<Mutex<HashSet<String>>>,
    ledger: Arc<Ledger>,
}

/// The event as a hand-written receiver reads it: the type, the time, and
/// the data, as `D`: raw JSON (`Box<RawValue>`, the cheapest a hand-written
/// receiver can keep it) in `floor`, a parsed `serde_json::Value` (what the
/// crate's `UnknownEvent::data` gives the handler) in `floor-value`.
#[derive(Deserialize)]
#[allow(dead_code, reason = "read to be measured")]
struct FloorEvent<D> {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(with = "time::serde::rfc3339")]
    timestamp: OffsetDateTime,
    data: D,
}

/// Configuration 3: verification, parsing and deduplication by hand, the
/// event's data read as `D`.
fn floor_router<D>(ledger: &Arc<Ledger>) -> Result<axum::Router, BoxError>
where
    D: DeserializeOwned + 'static,
{
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.strip_prefix("whsec_").ok_or("a whsec_ secret")?)?;
    let app = FloorApp {
        prepared: Hmac::<Sha256>::new_from_slice(&key)?,
        seen: Arc::new(Mutex::new(HashSet::new())),
        ledger: Arc::clone(ledger),
    };
    Ok(axum::Router::new()
        .route("/webhooks/{provider}", post(floor_webhook::<D>))
        .with_state(app))
}

/// The Standard Webhooks check, written directly: the message id when
/// `headers` carry a signature of `body` made within 5 minutes of now.
fn floor_verify<'h>(
    prepared: &Hmac<Sha256>,
    headers: &'h HeaderMap,
    body: &[u8],
) -> Option<&'h str> {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let (id, timestamp) = (text("webhook-id")?, text("webhook-timestamp")?);
    let sent: i64 = timestamp.parse().ok()?;
    if (OffsetDateTime::now_utc().unix_timestamp() - sent).abs() > 5 * 60 {
        return None;
    }
    let mut mac = prepared.clone();
    for piece in [id.as_bytes(), b".", timestamp.as_bytes(), b".", body] {
        mac.update(piece);
    }
    let expected = mac.finalize().into_bytes();
    let signed = text("webhook-signature")?.split(' ').any(|entry| {
        let mut tag = [0u8; 32];
        entry.strip_prefix("v1,").is_some_and(|encoded| {
            base64::engine::general_purpose::STANDARD.decode_slice(encoded, &mut tag) == Ok(32)
                && bool::from(tag.ct_eq(&expected))
        })
    });
    signed.then_some(id)
}

/// The floors' verification and parse: the event id of an authentic
/// delivery whose body reads as the event, or the status to answer.
fn floor_accept<'h, D: DeserializeOwned>(
    prepared: &Hmac<Sha256>,
    headers: &'h HeaderMap,
    body: &[u8],
) -> Result<&'h str, StatusCode> {
    let id = floor_verify(prepared, headers, body).ok_or(StatusCode::UNAUTHORIZED)?;
    serde_json::from_slice::<FloorEvent<D>>(body).map_err(|_| StatusCode::BAD_REQUEST)?;
    Ok(id)
}

async fn floor_webhook<D: DeserializeOwned>(
    State(app): State<FloorApp>,
    Path(_provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let id = match floor_accept::<D>(&app.prepared, &headers, &body) {
        Ok(id) => id,
        Err(status) => return status,
    };
    claim_then_record(&app.seen, &app.ledger, id)
}

/// The `redis-floor` configuration's state: the pre-keyed MAC, a Redis
/// connection manager, the ledger.
#[derive(Clone)]
struct RedisFloorApp {
    prepared: Hmac<Sha256>,
    redis: redis::aio::ConnectionManager,
    ledger: Arc<Ledger>,
}

/// How long the `redis-floor` remembers an event: a day, longer than the
/// run, so every redelivery finds its event.
const REDIS_FLOOR_TTL_MS: u64 = 24 * 3600 * 1000;

/// The same verification and parse as `floor`, deduplicating in Redis
/// with one `SET NX` per event, over a connection manager with the
/// crate's timeouts (2 s to connect and per command).
async fn redis_floor_router(ledger: &Arc<Ledger>, url: &str) -> Result<axum::Router, BoxError> {
    let key = base64::engine::general_purpose::STANDARD
        .decode(SECRET.strip_prefix("whsec_").ok_or("a whsec_ secret")?)?;
    let config = redis::aio::ConnectionManagerConfig::new()
        .set_connection_timeout(Some(Duration::from_secs(2)))
        .set_response_timeout(Some(Duration::from_secs(2)));
    let redis =
        redis::aio::ConnectionManager::new_with_config(redis::Client::open(url)?, config).await?;
    let app = RedisFloorApp {
        prepared: Hmac::<Sha256>::new_from_slice(&key)?,
        redis,
        ledger: Arc::clone(ledger),
    };
    Ok(axum::Router::new()
        .route("/webhooks/{provider}", post(redis_floor_webhook))
        .with_state(app))
}

/// Claims the event with `SET <key> 1 NX PX <ttl>` before the effect (a
/// copy that finds the key answers 200 without it), releases it with `DEL`
/// if the effect fails; a Redis error answers 503, so the sender retries.
async fn redis_floor_webhook(
    State(app): State<RedisFloorApp>,
    Path(_provider): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let id = match floor_accept::<Box<RawValue>>(&app.prepared, &headers, &body) {
        Ok(id) => id,
        Err(status) => return status,
    };
    let key = format!("floor:standard:{id}");
    let mut con = app.redis.clone();
    let claimed = redis::cmd("SET")
        .arg(&key)
        .arg(1)
        .arg("NX")
        .arg("PX")
        .arg(REDIS_FLOOR_TTL_MS)
        .query_async::<bool>(&mut con)
        .await;
    match claimed {
        Ok(true) => {}
        Ok(false) => return StatusCode::OK,
        Err(_) => return StatusCode::SERVICE_UNAVAILABLE,
    }
    match app.ledger.record(id) {
        Ok(()) => StatusCode::OK,
        Err(_) => {
            let _ = redis::cmd("DEL")
                .arg(&key)
                .query_async::<i64>(&mut con)
                .await;
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }
}

/// Configuration 4: the same route shape, a handler that reads the body
/// and answers 200. It counts each delivery by its `webhook-id` header so
/// that lost requests still show.
fn baseline_router(ledger: &Arc<Ledger>) -> axum::Router {
    axum::Router::new()
        .route("/webhooks/{provider}", post(baseline_webhook))
        .with_state(Arc::clone(ledger))
}

async fn baseline_webhook(
    State(ledger): State<Arc<Ledger>>,
    Path(_provider): Path<String>,
    headers: HeaderMap,
    _body: Bytes,
) -> StatusCode {
    let id = headers.get("webhook-id").and_then(|v| v.to_str().ok());
    match id.map(|id| ledger.record(id)) {
        Some(Ok(())) => StatusCode::OK,
        _ => StatusCode::BAD_REQUEST,
    }
}

/// Serves `router` on 127.0.0.1 (a free port) until the returned sender
/// fires or is dropped.
async fn serve(
    router: axum::Router,
) -> Result<(SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>), BoxError> {
    let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = stopped.await;
        };
        if let Err(error) = axum::serve(listener, router)
            .with_graceful_shutdown(shutdown)
            .await
        {
            eprintln!("server: {error}");
        }
    });
    Ok((addr, stop, server))
}

// ---------------------------------------------------------------------------
// The handler's own counters.

/// How often each event was processed (or, for the baseline, received),
/// indexed by the number in its id.
struct Ledger {
    counts: Box<[AtomicU32]>,
}

impl Ledger {
    fn new() -> Self {
        Ledger {
            counts: (0..MAX_EVENTS).map(|_| AtomicU32::new(0)).collect(),
        }
    }

    /// The processing step: counts one more processing of `id`.
    fn record(&self, id: &str) -> Result<(), &'static str> {
        let slot = id
            .strip_prefix(ID_PREFIX)
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| self.counts.get(n))
            .ok_or("not an event of this benchmark")?;
        slot.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Among the first `events`: how many were processed once, never, and
    /// more than once.
    fn tally(&self, events: usize) -> Tally {
        let mut tally = Tally::default();
        for count in self.counts.iter().take(events) {
            match count.load(Ordering::Relaxed) {
                0 => tally.lost += 1,
                1 => tally.once += 1,
                2 => tally.twice += 1,
                _ => tally.more += 1,
            }
        }
        tally
    }
}

#[derive(Debug, Default, Clone, Copy)]
struct Tally {
    once: usize,
    lost: usize,
    twice: usize,
    more: usize,
}

// ---------------------------------------------------------------------------
// The load generator.

/// Signs deliveries: one shared 4 KiB body, a new message id (and so a new
/// signature) per event.
struct Sender {
    receiver: StandardWebhooks,
    body: Bytes,
}

impl Sender {
    fn new() -> Result<Self, BoxError> {
        let receiver = StandardWebhooks::new(SECRET)?;
        Ok(Sender {
            receiver,
            body: Bytes::from(body(BODY_SIZE)?),
        })
    }

    /// The signed headers for event `n`, with the request's fixed ones.
    fn sign(&self, n: usize) -> Result<HeaderMap, BoxError> {
        let id = format!("{ID_PREFIX}{n}");
        let mut headers =
            self.receiver
                .sign_with_id_at(&id, &self.body, OffsetDateTime::now_utc())?;
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        headers.insert(HOST, HeaderValue::from_static("127.0.0.1"));
        Ok(headers)
    }

    /// What signing one event costs the client (the mean of 2,000).
    fn signing_cost(&self) -> Duration {
        let rounds = 2_000u32;
        let start = Instant::now();
        for n in 0..rounds as usize {
            std::hint::black_box(self.sign(n).ok());
        }
        start.elapsed() / rounds
    }
}

/// A Standard Webhooks event body of exactly `size` bytes: the
/// specification's recommended shape, its fields in the specification's
/// order (`type`, `timestamp`, `data`, as a sender serializing a struct
/// writes them), grown by a string in its data. Written out rather than
/// with `serde_json::json!`, whose map sorts the keys and would put `data`
/// first.
fn body(size: usize) -> Result<Vec<u8>, BoxError> {
    let shell = |notes: &str| -> Result<Vec<u8>, BoxError> {
        let notes = serde_json::to_string(notes)?;
        Ok(format!(
            r#"{{"type":"invoice.paid","timestamp":"2024-05-01T12:00:00Z","data":{{"invoice":"in_1","amount":4200,"notes":{notes}}}}}"#
        )
        .into_bytes())
    };
    let bare = shell("")?.len();
    let padding = size
        .checked_sub(bare)
        .ok_or("the body shell is too large")?;
    let body = shell(&"n".repeat(padding))?;
    serde_json::from_slice::<serde::de::IgnoredAny>(&body)?;
    Ok(body)
}

/// One copy of one event to send.
#[derive(Clone)]
struct Job {
    headers: HeaderMap,
    attempts: u32,
    /// The first copy, whose redelivery is still to be queued.
    first: bool,
}

/// When measuring starts and ends, shared by every connection.
#[derive(Debug, Clone, Copy)]
struct Window {
    start: Instant,
    end: Instant,
}

/// What one connection saw.
#[derive(Debug, Default)]
struct ClientStats {
    /// Durations (ns) of the requests that started and ended in the window.
    latencies: Vec<u64>,
    /// Replies with a 2xx status (the sender's copy is done).
    acknowledged: u64,
    /// `429`: the other copy was in progress; sent again later.
    throttled: u64,
    /// Other statuses, each sent again later.
    refused: u64,
    /// Timeouts and broken connections (the connection is opened again).
    transport_errors: u64,
    /// Copies given up after `MAX_ATTEMPTS`.
    gave_up: u64,
}

impl ClientStats {
    fn merge(&mut self, other: ClientStats) {
        self.latencies.extend(other.latencies);
        self.acknowledged += other.acknowledged;
        self.throttled += other.throttled;
        self.refused += other.refused;
        self.transport_errors += other.transport_errors;
        self.gave_up += other.gave_up;
    }
}

/// What the connections share: the signer, the server, the next event
/// number, the window.
struct Load {
    sender: Arc<Sender>,
    addr: SocketAddr,
    next_event: AtomicUsize,
    window: Window,
}

impl Load {
    /// A new event's first copy, or `None` past `MAX_EVENTS`.
    fn new_event(&self) -> Result<Option<Job>, BoxError> {
        let n = self.next_event.fetch_add(1, Ordering::Relaxed);
        if n >= MAX_EVENTS {
            return Ok(None);
        }
        let headers = self.sender.sign(n)?;
        Ok(Some(Job {
            headers,
            attempts: 0,
            first: true,
        }))
    }

    /// How many events were created.
    fn events(&self) -> usize {
        self.next_event.load(Ordering::Relaxed).min(MAX_EVENTS)
    }
}

/// One keep-alive connection's loop. Once a new event's first copy is
/// answered, its redelivery goes to the next connection's inbox (or, past
/// the window, to this connection's own queue), so the two copies travel on
/// different connections, interleaved with other events. Past the window no
/// new events are made; the loop ends once its inbox is closed and drained
/// and its own queue is empty.
async fn connection(
    load: Arc<Load>,
    mut inbox: mpsc::UnboundedReceiver<Job>,
    outbox: mpsc::UnboundedSender<Job>,
) -> Result<ClientStats, BoxError> {
    let mut stats = ClientStats::default();
    let mut client = connect(load.addr).await?;
    let mut outbox = Some(outbox);
    let mut retries = VecDeque::new();
    loop {
        if Instant::now() >= load.window.end {
            outbox = None;
        }
        let job = match inbox.try_recv() {
            Ok(job) => job,
            Err(_) => match (retries.pop_front(), &outbox) {
                (Some(job), _) => job,
                (None, Some(_)) => match load.new_event()? {
                    Some(job) => job,
                    None => {
                        outbox = None;
                        continue;
                    }
                },
                (None, None) => match inbox.recv().await {
                    Some(job) => job,
                    None => break,
                },
            },
        };
        let redelivery = job.first.then(|| Job {
            attempts: 0,
            first: false,
            ..job.clone()
        });
        send_one(&load, &mut client, job, &mut retries, &mut stats).await?;
        if let Some(redelivery) = redelivery {
            // The next connection ends only after this one drops `outbox`,
            // so a send fails only if that task failed; its error is
            // reported, and the copy goes into this connection's queue.
            match &outbox {
                Some(next) => {
                    if let Err(unsent) = next.send(redelivery) {
                        retries.push_back(unsent.0);
                    }
                }
                None => retries.push_back(redelivery),
            }
        }
    }
    Ok(stats)
}

/// Sends one copy and files the outcome: done on 2xx, queued again
/// otherwise (up to `MAX_ATTEMPTS`). A copy sent again is no longer a
/// first copy: its redelivery was queued after its first attempt.
async fn send_one(
    load: &Load,
    client: &mut SendRequest<Full<Bytes>>,
    mut job: Job,
    retries: &mut VecDeque<Job>,
    stats: &mut ClientStats,
) -> Result<(), BoxError> {
    job.attempts += 1;
    let mut request = Request::post(PATH).body(Full::new(load.sender.body.clone()))?;
    *request.headers_mut() = job.headers.clone();

    let started = Instant::now();
    let outcome = tokio::time::timeout(REQUEST_TIMEOUT, exchange(client, request)).await;
    let ended = Instant::now();
    if started >= load.window.start && ended <= load.window.end {
        let nanos = u64::try_from((ended - started).as_nanos()).unwrap_or(u64::MAX);
        stats.latencies.push(nanos);
    }

    let delivered = match outcome {
        Ok(Ok(status)) if status.is_success() => {
            stats.acknowledged += 1;
            true
        }
        Ok(Ok(StatusCode::TOO_MANY_REQUESTS)) => {
            stats.throttled += 1;
            false
        }
        Ok(Ok(_)) => {
            stats.refused += 1;
            false
        }
        Ok(Err(_)) | Err(_) => {
            stats.transport_errors += 1;
            *client = connect(load.addr).await?;
            false
        }
    };
    if !delivered {
        if job.attempts < MAX_ATTEMPTS {
            job.first = false;
            retries.push_back(job);
        } else {
            stats.gave_up += 1;
        }
    }
    Ok(())
}

/// Sends a request and reads the whole reply.
async fn exchange(
    client: &mut SendRequest<Full<Bytes>>,
    request: Request<Full<Bytes>>,
) -> Result<StatusCode, BoxError> {
    client.ready().await?;
    let reply = client.send_request(request).await?;
    let status = reply.status();
    reply.into_body().collect().await?;
    Ok(status)
}

/// A keep-alive HTTP/1.1 connection to `addr`; its driver task ends when
/// the returned handle is dropped.
async fn connect(addr: SocketAddr) -> Result<SendRequest<Full<Bytes>>, BoxError> {
    let stream = tokio::time::timeout(REQUEST_TIMEOUT, TcpStream::connect(addr)).await??;
    stream.set_nodelay(true)?;
    let (client, driver) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(async move {
        let _ = driver.await;
    });
    Ok(client)
}

// ---------------------------------------------------------------------------
// One configuration, start to end.

/// What one configuration measured.
#[derive(Debug)]
struct Outcome {
    name: &'static str,
    requests_per_sec: f64,
    p50: Duration,
    p99: Duration,
    events: usize,
    tally: Tally,
    client: ClientStats,
    /// The baseline counts receptions, not processings: twice is expected.
    deduplicates: bool,
}

/// Serves `router`, loads it for the warm-up and the measured window,
/// lets the last redeliveries through, stops the server and tallies.
async fn run(
    name: &'static str,
    router: axum::Router,
    ledger: Arc<Ledger>,
    sender: Arc<Sender>,
    settings: Settings,
) -> Result<Outcome, BoxError> {
    println!("{name}: running…");
    let (addr, stop, server) = serve(router).await?;
    let start = Instant::now() + settings.warmup;
    let load = Arc::new(Load {
        sender,
        addr,
        next_event: AtomicUsize::new(0),
        window: Window {
            start,
            end: start + settings.measured,
        },
    });

    // A ring: connection i's redeliveries go to connection i + 1.
    let (outboxes, inboxes): (Vec<_>, Vec<_>) = (0..settings.connections)
        .map(|_| mpsc::unbounded_channel::<Job>())
        .unzip();
    let mut tasks = Vec::new();
    for (i, inbox) in inboxes.into_iter().enumerate() {
        let outbox = outboxes[(i + 1) % settings.connections].clone();
        tasks.push(tokio::spawn(connection(Arc::clone(&load), inbox, outbox)));
    }
    drop(outboxes);

    let limit = settings.warmup + settings.measured + DRAIN_LIMIT;
    let joined = tokio::time::timeout(limit, async {
        let mut client = ClientStats::default();
        for task in &mut tasks {
            client.merge(task.await??);
        }
        Ok::<_, BoxError>(client)
    })
    .await;
    for task in &tasks {
        task.abort();
    }
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
    let mut client = match joined {
        Ok(result) => result?,
        Err(_) => return Err(format!("{name}: the load did not end within {limit:?}").into()),
    };

    client.latencies.sort_unstable();
    let events = load.events();
    Ok(Outcome {
        name,
        requests_per_sec: client.latencies.len() as f64 / settings.measured.as_secs_f64(),
        p50: percentile(&client.latencies, 0.50),
        p99: percentile(&client.latencies, 0.99),
        tally: ledger.tally(events),
        events,
        client,
        deduplicates: name != "baseline",
    })
}

/// The `q` quantile of sorted nanosecond samples.
fn percentile(sorted: &[u64], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() as f64 * q).ceil() as usize).clamp(1, sorted.len());
    Duration::from_nanos(sorted[rank - 1])
}

// ---------------------------------------------------------------------------
// The local redis-server.

/// A `redis-server` on 127.0.0.1 in a temp dir of its own, without
/// persistence; killed and its dir removed on drop.
struct RedisServer {
    child: Child,
    dir: PathBuf,
    url: String,
}

impl RedisServer {
    /// Starts one on a free port and waits (at most 5 s) until it answers.
    /// `Err` says why there is none.
    async fn start() -> Result<RedisServer, String> {
        let port = StdListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| format!("no free port: {e}"))?
            .port();
        let dir = std::env::temp_dir().join(format!("webhook-kit-load-{}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| format!("no temp dir: {e}"))?;
        let child = Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--dir"])
            .arg(&dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let child = match child {
            Ok(child) => child,
            Err(error) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(format!(
                    "redis-server cannot start ({error}); install it to measure this configuration"
                ));
            }
        };
        let mut server = RedisServer {
            child,
            dir,
            url: format!("redis://127.0.0.1:{port}/"),
        };
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            if let Ok(Some(status)) = server.child.try_wait() {
                return Err(format!("redis-server exited at start ({status})"));
            }
            let probe =
                AsyncRedisStore::connect_with_timeout(&server.url, Duration::from_millis(200));
            if probe.await.is_ok() {
                return Ok(server);
            }
            if Instant::now() >= deadline {
                return Err("redis-server did not answer within 5 s".into());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

// ---------------------------------------------------------------------------
// The report.

fn report(results: &[Outcome], settings: Settings) {
    println!();
    for outcome in results {
        let c = &outcome.client;
        let t = outcome.tally;
        println!(
            "{}: {} events; client: {} acknowledged, {} answered 429 and sent again, \
             {} other refusals, {} transport errors, {} given up",
            outcome.name,
            outcome.events,
            c.acknowledged,
            c.throttled,
            c.refused,
            c.transport_errors,
            c.gave_up
        );
        println!(
            "{}: handler counted {} once, {} never, {} twice, {} more -> {}",
            outcome.name,
            t.once,
            t.lost,
            t.twice,
            t.more,
            verdict(outcome)
        );
    }

    println!();
    println!(
        "| configuration | requests/s | p50 | p99 | events | processed once | lost | processed twice+ | verdict |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for outcome in results {
        let t = outcome.tally;
        println!(
            "| {} | {:.0} | {} | {} | {} | {} | {} | {} | {} |",
            label(outcome.name),
            outcome.requests_per_sec,
            millis(outcome.p50),
            millis(outcome.p99),
            outcome.events,
            t.once,
            t.lost,
            t.twice + t.more,
            verdict(outcome)
        );
    }
    println!();
    println!(
        "{} connections, {} s measured after {} s warm-up, {BODY_SIZE} B bodies, every event sent twice.",
        settings.connections,
        settings.measured.as_secs(),
        settings.warmup.as_secs()
    );

    let rate = |name: &str| {
        results
            .iter()
            .find(|o| o.name == name)
            .map(|o| o.requests_per_sec)
    };
    if let (Some(memory), Some(floor)) = (rate("memory"), rate("floor")) {
        let ratio = memory / floor;
        let met = if ratio >= 0.95 { "met" } else { "missed" };
        println!(
            "throughput(memory) / throughput(floor) = {ratio:.2} \
             (as shipped / the same work by hand; target ≥ 0.95: {met})"
        );
    }
    if let (Some(memory), Some(floor)) = (rate("memory"), rate("floor-value")) {
        println!(
            "throughput(memory) / throughput(floor-value) = {:.2} \
             (informative: the floor giving its handler the data as the crate does)",
            memory / floor
        );
    }
    if let (Some(redis), Some(floor)) = (rate("redis"), rate("redis-floor")) {
        println!(
            "throughput(redis) / throughput(redis-floor) = {:.2} \
             (as shipped / the same work by hand, both deduplicating in Redis)",
            redis / floor
        );
    }
    if let (Some(redis), Some(floor)) = (rate("redis"), rate("floor")) {
        println!(
            "throughput(redis) / throughput(floor) = {:.2} \
             (informative: this floor deduplicates in memory, not in Redis)",
            redis / floor
        );
    }
    if let (Some(memory), Some(baseline)) = (rate("memory"), rate("baseline")) {
        println!(
            "throughput(memory) / throughput(baseline) = {:.2} \
             (informative: the baseline verifies, parses and deduplicates nothing)",
            memory / baseline
        );
    }
}

fn label(name: &str) -> &'static str {
    match name {
        "inbox" => "verify + Inbox::run (local Postgres, fsync on), effect counted in the database",
        "memory" => "verify + ExactlyOnce (MemoryStore)",
        "redis" => "verify + ExactlyOnce (AsyncRedisStore, local redis-server)",
        "floor" => "floor: the same work by hand (pre-keyed HMAC, serde_json, Mutex<HashSet>)",
        "floor-value" => "floor-value: the floor, with the data parsed into a serde_json::Value",
        "extractor" => "extractor: the crate's RoutedWebhook, then the floor's Mutex<HashSet>",
        "flow-set" => {
            "flow-set: the crate's RoutedWebhook and ExactlyOnce over a bare Mutex<HashSet> store"
        }
        "redis-floor" => {
            "Redis floor: the same work by hand, SET NX PX in the local redis-server (DEL on failure)"
        }
        _ => "baseline: no verification, no dedup",
    }
}

/// Exactly once for the deduplicating configurations; for the baseline,
/// which processes every copy, that none was lost.
fn verdict(outcome: &Outcome) -> &'static str {
    let t = outcome.tally;
    let all_acked = outcome.client.gave_up == 0;
    match (outcome.deduplicates, t.lost, t.twice + t.more) {
        (true, 0, 0) if all_acked => "exactly once: OK",
        (true, _, _) => "exactly once: FAILED",
        (false, 0, _) if t.once == 0 && t.more == 0 && all_acked => {
            "no dedup: every copy received, none lost"
        }
        (false, _, _) => "no dedup: copies LOST",
    }
}

fn millis(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

// ---------------------------------------------------------------------------
// Configuration 4: the transactional inbox on a local Postgres.

#[cfg(feature = "postgres")]
mod inbox {
    use std::sync::Arc;
    use std::time::Duration;

    use axum::extract::{FromRef, State};
    use axum::response::IntoResponse;
    use axum::routing::post;
    use sqlx::PgPool;
    use sqlx::postgres::PgPoolOptions;
    use webhook_kit::Rejection;
    use webhook_kit::axum::RoutedWebhook;
    use webhook_kit::dedup::inbox::{self, Inbox};
    use webhook_kit::{Receivers, WebhookEvent};

    use super::{BoxError, Ledger, Tally, pg_server, standard_receivers};

    #[derive(Clone)]
    struct InboxApp {
        receivers: Arc<Receivers>,
        pool: PgPool,
    }

    impl FromRef<InboxApp> for Arc<Receivers> {
        fn from_ref(app: &InboxApp) -> Self {
            Arc::clone(&app.receivers)
        }
    }

    /// A durable server of this program's own, migrated, with the effects
    /// table.
    pub(super) async fn start() -> Result<(pg_server::Server, PgPool), BoxError> {
        let server = tokio::task::spawn_blocking(pg_server::durable_server)
            .await?
            .ok_or("no Postgres could start (initdb and pg_ctl are needed)")?;
        let pool = PgPoolOptions::new()
            .max_connections(32)
            .acquire_timeout(Duration::from_secs(10))
            .connect(&server.url)
            .await?;
        inbox::migrate(&pool).await?;
        sqlx::query("CREATE TABLE load_effects (event_id TEXT NOT NULL)")
            .execute(&pool)
            .await?;
        Ok((server, pool))
    }

    /// The same route and receiver as the other configurations; the
    /// handler runs the inbox.
    pub(super) fn router(pool: PgPool) -> Result<axum::Router, BoxError> {
        let app = InboxApp {
            receivers: standard_receivers()?,
            pool,
        };
        Ok(axum::Router::new()
            .route("/webhooks/{provider}", post(webhook))
            .with_state(app))
    }

    async fn webhook(
        State(app): State<InboxApp>,
        hook: Result<RoutedWebhook, Rejection>,
    ) -> Result<impl IntoResponse, Rejection> {
        let hook = hook?;
        let id = hook.event.id();
        let event_id: &str = &id;
        let handled = Inbox::new(hook.receiver(), &hook.provider)
            .run(&app.pool, event_id, |mut tx| async move {
                sqlx::query("INSERT INTO load_effects (event_id) VALUES ($1)")
                    .bind(event_id)
                    .execute(&mut *tx)
                    .await?;
                Ok::<_, sqlx::Error>(tx)
            })
            .await;
        Ok(handled)
    }

    /// Exactly once, from the database: how often each event's effect was
    /// committed.
    pub(super) async fn tally(pool: &PgPool, events: usize) -> Result<Tally, BoxError> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT event_id, count(*) FROM load_effects GROUP BY event_id")
                .fetch_all(pool)
                .await?;
        let ledger = Ledger::new();
        for (id, count) in rows {
            for _ in 0..count {
                ledger.record(&id)?;
            }
        }
        Ok(ledger.tally(events))
    }
}

/// The `flow-set` configuration's store: a set of ids behind a mutex, with
/// none of `MemoryStore`'s leases, expiry or bounds (a claim never ends;
/// completion changes nothing): `ExactlyOnce` over it separates the flow's
/// cost (claim tokens, the two steps) from the store's.
#[derive(Clone, Default)]
struct SetStore(Arc<Mutex<HashSet<String>>>);

impl SetStore {
    /// Whether `id` was new, now added; `false` if the lock is poisoned.
    fn insert(&self, id: &str) -> bool {
        self.0.lock().is_ok_and(|mut ids| ids.insert(id.to_owned()))
    }

    fn remove(&self, id: &str) -> bool {
        self.0.lock().is_ok_and(|mut ids| ids.remove(id))
    }
}

impl AsyncIdempotencyStore for SetStore {
    type Error = std::io::Error;

    fn first_seen(
        &self,
        _provider: &str,
        event_id: &str,
        _ttl: Duration,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        std::future::ready(Ok(self.insert(event_id)))
    }

    fn claim(
        &self,
        provider: &str,
        event_id: &str,
        _lease: Duration,
    ) -> impl Future<Output = Result<Claim, Self::Error>> + Send {
        let claim = if self.insert(event_id) {
            Claim::Claimed(ClaimToken::new(provider, event_id))
        } else {
            Claim::Done
        };
        std::future::ready(Ok(claim))
    }

    fn complete(
        &self,
        _token: &ClaimToken,
        _ttl: Duration,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send {
        std::future::ready(Ok(Settled::Applied))
    }

    fn release(
        &self,
        token: &ClaimToken,
    ) -> impl Future<Output = Result<Settled, Self::Error>> + Send {
        self.remove(token.event_id());
        std::future::ready(Ok(Settled::Applied))
    }

    fn forget(
        &self,
        _provider: &str,
        event_id: &str,
    ) -> impl Future<Output = Result<bool, Self::Error>> + Send {
        std::future::ready(Ok(self.remove(event_id)))
    }
}
