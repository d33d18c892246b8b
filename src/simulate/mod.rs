//! Test a handler the way the provider will call it: signed deliveries,
//! retries on the provider's schedule, duplicates, events out of order and
//! slow replies — on a virtual clock, so a schedule that spans days runs in
//! microseconds.
//!
//! A [`Simulator`] signs each attempt with [`Provider::sign_at`] at its
//! virtual time, POSTs it to your handler, reads the reply with
//! [`Provider::reply_rule`] on the virtual clock and, until the provider
//! counts the event as delivered, waits as [`Provider::retry_schedule`] says
//! and tries again. The [`History`] it returns tells when each attempt went
//! out, what came back, and how it ended ([`Fate`]).
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
//!         Err(err) => return Reply::empty(err.status()),
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
//!   and every event not yet delivered ends [`Fate::Disabled`];
//!   [`Outcome::Abandon`] drops that one event ([`Fate::Abandoned`]).
//! - A handler that takes longer than the schedule's
//!   [`timeout`](crate::RetrySchedule::timeout) has failed, whatever it
//!   answers: the provider stopped waiting at the timeout.
//! - Events of a batch all start at the start time, in input order or
//!   shuffled; their retries interleave in time order, as a provider's
//!   queue would send them.

mod queue;
mod reply;
mod report;

use std::fmt;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri};
use time::OffsetDateTime;

use crate::{Error, Outcome, Provider, RetrySchedule};
use queue::{Dispatch, Pending, Run, add, shuffle};
pub use reply::Reply;
pub use report::{Attempt, Fate, History, Report};

/// Delivers events to a handler as a provider would, on a virtual clock.
///
/// Built with [`Simulator::new`] and the options below, then run with
/// [`Simulator::deliver`] (one event) or [`Simulator::deliver_all`] (a
/// batch). A simulator can run any number of times; each run starts afresh.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::clickfunnels::ClickFunnels;
/// use webhook_kit::simulate::{Fate, Simulator};
///
/// let receiver = ClickFunnels::new("webhook-secret")?;
/// let mut calls = 0;
/// // A handler that fails twice, then succeeds: ClickFunnels retries after 1 s, then 15 s.
/// let history = Simulator::new(&receiver).deliver(br#"{"event_id": "e1"}"#, |_req: http::Request<Vec<u8>>| {
///     calls += 1;
///     if calls < 3 { http::StatusCode::SERVICE_UNAVAILABLE } else { http::StatusCode::OK }
/// })?;
/// assert_eq!(history.fate, Fate::Delivered);
/// assert_eq!(history.offsets(), [Duration::ZERO, Duration::from_secs(1), Duration::from_secs(16)]);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub struct Simulator<'a, P: ?Sized> {
    provider: &'a P,
    start: OffsetDateTime,
    uri: Uri,
    fail_first: u32,
    duplicates: u32,
    shuffle: Option<u64>,
    signer: Option<Signer<'a>>,
}

type Signer<'a> = Box<dyn Fn(&[u8], OffsetDateTime) -> Result<HeaderMap, Error> + 'a>;

impl<'a, P: Provider + ?Sized> Simulator<'a, P> {
    /// A simulator that delivers as `provider` would: its signature, reply
    /// rules and retry schedule. The virtual clock starts at the current
    /// time, to the second; requests go to `/webhook`.
    ///
    /// ```
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let history = Simulator::new(&receiver).deliver(b"{}", |_req: http::Request<Vec<u8>>| http::StatusCode::OK)?;
    /// assert!(history.is_delivered());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
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
    ///
    /// ```
    /// use webhook_kit::simulate::{Simulator, virtual_now};
    ///
    /// let start = time::macros::datetime!(2024-06-01 12:00 UTC);
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let history = Simulator::new(&receiver)
    ///     .starting_at(start)
    ///     .deliver(b"{}", |req: http::Request<Vec<u8>>| {
    ///         assert_eq!(virtual_now(&req), start);
    ///         http::StatusCode::OK
    ///     })?;
    /// assert_eq!(history.attempts[0].at, start);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn starting_at(mut self, start: OffsetDateTime) -> Self {
        self.start = start;
        self
    }

    /// Sends requests to `uri` (default `/webhook`).
    ///
    /// ```
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// Simulator::new(&receiver)
    ///     .uri(http::Uri::from_static("/hooks/falu"))
    ///     .deliver(b"{}", |req: http::Request<Vec<u8>>| {
    ///         assert_eq!(req.uri().path(), "/hooks/falu");
    ///         http::StatusCode::OK
    ///     })?;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
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
    ///
    /// ```
    /// use webhook_kit::clickfunnels::ClickFunnels;
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = ClickFunnels::new("webhook-secret")?;
    /// let mut seen = 0;
    /// let history = Simulator::new(&receiver)
    ///     .fail_first(2)
    ///     .deliver(br#"{"event_id": "e1"}"#, |_req: http::Request<Vec<u8>>| {
    ///         seen += 1;
    ///         http::StatusCode::OK
    ///     })?;
    /// assert_eq!(seen, 1);
    /// assert_eq!(history.attempts.len(), 3);
    /// assert!(history.attempts[0].injected && history.attempts[1].injected);
    /// assert!(history.is_delivered());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn fail_first(mut self, n: u32) -> Self {
        self.fail_first = n;
        self
    }

    /// After an event is delivered, sends the same signed request `n` more
    /// times, as providers that deliver "at least once" sometimes do. The
    /// copies are recorded in [`History::duplicates`]; they are never
    /// retried.
    ///
    /// ```
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let mut seen = 0;
    /// let history = Simulator::new(&receiver).duplicates(2).deliver(b"{}", |_req: http::Request<Vec<u8>>| {
    ///     seen += 1;
    ///     http::StatusCode::OK
    /// })?;
    /// // A handler must treat the copies as the same event: see `webhook_kit::dedup`.
    /// assert_eq!(seen, 3);
    /// assert_eq!(history.duplicates.len(), 2);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn duplicates(mut self, n: u32) -> Self {
        self.duplicates = n;
        self
    }

    /// Delivers a batch's events in an order shuffled by `seed`: the same
    /// seed gives the same order on every run and platform.
    ///
    /// ```
    /// use webhook_kit::simulate::Simulator;
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let bodies = [b"{\"n\": 0}", b"{\"n\": 1}", b"{\"n\": 2}"];
    /// let ok = |_req: http::Request<Vec<u8>>| http::StatusCode::OK;
    /// let first = Simulator::new(&receiver).shuffled(42).deliver_all(bodies, ok)?;
    /// let again = Simulator::new(&receiver).shuffled(42).deliver_all(bodies, ok)?;
    /// assert_eq!(first.order(), again.order());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
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
    /// ```
    /// use webhook_kit::simulate::{Fate, Simulator};
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
    /// let history = Simulator::new(&receiver).deliver(body, |req: http::Request<Vec<u8>>| {
    ///     match receiver.verify_and_parse_at(req.headers(), req.body(), webhook_kit::simulate::virtual_now(&req)) {
    ///         Ok(event) if event.event_type() == "message.sent" => http::StatusCode::OK,
    ///         _ => http::StatusCode::BAD_REQUEST,
    ///     }
    /// })?;
    /// assert_eq!(history.fate, Fate::Delivered);
    /// assert_eq!(history.attempts.len(), 1);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// When signing fails ([`Error::Signing`]).
    pub fn deliver<R: Into<Reply>>(
        &self,
        body: impl AsRef<[u8]>,
        handler: impl FnMut(Request<Vec<u8>>) -> R,
    ) -> Result<History, Error> {
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
    /// let receiver = Falu::new("whsec_test")?;
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
        let mut order: Vec<usize> = (0..bodies.len()).collect();
        if let Some(seed) = self.shuffle {
            shuffle(&mut order, seed);
        }
        let mut run = Run::new(self.start, order);
        while let Some(pending) = run.next() {
            let body = bodies[pending.index].as_ref();
            let (headers, answer) = self.send(&pending, body, &schedule, &mut handler)?;
            self.record(&mut run, &pending, &answer);
            if answer.outcome == Outcome::Disable {
                run.disable();
                break;
            }
            self.queue_next(&mut run, pending, headers, &answer, &schedule);
        }
        Ok(run.into_report())
    }

    /// Sends one queued request (or fails it, for [`Simulator::fail_first`])
    /// and reads the answer; gives back the headers it carried.
    fn send<R: Into<Reply>>(
        &self,
        pending: &Pending,
        body: &[u8],
        schedule: &RetrySchedule,
        handler: &mut impl FnMut(Request<Vec<u8>>) -> R,
    ) -> Result<(HeaderMap, Answer), Error> {
        let headers = match &pending.dispatch {
            Dispatch::Attempt(_) => self.sign(body, pending.at)?,
            Dispatch::Duplicate { headers, .. } => headers.clone(),
        };
        let answer = if self.injects_failure(&pending.dispatch) {
            let refused = Reply::empty(StatusCode::INTERNAL_SERVER_ERROR);
            self.read(schedule, refused, pending.at)
        } else {
            let request = self.request(body, headers.clone(), pending.at);
            self.read(schedule, handler(request).into(), pending.at)
        };
        Ok((headers, answer))
    }

    fn injects_failure(&self, dispatch: &Dispatch) -> bool {
        matches!(dispatch, Dispatch::Attempt(n) if *n <= self.fail_first)
    }

    /// Writes the attempt into its event's history.
    fn record(&self, run: &mut Run, pending: &Pending, answer: &Answer) {
        let (number, duplicate) = match pending.dispatch {
            Dispatch::Attempt(number) => (number, false),
            Dispatch::Duplicate { copy, .. } => (copy, true),
        };
        let attempt = Attempt {
            number,
            at: pending.at,
            offset: (pending.at - self.start).unsigned_abs(),
            status: answer.status,
            outcome: answer.outcome,
            took: answer.elapsed,
            injected: self.injects_failure(&pending.dispatch),
        };
        let history = &mut run.histories[pending.index];
        if duplicate {
            history.duplicates.push(attempt);
        } else {
            history.attempts.push(attempt);
        }
    }

    /// Queues what follows an answer: the next duplicate after a success or
    /// a duplicate, the next attempt after a failure, or nothing when the
    /// schedule is exhausted.
    fn queue_next(
        &self,
        run: &mut Run,
        pending: Pending,
        headers: HeaderMap,
        answer: &Answer,
        schedule: &RetrySchedule,
    ) {
        let Pending {
            at,
            index,
            dispatch,
            ..
        } = pending;
        let ended = add(at, answer.elapsed);
        match (dispatch, answer.outcome) {
            (Dispatch::Duplicate { copy, .. }, _) => {
                if let Some(ended) = ended.filter(|_| copy < self.duplicates) {
                    let copy = copy.saturating_add(1);
                    run.push(ended, index, Dispatch::Duplicate { copy, headers });
                }
            }
            (Dispatch::Attempt(_), Outcome::Delivered) => {
                run.histories[index].fate = Fate::Delivered;
                if let Some(ended) = ended.filter(|_| self.duplicates > 0) {
                    run.push(ended, index, Dispatch::Duplicate { copy: 1, headers });
                }
            }
            (Dispatch::Attempt(_), Outcome::Abandon) => {
                run.histories[index].fate = Fate::Abandoned;
            }
            (Dispatch::Attempt(number), outcome) => {
                let throttle = match outcome {
                    Outcome::Throttle { retry_after } => retry_after.unwrap_or_default(),
                    _ => Duration::ZERO,
                };
                let next = schedule
                    .delay_after(number)
                    .map(|delay| delay.max(throttle))
                    .and_then(|wait| add(ended?, wait));
                match next {
                    Some(next) => run.push(next, index, Dispatch::Attempt(number + 1)),
                    None => run.histories[index].fate = Fate::Exhausted,
                }
            }
        }
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
        // The sender reads an HTTP-date `Retry-After` against its own clock:
        // the virtual one, when the reply came back.
        let received = add(at, reply.took).unwrap_or(at);
        let outcome = self
            .provider
            .reply_rule()
            .classify_at(&reply.response, received);
        Answer {
            status: Some(reply.response.status()),
            outcome,
            elapsed: reply.took,
        }
    }
}

impl<P: ?Sized> fmt::Debug for Simulator<'_, P> {
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
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Provider;
/// use webhook_kit::clickfunnels::ClickFunnels;
/// use webhook_kit::simulate::{Simulator, virtual_now};
///
/// let receiver = ClickFunnels::new("webhook-secret")?;
/// let start = time::macros::datetime!(2024-06-01 12:00 UTC);
/// let mut times = Vec::new();
/// Simulator::new(&receiver).starting_at(start).fail_first(0).deliver(
///     br#"{"event_id": "e1", "event_type": "contact.created", "data": {}}"#,
///     |req: http::Request<Vec<u8>>| {
///         times.push(virtual_now(&req));
///         // Every attempt verifies against its own virtual time.
///         assert!(receiver.verify_at(req.headers(), req.body(), virtual_now(&req)).is_ok());
///         if times.len() < 2 { http::StatusCode::BAD_GATEWAY } else { http::StatusCode::OK }
///     },
/// )?;
/// assert_eq!(times, [start, start + Duration::from_secs(1)]);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub fn virtual_now<B>(request: &Request<B>) -> OffsetDateTime {
    request
        .extensions()
        .get::<SentAt>()
        .map_or_else(OffsetDateTime::now_utc, |sent| sent.0)
}

/// The extension that carries the virtual send time.
#[derive(Clone, Copy, Debug)]
struct SentAt(OffsetDateTime);

/// What the provider made of one reply.
struct Answer {
    status: Option<StatusCode>,
    outcome: Outcome,
    elapsed: Duration,
}
