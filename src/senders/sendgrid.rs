//! Twilio SendGrid's Event Webhook, signed (delivery, engagement and
//! account events about email).
//!
//! | | |
//! |---|---|
//! | header | `X-Twilio-Email-Event-Webhook-Signature: <base64>`, an ASN.1 DER ECDSA P-256 / SHA-256 signature ¹ ² |
//! | signed | the `X-Twilio-Email-Event-Webhook-Timestamp` value followed by the raw body, no separator ¹ ² |
//! | key | the verification key: base64 of the DER `SubjectPublicKeyInfo` (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`), shown when signing is enabled ¹ ³ |
//! | rotation | one key per Event Webhook; [`SendGrid::with_public_key`] trusts more (at most 8 in all) |
//! | tolerance | SendGrid's SDKs check none ²; ±5 minutes (**our default**). Whether a redelivery is signed anew is unpublished: widen the window with [`SendGrid::with_tolerance`] if retries are refused as too old |
//! | body | a JSON **array** of events, each with `email`, `event`, `timestamp` (Unix seconds), `sg_event_id`, `sg_message_id` and type-specific fields ¹ ⁴ |
//! | reply | any `2xx` ⁴ |
//! | retries | a failed POST is retried for up to 24 hours ⁴; the intervals are unpublished: [`RetrySchedule::sendgrid`] is **our approximation** |
//!
//! One delivery is a batch, so [`Event`] holds the batch:
//! [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is the
//! `event` every email event in it shares, or `batch` when they differ (or
//! there are none), and [`WebhookEvent::id`](crate::WebhookEvent::id) is
//! the first event's `sg_event_id` (**our choice**, to deduplicate a batch
//! posted again). Handle [`Event::events`] one by one, each with its own
//! `sg_event_id`.
//!
//! A high-`S` signature (`(r, n - s)`) is as valid as its low-`S` twin, as
//! for OpenSSL and SendGrid's SDKs: ECDSA signatures are malleable, so never
//! use a signature as an identifier.
//!
//! Sources: ¹ [Getting started with the Event Webhook security features](https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features);
//! ² `sendgrid-nodejs` `packages/eventwebhook` (`EventWebhookHeader`,
//! `verifySignature`, and the test vectors in its spec);
//! ³ [Toggle signature verification for an Event Webhook](https://www.twilio.com/docs/sendgrid/api-reference/webhooks/toggle-signature-verification-for-an-event-webhook);
//! ⁴ [Event Webhook reference](https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::sendgrid::SendGrid;
//!
//! // SendGrid's own published delivery (sendgrid-nodejs's tests).
//! let receiver = SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?;
//! let body = b"[{\"email\":\"hello@world.com\",\"event\":\"dropped\",\"reason\":\"Bounced Address\",\
//! \"sg_event_id\":\"ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA\",\
//! \"sg_message_id\":\"LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0\",\
//! \"smtp-id\":\"<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>\",\"timestamp\":1600112492}]\r\n";
//! let mut headers = http::HeaderMap::new();
//! headers.insert("x-twilio-email-event-webhook-signature",
//!     "MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=".parse()?);
//! headers.insert("x-twilio-email-event-webhook-timestamp", "1600112502".parse()?);
//! let sent = time::OffsetDateTime::from_unix_timestamp(1_600_112_502)?;
//! let batch = receiver.verify_and_parse_at(&headers, body, sent)?;
//! assert_eq!(batch.event_type(), "dropped");
//! assert_eq!(batch.events[0].email.as_deref(), Some("hello@world.com"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::engine::{
    Algorithm, Description, Encoding, Part, SignatureRule, TimeFormat, TimestampRule,
    described_receiver, key_pair_constructors,
};
use crate::event::{typed_event, unix_time};
use crate::{Error, ReplyRule, RetrySchedule, Tolerance};

static SENDGRID: Description = Description {
    name: "SendGrid",
    algorithm: Algorithm::EcdsaP256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-twilio-email-event-webhook-signature"),
        b"",
        Encoding::Base64,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-twilio-email-event-webhook-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: &[Part::Timestamp, Part::Body],
    tolerance: Tolerance::sendgrid(),
    reply: ReplyRule::sendgrid(),
    retries: RetrySchedule::sendgrid,
    sent_with: &[],
};

const PUBLIC_KEY_FORM: &str = "a SendGrid verification key is the base64 of a P-256 public key's DER SubjectPublicKeyInfo (MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…)";
const SIGNING_KEY_FORM: &str =
    "a SendGrid signing key is the base64 of a P-256 private key's DER PKCS #8 PrivateKeyInfo";

described_receiver! {
    /// A receiver for SendGrid's signed Event Webhook, verified with the
    /// webhook's verification key.
    ///
    /// `Debug` shows how many keys are trusted, never a signing key.
    ///
    /// ```
    /// use webhook_kit::sendgrid::SendGrid;
    ///
    /// let receiver = SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?;
    /// assert_eq!(format!("{receiver:?}"), "SendGrid { keys: ECDSA P-256, 1 public key(s), tolerance: Tolerance { past: 300s, future: 300s } }");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct SendGrid;
    description: SENDGRID,
    event: Event,
    parse: parse,
    example: "webhook_kit::sendgrid::SendGrid::new(\"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==\")?",
    builders: [with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

key_pair_constructors! {
    SendGrid: SENDGRID, Encoding::Base64;
    /// A receiver trusting the Event Webhook's verification key, as
    /// SendGrid shows it: the base64 (padding optional) of the key's DER
    /// `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for text that is not base64, or a key that
    /// is not a P-256 `SubjectPublicKeyInfo` of a point on the curve (a PEM
    /// block, another curve, trailing bytes).
    ///
    /// ```
    /// use webhook_kit::sendgrid::SendGrid;
    ///
    /// assert!(SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==").is_ok());
    /// assert!(SendGrid::new("").is_err());
    /// assert!(SendGrid::new("MFkwEwYHKoZIzj0CAQYI").is_err());
    /// ```
    new(public_key_base64): PUBLIC_KEY_FORM;

    /// The key is the base64 of its DER PKCS #8 `PrivateKeyInfo`, as
    /// `openssl pkcs8 -topk8 -nocrypt -outform DER` writes it. Signatures
    /// are deterministic (RFC 6979) and low-`S`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for text that is not the base64 of a P-256
    /// PKCS #8 private key.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::sendgrid::SendGrid;
    ///
    /// let signer = SendGrid::from_signing_key(
    ///     "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQWzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw",
    /// )?;
    /// let headers = signer.sign_at(b"[]", time::OffsetDateTime::now_utc())?;
    /// assert!(headers["x-twilio-email-event-webhook-signature"].to_str()?.starts_with("ME"));
    /// assert!(SendGrid::from_signing_key("MIGHAgEA").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    from_signing_key(signing_key_base64): SIGNING_KEY_FORM;

    /// Trusts another verification key as well (several Event Webhooks to
    /// one endpoint, or a webhook re-created with a new key).
    with_public_key;
    /// ```
    /// use webhook_kit::sendgrid::SendGrid;
    ///
    /// let receiver = SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?
    ///     .with_public_key("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEQ4LIFtWztlsF7skFqOncjD1lun4H5w8XOhyOArHW9RcIx/FfEzx6cikC/yPfUvwaX/JScE7Fc9CJD2afQ9Ok3Q==")?;
    /// assert!(receiver.with_public_key("-----BEGIN PUBLIC KEY-----").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
}

typed_event! {
    /// One Event Webhook delivery: a batch of email events.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::sendgrid::SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?;
    /// let batch = receiver.parse(br#"[
    ///     {"email": "ada@example.com", "event": "delivered", "timestamp": 1712258185, "sg_event_id": "ZGVs"},
    ///     {"email": "ada@example.com", "event": "open", "timestamp": 1712258180, "sg_event_id": "b3Bl"}]"#)?;
    /// assert_eq!((batch.event_type(), &*batch.id()), ("batch", "ZGVs"));
    /// assert_eq!(batch.occurred_at().map(|t| t.unix_timestamp()), Some(1_712_258_180));
    /// for event in &batch.events {
    ///     assert_eq!(event.email.as_deref(), Some("ada@example.com"));
    /// }
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// The first event's `sg_event_id` (**our choice** of a batch id);
        /// empty for an empty batch or one without.
        id,
        /// The `event` every email event in the batch shares (`delivered`,
        /// `open`, …), or `batch` when they differ or there are none.
        event_type,
        /// The earliest `timestamp` in the batch.
        occurred_at,
        /// The email events, in the order sent.
        events: Vec<EmailEvent>,
    }
}

/// One email event in a batch.
///
/// ```
/// use webhook_kit::Provider;
///
/// let receiver = webhook_kit::sendgrid::SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?;
/// let batch = receiver.parse(br#"[{"email": "ada@example.com", "event": "click",
///     "timestamp": 1712258185, "url": "https://example.com/"}]"#)?;
/// let click = &batch.events[0];
/// assert_eq!(click.event_type, "click");
/// assert_eq!(click.fields["url"], "https://example.com/");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct EmailEvent {
    /// `event`: `processed`, `dropped`, `delivered`, `deferred`, `bounce`,
    /// `open`, `click`, `spamreport`, `unsubscribe`, … (empty when absent).
    pub event_type: String,
    /// `email`: the recipient.
    pub email: Option<String>,
    /// `timestamp`, Unix seconds.
    pub timestamp: Option<i64>,
    /// `sg_event_id`: this event's unique id.
    pub sg_event_id: Option<String>,
    /// `sg_message_id`: the message it is about.
    pub sg_message_id: Option<String>,
    /// The whole event object, as sent (type-specific fields, custom args).
    pub fields: Value,
}

impl EmailEvent {
    /// When the event happened (`timestamp`), if it says.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let receiver = webhook_kit::sendgrid::SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?;
    /// let batch = receiver.parse(br#"[{"event": "open", "timestamp": 1712258185}, {"event": "open"}]"#)?;
    /// assert_eq!(batch.events[0].occurred_at().map(|t| t.unix_timestamp()), Some(1_712_258_185));
    /// assert_eq!(batch.events[1].occurred_at(), None);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn occurred_at(&self) -> Option<OffsetDateTime> {
        unix_time(self.timestamp, false)
    }

    fn from_object(object: Map<String, Value>) -> Self {
        let text = |name: &str| object.get(name).and_then(Value::as_str).map(str::to_owned);
        EmailEvent {
            event_type: text("event").unwrap_or_default(),
            email: text("email"),
            timestamp: object.get("timestamp").and_then(Value::as_i64),
            sg_event_id: text("sg_event_id"),
            sg_message_id: text("sg_message_id"),
            fields: Value::Object(object),
        }
    }
}

/// The event type of a batch whose events differ.
const MIXED: &str = "batch";

fn parse(body: &[u8]) -> Result<Event, Error> {
    // serde_json checks every string it reads here as UTF-8, and an
    // object body (or an element that is not an object) is an error at
    // its position.
    let objects: Vec<Map<String, Value>> =
        serde_json::from_slice(body).map_err(|e| Error::payload(&e, body, 0))?;
    let events: Vec<EmailEvent> = objects.into_iter().map(EmailEvent::from_object).collect();
    let event_type = match events.split_first() {
        Some((first, rest)) if rest.iter().all(|e| e.event_type == first.event_type) => {
            first.event_type.clone()
        }
        _ => MIXED.to_owned(),
    };
    Ok(Event {
        id: events
            .first()
            .and_then(|e| e.sg_event_id.clone())
            .unwrap_or_default(),
        event_type,
        occurred_at: events.iter().filter_map(EmailEvent::occurred_at).min(),
        raw: Value::Array(events.iter().map(|e| e.fields.clone()).collect()),
        events,
    })
}

impl RetrySchedule {
    /// SendGrid's redelivery, **our approximation**: SendGrid retries a
    /// failed POST for up to 24 hours but publishes no intervals. Ours
    /// waits 1, 5, 15 and 30 minutes, 1, 2 and 4 hours, then 8 hours
    /// twice: 10 attempts within 24 hours.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::sendgrid();
    /// assert_eq!(schedule.max_attempts(), 10);
    /// assert!(schedule.horizon() < Duration::from_secs(24 * 3600));
    /// ```
    pub fn sendgrid() -> Self {
        RetrySchedule::minutes_then_hourly(&[1, 5, 15, 30, 60, 120, 240, 480, 480], 0)
    }
}

impl ReplyRule {
    /// How SendGrid reads a reply: any `2xx` is delivered, as SendGrid
    /// publishes; anything else is retried. [`SendGrid`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::sendgrid();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::sendgrid::SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn sendgrid() -> Self {
        ReplyRule::any_2xx()
    }
}

impl Tolerance {
    /// SendGrid's window around the receiver's clock for the signed
    /// timestamp: 5 minutes either way (**our default**: SendGrid's SDKs check
    /// none). [`SendGrid`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::sendgrid();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(webhook_kit::sendgrid::SendGrid::new("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn sendgrid() -> Self {
        Tolerance::symmetric(Duration::from_secs(300))
    }
}
