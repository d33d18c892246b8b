//! Meta: WhatsApp Business Platform, Messenger, Instagram and other Graph
//! API webhooks.
//!
//! | | |
//! |---|---|
//! | header | `X-Hub-Signature-256: sha256=<hex>` ¹ (the older SHA-1 `X-Hub-Signature` is not read) |
//! | signed | the raw body, HMAC-SHA256 keyed with the **app secret** ¹; Meta escapes non-ASCII characters in the body it signs, so only the raw bytes verify ¹ |
//! | rotation | the app secret can be reset; [`Meta::with_secret`] accepts old and new meanwhile (**our** addition) |
//! | replay | no timestamp is signed, so there is no window: deduplicate |
//! | handshake | `GET ?hub.mode=subscribe&hub.challenge=<n>&hub.verify_token=<token>` when the endpoint is configured: reply `hub.challenge` if the token is the one set in the App Dashboard ¹ |
//! | event | `{"object": …, "entry": [{"id": …, "time": …, "changes": [{"field": …, "value": …}]}]}`; Messenger puts `messaging` where others put `changes` ¹ ² ³ |
//! | reply | `200 OK` ¹ ³ |
//! | retries | failed notifications are retried, with decreasing frequency (WhatsApp: for up to 7 days ³); the intervals are unpublished: [`RetrySchedule::meta`] is **our default** |
//!
//! **The verification handshake is closed by default**: without
//! [`Meta::with_verify_token`] every `hub.challenge` request is refused, so
//! nobody can subscribe this endpoint elsewhere by guessing. The token is
//! compared in constant time and never shown.
//!
//! **Event id and type.** A notification carries no id of its own and may
//! batch changes for several objects.
//! [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is the
//! envelope's `object` (`whatsapp_business_account`, `page`, `instagram`,
//! `user`, …); [`WebhookEvent::id`](crate::WebhookEvent::id) is empty (an
//! entry's `id` is the account or page the change is about, the same for
//! every event, so not a deduplication key);
//! [`WebhookEvent::occurred_at`](crate::WebhookEvent::occurred_at) is the
//! first entry's `time`. Each entry's `changes[].field` (`messages`,
//! `feed`, …) says what changed: see [`Entry`].
//!
//! Sources: ¹ [Meta: Webhooks, getting started](https://developers.facebook.com/docs/graph-api/webhooks/getting-started/)
//! (verification requests, event notifications, validating payloads);
//! ² [Messenger Platform: Webhooks](https://developers.facebook.com/docs/messenger-platform/webhooks);
//! ³ [WhatsApp Cloud API: Webhooks](https://developers.facebook.com/docs/whatsapp/cloud-api/guides/set-up-webhooks).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::meta::Meta;
//!
//! let receiver = Meta::new("0123456789abcdef0123456789abcdef")?;
//! let body = br#"{"object": "whatsapp_business_account", "entry": [{"id": "102290129340398",
//!     "changes": [{"field": "messages", "value": {"messaging_product": "whatsapp",
//!     "messages": [{"from": "16315551181", "id": "wamid.ABGG", "type": "text", "text": {"body": "hi"}}]}}]}]}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "whatsapp_business_account");
//! let change = &event.entry[0].changes[0];
//! assert_eq!(change.field, "messages");
//! assert_eq!(change.value["messages"][0]["text"]["body"], "hi");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderName, Method, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::{typed_event, unix_time};
use crate::handshake::reply;
use crate::{Error, Handshake, ReplyRule, RetrySchedule, Secret};

static META: Description = Description::body_signed(
    "Meta",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-hub-signature-256"),
        b"sha256=",
        Encoding::Hex,
    ),
    None,
    ReplyRule::meta(),
    RetrySchedule::meta,
);

/// The verify token, kept only as its SHA-256 digest: comparing digests
/// takes the same time whatever the candidate's length.
#[derive(Clone, Default)]
struct VerifyToken(Option<[u8; 32]>);

impl VerifyToken {
    fn digest(token: &[u8]) -> [u8; 32] {
        Sha256::digest(token).into()
    }
}

described_receiver! {
    /// A receiver for Meta webhooks (WhatsApp, Messenger, Instagram, Graph
    /// API objects), and for their verification handshake once
    /// [`Meta::with_verify_token`] has set the token.
    ///
    /// `Debug` shows the configuration but never the app secret or the
    /// verify token.
    ///
    /// ```
    /// let receiver = webhook_kit::meta::Meta::new("app_secret")?.with_verify_token("meatyhamhock")?;
    /// let shown = format!("{receiver:?}");
    /// assert!(!shown.contains("app_secret") && !shown.contains("meatyhamhock"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Meta;
    description: META,
    event: Event,
    parse: parse,
    example: "webhook_kit::meta::Meta::new(\"app_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: answer_verification,
    state: verify_token: VerifyToken,
}

impl Meta {
    /// A receiver for notifications signed with the app secret (App
    /// Dashboard → App settings → Basic). It answers no verification
    /// handshake until [`Meta::with_verify_token`] is called.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::meta::Meta;
    ///
    /// assert!(Meta::new("0123456789abcdef0123456789abcdef").is_ok());
    /// assert!(Meta::new("").is_err());
    /// ```
    pub fn new(app_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(META.algorithm, app_secret.into()).map_err(Self::secret_error)?;
        Ok(Meta::from_core(ReceiverCore::new(&META, keys)))
    }

    /// Answers Meta's verification `GET` for requests carrying `token`
    /// as `hub.verify_token`: the string entered as "Verify token" in the
    /// App Dashboard's Webhooks settings. Replaces any earlier token.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only token.
    ///
    /// ```
    /// use webhook_kit::{Handshake, Provider};
    ///
    /// let receiver = webhook_kit::meta::Meta::new("app_secret")?.with_verify_token("meatyhamhock")?;
    /// let (method, headers) = (http::Method::GET, http::HeaderMap::new());
    /// let uri = http::Uri::from_static(
    ///     "/webhooks?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock");
    /// let reply = receiver.handshake(&Handshake::new(&method, &uri, &headers, b"")).expect("a handshake")?;
    /// assert_eq!((reply.status(), reply.body().as_str()), (http::StatusCode::OK, "1158201444"));
    /// assert!(webhook_kit::meta::Meta::new("app_secret")?.with_verify_token(" ").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn with_verify_token(mut self, token: impl Into<Secret>) -> Result<Self, Error> {
        let token = token.into().usable()?;
        self.verify_token = VerifyToken(Some(VerifyToken::digest(token.expose())));
        Ok(self)
    }
}

/// The longest `hub.challenge` echoed back. Meta sends an integer; the
/// bound keeps the reply from carrying whatever a caller put there.
const MAX_CHALLENGE: usize = 256;

/// Meta's verification request: a `GET` with `hub.mode`. Anything else is
/// a delivery (`None`). A request whose token is missing or wrong, whose
/// mode is not `subscribe`, whose challenge is absent, empty or not
/// printable ASCII, is refused as [`Error::SignatureMismatch`], saying
/// nothing about which part was wrong; without a configured token, every
/// one is refused as [`Error::InvalidSecret`] (a configuration error).
fn answer_verification(
    receiver: &Meta,
    request: &Handshake<'_>,
    _now: OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    if request.method != Method::GET {
        return None;
    }
    let mode = request.query("hub.mode")?;
    let Some(expected) = receiver.verify_token.0 else {
        return Some(Err(Error::InvalidSecret(
            "Meta's verification request is refused: no verify token is configured (with_verify_token)",
        )));
    };
    let token = request.query("hub.verify_token").unwrap_or_default();
    let token_matches: bool = VerifyToken::digest(token.as_bytes())
        .ct_eq(&expected)
        .into();
    let challenge = request.query("hub.challenge").unwrap_or_default();
    let challenge_is_printable = !challenge.is_empty()
        && challenge.len() <= MAX_CHALLENGE
        && challenge.bytes().all(|b| b.is_ascii_graphic());
    Some(
        if token_matches && mode == "subscribe" && challenge_is_printable {
            Ok(reply("text/plain; charset=utf-8", challenge))
        } else {
            Err(Error::SignatureMismatch)
        },
    )
}

typed_event! {
    /// A Meta notification: the object type and its batch of entries.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::meta::Meta::new("app_secret")?;
    /// let event = receiver.parse(br#"{"object": "page", "entry": [{"id": "PAGE_ID", "time": 1458692752478,
    ///     "messaging": [{"sender": {"id": "PSID"}, "message": {"mid": "m1", "text": "hello"}}]}]}"#)?;
    /// assert_eq!((event.event_type(), &*event.id()), ("page", ""));
    /// assert_eq!(event.entry[0].messaging[0]["message"]["text"], "hello");
    /// // Messenger's `time` is in milliseconds, the Graph API's in seconds: both read.
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_458_692_752));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: a notification carries no id of its own.
        id,
        /// `object`, such as `whatsapp_business_account`, `page`,
        /// `instagram` or `user`.
        event_type,
        /// The first entry's `time`, read as milliseconds when it is too
        /// large to be seconds (Messenger sends milliseconds, the Graph API
        /// seconds); `None` where the entry has no time (WhatsApp).
        occurred_at,
        /// `entry`: the changes, grouped by the object they are about.
        entry: Vec<Entry>,
    }
}

/// One entry of a notification: the changes to one object (a WhatsApp
/// Business Account, a page, a user).
///
/// ```
/// let entry: webhook_kit::meta::Entry = serde_json::from_str(
///     r#"{"id": 102290129340398, "changes": [{"field": "statuses", "value": {}}]}"#)?;
/// assert_eq!((entry.id.as_str(), entry.changes[0].field.as_str()), ("102290129340398", "statuses"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Entry {
    /// `id`: the object's id (the WhatsApp Business Account, page or user),
    /// as text even where Meta writes a number.
    #[serde(default, deserialize_with = "id_text")]
    pub id: String,
    /// `time`, as sent (seconds or milliseconds, by product).
    #[serde(default)]
    pub time: Option<i64>,
    /// `changes`: what changed (Graph API objects, WhatsApp, Instagram).
    #[serde(default)]
    pub changes: Vec<Change>,
    /// `messaging`: Messenger's and Instagram messaging's events, as sent.
    #[serde(default)]
    pub messaging: Vec<Value>,
}

/// One change in an [`Entry`].
///
/// ```
/// let change: webhook_kit::meta::Change = serde_json::from_str(r#"{"field": "feed", "value": {"verb": "add"}}"#)?;
/// assert_eq!(change.value["verb"], "add");
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Change {
    /// `field`: what changed, such as `messages` (WhatsApp) or `feed`.
    #[serde(default)]
    pub field: String,
    /// `value`: the change, as sent.
    #[serde(default)]
    pub value: Value,
}

/// An id Meta writes as a string or a number, as text.
fn id_text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match Value::deserialize(deserializer)? {
        Value::String(text) => Ok(text),
        Value::Number(number) => Ok(number.to_string()),
        Value::Null => Ok(String::new()),
        _ => Err(serde::de::Error::custom(
            "an id must be a string or a number",
        )),
    }
}

#[derive(Deserialize)]
struct Envelope {
    object: String,
    #[serde(default)]
    entry: Vec<Entry>,
}

/// Unix seconds end well before this many (in the year 5138); a larger
/// `time` is milliseconds.
const SECONDS_BELOW: i64 = 100_000_000_000;

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let time = envelope.entry.first().and_then(|entry| entry.time);
    Ok(Event {
        id: String::new(),
        event_type: envelope.object,
        occurred_at: time.and_then(|t| unix_time(Some(t), t.abs() >= SECONDS_BELOW)),
        entry: envelope.entry,
        raw: parse_body(body)?,
    })
}

impl RetrySchedule {
    /// Meta's redelivery, **our approximation**: Meta retries failed
    /// notifications with decreasing frequency (WhatsApp for up to 7 days)
    /// but publishes no intervals. Ours waits 1 minute, then four times
    /// longer each time up to 12 hours: 19 attempts over about 6.7 days.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::meta();
    /// assert_eq!(schedule.max_attempts(), 19);
    /// assert!(schedule.horizon() <= Duration::from_secs(7 * 24 * 3600));
    /// ```
    pub fn meta() -> Self {
        let cap = Duration::from_secs(12 * 3600);
        RetrySchedule::exponential(Duration::from_secs(60), 4, cap, 19)
    }
}

impl ReplyRule {
    /// How Meta reads a reply: only `200` is delivered, as Meta asks; anything
    /// else is retried. [`Meta`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::meta();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::meta::Meta::new("app_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn meta() -> Self {
        ReplyRule::codes(&[200])
    }
}
