//! The sender's queue: requests ordered by virtual time, and the seeded
//! shuffle that orders a batch.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::time::Duration;

use http::HeaderMap;
use time::OffsetDateTime;

use super::report::{Fate, History, Report};

/// The sender's side of one run: the requests waiting for their time, and
/// the history written so far.
pub(super) struct Run {
    queue: BinaryHeap<Reverse<Pending>>,
    serial: u64,
    pub(super) histories: Vec<History>,
    pub(super) sent: Vec<usize>,
}

impl Run {
    /// A run whose events all go out at `start`, in `order`.
    pub(super) fn new(start: OffsetDateTime, order: Vec<usize>) -> Self {
        let mut run = Run {
            queue: BinaryHeap::new(),
            serial: 0,
            histories: (0..order.len()).map(History::new).collect(),
            sent: Vec::new(),
        };
        for index in order {
            run.push(start, index, Dispatch::Attempt(1));
        }
        run
    }

    /// The next request due, marked as sent.
    pub(super) fn next(&mut self) -> Option<Pending> {
        let Reverse(pending) = self.queue.pop()?;
        self.sent.push(pending.index);
        Some(pending)
    }

    pub(super) fn push(&mut self, at: OffsetDateTime, index: usize, dispatch: Dispatch) {
        self.serial += 1;
        self.queue.push(Reverse(Pending {
            at,
            serial: self.serial,
            index,
            dispatch,
        }));
    }

    /// Drops everything still queued; undelivered events end disabled.
    pub(super) fn disable(&mut self) {
        self.queue.clear();
        for history in &mut self.histories {
            if history.fate != Fate::Delivered {
                history.fate = Fate::Disabled;
            }
        }
    }

    pub(super) fn into_report(self) -> Report {
        Report {
            deliveries: self.histories,
            sent: self.sent,
        }
    }
}

/// A request waiting for its time.
pub(super) struct Pending {
    pub(super) at: OffsetDateTime,
    /// Breaks ties: requests due at once go out in the order queued.
    serial: u64,
    pub(super) index: usize,
    pub(super) dispatch: Dispatch,
}

/// What a queued request is.
pub(super) enum Dispatch {
    /// Attempt `n` of the schedule, signed when it goes out.
    Attempt(u32),
    /// Copy `copy` of the successful request, resent unchanged.
    Duplicate { copy: u32, headers: HeaderMap },
}

impl PartialEq for Pending {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Pending {}

impl PartialOrd for Pending {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Pending {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.at, self.serial).cmp(&(other.at, other.serial))
    }
}

/// `at + duration`, or `None` past what `OffsetDateTime` can hold.
pub(super) fn add(at: OffsetDateTime, duration: Duration) -> Option<OffsetDateTime> {
    at.checked_add(time::Duration::try_from(duration).ok()?)
}

/// Fisher–Yates with xorshift64*, seeded through splitmix64 so that every
/// seed, 0 included, gives a well-mixed state.
pub(super) fn shuffle<T>(items: &mut [T], seed: u64) {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    let mut state = (z ^ (z >> 31)) | 1;
    for i in (1..items.len()).rev() {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        let random = state.wrapping_mul(0x2545_F491_4F6C_DD1D);
        // The slight modulo bias is irrelevant for test orderings.
        let j = (random % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_deterministic_permutation() {
        for seed in [0, 1, 42, u64::MAX] {
            let mut a: Vec<u32> = (0..50).collect();
            let mut b = a.clone();
            shuffle(&mut a, seed);
            shuffle(&mut b, seed);
            assert_eq!(a, b);
            assert_ne!(a, (0..50).collect::<Vec<_>>(), "seed {seed}");
            let mut sorted = a.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..50).collect::<Vec<_>>());
        }
        let mut one = [7];
        shuffle(&mut one, 3);
        assert_eq!(one, [7]);
        shuffle::<u8>(&mut [], 3);
    }

    #[test]
    fn seeds_give_different_orders() {
        let order = |seed| {
            let mut v: Vec<u32> = (0..20).collect();
            shuffle(&mut v, seed);
            v
        };
        assert_ne!(order(1), order(2));
    }

    #[test]
    fn adding_past_the_calendar_is_none() {
        let now = OffsetDateTime::UNIX_EPOCH;
        assert_eq!(
            add(now, Duration::from_secs(1)),
            Some(now + time::Duration::SECOND)
        );
        assert_eq!(add(now, Duration::MAX), None);
        assert_eq!(
            add(now, Duration::from_secs(400 * 365 * 86_400 * 100)),
            None
        );
    }
}
