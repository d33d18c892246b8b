//! Shopify (HTTPS webhook subscriptions).
//!
//! | | |
//! |---|---|
//! | header | `X-Shopify-Hmac-Sha256: <base64>` ¹ (also `shopify-hmac-sha256`, the Events product's name ⁴) |
//! | signed | the raw body, HMAC-SHA256 keyed with the app's client secret as text ¹ |
//! | tolerance | none: nothing is timestamped; deduplicate on `X-Shopify-Webhook-Id` ² (unsigned: see below) |
//! | event | topic in `X-Shopify-Topic`, delivery id in `X-Shopify-Webhook-Id`, `X-Shopify-Event-Id` shared by one action's deliveries, `X-Shopify-Triggered-At`, `X-Shopify-Shop-Domain`, `X-Shopify-API-Version` ² |
//! | body | the topic's REST resource as JSON, no envelope ² |
//! | reply | any `2xx` within 5 s (1 s to connect); 3xx and everything else are errors ³ |
//! | retries | 8 retries over 4 hours, exponential back off (since 2024-09-10) ⁵ — intervals unpublished: [`RetrySchedule::shopify`] is **our default** |
//! | unsigned | every header but the HMAC: `X-Shopify-Topic`, `X-Shopify-Webhook-Id`, `X-Shopify-Event-Id`, `X-Shopify-Triggered-At`, `X-Shopify-Shop-Domain`, `X-Shopify-API-Version` (the MAC covers the body alone ¹) |
//!
//! **What a handler must not trust.** A captured delivery verifies forever
//! (nothing is timestamped) with any unsigned header rewritten: sent again
//! with `X-Shopify-Shop-Domain: other-tenant.myshopify.com` it still
//! verifies, so **never pick the tenant (shop, its secret or its data) from
//! that header** alone: with one app secret shared by every shop, one
//! shop's delivery would land in another's account. Check the domain
//! against the signed body where the topic's resource names the shop, or
//! give each shop its own endpoint. Likewise `X-Shopify-Topic` (a captured
//! `orders/create` sent as `customers/redact`), the time and the ids:
//! [`Delivery::id_is_signed`] is `false`, and deduplicating on
//! `X-Shopify-Webhook-Id` does not catch a replay under a new id: key on
//! [`dedup::content_key`](crate::dedup::content_key)`(body)` for that. A
//! delivery without `X-Shopify-Webhook-Id` has no id, and
//! [`ExactlyOnce`](crate::dedup::ExactlyOnce) processes it without
//! deduplication ([`Handled::NoId`](crate::dedup::Handled::NoId)).
//!
//! After 8 consecutive failures Shopify deletes a subscription made through
//! the Admin API ³. Retried deliveries carry the original payload ⁵: compare
//! `X-Shopify-Triggered-At` to spot stale ones.
//!
//! **Our defaults**, where Shopify publishes nothing: several secrets may be
//! accepted at once — after a rotation Shopify may sign with the old secret
//! for "up to an hour" ¹, so keep both that long; the retry intervals; a
//! delivery without the id, topic or time headers still verifies, with
//! those fields empty; `X-Shopify-Triggered-At` is read as RFC 3339, and
//! anything else reads as no time; a delivery signed by
//! [`Provider::sign_at`](crate::Provider::sign_at) carries a webhook id
//! derived from the body (the same body keeps it) and no topic, while
//! [`Shopify::sign_event_at`] sets the topic, the id and the time.
//!
//! Sources: ¹ [Verify webhook deliveries](https://shopify.dev/docs/apps/build/webhooks/verify-deliveries);
//! ² [Webhooks delivery structure](https://shopify.dev/docs/apps/build/webhooks/delivery-structure);
//! ³ [HTTPS delivery](https://shopify.dev/docs/apps/build/webhooks/subscribe/https);
//! ⁴ [Verify Events deliveries](https://shopify.dev/docs/apps/build/events/verify-deliveries);
//! ⁵ [Updates to webhook retry mechanism](https://shopify.dev/changelog/updates-to-webhook-retry-mechanism).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::shopify::Shopify;
//!
//! let receiver = Shopify::new("shopify-client-secret")?;
//! let body = br#"{"id": 9554194432293, "title": "T-Shirt"}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_event_at("products/update", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "products/update");
//! assert_eq!(event.id(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
//! assert_eq!(event.raw["title"], "T-Shirt");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::headers::{body_uuid, header_text, header_value};
use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, ReceiverCore, SignatureRule,
    described_receiver,
};
use crate::{Delivery, Error, ReplyRule, RetrySchedule, Secret, WebhookEvent};

/// `X-Shopify-Topic`: the event's topic, such as `products/update`.
///
/// ```
/// use webhook_kit::shopify::{self, Shopify};
///
/// let receiver = Shopify::new("shpss_secret")?;
/// let headers = receiver.sign_event_at("products/update", "w-1", b"{}", time::OffsetDateTime::now_utc())?;
/// assert_eq!(headers[shopify::TOPIC_HEADER], "products/update");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const TOPIC_HEADER: HeaderName = HeaderName::from_static("x-shopify-topic");
/// `X-Shopify-Webhook-Id`: the delivery's unique id.
///
/// ```
/// use webhook_kit::shopify::{self, Shopify};
///
/// let receiver = Shopify::new("shpss_secret")?;
/// let headers = receiver.sign_event_at("orders/create", "w-42", b"{}", time::OffsetDateTime::now_utc())?;
/// assert_eq!(headers[shopify::WEBHOOK_ID_HEADER], "w-42");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const WEBHOOK_ID_HEADER: HeaderName = HeaderName::from_static("x-shopify-webhook-id");
/// `X-Shopify-Triggered-At`: when Shopify triggered the delivery.
///
/// ```
/// use webhook_kit::shopify::{self, Shopify};
///
/// let receiver = Shopify::new("shpss_secret")?;
/// let at = time::OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("in range");
/// let headers = receiver.sign_event_at("orders/create", "w-1", b"{}", at)?;
/// assert_eq!(headers[shopify::TRIGGERED_AT_HEADER], "2023-11-14T22:13:20Z");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const TRIGGERED_AT_HEADER: HeaderName = HeaderName::from_static("x-shopify-triggered-at");

/// Each header under the webhook name, then the Events product's name.
const TOPIC: [HeaderName; 2] = [TOPIC_HEADER, HeaderName::from_static("shopify-topic")];
const EVENT_ID: [HeaderName; 2] = [
    HeaderName::from_static("x-shopify-event-id"),
    HeaderName::from_static("shopify-event-id"),
];
const TRIGGERED_AT: [HeaderName; 2] = [
    TRIGGERED_AT_HEADER,
    HeaderName::from_static("shopify-triggered-at"),
];
const SHOP_DOMAIN: [HeaderName; 2] = [
    HeaderName::from_static("x-shopify-shop-domain"),
    HeaderName::from_static("shopify-shop-domain"),
];
const API_VERSION: [HeaderName; 2] = [
    HeaderName::from_static("x-shopify-api-version"),
    HeaderName::from_static("shopify-api-version"),
];
/// The signature header's name in the Events product.
static EVENTS_SIGNATURE: [HeaderName; 1] = [HeaderName::from_static("shopify-hmac-sha256")];

static SHOPIFY: Description = Description::body_signed(
    "Shopify",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-shopify-hmac-sha256"),
        b"",
        Encoding::Base64,
    ),
    Some(IdRule {
        header: WEBHOOK_ID_HEADER,
        signed: false,
    }),
    ReplyRule::shopify(),
    RetrySchedule::shopify,
);

impl ReplyRule {
    /// How Shopify reads replies: any `2xx` is success; "any response
    /// outside the 200 range, including 3XX codes, is treated as an error".
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let reply = |status: u16| http::Response::builder().status(status).body("").unwrap();
    /// assert_eq!(ReplyRule::shopify().classify(&reply(200)), Outcome::Delivered);
    /// // "including 3XX codes"
    /// assert_eq!(ReplyRule::shopify().classify(&reply(301)), Outcome::Retry);
    /// ```
    pub const fn shopify() -> Self {
        ReplyRule::any_2xx()
    }
}

/// How Shopify reads replies.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::shopify::REPLY_RULE, webhook_kit::ReplyRule::shopify());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::shopify()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::shopify();

described_receiver! {
    /// A receiver for Shopify webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::shopify::Shopify::new("shpss_secret")?;
    /// assert!(!format!("{receiver:?}").contains("shpss_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Shopify;
    description: SHOPIFY,
    event: Event,
    parse: parse,
    example: "webhook_kit::shopify::Shopify::new(\"shpss_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    headers_into_event: read_headers,
    sign_event: name_topic,
    // `sign_at`'s webhook id is derived from the body: the same body keeps it,
    // as a redelivery does.
    sign_id: body_uuid,
}

impl Shopify {
    /// A receiver for deliveries signed with the app's client secret.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::shopify::Shopify;
    ///
    /// assert!(Shopify::new("shpss_secret").is_ok());
    /// assert!(Shopify::new("").is_err());
    /// ```
    pub fn new(client_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(SHOPIFY.algorithm, client_secret.into()).map_err(Self::secret_error)?;
        let core = ReceiverCore::new(&SHOPIFY, keys).with_signature_aliases(&EVENTS_SIGNATURE);
        Ok(Shopify::from_core(core))
    }

    /// The headers Shopify sends with `body` for topic `topic` and delivery
    /// `webhook_id`, triggered at `now`.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] for a topic or id a header cannot carry.
    ///
    /// ```
    /// #![allow(deprecated)]
    /// use webhook_kit::shopify::Shopify;
    ///
    /// let receiver = Shopify::new("shpss_secret")?;
    /// let headers = receiver.sign_topic_at("orders/create", "w-1", b"{}", time::OffsetDateTime::now_utc())?;
    /// assert_eq!(headers["x-shopify-topic"], "orders/create");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[deprecated(since = "0.2.0", note = "use `Shopify::sign_event_at`")]
    pub fn sign_topic_at(
        &self,
        topic: &str,
        webhook_id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        self.sign_event_at(topic, webhook_id, body, now)
    }
}

/// A Shopify delivery: the headers that describe it and the resource.
///
/// Shopify's bodies have no envelope, so everything but `raw` is filled by
/// [`Provider::receive_at`](crate::Provider::receive_at) and
/// `verify_and_parse*`, and is empty after
/// [`Provider::parse`](crate::Provider::parse) alone.
///
/// **Signed:** `raw` only. Every other field comes from a header the
/// HMAC does not cover and may have been rewritten on a captured delivery:
/// never choose the tenant from `shop_domain`, nor act on `topic` alone
/// (see the [module docs](self)).
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::shopify::Shopify;
///
/// let receiver = Shopify::new("shpss_secret")?;
/// let now = time::OffsetDateTime::now_utc();
/// let body = br#"{"id": 820982911946154508, "title": "Board"}"#;
/// let headers = receiver.sign_event_at("products/update", "w-1", body, now)?;
/// let event = receiver.receive_at(&headers, body, now)?.event;
/// assert_eq!(event.topic.as_deref(), Some("products/update"));
/// assert_eq!(event.id(), "w-1"); // the webhook id: deduplicate on it
/// assert_eq!(event.raw["title"], "Board");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// `X-Shopify-Topic`, such as `orders/create`. Unsigned.
    pub topic: Option<String>,
    /// `X-Shopify-Webhook-Id`: unique per delivery, the key to deduplicate
    /// Shopify's own retries on. Unsigned: a replay under a new id is caught
    /// only by [`content_key`](crate::dedup::content_key) of the body.
    pub webhook_id: Option<String>,
    /// `X-Shopify-Event-Id`: shared by every delivery one merchant action
    /// caused. Unsigned.
    pub event_id: Option<String>,
    /// `X-Shopify-Triggered-At`. Unsigned.
    #[serde(with = "time::serde::rfc3339::option")]
    pub triggered_at: Option<OffsetDateTime>,
    /// `X-Shopify-Shop-Domain`, the shop's `myshopify.com` domain.
    /// **Unsigned: not proof of which shop sent the delivery.**
    pub shop_domain: Option<String>,
    /// `X-Shopify-API-Version`, the version the resource is serialised in.
    /// Unsigned.
    pub api_version: Option<String>,
    /// The resource, the whole body as JSON: the only signed field.
    pub raw: Value,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.webhook_id.as_deref().unwrap_or(""))
    }

    fn event_type(&self) -> &str {
        self.topic.as_deref().unwrap_or("")
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.triggered_at
    }
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    Ok(Event {
        topic: None,
        webhook_id: None,
        event_id: None,
        triggered_at: None,
        shop_domain: None,
        api_version: None,
        raw: parse_body(body)?,
    })
}

/// The first of a header's names a request carries, as text.
fn first_header(headers: &HeaderMap, names: &[HeaderName]) -> Option<String> {
    names.iter().find_map(|name| header_text(headers, name))
}

/// Fills the event's header fields once the request has verified.
fn read_headers(event: &mut Event, headers: &HeaderMap, delivery: &Delivery) {
    event.webhook_id = delivery.id().map(str::to_owned);
    event.topic = first_header(headers, &TOPIC);
    event.event_id = first_header(headers, &EVENT_ID);
    event.triggered_at = first_header(headers, &TRIGGERED_AT)
        .and_then(|text| OffsetDateTime::parse(&text, &Rfc3339).ok());
    event.shop_domain = first_header(headers, &SHOP_DOMAIN);
    event.api_version = first_header(headers, &API_VERSION);
}

/// `sign_event_at`'s topic, and the time Shopify triggered the delivery.
fn name_topic(topic: &str, now: OffsetDateTime, headers: &mut HeaderMap) -> Result<(), Error> {
    headers.insert(TOPIC_HEADER, header_value(topic)?);
    let triggered = now
        .format(&Rfc3339)
        .map_err(|_| Error::Signing("the time cannot be written as RFC 3339"))?;
    headers.insert(TRIGGERED_AT_HEADER, header_value(triggered)?);
    Ok(())
}

const MINUTE: u64 = 60;

static SHOPIFY_DELAYS: [Duration; 8] = [
    Duration::from_secs(MINUTE),
    Duration::from_secs(2 * MINUTE),
    Duration::from_secs(4 * MINUTE),
    Duration::from_secs(8 * MINUTE),
    Duration::from_secs(15 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(60 * MINUTE),
    Duration::from_secs(120 * MINUTE),
];

impl RetrySchedule {
    /// Shopify's schedule: "retried a total of 8 times over 4 hours using an
    /// exponential backoff schedule" (since 2024-09-10). The intervals are
    /// **our default**, as Shopify publishes none: 1, 2, 4, 8, 15, 30, 60 and
    /// 120 minutes, 9 attempts over 4 h. The timeout is Shopify's published
    /// 5 s for the whole request.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::shopify();
    /// assert_eq!(s.max_attempts(), 9);
    /// assert_eq!(s.horizon().as_secs(), 4 * 3600);
    /// assert_eq!(s.timeout(), Some(std::time::Duration::from_secs(5)));
    /// ```
    pub fn shopify() -> Self {
        RetrySchedule::from_static(&SHOPIFY_DELAYS).with_timeout(Duration::from_secs(5))
    }
}
