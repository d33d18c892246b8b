//! The `Provider` trait: one interface over every sender.

use http::{HeaderMap, Response};
use time::OffsetDateTime;

use crate::{Error, Outcome, RetrySchedule, WebhookEvent};

/// A webhook sender: how to authenticate its requests, read its events, answer
/// it, and what it does when the answer is not what it wants.
///
/// Each receiver type in this crate implements it. Write handlers generic over
/// `Provider` to serve several senders with one piece of code.
///
/// # Example
///
/// ```
/// use http::HeaderMap;
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::clickfunnels::ClickFunnels;
///
/// fn handle<P: Provider>(provider: &P, headers: &HeaderMap, body: &[u8]) -> http::StatusCode {
///     match provider.verify_and_parse(headers, body) {
///         Ok(event) => {
///             println!("{} {}", event.event_type(), event.id());
///             provider.acknowledge().status()
///         }
///         Err(err) => err.status_code(),
///     }
/// }
///
/// let receiver = ClickFunnels::new("my-webhook-secret");
/// let body = br#"{"event_id": "e1", "event_type": "contact.created", "data": {"id": 1}}"#;
/// let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
/// assert_eq!(handle(&receiver, &headers, body), http::StatusCode::OK);
/// assert_eq!(handle(&receiver, &HeaderMap::new(), body), http::StatusCode::UNAUTHORIZED);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub trait Provider {
    /// The provider's event type.
    type Event: WebhookEvent;

    /// Authenticates a request as of `now`, without parsing it.
    ///
    /// `body` must be the raw bytes as received: never a re-serialised copy.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] for a body over the limit, else an
    /// authentication error (see [`Error::is_auth`]).
    fn verify_at(&self, headers: &HeaderMap, body: &[u8], now: OffsetDateTime)
    -> Result<(), Error>;

    /// Authenticates a request against the system clock.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`].
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Error> {
        self.verify_at(headers, body, OffsetDateTime::now_utc())
    }

    /// Parses a body into a typed event **without authenticating it**.
    ///
    /// Use it for bodies that were verified already, or in tests. Unknown
    /// event types and unknown fields are not errors.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`], or [`Error::InvalidPayload`] with a 1-based
    /// position in the body: for a body that is not UTF-8 (even where only
    /// an ignored field is affected), that is not a JSON object, or that
    /// lacks or mistypes a field the provider documents.
    fn parse(&self, body: &[u8]) -> Result<Self::Event, Error>;

    /// Authenticates a request as of `now`, then parses it. An unauthenticated
    /// body is never parsed.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`], then as [`Provider::parse`].
    fn verify_and_parse_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Self::Event, Error> {
        self.verify_at(headers, body, now)?;
        self.parse(body)
    }

    /// Authenticates a request against the system clock, then parses it.
    ///
    /// This is the one call a handler needs.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_and_parse_at`].
    fn verify_and_parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<Self::Event, Error> {
        self.verify_and_parse_at(headers, body, OffsetDateTime::now_utc())
    }

    /// The reply the provider expects for a delivery that was accepted.
    fn acknowledge(&self) -> Response<&'static str>;

    /// How the provider reads a reply to one of its deliveries.
    fn classify<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Outcome;

    /// How the provider redelivers after a failed attempt.
    fn retry_schedule(&self) -> RetrySchedule;

    /// The headers of a genuine delivery of `body` at `now`, signed with the
    /// receiver's first secret. For tests and simulations.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] when the receiver has nothing to sign with or a
    /// value cannot be put in a header.
    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error>;
}

/// Implements builder methods that keyed receivers share, on a type with a
/// `verifier: Verifier` field. Name the parts wanted:
/// `secret` (another accepted secret), `limits` (body size) and `tolerance`
/// (the timestamp window).
macro_rules! receiver_builders {
    ($type:ty: $($part:ident),+) => {
        impl $type {
            $( $crate::provider::receiver_builders!(@$part); )+
        }
    };
    (@secret) => {
        /// Accepts another secret as well (rotation: a request signed with
        /// any accepted secret verifies). Signing uses the first secret.
        #[must_use]
        pub fn with_secret(mut self, secret: impl Into<$crate::Secret>) -> Self {
            let ring = std::mem::take(self.verifier.keys_mut());
            *self.verifier.keys_mut() = ring.with(secret.into());
            self
        }
    };
    (@limits) => {
        /// Sets the largest body accepted, in bytes (default 1 MiB).
        /// Larger bodies are rejected with
        /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) before any
        /// hashing or parsing.
        #[must_use]
        pub fn max_body_size(mut self, bytes: usize) -> Self {
            self.verifier.set_max_body(bytes);
            self
        }
    };
    (@tolerance) => {
        /// Replaces the whole tolerance window, with separate past and
        /// future bounds.
        #[must_use]
        pub fn tolerance_window(mut self, window: $crate::Tolerance) -> Self {
            self.verifier.set_tolerance(window);
            self
        }

        /// The tolerance window in force.
        pub fn current_tolerance(&self) -> $crate::Tolerance {
            self.verifier.tolerance()
        }
    };
}
pub(crate) use receiver_builders;
