//! Telnyx: voice, messaging, fax and number webhooks (API v2).
//!
//! | | |
//! |---|---|
//! | header | `telnyx-signature-ed25519: <base64>`, an Ed25519 signature (64 bytes) ¹ ² |
//! | signed | `"<telnyx-timestamp>\|" + raw body` ¹ ² |
//! | timestamp | `telnyx-timestamp`, Unix seconds of sending ¹ |
//! | key | the account's public key: the base64 of 32 bytes, in the Mission Control Portal ² |
//! | rotation | one key per account; [`Telnyx::with_public_key`] trusts more (at most 8 in all) |
//! | tolerance | ±300 s, as Telnyx's SDKs ² |
//! | event | `data.event_type`, `data.id`, `data.occurred_at` (RFC 3339), `data.record_type`, `data.payload`; `meta.attempt`, `meta.delivered_to` ¹ ³ |
//! | reply | `200`, "otherwise we will reattempt delivery at the failover webhook URL" ¹ |
//! | retries | one redelivery, to the failover URL if one is set ¹ ³; its timing is unpublished: [`RetrySchedule::telnyx`] is **our approximation** |
//!
//! Telnyx delivers out of order and sometimes twice ³: deduplicate on
//! [`WebhookEvent::id`](crate::WebhookEvent::id) (`data.id`).
//!
//! Ed25519 is verified strictly: a signature whose `S` is not below the
//! group order (a malleated copy of a genuine one) is refused, and so are
//! weak (small-order) public keys.
//!
//! Sources: ¹ [API reference: callbacks](https://developers.telnyx.com/api-reference/callbacks/number-order-status-update)
//! (the headers, the signed `timestamp|payload`, the reply);
//! ² `telnyx-python` `lib/webhook_verification.py` (the headers, 32-byte base64
//! key, 300 s tolerance either way);
//! ³ [Receiving webhooks](https://developers.telnyx.com/docs/voice/programmable-voice/receiving-webhooks).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::telnyx::Telnyx;
//!
//! // The receiver holds the account's public key; this one can also sign,
//! // to make a genuine delivery here.
//! let signer = Telnyx::from_signing_key("b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=")?;
//! let receiver = Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=")?;
//! let body = br#"{"data": {"event_type": "call.initiated", "id": "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0",
//!     "occurred_at": "2018-02-02T22:25:27.521992Z", "record_type": "event",
//!     "payload": {"direction": "incoming"}}, "meta": {"attempt": 1}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = signer.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "call.initiated");
//! assert_eq!(event.id(), "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
//! assert_eq!(event.data["direction"], "incoming");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde::Deserialize;
use serde_json::Value;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, Part, SignatureRule, TimeFormat, TimestampRule,
    described_receiver, key_pair_constructors,
};
use crate::event::{rfc3339, typed_event};
use crate::{Error, ReplyRule, RetrySchedule, Tolerance};

static TELNYX: Description = Description {
    name: "Telnyx",
    algorithm: Algorithm::Ed25519,
    signature: SignatureRule::bare(
        HeaderName::from_static("telnyx-signature-ed25519"),
        b"",
        Encoding::Base64,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("telnyx-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b"|"), Part::Body],
    tolerance: Tolerance::telnyx(),
    reply: ReplyRule::telnyx(),
    retries: RetrySchedule::telnyx,
    sent_with: &[],
};

const PUBLIC_KEY_FORM: &str = "a Telnyx public key is the base64 of 32 bytes (the Mission Control Portal's Public Key), a valid Ed25519 key";
const SIGNING_KEY_FORM: &str = "a Telnyx signing key is a 32-byte Ed25519 seed in base64";

described_receiver! {
    /// A receiver for Telnyx webhooks, verified with the account's public
    /// key.
    ///
    /// `Debug` shows how many keys are trusted, never a signing key.
    ///
    /// ```
    /// use webhook_kit::telnyx::Telnyx;
    ///
    /// let seed = "b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=";
    /// let receiver = Telnyx::from_signing_key(seed)?;
    /// assert!(!format!("{receiver:?}").contains(seed));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Telnyx;
    description: TELNYX,
    event: Event,
    parse: parse,
    example: "webhook_kit::telnyx::Telnyx::new(\"JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=\")?",
    builders: [with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

key_pair_constructors! {
    Telnyx: TELNYX, Encoding::Base64;
    /// A receiver trusting the account's public key, as the Mission Control
    /// Portal shows it (standard base64 of 32 bytes, padding optional).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a key that is not the base64 of 32
    /// bytes, not a point on Ed25519, not canonically encoded, or weak (of
    /// small order).
    ///
    /// ```
    /// use webhook_kit::telnyx::Telnyx;
    ///
    /// assert!(Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=").is_ok());
    /// assert!(Telnyx::new("").is_err());
    /// assert!(Telnyx::new("JE6Mz8zNiViQQ+9i").is_err()); // 12 bytes
    /// ```
    new(public_key_base64): PUBLIC_KEY_FORM;

    /// The key is its 32-byte seed in base64.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a seed that is not the base64 of 32
    /// bytes.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::telnyx::Telnyx;
    ///
    /// let signer = Telnyx::from_signing_key("b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=")?;
    /// let headers = signer.sign_at(b"{}", time::OffsetDateTime::now_utc())?;
    /// assert_eq!(headers["telnyx-signature-ed25519"].len(), 88);
    /// assert!(Telnyx::from_signing_key("b1PB").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    from_signing_key(signing_key_base64): SIGNING_KEY_FORM;

    /// Trusts another public key as well (for a move between accounts).
    with_public_key;
    /// ```
    /// use webhook_kit::telnyx::Telnyx;
    ///
    /// let receiver = Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=")?
    ///     .with_public_key("pfg6pnzSs8Z//bIZ6TYxtp5Gfrp2rQ3QgzirujXFLeY=")?;
    /// assert!(receiver.with_public_key("not base64!").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
}

typed_event! {
    /// A Telnyx webhook: the event in `data` and the delivery in `meta`.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::telnyx::Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=")?;
    /// let event = receiver.parse(br#"{"data": {"event_type": "message.received", "id": "b301ed3f",
    ///     "occurred_at": "2024-04-04T19:16:30.812+00:00", "record_type": "event", "payload": {}},
    ///     "meta": {"attempt": 2, "delivered_to": "https://example.com/webhooks"}}"#)?;
    /// assert_eq!(event.attempt, Some(2));
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_712_258_190));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `data.id`, such as `0ccc7b54-4df3-4bca-a65a-3da1ecc777f0`; empty
        /// when absent.
        id,
        /// `data.event_type`, such as `call.initiated` or
        /// `message.received` (`data.record_type` for a callback without
        /// one, empty when neither is sent).
        event_type,
        /// `data.occurred_at`.
        occurred_at,
        /// `data.record_type`, `event` for most webhooks.
        record_type: Option<String>,
        /// `data.payload`: the resource, as sent (`null` when absent).
        data: Value,
        /// `meta.attempt`: 1 for the first delivery.
        attempt: Option<u64>,
        /// `meta.delivered_to`: the URL this delivery was sent to.
        delivered_to: Option<String>,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    data: Option<Data>,
    #[serde(default)]
    meta: Option<Meta>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    occurred_at: Option<String>,
    #[serde(default)]
    record_type: Option<String>,
    #[serde(default)]
    payload: Value,
}

#[derive(Deserialize)]
struct Meta {
    #[serde(default)]
    attempt: Option<u64>,
    #[serde(default)]
    delivered_to: Option<String>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let data = envelope.data.unwrap_or(Data {
        event_type: None,
        id: None,
        occurred_at: None,
        record_type: None,
        payload: Value::Null,
    });
    let meta = envelope.meta.unwrap_or(Meta {
        attempt: None,
        delivered_to: None,
    });
    Ok(Event {
        id: data.id.unwrap_or_default(),
        event_type: data
            .event_type
            .or_else(|| data.record_type.clone())
            .unwrap_or_default(),
        occurred_at: rfc3339(data.occurred_at.as_deref()),
        record_type: data.record_type,
        data: data.payload,
        attempt: meta.attempt,
        delivered_to: meta.delivered_to,
        raw: parse_body(body)?,
    })
}

impl RetrySchedule {
    /// Telnyx's redelivery, **our approximation**: a delivery that gets no
    /// `200` is attempted once more, at the failover URL where one is set;
    /// Telnyx publishes no delay or timeout, so ours retries after 1 s.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::telnyx();
    /// assert_eq!(schedule.max_attempts(), 2);
    /// assert_eq!(schedule.delay_after(1), Some(std::time::Duration::from_secs(1)));
    /// ```
    pub fn telnyx() -> Self {
        const ONCE_MORE: [Duration; 1] = [Duration::from_secs(1)];
        RetrySchedule::from_static(&ONCE_MORE)
    }
}

impl ReplyRule {
    /// How Telnyx reads a reply: only `200` is delivered, as Telnyx publishes;
    /// anything else is attempted again (at the failover URL where one is set).
    /// [`Telnyx`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::telnyx();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::telnyx::Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn telnyx() -> Self {
        ReplyRule::codes(&[200])
    }
}

impl Tolerance {
    /// Telnyx's window around the receiver's clock for the signed
    /// timestamp: 300 s either way, as Telnyx's SDKs check. [`Telnyx`] starts
    /// with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::telnyx();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(webhook_kit::telnyx::Telnyx::new("JE6Mz8zNiViQQ+9i21Z+bcWDlO2fsfmSjX/wBZx7DDk=")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn telnyx() -> Self {
        Tolerance::symmetric(Duration::from_secs(300))
    }
}
