//! Twitch EventSub over webhooks.
//!
//! | | |
//! |---|---|
//! | header | `Twitch-Eventsub-Message-Signature: sha256=<hex>` ¹ |
//! | signed | `Twitch-Eventsub-Message-Id` + `Twitch-Eventsub-Message-Timestamp` + raw body, no separators, HMAC-SHA256 keyed with the subscription's secret ¹ |
//! | secret | ASCII, 10 to 100 characters ² (shorter or longer is refused here) |
//! | timestamp | `Twitch-Eventsub-Message-Timestamp`, RFC 3339 with nanoseconds ¹ |
//! | tolerance | messages older than 10 minutes are to be refused ¹; 10 minutes into the future is **our default** |
//! | message types | `Twitch-Eventsub-Message-Type`: `notification`, `webhook_callback_verification`, `revocation` ¹ (not signed) |
//! | handshake | `webhook_callback_verification`: reply `200`, `text/plain`, the body's `challenge` as is ¹, answered by [`Provider::handshake_at`](crate::Provider::handshake_at) only after the request verifies |
//! | revocation | a [`Event`] with no `event`, whose `subscription.status` says why ¹; answer `2xx` |
//! | event | the body's `subscription` (its `type` is the event type, `channel.follow`) and `event` ¹; the message id is the header's, in [`Delivery::id`](crate::Delivery::id) |
//! | reply | `2xx` within a few seconds ¹ |
//! | retries | a message is resent when Twitch is unsure it arrived ³, intervals unpublished: [`RetrySchedule::twitch`] is **our default** |
//!
//! Sources: ¹ [Handling webhook events](https://dev.twitch.tv/docs/eventsub/handling-webhook-events/);
//! ² [Create EventSub Subscription: `transport.secret`](https://dev.twitch.tv/docs/api/reference/#create-eventsub-subscription);
//! ³ [EventSub: handling duplicate events](https://dev.twitch.tv/docs/eventsub/).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::twitch::Twitch;
//!
//! let receiver = Twitch::new("s3cre7-of-the-sub")?;
//! let body = br#"{"subscription": {"id": "f1c2a387", "status": "enabled", "type": "channel.follow",
//!     "version": "2", "condition": {"broadcaster_user_id": "1337"}, "transport": {"method": "webhook"},
//!     "created_at": "2019-11-16T10:11:12.634234626Z"}, "event": {"user_name": "cool_user"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let received = receiver.receive_at(&headers, body, now)?;
//! assert_eq!(received.event.event_type(), "channel.follow");
//! assert!(received.delivery.id().is_some()); // Twitch-Eventsub-Message-Id
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderName, Response};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

use crate::engine::json::{envelope_error, parse_body};
use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, Part, ReceiverCore, SignatureRule,
    TimeFormat, TimestampRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, Handshake, Provider, ReplyRule, RetrySchedule, Secret, Tolerance};

/// The message type header, which the signature does not cover.
const MESSAGE_TYPE: HeaderName = HeaderName::from_static("twitch-eventsub-message-type");

/// Every message signing makes is a notification.
static SENT_WITH: [(HeaderName, &str); 1] = [(MESSAGE_TYPE, "notification")];

static TWITCH: Description = Description {
    name: "Twitch",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("twitch-eventsub-message-signature"),
        b"sha256=",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("twitch-eventsub-message-timestamp"),
        TimeFormat::Rfc3339,
    )),
    id: Some(IdRule {
        header: HeaderName::from_static("twitch-eventsub-message-id"),
        signed: true,
    }),
    signed: &[Part::Id, Part::Timestamp, Part::Body],
    tolerance: Tolerance::twitch(),
    reply: ReplyRule::twitch(),
    retries: RetrySchedule::twitch,
    sent_with: &SENT_WITH,
};

described_receiver! {
    /// A receiver for Twitch EventSub webhooks, which also answers the
    /// `webhook_callback_verification` challenge (see
    /// [`Provider::handshake_at`]).
    ///
    /// `Debug` shows the configuration but never the secret.
    ///
    /// ```
    /// let receiver = webhook_kit::twitch::Twitch::new("s3cre7-of-the-sub")?;
    /// assert!(!format!("{receiver:?}").contains("s3cre7-of-the-sub"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Twitch;
    description: TWITCH,
    event: Event,
    parse: parse,
    example: "webhook_kit::twitch::Twitch::new(\"s3cre7-of-the-sub\")?",
    builders: [with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: callback_verification,
}

impl Twitch {
    /// A receiver for the messages of subscriptions created with `secret`
    /// (the `transport.secret` given to Twitch).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a secret that is not 10 to 100 ASCII
    /// characters, the form Twitch accepts, or is only whitespace.
    ///
    /// ```
    /// use webhook_kit::twitch::Twitch;
    ///
    /// assert!(Twitch::new("s3cre7-of-the-sub").is_ok());
    /// assert!(Twitch::new("short").is_err());
    /// assert!(Twitch::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(TWITCH.algorithm, twitch_secret(secret.into())?)
            .map_err(Self::secret_error)?;
        Ok(Twitch::from_core(ReceiverCore::new(&TWITCH, keys)))
    }

    /// Accepts another subscription secret as well (rotation: a message
    /// signed with any accepted secret verifies, and
    /// [`Delivery::secret_index`](crate::Delivery::secret_index) says which).
    /// Signing uses the first secret.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`], as [`Twitch::new`].
    ///
    /// ```
    /// use webhook_kit::twitch::Twitch;
    ///
    /// let receiver = Twitch::new("s3cre7-of-the-sub")?.with_secret("the-next-secret")?;
    /// assert!(Twitch::new("s3cre7-of-the-sub")?.with_secret("short").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Self, Error> {
        self.verifier.add_secret(twitch_secret(secret.into())?)?;
        Ok(self)
    }
}

/// The secret, if it has the form Twitch accepts.
fn twitch_secret(secret: Secret) -> Result<Secret, Error> {
    let bytes = secret.expose();
    if bytes.is_empty() || bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(Error::InvalidSecret(
            "the secret is empty or only whitespace",
        ));
    }
    if !(10..=100).contains(&bytes.len()) || !bytes.is_ascii() {
        return Err(Error::InvalidSecret(
            "a Twitch EventSub secret is 10 to 100 ASCII characters",
        ));
    }
    Ok(secret)
}

typed_event! {
    /// A Twitch EventSub message: a notification, a revocation (no
    /// `event` in the body, so no `data`; `subscription.status` says why, such as
    /// `authorization_revoked`), or a callback verification (`challenge`)
    /// when the handshake is not left to [`Provider::handshake_at`].
    ///
    /// The body carries neither the message id nor its time: they are the
    /// headers', in [`Delivery::id`](crate::Delivery::id) and
    /// [`Delivery::timestamp`](crate::Delivery::timestamp). So
    /// [`WebhookEvent::id`](crate::WebhookEvent::id) is empty and
    /// [`WebhookEvent::occurred_at`](crate::WebhookEvent::occurred_at) is
    /// `None`.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::twitch::Twitch::new("s3cre7-of-the-sub")?;
    /// let revoked = receiver.parse(br#"{"subscription": {"id": "f1c2", "status": "authorization_revoked",
    ///     "type": "channel.follow", "version": "2", "condition": {}, "transport": {}}}"#)?;
    /// assert_eq!(revoked.event_type(), "channel.follow");
    /// assert!(revoked.data.is_none());
    /// assert_eq!(revoked.subscription.status, "authorization_revoked");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: the message id is the header's.
        id,
        /// `subscription.type`, such as `channel.follow` (unknown types are
        /// kept).
        event_type,
        /// Always `None`: the message time is the header's.
        occurred_at,
        /// `subscription`: the subscription the message is for.
        subscription: Subscription,
        /// The body's `event`: the event's data, as sent; `None` in a
        /// revocation or a verification.
        data: Option<Value>,
        /// `challenge`: set in a `webhook_callback_verification` only.
        challenge: Option<String>,
    }
}

/// The subscription a Twitch message is for.
///
/// ```
/// use webhook_kit::Provider;
///
/// let receiver = webhook_kit::twitch::Twitch::new("s3cre7-of-the-sub")?;
/// let event = receiver.parse(br#"{"subscription": {"id": "f1c2", "status": "enabled",
///     "type": "stream.online", "version": "1", "condition": {"broadcaster_user_id": "1337"},
///     "transport": {"method": "webhook"}, "cost": 0}, "event": {}}"#)?;
/// assert_eq!(event.subscription.condition["broadcaster_user_id"], "1337");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Subscription {
    /// `id`.
    pub id: String,
    /// `status`: `enabled`, or why it was revoked.
    pub status: String,
    /// `type`, such as `channel.follow`.
    #[serde(rename = "type")]
    pub subscription_type: String,
    /// `version`.
    pub version: String,
    /// `condition`, as sent.
    #[serde(default)]
    pub condition: Value,
    /// `transport`, as sent.
    #[serde(default)]
    pub transport: Value,
    /// `cost`, where sent.
    #[serde(default)]
    pub cost: Option<i64>,
    /// `created_at`, RFC 3339, where sent.
    #[serde(default)]
    pub created_at: Option<String>,
}

#[derive(Deserialize)]
struct Envelope {
    subscription: Subscription,
    #[serde(default)]
    event: Option<Value>,
    #[serde(default)]
    challenge: Option<String>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    Ok(Event {
        id: String::new(),
        event_type: envelope.subscription.subscription_type.clone(),
        occurred_at: None,
        subscription: envelope.subscription,
        data: envelope.event,
        challenge: envelope.challenge,
        raw: parse_body(body)?,
    })
}

/// Answers `webhook_callback_verification` once the message verifies;
/// other message types are deliveries (`None`).
fn callback_verification(
    receiver: &Twitch,
    request: &Handshake<'_>,
    now: OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    let kind = request.headers.get(MESSAGE_TYPE)?;
    if kind.as_bytes() != b"webhook_callback_verification" {
        return None;
    }
    Some(
        receiver
            .verify_and_parse_at(request.headers, request.body, now)
            .and_then(|event| {
                let challenge = event.challenge.ok_or_else(|| {
                    envelope_error(request.body, "missing field `challenge`".into())
                })?;
                Ok(crate::handshake::reply("text/plain", challenge))
            }),
    )
}

impl RetrySchedule {
    /// Twitch's redelivery, **our default**: Twitch resends a message when
    /// it is unsure it arrived but publishes no intervals. Ours waits 1, 5
    /// and 15 minutes, each attempt with a 3 s timeout ("a few seconds").
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::twitch();
    /// assert_eq!(schedule.max_attempts(), 4);
    /// assert_eq!(schedule.timeout(), Some(std::time::Duration::from_secs(3)));
    /// ```
    pub fn twitch() -> Self {
        RetrySchedule::minutes_then_hourly(&[1, 5, 15], 0).with_timeout(Duration::from_secs(3))
    }
}

impl ReplyRule {
    /// How Twitch reads a reply: any `2xx` is delivered, as Twitch publishes;
    /// anything else is retried. [`Twitch`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::twitch();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::twitch::Twitch::new("s3cre7-of-the-sub")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn twitch() -> Self {
        ReplyRule::any_2xx()
    }
}

impl Tolerance {
    /// Twitch's window around the receiver's clock for the signed
    /// timestamp: messages older than 10 minutes are refused, as Twitch asks;
    /// 10 minutes into the future is **our default**. [`Twitch`] starts with
    /// it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::twitch();
    /// assert_eq!(window.past, Duration::from_secs(600));
    /// assert_eq!(window.future, Duration::from_secs(600));
    /// assert_eq!(webhook_kit::twitch::Twitch::new("s3cre7-of-the-sub")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn twitch() -> Self {
        Tolerance::symmetric(Duration::from_secs(10 * 60))
    }
}
