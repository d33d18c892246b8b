//! What a [`CustomScheme`] makes: the receiver for one secret or public
//! key, and the envelope event it reads.

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::headers::{body_uuid, header_text};
use crate::engine::json::parse_body;
use crate::engine::secret::Secret;
use crate::engine::{Description, KeySet, Owned, ReceiverCore, check_url};
use crate::receiver::{Settings, provider_settings, receiver_builders};
use crate::{Delivery, Error, Provider, Received, ReplyRule, RetrySchedule, WebhookEvent};

/// Where the event's parts are found, besides the signature.
#[derive(Debug)]
pub(super) struct BodySpec {
    pub(super) event_type: Option<HeaderName>,
    pub(super) id: Option<String>,
    pub(super) kind: Option<String>,
    pub(super) time: Option<String>,
    pub(super) form: bool,
}

/// A checked sender description: cheap to clone, it makes one
/// [`CustomReceiver`] per secret or public key (per tenant, per endpoint).
///
/// ```
/// use webhook_kit::custom::SchemeBuilder;
///
/// let scheme = SchemeBuilder::new("x-sig").build()?;
/// let tenant_a = scheme.receiver("secret-a")?;
/// let tenant_b = scheme.receiver("secret-b")?;
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct CustomScheme {
    pub(super) description: Arc<Description<Owned>>,
    /// Whether the signature covers the URL (then receivers need one).
    pub(super) signs_url: bool,
    /// Whether receivers hold public keys rather than shared secrets.
    pub(super) key_pair: bool,
    /// The URLs bound with `at_url`, the first signing.
    pub(super) urls: Vec<String>,
    pub(super) body: Arc<BodySpec>,
    pub(super) reply: ReplyRule,
    pub(super) schedule: RetrySchedule,
}

/// Why a receiver of a key-pair scheme is not made from a shared secret.
const KEY_PAIR_SCHEME: &str =
    "this scheme verifies with a public key: make its receivers with public_key_receiver";

impl CustomScheme {
    /// A receiver for deliveries signed with `secret` (its bytes are the
    /// HMAC key).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret, or
    /// for a scheme whose algorithm uses a key pair;
    /// [`Error::InvalidScheme`] for a scheme that signs the URL when none
    /// is bound ([`at_url`](Self::at_url)).
    ///
    /// ```
    /// let scheme = webhook_kit::custom::SchemeBuilder::new("x-sig").build()?;
    /// assert!(scheme.receiver("s3cret").is_ok());
    /// assert!(scheme.receiver(" ").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn receiver(&self, secret: impl Into<Secret>) -> Result<CustomReceiver, Error> {
        if self.key_pair {
            return Err(Error::InvalidSecret(KEY_PAIR_SCHEME));
        }
        let keys = KeySet::hmac(self.description.algorithm, secret.into())
            .map_err(CustomReceiver::secret_error)?;
        self.receiver_with(keys)
    }

    /// The same scheme bound to `url`, the public URL the sender was given,
    /// which the signature covers ([`SignedPart::Url`](super::SignedPart::Url)).
    /// Each call adds one more URL the sender may have signed (the same URL
    /// with its default port, say); the first one signs.
    ///
    /// `url` must be the URL as the sender was given it, query included,
    /// not the one your server sees behind a proxy or TLS termination.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a URL that is not absolute (`https://…`);
    /// [`Error::InvalidScheme`] for a scheme that does not sign the URL
    /// (binding one would look like a check that never happens).
    ///
    /// ```
    /// use webhook_kit::custom::{SchemeBuilder, SignedPart};
    ///
    /// let scheme = SchemeBuilder::new("x-sig")
    ///     .signed_parts([SignedPart::Url, SignedPart::Body])
    ///     .build()?;
    /// assert!(scheme.receiver("s3cret").is_err()); // which URL?
    /// let bound = scheme.at_url("https://example.com/hooks?tenant=1")?;
    /// assert!(bound.receiver("s3cret").is_ok());
    /// assert!(scheme.at_url("/hooks").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn at_url(&self, url: &str) -> Result<CustomScheme, Error> {
        if !self.signs_url {
            return Err(Error::InvalidScheme(
                "the signed content does not include the URL, so a URL would check nothing",
            ));
        }
        check_url(url)?;
        let mut bound = self.clone();
        bound.urls.push(url.to_owned());
        Ok(bound)
    }

    /// A receiver for deliveries signed with the private key matching
    /// `public_key`, as the sender publishes it, in hex or base64: an
    /// Ed25519 key as its 32 bytes, a P-256 key as its DER
    /// `SubjectPublicKeyInfo`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a key that is not a valid key of the
    /// scheme's algorithm, or a scheme that uses shared secrets;
    /// [`Error::InvalidScheme`] for a scheme that signs the URL when none
    /// is bound.
    ///
    /// ```
    /// use webhook_kit::custom::{Algorithm, SchemeBuilder};
    ///
    /// // Discord: hex Ed25519 over the timestamp and the body.
    /// let discord_like = SchemeBuilder::new("X-Signature-Ed25519")
    ///     .algorithm(Algorithm::Ed25519)
    ///     .timestamp_header("X-Signature-Timestamp")
    ///     .signed_parts([webhook_kit::custom::SignedPart::Timestamp, webhook_kit::custom::SignedPart::Body])
    ///     .build()?;
    /// let key = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
    /// assert!(discord_like.public_key_receiver(key).is_ok());
    /// assert!(discord_like.public_key_receiver("not a key").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub fn public_key_receiver(&self, public_key: &str) -> Result<CustomReceiver, Error> {
        let keys = KeySet::public_key(
            self.description.algorithm,
            public_key,
            crate::engine::Encoding::HexOrBase64,
            PUBLIC_KEY_FORM,
        )?;
        self.receiver_with(keys)
    }

    /// A receiver that signs deliveries with `signing_key` (in hex or
    /// base64: an Ed25519 key as its 32-byte seed, a P-256 key as its DER
    /// PKCS #8 `PrivateKeyInfo`) and trusts its public key: for tests and
    /// simulations, where you play the sender.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a key that is not a valid private key
    /// of the scheme's algorithm, or a scheme that uses shared secrets;
    /// [`Error::InvalidScheme`] for a scheme that signs the URL when none
    /// is bound.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::custom::{Algorithm, SchemeBuilder, SignedPart};
    ///
    /// let scheme = SchemeBuilder::new("X-Signature-Ed25519")
    ///     .algorithm(Algorithm::Ed25519)
    ///     .timestamp_header("X-Signature-Timestamp")
    ///     .signed_parts([SignedPart::Timestamp, SignedPart::Body])
    ///     .build()?;
    /// let sender = scheme.signing_key_receiver("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = sender.sign_at(b"{}", now)?;
    /// let receiver = scheme.public_key_receiver("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")?;
    /// assert!(receiver.verify_at(&headers, b"{}", now).is_ok());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub fn signing_key_receiver(
        &self,
        signing_key: impl Into<Secret>,
    ) -> Result<CustomReceiver, Error> {
        let keys = KeySet::signing_key(
            self.description.algorithm,
            &signing_key.into(),
            crate::engine::Encoding::HexOrBase64,
            SIGNING_KEY_FORM,
        )?;
        self.receiver_with(keys)
    }

    fn receiver_with(&self, keys: KeySet) -> Result<CustomReceiver, Error> {
        if self.signs_url && self.urls.is_empty() {
            return Err(Error::InvalidScheme(
                "the scheme signs the URL: bind the public URL the sender was given with at_url",
            ));
        }
        let mut verifier = ReceiverCore::shared(Arc::clone(&self.description), keys);
        for url in &self.urls {
            verifier.add_url(url)?;
        }
        Ok(CustomReceiver {
            verifier,
            settings: Settings::new(self.reply, self.schedule.clone()),
            body: Arc::clone(&self.body),
        })
    }
}

#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
const PUBLIC_KEY_FORM: &str = "a public key is hex or base64: an Ed25519 key's 32 bytes, a P-256 key's DER SubjectPublicKeyInfo";
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
const SIGNING_KEY_FORM: &str = "a signing key is hex or base64: an Ed25519 key's 32-byte seed, a P-256 key's DER PKCS #8 PrivateKeyInfo";

/// A receiver for a sender described with [`SchemeBuilder`](super::SchemeBuilder).
///
/// `Debug` shows the configuration but never a secret.
///
/// ```
/// let receiver = webhook_kit::custom::SchemeBuilder::new("x-sig").build()?.receiver("hidden")?;
/// assert!(!format!("{receiver:?}").contains("hidden"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone)]
pub struct CustomReceiver {
    verifier: ReceiverCore,
    settings: Settings,
    body: Arc<BodySpec>,
}

impl std::fmt::Debug for CustomReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&self.verifier, f)
    }
}

receiver_builders!(CustomReceiver = "webhook_kit::custom::SchemeBuilder::new(\"x-sig\").timestamp_header(\"x-ts\").sign_timestamp('.').build()?.receiver(\"secret\")?":
    with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule);

impl CustomReceiver {
    /// The headers of a genuine delivery of `body` at `now` carrying the
    /// id `id`. [`Provider::sign_at`] uses an id derived from the body
    /// instead, so a redelivered body keeps its id.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] for an id a header cannot carry, or one that is
    /// empty or has surrounding whitespace; for a receiver made from a
    /// public key, which cannot sign.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let receiver = SchemeBuilder::new("x-sig").id_header("x-id").build()?.receiver("s")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_with_id_at("d-1", b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.id(), Some("d-1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_with_id_at(
        &self,
        id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        self.verifier.sign(body, now, Some(id))
    }

    /// [`sign_with_id_at`](Self::sign_with_id_at), with the event type
    /// `event` in the scheme's [`event_type_header`](super::SchemeBuilder::event_type_header)
    /// (none is added where the scheme names no such header).
    ///
    /// # Errors
    ///
    /// As [`sign_with_id_at`](Self::sign_with_id_at), and [`Error::Signing`]
    /// for an event type a header cannot carry.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let receiver = SchemeBuilder::new("x-sig")
    ///     .id_header("x-id")
    ///     .event_type_header("x-event")
    ///     .build()?
    ///     .receiver("s")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_event_at("ping", "d-1", b"{}", now)?;
    /// assert_eq!(receiver.receive_at(&headers, b"{}", now)?.event.event_type(), "ping");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_event_at(
        &self,
        event: &str,
        id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        let mut headers = self.sign_with_id_at(id, body, now)?;
        if let Some(name) = &self.body.event_type {
            headers.insert(name.clone(), crate::engine::headers::header_value(event)?);
        }
        Ok(headers)
    }

    /// The headers of a genuine delivery with the id `id` and, where given,
    /// the event type `event_type`.
    ///
    /// # Errors
    ///
    /// As [`sign_event_at`](Self::sign_event_at).
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use webhook_kit::Provider;
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let receiver = SchemeBuilder::new("x-sig").id_header("x-id").build()?.receiver("s")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_delivery_at("d-1", None, b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.id(), Some("d-1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "use `sign_with_id_at`, or `sign_event_at` with an event type"
    )]
    pub fn sign_delivery_at(
        &self,
        id: &str,
        event_type: Option<&str>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        match event_type {
            Some(event) => self.sign_event_at(event, id, body, now),
            None => self.sign_with_id_at(id, body, now),
        }
    }

    /// Trusts another public key as well (rotation), in the form
    /// [`CustomScheme::public_key_receiver`] reads. A request signed by any
    /// trusted key verifies, and [`Delivery::secret_index`] says which. At
    /// most 8 keys are trusted, so that a request never costs more than 8
    /// signature checks.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a key `public_key_receiver` refuses, a
    /// ninth key, or a receiver of shared secrets.
    ///
    /// ```
    /// use webhook_kit::custom::{Algorithm, SchemeBuilder, SignedPart};
    ///
    /// let scheme = SchemeBuilder::new("telnyx-signature-ed25519")
    ///     .algorithm(Algorithm::Ed25519)
    ///     .encoding(webhook_kit::custom::MacEncoding::Base64)
    ///     .timestamp_header("telnyx-timestamp")
    ///     .signed_parts([SignedPart::Timestamp, SignedPart::Text("|".into()), SignedPart::Body])
    ///     .build()?;
    /// let receiver = scheme
    ///     .public_key_receiver("11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")?
    ///     .with_public_key("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")?;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub fn with_public_key(mut self, public_key: &str) -> Result<Self, Error> {
        self.verifier.keys_mut().add_public_key(
            public_key,
            crate::engine::Encoding::HexOrBase64,
            PUBLIC_KEY_FORM,
        )?;
        Ok(self)
    }
}

/// An event from a described sender: what the description says where to
/// find, and the whole body.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::custom::{Event, SchemeBuilder};
///
/// let receiver = SchemeBuilder::new("x-sig").id_field("id").time_field("at").build()?.receiver("s")?;
/// let event = receiver.parse(br#"{"id": 12, "at": 1700000000}"#)?;
/// assert_eq!(event.id(), "12");
/// assert_eq!(event.event_type(), ""); // the description names no type
/// assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(1_700_000_000));
/// let queued = serde_json::to_string(&event).expect("serialize");
/// assert_eq!(serde_json::from_str::<Event>(&queued).expect("read back"), event);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The event id: the id field, else the id header (after
    /// verification), else `None`.
    pub id: Option<String>,
    /// The event type: the type field or the type header, else `None`.
    pub event_type: Option<String>,
    /// When the event happened, from the time field.
    #[serde(with = "time::serde::rfc3339::option")]
    pub time: Option<OffsetDateTime>,
    /// The body as JSON: the parsed body, or for a form body an object of
    /// its fields (as strings).
    pub data: Value,
    /// The body as sent, as text (bytes that are not UTF-8 read as U+FFFD).
    pub body: String,
}

impl WebhookEvent for Event {
    fn id(&self) -> Cow<'_, str> {
        Cow::Borrowed(self.id.as_deref().unwrap_or(""))
    }

    fn event_type(&self) -> &str {
        self.event_type.as_deref().unwrap_or("")
    }

    fn occurred_at(&self) -> Option<OffsetDateTime> {
        self.time
    }
}

/// A JSON value as an id: strings as they are, numbers as written.
fn text_of(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A JSON value as a time: Unix seconds, or RFC 3339 text.
fn time_of(value: &Value) -> Option<OffsetDateTime> {
    match value {
        Value::Number(n) => n
            .as_i64()
            .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok()),
        Value::String(text) => OffsetDateTime::parse(text, &Rfc3339).ok(),
        _ => None,
    }
}

impl Provider for CustomReceiver {
    type Event = Event;

    fn name(&self) -> &'static str {
        "custom"
    }

    fn verify_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Delivery, Error> {
        self.settings.check_size(body)?;
        self.verifier.verify(headers, body, now)
    }

    /// Parses the body; with a form body this never fails (below the size
    /// limit). Header-borne id and type are filled in by
    /// [`Provider::receive_at`], which sees the headers.
    fn parse(&self, body: &[u8]) -> Result<Event, Error> {
        self.settings.check_size(body)?;
        let spec = &self.body;
        let data = if spec.form {
            Value::Object(
                crate::engine::form::field_map(body)
                    .into_iter()
                    .map(|(k, v)| (k, Value::String(v)))
                    .collect(),
            )
        } else {
            parse_body::<Value>(body)?
        };
        let at = |path: &Option<String>| path.as_deref().and_then(|p| data.pointer(p));
        Ok(Event {
            id: at(&spec.id).and_then(text_of),
            event_type: at(&spec.kind).and_then(text_of),
            time: at(&spec.time).and_then(time_of),
            body: String::from_utf8_lossy(body).into_owned(),
            data,
        })
    }

    fn receive_at(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Received<Event>, Error> {
        let delivery = self.verify_at(headers, body, now)?;
        let mut event = self.parse(body)?;
        if event.id.is_none() {
            event.id = delivery.id().map(str::to_owned);
        }
        if let Some(name) = &self.body.event_type {
            event.event_type = header_text(headers, name);
        }
        Ok(Received::new(event, delivery))
    }

    provider_settings!();

    /// Signs `body` at `now`; where the scheme has an id header, the id is
    /// derived from the body, so a redelivered body keeps its id.
    fn sign_at(&self, body: &[u8], now: OffsetDateTime) -> Result<HeaderMap, Error> {
        self.sign_with_id_at(&body_uuid(body), body, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_seconds_or_rfc3339() {
        assert_eq!(time_of(&Value::from(0)), Some(OffsetDateTime::UNIX_EPOCH));
        assert_eq!(
            time_of(&Value::from("1970-01-01T00:00:00Z")),
            Some(OffsetDateTime::UNIX_EPOCH)
        );
        assert_eq!(time_of(&Value::from("yesterday")), None);
        assert_eq!(time_of(&Value::Null), None);
    }
}
