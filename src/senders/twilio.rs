//! Twilio.
//!
//! | | |
//! |---|---|
//! | header | `X-Twilio-Signature: <base64>` ¹ |
//! | signed | HMAC-**SHA1** keyed with the account's auth token over the full URL followed by every form parameter, sorted by name, each name followed by its value ¹ ²; a name sent with several values gives each distinct value, sorted ² |
//! | JSON bodies | Twilio adds `bodySHA256=<hex SHA-256 of the body>` to the URL's query and signs that URL alone ¹ ²; here the hash is computed from the body received, so a changed body changes the URL signed |
//! | URL | the URL Twilio was given, query included; the reference validators also accept the URL with the scheme's default port (`:443`, `:80`) added, or with its port removed ², and so does this receiver |
//! | rotation | a primary and a secondary auth token ³: [`Twilio::with_secret`] |
//! | timestamp | none is signed: a captured request can be replayed; deduplicate on the unsigned `I-Twilio-Idempotency-Token` header ([`Delivery::id`](crate::Delivery::id)) ⁴ |
//! | event | form bodies: the parameters (`MessageSid`, `MessageStatus`, `CallSid`, `CallStatus`, `EventType`, …) ⁵; JSON bodies (Event Streams): the CloudEvents `id`, `type`, `time` ⁶ |
//! | reply | `2xx` (a TwiML body where Twilio asks for one) ⁵ |
//! | retries | one retry of a failed connection by default (`rc=1`), within 15 s in all (`tt`) ⁴: [`RetrySchedule::twilio`] |
//!
//! The URL must be the public one Twilio was given (scheme, host, path and
//! query, byte for byte): behind a proxy or TLS termination the URL your
//! server sees differs, so configure the public one, never one read from
//! the request. A `#…` fragment (Twilio's connection overrides ⁴) and
//! `user:password@` credentials never reach the server in the URL, so the
//! reference validators, which read the request's URL, never sign them:
//! both are dropped (and the password is never shown by `Debug`).
//!
//! Twilio joins names and values without separators, so the signature does
//! not fix where one parameter ends and the next begins (`ab=c` and
//! `a=bc` sign alike): read the parameters you need and check their form.
//!
//! Sources: ¹ [Webhooks security: validating signatures from Twilio](https://www.twilio.com/docs/usage/webhooks/webhooks-security);
//! ² `twilio-python` `RequestValidator` and its tests (the vectors in `tests/twilio.rs`), `twilio-node` `validateRequest`;
//! ³ [Auth tokens and how to change them](https://help.twilio.com/articles/223136027);
//! ⁴ [Webhooks connection overrides](https://www.twilio.com/docs/usage/webhooks/webhooks-connection-overrides),
//!   [Webhooks FAQ: idempotency token](https://www.twilio.com/docs/usage/webhooks/webhooks-faq);
//! ⁵ [Messaging webhooks](https://www.twilio.com/docs/usage/webhooks/messaging-webhooks);
//! ⁶ [Event Streams webhook sinks](https://www.twilio.com/docs/events/webhook-quickstart).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::twilio::Twilio;
//!
//! let receiver = Twilio::new("twilio-auth-token", "https://example.com/sms/status")?;
//! let body = b"MessageSid=SM1234&MessageStatus=delivered&To=%2B15558675310&AccountSid=AC1";
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("delivered", "SM1234"));
//! assert_eq!(event.param("To"), Some("+15558675310"));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use http::HeaderName;
use serde::Deserialize;
use serde_json::Value;

use crate::engine::json::{parse_body, skip_whitespace};
use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, Part, ReceiverCore, Request, SignatureRule,
    described_receiver,
};
use crate::event::{rfc3339, typed_event};
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static TWILIO: Description = Description {
    name: "Twilio",
    algorithm: Algorithm::HmacSha1,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-twilio-signature"),
        b"",
        Encoding::Base64,
    ),
    timestamp: None,
    id: Some(IdRule {
        header: HeaderName::from_static("i-twilio-idempotency-token"),
        signed: false,
    }),
    signed: &[Part::Computed(signed_content)],
    tolerance: Tolerance::symmetric(Duration::ZERO),
    reply: ReplyRule::twilio(),
    retries: RetrySchedule::twilio,
    sent_with: &[],
};

described_receiver! {
    /// A receiver for Twilio webhooks sent to one URL.
    ///
    /// `Debug` shows the configuration (the URLs included) but never the
    /// auth token.
    ///
    /// ```
    /// let receiver = webhook_kit::twilio::Twilio::new("twilio-auth-token", "https://example.com/sms")?;
    /// let shown = format!("{receiver:?}");
    /// assert!(shown.contains("https://example.com/sms") && !shown.contains("twilio-auth-token"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Twilio;
    description: TWILIO,
    event: Event,
    parse: parse,
    example: "webhook_kit::twilio::Twilio::new(\"twilio-auth-token\", \"https://example.com/sms\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Twilio {
    /// A receiver for requests signed with the account's `auth_token`,
    /// sent to `url`.
    ///
    /// `url` must be the public URL Twilio was given, with its query, not
    /// the one your server sees behind a proxy or TLS termination: Twilio
    /// signs the URL it sent to. The same URL with the default port added
    /// (or its port removed) is accepted too, as Twilio's validators do.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only token, or a
    /// URL that is not absolute (`https://…`).
    ///
    /// ```
    /// use webhook_kit::twilio::Twilio;
    ///
    /// assert!(Twilio::new("twilio-auth-token", "https://example.com/sms?tenant=1").is_ok());
    /// assert!(Twilio::new("twilio-auth-token", "/sms").is_err());
    /// assert!(Twilio::new("", "https://example.com/sms").is_err());
    /// ```
    pub fn new(auth_token: impl Into<Secret>, url: &str) -> Result<Self, Error> {
        let keys = KeySet::hmac(TWILIO.algorithm, auth_token.into()).map_err(Self::secret_error)?;
        let mut core = ReceiverCore::new(&TWILIO, keys);
        let url = requested_form(url);
        core.add_url(&url)?;
        if let Some(other) = other_port_form(&url) {
            core.add_url(&other)?;
        }
        Ok(Twilio::from_core(core))
    }
}

/// The URL as the server receives it: without a `#` fragment and without
/// `user:password@` credentials, neither of which is part of the request
/// line (credentials travel in `Authorization`).
fn requested_form(url: &str) -> String {
    let url = url.split_once('#').map_or(url, |(url, _fragment)| url);
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// The URL with the scheme's default port added when it has no port, or
/// with its port removed when it has one, as the reference validators
/// try both.
fn other_port_form(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let host_start = authority.rfind('@').map_or(0, |at| at + 1);
    let host = &authority[host_start..];
    // A port follows the last ':' outside an IPv6 literal's brackets.
    let port_at = host.rfind(':').filter(|&at| !host[at..].contains(']'));
    let authority = match port_at {
        Some(at) => authority[..host_start + at].to_owned(),
        None => {
            let port = if scheme.eq_ignore_ascii_case("https") {
                443
            } else {
                80
            };
            format!("{authority}:{port}")
        }
    };
    Some(format!("{scheme}://{authority}{tail}"))
}

/// Whether a body is JSON (Twilio then signs the URL with its hash)
/// rather than form parameters.
const HEX: &[u8; 16] = b"0123456789abcdef";

fn is_json(body: &[u8]) -> bool {
    matches!(body.get(skip_whitespace(body, 0)), Some(b'{' | b'['))
}

/// What Twilio signs for `request`: the URL, then either the body's hash as
/// a `bodySHA256` query parameter (JSON) or the sorted form parameters.
fn signed_content(request: &Request<'_>, sink: &mut dyn FnMut(&[u8])) {
    use sha2::{Digest, Sha256};
    sink(request.url.as_bytes());
    if is_json(request.body) {
        sink(if request.url.contains('?') {
            b"&"
        } else {
            b"?"
        });
        sink(b"bodySHA256=");
        // Hex on the stack: verification of a JSON body allocates nothing.
        let mut hex = [0u8; 64];
        for (pair, byte) in hex.chunks_exact_mut(2).zip(Sha256::digest(request.body)) {
            pair.copy_from_slice(&[HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]]);
        }
        sink(&hex);
        return;
    }
    let mut sorted: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (name, value) in crate::engine::form::fields(request.body) {
        sorted.entry(name).or_default().insert(value);
    }
    for (name, values) in &sorted {
        for value in values {
            sink(name.as_bytes());
            sink(value.as_bytes());
        }
    }
}

typed_event! {
    /// A Twilio request: form parameters (most webhooks) or a JSON event
    /// (Event Streams).
    ///
    /// Twilio's form webhooks carry no event type or id as such; **our
    /// reading**: [`WebhookEvent::id`](crate::WebhookEvent::id) is the
    /// resource's `MessageSid`, else `CallSid` (status callbacks repeat it,
    /// so deduplicate on [`Delivery::id`](crate::Delivery::id), the
    /// idempotency token), and
    /// [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is
    /// `EventType`, else `MessageStatus`, `SmsStatus` or `CallStatus`,
    /// else empty. A JSON body gives its `id`, `type` and `time`; a JSON
    /// array (a batch) the first event's.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::twilio::Twilio::new("twilio-auth-token", "https://example.com/sms")?;
    /// let inbound = receiver.parse(b"MessageSid=SM1&SmsStatus=received&Body=Hello+there%21")?;
    /// assert_eq!(inbound.event_type(), "received");
    /// assert_eq!(inbound.param("Body"), Some("Hello there!"));
    /// let stream = receiver.parse(br#"{"specversion": "1.0", "type": "com.twilio.messaging.message.delivered",
    ///     "id": "EZ1", "time": "2024-01-01T00:00:00Z", "data": {}}"#)?;
    /// assert_eq!((stream.event_type(), &*stream.id()), ("com.twilio.messaging.message.delivered", "EZ1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `MessageSid`, else `CallSid` (forms); `id` (JSON).
        id,
        /// `EventType`, else `MessageStatus`, `SmsStatus`, `CallStatus`
        /// (forms); `type` (JSON).
        event_type,
        /// `time` (JSON); `None` for forms.
        occurred_at,
        /// The form parameters in the order sent, decoded; empty for JSON.
        params: Vec<(String, String)>,
    }
}

impl Event {
    /// The first value of form parameter `name`.
    ///
    /// ```
    /// use webhook_kit::Provider;
    ///
    /// let receiver = webhook_kit::twilio::Twilio::new("twilio-auth-token", "https://example.com/voice")?;
    /// let call = receiver.parse(b"CallSid=CA1&CallStatus=ringing&From=%2B15551234567")?;
    /// assert_eq!(call.param("From"), Some("+15551234567"));
    /// assert_eq!(call.param("Digits"), None);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// The CloudEvents fields a JSON event is read by.
#[derive(Deserialize)]
struct CloudEvent {
    #[serde(default)]
    id: Option<String>,
    #[serde(default, rename = "type")]
    event_type: Option<String>,
    #[serde(default)]
    time: Option<String>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    if is_json(body) {
        return parse_json(body);
    }
    if let Some(at) = body
        .iter()
        .position(|&b| b.is_ascii_whitespace() || b.is_ascii_control() || !b.is_ascii())
    {
        let message =
            "expected JSON or form parameters, found a byte a form body never carries raw".into();
        return Err(Error::payload_at(message, body, at));
    }
    let params = crate::engine::form::fields(body);
    let first = |names: &[&str]| {
        names
            .iter()
            .find_map(|name| params.iter().find(|(key, _)| key == name))
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    Ok(Event {
        id: first(&["MessageSid", "CallSid"]),
        event_type: first(&["EventType", "MessageStatus", "SmsStatus", "CallStatus"]),
        occurred_at: None,
        raw: Value::String(String::from_utf8_lossy(body).into_owned()),
        params,
    })
}

fn parse_json(body: &[u8]) -> Result<Event, Error> {
    let raw: Value = if body.get(skip_whitespace(body, 0)) == Some(&b'[') {
        crate::engine::json::parse_array(body)?
    } else {
        parse_body(body)?
    };
    let first = match &raw {
        Value::Array(events) => events.first().cloned().unwrap_or(Value::Null),
        object => object.clone(),
    };
    let event = CloudEvent::deserialize(&first).unwrap_or(CloudEvent {
        id: None,
        event_type: None,
        time: None,
    });
    Ok(Event {
        id: event.id.unwrap_or_default(),
        event_type: event.event_type.unwrap_or_default(),
        occurred_at: rfc3339(event.time.as_deref()),
        params: Vec::new(),
        raw,
    })
}

impl RetrySchedule {
    /// Twilio's redelivery as its connection overrides default: one retry
    /// (`rc=1`) when the connection fails, all attempts within 15 s
    /// (`tt=15000`), each waiting up to 15 s for a reply (`rt=15000`).
    /// Twilio retries at once, so the delay is zero; a URL's `#rc=…`
    /// fragment changes the count (build your own schedule then).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::twilio();
    /// assert_eq!(schedule.max_attempts(), 2);
    /// assert_eq!(schedule.timeout(), Some(Duration::from_secs(15)));
    /// ```
    pub fn twilio() -> Self {
        RetrySchedule::fixed(vec![Duration::ZERO]).with_timeout(Duration::from_secs(15))
    }
}

impl ReplyRule {
    /// How Twilio reads a reply: any `2xx` is delivered, as Twilio publishes
    /// (with a TwiML body where Twilio asks for one); anything else is a
    /// failure. [`Twilio`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::twilio();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::twilio::Twilio::new("twilio-auth-token", "https://example.com/sms")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn twilio() -> Self {
        ReplyRule::any_2xx()
    }
}
