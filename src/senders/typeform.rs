//! Typeform.
//!
//! | | |
//! |---|---|
//! | header | `Typeform-Signature: sha256=<base64>` ¹ |
//! | signed | the raw body, HMAC-SHA256 keyed with the webhook's `secret` (set through the Webhooks API) ¹ |
//! | rotation | none published: a secret is replaced by updating the webhook; [`Typeform::with_secret`] accepts old and new meanwhile (**our** addition) |
//! | replay | no timestamp is signed, so there is no window: deduplicate on `event_id` |
//! | event | the body's `event_id`, `event_type` (`form_response`, `form_response_partial`) and `form_response`, whose `submitted_at` (RFC 3339) is the time ² |
//! | reply | any `2xx`; `404` and `410` deactivate the webhook at once ³ |
//! | retries | every 2 to 3 minutes for up to 10 hours for `408`, `423`, `429` and `503` ³; [`RetrySchedule::typeform`] applies that to every failure (**our default** for the other statuses) |
//!
//! Sources: ¹ [Typeform: Secure your webhooks](https://www.typeform.com/developers/webhooks/secure-your-webhooks/);
//! ² [Typeform: Example webhook payload](https://www.typeform.com/developers/webhooks/example-payload/);
//! ³ [Typeform: Webhooks, troubleshooting and retries](https://www.typeform.com/developers/webhooks/).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::typeform::Typeform;
//!
//! let receiver = Typeform::new("typeform-secret")?;
//! let body = br#"{"event_id": "01HGZ8WT1JQ3M5", "event_type": "form_response",
//!     "form_response": {"form_id": "lT4Z3j", "token": "a3a1", "submitted_at": "2023-11-14T22:13:20Z",
//!     "answers": [{"type": "text", "text": "Lorem ipsum", "field": {"id": "f1", "type": "long_text"}}]}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! assert!(headers["typeform-signature"].to_str().is_ok_and(|v| v.starts_with("sha256=")));
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!((event.event_type(), &*event.id()), ("form_response", "01HGZ8WT1JQ3M5"));
//! assert_eq!(event.form_response["answers"][0]["text"], "Lorem ipsum");
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
use crate::event::{rfc3339, typed_event};
use crate::{Error, ReplyRule, RetrySchedule, Secret};

static TYPEFORM: Description = Description::body_signed(
    "Typeform",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("typeform-signature"),
        b"sha256=",
        Encoding::Base64,
    ),
    None,
    ReplyRule::typeform(),
    RetrySchedule::typeform,
);

described_receiver! {
    /// A receiver for Typeform webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::typeform::Typeform::new("tf_secret")?;
    /// assert!(!format!("{receiver:?}").contains("tf_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Typeform;
    description: TYPEFORM,
    event: Event,
    parse: parse,
    example: "webhook_kit::typeform::Typeform::new(\"tf_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Typeform {
    /// A receiver for deliveries signed with the webhook's secret.
    ///
    /// A webhook created without a secret sends no signature: this
    /// receiver refuses its deliveries, so set one first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::typeform::Typeform;
    ///
    /// assert!(Typeform::new("typeform-secret").is_ok());
    /// assert!(Typeform::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(TYPEFORM.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Typeform::from_core(ReceiverCore::new(&TYPEFORM, keys)))
    }
}

typed_event! {
    /// A Typeform event: a form response, complete or partial.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::typeform::Typeform::new("tf_secret")?;
    /// let event = receiver.parse(br#"{"event_id": "e1", "event_type": "form_response_partial",
    ///     "form_response": {"form_id": "f", "landed_at": "2024-01-01T00:00:00Z"}}"#)?;
    /// assert_eq!(event.event_type(), "form_response_partial");
    /// assert_eq!(event.occurred_at(), None); // a partial response has no `submitted_at`
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// `event_id`, the same on every retry of the event.
        id,
        /// `event_type`: `form_response` or `form_response_partial`.
        event_type,
        /// `form_response.submitted_at`.
        occurred_at,
        /// `form_response`: the answers, the form's definition and hidden
        /// fields, as sent.
        form_response: Value,
    }
}

#[derive(Deserialize)]
struct Envelope {
    event_id: String,
    event_type: String,
    #[serde(default)]
    form_response: Value,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let submitted_at = envelope.form_response["submitted_at"].as_str();
    Ok(Event {
        id: envelope.event_id,
        event_type: envelope.event_type,
        occurred_at: rfc3339(submitted_at),
        form_response: envelope.form_response,
        raw: parse_body(body)?,
    })
}

impl RetrySchedule {
    /// Typeform's redelivery of a throttled or unavailable endpoint
    /// (`408`, `423`, `429`, `503`): every 2 to 3 minutes for up to
    /// 10 hours. Ours waits 150 s each time: 241 attempts over 10 hours.
    /// Typeform treats other failures in ways it does not spell out; this
    /// schedule is **our default** for them too.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::typeform();
    /// assert_eq!(schedule.delay_after(1), Some(Duration::from_secs(150)));
    /// assert_eq!(schedule.horizon(), Duration::from_secs(10 * 3600));
    /// ```
    pub fn typeform() -> Self {
        let every = Duration::from_secs(150);
        RetrySchedule::linear(every, Duration::ZERO, every, 241)
    }
}

impl ReplyRule {
    /// How Typeform reads a reply: any `2xx` is delivered; `404` and `410`
    /// deactivate the webhook ([`Outcome::Disable`](crate::Outcome::Disable)),
    /// as Typeform publishes. [`Typeform`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Outcome, Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::typeform();
    /// let reply = |status: u16| http::Response::builder().status(status).body("").expect("reply");
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert_eq!(rule.classify(&reply(404)), Outcome::Disable);
    /// assert_eq!(rule.classify(&reply(410)), Outcome::Disable);
    /// assert_eq!(webhook_kit::typeform::Typeform::new("tf_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn typeform() -> Self {
        ReplyRule::any_2xx().disable_on(&[404, 410])
    }
}
