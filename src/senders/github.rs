//! GitHub (repository, organization and app webhooks).
//!
//! | | |
//! |---|---|
//! | header | `X-Hub-Signature-256: sha256=<hex>` ¹ |
//! | signed | the raw body, HMAC-SHA256 keyed with the webhook's secret as UTF-8 text ¹ |
//! | tolerance | none: nothing is timestamped; deduplicate on `X-GitHub-Delivery` ² (unsigned: see below) |
//! | event | type in `X-GitHub-Event`, id in `X-GitHub-Delivery` (kept by a manual redelivery) ³ |
//! | body | the event's JSON, or a form with the JSON in its `payload` field (content type per hook) ⁴ |
//! | reply | any `2xx` within 10 s ² |
//! | retries | none: "GitHub does not automatically redeliver failed deliveries" ⁵ |
//! | unsigned | every header but the signature: `X-GitHub-Event`, `X-GitHub-Delivery`, `X-GitHub-Hook-ID`, `X-GitHub-Hook-Installation-Target-*` (the MAC covers the body alone ¹) |
//!
//! **What a handler must not trust.** A captured delivery verifies forever
//! (nothing is timestamped) with any unsigned header rewritten: another
//! event type, another delivery GUID, another hook or installation id. Take
//! the repository, organization or installation from the signed body, never
//! from a header; [`Delivery::id_is_signed`] is `false`. Deduplicating on
//! `X-GitHub-Delivery` catches GitHub's own manual redeliveries (same GUID)
//! but not a replay under a new one: key on
//! [`dedup::content_key`](crate::dedup::content_key)`(body)` to catch both.
//! A delivery without `X-GitHub-Delivery` has no id, and
//! [`ExactlyOnce`](crate::dedup::ExactlyOnce) processes it without
//! deduplication ([`Handled::NoId`](crate::dedup::Handled::NoId)) rather
//! than on an empty key.
//!
//! **Our defaults**, where GitHub publishes nothing: hex in either case is
//! accepted (GitHub's examples are lowercase); several secrets may be
//! accepted at once for rotation (GitHub sends one signature); the legacy
//! SHA-1 `X-Hub-Signature` header is ignored, as GitHub recommends; a
//! delivery without `X-GitHub-Delivery` or `X-GitHub-Event` still verifies,
//! and the event's id or type is then empty; a delivery signed by
//! [`Provider::sign_at`](crate::Provider::sign_at) carries a GUID derived
//! from the body (the same body keeps it) and no event type, while
//! [`GitHub::sign_event_at`] sets both.
//!
//! Sources: ¹ [Validating webhook deliveries](https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries)
//! (also the test vector below); ² [Best practices for using webhooks](https://docs.github.com/en/webhooks/using-webhooks/best-practices-for-using-webhooks);
//! ³ [Webhook events and payloads, delivery headers](https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers);
//! ⁴ `github/docs` `data/reusables/webhooks/content_type.md`;
//! ⁵ [Handling failed webhook deliveries](https://docs.github.com/en/webhooks/using-webhooks/handling-failed-webhook-deliveries).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::github::GitHub;
//!
//! let receiver = GitHub::new("It's a Secret to Everybody")?;
//! let body = br#"{"action": "opened", "issue": {"number": 1}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_event_at("issues", "72d3162e-cc78-11e3-81ab-4c9367dc0958", body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "issues");
//! assert_eq!(event.id(), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
//! assert_eq!(event.action.as_deref(), Some("opened"));
//! assert_eq!(event.raw["issue"]["number"], 1);
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::engine::headers::{body_uuid, header_text, header_value};
use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, ReceiverCore, SignatureRule,
    described_receiver,
};
use crate::{Delivery, Error, ReplyRule, RetrySchedule, Secret, WebhookEvent};

/// `X-GitHub-Event`: the event's type.
///
/// ```
/// use webhook_kit::github::{self, GitHub};
///
/// let receiver = GitHub::new("gh-secret")?;
/// let headers = receiver.sign_event_at("push", "d-7", b"{}", time::OffsetDateTime::now_utc())?;
/// assert_eq!(headers[github::EVENT_HEADER], "push");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const EVENT_HEADER: HeaderName = HeaderName::from_static("x-github-event");
/// `X-GitHub-Delivery`: the event's GUID.
///
/// ```
/// use webhook_kit::github::{self, GitHub};
///
/// let receiver = GitHub::new("gh-secret")?;
/// let headers = receiver.sign_event_at("push", "d-7", b"{}", time::OffsetDateTime::now_utc())?;
/// // The GUID to deduplicate on: a redelivery carries the same one.
/// assert_eq!(headers[github::DELIVERY_HEADER], "d-7");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const DELIVERY_HEADER: HeaderName = HeaderName::from_static("x-github-delivery");
const HOOK_ID: HeaderName = HeaderName::from_static("x-github-hook-id");
const TARGET_TYPE: HeaderName = HeaderName::from_static("x-github-hook-installation-target-type");
const TARGET_ID: HeaderName = HeaderName::from_static("x-github-hook-installation-target-id");

static GITHUB: Description = Description::body_signed(
    "GitHub",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-hub-signature-256"),
        b"sha256=",
        Encoding::Hex,
    ),
    Some(IdRule {
        header: DELIVERY_HEADER,
        signed: false,
    }),
    ReplyRule::github(),
    RetrySchedule::github,
);

impl ReplyRule {
    /// How GitHub reads replies: any `2xx` is success; anything else is a
    /// failed delivery.
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let reply = |status: u16| http::Response::builder().status(status).body("").unwrap();
    /// assert_eq!(ReplyRule::github().classify(&reply(202)), Outcome::Delivered);
    /// assert_eq!(ReplyRule::github().classify(&reply(302)), Outcome::Retry);
    /// ```
    pub const fn github() -> Self {
        ReplyRule::any_2xx()
    }
}

/// How GitHub reads replies.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::github::REPLY_RULE, webhook_kit::ReplyRule::github());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::github()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::github();

described_receiver! {
    /// A receiver for GitHub webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::github::GitHub::new("gh-secret")?;
    /// assert!(!format!("{receiver:?}").contains("gh-secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct GitHub;
    description: GITHUB,
    event: Event,
    parse: parse,
    example: "webhook_kit::github::GitHub::new(\"gh-secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    headers_into_event: read_headers,
    sign_event: name_event,
    // `sign_at`'s GUID is derived from the body: the same body keeps it,
    // as a redelivery does.
    sign_id: body_uuid,
}

impl GitHub {
    /// A receiver for deliveries signed with the webhook's `secret`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    /// (GitHub sends no signature at all for a webhook without a secret;
    /// such deliveries cannot be authenticated.)
    ///
    /// ```
    /// use webhook_kit::github::GitHub;
    ///
    /// assert!(GitHub::new("gh-secret").is_ok());
    /// assert!(GitHub::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(GITHUB.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(GitHub::from_core(ReceiverCore::new(&GITHUB, keys)))
    }
}

/// A GitHub event: the headers that name it and the body as JSON.
///
/// GitHub's payloads have no envelope: the type and the id are only in the
/// headers, so [`WebhookEvent::event_type`] and [`WebhookEvent::id`] are
/// filled by [`Provider::receive_at`](crate::Provider::receive_at) and
/// `verify_and_parse*`, and are empty after
/// [`Provider::parse`](crate::Provider::parse) alone.
///
/// **Signed:** the body only. The type, the id and the hook fields come
/// from headers the signature does not cover, and anyone holding a captured
/// delivery can change them (see the [module docs](self)).
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::github::GitHub;
///
/// let receiver = GitHub::new("gh-secret")?;
/// let now = time::OffsetDateTime::now_utc();
/// let body = br#"{"action": "opened", "issue": {"number": 7}}"#;
/// let headers = receiver.sign_event_at("issues", "d-1", body, now)?;
/// let event = receiver.receive_at(&headers, body, now)?.event;
/// assert_eq!((event.event_type(), event.id().as_ref()), ("issues", "d-1"));
/// assert_eq!(event.action.as_deref(), Some("opened"));
/// assert_eq!(event.raw["issue"]["number"], 7);
/// // The type lives in a header, so `parse` alone cannot know it.
/// assert_eq!(receiver.parse(body)?.event_type(), "");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// `X-GitHub-Event`, such as `issues`, `push` or `ping`. Unsigned.
    pub event_type: Option<String>,
    /// `X-GitHub-Delivery`, the GUID GitHub keeps across redeliveries.
    /// Unsigned: a replay under a new GUID is caught only by
    /// [`content_key`](crate::dedup::content_key) of the body.
    pub delivery: Option<String>,
    /// `X-GitHub-Hook-ID`, the webhook's id. Unsigned.
    pub hook_id: Option<String>,
    /// `X-GitHub-Hook-Installation-Target-Type` (`repository`, `organization`, `app`, …). Unsigned.
    pub target_type: Option<String>,
    /// `X-GitHub-Hook-Installation-Target-ID`. Unsigned: take the
    /// installation from the signed body.
    pub target_id: Option<String>,
    /// The body's `action` (`opened`, `closed`, …), where it has one.
    pub action: Option<String>,
    /// The body as JSON, whole (a form body's `payload` field, read): the
    /// only signed field (with `action`, read from it).
    pub raw: Value,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.delivery.as_deref().unwrap_or(""))
    }

    fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or("")
    }

    /// GitHub's envelope has no time; payloads carry their own
    /// (`created_at`, `updated_at`, …) per event type.
    fn occurred_at(&self) -> Option<OffsetDateTime> {
        None
    }
}

/// Reads a JSON body, or a form body's `payload` field (hooks set to
/// `application/x-www-form-urlencoded`). In the latter case, error
/// positions point into the decoded `payload` text.
fn parse(body: &[u8]) -> Result<Event, Error> {
    let raw: Value = if crate::engine::form::starts_as_json_object(body) {
        parse_body(body)?
    } else {
        let fields = crate::engine::form::field_map(body);
        let text = fields.get("payload").ok_or_else(|| {
            Error::payload_at(
                "expected a JSON object or a form with a `payload` field".into(),
                body,
                0,
            )
        })?;
        parse_body(text.as_bytes())?
    };
    Ok(Event {
        event_type: None,
        delivery: None,
        hook_id: None,
        target_type: None,
        target_id: None,
        action: raw.get("action").and_then(Value::as_str).map(str::to_owned),
        raw,
    })
}

/// Fills the event's header fields once the request has verified.
fn read_headers(event: &mut Event, headers: &HeaderMap, delivery: &Delivery) {
    event.delivery = delivery.id().map(str::to_owned);
    event.event_type = header_text(headers, &EVENT_HEADER);
    event.hook_id = header_text(headers, &HOOK_ID);
    event.target_type = header_text(headers, &TARGET_TYPE);
    event.target_id = header_text(headers, &TARGET_ID);
}

/// `sign_event_at`'s `X-GitHub-Event`.
fn name_event(event: &str, _now: OffsetDateTime, headers: &mut HeaderMap) -> Result<(), Error> {
    headers.insert(EVENT_HEADER, header_value(event)?);
    Ok(())
}

impl RetrySchedule {
    /// GitHub's schedule: one attempt. "GitHub does not automatically
    /// redeliver failed deliveries"; redelivery is by hand, from the UI or
    /// the REST API. A reply is due within 10 s (GitHub Enterprise Server:
    /// 30 s), so [`RetrySchedule::timeout`] is 10 s.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::github();
    /// assert_eq!(s.max_attempts(), 1);
    /// assert_eq!(s.timeout(), Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn github() -> Self {
        RetrySchedule::none().with_timeout(Duration::from_secs(10))
    }
}
