//! The in-process idempotency store.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::claim::TokenText;
use super::{Claim, ClaimToken, IdempotencyStore, Settled, stored_id};

/// An in-memory [`IdempotencyStore`] (and [`AsyncIdempotencyStore`]):
/// bounded, thread-safe, for a receiver that runs as one process. Each step
/// of the claim protocol is atomic under one mutex.
///
/// [`AsyncIdempotencyStore`]: super::AsyncIdempotencyStore
///
/// # Bounds
///
/// At most `max_entries` ids are kept, in at most
/// [`max_bytes`](Self::max_bytes) (by default 64 MiB, **our default**),
/// each entry counted as its key (provider name and id, the id at most
/// [`MAX_ID_LEN`](super::MAX_ID_LEN) bytes: longer ones are keyed by their
/// digest) plus its token plus [`ENTRY_OVERHEAD`](Self::ENTRY_OVERHEAD)
/// bytes. To record one more when full, the store evicts the oldest
/// record that is not a live claim: expired entries and completed events
/// (an event evicted early is no longer recognised as a duplicate), oldest
/// first. **It never evicts a live claim**, which would hand an event in
/// progress to a second worker: when only live claims are left, a new
/// claim (or `first_seen`) is refused with [`StoreFull`], which
/// [`ExactlyOnce`](super::ExactlyOnce) answers with `503` so the sender
/// retries. Size it for the events a provider can send within one TTL
/// ([`ttl_for`](super::ttl_for)).
///
/// Share it between threads with `Arc<MemoryStore>` (or a `static`): one
/// mutex guards the table, held only for a hash lookup.
///
/// ```
/// use std::time::{Duration, Instant};
/// use webhook_kit::dedup::MemoryStore;
///
/// let store = MemoryStore::new(10_000);
/// let ttl = Duration::from_secs(60);
/// let t0 = Instant::now();
/// assert_eq!(store.first_seen_at("falu", "evt_1", ttl, t0), Ok(true));
/// assert_eq!(store.first_seen_at("falu", "evt_1", ttl, t0 + Duration::from_secs(59)), Ok(false));
/// assert_eq!(store.first_seen_at("falu", "evt_1", ttl, t0 + Duration::from_secs(60)), Ok(true));
/// ```
pub struct MemoryStore {
    limits: Limits,
    table: Mutex<Table>,
}

#[derive(Clone, Copy)]
struct Limits {
    entries: usize,
    bytes: usize,
}

#[derive(Default)]
struct Table {
    entries: HashMap<Arc<str>, Entry>,
    /// Keys in the order they were recorded, each with the `serial` it was
    /// recorded under; a key re-recorded after expiry appears again, and the
    /// stale copy is skipped.
    order: VecDeque<(u64, Arc<str>)>,
    next_serial: u64,
    /// The sum of the entries' `cost`.
    bytes: usize,
}

struct Entry {
    serial: u64,
    /// What the entry counts against `max_bytes`.
    cost: usize,
    /// `None`: never expires (the TTL reaches past what `Instant` can hold).
    expires: Option<Instant>,
    state: State,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| now < at)
    }

    fn is_live_claim(&self, now: Instant) -> bool {
        matches!(self.state, State::Claimed(_)) && self.is_live(now)
    }
}

/// The tokens' texts are kept in the entry: under load, every allocation
/// that outlives its request is one more the allocator's shared arenas
/// must keep among the short-lived buffers of the server (see
/// BENCHMARKS.md), and an entry is then one allocation, its key.
enum State {
    /// Seen by `first_seen`, or completed by the holder of this token.
    Done(Option<TokenText>),
    /// Claimed by the holder of this token.
    Claimed(TokenText),
}

impl State {
    /// Whether this is `token`'s claim.
    fn is_claim_of(&self, token: &ClaimToken) -> bool {
        matches!(self, State::Claimed(held) if *held == token.text())
    }
}

/// The default capacity of [`MemoryStore::default`].
const DEFAULT_MAX_ENTRIES: usize = 100_000;

/// The default byte bound: 64 MiB, our default (100,000 entries of the
/// longest key fit in about half of it).
const DEFAULT_MAX_BYTES: usize = 64 << 20;

/// [`MemoryStore::claim_at`] or [`MemoryStore::first_seen_at`] found the
/// store full of live claims (events in progress) and recorded nothing:
/// evicting one would let a second worker process an event still in
/// progress. [`ExactlyOnce`](super::ExactlyOnce) answers it with `503`
/// ([`Handled::StoreUnavailable`](super::Handled::StoreUnavailable)), so the
/// sender retries once claims have settled.
///
/// ```
/// use std::time::{Duration, Instant};
/// use webhook_kit::dedup::{MemoryStore, StoreFull};
///
/// let store = MemoryStore::new(1);
/// let (lease, now) = (Duration::from_secs(30), Instant::now());
/// assert!(store.claim_at("falu", "evt_1", lease, now).is_ok());
/// assert_eq!(store.claim_at("falu", "evt_2", lease, now), Err(StoreFull));
/// assert_eq!(StoreFull.to_string(), "the idempotency store is full of events in progress");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the idempotency store is full of events in progress")]
pub struct StoreFull;

impl MemoryStore {
    /// A store that keeps at most `max_entries` ids (at least 1).
    ///
    /// ```
    /// use webhook_kit::dedup::MemoryStore;
    ///
    /// let store = MemoryStore::new(50_000);
    /// assert_eq!(store.max_entries(), 50_000);
    /// assert_eq!(MemoryStore::new(0).max_entries(), 1);
    /// ```
    pub fn new(max_entries: usize) -> Self {
        MemoryStore {
            limits: Limits {
                entries: max_entries.max(1),
                bytes: DEFAULT_MAX_BYTES,
            },
            table: Mutex::new(Table::default()),
        }
    }

    /// What each entry counts against [`max_bytes`](Self::max_bytes) beside
    /// its key and token: the table slot, the entry, the order queue's slot
    /// and the key's shared allocation, rounded up.
    ///
    /// ```
    /// assert_eq!(webhook_kit::dedup::MemoryStore::ENTRY_OVERHEAD, 128);
    /// ```
    pub const ENTRY_OVERHEAD: usize = 128;

    /// Bounds the store's entries to `max_bytes` in all, counted as the
    /// [type docs](Self#bounds) say (by default 64 MiB). One entry always
    /// fits, whatever the bound.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::MemoryStore;
    ///
    /// let store = MemoryStore::new(1_000).with_max_bytes(1_000);
    /// assert_eq!(store.max_bytes(), 1_000);
    /// let (ttl, now) = (Duration::from_secs(60), Instant::now());
    /// for id in ["a", "b", "c", "d", "e", "f", "g", "h"] {
    ///     store.first_seen_at("falu", id, ttl, now)?;
    /// }
    /// // Each entry counts about 140 bytes: the oldest made room.
    /// assert!(store.len() < 8);
    /// assert!(store.bytes() <= 1_000);
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    #[must_use]
    pub fn with_max_bytes(mut self, max_bytes: usize) -> Self {
        self.limits.bytes = max_bytes;
        self
    }

    /// [`IdempotencyStore::first_seen`] as of `now`, for tests that move the
    /// clock: `true` the first time, `false` for the same `(provider,
    /// event_id)` until `now` reaches the first sighting plus `ttl`. A live
    /// claim counts as seen.
    ///
    /// # Errors
    ///
    /// [`StoreFull`] when the store is full of live claims (see
    /// [Bounds](Self#bounds)): nothing was recorded.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::MemoryStore;
    ///
    /// let store = MemoryStore::default();
    /// let ttl = Duration::from_secs(3600);
    /// let t0 = Instant::now();
    /// assert!(store.first_seen_at("slack", "Ev1", ttl, t0)?);
    /// assert!(!store.first_seen_at("slack", "Ev1", ttl, t0 + Duration::from_secs(10))?);
    /// // Once the TTL has run out the id is new again.
    /// assert!(store.first_seen_at("slack", "Ev1", ttl, t0 + ttl)?);
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    pub fn first_seen_at(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
        now: Instant,
    ) -> Result<bool, StoreFull> {
        let key = key(provider, event_id);
        let mut table = self.lock();
        if table.live(&key, now).is_some() {
            return Ok(false);
        }
        let state = State::Done(None);
        table.record(key.into(), now.checked_add(ttl), state, self.limits, now)?;
        Ok(true)
    }

    /// [`IdempotencyStore::claim`] as of `now`.
    ///
    /// # Errors
    ///
    /// [`StoreFull`] when the store is full of live claims (see
    /// [Bounds](Self#bounds)): the event is not claimed.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::{Claim, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(30);
    /// let t0 = Instant::now();
    /// let Ok(Claim::Claimed(_crashed)) = store.claim_at("standard", "msg_1", lease, t0) else {
    ///     unreachable!()
    /// };
    /// let later = t0 + Duration::from_secs(20);
    /// assert_eq!(
    ///     store.claim_at("standard", "msg_1", lease, later),
    ///     Ok(Claim::InProgress { lease_left: Duration::from_secs(10) }),
    /// );
    /// // The holder never completed: once the lease ends, the event is free again.
    /// assert!(matches!(store.claim_at("standard", "msg_1", lease, t0 + lease), Ok(Claim::Claimed(_))));
    /// ```
    pub fn claim_at(
        &self,
        provider: &str,
        event_id: &str,
        lease: Duration,
        now: Instant,
    ) -> Result<Claim, StoreFull> {
        let key = key(provider, event_id);
        let mut table = self.lock();
        Ok(match table.live(&key, now) {
            Some(Entry {
                state: State::Done(_),
                ..
            }) => Claim::Done,
            Some(entry) => Claim::InProgress {
                lease_left: entry
                    .expires
                    .map_or(Duration::MAX, |at| at.saturating_duration_since(now)),
            },
            None => {
                let token = ClaimToken::new(provider, event_id);
                let state = State::Claimed(token.text());
                table.record(key.into(), now.checked_add(lease), state, self.limits, now)?;
                Claim::Claimed(token)
            }
        })
    }

    /// [`IdempotencyStore::complete`] as of `now`: records the event as done
    /// for `ttl` unless another delivery claimed or completed it since.
    /// Never refused: a completion takes its claim's place, and where the
    /// claim was already gone and the store is full of live claims, it
    /// goes over the bounds by that one entry rather than lose the record.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::{Claim, MemoryStore, Settled};
    ///
    /// let store = MemoryStore::default();
    /// let t0 = Instant::now();
    /// let Ok(Claim::Claimed(token)) = store.claim_at("falu", "evt_1", Duration::from_secs(5), t0) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(store.complete_at(&token, Duration::from_secs(600), t0), Settled::Applied);
    /// assert_eq!(store.claim_at("falu", "evt_1", Duration::from_secs(5), t0), Ok(Claim::Done));
    /// ```
    pub fn complete_at(&self, token: &ClaimToken, ttl: Duration, now: Instant) -> Settled {
        let key = key(token.provider(), token.event_id());
        let mut table = self.lock();
        let done_by_us = table.live(&key, now).is_some_and(
            |entry| matches!(&entry.state, State::Done(Some(by)) if *by == token.text()),
        );
        if done_by_us {
            return Settled::Applied;
        }
        if !table.held_or_free(&key, token, now) {
            return Settled::LeaseLost;
        }
        // The claim's key becomes the record's (no new allocation) when the
        // claim is still there.
        let key = table.take_claim(&key, token).unwrap_or_else(|| key.into());
        let state = State::Done(Some(token.text()));
        table.record_anyway(key, now.checked_add(ttl), state, self.limits, now);
        Settled::Applied
    }

    /// [`IdempotencyStore::release`] as of `now`: frees the event for the next
    /// delivery unless another delivery claimed or completed it since.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::{Claim, MemoryStore, Settled};
    ///
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(5);
    /// let t0 = Instant::now();
    /// let Ok(Claim::Claimed(token)) = store.claim_at("falu", "evt_1", lease, t0) else { unreachable!() };
    /// assert_eq!(store.release_at(&token, t0), Settled::Applied);
    /// assert!(matches!(store.claim_at("falu", "evt_1", lease, t0), Ok(Claim::Claimed(_))));
    /// ```
    pub fn release_at(&self, token: &ClaimToken, now: Instant) -> Settled {
        let key = key(token.provider(), token.event_id());
        let mut table = self.lock();
        if !table.held_or_free(&key, token, now) {
            return Settled::LeaseLost;
        }
        // The stale `order` entry is skipped by its serial.
        table.remove(&key);
        Settled::Applied
    }

    /// Forgets `(provider, event_id)`, so that its next delivery is seen as
    /// the first. Call it when processing failed after
    /// [`first_seen`](IdempotencyStore::first_seen) answered `true` and the
    /// handler asks the provider to retry. Returns whether the id was known
    /// (a claim or a completion, expired or not).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// assert_eq!(store.first_seen("falu", "evt_1", Duration::from_secs(60)), Ok(true));
    /// assert!(store.forget("falu", "evt_1"));
    /// assert_eq!(store.first_seen("falu", "evt_1", Duration::from_secs(60)), Ok(true));
    /// ```
    pub fn forget(&self, provider: &str, event_id: &str) -> bool {
        // The stale `order` entry is skipped by its serial.
        self.lock().remove(&key(provider, event_id))
    }

    /// The ids held, expired ones not yet evicted included.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// store.first_seen("falu", "evt_1", Duration::from_secs(60))?;
    /// store.first_seen("falu", "evt_2", Duration::from_secs(60))?;
    /// assert_eq!(store.len(), 2);
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    pub fn len(&self) -> usize {
        self.lock().entries.len()
    }

    /// Whether no id is held.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// assert!(store.is_empty());
    /// store.first_seen("falu", "evt_1", Duration::from_secs(60))?;
    /// assert!(!store.is_empty());
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The capacity.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::MemoryStore;
    ///
    /// let store = MemoryStore::new(2);
    /// assert_eq!(store.max_entries(), 2);
    /// let (ttl, now) = (Duration::from_secs(60), Instant::now());
    /// for id in ["a", "b", "c"] {
    ///     store.first_seen_at("falu", id, ttl, now)?;
    /// }
    /// // "a" was evicted to make room for "c".
    /// assert_eq!(store.len(), 2);
    /// assert!(store.first_seen_at("falu", "a", ttl, now)?);
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    pub fn max_entries(&self) -> usize {
        self.limits.entries
    }

    /// The byte bound ([`with_max_bytes`](Self::with_max_bytes)).
    ///
    /// ```
    /// # use webhook_kit::dedup::MemoryStore;
    /// assert_eq!(MemoryStore::default().max_bytes(), 64 << 20);
    /// ```
    pub fn max_bytes(&self) -> usize {
        self.limits.bytes
    }

    /// The bytes the entries count now (see [Bounds](Self#bounds)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{IdempotencyStore, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// assert_eq!(store.bytes(), 0);
    /// store.first_seen("falu", "evt_1", Duration::from_secs(60))?;
    /// // The key "4:faluevt_1" and the overhead; `first_seen` keeps no token.
    /// assert_eq!(store.bytes(), "4:faluevt_1".len() + MemoryStore::ENTRY_OVERHEAD);
    /// # Ok::<(), webhook_kit::dedup::StoreFull>(())
    /// ```
    pub fn bytes(&self) -> usize {
        self.lock().bytes
    }

    fn lock(&self) -> MutexGuard<'_, Table> {
        // Nothing panics while the lock is held, and the table stays
        // consistent between statements, so a poisoned lock is still usable.
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Table {
    /// The entry for `key` unless it is missing or expired.
    fn live(&self, key: &str, now: Instant) -> Option<&Entry> {
        self.entries.get(key).filter(|entry| entry.is_live(now))
    }

    /// Whether `token` may settle the claim on `key`: it still holds it, or
    /// its lease ran out and nobody has claimed or completed the event since.
    fn held_or_free(&self, key: &str, token: &ClaimToken, now: Instant) -> bool {
        match self.live(key, now) {
            None => true,
            Some(entry) => entry.state.is_claim_of(token),
        }
    }

    /// Removes `key`'s entry when it is `token`'s claim, live or not,
    /// giving back its key.
    fn take_claim(&mut self, key: &str, token: &ClaimToken) -> Option<Arc<str>> {
        let held = self
            .entries
            .get(key)
            .is_some_and(|entry| entry.state.is_claim_of(token));
        if !held {
            return None;
        }
        self.remove_entry(key).map(|(key, _)| key)
    }

    /// Records `state` under `key`, first making room by evicting the
    /// oldest entries that are not live claims; [`StoreFull`] (and nothing
    /// recorded) when only live claims are left.
    fn record(
        &mut self,
        key: Arc<str>,
        expires: Option<Instant>,
        state: State,
        limits: Limits,
        now: Instant,
    ) -> Result<(), StoreFull> {
        // The entry this replaces (expired, or this token's claim) goes
        // first, so that only what is added counts.
        self.remove(&key);
        let cost = entry_cost(&key, &state);
        while self.is_over(limits, cost) {
            if !self.evict_oldest_settled(now) {
                return Err(StoreFull);
            }
        }
        self.insert(key, expires, state, cost, limits);
        Ok(())
    }

    /// [`record`](Self::record) for a completion, which is never dropped:
    /// when no room can be made, it goes over the bounds.
    fn record_anyway(
        &mut self,
        key: Arc<str>,
        expires: Option<Instant>,
        state: State,
        limits: Limits,
        now: Instant,
    ) {
        self.remove(&key);
        let cost = entry_cost(&key, &state);
        while self.is_over(limits, cost) && self.evict_oldest_settled(now) {}
        self.insert(key, expires, state, cost, limits);
    }

    /// Whether an entry costing `cost` would go over `limits`; never for
    /// the first entry, so that one always fits.
    fn is_over(&self, limits: Limits, cost: usize) -> bool {
        !self.entries.is_empty()
            && (self.entries.len() >= limits.entries
                || self.bytes.saturating_add(cost) > limits.bytes)
    }

    fn insert(
        &mut self,
        key: Arc<str>,
        expires: Option<Instant>,
        state: State,
        cost: usize,
        limits: Limits,
    ) {
        let serial = self.next_serial;
        self.next_serial += 1;
        let entry = Entry {
            serial,
            cost,
            expires,
            state,
        };
        self.bytes += cost;
        self.entries.insert(Arc::clone(&key), entry);
        self.order.push_back((serial, key));
        // Re-recorded and forgotten keys leave stale copies behind; drop
        // them before the queue outgrows the table by much.
        if self.order.len() > 2 * limits.entries + 16 {
            let entries = &self.entries;
            self.order
                .retain(|(serial, key)| entries.get(key).is_some_and(|e| e.serial == *serial));
        }
    }

    /// Removes `key`'s entry; whether there was one.
    fn remove(&mut self, key: &str) -> bool {
        self.remove_entry(key).is_some()
    }

    /// Removes `key`'s entry and gives it back with its key.
    fn remove_entry(&mut self, key: &str) -> Option<(Arc<str>, Entry)> {
        let (key, entry) = self.entries.remove_entry(key)?;
        self.bytes -= entry.cost;
        Some((key, entry))
    }

    /// Evicts the oldest entry that is not a live claim; `false` when every
    /// entry is one. Live claims met on the way go to the back of the queue.
    fn evict_oldest_settled(&mut self, now: Instant) -> bool {
        for _ in 0..self.order.len() {
            let Some((serial, key)) = self.order.pop_front() else {
                break;
            };
            match self.entries.get(&key) {
                Some(entry) if entry.serial == serial => {
                    if entry.is_live_claim(now) {
                        self.order.push_back((serial, key));
                    } else {
                        self.remove(&key);
                        return true;
                    }
                }
                // A stale copy: its key was re-recorded or removed.
                _ => {}
            }
        }
        false
    }
}

/// What an entry counts against the byte bound.
fn entry_cost(key: &str, state: &State) -> usize {
    let token = match state {
        State::Done(token) => token.as_ref().map_or(0, |t| t.len()),
        State::Claimed(token) => token.len(),
    };
    key.len() + token + MemoryStore::ENTRY_OVERHEAD
}

/// One string per `(provider, event_id)`, unambiguous whatever the two
/// contain: the provider's length comes first. The id is bounded by
/// [`stored_id`].
///
/// Written into a string of the right size: `format!` grows its buffer
/// as it goes, two or three allocations a key, and the flow makes a key
/// for every claim and completion.
fn key(provider: &str, event_id: &str) -> String {
    use std::fmt::Write as _;

    // The longest length prefix: a `usize` in decimal (20 digits) and ':'.
    const PREFIX_MAX: usize = 21;
    let id = stored_id(event_id);
    let mut key = String::with_capacity(PREFIX_MAX + provider.len() + id.len());
    let _ = write!(key, "{}:", provider.len());
    key.push_str(provider);
    key.push_str(&id);
    key
}

impl Default for MemoryStore {
    /// A store for 100 000 ids in at most 64 MiB.
    fn default() -> Self {
        MemoryStore::new(DEFAULT_MAX_ENTRIES)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("max_entries", &self.limits.entries)
            .field("max_bytes", &self.limits.bytes)
            .finish()
    }
}

impl IdempotencyStore for MemoryStore {
    type Error = StoreFull;

    fn first_seen(&self, provider: &str, event_id: &str, ttl: Duration) -> Result<bool, StoreFull> {
        self.first_seen_at(provider, event_id, ttl, Instant::now())
    }

    fn claim(&self, provider: &str, event_id: &str, lease: Duration) -> Result<Claim, StoreFull> {
        self.claim_at(provider, event_id, lease, Instant::now())
    }

    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, StoreFull> {
        Ok(self.complete_at(token, ttl, Instant::now()))
    }

    fn release(&self, token: &ClaimToken) -> Result<Settled, StoreFull> {
        Ok(self.release_at(token, Instant::now()))
    }

    fn forget(&self, provider: &str, event_id: &str) -> Result<bool, StoreFull> {
        Ok(MemoryStore::forget(self, provider, event_id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TTL: Duration = Duration::from_secs(60);

    #[test]
    fn oldest_is_evicted_first() {
        let store = MemoryStore::new(3);
        let now = Instant::now();
        for id in ["a", "b", "c", "d"] {
            assert_eq!(store.first_seen_at("p", id, TTL, now), Ok(true));
        }
        assert_eq!(store.len(), 3);
        // "a" went; "b".."d" are still known.
        assert_eq!(store.first_seen_at("p", "b", TTL, now), Ok(false));
        assert_eq!(store.first_seen_at("p", "d", TTL, now), Ok(false));
        assert_eq!(store.first_seen_at("p", "a", TTL, now), Ok(true));
        // Recording "a" again evicted "b", the oldest left.
        assert_eq!(store.first_seen_at("p", "b", TTL, now), Ok(true));
    }

    #[test]
    fn a_key_re_recorded_after_expiry_counts_as_new() {
        let store = MemoryStore::new(2);
        let t0 = Instant::now();
        assert_eq!(store.first_seen_at("p", "a", TTL, t0), Ok(true));
        assert_eq!(
            store.first_seen_at("p", "b", TTL, t0 + Duration::from_secs(10)),
            Ok(true)
        );
        let t1 = t0 + TTL;
        assert_eq!(store.first_seen_at("p", "a", TTL, t1), Ok(true));
        // "b" is now the oldest record; "c" evicts it and keeps the fresh "a".
        assert_eq!(store.first_seen_at("p", "c", TTL, t1), Ok(true));
        assert_eq!(store.first_seen_at("p", "a", TTL, t1), Ok(false));
        assert_eq!(store.first_seen_at("p", "b", TTL, t1), Ok(true));
    }

    #[test]
    fn the_order_queue_stays_bounded() {
        let store = MemoryStore::new(4);
        let mut now = Instant::now();
        for _ in 0..1000 {
            now += TTL;
            assert_eq!(store.first_seen_at("p", "same", TTL, now), Ok(true));
            assert!(store.forget("p", "same"));
            assert_eq!(store.first_seen_at("p", "same", TTL, now), Ok(true));
        }
        let table = store.lock();
        assert_eq!(table.entries.len(), 1);
        assert!(table.order.len() <= 2 * 4 + 16, "{}", table.order.len());
    }

    #[test]
    fn keys_cannot_collide() {
        assert_ne!(key("ab", "c"), key("a", "bc"));
        assert_ne!(key("1:a", "b"), key("1", ":ab"));
    }

    #[test]
    fn zero_capacity_means_one() {
        let store = MemoryStore::new(0);
        assert_eq!(store.max_entries(), 1);
        let now = Instant::now();
        assert_eq!(store.first_seen_at("p", "a", TTL, now), Ok(true));
        assert_eq!(store.first_seen_at("p", "a", TTL, now), Ok(false));
    }

    #[test]
    fn a_huge_ttl_never_expires() {
        let store = MemoryStore::default();
        let now = Instant::now();
        assert_eq!(store.first_seen_at("p", "a", Duration::MAX, now), Ok(true));
        assert_eq!(
            store.first_seen_at("p", "a", Duration::MAX, now + Duration::from_secs(1 << 40)),
            Ok(false)
        );
    }
}
