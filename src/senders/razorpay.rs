//! Razorpay.
//!
//! | | |
//! |---|---|
//! | header | `X-Razorpay-Signature: <hex>` ¹ |
//! | signed | the raw body, HMAC-SHA256 keyed with the webhook secret set on the dashboard (not the API key secret) ¹ ² |
//! | rotation | after a secret changes, older events retried later are still signed with the old one ²: keep it with [`Razorpay::with_secret`] |
//! | replay | no timestamp is signed, so there is no window: deduplicate |
//! | delivery id | `x-razorpay-event-id`, unique per event ¹; **not signed**: a handler must not trust it beyond deduplication (anyone can copy a genuine body under another id), see [`Delivery::id`](crate::Delivery::id) |
//! | event | the body's `event` (`payment.captured`), `account_id`, `contains`, `payload`, `created_at` (Unix seconds) ³ |
//! | reply | any `2xx` within 5 seconds ¹ |
//! | retries | with exponential backoff for 24 hours after the event was created ²; the intervals are unpublished: [`RetrySchedule::razorpay`] is **our default** |
//!
//! Sources: ¹ [Razorpay: Webhooks](https://razorpay.com/docs/webhooks/)
//! (validate, idempotency, delivery);
//! ² [Razorpay: Webhooks FAQs](https://razorpay.com/docs/webhooks/faqs/);
//! ³ [Razorpay: Webhook payloads](https://razorpay.com/docs/webhooks/payloads/);
//! test vector: `razorpay-python` `tests/test_client_utility.py`
//! (`test_verify_webhook_signature`).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::razorpay::Razorpay;
//!
//! let receiver = Razorpay::new("rzp-webhook-secret")?;
//! let body = br#"{"entity": "event", "account_id": "acc_BFQ7uQEaa7j2z7", "event": "payment.captured",
//!     "contains": ["payment"], "payload": {"payment": {"entity": {"id": "pay_1"}}}, "created_at": 1700000000}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "payment.captured");
//! assert_eq!(event.data["payment"]["entity"]["id"], "pay_1");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde_json::Value;

use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, ReceiverCore, SignatureRule,
    described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret};

static RAZORPAY: Description = Description::body_signed(
    "Razorpay",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-razorpay-signature"),
        b"",
        Encoding::Hex,
    ),
    Some(IdRule {
        header: HeaderName::from_static("x-razorpay-event-id"),
        signed: false,
    }),
    ReplyRule::razorpay(),
    RetrySchedule::razorpay,
);

described_receiver! {
    /// A receiver for Razorpay (and RazorpayX) webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::razorpay::Razorpay::new("rzp_secret")?;
    /// assert!(!format!("{receiver:?}").contains("rzp_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Razorpay;
    description: RAZORPAY,
    event: Event,
    parse: parse,
    example: "webhook_kit::razorpay::Razorpay::new(\"rzp_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Razorpay {
    /// A receiver for deliveries signed with the webhook's secret (the
    /// one entered when the webhook was set up, not the API key secret).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::razorpay::Razorpay;
    ///
    /// assert!(Razorpay::new("rzp-webhook-secret").is_ok());
    /// assert!(Razorpay::new(" ").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(RAZORPAY.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Razorpay::from_core(ReceiverCore::new(&RAZORPAY, keys)))
    }
}

typed_event! {
    /// A Razorpay event.
    ///
    /// The body carries no event id:
    /// [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is empty. The event's id arrives in the unsigned `x-razorpay-event-id`
    /// header, as [`Delivery::id`](crate::Delivery::id).
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::razorpay::Razorpay::new("rzp_secret")?;
    /// let event = receiver.parse(br#"{"entity": "event", "event": "order.paid",
    ///     "contains": ["payment", "order"], "payload": {}, "created_at": 1704067200}"#)?;
    /// assert_eq!(event.contains, ["payment", "order"]);
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: the event id is the `x-razorpay-event-id` header.
        id,
        /// `event`, such as `payment.captured`.
        event_type from "event",
        /// `created_at` (Unix seconds).
        occurred_at from "created_at" as unix_seconds,
        /// `account_id`, such as `acc_BFQ7uQEaa7j2z7`.
        account_id from "account_id": Option<String>,
        /// `contains`: the entities in `payload`, such as `["payment"]`.
        contains from "contains": Vec<String>,
        /// `payload`: the entities, as sent.
        data from "payload": Value,
    }
}

impl RetrySchedule {
    /// Razorpay's redelivery, **our approximation**: Razorpay retries with
    /// exponential backoff for 24 hours after the event was created, each
    /// attempt allowed 5 seconds, but publishes no intervals. Ours waits
    /// 1 minute, doubling up to 4 hours: 13 attempts over about 20 hours.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::razorpay();
    /// assert_eq!(schedule.max_attempts(), 13);
    /// assert!(schedule.horizon() <= Duration::from_secs(24 * 3600));
    /// assert_eq!(schedule.timeout(), Some(Duration::from_secs(5)));
    /// ```
    pub fn razorpay() -> Self {
        RetrySchedule::exponential(
            Duration::from_secs(60),
            2,
            Duration::from_secs(4 * 3600),
            13,
        )
        .with_timeout(Duration::from_secs(5))
    }
}

impl ReplyRule {
    /// How Razorpay reads a reply: any `2xx` is delivered, as Razorpay
    /// publishes (within 5 seconds); anything else is retried. [`Razorpay`]
    /// starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::razorpay();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::razorpay::Razorpay::new("rzp_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn razorpay() -> Self {
        ReplyRule::any_2xx()
    }
}
