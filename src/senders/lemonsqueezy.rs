//! Lemon Squeezy.
//!
//! | | |
//! |---|---|
//! | header | `X-Signature: <hex>` ¹ |
//! | signed | the raw body, HMAC-SHA256 ("an HMAC hex digest") keyed with the webhook's signing secret ¹ |
//! | rotation | one signature per delivery ¹; several secrets may be accepted while the webhook's secret is changed (**our default**) |
//! | tolerance | none: nothing is timestamped ¹ |
//! | event | a JSON:API document: `meta.event_name` (also in the unsigned `X-Event-Name` header), `meta.custom_data` (from the checkout), `data` (`type`, `id`, `attributes`, …) ² |
//! | id | none: the body names the resource (`data.id`), not the event, so [`WebhookEvent::id`](crate::WebhookEvent::id) is empty |
//! | reply | `200`; "anything else" is retried ² |
//! | retries | up to three more times with exponential backoff, "e.g. 5 secs, 25 secs, 125 secs" ²: [`RetrySchedule::lemonsqueezy`] |
//!
//! The signing secret is whatever was typed when the webhook was created,
//! "normally a random string between 6 and 40 characters" ¹: any non-blank
//! secret is accepted. Lemon Squeezy publishes no test vector; the tests
//! check against an independent HMAC-SHA256.
//!
//! `X-Event-Name` is not signed, so the event's type is read from the
//! signed body (`meta.event_name`), never from the header.
//!
//! Sources: ¹ [Signing requests](https://docs.lemonsqueezy.com/help/webhooks/signing-requests);
//! ² [Webhook requests](https://docs.lemonsqueezy.com/help/webhooks/webhook-requests).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::lemonsqueezy::LemonSqueezy;
//!
//! let receiver = LemonSqueezy::new("ls-signing-secret")?;
//! let body = br#"{"meta": {"event_name": "order_created", "custom_data": {"user_id": "u_42"}},
//!     "data": {"type": "orders", "id": "1", "attributes": {"status": "paid", "total": 1199}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! assert_eq!(headers["x-event-name"], "order_created");
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "order_created");
//! assert_eq!(event.custom_data.as_ref().map(|c| &c["user_id"]), Some(&"u_42".into()));
//! assert_eq!(event.data["attributes"]["total"], 1199);
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::Deserialize;
use serde_json::Value;

use crate::engine::headers::header_value;
use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret};

/// `X-Event-Name`: the event's name, unsigned.
const EVENT_NAME: HeaderName = HeaderName::from_static("x-event-name");

static LEMON_SQUEEZY: Description = Description::body_signed(
    "LemonSqueezy",
    Algorithm::HmacSha256,
    SignatureRule::bare(HeaderName::from_static("x-signature"), b"", Encoding::Hex),
    None,
    ReplyRule::lemonsqueezy(),
    RetrySchedule::lemonsqueezy,
);

described_receiver! {
    /// A receiver for Lemon Squeezy webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::lemonsqueezy::LemonSqueezy::new("ls_secret")?;
    /// assert!(!format!("{receiver:?}").contains("ls_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct LemonSqueezy;
    description: LEMON_SQUEEZY,
    event: Event,
    parse: parse,
    example: "webhook_kit::lemonsqueezy::LemonSqueezy::new(\"ls_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    body_headers: event_name_header,
}

impl LemonSqueezy {
    /// A receiver for deliveries signed with the webhook's signing secret.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::lemonsqueezy::LemonSqueezy;
    ///
    /// assert!(LemonSqueezy::new("ls-signing-secret").is_ok());
    /// assert!(LemonSqueezy::new("  ").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(LEMON_SQUEEZY.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(LemonSqueezy::from_core(ReceiverCore::new(
            &LEMON_SQUEEZY,
            keys,
        )))
    }
}

typed_event! {
    /// A Lemon Squeezy event: its name, the checkout's custom data and the
    /// resource it is about.
    ///
    /// Lemon Squeezy sends no event id and no event time: `id` is empty
    /// and `occurred_at` is `None`; the resource's own times are in
    /// `data.attributes` (`created_at`, `updated_at`).
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::lemonsqueezy::LemonSqueezy::new("ls_secret")?;
    /// let event = receiver.parse(br#"{"meta": {"event_name": "subscription_updated"},
    ///     "data": {"type": "subscriptions", "id": "7", "attributes": {"status": "active"}}}"#)?;
    /// assert_eq!((event.event_type(), &*event.id()), ("subscription_updated", ""));
    /// assert_eq!((event.resource_type.as_str(), event.resource_id.as_str()), ("subscriptions", "7"));
    /// assert!(event.occurred_at().is_none());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Lemon Squeezy's events carry no id of their own.
        id,
        /// `meta.event_name`, such as `order_created` or
        /// `subscription_payment_success`.
        event_type,
        /// Always `None`: no event time is sent.
        occurred_at,
        /// `meta.custom_data`: what the checkout was given, on order,
        /// subscription and license key events.
        custom_data: Option<Value>,
        /// `data.type`, such as `orders` or `subscriptions` (empty if absent).
        resource_type: String,
        /// `data.id`: the resource's id, shared by every event about it
        /// (empty if absent).
        resource_id: String,
        /// `data`: the JSON:API resource object, as sent (`null` if absent).
        data: Value,
    }
}

#[derive(Deserialize)]
struct Envelope {
    meta: Meta,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct Meta {
    event_name: String,
    #[serde(default)]
    custom_data: Option<Value>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let text = |key: &str| {
        match envelope.data.get(key) {
            Some(Value::String(text)) => text.clone(),
            // JSON:API ids are strings; a number is kept as its text.
            Some(Value::Number(number)) => number.to_string(),
            _ => String::new(),
        }
    };
    Ok(Event {
        id: String::new(),
        event_type: envelope.meta.event_name,
        occurred_at: None,
        custom_data: envelope.meta.custom_data,
        resource_type: text("type"),
        resource_id: text("id"),
        data: envelope.data.clone(),
        raw: parse_body(body)?,
    })
}

/// Adds `X-Event-Name`, as Lemon Squeezy does, when the body names its
/// event; a body that does not (signing arbitrary bytes in tests) gets none.
fn event_name_header(body: &[u8], headers: &mut HeaderMap) -> Result<(), Error> {
    if let Ok(Envelope { meta, .. }) = serde_json::from_slice::<Envelope>(body) {
        headers.insert(EVENT_NAME, header_value(meta.event_name)?);
    }
    Ok(())
}

impl RetrySchedule {
    /// Lemon Squeezy's redelivery: a reply other than `200` is retried up
    /// to three more times with exponential backoff, "e.g. 5 secs, 25 secs,
    /// 125 secs" (Lemon Squeezy's own example, taken as the schedule).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::lemonsqueezy();
    /// assert_eq!(schedule.max_attempts(), 4);
    /// assert_eq!(schedule.horizon(), Duration::from_secs(155));
    /// ```
    pub fn lemonsqueezy() -> Self {
        RetrySchedule::exponential(Duration::from_secs(5), 5, Duration::from_secs(125), 4)
    }
}

impl ReplyRule {
    /// How Lemon Squeezy reads a reply: only `200` is delivered; "anything
    /// else" is retried, as Lemon Squeezy publishes. [`LemonSqueezy`] starts
    /// with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::lemonsqueezy();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::lemonsqueezy::LemonSqueezy::new("ls_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn lemonsqueezy() -> Self {
        ReplyRule::codes(&[200])
    }
}
