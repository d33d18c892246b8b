//! ClickFunnels (V2 webhooks).
//!
//! | | |
//! |---|---|
//! | headers | `X-Webhook-ClickFunnels-Signature` (hex), `X-Webhook-ClickFunnels-Timestamp` (Unix seconds) |
//! | signed | `"<timestamp>.<raw body>"`, HMAC-SHA256 keyed with the endpoint's `webhook_secret` as text |
//! | tolerance | 10 minutes both ways |
//! | reply | success only for `200`–`207` and `226`; anything else is retried |
//! | retries | after 1 s, 15 s, 1 min, 5 min, 15 min, 1 h, 12 h, 24 h (9 attempts) |
//!
//! Events can arrive out of order; events lost after the last retry can be
//! replayed from ClickFunnels' `Webhooks::Outgoing::Event` resource.
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::clickfunnels::{ClickFunnels, EventData};
//!
//! let receiver = ClickFunnels::new("webhook-secret")?;
//! let body = br#"{"event_id": "e1", "event_type": "contact.created", "data": {"id": 5, "email_address": "a@b.c"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! match &event.data {
//!     EventData::ContactCreated(contact) => assert_eq!(contact.email_address.as_deref(), Some("a@b.c")),
//!     other => panic!("unexpected {other:?}"),
//! }
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::borrow::Cow;
use std::time::Duration;

use http::HeaderName;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::engine::envelope::{ByType, Pairs, read_envelope};

use crate::engine::{
    Algorithm, Description, Encoding, KeySet, Part, ReceiverCore, SignatureRule, TimeFormat,
    TimestampRule, described_receiver,
};
use crate::event::event_data;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance, WebhookEvent};

static CLICKFUNNELS: Description = Description {
    name: "ClickFunnels",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::bare(
        HeaderName::from_static("x-webhook-clickfunnels-signature"),
        b"",
        Encoding::Hex,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("x-webhook-clickfunnels-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: None,
    signed: &[Part::Timestamp, Part::Text(b"."), Part::Body],
    tolerance: Tolerance::clickfunnels(),
    reply: ReplyRule::clickfunnels(),
    retries: RetrySchedule::clickfunnels,
    sent_with: &[],
};

impl ReplyRule {
    /// How ClickFunnels reads replies: only `200`–`207` and `226` stop
    /// redelivery.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// assert!(ReplyRule::clickfunnels().is_success_status(226));
    /// // `208 Already Reported` is a 2xx, but ClickFunnels redelivers after it.
    /// assert!(!ReplyRule::clickfunnels().is_success_status(208));
    /// ```
    pub const fn clickfunnels() -> Self {
        ReplyRule::codes(&[200, 201, 202, 203, 204, 205, 206, 207, 226])
    }
}

impl Tolerance {
    /// ClickFunnels' window: 10 minutes both ways.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// assert_eq!(Tolerance::clickfunnels(), Tolerance::symmetric(Duration::from_secs(600)));
    /// ```
    pub const fn clickfunnels() -> Self {
        Tolerance::symmetric(Duration::from_secs(600))
    }
}

/// How ClickFunnels reads replies.
///
/// ```
/// # #![allow(deprecated)]
/// use webhook_kit::ReplyRule;
///
/// assert_eq!(webhook_kit::clickfunnels::REPLY_RULE, ReplyRule::clickfunnels());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::clickfunnels()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::clickfunnels();

described_receiver! {
    /// A receiver for ClickFunnels webhooks.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::clickfunnels::ClickFunnels::new("webhook-secret")?;
    /// assert!(!format!("{receiver:?}").contains("webhook-secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct ClickFunnels;
    description: CLICKFUNNELS,
    event: Event,
    parse: parse,
    example: "webhook_kit::clickfunnels::ClickFunnels::new(\"webhook-secret\")?",
    builders: [with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
}

impl ClickFunnels {
    /// A receiver for deliveries signed with the endpoint's `webhook_secret`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret:
    /// anyone could sign with it.
    ///
    /// ```
    /// use webhook_kit::clickfunnels::ClickFunnels;
    ///
    /// assert!(ClickFunnels::new("webhook-secret").is_ok());
    /// assert!(ClickFunnels::new("  ").is_err());
    /// ```
    pub fn new(webhook_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::hmac(CLICKFUNNELS.algorithm, webhook_secret.into())
            .map_err(Self::secret_error)?;
        Ok(ClickFunnels::from_core(
            ReceiverCore::new(&CLICKFUNNELS, keys).with_exact_tags(),
        ))
    }
}

/// A contact, as carried by `contact.*` events.
///
/// Fields follow ClickFunnels' published contact snapshot; nearly all may be
/// `null`, and fields added later are ignored.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::clickfunnels::{ClickFunnels, EventData};
///
/// let body = br#"{"event_id": "6f1c", "event_type": "contact.updated", "data": {
///     "id": 42, "first_name": "Ada", "email_address": "ada@example.com",
///     "time_zone": "Europe/London", "tags": [], "updated_at": "2024-05-01T10:00:00Z"}}"#;
/// let event = ClickFunnels::new("webhook-secret")?.parse(body)?;
/// let EventData::ContactUpdated(contact) = &event.data else { panic!("{:?}", event.data) };
/// assert_eq!(contact.id, Some(42));
/// assert_eq!(contact.first_name.as_deref(), Some("Ada"));
/// assert_eq!(contact.email_address.as_deref(), Some("ada@example.com"));
/// assert_eq!(contact.phone_number, None);
/// assert!(contact.updated_at.is_some());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Contact {
    /// Numeric id.
    #[serde(default)]
    pub id: Option<i64>,
    /// Opaque unique id.
    #[serde(default)]
    pub uuid: Option<String>,
    /// Short public id.
    #[serde(default)]
    pub public_id: Option<String>,
    /// The workspace the contact belongs to.
    #[serde(default)]
    pub workspace_id: Option<i64>,
    /// First name.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Last name.
    #[serde(default)]
    pub last_name: Option<String>,
    /// Email address.
    #[serde(default)]
    pub email_address: Option<String>,
    /// Phone number.
    #[serde(default)]
    pub phone_number: Option<String>,
    /// Time zone name.
    #[serde(default)]
    pub time_zone: Option<String>,
    /// Whether the contact is anonymous (ClickFunnels sends `0`/`1`).
    #[serde(default)]
    pub anonymous: Option<Value>,
    /// Facebook profile.
    #[serde(default)]
    pub fb_url: Option<String>,
    /// Twitter profile.
    #[serde(default)]
    pub twitter_url: Option<String>,
    /// Website.
    #[serde(default)]
    pub website_url: Option<String>,
    /// LinkedIn profile.
    #[serde(default)]
    pub linkedin_url: Option<String>,
    /// Instagram profile.
    #[serde(default)]
    pub instagram_url: Option<String>,
    /// Applied tags, as sent.
    #[serde(default)]
    pub tags: Vec<Value>,
    /// Custom attributes, as sent.
    #[serde(default)]
    pub custom_attributes: Value,
    /// When the contact unsubscribed.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub unsubscribed_at: Option<OffsetDateTime>,
    /// When the last notification email was sent.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub last_notification_email_sent_at: Option<OffsetDateTime>,
    /// Creation time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// Last update time.
    #[serde(default, with = "time::serde::rfc3339::option")]
    pub updated_at: Option<OffsetDateTime>,
}

event_data! {
    module: "clickfunnels",
    /// The data of a ClickFunnels event, by event type.
    ///
    /// `contact.*` events carry a typed [`Contact`]; for the other types the
    /// subject's JSON is kept as it came.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::clickfunnels::{ClickFunnels, EventData};
    ///
    /// let receiver = ClickFunnels::new("webhook-secret")?;
    /// let body = br#"{"event_id": "e2", "event_type": "order.created", "data": {"id": 7, "total": "19.00"}}"#;
    /// match receiver.parse(body)?.data {
    ///     EventData::OrderCreated(order) => assert_eq!(order["total"], "19.00"),
    ///     other => panic!("unexpected {other:?}"),
    /// }
    ///
    /// // A type this crate does not know yet still parses, keeping its name and data.
    /// let body = br#"{"event_id": "e3", "event_type": "invoice.paid", "data": {"id": 8}}"#;
    /// let data = receiver.parse(body)?.data;
    /// assert!(matches!(data, EventData::Unknown(_)));
    /// assert_eq!(data.event_type(), "invoice.paid");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub enum EventData {
        "contact.created" => ContactCreated(Contact),
        "contact.updated" => ContactUpdated(Contact),
        "contact.deleted" => ContactDeleted(Contact),
        "contact.identified" => ContactIdentified(Contact),
        "contact/applied_tag.created" => ContactAppliedTagCreated(Value),
        "contact/applied_tag.deleted" => ContactAppliedTagDeleted(Value),
        "course.created" => CourseCreated(Value),
        "course.updated" => CourseUpdated(Value),
        "course.deleted" => CourseDeleted(Value),
        "course.published" => CoursePublished(Value),
        "courses/enrollment.created" => CoursesEnrollmentCreated(Value),
        "courses/enrollment.updated" => CoursesEnrollmentUpdated(Value),
        "courses/enrollment.deleted" => CoursesEnrollmentDeleted(Value),
        "courses/enrollment.suspended" => CoursesEnrollmentSuspended(Value),
        "courses/enrollment.course_completed" => CoursesEnrollmentCourseCompleted(Value),
        "courses/section.created" => CoursesSectionCreated(Value),
        "courses/section.updated" => CoursesSectionUpdated(Value),
        "courses/section.deleted" => CoursesSectionDeleted(Value),
        "communities/post.created" => CommunitiesPostCreated(Value),
        "blogs/post.created" => BlogsPostCreated(Value),
        "blogs/post.updated" => BlogsPostUpdated(Value),
        "blogs/post.deleted" => BlogsPostDeleted(Value),
        "blogs/post.published" => BlogsPostPublished(Value),
        "appointments/scheduled_event.created" => AppointmentsScheduledEventCreated(Value),
        "appointments/scheduled_event.canceled" => AppointmentsScheduledEventCanceled(Value),
        "appointments/scheduled_event.rescheduled" => AppointmentsScheduledEventRescheduled(Value),
        "order.created" => OrderCreated(Value),
        "one-time-order.identified" => OneTimeOrderIdentified(Value),
        "one-time-order.completed" => OneTimeOrderCompleted(Value),
    }
}

/// A ClickFunnels V2 webhook event (`Webhooks::Outgoing::Event`).
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::clickfunnels::ClickFunnels;
///
/// let body = br#"{"event_id": "6f1c", "event_type": "contact.created", "subject_id": 42,
///     "subject_type": "Contact", "created_at": "2024-05-01T10:00:00Z", "workspace_id": 3,
///     "data": {"id": 42, "email_address": "ada@example.com"}}"#;
/// let event = ClickFunnels::new("webhook-secret")?.parse(body)?;
/// assert_eq!(event.event_id, "6f1c");
/// assert_eq!(event.event_type(), "contact.created");
/// assert_eq!(event.subject_id, Some(42));
/// assert_eq!(event.subject_type.as_deref(), Some("Contact"));
/// assert_eq!(event.created_at.map(|t| t.year()), Some(2024));
/// assert_eq!(event.workspace_id, Some(3));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event's id (a UUID).
    pub event_id: String,
    /// The id of the subject the event is about.
    pub subject_id: Option<i64>,
    /// The subject's kind, such as `Contact`.
    pub subject_type: Option<String>,
    /// When the event was created.
    #[serde(with = "time::serde::rfc3339::option")]
    pub created_at: Option<OffsetDateTime>,
    /// The page involved, if any.
    pub page_id: Option<i64>,
    /// The funnel involved, if any.
    pub funnel_id: Option<i64>,
    /// The page object newer deliveries carry.
    pub page: Option<Value>,
    /// The funnel object newer deliveries carry.
    pub funnel: Option<Value>,
    /// The payload version newer deliveries state (`2`).
    pub api_version: Option<i64>,
    /// The workspace newer deliveries state.
    pub workspace_id: Option<i64>,
    /// The type and the subject.
    pub data: EventData,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.event_id)
    }

    fn event_type(&self) -> &str {
        self.data.event_type()
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.created_at
    }
}

/// The envelope's type and data fields, for [`read_envelope`].
const PAIRS: Pairs = &[("event_type", "data")];

#[derive(Deserialize)]
struct Envelope<'a> {
    event_id: String,
    event_type: String,
    #[serde(default)]
    subject_id: Option<i64>,
    #[serde(default)]
    subject_type: Option<String>,
    #[serde(default, with = "time::serde::rfc3339::option")]
    created_at: Option<OffsetDateTime>,
    #[serde(default)]
    page_id: Option<i64>,
    #[serde(default)]
    funnel_id: Option<i64>,
    #[serde(default)]
    page: Option<Value>,
    #[serde(default)]
    funnel: Option<Value>,
    #[serde(default)]
    api_version: Option<i64>,
    #[serde(default)]
    workspace_id: Option<i64>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let (envelope, data) = read_envelope::<Envelope<'_>, _>(body, PAIRS, &ByType::new())?;
    let data = match data {
        Some(data) => data,
        None => EventData::from_fragment(&envelope.event_type, body, envelope.data, "data")?,
    };
    Ok(Event {
        data,
        event_id: envelope.event_id,
        subject_id: envelope.subject_id,
        subject_type: envelope.subject_type,
        created_at: envelope.created_at,
        page_id: envelope.page_id,
        funnel_id: envelope.funnel_id,
        page: envelope.page.filter(|v| !v.is_null()),
        funnel: envelope.funnel.filter(|v| !v.is_null()),
        api_version: envelope.api_version,
        workspace_id: envelope.workspace_id,
    })
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

static CLICKFUNNELS_DELAYS: [Duration; 8] = [
    Duration::from_secs(1),
    Duration::from_secs(15),
    Duration::from_secs(MINUTE),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(15 * MINUTE),
    Duration::from_secs(HOUR),
    Duration::from_secs(12 * HOUR),
    Duration::from_secs(24 * HOUR),
];

impl RetrySchedule {
    /// ClickFunnels' published schedule: after a failure, again after 1 s,
    /// 15 s, 1 min, 5 min, 15 min, 1 h, 12 h and 24 h (9 attempts, about
    /// 37 h 21 min in all). ClickFunnels publishes no per-attempt timeout, so
    /// [`RetrySchedule::timeout`] is `None`.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::clickfunnels();
    /// assert_eq!(s.max_attempts(), 9);
    /// assert_eq!(s.horizon().as_secs(), 134_476);
    /// ```
    pub fn clickfunnels() -> Self {
        RetrySchedule::from_static(&CLICKFUNNELS_DELAYS)
    }
}
