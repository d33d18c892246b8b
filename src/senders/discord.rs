//! Discord: interactions (slash commands, components, modals) and webhook
//! events posted to an application's endpoint URL.
//!
//! | | |
//! |---|---|
//! | header | `X-Signature-Ed25519: <hex>`, an Ed25519 signature (64 bytes) ¹ |
//! | signed | the `X-Signature-Timestamp` value followed by the raw body, no separator ¹ ² |
//! | key | the application's public key: 64 hex digits in the Developer Portal ¹ |
//! | rotation | Discord shows one public key per application; [`Discord::with_public_key`] trusts more (at most 8 in all) |
//! | tolerance | Discord publishes none, and `discord-interactions` checks none ²; ±5 minutes (**our default**) |
//! | handshake | a signed interaction `PING` (`{"type": 1}`) is answered `{"type": 1}` ¹ ²; a webhook-event `PING` (`"type": 0`) with `204` ² ³ |
//! | probes | Discord sends requests with invalid signatures and expects them refused (`401`) ¹ |
//! | event | interactions: `id` (a snowflake, whose time is [`Event::occurred_at`] ⁴), `type`, `data`, `token` ⁵; webhook events: `event.type`, `event.timestamp`, `event.data` ³ |
//! | reply | an interaction must be answered within 3 seconds ⁵; webhook events with `204` within 3 seconds ³; any `2xx` is read as delivered (**our default** reading) |
//! | retries | none published: [`RetrySchedule::discord`] (one attempt, 3 s) is **our reading** |
//!
//! [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is the
//! interaction type's name as Discord writes it (`APPLICATION_COMMAND`,
//! `MESSAGE_COMPONENT`, …, the number for a type this crate does not name)
//! or a webhook event's `event.type` (`APPLICATION_AUTHORIZED`).
//!
//! Ed25519 is verified strictly: a signature whose `S` is not below the
//! group order (a malleated copy of a genuine one) is refused, and so are
//! weak (small-order) public keys.
//!
//! Sources: ¹ [Receiving and responding to interactions: security and authorization](https://discord.com/developers/docs/interactions/receiving-and-responding#security-and-authorization);
//! ² `discord-interactions` (JavaScript) `verifyKey`;
//! ³ [Webhook events](https://discord.com/developers/docs/events/webhook-events);
//! ⁴ [Snowflakes](https://discord.com/developers/docs/reference#snowflakes);
//! ⁵ [Interaction object](https://discord.com/developers/docs/interactions/receiving-and-responding#interaction-object).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::discord::Discord;
//!
//! // The receiver holds the application's public key; this one can also sign,
//! // to make a genuine delivery here.
//! let signer = Discord::from_signing_key(
//!     "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14",
//! )?;
//! let receiver = Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9")?;
//! let body = br#"{"id": "1227086452651560960", "type": 2, "token": "t",
//!     "data": {"name": "roll"}, "version": 1}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = signer.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("APPLICATION_COMMAND", "1227086452651560960"));
//! assert_eq!(event.data["name"], "roll");
//! assert!(receiver.sign_at(body, now).is_err()); // a public key cannot sign
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderName, Method, Response, StatusCode};
use serde::Deserialize;
use serde_json::Value;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, Part, SignatureRule, TimeFormat, TimestampRule,
    described_receiver, key_pair_constructors,
};
use crate::event::{rfc3339, typed_event, unix_time};
use crate::{Error, Handshake, Provider, ReplyRule, RetrySchedule, Tolerance};

static DISCORD: Description = Description {
    name: "Discord",
    algorithm: Algorithm::Ed25519,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-signature-ed25519"),
        b"",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-signature-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: &[Part::Timestamp, Part::Body],
    tolerance: Tolerance::discord(),
    reply: ReplyRule::discord(),
    retries: RetrySchedule::discord,
    sent_with: &[],
};

const PUBLIC_KEY_FORM: &str = "a Discord public key is 64 hex digits (the Developer Portal's Public Key), a valid Ed25519 key";
const SIGNING_KEY_FORM: &str = "a Discord signing key is a 32-byte Ed25519 seed in 64 hex digits";

described_receiver! {
    /// A receiver for Discord interactions and webhook events, verified
    /// with the application's public key.
    ///
    /// `Debug` shows how many keys are trusted, never a signing key.
    ///
    /// ```
    /// use webhook_kit::discord::Discord;
    ///
    /// let seed = "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14";
    /// let receiver = Discord::from_signing_key(seed)?;
    /// assert!(!format!("{receiver:?}").contains(seed));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Discord;
    description: DISCORD,
    event: Event,
    parse: parse,
    example: "webhook_kit::discord::Discord::new(\"d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9\")?",
    builders: [with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: answer_ping,
}

key_pair_constructors! {
    Discord: DISCORD, Encoding::Hex;
    /// A receiver trusting the application's public key, as the Developer
    /// Portal shows it (64 hex digits, either case).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a key that is not 64 hex digits, not a
    /// point on Ed25519, not canonically encoded, or weak (of small order).
    ///
    /// ```
    /// use webhook_kit::discord::Discord;
    ///
    /// assert!(Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9").is_ok());
    /// assert!(Discord::new("").is_err());
    /// assert!(Discord::new("d3d53874").is_err());
    /// // The neutral point: any signature would verify under it.
    /// assert!(Discord::new(&format!("01{}", "0".repeat(62))).is_err());
    /// ```
    new(public_key_hex): PUBLIC_KEY_FORM;

    /// The key is its 32-byte seed in hex.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a seed that is not 64 hex digits.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::discord::Discord;
    ///
    /// let signer = Discord::from_signing_key("bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14")?;
    /// let headers = signer.sign_at(b"{}", time::OffsetDateTime::now_utc())?;
    /// assert_eq!(headers["x-signature-ed25519"].len(), 128);
    /// assert!(Discord::from_signing_key("not hex").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    from_signing_key(signing_key_hex): SIGNING_KEY_FORM;

    /// Trusts another public key as well (for a move between
    /// applications).
    with_public_key;
    /// ```
    /// use webhook_kit::discord::Discord;
    ///
    /// let receiver = Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9")?
    ///     .with_public_key("32fcb550c93d50934cee7627164921715eac458dc3fe6e7daf055df2a33dcad6")?;
    /// assert!(receiver.with_public_key("zz").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
}

/// Answers Discord's `PING`s once the request verifies: an interaction
/// `PING` with `{"type":1}`, a webhook-event `PING` with `204`. The request
/// is verified before its body is read, so a forged request, `PING` or not,
/// is `Some(Err(..))` (Discord's probes with invalid signatures get their
/// `401`); a genuine request that is not a `PING` is `None`.
fn answer_ping(
    receiver: &Discord,
    request: &Handshake<'_>,
    now: time::OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    if request.method != Method::POST {
        return None;
    }
    if let Err(err) = receiver.verify_at(request.headers, request.body, now) {
        return Some(Err(err));
    }
    let body: Envelope = parse_body(request.body).ok()?;
    match (body.kind, &body.event) {
        (INTERACTION_PING, None) => Some(Ok(crate::handshake::reply(
            "application/json",
            r#"{"type":1}"#.to_owned(),
        ))),
        (WEBHOOK_PING, _) => {
            let mut reply = Response::new(String::new());
            *reply.status_mut() = StatusCode::NO_CONTENT;
            Some(Ok(reply))
        }
        _ => None,
    }
}

/// An interaction's `type` for `PING`.
const INTERACTION_PING: u64 = 1;
/// A webhook event's `type` for `PING` (an event is `1`, with an `event`).
const WEBHOOK_PING: u64 = 0;

typed_event! {
    /// A Discord interaction or webhook event.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::discord::Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9")?;
    /// let event = receiver.parse(br#"{"version": 1, "type": 1, "application_id": "1227000000000000000",
    ///     "event": {"type": "APPLICATION_AUTHORIZED", "timestamp": "2024-04-04T19:16:31.000000+00:00",
    ///     "data": {"scopes": ["applications.commands"]}}}"#)?;
    /// assert!(event.webhook_event);
    /// assert_eq!(event.event_type(), "APPLICATION_AUTHORIZED");
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_712_258_191));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// The interaction's `id` (a snowflake); empty for a webhook event,
        /// which carries none.
        id,
        /// The interaction type's name (`PING`, `APPLICATION_COMMAND`,
        /// `MESSAGE_COMPONENT`, `APPLICATION_COMMAND_AUTOCOMPLETE`,
        /// `MODAL_SUBMIT`, or the number of a type this crate does not
        /// name), or a webhook event's `event.type`.
        event_type,
        /// The time in the interaction's snowflake id, or a webhook event's
        /// `event.timestamp`.
        occurred_at,
        /// The body's `type` number as sent.
        type_code: u64,
        /// Whether this is a webhook event (`type` 0 or an `event` object)
        /// rather than an interaction.
        webhook_event: bool,
        /// `application_id`.
        application_id: Option<String>,
        /// An interaction's `token`, for its follow-up messages (valid for
        /// 15 minutes, Discord says); `None` for webhook events.
        token: Option<String>,
        /// An interaction's `data`, or a webhook event's `event.data`
        /// (`null` when absent).
        data: Value,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: u64,
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    application_id: Option<String>,
    #[serde(default)]
    token: Option<String>,
    #[serde(default)]
    data: Value,
    #[serde(default)]
    event: Option<WebhookEventBody>,
}

#[derive(Deserialize)]
struct WebhookEventBody {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    data: Value,
}

/// Discord's epoch, the first millisecond of 2015, in Unix milliseconds.
const DISCORD_EPOCH_MILLIS: u64 = 1_420_070_400_000;

/// The creation time a snowflake id carries in its top 42 bits.
fn snowflake_time(id: &str) -> Option<time::OffsetDateTime> {
    let millis = (id.parse::<u64>().ok()? >> 22) + DISCORD_EPOCH_MILLIS;
    unix_time(i64::try_from(millis).ok(), true)
}

fn interaction_type_name(kind: u64) -> String {
    match kind {
        1 => "PING".to_owned(),
        2 => "APPLICATION_COMMAND".to_owned(),
        3 => "MESSAGE_COMPONENT".to_owned(),
        4 => "APPLICATION_COMMAND_AUTOCOMPLETE".to_owned(),
        5 => "MODAL_SUBMIT".to_owned(),
        other => other.to_string(),
    }
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let webhook_event = envelope.kind == WEBHOOK_PING || envelope.event.is_some();
    let (event_type, occurred_at, data) = match envelope.event {
        Some(event) => (event.kind, rfc3339(event.timestamp.as_deref()), event.data),
        None if webhook_event => ("PING".to_owned(), None, Value::Null),
        None => (
            interaction_type_name(envelope.kind),
            envelope.id.as_deref().and_then(snowflake_time),
            envelope.data,
        ),
    };
    Ok(Event {
        id: envelope.id.unwrap_or_default(),
        event_type,
        occurred_at,
        type_code: envelope.kind,
        webhook_event,
        application_id: envelope.application_id,
        token: envelope.token,
        data,
        raw: parse_body(body)?,
    })
}

impl RetrySchedule {
    /// Discord's delivery, **our reading**: an interaction must be answered
    /// within 3 seconds and Discord publishes no redelivery (the user sees
    /// the interaction fail), so one attempt with a 3 s timeout.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::discord();
    /// assert_eq!(schedule.max_attempts(), 1);
    /// assert_eq!(schedule.timeout(), Some(std::time::Duration::from_secs(3)));
    /// ```
    pub fn discord() -> Self {
        RetrySchedule::none().with_timeout(Duration::from_secs(3))
    }
}

impl ReplyRule {
    /// How Discord reads a reply: any `2xx` is delivered (**our default**
    /// reading: Discord asks for an answer within 3 seconds). [`Discord`]
    /// starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::discord();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::discord::Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn discord() -> Self {
        ReplyRule::any_2xx()
    }
}

impl Tolerance {
    /// Discord's window around the receiver's clock for the signed
    /// timestamp: 5 minutes either way (**our default**: Discord publishes
    /// none). [`Discord`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::discord();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(webhook_kit::discord::Discord::new("d3d53874491a4d073fb931fe46fa69dba94dc4b03580a2118bde03ccd101f0c9")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn discord() -> Self {
        Tolerance::symmetric(Duration::from_secs(300))
    }
}
