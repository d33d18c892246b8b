//! The test suite every idempotency store must pass, sync and async alike:
//! `first_seen`, and the claim protocol (claim, lease, complete, release).
//! Shared by `tests/dedup.rs` (MemoryStore, both traits) and
//! `tests/dedup_redis.rs` (RedisStore, AsyncRedisStore).
#![allow(dead_code, reason = "each test file uses a different subset")]

use std::fmt::Debug;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use tokio::runtime::Runtime;
use webhook_kit::dedup::{AsyncIdempotencyStore, Claim, ClaimToken, IdempotencyStore, Settled};

const HOUR: Duration = Duration::from_secs(3600);
const LEASE: Duration = Duration::from_secs(30);

/// Ids unique to this run, so that a shared server (`REDIS_URL`) never
/// holds a key from an earlier run.
pub(crate) fn unique(label: &str) -> String {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    format!("{label}-{}-{nanos}-{n}", std::process::id())
}

/// A store's steps as blocking calls that expect the store to be
/// reachable, so that one suite drives sync and async stores.
pub(crate) trait Steps: Sync {
    fn first_seen(&self, provider: &str, id: &str, ttl: Duration) -> bool;
    fn claim(&self, provider: &str, id: &str, lease: Duration) -> Claim;
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Settled;
    fn release(&self, token: &ClaimToken) -> Settled;
    fn forget(&self, provider: &str, id: &str) -> bool;
}

/// A sync store ([`IdempotencyStore`]).
pub(crate) struct Blocking<S>(pub(crate) S);

impl<S: IdempotencyStore + Sync> Steps for Blocking<S>
where
    S::Error: Debug,
{
    fn first_seen(&self, provider: &str, id: &str, ttl: Duration) -> bool {
        self.0
            .first_seen(provider, id, ttl)
            .expect("store reachable")
    }
    fn claim(&self, provider: &str, id: &str, lease: Duration) -> Claim {
        self.0.claim(provider, id, lease).expect("store reachable")
    }
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Settled {
        self.0.complete(token, ttl).expect("store reachable")
    }
    fn release(&self, token: &ClaimToken) -> Settled {
        self.0.release(token).expect("store reachable")
    }
    fn forget(&self, provider: &str, id: &str) -> bool {
        self.0.forget(provider, id).expect("store reachable")
    }
}

/// An async store ([`AsyncIdempotencyStore`]), each step awaited on a
/// multi-threaded tokio runtime.
pub(crate) struct OnRuntime<S> {
    pub(crate) store: Arc<S>,
    pub(crate) runtime: Arc<Runtime>,
}

impl<S> OnRuntime<S> {
    pub(crate) fn new(store: S, runtime: Arc<Runtime>) -> Self {
        OnRuntime {
            store: Arc::new(store),
            runtime,
        }
    }
}

pub(crate) fn runtime() -> Arc<Runtime> {
    Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime"),
    )
}

impl<S: AsyncIdempotencyStore + Send + Sync> Steps for OnRuntime<S>
where
    S::Error: Debug,
{
    fn first_seen(&self, provider: &str, id: &str, ttl: Duration) -> bool {
        let step = AsyncIdempotencyStore::first_seen(&*self.store, provider, id, ttl);
        self.runtime.block_on(step).expect("store reachable")
    }
    fn claim(&self, provider: &str, id: &str, lease: Duration) -> Claim {
        let step = AsyncIdempotencyStore::claim(&*self.store, provider, id, lease);
        self.runtime.block_on(step).expect("store reachable")
    }
    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Settled {
        let step = AsyncIdempotencyStore::complete(&*self.store, token, ttl);
        self.runtime.block_on(step).expect("store reachable")
    }
    fn release(&self, token: &ClaimToken) -> Settled {
        let step = AsyncIdempotencyStore::release(&*self.store, token);
        self.runtime.block_on(step).expect("store reachable")
    }
    fn forget(&self, provider: &str, id: &str) -> bool {
        let step = AsyncIdempotencyStore::forget(&*self.store, provider, id);
        self.runtime.block_on(step).expect("store reachable")
    }
}

fn claimed(claim: Claim) -> ClaimToken {
    match claim {
        Claim::Claimed(token) => token,
        other => panic!("expected a claim, got {other:?}"),
    }
}

// ---- first_seen ----

/// The first sighting is new; each later one within the TTL is a duplicate.
pub(crate) fn first_seen_then_duplicate(store: &impl Steps) {
    let id = unique("evt");
    assert!(
        store.first_seen("clickfunnels", &id, HOUR),
        "first sighting"
    );
    for _ in 0..3 {
        assert!(!store.first_seen("clickfunnels", &id, HOUR), "duplicate");
    }
    let other = unique("evt");
    assert!(
        store.first_seen("clickfunnels", &other, HOUR),
        "another id is new"
    );
}

/// The same id from two providers is two events; ids that would collide
/// if provider and id were simply joined stay apart too.
pub(crate) fn providers_are_separate(store: &impl Steps) {
    let id = unique("42");
    assert!(store.first_seen("falu", &id, HOUR));
    assert!(
        store.first_seen("funnel", &id, HOUR),
        "other provider, same id"
    );
    assert!(!store.first_seen("falu", &id, HOUR));
    assert!(!store.first_seen("funnel", &id, HOUR));

    let tail = unique("x");
    assert!(store.first_seen("a:b", &tail, HOUR));
    assert!(
        store.first_seen("a", &format!("b:{tail}"), HOUR),
        "no key collision"
    );
    assert!(store.first_seen("ab", &tail, HOUR));
    assert!(!store.first_seen("a:b", &tail, HOUR));
    // Claims are keyed the same way.
    assert!(matches!(store.claim("a:b", &tail, LEASE), Claim::Done));
    assert!(matches!(
        store.claim("a:b:", &tail, LEASE),
        Claim::Claimed(_)
    ));
}

/// Polls `step` (bounded: 5 s past `after`) until it gives `Some`.
fn eventually<T>(after: Duration, mut step: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = step() {
            return value;
        }
        assert!(
            start.elapsed() < after + Duration::from_secs(5),
            "never happened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Once the TTL has passed, the id is new again, and never before.
pub(crate) fn expiry(store: &impl Steps) {
    let ttl = Duration::from_millis(400);
    let id = unique("expiring");
    let start = Instant::now();
    assert!(store.first_seen("standard", &id, ttl));
    assert!(
        !store.first_seen("standard", &id, ttl),
        "still within the TTL"
    );
    // Redis expires keys lazily on access, so this is quick.
    eventually(ttl, || store.first_seen("standard", &id, ttl).then_some(()));
    assert!(
        start.elapsed() >= ttl,
        "new again after {:?}",
        start.elapsed()
    );
    assert!(!store.first_seen("standard", &id, ttl), "recorded again");
}

/// Many threads check the same ids at the same moment: for each id exactly
/// one of them wins.
pub(crate) fn concurrent_first_seen(store: &impl Steps) {
    race(store, |store, id| store.first_seen("fourvenues", id, HOUR));
}

/// `THREADS` threads run `attempt` on each of `ROUNDS` ids at once; for
/// each id exactly one gets `true`.
fn race<S: Steps>(store: &S, attempt: impl Fn(&S, &str) -> bool + Sync) {
    const THREADS: usize = 12;
    const ROUNDS: usize = 20;
    let ids: Vec<String> = (0..ROUNDS).map(|_| unique("race")).collect();
    let barrier = Barrier::new(THREADS);
    let wins: Vec<AtomicUsize> = (0..ROUNDS).map(|_| AtomicUsize::new(0)).collect();
    std::thread::scope(|scope| {
        for _ in 0..THREADS {
            scope.spawn(|| {
                for (id, wins) in ids.iter().zip(&wins) {
                    barrier.wait();
                    if attempt(store, id) {
                        wins.fetch_add(1, Ordering::SeqCst);
                    }
                }
            });
        }
    });
    for (id, wins) in ids.iter().zip(&wins) {
        assert_eq!(wins.load(Ordering::SeqCst), 1, "winners for {id}");
    }
}

// ---- the claim protocol ----

/// Claimed, then in progress while the lease runs, then done once
/// completed, for claims and `first_seen` alike.
pub(crate) fn claim_in_progress_then_done(store: &impl Steps) {
    let id = unique("evt");
    let token = claimed(store.claim("standard", &id, LEASE));
    assert_eq!(token.event_id(), id);
    match store.claim("standard", &id, LEASE) {
        Claim::InProgress { lease_left } => {
            assert!(
                lease_left <= LEASE && lease_left > LEASE / 2,
                "{lease_left:?}"
            )
        }
        other => panic!("expected in progress, got {other:?}"),
    }
    assert!(
        !store.first_seen("standard", &id, HOUR),
        "a claim counts as seen"
    );
    assert_eq!(store.complete(&token, HOUR), Settled::Applied);
    for _ in 0..3 {
        assert_eq!(store.claim("standard", &id, LEASE), Claim::Done);
    }
    assert!(!store.first_seen("standard", &id, HOUR));
}

/// A release frees the event for the very next delivery.
pub(crate) fn release_frees_the_event_at_once(store: &impl Steps) {
    let id = unique("evt");
    let first = claimed(store.claim("falu", &id, LEASE));
    assert_eq!(store.release(&first), Settled::Applied);
    let second = claimed(store.claim("falu", &id, LEASE));
    assert_ne!(first, second);
    // The first holder released: it cannot settle the second claim.
    assert_eq!(store.release(&first), Settled::LeaseLost);
    assert_eq!(store.complete(&first, HOUR), Settled::LeaseLost);
    assert_eq!(store.complete(&second, HOUR), Settled::Applied);
    assert_eq!(store.claim("falu", &id, LEASE), Claim::Done);
}

/// A claim whose holder never settles runs out with its lease; the next
/// claim wins, and the stale holder can neither complete nor release.
pub(crate) fn expired_lease_is_claimed_again_and_the_stale_token_loses(store: &impl Steps) {
    let lease = Duration::from_millis(300);
    let id = unique("crash");
    let stale = claimed(store.claim("funnel", &id, lease));
    let fresh = eventually(lease, || match store.claim("funnel", &id, lease) {
        Claim::Claimed(token) => Some(token),
        Claim::InProgress { .. } => None,
        Claim::Done => panic!("never completed"),
    });
    // Give the fresh claim a long lease before the checks below.
    assert_eq!(store.release(&fresh), Settled::Applied);
    let fresh = claimed(store.claim("funnel", &id, HOUR));
    assert_eq!(store.release(&stale), Settled::LeaseLost);
    assert_eq!(store.complete(&stale, HOUR), Settled::LeaseLost);
    assert!(
        matches!(store.claim("funnel", &id, lease), Claim::InProgress { .. }),
        "the stale holder changed nothing"
    );
    assert_eq!(store.complete(&fresh, HOUR), Settled::Applied);
    // Nor can it undo the completion.
    assert_eq!(store.release(&stale), Settled::LeaseLost);
    assert_eq!(store.complete(&stale, HOUR), Settled::LeaseLost);
    assert_eq!(store.claim("funnel", &id, lease), Claim::Done);
}

/// A holder whose lease ran out with nobody else claiming still records
/// its completion: nothing is overwritten, and a duplicate is avoided.
pub(crate) fn completing_after_an_unclaimed_lease_still_records(store: &impl Steps) {
    let lease = Duration::from_millis(200);
    let id = unique("slow");
    let token = claimed(store.claim("clickfunnels", &id, lease));
    std::thread::sleep(lease + Duration::from_millis(50));
    assert_eq!(store.complete(&token, HOUR), Settled::Applied);
    assert_eq!(store.claim("clickfunnels", &id, lease), Claim::Done);
}

/// A step whose reply was lost is sent again with the same token: the
/// repeat changes nothing and reports what the first did.
pub(crate) fn completing_twice_with_one_token_is_harmless(store: &impl Steps) {
    let id = unique("evt");
    let token = claimed(store.claim("fourvenues", &id, LEASE));
    assert_eq!(store.complete(&token, HOUR), Settled::Applied);
    assert_eq!(store.complete(&token, HOUR), Settled::Applied);
    assert_eq!(store.release(&token), Settled::LeaseLost, "done stays done");
    assert_eq!(store.claim("fourvenues", &id, LEASE), Claim::Done);
}

/// A token for the same event that this store never issued settles nothing.
pub(crate) fn a_foreign_token_settles_nothing(store: &impl Steps) {
    let id = unique("evt");
    let token = claimed(store.claim("standard", &id, LEASE));
    let forged = ClaimToken::new("standard", &id);
    assert_eq!(store.complete(&forged, HOUR), Settled::LeaseLost);
    assert_eq!(store.release(&forged), Settled::LeaseLost);
    assert!(matches!(
        store.claim("standard", &id, LEASE),
        Claim::InProgress { .. }
    ));
    assert_eq!(store.complete(&token, HOUR), Settled::Applied);
}

/// `forget` clears a claim or a completion; the next delivery claims.
pub(crate) fn forget_clears_any_state(store: &impl Steps) {
    let id = unique("evt");
    assert!(!store.forget("falu", &id), "nothing to forget");
    let token = claimed(store.claim("falu", &id, LEASE));
    assert!(store.forget("falu", &id));
    let token2 = claimed(store.claim("falu", &id, LEASE));
    assert_eq!(store.complete(&token, HOUR), Settled::LeaseLost);
    assert_eq!(store.complete(&token2, HOUR), Settled::Applied);
    assert!(store.forget("falu", &id));
    let _ = claimed(store.claim("falu", &id, LEASE));
    assert!(store.first_seen("falu", &unique("evt"), HOUR));
}

/// Many threads claim the same ids at once: exactly one is given the
/// claim, every other learns the event is in progress.
pub(crate) fn concurrent_claims(store: &impl Steps) {
    race(store, |store, id| {
        match store.claim("clickfunnels", id, LEASE) {
            Claim::Claimed(_) => true,
            Claim::InProgress { .. } => false,
            Claim::Done => panic!("nobody completed"),
        }
    });
}

/// Many tokio tasks claim one event at once: exactly one claim.
pub(crate) fn concurrent_claims_from_tasks<S>(on: &OnRuntime<S>)
where
    S: AsyncIdempotencyStore + Send + Sync + 'static,
    S::Error: Debug,
{
    const TASKS: usize = 64;
    for _ in 0..5 {
        let id = Arc::new(unique("tasks"));
        let tasks: Vec<_> = (0..TASKS)
            .map(|_| {
                let (store, id) = (Arc::clone(&on.store), Arc::clone(&id));
                on.runtime.spawn(async move {
                    AsyncIdempotencyStore::claim(&*store, "standard", &id, LEASE)
                        .await
                        .expect("store reachable")
                })
            })
            .collect();
        let claims: Vec<Claim> = on.runtime.block_on(async {
            let mut claims = Vec::new();
            for task in tasks {
                claims.push(task.await.expect("task ran"));
            }
            claims
        });
        let won = claims
            .iter()
            .filter(|c| matches!(c, Claim::Claimed(_)))
            .count();
        assert_eq!(won, 1, "{claims:?}");
        assert!(claims.iter().all(|c| !matches!(c, Claim::Done)));
    }
}

/// Generates one `#[test]` per check in a module `$name`; `$make` gives
/// `Option<(impl Steps, guard)>` (`None`: skipped, the reason printed).
#[macro_export]
macro_rules! idempotency_suite {
    ($name:ident, $make:expr) => {
        mod $name {
            use super::*;

            idempotency_suite!(@tests $make;
                first_seen_then_duplicate,
                providers_are_separate,
                expiry,
                concurrent_first_seen,
                claim_in_progress_then_done,
                release_frees_the_event_at_once,
                expired_lease_is_claimed_again_and_the_stale_token_loses,
                completing_after_an_unclaimed_lease_still_records,
                completing_twice_with_one_token_is_harmless,
                a_foreign_token_settles_nothing,
                forget_clears_any_state,
                concurrent_claims
            );
        }
    };
    (@tests $make:expr; $($check:ident),+) => {$(
        #[test]
        fn $check() {
            if let Some((store, _guard)) = $make() {
                idempotency_suite::$check(&store);
            }
        }
    )+};
}
