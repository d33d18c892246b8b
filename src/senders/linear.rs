//! Linear.
//!
//! | | |
//! |---|---|
//! | header | `Linear-Signature: <hex>` ¹ ² |
//! | signed | the raw body, HMAC-SHA256 keyed with the webhook's signing secret ¹ |
//! | timestamp | `webhookTimestamp`, Unix **milliseconds**, **in the signed body** ¹; checked only after the signature matched |
//! | tolerance | 60 s either way, as Linear's SDK ² |
//! | rotation | one secret per webhook ¹; [`Linear::with_secret`] accepts old and new while it is regenerated (**our** addition) |
//! | delivery id | `Linear-Delivery` (a UUID) ¹; **not signed**: a handler must not trust it beyond deduplication, see [`Delivery::id`](crate::Delivery::id) |
//! | event | the body's `type` (the entity: `Issue`, `Comment`, …) and `action` (`create`, `update`, `remove`), `data`, `updatedFrom`, `url`, `createdAt` (RFC 3339), `organizationId`, `webhookId` ¹ |
//! | reply | `200` within 5 seconds ³ |
//! | retries | at most 3, after 1 minute, 1 hour and 6 hours ³: [`RetrySchedule::linear_app`] |
//!
//! Linear's newer SDK also reads a
//! `Linear-Timestamp` header, but that header is not signed, so this
//! receiver keeps to the signed body field, which a replayed body cannot
//! refresh. [`Provider::sign_at`](crate::Provider::sign_at) signs
//! the body as given: a test body carries its own `webhookTimestamp`.
//!
//! [`WebhookEvent::event_type`](crate::WebhookEvent::event_type) is the
//! entity `type`, as Linear's SDK dispatches on it; `action` says what
//! happened to it.
//!
//! Sources: ¹ [Linear: Webhooks](https://linear.app/developers/webhooks)
//! (payload, headers, securing webhooks);
//! ² `@linear/sdk` `LinearWebhookClient` (`linear-signature`,
//! `webhookTimestamp`, a 60-second check);
//! ³ [Linear: Webhooks, how does a webhook work](https://linear.app/developers/webhooks).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::linear::Linear;
//!
//! let receiver = Linear::new("lin_wh_secret")?;
//! let now = time::OffsetDateTime::now_utc();
//! let body = format!(
//!     r#"{{"action": "create", "type": "Issue", "data": {{"id": "9f1e", "title": "Bug"}},
//!        "createdAt": "2024-01-01T00:00:00.000Z", "webhookTimestamp": {}}}"#,
//!     now.unix_timestamp() * 1000,
//! );
//! let headers = receiver.sign_at(body.as_bytes(), now)?;
//! let event = receiver.verify_and_parse_at(&headers, body.as_bytes(), now)?;
//! assert_eq!((event.event_type(), event.action.as_str()), ("Issue", "create"));
//! assert_eq!(event.data["title"], "Bug");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::HeaderName;
use serde::Deserialize;
use serde_json::Value;

use crate::engine::json::{envelope_error, json_i64, parse_body, top_level_value};
use crate::engine::{
    Algorithm, Description, Encoding, IdRule, KeySet, Part, ReceiverCore, SignatureRule,
    TimeFormat, TimestampRule, TimestampSource, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

static LINEAR: Description = Description {
    name: "Linear",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("linear-signature"),
        b"",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule {
        source: TimestampSource::Body(webhook_timestamp),
        format: TimeFormat::UnixMillis,
    }),
    id: Some(IdRule {
        header: HeaderName::from_static("linear-delivery"),
        signed: false,
    }),
    signed: &[Part::Body],
    tolerance: Tolerance::linear_app(),
    reply: ReplyRule::linear_app(),
    retries: RetrySchedule::linear_app,
    sent_with: &[],
};

/// The signed body's `webhookTimestamp`, read once the signature matched.
/// A body without one is refused: its age cannot be told.
///
/// This runs on every request, so a byte walk finds the field first; a
/// full parse decides whatever the walk leaves open (and says what is
/// wrong), as [`top_level_value`] and [`json_i64`] say.
fn webhook_timestamp(body: &[u8]) -> Result<i64, Error> {
    match top_level_value(body, "webhookTimestamp").and_then(json_i64) {
        Some(millis) => Ok(millis),
        None => parsed_webhook_timestamp(body),
    }
}

/// `webhookTimestamp` by a full parse of the body.
fn parsed_webhook_timestamp(body: &[u8]) -> Result<i64, Error> {
    #[derive(Deserialize)]
    struct Stamp {
        #[serde(rename = "webhookTimestamp", default)]
        webhook_timestamp: Option<i64>,
    }
    let stamp: Stamp = parse_body(body)?;
    stamp.webhook_timestamp.ok_or_else(|| {
        envelope_error(
            body,
            "missing field `webhookTimestamp`: Linear signs the delivery's time in the body".into(),
        )
    })
}

described_receiver! {
    /// A receiver for Linear webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::linear::Linear::new("lin_wh_secret")?;
    /// assert!(!format!("{receiver:?}").contains("lin_wh_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Linear;
    description: LINEAR,
    event: Event,
    parse: parse,
    example: "webhook_kit::linear::Linear::new(\"lin_wh_secret\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl Linear {
    /// A receiver for deliveries signed with a webhook's signing secret
    /// (shown on the webhook's page in Linear's settings).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::linear::Linear;
    ///
    /// assert!(Linear::new("lin_wh_secret").is_ok());
    /// assert!(Linear::new("").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(LINEAR.algorithm, secret.into()).map_err(Self::secret_error)?;
        Ok(Linear::from_core(ReceiverCore::new(&LINEAR, keys)))
    }
}

typed_event! {
    /// A Linear event: an action on an entity.
    ///
    /// Linear's body carries no event id:
    /// [`WebhookEvent::id`](crate::WebhookEvent::id) is empty; the
    /// delivery's id is the unsigned `Linear-Delivery` header
    /// ([`Delivery::id`](crate::Delivery::id)), the entity's is `data["id"]`.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::linear::Linear::new("lin_wh_secret")?;
    /// let event = receiver.parse(br#"{"action": "update", "type": "Comment", "data": {"id": "c1"},
    ///     "updatedFrom": {"body": "old"}, "createdAt": "2024-01-01T00:00:00.000Z",
    ///     "webhookTimestamp": 1704067200123, "organizationId": "org1"}"#)?;
    /// assert_eq!(event.updated_from.as_ref().map(|from| &from["body"]), Some(&"old".into()));
    /// assert_eq!(event.webhook_timestamp, Some(1_704_067_200_123));
    /// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_704_067_200));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Linear's body carries no event id.
        id,
        /// `type`: the entity, such as `Issue`, `Comment` or `Project`.
        event_type from "type",
        /// `createdAt`: when the action happened.
        occurred_at from "createdAt" as rfc3339,
        /// `action`: `create`, `update` or `remove` (others for some types).
        action from "action": String,
        /// `data`: the entity, as sent.
        data from "data": Value,
        /// `updatedFrom`: the previous values of the fields an `update`
        /// changed.
        updated_from from "updatedFrom": Option<Value>,
        /// `url`: the entity in Linear's app.
        url from "url": Option<String>,
        /// `organizationId`.
        organization_id from "organizationId": Option<String>,
        /// `webhookId`: the webhook configuration that sent it.
        webhook_id from "webhookId": Option<String>,
        /// `webhookTimestamp`: when Linear sent it, in Unix milliseconds.
        webhook_timestamp from "webhookTimestamp": Option<i64>,
    }
}

static LINEAR_DELAYS: [Duration; 3] = [
    Duration::from_secs(60),
    Duration::from_secs(3600),
    Duration::from_secs(6 * 3600),
];

impl RetrySchedule {
    /// Linear's redelivery: at most 3 retries, after 1 minute, 1 hour and
    /// 6 hours, each attempt allowed 5 seconds. (Named for Linear's domain:
    /// [`RetrySchedule::linear`] is the linear backoff.)
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::linear_app();
    /// assert_eq!(schedule.max_attempts(), 4);
    /// assert_eq!(schedule.delay_after(3), Some(Duration::from_secs(6 * 3600)));
    /// assert_eq!(schedule.timeout(), Some(Duration::from_secs(5)));
    /// ```
    pub fn linear_app() -> Self {
        RetrySchedule::from_static(&LINEAR_DELAYS).with_timeout(Duration::from_secs(5))
    }
}

impl ReplyRule {
    /// How Linear reads a reply: only `200` is delivered, as Linear asks
    /// (within 5 seconds); anything else is retried. [`Linear`] starts with it.
    ///
    /// Named `linear_app`, as [`RetrySchedule::linear_app`], because
    /// [`RetrySchedule::linear`] is the linear backoff.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::linear_app();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::linear::Linear::new("lin_wh_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn linear_app() -> Self {
        ReplyRule::codes(&[200])
    }
}

impl Tolerance {
    /// Linear's window around the receiver's clock for the signed
    /// timestamp: 60 s either way around the signed `webhookTimestamp`, as
    /// Linear's SDK checks. [`Linear`] starts with it.
    ///
    /// Named `linear_app`, as [`RetrySchedule::linear_app`], because
    /// [`RetrySchedule::linear`] is the linear backoff.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::linear_app();
    /// assert_eq!(window.past, Duration::from_secs(60));
    /// assert_eq!(window.future, Duration::from_secs(60));
    /// assert_eq!(webhook_kit::linear::Linear::new("lin_wh_secret")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn linear_app() -> Self {
        Tolerance::symmetric(Duration::from_secs(60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bodies a full parse accepts, with the timestamp where it has one:
    /// the walk must give the full parse's answer on each.
    const ACCEPTED: &[&str] = &[
        r#"{"webhookTimestamp":1700000000000}"#,
        " \r\n\t{ \"webhookTimestamp\" \n:\t-12 \r} \n",
        r#"{"webhookTimestamp":0,"type":"Issue"}"#,
        r#"{"type":"Issue","data":{"webhookTimestamp":1,"n":[{"webhookTimestamp":2}]},"webhookTimestamp":3}"#,
        r#"{"a":"\"webhookTimestamp\":4,\\","webhookTimestamp":5,"b":"}{]["}"#,
        r#"{"a":[1,2.5e3,true,false,null,"x",{"b":[]}],"webhookTimestamp":9223372036854775807}"#,
        r#"{"webhookTimestamp":-9223372036854775808,"a":{}}"#,
        r#"{"webhook\u0054imestamp":6}"#,
        r#"{"webhookTimestamp":null}"#,
        r#"{"webhookTimestamp":1.5}"#,
        r#"{"webhookTimestamp":1e3}"#,
        r#"{"webhookTimestamp":"7"}"#,
        r#"{"webhookTimestamp":9223372036854775808}"#,
        r#"{"webhookTimestamp":-0}"#,
        r#"{"type":"Issue"}"#,
        r#"{}"#,
        r#"{"é":"ünïcode","webhookTimestamp":8}"#,
    ];

    /// Bodies a full parse refuses for their structure or the field itself:
    /// the walk must refuse them too.
    const REFUSED: &[&[u8]] = &[
        br#"{"webhookTimestamp":1,"webhookTimestamp":1}"#,
        br#"{"webhookTimestamp":1} trailing"#,
        br#"{"webhookTimestamp":1,}"#,
        br#"{"webhookTimestamp" 1}"#,
        br#"{"webhookTimestamp":01}"#,
        br#"{"webhookTimestamp":-}"#,
        br#"{"webhookTimestamp":1"#,
        br#"{"a":"unterminated,"webhookTimestamp":1}"#,
        br#"[{"webhookTimestamp":1}]"#,
        b"{\"a\":\"\xff\",\"webhookTimestamp\":1}",
        br#"{"webhookTimestamp":}"#,
        b"",
    ];

    #[test]
    fn the_walk_reads_what_the_full_parse_reads_on_every_body_it_accepts() {
        for body in ACCEPTED {
            let full = parsed_webhook_timestamp(body.as_bytes());
            assert_eq!(webhook_timestamp(body.as_bytes()), full, "{body}");
            assert!(
                serde_json::from_str::<Value>(body).is_ok(),
                "{body} is JSON"
            );
        }
    }

    #[test]
    fn bodies_the_full_parse_refuses_are_refused_alike() {
        for body in REFUSED {
            let full = parsed_webhook_timestamp(body);
            assert!(full.is_err(), "{:?}", String::from_utf8_lossy(body));
            assert_eq!(
                webhook_timestamp(body),
                full,
                "{:?}",
                String::from_utf8_lossy(body)
            );
        }
    }

    #[test]
    fn the_walk_alone_finds_the_common_field() {
        let body = br#"{"type":"Issue","data":{"title":"a \"quoted\" title"},"webhookTimestamp":1700000000250}"#;
        assert_eq!(
            top_level_value(body, "webhookTimestamp").and_then(json_i64),
            Some(1_700_000_000_250)
        );
    }
}
