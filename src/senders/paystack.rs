//! Paystack.
//!
//! | | |
//! |---|---|
//! | header | `x-paystack-signature: <hex>` ¹ |
//! | signed | the raw body, HMAC-**SHA512** keyed with the account's secret key (`sk_live_…` / `sk_test_…`) ¹ |
//! | rotation | none: a secret key is replaced on the dashboard; [`Paystack::with_secret`] accepts the old and the new key meanwhile (**our** addition) |
//! | replay | no timestamp is signed, so there is no window: deduplicate (the same event can arrive again) ¹ |
//! | event | the body's `event` (such as `charge.success`) and `data`; no event id and no time at the top level ² |
//! | reply | `200 OK` ¹ (only `200` counts: **our default** reading) |
//! | retries | live mode: every 3 minutes for the first 4 tries, then hourly for the next 72 hours ¹: [`RetrySchedule::paystack`] |
//!
//! Paystack signs with the API **secret** key, not a separate webhook
//! secret; a public key (`pk_…`) is refused at construction, as it is one
//! nobody should sign with.
//!
//! Sources: ¹ [Paystack: Webhooks](https://paystack.com/docs/payments/webhooks/)
//! (verify the event origin, respond to events, retries);
//! ² [Paystack: Webhooks, types of events](https://paystack.com/docs/payments/webhooks/#types-of-events).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::paystack::Paystack;
//!
//! let receiver = Paystack::new("sk_test_0123456789abcdef")?;
//! let body = br#"{"event": "charge.success", "data": {"id": 302961, "reference": "qTPrJoy9Bx"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "charge.success");
//! assert_eq!(event.data["reference"], "qTPrJoy9Bx");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use http::HeaderName;
use serde_json::Value;

use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret};

static PAYSTACK: Description = Description::body_signed(
    "Paystack",
    Algorithm::HmacSha512,
    SignatureRule::bare(
        HeaderName::from_static("x-paystack-signature"),
        b"",
        Encoding::Hex,
    ),
    None,
    ReplyRule::paystack(),
    RetrySchedule::paystack,
);

described_receiver! {
    /// A receiver for Paystack webhooks.
    ///
    /// `Debug` shows the configuration but never a key.
    ///
    /// ```
    /// let receiver = webhook_kit::paystack::Paystack::new("sk_test_secret")?;
    /// assert!(!format!("{receiver:?}").contains("sk_test_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Paystack;
    description: PAYSTACK,
    event: Event,
    parse: parse,
    example: "webhook_kit::paystack::Paystack::new(\"sk_test_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Paystack {
    /// A receiver for deliveries signed with the account's secret key
    /// (`sk_live_…` or `sk_test_…`, from Settings → API Keys & Webhooks).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only key, or a
    /// public key (`pk_…`): Paystack signs with the secret key.
    ///
    /// ```
    /// use webhook_kit::paystack::Paystack;
    ///
    /// assert!(Paystack::new("sk_live_0123456789abcdef").is_ok());
    /// assert!(Paystack::new("pk_live_0123456789abcdef").is_err());
    /// assert!(Paystack::new("").is_err());
    /// ```
    pub fn new(secret_key: impl Into<Secret>) -> Result<Self, Error> {
        let secret_key = secret_key.into();
        if secret_key.expose().starts_with(b"pk_") {
            return Err(Error::InvalidSecret(
                "this is a Paystack public key (pk_…): Paystack signs with the secret key (sk_…)",
            ));
        }
        let keys = KeySet::hmac(PAYSTACK.algorithm, secret_key).map_err(Self::secret_error)?;
        Ok(Paystack::from_core(ReceiverCore::new(&PAYSTACK, keys)))
    }
}

typed_event! {
    /// A Paystack event.
    ///
    /// Paystack sends no event id:
    /// [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is empty, and the object's own `data["id"]` or `data["reference"]`
    /// identify what the event is about. No time is sent at the top level
    /// either (`data` carries the object's own times, such as `paid_at`).
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::paystack::Paystack::new("sk_test_secret")?;
    /// let event = receiver.parse(br#"{"event": "transfer.success", "data": {"reference": "t-1"}}"#)?;
    /// assert_eq!((event.event_type(), &*event.id()), ("transfer.success", ""));
    /// assert_eq!(event.occurred_at(), None);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Paystack sends no event id.
        id,
        /// `event`, such as `charge.success`.
        event_type from "event",
        /// Always `None`: Paystack sends no event time at the top level.
        occurred_at,
        /// `data`: the object the event is about, as sent.
        data from "data": Value,
    }
}

impl RetrySchedule {
    /// Paystack's live-mode redelivery: every 3 minutes for the first 4
    /// tries, then hourly for the next 72 hours (77 attempts in all). The
    /// per-attempt timeout is unpublished and left unset.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::paystack();
    /// assert_eq!(schedule.max_attempts(), 77);
    /// assert_eq!(schedule.delay_after(4), Some(Duration::from_secs(180)));
    /// assert_eq!(schedule.delay_after(5), Some(Duration::from_secs(3600)));
    /// ```
    pub fn paystack() -> Self {
        RetrySchedule::minutes_then_hourly(&[3, 3, 3, 3], 72)
    }
}

impl ReplyRule {
    /// How Paystack reads a reply: only `200` is delivered (**our default**
    /// reading of Paystack's "`200 OK`"); anything else is retried.
    /// [`Paystack`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::paystack();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::paystack::Paystack::new("sk_test_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn paystack() -> Self {
        ReplyRule::codes(&[200])
    }
}
