//! Exactly once under faults, for every provider on the simulator's virtual
//! clock: a handler that dies after claiming, redeliveries during a live
//! lease, processing that fails, concurrent deliveries; and the events a
//! provider's schedule cannot save (Falu never retries; a lease longer than
//! Funnel's 30 s horizon).

use std::cell::{Cell, RefCell};
use std::convert::Infallible;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use http::{Request, StatusCode};
use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::dedup::{
    Claim, ClaimToken, ExactlyOnce, Handled, IdempotencyStore, MemoryStore, Settled, StoreFull,
    lease_for, recovers_from_crash, ttl_for,
};
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::simulate::{Fate, History, Reply, Simulator, virtual_now};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Outcome, Provider, WebhookEvent};

// One line to change when the constructors become fallible.
fn falu() -> Falu {
    Falu::new("whsec_falu_test").expect("a usable secret")
}

fn clickfunnels() -> ClickFunnels {
    ClickFunnels::new("clickfunnels-secret").expect("a usable secret")
}

fn fourvenues() -> Fourvenues {
    Fourvenues::new("fourvenues-secret").expect("a usable secret")
}

fn standard() -> StandardWebhooks {
    StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("a valid secret")
}

const FUNNEL_BODY: &[u8] = include_bytes!("data/funnel_v2_status_updated.json");
const FOURVENUES_BODY: &[u8] = include_bytes!("data/fourvenues_payment_success.json");
const FALU_BODY: &[u8] = include_bytes!("data/falu_basic_message_delivered.json");
const CLICKFUNNELS_BODY: &[u8] = include_bytes!("data/clickfunnels_contact_identified.json");
const STANDARD_BODY: &[u8] =
    br#"{"type": "invoice.paid", "timestamp": "2024-04-04T19:16:31Z", "data": {"id": 7}}"#;

/// A fixed start, so that every run signs the same requests.
fn start() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_712_258_191).expect("valid time")
}

/// A `MemoryStore` read on the simulator's clock: each request sets the
/// store's "now" to the virtual time it was sent.
struct VirtualStore {
    inner: MemoryStore,
    origin: Instant,
    now: Cell<Instant>,
}

impl VirtualStore {
    fn new() -> Self {
        let origin = Instant::now();
        VirtualStore {
            inner: MemoryStore::default(),
            origin,
            now: Cell::new(origin),
        }
    }

    fn set(&self, at: OffsetDateTime) {
        self.now.set(self.origin + (at - start()).unsigned_abs());
    }
}

impl IdempotencyStore for VirtualStore {
    type Error = StoreFull;

    fn first_seen(&self, provider: &str, id: &str, ttl: Duration) -> Result<bool, StoreFull> {
        self.inner.first_seen_at(provider, id, ttl, self.now.get())
    }
    fn claim(&self, provider: &str, id: &str, lease: Duration) -> Result<Claim, StoreFull> {
        self.inner.claim_at(provider, id, lease, self.now.get())
    }
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, StoreFull> {
        Ok(self.inner.complete_at(token, ttl, self.now.get()))
    }
    fn release(&self, token: &ClaimToken) -> Result<Settled, StoreFull> {
        Ok(self.inner.release_at(token, self.now.get()))
    }
    fn forget(&self, provider: &str, id: &str) -> Result<bool, StoreFull> {
        Ok(self.inner.forget(provider, id))
    }
}

/// What goes wrong on the first attempt that reaches the handler.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Fault {
    None,
    /// The process dies after claiming: it neither completes nor releases,
    /// and the sender sees a server error (as from a proxy in front).
    CrashAfterClaim,
    /// Processing returns an error: the claim is released.
    ProcessingFails,
}

/// A run: the event's history and the ids processed (successfully).
struct Run {
    delivery: History,
    processed: Vec<String>,
}

impl Run {
    fn statuses(&self) -> Vec<Option<u16>> {
        let status = |a: &webhook_kit::simulate::Attempt| a.status.map(|s| s.as_u16());
        self.delivery.attempts.iter().map(status).collect()
    }
}

/// Delivers `body` as `provider` would, with `duplicates` copies after
/// success, to a handler that verifies, then runs [`ExactlyOnce`] with
/// `lease`, after `fault` on its first attempt.
fn deliver<P: Provider>(
    provider: &P,
    name: &str,
    body: &[u8],
    lease: Duration,
    fault: Fault,
    duplicates: u32,
) -> Run {
    let store = VirtualStore::new();
    let processed = RefCell::new(Vec::new());
    let attempts = Cell::new(0u32);
    let once = ExactlyOnce::new(provider, &store, name).with_lease(lease);
    let handler = |req: Request<Vec<u8>>| -> Reply {
        let now = virtual_now(&req);
        store.set(now);
        let event = match provider.verify_and_parse_at(req.headers(), req.body(), now) {
            Ok(event) => event,
            Err(err) => return Reply::empty(err.status()),
        };
        let id = event.id().into_owned();
        assert!(!id.is_empty(), "{name}: the sample has an id");
        attempts.set(attempts.get() + 1);
        let first = attempts.get() == 1;
        if first && fault == Fault::CrashAfterClaim {
            let claim = store.claim(name, &id, lease).expect("infallible");
            assert!(matches!(claim, Claim::Claimed(_)), "{claim:?}");
            return Reply::empty(StatusCode::INTERNAL_SERVER_ERROR);
        }
        let handled = once.run(&id, || {
            if first && fault == Fault::ProcessingFails {
                return Err("database down");
            }
            processed.borrow_mut().push(id.clone());
            Ok(())
        });
        Reply::new(handled.into_response())
    };
    let delivery = Simulator::new(provider)
        .starting_at(start())
        .duplicates(duplicates)
        .deliver(body, handler)
        .expect("signs");
    Run {
        delivery,
        processed: processed.into_inner(),
    }
}

/// Runs `check` once per provider that redelivers.
fn for_each_retrying_provider(mut check: impl FnMut(&str, &dyn Fn(Duration, Fault) -> Run)) {
    let funnel = Funnel::new();
    check("funnel", &|lease, fault| {
        deliver(&funnel, "funnel", FUNNEL_BODY, lease, fault, 2)
    });
    let fourvenues = fourvenues();
    check("fourvenues", &|lease, fault| {
        deliver(&fourvenues, "fourvenues", FOURVENUES_BODY, lease, fault, 2)
    });
    let clickfunnels = clickfunnels();
    check("clickfunnels", &|lease, fault| {
        deliver(
            &clickfunnels,
            "clickfunnels",
            CLICKFUNNELS_BODY,
            lease,
            fault,
            2,
        )
    });
    let standard = standard();
    check("standard", &|lease, fault| {
        deliver(&standard, "standard", STANDARD_BODY, lease, fault, 2)
    });
}

/// The recommended lease and first retry delay of each retrying provider.
fn lease_and_first_delay(name: &str) -> (Duration, Duration) {
    fn of<P: Provider>(p: &P) -> (Duration, Duration) {
        let first = p.retry_schedule().delay_after(1).expect("retries");
        (lease_for(p), first)
    }
    match name {
        "funnel" => of(&Funnel::new()),
        "fourvenues" => of(&fourvenues()),
        "clickfunnels" => of(&clickfunnels()),
        "standard" => of(&standard()),
        other => panic!("{other}"),
    }
}

fn assert_processed_once(name: &str, run: &Run) {
    assert_eq!(
        run.delivery.fate,
        Fate::Delivered,
        "{name}: {:?}",
        run.statuses()
    );
    assert_eq!(run.processed.len(), 1, "{name}: {:?}", run.processed);
    // The copies sent after success were acknowledged, not processed.
    assert_eq!(run.delivery.duplicates.len(), 2, "{name}");
    assert!(
        run.delivery
            .duplicates
            .iter()
            .all(|d| d.outcome == Outcome::Delivered),
        "{name}: {:?}",
        run.delivery.duplicates
    );
}

#[test]
fn without_faults_every_provider_processes_once_and_acks_the_copies() {
    for_each_retrying_provider(|name, run| {
        let (lease, _) = lease_and_first_delay(name);
        let run = run(lease, Fault::None);
        assert_processed_once(name, &run);
        assert_eq!(run.delivery.attempts.len(), 1, "{name}");
    });
    let falu = falu();
    let run = deliver(&falu, "falu", FALU_BODY, lease_for(&falu), Fault::None, 2);
    assert_processed_once("falu", &run);
}

#[test]
fn a_crash_after_claiming_is_recovered_exactly_once_with_the_recommended_lease() {
    for_each_retrying_provider(|name, run| {
        let (lease, _) = lease_and_first_delay(name);
        let run = run(lease, Fault::CrashAfterClaim);
        assert_processed_once(name, &run);
        let statuses = run.statuses();
        assert_eq!(statuses.first(), Some(&Some(500)), "{name}");
        // Every attempt between the crash and the recovery was told to
        // come back: none was acknowledged unprocessed.
        let middle = &statuses[1..statuses.len() - 1];
        assert!(
            middle.iter().all(|s| *s == Some(429)),
            "{name}: {statuses:?}"
        );
        // The recovering attempt started after the lease ended.
        let last = run.delivery.attempts.last().expect("attempts");
        assert!(last.offset >= lease, "{name}: {:?}", run.delivery.offsets());
    });
}

#[test]
fn a_redelivery_during_a_live_lease_is_told_to_try_again_then_acked() {
    for_each_retrying_provider(|name, run| {
        // A lease that outlives the first retry, but not the second.
        let (_, first_delay) = lease_and_first_delay(name);
        let lease = first_delay + Duration::from_secs(1);
        let run = run(lease, Fault::CrashAfterClaim);
        assert_processed_once(name, &run);
        let second = &run.delivery.attempts[1];
        assert_eq!(second.status, Some(StatusCode::TOO_MANY_REQUESTS), "{name}");
        assert!(!second.outcome.is_success(), "{name}: {:?}", second.outcome);
        if name == "standard" {
            // Standard Webhooks reads 429 as throttling, with the time the
            // lease still runs as `Retry-After`.
            assert_eq!(
                second.outcome,
                Outcome::Throttle {
                    retry_after: Some(Duration::from_secs(1))
                }
            );
        }
        assert_eq!(
            run.delivery.attempts.last().and_then(|a| a.status),
            Some(StatusCode::OK),
            "{name}"
        );
    });
}

#[test]
fn processing_that_fails_is_released_and_the_first_retry_processes_it() {
    for_each_retrying_provider(|name, run| {
        let (lease, _) = lease_and_first_delay(name);
        let run = run(lease, Fault::ProcessingFails);
        assert_processed_once(name, &run);
        // Released at once: no "in progress" in between.
        assert_eq!(run.statuses(), [Some(503), Some(200)], "{name}");
    });
}

#[test]
fn falu_cannot_recover_from_a_crash_it_never_retries() {
    let falu = falu();
    assert!(!recovers_from_crash(&falu, lease_for(&falu)));
    let run = deliver(
        &falu,
        "falu",
        FALU_BODY,
        lease_for(&falu),
        Fault::CrashAfterClaim,
        0,
    );
    assert_eq!(run.delivery.fate, Fate::Exhausted);
    assert_eq!(run.statuses(), [Some(500)]);
    assert!(run.processed.is_empty(), "the event is lost");
    // A clean failure is lost the same way: Falu never asks again.
    let run = deliver(
        &falu,
        "falu",
        FALU_BODY,
        lease_for(&falu),
        Fault::ProcessingFails,
        0,
    );
    assert_eq!(run.delivery.fate, Fate::Exhausted);
    assert!(run.processed.is_empty(), "the event is lost");
}

#[test]
fn funnel_loses_a_crashed_event_when_the_lease_outlasts_its_30_second_horizon() {
    let funnel = Funnel::new();
    let horizon = funnel.retry_schedule().horizon();
    assert_eq!(horizon, Duration::from_secs(30));

    let too_long = horizon + Duration::from_secs(1);
    assert!(!recovers_from_crash(&funnel, too_long));
    let run = deliver(
        &funnel,
        "funnel",
        FUNNEL_BODY,
        too_long,
        Fault::CrashAfterClaim,
        0,
    );
    assert_eq!(run.delivery.fate, Fate::Exhausted);
    assert_eq!(run.statuses(), [Some(500), Some(429), Some(429), Some(429)]);
    assert!(run.processed.is_empty(), "the event is lost");

    // A lease of exactly the horizon ends as the last retry arrives.
    assert!(recovers_from_crash(&funnel, horizon));
    let run = deliver(
        &funnel,
        "funnel",
        FUNNEL_BODY,
        horizon,
        Fault::CrashAfterClaim,
        0,
    );
    assert_eq!(run.delivery.fate, Fate::Delivered);
    assert_eq!(run.processed.len(), 1);
}

#[test]
fn the_recommended_lease_recovers_every_provider_that_retries() {
    assert_eq!(lease_for(&Funnel::new()), Duration::from_secs(5));
    assert_eq!(lease_for(&standard()), Duration::from_secs(15));
    assert_eq!(lease_for(&clickfunnels()), Duration::from_secs(30));
    assert_eq!(lease_for(&fourvenues()), Duration::from_secs(30));
    assert_eq!(lease_for(&falu()), Duration::from_secs(30));
    assert!(recovers_from_crash(
        &Funnel::new(),
        lease_for(&Funnel::new())
    ));
    assert!(recovers_from_crash(&standard(), lease_for(&standard())));
    assert!(recovers_from_crash(
        &clickfunnels(),
        lease_for(&clickfunnels())
    ));
    assert!(recovers_from_crash(&fourvenues(), lease_for(&fourvenues())));
}

#[test]
fn the_presets_recover_except_github_which_never_redelivers() {
    let github = webhook_kit::github::GitHub::new("s").expect("usable");
    let stripe = webhook_kit::stripe::Stripe::new("whsec_s").expect("usable");
    let shopify = webhook_kit::shopify::Shopify::new("s").expect("usable");
    let slack = webhook_kit::slack::Slack::new("s").expect("usable");
    assert!(!recovers_from_crash(&github, lease_for(&github)));
    assert_eq!(lease_for(&stripe), Duration::from_secs(10));
    assert!(recovers_from_crash(&stripe, lease_for(&stripe)));
    assert_eq!(lease_for(&shopify), Duration::from_secs(5));
    assert!(recovers_from_crash(&shopify, lease_for(&shopify)));
    assert_eq!(lease_for(&slack), Duration::from_secs(3));
    assert!(recovers_from_crash(&slack, lease_for(&slack)));
}

/// Every provider reads the "in progress" reply as "try again", and the
/// acknowledgement of a duplicate as delivered.
#[test]
fn each_provider_reads_the_replies_as_intended() {
    fn check<P: Provider>(name: &str, provider: &P, retries: bool) {
        let busy: Handled<(), ()> = Handled::InProgress {
            retry_after: Duration::from_secs(3),
        };
        let outcome = provider.classify(&busy.into_response());
        assert!(
            matches!(outcome, Outcome::Retry | Outcome::Throttle { .. }),
            "{name}: {outcome:?}"
        );
        let failed: Handled<(), ()> = Handled::Failed(());
        assert_eq!(
            provider.classify(&failed.into_response()),
            Outcome::Retry,
            "{name}"
        );
        let store = MemoryStore::default();
        let once = ExactlyOnce::new(provider, &store, name);
        let _ = once.run("e", || Ok::<(), ()>(()));
        let duplicate = once.run("e", || Ok::<(), ()>(()));
        assert!(matches!(duplicate, Handled::Duplicate { .. }), "{name}");
        assert!(
            provider.classify(&duplicate.into_response()).is_success(),
            "{name}"
        );
        assert_eq!(
            provider.retry_schedule().max_attempts() > 1,
            retries,
            "{name}"
        );
    }
    check("funnel", &Funnel::new(), true);
    check("fourvenues", &fourvenues(), true);
    check("clickfunnels", &clickfunnels(), true);
    check("standard", &standard(), true);
    check("falu", &falu(), false);
}

/// Signed deliveries of one event, verified and handled by many threads at
/// once: processed once; every other reply is an acknowledgement or "try
/// again".
fn concurrent_deliveries<P: Provider + Sync>(name: &str, provider: &P, body: &[u8]) {
    const THREADS: usize = 16;
    let store = MemoryStore::default();
    let headers = provider.sign_at(body, start()).expect("signs");
    let processed = AtomicUsize::new(0);
    let statuses = Mutex::new(Vec::new());
    let barrier = std::sync::Barrier::new(THREADS);
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                let event = provider
                    .verify_and_parse_at(&headers, body, start())
                    .expect("genuine");
                let once = ExactlyOnce::new(provider, &store, name);
                barrier.wait();
                let handled = once.run(&event.id(), || {
                    processed.fetch_add(1, Ordering::SeqCst);
                    // Stay busy a moment, so that others find the claim.
                    std::thread::yield_now();
                    Ok::<(), Infallible>(())
                });
                let status = handled.into_response().status().as_u16();
                statuses.lock().expect("lock").push(status);
            });
        }
    });
    assert_eq!(processed.load(Ordering::SeqCst), 1, "{name}");
    let statuses = statuses.into_inner().expect("lock");
    assert_eq!(statuses.len(), THREADS);
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{name}: {statuses:?}"
    );
}

#[test]
fn concurrent_deliveries_of_one_event_from_many_threads_process_it_once() {
    concurrent_deliveries("funnel", &Funnel::new(), FUNNEL_BODY);
    concurrent_deliveries("fourvenues", &fourvenues(), FOURVENUES_BODY);
    concurrent_deliveries("falu", &falu(), FALU_BODY);
    concurrent_deliveries("clickfunnels", &clickfunnels(), CLICKFUNNELS_BODY);
    concurrent_deliveries("standard", &standard(), STANDARD_BODY);
}

#[test]
fn concurrent_deliveries_of_one_event_from_many_tasks_process_it_once() {
    use std::sync::Arc;

    const TASKS: usize = 64;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a runtime");
    let receiver = Arc::new(standard());
    let store = Arc::new(MemoryStore::default());
    let processed = Arc::new(AtomicUsize::new(0));
    let headers = receiver.sign_at(STANDARD_BODY, start()).expect("signs");
    let tasks: Vec<_> = (0..TASKS)
        .map(|_| {
            let (receiver, store) = (Arc::clone(&receiver), Arc::clone(&store));
            let (processed, headers) = (Arc::clone(&processed), headers.clone());
            runtime.spawn(async move {
                let event = receiver
                    .verify_and_parse_at(&headers, STANDARD_BODY, start())
                    .expect("genuine");
                let once = ExactlyOnce::new(&*receiver, &store, "standard");
                let handled = once
                    .run_async(&event.id(), || async {
                        processed.fetch_add(1, Ordering::SeqCst);
                        tokio::task::yield_now().await;
                        Ok::<(), Infallible>(())
                    })
                    .await;
                handled.into_response().status().as_u16()
            })
        })
        .collect();
    let statuses: Vec<u16> = runtime.block_on(async {
        let mut statuses = Vec::new();
        for task in tasks {
            statuses.push(task.await.expect("task ran"));
        }
        statuses
    });
    assert_eq!(processed.load(Ordering::SeqCst), 1);
    assert!(
        statuses.iter().all(|s| [200, 429].contains(s)),
        "{statuses:?}"
    );
}

/// The risk `first_seen` documents: an event recorded before processing is
/// lost when the process dies mid-way; the claim protocol recovers it.
#[test]
fn first_seen_loses_an_event_whose_processing_died_where_a_claim_recovers_it() {
    let funnel = Funnel::new();
    let store = VirtualStore::new();
    let processed = Cell::new(0);
    let attempts = Cell::new(0);
    let delivery = Simulator::new(&funnel)
        .starting_at(start())
        .deliver(FUNNEL_BODY, |req: Request<Vec<u8>>| {
            store.set(virtual_now(&req));
            let event = funnel.parse(req.body()).expect("parses");
            attempts.set(attempts.get() + 1);
            let ttl = Duration::from_secs(3600);
            if store
                .first_seen("funnel", &event.id(), ttl)
                .expect("infallible")
            {
                if attempts.get() == 1 {
                    // Dies before processing.
                    return Reply::empty(StatusCode::INTERNAL_SERVER_ERROR);
                }
                processed.set(processed.get() + 1);
            }
            Reply::new(funnel.acknowledge())
        })
        .expect("signs");
    assert!(delivery.is_delivered(), "the sender thinks all went well");
    assert_eq!(processed.get(), 0, "but the event was never processed");

    let run = deliver(
        &funnel,
        "funnel",
        FUNNEL_BODY,
        lease_for(&funnel),
        Fault::CrashAfterClaim,
        0,
    );
    assert!(run.delivery.is_delivered());
    assert_eq!(run.processed.len(), 1);
}

#[test]
fn events_without_an_id_are_each_processed_and_never_taken_for_duplicates() {
    // Before, both claimed the key "" and the second was answered 200 as a
    // duplicate, never handled.
    let store = MemoryStore::default();
    let receiver = falu();
    let once = ExactlyOnce::new(&receiver, &store, "custom");
    let processed = Cell::new(0);
    for blank in ["", " ", "\t \t"] {
        let handled = once.run(blank, || {
            processed.set(processed.get() + 1);
            Ok::<(), Infallible>(())
        });
        assert!(
            matches!(handled, Handled::NoId { .. }),
            "{blank:?}: {handled:?}"
        );
        assert!(handled.is_acknowledged());
        assert_eq!(handled.into_response().status(), StatusCode::OK);
    }
    assert_eq!(processed.get(), 3);
    // Nothing was claimed under a blank key.
    assert!(store.is_empty());
    // A failure is still answered 503, so the sender retries.
    let failed = once.run("", || Err("database down"));
    assert!(matches!(failed, Handled::Failed("database down")));
    assert!(!failed.is_acknowledged());
    assert_eq!(
        failed.into_response().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // An id with content still deduplicates.
    assert!(matches!(
        once.run(" a ", || Ok::<(), ()>(())),
        Handled::Processed { .. }
    ));
    assert!(matches!(
        once.run(" a ", || Ok::<(), ()>(())),
        Handled::Duplicate { .. }
    ));
}

#[test]
fn async_events_without_an_id_are_processed_without_a_claim() {
    let store = MemoryStore::default();
    let receiver = falu();
    let once = ExactlyOnce::new(&receiver, &store, "custom");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let processed = AtomicUsize::new(0);
    for _ in 0..2 {
        let handled = runtime.block_on(once.run_async(" ", || async {
            processed.fetch_add(1, Ordering::SeqCst);
            Ok::<(), Infallible>(())
        }));
        assert!(matches!(handled, Handled::NoId { .. }), "{handled:?}");
    }
    assert_eq!(processed.load(Ordering::SeqCst), 2);
    assert!(store.is_empty());
    let failed = runtime.block_on(once.run_async("", || async { Err::<(), _>("down") }));
    assert!(matches!(failed, Handled::Failed("down")));
}

#[test]
fn a_full_memory_store_answers_503_and_keeps_the_event_in_progress() {
    let store = MemoryStore::new(2);
    let receiver = falu();
    let once = ExactlyOnce::new(&receiver, &store, "falu");
    let lease = once.lease();
    // Two events in progress fill the store.
    let (Ok(Claim::Claimed(first)), Ok(Claim::Claimed(_second))) = (
        store.claim("falu", "evt_1", lease),
        store.claim("falu", "evt_2", lease),
    ) else {
        panic!("two claims fit")
    };
    let ran = Cell::new(false);
    let refused = once.run("evt_3", || {
        ran.set(true);
        Ok::<(), Infallible>(())
    });
    assert!(
        matches!(refused, Handled::StoreUnavailable(StoreFull)),
        "{refused:?}"
    );
    assert!(!ran.get());
    assert!(!refused.is_acknowledged());
    assert_eq!(
        refused.into_response().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    // The claims in progress were kept: nobody else gets evt_1 meanwhile.
    let busy = once.run("evt_1", || Ok::<(), Infallible>(()));
    assert!(matches!(busy, Handled::InProgress { .. }), "{busy:?}");
    assert!(!busy.is_acknowledged());
    // Once one completes, its record can make room and the retry goes through.
    assert_eq!(store.complete(&first, once.ttl()), Ok(Settled::Applied));
    assert!(matches!(
        once.run("evt_3", || Ok::<(), Infallible>(())),
        Handled::Processed { .. }
    ));
}

#[test]
fn a_github_delivery_replayed_under_a_new_id_is_recognised_by_its_content_key() {
    use webhook_kit::dedup::content_key;
    use webhook_kit::github::GitHub;

    let github = GitHub::new("gh-secret").expect("secret");
    let store = MemoryStore::default();
    let once = ExactlyOnce::new(&github, &store, "github");
    let body = br#"{"action":"opened","issue":{"number":1}}"#;
    let now = start();
    let genuine = github
        .sign_event_at("issues", "guid-1", body, now)
        .expect("sign");
    // The delivery id is not signed: a replay with another one still verifies.
    let mut replay = genuine.clone();
    replay.insert("x-github-delivery", "guid-2".parse().expect("value"));
    for headers in [&genuine, &replay] {
        let delivery = github.verify_at(headers, body, now).expect("verifies");
        assert!(!delivery.id_is_signed());
    }
    let processed = Cell::new(0);
    for _ in [&genuine, &replay] {
        let handled = once.run(&content_key(body), || {
            processed.set(processed.get() + 1);
            Ok::<(), Infallible>(())
        });
        assert!(handled.is_acknowledged());
    }
    assert_eq!(processed.get(), 1, "the replay was recognised");
}

#[test]
fn the_flow_remembers_a_completed_event_for_the_providers_ttl_unless_told_otherwise() {
    let receiver = standard();
    let store = MemoryStore::default();
    let once = ExactlyOnce::new(&receiver, &store, "standard");
    assert_eq!(once.ttl(), ttl_for(&receiver));
    assert!(once.ttl() > Duration::ZERO);
    let week = Duration::from_secs(7 * 86_400);
    assert_eq!(once.with_ttl(week).ttl(), week);
}

#[test]
fn retry_after_is_the_lease_left_in_whole_seconds_rounded_up_and_at_least_one() {
    fn retry_after(lease_left: Duration) -> String {
        let busy: Handled<(), ()> = Handled::InProgress {
            retry_after: lease_left,
        };
        let reply = busy.into_response();
        assert_eq!(reply.status(), StatusCode::TOO_MANY_REQUESTS);
        reply.headers()["retry-after"]
            .to_str()
            .expect("ascii")
            .to_owned()
    }
    assert_eq!(retry_after(Duration::from_millis(4_200)), "5");
    assert_eq!(retry_after(Duration::from_nanos(4_000_000_001)), "5");
    assert_eq!(retry_after(Duration::from_secs(4)), "4");
    assert_eq!(retry_after(Duration::from_millis(1)), "1");
    assert_eq!(retry_after(Duration::ZERO), "1");
}
