//! Zoom.
//!
//! | | |
//! |---|---|
//! | header | `x-zm-signature: v0=<hex>` ¹ |
//! | signed | `"v0:<x-zm-request-timestamp>:" + raw body`, HMAC-SHA256 keyed with the app's secret token ¹ |
//! | timestamp | `x-zm-request-timestamp`, Unix seconds ¹ |
//! | tolerance | unpublished: 5 minutes each way is **our default** |
//! | handshake | `endpoint.url_validation`, signed like any event: reply `200` with `{"plainToken": …, "encryptedToken": hex HMAC-SHA256(secret token, plainToken)}` ¹, answered by [`Provider::handshake_at`](crate::Provider::handshake_at) only after the request verifies |
//! | event | the body's `event` (`meeting.started`), `event_ts` (Unix milliseconds) and `payload` ¹; no event id |
//! | reply | `200` or `204` within three seconds ² |
//! | retries | three retries, 5, 20 and 60 minutes after the attempt before ²: [`RetrySchedule::zoom`] |
//!
//! Sources: ¹ [Using webhooks: verify webhook events, validate your endpoint](https://developers.zoom.us/docs/api/webhooks/);
//! ² [Webhook delays](https://devsupport.zoom.us/hc/en-us/articles/360059893812-Webhook-delays).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::zoom::Zoom;
//!
//! let receiver = Zoom::new("zoom-secret-token")?;
//! let body = br#"{"event": "meeting.started", "event_ts": 1700000000000,
//!     "payload": {"account_id": "acc", "object": {"id": "85309", "topic": "Standup"}}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "meeting.started");
//! assert_eq!(event.data["object"]["topic"], "Standup");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderName, Response};
use serde_json::Value;
use time::OffsetDateTime;

use crate::engine::json::envelope_error;
use crate::engine::signature::encode_hex;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, Handshake, Provider, ReplyRule, RetrySchedule, Secret, Tolerance};

static ZOOM: Description = Description {
    name: "Zoom",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-zm-signature"),
        b"v0=",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-zm-request-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: Part::V0_TIMESTAMP_BODY,
    tolerance: Tolerance::zoom(),
    reply: ReplyRule::zoom(),
    retries: RetrySchedule::zoom,
    sent_with: &[],
};

/// The event of Zoom's endpoint check.
const URL_VALIDATION: &str = "endpoint.url_validation";

described_receiver! {
    /// A receiver for Zoom webhooks, which also answers Zoom's
    /// `endpoint.url_validation` check (see [`Provider::handshake_at`]).
    ///
    /// `Debug` shows the configuration but never the secret token.
    ///
    /// ```
    /// let receiver = webhook_kit::zoom::Zoom::new("zoom-secret-token")?;
    /// assert!(!format!("{receiver:?}").contains("zoom-secret-token"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Zoom;
    description: ZOOM,
    event: Event,
    parse: parse,
    example: "webhook_kit::zoom::Zoom::new(\"zoom-secret-token\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: url_validation,
}

impl Zoom {
    /// A receiver for deliveries signed with an app's secret token (the
    /// app's *Features* page in the Zoom App Marketplace).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only token.
    ///
    /// ```
    /// use webhook_kit::zoom::Zoom;
    ///
    /// assert!(Zoom::new("zoom-secret-token").is_ok());
    /// assert!(Zoom::new("").is_err());
    /// ```
    pub fn new(secret_token: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(ZOOM.algorithm, secret_token.into()).map_err(Self::secret_error)?;
        Ok(Zoom::from_core(ReceiverCore::new(&ZOOM, keys)))
    }
}

typed_event! {
    /// A Zoom event notification.
    ///
    /// Zoom sends no event id, so [`WebhookEvent::id`](crate::WebhookEvent::id)
    /// is empty.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::zoom::Zoom::new("zoom-secret-token")?;
    /// let event = receiver.parse(br#"{"event": "recording.completed", "event_ts": 1704067200000,
    ///     "payload": {"object": {"uuid": "u"}}}"#)?;
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// assert_eq!(event.id(), "");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Zoom's events carry no id.
        id,
        /// `event`, such as `meeting.started` (unknown types are kept).
        event_type from "event",
        /// `event_ts`, Unix milliseconds.
        occurred_at from "event_ts" as unix_millis,
        /// `payload`: the account and the object, as sent.
        data from "payload": Value,
    }
}

/// Answers `endpoint.url_validation` once the request verifies; any other
/// request is a delivery (`None`).
fn url_validation(
    receiver: &Zoom,
    request: &Handshake<'_>,
    now: OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    // A cheap look before any verification: only a body naming the
    // validation event can be one.
    let mentions = request
        .body
        .windows(URL_VALIDATION.len())
        .any(|window| window == URL_VALIDATION.as_bytes());
    if !mentions {
        return None;
    }
    let received = match receiver.receive_at(request.headers, request.body, now) {
        Ok(received) => received,
        Err(err) => return Some(Err(err)),
    };
    if received.event.event_type != URL_VALIDATION {
        return None;
    }
    let secret = received.delivery.secret_index().unwrap_or(0);
    Some(validation_reply(
        receiver,
        secret,
        &received.event,
        request.body,
    ))
}

/// Zoom's expected answer: the plain token and its HMAC with the secret
/// token the request was signed with, in hex.
fn validation_reply(
    receiver: &Zoom,
    secret: usize,
    event: &Event,
    body: &[u8],
) -> Result<Response<String>, Error> {
    let plain_token = event.data["plainToken"]
        .as_str()
        .ok_or_else(|| envelope_error(body, "missing field `payload.plainToken`".into()))?;
    let hashed = receiver
        .verifier
        .mac_with(secret, plain_token.as_bytes())
        .ok_or(Error::Signing("no secret to answer with"))?;
    let reply = serde_json::json!({
        "plainToken": plain_token,
        "encryptedToken": encode_hex(&hashed),
    });
    Ok(crate::handshake::reply(
        "application/json",
        reply.to_string(),
    ))
}

impl RetrySchedule {
    /// Zoom's redelivery as published: three retries, 5, 20 and 60 minutes
    /// after the attempt before each, when no `200` or `204` comes back
    /// within three seconds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::zoom();
    /// assert_eq!(schedule.max_attempts(), 4);
    /// assert_eq!(schedule.delay_after(1), Some(Duration::from_secs(5 * 60)));
    /// assert_eq!(schedule.timeout(), Some(Duration::from_secs(3)));
    /// ```
    pub fn zoom() -> Self {
        RetrySchedule::minutes_then_hourly(&[5, 20, 60], 0).with_timeout(Duration::from_secs(3))
    }
}

impl ReplyRule {
    /// How Zoom reads a reply: `200` or `204` is delivered, as Zoom publishes;
    /// anything else is retried. [`Zoom`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::zoom();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(202));
    /// assert_eq!(webhook_kit::zoom::Zoom::new("zoom-secret-token")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn zoom() -> Self {
        ReplyRule::codes(&[200, 204])
    }
}

impl Tolerance {
    /// Zoom's window around the receiver's clock for the signed
    /// timestamp: 5 minutes either way (**our default**: Zoom publishes none).
    /// [`Zoom`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::zoom();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(webhook_kit::zoom::Zoom::new("zoom-secret-token")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn zoom() -> Self {
        Tolerance::symmetric(Duration::from_secs(5 * 60))
    }
}
