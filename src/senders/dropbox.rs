//! Dropbox (file change notifications).
//!
//! | | |
//! |---|---|
//! | header | `X-Dropbox-Signature: <hex>` ² |
//! | signed | "the entire request body", HMAC-SHA256 keyed with the app secret ² |
//! | rotation | one signature per request ²; several secrets may be accepted while the app secret is changed (**our default**) |
//! | tolerance | none: nothing is timestamped ² |
//! | handshake | a `GET` with `?challenge=<random>`, to be echoed as the body, `Content-Type: text/plain` and `X-Content-Type-Options: nosniff` (against reflected XSS), within ten seconds, not retried ¹ ²; unsigned |
//! | body | `{"list_folder": {"accounts": ["dbid:…"]}, "delta": {"users": [12345]}}`: which accounts changed, nothing about what changed; several users' changes may share one notification ² |
//! | event | no id, no type and no time are sent ²: see [`Event`] for what this crate returns |
//! | reply | `200`: "a non-200 response code" is a failure ² |
//! | retries | "exponential backoff", each failed request "re-attempted over the course of about ten minutes", then reported in the App Console ²; the intervals are unpublished: [`RetrySchedule::dropbox`] is **our approximation** |
//!
//! A notification only says *that* an account changed: the app then asks
//! Dropbox what changed (`files/list_folder/continue` with its cursor), so
//! processing the same notification twice costs a call, not a double
//! effect. Dropbox publishes no signature test vector; the tests check
//! against an independent HMAC-SHA256.
//!
//! Sources: ¹ [Using webhooks](https://www.dropbox.com/developers/reference/webhooks)
//! (the verification request and the headers of its reply);
//! ² [Webhooks documentation](https://www.dropbox.com/developers/webhooks/docs)
//! (the ten seconds, notifications, signature, errors and retries).
//!
//! ```
//! use webhook_kit::{Handshake, Provider};
//! use webhook_kit::dropbox::Dropbox;
//!
//! let receiver = Dropbox::new("dropbox-app-secret")?;
//! // The verification request: answered by the crate.
//! let (method, headers) = (http::Method::GET, http::HeaderMap::new());
//! let uri = http::Uri::from_static("/webhooks/dropbox?challenge=abc123");
//! let reply = receiver.handshake(&Handshake::new(&method, &uri, &headers, b"")).expect("a handshake")?;
//! assert_eq!((reply.status().as_u16(), reply.body().as_str()), (200, "abc123"));
//! // A notification.
//! let body = br#"{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.accounts, ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc"]);
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::time::Duration;

use http::{HeaderName, HeaderValue, Method, Response};
use serde::Deserialize;
use time::OffsetDateTime;

use crate::engine::json::parse_body;
use crate::engine::{
    Algorithm, Description, Encoding, KeySet, ReceiverCore, SignatureRule, described_receiver,
};
use crate::event::typed_event;
use crate::{Error, Handshake, ReplyRule, RetrySchedule, Secret};

static DROPBOX: Description = Description::body_signed(
    "Dropbox",
    Algorithm::HmacSha256,
    SignatureRule::bare(
        HeaderName::from_static("x-dropbox-signature"),
        b"",
        Encoding::Hex,
    ),
    None,
    ReplyRule::dropbox(),
    RetrySchedule::dropbox,
);

described_receiver! {
    /// A receiver for Dropbox webhooks, answering the verification
    /// request too (see
    /// [`Provider::handshake_at`](crate::Provider::handshake_at)).
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::dropbox::Dropbox::new("db_secret")?;
    /// assert!(!format!("{receiver:?}").contains("db_secret"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Dropbox;
    description: DROPBOX,
    event: Event,
    parse: parse,
    example: "webhook_kit::dropbox::Dropbox::new(\"db_secret\")?",
    builders: [with_secret, max_body_size, with_reply_rule, with_retry_schedule],
    handshake: verification_reply,
}

impl Dropbox {
    /// A receiver for notifications signed with the app secret (App
    /// Console, the app's Settings page).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// use webhook_kit::dropbox::Dropbox;
    ///
    /// assert!(Dropbox::new("dropbox-app-secret").is_ok());
    /// assert!(Dropbox::new("").is_err());
    /// ```
    pub fn new(app_secret: impl Into<Secret>) -> Result<Self, Error> {
        let keys =
            KeySet::hmac(DROPBOX.algorithm, app_secret.into()).map_err(Self::secret_error)?;
        Ok(Dropbox::from_core(ReceiverCore::new(&DROPBOX, keys)))
    }
}

/// The event type this crate gives a file change notification: the body's
/// member that carries it.
const LIST_FOLDER: &str = "list_folder";

typed_event! {
    /// A Dropbox notification: the accounts whose files changed.
    ///
    /// Dropbox sends no id, no type and no time, so, as **our** reading:
    /// `id` is empty (deduplicating is pointless: a notification only
    /// prompts a `list_folder/continue` call); `event_type` is
    /// `list_folder` when the body has that member (every file change
    /// notification does) and empty otherwise, the body then kept in `raw`;
    /// `occurred_at` is `None`.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let receiver = webhook_kit::dropbox::Dropbox::new("db_secret")?;
    /// let event = receiver.parse(br#"{"list_folder": {"accounts": ["dbid:a", "dbid:b"]},
    ///     "delta": {"users": [12345, 67890]}}"#)?;
    /// assert_eq!((event.event_type(), &*event.id()), ("list_folder", ""));
    /// assert_eq!(event.accounts, ["dbid:a", "dbid:b"]);
    /// assert_eq!(event.users, [12345, 67890]);
    /// assert!(event.occurred_at().is_none());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct Event {
        /// Always empty: Dropbox sends no id.
        id,
        /// `list_folder` for a file change notification; empty for a body
        /// without that member.
        event_type,
        /// Always `None`: Dropbox sends no time.
        occurred_at,
        /// `list_folder.accounts`: the account ids (`dbid:…`) whose files
        /// changed.
        accounts: Vec<String>,
        /// `delta.users`: the same accounts as the numeric user ids of
        /// Dropbox's older API (empty if absent).
        users: Vec<u64>,
    }
}

#[derive(Deserialize)]
struct Envelope {
    #[serde(default)]
    list_folder: Option<ListFolder>,
    #[serde(default)]
    delta: Option<Delta>,
}

#[derive(Deserialize)]
struct ListFolder {
    #[serde(default)]
    accounts: Vec<String>,
}

#[derive(Deserialize)]
struct Delta {
    #[serde(default)]
    users: Vec<u64>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let envelope: Envelope = parse_body(body)?;
    let event_type = match envelope.list_folder {
        Some(_) => LIST_FOLDER.to_owned(),
        None => String::new(),
    };
    Ok(Event {
        id: String::new(),
        event_type,
        occurred_at: None,
        accounts: envelope.list_folder.map(|l| l.accounts).unwrap_or_default(),
        users: envelope.delta.map(|d| d.users).unwrap_or_default(),
        raw: parse_body(body)?,
    })
}

/// Answers Dropbox's verification request: a `GET` carrying `challenge`
/// gets it back as plain text that browsers must not sniff. Dropbox does
/// not sign it, so there is nothing to verify; any other request is a
/// notification.
fn verification_reply(
    _receiver: &Dropbox,
    request: &Handshake<'_>,
    _now: OffsetDateTime,
) -> Option<Result<Response<String>, Error>> {
    if request.method != Method::GET {
        return None;
    }
    let challenge = request.query("challenge")?;
    let mut response = crate::handshake::reply("text/plain", challenge);
    response.headers_mut().insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    Some(Ok(response))
}

impl RetrySchedule {
    /// Dropbox's redelivery, **our approximation**: Dropbox re-attempts a
    /// request that gets no `200` (or times out) "with exponential backoff"
    /// "over the course of about ten minutes", without publishing the
    /// intervals. Ours waits 10 s, doubling up to 5 minutes: seven attempts
    /// over 610 s.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let schedule = RetrySchedule::dropbox();
    /// assert_eq!(schedule.max_attempts(), 7);
    /// assert_eq!(schedule.horizon(), Duration::from_secs(610));
    /// ```
    pub fn dropbox() -> Self {
        RetrySchedule::exponential(Duration::from_secs(10), 2, Duration::from_secs(300), 7)
    }
}

impl ReplyRule {
    /// How Dropbox reads a reply: only `200` is delivered: Dropbox counts any
    /// other status as a failure. [`Dropbox`] starts with it.
    ///
    /// ```
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let rule = ReplyRule::dropbox();
    /// assert!(rule.is_success_status(200));
    /// assert!(!rule.is_success_status(204));
    /// assert_eq!(webhook_kit::dropbox::Dropbox::new("db_secret")?.reply_rule(), rule);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn dropbox() -> Self {
        ReplyRule::codes(&[200])
    }
}
