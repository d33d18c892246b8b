//! `verify_at` makes no heap allocation, for any provider: a counting global
//! allocator watches a thousand verifications of genuine deliveries (and of
//! rejected ones). Allocation counts are deterministic, so this is a test,
//! not a benchmark. It runs without the test harness (`harness = false`),
//! so no other thread allocates while it counts.

use std::alloc::System;

use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Delivery, Error, Provider};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 1000;

/// Heap allocations made by `ROUNDS` calls of `verify_at` on the request.
fn allocations<P: Provider>(p: &P, body: &[u8], tamper: bool) -> (usize, Result<Delivery, Error>) {
    let now = OffsetDateTime::from_unix_timestamp(1_712_258_191).expect("valid time");
    let headers = p.sign_at(body, now).expect("sign");
    let mut body = body.to_vec();
    if tamper {
        body[5] ^= 1;
    }
    // Warm up anything lazily initialised, outside the counted region.
    let _ = p.verify_at(&headers, &body, now);
    let mut result = Err(Error::SignatureMismatch);
    let region = Region::new(GLOBAL);
    for _ in 0..ROUNDS {
        result = p.verify_at(&headers, &body, now);
    }
    let change = region.change();
    (change.allocations + change.reallocations, result)
}

fn check<P: Provider>(name: &str, p: &P, body: &[u8]) {
    let (count, result) = allocations(p, body, false);
    assert!(
        result.is_ok(),
        "{name}: the genuine delivery verifies: {result:?}"
    );
    assert_eq!(
        count, 0,
        "{name}: {count} allocations in {ROUNDS} verifications"
    );
    println!("{name}: 0 allocations in {ROUNDS} verifications");
    if name != "funnel" {
        let (count, result) = allocations(p, body, true);
        assert_eq!(result, Err(Error::SignatureMismatch), "{name}: tampered");
        assert_eq!(
            count, 0,
            "{name}: {count} allocations in {ROUNDS} rejections"
        );
        println!("{name}: 0 allocations in {ROUNDS} rejections");
    }
}

fn main() {
    let secret = "a webhook secret";
    let standard = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
        .expect("secret")
        .with_secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
        .expect("secret");
    check(
        "standard",
        &standard,
        br#"{"type": "invoice.paid", "data": {"id": 7}}"#,
    );
    check(
        "falu",
        &Falu::new(secret)
            .and_then(|r| r.with_secret("old"))
            .expect("secret"),
        include_bytes!("data/falu_basic_payment_updated.json"),
    );
    check(
        "clickfunnels",
        &ClickFunnels::new(secret)
            .and_then(|r| r.with_secret("old"))
            .expect("secret"),
        include_bytes!("data/clickfunnels_contact_identified.json"),
    );
    check(
        "fourvenues",
        &Fourvenues::new(secret)
            .and_then(|r| r.with_secret("old"))
            .expect("secret"),
        include_bytes!("data/fourvenues_payment_success.json"),
    );
    check(
        "funnel",
        &Funnel::new().with_token(secret).expect("token"),
        include_bytes!("data/funnel_v2_status_updated.json"),
    );

    // The counter itself works: an allocation is seen.
    let region = Region::new(GLOBAL);
    let boxed = std::hint::black_box(Box::new([0u8; 64]));
    assert!(region.change().allocations >= 1, "the counter counts");
    drop(boxed);
    println!("no_alloc: ok");
}
