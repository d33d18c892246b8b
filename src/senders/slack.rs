//! Slack (Events API, slash commands, interactivity).
//!
//! | | |
//! |---|---|
//! | headers | `X-Slack-Signature: v0=<hex>`, `X-Slack-Request-Timestamp` (Unix seconds) ¹ |
//! | signed | `"v0:" + timestamp + ":" + raw body`, HMAC-SHA256 keyed with the signing secret as UTF-8 text ¹ |
//! | tolerance | 5 minutes either way ¹ |
//! | bodies | Events API: JSON ²; slash commands and interactivity: `application/x-www-form-urlencoded` ³ — both verify as sent |
//! | event | `event_callback`: id `event_id`, type `event.type`, time `event_time`; `url_verification`: answer the `challenge` ² |
//! | reply | any `2xx` within 3 s ² |
//! | retries | 3: nearly immediately, after 1 min, after 5 min, each marked `X-Slack-Retry-Num` ² |
//! | no retry | a non-`2xx` reply with `X-Slack-No-Retry: 1` stops the retries of that event ² ([`Slack::no_retry_reply`]) |
//! | unsigned | `X-Slack-Retry-Num`, `X-Slack-Retry-Reason`: informative only; the id, type and time come from the signed body |
//!
//! **Events without an id.** `url_verification` and `app_rate_limited` carry
//! no `event_id`, nor do a form request without `trigger_id` and any type
//! this crate does not know, so their
//! [`WebhookEvent::id`] is empty and
//! [`ExactlyOnce`](crate::dedup::ExactlyOnce) processes them without
//! deduplication ([`Handled::NoId`](crate::dedup::Handled::NoId)) instead
//! of taking every one after the first for a duplicate. To deduplicate them
//! anyway, key them by [`dedup::content_key`](crate::dedup::content_key)
//! of the body (not of the signed `v0:<timestamp>:<body>`: a retry is
//! signed again with a new timestamp).
//!
//! Slack follows up to two `301`/`302` redirects ²; [`ReplyRule::slack`] cannot
//! express that and counts a redirect as a failure. When failures pass 95 %
//! of an app's deliveries within 60 minutes (apps with 1,000 events an hour
//! or more), Slack disables the subscription until re-enabled by hand ².
//!
//! **Our defaults**, where Slack publishes nothing: several signing secrets
//! may be accepted at once (rotation); hex in either case is accepted; the
//! retry schedule of slash commands and interactivity is not published, and
//! [`RetrySchedule::slack`] describes the Events API; the id of a form
//! request is its `trigger_id`.
//!
//! Sources: ¹ [Verifying requests from Slack](https://docs.slack.dev/authentication/verifying-requests-from-slack)
//! (also the example below); ² [The Events API](https://docs.slack.dev/apis/events-api) and
//! [url_verification](https://api.slack.com/events/url_verification);
//! ³ [Slash commands](https://api.slack.com/interactivity/slash-commands),
//! [Handling user interaction](https://docs.slack.dev/interactivity/handling-user-interaction).
//!
//! ```
//! use webhook_kit::Provider;
//! use webhook_kit::slack::{self, Slack};
//!
//! let receiver = Slack::new("8f742231b10e8888abcd99yyyzzz85a5")?;
//! let body = br#"{"token": "Jhj5dZrVaK7ZwHHjRyZWjbDl", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! // The one line a handler needs during setup:
//! if let Some(reply) = slack::url_verification_reply(&event) {
//!     assert_eq!(reply.body(), "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P");
//! }
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::time::Duration;

use http::header::CONTENT_TYPE;
use http::{HeaderName, HeaderValue, Response, StatusCode};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::unix_time;
use crate::{
    Error, Handshake, Provider, ReplyRule, RetrySchedule, Secret, Tolerance, WebhookEvent,
};

/// `X-Slack-No-Retry`: with the value `1` on a non-`2xx` reply, Slack does
/// not redeliver that event.
///
/// ```
/// use webhook_kit::slack::{self, Slack};
///
/// let reply = Slack::no_retry_reply(http::StatusCode::BAD_REQUEST);
/// assert_eq!(reply.headers()[slack::NO_RETRY_HEADER], "1");
/// ```
pub const NO_RETRY_HEADER: HeaderName = HeaderName::from_static("x-slack-no-retry");
/// `X-Slack-Retry-Num`: on a redelivery, which retry it is (`1` to `3`).
///
/// ```
/// use webhook_kit::slack;
///
/// // What a handler sees on Slack's second redelivery of an event.
/// let mut headers = http::HeaderMap::new();
/// headers.insert(slack::RETRY_NUM_HEADER, http::HeaderValue::from_static("2"));
/// let retry: Option<u32> = headers
///     .get(slack::RETRY_NUM_HEADER)
///     .and_then(|value| value.to_str().ok()?.parse().ok());
/// assert_eq!(retry, Some(2));
/// ```
pub const RETRY_NUM_HEADER: HeaderName = HeaderName::from_static("x-slack-retry-num");

static SLACK: Description = Description {
    name: "Slack",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-slack-signature"),
        b"v0=",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-slack-request-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: Part::V0_TIMESTAMP_BODY,
    tolerance: Tolerance::slack(),
    reply: ReplyRule::slack(),
    retries: RetrySchedule::slack,
    sent_with: &[],
};

impl Tolerance {
    /// Slack's window: the timestamp may not "differ from local time by
    /// more than five minutes", either way.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Provider, Tolerance};
    /// use webhook_kit::slack::Slack;
    ///
    /// let receiver = Slack::new("slack-signing-secret")?;
    /// assert_eq!(receiver.tolerance(), Tolerance::slack());
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_at(b"{}", now - Duration::from_secs(301))?;
    /// assert!(receiver.verify_at(&headers, b"{}", now).is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn slack() -> Self {
        Tolerance::symmetric(Duration::from_secs(300))
    }
}

/// Slack's window.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::slack::DEFAULT_TOLERANCE, webhook_kit::Tolerance::slack());
/// ```
#[deprecated(since = "0.2.0", note = "use `Tolerance::slack()`")]
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::slack();

impl ReplyRule {
    /// How Slack reads replies: "an HTTP 2xx within three seconds"; a
    /// failed reply with `X-Slack-No-Retry: 1` drops the event
    /// ([`Outcome::Abandon`](crate::Outcome::Abandon)).
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    /// use webhook_kit::slack::Slack;
    ///
    /// let reply = |status: u16| http::Response::builder().status(status).body("").unwrap();
    /// assert_eq!(ReplyRule::slack().classify(&reply(200)), Outcome::Delivered);
    /// assert_eq!(ReplyRule::slack().classify(&reply(503)), Outcome::Retry);
    /// let stop = Slack::no_retry_reply(http::StatusCode::SERVICE_UNAVAILABLE);
    /// assert_eq!(ReplyRule::slack().classify(&stop), Outcome::Abandon);
    /// ```
    pub const fn slack() -> Self {
        ReplyRule::any_2xx().abandon_on_header("x-slack-no-retry", "1")
    }
}

/// How Slack reads replies.
///
/// ```
/// #![allow(deprecated)]
/// assert_eq!(webhook_kit::slack::REPLY_RULE, webhook_kit::ReplyRule::slack());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::slack()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::slack();

described_receiver! {
    /// A receiver for requests Slack signs, which also answers Slack's
    /// `url_verification` check (see [`Provider::handshake_at`]).
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::slack::Slack::new("slack-signing-secret")?;
    /// assert!(!format!("{receiver:?}").contains("slack-signing-secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Slack;
    description: SLACK,
    event: Event,
    parse: parse,
    example: "webhook_kit::slack::Slack::new(\"slack-signing-secret\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: url_verification,
}

impl Slack {
    /// A receiver for requests signed with the app's signing secret ("treat
    /// it as a standard UTF-8 string").
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::slack::Slack;
    ///
    /// assert!(Slack::new("8f742231b10e8888abcd99yyyzzz85a5").is_ok());
    /// assert!(Slack::new("").is_err());
    /// ```
    pub fn new(signing_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(SLACK.algorithm, signing_secret.into()).map_err(Self::secret_error)?;
        Ok(Slack::from_core(ReceiverCore::new(&SLACK, keys)))
    }

    /// A reply with `status` that asks Slack not to redeliver this event
    /// (`X-Slack-No-Retry: 1`). Slack reads the header on non-`2xx`
    /// replies only; other events' deliveries are unaffected.
    ///
    /// ```
    /// use webhook_kit::slack::Slack;
    ///
    /// let reply = Slack::no_retry_reply(http::StatusCode::UNPROCESSABLE_ENTITY);
    /// assert_eq!(reply.status(), 422);
    /// assert_eq!(reply.headers()["x-slack-no-retry"], "1");
    /// ```
    pub fn no_retry_reply(status: StatusCode) -> Response<&'static str> {
        let mut reply = Response::new("");
        *reply.status_mut() = status;
        reply
            .headers_mut()
            .insert(NO_RETRY_HEADER, HeaderValue::from_static("1"));
        reply
    }
}

/// Whether a reply asks Slack to stop redelivering its event: a non-`2xx`
/// status with `X-Slack-No-Retry: 1`.
///
/// ```
/// #![allow(deprecated)]
/// use webhook_kit::slack::{self, Slack};
///
/// assert!(slack::stops_retries(&Slack::no_retry_reply(http::StatusCode::BAD_REQUEST)));
/// assert!(!slack::stops_retries(&Slack::no_retry_reply(http::StatusCode::OK)));
/// ```
#[deprecated(
    since = "0.2.0",
    note = "use `ReplyRule::slack().classify(&reply) == Outcome::Abandon`"
)]
pub fn stops_retries<B: AsRef<[u8]>>(reply: &Response<B>) -> bool {
    ReplyRule::slack().classify(reply) == crate::Outcome::Abandon
}

/// One request Slack signed.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::slack::{Event, Slack};
///
/// let receiver = Slack::new("slack-signing-secret")?;
/// let event = receiver.parse(br#"{"type": "app_rate_limited", "minute_rate_limited": 1518467820}"#)?;
/// assert!(matches!(&event, Event::Other { event_type, .. } if event_type == "app_rate_limited"));
/// let event = receiver.parse(b"command=%2Fweather&text=94070")?;
/// assert!(matches!(event, Event::Form(_)));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub enum Event {
    /// An Events API delivery (`"type": "event_callback"`).
    Callback(Callback),
    /// The Request URL check (`"type": "url_verification"`): answer it with
    /// [`url_verification_reply`].
    UrlVerification {
        /// The text to send back.
        challenge: String,
    },
    /// Any other JSON request, such as `app_rate_limited`, kept whole.
    Other {
        /// The outer `type`.
        event_type: String,
        /// The whole body, as sent.
        raw: Value,
    },
    /// A form-encoded request: a slash command, or an interaction whose JSON
    /// is in the `payload` field.
    Form(Form),
}

/// An Events API delivery.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::slack::{Event, Slack};
///
/// let receiver = Slack::new("slack-signing-secret")?;
/// let body = br#"{"type": "event_callback", "event_id": "Ev1", "event_time": 1700000000,
///     "team_id": "T1", "event": {"type": "app_mention", "text": "hi"}}"#;
/// let Event::Callback(callback) = receiver.parse(body)? else { unreachable!() };
/// assert_eq!((callback.event_id.as_str(), callback.event_type.as_str()), ("Ev1", "app_mention"));
/// assert_eq!(callback.team_id.as_deref(), Some("T1"));
/// assert_eq!(callback.data["text"], "hi");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Callback {
    /// `event_id`, unique across workspaces.
    pub event_id: String,
    /// The inner `event.type`, such as `app_mention`.
    pub event_type: String,
    /// `event_time`: when the event was dispatched.
    #[serde(with = "time::serde::rfc3339::option")]
    pub event_time: Option<OffsetDateTime>,
    /// `team_id`.
    pub team_id: Option<String>,
    /// `api_app_id`.
    pub api_app_id: Option<String>,
    /// The inner `event` object, whole.
    pub data: Value,
    /// The whole delivery, as sent.
    pub raw: Value,
}

/// A form-encoded request.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::slack::{Event, Slack};
///
/// let receiver = Slack::new("slack-signing-secret")?;
/// let Event::Form(form) = receiver.parse(b"command=%2Fweather&text=94070")? else { unreachable!() };
/// assert_eq!(form.fields["command"], "/weather");
/// assert_eq!(form.fields["text"], "94070");
/// assert!(form.data.is_none()); // a slash command, not an interaction
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Form {
    /// The fields, decoded; a field sent twice keeps its first value.
    pub fields: BTreeMap<String, String>,
    /// The `payload` field read as JSON: the interaction, for
    /// interactivity requests.
    pub data: Option<Value>,
}

impl WebhookEvent for Event {
    /// `event_id`; for a form request its `trigger_id` (our choice); else empty.
    fn id(&self) -> Cow<'_, str> {
        match self {
            Event::Callback(callback) => Cow::Borrowed(&callback.event_id),
            Event::Form(form) => form
                .fields
                .get("trigger_id")
                .map(String::as_str)
                .or_else(|| form.data.as_ref()?.get("trigger_id")?.as_str())
                .map_or(Cow::Borrowed(""), Cow::Borrowed),
            _ => Cow::Borrowed(""),
        }
    }

    /// `event.type`; `url_verification`; the outer type; for a form, the
    /// interaction's `type` (`block_actions`, …) or the slash command
    /// (`/weather`).
    fn event_type(&self) -> &str {
        match self {
            Event::Callback(callback) => &callback.event_type,
            Event::UrlVerification { .. } => "url_verification",
            Event::Other { event_type, .. } => event_type,
            Event::Form(form) => form
                .data
                .as_ref()
                .and_then(|p| p.get("type")?.as_str())
                .or_else(|| form.fields.get("command").map(String::as_str))
                .unwrap_or(""),
        }
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        match self {
            Event::Callback(callback) => callback.event_time,
            _ => None,
        }
    }
}

/// The reply Slack wants to a `url_verification` request: `200`,
/// `text/plain`, the challenge as the body. `None` for any other event.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::slack::{self, Slack};
///
/// let receiver = Slack::new("secret")?;
/// let event = receiver.parse(br#"{"type": "url_verification", "challenge": "abc"}"#)?;
/// let reply = slack::url_verification_reply(&event).expect("a challenge");
/// assert_eq!((reply.status().as_u16(), reply.body().as_str()), (200, "abc"));
/// assert_eq!(reply.headers()["content-type"], "text/plain");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub fn url_verification_reply(event: &Event) -> Option<Response<String>> {
    let Event::UrlVerification { challenge } = event else {
        return None;
    };
    let mut reply = Response::new(challenge.clone());
    reply
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    Some(reply)
}

#[derive(Deserialize)]
struct Outer {
    #[serde(rename = "type")]
    event_type: String,
    challenge: Option<String>,
    event_id: Option<String>,
    event_time: Option<i64>,
    team_id: Option<String>,
    api_app_id: Option<String>,
    #[serde(default)]
    event: Value,
}

/// A body that opens a JSON object is read as the Events API envelope;
/// anything else as a form, which never fails.
fn parse(body: &[u8]) -> Result<Event, Error> {
    if !crate::engine::form::starts_as_json_object(body) {
        let fields = crate::engine::form::field_map(body);
        let data = fields
            .get("payload")
            .and_then(|text| serde_json::from_str(text).ok());
        return Ok(Event::Form(Form { fields, data }));
    }
    let outer: Outer = parse_body(body)?;
    Ok(match outer.event_type.as_str() {
        "event_callback" => Event::Callback(Callback {
            event_id: outer.event_id.unwrap_or_default(),
            event_type: outer
                .event
                .get("type")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
            event_time: unix_time(outer.event_time, false),
            team_id: outer.team_id,
            api_app_id: outer.api_app_id,
            data: outer.event,
            raw: parse_body(body)?,
        }),
        "url_verification" => Event::UrlVerification {
            challenge: outer.challenge.unwrap_or_default(),
        },
        _ => Event::Other {
            event_type: outer.event_type,
            raw: parse_body(body)?,
        },
    })
}

/// Slack's Request URL check: a signed `url_verification` event, answered
/// with [`url_verification_reply`] once it verifies; any other request is
/// a delivery (`None`).
fn url_verification(
    receiver: &Slack,
    request: &Handshake<'_>,
    now: OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    // A cheap look before verifying: most requests are events.
    let body = request.body;
    if !crate::engine::form::starts_as_json_object(body)
        || !body.windows(16).any(|w| w == b"url_verification")
    {
        return None;
    }
    let event = match receiver.verify_and_parse_at(request.headers, body, now) {
        Ok(event) => event,
        Err(err) => return Some(Err(err)),
    };
    url_verification_reply(&event).map(Ok)
}

static SLACK_DELAYS: [Duration; 3] = [
    Duration::ZERO,
    Duration::from_secs(60),
    Duration::from_secs(5 * 60),
];

impl RetrySchedule {
    /// Slack's Events API schedule: "The first retry will be sent nearly
    /// immediately. The second retry will be attempted after 1 minute. The
    /// third and final retry will be sent after 5 minutes." (4 attempts;
    /// "nearly immediately" is 0 s here). A reply is due within 3 s. Slack
    /// publishes no schedule for slash commands or interactivity.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::slack();
    /// assert_eq!(s.max_attempts(), 4);
    /// assert_eq!(s.delay_after(2), Some(Duration::from_secs(60)));
    /// assert_eq!(s.timeout(), Some(Duration::from_secs(3)));
    /// ```
    pub fn slack() -> Self {
        RetrySchedule::from_static(&SLACK_DELAYS).with_timeout(Duration::from_secs(3))
    }
}
