//! `verify_at` makes no heap allocation, for any provider: a counting global
//! allocator watches a thousand verifications of genuine deliveries (and of
//! rejected ones). Allocation counts are deterministic, so this is a test,
//! not a benchmark. It runs without the test harness (`harness = false`),
//! so no other thread allocates while it counts.

mod senders;

use std::alloc::System;

use senders::{all, now};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};
use webhook_kit::dedup::{Claim, MemoryStore, Settled};
use webhook_kit::{Delivery, DynProvider, Error};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const ROUNDS: usize = 1000;

/// Heap allocations made by `ROUNDS` calls of `verify_at` on the request.
fn allocations(p: &DynProvider, body: &[u8], tamper: bool) -> (usize, Result<Delivery, Error>) {
    let headers = p.sign_at(body, now()).expect("sign");
    let mut body = body.to_vec();
    if tamper {
        body[5] ^= 1;
    }
    // Warm up anything lazily initialised, outside the counted region.
    let _ = p.verify_at(&headers, &body, now());
    let mut result = Err(Error::SignatureMismatch);
    let region = Region::new(GLOBAL);
    for _ in 0..ROUNDS {
        result = p.verify_at(&headers, &body, now());
    }
    let change = region.change();
    (change.allocations + change.reallocations, result)
}

fn main() {
    let senders = all();
    for sender in &senders {
        let name = sender.name;
        let (count, result) = allocations(sender.signer(), sender.body, false);
        assert!(
            result.is_ok(),
            "{name}: the genuine delivery verifies: {result:?}"
        );
        assert_eq!(
            count, 0,
            "{name}: {count} allocations in {ROUNDS} verifications"
        );
        if sender.body_signed {
            let (count, result) = allocations(sender.signer(), sender.body, true);
            assert_eq!(result, Err(Error::SignatureMismatch), "{name}: tampered");
            assert_eq!(
                count, 0,
                "{name}: {count} allocations in {ROUNDS} rejections"
            );
        }
    }

    a_completion_keeps_no_allocation_of_its_own();

    // The counter itself works: an allocation is seen.
    let region = Region::new(GLOBAL);
    let boxed = std::hint::black_box(Box::new([0u8; 64]));
    assert!(region.change().allocations >= 1, "the counter counts");
    drop(boxed);
    println!(
        "no_alloc: {} senders, 0 allocations in verify_at",
        senders.len()
    );
}

/// A `MemoryStore` entry is one allocation, its key: completing a claim
/// takes over the claim's key and keeps the token's text in the entry, so
/// nothing the completion allocates outlives it (under load, allocations
/// that outlive their request cost the most; BENCHMARKS.md).
fn a_completion_keeps_no_allocation_of_its_own() {
    use std::time::{Duration, Instant};

    let store = MemoryStore::default();
    let t0 = Instant::now();
    let lease = Duration::from_secs(30);
    for n in 0..ROUNDS {
        let id = format!("evt_{n}");
        let Ok(Claim::Claimed(token)) = store.claim_at("falu", &id, lease, t0) else {
            panic!("{id}: the first delivery claims");
        };
        let region = Region::new(GLOBAL);
        let settled = store.complete_at(&token, Duration::from_secs(600), t0);
        let change = region.change();
        assert_eq!(settled, Settled::Applied);
        // Reallocations are left out: the store's queue grows in place.
        assert_eq!(
            change.allocations,
            change.deallocations,
            "{id}: a completion left {} allocations behind",
            change.allocations.saturating_sub(change.deallocations)
        );
    }
    assert_eq!(store.len(), ROUNDS);
}
