//! Test a handler the way the provider will call it: signed deliveries,
//! retries on the provider's schedule, duplicates, events out of order and
//! slow replies — on a virtual clock, so a schedule that spans days runs in
//! microseconds.
//!
//! A [`Simulator`] signs each attempt with [`Provider::sign_at`] at its
//! virtual time, POSTs it to your handler, reads the reply with
//! [`Provider::classify`] and, until the provider counts the event as
//! delivered, waits as [`Provider::retry_schedule`] says and tries again.
//! The [`Delivery`] it returns tells when each attempt went out, what came
//! back, and how it ended ([`Fate`]).
//!
//! The handler is any `FnMut(http::Request<Vec<u8>>) -> R` where `R` turns
//! into a [`Reply`]: an `http::Response` (with a `Vec<u8>`, `String` or
//! `&str` body), a `(Response, Duration)` pair giving the virtual time the
//! handler took, or a [`Reply`] itself. Verify with the virtual clock,
//! [`virtual_now`], since retries are signed hours or days after the
//! system's "now".
//!
//! # Example: an idempotent handler
//!
//! ```
//! use webhook_kit::dedup::{IdempotencyStore, MemoryStore, ttl_for};
//! use webhook_kit::simulate::{self, Fate, Reply, Simulator};
//! use webhook_kit::standard::StandardWebhooks;
//! use webhook_kit::{Provider, WebhookEvent};
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let store = MemoryStore::default();
//! let mut processed = Vec::new();
//!
//! // The handler under test: verify, skip what was seen, process, acknowledge.
//! let handler = |req: http::Request<Vec<u8>>| {
//!     let now = simulate::virtual_now(&req);
//!     let event = match receiver.verify_and_parse_at(req.headers(), req.body(), now) {
//!         Ok(event) => event,
//!         Err(err) => return Reply::empty(err.status_code()),
//!     };
//!     if store.first_seen("standard", &event.id(), ttl_for(&receiver)).unwrap_or(true) {
//!         processed.push(event.id().into_owned());
//!     }
//!     receiver.acknowledge().into()
//! };
//!
//! let body = br#"{"type": "invoice.paid", "data": {"id": 7}}"#;
//! let delivery = Simulator::new(&receiver)
//!     .fail_first(2) // two attempts fail before reaching the handler
//!     .duplicates(3) // after success, the same request comes 3 more times
//!     .deliver(body, handler)?;
//!
//! assert_eq!(delivery.fate, Fate::Delivered);
//! assert_eq!(delivery.attempts.len(), 3);
//! assert_eq!(delivery.duplicates.len(), 3);
//! assert_eq!(processed.len(), 1); // processed once
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! # The model
//!
//! - Each attempt is signed at its own virtual time. A duplicate is the
//!   successful request sent again unchanged, as soon as the reply to the
//!   previous copy came back.
//! - Attempt `n + 1` starts `delay_after(n)` after attempt `n` ended: when
//!   its reply came back, or when the provider stopped waiting for it.
//!   Handlers that report no duration take no time, so attempt times are the
//!   schedule's cumulative delays. Jitter is not applied: waits are nominal.
//! - A reply the provider reads as [`Outcome::Throttle`] delays the next
//!   attempt to at least its `Retry-After` (read against the virtual clock);
//!   [`Outcome::Disable`] disables the endpoint: nothing more is sent to it,
//!   and every event not yet delivered ends [`Fate::Disabled`].
//! - A handler that takes longer than the schedule's
//!   [`timeout`](crate::RetrySchedule::timeout) has failed, whatever it
//!   answers: the provider stopped waiting at the timeout.
//! - Events of a batch all start at the start time, in input order or
//!   shuffled; their retries interleave in time order, as a provider's
//!   queue would send them.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::fmt;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, Uri};
use time::OffsetDateTime;

use crate::{Error, Outcome, Provider, RetrySchedule, retry_after};

/// Delivers events to a handler as a provider would, on a virtual clock.
///
/// Built with [`Simulator::new`] and the options below, then run with
/// [`Simulator::deliver`] (one event) or [`Simulator::deliver_all`] (a
/// batch). A simulator can run any number of times; each run starts afresh.
pub struct Simulator<'a, P> {
    provider: &'a P,
    start: OffsetDateTime,
    uri: Uri,
    fail_first: u32,
    duplicates: u32,
    shuffle: Option<u64>,
    signer: Option<Signer<'a>>,
}

type Signer<'a> = Box<dyn Fn(&[u8], OffsetDateTime) -> Result<HeaderMap, Error> + 'a>;

impl<'a, P: Provider> Simulator<'a, P> {
    /// A simulator that delivers as `provider` would: its signature, reply
    /// rules and retry schedule. The virtual clock starts at the current
    /// time, to the second; requests go to `/webhook`.
    pub fn new(provider: &'a P) -> Self {
        let now = OffsetDateTime::now_utc();
        Simulator {
            provider,
            start: now.replace_nanosecond(0).unwrap_or(now),
            uri: Uri::from_static("/webhook"),
            fail_first: 0,
            duplicates: 0,
            shuffle: None,
            signer: None,
        }
    }

    /// Starts the virtual clock at `start`.
    #[must_use]
    pub fn starting_at(mut self, start: OffsetDateTime) -> Self {
        self.start = start;
        self
    }

    /// Sends requests to `uri` (default `/webhook`).
    #[must_use]
    pub fn uri(mut self, uri: Uri) -> Self {
        self.uri = uri;
        self
    }

    /// Fails the first `n` attempts of each event before they reach the
    /// handler: the simulator answers `500` itself, as a crashed process or
    /// an unreachable host would, and the handler never sees them. Such
    /// attempts are marked [`Attempt::injected`].
    ///
    /// To test a handler that *did* see the request but whose reply was
    /// lost, have it report a duration over the provider's timeout
    /// (see [`Reply::took`]).
    #[must_use]
    pub fn fail_first(mut self, n: u32) -> Self {
        self.fail_first = n;
        self
    }

    /// After an event is delivered, sends the same signed request `n` more
    /// times, as providers that deliver "at least once" sometimes do. The
    /// copies are recorded in [`Delivery::duplicates`]; they are never
    /// retried.
    #[must_use]
    pub fn duplicates(mut self, n: u32) -> Self {
        self.duplicates = n;
        self
    }

    /// Delivers a batch's events in an order shuffled by `seed`: the same
    /// seed gives the same order on every run and platform.
    #[must_use]
    pub fn shuffled(mut self, seed: u64) -> Self {
        self.shuffle = Some(seed);
        self
    }

    /// Signs with `sign` instead of [`Provider::sign_at`], for senders whose
    /// headers depend on more than the body and time — for example a
    /// Standard Webhooks sender, which keeps its message id across retries:
    ///
    /// ```
    /// use webhook_kit::simulate::Simulator;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
    /// let mut ids = Vec::new();
    /// Simulator::new(&receiver)
    ///     .fail_first(0)
    ///     .sign_with(|body, now| receiver.sign_with_id_at("msg_42", body, now))
    ///     .deliver(b"{}", |req: http::Request<Vec<u8>>| {
    ///         ids.push(req.headers()["webhook-id"].clone());
    ///         http::Response::builder().status(500).body("").unwrap()
    ///     })?;
    /// assert_eq!(ids.len(), 10);
    /// assert!(ids.iter().all(|id| id == "msg_42"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn sign_with(
        mut self,
        sign: impl Fn(&[u8], OffsetDateTime) -> Result<HeaderMap, Error> + 'a,
    ) -> Self {
        self.signer = Some(Box::new(sign));
        self
    }

    /// Delivers one event and returns its history.
    ///
    /// # Errors
    ///
    /// When signing fails ([`Error::Signing`]).
    pub fn deliver<R: Into<Reply>>(
        &self,
        body: impl AsRef<[u8]>,
        handler: impl FnMut(Request<Vec<u8>>) -> R,
    ) -> Result<Delivery, Error> {
        let mut report = self.deliver_all([body], handler)?;
        // One body in, one delivery out.
        Ok(report.deliveries.swap_remove(0))
    }

    /// Delivers several events (shuffled with [`Simulator::shuffled`]) and
    /// returns each one's history, in input order.
    ///
    /// ```
    /// use webhook_kit::falu::Falu;
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = Falu::new("whsec_test");
    /// let bodies: Vec<String> = (0..5).map(|i| format!(r#"{{"id": "evt_{i}"}}"#)).collect();
    /// let mut seen = Vec::new();
    /// let report = Simulator::new(&receiver)
    ///     .shuffled(7)
    ///     .deliver_all(&bodies, |req: http::Request<Vec<u8>>| {
    ///         seen.push(String::from_utf8(req.into_body()).unwrap());
    ///         http::Response::new("")
    ///     })?;
    /// assert!(report.all_delivered());
    /// // The handler saw the events in the report's order, not the input's.
    /// let order: Vec<&String> = report.order().into_iter().map(|i| &bodies[i]).collect();
    /// assert_eq!(seen.iter().collect::<Vec<_>>(), order);
    /// assert_ne!(report.order(), [0, 1, 2, 3, 4]);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When signing fails ([`Error::Signing`]).
    pub fn deliver_all<B: AsRef<[u8]>, R: Into<Reply>>(
        &self,
        bodies: impl IntoIterator<Item = B>,
        mut handler: impl FnMut(Request<Vec<u8>>) -> R,
    ) -> Result<Report, Error> {
        let bodies: Vec<B> = bodies.into_iter().collect();
        let schedule = self.provider.retry_schedule();
        let mut run = Run {
            queue: BinaryHeap::new(),
            serial: 0,
            deliveries: (0..bodies.len()).map(Delivery::new).collect(),
            sent: Vec::new(),
        };
        let mut order: Vec<usize> = (0..bodies.len()).collect();
        if let Some(seed) = self.shuffle {
            shuffle(&mut order, seed);
        }
        for index in order {
            run.push(self.start, index, Send::Attempt(1));
        }

        while let Some(Reverse(pending)) = run.queue.pop() {
            let Pending {
                at, index, send, ..
            } = pending;
            let body = bodies[index].as_ref();
            let (headers, number) = match send {
                Send::Attempt(number) => (self.sign(body, at)?, number),
                Send::Duplicate { copy, ref headers } => (headers.clone(), copy),
            };
            run.sent.push(index);

            let injected = matches!(send, Send::Attempt(n) if n <= self.fail_first);
            let answer = if injected {
                let refused = Reply::empty(StatusCode::INTERNAL_SERVER_ERROR);
                self.read(&schedule, refused, at)
            } else {
                let request = self.request(body, headers.clone(), at);
                self.read(&schedule, handler(request).into(), at)
            };

            let attempt = Attempt {
                number,
                at,
                offset: (at - self.start).unsigned_abs(),
                status: answer.status,
                outcome: answer.outcome,
                took: answer.elapsed,
                injected,
            };
            let ended = add(at, answer.elapsed);
            let delivery = &mut run.deliveries[index];
            match send {
                Send::Attempt(_) => delivery.attempts.push(attempt),
                Send::Duplicate { .. } => delivery.duplicates.push(attempt),
            }

            match answer.outcome {
                Outcome::Disable => {
                    run.disable();
                    break;
                }
                _ if matches!(send, Send::Duplicate { .. }) => {
                    let next = number.saturating_add(1);
                    if let Some(ended) = ended.filter(|_| number < self.duplicates) {
                        run.push(
                            ended,
                            index,
                            Send::Duplicate {
                                copy: next,
                                headers,
                            },
                        );
                    }
                }
                Outcome::Delivered => {
                    delivery.fate = Fate::Delivered;
                    if let Some(ended) = ended.filter(|_| self.duplicates > 0) {
                        run.push(ended, index, Send::Duplicate { copy: 1, headers });
                    }
                }
                outcome => {
                    let throttle = match outcome {
                        Outcome::Throttle { retry_after } => retry_after.unwrap_or_default(),
                        _ => Duration::ZERO,
                    };
                    let next = schedule
                        .delay_after(number)
                        .map(|delay| delay.max(throttle))
                        .and_then(|wait| add(ended?, wait));
                    match next {
                        Some(next) => run.push(next, index, Send::Attempt(number + 1)),
                        None => delivery.fate = Fate::Exhausted,
                    }
                }
            }
        }
        Ok(Report {
            deliveries: run.deliveries,
            sent: run.sent,
        })
    }

    fn sign(&self, body: &[u8], at: OffsetDateTime) -> Result<HeaderMap, Error> {
        match &self.signer {
            Some(sign) => sign(body, at),
            None => self.provider.sign_at(body, at),
        }
    }

    fn request(&self, body: &[u8], headers: HeaderMap, at: OffsetDateTime) -> Request<Vec<u8>> {
        let mut request = Request::new(body.to_vec());
        *request.method_mut() = Method::POST;
        *request.uri_mut() = self.uri.clone();
        *request.headers_mut() = headers;
        request
            .headers_mut()
            .entry(CONTENT_TYPE)
            .or_insert(HeaderValue::from_static("application/json"));
        request.extensions_mut().insert(SentAt(at));
        request
    }

    /// How the provider reads `reply` to a request sent at `at`.
    fn read(&self, schedule: &RetrySchedule, reply: Reply, at: OffsetDateTime) -> Answer {
        if let Some(timeout) = schedule.timeout().filter(|t| reply.took > *t) {
            return Answer {
                status: None,
                outcome: Outcome::Retry,
                elapsed: timeout,
            };
        }
        let outcome = match self.provider.classify(&reply.response) {
            // `classify` reads an HTTP-date `Retry-After` against the system
            // clock; the sender's clock here is the virtual one.
            Outcome::Throttle { retry_after: read } => Outcome::Throttle {
                retry_after: add(at, reply.took)
                    .and_then(|received| retry_after(reply.response.headers(), received))
                    .or(read),
            },
            outcome => outcome,
        };
        Answer {
            status: Some(reply.response.status()),
            outcome,
            elapsed: reply.took,
        }
    }
}

impl<P> fmt::Debug for Simulator<'_, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator")
            .field("start", &self.start)
            .field("uri", &self.uri)
            .field("fail_first", &self.fail_first)
            .field("duplicates", &self.duplicates)
            .field("shuffle", &self.shuffle)
            .field("custom_signer", &self.signer.is_some())
            .finish_non_exhaustive()
    }
}

/// The virtual time at which the simulator sent `request`; the system
/// clock's time for a request that did not come from a [`Simulator`].
///
/// Verify with it (`verify_and_parse_at(headers, body, virtual_now(&req))`):
/// a retry the simulator sends two days into the schedule is signed two
/// days after the start.
pub fn virtual_now<B>(request: &Request<B>) -> OffsetDateTime {
    request
        .extensions()
        .get::<SentAt>()
        .map_or_else(OffsetDateTime::now_utc, |sent| sent.0)
}

/// The extension that carries the virtual send time.
#[derive(Clone, Copy, Debug)]
struct SentAt(OffsetDateTime);

/// A handler's answer, and how long it took in virtual time.
///
/// Handlers may return it, or anything that converts into it: an
/// `http::Response<B>` (taking no time), a `(Response<B>, Duration)` pair,
/// or a bare `StatusCode`.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::funnel::Funnel;
/// use webhook_kit::simulate::{Reply, Simulator};
/// use webhook_kit::Provider;
///
/// let funnel = Funnel::new();
/// // Funnel waits 5 s: a reply after 6 s is a failure, however correct.
/// let slow = Simulator::new(&funnel)
///     .deliver(b"{}", |_req: http::Request<Vec<u8>>| Reply::new(funnel.acknowledge()).took(Duration::from_secs(6)))?;
/// assert!(!slow.is_delivered());
/// assert!(slow.attempts.iter().all(|a| a.timed_out()));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reply {
    response: Response<Vec<u8>>,
    took: Duration,
}

impl Reply {
    /// A reply that takes no time.
    pub fn new<B: Into<Vec<u8>>>(response: Response<B>) -> Self {
        Reply {
            response: response.map(Into::into),
            took: Duration::ZERO,
        }
    }

    /// A reply with `status` and an empty body.
    pub fn empty(status: StatusCode) -> Self {
        let mut response = Response::new(Vec::new());
        *response.status_mut() = status;
        Reply::new(response)
    }

    /// Says the handler took `duration` of virtual time to answer.
    #[must_use]
    pub fn took(mut self, duration: Duration) -> Self {
        self.took = duration;
        self
    }
}

impl<B: Into<Vec<u8>>> From<Response<B>> for Reply {
    fn from(response: Response<B>) -> Self {
        Reply::new(response)
    }
}

impl<B: Into<Vec<u8>>> From<(Response<B>, Duration)> for Reply {
    fn from((response, took): (Response<B>, Duration)) -> Self {
        Reply::new(response).took(took)
    }
}

impl From<StatusCode> for Reply {
    fn from(status: StatusCode) -> Self {
        Reply::empty(status)
    }
}

/// One request the provider sent, and how it read the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Attempt {
    /// 1 for the first delivery, 2 for the first retry, … (for duplicates:
    /// 1 for the first copy, …).
    pub number: u32,
    /// When it was sent, in virtual time.
    pub at: OffsetDateTime,
    /// How long after the simulation's start it was sent.
    pub offset: Duration,
    /// The status the provider received; `None` when it stopped waiting
    /// first (the handler took longer than the timeout).
    pub status: Option<StatusCode>,
    /// How the provider read the answer (a timeout reads as
    /// [`Outcome::Retry`]).
    pub outcome: Outcome,
    /// How long the attempt lasted in virtual time: the handler's reported
    /// duration, or the timeout where the provider stopped waiting.
    pub took: Duration,
    /// Whether the simulator failed it itself ([`Simulator::fail_first`]):
    /// the handler never saw it.
    pub injected: bool,
}

impl Attempt {
    /// Whether the provider stopped waiting for the reply.
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
}

/// How a delivery ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Fate {
    /// The provider counted an attempt as delivered.
    Delivered,
    /// The provider gave up: every attempt its schedule allows failed (or
    /// the next one would fall past the year 9999).
    Exhausted,
    /// The provider gave up because a reply asked it to disable the
    /// endpoint ([`Outcome::Disable`]), to this event or another.
    Disabled,
}

/// One event's history.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Delivery {
    /// The event's position in the input.
    pub index: usize,
    /// Every attempt, in order; the last one decided the [`Fate`].
    pub attempts: Vec<Attempt>,
    /// The copies sent after success ([`Simulator::duplicates`]).
    pub duplicates: Vec<Attempt>,
    /// How it ended.
    pub fate: Fate,
}

impl Delivery {
    fn new(index: usize) -> Self {
        Delivery {
            index,
            attempts: Vec::new(),
            duplicates: Vec::new(),
            // Until an attempt decides otherwise: an event never sent
            // because the endpoint was disabled stays disabled.
            fate: Fate::Disabled,
        }
    }

    /// Whether the provider counted the event as delivered.
    pub fn is_delivered(&self) -> bool {
        self.fate == Fate::Delivered
    }

    /// When each attempt was sent, relative to the start.
    pub fn offsets(&self) -> Vec<Duration> {
        self.attempts.iter().map(|a| a.offset).collect()
    }
}

/// The result of [`Simulator::deliver_all`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// One per event, in input order.
    pub deliveries: Vec<Delivery>,
    /// The input index of the event each request carried, in the order the
    /// requests were sent: attempts, injected failures and duplicates alike.
    pub sent: Vec<usize>,
}

impl Report {
    /// The input indices in the order each event was first sent.
    pub fn order(&self) -> Vec<usize> {
        let mut seen = vec![false; self.deliveries.len()];
        self.sent
            .iter()
            .copied()
            .filter(|&i| !std::mem::replace(&mut seen[i], true))
            .collect()
    }

    /// Whether every event was delivered.
    pub fn all_delivered(&self) -> bool {
        self.deliveries.iter().all(Delivery::is_delivered)
    }
}

/// What the provider made of one reply.
struct Answer {
    status: Option<StatusCode>,
    outcome: Outcome,
    elapsed: Duration,
}

/// The state of one run.
struct Run {
    queue: BinaryHeap<Reverse<Pending>>,
    serial: u64,
    deliveries: Vec<Delivery>,
    sent: Vec<usize>,
}

impl Run {
    fn push(&mut self, at: OffsetDateTime, index: usize, send: Send) {
        self.serial += 1;
        self.queue.push(Reverse(Pending {
            at,
            serial: self.serial,
            index,
            send,
        }));
    }

    /// Drops everything still queued; undelivered events end disabled.
    fn disable(&mut self) {
        self.queue.clear();
        for delivery in &mut self.deliveries {
            if delivery.fate != Fate::Delivered {
                delivery.fate = Fate::Disabled;
            }
        }
    }
}

/// A request waiting for its time.
struct Pending {
    at: OffsetDateTime,
    /// Breaks ties: requests due at once go out in the order queued.
    serial: u64,
    index: usize,
    send: Send,
}

enum Send {
    Attempt(u32),
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
fn add(at: OffsetDateTime, duration: Duration) -> Option<OffsetDateTime> {
    at.checked_add(time::Duration::try_from(duration).ok()?)
}

/// Fisher–Yates with xorshift64*, seeded through splitmix64 so that every
/// seed, 0 included, gives a well-mixed state.
fn shuffle<T>(items: &mut [T], seed: u64) {
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
