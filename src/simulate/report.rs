//! What a simulation returns: each event's attempts and how it ended.

use std::time::Duration;

use http::StatusCode;
use time::OffsetDateTime;

use crate::Outcome;
#[cfg(doc)]
use crate::simulate::Simulator;

/// One request the provider sent, and how it read the answer.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Outcome;
/// use webhook_kit::simulate::Simulator;
///
/// let receiver = webhook_kit::standard::StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// let mut calls = 0;
/// let history = Simulator::new(&receiver).deliver(b"{}", |_req: http::Request<Vec<u8>>| {
///     calls += 1;
///     if calls == 1 { http::StatusCode::SERVICE_UNAVAILABLE } else { http::StatusCode::OK }
/// })?;
/// let [first, second] = &history.attempts[..] else { unreachable!() };
/// assert_eq!((first.number, first.outcome), (1, Outcome::Retry));
/// assert_eq!(first.status, Some(http::StatusCode::SERVICE_UNAVAILABLE));
/// assert_eq!((second.number, second.outcome), (2, Outcome::Delivered));
/// assert_eq!(second.offset, Duration::from_secs(5));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
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
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::simulate::{Reply, Simulator};
    ///
    /// let funnel = webhook_kit::funnel::Funnel::new();
    /// let history = Simulator::new(&funnel).deliver(b"{}", |_req: http::Request<Vec<u8>>| {
    ///     Reply::empty(http::StatusCode::OK).took(Duration::from_secs(60))
    /// })?;
    /// assert!(history.attempts[0].timed_out());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn timed_out(&self) -> bool {
        self.status.is_none()
    }
}

/// How a delivery ended.
///
/// ```
/// use webhook_kit::simulate::{Fate, Simulator};
/// use webhook_kit::standard::StandardWebhooks;
///
/// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// let simulator = Simulator::new(&receiver);
/// let ok = simulator.deliver(b"{}", |_req: http::Request<Vec<u8>>| http::StatusCode::OK)?;
/// assert_eq!(ok.fate, Fate::Delivered);
/// // Standard Webhooks senders disable an endpoint that answers 410 Gone.
/// let gone = simulator.deliver(b"{}", |_req: http::Request<Vec<u8>>| http::StatusCode::GONE)?;
/// assert_eq!((gone.fate, gone.attempts.len()), (Fate::Disabled, 1));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
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
    /// The provider dropped this event because a reply asked it to
    /// ([`Outcome::Abandon`], Slack's `X-Slack-No-Retry: 1`).
    Abandoned,
}

/// One event's history: its attempts, the duplicates sent after success,
/// and how it ended.
///
/// ```
/// use webhook_kit::simulate::{Fate, Simulator};
///
/// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
/// let history = Simulator::new(&receiver).deliver(b"{}", |_req: http::Request<Vec<u8>>| {
///     http::StatusCode::INTERNAL_SERVER_ERROR
/// })?;
/// // Falu never retries: one attempt, and the event is lost.
/// assert_eq!(history.attempts.len(), 1);
/// assert_eq!(history.fate, Fate::Exhausted);
/// assert!(!history.is_delivered());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct History {
    /// The event's position in the input.
    pub index: usize,
    /// Every attempt, in order; the last one decided the [`Fate`].
    pub attempts: Vec<Attempt>,
    /// The copies sent after success ([`Simulator::duplicates`]).
    pub duplicates: Vec<Attempt>,
    /// How it ended.
    pub fate: Fate,
}

impl History {
    pub(super) fn new(index: usize) -> Self {
        History {
            index,
            attempts: Vec::new(),
            duplicates: Vec::new(),
            // Until an attempt decides otherwise: an event never sent
            // because the endpoint was disabled stays disabled.
            fate: Fate::Disabled,
        }
    }

    /// Whether the provider counted the event as delivered.
    ///
    /// ```
    /// # use webhook_kit::simulate::Simulator;
    /// # let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let history = Simulator::new(&receiver).deliver(b"{}", |_req: http::Request<Vec<u8>>| http::StatusCode::OK)?;
    /// assert!(history.is_delivered());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn is_delivered(&self) -> bool {
        self.fate == Fate::Delivered
    }

    /// When each attempt was sent, relative to the start.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::simulate::Simulator;
    /// let funnel = webhook_kit::funnel::Funnel::new();
    /// let history = Simulator::new(&funnel).deliver(b"{}", |_req: http::Request<Vec<u8>>| http::StatusCode::BAD_GATEWAY)?;
    /// assert_eq!(history.offsets(), [0, 5, 15, 30].map(Duration::from_secs));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn offsets(&self) -> Vec<Duration> {
        self.attempts.iter().map(|a| a.offset).collect()
    }
}

/// The result of [`Simulator::deliver_all`].
///
/// ```
/// use webhook_kit::simulate::{Fate, Simulator};
///
/// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
/// let bodies: [&[u8]; 2] = [br#"{"ok": true}"#, br#"{"ok": false}"#];
/// let report = Simulator::new(&receiver).deliver_all(bodies, |req: http::Request<Vec<u8>>| {
///     if req.body().ends_with(b"true}") { http::StatusCode::OK } else { http::StatusCode::BAD_REQUEST }
/// })?;
/// assert_eq!(report.sent, [0, 1]); // Falu never retries
/// assert_eq!(report.deliveries[1].fate, Fate::Exhausted);
/// assert!(!report.all_delivered());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Report {
    /// One per event, in input order.
    pub deliveries: Vec<History>,
    /// The input index of the event each request carried, in the order the
    /// requests were sent: attempts, injected failures and duplicates alike.
    pub sent: Vec<usize>,
}

impl Report {
    /// The input indices in the order each event was first sent.
    ///
    /// ```
    /// # use webhook_kit::simulate::Simulator;
    /// # let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let report = Simulator::new(&receiver).deliver_all([b"{}", b"[]"], |_req: http::Request<Vec<u8>>| http::StatusCode::OK)?;
    /// assert_eq!(report.order(), [0, 1]);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn order(&self) -> Vec<usize> {
        let mut seen = vec![false; self.deliveries.len()];
        self.sent
            .iter()
            .copied()
            .filter(|&i| !std::mem::replace(&mut seen[i], true))
            .collect()
    }

    /// Whether every event was delivered.
    ///
    /// ```
    /// # use webhook_kit::simulate::Simulator;
    /// # let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let report = Simulator::new(&receiver).deliver_all([b"{}"], |_req: http::Request<Vec<u8>>| http::StatusCode::OK)?;
    /// assert!(report.all_delivered());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn all_delivered(&self) -> bool {
        self.deliveries.iter().all(History::is_delivered)
    }
}
