//! The test suite every `IdempotencyStore` must pass, shared by
//! `tests/dedup.rs` (MemoryStore) and `tests/dedup_redis.rs` (RedisStore).

use std::fmt::Debug;
use std::sync::Barrier;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use webhook_kit::dedup::IdempotencyStore;

const HOUR: Duration = Duration::from_secs(3600);

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

fn seen<S: IdempotencyStore>(store: &S, provider: &str, id: &str, ttl: Duration) -> bool
where
    S::Error: Debug,
{
    store
        .first_seen(provider, id, ttl)
        .expect("store reachable")
}

/// The first sighting is new; each later one within the TTL is a duplicate.
pub(crate) fn first_seen_then_duplicate<S: IdempotencyStore>(store: &S)
where
    S::Error: Debug,
{
    let id = unique("evt");
    assert!(seen(store, "clickfunnels", &id, HOUR), "first sighting");
    for _ in 0..3 {
        assert!(!seen(store, "clickfunnels", &id, HOUR), "duplicate");
    }
    let other = unique("evt");
    assert!(
        seen(store, "clickfunnels", &other, HOUR),
        "another id is new"
    );
}

/// The same id from two providers is two events; ids that would collide
/// if provider and id were simply joined stay apart too.
pub(crate) fn providers_are_separate<S: IdempotencyStore>(store: &S)
where
    S::Error: Debug,
{
    let id = unique("42");
    assert!(seen(store, "falu", &id, HOUR));
    assert!(seen(store, "funnel", &id, HOUR), "other provider, same id");
    assert!(!seen(store, "falu", &id, HOUR));
    assert!(!seen(store, "funnel", &id, HOUR));

    let tail = unique("x");
    assert!(seen(store, "a:b", &tail, HOUR));
    assert!(
        seen(store, "a", &format!("b:{tail}"), HOUR),
        "no key collision"
    );
    assert!(seen(store, "ab", &tail, HOUR));
    assert!(!seen(store, "a:b", &tail, HOUR));
}

/// Once the TTL has passed, the id is new again, and never before.
pub(crate) fn expiry<S: IdempotencyStore>(store: &S)
where
    S::Error: Debug,
{
    let ttl = Duration::from_millis(400);
    let id = unique("expiring");
    let start = Instant::now();
    assert!(seen(store, "standard", &id, ttl));
    assert!(!seen(store, "standard", &id, ttl), "still within the TTL");
    // Bounded wait: Redis expires keys lazily on access, so this is quick.
    loop {
        if seen(store, "standard", &id, ttl) {
            assert!(
                start.elapsed() >= ttl,
                "new again after {:?}",
                start.elapsed()
            );
            break;
        }
        assert!(
            start.elapsed() < ttl + Duration::from_secs(5),
            "never expired"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    assert!(!seen(store, "standard", &id, ttl), "recorded again");
}

/// Many threads check the same ids at the same moment: for each id exactly
/// one of them wins.
pub(crate) fn concurrent_first_seen<S: IdempotencyStore + Sync>(store: &S)
where
    S::Error: Debug,
{
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
                    if seen(store, "fourvenues", id, HOUR) {
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

/// Generates one `#[test]` per check; `$make` gives `Option<(store, guard)>`
/// (`None`: skipped, the reason already printed).
#[macro_export]
macro_rules! idempotency_suite {
    ($make:expr) => {
        #[test]
        fn suite_first_seen_then_duplicate() {
            if let Some((store, _guard)) = $make() {
                idempotency_suite::first_seen_then_duplicate(&store);
            }
        }

        #[test]
        fn suite_providers_are_separate() {
            if let Some((store, _guard)) = $make() {
                idempotency_suite::providers_are_separate(&store);
            }
        }

        #[test]
        fn suite_expiry() {
            if let Some((store, _guard)) = $make() {
                idempotency_suite::expiry(&store);
            }
        }

        #[test]
        fn suite_concurrent_first_seen() {
            if let Some((store, _guard)) = $make() {
                idempotency_suite::concurrent_first_seen(&store);
            }
        }
    };
}
