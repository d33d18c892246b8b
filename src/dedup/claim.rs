//! The values of the claim protocol: what a claim answers, the token that
//! proves who holds it, and what settling it did.

use std::collections::hash_map::RandomState;
use std::fmt;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The answer to [`IdempotencyStore::claim`](super::IdempotencyStore::claim).
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::{Claim, IdempotencyStore, MemoryStore};
///
/// let store = MemoryStore::default();
/// let lease = Duration::from_secs(30);
/// let Claim::Claimed(token) = store.claim("falu", "evt_1", lease)? else {
///     unreachable!("the first delivery claims")
/// };
/// // A redelivery while the first is processing: try again later.
/// assert!(matches!(store.claim("falu", "evt_1", lease)?, Claim::InProgress { .. }));
/// store.complete(&token, Duration::from_secs(3600))?;
/// assert!(matches!(store.claim("falu", "evt_1", lease)?, Claim::Done));
/// # Ok::<(), webhook_kit::dedup::StoreFull>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[must_use = "a claim must be completed or released, or it holds the event until its lease ends"]
pub enum Claim {
    /// This delivery holds the event: process it, then
    /// [`complete`](super::IdempotencyStore::complete) or
    /// [`release`](super::IdempotencyStore::release) with the token.
    Claimed(ClaimToken),
    /// Another delivery holds a live claim: the event may still succeed or
    /// fail. Ask the sender to try again after `lease_left`.
    InProgress {
        /// How long the other claim's lease still runs.
        lease_left: Duration,
    },
    /// The event was completed: acknowledge it, do not process it again.
    Done,
}

/// Proof that a delivery holds the claim on one event.
///
/// Only the holder of the token can complete or release the claim, so a
/// slow first attempt whose lease ran out cannot overwrite what a later
/// attempt recorded. Tokens are 128 bits from the standard library's
/// randomly keyed hasher, unique per claim across processes and machines;
/// they guard against mistakes, not against an attacker who can read the
/// store.
///
/// ```
/// use webhook_kit::dedup::ClaimToken;
///
/// let a = ClaimToken::new("funnel", "8932127");
/// let b = ClaimToken::new("funnel", "8932127");
/// assert_eq!(a.event_id(), "8932127");
/// assert_ne!(a, b); // every claim gets its own token
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct ClaimToken {
    provider: Box<str>,
    event_id: Box<str>,
    value: Box<str>,
}

impl ClaimToken {
    /// A fresh token for a claim on `(provider, event_id)`. Stores call it;
    /// implement [`IdempotencyStore`](super::IdempotencyStore) for your own
    /// database with it.
    ///
    /// ```
    /// use webhook_kit::dedup::ClaimToken;
    ///
    /// let token = ClaimToken::new("stripe", "evt_1");
    /// assert_eq!((token.provider(), token.event_id()), ("stripe", "evt_1"));
    /// assert_ne!(token, ClaimToken::new("stripe", "evt_1"));
    /// ```
    pub fn new(provider: &str, event_id: &str) -> Self {
        ClaimToken {
            provider: provider.into(),
            event_id: event_id.into(),
            value: fresh_value().into(),
        }
    }

    /// The provider name the claim was made under.
    ///
    /// ```
    /// # use webhook_kit::dedup::ClaimToken;
    /// assert_eq!(ClaimToken::new("falu", "evt_1").provider(), "falu");
    /// ```
    pub fn provider(&self) -> &str {
        &self.provider
    }

    /// The claimed event's id.
    ///
    /// ```
    /// # use webhook_kit::dedup::ClaimToken;
    /// assert_eq!(ClaimToken::new("falu", "evt_1").event_id(), "evt_1");
    /// ```
    pub fn event_id(&self) -> &str {
        &self.event_id
    }

    /// The token itself: 32 lowercase hex digits, what a store keeps to
    /// recognise the holder.
    ///
    /// ```
    /// # use webhook_kit::dedup::ClaimToken;
    /// let token = ClaimToken::new("falu", "evt_1");
    /// assert_eq!(token.as_str().len(), 32);
    /// ```
    pub fn as_str(&self) -> &str {
        &self.value
    }

    /// The token's text as fixed bytes, for a store that keeps it beside
    /// its entry rather than in an allocation of its own.
    pub(super) fn text(&self) -> TokenText {
        let mut text = [0; TOKEN_LEN];
        // Always the whole of it: `new` makes every value `TOKEN_LEN` long.
        let len = self.value.len().min(TOKEN_LEN);
        text[..len].copy_from_slice(&self.value.as_bytes()[..len]);
        text
    }
}

/// The length of every token's text: 128 bits in hex.
const TOKEN_LEN: usize = 32;

/// A token's text as [`ClaimToken::text`] gives it.
pub(super) type TokenText = [u8; TOKEN_LEN];

impl fmt::Debug for ClaimToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClaimToken")
            .field("provider", &self.provider)
            .field("event_id", &self.event_id)
            .field("token", &self.value)
            .finish()
    }
}

/// 128 bits that no other claim, here or on another machine, gets: two
/// randomly keyed hashes of the time, the process and a counter.
fn fresh_value() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    // A system call each time (glibc does not cache it): read once.
    let process = std::process::id();
    let mut halves = [0u64; 2];
    for (salt, half) in halves.iter_mut().enumerate() {
        // Each `RandomState` draws fresh keys (OS randomness per thread,
        // then incremented), so the two halves are independent.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_usize(salt);
        hasher.write_u128(nanos);
        hasher.write_u32(process);
        hasher.write_u64(count);
        *half = hasher.finish();
    }
    format!("{:016x}{:016x}", halves[0], halves[1])
}

/// What [`complete`](super::IdempotencyStore::complete) or
/// [`release`](super::IdempotencyStore::release) did.
///
/// ```
/// use std::time::{Duration, Instant};
/// use webhook_kit::dedup::{Claim, MemoryStore, Settled};
///
/// let store = MemoryStore::default();
/// let lease = Duration::from_secs(10);
/// let t0 = Instant::now();
/// let Ok(Claim::Claimed(slow)) = store.claim_at("funnel", "1", lease, t0) else { unreachable!() };
/// // The lease runs out; a redelivery claims the event.
/// let t1 = t0 + lease;
/// let Ok(Claim::Claimed(retry)) = store.claim_at("funnel", "1", lease, t1) else { unreachable!() };
/// // The slow first attempt cannot settle what the retry holds.
/// assert_eq!(store.release_at(&slow, t1), Settled::LeaseLost);
/// assert_eq!(store.complete_at(&retry, Duration::from_secs(60), t1), Settled::Applied);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[must_use]
pub enum Settled {
    /// Done: the event is recorded as completed, or released for the next
    /// delivery. Also the answer when the lease had run out but no other
    /// delivery had claimed the event since.
    Applied,
    /// Nothing changed: since the lease ran out, another delivery claimed or
    /// completed the event. Its holder decides now.
    LeaseLost,
}

impl Settled {
    /// Whether the token still held the event.
    ///
    /// ```
    /// # use webhook_kit::dedup::Settled;
    /// assert!(Settled::Applied.is_applied());
    /// assert!(!Settled::LeaseLost.is_applied());
    /// ```
    pub fn is_applied(self) -> bool {
        self == Settled::Applied
    }
}
