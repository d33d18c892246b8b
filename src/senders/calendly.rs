//! Calendly (API v2).
//!
//! | | |
//! |---|---|
//! | header | `Calendly-Webhook-Signature: t=<unix>,v1=<hex>` ¹ |
//! | signed | `"<t>." + raw body`, HMAC-SHA256 keyed with the webhook signing key ¹ |
//! | rotation | one signing key per subscription or OAuth app ¹; [`Calendly::with_secret`] accepts old and new while replacing a subscription (**our** addition) |
//! | tolerance | Calendly's guide has receivers reject stale timestamps ¹ but states no window as its rule: 3 minutes either way is **our default**, [`Calendly::with_tolerance`] changes it |
//! | event | the body's `event` (`invitee.created`), `created_at` (RFC 3339), `created_by`, `payload` ²; no event id |
//! | reply | any `2xx`; redirects and other statuses fail; `410 Gone` deletes the subscription at once ² |
//! | retries | exponential backoff for 24 hours, then the subscription is disabled ³; timeouts 10 s to connect, 15 s to read ⁴; the intervals are unpublished: [`RetrySchedule::calendly`] is **our default** |
//!
//! Sources: ¹ [Calendly: Webhook signatures](https://developer.calendly.com/api-docs/overview/webhooks/webhook-signatures);
//! ² [Calendly: Webhooks](https://developer.calendly.com/docs/webhooks/overview);
//! ³ [Calendly: Webhook errors](https://developer.calendly.com/api-docs/overview/webhooks/webhook-errors);
//! ⁴ [Calendly: Webhook timeouts](https://developer.calendly.com/api-docs/overview/webhooks/webhook-timeouts).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::calendly::Calendly;
//!
//! let receiver = Calendly::new("calendly-signing-key")?;
//! let body = br#"{"event": "invitee.created", "created_at": "2023-11-14T22:13:20.000000Z",
//!     "created_by": "https://api.calendly.com/users/AAAA",
//!     "payload": {"uri": "https://api.calendly.com/scheduled_events/GBGB/invitees/CCCC", "email": "a@example.com"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "invitee.created");
//! assert_eq!(event.data["email"], "a@example.com");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde_json::Value;

use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static CALENDLY: Description = Description {
    name: "Calendly",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::t_v1(
        HeaderName::from_static("calendly-webhook-signature"),
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::signature_item(TimeFormat::UnixSeconds)),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b"."), Part::Body],
    tolerance: Tolerance::calendly(),
    reply: ReplyRule::calendly(),
    retries: RetrySchedule::calendly,
    sent_with: &[],
};

described_receiver! {
    /// A receiver for Calendly webhooks.
    ///
    /// `Debug` shows the configuration but never a key.
    ///
    /// ```
    /// let receiver = webhook_kit::calendly::Calendly::new("cal_signing_key")?;
    /// assert!(!format!("{receiver:?}").contains("cal_signing_key"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Calendly;
    description: CALENDLY,
    event: Event,
    parse: parse,
    example: "webhook_kit::calendly::Calendly::new(\"cal_signing_key\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Calendly {
    /// A receiver for deliveries signed with a webhook signing key (the
    /// `signing_key` given when the subscription was created, or the OAuth
    /// app's).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only key.
    ///
    /// ```
    /// use webhook_kit::calendly::Calendly;
    ///
    /// assert!(Calendly::new("calendly-signing-key").is_ok());
    /// assert!(Calendly::new("").is_err());
    /// ```
    pub fn new(signing_key: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(CALENDLY.algorithm, signing_key.into()).map_err(Self::secret_error)?;
        Ok(Calendly::from_core(ReceiverCore::new(&CALENDLY, keys)))
    }
}

typed_event! {
    /// A Calendly event.
    ///
    /// Calendly sends no event id:
    /// [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is empty, and `data["uri"]` (the body's `payload.uri`: the invitee's
    /// or the object's URI) identifies what the event is about.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::calendly::Calendly::new("cal_signing_key")?;
    /// let event = receiver.parse(br#"{"event": "invitee.canceled", "created_at": "2024-01-01T00:00:00.000000Z",
    ///     "created_by": "https://api.calendly.com/users/AAAA", "payload": {"uri": "u"}}"#)?;
    /// assert_eq!(event.id(), "");
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// assert_eq!(event.created_by.as_deref(), Some("https://api.calendly.com/users/AAAA"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Calendly sends no event id.
        id,
        /// `event`, such as `invitee.created`.
        event_type from "event",
        /// `created_at`.
        occurred_at from "created_at" as rfc3339,
        /// `created_by`: the URI of the user who created the subscription.
        created_by from "created_by": Option<String>,
        /// `payload`: the invitee, routing form submission or other object,
        /// as sent.
        data from "payload": Value,
    }
}

impl RetrySchedule {
    /// Calendly's redelivery, **our approximation**: Calendly retries with
    /// exponential backoff for 24 hours but publishes no intervals. Ours
    /// waits 5 minutes, tripling up to 6 hours: 8 attempts over about
    /// 21 hours, each with Calendly's 15 s read timeout.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::calendly();
    /// assert_eq!(schedule.max_attempts(), 8);
    /// assert!(schedule.horizon() <= Duration::from_secs(24 * 3600));
    /// assert_eq!(schedule.timeout(), Some(Duration::from_secs(15)));
    /// ```
    pub fn calendly() -> Self {
        let (first, cap) = (Duration::from_secs(5 * 60), Duration::from_secs(6 * 3600));
        RetrySchedule::exponential(first, 3, cap, 8).with_timeout(Duration::from_secs(15))
    }
}

impl ReplyRule {
    /// How Calendly reads a reply: any `2xx` is delivered; `410 Gone` deletes
    /// the subscription ([`Outcome::Disable`](crate::Outcome::Disable));
    /// anything else is retried, as Calendly publishes. [`Calendly`] starts
    /// with it.
    ///
    /// ```
    /// use webhook_kit::{Outcome, Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::calendly();
    /// let reply = |status: u16| http::Response::builder().status(status).body("").expect("reply");
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert_eq!(rule.classify(&reply(410)), Outcome::Disable);
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::calendly::Calendly::new("cal_signing_key")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn calendly() -> Self {
        ReplyRule::any_2xx().disable_on(&[410])
    }
}

impl Tolerance {
    /// Calendly's window around the receiver's clock for the signed
    /// timestamp: 3 minutes either way (**our default**: Calendly asks
    /// receivers to refuse stale timestamps but states no window). [`Calendly`]
    /// starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::calendly();
    /// assert_eq!(window.past, Duration::from_secs(180));
    /// assert_eq!(window.future, Duration::from_secs(180));
    /// assert_eq!(webhook_kit::calendly::Calendly::new("cal_signing_key")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn calendly() -> Self {
        Tolerance::symmetric(Duration::from_secs(3 * 60))
    }
}
