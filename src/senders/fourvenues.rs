//! Fourvenues.
//!
//! | | |
//! |---|---|
//! | headers | `x-webhook-signature`, `x-webhook-id` (the event id) |
//! | signed | the raw body, HMAC-SHA256 keyed with the endpoint's `sign_secret` as text ¹ |
//! | signature | hex (either case) or base64 ¹ |
//! | reply | any `2xx` ¹ |
//! | retries | up to 40 retries, then the event is marked failed; intervals ¹ |
//!
//! ¹ Fourvenues publishes that events are signed with the `sign_secret` and
//! retried up to 40 times, but not the algorithm, the encoding, the reply
//! rule or the intervals. What this module does for those is **our default**:
//! HMAC-SHA256 of the raw body, hex or base64 accepted, any `2xx` counted as
//! success, and exponential backoff from 1 minute doubling to at most 1 hour.
//! The schedule and reply rule are values you can replace.
//!
//! When `x-webhook-id` is present it must equal the signed body's `id`, so a
//! relabelled delivery is refused: a header that disagrees is an
//! authentication error ([`Error::HeaderMismatch`], `401`), since the header
//! is not signed and the delivery's identity cannot be trusted. The body
//! *is* signed, so an authentic body without a readable `id`, or with two
//! top-level `id`s, is a payload error (`400`), from `verify_at` as from
//! `parse`. The check reads the body's top-level keys with a byte scan that
//! never parses a value, so it costs little beside the HMAC.
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::fourvenues::{EventData, Fourvenues};
//!
//! let receiver = Fourvenues::new("sign_secret from the endpoint")?;
//! let body = br#"{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "p1",
//!                 "resource_type": "ticket", "resource_ids": ["t1"], "metadata": {}, "send_resources": true}}"#;
//! let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! let event = receiver.verify_and_parse(&headers, body)?;
//! assert_eq!(event.id(), "wh_1");
//! assert!(matches!(event.data, EventData::PaymentSuccess(_)));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

mod scan;

use std::borrow::Cow;
use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use self::scan::{Occurrence, top_level_str};
use crate::engine::envelope::{ByType, Pairs, read_envelope};
use crate::engine::headers::header_value;

use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::{data_event, event_data};
use crate::{Delivery, Error, Provider, Received, ReplyRule, RetrySchedule, Secret};

/// The header naming the event; checked against the signed body.
const ID_HEADER: HeaderName = HeaderName::from_static("x-webhook-id");

static FOURVENUES: Description = Description::body_signed(
    "Fourvenues",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-webhook-signature"),
        b"",
        Encoding::HexOrBase64,
    ),
    // `x-webhook-id` is unsigned: `checked_id` holds it to the body's id.
    None,
    ReplyRule::fourvenues(),
    RetrySchedule::fourvenues,
);

impl ReplyRule {
    /// How this crate reads replies for Fourvenues: any `2xx` is success
    /// (**our default**: Fourvenues publishes only that it waits for "a
    /// response").
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// assert!(ReplyRule::fourvenues().is_success_status(204));
    /// assert!(!ReplyRule::fourvenues().is_success_status(301));
    /// ```
    pub const fn fourvenues() -> Self {
        ReplyRule::any_2xx()
    }
}

/// How this crate reads replies for Fourvenues.
///
/// ```
/// # #![allow(deprecated)]
/// assert_eq!(webhook_kit::fourvenues::REPLY_RULE, webhook_kit::ReplyRule::fourvenues());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::fourvenues()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::fourvenues();

described_receiver! {
    /// A receiver for Fourvenues webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::fourvenues::Fourvenues::new("sign-secret")?;
    /// assert!(!format!("{receiver:?}").contains("sign-secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Fourvenues;
    description: FOURVENUES,
    event: Event,
    parse: parse,
    example: "webhook_kit::fourvenues::Fourvenues::new(\"sign-secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    check: checked_id,
    receive: receive,
    body_headers: id_header,
}

impl Fourvenues {
    /// A receiver for deliveries signed with the endpoint's `sign_secret`
    /// (the value returned when the webhook endpoint was created).
    ///
    /// Fourvenues does not publish its signing algorithm; this receiver
    /// expects **our default**: HMAC-SHA256 of the raw body, keyed with the
    /// `sign_secret`'s UTF-8 bytes as given, in hex (either case) or base64.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::fourvenues::Fourvenues;
    ///
    /// assert!(Fourvenues::new("sign-secret").is_ok());
    /// assert!(Fourvenues::new("").is_err());
    /// ```
    pub fn new(sign_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(FOURVENUES.algorithm, sign_secret.into()).map_err(Self::secret_error)?;
        Ok(Fourvenues::from_core(
            ReceiverCore::new(&FOURVENUES, keys).with_exact_tags(),
        ))
    }

    /// The headers of a delivery of `body` at `now` labelled `id` in
    /// `x-webhook-id`. Fourvenues labels a delivery with its body's `id`,
    /// as [`Provider::sign_at`] does; any other label is a relabelled
    /// delivery, which verification refuses. For tests and simulations.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] for an id that is empty, has surrounding
    /// whitespace, or cannot travel in a header.
    ///
    /// ```
    /// use webhook_kit::{Error, Provider};
    /// use webhook_kit::fourvenues::Fourvenues;
    ///
    /// let receiver = Fourvenues::new("sign-secret")?;
    /// let body = br#"{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "p1"}}"#;
    /// let now = time::OffsetDateTime::now_utc();
    /// let genuine = receiver.sign_with_id_at("wh_1", body, now)?;
    /// assert_eq!(receiver.verify_at(&genuine, body, now)?.id(), Some("wh_1"));
    /// let relabelled = receiver.sign_with_id_at("wh_2", body, now)?;
    /// assert!(matches!(receiver.verify_at(&relabelled, body, now), Err(Error::HeaderMismatch(_))));
    /// assert!(receiver.sign_with_id_at(" wh_1", body, now).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_with_id_at(
        &self,
        id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        let mut headers = self.verifier.sign(body, now, Some(id))?;
        headers.insert(ID_HEADER, header_value(id)?);
        Ok(headers)
    }
}

/// `payment.success`: a payment went through.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::fourvenues::{EventData, Fourvenues};
///
/// let body = br#"{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "pay_81",
///     "resource_type": "ticket", "resource_ids": ["tk_1", "tk_2"],
///     "metadata": {"order": "A-17"}, "send_resources": true}}"#;
/// let event = Fourvenues::new("sign-secret")?.parse(body)?;
/// let EventData::PaymentSuccess(payment) = &event.data else { panic!("{:?}", event.data) };
/// assert_eq!(payment.payment_id, "pay_81");
/// assert_eq!(payment.resource_type.as_deref(), Some("ticket"));
/// assert_eq!(payment.resource_ids, ["tk_1", "tk_2"]);
/// assert_eq!(payment.metadata["order"], "A-17");
/// assert_eq!(payment.send_resources, Some(true));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct PaymentSuccess {
    /// The payment's id.
    pub payment_id: String,
    /// What was paid for (`ticket` today).
    #[serde(default)]
    pub resource_type: Option<String>,
    /// The ids of the resources paid for.
    #[serde(default)]
    pub resource_ids: Vec<String>,
    /// Metadata attached when the payment was created.
    #[serde(default)]
    pub metadata: Value,
    /// Whether Fourvenues sends the resources to the buyer.
    #[serde(default)]
    pub send_resources: Option<bool>,
}

/// `ticket.request_refund`: a ticket holder asked for a refund.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::fourvenues::{EventData, Fourvenues};
///
/// let body = br#"{"id": "wh_2", "event": "ticket.request_refund", "payload": {"qr_code": "QR-991",
///     "client_name": "Lucia Ortega", "client_email": "lucia@example.com", "event_id": "ev_3",
///     "ticket_id": "tk_1", "amount_to_refund": 15, "currency": "EUR", "resource_type": "ticket"}}"#;
/// let event = Fourvenues::new("sign-secret")?.parse(body)?;
/// let EventData::TicketRequestRefund(refund) = &event.data else { panic!("{:?}", event.data) };
/// assert_eq!(refund.ticket_id.as_deref(), Some("tk_1"));
/// assert_eq!(refund.amount_to_refund, Some(15.0));
/// assert_eq!(refund.currency.as_deref(), Some("EUR"));
/// assert_eq!(refund.client_email.as_deref(), Some("lucia@example.com"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct TicketRequestRefund {
    /// The ticket's QR code.
    #[serde(default)]
    pub qr_code: Option<String>,
    /// The ticket holder's name.
    #[serde(default)]
    pub client_name: Option<String>,
    /// The ticket holder's email.
    #[serde(default)]
    pub client_email: Option<String>,
    /// The event (venue night) the ticket is for.
    #[serde(default)]
    pub event_id: Option<String>,
    /// The ticket's id.
    #[serde(default)]
    pub ticket_id: Option<String>,
    /// The amount to refund, in `currency` units (e.g. `15`).
    #[serde(default)]
    pub amount_to_refund: Option<f64>,
    /// ISO currency code, e.g. `EUR`.
    #[serde(default)]
    pub currency: Option<String>,
    /// What is refunded (`ticket`).
    #[serde(default)]
    pub resource_type: Option<String>,
}

event_data! {
    module: "fourvenues",
    /// The data of a Fourvenues event, by event type.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::fourvenues::{EventData, Fourvenues};
    ///
    /// let body = br#"{"id": "wh_3", "event": "payment.success", "payload": {"payment_id": "pay_82"}}"#;
    /// match Fourvenues::new("sign-secret")?.parse(body)?.data {
    ///     EventData::PaymentSuccess(payment) => assert_eq!(payment.payment_id, "pay_82"),
    ///     EventData::TicketRequestRefund(refund) => panic!("not a refund: {refund:?}"),
    ///     other => panic!("a type this crate does not know: {}", other.event_type()),
    /// }
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub enum EventData {
        "payment.success" => PaymentSuccess(PaymentSuccess),
        "ticket.request_refund" => TicketRequestRefund(TicketRequestRefund),
    }
}

/// A Fourvenues webhook event: `{"id", "event", "payload"}`.
///
/// Fourvenues' envelope carries no timestamp, so
/// [`WebhookEvent::occurred_at`](crate::WebhookEvent::occurred_at) is `None`.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::fourvenues::Fourvenues;
///
/// let body = br#"{"id": "wh_4", "event": "payment.success", "payload": {"payment_id": "pay_83"}}"#;
/// let event = Fourvenues::new("sign-secret")?.parse(body)?;
/// assert_eq!(event.id, "wh_4");
/// assert_eq!(event.data.event_type(), "payment.success");
/// assert_eq!(event.occurred_at(), None);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The webhook event's id.
    pub id: String,
    /// The type and the payload.
    pub data: EventData,
}

data_event!(Event);

/// The envelope's type and data fields, for [`read_envelope`].
const PAIRS: Pairs = &[("event", "payload")];

/// The envelope. Its `id` is read by `top_level_str`, the reader of the
/// `x-webhook-id` check, so the check and the event never disagree about a
/// body; serde only makes sure there is exactly one.
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(rename = "id")]
    _id: IgnoredAny,
    event: String,
    #[serde(borrow, default)]
    payload: Option<&'a RawValue>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    parse_with_id(body, None)
}

/// Parses `body`, taking its id from the `x-webhook-id` check when that has
/// read it already, so a request reads it once.
fn parse_with_id(body: &[u8], id: Option<Cow<'_, str>>) -> Result<Event, Error> {
    let (envelope, data) = read_envelope::<Envelope<'_>, _>(body, PAIRS, &ByType::new())?;
    let id = match id {
        Some(id) => id,
        None => top_level_str(body, "id", Occurrence::First)?,
    };
    Ok(Event {
        id: id.into_owned(),
        data: match data {
            Some(data) => data,
            None => EventData::from_fragment(&envelope.event, body, envelope.payload, "payload")?,
        },
    })
}

/// Checks `x-webhook-id`, when sent, against the whole body's one
/// top-level `id`.
fn checked_id(headers: &HeaderMap, body: &[u8], delivery: Delivery) -> Result<Delivery, Error> {
    check_id(headers, body, delivery, Occurrence::Only).map(|(delivery, _)| delivery)
}

/// The authenticated `delivery` once `x-webhook-id` agrees with the signed
/// body's id, read as `occurrence` says; with that id, when the header
/// named it.
fn check_id<'b>(
    headers: &HeaderMap,
    body: &'b [u8],
    delivery: Delivery,
    occurrence: Occurrence,
) -> Result<(Delivery, Option<Cow<'b, str>>), Error> {
    let Some(claimed) = headers.get(&ID_HEADER) else {
        return Ok((delivery, None));
    };
    let signed = top_level_str(body, "id", occurrence)?;
    if claimed.as_bytes() != signed.as_bytes() {
        return Err(Error::HeaderMismatch(ID_HEADER));
    }
    let delivery = Delivery::new(
        Some(claimed.as_bytes()),
        // Equal to the signed body's id, checked above.
        true,
        None,
        delivery.secret_index(),
    )
    .with_secret_name(delivery.shared_secret_name());
    Ok((delivery, Some(signed)))
}

/// [`Provider::receive_at`], reading the body's id once: the check stops at
/// the first `id`, and the parse that follows refuses a second one itself.
fn receive(
    receiver: &Fourvenues,
    headers: &HeaderMap,
    body: &[u8],
    now: OffsetDateTime,
) -> Result<Received<Event>, Error> {
    receiver.settings.check_size(body)?;
    let verified = receiver.verifier.verify(headers, body, now)?;
    let (delivery, id) = check_id(headers, body, verified, Occurrence::First)?;
    match parse_with_id(body, id) {
        Ok(event) => Ok(Received::new(event, delivery)),
        // A body the parser refuses may be one `verify_at`, which reads
        // every top-level key, refuses first and for another reason:
        // answer as `verify_at` does, so the two never disagree.
        Err(parse_error) => Err(receiver
            .verify_at(headers, body, now)
            .err()
            .unwrap_or(parse_error)),
    }
}

/// Sets `x-webhook-id` to the body's `id`, when it has a string one.
fn id_header(body: &[u8], headers: &mut HeaderMap) -> Result<(), Error> {
    if let Ok(id) = top_level_str(body, "id", Occurrence::First) {
        headers.insert(ID_HEADER, header_value(id.as_bytes())?);
    }
    Ok(())
}

impl RetrySchedule {
    /// Fourvenues' schedule: the first attempt and up to 40 retries (41
    /// attempts), as published. The intervals are **not published**; this
    /// preset's are our default: exponential backoff from 1 minute, doubling,
    /// capped at 1 hour (about 34.5 hours in all). Build your own with
    /// [`RetrySchedule::exponential`] if you learn better figures.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::fourvenues();
    /// assert_eq!(s.max_attempts(), 41);
    /// assert_eq!(s.delay_after(1), Some(Duration::from_secs(60)));
    /// assert_eq!(s.delay_after(40), Some(Duration::from_secs(3600)));
    /// ```
    pub fn fourvenues() -> Self {
        RetrySchedule::exponential(Duration::from_secs(60), 2, Duration::from_secs(3600), 41)
    }
}
