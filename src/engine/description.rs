//! How a sender signs, as data: the one thing a sender's file writes about
//! its authentication. [`ReceiverCore`](super::ReceiverCore) runs it.

use std::fmt::Debug;
use std::time::Duration;

use http::HeaderName;

use crate::{ReplyRule, RetrySchedule, Tolerance};

use super::keys::Algorithm;

/// Where a description keeps its texts: a built-in sender's live in the
/// program ([`Static`]), a scheme described at run time owns them
/// ([`Owned`]). The core runs either, compiled once for each, so a
/// built-in sender pays nothing for run-time descriptions.
pub(crate) trait Store: 'static {
    type Bytes: AsRef<[u8]> + Debug;
    type Parts: AsRef<[Part]> + Debug;
}

/// Texts that live for the program (a `static` description).
#[derive(Debug)]
pub(crate) struct Static;

/// Texts owned by a description made at run time.
#[derive(Debug)]
pub(crate) struct Owned;

impl Store for Static {
    type Bytes = &'static [u8];
    type Parts = &'static [Part];
}

impl Store for Owned {
    type Bytes = Box<[u8]>;
    type Parts = Box<[Part]>;
}

/// A sender's whole authentication scheme, and its published (or our
/// default) replies and redelivery.
#[derive(Debug)]
pub(crate) struct Description<S: Store = Static> {
    /// The sender's name as people write it ("Paddle"), for `Debug` and
    /// error messages.
    pub(crate) name: &'static str,
    /// The signature algorithm.
    pub(crate) algorithm: Algorithm,
    /// Where the signature is and how it is written.
    pub(crate) signature: SignatureRule<S>,
    /// Where the signed timestamp is, if the sender signs one.
    pub(crate) timestamp: Option<TimestampRule>,
    /// The delivery id header, if the sender sends one.
    pub(crate) id: Option<IdRule>,
    /// What the signature covers, in order.
    pub(crate) signed: S::Parts,
    /// The default window around the receiver's clock.
    pub(crate) tolerance: Tolerance,
    /// How the sender reads replies.
    pub(crate) reply: ReplyRule,
    /// How the sender redelivers.
    pub(crate) retries: fn() -> RetrySchedule,
    /// Headers a genuine delivery carries besides the signed ones (Twitch's
    /// message type), added by signing.
    pub(crate) sent_with: &'static [(HeaderName, &'static str)],
}

/// The signature header and its grammar.
#[derive(Debug)]
pub(crate) struct SignatureRule<S: Store = Static> {
    pub(crate) header: HeaderName,
    pub(crate) grammar: Grammar<S>,
    pub(crate) encoding: Encoding,
}

/// The grammar of a signature header.
#[derive(Debug)]
pub(crate) enum Grammar<S: Store = Static> {
    /// The whole value is one signature, after `prefix` (`sha256=`, `v0=`,
    /// often empty). A value without the prefix is malformed.
    Bare { prefix: S::Bytes },
    /// `key=value` items split on `separator`: every item named
    /// `signature_key` is a signature (several while a secret is rotated),
    /// and the item named `timestamp_key` the timestamp. Other items are
    /// ignored, so a sender can add a version without breaking receivers.
    Items {
        separator: u8,
        timestamp_key: Option<S::Bytes>,
        signature_key: S::Bytes,
    },
    /// Space-separated `<version>,<signature>` entries (Standard Webhooks'
    /// `v1,<base64>`): every entry of `version` is a signature, entries of
    /// other versions are skipped.
    Versioned { version: S::Bytes },
    /// An HTTP `Authorization` credential carrying a shared token
    /// ([`Algorithm::Token`](super::keys::Algorithm::Token) only): `Bearer
    /// <token>` (RFC 6750), or `Basic` (RFC 7617) with the token as the user
    /// name and an empty password; the scheme's name in any case. Signing
    /// writes `Bearer <token>`.
    Authorization,
}

/// How a signature is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// Hex, lowercase when signing, either case accepted.
    Hex,
    /// Standard base64, padded when signing, padding optional.
    Base64,
    /// Either, for a sender that publishes neither: a text of hex digits
    /// is read as hex, any other as base64; hex when signing. The base64
    /// of a 32-byte tag (HMAC-SHA256) is 43 characters, or 44 with `=`, so
    /// it is never read as hex.
    HexOrBase64,
}

/// Where the signed timestamp is and how it is written.
#[derive(Debug)]
pub(crate) struct TimestampRule {
    pub(crate) source: TimestampSource,
    pub(crate) format: TimeFormat,
}

/// Where a timestamp is read from.
#[derive(Debug)]
pub(crate) enum TimestampSource {
    /// Its own header.
    Header(HeaderName),
    /// The signature header's `timestamp_key` item.
    SignatureItem,
    /// A number in the JSON body, in the rule's unit, read by the sender's
    /// function only after the signature has matched (nothing is parsed
    /// before authentication).
    Body(fn(&[u8]) -> Result<i64, crate::Error>),
    /// The JSON body's field at this JSON pointer, in the rule's format (a
    /// number, or an RFC 3339 string), read only after the signature has
    /// matched.
    BodyField(Box<str>),
}

/// How a timestamp is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeFormat {
    /// Unix seconds, in decimal.
    UnixSeconds,
    /// Unix milliseconds, in decimal.
    UnixMillis,
    /// RFC 3339 (`2024-01-01T00:00:00.123456789Z`).
    Rfc3339,
}

/// Another set of names a sender's headers may arrive under, for a sender
/// whose deliveries come under either of two naming schemes. A request
/// uses one family; see
/// [`ReceiverCore::with_header_families`](super::ReceiverCore::with_header_families)
/// for how a request's headers are read.
#[derive(Debug)]
pub(crate) struct HeaderFamily {
    pub(crate) signature: HeaderName,
    /// Where the family's timestamp is, when the description reads it from
    /// a header.
    pub(crate) timestamp: Option<HeaderName>,
    /// Where the family's id is, when the description has one.
    pub(crate) id: Option<HeaderName>,
}

/// The delivery id header.
#[derive(Debug)]
pub(crate) struct IdRule {
    pub(crate) header: HeaderName,
    /// Whether the signature covers it (then it is required, and an id is
    /// made up for signing when none is given).
    pub(crate) signed: bool,
}

/// One piece of the signed content.
#[derive(Debug)]
pub(crate) enum Part {
    /// Literal bytes (`v0:`, `.`, `|`).
    Text(&'static [u8]),
    /// Literal bytes of a description made at run time.
    Literal(Box<[u8]>),
    /// The timestamp, as sent.
    Timestamp,
    /// A Unix timestamp (seconds or milliseconds) as its plain decimal
    /// (`+017…` is signed as `17…`), as the Standard Webhooks libraries
    /// sign it.
    CanonicalTimestamp,
    /// The delivery id, as sent.
    Id,
    /// The raw body.
    Body,
    /// The public URL the receiver was configured with.
    Url,
    /// Content computed by the sender's own rule from the request
    /// (Twilio's sorted form parameters).
    Computed(ComputedPart),
}

impl Part {
    /// `v0:<timestamp>:<body>`: what a `v0=` signature covers, in the
    /// scheme several senders share.
    pub(crate) const V0_TIMESTAMP_BODY: &'static [Part] = &[
        Part::Text(b"v0:"),
        Part::Timestamp,
        Part::Text(b":"),
        Part::Body,
    ];
}

/// A sender's rule for a computed piece: it feeds what it computes from the
/// request to the sink.
pub(crate) type ComputedPart = fn(&Request<'_>, &mut dyn FnMut(&[u8]));

/// What a [`Part::Computed`] rule sees of a request.
#[derive(Debug)]
pub(crate) struct Request<'r> {
    /// The configured URL being tried.
    pub(crate) url: &'r str,
    pub(crate) body: &'r [u8],
}

impl SignatureRule {
    /// `header: <prefix><signature>`: one signature, the whole value.
    pub(crate) const fn bare(
        header: HeaderName,
        prefix: &'static [u8],
        encoding: Encoding,
    ) -> Self {
        SignatureRule {
            header,
            grammar: Grammar::Bare { prefix },
            encoding,
        }
    }

    /// `header: t=<timestamp>,v1=<signature>[,v1=<signature>…]`: the item
    /// list with `t` and `v1` keys that several senders share.
    pub(crate) const fn t_v1(header: HeaderName, encoding: Encoding) -> Self {
        SignatureRule {
            header,
            grammar: Grammar::Items {
                separator: b',',
                timestamp_key: Some(b"t"),
                signature_key: b"v1",
            },
            encoding,
        }
    }

    /// `header: <version>,<signature>[ <version>,<signature>…]`: a
    /// space-separated versioned list, of which entries of `version` are
    /// signatures.
    pub(crate) const fn versioned(
        header: HeaderName,
        version: &'static [u8],
        encoding: Encoding,
    ) -> Self {
        SignatureRule {
            header,
            grammar: Grammar::Versioned { version },
            encoding,
        }
    }
}

impl TimestampRule {
    /// A timestamp in its own header.
    pub(crate) const fn header(name: HeaderName, format: TimeFormat) -> Self {
        TimestampRule {
            source: TimestampSource::Header(name),
            format,
        }
    }

    /// A timestamp in the signature header's timestamp item.
    pub(crate) const fn signature_item(format: TimeFormat) -> Self {
        TimestampRule {
            source: TimestampSource::SignatureItem,
            format,
        }
    }
}

impl Description {
    /// A scheme whose signature covers the raw body alone: no timestamp,
    /// so the window around the clock is never consulted, and nothing sent
    /// besides.
    /// `id` is the sender's delivery id header, if it sends one.
    pub(crate) const fn body_signed(
        name: &'static str,
        algorithm: Algorithm,
        signature: SignatureRule,
        id: Option<IdRule>,
        reply: ReplyRule,
        retries: fn() -> RetrySchedule,
    ) -> Self {
        Description {
            name,
            algorithm,
            signature,
            timestamp: None,
            id,
            signed: &[Part::Body],
            tolerance: Tolerance::symmetric(Duration::ZERO),
            reply,
            retries,
            sent_with: &[],
        }
    }
}

impl<S: Store> Description<S> {
    pub(crate) fn signs_timestamp(&self) -> bool {
        self.timestamp.is_some()
    }

    pub(crate) fn id_is_signed(&self) -> bool {
        self.id.as_ref().is_some_and(|id| id.signed)
    }
}
