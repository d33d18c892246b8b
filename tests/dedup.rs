//! Idempotency: `MemoryStore` against the shared suite (through the sync and
//! the async trait), its bounds and clock, the TTL and lease each provider
//! needs, and the `ExactlyOnce` handler flow.

mod idempotency_suite;

use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use idempotency_suite::{Blocking, OnRuntime};
use webhook_kit::dedup::{
    DEFAULT_ATTEMPT_TIMEOUT, IdempotencyStore, MemoryStore, TTL_MARGIN, ttl_for,
};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Provider, RetrySchedule};

fn memory() -> Option<(Blocking<MemoryStore>, ())> {
    Some((Blocking(MemoryStore::default()), ()))
}

fn memory_async() -> Option<(OnRuntime<MemoryStore>, ())> {
    let runtime = idempotency_suite::runtime();
    Some((OnRuntime::new(MemoryStore::default(), runtime), ()))
}

idempotency_suite!(memory_sync, memory);
idempotency_suite!(memory_async, memory_async);

#[test]
fn memory_async_claims_from_many_tasks_once() {
    let (on, ()) = memory_async().expect("always");
    idempotency_suite::concurrent_claims_from_tasks(&on);
}

#[test]
fn the_suite_passes_through_arc_and_references() {
    let store = Arc::new(MemoryStore::new(1000));
    idempotency_suite::first_seen_then_duplicate(&Blocking(&store));
    idempotency_suite::concurrent_claims(&Blocking(Arc::clone(&store)));
    let by_ref: &MemoryStore = &store;
    idempotency_suite::providers_are_separate(&Blocking(by_ref));
    idempotency_suite::claim_in_progress_then_done(&OnRuntime::new(
        Arc::clone(&store),
        idempotency_suite::runtime(),
    ));
}

#[test]
fn memory_store_is_shareable_and_infallible() {
    fn shareable<T: Send + Sync + std::fmt::Debug + Default>() {}
    shareable::<MemoryStore>();
    let _: Result<bool, Infallible> = MemoryStore::new(1).first_seen("p", "e", Duration::ZERO);
}

#[test]
fn expiry_follows_the_given_clock() {
    let store = MemoryStore::new(100);
    let ttl = Duration::from_secs(600);
    let t0 = Instant::now();
    assert!(store.first_seen_at("clickfunnels", "e1", ttl, t0));
    let just_before = t0 + ttl - Duration::from_nanos(1);
    assert!(!store.first_seen_at("clickfunnels", "e1", ttl, just_before));
    // A duplicate does not extend the record: it expires at t0 + ttl.
    assert!(store.first_seen_at("clickfunnels", "e1", ttl, t0 + ttl));
    assert!(!store.first_seen_at("clickfunnels", "e1", ttl, t0 + ttl + ttl / 2));
}

#[test]
fn a_zero_ttl_remembers_nothing() {
    let store = MemoryStore::new(10);
    let now = Instant::now();
    assert!(store.first_seen_at("p", "e", Duration::ZERO, now));
    assert!(store.first_seen_at("p", "e", Duration::ZERO, now));
}

#[test]
fn memory_is_bounded_and_evicts_the_oldest() {
    let store = MemoryStore::new(100);
    let now = Instant::now();
    let ttl = Duration::from_secs(3600);
    for i in 0..250 {
        assert!(store.first_seen_at("funnel", &i.to_string(), ttl, now));
        assert!(store.len() <= 100);
    }
    assert_eq!(store.len(), 100);
    // The newest hundred are remembered, the oldest were evicted.
    for i in 150..250 {
        assert!(
            !store.first_seen_at("funnel", &i.to_string(), ttl, now),
            "{i}"
        );
    }
    assert!(store.first_seen_at("funnel", "0", ttl, now));
    assert!(store.first_seen_at("funnel", "149", ttl, now));
}

#[test]
fn forgetting_lets_the_retry_through() {
    let store = MemoryStore::default();
    let ttl = Duration::from_secs(60);
    assert!(store.first_seen("falu", "evt_1", ttl).is_ok_and(|new| new));
    assert_eq!(IdempotencyStore::forget(&store, "falu", "evt_1"), Ok(true));
    assert!(store.first_seen("falu", "evt_1", ttl).is_ok_and(|new| new));
    assert!(store.forget("falu", "evt_1"));
    assert!(!store.forget("falu", "evt_1"));
    assert!(store.first_seen("falu", "evt_1", ttl).is_ok_and(|new| new));
    assert!(store.first_seen("falu", "evt_1", ttl).is_ok_and(|new| !new));
}

#[test]
fn debug_shows_size_not_ids() {
    let store = MemoryStore::new(5);
    store.first_seen_at(
        "p",
        "secret-looking-id",
        Duration::from_secs(1),
        Instant::now(),
    );
    let shown = format!("{store:?}");
    assert!(
        shown.contains("len: 1") && shown.contains("max_entries: 5"),
        "{shown}"
    );
    assert!(!shown.contains("secret-looking-id"));
}

/// `ttl_for`'s documented formula, recomputed from the schedule's parts.
fn expected_ttl(schedule: &RetrySchedule, default_timeout: bool) -> Duration {
    let delays: Duration = schedule.delays().sum();
    let timeout = if default_timeout {
        DEFAULT_ATTEMPT_TIMEOUT
    } else {
        schedule.timeout().expect("a published timeout")
    };
    let base = delays + timeout * schedule.max_attempts();
    base + base / 10 + TTL_MARGIN
}

fn assert_ttl_covers_every_redelivery<P: Provider>(name: &str, provider: &P) {
    let schedule = provider.retry_schedule();
    let ttl = ttl_for(provider);
    assert_eq!(
        ttl,
        expected_ttl(&schedule, schedule.timeout().is_none()),
        "{name}"
    );
    // The last redelivery starts within the horizon, each earlier attempt
    // having run at most its timeout: the TTL reaches past it.
    let latest_start = schedule.horizon()
        + schedule.timeout().unwrap_or(DEFAULT_ATTEMPT_TIMEOUT) * (schedule.max_attempts() - 1);
    assert!(ttl > latest_start + TTL_MARGIN, "{name}: {ttl:?}");
}

#[test]
fn ttl_for_standard_webhooks() {
    let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret");
    assert_ttl_covers_every_redelivery("standard", &receiver);
    // 10 attempts of 15 s after 75 h 35 min 5 s of waits.
    let base = Duration::from_secs(272_105 + 150);
    assert_eq!(
        ttl_for(&receiver),
        base + base / 10 + Duration::from_secs(300)
    );
}

#[test]
fn ttl_for_a_jittered_schedule_uses_the_longest_waits() {
    struct Svix(StandardWebhooks);
    impl Provider for Svix {
        type Event = <StandardWebhooks as Provider>::Event;
        fn verify_at(
            &self,
            h: &http::HeaderMap,
            b: &[u8],
            n: time::OffsetDateTime,
        ) -> Result<webhook_kit::Delivery, webhook_kit::Error> {
            self.0.verify_at(h, b, n)
        }
        fn parse(&self, b: &[u8]) -> Result<Self::Event, webhook_kit::Error> {
            self.0.parse(b)
        }
        fn acknowledge(&self) -> http::Response<&'static str> {
            self.0.acknowledge()
        }
        fn reply_rule(&self) -> webhook_kit::ReplyRule {
            self.0.reply_rule()
        }
        fn retry_schedule(&self) -> RetrySchedule {
            RetrySchedule::svix_server()
        }
        fn sign_at(
            &self,
            b: &[u8],
            n: time::OffsetDateTime,
        ) -> Result<http::HeaderMap, webhook_kit::Error> {
            self.0.sign_at(b, n)
        }
    }
    let svix =
        Svix(StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret"));
    let nominal: Duration = RetrySchedule::svix_server().delays().sum();
    let ttl = ttl_for(&svix);
    // +20 % jitter widens the horizon, and the TTL with it.
    assert!(ttl > nominal * 6 / 5, "{ttl:?}");
    let base = RetrySchedule::svix_server().horizon() + Duration::from_secs(15) * 8;
    assert_eq!(ttl, base + base / 10 + TTL_MARGIN);
}

#[test]
fn ttl_for_every_provider_covers_its_redeliveries() {
    use webhook_kit::clickfunnels::ClickFunnels;
    use webhook_kit::falu::Falu;
    use webhook_kit::fourvenues::Fourvenues;
    use webhook_kit::funnel::Funnel;

    assert_ttl_covers_every_redelivery("funnel", &Funnel::new());
    assert_ttl_covers_every_redelivery("fourvenues", &Fourvenues::new("s").expect("secret"));
    assert_ttl_covers_every_redelivery("falu", &Falu::new("s").expect("secret"));
    assert_ttl_covers_every_redelivery("clickfunnels", &ClickFunnels::new("s").expect("secret"));

    // Funnel: 5 + 10 + 15 s of waits and 4 attempts of 5 s.
    let base = Duration::from_secs(30 + 4 * 5);
    assert_eq!(ttl_for(&Funnel::new()), base + base / 10 + TTL_MARGIN);
    // ClickFunnels publishes no timeout: 9 attempts of our 30 s default
    // after 37 h 21 min 16 s of waits.
    let base = Duration::from_secs(37 * 3600 + 21 * 60 + 16) + 9 * DEFAULT_ATTEMPT_TIMEOUT;
    assert_eq!(
        ttl_for(&ClickFunnels::new("s").expect("secret")),
        base + base / 10 + TTL_MARGIN
    );
    // Falu never retries: one attempt and the margin.
    let base = DEFAULT_ATTEMPT_TIMEOUT;
    assert_eq!(
        ttl_for(&Falu::new("s").expect("secret")),
        base + base / 10 + TTL_MARGIN
    );
}
