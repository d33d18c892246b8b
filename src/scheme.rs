//! The verification engine.
//!
//! A [`Scheme`] describes how a sender signs: which headers carry what, the
//! grammar of the signature header, the encoding of the MAC and which pieces
//! are signed. A [`Verifier`] pairs a scheme with the receiver's secrets and
//! limits and runs it. No provider is named in this file: providers are
//! `const` descriptions in their own modules.

use std::time::Duration;

use hmac::Mac;
use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;

use crate::Error;
use crate::secret::{HmacSha256, Keyring};
use crate::signature::{Encoding, MAX_SIGNATURES, TAG_LEN, Tag, Undecodable, tags_equal, trim};
use crate::timestamp::{Tolerance, parse_unix_seconds};

/// The default body size limit: 1 MiB.
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// How one sender signs its deliveries.
#[derive(Debug)]
pub(crate) struct Scheme {
    /// The header names, tried in order: the first set whose signature
    /// header is present is used for the whole request.
    pub(crate) headers: &'static [HeaderSet],
    /// The grammar of the signature header.
    pub(crate) format: Format,
    /// How each MAC is written.
    pub(crate) encoding: Encoding,
    /// What the MAC covers.
    pub(crate) signed: Signed,
    /// The default tolerance, for schemes that sign a timestamp.
    pub(crate) tolerance: Tolerance,
}

/// Where one family of headers lives (`webhook-*` and `svix-*` are two).
#[derive(Debug)]
pub(crate) struct HeaderSet {
    pub(crate) signature: HeaderName,
    /// A header with the Unix timestamp, when it is not inside the signature.
    pub(crate) timestamp: Option<HeaderName>,
    /// A header with the message id, when the id is signed.
    pub(crate) id: Option<HeaderName>,
}

/// The grammar of a signature header.
#[derive(Debug)]
pub(crate) enum Format {
    /// The whole value is one MAC.
    Single,
    /// Space-separated `<version>,<mac>` entries; other versions are skipped.
    VersionedList { version: &'static [u8] },
    /// Comma-separated `key=value` items: one timestamp item and one or more
    /// signature items; unknown keys are skipped. Every item must have a `=`
    /// and a non-empty value.
    KeyValueList {
        timestamp_key: &'static [u8],
        signature_key: &'static [u8],
    },
}

/// The pieces the MAC is computed over, in order.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Signed {
    /// The raw body.
    Body,
    /// `"<timestamp>." + body`
    TimestampDotBody,
    /// `"<id>.<timestamp>." + body`
    IdDotTimestampDotBody,
}

impl Signed {
    /// Computes the MAC over the pieces, feeding the body straight from the
    /// caller's buffer.
    fn mac(self, key: &HmacSha256, id: &[u8], timestamp: &[u8], body: &[u8]) -> [u8; TAG_LEN] {
        let mut mac = key.clone();
        match self {
            Signed::Body => {}
            Signed::TimestampDotBody => {
                mac.update(timestamp);
                mac.update(b".");
            }
            Signed::IdDotTimestampDotBody => {
                mac.update(id);
                mac.update(b".");
                mac.update(timestamp);
                mac.update(b".");
            }
        }
        mac.update(body);
        mac.finalize().into_bytes().into()
    }
}

/// Proof that a request was authenticated. Only this module and
/// [`crate::token`] can make one.
#[derive(Debug)]
pub(crate) struct Verified(());

impl Verified {
    pub(crate) fn new() -> Self {
        Verified(())
    }
}

/// A scheme bound to a receiver's secrets and limits.
#[derive(Clone, Debug)]
pub(crate) struct Verifier {
    scheme: &'static Scheme,
    keys: Keyring,
    tolerance: Tolerance,
    max_body: usize,
}

impl Verifier {
    pub(crate) fn new(scheme: &'static Scheme, keys: Keyring) -> Self {
        Verifier {
            scheme,
            keys,
            tolerance: scheme.tolerance,
            max_body: DEFAULT_MAX_BODY,
        }
    }

    pub(crate) fn keys_mut(&mut self) -> &mut Keyring {
        &mut self.keys
    }

    pub(crate) fn set_tolerance(&mut self, tolerance: Tolerance) {
        self.tolerance = tolerance;
    }

    pub(crate) fn tolerance(&self) -> Tolerance {
        self.tolerance
    }

    pub(crate) fn set_max_body(&mut self, limit: usize) {
        self.max_body = limit;
    }

    pub(crate) fn max_body(&self) -> usize {
        self.max_body
    }

    /// Authenticates a request. Cheap checks (size, headers, timestamp) run
    /// before any hashing; the MAC of each secret is computed once and
    /// compared against every signature the header lists.
    pub(crate) fn verify(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Verified, Error> {
        check_body_size(body, self.max_body)?;
        let (set, value) = self.find_signature_header(headers)?;
        let name = &set.signature;
        let mut list = SignatureList::default();
        let embedded_timestamp =
            list.read(&self.scheme.format, self.scheme.encoding, name, value)?;

        let timestamp = match &set.timestamp {
            Some(ts_name) => Some((ts_name, required(headers, ts_name)?)),
            None => embedded_timestamp.map(|ts| (name, ts)),
        };
        if let Some((ts_name, text)) = timestamp {
            let unix = parse_unix_seconds(text).ok_or_else(|| Error::MalformedHeader {
                name: ts_name.clone(),
                reason: "timestamp is not an integer number of seconds",
            })?;
            self.tolerance.check(unix, now)?;
        }
        let id = match &set.id {
            Some(id_name) => required(headers, id_name)?,
            None => b"",
        };
        let timestamp = timestamp.map_or(&b""[..], |(_, text)| text);

        for key in self.keys.macs() {
            let computed = self.scheme.signed.mac(key, id, timestamp, body);
            if list.tags().iter().any(|tag| tags_equal(&computed, tag)) {
                return Ok(Verified::new());
            }
        }
        Err(Error::SignatureMismatch)
    }

    fn find_signature_header<'h>(
        &self,
        headers: &'h HeaderMap,
    ) -> Result<(&'static HeaderSet, &'h [u8]), Error> {
        for set in self.scheme.headers {
            if let Some(value) = headers.get(&set.signature) {
                return Ok((set, non_empty(&set.signature, value)?));
            }
        }
        let first = &self.scheme.headers[0];
        Err(Error::MissingHeader(first.signature.clone()))
    }

    /// The headers of a genuine delivery of `body` at `now`, signed with the
    /// first secret. `id` fills the id header where the scheme signs one.
    pub(crate) fn sign(
        &self,
        body: &[u8],
        now: OffsetDateTime,
        id: &str,
    ) -> Result<HeaderMap, Error> {
        let key = self
            .keys
            .primary_mac()
            .ok_or(Error::Signing("no secret to sign with"))?;
        let set = &self.scheme.headers[0];
        // An id the receiver would refuse (blank) or read differently (HTTP
        // strips surrounding whitespace) must not be signed.
        let bare_id = trim(id.as_bytes());
        if set.id.is_some() && (bare_id.is_empty() || bare_id.len() != id.len()) {
            return Err(Error::Signing(
                "a message id must be non-empty, without surrounding whitespace",
            ));
        }
        let timestamp = now.unix_timestamp().to_string();
        let tag = self
            .scheme
            .signed
            .mac(key, id.as_bytes(), timestamp.as_bytes(), body);
        let mac = self.scheme.encoding.encode(&tag);
        let signature = match &self.scheme.format {
            Format::Single => mac,
            Format::VersionedList { version } => {
                format!("{},{mac}", String::from_utf8_lossy(version))
            }
            Format::KeyValueList {
                timestamp_key,
                signature_key,
            } => format!(
                "{}={timestamp},{}={mac}",
                String::from_utf8_lossy(timestamp_key),
                String::from_utf8_lossy(signature_key)
            ),
        };
        let mut headers = HeaderMap::new();
        headers.insert(set.signature.clone(), header_value(signature)?);
        if let Some(name) = &set.timestamp {
            headers.insert(name.clone(), header_value(timestamp)?);
        }
        if let Some(name) = &set.id {
            headers.insert(name.clone(), header_value(id.to_owned())?);
        }
        Ok(headers)
    }
}

/// The decoded signatures of one header, on the stack.
struct SignatureList {
    tags: [Tag; MAX_SIGNATURES],
    len: usize,
}

impl Default for SignatureList {
    fn default() -> Self {
        SignatureList {
            tags: [[0; TAG_LEN]; MAX_SIGNATURES],
            len: 0,
        }
    }
}

impl SignatureList {
    fn tags(&self) -> &[Tag] {
        &self.tags[..self.len]
    }

    /// Parses a signature header, keeping up to [`MAX_SIGNATURES`] decoded
    /// MACs, and returns the timestamp it embeds, if the format has one.
    fn read<'v>(
        &mut self,
        format: &Format,
        encoding: Encoding,
        name: &HeaderName,
        value: &'v [u8],
    ) -> Result<Option<&'v [u8]>, Error> {
        let malformed = |reason| Error::MalformedHeader {
            name: name.clone(),
            reason,
        };
        let mut seen = 0;
        let mut push = |list: &mut Self, text: &[u8]| -> Result<(), Error> {
            seen += 1;
            if seen > MAX_SIGNATURES {
                return Ok(());
            }
            match encoding.decode(text) {
                Ok(tag) => {
                    list.tags[list.len] = tag;
                    list.len += 1;
                    Ok(())
                }
                // Well-formed but not a SHA-256 MAC: it simply cannot match.
                Err(Undecodable::WrongLength) => Ok(()),
                Err(Undecodable::Malformed) => {
                    Err(malformed("signature is not in the expected encoding"))
                }
            }
        };
        match format {
            Format::Single => {
                push(self, trim(value))?;
                Ok(None)
            }
            Format::VersionedList { version } => {
                for entry in value.split(|&b| b == b' ').filter(|e| !e.is_empty()) {
                    let (entry_version, mac) = split_once(entry, b',')
                        .ok_or_else(|| malformed("signature entry is not `version,signature`"))?;
                    if entry_version == *version {
                        push(self, mac)?;
                    }
                }
                Ok(None)
            }
            Format::KeyValueList {
                timestamp_key,
                signature_key,
            } => {
                let mut timestamp = None;
                let mut signatures = 0usize;
                for item in value.split(|&b| b == b',').map(trim) {
                    let (key, item_value) = split_once(item, b'=')
                        .ok_or_else(|| malformed("item is not `key=value`"))?;
                    if item_value.is_empty() {
                        return Err(malformed("item has an empty value"));
                    }
                    if key == *timestamp_key {
                        timestamp = Some(item_value);
                    } else if key == *signature_key {
                        signatures += 1;
                        push(self, item_value)?;
                    }
                }
                if signatures == 0 {
                    return Err(malformed("no signature item"));
                }
                match timestamp {
                    Some(ts) => Ok(Some(ts)),
                    None => Err(malformed("no timestamp item")),
                }
            }
        }
    }
}

fn split_once(s: &[u8], separator: u8) -> Option<(&[u8], &[u8])> {
    let at = s.iter().position(|&b| b == separator)?;
    Some((&s[..at], &s[at + 1..]))
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

/// A header that must be present and non-empty.
pub(crate) fn required<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h [u8], Error> {
    let value = headers
        .get(name)
        .ok_or_else(|| Error::MissingHeader(name.clone()))?;
    non_empty(name, value)
}

fn non_empty<'h>(name: &HeaderName, value: &'h HeaderValue) -> Result<&'h [u8], Error> {
    match trim(value.as_bytes()) {
        [] => Err(Error::MalformedHeader {
            name: name.clone(),
            reason: "empty value",
        }),
        _ => Ok(value.as_bytes()),
    }
}

fn header_value(text: String) -> Result<HeaderValue, Error> {
    HeaderValue::try_from(text).map_err(|_| Error::Signing("value cannot be sent in a header"))
}

/// Seconds as a `Duration`, for scheme tables.
pub(crate) const fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    const SIG: HeaderName = HeaderName::from_static("x-sig");
    const TS: HeaderName = HeaderName::from_static("x-ts");
    const ID: HeaderName = HeaderName::from_static("x-id");

    static SINGLE_HEADERS: [HeaderSet; 1] = [HeaderSet {
        signature: SIG,
        timestamp: Some(TS),
        id: None,
    }];

    static SINGLE: Scheme = Scheme {
        headers: &SINGLE_HEADERS,
        format: Format::Single,
        encoding: Encoding::Hex,
        signed: Signed::TimestampDotBody,
        tolerance: Tolerance::symmetric(secs(60)),
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
        headers: &LISTED_HEADERS,
        format: Format::VersionedList { version: b"v1" },
        encoding: Encoding::Base64,
        signed: Signed::IdDotTimestampDotBody,
        tolerance: Tolerance::symmetric(secs(60)),
    };

    static KEYED_HEADERS: [HeaderSet; 1] = [HeaderSet {
        signature: SIG,
        timestamp: None,
        id: None,
    }];

    static KEYED: Scheme = Scheme {
        headers: &KEYED_HEADERS,
        format: Format::KeyValueList {
            timestamp_key: b"t",
            signature_key: b"sha256",
        },
        encoding: Encoding::Hex,
        signed: Signed::TimestampDotBody,
        tolerance: Tolerance::new(secs(60), Duration::ZERO),
    };

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
    }

    fn verifier(scheme: &'static Scheme, secret: &str) -> Verifier {
        Verifier::new(scheme, Keyring::new(Secret::from(secret)))
    }

    #[test]
    fn every_format_round_trips() {
        for scheme in [&SINGLE, &LISTED, &KEYED] {
            let v = verifier(scheme, "k");
            let headers = v.sign(b"{}", now(), "msg_1").expect("sign");
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
        let headers = v.sign(b"{}", now(), "msg_1").expect("sign");
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
    fn any_listed_signature_against_any_secret() {
        let old = verifier(&LISTED, "old");
        let new = verifier(&LISTED, "new");
        let mut headers = new.sign(b"{}", now(), "m").expect("sign");
        let old_sig = old.sign(b"{}", now(), "m").expect("sign")[&SIG].clone();
        let combined = format!(
            "v2,xyz {} {}",
            old_sig.to_str().expect("ascii"),
            headers[&SIG].to_str().expect("ascii")
        );
        headers.insert(SIG, HeaderValue::try_from(combined).expect("value"));
        assert!(old.verify(&headers, b"{}", now()).is_ok());
        assert!(new.verify(&headers, b"{}", now()).is_ok());
        let mut both = verifier(&LISTED, "third");
        *both.keys_mut() = Keyring::new("third".into()).with("old".into());
        assert!(both.verify(&headers, b"{}", now()).is_ok());
    }

    #[test]
    fn signatures_past_the_cap_are_ignored() {
        let v = verifier(&LISTED, "k");
        let mut headers = v.sign(b"{}", now(), "m").expect("sign");
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
        let mut v = verifier(&SINGLE, "k");
        v.set_max_body(4);
        let err = v.verify(&HeaderMap::new(), b"12345", now()).unwrap_err();
        assert!(matches!(err, Error::BodyTooLarge { len: 5, limit: 4 }));
        assert!(
            v.verify(&v.sign(b"1234", now(), "").expect("sign"), b"1234", now())
                .is_ok()
        );
    }

    #[test]
    fn missing_and_empty_headers() {
        let v = verifier(&SINGLE, "k");
        let mut headers = v.sign(b"{}", now(), "").expect("sign");
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
        let headers = v.sign(b"{}", later, "").expect("sign");
        assert!(matches!(
            v.verify(&headers, b"{}", now()),
            Err(Error::TimestampInFuture)
        ));
        assert!(v.verify(&headers, b"{}", later).is_ok());
    }

    #[test]
    fn signing_without_a_secret_is_an_error() {
        let v = Verifier::new(&SINGLE, Keyring::default());
        assert!(matches!(v.sign(b"", now(), ""), Err(Error::Signing(_))));
    }
}
