//! The receiver core: a sender's [`Description`] bound to a receiver's keys,
//! tolerance and URL, verifying requests and signing deliveries.

use std::fmt;
use std::sync::Arc;

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::authorization::find_credential;
use super::description::{
    Description, Encoding, Grammar, HeaderFamily, Owned, Part, Request, Static, Store, TimeFormat,
    TimestampSource,
};
use super::keys::{Algorithm, Feed, KeySet, SignatureBytes};
use crate::engine::headers::{header_value, non_empty, required, sensitive_value, trim};
use crate::engine::signature::{
    BASE64, MAX_SIGNATURES, decode_base64_tag, encode_hex, hex_into, versioned_entries,
};
use crate::engine::timestamp::{CanonicalText, is_canonical_decimal, parse_unix_seconds};
use crate::{Delivery, Error, Secret, Tolerance};

/// A described sender bound to what one receiver trusts.
#[derive(Clone)]
pub(crate) struct ReceiverCore {
    description: Described,
    keys: KeySet,
    tolerance: Tolerance,
    /// A header of the receiver's choosing that carries a token sender's
    /// bare token, read before the description's header.
    token_header: Option<HeaderName>,
    /// Whether an HMAC tag of a length the algorithm never makes is no
    /// signature at all (see [`ReceiverCore::with_exact_tags`]).
    exact_tags: bool,
    /// The public URLs the sender may have signed, the first used when
    /// signing; empty for senders that do not sign a URL.
    urls: Vec<Box<str>>,
    /// Other names the signature header may arrive under (a sender's
    /// second product), tried in order when the description's is absent.
    aliases: &'static [HeaderName],
    /// Other families of header names, read before the description's (see
    /// [`ReceiverCore::with_header_families`]).
    families: &'static [HeaderFamily],
    /// Keys of another algorithm for the entries of another version of a
    /// versioned list (see [`ReceiverCore::with_versioned_keys`]).
    versioned: Option<VersionedKeys>,
}

/// Keys whose signatures travel as the entries of `version` in the
/// description's versioned list, beside the description's own version.
#[derive(Clone)]
struct VersionedKeys {
    version: &'static [u8],
    keys: KeySet,
}

/// What a header is for, in a [`HeaderFamily`].
#[derive(Clone, Copy)]
enum Role {
    Signature,
    Timestamp,
    Id,
}

/// A built-in sender's description, or one made at run time and shared by
/// the receivers made from it.
#[derive(Clone)]
enum Described {
    Static(&'static Description),
    Shared(Arc<Description<Owned>>),
}

/// Runs `$body` with `$d` bound to the description, whichever its store:
/// each store gets its own compiled copy, so a built-in sender's runs as if
/// run-time descriptions did not exist.
macro_rules! with_description {
    ($core:expr, |$d:ident| $body:expr) => {
        match &$core.description {
            Described::Static($d) => {
                let $d: &Description<Static> = $d;
                $body
            }
            Described::Shared($d) => {
                let $d: &Description<Owned> = $d;
                $body
            }
        }
    };
}

/// The signatures of one header, decoded, on the stack.
struct Received<'v> {
    signatures: [SignatureBytes; MAX_SIGNATURES],
    len: usize,
    /// The `timestamp_key` item of an item list.
    timestamp: Option<&'v [u8]>,
}

impl ReceiverCore {
    pub(crate) fn new(description: &'static Description, keys: KeySet) -> Self {
        ReceiverCore {
            description: Described::Static(description),
            keys,
            tolerance: description.tolerance,
            token_header: None,
            exact_tags: false,
            urls: Vec::new(),
            aliases: &[],
            families: &[],
            versioned: None,
        }
    }

    /// Also reads the signature from `aliases`, in order, when the
    /// description's header is absent; signing uses the description's.
    pub(crate) fn with_signature_aliases(mut self, aliases: &'static [HeaderName]) -> Self {
        self.aliases = aliases;
        self
    }

    /// A core running a description made at run time.
    pub(crate) fn shared(description: Arc<Description<Owned>>, keys: KeySet) -> Self {
        ReceiverCore {
            tolerance: description.tolerance,
            description: Described::Shared(description),
            keys,
            urls: Vec::new(),
            aliases: &[],
            families: &[],
            versioned: None,
            token_header: None,
            exact_tags: false,
        }
    }

    /// Also reads the headers under the names of `families`, ahead of the
    /// description's own, for a sender whose deliveries use either of
    /// several naming schemes. The signature comes from the first family
    /// (the description's last) whose signature header the request
    /// carries; the timestamp and the id from that family, else from the
    /// first family that has them. A missing header is named as the family
    /// the request uses calls it (the first family it carries any header
    /// of), else by the description, whose names signing writes.
    pub(crate) fn with_header_families(mut self, families: &'static [HeaderFamily]) -> Self {
        self.families = families;
        self
    }

    /// Also trusts `keys`, of another algorithm than the description's,
    /// for the entries of `version` in the description's versioned list
    /// ([`Grammar::Versioned`]): a request verifies when an entry of either
    /// version matches. Only entries of exactly the algorithm's signature
    /// length are checked; while `keys` is empty, entries of `version` are
    /// ignored. Indexes of these keys follow the description's keys', and
    /// they carry no name. Signing adds their entry after the description's
    /// when they can sign, and signs with them alone when the description's
    /// keys cannot.
    pub(crate) fn with_versioned_keys(mut self, version: &'static [u8], keys: KeySet) -> Self {
        self.versioned = Some(VersionedKeys { version, keys });
        self
    }

    /// The keys added with [`ReceiverCore::with_versioned_keys`].
    pub(crate) fn versioned_keys_mut(&mut self) -> Option<&mut KeySet> {
        self.versioned.as_mut().map(|versioned| &mut versioned.keys)
    }

    /// Adds a public URL the sender may sign (the first one signs).
    pub(crate) fn add_url(&mut self, url: &str) -> Result<(), Error> {
        check_url(url)?;
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

    /// For a token sender whose token header the receiver's owner picks:
    /// `name` carries the bare token. A request that has it is judged by
    /// it alone; one without it by the description's header. Signing puts
    /// the token there.
    pub(crate) fn set_token_header(&mut self, name: HeaderName) {
        self.token_header = Some(name);
    }

    /// Skips an HMAC tag of a length the algorithm never makes (truncated,
    /// padded) as no signature at all, so that a header holding nothing
    /// else is malformed, for a sender whose receivers have always answered
    /// so. Otherwise such a tag is compared, and refused as a mismatch:
    /// either way an authentication failure.
    pub(crate) fn with_exact_tags(mut self) -> Self {
        self.exact_tags = true;
        self
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
        with_description!(self, |d| self.verify_by(d, headers, body, now))
    }

    fn verify_by<S: Store>(
        &self,
        description: &Description<S>,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        if description.algorithm == Algorithm::Token {
            return self.verify_token(description, headers);
        }
        let (name, listed, signed_as) = self.signature_of(description, headers)?;
        let tag_len = self.exact_tags.then(|| description.algorithm.tag_len());
        let mut received = Received::new();
        read_signatures(description, listed, tag_len.flatten(), &mut received);
        if received.len == 0 && !self.has_versioned_entries(listed) {
            return Err(Error::MalformedHeader {
                name: name.clone(),
                reason: "no signature in the expected encoding",
            });
        }
        let timestamp = self.header_timestamp(description, headers, signed_as, &received, now)?;
        let id = self.id_in(description, headers, signed_as)?;
        let (timestamp_text, value) =
            timestamp.map_or((&b""[..], 0), |(text, signed)| (text, signed.value));
        let signatures = &received.signatures[..received.len];
        let matched = self
            .url_candidates()
            .find_map(|url| {
                let request = Request { url, body };
                let feed = |sink: &mut dyn FnMut(&[u8])| {
                    feed_parts(
                        description.signed.as_ref(),
                        &request,
                        Stamp {
                            text: timestamp_text,
                            value,
                        },
                        id.unwrap_or(b""),
                        sink,
                    );
                };
                // With no signature of the description's version, hashing
                // the body for its keys is wasted.
                let own = match signatures {
                    [] => None,
                    _ => self.keys.find(signatures, &feed),
                };
                own.or_else(|| self.find_versioned(description, listed, &feed))
            })
            .ok_or(Error::SignatureMismatch)?;
        let signed_at = match (&description.timestamp, timestamp) {
            (_, Some((_, signed))) => signed.at,
            (Some(rule), None) => {
                let signed = match &rule.source {
                    TimestampSource::Body(read) => Some(from_value(read(body)?, rule.format)),
                    TimestampSource::BodyField(pointer) => {
                        Some(body_field_time(body, pointer, rule.format)?)
                    }
                    _ => None,
                };
                match signed {
                    Some(signed) => {
                        self.tolerance.check(signed.seconds, now)?;
                        signed.at
                    }
                    None => None,
                }
            }
            (None, None) => None,
        };
        let id_signed = description.id_is_signed();
        Ok(Delivery::new(id, id_signed, signed_at, Some(matched))
            .with_secret_name(self.keys.name(matched)))
    }

    /// Whether the request carries entries for the keys of another
    /// version, and there are keys to check them with.
    fn has_versioned_entries(&self, value: &[u8]) -> bool {
        self.versioned.as_ref().is_some_and(|versioned| {
            versioned.keys.len() > 0 && versioned_entries(value, versioned.version).next().is_some()
        })
    }

    /// Which of the versioned keys made an entry of their version, as an
    /// index after the description's keys.
    fn find_versioned<S: Store>(
        &self,
        description: &Description<S>,
        value: &[u8],
        feed: Feed<'_>,
    ) -> Option<usize> {
        let versioned = self.versioned.as_ref()?;
        let mut received = Received::new();
        let length = versioned.keys.algorithm().signature_len();
        let encoding = description.signature.encoding;
        for text in versioned_entries(value, versioned.version).take(MAX_SIGNATURES) {
            received.push(encoding, text, length);
        }
        let signatures = &received.signatures[..received.len];
        let index = versioned.keys.find(signatures, feed)?;
        Some(self.keys.len() + index)
    }

    /// The signature header's name and value, and the index of its family
    /// (the description's own is the last, after [`ReceiverCore::families`]).
    fn signature_of<'d, 'h, S: Store>(
        &'d self,
        description: &'d Description<S>,
        headers: &'h HeaderMap,
    ) -> Result<(&'d HeaderName, &'h [u8], usize), Error> {
        if self.families.is_empty() {
            let name = self.signature_header(description, headers);
            return Ok((name, required(headers, name)?, 0));
        }
        for family in 0..=self.families.len() {
            if let Some(name) = self.name_in(description, family, Role::Signature)
                && let Some(value) = headers.get(name)
            {
                return Ok((name, non_empty(name, value)?, family));
            }
        }
        Err(self.missing(description, headers, Role::Signature))
    }

    /// The name family `family` gives the header for `role`: one of
    /// [`ReceiverCore::families`], or past them the description's own.
    fn name_in<'d, S: Store>(
        &'d self,
        description: &'d Description<S>,
        family: usize,
        role: Role,
    ) -> Option<&'d HeaderName> {
        match (self.families.get(family), role) {
            (Some(family), Role::Signature) => Some(&family.signature),
            (Some(family), Role::Timestamp) => family.timestamp.as_ref(),
            (Some(family), Role::Id) => family.id.as_ref(),
            (None, Role::Signature) => Some(&description.signature.header),
            (None, Role::Timestamp) => match &description.timestamp.as_ref()?.source {
                TimestampSource::Header(name) => Some(name),
                _ => None,
            },
            (None, Role::Id) => description.id.as_ref().map(|rule| &rule.header),
        }
    }

    /// The header for `role`: from the signature's family when it has it
    /// (one lookup, not one per family), else from the first family that
    /// has it; `None` when no family has such a header.
    fn header_in<'d, 'h, S: Store>(
        &'d self,
        description: &'d Description<S>,
        headers: &'h HeaderMap,
        signed_as: usize,
        role: Role,
    ) -> Result<Option<(&'d HeaderName, &'h [u8])>, Error> {
        let own = self.name_in(description, signed_as, role);
        if let Some(name) = own
            && let Some(value) = headers.get(name)
        {
            return Ok(Some((name, non_empty(name, value)?)));
        }
        let mut wanted = own.is_some();
        for family in (0..=self.families.len()).filter(|&family| family != signed_as) {
            if let Some(name) = self.name_in(description, family, role) {
                wanted = true;
                if let Some(value) = headers.get(name) {
                    return Ok(Some((name, non_empty(name, value)?)));
                }
            }
        }
        if !wanted {
            return Ok(None);
        }
        Err(self.missing(description, headers, role))
    }

    /// The error for a missing `role` header, named as the family the
    /// request uses names it.
    fn missing<S: Store>(
        &self,
        description: &Description<S>,
        headers: &HeaderMap,
        role: Role,
    ) -> Error {
        let families = 0..=self.families.len();
        let carried = |family: usize| {
            [Role::Signature, Role::Timestamp, Role::Id]
                .into_iter()
                .filter_map(|role| self.name_in(description, family, role))
                .any(|name| headers.contains_key(name))
        };
        let in_use = families
            .clone()
            .find(|&family| carried(family))
            .unwrap_or(self.families.len());
        let name = self
            .name_in(description, in_use, role)
            .or_else(|| {
                families
                    .clone()
                    .find_map(|family| self.name_in(description, family, role))
            })
            .unwrap_or(&description.signature.header);
        Error::MissingHeader(name.clone())
    }

    /// The delivery id, from the signature's family where the sender has
    /// several: required where it is signed.
    fn id_in<'h, S: Store>(
        &self,
        description: &Description<S>,
        headers: &'h HeaderMap,
        signed_as: usize,
    ) -> Result<Option<&'h [u8]>, Error> {
        if self.families.is_empty() {
            return id_of(description, headers);
        }
        match self.header_in(description, headers, signed_as, Role::Id) {
            Ok(found) => Ok(found.map(|(_, id)| id)),
            // An unsigned id only labels the delivery.
            Err(_) if !description.id_is_signed() => Ok(None),
            Err(error) => Err(error),
        }
    }

    /// The name the signature is read from: the description's header, or
    /// the first alias the request carries instead.
    fn signature_header<'d, S: Store>(
        &'d self,
        description: &'d Description<S>,
        headers: &HeaderMap,
    ) -> &'d HeaderName {
        let primary = &description.signature.header;
        if headers.contains_key(primary) {
            return primary;
        }
        let alias = self.aliases.iter().find(|name| headers.contains_key(*name));
        alias.unwrap_or(primary)
    }

    /// The URLs to try: each configured one, or none at all (an empty
    /// string that no part reads) for a sender that signs no URL.
    fn url_candidates(&self) -> impl Iterator<Item = &str> {
        let none = self.urls.is_empty().then_some("");
        self.urls().chain(none)
    }

    /// Authenticates a token sender's request. Nothing is signed: the token
    /// is the whole proof. A set without a token yet authenticates nothing
    /// (see [`KeySet::no_token`]).
    fn verify_token<S: Store>(
        &self,
        description: &Description<S>,
        headers: &HeaderMap,
    ) -> Result<Delivery, Error> {
        if self.keys.is_open() {
            return Ok(Delivery::new(
                id_of(description, headers)?,
                false,
                None,
                None,
            ));
        }
        let find = |token: &[u8]| self.keys.find_token(token);
        let own = self.token_header.as_ref();
        let matched = match own.filter(|name| headers.contains_key(*name)) {
            Some(name) => find(trim(required(headers, name)?)),
            None => {
                let name = &description.signature.header;
                let value = required(headers, name)?;
                match description.signature.grammar {
                    Grammar::Authorization => find_credential(name, value, find)?,
                    _ => find(read_token(description, name, value)?),
                }
            }
        }
        .ok_or(Error::SignatureMismatch)?;
        Ok(
            Delivery::new(id_of(description, headers)?, false, None, Some(matched))
                .with_secret_name(self.keys.name(matched)),
        )
    }

    /// The header carrying a token sender's token, hidden from the map's
    /// `Debug`; none while the set has no token.
    fn token_credential<S: Store>(
        &self,
        description: &Description<S>,
    ) -> Result<Option<(HeaderName, HeaderValue)>, Error> {
        if self.keys.is_open() {
            return Ok(None);
        }
        let token = zeroize::Zeroizing::new(self.keys.sign(&|_: &mut dyn FnMut(&[u8])| {})?);
        let signature = &description.signature;
        Ok(Some(match &self.token_header {
            Some(name) => (name.clone(), sensitive_value(&*token)?),
            None => {
                let value = signature_value(&signature.grammar, "", &token);
                let value = sensitive_value(zeroize::Zeroizing::new(value).as_slice())?;
                (signature.header.clone(), value)
            }
        }))
    }

    /// The timestamp from a header or the signature's items, checked
    /// against the window: its text as sent and its time.
    fn header_timestamp<'h, S: Store>(
        &self,
        description: &Description<S>,
        headers: &'h HeaderMap,
        signed_as: usize,
        received: &Received<'h>,
        now: OffsetDateTime,
    ) -> Result<Option<(&'h [u8], SignedTime)>, Error> {
        let Some(rule) = &description.timestamp else {
            return Ok(None);
        };
        let (name, text) = match &rule.source {
            TimestampSource::Header(name) => {
                match self.header_in(description, headers, signed_as, Role::Timestamp)? {
                    Some((name, text)) => (name, trim(text)),
                    None => return Err(Error::MissingHeader(name.clone())),
                }
            }
            TimestampSource::SignatureItem => {
                let name = &description.signature.header;
                let text = received.timestamp.ok_or(Error::MalformedHeader {
                    name: name.clone(),
                    reason: "no timestamp item",
                })?;
                (name, text)
            }
            TimestampSource::Body(_) | TimestampSource::BodyField(_) => return Ok(None),
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
        with_description!(self, |d| self.sign_by(d, body, now, id))
    }

    /// [`ReceiverCore::sign`] under the names of header family `family`
    /// (see [`ReceiverCore::with_header_families`]) instead of the
    /// description's: the same signed content, as a sender using that
    /// family sends it.
    pub(crate) fn sign_in_family(
        &self,
        family: usize,
        body: &[u8],
        now: OffsetDateTime,
        id: Option<&str>,
    ) -> Result<HeaderMap, Error> {
        let mut headers = self.sign(body, now, id)?;
        let own = self.families.len();
        with_description!(self, |d| {
            for role in [Role::Signature, Role::Timestamp, Role::Id] {
                if let (Some(from), Some(to)) =
                    (self.name_in(d, own, role), self.name_in(d, family, role))
                    && let Some(value) = headers.remove(from)
                {
                    headers.insert(to.clone(), value);
                }
            }
        });
        Ok(headers)
    }

    fn sign_by<S: Store>(
        &self,
        description: &Description<S>,
        body: &[u8],
        now: OffsetDateTime,
        id: Option<&str>,
    ) -> Result<HeaderMap, Error> {
        let timestamp = match &description.timestamp {
            Some(rule)
                if !matches!(
                    rule.source,
                    TimestampSource::Body(_) | TimestampSource::BodyField(_)
                ) =>
            {
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
                description.signed.as_ref(),
                &request,
                Stamp {
                    text: timestamp.as_bytes(),
                    value: parse_unix_seconds(timestamp.as_bytes()).unwrap_or(0),
                },
                id.as_bytes(),
                sink,
            );
        };
        let mut headers = HeaderMap::new();
        if description.algorithm == Algorithm::Token {
            if let Some((name, value)) = self.token_credential(description)? {
                headers.insert(name, value);
            }
        } else {
            let encoding = description.signature.encoding;
            let own = self.keys.sign(&feed).map(|signature| {
                let encoded = encode(encoding, &signature);
                signature_value(&description.signature.grammar, &timestamp, &encoded)
            });
            let value = match &self.versioned {
                None => own?,
                Some(versioned) => {
                    let theirs = versioned.keys.sign(&feed).map(|signature| {
                        let grammar = Grammar::<Static>::Versioned {
                            version: versioned.version,
                        };
                        signature_value(&grammar, "", &encode(encoding, &signature))
                    });
                    match (own, theirs) {
                        (Ok(mut own), Ok(theirs)) => {
                            own.push(b' ');
                            own.extend_from_slice(&theirs);
                            own
                        }
                        (Ok(only), Err(_)) | (Err(_), Ok(only)) => only,
                        (Err(error), Err(_)) => return Err(error),
                    }
                }
            };
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
        let (name, signs_timestamp) = with_description!(self, |d| (d.name, d.signs_timestamp()));
        let mut out = f.debug_struct(name);
        out.field("keys", &self.keys);
        if let Some(versioned) = &self.versioned {
            let version = std::str::from_utf8(versioned.version).unwrap_or("versioned");
            out.field(version, &versioned.keys);
        }
        if signs_timestamp {
            out.field("tolerance", &self.tolerance);
        }
        if !self.urls.is_empty() {
            out.field("urls", &self.urls);
        }
        if let Some(name) = &self.token_header {
            out.field("token_header", name);
        }
        out.finish()
    }
}

/// Refuses a URL a sender cannot have been given: one that is not
/// absolute.
pub(crate) fn check_url(url: &str) -> Result<(), Error> {
    let parsed: http::Uri = url
        .parse()
        .map_err(|_| Error::InvalidSecret("the notification URL is not a valid absolute URL"))?;
    if parsed.scheme().is_none() || parsed.authority().is_none() {
        return Err(Error::InvalidSecret(
            "the notification URL must be absolute, as the sender was given it (https://…)",
        ));
    }
    Ok(())
}

/// The delivery id header's value: required where it is signed.
fn id_of<'h, S: Store>(
    description: &Description<S>,
    headers: &'h HeaderMap,
) -> Result<Option<&'h [u8]>, Error> {
    let Some(rule) = &description.id else {
        return Ok(None);
    };
    match headers.get(&rule.header) {
        Some(value) if rule.signed => Ok(Some(non_empty(&rule.header, value)?)),
        // An unsigned id only labels the delivery: blank, it is no id, and
        // no reason to refuse an authentic request.
        Some(value) => Ok(Some(value.as_bytes()).filter(|id| !trim(id).is_empty())),
        None if rule.signed => Err(Error::MissingHeader(rule.header.clone())),
        None => Ok(None),
    }
}

/// The signed time a JSON body keeps at `pointer`: a number in the
/// format's unit, or RFC 3339 text. A body without it is refused: its age
/// cannot be told.
fn body_field_time(body: &[u8], pointer: &str, format: TimeFormat) -> Result<SignedTime, Error> {
    let value: serde_json::Value = crate::engine::json::parse_body(body)?;
    let field = value.pointer(pointer);
    let signed = match (field, format) {
        (Some(serde_json::Value::String(text)), TimeFormat::Rfc3339) => {
            parse_time(text.as_bytes(), format)
        }
        (
            Some(serde_json::Value::Number(number)),
            TimeFormat::UnixSeconds | TimeFormat::UnixMillis,
        ) => number.as_i64().map(|value| from_value(value, format)),
        _ => None,
    };
    signed.ok_or_else(|| {
        crate::engine::json::envelope_error(
            body,
            format!("no signed timestamp at `{pointer}` in the form described"),
        )
    })
}

impl Received<'_> {
    #[inline(always)]
    fn new() -> Self {
        Received {
            signatures: [SignatureBytes::EMPTY; MAX_SIGNATURES],
            len: 0,
            timestamp: None,
        }
    }

    /// Keeps `text` if it decodes in `encoding` (to `length` bytes, when
    /// given) and there is room; anything else is skipped, as the reference
    /// libraries skip it.
    fn push(&mut self, encoding: Encoding, text: &[u8], length: Option<usize>) {
        // Decoded in place: a signature is too large to copy around.
        if let Some(slot) = self.signatures.get_mut(self.len)
            && decode(encoding, trim(text), slot)
            && length.is_none_or(|len| len == slot.as_bytes().len())
        {
            self.len += 1;
        }
    }
}

/// Reads the signature header by its grammar, decoding every signature in
/// the expected encoding; undecodable entries, and with `tag_len` entries of
/// another length, are skipped, as the reference libraries skip them. Of a
/// versioned list, only the first [`MAX_SIGNATURES`] entries of the
/// version are read. The signatures go straight into `received`, the
/// caller's: a header's worth of them is too large to copy on every request.
fn read_signatures<'v, S: Store>(
    description: &Description<S>,
    value: &'v [u8],
    tag_len: Option<usize>,
    received: &mut Received<'v>,
) {
    let encoding = description.signature.encoding;
    let push = |received: &mut Received<'v>, text: &[u8]| received.push(encoding, text, tag_len);
    match &description.signature.grammar {
        Grammar::Bare { prefix } => {
            if let Some(text) = trim(value).strip_prefix(prefix.as_ref()) {
                push(received, text);
            }
        }
        // A credential, never a signature: nothing to read.
        Grammar::Authorization => {}
        Grammar::Items {
            separator,
            timestamp_key,
            signature_key,
        } => {
            let timestamp_key = timestamp_key.as_ref().map(AsRef::as_ref);
            for item in value.split(|b| b == separator) {
                let Some(at) = item.iter().position(|&b| b == b'=') else {
                    continue;
                };
                let (key, text) = (trim(&item[..at]), &item[at + 1..]);
                if key == signature_key.as_ref() {
                    push(received, text);
                } else if Some(key) == timestamp_key && received.timestamp.is_none() {
                    received.timestamp = Some(trim(text));
                }
            }
        }
        Grammar::Versioned { version } => {
            for text in versioned_entries(value, version.as_ref()).take(MAX_SIGNATURES) {
                push(received, text);
            }
        }
    }
}

/// The token a [`Algorithm::Token`] header carries: the value after the
/// grammar's prefix, as sent.
fn read_token<'v, S: Store>(
    description: &Description<S>,
    name: &HeaderName,
    value: &'v [u8],
) -> Result<&'v [u8], Error> {
    let prefix = match &description.signature.grammar {
        Grammar::Bare { prefix } => prefix.as_ref(),
        Grammar::Items { .. } | Grammar::Versioned { .. } | Grammar::Authorization => b"",
    };
    trim(value)
        .strip_prefix(prefix)
        .ok_or_else(|| Error::MalformedHeader {
            name: name.clone(),
            reason: "the token lacks the expected prefix",
        })
}

/// Decodes a signature in `encoding` into `out`; `false` when it is not
/// one.
fn decode(encoding: Encoding, text: &[u8], out: &mut SignatureBytes) -> bool {
    let mut buf = [0u8; super::keys::MAX_SIGNATURE_LEN + 3];
    let hex = match encoding {
        Encoding::Hex => true,
        Encoding::Base64 => false,
        Encoding::HexOrBase64 => text.iter().all(u8::is_ascii_hexdigit),
    };
    let len = match hex {
        true => {
            if !text.len().is_multiple_of(2) || text.len() / 2 > super::keys::MAX_SIGNATURE_LEN {
                return false;
            }
            let len = text.len() / 2;
            if !hex_into(text, &mut buf[..len]) {
                return false;
            }
            len
        }
        false => {
            use base64::Engine as _;
            if let Some(tag) = decode_base64_tag(text) {
                return out.set(&tag);
            }
            if text.len() > 4 * buf.len() / 3 {
                return false;
            }
            match BASE64.decode_slice(text, &mut buf) {
                Ok(len) => len,
                Err(_) => return false,
            }
        }
    };
    out.set(&buf[..len])
}

/// A signature written in `encoding` (padded base64; lowercase hex).
fn encode(encoding: Encoding, signature: &[u8]) -> Vec<u8> {
    match encoding {
        Encoding::Hex | Encoding::HexOrBase64 => encode_hex(signature).into_bytes(),
        Encoding::Base64 => {
            use base64::Engine as _;
            base64::engine::general_purpose::STANDARD
                .encode(signature)
                .into_bytes()
        }
    }
}

/// The timestamp as sent, and the number it reads as in its unit.
#[derive(Clone, Copy)]
struct Stamp<'t> {
    text: &'t [u8],
    value: i64,
}

/// Feeds the signed content: each part of the description in order.
/// Inlined into each caller, as when it had one: the sink's calls then
/// stay as cheap as before run-time descriptions shared it.
#[inline(always)]
fn feed_parts(
    parts: &[Part],
    request: &Request<'_>,
    timestamp: Stamp<'_>,
    id: &[u8],
    sink: &mut dyn FnMut(&[u8]),
) {
    for part in parts {
        match part {
            Part::Text(text) => sink(text),
            Part::Literal(text) => sink(text),
            Part::Timestamp => sink(timestamp.text),
            Part::CanonicalTimestamp if is_canonical_decimal(timestamp.text) => {
                sink(timestamp.text);
            }
            Part::CanonicalTimestamp => sink(CanonicalText::new(timestamp.value).as_bytes()),
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
    /// The number as sent, in the format's unit (0 for RFC 3339).
    value: i64,
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
                value: 0,
                seconds: at.unix_timestamp(),
                at: Some(at),
            })
        }
    }
}

/// A number in the format's unit as a signed time.
fn from_value(value: i64, format: TimeFormat) -> SignedTime {
    // Whole seconds need no 128-bit arithmetic: the common case stays cheap.
    let (seconds, at) = match format {
        TimeFormat::UnixMillis => (
            value.div_euclid(1000),
            OffsetDateTime::from_unix_timestamp_nanos(i128::from(value) * 1_000_000).ok(),
        ),
        _ => (value, OffsetDateTime::from_unix_timestamp(value).ok()),
    };
    SignedTime { value, seconds, at }
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
fn signature_value<S: Store>(grammar: &Grammar<S>, timestamp: &str, signature: &[u8]) -> Vec<u8> {
    let mut value = Vec::new();
    match grammar {
        Grammar::Bare { prefix } => value.extend_from_slice(prefix.as_ref()),
        Grammar::Authorization => value.extend_from_slice(b"Bearer "),
        Grammar::Items {
            separator,
            timestamp_key,
            signature_key,
        } => {
            if let Some(key) = timestamp_key {
                value.extend_from_slice(key.as_ref());
                value.push(b'=');
                value.extend_from_slice(timestamp.as_bytes());
                value.push(*separator);
            }
            value.extend_from_slice(signature_key.as_ref());
            value.push(b'=');
        }
        Grammar::Versioned { version } => {
            value.extend_from_slice(version.as_ref());
            value.push(b',');
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::description::{IdRule, SignatureRule, TimestampRule};
    use crate::{ReplyRule, RetrySchedule};

    fn now() -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
    }

    /// A run-time description: `v1,<sig>` entries over the id, the
    /// canonical timestamp and the body.
    fn versioned(encoding: Encoding) -> ReceiverCore {
        let description = Description::<Owned> {
            name: "Test",
            algorithm: Algorithm::HmacSha256,
            signature: SignatureRule {
                header: HeaderName::from_static("x-sig"),
                grammar: Grammar::Versioned {
                    version: b"v1"[..].into(),
                },
                encoding,
            },
            timestamp: Some(TimestampRule {
                source: TimestampSource::Header(HeaderName::from_static("x-ts")),
                format: TimeFormat::UnixSeconds,
            }),
            id: Some(IdRule {
                header: HeaderName::from_static("x-id"),
                signed: true,
            }),
            signed: vec![
                Part::Id,
                Part::Literal(b"."[..].into()),
                Part::CanonicalTimestamp,
                Part::Literal(b"."[..].into()),
                Part::Body,
            ]
            .into(),
            tolerance: Tolerance::symmetric(std::time::Duration::from_secs(300)),
            reply: ReplyRule::any_2xx(),
            retries: RetrySchedule::none,
            sent_with: &[],
        };
        let keys = KeySet::hmac(Algorithm::HmacSha256, Secret::from("k")).expect("usable");
        ReceiverCore::shared(Arc::new(description), keys)
    }

    fn set(headers: &HeaderMap, name: &'static str, value: &str) -> HeaderMap {
        let mut headers = headers.clone();
        headers.insert(name, http::HeaderValue::from_str(value).expect("value"));
        headers
    }

    /// `x-*` headers, and `y-*` as another family read first.
    static FAMILIES: [HeaderFamily; 1] = [HeaderFamily {
        signature: HeaderName::from_static("y-sig"),
        timestamp: Some(HeaderName::from_static("y-ts")),
        id: Some(HeaderName::from_static("y-id")),
    }];

    static LISTED: Description = Description {
        name: "Listed",
        algorithm: Algorithm::HmacSha256,
        signature: SignatureRule {
            header: HeaderName::from_static("x-sig"),
            grammar: Grammar::Versioned { version: b"v1" },
            encoding: Encoding::Base64,
        },
        timestamp: Some(TimestampRule::header(
            HeaderName::from_static("x-ts"),
            TimeFormat::UnixSeconds,
        )),
        id: Some(IdRule {
            header: HeaderName::from_static("x-id"),
            signed: true,
        }),
        signed: &[
            Part::Id,
            Part::Text(b"."),
            Part::Timestamp,
            Part::Text(b"."),
            Part::Body,
        ],
        tolerance: Tolerance::symmetric(std::time::Duration::from_secs(60)),
        reply: ReplyRule::any_2xx(),
        retries: RetrySchedule::none,
        sent_with: &[],
    };

    fn listed(secret: &str) -> ReceiverCore {
        let keys = KeySet::hmac(Algorithm::HmacSha256, Secret::from(secret)).expect("usable");
        ReceiverCore::new(&LISTED, keys).with_header_families(&FAMILIES)
    }

    fn missing(result: Result<Delivery, Error>) -> String {
        match result {
            Err(Error::MissingHeader(name)) => name.to_string(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn either_header_family_verifies_and_a_missing_header_is_named_in_the_family_in_use() {
        let core = listed("k");
        let own = core.sign(b"{}", now(), Some("m")).expect("sign");
        let other = core
            .sign_in_family(0, b"{}", now(), Some("m"))
            .expect("sign");
        let names = |headers: &HeaderMap| {
            let mut names: Vec<_> = headers
                .keys()
                .map(|name| name.as_str().to_owned())
                .collect();
            names.sort();
            names
        };
        assert_eq!(names(&own), ["x-id", "x-sig", "x-ts"]);
        assert_eq!(names(&other), ["y-id", "y-sig", "y-ts"]);
        for headers in [&own, &other] {
            let delivery = core.verify(headers, b"{}", now()).expect("verifies");
            assert_eq!(delivery.id(), Some("m"));
        }
        let mut lacking = other.clone();
        lacking.remove("y-ts");
        assert_eq!(missing(core.verify(&lacking, b"{}", now())), "y-ts");
        lacking.remove("y-sig");
        assert_eq!(missing(core.verify(&lacking, b"{}", now())), "y-sig");
        assert_eq!(
            missing(core.verify(&HeaderMap::new(), b"{}", now())),
            "x-sig"
        );
        // What the signature's family lacks comes from another family.
        let mut mixed = other.clone();
        mixed.remove("y-id");
        mixed.insert("x-id", own["x-id"].clone());
        assert!(core.verify(&mixed, b"{}", now()).is_ok());
    }

    #[test]
    fn the_first_family_s_signature_is_read_and_its_own_headers_first() {
        let core = listed("k");
        let fresh = core
            .sign_in_family(0, b"{}", now(), Some("m"))
            .expect("sign");
        let stale = core
            .sign(
                b"{}",
                now() - std::time::Duration::from_secs(3600),
                Some("old"),
            )
            .expect("sign");
        let mut both = fresh.clone();
        both.extend(stale.clone());
        assert_eq!(
            core.verify(&both, b"{}", now())
                .map(|d| d.id().map(str::to_owned)),
            Ok(Some("m".to_owned()))
        );
        let mut stale_signature = stale;
        stale_signature.extend(fresh);
        stale_signature.remove("y-sig");
        assert!(matches!(
            core.verify(&stale_signature, b"{}", now()),
            Err(Error::TimestampTooOld { .. })
        ));
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn keys_of_another_version_verify_beside_the_description_s_and_sign_after_them() {
        let seed = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
        let both = listed("k").with_versioned_keys(b"v1a", KeySet::ed25519(Some(seed.clone())));
        let headers = both.sign(b"{}", now(), Some("m")).expect("sign");
        let value = headers["x-sig"].to_str().expect("ascii").to_owned();
        let (hmac, ed25519) = value.split_once(' ').expect("two entries");
        assert!(
            hmac.starts_with("v1,") && ed25519.starts_with("v1a,"),
            "{value}"
        );
        let only = |entry: &str| set(&headers, "x-sig", entry);
        let index = |core: &ReceiverCore, entry: &str| {
            core.verify(&only(entry), b"{}", now())
                .map(|d| d.secret_index())
        };
        assert_eq!(index(&both, hmac), Ok(Some(0)));
        assert_eq!(index(&both, ed25519), Ok(Some(1)));
        assert_eq!(index(&both, &format!("{ed25519} {hmac}")), Ok(Some(0)));
        // Without keys of its version, an entry is no signature at all.
        let hmac_only = listed("k").with_versioned_keys(b"v1a", KeySet::ed25519(None));
        assert!(matches!(
            index(&hmac_only, ed25519),
            Err(Error::MalformedHeader { .. })
        ));
        // Keys of the other version alone sign alone.
        let public_only = ReceiverCore::new(&LISTED, KeySet::no_secret(Algorithm::HmacSha256))
            .with_versioned_keys(b"v1a", KeySet::ed25519(Some(seed)));
        let signed = public_only.sign(b"{}", now(), Some("m")).expect("sign");
        assert_eq!(signed["x-sig"].to_str().ok(), Some(ed25519));
        assert!(matches!(
            ReceiverCore::new(&LISTED, KeySet::no_secret(Algorithm::HmacSha256)).sign(
                b"{}",
                now(),
                Some("m")
            ),
            Err(Error::Signing("no secret to sign with"))
        ));
    }

    #[test]
    fn a_versioned_list_verifies_its_own_version_among_others() {
        let core = versioned(Encoding::Base64);
        let headers = core.sign(b"{}", now(), Some("msg_1")).expect("sign");
        let value = headers["x-sig"].to_str().expect("ascii").to_owned();
        assert!(value.starts_with("v1,"), "{value}");
        let listed = set(&headers, "x-sig", &format!("v2,AAAA {value} v1,@@@@"));
        assert!(core.verify(&listed, b"{}", now()).is_ok());
        let other_version = set(&headers, "x-sig", &value.replacen("v1,", "v2,", 1));
        assert!(matches!(
            core.verify(&other_version, b"{}", now()),
            Err(Error::MalformedHeader { .. })
        ));
        assert_eq!(format!("{core:?}").split(' ').next(), Some("Test"));
    }

    #[test]
    fn a_canonical_timestamp_signs_the_value_so_leading_zeros_change_nothing_else() {
        let core = versioned(Encoding::Hex);
        let headers = core.sign(b"{}", now(), Some("evt_10")).expect("sign");
        for padded in ["+1700000000", "01700000000"] {
            let same = set(&headers, "x-ts", padded);
            assert!(core.verify(&same, b"{}", now()).is_ok(), "{padded}");
        }
        let moved = set(&set(&headers, "x-id", "evt_1"), "x-ts", "01700000000");
        assert_eq!(
            core.verify(&moved, b"{}", now()),
            Err(Error::SignatureMismatch)
        );
    }

    #[test]
    fn hex_or_base64_reads_either_and_signs_hex() {
        let either = versioned(Encoding::HexOrBase64);
        let hex = versioned(Encoding::Hex);
        let base64 = versioned(Encoding::Base64);
        let signed = either.sign(b"{}", now(), Some("m")).expect("sign");
        assert_eq!(signed, hex.sign(b"{}", now(), Some("m")).expect("sign"));
        for headers in [signed, base64.sign(b"{}", now(), Some("m")).expect("sign")] {
            assert!(either.verify(&headers, b"{}", now()).is_ok());
        }
    }

    #[test]
    fn a_body_field_timestamp_is_read_after_the_signature_in_its_format() {
        let description = |format| Description::<Owned> {
            name: "Body",
            algorithm: Algorithm::HmacSha1,
            signature: SignatureRule {
                header: HeaderName::from_static("x-sig"),
                grammar: Grammar::Bare {
                    prefix: b""[..].into(),
                },
                encoding: Encoding::Hex,
            },
            timestamp: Some(TimestampRule {
                source: TimestampSource::BodyField("/meta/at".into()),
                format,
            }),
            id: None,
            signed: vec![Part::Body].into(),
            tolerance: Tolerance::symmetric(std::time::Duration::from_secs(60)),
            reply: ReplyRule::any_2xx(),
            retries: RetrySchedule::none,
            sent_with: &[],
        };
        let cases: [(TimeFormat, &[u8]); 3] = [
            (TimeFormat::UnixSeconds, br#"{"meta": {"at": 1700000000}}"#),
            (
                TimeFormat::UnixMillis,
                br#"{"meta": {"at": 1700000000000}}"#,
            ),
            (
                TimeFormat::Rfc3339,
                br#"{"meta": {"at": "2023-11-14T22:13:20Z"}}"#,
            ),
        ];
        for (format, body) in cases {
            let keys = KeySet::hmac(Algorithm::HmacSha1, Secret::from("k")).expect("usable");
            let core = ReceiverCore::shared(Arc::new(description(format)), keys);
            let headers = core.sign(body, now(), None).expect("sign");
            let delivery = core.verify(&headers, body, now()).expect("verifies");
            assert_eq!(delivery.timestamp(), Some(now()), "{format:?}");
            assert!(matches!(
                core.verify(&headers, body, now() + std::time::Duration::from_secs(61)),
                Err(Error::TimestampTooOld { .. })
            ));
            // The wrong form at the pointer is no timestamp.
            let wrong: &[u8] = br#"{"meta": {"at": true}}"#;
            let signed = core.sign(wrong, now(), None).expect("sign");
            assert!(matches!(
                core.verify(&signed, wrong, now()),
                Err(Error::InvalidPayload { .. })
            ));
            // Nothing is parsed before the signature matched.
            assert_eq!(
                core.verify(&headers, b"not json", now()),
                Err(Error::SignatureMismatch)
            );
        }
    }
}
