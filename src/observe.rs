//! What operators see of each delivery: one `tracing` span (feature
//! `tracing`) and counters and a histogram on the `metrics` facade (feature
//! `metrics`). Both are off by default; without them this module compiles
//! to plain calls and pulls in no dependency.
//!
//! # Where deliveries are recorded
//!
//! - [`Provider::receive`],
//!   [`Provider::verify_and_parse`] and
//!   [`Provider::verify_and_parse_at`]
//!   record one `webhook.receive` span each, and so do the framework
//!   extractors and the tower layer, which call `receive` (a body they
//!   refuse before the receiver sees it, over the limit or unreadable, gets
//!   its own `webhook.receive` span). [`Provider::receive_at`] and
//!   [`Provider::verify_at`], which receivers implement and wrappers such as
//!   [`Receivers`](crate::Receivers) delegate to, record nothing, so a delivery is
//!   recorded once.
//! - [`ExactlyOnce::run`](crate::dedup::ExactlyOnce::run) and `run_async`
//!   record one `webhook.process` span per call. In a server it is a
//!   sibling of the extractor's `webhook.receive` span, under whatever span
//!   is current (an HTTP request span from `tower-http`'s `TraceLayer`, for
//!   example); `cloudevents.event_id` ties the two.
//!
//! # Span fields
//!
//! Names follow OpenTelemetry's semantic conventions where one fits
//! (messaging, HTTP, CloudEvents, `error.type`); the rest are under
//! `webhook.`. A field is left empty where the request did not say
//! (a rejected request has no event type).
//!
//! | field | span | value |
//! |---|---|---|
//! | `messaging.system` | both | the sender: [`Provider::name`], one of `github`, `stripe`, `shopify`, `slack`, `standard_webhooks`, `falu`, `fourvenues`, `funnel`, `clickfunnels`, `custom` |
//! | `messaging.operation.type` | both | `"receive"` or `"process"` |
//! | `messaging.message.id` | receive | the delivery id the headers carry ([`Delivery::id`](crate::Delivery::id)) |
//! | `cloudevents.event_id` | both | the event's id ([`id()`](crate::WebhookEvent::id)); for `process`, the id given to `run` |
//! | `cloudevents.event_type` | receive | the event's type ([`event_type()`](crate::WebhookEvent::event_type)) |
//! | `http.request.body.size` | receive | the body's length in bytes |
//! | `webhook.secret.name` | receive | which secret matched, by name ([`Delivery::secret_name`](crate::Delivery::secret_name)) |
//! | `webhook.timestamp.skew` | receive | the receiver's clock minus the signed timestamp, in whole seconds (negative: signed in the future) |
//! | `webhook.outcome` | both | `accepted` or `rejected` (receive); `processed`, `processed_without_id`, `duplicate`, `in_progress`, `failed`, `unrecorded` or `store_unavailable` (process) |
//! | `error.type` | both | for `rejected`, the reason code ([`Error::reason`], [`Rejection::reason`]); for `failed`, `unrecorded` and `store_unavailable`, the outcome again |
//! | `webhook.duration` | both | the time verification and parsing (receive) or the claim, processing and record (process) took, in seconds |
//!
//! A rejection is also logged as a `warn` event in the span, with
//! `error.type` and the error's message; a processing failure or a store
//! error as a `warn` event with `error.type`. An accepted delivery logs a
//! `debug` event. Spans are at level `info`.
//!
//! Never recorded: a secret, a signature, a header's value other than the
//! delivery id, the body, or a processing error's content.
//!
//! # Metrics
//!
//! | name | kind | labels |
//! |---|---|---|
//! | `webhook_deliveries_total` | counter | `sender`, `outcome` (the values of `webhook.outcome` above) |
//! | `webhook_rejections_total` | counter | `sender`, `reason` (the reason code) |
//! | `webhook_duration_seconds` | histogram | `sender`, `operation` (`receive` or `process`) |
//!
//! Install any `metrics` recorder (a Prometheus exporter, for example) to
//! collect them; without one they cost a few atomic loads.

use std::future::Future;

use http::HeaderMap;
use time::OffsetDateTime;

#[cfg(any(feature = "tracing", feature = "metrics"))]
use crate::WebhookEvent;
use crate::dedup::Handled;
use crate::{Error, Provider, Received, Rejection};

/// [`Provider::receive_at`], recorded as one delivery.
pub(crate) fn receive<P: Provider + ?Sized>(
    provider: &P,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Received<P::Event>, Error> {
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    {
        let watch = on::Receiving::start(provider.name(), body.len());
        let result = watch.in_scope(|| provider.receive_at(headers, body, now));
        match &result {
            Ok(received) => watch.accepted(received, now),
            Err(error) => watch.rejected(error.reason(), error),
        }
        result
    }
    #[cfg(not(any(feature = "tracing", feature = "metrics")))]
    provider.receive_at(headers, body, now)
}

/// Records a request a framework refused before its receiver saw the body
/// (over the limit, unreadable), and gives the rejection back.
#[cfg_attr(
    not(any(feature = "axum", feature = "tower", feature = "actix")),
    allow(dead_code, reason = "called by the framework integrations")
)]
pub(crate) fn refused(sender: &'static str, rejection: Rejection) -> Rejection {
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    on::Receiving::start_unread(sender, None).rejected(rejection.reason(), &rejection);
    #[cfg(not(any(feature = "tracing", feature = "metrics")))]
    let _ = sender;
    rejection
}

/// What [`ExactlyOnce`](crate::dedup::ExactlyOnce) did with one event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ProcessOutcome {
    Processed,
    /// Processed without deduplication: the event had no id to key it by.
    ProcessedWithoutId,
    Duplicate,
    InProgress,
    Failed,
    Unrecorded,
    StoreUnavailable,
}

impl ProcessOutcome {
    #[cfg_attr(
        not(any(feature = "tracing", feature = "metrics")),
        allow(dead_code, reason = "read when recording")
    )]
    fn label(self) -> &'static str {
        match self {
            ProcessOutcome::Processed => "processed",
            ProcessOutcome::ProcessedWithoutId => "processed_without_id",
            ProcessOutcome::Duplicate => "duplicate",
            ProcessOutcome::InProgress => "in_progress",
            ProcessOutcome::Failed => "failed",
            ProcessOutcome::Unrecorded => "unrecorded",
            ProcessOutcome::StoreUnavailable => "store_unavailable",
        }
    }

    /// Whether an operator should hear of it.
    #[cfg_attr(
        not(feature = "tracing"),
        allow(dead_code, reason = "read when tracing")
    )]
    fn is_trouble(self) -> bool {
        matches!(
            self,
            ProcessOutcome::Failed | ProcessOutcome::Unrecorded | ProcessOutcome::StoreUnavailable
        )
    }
}

impl<E, SE> From<&Handled<E, SE>> for ProcessOutcome {
    fn from(handled: &Handled<E, SE>) -> Self {
        match handled {
            Handled::Processed { .. } => ProcessOutcome::Processed,
            Handled::NoId { .. } => ProcessOutcome::ProcessedWithoutId,
            Handled::Duplicate { .. } => ProcessOutcome::Duplicate,
            Handled::InProgress { .. } => ProcessOutcome::InProgress,
            Handled::Failed(_) => ProcessOutcome::Failed,
            Handled::Unrecorded { .. } => ProcessOutcome::Unrecorded,
            Handled::StoreUnavailable(_) => ProcessOutcome::StoreUnavailable,
        }
    }
}

/// One `ExactlyOnce` call being recorded; a no-op without the features.
#[derive(Debug)]
pub(crate) struct Processing {
    #[cfg(any(feature = "tracing", feature = "metrics"))]
    inner: on::Processing,
}

impl Processing {
    pub(crate) fn start(sender: &'static str, event_id: &str) -> Self {
        #[cfg(not(any(feature = "tracing", feature = "metrics")))]
        let _ = (sender, event_id);
        Processing {
            #[cfg(any(feature = "tracing", feature = "metrics"))]
            inner: on::Processing::start(sender, event_id),
        }
    }

    /// Runs `f` in this call's span, so that what the processing logs is
    /// under it.
    pub(crate) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
        #[cfg(feature = "tracing")]
        return self.inner.span.in_scope(f);
        #[cfg(not(feature = "tracing"))]
        f()
    }

    /// [`Processing::in_scope`] for a future: entered at every poll.
    pub(crate) fn instrument<F: Future>(&self, future: F) -> impl Future<Output = F::Output> {
        #[cfg(feature = "tracing")]
        return tracing::Instrument::instrument(future, self.inner.span.clone());
        #[cfg(not(feature = "tracing"))]
        future
    }

    pub(crate) fn finish(self, outcome: ProcessOutcome) {
        #[cfg(any(feature = "tracing", feature = "metrics"))]
        self.inner.finish(outcome);
        #[cfg(not(any(feature = "tracing", feature = "metrics")))]
        let _ = outcome;
    }
}

#[cfg(any(feature = "tracing", feature = "metrics"))]
mod on {
    use std::fmt::Display;
    use std::time::Instant;

    use super::*;

    /// Label and field values.
    const RECEIVE: &str = "receive";
    const PROCESS: &str = "process";
    const ACCEPTED: &str = "accepted";
    const REJECTED: &str = "rejected";

    pub(super) struct Receiving {
        #[cfg_attr(not(feature = "metrics"), allow(dead_code, reason = "a metrics label"))]
        sender: &'static str,
        started: Instant,
        #[cfg(feature = "tracing")]
        span: tracing::Span,
    }

    impl Receiving {
        pub(super) fn start(sender: &'static str, body_size: usize) -> Self {
            Receiving::start_unread(sender, Some(body_size))
        }

        pub(super) fn start_unread(sender: &'static str, body_size: Option<usize>) -> Self {
            #[cfg(not(feature = "tracing"))]
            let _ = body_size;
            Receiving {
                sender,
                started: Instant::now(),
                #[cfg(feature = "tracing")]
                span: tracing::info_span!(
                    "webhook.receive",
                    messaging.system = sender,
                    messaging.operation.type = RECEIVE,
                    messaging.message.id = tracing::field::Empty,
                    cloudevents.event_id = tracing::field::Empty,
                    cloudevents.event_type = tracing::field::Empty,
                    http.request.body.size = body_size,
                    webhook.secret.name = tracing::field::Empty,
                    webhook.timestamp.skew = tracing::field::Empty,
                    webhook.outcome = tracing::field::Empty,
                    error.type = tracing::field::Empty,
                    webhook.duration = tracing::field::Empty,
                ),
            }
        }

        pub(super) fn in_scope<R>(&self, f: impl FnOnce() -> R) -> R {
            #[cfg(feature = "tracing")]
            return self.span.in_scope(f);
            #[cfg(not(feature = "tracing"))]
            f()
        }

        pub(super) fn accepted<E: WebhookEvent>(self, received: &Received<E>, now: OffsetDateTime) {
            let seconds = self.started.elapsed().as_secs_f64();
            #[cfg(feature = "tracing")]
            {
                let delivery = &received.delivery;
                let span = &self.span;
                span.record("messaging.message.id", delivery.id());
                span.record("cloudevents.event_id", &*received.event.id());
                span.record("cloudevents.event_type", received.event.event_type());
                span.record("webhook.secret.name", delivery.secret_name());
                if let Some(signed) = delivery.timestamp() {
                    span.record("webhook.timestamp.skew", (now - signed).whole_seconds());
                }
                span.record("webhook.outcome", ACCEPTED);
                span.record("webhook.duration", seconds);
                tracing::debug!(parent: span, "webhook accepted");
            }
            #[cfg(not(feature = "tracing"))]
            let _ = (received, now);
            #[cfg(feature = "metrics")]
            count(self.sender, ACCEPTED, RECEIVE, seconds);
        }

        pub(super) fn rejected(self, reason: &'static str, error: &dyn Display) {
            let seconds = self.started.elapsed().as_secs_f64();
            #[cfg(feature = "tracing")]
            {
                let span = &self.span;
                span.record("webhook.outcome", REJECTED);
                span.record("error.type", reason);
                span.record("webhook.duration", seconds);
                tracing::warn!(parent: span, error.type = reason, "webhook rejected: {error}");
            }
            #[cfg(not(feature = "tracing"))]
            let _ = error;
            #[cfg(feature = "metrics")]
            {
                count(self.sender, REJECTED, RECEIVE, seconds);
                metrics::counter!(
                    "webhook_rejections_total",
                    "sender" => self.sender,
                    "reason" => reason,
                )
                .increment(1);
            }
        }
    }

    #[derive(Debug)]
    pub(super) struct Processing {
        #[cfg_attr(not(feature = "metrics"), allow(dead_code, reason = "a metrics label"))]
        sender: &'static str,
        started: Instant,
        #[cfg(feature = "tracing")]
        pub(super) span: tracing::Span,
    }

    impl Processing {
        pub(super) fn start(sender: &'static str, event_id: &str) -> Self {
            #[cfg(not(feature = "tracing"))]
            let _ = event_id;
            Processing {
                sender,
                started: Instant::now(),
                #[cfg(feature = "tracing")]
                span: tracing::info_span!(
                    "webhook.process",
                    messaging.system = sender,
                    messaging.operation.type = PROCESS,
                    cloudevents.event_id = event_id,
                    webhook.outcome = tracing::field::Empty,
                    error.type = tracing::field::Empty,
                    webhook.duration = tracing::field::Empty,
                ),
            }
        }

        pub(super) fn finish(self, outcome: ProcessOutcome) {
            let seconds = self.started.elapsed().as_secs_f64();
            let label = outcome.label();
            #[cfg(feature = "tracing")]
            {
                let span = &self.span;
                span.record("webhook.outcome", label);
                span.record("webhook.duration", seconds);
                if outcome.is_trouble() {
                    span.record("error.type", label);
                    tracing::warn!(parent: span, error.type = label, "webhook event {}", label.replace('_', " "));
                }
            }
            #[cfg(feature = "metrics")]
            count(self.sender, label, PROCESS, seconds);
        }
    }

    #[cfg(feature = "metrics")]
    fn count(sender: &'static str, outcome: &'static str, operation: &'static str, seconds: f64) {
        metrics::counter!(
            "webhook_deliveries_total",
            "sender" => sender,
            "outcome" => outcome,
        )
        .increment(1);
        metrics::histogram!(
            "webhook_duration_seconds",
            "sender" => sender,
            "operation" => operation,
        )
        .record(seconds);
    }
}
