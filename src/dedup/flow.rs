//! The handler's side of the claim protocol, as one call.

use std::future::Future;
use std::time::Duration;

use http::header::RETRY_AFTER;
use http::{HeaderValue, Response, StatusCode};

use super::{AsyncIdempotencyStore, Claim, IdempotencyStore, Settled, lease_for, ttl_for};
use crate::Provider;
use crate::observe::{ProcessOutcome, Processing};

/// Processes each event at most once at a time and, as long as the sender
/// redelivers, exactly once: claim, process, then complete (on `Ok`) or
/// release (on `Err`), and say what to answer.
///
/// Built per provider from its retry schedule: the lease is [`lease_for`]
/// and the record of a completed event lasts [`ttl_for`]; both can be
/// changed. `name` keys the provider's events in the store
/// (`"clickfunnels"`); keep it stable across deploys.
///
/// ```
/// use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore};
/// use webhook_kit::clickfunnels::ClickFunnels;
///
/// let receiver = ClickFunnels::new("my-webhook-secret")?;
/// let store = MemoryStore::default();
/// let once = ExactlyOnce::new(&receiver, &store, "clickfunnels");
///
/// let mut processed = 0;
/// let first = once.run("e1", || {
///     processed += 1;
///     Ok::<(), std::io::Error>(())
/// });
/// assert!(matches!(first, Handled::Processed { .. }));
/// // A redelivery: acknowledged, not processed again.
/// let again = once.run("e1", || Ok::<(), std::io::Error>(()));
/// assert!(matches!(again, Handled::Duplicate { .. }));
/// assert_eq!(again.into_response().status(), 200);
/// assert_eq!(processed, 1);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct ExactlyOnce<'a, P: ?Sized, S> {
    provider: &'a P,
    store: S,
    name: &'a str,
    lease: Duration,
    ttl: Duration,
}

impl<'a, P: Provider + ?Sized, S> ExactlyOnce<'a, P, S> {
    /// The flow for `provider`'s events in `store` (a reference, an `Arc`
    /// or the store itself), under `name`.
    ///
    /// ```
    /// use webhook_kit::dedup::{ExactlyOnce, MemoryStore, lease_for, ttl_for};
    /// use webhook_kit::funnel::Funnel;
    ///
    /// let funnel = Funnel::new();
    /// let once = ExactlyOnce::new(&funnel, MemoryStore::default(), "funnel");
    /// assert_eq!(once.lease(), lease_for(&funnel));
    /// assert_eq!(once.ttl(), ttl_for(&funnel));
    /// ```
    pub fn new(provider: &'a P, store: S, name: &'a str) -> Self {
        ExactlyOnce {
            provider,
            lease: lease_for(provider),
            ttl: ttl_for(provider),
            store,
            name,
        }
    }

    /// Claims for `lease` instead of [`lease_for`]: at least as long as
    /// processing can take, and no longer than the sender's schedule can
    /// recover from ([`recovers_from_crash`](super::recovers_from_crash)).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
    /// use webhook_kit::funnel::Funnel;
    ///
    /// let funnel = Funnel::new();
    /// let once = ExactlyOnce::new(&funnel, MemoryStore::default(), "funnel")
    ///     .with_lease(Duration::from_secs(3));
    /// assert_eq!(once.lease(), Duration::from_secs(3));
    /// ```
    #[must_use]
    pub fn with_lease(mut self, lease: Duration) -> Self {
        self.lease = lease;
        self
    }

    /// Remembers completed events for `ttl` instead of [`ttl_for`], for
    /// example longer, to catch replays started by hand.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
    /// use webhook_kit::falu::Falu;
    ///
    /// let falu = Falu::new("secret")?;
    /// let week = Duration::from_secs(7 * 86_400);
    /// let once = ExactlyOnce::new(&falu, MemoryStore::default(), "falu").with_ttl(week);
    /// assert_eq!(once.ttl(), week);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The lease each claim takes.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::dedup::{ExactlyOnce, MemoryStore};
    /// # use webhook_kit::funnel::Funnel;
    /// let funnel = Funnel::new();
    /// assert_eq!(ExactlyOnce::new(&funnel, MemoryStore::default(), "funnel").lease(), Duration::from_secs(5));
    /// ```
    pub fn lease(&self) -> Duration {
        self.lease
    }

    /// How long a completed event is remembered.
    ///
    /// ```
    /// # use webhook_kit::dedup::{ExactlyOnce, MemoryStore, ttl_for};
    /// # use webhook_kit::funnel::Funnel;
    /// let funnel = Funnel::new();
    /// assert_eq!(ExactlyOnce::new(&funnel, MemoryStore::default(), "funnel").ttl(), ttl_for(&funnel));
    /// ```
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    fn ack(&self) -> Response<&'static str> {
        self.provider.acknowledge()
    }
}

impl<P: Provider + ?Sized, S: IdempotencyStore> ExactlyOnce<'_, P, S> {
    /// Runs `process` for `event_id` only if this delivery claims the event;
    /// completes the claim when it returns `Ok`, releases it when it returns
    /// `Err`. A `process` that panics (or a process that dies) leaves the
    /// claim to run out with its lease.
    ///
    /// Call it after the request was verified, with the event's id. With
    /// the `tracing` or `metrics` feature, each call is recorded as a
    /// `webhook.process` span and counted (see
    /// [`observe`](crate::observe)).
    ///
    /// An empty or blank `event_id` is never claimed: every event without
    /// an id would share that one key, and all but the first would be
    /// acknowledged as duplicates unprocessed. Such an event is processed
    /// without deduplication and answered [`Handled::NoId`] (or
    /// [`Handled::Failed`]); to deduplicate it, key it by its signed content
    /// ([`content_key`](super::content_key)) instead.
    ///
    /// ```
    /// use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore};
    /// use webhook_kit::falu::Falu;
    ///
    /// let falu = Falu::new("secret")?;
    /// let store = MemoryStore::default();
    /// let once = ExactlyOnce::new(&falu, &store, "falu");
    /// let failed = once.run("evt_1", || Err("database down"));
    /// assert!(matches!(failed, Handled::Failed("database down")));
    /// assert_eq!(failed.into_response().status(), 503);
    /// // Released: the next delivery processes it.
    /// assert!(matches!(once.run("evt_1", || Ok::<(), &str>(())), Handled::Processed { .. }));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn run<E>(
        &self,
        event_id: &str,
        process: impl FnOnce() -> Result<(), E>,
    ) -> Handled<E, S::Error> {
        let watch = Processing::start(self.provider.name(), event_id);
        let handled = watch.in_scope(|| self.claim_and_run(event_id, process));
        watch.finish(ProcessOutcome::from(&handled));
        handled
    }

    fn claim_and_run<E>(
        &self,
        event_id: &str,
        process: impl FnOnce() -> Result<(), E>,
    ) -> Handled<E, S::Error> {
        if is_blank(event_id) {
            return no_id(process(), self.ack());
        }
        let token = match self.store.claim(self.name, event_id, self.lease) {
            Ok(Claim::Claimed(token)) => token,
            Ok(claim) => return self.not_claimed(claim),
            Err(error) => return Handled::StoreUnavailable(error),
        };
        match process() {
            Ok(()) => self.completed(self.store.complete(&token, self.ttl)),
            Err(error) => {
                // A failed release leaves the claim to its lease: the retry
                // comes later, but it comes.
                let _ = self.store.release(&token);
                Handled::Failed(error)
            }
        }
    }
}

impl<P: Provider + ?Sized, S: AsyncIdempotencyStore> ExactlyOnce<'_, P, S> {
    /// [`ExactlyOnce::run`] for async handlers: `process` returns a future.
    /// A blank `event_id` is processed without a claim, as `run` says.
    /// The future this returns is `Send` when the provider is `Sync` and the
    /// store and `process`'s future are `Send`, as axum and actix handlers
    /// need.
    ///
    /// ```
    /// use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore};
    /// use webhook_kit::funnel::Funnel;
    ///
    /// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
    /// let funnel = Funnel::new();
    /// let store = MemoryStore::default();
    /// let once = ExactlyOnce::new(&funnel, &store, "funnel");
    /// let handled = once.run_async("8932127", || async { Ok::<(), std::io::Error>(()) }).await;
    /// let reply = handled.into_response();
    /// assert_eq!(reply.status(), 200);
    /// assert_eq!(*reply.body(), "Funnel Event Received");
    /// # });
    /// ```
    pub async fn run_async<E, F, Fut>(&self, event_id: &str, process: F) -> Handled<E, S::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        let watch = Processing::start(self.provider.name(), event_id);
        let handled = watch
            .instrument(self.claim_and_run_async(event_id, process))
            .await;
        watch.finish(ProcessOutcome::from(&handled));
        handled
    }

    async fn claim_and_run_async<E, F, Fut>(
        &self,
        event_id: &str,
        process: F,
    ) -> Handled<E, S::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<(), E>>,
    {
        if is_blank(event_id) {
            return no_id(process().await, self.ack());
        }
        let token = match self.store.claim(self.name, event_id, self.lease).await {
            Ok(Claim::Claimed(token)) => token,
            Ok(claim) => return self.not_claimed(claim),
            Err(error) => return Handled::StoreUnavailable(error),
        };
        match process().await {
            Ok(()) => self.completed(self.store.complete(&token, self.ttl).await),
            Err(error) => {
                let _ = self.store.release(&token).await;
                Handled::Failed(error)
            }
        }
    }
}

/// Whether `event_id` has nothing to key an event by.
fn is_blank(event_id: &str) -> bool {
    event_id.trim().is_empty()
}

/// The result of processing an event that had no id to claim.
fn no_id<E, SE>(processed: Result<(), E>, ack: Response<&'static str>) -> Handled<E, SE> {
    match processed {
        Ok(()) => Handled::NoId { ack },
        Err(error) => Handled::Failed(error),
    }
}

impl<P: Provider + ?Sized, S> ExactlyOnce<'_, P, S> {
    fn not_claimed<E, SE>(&self, claim: Claim) -> Handled<E, SE> {
        match claim {
            Claim::InProgress { lease_left } => Handled::InProgress {
                retry_after: lease_left,
            },
            Claim::Done | Claim::Claimed(_) => Handled::Duplicate { ack: self.ack() },
        }
    }

    fn completed<E, SE>(&self, result: Result<Settled, SE>) -> Handled<E, SE> {
        match result {
            Ok(settled) => Handled::Processed {
                ack: self.ack(),
                settled,
            },
            Err(error) => Handled::Unrecorded {
                ack: self.ack(),
                error,
            },
        }
    }
}

/// What [`ExactlyOnce::run`] did, and what to answer the sender
/// ([`Handled::into_response`]).
///
/// | variant | reply | the sender |
/// |---|---|---|
/// | `Processed`, `Duplicate`, `Unrecorded`, `NoId` | the provider's acknowledgement | stops |
/// | `InProgress` | `429 Too Many Requests`, `Retry-After: <lease left>` | retries later |
/// | `Failed`, `StoreUnavailable` | `503 Service Unavailable` | retries on its schedule |
///
/// Why 429 for an event in progress: every provider here treats it as a
/// failed attempt to retry (ClickFunnels retries anything but its nine
/// success codes, Funnel anything but 200 with its text, Falu and
/// Fourvenues anything but 2xx), and Standard Webhooks senders read it as
/// "throttled" and wait for `Retry-After`, so they come back when the lease
/// ends instead of hours later. Map the variants yourself for a sender
/// with other rules.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::Handled;
///
/// let busy: Handled<(), ()> = Handled::InProgress { retry_after: Duration::from_millis(4200) };
/// let reply = busy.into_response();
/// assert_eq!(reply.status(), 429);
/// assert_eq!(reply.headers()["retry-after"], "5");
/// ```
#[derive(Debug)]
#[must_use = "answer the sender with `into_response`"]
#[non_exhaustive]
pub enum Handled<E, SE> {
    /// This delivery processed the event and recorded it.
    Processed {
        /// The provider's acknowledgement.
        ack: Response<&'static str>,
        /// [`Settled::LeaseLost`] when processing outlasted the lease and
        /// another delivery claimed the event meanwhile: it may process the
        /// event again. Lengthen the lease.
        settled: Settled,
    },
    /// The event was processed before: acknowledge, do nothing.
    Duplicate {
        /// The provider's acknowledgement.
        ack: Response<&'static str>,
    },
    /// Another delivery is processing the event now: ask the sender to try
    /// again when its lease ends.
    InProgress {
        /// The other claim's remaining lease.
        retry_after: Duration,
    },
    /// Processing returned this error; the claim was released so that the
    /// sender's retry processes the event.
    Failed(E),
    /// Processed, but the store could not record it: the claim runs out
    /// with its lease, and a redelivery after that processes the event
    /// again.
    Unrecorded {
        /// The provider's acknowledgement.
        ack: Response<&'static str>,
        /// Why the store failed.
        error: SE,
    },
    /// The store could not be reached to claim the event, or refused the
    /// claim ([`MemoryStore`](super::MemoryStore) full of events in
    /// progress: [`StoreFull`](super::StoreFull)): not processed. The reply
    /// asks the sender to retry (for Falu, which never retries, the event
    /// is lost).
    StoreUnavailable(SE),
    /// The event id was empty or blank, so nothing was claimed: the event
    /// was processed **without deduplication**, and a redelivery will be
    /// processed again. Sharing one blank key would instead have answered
    /// every other id-less event as a duplicate and lost it. Key such
    /// events by [`content_key`](super::content_key) to deduplicate them.
    ///
    /// ```
    /// use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore};
    /// use webhook_kit::falu::Falu;
    ///
    /// let falu = Falu::new("secret")?;
    /// let store = MemoryStore::default();
    /// let once = ExactlyOnce::new(&falu, &store, "falu");
    /// let mut processed = 0;
    /// for _ in 0..2 {
    ///     let handled = once.run(" ", || Ok::<(), ()>(processed += 1));
    ///     assert!(matches!(handled, Handled::NoId { .. }));
    ///     assert_eq!(handled.into_response().status(), 200);
    /// }
    /// assert_eq!(processed, 2);
    /// assert!(store.is_empty());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    NoId {
        /// The provider's acknowledgement.
        ack: Response<&'static str>,
    },
}

impl<E, SE> Handled<E, SE> {
    /// The reply for the sender (see the table above).
    ///
    /// ```
    /// use webhook_kit::dedup::Handled;
    ///
    /// let failed: Handled<&str, ()> = Handled::Failed("database down");
    /// assert_eq!(failed.into_response().status(), 503);
    /// ```
    pub fn into_response(self) -> Response<&'static str> {
        match self {
            Handled::Processed { ack, .. }
            | Handled::Duplicate { ack }
            | Handled::Unrecorded { ack, .. }
            | Handled::NoId { ack } => ack,
            Handled::InProgress { retry_after } => {
                let mut reply = status(
                    StatusCode::TOO_MANY_REQUESTS,
                    "event in progress: retry later",
                );
                // Whole seconds, rounded up, at least 1: a sender that
                // honours it never comes back before the lease ends.
                let secs = retry_after
                    .as_secs()
                    .saturating_add(u64::from(retry_after.subsec_nanos() > 0))
                    .max(1);
                reply
                    .headers_mut()
                    .insert(RETRY_AFTER, HeaderValue::from(secs));
                reply
            }
            Handled::Failed(_) => status(
                StatusCode::SERVICE_UNAVAILABLE,
                "processing failed: retry later",
            ),
            Handled::StoreUnavailable(_) => status(
                StatusCode::SERVICE_UNAVAILABLE,
                "idempotency store unavailable: retry later",
            ),
        }
    }

    /// Whether the reply acknowledges the event (the sender stops).
    ///
    /// ```
    /// # use std::time::Duration;
    /// use webhook_kit::dedup::Handled;
    ///
    /// let busy: Handled<(), ()> = Handled::InProgress { retry_after: Duration::from_secs(1) };
    /// assert!(!busy.is_acknowledged());
    /// ```
    pub fn is_acknowledged(&self) -> bool {
        matches!(
            self,
            Handled::Processed { .. }
                | Handled::Duplicate { .. }
                | Handled::Unrecorded { .. }
                | Handled::NoId { .. }
        )
    }
}

impl<E, SE> From<Handled<E, SE>> for Response<&'static str> {
    /// [`Handled::into_response`], for code generic over `Into<Response<_>>`
    /// (a tower service's reply).
    ///
    /// ```
    /// use webhook_kit::dedup::Handled;
    ///
    /// let failed: Handled<&str, ()> = Handled::Failed("database down");
    /// let reply: http::Response<&'static str> = failed.into();
    /// assert_eq!(reply.status(), 503);
    /// ```
    fn from(handled: Handled<E, SE>) -> Self {
        handled.into_response()
    }
}

fn status(code: StatusCode, body: &'static str) -> Response<&'static str> {
    let mut reply = Response::new(body);
    *reply.status_mut() = code;
    reply
}
