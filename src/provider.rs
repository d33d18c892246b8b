//! The `Provider` trait: one interface over every sender.

use http::{HeaderMap, Response};
use time::OffsetDateTime;

use crate::{Delivery, Error, Handshake, Outcome, ReplyRule, RetrySchedule, WebhookEvent};

/// A webhook sender: how to authenticate its requests, read its events, answer
/// it, and what it does when the answer is not what it wants.
///
/// Each receiver type in this crate implements it. Write handlers generic over
/// `Provider` to serve several senders with one piece of code, or hold
/// receivers as `Box<dyn Provider<Event = …>>`: the trait is dyn-compatible
/// (only [`Provider::classify`], a shorthand, needs a sized type). To serve
/// several providers on one route, see [`Receivers`](crate::Receivers).
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
/// let receiver = ClickFunnels::new("my-webhook-secret")?;
/// let body = br#"{"event_id": "e1", "event_type": "contact.created", "data": {"id": 1}}"#;
/// let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
/// assert_eq!(handle(&receiver, &headers, body), http::StatusCode::OK);
/// assert_eq!(handle(&receiver, &HeaderMap::new(), body), http::StatusCode::UNAUTHORIZED);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub trait Provider {
    /// The provider's event type.
    type Event: WebhookEvent;

    /// The sender's name for logs and metrics: short, lowercase, stable
    /// (`"github"`, `"stripe"`, `"standard_webhooks"`, `"custom"`…). The
    /// `tracing` and `metrics` features label every delivery with it (see
    /// [`observe`](crate::observe)).
    ///
    /// Every receiver in this crate answers its own; a provider written
    /// outside the crate that does not override it is `"unnamed"` (**our
    /// default**).
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// assert_eq!(webhook_kit::github::GitHub::new("s")?.name(), "github");
    /// assert_eq!(webhook_kit::funnel::Funnel::new().name(), "funnel");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn name(&self) -> &'static str {
        "unnamed"
    }

    /// Authenticates a request as of `now`, without parsing it, and says
    /// what the request told about itself.
    ///
    /// `body` must be the raw bytes as received: never a re-serialised copy.
    ///
    /// # Errors
    ///
    /// [`Error::BodyTooLarge`] for a body over the limit, else an
    /// authentication error (see [`Error::is_auth`]). A provider that checks
    /// an unsigned header against the signed body (Fourvenues'
    /// `x-webhook-id`) reads the body for it, and answers
    /// [`Error::InvalidPayload`] when an authentic body has no readable id.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::clickfunnels::ClickFunnels;
    ///
    /// let receiver = ClickFunnels::new("webhook-secret")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_at(b"{}", now)?;
    /// let delivery = receiver.verify_at(&headers, b"{}", now)?;
    /// assert_eq!(delivery.secret_index(), Some(0));
    /// assert!(receiver.verify_at(&headers, b"{ }", now).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error>;

    /// Authenticates a request against the system clock.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`].
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::falu::Falu;
    ///
    /// let receiver = Falu::new("falu-secret")?;
    /// let headers = receiver.sign_at(b"{}", time::OffsetDateTime::now_utc())?;
    /// assert!(receiver.verify(&headers, b"{}").is_ok());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Delivery, Error> {
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
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    /// use webhook_kit::fourvenues::Fourvenues;
    ///
    /// let receiver = Fourvenues::new("sign-secret")?;
    /// let event = receiver.parse(br#"{"id": "wh_1", "event": "venue.opened", "payload": {"x": 1}}"#)?;
    /// assert_eq!(event.event_type(), "venue.opened"); // unknown types are kept
    /// assert!(receiver.parse(b"not json at all").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn parse(&self, body: &[u8]) -> Result<Self::Event, Error>;

    /// Authenticates a request as of `now`, then parses it, giving the event
    /// and the [`Delivery`] together. An unauthenticated body is never
    /// parsed.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`], then as [`Provider::parse`].
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let body = br#"{"type": "user.created", "data": {}}"#;
    /// let headers = receiver.sign_with_id_at("msg_1", body, now)?;
    /// let received = receiver.receive_at(&headers, body, now)?;
    /// assert_eq!(received.event.event_type(), "user.created");
    /// assert_eq!(received.delivery.id(), Some("msg_1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn receive_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Received<Self::Event>, Error> {
        let delivery = self.verify_at(headers, body, now)?;
        let event = self.parse(body)?;
        Ok(Received { event, delivery })
    }

    /// [`Provider::receive_at`] against the system clock.
    ///
    /// With the `tracing` or `metrics` feature, this records the delivery:
    /// one `webhook.receive` span (sender, event type and id, delivery id,
    /// the matching secret's name, timestamp skew, body size, outcome and
    /// reason code, duration) and the counters, as the crate's
    /// [`observe`](crate::observe) lists.
    /// [`Provider::verify_and_parse`] and [`Provider::verify_and_parse_at`]
    /// do the same; `receive_at` and `verify_at`, which receivers implement
    /// and wrappers delegate to, do not, so a delivery is recorded once.
    ///
    /// # Errors
    ///
    /// As [`Provider::receive_at`].
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::falu::Falu;
    ///
    /// let receiver = Falu::new("falu-secret")?;
    /// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
    /// let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
    /// let received = receiver.receive(&headers, body)?;
    /// assert!(received.delivery.timestamp().is_some());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn receive(&self, headers: &HeaderMap, body: &[u8]) -> Result<Received<Self::Event>, Error> {
        crate::observe::receive(self, headers, body, OffsetDateTime::now_utc())
    }

    /// Authenticates a request as of `now`, then parses it. An
    /// unauthenticated body is never parsed. Recorded as
    /// [`Provider::receive`] says.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`], then as [`Provider::parse`].
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    /// use webhook_kit::clickfunnels::ClickFunnels;
    ///
    /// let receiver = ClickFunnels::new("webhook-secret")?;
    /// let body = br#"{"event_id": "e1", "event_type": "contact.created", "data": {"id": 1}}"#;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_at(body, now)?;
    /// assert_eq!(receiver.verify_and_parse_at(&headers, body, now)?.event_type(), "contact.created");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn verify_and_parse_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Self::Event, Error> {
        crate::observe::receive(self, headers, body, now).map(|received| received.event)
    }

    /// Authenticates a request against the system clock, then parses it.
    ///
    /// This is the one call a handler needs.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_and_parse_at`].
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    /// use webhook_kit::falu::Falu;
    ///
    /// let receiver = Falu::new("falu-secret")?;
    /// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
    /// let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
    /// assert_eq!(receiver.verify_and_parse(&headers, body)?.id(), "evt_1");
    /// assert!(receiver.verify_and_parse(&http::HeaderMap::new(), body).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn verify_and_parse(&self, headers: &HeaderMap, body: &[u8]) -> Result<Self::Event, Error> {
        self.verify_and_parse_at(headers, body, OffsetDateTime::now_utc())
    }

    /// The reply the provider expects for a delivery that was accepted:
    /// `200` with an empty body unless the provider asks for more.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let funnel = webhook_kit::funnel::Funnel::new();
    /// assert_eq!(funnel.acknowledge().body(), &"Funnel Event Received");
    /// let falu = webhook_kit::falu::Falu::new("s")?;
    /// assert_eq!(falu.acknowledge().status(), 200);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn acknowledge(&self) -> Response<&'static str> {
        Response::new("")
    }

    /// The largest body this receiver accepts, in bytes: a server should
    /// stop reading a request at this size (the framework integrations do)
    /// rather than buffer whatever is sent. Receivers in this crate answer
    /// what their `with_max_body` set; the default is
    /// [`DEFAULT_MAX_BODY`](crate::DEFAULT_MAX_BODY).
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// fn limit(provider: &dyn Provider<Event = webhook_kit::falu::Event>) -> usize {
    ///     provider.max_body()
    /// }
    /// let falu = webhook_kit::falu::Falu::new("s")?.with_max_body(4096);
    /// assert_eq!(limit(&falu), 4096);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn max_body(&self) -> usize {
        crate::DEFAULT_MAX_BODY
    }

    /// How the provider reads a reply to one of its deliveries.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let rule = webhook_kit::clickfunnels::ClickFunnels::new("s")?.reply_rule();
    /// assert!(rule.is_success_status(226));
    /// assert!(!rule.is_success_status(299));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn reply_rule(&self) -> ReplyRule;

    /// How the provider reads `response`: [`Provider::reply_rule`] applied,
    /// with `Retry-After` dates taken against the system clock.
    ///
    /// ```
    /// use webhook_kit::{Outcome, Provider};
    ///
    /// let receiver = webhook_kit::standard::StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let gone = http::Response::builder().status(410).body("").expect("response");
    /// assert_eq!(receiver.classify(&gone), Outcome::Disable);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn classify<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Outcome
    where
        Self: Sized,
    {
        self.reply_rule().classify(response)
    }

    /// How the provider redelivers after a failed attempt.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let schedule = webhook_kit::funnel::Funnel::new().retry_schedule();
    /// assert_eq!(schedule.max_attempts(), 4);
    /// ```
    fn retry_schedule(&self) -> RetrySchedule;

    /// The headers of a genuine delivery of `body` at `now`, signed with the
    /// receiver's first secret. For tests and simulations.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] when the receiver has nothing to sign with or a
    /// value cannot be put in a header.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let headers = receiver.sign_at(b"{}", time::macros::datetime!(2024-01-01 0:00 UTC))?;
    /// assert!(headers["x-falu-signature"].to_str().is_ok_and(|v| v.starts_with("t=1704067200,sha256=")));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error>;

    /// The reply to a sender's handshake (Zoom's URL validation, Twitch's
    /// challenge, Meta's `hub.challenge`, Discord's `PING`, Slack's
    /// `url_verification`), or `None` when `request` is not one and should
    /// be handled as a delivery. A handshake the sender signs is verified
    /// first: a forged one is `Some(Err(..))`, never answered.
    ///
    /// The framework integrations call this before the handler, so the
    /// handler never sees a handshake.
    ///
    /// # Errors
    ///
    /// `Some(Err(..))` for a handshake that fails verification, or one the
    /// receiver is not configured to answer (Meta without a verify token).
    ///
    /// ```
    /// use webhook_kit::{Handshake, Provider};
    ///
    /// let receiver = webhook_kit::stripe::Stripe::new("whsec_abc")?;
    /// let (method, uri, headers) = (http::Method::POST, http::Uri::from_static("/"), http::HeaderMap::new());
    /// // Stripe has no handshake: every request is a delivery.
    /// let request = Handshake::new(&method, &uri, &headers, b"{}");
    /// assert!(receiver.handshake_at(&request, time::OffsetDateTime::now_utc()).is_none());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn handshake_at(
        &self,
        request: &Handshake<'_>,
        now: OffsetDateTime,
    ) -> Option<Result<Response<String>, Error>> {
        let _ = (request, now);
        None
    }

    /// [`Provider::handshake_at`] against the system clock.
    ///
    /// # Errors
    ///
    /// As [`Provider::handshake_at`].
    ///
    /// ```
    /// use webhook_kit::{Handshake, Provider};
    ///
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let (method, uri, headers) = (http::Method::POST, http::Uri::from_static("/"), http::HeaderMap::new());
    /// assert!(receiver.handshake(&Handshake::new(&method, &uri, &headers, b"{}")).is_none());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn handshake(&self, request: &Handshake<'_>) -> Option<Result<Response<String>, Error>> {
        self.handshake_at(request, OffsetDateTime::now_utc())
    }
}

/// A verified request's event together with what the request told about
/// itself: what [`Provider::receive_at`] gives.
///
/// ```
/// use webhook_kit::{Provider, Received, WebhookEvent};
/// use webhook_kit::falu::{Event, Falu};
///
/// fn handle(received: Received<Event>) -> String {
///     format!("{} signed at {:?}", received.event.event_type(), received.delivery.timestamp())
/// }
///
/// let receiver = Falu::new("falu-secret")?;
/// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
/// let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
/// assert!(handle(receiver.receive(&headers, body)?).starts_with("message.sent"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Received<E> {
    /// The typed event.
    pub event: E,
    /// The delivery's id, signed timestamp and matching secret.
    pub delivery: Delivery,
}

impl<E> Received<E> {
    /// Pairs an event with its delivery.
    ///
    /// ```
    /// # use webhook_kit::{Provider, Received};
    /// # let receiver = webhook_kit::funnel::Funnel::new();
    /// let delivery = receiver.verify(&http::HeaderMap::new(), b"{}")?;
    /// let received = Received::new("my own event", delivery);
    /// assert_eq!(received.event, "my own event");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn new(event: E, delivery: Delivery) -> Self {
        Received { event, delivery }
    }
}
