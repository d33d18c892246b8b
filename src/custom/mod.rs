//! Describe your own sender: an HMAC-SHA256 webhook scheme as data, run by
//! the same engine as the built-in providers.
//!
//! A [`SchemeBuilder`] names the headers (signature, timestamp, id, event
//! type), the grammar of the signature header, what the MAC covers, how it
//! is written, the replay window, how the sender reads replies and when it
//! retries, and where the body keeps the event's id, type and time.
//! [`SchemeBuilder::build`] checks the description and refuses one that
//! cannot work ([`Error::InvalidScheme`], with the reason); the resulting
//! [`CustomScheme`] makes a [`CustomReceiver`] per secret, which implements
//! [`Provider`](crate::Provider) like every built-in receiver: `sign_at`, [`simulate`](crate::simulate),
//! [`dedup`](crate::dedup) and [`Receivers`](crate::Receivers) all work with it.
//!
//! | builder call | what it describes | default |
//! |---|---|---|
//! | [`SchemeBuilder::new`] | the signature header | — |
//! | [`signature_prefix`](SchemeBuilder::signature_prefix) | one MAC after a prefix such as `sha256=` | one MAC, no prefix |
//! | [`versioned_list`](SchemeBuilder::versioned_list) | space-separated `v1,<mac>` entries | |
//! | [`key_value`](SchemeBuilder::key_value) | `t=<unix>,v1=<mac>` items | |
//! | [`timestamp_header`](SchemeBuilder::timestamp_header), [`id_header`](SchemeBuilder::id_header), [`event_type_header`](SchemeBuilder::event_type_header) | the other headers | none |
//! | [`sign_timestamp`](SchemeBuilder::sign_timestamp), [`sign_id_and_timestamp`](SchemeBuilder::sign_id_and_timestamp) | the signed content: `<t><sep><body>`, `<id><sep><t><sep><body>` | the raw body |
//! | [`signed_prefix`](SchemeBuilder::signed_prefix), [`canonical_timestamp`](SchemeBuilder::canonical_timestamp) | a literal before the content (`v0:`); the timestamp as its plain decimal | none; as sent |
//! | [`encoding`](SchemeBuilder::encoding) | hex, base64 or either | hex |
//! | [`tolerance`](SchemeBuilder::tolerance) | the replay window | 300 s both ways (**our default**) |
//! | [`reply_rule`](SchemeBuilder::reply_rule), [`retry_schedule`](SchemeBuilder::retry_schedule) | the sender's reply reading and redelivery | any `2xx`; no retries |
//! | [`id_field`](SchemeBuilder::id_field), [`type_field`](SchemeBuilder::type_field), [`time_field`](SchemeBuilder::time_field) | where a JSON body keeps them (a field name or a JSON pointer) | none |
//! | [`form_body`](SchemeBuilder::form_body) | bodies are `application/x-www-form-urlencoded`, not JSON | JSON |
//!
//! The secret is the key as given (text as its UTF-8 bytes).
//!
//! **Ids.** By default a described sender has no id: its events' ids are
//! empty, and [`ExactlyOnce`](crate::dedup::ExactlyOnce) processes each
//! without deduplication ([`Handled::NoId`](crate::dedup::Handled::NoId))
//! rather than on one shared empty key. Name an [`id_field`](SchemeBuilder::id_field)
//! (inside the signed body) or a signed id header
//! ([`sign_id_and_timestamp`](SchemeBuilder::sign_id_and_timestamp)) to
//! deduplicate on it. An [`id_header`](SchemeBuilder::id_header) that is not
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

mod receiver;

use std::borrow::Cow;
use std::sync::Arc;
use std::time::Duration;

use http::HeaderName;

use crate::engine::scheme::{HeaderSet, Pieces, Scheme, Signed};
use crate::engine::signature::{Encoding, Format};
use crate::{Error, ReplyRule, RetrySchedule, Tolerance};
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

/// How the MAC is written in the signature header.
///
/// ```
/// use webhook_kit::custom::{MacEncoding, SchemeBuilder};
///
/// let shopify_like = SchemeBuilder::new("x-mac").encoding(MacEncoding::Base64).build()?;
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MacEncoding {
    /// Hex; either case is accepted, lowercase is sent.
    Hex,
    /// Standard base64; padding optional when reading, sent with padding.
    Base64,
    /// Either: 64 hex digits, or base64. Hex is sent.
    HexOrBase64,
}

/// The grammar of the signature header, as described.
#[derive(Clone, Debug)]
enum Grammar {
    Single(String),
    Versioned(String),
    KeyValue(String, String),
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
    pieces: Pieces,
    separator: char,
    signed_prefix: String,
    canonical_timestamp: bool,
    encoding: MacEncoding,
    tolerance: Option<Tolerance>,
    reply: ReplyRule,
    schedule: RetrySchedule,
    id_field: Option<String>,
    type_field: Option<String>,
    time_field: Option<String>,
    form: bool,
}

impl SchemeBuilder {
    /// A sender whose MAC is in `signature_header` (any case): by default
    /// one hex MAC of the raw body, no prefix, no other header.
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
            pieces: Pieces::Body,
            separator: '.',
            signed_prefix: String::new(),
            canonical_timestamp: false,
            encoding: MacEncoding::Hex,
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
    pub fn key_value(mut self, timestamp_key: &str, signature_key: &str) -> Self {
        self.grammar = Grammar::KeyValue(timestamp_key.to_owned(), signature_key.to_owned());
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
        self.pieces = Pieces::Timestamp;
        self.separator = separator;
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
        self.pieces = Pieces::IdTimestamp;
        self.separator = separator;
        self
    }

    /// Literal text before everything else the MAC covers (Slack's `v0:`).
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").signed_prefix("v0:").build().is_ok());
    /// ```
    pub fn signed_prefix(mut self, text: &str) -> Self {
        self.signed_prefix = text.to_owned();
        self
    }

    /// Signs the timestamp as its plain decimal (`+0017…` is signed as
    /// `17…`), as the Standard Webhooks libraries do; by default it is
    /// signed as sent.
    ///
    /// ```
    /// # use webhook_kit::custom::SchemeBuilder;
    /// assert!(SchemeBuilder::new("x-sig").canonical_timestamp().build().is_err()); // no timestamp
    /// ```
    pub fn canonical_timestamp(mut self) -> Self {
        self.canonical_timestamp = true;
        self
    }

    /// How the MAC is written (default [`MacEncoding::Hex`]).
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
    /// by no header (or carried but not signed), a prefix, version or key
    /// that cannot appear in the header as written, a separator that is
    /// not one ASCII punctuation character or that an id or timestamp can
    /// contain (a letter, digit, `+`, `-`, `/`, `=` or `_`: see
    /// [`sign_id_and_timestamp`](Self::sign_id_and_timestamp)), a zero
    /// tolerance, or body fields on a form body.
    ///
    /// ```
    /// use webhook_kit::Error;
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let err = SchemeBuilder::new("x sig").build().unwrap_err();
    /// assert_eq!(err, Error::InvalidScheme("a header name is not a valid HTTP header name"));
    /// assert_eq!(err.status_code(), 500);
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

        let format = match &self.grammar {
            Grammar::Single(prefix) => {
                if !prefix.bytes().all(|b| b.is_ascii_graphic()) {
                    return Err(Error::InvalidScheme(
                        "a signature prefix must be visible ASCII without spaces",
                    ));
                }
                Format::Single {
                    prefix: Cow::Owned(prefix.clone().into_bytes()),
                }
            }
            Grammar::Versioned(version) => {
                if !is_token(version, b", ") {
                    return Err(Error::InvalidScheme(
                        "a version must be non-empty visible ASCII without `,` or spaces",
                    ));
                }
                Format::VersionedList {
                    version: Cow::Owned(version.clone().into_bytes()),
                }
            }
            Grammar::KeyValue(timestamp_key, signature_key) => {
                if !is_token(timestamp_key, b",= ") || !is_token(signature_key, b",= ") {
                    return Err(Error::InvalidScheme(
                        "a key must be non-empty visible ASCII without `,`, `=` or spaces",
                    ));
                }
                if timestamp_key == signature_key {
                    return Err(Error::InvalidScheme(
                        "the timestamp key and the signature key must differ",
                    ));
                }
                Format::KeyValueList {
                    timestamp_key: Cow::Owned(timestamp_key.clone().into_bytes()),
                    signature_key: Cow::Owned(signature_key.clone().into_bytes()),
                }
            }
        };
        let embedded = matches!(self.grammar, Grammar::KeyValue(..));
        let signs_timestamp = self.pieces != Pieces::Body;
        match (embedded, timestamp.is_some(), signs_timestamp) {
            (true, true, _) => {
                return Err(Error::InvalidScheme(
                    "the timestamp is inside the signature header; a timestamp header as well is ambiguous",
                ));
            }
            (_, false, true) if !embedded => {
                return Err(Error::InvalidScheme(
                    "the signed content includes a timestamp, but no header carries one",
                ));
            }
            (e, t, false) if e || t => {
                return Err(Error::InvalidScheme(
                    "a timestamp that is checked but not signed proves nothing: sign it (sign_timestamp)",
                ));
            }
            _ => {}
        }
        if self.pieces == Pieces::IdTimestamp && id.is_none() {
            return Err(Error::InvalidScheme(
                "the signed content includes an id, but no id header is named",
            ));
        }
        let separator = separator_byte(self.separator)?;
        if self.canonical_timestamp && !signs_timestamp {
            return Err(Error::InvalidScheme(
                "a canonical timestamp needs a signed timestamp",
            ));
        }
        let tolerance = match self.tolerance {
            Some(_) if !signs_timestamp => {
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

        let scheme = Scheme {
            families: Cow::Owned(vec![HeaderSet {
                signature,
                timestamp,
                id,
            }]),
            default_family: 0,
            format,
            encoding: match self.encoding {
                MacEncoding::Hex => Encoding::Hex,
                MacEncoding::Base64 => Encoding::Base64,
                MacEncoding::HexOrBase64 => Encoding::HexOrBase64,
            },
            signed: Signed {
                prefix: Cow::Owned(self.signed_prefix.into_bytes()),
                pieces: self.pieces,
                separator,
                canonical_timestamp: self.canonical_timestamp,
            },
            tolerance,
        };
        Ok(CustomScheme {
            scheme: Arc::new(scheme),
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
    if !byte.is_ascii_punctuation() || b"+-/=_".contains(&byte) {
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
