//! Paddle Billing.
//!
//! | | |
//! |---|---|
//! | header | `Paddle-Signature: ts=<unix>;h1=<hex>[;h1=<hex>…]` ¹ |
//! | signed | `"<ts>:" + raw body`, HMAC-SHA256 keyed with the notification destination's secret key ¹ |
//! | rotation | one `h1` per active secret while a secret is rotated ¹ |
//! | tolerance | 5 s into the past, as Paddle's SDKs ²; 5 s into the future (**our default**) |
//! | event | the body's `event_id`, `event_type`, `occurred_at` (RFC 3339), `notification_id`, `data` ³ |
//! | reply | `200` within five seconds ⁴; any `2xx` is read as delivered (**our default** reading) |
//! | retries | retried with backoff when no `200` comes back ⁴; the intervals are unpublished: [`RetrySchedule::paddle`] is **our default** |
//!
//! Every delivery is signed anew, so the short window costs nothing on a
//! clock kept by NTP; widen it with [`Paddle::with_tolerance`] otherwise.
//!
//! Sources: ¹ [Verify webhook signatures](https://developer.paddle.com/webhooks/signature-verification);
//! ² `@paddle/paddle-node-sdk` `webhooks` (a 5 s maximum variance);
//! ³ [Webhooks overview: event payload](https://developer.paddle.com/webhooks/overview);
//! ⁴ [Handle webhook delivery](https://developer.paddle.com/webhooks/respond-to-webhooks).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::paddle::Paddle;
//!
//! let receiver = Paddle::new("pdl_ntfset_01h_secret")?;
//! let body = br#"{"event_id": "evt_01h", "event_type": "transaction.paid",
//!     "occurred_at": "2024-04-12T10:18:49.621022Z", "notification_id": "ntf_01h",
//!     "data": {"id": "txn_01h"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("transaction.paid", "evt_01h"));
//! assert_eq!(event.data["id"], "txn_01h");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde_json::Value;

use crate::engine::{
    Algorithm, Description, Encoding, Grammar, KeySet, Part, ReceiverCore, SignatureRule,
    TimeFormat, TimestampRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static PADDLE: Description = Description {
    name: "Paddle",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule {
        header: HeaderName::from_static("paddle-signature"),
        grammar: Grammar::Items {
            separator: b';',
            timestamp_key: Some(b"ts"),
            signature_key: b"h1",
        },
        encoding: Encoding::Hex,
    },
    timestamp: Some(TimestampRule::signature_item(TimeFormat::UnixSeconds)),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b":"), Part::Body],
    tolerance: Tolerance::paddle(),
    reply: ReplyRule::paddle(),
    retries: RetrySchedule::paddle,
    sent_with: &[],
};

described_receiver! {
    /// A receiver for Paddle Billing webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::paddle::Paddle::new("pdl_secret")?;
    /// assert!(!format!("{receiver:?}").contains("pdl_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Paddle;
    description: PADDLE,
    event: Event,
    parse: parse,
    example: "webhook_kit::paddle::Paddle::new(\"pdl_secret\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Paddle {
    /// A receiver for deliveries signed with a notification destination's
    /// secret key.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::paddle::Paddle;
    ///
    /// assert!(Paddle::new("pdl_ntfset_01h_secret").is_ok());
    /// assert!(Paddle::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(PADDLE.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Paddle::from_core(ReceiverCore::new(&PADDLE, keys)))
    }
}

typed_event! {
    /// A Paddle notification: the event and its delivery's id.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::paddle::Paddle::new("pdl_secret")?;
    /// let event = receiver.parse(br#"{"event_id": "evt_1", "event_type": "subscription.created",
    ///     "occurred_at": "2024-01-01T00:00:00Z", "notification_id": "ntf_1", "data": {}}"#)?;
    /// assert_eq!(event.notification_id.as_deref(), Some("ntf_1"));
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `event_id`, such as `evt_01hv8x2acma6x5wh2y1jb1a7ce`.
        id from "event_id",
        /// `event_type`, such as `transaction.paid`.
        event_type from "event_type",
        /// `occurred_at`.
        occurred_at from "occurred_at" as rfc3339,
        /// `notification_id`: this delivery of the event (each notification
        /// destination gets its own).
        notification_id from "notification_id": Option<String>,
        /// `data`: the entity, as sent.
        data from "data": Value,
    }
}

impl RetrySchedule {
    /// Paddle's redelivery, **our approximation**: Paddle retries a
    /// delivery that gets no `200` within five seconds, with backoff, but
    /// publishes no intervals. Ours waits 1, 5, 15, 30 and 60 minutes, then
    /// hourly: 24 attempts over about 20 hours, each with a 5 s timeout.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::paddle();
    /// assert_eq!(schedule.max_attempts(), 24);
    /// assert_eq!(schedule.timeout(), Some(std::time::Duration::from_secs(5)));
    /// ```
    pub fn paddle() -> Self {
        RetrySchedule::minutes_then_hourly(&[1, 5, 15, 30], 19).with_timeout(Duration::from_secs(5))
    }
}

impl ReplyRule {
    /// How Paddle reads a reply: any `2xx` is delivered (**our default**
    /// reading of Paddle's "`200` within five seconds"); anything else is
    /// retried. [`Paddle`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::paddle();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::paddle::Paddle::new("pdl_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn paddle() -> Self {
        ReplyRule::any_2xx()
    }
}

impl Tolerance {
    /// Paddle's window around the receiver's clock for the signed
    /// timestamp: 5 s into the past, as Paddle's SDKs check, and 5 s into the
    /// future (**our default**). [`Paddle`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::paddle();
    /// assert_eq!(window.past, Duration::from_secs(5));
    /// assert_eq!(window.future, Duration::from_secs(5));
    /// assert_eq!(webhook_kit::paddle::Paddle::new("pdl_secret")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn paddle() -> Self {
        Tolerance::symmetric(Duration::from_secs(5))
    }
}
