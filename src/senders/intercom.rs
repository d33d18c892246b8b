//! Intercom (webhook topic notifications).
//!
//! | | |
//! |---|---|
//! | header | `X-Hub-Signature: sha1=<hex>` ¹ |
//! | signed | the raw body, HMAC-**SHA1** keyed with the app's `client_secret` (the subscription's `hub_secret` in the older API) ¹ |
//! | rotation | one signature per delivery ¹; several secrets may be accepted while the app's secret is changed (**our default**) |
//! | tolerance | none: nothing is timestamped in the signature ¹; deduplicate on the notification's `id` |
//! | event | `type: "notification_event"`, `id` (`notif_…`), `topic`, `app_id`, `data.item` ¹; `created_at` (Unix seconds), `delivery_attempts` (the common fields, which say when the event took place ²) |
//! | reply | any `2xx` (**our default** reading: Intercom counts "HTTP error codes" as failures ²) |
//! | retries | unpublished beyond pausing (over 1,000 consecutive errors in 15 minutes: paused 15 minutes), suspension (errors for over seven days, private apps) and `429` throttling (1 minute growing to 2 hours) ²: [`RetrySchedule::intercom`] is **our default** |
//!
//! Intercom publishes no signature test vector; the tests check against an
//! independent HMAC-SHA1. SHA-1 is what Intercom signs with: HMAC-SHA1 is
//! still sound as a MAC, but nothing better can be asked of Intercom.
//!
//! Sources: ¹ [Signed notifications](https://intercom-developer-hub.readme.io/reference/signed-notifications)
//! ("the hexadecimal (40-byte) representation of a SHA-1 signature computed
//! using the HMAC algorithm as defined in RFC2104", prefixed `sha1=`, with
//! an example notification);
//! ² [Delivering webhook notifications](https://developers.intercom.com/docs/webhooks/webhook-notifications).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::intercom::Intercom;
//!
//! let receiver = Intercom::new("intercom-client-secret")?;
//! let body = br#"{"type": "notification_event", "id": "notif_78c122d0", "topic": "user.created",
//!     "app_id": "a86dr8yl", "created_at": 1700000000,
//!     "data": {"type": "notification_event_data", "item": {"type": "user", "id": "5303"}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! assert!(headers["x-hub-signature"].to_str().unwrap().starts_with("sha1="));
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("user.created", "notif_78c122d0"));
//! assert_eq!(event.item["id"], "5303");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde::Deserialize;
use serde_json::Value;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::{typed_event, unix_time};
use crate::{Error, ReplyRule, RetrySchedule, Secret};

static INTERCOM: Description = Description::body_signed(
    "Intercom",
    Algorithm::HmacSha1,
    SignatureRule::bare(
        HeaderName::from_static("x-hub-signature"),
        b"sha1=",
        Encoding::Hex,
    ),
    None,
    ReplyRule::intercom(),
    RetrySchedule::intercom,
);

described_receiver! {
    /// A receiver for Intercom webhook notifications.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::intercom::Intercom::new("ic_secret")?;
    /// assert!(!format!("{receiver:?}").contains("ic_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Intercom;
    description: INTERCOM,
    event: Event,
    parse: parse,
    example: "webhook_kit::intercom::Intercom::new(\"ic_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Intercom {
    /// A receiver for notifications signed with the app's `client_secret`
    /// (Developer Hub, the app's Basic information page).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::intercom::Intercom;
    ///
    /// assert!(Intercom::new("intercom-client-secret").is_ok());
    /// assert!(Intercom::new("").is_err());
    /// ```
    pub fn new(client_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(INTERCOM.algorithm, client_secret.into()).map_err(Self::secret_error)?;
        Ok(Intercom::from_core(ReceiverCore::new(&INTERCOM, keys)))
    }
}

typed_event! {
    /// An Intercom notification: its topic, the workspace and the item.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::intercom::Intercom::new("ic_secret")?;
    /// let event = receiver.parse(br#"{"type": "notification_event", "id": "notif_1",
    ///     "topic": "conversation.user.created", "app_id": "a86dr8yl", "created_at": 1704067200,
    ///     "delivery_attempts": 2, "data": {"item": {"type": "conversation", "id": "c1"}}}"#)?;
    /// assert_eq!(event.app_id.as_deref(), Some("a86dr8yl"));
    /// assert_eq!(event.delivery_attempts, Some(2));
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `id`, such as `notif_78c122d0-23ba-11e4-9464-79b01267cc2e`: the
        /// same on every attempt, so the key to deduplicate on (empty if a
        /// notification ever lacks one).
        id,
        /// `topic`, such as `conversation.user.created` (`ping` for a test).
        event_type,
        /// `created_at`, in Unix seconds.
        occurred_at,
        /// `app_id`: the workspace the event happened in.
        app_id: Option<String>,
        /// `delivery_attempts`: how many times Intercom has tried to deliver.
        delivery_attempts: Option<u32>,
        /// `data.item`: the object the topic is about, as sent (`null` if
        /// absent).
        item: Value,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    id: String,
    topic: String,
    #[serde(default)]
    app_id: Option<String>,
    #[serde(default)]
    created_at: Option<i64>,
    #[serde(default)]
    delivery_attempts: Option<u32>,
    #[serde(default)]
    data: Option<Data>,
}

#[derive(Deserialize)]
struct Data {
    #[serde(default)]
    item: Value,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    Ok(Event {
        id: envelope.id,
        event_type: envelope.topic,
        occurred_at: unix_time(envelope.created_at, false),
        app_id: envelope.app_id,
        delivery_attempts: envelope.delivery_attempts,
        item: envelope.data.map_or(Value::Null, |data| data.item),
        raw: parse_body(body)?,
    })
}

const MINUTE: u64 = 60;

impl RetrySchedule {
    /// Intercom's redelivery, **our default**: Intercom publishes when it
    /// pauses, throttles (a `429` delays further notifications from one
    /// minute up to two hours) and suspends a failing endpoint, but not
    /// its retry intervals. Ours waits 1, 5, 15, 60 and 120 minutes: six
    /// attempts over about 3 hours 20 minutes.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::intercom();
    /// assert_eq!(schedule.max_attempts(), 6);
    /// assert_eq!(schedule.delay_after(1), Some(Duration::from_secs(60)));
    /// ```
    pub fn intercom() -> Self {
        const DELAYS: [Duration; 5] = [
            Duration::from_secs(MINUTE),
            Duration::from_secs(5 * MINUTE),
            Duration::from_secs(15 * MINUTE),
            Duration::from_secs(60 * MINUTE),
            Duration::from_secs(120 * MINUTE),
        ];
        RetrySchedule::from_static(&DELAYS)
    }
}

impl ReplyRule {
    /// How Intercom reads a reply: any `2xx` is delivered (**our default**
    /// reading: Intercom counts HTTP error codes as failures). [`Intercom`]
    /// starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::intercom();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::intercom::Intercom::new("ic_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn intercom() -> Self {
        ReplyRule::any_2xx()
    }
}
