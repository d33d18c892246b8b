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
//! relabelled delivery is refused. The check reads only up to the body's
//! first top-level `id` (usually its first field), so it adds almost
//! nothing to the HMAC; `parse` then refuses a body with a second `id`.
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::fourvenues::{EventData, Fourvenues};
//!
//! let receiver = Fourvenues::new("sign_secret from the endpoint");
//! let body = br#"{"id": "wh_1", "event": "payment.success", "payload": {"payment_id": "p1",
//!                 "resource_type": "ticket", "resource_ids": ["t1"], "metadata": {}, "send_resources": true}}"#;
//! let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! let event = receiver.verify_and_parse(&headers, body)?;
//! assert_eq!(event.id(), "wh_1");
//! assert!(matches!(event.data, EventData::PaymentSuccess(_)));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue, Response};
use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::event::{event_data, parse_body, top_level_str};
use crate::provider::receiver_builders;
use crate::scheme::{Format, HeaderSet, Scheme, Signed, Verifier, check_body_size, secs};
use crate::secret::{Keyring, Secret};
use crate::signature::Encoding;
use crate::{Error, Outcome, Provider, ReplyRule, RetrySchedule, Tolerance, WebhookEvent};

/// The header naming the event; checked against the signed body.
const ID_HEADER: HeaderName = HeaderName::from_static("x-webhook-id");

static HEADERS: [HeaderSet; 1] = [HeaderSet {
    signature: HeaderName::from_static("x-webhook-signature"),
    timestamp: None,
    id: None,
}];

static SCHEME: Scheme = Scheme {
    headers: &HEADERS,
    format: Format::Single,
    encoding: Encoding::HexOrBase64,
    signed: Signed::Body,
    // No timestamp is signed, so there is nothing to bound.
    tolerance: Tolerance::symmetric(Duration::ZERO),
};

/// How this crate reads replies for Fourvenues: any `2xx` is success.
/// (Our default: Fourvenues publishes only that it waits for "a response".)
pub const REPLY_RULE: ReplyRule = ReplyRule::any_2xx();

/// A receiver for Fourvenues webhooks.
///
/// `Debug` shows the configuration but never a secret.
#[derive(Clone, Debug)]
pub struct Fourvenues {
    verifier: Verifier,
}

impl Fourvenues {
    /// A receiver for deliveries signed with the endpoint's `sign_secret`
    /// (the value returned when the webhook endpoint was created).
    ///
    /// Fourvenues does not publish its signing algorithm; this receiver
    /// expects **our default**: HMAC-SHA256 of the raw body, keyed with the
    /// `sign_secret`'s UTF-8 bytes as given, in hex (either case) or base64.
    pub fn new(sign_secret: impl Into<Secret>) -> Self {
        Fourvenues {
            verifier: Verifier::new(&SCHEME, Keyring::new(sign_secret.into())),
        }
    }
}

receiver_builders!(Fourvenues: secret, limits);

/// `payment.success`: a payment went through.
#[derive(Clone, Debug, PartialEq, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Deserialize)]
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
    /// The data of a Fourvenues event, by event type.
    pub enum EventData {
        "payment.success" => PaymentSuccess(PaymentSuccess),
        "ticket.request_refund" => TicketRequestRefund(TicketRequestRefund),
    }
}

/// A Fourvenues webhook event: `{"id", "event", "payload"}`.
///
/// Fourvenues' envelope carries no timestamp, so
/// [`WebhookEvent::occurred_at`] is `None`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The webhook event's id.
    pub id: String,
    /// The type and the payload.
    pub data: EventData,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }

    fn event_type(&self) -> &str {
        self.data.event_type()
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        None
    }
}

/// The envelope. Its `id` is read by [`top_level_str`], the reader of the
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

impl Fourvenues {
    /// [`Provider::parse`], taking the body's id when the `x-webhook-id`
    /// check has read it already, so a request reads it once.
    fn parse_with_id(&self, body: &[u8], id: Option<Cow<'_, str>>) -> Result<Event, Error> {
        check_body_size(body, self.verifier.max_body())?;
        let envelope: Envelope<'_> = parse_body(body)?;
        let id = match id {
            Some(id) => id,
            None => top_level_str(body, "id")?,
        };
        Ok(Event {
            id: id.into_owned(),
            data: EventData::from_fragment(&envelope.event, body, envelope.payload, "payload")?,
        })
    }
}

/// The body's id when `x-webhook-id` is sent and names it. The header is not
/// signed; it must agree with the body, which is.
fn checked_id<'b>(headers: &HeaderMap, body: &'b [u8]) -> Result<Option<Cow<'b, str>>, Error> {
    let Some(claimed) = headers.get(&ID_HEADER) else {
        return Ok(None);
    };
    let signed = top_level_str(body, "id")?;
    if claimed.as_bytes() != signed.as_bytes() {
        return Err(Error::HeaderMismatch(ID_HEADER));
    }
    Ok(Some(signed))
}

impl Provider for Fourvenues {
    type Event = Event;

    fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        self.verifier.verify(headers, body, now)?;
        checked_id(headers, body).map(drop)
    }

    fn parse(&self, body: &[u8]) -> Result<Event, Error> {
        self.parse_with_id(body, None)
    }

    /// As the default, reading the body's id once rather than twice.
    fn verify_and_parse_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Event, Error> {
        self.verifier.verify(headers, body, now)?;
        let id = checked_id(headers, body)?;
        self.parse_with_id(body, id)
    }

    fn acknowledge(&self) -> Response<&'static str> {
        Response::new("")
    }

    fn classify<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Outcome {
        REPLY_RULE.classify(response)
    }

    fn retry_schedule(&self) -> RetrySchedule {
        RetrySchedule::fourvenues()
    }

    /// Signs the body (hex) and, when the body has a string `id`, sets
    /// `x-webhook-id` to it.
    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error> {
        let mut headers = self.verifier.sign(body, now, "")?;
        if let Ok(id) = top_level_str(body, "id") {
            let value = HeaderValue::try_from(id.as_ref())
                .map_err(|_| Error::Signing("id cannot be sent in a header"))?;
            headers.insert(ID_HEADER, value);
        }
        Ok(headers)
    }
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
        RetrySchedule::exponential(secs(60), 2, secs(3600), 41)
    }
}
