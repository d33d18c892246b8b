//! The receiver core: a sender's [`Description`] bound to a receiver's keys,
//! tolerance and URL, verifying requests and signing deliveries.

use std::fmt;

use http::{HeaderMap, HeaderName};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::description::{
    Description, Encoding, Grammar, Part, Request, TimeFormat, TimestampSource,
};
use super::keys::{Algorithm, KeySet, SignatureBytes};
use crate::engine::headers::{header_value, non_empty, required, sensitive_value, trim};
use crate::engine::signature::{BASE64, encode_hex, hex_into};
use crate::engine::timestamp::parse_unix_seconds;
use crate::{Delivery, Error, Secret, Tolerance};

/// A described sender bound to what one receiver trusts.
#[derive(Clone)]
pub(crate) struct ReceiverCore {
    description: &'static Description,
    keys: KeySet,
    tolerance: Tolerance,
    /// The public URLs the sender may have signed, the first used when
    /// signing; empty for senders that do not sign a URL.
    urls: Vec<Box<str>>,
}

/// The signatures of one header, decoded, on the stack.
struct Received<'v> {
    signatures: [SignatureBytes; Description::MAX_SIGNATURES],
    len: usize,
    /// The `timestamp_key` item of an item list.
    timestamp: Option<&'v [u8]>,
}

impl ReceiverCore {
    pub(crate) fn new(description: &'static Description, keys: KeySet) -> Self {
        ReceiverCore {
            description,
            keys,
            tolerance: description.tolerance,
            urls: Vec::new(),
        }
    }

    /// Adds a public URL the sender may sign (the first one signs).
    pub(crate) fn add_url(&mut self, url: &str) -> Result<(), Error> {
        let parsed: http::Uri = url.parse().map_err(|_| {
            Error::InvalidSecret("the notification URL is not a valid absolute URL")
        })?;
        if parsed.scheme().is_none() || parsed.authority().is_none() {
            return Err(Error::InvalidSecret(
                "the notification URL must be absolute, as the sender was given it (https://…)",
            ));
        }
        self.urls.push(url.into());
        Ok(())
    }

    pub(crate) fn urls(&self) -> impl Iterator<Item = &str> {
        self.urls.iter().map(|url| &**url)
    }

    pub(crate) fn add_secret(&mut self, secret: Secret) -> Result<(), Error> {
        self.keys.add_secret(secret)
    }

    pub(crate) fn add_named_secret(&mut self, name: &str, secret: Secret) -> Result<(), Error> {
        self.keys.add_named_secret(name, secret)
    }

    /// The HMAC of `content` with accepted secret `index`, for a handshake
    /// answered with a keyed hash of what the sender sent (with the secret
    /// the request verified with, so rotation holds).
    #[allow(dead_code, reason = "only senders whose handshake hashes a token")]
    pub(crate) fn mac_with(&self, index: usize, content: &[u8]) -> Option<Vec<u8>> {
        self.keys.mac_with(index, content)
    }

    pub(crate) fn keys_mut(&mut self) -> &mut KeySet {
        &mut self.keys
    }

    pub(crate) fn set_tolerance(&mut self, tolerance: Tolerance) {
        self.tolerance = tolerance;
    }

    pub(crate) fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    /// Authenticates a request whose body is within the receiver's limit:
    /// headers and a header timestamp first, then the signatures, and only
    /// then a timestamp the body carries.
    pub(crate) fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        let description = self.description;
        let name = &description.signature.header;
        let value = required(headers, name)?;
        if description.algorithm == Algorithm::Token {
            // Nothing is signed: the token is the whole proof.
            let matched = self
                .keys
                .find_token(read_token(description, name, value)?)
                .ok_or(Error::SignatureMismatch)?;
            return Ok(Delivery::new(self.id(headers)?, false, None, Some(matched))
                .with_secret_name(self.keys.name(matched)));
        }
        let received = read_signatures(description, name, value)?;
        let timestamp = self.header_timestamp(headers, &received, now)?;
        let id = self.id(headers)?;
        let timestamp_text = timestamp.map_or(&b""[..], |(text, _)| text);
        let signatures = &received.signatures[..received.len];
        let matched = self
            .url_candidates()
            .find_map(|url| {
                let request = Request { url, body };
                let feed = |sink: &mut dyn FnMut(&[u8])| {
                    feed_parts(
                        description,
                        &request,
                        timestamp_text,
                        id.unwrap_or(b""),
                        sink,
                    );
                };
                self.keys.find(signatures, &feed)
            })
            .ok_or(Error::SignatureMismatch)?;
        let signed_at = match (&description.timestamp, timestamp) {
            (_, Some((_, signed))) => signed.at,
            (Some(rule), None) => match rule.source {
                TimestampSource::Body(read) => {
                    let signed = from_value(read(body)?, rule.format);
                    self.tolerance.check(signed.seconds, now)?;
                    signed.at
                }
                _ => None,
            },
            (None, None) => None,
        };
        let id_signed = self.description.id_is_signed();
        Ok(Delivery::new(id, id_signed, signed_at, Some(matched))
            .with_secret_name(self.keys.name(matched)))
    }

    /// The delivery id header's value: required where it is signed.
    fn id<'h>(&self, headers: &'h HeaderMap) -> Result<Option<&'h [u8]>, Error> {
        let Some(rule) = &self.description.id else {
            return Ok(None);
        };
        match headers.get(&rule.header) {
            Some(value) => Ok(Some(non_empty(&rule.header, value)?)),
            None if rule.signed => Err(Error::MissingHeader(rule.header.clone())),
            None => Ok(None),
        }
    }

    /// The URLs to try: each configured one, or none at all (an empty
    /// string that no part reads) for a sender that signs no URL.
    fn url_candidates(&self) -> impl Iterator<Item = &str> {
        let none = self.urls.is_empty().then_some("");
        self.urls().chain(none)
    }

    /// The timestamp from a header or the signature's items, checked
    /// against the window: its text as sent and its time.
    fn header_timestamp<'h>(
        &self,
        headers: &'h HeaderMap,
        received: &Received<'h>,
        now: OffsetDateTime,
    ) -> Result<Option<(&'h [u8], SignedTime)>, Error> {
        let Some(rule) = &self.description.timestamp else {
            return Ok(None);
        };
        let (name, text) = match &rule.source {
            TimestampSource::Header(name) => (name, trim(required(headers, name)?)),
            TimestampSource::SignatureItem => {
                let name = &self.description.signature.header;
                let text = received.timestamp.ok_or(Error::MalformedHeader {
                    name: name.clone(),
                    reason: "no timestamp item",
                })?;
                (name, text)
            }
            TimestampSource::Body(_) => return Ok(None),
        };
        let signed = parse_time(text, rule.format).ok_or_else(|| Error::MalformedHeader {
            name: name.clone(),
            reason: match rule.format {
                TimeFormat::UnixSeconds => "timestamp is not an integer number of seconds",
                TimeFormat::UnixMillis => "timestamp is not an integer number of milliseconds",
                TimeFormat::Rfc3339 => "timestamp is not an RFC 3339 date and time",
            },
        })?;
        self.tolerance.check(signed.seconds, now)?;
        Ok(Some((text, signed)))
    }

    /// The headers of a genuine delivery of `body` at `now`, signed with
    /// the first secret (or the signing key) for the first URL. An id
    /// header gets `id`; where the id is signed and none is given, one is
    /// derived from the content (**our** choice: the sender's ids are its own).
    pub(crate) fn sign(
        &self,
        body: &[u8],
        now: OffsetDateTime,
        id: Option<&str>,
    ) -> Result<HeaderMap, Error> {
        let description = self.description;
        let timestamp = match &description.timestamp {
            Some(rule) if !matches!(rule.source, TimestampSource::Body(_)) => {
                format_time(now, rule.format)?
            }
            _ => String::new(),
        };
        if let Some(id) = id
            && (trim(id.as_bytes()).len() != id.len() || id.is_empty())
        {
            return Err(Error::Signing(
                "a message id must be non-empty, without surrounding whitespace",
            ));
        }
        let id = match id {
            Some(id) => id.to_owned(),
            None if description.id_is_signed() => derived_id(&timestamp, body),
            None => String::new(),
        };
        let url = self.urls().next().unwrap_or("");
        let request = Request { url, body };
        let feed = |sink: &mut dyn FnMut(&[u8])| {
            feed_parts(
                description,
                &request,
                timestamp.as_bytes(),
                id.as_bytes(),
                sink,
            );
        };
        let signature = self.keys.sign(&feed)?;
        let mut headers = HeaderMap::new();
        if description.algorithm == Algorithm::Token {
            // The token goes as it is, hidden from the map's `Debug`.
            let value = signature_value(&description.signature.grammar, "", &signature);
            headers.insert(
                description.signature.header.clone(),
                sensitive_value(value)?,
            );
        } else {
            let encoded = match description.signature.encoding {
                Encoding::Hex => encode_hex(&signature),
                Encoding::Base64 => {
                    use base64::Engine as _;
                    base64::engine::general_purpose::STANDARD.encode(&signature)
                }
            };
            let value = signature_value(
                &description.signature.grammar,
                &timestamp,
                encoded.as_bytes(),
            );
            headers.insert(description.signature.header.clone(), header_value(value)?);
        }
        if let Some(rule) = &description.timestamp
            && let TimestampSource::Header(name) = &rule.source
        {
            headers.insert(name.clone(), header_value(&timestamp)?);
        }
        if let Some(rule) = &description.id
            && !id.is_empty()
        {
            headers.insert(rule.header.clone(), header_value(&id)?);
        }
        for (name, value) in description.sent_with {
            headers.insert(name.clone(), header_value(value)?);
        }
        Ok(headers)
    }
}

impl fmt::Debug for ReceiverCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct(self.description.name);
        out.field("keys", &self.keys);
        if self.description.signs_timestamp() {
            out.field("tolerance", &self.tolerance);
        }
        if !self.urls.is_empty() {
            out.field("urls", &self.urls);
        }
        out.finish()
    }
}

/// Reads the signature header by its grammar, decoding every signature in
/// the expected encoding; undecodable entries are skipped, as the reference
/// libraries skip them, but a header with none left is malformed.
fn read_signatures<'v>(
    description: &Description,
    name: &HeaderName,
    value: &'v [u8],
) -> Result<Received<'v>, Error> {
    let empty = SignatureBytes::new(&[]).unwrap_or_else(|| unreachable!("empty fits"));
    let mut received = Received {
        signatures: [empty; Description::MAX_SIGNATURES],
        len: 0,
        timestamp: None,
    };
    let encoding = description.signature.encoding;
    let push = |received: &mut Received<'v>, text: &[u8]| {
        if received.len < Description::MAX_SIGNATURES
            && let Some(signature) = decode(encoding, trim(text))
        {
            received.signatures[received.len] = signature;
            received.len += 1;
        }
    };
    match &description.signature.grammar {
        Grammar::Bare { prefix } => {
            if let Some(text) = trim(value).strip_prefix(*prefix) {
                push(&mut received, text);
            }
        }
        Grammar::Items {
            separator,
            timestamp_key,
            signature_key,
        } => {
            for item in value.split(|b| b == separator) {
                let Some(at) = item.iter().position(|&b| b == b'=') else {
                    continue;
                };
                let (key, text) = (trim(&item[..at]), &item[at + 1..]);
                if key == *signature_key {
                    push(&mut received, text);
                } else if Some(key) == *timestamp_key && received.timestamp.is_none() {
                    received.timestamp = Some(trim(text));
                }
            }
        }
    }
    if received.len == 0 {
        return Err(Error::MalformedHeader {
            name: name.clone(),
            reason: "no signature in the expected encoding",
        });
    }
    Ok(received)
}

/// The token a [`Algorithm::Token`] header carries: the value after the
/// grammar's prefix, as sent.
fn read_token<'v>(
    description: &Description,
    name: &HeaderName,
    value: &'v [u8],
) -> Result<&'v [u8], Error> {
    let prefix = match &description.signature.grammar {
        Grammar::Bare { prefix } => *prefix,
        Grammar::Items { .. } => b"",
    };
    trim(value)
        .strip_prefix(prefix)
        .ok_or_else(|| Error::MalformedHeader {
            name: name.clone(),
            reason: "the token lacks the expected prefix",
        })
}

/// A signature in `encoding`, or `None` when it is not one.
fn decode(encoding: Encoding, text: &[u8]) -> Option<SignatureBytes> {
    let mut buf = [0u8; super::keys::MAX_SIGNATURE_LEN + 3];
    let len = match encoding {
        Encoding::Hex => {
            if !text.len().is_multiple_of(2) || text.len() / 2 > super::keys::MAX_SIGNATURE_LEN {
                return None;
            }
            let len = text.len() / 2;
            if !hex_into(text, &mut buf[..len]) {
                return None;
            }
            len
        }
        Encoding::Base64 => {
            use base64::Engine as _;
            if text.len() > 4 * buf.len() / 3 {
                return None;
            }
            BASE64.decode_slice(text, &mut buf).ok()?
        }
    };
    SignatureBytes::new(&buf[..len])
}

/// Feeds the signed content: each part of the description in order.
fn feed_parts(
    description: &Description,
    request: &Request<'_>,
    timestamp: &[u8],
    id: &[u8],
    sink: &mut dyn FnMut(&[u8]),
) {
    for part in description.signed {
        match part {
            Part::Text(text) => sink(text),
            Part::Timestamp => sink(timestamp),
            Part::Id => sink(id),
            Part::Body => sink(request.body),
            Part::Url => sink(request.url.as_bytes()),
            Part::Computed(rule) => rule(request, sink),
        }
    }
}

/// A signed time: whole seconds for the window (any `i64`, so far-off
/// values get the right error) and the instant itself where representable.
#[derive(Clone, Copy)]
struct SignedTime {
    seconds: i64,
    at: Option<OffsetDateTime>,
}

fn parse_time(text: &[u8], format: TimeFormat) -> Option<SignedTime> {
    match format {
        TimeFormat::UnixSeconds | TimeFormat::UnixMillis => {
            Some(from_value(parse_unix_seconds(text)?, format))
        }
        TimeFormat::Rfc3339 => {
            let at = OffsetDateTime::parse(std::str::from_utf8(text).ok()?, &Rfc3339).ok()?;
            Some(SignedTime {
                seconds: at.unix_timestamp(),
                at: Some(at),
            })
        }
    }
}

/// A number in the format's unit as a signed time.
fn from_value(value: i64, format: TimeFormat) -> SignedTime {
    let (seconds, nanos) = match format {
        TimeFormat::UnixMillis => (value.div_euclid(1000), i128::from(value) * 1_000_000),
        _ => (value, i128::from(value) * 1_000_000_000),
    };
    SignedTime {
        seconds,
        at: OffsetDateTime::from_unix_timestamp_nanos(nanos).ok(),
    }
}

fn format_time(now: OffsetDateTime, format: TimeFormat) -> Result<String, Error> {
    Ok(match format {
        TimeFormat::UnixSeconds => now.unix_timestamp().to_string(),
        TimeFormat::UnixMillis => (now.unix_timestamp_nanos() / 1_000_000).to_string(),
        TimeFormat::Rfc3339 => now
            .format(&Rfc3339)
            .map_err(|_| Error::Signing("the time cannot be written as RFC 3339"))?,
    })
}

/// The signature header's value by its grammar.
fn signature_value(grammar: &Grammar, timestamp: &str, signature: &[u8]) -> Vec<u8> {
    let mut value = Vec::new();
    match grammar {
        Grammar::Bare { prefix } => value.extend_from_slice(prefix),
        Grammar::Items {
            separator,
            timestamp_key,
            signature_key,
        } => {
            if let Some(key) = timestamp_key {
                value.extend_from_slice(key);
                value.push(b'=');
                value.extend_from_slice(timestamp.as_bytes());
                value.push(*separator);
            }
            value.extend_from_slice(signature_key);
            value.push(b'=');
        }
    }
    value.extend_from_slice(signature);
    value
}

/// An id for a signed delivery when the caller gives none: the first
/// 16 bytes of SHA-256 over the timestamp and body, in hex.
fn derived_id(timestamp: &str, body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(timestamp)
        .chain_update(body)
        .finalize();
    encode_hex(&digest[..16])
}
