//! Stripe (snapshot events).
//!
//! | | |
//! |---|---|
//! | header | `Stripe-Signature: t=<unix>,v1=<hex>[,v1=<hex>…][,v0=<hex>]` ¹ |
//! | signed | `"<t>." + raw body`, HMAC-SHA256 keyed with the whole `whsec_…` signing secret as text ¹ ² |
//! | versions | only `v1` is checked; `v0` (test events) and other schemes are ignored, against downgrades ¹ |
//! | rotation | one `v1` per active secret while a secret is rolled (up to 24 h) ¹ |
//! | tolerance | 300 s into the past, as Stripe's libraries ¹; 300 s into the future (**our default**: the libraries do not check) |
//! | event | the body's `id`, `type`, `created`, `livemode`, `api_version`, `data.object`, `data.previous_attributes` ³ |
//! | reply | any `2xx`; redirects and everything else are failures ¹ |
//! | retries | "up to three days with an exponential back off" in live mode ¹ — intervals unpublished: [`RetrySchedule::stripe`] is **our default** |
//!
//! Stripe signs each retry anew, with a new timestamp. Events can arrive out
//! of order or twice: deduplicate on the event's `id`.
//!
//! **Our defaults**, where Stripe publishes nothing: the 300 s future bound;
//! a 10 s reply timeout. A `Stripe-Signature` item without `=`, or of a
//! scheme other than `t` and `v1`, is skipped, as Stripe's SDKs skip it; a
//! header with no `v1` signature or no `t` is malformed.
//!
//! Sources: ¹ [Receive Stripe events in your webhook endpoint](https://docs.stripe.com/webhooks)
//! (verify signatures manually, preventing replay attacks, roll endpoint
//! signing secrets, retry behaviour); ² `stripe/stripe-ruby`
//! `lib/stripe/webhook.rb` (the secret is the key as given, default
//! tolerance 300 s); ³ [The Event object](https://docs.stripe.com/api/events/object).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::stripe::Stripe;
//!
//! let receiver = Stripe::new("whsec_test_secret")?;
//! let body = br#"{"id": "evt_1", "object": "event", "type": "invoice.paid", "created": 1686089970,
//!                 "livemode": false, "data": {"object": {"id": "in_1"}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("invoice.paid", "evt_1"));
//! assert_eq!(event.object["id"], "in_1");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::unix_time;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance, WebhookEvent};

static STRIPE: Description = Description {
    name: "Stripe",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::t_v1(HeaderName::from_static("stripe-signature"), Encoding::Hex),
    timestamp: Some(TimestampRule::signature_item(TimeFormat::UnixSeconds)),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b"."), Part::Body],
    tolerance: Tolerance::stripe(),
    reply: ReplyRule::stripe(),
    retries: RetrySchedule::stripe,
    sent_with: &[],
};

impl Tolerance {
    /// Stripe's window: 300 s into the past, as Stripe's libraries; 300 s
    /// into the future, **our default** (the libraries check no future
    /// bound).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Provider, Tolerance};
    /// use webhook_kit::stripe::Stripe;
    ///
    /// let receiver = Stripe::new("whsec_abc")?;
    /// assert_eq!(receiver.tolerance(), Tolerance::stripe());
    /// let now = time::OffsetDateTime::now_utc();
    /// let late = receiver.sign_at(b"{}", now - Duration::from_secs(301))?;
    /// assert!(receiver.verify_at(&late, b"{}", now).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn stripe() -> Self {
        Tolerance::symmetric(Duration::from_secs(300))
    }
}

/// Stripe's window.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::stripe::DEFAULT_TOLERANCE, webhook_kit::Tolerance::stripe());
/// ```
#[deprecated(since = "0.2.0", note = "use `Tolerance::stripe()`")]
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::stripe();

impl ReplyRule {
    /// How Stripe reads replies: any `2xx` is success; redirects and every
    /// other status are failures.
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let reply = |status: u16| http::Response::builder().status(status).body("").unwrap();
    /// assert_eq!(ReplyRule::stripe().classify(&reply(200)), Outcome::Delivered);
    /// assert_eq!(ReplyRule::stripe().classify(&reply(307)), Outcome::Retry);
    /// ```
    pub const fn stripe() -> Self {
        ReplyRule::any_2xx()
    }
}

/// How Stripe reads replies.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::stripe::REPLY_RULE, webhook_kit::ReplyRule::stripe());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::stripe()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::stripe();

described_receiver! {
    /// A receiver for Stripe webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::stripe::Stripe::new("whsec_abc")?;
    /// assert!(!format!("{receiver:?}").contains("whsec_abc"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Stripe;
    description: STRIPE,
    event: Event,
    parse: parse,
    example: "webhook_kit::stripe::Stripe::new(\"whsec_abc\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Stripe {
    /// A receiver for deliveries signed with the endpoint's signing secret
    /// (`whsec_…`, used whole as the key: it is not base64-decoded, unlike a
    /// Standard Webhooks secret).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::stripe::Stripe;
    ///
    /// assert!(Stripe::new("whsec_from_the_dashboard").is_ok());
    /// assert!(Stripe::new(" ").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(STRIPE.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Stripe::from_core(ReceiverCore::new(&STRIPE, keys)))
    }
}

/// A Stripe event (an `Event` object, "snapshot" style).
///
/// Every type is kept: the object is JSON, and so is the whole event, so a
/// type this crate has never heard of is not an error.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::stripe::Stripe;
///
/// let receiver = Stripe::new("whsec_abc")?;
/// let body = br#"{"id": "evt_1", "object": "event", "type": "customer.updated",
///     "created": 1700000000, "livemode": false,
///     "data": {"object": {"id": "cus_1", "name": "Ada"}, "previous_attributes": {"name": "A"}}}"#;
/// let now = time::OffsetDateTime::now_utc();
/// let headers = receiver.sign_at(body, now)?;
/// let event = receiver.receive_at(&headers, body, now)?.event;
/// assert_eq!((event.id(), event.event_type()), ("evt_1".into(), "customer.updated"));
/// assert_eq!(event.object["name"], "Ada");
/// assert_eq!(event.previous_attributes.as_ref().map(|old| &old["name"]), Some(&"A".into()));
/// assert_eq!(event.created.map(|t| t.unix_timestamp()), Some(1_700_000_000));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// `id`, such as `evt_1NG8Du2eZvKYlo2CUI79vXWy`.
    pub id: String,
    /// `type`, such as `setup_intent.created`.
    pub event_type: String,
    /// `created`: when the event was created (Unix seconds in the body).
    #[serde(with = "time::serde::rfc3339::option")]
    pub created: Option<OffsetDateTime>,
    /// `livemode`.
    pub livemode: Option<bool>,
    /// `api_version` (absent for events before 2014-10-31).
    pub api_version: Option<String>,
    /// `account`, for Connect events.
    pub account: Option<String>,
    /// `data.object`: the resource as of the event.
    pub object: Value,
    /// `data.previous_attributes`: changed fields' old values (`*.updated` events).
    pub previous_attributes: Option<Value>,
    /// The whole event, as sent.
    pub raw: Value,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }

    fn event_type(&self) -> &str {
        &self.event_type
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.created
    }
}

#[derive(Deserialize)]
struct Envelope {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    created: Option<i64>,
    livemode: Option<bool>,
    api_version: Option<String>,
    account: Option<String>,
    data: Option<Data>,
}

#[derive(Default, Deserialize)]
struct Data {
    #[serde(default)]
    object: Value,
    previous_attributes: Option<Value>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let data = envelope.data.unwrap_or_default();
    Ok(Event {
        id: envelope.id,
        event_type: envelope.event_type,
        created: unix_time(envelope.created, false),
        livemode: envelope.livemode,
        api_version: envelope.api_version,
        account: envelope.account,
        object: data.object,
        previous_attributes: data.previous_attributes.filter(|v| !v.is_null()),
        raw: parse_body(body)?,
    })
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

static STRIPE_DELAYS: [Duration; 9] = [
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(HOUR),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(4 * HOUR),
    Duration::from_secs(8 * HOUR),
    Duration::from_secs(16 * HOUR),
    Duration::from_secs(24 * HOUR),
    Duration::from_secs(16 * HOUR + 25 * MINUTE),
];

impl RetrySchedule {
    /// Stripe's schedule, **our approximation**: Stripe publishes only that
    /// it retries "for up to three days with an exponential back off" in
    /// live mode (a sandbox retries "three times over the course of a few
    /// hours"). Ours waits 5 min, 30 min, 1 h, 2 h, 4 h, 8 h, 16 h, 24 h and
    /// 16 h 25 min: 10 attempts over exactly 72 h. Stripe publishes no
    /// timeout either; ours is 10 s.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::stripe();
    /// assert_eq!(s.max_attempts(), 10);
    /// assert_eq!(s.horizon().as_secs(), 72 * 3600);
    /// ```
    pub fn stripe() -> Self {
        RetrySchedule::from_static(&STRIPE_DELAYS).with_timeout(Duration::from_secs(10))
    }
}
