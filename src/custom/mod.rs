//! Describe your own sender: a webhook scheme as data, run by the same
//! receiver core as the built-in senders.
//!
//! A [`SchemeBuilder`] names the headers (signature, timestamp, id, event
//! type), the grammar of the signature header, the algorithm (HMAC-SHA1,
//! -SHA256, -SHA512; Ed25519 and ECDSA P-256 behind the `ed25519` and
//! `ecdsa` features), what the signature covers (literal text, timestamp,
//! id, body, the public URL, sorted form parameters), how the signature and
//! the timestamp are written, the replay window, how the sender reads
//! replies and when it retries, and where the body keeps the event's id,
//! type and time. [`SchemeBuilder::build`] checks the description and
//! refuses one that cannot work or could be forged ([`Error::InvalidScheme`],
//! with the reason); the resulting [`CustomScheme`] makes a [`CustomReceiver`]
//! per secret or public key, which implements [`Provider`](crate::Provider)
//! like every built-in receiver: `sign_at`, [`simulate`](crate::simulate),
//! [`dedup`](crate::dedup) and [`Receivers`](crate::Receivers) all work with it.
//!
//! | builder call | what it describes | default |
//! |---|---|---|
//! | [`SchemeBuilder::new`] | the signature header | — |
//! | [`algorithm`](SchemeBuilder::algorithm) | HMAC-SHA1/-SHA256/-SHA512, Ed25519, ECDSA P-256 | HMAC-SHA256 |
//! | [`signature_prefix`](SchemeBuilder::signature_prefix) | one signature after a prefix such as `sha256=` | one signature, no prefix |
//! | [`versioned_list`](SchemeBuilder::versioned_list) | space-separated `v1,<sig>` entries | |
//! | [`key_value`](SchemeBuilder::key_value), [`key_value_separated`](SchemeBuilder::key_value_separated) | `t=<unix>,v1=<sig>` items (or `;`-separated) | |
//! | [`timestamp_header`](SchemeBuilder::timestamp_header), [`id_header`](SchemeBuilder::id_header), [`event_type_header`](SchemeBuilder::event_type_header) | the other headers | none |
//! | [`body_timestamp`](SchemeBuilder::body_timestamp) | a signed timestamp kept in the JSON body | none |
//! | [`timestamp_format`](SchemeBuilder::timestamp_format) | Unix seconds, milliseconds or RFC 3339 | seconds |
//! | [`sign_timestamp`](SchemeBuilder::sign_timestamp), [`sign_id_and_timestamp`](SchemeBuilder::sign_id_and_timestamp) | the signed content: `<t><sep><body>`, `<id><sep><t><sep><body>` | the raw body |
//! | [`signed_parts`](SchemeBuilder::signed_parts) | any signed content, piece by piece ([`SignedPart`]) | |
//! | [`signed_prefix`](SchemeBuilder::signed_prefix), [`canonical_timestamp`](SchemeBuilder::canonical_timestamp) | a literal before the content (`v0:`); the timestamp as its plain decimal | none; as sent |
//! | [`encoding`](SchemeBuilder::encoding) | hex, base64 or either | hex |
//! | [`tolerance`](SchemeBuilder::tolerance) | the replay window | 300 s both ways (**our default**) |
//! | [`reply_rule`](SchemeBuilder::reply_rule), [`retry_schedule`](SchemeBuilder::retry_schedule) | the sender's reply reading and redelivery | any `2xx`; no retries |
//! | [`id_field`](SchemeBuilder::id_field), [`type_field`](SchemeBuilder::type_field), [`time_field`](SchemeBuilder::time_field) | where a JSON body keeps them (a field name or a JSON pointer) | none |
//! | [`form_body`](SchemeBuilder::form_body) | bodies are `application/x-www-form-urlencoded`, not JSON | JSON |
//! | [`CustomScheme::at_url`] | the public URL a URL-signing sender was given | none |
//!
//! A shared secret is the key as given (text as its UTF-8 bytes). A public
//! key is given as the sender publishes it, in hex or base64: an Ed25519
//! key as its 32 bytes, a P-256 key as its DER `SubjectPublicKeyInfo`.
//!
//! **URLs.** A scheme that signs the URL ([`SignedPart::Url`]) needs the
//! URL the sender was given, byte for byte: the public one, not the one
//! your server sees behind a proxy or TLS termination. Bind it with
//! [`CustomScheme::at_url`] before making receivers; a receiver of such a
//! scheme without a URL is refused.
//!
//! **Ids.** By default a described sender has no id: its events' ids are
//! empty, and [`ExactlyOnce`](crate::dedup::ExactlyOnce) processes each
//! without deduplication ([`Handled::NoId`](crate::dedup::Handled::NoId))
//! rather than on one shared empty key. Name an [`id_field`](SchemeBuilder::id_field)
//! (inside the signed body) or a signed id header
//! ([`sign_id_and_timestamp`](SchemeBuilder::sign_id_and_timestamp), or
//! [`SignedPart::Id`]) to deduplicate on it. An [`id_header`](SchemeBuilder::id_header) that is not
//! signed is a label anyone can change on a captured delivery
//! ([`Delivery::id_is_signed`](crate::Delivery::id_is_signed) is `false`),
//! as is an [`event_type_header`](SchemeBuilder::event_type_header): key
//! such events by [`content_key`](crate::dedup::content_key) of the signed
//! content instead, and route on nothing but signed fields.
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::custom::SchemeBuilder;
//!
//! // "X-Acme-Signature: sha256=<hex of HMAC(secret, body)>", type in the body.
//! let acme = SchemeBuilder::new("X-Acme-Signature")
//!     .signature_prefix("sha256=")
//!     .id_header("X-Acme-Delivery")
//!     .type_field("/event")
//!     .build()?;
//! let receiver = acme.receiver("acme-secret")?;
//!
//! let body = br#"{"event": "order.paid", "order": {"id": 7}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_at(body, now)?;
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.event_type(), "order.paid");
//! assert_eq!(event.data["order"]["id"], 7);
//! # Ok::<(), webhook_kit::Error>(())
//! ```

mod options;
mod receiver;

use std::sync::Arc;
use std::time::Duration;

use http::HeaderName;

use crate::engine::{
    self, Description, IdRule, Owned, SignatureRule, TimestampRule, TimestampSource,
};
use crate::{Error, ReplyRule, RetrySchedule, Tolerance};
pub use options::{Algorithm, MacEncoding, SignedPart, TimestampFormat};
use receiver::BodySpec;
pub use receiver::{CustomReceiver, CustomScheme, Event};

/// The window a custom scheme accepts when it signs a timestamp and names
/// no tolerance: 300 s both ways, **our default** (the window Stripe's and
/// Slack's libraries use).
///
/// ```
/// use webhook_kit::custom::{self, SchemeBuilder};
///
/// let receiver = SchemeBuilder::new("x-sig")
///     .timestamp_header("x-ts")
///     .sign_timestamp('.')
///     .build()?
///     .receiver("secret")?;
/// assert_eq!(receiver.tolerance(), custom::DEFAULT_TOLERANCE);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const DEFAULT_TOLERANCE: Tolerance = Tolerance::symmetric(Duration::from_secs(300));

/// The grammar of the signature header, as described.
#[derive(Clone, Debug)]
enum Grammar {
    Single(String),
    Versioned(String),
    KeyValue {
        separator: char,
        timestamp_key: String,
        signature_key: String,
    },
}

/// What the signature covers, as described.
#[derive(Clone, Debug)]
enum Content {
    /// The body alone.
    Body,
    /// The timestamp, the separator, the body.
    Timestamp(char),
    /// The id, the separator, the timestamp, the separator, the body.
    IdTimestamp(char),
    /// Pieces as listed.
    Parts(Vec<SignedPart>),
}

/// A sender's description, step by step. Nothing is checked until
/// [`SchemeBuilder::build`], which says what is wrong, if anything.
///
/// ```
/// use webhook_kit::custom::SchemeBuilder;
///
/// // Slack's scheme: "v0=<hex>" over "v0:<timestamp>:<body>".
/// let slack_like = SchemeBuilder::new("X-Slack-Signature")
///     .signature_prefix("v0=")
///     .timestamp_header("X-Slack-Request-Timestamp")
///     .signed_prefix("v0:")
///     .sign_timestamp(':')
///     .build()?;
///
/// // A timestamp that is checked but not signed proves nothing: refused.
/// let err = SchemeBuilder::new("x-sig").timestamp_header("x-ts").build().unwrap_err();
/// assert!(err.to_string().contains("not signed"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug)]
#[must_use]
pub struct SchemeBuilder {
    signature: String,
    timestamp: Option<String>,
    id: Option<String>,
    event_type: Option<String>,
    grammar: Grammar,
    content: Content,
    signed_prefix: String,
    canonical_timestamp: bool,
    encoding: MacEncoding,
    algorithm: Algorithm,
    timestamp_format: TimestampFormat,
    body_timestamp: Option<String>,
    tolerance: Option<Tolerance>,
    reply: ReplyRule,
    schedule: RetrySchedule,
    id_field: Option<String>,
    type_field: Option<String>,
    time_field: Option<String>,
    form: bool,
}

impl SchemeBuilder {
    /// A sender whose signature is in `signature_header` (any case): by
    /// default one hex HMAC-SHA256 of the raw body, no prefix, no other
    /// header.
    ///
    /// ```
    /// let github_like = webhook_kit::custom::SchemeBuilder::new("X-Hub-Signature-256")
    ///     .signature_prefix("sha256=")
    ///     .build()?;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn new(signature_header: &str) -> Self {
        SchemeBuilder {
            signature: signature_header.to_owned(),
            timestamp: None,
            id: None,
            event_type: None,
            grammar: Grammar::Single(String::new()),
            content: Content::Body,
            signed_prefix: String::new(),
            canonical_timestamp: false,
            encoding: MacEncoding::Hex,
            algorithm: Algorithm::HmacSha256,
            timestamp_format: TimestampFormat::UnixSeconds,
            body_timestamp: None,
            tolerance: None,
            reply: ReplyRule::any_2xx(),
            schedule: RetrySchedule::none(),
            id_field: None,
            type_field: None,
            time_field: None,
            form: false,
        }
    }

    /// The header holds one MAC after the literal `prefix` (`sha256=`,
    /// `v0=`; empty for none).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").signature_prefix("sha256=").build().is_ok());
    /// assert!(SchemeBuilder::new("x-sig").signature_prefix("sha 256").build().is_err());
    /// ```
    pub fn signature_prefix(mut self, prefix: &str) -> Self {
        self.grammar = Grammar::Single(prefix.to_owned());
        self
    }

    /// The header holds space-separated `<version>,<mac>` entries (Standard
    /// Webhooks' `v1,<base64>`); entries of other versions are skipped.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").versioned_list("v1").build().is_ok());
    /// assert!(SchemeBuilder::new("x-sig").versioned_list("").build().is_err());
    /// ```
    pub fn versioned_list(mut self, version: &str) -> Self {
        self.grammar = Grammar::Versioned(version.to_owned());
        self
    }

    /// The header holds comma-separated `key=value` items: the timestamp
    /// under `timestamp_key` and one or more MACs under `signature_key`
    /// (Stripe's `t=…,v1=…`). Other keys are skipped.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// let stripe_like = SchemeBuilder::new("Stripe-Signature").key_value("t", "v1").sign_timestamp('.');
    /// assert!(stripe_like.build().is_ok());
    /// assert!(SchemeBuilder::new("x").key_value("t", "t").sign_timestamp('.').build().is_err());
    /// ```
    pub fn key_value(self, timestamp_key: &str, signature_key: &str) -> Self {
        self.key_value_separated(',', timestamp_key, signature_key)
    }

    /// [`key_value`](Self::key_value) items split on `separator` instead of
    /// a comma (Paddle's `ts=…;h1=…`). The separator is one ASCII
    /// punctuation character other than `=`.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// let paddle_like = SchemeBuilder::new("Paddle-Signature")
    ///     .key_value_separated(';', "ts", "h1")
    ///     .sign_timestamp(':');
    /// assert!(paddle_like.build().is_ok());
    /// assert!(SchemeBuilder::new("x").key_value_separated('=', "t", "v1").sign_timestamp('.').build().is_err());
    /// ```
    pub fn key_value_separated(
        mut self,
        separator: char,
        timestamp_key: &str,
        signature_key: &str,
    ) -> Self {
        self.grammar = Grammar::KeyValue {
            separator,
            timestamp_key: timestamp_key.to_owned(),
            signature_key: signature_key.to_owned(),
        };
        self
    }

    /// The signature algorithm (default [`Algorithm::HmacSha256`]). With
    /// a key-pair algorithm, receivers are made from the sender's public
    /// key ([`CustomScheme::public_key_receiver`]).
    ///
    /// ```
    /// use webhook_kit::custom::{Algorithm, MacEncoding, SchemeBuilder};
    ///
    /// // Twilio-style: base64 HMAC-SHA1.
    /// let sha1 = SchemeBuilder::new("X-Twilio-Signature")
    ///     .algorithm(Algorithm::HmacSha1)
    ///     .encoding(MacEncoding::Base64)
    ///     .build()?;
    /// assert!(sha1.receiver("auth-token").is_ok());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn algorithm(mut self, algorithm: Algorithm) -> Self {
        self.algorithm = algorithm;
        self
    }

    /// How the signed timestamp is written (default
    /// [`TimestampFormat::UnixSeconds`]), wherever it is carried.
    ///
    /// ```
    /// # use webhook_kit::custom::{SchemeBuilder, TimestampFormat};
    /// let millis = SchemeBuilder::new("x-sig")
    ///     .timestamp_header("x-ts")
    ///     .timestamp_format(TimestampFormat::UnixMillis)
    ///     .sign_timestamp('.');
    /// assert!(millis.build().is_ok());
    /// ```
    pub fn timestamp_format(mut self, format: TimestampFormat) -> Self {
        self.timestamp_format = format;
        self
    }

    /// The signed timestamp is a field of the JSON body (Linear's
    /// `webhookTimestamp`), at a top-level field name or a JSON pointer, in
    /// the [`timestamp_format`](Self::timestamp_format) (a number, or an
    /// RFC 3339 string). It is signed as part of the body, read only after
    /// the signature matched, and checked against the window; a body
    /// without it is refused.
    ///
    /// ```
    /// # use webhook_kit::custom::{SchemeBuilder, TimestampFormat};
    /// let linear_like = SchemeBuilder::new("Linear-Signature")
    ///     .body_timestamp("webhookTimestamp")
    ///     .timestamp_format(TimestampFormat::UnixMillis);
    /// assert!(linear_like.clone().build().is_ok());
    /// // In the body and in a header: which one counts?
    /// assert!(linear_like.timestamp_header("x-ts").build().is_err());
    /// ```
    pub fn body_timestamp(mut self, path: &str) -> Self {
        self.body_timestamp = Some(path.to_owned());
        self
    }

    /// The signature covers `parts`, in order, joined as they are: the
    /// general form of [`sign_timestamp`](Self::sign_timestamp) and
    /// [`sign_id_and_timestamp`](Self::sign_id_and_timestamp) (the last
    /// of these calls counts).
    ///
    /// [`build`](Self::build) refuses parts that could be re-cut into a
    /// different request with the same signature: the body (or the form
    /// parameters) must be covered; an id must be kept from the body and
    /// from another id by a timestamp or the URL; a [`SignedPart::Text`]
    /// touching an id or a timestamp must touch it with punctuation that no
    /// id or timestamp contains (not a letter, digit, `+`, `-`, `/`, `=` or
    /// `_`); and a Unix timestamp right after the body or an id must be
    /// signed as its plain decimal ([`canonical_timestamp`](Self::canonical_timestamp)),
    /// or leading zeros would let bytes move across.
    ///
    /// ```
    /// use webhook_kit::custom::{SchemeBuilder, SignedPart, TimestampFormat};
    ///
    /// // Twitch EventSub: id, RFC 3339 timestamp and body, nothing between.
    /// let twitch_like = SchemeBuilder::new("Twitch-Eventsub-Message-Signature")
    ///     .signature_prefix("sha256=")
    ///     .id_header("Twitch-Eventsub-Message-Id")
    ///     .timestamp_header("Twitch-Eventsub-Message-Timestamp")
    ///     .timestamp_format(TimestampFormat::Rfc3339)
    ///     .signed_parts([SignedPart::Id, SignedPart::Timestamp, SignedPart::Body]);
    /// assert!(twitch_like.build().is_ok());
    ///
    /// // An id right before the body: `evt_1` + `2{…` or `evt_12` + `{…`?
    /// let cut = SchemeBuilder::new("x-sig")
    ///     .id_header("x-id")
    ///     .signed_parts([SignedPart::Id, SignedPart::Body]);
    /// assert!(cut.build().is_err());
    /// ```
    pub fn signed_parts(mut self, parts: impl IntoIterator<Item = SignedPart>) -> Self {
        self.content = Content::Parts(parts.into_iter().collect());
        self
    }

    /// The header with the Unix timestamp (seconds), when it is not inside
    /// the signature header.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").timestamp_header("x-ts").sign_timestamp('.').build().is_ok());
    /// ```
    pub fn timestamp_header(mut self, name: &str) -> Self {
        self.timestamp = Some(name.to_owned());
        self
    }

    /// The header with the delivery or message id: signed with
    /// [`sign_id_and_timestamp`](Self::sign_id_and_timestamp), otherwise a
    /// label read when present ([`Delivery::id`](crate::Delivery::id)), and the event's id when
    /// no [`id_field`](Self::id_field) is named. An unsigned id header is
    /// not proof of anything ([`Delivery::id_is_signed`](crate::Delivery::id_is_signed)
    /// is `false`): a captured delivery verifies under any id.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").id_header("x-delivery").build().is_ok());
    /// ```
    pub fn id_header(mut self, name: &str) -> Self {
        self.id = Some(name.to_owned());
        self
    }

    /// The header naming the event type (GitHub's `X-GitHub-Event`), read by
    /// [`Provider::receive_at`](crate::Provider::receive_at) and `verify_and_parse*`. Not signed.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").event_type_header("x-event").build().is_ok());
    /// ```
    pub fn event_type_header(mut self, name: &str) -> Self {
        self.event_type = Some(name.to_owned());
        self
    }

    /// The MAC covers `<timestamp><separator><body>`.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").timestamp_header("x-ts").sign_timestamp(':').build().is_ok());
    /// // Nothing carries the timestamp to sign:
    /// assert!(SchemeBuilder::new("x-sig").sign_timestamp('.').build().is_err());
    /// ```
    pub fn sign_timestamp(mut self, separator: char) -> Self {
        self.content = Content::Timestamp(separator);
        self
    }

    /// The MAC covers `<id><separator><timestamp><separator><body>`
    /// (Standard Webhooks).
    ///
    /// The separator must be ASCII punctuation that no id or timestamp
    /// contains ([`build`](Self::build) refuses a letter, digit, `+`, `-`,
    /// `/`, `=` or `_`): with `0`, id `evt_10` and timestamp `1700000000`
    /// sign the same bytes as id `evt_1` and timestamp `01700000000`.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// let standard_like = SchemeBuilder::new("webhook-signature")
    ///     .versioned_list("v1")
    ///     .encoding(webhook_kit::custom::MacEncoding::Base64)
    ///     .id_header("webhook-id")
    ///     .timestamp_header("webhook-timestamp")
    ///     .sign_id_and_timestamp('.');
    /// assert!(standard_like.clone().build().is_ok());
    /// assert!(standard_like.sign_id_and_timestamp('0').build().is_err());
    /// ```
    pub fn sign_id_and_timestamp(mut self, separator: char) -> Self {
        self.content = Content::IdTimestamp(separator);
        self
    }

    /// Literal text before everything else the signature covers (Slack's
    /// `v0:`). With [`signed_parts`](Self::signed_parts), write it as a
    /// [`SignedPart::Text`] instead.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").signed_prefix("v0:").build().is_ok());
    /// ```
    pub fn signed_prefix(mut self, text: &str) -> Self {
        self.signed_prefix = text.to_owned();
        self
    }

    /// Signs a Unix timestamp (seconds or milliseconds) as its plain
    /// decimal (`+0017…` is signed as `17…`), as the Standard Webhooks
    /// libraries do; by default it is signed as sent.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").canonical_timestamp().build().is_err()); // no timestamp
    /// ```
    pub fn canonical_timestamp(mut self) -> Self {
        self.canonical_timestamp = true;
        self
    }

    /// How the signature is written (default [`MacEncoding::Hex`]).
    ///
    /// ```
    /// # use webhook_kit::custom::{MacEncoding, SchemeBuilder};
    /// assert!(SchemeBuilder::new("x-sig").encoding(MacEncoding::HexOrBase64).build().is_ok());
    /// ```
    pub fn encoding(mut self, encoding: MacEncoding) -> Self {
        self.encoding = encoding;
        self
    }

    /// The window around the receiver's clock in which a signed timestamp is
    /// accepted (default [`DEFAULT_TOLERANCE`]).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let window = Tolerance::new(Duration::from_secs(600), Duration::from_secs(60));
    /// let scheme = SchemeBuilder::new("x-sig").timestamp_header("x-ts").sign_timestamp('.');
    /// assert!(scheme.clone().tolerance(window).build().is_ok());
    /// assert!(scheme.tolerance(Tolerance::symmetric(Duration::ZERO)).build().is_err());
    /// ```
    pub fn tolerance(mut self, tolerance: Tolerance) -> Self {
        self.tolerance = Some(tolerance);
        self
    }

    /// How the sender reads replies (default: any `2xx` succeeds).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// use webhook_kit::{Provider, ReplyRule};
    ///
    /// let receiver = SchemeBuilder::new("x-sig").reply_rule(ReplyRule::codes(&[200])).build()?.receiver("s")?;
    /// assert!(!receiver.reply_rule().is_success_status(204));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn reply_rule(mut self, rule: ReplyRule) -> Self {
        self.reply = rule;
        self
    }

    /// How the sender redelivers (default: it does not).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// use std::time::Duration;
    /// use webhook_kit::{Provider, RetrySchedule};
    ///
    /// let schedule = RetrySchedule::fixed(vec![Duration::from_secs(60); 3]);
    /// let receiver = SchemeBuilder::new("x-sig").retry_schedule(schedule).build()?.receiver("s")?;
    /// assert_eq!(receiver.retry_schedule().max_attempts(), 4);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn retry_schedule(mut self, schedule: RetrySchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// Where a JSON body keeps the event's id: a top-level field name
    /// (`event_id`) or a JSON pointer (`/meta/id`). A string or a number.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").id_field("/meta/id").build().is_ok());
    /// assert!(SchemeBuilder::new("x-sig").id_field("").build().is_err());
    /// ```
    pub fn id_field(mut self, path: &str) -> Self {
        self.id_field = Some(path.to_owned());
        self
    }

    /// Where a JSON body keeps the event type (a field name or a JSON
    /// pointer). Not with [`event_type_header`](Self::event_type_header).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").type_field("type").build().is_ok());
    /// assert!(SchemeBuilder::new("x-sig").type_field("type").event_type_header("x-event").build().is_err());
    /// ```
    pub fn type_field(mut self, path: &str) -> Self {
        self.type_field = Some(path.to_owned());
        self
    }

    /// Where a JSON body keeps when the event happened: Unix seconds, or an
    /// RFC 3339 string. Anything else reads as no time.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").time_field("created").build().is_ok());
    /// ```
    pub fn time_field(mut self, path: &str) -> Self {
        self.time_field = Some(path.to_owned());
        self
    }

    /// Bodies are `application/x-www-form-urlencoded`, not JSON: they
    /// verify as sent, and parse into an object of the form's fields.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").form_body().build().is_ok());
    /// assert!(SchemeBuilder::new("x-sig").form_body().type_field("type").build().is_err());
    /// ```
    pub fn form_body(mut self) -> Self {
        self.form = true;
        self
    }

    /// Checks the description and makes it runnable.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidScheme`] with the reason, for a description that
    /// cannot work or could be forged: a header name HTTP cannot carry, two
    /// roles sharing a header, a timestamp or id that is signed but carried
    /// by nothing (or carried but not signed), two places for one
    /// timestamp, a prefix, version or key that cannot appear in the
    /// header as written, a separator that is not one ASCII punctuation
    /// character or that an id or timestamp can contain (a letter, digit,
    /// `+`, `-`, `/`, `=` or `_`: see
    /// [`sign_id_and_timestamp`](Self::sign_id_and_timestamp)), signed
    /// parts that do not cover the body or could be re-cut (see
    /// [`signed_parts`](Self::signed_parts)), a zero tolerance, or body
    /// fields on a form body.
    ///
    /// ```
    /// use webhook_kit::Error;
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let err = SchemeBuilder::new("x sig").build().unwrap_err();
    /// assert_eq!(err, Error::InvalidScheme("a header name is not a valid HTTP header name"));
    /// assert_eq!(err.status(), 500);
    /// ```
    pub fn build(self) -> Result<CustomScheme, Error> {
        let header = |name: &str| {
            HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| Error::InvalidScheme("a header name is not a valid HTTP header name"))
        };
        let signature = header(&self.signature)?;
        let timestamp = self.timestamp.as_deref().map(header).transpose()?;
        let id = self.id.as_deref().map(header).transpose()?;
        let event_type = self.event_type.as_deref().map(header).transpose()?;
        let names: Vec<&HeaderName> = [
            Some(&signature),
            timestamp.as_ref(),
            id.as_ref(),
            event_type.as_ref(),
        ]
        .into_iter()
        .flatten()
        .collect();
        if (1..names.len()).any(|i| names[..i].contains(&names[i])) {
            return Err(Error::InvalidScheme(
                "the signature, timestamp, id and event type headers must differ",
            ));
        }

        let grammar = self.grammar()?;
        let parts = self.content()?;
        let signs = |wanted: &SignedPart| parts.contains(wanted);
        let signs_timestamp = signs(&SignedPart::Timestamp);
        let embedded = matches!(self.grammar, Grammar::KeyValue { .. });
        let in_body = self.body_timestamp.is_some();
        if [embedded, timestamp.is_some(), in_body]
            .iter()
            .filter(|&&place| place)
            .count()
            > 1
        {
            return Err(Error::InvalidScheme(if embedded && !in_body {
                "the timestamp is inside the signature header; a timestamp header as well is ambiguous"
            } else {
                "a timestamp in the body and in a header is ambiguous: name one place"
            }));
        }
        if signs_timestamp && in_body {
            return Err(Error::InvalidScheme(
                "a timestamp read from the body is signed with the body: leave the timestamp part out",
            ));
        }
        if signs_timestamp && !embedded && timestamp.is_none() {
            return Err(Error::InvalidScheme(
                "the signed content includes a timestamp, but no header carries one",
            ));
        }
        if (embedded || timestamp.is_some()) && !signs_timestamp {
            return Err(Error::InvalidScheme(
                "a timestamp that is checked but not signed proves nothing: sign it (sign_timestamp)",
            ));
        }
        if in_body && (self.form || !signs(&SignedPart::Body)) {
            return Err(Error::InvalidScheme(
                "a timestamp read from the body needs a signed JSON body",
            ));
        }
        let checks_timestamp = signs_timestamp || in_body;
        if signs(&SignedPart::Id) && id.is_none() {
            return Err(Error::InvalidScheme(
                "the signed content includes an id, but no id header is named",
            ));
        }
        if self.canonical_timestamp
            && (!signs_timestamp || self.timestamp_format == TimestampFormat::Rfc3339)
        {
            return Err(Error::InvalidScheme(
                "a canonical timestamp needs a signed Unix timestamp",
            ));
        }
        let tolerance = match self.tolerance {
            Some(_) if !checks_timestamp => {
                return Err(Error::InvalidScheme("a tolerance needs a signed timestamp"));
            }
            Some(t) if t.past.is_zero() && t.future.is_zero() => {
                return Err(Error::InvalidScheme(
                    "a zero tolerance would refuse every delivery",
                ));
            }
            Some(t) => t,
            None => DEFAULT_TOLERANCE,
        };
        let fields = [&self.id_field, &self.type_field, &self.time_field];
        if fields
            .iter()
            .chain([&&self.body_timestamp])
            .flat_map(|f| f.as_deref())
            .any(|path| path.is_empty())
        {
            return Err(Error::InvalidScheme(
                "a body field must be a field name or a JSON pointer, not empty",
            ));
        }
        if self.form && fields.iter().any(|f| f.is_some()) {
            return Err(Error::InvalidScheme(
                "a form body has no JSON fields to read the id, type or time from",
            ));
        }
        if event_type.is_some() && self.type_field.is_some() {
            return Err(Error::InvalidScheme(
                "the event type comes from a header or from a body field, not both",
            ));
        }

        let source = if let Some(name) = timestamp {
            Some(TimestampSource::Header(name))
        } else if embedded {
            Some(TimestampSource::SignatureItem)
        } else {
            self.body_timestamp
                .clone()
                .map(|path| TimestampSource::BodyField(pointer(path).into()))
        };
        let description = Description::<Owned> {
            name: "CustomReceiver",
            algorithm: self.algorithm.core(),
            signature: SignatureRule {
                header: signature,
                grammar,
                encoding: self.encoding.core(),
            },
            timestamp: source.map(|source| TimestampRule {
                source,
                format: self.timestamp_format.core(),
            }),
            id: id.map(|header| IdRule {
                header,
                signed: signs(&SignedPart::Id),
            }),
            signed: parts
                .iter()
                .map(|part| part.core(self.canonical_timestamp))
                .collect(),
            tolerance,
            reply: self.reply,
            retries: RetrySchedule::none,
            sent_with: &[],
        };
        Ok(CustomScheme {
            description: Arc::new(description),
            signs_url: signs(&SignedPart::Url),
            key_pair: self.algorithm.uses_key_pair(),
            urls: Vec::new(),
            body: Arc::new(BodySpec {
                event_type,
                id: self.id_field.map(pointer),
                kind: self.type_field.map(pointer),
                time: self.time_field.map(pointer),
                form: self.form,
            }),
            reply: self.reply,
            schedule: self.schedule,
        })
    }

    /// The signature header's grammar, checked.
    fn grammar(&self) -> Result<engine::Grammar<Owned>, Error> {
        let bytes = |text: &str| text.as_bytes().into();
        Ok(match &self.grammar {
            Grammar::Single(prefix) => {
                if !prefix.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::InvalidScheme(
                        "a signature prefix must be visible ASCII without spaces",
                    ));
                }
                engine::Grammar::Bare {
                    prefix: bytes(prefix),
                }
            }
            Grammar::Versioned(version) => {
                if !is_token(version, b", ") {
                    return Err(Error::InvalidScheme(
                        "a version must be non-empty visible ASCII without `,` or spaces",
                    ));
                }
                engine::Grammar::Versioned {
                    version: bytes(version),
                }
            }
            Grammar::KeyValue {
                separator,
                timestamp_key,
                signature_key,
            } => {
                let separator = u8::try_from(*separator)
                    .ok()
                    .filter(|b| b.is_ascii_punctuation() && *b != b'=')
                    .ok_or(Error::InvalidScheme(
                        "the item separator must be one ASCII punctuation character other than `=`",
                    ))?;
                let forbidden = [separator, b'=', b' '];
                if !is_token(timestamp_key, &forbidden) || !is_token(signature_key, &forbidden) {
                    return Err(Error::InvalidScheme(
                        "a key must be non-empty visible ASCII without the item separator, `=` or spaces",
                    ));
                }
                if timestamp_key == signature_key {
                    return Err(Error::InvalidScheme(
                        "the timestamp key and the signature key must differ",
                    ));
                }
                engine::Grammar::Items {
                    separator,
                    timestamp_key: Some(bytes(timestamp_key)),
                    signature_key: bytes(signature_key),
                }
            }
        })
    }

    /// The signed content as parts, checked against re-cutting.
    fn content(&self) -> Result<Vec<SignedPart>, Error> {
        let prefix =
            (!self.signed_prefix.is_empty()).then(|| SignedPart::Text(self.signed_prefix.clone()));
        let joined = |separator: char, pieces: &[SignedPart]| -> Result<Vec<SignedPart>, Error> {
            let separator = char::from(separator_byte(separator)?);
            let mut parts: Vec<SignedPart> = prefix.clone().into_iter().collect();
            for piece in pieces {
                parts.push(piece.clone());
                parts.push(SignedPart::Text(separator.into()));
            }
            parts.push(SignedPart::Body);
            Ok(parts)
        };
        match &self.content {
            Content::Body => Ok(prefix.into_iter().chain([SignedPart::Body]).collect()),
            Content::Timestamp(separator) => joined(*separator, &[SignedPart::Timestamp]),
            Content::IdTimestamp(separator) => {
                joined(*separator, &[SignedPart::Id, SignedPart::Timestamp])
            }
            Content::Parts(parts) => {
                if prefix.is_some() {
                    return Err(Error::InvalidScheme(
                        "a signed prefix goes into the signed parts as a text part",
                    ));
                }
                check_parts(parts, self.timestamp_format, self.canonical_timestamp)?;
                Ok(parts.clone())
            }
        }
    }
}

/// Refuses signed parts that do not cover the body, or that two different
/// requests could fill with the same bytes.
fn check_parts(
    parts: &[SignedPart],
    format: TimestampFormat,
    canonical: bool,
) -> Result<(), Error> {
    if !parts
        .iter()
        .any(|part| matches!(part, SignedPart::Body | SignedPart::SortedFormParams))
    {
        return Err(Error::InvalidScheme(
            "the signed parts must cover the body (or its form parameters)",
        ));
    }
    let fixed_length = |part: &SignedPart| matches!(part, SignedPart::Timestamp | SignedPart::Url);
    for (at, part) in parts.iter().enumerate() {
        let before = parts[..at]
            .iter()
            .rev()
            .find(|p| !matches!(p, SignedPart::Text(_)));
        let after = parts[at + 1..]
            .iter()
            .find(|p| !matches!(p, SignedPart::Text(_)));
        // The window pins a timestamp's length and the URL is configured;
        // nothing pins where an id ends and the body begins.
        let pinned = |neighbour: Option<&SignedPart>| neighbour.is_none_or(fixed_length);
        if *part == SignedPart::Id && !(pinned(before) && pinned(after)) {
            return Err(Error::InvalidScheme(
                "an id must be kept from the body and from another id by a timestamp or the URL",
            ));
        }
        if matches!(part, SignedPart::Body | SignedPart::SortedFormParams)
            && parts[at + 1..]
                .first()
                .is_some_and(|next| matches!(next, SignedPart::Body | SignedPart::SortedFormParams))
        {
            return Err(Error::InvalidScheme(
                "the body and its form parameters are two readings of one body: sign one",
            ));
        }
        let numeric = format != TimestampFormat::Rfc3339;
        if *part == SignedPart::Timestamp
            && numeric
            && !canonical
            && at > 0
            && parts[at - 1].is_variable()
        {
            return Err(Error::InvalidScheme(
                "a Unix timestamp right after the body or an id must be signed as its plain decimal (canonical_timestamp), or leading zeros would move bytes across",
            ));
        }
        if let SignedPart::Text(text) = part {
            let touches = |neighbour: Option<&SignedPart>, byte: Option<u8>| {
                matches!(neighbour, Some(SignedPart::Id | SignedPart::Timestamp))
                    && !byte.is_some_and(is_separator)
            };
            let previous = at.checked_sub(1).map(|i| &parts[i]);
            if touches(previous, text.bytes().next())
                || touches(parts.get(at + 1), text.bytes().last())
            {
                return Err(Error::InvalidScheme(
                    "a text part must touch an id or a timestamp with punctuation that no id or timestamp contains: not a letter, digit, space, `+`, `-`, `/`, `=` or `_`",
                ));
            }
        }
    }
    Ok(())
}

/// Whether a byte can occur in no id or timestamp (see [`separator_byte`]).
fn is_separator(byte: u8) -> bool {
    byte.is_ascii_punctuation() && !b"+-/=_".contains(&byte)
}

/// The separator as the byte the MAC covers, if it can occur in none of the
/// pieces it joins.
///
/// A timestamp is digits with an optional `+` or `-`, and ids are letters,
/// digits and base64 or base64url characters (`+ / = - _`). A separator
/// that can occur inside them lets two different pieces sign the same
/// bytes: with `0`, id `evt_10` and timestamp `1700000000` give
/// `evt_1001700000000`, as do id `evt_1` and timestamp `01700000000`, so
/// the signed id could be rewritten with the MAC still valid. Whitespace
/// and control characters are refused as well: HTTP trims the one and
/// cannot carry the other.
fn separator_byte(separator: char) -> Result<u8, Error> {
    let byte = u8::try_from(separator)
        .ok()
        .filter(u8::is_ascii)
        .ok_or(Error::InvalidScheme(
            "the separator must be one ASCII character",
        ))?;
    if !is_separator(byte) {
        return Err(Error::InvalidScheme(
            "the separator must be punctuation that no id or timestamp contains: \
             not a letter, digit, space, `+`, `-`, `/`, `=` or `_`, or two \
             different id and timestamp pairs would sign the same bytes",
        ));
    }
    Ok(byte)
}

/// Non-empty visible ASCII without any of `forbidden`.
fn is_token(text: &str, forbidden: &[u8]) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|b| b.is_ascii_graphic() && !forbidden.contains(&b))
}

/// A field name as the JSON pointer to it; a pointer as itself.
fn pointer(path: String) -> String {
    if path.starts_with('/') {
        path
    } else {
        format!("/{}", path.replace('~', "~0").replace('/', "~1"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_become_pointers() {
        assert_eq!(pointer("a/b~c".into()), "/a~1b~0c");
        assert_eq!(pointer("/data/id".into()), "/data/id");
    }
}
