//! Square.
//!
//! | | |
//! |---|---|
//! | header | `x-square-hmacsha256-signature: <base64>` ¹ |
//! | signed | the notification URL + raw body, HMAC-SHA256 keyed with the subscription's signature key (used as text) ¹ ² |
//! | URL | the notification URL exactly as set for the subscription ¹ |
//! | timestamp | none is signed: a captured delivery can be replayed, so deduplicate on `event_id` |
//! | event | the body's `event_id`, `type` (`payment.updated`), `created_at` (RFC 3339), `merchant_id`, `data` ³ |
//! | reply | `2xx` within 10 seconds; any other status, `3xx` included, is a failure ⁴ |
//! | retries | after 1, 2, 4, 8, 16, 32 minutes, then hourly, for up to 72 hours ⁴: [`RetrySchedule::square`] |
//!
//! The URL must be the public one Square was given (scheme, host, port,
//! path and query, byte for byte): behind a proxy or TLS termination the
//! URL your server sees differs, so configure the public one, never one
//! read from the request.
//!
//! Sources: ¹ [Verify and validate an event notification](https://developer.squareup.com/docs/webhooks/step3validate);
//! ² Square's Node.js SDK `WebhooksHelper.verifySignature` and its tests;
//! ³ [Webhooks overview: event notification body](https://developer.squareup.com/docs/webhooks/overview);
//! ⁴ [Notification delivery SLA](https://developer.squareup.com/docs/webhooks-api/delivery-sla).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::square::Square;
//!
//! let receiver = Square::new("Ibxx_5AKakO-3qeNVR61Dw", "https://example.com/webhooks/square")?;
//! let body = br#"{"merchant_id": "6SSW7HV8K2ST5", "type": "payment.updated",
//!     "event_id": "8d2e9c4b", "created_at": "2024-01-01T00:00:00Z",
//!     "data": {"type": "payment", "id": "KkAkhdMs", "object": {"payment": {"status": "COMPLETED"}}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("payment.updated", "8d2e9c4b"));
//! assert_eq!(event.data["object"]["payment"]["status"], "COMPLETED");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde_json::Value;

use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static SQUARE: Description = Description {
    name: "Square",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-square-hmacsha256-signature"),
        b"",
        Encoding::Base64,
    ),
    timestamp: None,
    id: None,
    signed: &[Part::Url, Part::Body],
    tolerance: Tolerance::symmetric(Duration::ZERO),
    reply: ReplyRule::square(),
    retries: RetrySchedule::square,
    sent_with: &[],
};

described_receiver! {
    /// A receiver for Square webhooks sent to one notification URL.
    ///
    /// `Debug` shows the configuration (the URL included) but never the
    /// signature key.
    ///
    /// ```
    /// let receiver = webhook_kit::square::Square::new("sq-signature-key", "https://example.com/hooks")?;
    /// let shown = format!("{receiver:?}");
    /// assert!(shown.contains("https://example.com/hooks") && !shown.contains("sq-signature-key"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Square;
    description: SQUARE,
    event: Event,
    parse: parse,
    example: "webhook_kit::square::Square::new(\"sq-signature-key\", \"https://example.com/hooks\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Square {
    /// A receiver for the subscription whose signature key is
    /// `signature_key` and whose notification URL is `notification_url`.
    ///
    /// `notification_url` must be the public URL Square was given, as
    /// written in the Developer Console, not the one your server sees
    /// behind a proxy or TLS termination: Square signs the URL it sent to.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only key, or a
    /// URL that is not absolute (`https://…`).
    ///
    /// ```
    /// use webhook_kit::square::Square;
    ///
    /// assert!(Square::new("sq-signature-key", "https://example.com/hooks").is_ok());
    /// assert!(Square::new("sq-signature-key", "/hooks").is_err());
    /// assert!(Square::new("", "https://example.com/hooks").is_err());
    /// ```
    pub fn new(signature_key: impl Into<Secret>, notification_url: &str) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(SQUARE.algorithm, signature_key.into()).map_err(Self::secret_error)?;
        let mut core = ReceiverCore::new(&SQUARE, keys);
        core.add_url(notification_url)?;
        Ok(Square::from_core(core))
    }
}

typed_event! {
    /// A Square event notification.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::square::Square::new("sq-signature-key", "https://example.com/hooks")?;
    /// let event = receiver.parse(br#"{"merchant_id": "M1", "type": "invoice.created",
    ///     "event_id": "e1", "created_at": "2024-01-01T00:00:00.123Z", "data": {"type": "invoice", "id": "i1"}}"#)?;
    /// assert_eq!(event.merchant_id.as_deref(), Some("M1"));
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `event_id`: the same across redeliveries of one event.
        id from "event_id",
        /// `type`, such as `payment.updated` (unknown types are kept).
        event_type from "type",
        /// `created_at`.
        occurred_at from "created_at" as rfc3339,
        /// `merchant_id`: the seller the event is about.
        merchant_id from "merchant_id": Option<String>,
        /// `data`: the object's `type`, `id` and `object`, as sent.
        data from "data": Value,
    }
}

impl RetrySchedule {
    /// Square's redelivery as published: retries after 1, 2, 4, 8, 16 and
    /// 32 minutes, then every 60 minutes (the table's retries 7 to 78);
    /// each attempt must be answered within 10 seconds. Square also stops
    /// 72 hours after the event, so the last of these (about 73 hours after
    /// the first attempt) may not come.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::square();
    /// assert_eq!(schedule.max_attempts(), 79);
    /// assert_eq!(schedule.delay_after(6), Some(Duration::from_secs(32 * 60)));
    /// assert_eq!(schedule.delay_after(7), Some(Duration::from_secs(60 * 60)));
    /// ```
    pub fn square() -> Self {
        RetrySchedule::minutes_then_hourly(&[1, 2, 4, 8, 16, 32], 72)
            .with_timeout(Duration::from_secs(10))
    }
}

impl ReplyRule {
    /// How Square reads a reply: any `2xx` is delivered; any other status,
    /// `3xx` included, is retried, as Square publishes. [`Square`] starts with
    /// it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::square();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(301));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::square::Square::new("sq-signature-key", "https://example.com/hooks")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn square() -> Self {
        ReplyRule::any_2xx()
    }
}
