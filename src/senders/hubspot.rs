//! HubSpot webhooks (signature v3).
//!
//! | | |
//! |---|---|
//! | header | `X-HubSpot-Signature-v3: <base64>` ¹ |
//! | signed | `"POST"` + the target URL + raw body + the timestamp as sent, HMAC-SHA256 keyed with the app's client secret ¹ ² |
//! | URL | the full URL HubSpot was given, with its query; the characters `: / ? @ ! $ ' ( ) * , ;` when percent-encoded are signed decoded ¹, so the configured URL is decoded the same way |
//! | timestamp | `X-HubSpot-Request-Timestamp`, Unix **milliseconds** ¹ |
//! | tolerance | older than 5 minutes is refused ¹ ²; 5 minutes into the future is **our default** |
//! | body | a JSON **array** of events, delivered in batches ³ |
//! | event | each item's `eventId`, `subscriptionType` (`contact.propertyChange`), `occurredAt` (ms), `objectId`, `portalId`, … ³ |
//! | reply | `2xx`; `429` is retried after `Retry-After`; `400`, `401`, `403`, `404`, `405` are not retried ⁴ |
//! | retries | up to 10 retries over about a day ³, intervals unpublished: [`RetrySchedule::hubspot`] is **our default** |
//!
//! The URL must be the public one HubSpot was given (scheme, host, path
//! and query, byte for byte): behind a proxy or TLS termination the URL
//! your server sees differs, so configure the public one, never one read
//! from the request. The older `X-HubSpot-Signature` (v1, v2) headers,
//! which sign no time, are not read.
//!
//! Sources: ¹ [Validating requests: the v3 signature](https://developers.hubspot.com/docs/apps/developer-platform/build-apps/authentication/request-validation);
//! ² `@hubspot/api-client` `Signature.isValid` (a 300 000 ms window);
//! ³ [Webhooks API: payloads, retries](https://developers.hubspot.com/docs/api/webhooks);
//! ⁴ [HubSpot community: webhook responses](https://community.hubspot.com/t5/APIs-Integrations/Webhooks-response/td-p/277558).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::hubspot::HubSpot;
//!
//! let receiver = HubSpot::new("yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy", "https://example.com/webhooks/hubspot")?;
//! let body = br#"[{"eventId": 100, "subscriptionId": 12345, "portalId": 62515, "appId": 54321,
//!     "occurredAt": 1700000000000, "subscriptionType": "contact.creation", "attemptNumber": 0,
//!     "objectId": 123, "changeSource": "CRM", "changeFlag": "NEW"}]"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let batch = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((batch.event_type(), &*batch.id()), ("contact.creation", "100"));
//! assert_eq!(batch.events[0].object_id, Some(123));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::engine::json::parse_array;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::{typed_event, unix_time};
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static HUBSPOT: Description = Description {
    name: "HubSpot",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-hubspot-signature-v3"),
        b"",
        Encoding::Base64,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-hubspot-request-timestamp"),
        TimeFormat::UnixMillis,
    )),
    id: None,
    // Webhook deliveries are always POSTs.
    signed: &[Part::Text(b"POST"), Part::Url, Part::Body, Part::Timestamp],
    tolerance: Tolerance::hubspot(),
    reply: ReplyRule::hubspot(),
    retries: RetrySchedule::hubspot,
    sent_with: &[],
};

/// The `event_type` of a batch whose events are of several types (or of
/// none): **our** name, not HubSpot's.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
///
/// let receiver = webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?;
/// assert_eq!(receiver.parse(b"[]")?.event_type(), webhook_kit::hubspot::MIXED_BATCH);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const MIXED_BATCH: &str = "batch";

described_receiver! {
    /// A receiver for HubSpot webhooks (signature v3) sent to one target
    /// URL.
    ///
    /// `Debug` shows the configuration (the URL included) but never the
    /// client secret.
    ///
    /// ```
    /// let receiver = webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?;
    /// let shown = format!("{receiver:?}");
    /// assert!(shown.contains("https://example.com/hooks") && !shown.contains("client-secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct HubSpot;
    description: HUBSPOT,
    event: Event,
    parse: parse,
    example: "webhook_kit::hubspot::HubSpot::new(\"client-secret\", \"https://example.com/hooks\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl HubSpot {
    /// A receiver for the app whose client secret is `client_secret`, at
    /// the target URL `url`.
    ///
    /// `url` must be the public URL HubSpot was given, with its query, not
    /// the one your server sees behind a proxy or TLS termination: HubSpot
    /// signs the URL it sent to.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret, or
    /// a URL that is not absolute (`https://…`).
    ///
    /// ```
    /// use webhook_kit::hubspot::HubSpot;
    ///
    /// assert!(HubSpot::new("client-secret", "https://example.com/hooks?portal=1").is_ok());
    /// assert!(HubSpot::new("client-secret", "/hooks").is_err());
    /// assert!(HubSpot::new("", "https://example.com/hooks").is_err());
    /// ```
    pub fn new(client_secret: impl Into<Secret>, url: &str) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(HUBSPOT.algorithm, client_secret.into()).map_err(Self::secret_error)?;
        let mut core = ReceiverCore::new(&HUBSPOT, keys);
        core.add_url(&signed_form(url))?;
        Ok(HubSpot::from_core(core))
    }
}

/// The URL as HubSpot signs it: the percent-encoded characters its v3
/// rules list, decoded; every other escape kept as written.
fn signed_form(url: &str) -> String {
    const DECODED: &[(&str, char)] = &[
        ("3A", ':'),
        ("2F", '/'),
        ("3F", '?'),
        ("40", '@'),
        ("21", '!'),
        ("24", '$'),
        ("27", '\''),
        ("28", '('),
        ("29", ')'),
        ("2A", '*'),
        ("2C", ','),
        ("3B", ';'),
    ];
    let mut out = String::with_capacity(url.len());
    let mut rest = url;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let escape = rest.get(at + 1..at + 3);
        let decoded = escape.and_then(|hex| {
            DECODED
                .iter()
                .find(|(code, _)| code.eq_ignore_ascii_case(hex))
                .map(|&(_, c)| c)
        });
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[at + 3..];
            }
            None => {
                out.push('%');
                rest = &rest[at + 1..];
            }
        }
    }
    out.push_str(rest);
    out
}

typed_event! {
    /// One HubSpot delivery: a batch of events.
    ///
    /// HubSpot batches events, so the envelope's face describes the batch:
    /// [`WebhookEvent::id`](crate::WebhookEvent::id) is the events'
    /// `eventId`s joined with `,` (one id for a batch of one);
    /// [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is
    /// the `subscriptionType` every event shares, or [`MIXED_BATCH`]
    /// (`"batch"`) when they differ or the batch is empty;
    /// [`WebhookEvent::occurred_at`](crate::WebhookEvent::occurred_at) is
    /// the earliest `occurredAt`. Handle [`Event::events`] one by one.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?;
    /// let batch = receiver.parse(br#"[
    ///     {"eventId": 1, "subscriptionType": "contact.creation", "occurredAt": 1700000000000, "objectId": 5},
    ///     {"eventId": 2, "subscriptionType": "deal.brandNewThing", "occurredAt": 1690000000000}]"#)?;
    /// assert_eq!(batch.id(), "1,2");
    /// assert_eq!(batch.event_type(), webhook_kit::hubspot::MIXED_BATCH);
    /// assert_eq!(batch.occurred_at().map(|t| t.unix_timestamp()), Some(1_690_000_000));
    /// assert_eq!(batch.events[1].subscription_type, "deal.brandNewThing");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// The `eventId`s of the batch, joined with `,`.
        id,
        /// The shared `subscriptionType`, or [`MIXED_BATCH`].
        event_type,
        /// The earliest `occurredAt`.
        occurred_at,
        /// The events, in the order sent.
        events: Vec<Notification>,
    }
}

/// One event of a HubSpot batch: the fields every subscription type
/// shares, typed; the whole item in `raw`.
///
/// ```
/// use webhook_kit::Provider;
///
/// let receiver = webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?;
/// let batch = receiver.parse(br#"[{"eventId": 7, "subscriptionType": "contact.propertyChange",
///     "objectId": 9, "propertyName": "email", "propertyValue": "a@example.com"}]"#)?;
/// let event = &batch.events[0];
/// assert_eq!(event.event_id, 7);
/// assert_eq!(event.raw["propertyName"], "email");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Notification {
    /// `eventId`.
    pub event_id: u64,
    /// `subscriptionType`, such as `contact.propertyChange` (unknown types
    /// are kept).
    pub subscription_type: String,
    /// `occurredAt`, Unix milliseconds.
    pub occurred_at: Option<i64>,
    /// `subscriptionId`.
    pub subscription_id: Option<u64>,
    /// `portalId`: the HubSpot account.
    pub portal_id: Option<u64>,
    /// `appId`.
    pub app_id: Option<u64>,
    /// `objectId`: the record the event is about.
    pub object_id: Option<u64>,
    /// `attemptNumber`: 0 on the first delivery.
    pub attempt_number: Option<u32>,
    /// The whole item, as sent (`propertyName`, `changeSource`, …).
    pub raw: Value,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Item {
    event_id: u64,
    subscription_type: String,
    #[serde(default)]
    occurred_at: Option<i64>,
    #[serde(default)]
    subscription_id: Option<u64>,
    #[serde(default)]
    portal_id: Option<u64>,
    #[serde(default)]
    app_id: Option<u64>,
    #[serde(default)]
    object_id: Option<u64>,
    #[serde(default)]
    attempt_number: Option<u32>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let raw: Value = parse_array(body)?;
    let items: Vec<Item> = parse_array(body)?;
    let raws = raw.as_array().cloned().unwrap_or_default();
    let events: Vec<Notification> = items
        .into_iter()
        .zip(raws)
        .map(|(item, raw)| Notification {
            event_id: item.event_id,
            subscription_type: item.subscription_type,
            occurred_at: item.occurred_at,
            subscription_id: item.subscription_id,
            portal_id: item.portal_id,
            app_id: item.app_id,
            object_id: item.object_id,
            attempt_number: item.attempt_number,
            raw,
        })
        .collect();
    let ids: Vec<String> = events.iter().map(|e| e.event_id.to_string()).collect();
    let event_type = match events.split_first() {
        Some((first, rest))
            if rest
                .iter()
                .all(|e| e.subscription_type == first.subscription_type) =>
        {
            first.subscription_type.clone()
        }
        _ => MIXED_BATCH.to_owned(),
    };
    let earliest = events.iter().filter_map(|e| e.occurred_at).min();
    Ok(Event {
        id: ids.join(","),
        event_type,
        occurred_at: unix_time(earliest, true),
        events,
        raw,
    })
}

const MINUTE: u64 = 60;

impl RetrySchedule {
    /// HubSpot's redelivery, **our default**: HubSpot retries a batch up to
    /// 10 times over about a day with growing delays but publishes no
    /// intervals. Ours doubles from 1 minute (1, 2, 4 … 512 minutes, about
    /// 17 hours in all), each attempt with a 5 s timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::hubspot();
    /// assert_eq!(schedule.max_attempts(), 11);
    /// assert_eq!(schedule.delay_after(10), Some(Duration::from_secs(512 * 60)));
    /// ```
    pub fn hubspot() -> Self {
        let delays: Vec<Duration> = (0..10)
            .map(|n| Duration::from_secs((1 << n) * MINUTE))
            .collect();
        RetrySchedule::fixed(delays).with_timeout(Duration::from_secs(5))
    }
}

impl ReplyRule {
    /// How HubSpot reads a reply: any `2xx` is delivered; `429` throttles
    /// (HubSpot waits for `Retry-After`); anything else is retried. [`HubSpot`]
    /// starts with it.
    ///
    /// ```
    /// use webhook_kit::{Outcome, Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::hubspot();
    /// let reply = |status: u16| http::Response::builder().status(status).body("").expect("reply");
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert_eq!(rule.classify(&reply(429)), Outcome::Throttle { retry_after: None });
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn hubspot() -> Self {
        ReplyRule::any_2xx().throttle_on(&[429])
    }
}

impl Tolerance {
    /// HubSpot's window around the receiver's clock for the signed
    /// timestamp: older than 5 minutes is refused, as HubSpot publishes; 5
    /// minutes into the future is **our default**. [`HubSpot`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::hubspot();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(webhook_kit::hubspot::HubSpot::new("client-secret", "https://example.com/hooks")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn hubspot() -> Self {
        Tolerance::symmetric(Duration::from_secs(5 * 60))
    }
}
