//! The in-process idempotency store.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use super::{Claim, ClaimToken, IdempotencyStore, Settled};

/// An in-memory [`IdempotencyStore`] (and [`AsyncIdempotencyStore`]):
/// bounded, thread-safe, for a receiver that runs as one process. Each step
/// of the claim protocol is atomic under one mutex.
///
/// [`AsyncIdempotencyStore`]: super::AsyncIdempotencyStore
///
/// At most `max_entries` ids are kept; recording one more evicts the oldest
/// recorded first, expired or not. Size it for the events a provider can
/// send within one TTL ([`ttl_for`](super::ttl_for)); an id evicted early is
/// no longer recognised as a duplicate. Each entry costs its two strings
/// plus about 100 bytes (150 with a claim's token).
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
/// assert!(store.first_seen_at("falu", "evt_1", ttl, t0));
/// assert!(!store.first_seen_at("falu", "evt_1", ttl, t0 + Duration::from_secs(59)));
/// assert!(store.first_seen_at("falu", "evt_1", ttl, t0 + Duration::from_secs(60)));
/// ```
pub struct MemoryStore {
    max_entries: usize,
    table: Mutex<Table>,
}

#[derive(Default)]
struct Table {
    entries: HashMap<Arc<str>, Entry>,
    /// Keys in the order they were recorded, each with the `serial` it was
    /// recorded under; a key re-recorded after expiry appears again, and the
    /// stale copy is skipped.
    order: VecDeque<(u64, Arc<str>)>,
    next_serial: u64,
}

struct Entry {
    serial: u64,
    /// `None`: never expires (the TTL reaches past what `Instant` can hold).
    expires: Option<Instant>,
    state: State,
}

impl Entry {
    fn is_live(&self, now: Instant) -> bool {
        self.expires.is_none_or(|at| now < at)
    }
}

enum State {
    /// Seen by `first_seen`, or completed by the holder of this token.
    Done(Option<Box<str>>),
    /// Claimed by the holder of this token value.
    Claimed(Box<str>),
}

/// The default capacity of [`MemoryStore::default`].
const DEFAULT_MAX_ENTRIES: usize = 100_000;

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
            max_entries: max_entries.max(1),
            table: Mutex::new(Table::default()),
        }
    }

    /// [`IdempotencyStore::first_seen`] as of `now`, for tests that move the
    /// clock: `true` the first time, `false` for the same `(provider,
    /// event_id)` until `now` reaches the first sighting plus `ttl`. A live
    /// claim counts as seen.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::MemoryStore;
    ///
    /// let store = MemoryStore::default();
    /// let ttl = Duration::from_secs(3600);
    /// let t0 = Instant::now();
    /// assert!(store.first_seen_at("slack", "Ev1", ttl, t0));
    /// assert!(!store.first_seen_at("slack", "Ev1", ttl, t0 + Duration::from_secs(10)));
    /// // Once the TTL has run out the id is new again.
    /// assert!(store.first_seen_at("slack", "Ev1", ttl, t0 + ttl));
    /// ```
    pub fn first_seen_at(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
        now: Instant,
    ) -> bool {
        let key = key(provider, event_id);
        let mut table = self.lock();
        if table.live(&key, now).is_some() {
            return false;
        }
        table.record(
            key.into(),
            now.checked_add(ttl),
            State::Done(None),
            self.max_entries,
        );
        true
    }

    /// [`IdempotencyStore::claim`] as of `now`.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::{Claim, MemoryStore};
    ///
    /// let store = MemoryStore::default();
    /// let lease = Duration::from_secs(30);
    /// let t0 = Instant::now();
    /// let Claim::Claimed(_crashed) = store.claim_at("standard", "msg_1", lease, t0) else {
    ///     unreachable!()
    /// };
    /// let later = t0 + Duration::from_secs(20);
    /// assert_eq!(
    ///     store.claim_at("standard", "msg_1", lease, later),
    ///     Claim::InProgress { lease_left: Duration::from_secs(10) },
    /// );
    /// // The holder never completed: once the lease ends, the event is free again.
    /// assert!(matches!(store.claim_at("standard", "msg_1", lease, t0 + lease), Claim::Claimed(_)));
    /// ```
    pub fn claim_at(&self, provider: &str, event_id: &str, lease: Duration, now: Instant) -> Claim {
        let key = key(provider, event_id);
        let mut table = self.lock();
        match table.live(&key, now) {
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
                let state = State::Claimed(token.as_str().into());
                table.record(key.into(), now.checked_add(lease), state, self.max_entries);
                Claim::Claimed(token)
            }
        }
    }

    /// [`IdempotencyStore::complete`] as of `now`: records the event as done
    /// for `ttl` unless another delivery claimed or completed it since.
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use webhook_kit::dedup::{Claim, MemoryStore, Settled};
    ///
    /// let store = MemoryStore::default();
    /// let t0 = Instant::now();
    /// let Claim::Claimed(token) = store.claim_at("falu", "evt_1", Duration::from_secs(5), t0) else {
    ///     unreachable!()
    /// };
    /// assert_eq!(store.complete_at(&token, Duration::from_secs(600), t0), Settled::Applied);
    /// assert_eq!(store.claim_at("falu", "evt_1", Duration::from_secs(5), t0), Claim::Done);
    /// ```
    pub fn complete_at(&self, token: &ClaimToken, ttl: Duration, now: Instant) -> Settled {
        let key = key(token.provider(), token.event_id());
        let mut table = self.lock();
        let done_by_us = table.live(&key, now).is_some_and(
            |entry| matches!(&entry.state, State::Done(Some(by)) if **by == *token.as_str()),
        );
        if done_by_us {
            return Settled::Applied;
        }
        if !table.held_or_free(&key, token, now) {
            return Settled::LeaseLost;
        }
        let state = State::Done(Some(token.as_str().into()));
        table.record(key.into(), now.checked_add(ttl), state, self.max_entries);
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
    /// let Claim::Claimed(token) = store.claim_at("falu", "evt_1", lease, t0) else { unreachable!() };
    /// assert_eq!(store.release_at(&token, t0), Settled::Applied);
    /// assert!(matches!(store.claim_at("falu", "evt_1", lease, t0), Claim::Claimed(_)));
    /// ```
    pub fn release_at(&self, token: &ClaimToken, now: Instant) -> Settled {
        let key = key(token.provider(), token.event_id());
        let mut table = self.lock();
        if !table.held_or_free(&key, token, now) {
            return Settled::LeaseLost;
        }
        // The stale `order` entry is skipped by its serial.
        table.entries.remove(key.as_str());
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
        self.lock()
            .entries
            .remove(key(provider, event_id).as_str())
            .is_some()
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
    /// # Ok::<(), std::convert::Infallible>(())
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
    /// # Ok::<(), std::convert::Infallible>(())
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
    ///     store.first_seen_at("falu", id, ttl, now);
    /// }
    /// // "a" was evicted to make room for "c".
    /// assert_eq!(store.len(), 2);
    /// assert!(store.first_seen_at("falu", "a", ttl, now));
    /// ```
    pub fn max_entries(&self) -> usize {
        self.max_entries
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
            Some(entry) => {
                matches!(&entry.state, State::Claimed(held) if **held == *token.as_str())
            }
        }
    }

    fn record(
        &mut self,
        key: Arc<str>,
        expires: Option<Instant>,
        state: State,
        max_entries: usize,
    ) {
        let serial = self.next_serial;
        self.next_serial += 1;
        let entry = Entry {
            serial,
            expires,
            state,
        };
        let replaced = self.entries.insert(Arc::clone(&key), entry).is_some();
        self.order.push_back((serial, key));
        if !replaced {
            while self.entries.len() > max_entries {
                self.evict_oldest();
            }
        }
        // Re-recorded and forgotten keys leave stale copies behind; drop
        // them before the queue outgrows the table by much.
        if self.order.len() > 2 * max_entries + 16 {
            let entries = &self.entries;
            self.order
                .retain(|(serial, key)| entries.get(key).is_some_and(|e| e.serial == *serial));
        }
    }

    fn evict_oldest(&mut self) {
        while let Some((serial, key)) = self.order.pop_front() {
            if self.entries.get(&key).is_some_and(|e| e.serial == serial) {
                self.entries.remove(&key);
                return;
            }
        }
    }
}

/// One string per `(provider, event_id)`, unambiguous whatever the two
/// contain: the provider's length comes first.
fn key(provider: &str, event_id: &str) -> String {
    format!("{}:{provider}{event_id}", provider.len())
}

impl Default for MemoryStore {
    /// A store for 100 000 ids.
    fn default() -> Self {
        MemoryStore::new(DEFAULT_MAX_ENTRIES)
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("len", &self.len())
            .field("max_entries", &self.max_entries)
            .finish()
    }
}

impl IdempotencyStore for MemoryStore {
    type Error = Infallible;

    fn first_seen(
        &self,
        provider: &str,
        event_id: &str,
        ttl: Duration,
    ) -> Result<bool, Infallible> {
        Ok(self.first_seen_at(provider, event_id, ttl, Instant::now()))
    }

    fn claim(&self, provider: &str, event_id: &str, lease: Duration) -> Result<Claim, Infallible> {
        Ok(self.claim_at(provider, event_id, lease, Instant::now()))
    }

    fn complete(&self, token: &ClaimToken, ttl: Duration) -> Result<Settled, Infallible> {
        Ok(self.complete_at(token, ttl, Instant::now()))
    }

    fn release(&self, token: &ClaimToken) -> Result<Settled, Infallible> {
        Ok(self.release_at(token, Instant::now()))
    }

    fn forget(&self, provider: &str, event_id: &str) -> Result<bool, Infallible> {
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
            assert!(store.first_seen_at("p", id, TTL, now));
        }
        assert_eq!(store.len(), 3);
        // "a" went; "b".."d" are still known.
        assert!(!store.first_seen_at("p", "b", TTL, now));
        assert!(!store.first_seen_at("p", "d", TTL, now));
        assert!(store.first_seen_at("p", "a", TTL, now));
        // Recording "a" again evicted "b", the oldest left.
        assert!(store.first_seen_at("p", "b", TTL, now));
    }

    #[test]
    fn a_key_re_recorded_after_expiry_counts_as_new() {
        let store = MemoryStore::new(2);
        let t0 = Instant::now();
        assert!(store.first_seen_at("p", "a", TTL, t0));
        assert!(store.first_seen_at("p", "b", TTL, t0 + Duration::from_secs(10)));
        let t1 = t0 + TTL;
        assert!(store.first_seen_at("p", "a", TTL, t1));
        // "b" is now the oldest record; "c" evicts it and keeps the fresh "a".
        assert!(store.first_seen_at("p", "c", TTL, t1));
        assert!(!store.first_seen_at("p", "a", TTL, t1));
        assert!(store.first_seen_at("p", "b", TTL, t1));
    }

    #[test]
    fn the_order_queue_stays_bounded() {
        let store = MemoryStore::new(4);
        let mut now = Instant::now();
        for _ in 0..1000 {
            now += TTL;
            assert!(store.first_seen_at("p", "same", TTL, now));
            assert!(store.forget("p", "same"));
            assert!(store.first_seen_at("p", "same", TTL, now));
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
        assert!(store.first_seen_at("p", "a", TTL, now));
        assert!(!store.first_seen_at("p", "a", TTL, now));
    }

    #[test]
    fn a_huge_ttl_never_expires() {
        let store = MemoryStore::default();
        let now = Instant::now();
        assert!(store.first_seen_at("p", "a", Duration::MAX, now));
        assert!(!store.first_seen_at("p", "a", Duration::MAX, now + Duration::from_secs(1 << 40)));
    }
}
