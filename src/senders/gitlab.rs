//! GitLab (project, group and system hooks), authenticated by the secret
//! token.
//!
//! | | |
//! |---|---|
//! | header | `X-Gitlab-Token: <the webhook's secret token>`, sent as it is ¹ |
//! | signed | nothing: the token proves the sender knows the secret, not that the body is unchanged (only TLS protects it on the way) ¹ |
//! | comparison | through SHA-256 digests, in constant time, blind to the token's length (**ours**) |
//! | rotation | one token per webhook ¹; several may be accepted while it is changed (**our default**) |
//! | tolerance | none: nothing is timestamped ¹ |
//! | id | `Idempotency-Key`: "consistent across webhook retries" (GitLab 17.4 and later) ¹ ³, in [`Delivery::id`](crate::Delivery::id); `X-Gitlab-Event-UUID` (shared by recursive hooks) and `X-Gitlab-Webhook-UUID` (per webhook) are sent too ¹ |
//! | event | type in the body's `object_kind` (`event_name` for system hooks), and in the unsigned `X-Gitlab-Event` header (`Push Hook`, `Merge Request Hook`, …) ² |
//! | reply | any `2xx` (**our default** reading: GitLab counts `4xx`/`5xx` replies and timeouts as failures ¹) |
//! | retries | none scheduled: a failing webhook is disabled, for a while and then for good; a delivery is resent by hand, keeping its `Idempotency-Key` ¹ ³: [`RetrySchedule::gitlab`] |
//!
//! **The signing token.** GitLab's newer, optional signing token follows
//! Standard Webhooks ⁴: `webhook-id` (the `Idempotency-Key`),
//! `webhook-timestamp` and `webhook-signature: v1,<base64>`, an HMAC-SHA256
//! over `"<id>.<timestamp>.<body>"` keyed with a `whsec_` key. It signs the
//! body and the time, which the secret token cannot: when the webhook has
//! one, receive it with
//! [`webhook_kit::standard::StandardWebhooks`](crate::standard::StandardWebhooks)
//! (feature `standard`) given that `whsec_…` key, instead of this receiver.
//!
//! `X-Gitlab-Event` is unsigned, like everything here but the token; the
//! event's type is read from the body.
//!
//! Sources: ¹ [Webhooks](https://docs.gitlab.com/user/project/integrations/webhooks/)
//! (secret token, delivery headers, failing webhooks, resending);
//! ² [Webhook events](https://docs.gitlab.com/user/project/integrations/webhook_events/);
//! ³ [Implement Idempotency-keys for webhooks](https://gitlab.com/gitlab-org/gitlab/-/merge_requests/160952);
//! ⁴ [Add webhook HMAC signing token](https://gitlab.com/gitlab-org/gitlab/-/merge_requests/230944)
//! and [signing token in the Webhooks API](https://gitlab.com/gitlab-org/gitlab/-/merge_requests/231325)
//! (`whsec_<base64>` of a 32-byte key).
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::gitlab::GitLab;
//!
//! let receiver = GitLab::new("gitlab-secret-token")?;
//! let body = br#"{"object_kind": "merge_request", "project": {"path_with_namespace": "group/app"},
//!     "object_attributes": {"iid": 1, "action": "open"}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_event_at("Merge Request Hook", "a8e6bd0a-5b53-4c5a-9a5e-6a3c1f3b1a22", body, now)?;
//! let received = receiver.receive_at(&headers, body, now)?;
//! assert_eq!(received.event.event_type(), "merge_request");
//! assert_eq!(received.event.action.as_deref(), Some("open"));
//! assert_eq!(received.delivery.id(), Some("a8e6bd0a-5b53-4c5a-9a5e-6a3c1f3b1a22"));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderMap, HeaderName};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::engine::headers::header_value;
use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, Grammar, IdRule, KeySet, ReceiverCore, SignatureRule,
    described_receiver,
};
use crate::event::typed_event;
use crate::{Error, ReplyRule, RetrySchedule, Secret, Tolerance};

/// `X-Gitlab-Event`: the hook's name, such as `Push Hook`. Unsigned.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::gitlab::{self, GitLab};
///
/// let receiver = GitLab::new("gitlab-secret-token")?;
/// let headers = receiver.sign_at(br#"{"object_kind": "push"}"#, time::OffsetDateTime::now_utc())?;
/// assert_eq!(headers[gitlab::EVENT_HEADER], "Push Hook");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const EVENT_HEADER: HeaderName = HeaderName::from_static("x-gitlab-event");

/// `Idempotency-Key`: the delivery's id, the same on every resend (GitLab
/// 17.4 and later).
///
/// ```
/// use webhook_kit::gitlab::{self, GitLab};
///
/// let receiver = GitLab::new("gitlab-secret-token")?;
/// let headers = receiver.sign_event_at("Push Hook", "k-1", b"{}", time::OffsetDateTime::now_utc())?;
/// assert_eq!(headers[gitlab::IDEMPOTENCY_KEY], "k-1");
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const IDEMPOTENCY_KEY: HeaderName = HeaderName::from_static("idempotency-key");

static GITLAB: Description = Description {
    name: "GitLab",
    algorithm: Algorithm::Token,
    signature: SignatureRule {
        header: HeaderName::from_static("x-gitlab-token"),
        grammar: Grammar::Bare { prefix: b"" },
        // Unused: a token is sent as it is.
        encoding: Encoding::Hex,
    },
    timestamp: None,
    id: Some(IdRule {
        header: IDEMPOTENCY_KEY,
        signed: false,
    }),
    signed: &[],
    // Nothing is timestamped, so the window is never consulted.
    tolerance: Tolerance::symmetric(Duration::ZERO),
    reply: ReplyRule::gitlab(),
    retries: RetrySchedule::gitlab,
    sent_with: &[],
};

described_receiver! {
    /// A receiver for GitLab webhooks authenticated by their secret token.
    ///
    /// `Debug` shows the configuration but never a token.
    ///
    /// ```
    /// let receiver = webhook_kit::gitlab::GitLab::new("glsecret")?;
    /// assert!(!format!("{receiver:?}").contains("glsecret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct GitLab;
    description: GITLAB,
    event: Event,
    parse: parse,
    example: "webhook_kit::gitlab::GitLab::new(\"glsecret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    body_headers: event_header,
}

impl GitLab {
    /// A receiver for deliveries carrying the webhook's secret token
    /// (the webhook's **Secret token** field).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only token:
    /// GitLab sends no `X-Gitlab-Token` at all for a webhook without one,
    /// and such deliveries cannot be authenticated.
    ///
    /// ```
    /// use webhook_kit::gitlab::GitLab;
    ///
    /// assert!(GitLab::new("gitlab-secret-token").is_ok());
    /// assert!(GitLab::new("").is_err());
    /// ```
    pub fn new(token: impl Into<Secret>) -> Result<Self, Error> {
        let keys = KeySet::token(token.into()).map_err(Self::secret_error)?;
        Ok(GitLab::from_core(ReceiverCore::new(&GITLAB, keys)))
    }

    /// The headers GitLab sends with `body` for a hook named `event`
    /// (`X-Gitlab-Event`) whose delivery has `idempotency_key`. For tests
    /// and simulations; [`Provider::sign_at`](crate::Provider::sign_at)
    /// sends no `Idempotency-Key` and names the hook from the body's
    /// `object_kind` where it knows it.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] for a name, key or token a header cannot carry.
    ///
    /// ```
    /// use webhook_kit::gitlab::GitLab;
    ///
    /// let receiver = GitLab::new("gitlab-secret-token")?;
    /// let headers = receiver.sign_event_at("Pipeline Hook", "k-1", b"{}", time::OffsetDateTime::now_utc())?;
    /// assert_eq!(headers["x-gitlab-event"], "Pipeline Hook");
    /// assert_eq!(headers["x-gitlab-token"], "gitlab-secret-token");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_event_at(
        &self,
        event: &str,
        idempotency_key: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        let mut headers = self.verifier.sign(body, now, Some(idempotency_key))?;
        headers.insert(EVENT_HEADER, header_value(event)?);
        Ok(headers)
    }
}

typed_event! {
    /// A GitLab event: its kind, and the body whole in `raw`.
    ///
    /// GitLab's bodies carry no delivery id and no event time of their
    /// own: `id` is empty (the delivery's `Idempotency-Key` is
    /// [`Delivery::id`](crate::Delivery::id), as
    /// [`Provider::receive_at`](crate::Provider::receive_at) gives it), and
    /// `occurred_at` is `None` (objects carry their own `created_at` and
    /// `updated_at`, in more than one format).
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::gitlab::GitLab::new("glsecret")?;
    /// let event = receiver.parse(br#"{"object_kind": "push", "event_name": "push",
    ///     "ref": "refs/heads/main", "project": {"path_with_namespace": "mike/diaspora"}}"#)?;
    /// assert_eq!((event.event_type(), &*event.id()), ("push", ""));
    /// assert_eq!(event.project_path.as_deref(), Some("mike/diaspora"));
    /// assert_eq!(event.raw["ref"], "refs/heads/main");
    /// // System hooks name their event in `event_name`.
    /// let event = receiver.parse(br#"{"event_name": "user_add_to_group", "group_id": 78}"#)?;
    /// assert_eq!(event.event_type(), "user_add_to_group");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: the delivery's id is in the headers (see above).
        id,
        /// `object_kind` (`push`, `tag_push`, `issue`, `note`,
        /// `merge_request`, `pipeline`, `build`, …), else `event_name`,
        /// else empty.
        event_type,
        /// Always `None`: see above.
        occurred_at,
        /// `object_attributes.action` (`open`, `close`, `merge`, …) where
        /// the event has one.
        action: Option<String>,
        /// `project.path_with_namespace`, such as `mike/diaspora`.
        project_path: Option<String>,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    object_kind: Option<String>,
    #[serde(default)]
    event_name: Option<String>,
    #[serde(default)]
    object_attributes: Option<Attributes>,
    #[serde(default)]
    project: Option<Project>,
}

#[derive(Deserialize)]
struct Attributes {
    #[serde(default)]
    action: Option<String>,
}

#[derive(Deserialize)]
struct Project {
    #[serde(default)]
    path_with_namespace: Option<String>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    Ok(Event {
        id: String::new(),
        event_type: envelope
            .object_kind
            .or(envelope.event_name)
            .unwrap_or_default(),
        occurred_at: None,
        action: envelope.object_attributes.and_then(|a| a.action),
        project_path: envelope.project.and_then(|p| p.path_with_namespace),
        raw: parse_body(body)?,
    })
}

/// `X-Gitlab-Event` for each documented `object_kind`.
const HOOK_NAMES: [(&str, &str); 12] = [
    ("push", "Push Hook"),
    ("tag_push", "Tag Push Hook"),
    ("issue", "Issue Hook"),
    ("note", "Note Hook"),
    ("merge_request", "Merge Request Hook"),
    ("wiki_page", "Wiki Page Hook"),
    ("pipeline", "Pipeline Hook"),
    ("build", "Job Hook"),
    ("deployment", "Deployment Hook"),
    ("feature_flag", "Feature Flag Hook"),
    ("release", "Release Hook"),
    ("emoji", "Emoji Hook"),
];

/// Adds `X-Gitlab-Event` when the body's `object_kind` is one whose hook
/// name is documented; other bodies are signed without it.
fn event_header(body: &[u8], headers: &mut HeaderMap) -> Result<(), Error> {
    let kind = serde_json::from_slice::<Envelope>(body)
        .ok()
        .and_then(|envelope| envelope.object_kind);
    if let Some((_, name)) = HOOK_NAMES
        .iter()
        .find(|(known, _)| Some(*known) == kind.as_deref())
    {
        headers.insert(EVENT_HEADER, header_value(name)?);
    }
    Ok(())
}

impl RetrySchedule {
    /// GitLab's redelivery: none scheduled. GitLab disables a failing
    /// webhook (for a while, then for good) rather than retrying each
    /// delivery; a delivery is resent by hand from the webhook's request
    /// history, with the same `Idempotency-Key`. The timeout, 10 s, is
    /// **our default**, the limit reported for GitLab.com (self-managed
    /// instances set their own).
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::gitlab();
    /// assert_eq!(schedule.max_attempts(), 1);
    /// assert_eq!(schedule.timeout(), Some(std::time::Duration::from_secs(10)));
    /// ```
    pub fn gitlab() -> Self {
        RetrySchedule::none().with_timeout(Duration::from_secs(10))
    }
}

impl ReplyRule {
    /// How GitLab reads a reply: any `2xx` is delivered (**our default**
    /// reading: GitLab counts `4xx`/`5xx` replies and timeouts as failures).
    /// [`GitLab`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::gitlab();
    /// assert!(rule.is_success_status(200));
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(500));
    /// assert_eq!(webhook_kit::gitlab::GitLab::new("glsecret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn gitlab() -> Self {
        ReplyRule::any_2xx()
    }
}
