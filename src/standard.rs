//! [Standard Webhooks](https://www.standardwebhooks.com/), the open scheme
//! Svix and others send.
//!
//! | | |
//! |---|---|
//! | headers | `webhook-id`, `webhook-timestamp`, `webhook-signature`, or the same as `svix-*` |
//! | signed | `"<id>.<timestamp>.<raw body>"`, HMAC-SHA256 keyed with the base64-decoded `whsec_` secret |
//! | signature | space-separated `v1,<base64>` entries; any may match |
//! | tolerance | 5 minutes both ways |
//! | reply | any `2xx`; `3xx` is a failure; `410` disables; `429`, `502`, `504` throttle |
//! | retries | immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h |
//!
//! The asymmetric `v1a` (Ed25519) entries are skipped: a header carrying only
//! those does not verify.
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let body = br#"{"type": "user.created", "timestamp": "2024-05-01T12:00:00Z", "data": {"id": 7}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_with_id_at("msg_1", body, now)?;
//!
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.id(), "msg_1");
//! assert_eq!(event.event_type(), "user.created");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderName, Response};
use serde::Deserialize;
use serde_json::value::RawValue;
use sha2::Digest;
use time::OffsetDateTime;

use crate::event::{event_data, parse_body};
use crate::provider::receiver_builders;
use crate::scheme::{Format, HeaderSet, Scheme, Signed, Verifier, secs};
use crate::secret::{Keyring, Secret};
use crate::signature::{BASE64, Encoding, encode_hex};
use crate::{Error, Outcome, Provider, ReplyRule, RetrySchedule, Tolerance, WebhookEvent};

static HEADERS: [HeaderSet; 2] = [
    HeaderSet {
        signature: HeaderName::from_static("webhook-signature"),
        timestamp: Some(HeaderName::from_static("webhook-timestamp")),
        id: Some(HeaderName::from_static("webhook-id")),
    },
    HeaderSet {
        signature: HeaderName::from_static("svix-signature"),
        timestamp: Some(HeaderName::from_static("svix-timestamp")),
        id: Some(HeaderName::from_static("svix-id")),
    },
];

static SCHEME: Scheme = Scheme {
    headers: &HEADERS,
    format: Format::VersionedList { version: b"v1" },
    encoding: Encoding::Base64,
    signed: Signed::IdDotTimestampDotBody,
    tolerance: Tolerance::symmetric(secs(5 * 60)),
};

/// How Standard Webhooks senders read replies.
pub const REPLY_RULE: ReplyRule = ReplyRule::any_2xx()
    .disable_on(&[410])
    .throttle_on(&[429, 502, 504]);

/// Shortest and longest secret the specification allows, after decoding.
const SECRET_LEN: std::ops::RangeInclusive<usize> = 24..=64;

/// A receiver for Standard Webhooks (and Svix) deliveries.
///
/// `Debug` shows the configuration but never a secret.
#[derive(Clone, Debug)]
pub struct StandardWebhooks {
    verifier: Verifier,
}

impl StandardWebhooks {
    /// A receiver that accepts deliveries signed with `secret`: base64, with
    /// or without the `whsec_` prefix and padding, 24 to 64 bytes once decoded.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] if the secret is not base64 or has the wrong
    /// length. Checked here, once, instead of on every request:
    ///
    /// ```
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// assert!(StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// assert!(StandardWebhooks::new("whsec_not base64!").is_err());
    /// assert!(StandardWebhooks::new("whsec_c2hvcnQ=").is_err()); // 5 bytes
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = Keyring::new(decode_secret(&secret.into())?);
        Ok(StandardWebhooks {
            verifier: Verifier::new(&SCHEME, keys),
        })
    }

    /// Accepts another `whsec_` secret as well (rotation).
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::new`].
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Self, Error> {
        let key = decode_secret(&secret.into())?;
        let ring = std::mem::take(self.verifier.keys_mut());
        *self.verifier.keys_mut() = ring.with(key);
        Ok(self)
    }

    /// Sets the tolerance in both directions (default 5 minutes).
    #[must_use]
    pub fn tolerance(self, bound: Duration) -> Self {
        self.tolerance_window(Tolerance::symmetric(bound))
    }

    /// The headers of a genuine delivery with the message id `id`.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if `id` is empty, starts or ends with whitespace
    /// (which HTTP would strip in transit), or cannot be carried in a header.
    pub fn sign_with_id_at(
        &self,
        id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        self.verifier.sign(body, now, id)
    }
}

receiver_builders!(StandardWebhooks: limits, tolerance);

fn decode_secret(secret: &Secret) -> Result<Secret, Error> {
    let text = secret.expose();
    let encoded = text.strip_prefix(b"whsec_").unwrap_or(text);
    let key = zeroize::Zeroizing::new(BASE64.decode(encoded).map_err(|_| {
        Error::InvalidSecret("a Standard Webhooks secret is base64 after `whsec_`")
    })?);
    if !SECRET_LEN.contains(&key.len()) {
        return Err(Error::InvalidSecret(
            "a Standard Webhooks secret decodes to 24 to 64 bytes",
        ));
    }
    Ok(Secret::from(key.as_slice()))
}

event_data! {
    /// The data of a Standard Webhooks event.
    ///
    /// The specification defines no event types of its own, so every event
    /// arrives as `Unknown`, with the sender's type name and raw data.
    pub enum EventData {}
}

/// A Standard Webhooks event, in the payload shape the specification
/// recommends: `{"type": …, "timestamp": …, "data": …}`.
///
/// All three fields are optional in the body; a missing `data` reads as
/// `null`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Event {
    /// The message id: the `webhook-id` header when the event came through
    /// [`Provider::verify_and_parse_at`], else the body's `id` field, else empty.
    pub id: String,
    /// The body's `timestamp`.
    pub timestamp: Option<OffsetDateTime>,
    /// The type and data.
    pub data: EventData,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.id)
    }

    fn event_type(&self) -> &str {
        self.data.event_type()
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.timestamp
    }
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type", default)]
    event_type: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    timestamp: Option<OffsetDateTime>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

impl Provider for StandardWebhooks {
    type Event = Event;

    fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<(), Error> {
        self.verifier.verify(headers, body, now).map(drop)
    }

    fn parse(&self, body: &[u8]) -> Result<Event, Error> {
        crate::scheme::check_body_size(body, self.verifier.max_body())?;
        let envelope: Envelope<'_> = parse_body(body)?;
        Ok(Event {
            id: envelope.id.unwrap_or_default(),
            timestamp: envelope.timestamp,
            data: EventData::from_fragment(&envelope.event_type, body, envelope.data, "data")?,
        })
    }

    fn verify_and_parse_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Event, Error> {
        self.verify_at(headers, body, now)?;
        let mut event = self.parse(body)?;
        // The signed message id is authoritative.
        if let Some(id) = SCHEME
            .headers
            .iter()
            .find(|set| headers.contains_key(&set.signature))
            .and_then(|set| set.id.as_ref())
            .and_then(|name| headers.get(name))
        {
            // Header bytes beyond ASCII are legal and were signed as sent.
            event.id = String::from_utf8_lossy(id.as_bytes()).into_owned();
        }
        Ok(event)
    }

    fn acknowledge(&self) -> Response<&'static str> {
        Response::new("")
    }

    fn classify<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Outcome {
        REPLY_RULE.classify(response)
    }

    fn retry_schedule(&self) -> RetrySchedule {
        RetrySchedule::standard_webhooks()
    }

    /// Signs with a message id derived from the body (`msg_` and 24 hex
    /// digits): like a real sender's retries, redeliveries of one body keep
    /// their id. Use [`StandardWebhooks::sign_with_id_at`] to choose the id.
    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error> {
        let digest = sha2::Sha256::digest(body);
        let id = format!("msg_{}", encode_hex(&digest[..12]));
        self.verifier.sign(body, now, &id)
    }
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The specification's schedule: immediately, then 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h and 24 h after each failure (10 attempts).
static STANDARD_DELAYS: [Duration; 9] = [
    secs(5),
    secs(5 * MINUTE),
    secs(30 * MINUTE),
    secs(2 * HOUR),
    secs(5 * HOUR),
    secs(10 * HOUR),
    secs(14 * HOUR),
    secs(20 * HOUR),
    secs(24 * HOUR),
];

/// Svix's server default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
static SVIX_DELAYS: [Duration; 7] = [
    secs(5),
    secs(5 * MINUTE),
    secs(30 * MINUTE),
    secs(2 * HOUR),
    secs(5 * HOUR),
    secs(10 * HOUR),
    secs(10 * HOUR),
];

/// The per-attempt timeout: the specification asks receivers to answer
/// within 15 to 30 seconds; we take the stricter end.
const STANDARD_TIMEOUT: Duration = secs(15);

impl RetrySchedule {
    /// The Standard Webhooks specification's schedule: 10 attempts, the
    /// first immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
    /// 20 h and 24 h; 15 s per attempt.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::standard_webhooks();
    /// assert_eq!(s.max_attempts(), 10);
    /// assert_eq!(s.delay_after(1), Some(Duration::from_secs(5)));
    /// ```
    pub fn standard_webhooks() -> Self {
        RetrySchedule::from_static(&STANDARD_DELAYS).with_timeout(STANDARD_TIMEOUT)
    }

    /// Svix's server default: 8 attempts, after 5 s, 5 min, 30 min, 2 h,
    /// 5 h, 10 h and 10 h, each spread by ±20 %; 15 s per attempt (the
    /// Standard Webhooks guidance; Svix's own figure is configurable).
    pub fn svix_server() -> Self {
        RetrySchedule::from_static(&SVIX_DELAYS)
            .with_timeout(STANDARD_TIMEOUT)
            .with_jitter(0.2)
    }
}
