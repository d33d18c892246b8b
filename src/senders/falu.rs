//! Falu.
//!
//! | | |
//! |---|---|
//! | header | `X-Falu-Signature: t=<unix>,sha256=<hex>[,sha256=<hex>…]` (several entries while a secret is rolled) |
//! | signed | `"<t>." + raw body`, HMAC-SHA256 keyed with the endpoint's secret as text |
//! | tolerance | 5 minutes into the past; 60 s into the future (ours ¹) |
//! | formats | "basic" and CloudEvents, chosen per endpoint; both parse into one [`Event`] |
//! | reply | any `2xx` |
//! | retries | none: Falu marks the event failed and stops; retry it by hand through Falu's API |
//!
//! ¹ Falu's SDK refuses any timestamp in the future. Falu never redelivers,
//! so a sender clock one second ahead would lose the event for good; **our
//! default** accepts 60 s of such skew. Set your own with
//! [`Falu::with_tolerance`].
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::falu::Falu;
//!
//! let receiver = Falu::new("falu-endpoint-secret")?;
//! let body = br#"{"id": "evt_1", "type": "message.delivered", "created": "2024-01-02T03:04:05Z",
//!                 "data": {"object": {"id": "msg_1"}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "message.delivered");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::engine::envelope::{Pairs, ReadData, TypedData, read_one_pass};
use crate::engine::headers::trim;
use crate::engine::json::{parse_body, parse_fragment};
use crate::engine::{
    Algorithm, Description, Encoding, Grammar, KeySet, Part, ReceiverCore, SignatureRule,
    TimeFormat, TimestampRule, described_receiver,
};
use crate::event::{data_event, event_data};
use crate::{Delivery, Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static FALU: Description = Description {
    name: "Falu",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule {
        header: HeaderName::from_static("x-falu-signature"),
        grammar: Grammar::Items {
            separator: b',',
            timestamp_key: Some(b"t"),
            signature_key: b"sha256",
        },
        encoding: Encoding::Hex,
    },
    timestamp: Some(TimestampRule::signature_item(TimeFormat::UnixSeconds)),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b"."), Part::Body],
    tolerance: Tolerance::falu(),
    reply: ReplyRule::falu(),
    retries: RetrySchedule::falu,
    sent_with: &[],
};

impl Tolerance {
    /// Falu's window: 5 minutes into the past, as Falu's SDK; 60 seconds
    /// into the future, **our default** (the SDK allows none, and Falu
    /// never redelivers an event a receiver refused).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Provider, Tolerance};
    /// use webhook_kit::falu::Falu;
    ///
    /// assert_eq!(Tolerance::falu().past, Duration::from_secs(300));
    /// assert_eq!(Tolerance::falu().future, Duration::from_secs(60));
    ///
    /// // A delivery signed 4 minutes ago passes; one signed 6 minutes ago does not.
    /// let receiver = Falu::new("falu-secret")?;
    /// let body = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {}}}"#;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_at(body, now - Duration::from_secs(240))?;
    /// assert!(receiver.verify_at(&headers, body, now).is_ok());
    /// let headers = receiver.sign_at(body, now - Duration::from_secs(360))?;
    /// assert!(receiver.verify_at(&headers, body, now).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn falu() -> Self {
        Tolerance::new(Duration::from_secs(300), Duration::from_secs(60))
    }
}

impl ReplyRule {
    /// How Falu reads replies: any `2xx` is success.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// assert!(ReplyRule::falu().is_success_status(202));
    /// assert!(!ReplyRule::falu().is_success_status(500));
    /// ```
    pub const fn falu() -> Self {
        ReplyRule::any_2xx()
    }
}

/// Falu's window.
///
/// ```
/// # #![allow(deprecated)]
/// assert_eq!(webhook_kit::falu::DEFAULT_TOLERANCE, webhook_kit::Tolerance::falu());
/// ```
#[deprecated(since = "0.2.0", note = "use `Tolerance::falu()`")]
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::falu();

/// How Falu reads replies.
///
/// ```
/// # #![allow(deprecated)]
/// assert_eq!(webhook_kit::falu::REPLY_RULE, webhook_kit::ReplyRule::falu());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::falu()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::falu();

/// The prefix CloudEvents deliveries put before the event type.
const CLOUDEVENTS_PREFIX: &str = "io.falu.";

described_receiver! {
    /// A receiver for Falu webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// assert_eq!(
    ///     format!("{receiver:?}"),
    ///     "Falu { keys: HmacSha256, 1 secret(s), \
    ///      tolerance: Tolerance { past: 300s, future: 60s } }"
    /// );
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Falu;
    description: FALU,
    event: Event,
    parse: parse,
    example: "webhook_kit::falu::Falu::new(\"falu-secret\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    check: whole_items,
}

impl Falu {
    /// A receiver for deliveries signed with the endpoint's `secret`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret:
    /// anyone could sign with it.
    ///
    /// ```
    /// use webhook_kit::falu::Falu;
    ///
    /// assert!(Falu::new("whsec_from_the_dashboard").is_ok());
    /// // What `env::var("FALU_SECRET").unwrap_or_default()` gives when unset:
    /// assert!(Falu::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(FALU.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Falu::from_core(
            ReceiverCore::new(&FALU, keys).with_exact_tags(),
        ))
    }
}

/// Refuses a signature header with an item that is not `key=value` with a
/// value (`sha256=`), as Falu's SDK does; the core's item reader only skips
/// such an item.
fn whole_items(headers: &HeaderMap, _body: &[u8], delivery: Delivery) -> Result<Delivery, Error> {
    let name = &FALU.signature.header;
    let value = headers.get(name).map_or(&b""[..], |value| value.as_bytes());
    for item in value.split(|&b| b == b',').map(trim) {
        let reason = match item.iter().position(|&b| b == b'=') {
            None => "item is not `key=value`",
            Some(at) if at + 1 == item.len() => "item has an empty value",
            Some(_) => continue,
        };
        let name = name.clone();
        return Err(Error::MalformedHeader { name, reason });
    }
    Ok(delivery)
}

/// Which of Falu's two payload formats a delivery used.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::falu::{Falu, PayloadFormat};
///
/// let receiver = Falu::new("falu-secret")?;
/// let basic = br#"{"id": "evt_1", "type": "message.sent", "data": {"object": {"id": "msg_1"}}}"#;
/// let cloud = br#"{"specversion": "1.0", "id": "evt_2", "type": "io.falu.message.sent",
///                  "source": "https://falu.io", "time": "2024-01-02T03:04:05Z",
///                  "data": {"object": {"id": "msg_1"}}}"#;
/// let basic = receiver.parse(basic)?;
/// let cloud = receiver.parse(cloud)?;
/// assert_eq!(basic.format, PayloadFormat::Basic);
/// assert_eq!(cloud.format, PayloadFormat::CloudEvents);
/// // One type name for both formats.
/// assert_eq!(basic.event_type(), cloud.event_type());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum PayloadFormat {
    /// Falu's own format.
    Basic,
    /// CloudEvents 1.0, with types prefixed `io.falu.`.
    CloudEvents,
}

/// The API request that caused an event.
///
/// Falu's basic format carries it at the top level, CloudEvents inside
/// `data`; both land here.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::falu::Falu;
///
/// let body = br#"{"id": "evt_1", "type": "payment.succeeded",
///                 "request": {"id": "req_9", "idempotency_key": "order-17"},
///                 "data": {"object": {"id": "pa_1"}}}"#;
/// let event = Falu::new("falu-secret")?.parse(body)?;
/// let request = event.request.expect("the body names a request");
/// assert_eq!(request.id.as_deref(), Some("req_9"));
/// assert_eq!(request.idempotency_key.as_deref(), Some("order-17"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Request {
    /// The request's id.
    #[serde(default)]
    pub id: Option<String>,
    /// The idempotency key the request carried.
    #[serde(default)]
    pub idempotency_key: Option<String>,
}

/// The object an event is about, and for `*.updated` events its previous
/// values. Falu does not publish the objects' schemas per event, so both are
/// kept as JSON.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::falu::{EventData, Falu};
///
/// let body = br#"{"id": "evt_3", "type": "message_template.updated",
///                 "data": {"object": {"id": "mtpl_1", "alias": "welcome"},
///                          "previous": {"alias": "hello"}}}"#;
/// let event = Falu::new("falu-secret")?.parse(body)?;
/// let EventData::MessageTemplateUpdated(data) = &event.data else { panic!("{:?}", event.data) };
/// assert_eq!(data.object["alias"], "welcome");
/// assert_eq!(data.previous.as_ref().map(|p| &p["alias"]), Some(&"hello".into()));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ObjectData {
    /// The object after the event.
    #[serde(default)]
    pub object: Value,
    /// The changed fields' previous values (`*.updated` events only).
    #[serde(default)]
    pub previous: Option<Value>,
}

event_data! {
    module: "falu",
    /// The data of a Falu event, by event type.
    ///
    /// Every known type carries an [`ObjectData`]; the variant says which.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::falu::{EventData, Falu};
    ///
    /// let body = br#"{"id": "evt_4", "type": "payment.failed", "data": {"object": {"id": "pa_2", "amount": 1000}}}"#;
    /// match Falu::new("falu-secret")?.parse(body)?.data {
    ///     EventData::PaymentSucceeded(_) => panic!("it failed"),
    ///     EventData::PaymentFailed(data) => assert_eq!(data.object["amount"], 1000),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub enum EventData {
        "file.created" => FileCreated(ObjectData),
        "identity_verification.created" => IdentityVerificationCreated(ObjectData),
        "identity_verification.processing" => IdentityVerificationProcessing(ObjectData),
        "identity_verification.verified" => IdentityVerificationVerified(ObjectData),
        "identity_verification.input_required" => IdentityVerificationInputRequired(ObjectData),
        "identity_verification.cancelled" => IdentityVerificationCancelled(ObjectData),
        "identity_verification.redacted" => IdentityVerificationRedacted(ObjectData),
        "message.created" => MessageCreated(ObjectData),
        "message.scheduled" => MessageScheduled(ObjectData),
        "message.sent" => MessageSent(ObjectData),
        "message.failed" => MessageFailed(ObjectData),
        "message.delivered" => MessageDelivered(ObjectData),
        "message.cancelled" => MessageCancelled(ObjectData),
        "message.redacted" => MessageRedacted(ObjectData),
        "message_batch.created" => MessageBatchCreated(ObjectData),
        "message_batch.scheduled" => MessageBatchScheduled(ObjectData),
        "message_batch.cancelled" => MessageBatchCancelled(ObjectData),
        "message_batch.redacted" => MessageBatchRedacted(ObjectData),
        "message_template.created" => MessageTemplateCreated(ObjectData),
        "message_template.updated" => MessageTemplateUpdated(ObjectData),
        "message_template.deleted" => MessageTemplateDeleted(ObjectData),
        "payment.updated" => PaymentUpdated(ObjectData),
        "payment.succeeded" => PaymentSucceeded(ObjectData),
        "payment.failed" => PaymentFailed(ObjectData),
        "payment.authorization.request" => PaymentAuthorizationRequest(ObjectData),
        "payment.authorization.created" => PaymentAuthorizationCreated(ObjectData),
        "payment.authorization.updated" => PaymentAuthorizationUpdated(ObjectData),
        "payment.refund.created" => PaymentRefundCreated(ObjectData),
        "payment.refund.updated" => PaymentRefundUpdated(ObjectData),
        "payment.refund.succeeded" => PaymentRefundSucceeded(ObjectData),
        "payment.refund.failed" => PaymentRefundFailed(ObjectData),
        "transfer.created" => TransferCreated(ObjectData),
        "transfer.updated" => TransferUpdated(ObjectData),
        "transfer.succeeded" => TransferSucceeded(ObjectData),
        "transfer.failed" => TransferFailed(ObjectData),
        "transfer.reversal.created" => TransferReversalCreated(ObjectData),
        "transfer.reversal.updated" => TransferReversalUpdated(ObjectData),
        "transfer.reversal.succeeded" => TransferReversalSucceeded(ObjectData),
        "transfer.reversal.failed" => TransferReversalFailed(ObjectData),
        "money_balances.updated" => MoneyBalancesUpdated(ObjectData),
    }
}

/// A Falu event, from either payload format.
///
/// [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) gives the same name for both formats
/// (`message.sent`, never `io.falu.message.sent`).
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::falu::Falu;
///
/// let body = br#"{"id": "evt_5", "type": "message.delivered", "created": "2024-01-02T03:04:05Z",
///                 "workspace": "wksp_1", "live": false, "data": {"object": {"id": "msg_1"}}}"#;
/// let event = Falu::new("falu-secret")?.parse(body)?;
/// assert_eq!(event.id, "evt_5");
/// assert_eq!(event.event_type(), "message.delivered");
/// assert_eq!(event.workspace.as_deref(), Some("wksp_1"));
/// assert_eq!(event.live, Some(false));
/// assert_eq!(event.created.map(|t| t.unix_timestamp()), Some(1_704_164_645));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id.
    pub id: String,
    /// When the event was created (`created`, or CloudEvents `time`).
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// When the event was last updated (basic format only).
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated: Option<OffsetDateTime>,
    /// The workspace the event belongs to.
    pub workspace: Option<String>,
    /// Whether the event happened in live mode.
    pub live: Option<bool>,
    /// The API request that caused the event, if any.
    pub request: Option<Request>,
    /// The event's redaction state (basic format), as sent.
    pub redaction: Option<Value>,
    /// The format the delivery used.
    pub format: PayloadFormat,
    /// The type and the object.
    pub data: EventData,
}

data_event!(Event, time: created);

/// The envelope's type and data fields, for [`read_one_pass`].
const PAIRS: Pairs = &[("type", "data")];

/// The one-pass reading of the basic format's data; a CloudEvents type
/// (prefixed) leaves the data captured, for its `request` to be read too.
struct OnePass;

impl ReadData for OnePass {
    type Data = EventData;

    fn reads(&self, _pair: usize, event_type: &str) -> bool {
        !event_type.starts_with(CLOUDEVENTS_PREFIX)
    }

    fn read<'de, D: serde::Deserializer<'de>>(
        &self,
        _pair: usize,
        event_type: &str,
        data: D,
    ) -> Result<EventData, D::Error> {
        EventData::deserialize_as(event_type, data)
    }
}

/// Both formats' fields; which are present tells the format apart.
#[derive(Deserialize)]
struct Envelope<'a> {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    specversion: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    created: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    time: Option<OffsetDateTime>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    updated: Option<OffsetDateTime>,
    #[serde(default)]
    workspace: Option<String>,
    #[serde(default)]
    live: Option<bool>,
    #[serde(default)]
    request: Option<Request>,
    #[serde(default)]
    redaction: Option<Value>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

/// CloudEvents put the causing request inside `data`.
#[derive(Deserialize)]
struct CloudEventsData {
    #[serde(default)]
    request: Option<Request>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let (envelope, data) = match read_one_pass::<Envelope<'_>, _>(body, PAIRS, &OnePass) {
        // CloudEvents keep the request inside the data, which the pass
        // has read already (their types, prefixed, are not read in it).
        Some((envelope, Some(_))) if envelope.specversion.is_some() => {
            (parse_body::<Envelope<'_>>(body)?, None)
        }
        Some(read) => read,
        None => (parse_body::<Envelope<'_>>(body)?, None),
    };
    let (format, request) = if envelope.specversion.is_some() {
        let inner: Option<CloudEventsData> = parse_fragment(body, envelope.data, "data")?;
        (PayloadFormat::CloudEvents, inner.and_then(|d| d.request))
    } else {
        (PayloadFormat::Basic, envelope.request)
    };
    let event_type = envelope
        .event_type
        .strip_prefix(CLOUDEVENTS_PREFIX)
        .unwrap_or(&envelope.event_type);
    Ok(Event {
        data: match data {
            Some(data) => data,
            None => EventData::from_fragment(event_type, body, envelope.data, "data")?,
        },
        id: envelope.id,
        created: envelope.created.or(envelope.time),
        updated: envelope.updated,
        workspace: envelope.workspace,
        live: envelope.live,
        request,
        redaction: envelope.redaction,
        format,
    })
}

impl RetrySchedule {
    /// Falu's schedule: one attempt. Falu documents that if it "does not
    /// quickly receive a 2xx response status code for an event, we mark the
    /// event as failed and stop trying"; failed events are retried by hand
    /// through Falu's API. Falu publishes no timeout figure, so
    /// [`RetrySchedule::timeout`] is `None`.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::falu();
    /// assert_eq!(schedule.max_attempts(), 1);
    /// assert_eq!(schedule.delay_after(1), None);
    /// assert_eq!(schedule.timeout(), None);
    /// ```
    pub fn falu() -> Self {
        RetrySchedule::none()
    }
}
