//! Idempotency: `MemoryStore` against the shared suite (through the sync and
//! the async trait), its bounds and clock, the TTL and lease each provider
//! needs, and the `ExactlyOnce` handler flow.

mod idempotency_suite;

use std::sync::Arc;
use std::time::{Duration, Instant};

use idempotency_suite::{Blocking, OnRuntime};
use webhook_kit::dedup::{
    Claim, ClaimToken, DEFAULT_ATTEMPT_TIMEOUT, IdempotencyStore, MAX_ID_LEN, MemoryStore, Settled,
    StoreFull, TTL_MARGIN, recovers_from_crash, stored_id, ttl_for,
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
fn memory_store_is_shareable_and_fails_only_when_full() {
    fn shareable<T: Send + Sync + std::fmt::Debug + Default>() {}
    shareable::<MemoryStore>();
    let _: Result<bool, StoreFull> = MemoryStore::new(1).first_seen("p", "e", Duration::ZERO);
}

#[test]
fn expiry_follows_the_given_clock() {
    let store = MemoryStore::new(100);
    let ttl = Duration::from_secs(600);
    let t0 = Instant::now();
    assert_eq!(store.first_seen_at("clickfunnels", "e1", ttl, t0), Ok(true));
    let just_before = t0 + ttl - Duration::from_nanos(1);
    assert_eq!(
        store.first_seen_at("clickfunnels", "e1", ttl, just_before),
        Ok(false)
    );
    // A duplicate does not extend the record: it expires at t0 + ttl.
    assert_eq!(
        store.first_seen_at("clickfunnels", "e1", ttl, t0 + ttl),
        Ok(true)
    );
    assert_eq!(
        store.first_seen_at("clickfunnels", "e1", ttl, t0 + ttl + ttl / 2),
        Ok(false)
    );
}

#[test]
fn a_zero_ttl_remembers_nothing() {
    let store = MemoryStore::new(10);
    let now = Instant::now();
    assert_eq!(store.first_seen_at("p", "e", Duration::ZERO, now), Ok(true));
    assert_eq!(store.first_seen_at("p", "e", Duration::ZERO, now), Ok(true));
}

#[test]
fn memory_is_bounded_and_evicts_the_oldest() {
    let store = MemoryStore::new(100);
    let now = Instant::now();
    let ttl = Duration::from_secs(3600);
    for i in 0..250 {
        assert_eq!(
            store.first_seen_at("funnel", &i.to_string(), ttl, now),
            Ok(true)
        );
        assert!(store.len() <= 100);
    }
    assert_eq!(store.len(), 100);
    // The newest hundred are remembered, the oldest were evicted.
    for i in 150..250 {
        assert_eq!(
            store.first_seen_at("funnel", &i.to_string(), ttl, now),
            Ok(false),
            "{i}"
        );
    }
    assert_eq!(store.first_seen_at("funnel", "0", ttl, now), Ok(true));
    assert_eq!(store.first_seen_at("funnel", "149", ttl, now), Ok(true));
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
    let seen = store.first_seen_at(
        "p",
        "secret-looking-id",
        Duration::from_secs(1),
        Instant::now(),
    );
    assert_eq!(seen, Ok(true));
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

/// Standard Webhooks verification under another retry schedule, for the
/// schedules no sender in the crate has.
struct OnSchedule(StandardWebhooks, RetrySchedule);

impl OnSchedule {
    fn new(schedule: RetrySchedule) -> Self {
        let receiver =
            StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret");
        OnSchedule(receiver, schedule)
    }
}

impl Provider for OnSchedule {
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
        self.1.clone()
    }
    fn sign_at(
        &self,
        b: &[u8],
        n: time::OffsetDateTime,
    ) -> Result<http::HeaderMap, webhook_kit::Error> {
        self.0.sign_at(b, n)
    }
}

#[test]
fn ttl_for_a_jittered_schedule_uses_the_longest_waits() {
    let svix = OnSchedule::new(RetrySchedule::svix_server());
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

#[test]
fn a_live_claim_is_never_evicted_and_a_full_store_refuses_new_claims() {
    let store = MemoryStore::new(3);
    let now = Instant::now();
    let lease = Duration::from_secs(30);
    let ttl = Duration::from_secs(3600);
    let claim = |id: &str, at| store.claim_at("github", id, lease, at);
    let Ok(Claim::Claimed(held)) = claim("in-progress", now) else {
        panic!("first claim")
    };
    // Completed records are evicted, oldest first, to make room.
    for i in 0..10 {
        assert_eq!(
            store.first_seen_at("github", &format!("done-{i}"), ttl, now),
            Ok(true)
        );
        assert!(
            matches!(claim("in-progress", now), Ok(Claim::InProgress { .. })),
            "{i}"
        );
    }
    assert_eq!(store.len(), 3);
    // Two more claims fill the store with events in progress.
    assert!(matches!(claim("two", now), Ok(Claim::Claimed(_))));
    assert!(matches!(claim("three", now), Ok(Claim::Claimed(_))));
    assert_eq!(claim("four", now), Err(StoreFull));
    assert_eq!(
        store.first_seen_at("github", "four", ttl, now),
        Err(StoreFull)
    );
    assert!(matches!(
        claim("in-progress", now),
        Ok(Claim::InProgress { .. })
    ));
    // The holder still completes, and its record is kept.
    assert_eq!(store.complete_at(&held, ttl, now), Settled::Applied);
    assert_eq!(claim("in-progress", now), Ok(Claim::Done));
    // Once the leases run out, the abandoned claims make room again.
    let later = now + lease;
    assert!(matches!(claim("four", later), Ok(Claim::Claimed(_))));
    assert_eq!(claim("in-progress", later), Ok(Claim::Done));
}

#[test]
fn replaying_one_delivery_with_huge_ids_keeps_memory_bounded() {
    // 64 KiB ids, as in the review: each is keyed by its digest.
    let store = MemoryStore::default().with_max_bytes(64 * 1024);
    let now = Instant::now();
    let ttl = Duration::from_secs(3600);
    let mut peak = 0;
    for i in 0..300u32 {
        let id = format!("{i:08}{}", "x".repeat(64 * 1024));
        assert_eq!(store.first_seen_at("github", &id, ttl, now), Ok(true));
        assert_eq!(
            store.first_seen_at("github", &id, ttl, now),
            Ok(false),
            "{i}"
        );
        peak = peak.max(store.bytes());
    }
    assert!(peak <= store.max_bytes(), "{peak}");
    // Each entry counts its bounded key, not the 64 KiB id.
    let per_entry = store.bytes() / store.len();
    assert!(
        per_entry <= MemoryStore::ENTRY_OVERHEAD + 2 + "github".len() + 65,
        "{per_entry}"
    );
}

#[test]
fn the_byte_bound_evicts_settled_records_and_never_claims() {
    let per_entry = "4:falue0".len() + 32 + MemoryStore::ENTRY_OVERHEAD;
    let store = MemoryStore::new(1_000).with_max_bytes(3 * per_entry);
    let now = Instant::now();
    let lease = Duration::from_secs(30);
    let ids = ["e0", "e1", "e2"];
    for id in ids {
        assert!(matches!(
            store.claim_at("falu", id, lease, now),
            Ok(Claim::Claimed(_))
        ));
    }
    assert_eq!(store.bytes(), 3 * per_entry);
    assert_eq!(store.claim_at("falu", "e3", lease, now), Err(StoreFull));
    assert_eq!(store.len(), 3);
    // Forgetting gives the bytes back.
    assert!(store.forget("falu", "e0"));
    assert_eq!(store.bytes(), 2 * per_entry);
    assert!(matches!(
        store.claim_at("falu", "e3", lease, now),
        Ok(Claim::Claimed(_))
    ));
    // One entry always fits, whatever the bound.
    let tiny = MemoryStore::new(10).with_max_bytes(1);
    assert!(matches!(
        tiny.claim_at("falu", "e0", lease, now),
        Ok(Claim::Claimed(_))
    ));
    assert_eq!(tiny.claim_at("falu", "e1", lease, now), Err(StoreFull));
}

#[test]
fn long_ids_are_keyed_by_their_digest_and_stay_distinct() {
    let store = MemoryStore::default();
    let now = Instant::now();
    let ttl = Duration::from_secs(60);
    let long = "a".repeat(MAX_ID_LEN + 1);
    let longer = "a".repeat(MAX_ID_LEN + 2);
    assert_eq!(store.first_seen_at("p", &long, ttl, now), Ok(true));
    assert_eq!(store.first_seen_at("p", &longer, ttl, now), Ok(true));
    assert_eq!(store.first_seen_at("p", &long, ttl, now), Ok(false));
    // The digest's text as an id is another event.
    let digest = stored_id(&long).into_owned();
    assert_eq!(store.first_seen_at("p", &digest, ttl, now), Ok(true));
    // A claim on a long id completes and releases through its token.
    let Ok(Claim::Claimed(token)) = store.claim_at("p", &longer.repeat(3), ttl, now) else {
        panic!("claimed")
    };
    assert_eq!(store.release_at(&token, now), Settled::Applied);
    let Ok(Claim::Claimed(token)) = store.claim_at("p", &longer.repeat(3), ttl, now) else {
        panic!("claimed again")
    };
    assert_eq!(store.complete_at(&token, ttl, now), Settled::Applied);
    assert_eq!(
        store.claim_at("p", &longer.repeat(3), ttl, now),
        Ok(Claim::Done)
    );
}

#[test]
fn a_completion_with_room_to_spare_evicts_nothing() {
    let store = MemoryStore::new(50);
    assert_eq!(store.max_entries(), 50);
    let now = Instant::now();
    let ttl = Duration::from_secs(3600);
    for i in 0..10 {
        assert_eq!(
            store.first_seen_at("p", &format!("done-{i}"), ttl, now),
            Ok(true)
        );
    }
    let Ok(Claim::Claimed(token)) = store.claim_at("p", "claimed", ttl, now) else {
        panic!("claimed")
    };
    assert_eq!(store.complete_at(&token, ttl, now), Settled::Applied);
    assert_eq!(store.len(), 11);
    for i in 0..10 {
        assert_eq!(
            store.first_seen_at("p", &format!("done-{i}"), ttl, now),
            Ok(false),
            "{i}"
        );
    }
}

#[test]
fn a_store_is_empty_only_until_it_records_an_event() {
    let store = MemoryStore::default();
    assert!(store.is_empty());
    let now = Instant::now();
    assert_eq!(
        store.first_seen_at("p", "e", Duration::from_secs(60), now),
        Ok(true)
    );
    assert!(!store.is_empty());
    assert!(store.forget("p", "e"));
    assert!(store.is_empty());
}

#[test]
fn a_crash_is_recovered_only_by_a_retry_that_starts_after_the_lease() {
    let secs = Duration::from_secs;
    // One retry, 10 s after the first attempt.
    let one_retry = OnSchedule::new(RetrySchedule::fixed(vec![secs(10)]));
    assert!(recovers_from_crash(&one_retry, secs(5)));
    assert!(!recovers_from_crash(&one_retry, secs(11)));
    // No retry at all: not even a zero lease is recovered.
    let never = OnSchedule::new(RetrySchedule::none());
    assert!(!recovers_from_crash(&never, Duration::ZERO));
    // Jitter of 20 %: the retry may come as early as 80 s.
    let jittered = OnSchedule::new(RetrySchedule::fixed(vec![secs(100)]).with_jitter(0.2));
    assert!(recovers_from_crash(&jittered, secs(79)));
    assert!(!recovers_from_crash(&jittered, secs(81)));
}

#[test]
fn settling_is_applied_only_while_the_token_holds_the_claim() {
    let store = MemoryStore::default();
    let lease = Duration::from_secs(10);
    let now = Instant::now();
    let Ok(Claim::Claimed(slow)) = store.claim_at("p", "e", lease, now) else {
        panic!("claimed")
    };
    let later = now + lease;
    let Ok(Claim::Claimed(retry)) = store.claim_at("p", "e", lease, later) else {
        panic!("claimed again after the lease")
    };
    assert!(!store.release_at(&slow, later).is_applied());
    assert!(store.release_at(&retry, later).is_applied());
}

#[test]
fn a_claim_tokens_debug_names_its_event_and_value() {
    let token = ClaimToken::new("falu", "evt_1");
    let shown = format!("{token:?}");
    assert!(shown.starts_with("ClaimToken"), "{shown}");
    for part in ["falu", "evt_1", token.as_str()] {
        assert!(shown.contains(part), "{part} in {shown}");
    }
}

#[test]
fn the_oldest_record_is_still_evicted_after_stale_copies_are_dropped() {
    let store = MemoryStore::new(4);
    let hour = Duration::from_secs(3600);
    let second = Duration::from_secs(1);
    let mut now = Instant::now();
    for id in ["a", "b", "c"] {
        assert_eq!(store.first_seen_at("p", id, hour, now), Ok(true));
    }
    // "d" is recorded again each time it expires: each record leaves a
    // stale copy in the eviction order, until the store drops them.
    for _ in 0..40 {
        assert_eq!(store.first_seen_at("p", "d", second, now), Ok(true));
        now += second;
    }
    assert_eq!(store.first_seen_at("p", "d", hour, now), Ok(true));
    assert_eq!(store.len(), 4);
    // Full: the oldest record, "a", makes room for "e".
    assert_eq!(store.first_seen_at("p", "e", hour, now), Ok(true));
    assert_eq!(store.first_seen_at("p", "b", hour, now), Ok(false));
    assert_eq!(store.first_seen_at("p", "d", hour, now), Ok(false));
    assert_eq!(store.first_seen_at("p", "a", hour, now), Ok(true));
}

#[test]
fn a_completed_claim_counts_its_key_and_token_once() {
    let store = MemoryStore::default();
    let t0 = Instant::now();
    let Ok(Claim::Claimed(token)) = store.claim_at("falu", "evt_1", Duration::from_secs(30), t0)
    else {
        panic!("the first delivery claims");
    };
    // The key "4:faluevt_1", the token's 32 hex digits, the overhead.
    let entry = "4:faluevt_1".len() + 32 + MemoryStore::ENTRY_OVERHEAD;
    assert_eq!(store.bytes(), entry);
    let ttl = Duration::from_secs(600);
    assert_eq!(store.complete_at(&token, ttl, t0), Settled::Applied);
    assert_eq!((store.len(), store.bytes()), (1, entry));
    // Completing again changes nothing.
    assert_eq!(store.complete_at(&token, ttl, t0), Settled::Applied);
    assert_eq!((store.len(), store.bytes()), (1, entry));
}
