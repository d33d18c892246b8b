//! The verification engine.
//!
//! A [`Scheme`] describes how a sender signs: which headers carry what, the
//! grammar of the signature header, the encoding of the MAC and which pieces
//! are signed. A [`Verifier`] pairs a scheme with the receiver's secrets and
//! tolerance and runs it. No provider is named in this file: providers are
//! descriptions in their own modules.

use std::borrow::Cow;
use std::fmt;

use hmac::Mac;
use http::{HeaderMap, HeaderName};
use time::OffsetDateTime;

use crate::engine::headers::{header_value, non_empty, trim};
use crate::engine::secret::{HmacSha256, Keyring, Secret};
use crate::engine::signature::{Encoding, Format, SignatureList, TAG_LEN, tags_equal};
use crate::engine::timestamp::{
    CanonicalText, Tolerance, is_canonical_decimal, parse_unix_seconds,
};
use crate::{Delivery, Error};

/// The default body size limit: 1 MiB.
///
/// ```
/// use webhook_kit::{DEFAULT_MAX_BODY, Error, Provider};
/// use webhook_kit::falu::Falu;
///
/// let receiver = Falu::new("falu-secret")?;
/// let too_big = vec![b' '; DEFAULT_MAX_BODY + 1];
/// assert!(matches!(receiver.parse(&too_big), Err(Error::BodyTooLarge { .. })));
/// // Raise the limit where a provider sends larger bodies.
/// let roomy = receiver.with_max_body(4 * DEFAULT_MAX_BODY);
/// assert!(!matches!(roomy.parse(&too_big), Err(Error::BodyTooLarge { .. })));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How one sender signs its deliveries.
#[derive(Clone, Debug)]
pub(crate) struct Scheme {
    /// The header families (`webhook-*` and `svix-*` are two), in the order
    /// they are looked up: the signature is taken from the first family
    /// that has it; every other header from the signature's family, else
    /// from the first family that has it.
    pub(crate) families: Cow<'static, [HeaderSet]>,
    /// The family a missing-header error names when the request carries
    /// none of the families' headers.
    pub(crate) default_family: usize,
    /// The grammar of the signature header.
    pub(crate) format: Format,
    /// How each MAC is written.
    pub(crate) encoding: Encoding,
    /// What the MAC covers.
    pub(crate) signed: Signed,
    /// The default tolerance, for schemes that sign a timestamp.
    pub(crate) tolerance: Tolerance,
}

/// Where one family of headers lives.
#[derive(Clone, Debug)]
pub(crate) struct HeaderSet {
    pub(crate) signature: HeaderName,
    /// A header with the Unix timestamp, when it is not inside the signature.
    pub(crate) timestamp: Option<HeaderName>,
    /// A header with the delivery or message id.
    pub(crate) id: Option<HeaderName>,
}

/// The bytes the MAC covers: `prefix`, then each piece followed by the
/// separator, then the raw body.
#[derive(Clone, Debug)]
pub(crate) struct Signed {
    /// Literal bytes before everything else (`v0:` for Slack), often empty.
    pub(crate) prefix: Cow<'static, [u8]>,
    /// Which request values precede the body.
    pub(crate) pieces: Pieces,
    /// What follows each piece (`.` or `:`).
    pub(crate) separator: u8,
    /// Whether the timestamp is signed as its canonical decimal (the
    /// Standard Webhooks references read `+017…` and sign `17…`) or as sent.
    pub(crate) canonical_timestamp: bool,
}

/// The request values that precede the body in the signed content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(
    dead_code,
    reason = "the general forms of the engine Standard Webhooks still runs on, tested here until it moves onto the receiver core"
)]
pub(crate) enum Pieces {
    /// The raw body alone.
    Body,
    /// The timestamp, then the body.
    Timestamp,
    /// The id, the timestamp, then the body.
    IdTimestamp,
}

#[allow(
    dead_code,
    reason = "the general forms of the engine Standard Webhooks still runs on, tested here until it moves onto the receiver core"
)]
impl Signed {
    /// The raw body alone.
    pub(crate) const BODY: Signed = Signed::joined(Pieces::Body, b'.');

    /// `pieces` joined by `separator`, no prefix, timestamp as sent.
    pub(crate) const fn joined(pieces: Pieces, separator: u8) -> Signed {
        Signed {
            prefix: Cow::Borrowed(b""),
            pieces,
            separator,
            canonical_timestamp: false,
        }
    }

    /// Computes the MAC over the pieces, feeding the body straight from the
    /// caller's buffer.
    fn mac(&self, key: &HmacSha256, id: &[u8], timestamp: &[u8], body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = key.clone();
        mac.update(&self.prefix);
        let separator = [self.separator];
        let pieces: &[&[u8]] = match self.pieces {
            Pieces::Body => &[],
            Pieces::Timestamp => &[timestamp],
            Pieces::IdTimestamp => &[id, timestamp],
        };
        for piece in pieces {
            mac.update(piece);
            mac.update(&separator);
        }
        mac.update(body);
        mac.finalize().into_bytes().into()
    }

    fn needs_id(&self) -> bool {
        self.pieces == Pieces::IdTimestamp
    }
}

/// A scheme that lives for the program (a built-in provider's `static`).
/// Descriptions made at run time run on the receiver core instead.
#[derive(Clone)]
pub(crate) enum SchemeRef {
    Static(&'static Scheme),
}

impl std::ops::Deref for SchemeRef {
    type Target = Scheme;

    fn deref(&self) -> &Scheme {
        match self {
            SchemeRef::Static(scheme) => scheme,
        }
    }
}

/// The headers of one request, read the way the scheme says.
struct Lookup<'s, 'h> {
    scheme: &'s Scheme,
    headers: &'h HeaderMap,
    /// The family whose signature header the request carries, once found.
    signed_as: Option<usize>,
}

impl<'s, 'h> Lookup<'s, 'h> {
    fn new(scheme: &'s Scheme, headers: &'h HeaderMap) -> Self {
        Lookup {
            scheme,
            headers,
            signed_as: None,
        }
    }

    /// The signature header: the first family's that is present. Later
    /// lookups try its family first.
    fn signature(&mut self) -> Result<Option<(&'s HeaderName, &'h [u8])>, Error> {
        for (index, family) in self.scheme.families.iter().enumerate() {
            if let Some(value) = self.headers.get(&family.signature) {
                self.signed_as = Some(index);
                return Ok(Some((
                    &family.signature,
                    non_empty(&family.signature, value)?,
                )));
            }
        }
        if self.scheme.families.is_empty() {
            return Ok(None);
        }
        Err(self.missing(|set| Some(&set.signature)))
    }

    /// The header for `role`: from the signature's family when it has it
    /// (a sender writes one family's set, so one lookup, not one per
    /// family), else from the first family that has it; or a
    /// missing-header error that names the family the request was using.
    fn find(
        &self,
        role: fn(&HeaderSet) -> Option<&HeaderName>,
    ) -> Result<Option<(&'s HeaderName, &'h [u8])>, Error> {
        let families = &self.scheme.families;
        let signed_as = self.signed_as.and_then(|index| families.get(index));
        if let Some(name) = signed_as.and_then(role)
            && let Some(value) = self.headers.get(name)
        {
            return Ok(Some((name, non_empty(name, value)?)));
        }
        let mut wanted = false;
        for (index, family) in families.iter().enumerate() {
            if let Some(name) = role(family) {
                wanted = true;
                if Some(index) == self.signed_as {
                    continue;
                }
                if let Some(value) = self.headers.get(name) {
                    return Ok(Some((name, non_empty(name, value)?)));
                }
            }
        }
        if !wanted {
            return Ok(None);
        }
        Err(self.missing(role))
    }

    /// The error for a missing `role` header, naming the family in use.
    fn missing(&self, role: fn(&HeaderSet) -> Option<&HeaderName>) -> Error {
        let family = self.family_in_use();
        let name = role(family).or_else(|| self.scheme.families.iter().find_map(role));
        Error::MissingHeader(name.cloned().unwrap_or(family.signature.clone()))
    }

    fn family_in_use(&self) -> &'s HeaderSet {
        let families = &self.scheme.families;
        families
            .iter()
            .find(|set| {
                [
                    Some(&set.signature),
                    set.timestamp.as_ref(),
                    set.id.as_ref(),
                ]
                .into_iter()
                .flatten()
                .any(|name| self.headers.contains_key(name))
            })
            .unwrap_or(&families[self.scheme.default_family.min(families.len() - 1)])
    }
}

/// What an extra kind of signature (Standard Webhooks' Ed25519 `v1a`)
/// sees of a request whose headers and timestamp the engine has checked.
#[cfg_attr(
    not(feature = "ed25519"),
    allow(dead_code, reason = "read by the `ed25519` feature's check")
)]
pub(crate) struct SignedParts<'r> {
    /// The signature header's whole value.
    pub(crate) signature_header: &'r [u8],
    pub(crate) id: &'r [u8],
    /// As the scheme signs it (canonical where the scheme says so).
    pub(crate) timestamp: &'r [u8],
    pub(crate) body: &'r [u8],
}

/// A second signature check beside the HMAC, over the same signed parts.
pub(crate) trait ExtraCheck {
    /// Whether the header carries any entry this check can read.
    fn has_entries(&self, signature_header: &[u8]) -> bool;
    /// The index of the key that made one of the header's entries.
    fn matching_key(&self, parts: &SignedParts<'_>) -> Option<usize>;
    /// This check's entry for a delivery, to add to the signature header.
    fn sign(&self, parts: &SignedParts<'_>) -> Option<String>;
}

/// A scheme bound to a receiver's secrets and tolerance.
#[derive(Clone)]
pub(crate) struct Verifier {
    scheme: SchemeRef,
    keys: Keyring,
    tolerance: Tolerance,
}

impl Verifier {
    pub(crate) fn new(scheme: &'static Scheme, keys: Keyring) -> Self {
        Verifier::with_scheme(SchemeRef::Static(scheme), keys)
    }

    pub(crate) fn with_scheme(scheme: SchemeRef, keys: Keyring) -> Self {
        Verifier {
            tolerance: scheme.tolerance,
            scheme,
            keys,
        }
    }

    #[allow(
        dead_code,
        reason = "used by the tests of the engine Standard Webhooks still runs on"
    )]
    /// Accepts another secret as well (rotation).
    pub(crate) fn add_secret(&mut self, secret: Secret) -> Result<(), Error> {
        self.keys = std::mem::take(&mut self.keys).with(secret)?;
        Ok(())
    }

    #[allow(
        dead_code,
        reason = "used by the tests of the engine Standard Webhooks still runs on"
    )]
    /// Accepts another secret as well, under `name`.
    pub(crate) fn add_named_secret(&mut self, name: &str, secret: Secret) -> Result<(), Error> {
        self.keys = std::mem::take(&mut self.keys).with_named(name, secret)?;
        Ok(())
    }

    /// Accepts another decoded key as well, under `name`.
    #[cfg_attr(
        not(feature = "standard"),
        allow(dead_code, reason = "only Standard Webhooks decodes its keys")
    )]
    pub(crate) fn add_named_key(&mut self, name: &str, key: Secret) -> Result<(), Error> {
        self.keys = std::mem::take(&mut self.keys).with_key_named(name, key)?;
        Ok(())
    }

    /// Accepts another decoded key as well (see [`Keyring::with_key`]).
    pub(crate) fn add_key(&mut self, key: Secret) -> Result<(), Error> {
        self.keys = std::mem::take(&mut self.keys).with_key(key)?;
        Ok(())
    }

    pub(crate) fn set_tolerance(&mut self, tolerance: Tolerance) {
        self.tolerance = tolerance;
    }

    pub(crate) fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    #[allow(
        dead_code,
        reason = "used by the tests of the engine Standard Webhooks still runs on"
    )]
    /// Authenticates a request whose body is within the receiver's limit.
    /// Cheap checks (headers, timestamp) run before any hashing; the MAC of
    /// each secret is computed once and compared against every signature
    /// the header lists.
    pub(crate) fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        self.verify_with(headers, body, now, None)
    }

    /// [`Verifier::verify`], also accepting a signature `extra` can check.
    /// Its key indexes follow the secrets': the first of its keys is
    /// `secrets + 0`.
    pub(crate) fn verify_with(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
        extra: Option<&dyn ExtraCheck>,
    ) -> Result<Delivery, Error> {
        let scheme = &*self.scheme;
        let mut lookup = Lookup::new(scheme, headers);
        let Some((name, value)) = lookup.signature()? else {
            return Err(Error::SignatureMismatch);
        };
        let mut list = SignatureList::default();
        let embedded_timestamp = list.read(&scheme.format, scheme.encoding, name, value)?;
        let extra_entries = extra.is_some_and(|check| check.has_entries(value));
        if list.tags().is_empty() && !extra_entries {
            return Err(Error::MalformedHeader {
                name: name.clone(),
                reason: "no signature in the expected encoding",
            });
        }

        let timestamp = match lookup.find(|set| set.timestamp.as_ref())? {
            Some((ts_name, text)) => Some((ts_name, text)),
            None => embedded_timestamp.map(|text| (name, text)),
        };
        let signed_at = match timestamp {
            Some((ts_name, text)) => {
                let unix =
                    parse_unix_seconds(trim(text)).ok_or_else(|| Error::MalformedHeader {
                        name: ts_name.clone(),
                        reason: "timestamp is not an integer number of seconds",
                    })?;
                self.tolerance.check(unix, now)?;
                Some(unix)
            }
            None => None,
        };
        // An id header that is not signed only labels the delivery: its
        // absence is no reason to refuse an authentic request.
        let id = match lookup.find(|set| set.id.as_ref()) {
            Err(_) if !scheme.signed.needs_id() => None,
            found => found?.map(|(_, id)| id),
        };

        let canonical;
        let timestamp_text = match (signed_at, timestamp) {
            (Some(unix), Some((_, text))) if scheme.signed.canonical_timestamp => {
                let bare = trim(text);
                if is_canonical_decimal(bare) {
                    bare
                } else {
                    canonical = CanonicalText::new(unix);
                    canonical.as_bytes()
                }
            }
            (_, Some((_, text))) => text,
            _ => b"",
        };
        let id_text = id.unwrap_or(b"");
        // With no HMAC signature to compare, hashing the body is wasted.
        let matched = self
            .keys
            .macs()
            .take(if list.tags().is_empty() {
                0
            } else {
                usize::MAX
            })
            .position(|key| {
                let computed = scheme.signed.mac(key, id_text, timestamp_text, body);
                list.tags().iter().any(|tag| tags_equal(&computed, tag))
            })
            .or_else(|| {
                let parts = SignedParts {
                    signature_header: value,
                    id: id_text,
                    timestamp: timestamp_text,
                    body,
                };
                let index = extra.filter(|_| extra_entries)?.matching_key(&parts)?;
                Some(self.keys.len() + index)
            });
        match matched {
            Some(index) => Ok(Delivery::new(
                id,
                scheme.signed.needs_id(),
                signed_at.and_then(|unix| OffsetDateTime::from_unix_timestamp(unix).ok()),
                Some(index),
            )
            .with_secret_name(self.keys.name(index))),
            None => Err(Error::SignatureMismatch),
        }
    }

    #[allow(
        dead_code,
        reason = "used by the tests of the engine Standard Webhooks still runs on"
    )]
    /// The headers of a genuine delivery of `body` at `now`, signed with the
    /// first secret. `id` fills the id header where the scheme has one.
    pub(crate) fn sign(
        &self,
        body: &[u8],
        now: OffsetDateTime,
        id: Option<&str>,
    ) -> Result<HeaderMap, Error> {
        self.sign_with(body, now, id, None)
    }

    /// [`Verifier::sign`], adding `extra`'s entry to a versioned list; with
    /// `extra`, a receiver without secrets signs with it alone.
    pub(crate) fn sign_with(
        &self,
        body: &[u8],
        now: OffsetDateTime,
        id: Option<&str>,
        extra: Option<&dyn ExtraCheck>,
    ) -> Result<HeaderMap, Error> {
        let scheme = &*self.scheme;
        let set = &scheme.families[scheme.default_family.min(scheme.families.len() - 1)];
        // An id the receiver would refuse (blank, where the id is signed)
        // or read differently (HTTP strips surrounding whitespace, so `" "`
        // arrives as no id at all) must not be sent.
        let id = id.unwrap_or("");
        let bare_id = trim(id.as_bytes());
        let padded = bare_id.len() != id.len();
        if padded || (scheme.signed.needs_id() && bare_id.is_empty()) {
            return Err(Error::Signing(
                "a message id must be non-empty, without surrounding whitespace",
            ));
        }
        let timestamp = now.unix_timestamp().to_string();
        let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
        let parts = SignedParts {
            signature_header: b"",
            id: id.as_bytes(),
            timestamp: timestamp.as_bytes(),
            body,
        };
        let extra_entry = extra.and_then(|check| check.sign(&parts));
        let mac = match self.keys.primary_mac() {
            Some(key) => Some(scheme.encoding.encode(&scheme.signed.mac(
                key,
                id.as_bytes(),
                timestamp.as_bytes(),
                body,
            ))),
            None if extra_entry.is_some() => None,
            None => return Err(Error::Signing("no secret to sign with")),
        };
        let signature = match (&scheme.format, mac) {
            (Format::VersionedList { version }, mac) => {
                let hmac_entry = mac.map(|mac| format!("{},{mac}", text(version)));
                let entries: Vec<String> = hmac_entry.into_iter().chain(extra_entry).collect();
                entries.join(" ")
            }
            (_, None) => return Err(Error::Signing("no secret to sign with")),
            (Format::Single { prefix }, Some(mac)) => format!("{}{mac}", text(prefix)),
            (
                Format::KeyValueList {
                    timestamp_key,
                    signature_key,
                },
                Some(mac),
            ) => format!(
                "{}={timestamp},{}={mac}",
                text(timestamp_key),
                text(signature_key)
            ),
        };
        let mut headers = HeaderMap::new();
        headers.insert(set.signature.clone(), header_value(signature)?);
        if let Some(name) = &set.timestamp {
            headers.insert(name.clone(), header_value(timestamp)?);
        }
        if let (Some(name), false) = (&set.id, id.is_empty()) {
            headers.insert(name.clone(), header_value(id)?);
        }
        Ok(headers)
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = &*self.scheme;
        let mut out = f.debug_struct("Verifier");
        out.field("header", &scheme.families[0].signature)
            .field("secrets", &self.keys.len());
        if scheme.signed.pieces != Pieces::Body {
            out.field("tolerance", &self.tolerance);
        }
        out.finish()
    }
}

/// Rejects a body over `limit` before anything reads it.
pub(crate) fn check_body_size(body: &[u8], limit: usize) -> Result<(), Error> {
    if body.len() > limit {
        Err(Error::BodyTooLarge {
            len: body.len(),
            limit,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderValue;

    use super::*;
    use crate::engine::signature::MAX_SIGNATURES;

    const SIG: HeaderName = HeaderName::from_static("x-sig");
    const TS: HeaderName = HeaderName::from_static("x-ts");
    const ID: HeaderName = HeaderName::from_static("x-id");

    static SINGLE_HEADERS: [HeaderSet; 1] = [HeaderSet {
        signature: SIG,
        timestamp: Some(TS),
        id: None,
    }];

    static SINGLE: Scheme = Scheme {
        families: Cow::Borrowed(&SINGLE_HEADERS),
        default_family: 0,
        format: Format::Single {
            prefix: Cow::Borrowed(b""),
        },
        encoding: Encoding::Hex,
        signed: Signed::joined(Pieces::Timestamp, b'.'),
        tolerance: Tolerance::symmetric(Duration::from_secs(60)),
    };

    static LISTED_HEADERS: [HeaderSet; 2] = [
        HeaderSet {
            signature: SIG,
            timestamp: Some(TS),
            id: Some(ID),
        },
        HeaderSet {
            signature: HeaderName::from_static("y-sig"),
            timestamp: Some(HeaderName::from_static("y-ts")),
            id: Some(HeaderName::from_static("y-id")),
        },
    ];

    static LISTED: Scheme = Scheme {
        families: Cow::Borrowed(&LISTED_HEADERS),
        default_family: 0,
        format: Format::VersionedList {
            version: Cow::Borrowed(b"v1"),
        },
        encoding: Encoding::Base64,
        signed: Signed::joined(Pieces::IdTimestamp, b'.'),
        tolerance: Tolerance::symmetric(Duration::from_secs(60)),
    };

    static KEYED_HEADERS: [HeaderSet; 1] = [HeaderSet {
        signature: SIG,
        timestamp: None,
        id: None,
    }];

    static KEYED: Scheme = Scheme {
        families: Cow::Borrowed(&KEYED_HEADERS),
        default_family: 0,
        format: Format::KeyValueList {
            timestamp_key: Cow::Borrowed(b"t"),
            signature_key: Cow::Borrowed(b"sha256"),
        },
        encoding: Encoding::Hex,
        signed: Signed::joined(Pieces::Timestamp, b'.'),
        tolerance: Tolerance::new(Duration::from_secs(60), Duration::ZERO),
    };

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
    }

    fn verifier(scheme: &'static Scheme, secret: &str) -> Verifier {
        Verifier::new(scheme, Keyring::new(Secret::from(secret)).expect("usable"))
    }

    #[test]
    fn every_format_round_trips() {
        for scheme in [&SINGLE, &LISTED, &KEYED] {
            let v = verifier(scheme, "k");
            let headers = v.sign(b"{}", now(), Some("msg_1")).expect("sign");
            assert!(v.verify(&headers, b"{}", now()).is_ok(), "{scheme:?}");
            let other = verifier(scheme, "other");
            assert!(matches!(
                other.verify(&headers, b"{}", now()),
                Err(Error::SignatureMismatch)
            ));
            assert!(matches!(
                v.verify(&headers, b"{} ", now()),
                Err(Error::SignatureMismatch)
            ));
        }
    }

    #[test]
    fn the_second_header_family_is_accepted_whole() {
        let v = verifier(&LISTED, "k");
        let headers = v.sign(b"{}", now(), Some("msg_1")).expect("sign");
        let mut renamed = HeaderMap::new();
        for (name, value) in &headers {
            let other = format!("y{}", &name.as_str()[1..]);
            renamed.insert(HeaderName::try_from(other).expect("name"), value.clone());
        }
        assert!(v.verify(&renamed, b"{}", now()).is_ok());
        renamed.remove("y-id");
        assert!(
            matches!(v.verify(&renamed, b"{}", now()), Err(Error::MissingHeader(n)) if n == "y-id")
        );
    }

    #[test]
    fn each_header_comes_from_the_first_family_that_has_it() {
        let v = verifier(&LISTED, "k");
        let genuine = v.sign(b"{}", now(), Some("m")).expect("sign");
        // A stale signature under the second family's name is not read.
        let mut mixed = genuine.clone();
        mixed.insert("y-sig", HeaderValue::from_static("v1,AAAA"));
        assert!(v.verify(&mixed, b"{}", now()).is_ok());
        // The id from the second family completes the first family's set.
        let mut split = genuine.clone();
        let id = split.remove(&ID).expect("id");
        split.insert("y-id", id);
        assert!(v.verify(&split, b"{}", now()).is_ok());
    }

    #[test]
    fn the_signature_family_is_read_first() {
        // A complete second-family set beside a stray first-family
        // timestamp: the set the signature belongs to is read, with one
        // lookup per header instead of one per family.
        let v = verifier(&LISTED, "k");
        let genuine = v.sign(b"{}", now(), Some("m")).expect("sign");
        let mut second = HeaderMap::new();
        for (name, value) in &genuine {
            let other = format!("y{}", &name.as_str()[1..]);
            second.insert(HeaderName::try_from(other).expect("name"), value.clone());
        }
        second.insert(TS, HeaderValue::from_static("1"));
        assert!(v.verify(&second, b"{}", now()).is_ok());
        // What the signature's family lacks still comes from another.
        second.remove("y-ts");
        assert!(matches!(
            v.verify(&second, b"{}", now()),
            Err(Error::TimestampTooOld { .. })
        ));
    }

    #[test]
    fn canonical_timestamps_are_signed_as_plain_decimal() {
        static CANONICAL: Scheme = Scheme {
            families: Cow::Borrowed(&LISTED_HEADERS),
            default_family: 0,
            format: Format::VersionedList {
                version: Cow::Borrowed(b"v1"),
            },
            encoding: Encoding::Base64,
            signed: Signed {
                prefix: Cow::Borrowed(b""),
                pieces: Pieces::IdTimestamp,
                separator: b'.',
                canonical_timestamp: true,
            },
            tolerance: Tolerance::symmetric(Duration::from_secs(60)),
        };
        for scheme in [&LISTED, &CANONICAL] {
            let v = verifier(scheme, "k");
            let mut padded = v.sign(b"{}", now(), Some("m")).expect("sign");
            let plain = padded[&TS].to_str().expect("ascii").to_owned();
            padded.insert(
                TS,
                HeaderValue::try_from(format!("+000{plain}")).expect("value"),
            );
            let result = v.verify(&padded, b"{}", now());
            assert_eq!(
                result.is_ok(),
                scheme.signed.canonical_timestamp,
                "{result:?}"
            );
        }
    }

    #[test]
    fn any_listed_signature_against_any_secret() {
        let old = verifier(&LISTED, "old");
        let new = verifier(&LISTED, "new");
        let mut headers = new.sign(b"{}", now(), Some("m")).expect("sign");
        let old_sig = old.sign(b"{}", now(), Some("m")).expect("sign")[&SIG].clone();
        let combined = format!(
            "v2,xyz {} {}",
            old_sig.to_str().expect("ascii"),
            headers[&SIG].to_str().expect("ascii")
        );
        headers.insert(SIG, HeaderValue::try_from(combined).expect("value"));
        assert!(old.verify(&headers, b"{}", now()).is_ok());
        assert!(new.verify(&headers, b"{}", now()).is_ok());
        let mut both = verifier(&LISTED, "third");
        both.add_secret("old".into()).expect("usable");
        assert_eq!(
            both.verify(&headers, b"{}", now())
                .map(|d| d.secret_index()),
            Ok(Some(1))
        );
    }

    #[test]
    fn one_bad_entry_does_not_sink_a_good_one() {
        let v = verifier(&LISTED, "k");
        let headers = v.sign(b"{}", now(), Some("m")).expect("sign");
        let good = headers[&SIG].to_str().expect("ascii").to_owned();
        let good_mac = good.strip_prefix("v1,").expect("v1");
        for value in [
            format!("v1,@@@@ {good}"),
            format!("{good} v1,@@@@"),
            format!("v2 {good}"),
            format!("{good} v1,abc,def"),
            format!("v1a,{good_mac} {good}"),
        ] {
            let mut h = headers.clone();
            h.insert(SIG, HeaderValue::try_from(value.as_str()).expect("value"));
            assert!(v.verify(&h, b"{}", now()).is_ok(), "{value}");
        }
        for value in ["v1,@@@@", "v2", "v1,abc,def v2,xyz", "garbage"] {
            let mut h = headers.clone();
            h.insert(SIG, HeaderValue::try_from(value).expect("value"));
            assert!(
                matches!(
                    v.verify(&h, b"{}", now()),
                    Err(Error::MalformedHeader {
                        reason: "no signature in the expected encoding",
                        ..
                    })
                ),
                "{value}"
            );
        }
        let keyed = verifier(&KEYED, "k");
        let headers = keyed.sign(b"{}", now(), None).expect("sign");
        let good = headers[&SIG].to_str().expect("ascii").to_owned();
        let (t, mac) = good.split_once(',').expect("two items");
        let mixed = format!("{t},sha256=zz,{mac}");
        let mut h = HeaderMap::new();
        h.insert(SIG, HeaderValue::try_from(mixed).expect("value"));
        assert!(keyed.verify(&h, b"{}", now()).is_ok());
    }

    #[test]
    fn signatures_past_the_cap_are_ignored() {
        let v = verifier(&LISTED, "k");
        let mut headers = v.sign(b"{}", now(), Some("m")).expect("sign");
        let good = headers[&SIG].to_str().expect("ascii").to_owned();
        let junk = format!("v1,{} ", "A".repeat(43)).repeat(MAX_SIGNATURES);
        headers.insert(
            SIG,
            HeaderValue::try_from(format!("{junk}{good}")).expect("value"),
        );
        assert!(matches!(
            v.verify(&headers, b"{}", now()),
            Err(Error::SignatureMismatch)
        ));
    }

    #[test]
    fn body_limit_is_checked_first() {
        assert_eq!(
            check_body_size(b"12345", 4),
            Err(Error::BodyTooLarge { len: 5, limit: 4 })
        );
        assert_eq!(check_body_size(b"1234", 4), Ok(()));
    }

    #[test]
    fn missing_and_empty_headers() {
        let v = verifier(&SINGLE, "k");
        let mut headers = v.sign(b"{}", now(), None).expect("sign");
        headers.insert(TS, HeaderValue::from_static(" "));
        assert!(matches!(
            v.verify(&headers, b"{}", now()),
            Err(Error::MalformedHeader { .. })
        ));
        headers.remove(&TS);
        assert!(
            matches!(v.verify(&headers, b"{}", now()), Err(Error::MissingHeader(n)) if n == TS)
        );
        assert!(
            matches!(v.verify(&HeaderMap::new(), b"{}", now()), Err(Error::MissingHeader(n)) if n == SIG)
        );
    }

    #[test]
    fn keyed_list_grammar() {
        let v = verifier(&KEYED, "k");
        for bad in [
            "t=,sha256",
            "t,sha256=",
            "t,sha256=,sha256=",
            "t,sha256=,",
            "t,,",
            ",,",
            "t",
            "t=1",
            "sha256=00",
            "t=1,sha256=zz",
            "t=1,sha256=00",
        ] {
            let mut headers = HeaderMap::new();
            headers.insert(SIG, HeaderValue::from_static(bad));
            let err = v.verify(&headers, b"{}", now()).unwrap_err();
            assert!(
                matches!(err, Error::MalformedHeader { .. }),
                "{bad}: {err:?}"
            );
        }
    }

    #[test]
    fn keyed_list_future_is_rejected() {
        let v = verifier(&KEYED, "k");
        let later = now() + Duration::from_secs(1);
        let headers = v.sign(b"{}", later, None).expect("sign");
        assert!(matches!(
            v.verify(&headers, b"{}", now()),
            Err(Error::TimestampInFuture { .. })
        ));
        assert!(v.verify(&headers, b"{}", later).is_ok());
    }

    #[test]
    fn signing_without_a_secret_is_an_error() {
        let v = Verifier::new(&SINGLE, Keyring::default());
        assert!(matches!(v.sign(b"", now(), None), Err(Error::Signing(_))));
    }

    #[test]
    fn ids_http_would_change_are_never_sent() {
        static UNSIGNED_ID_HEADERS: [HeaderSet; 1] = [HeaderSet {
            signature: SIG,
            timestamp: None,
            id: Some(ID),
        }];
        static UNSIGNED_ID: Scheme = Scheme {
            families: Cow::Borrowed(&UNSIGNED_ID_HEADERS),
            default_family: 0,
            format: Format::Single {
                prefix: Cow::Borrowed(b""),
            },
            encoding: Encoding::Hex,
            signed: Signed::BODY,
            tolerance: Tolerance::symmetric(Duration::ZERO),
        };
        // An id with leading or trailing whitespace is refused at signing:
        // HTTP strips it in transit, so `" "` would arrive as no id.
        for scheme in [&UNSIGNED_ID, &LISTED] {
            let v = verifier(scheme, "k");
            for padded in [" ", "\t", " a", "a "] {
                assert!(
                    matches!(v.sign(b"{}", now(), Some(padded)), Err(Error::Signing(_))),
                    "{padded:?}"
                );
            }
            let headers = v.sign(b"{}", now(), Some("a")).expect("sign");
            let delivery = v.verify(&headers, b"{}", now()).expect("verify");
            assert_eq!(delivery.id(), Some("a"));
        }
        // An unsigned id may be left out.
        let v = verifier(&UNSIGNED_ID, "k");
        let headers = v.sign(b"{}", now(), None).expect("sign");
        assert!(!headers.contains_key(ID));
        assert_eq!(
            v.verify(&headers, b"{}", now()).map(|d| d.secret_index()),
            Ok(Some(0))
        );
    }
}
