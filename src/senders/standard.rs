//! [Standard Webhooks](https://www.standardwebhooks.com/), the open scheme
//! Svix and others send.
//!
//! | | |
//! |---|---|
//! | headers | `webhook-id`, `webhook-timestamp`, `webhook-signature`, or the same as `svix-*` |
//! | signed | `"<id>.<timestamp>.<raw body>"`, HMAC-SHA256 keyed with the base64-decoded `whsec_` secret |
//! | signature | space-separated `v1,<base64>` entries (and `v1a,<base64>` Ed25519 entries with the `ed25519` feature); any may match |
//! | tolerance | 5 minutes both ways |
//! | reply | any `2xx`; `3xx` is a failure; `410` disables; `429`, `502`, `504` throttle |
//! | retries | immediately, then 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h |
//!
//! Headers are read as the reference libraries read them: the signature is
//! taken from `svix-*` when present, else from `webhook-*`; the id and the
//! timestamp from the signature's family, else from the other; an entry that
//! is malformed or of another version is skipped as long as another entry
//! matches; the timestamp may carry a `+` or leading zeros, and the MAC
//! covers its plain decimal. Secrets of any non-empty length are accepted,
//! as the references accept them. The asymmetric `v1a` (Ed25519) entries
//! are skipped by a receiver that holds only `whsec_` secrets.
//!
//! To receive into your own type (an enum of a sender's events, say), use
//! [`StandardWebhooks::receive_as`].
//!
//! # `v1a`: Ed25519 signatures (feature `ed25519`)
//!
//! The specification prefers asymmetric signatures: the sender keeps a
//! `whsk_` secret key and publishes its `whpk_` public key, and signs
//! `v1a,<base64>` entries over the same `"<id>.<timestamp>.<raw body>"`.
//! Trust the public key (several, while a key rotates), alone or beside
//! `whsec_` secrets:
//!
//! ```
//! # #[cfg(feature = "ed25519")] {
//! use webhook_kit::Provider;
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::from_public_key("whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=")?;
//! # let sender = StandardWebhooks::from_signing_key("whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==")?;
//! # let now = time::OffsetDateTime::now_utc();
//! # let headers = sender.sign_with_id_at("msg_1", b"{}", now)?;
//! let delivery = receiver.verify_at(&headers, b"{}", now)?;
//! # }
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//! let body = br#"{"type": "user.created", "timestamp": "2024-05-01T12:00:00Z", "data": {"id": 7}}"#;
//! let now = time::OffsetDateTime::now_utc();
//! let headers = receiver.sign_with_id_at("msg_1", body, now)?;
//!
//! let event = receiver.verify_and_parse_at(&headers, body, now)?;
//! assert_eq!(event.id(), "msg_1");
//! assert_eq!(event.event_type(), "user.created");
//! # Ok::<(), webhook_kit::Error>(())
//! ```

// The `whpk_` / `whsk_` keys of the `v1a` (Ed25519) signatures, with the
// `ed25519` feature; the receiver core checks and makes the signatures.
#[cfg(feature = "ed25519")]
pub(crate) mod v1a;

use std::time::Duration;

use base64::Engine as _;
use http::{HeaderMap, HeaderName};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use sha2::Digest;
use time::OffsetDateTime;

use crate::engine::envelope::{ByType, read_one_pass};
use crate::engine::json::parse_body;
use crate::engine::signature::encode_hex;
use crate::engine::{
    Algorithm, Description, Encoding, HeaderFamily, IdRule, KeySet, Part, ReceiverCore,
    SignatureRule, TimeFormat, TimestampRule, described_receiver,
};
use crate::event::{data_event, event_data};
use crate::{Delivery, Error, Provider, Received, ReplyRule, RetrySchedule, Secret, Tolerance};

/// The specification's own names: read when no `svix-*` header is, named
/// in errors, and written by signing.
static STANDARD: Description = Description {
    name: "StandardWebhooks",
    algorithm: Algorithm::HmacSha256,
    signature: SignatureRule::versioned(
        HeaderName::from_static("webhook-signature"),
        b"v1",
        Encoding::Base64,
    ),
    timestamp: Some(TimestampRule::header(
        HeaderName::from_static("webhook-timestamp"),
        TimeFormat::UnixSeconds,
    )),
    id: Some(IdRule {
        header: HeaderName::from_static("webhook-id"),
        signed: true,
    }),
    signed: &[
        Part::Id,
        Part::Text(b"."),
        Part::CanonicalTimestamp,
        Part::Text(b"."),
        Part::Body,
    ],
    tolerance: Tolerance::standard_webhooks(),
    reply: ReplyRule::standard_webhooks(),
    retries: RetrySchedule::standard_webhooks,
    sent_with: &[],
};

/// Svix's names, read first: the svix libraries take each header from
/// `svix-*` when present, else from `webhook-*`. The id and timestamp are
/// looked up in the signature's family first (one lookup each for a
/// `webhook-*` request, not two); they differ from svix's reading only for
/// a request that mixes a complete `webhook-*` set with a stray `svix-*`
/// id or timestamp.
static SVIX: [HeaderFamily; 1] = [HeaderFamily {
    signature: HeaderName::from_static("svix-signature"),
    timestamp: Some(HeaderName::from_static("svix-timestamp")),
    id: Some(HeaderName::from_static("svix-id")),
}];

impl ReplyRule {
    /// How Standard Webhooks senders read replies: any `2xx` is delivered,
    /// `410 Gone` disables the endpoint, and `429`, `502` and `504` slow the
    /// sender down (honouring `Retry-After`); anything else is retried.
    /// [`StandardWebhooks`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::standard_webhooks();
    /// let reply = |status: u16| http::Response::builder().status(status).header("retry-after", "60").body("").unwrap();
    /// assert_eq!(rule.classify(&reply(204)), Outcome::Delivered);
    /// assert_eq!(rule.classify(&reply(410)), Outcome::Disable);
    /// assert_eq!(
    ///     rule.classify(&reply(429)),
    ///     Outcome::Throttle { retry_after: Some(Duration::from_secs(60)) },
    /// );
    /// assert_eq!(rule.classify(&reply(500)), Outcome::Retry);
    /// ```
    pub const fn standard_webhooks() -> Self {
        ReplyRule::any_2xx()
            .disable_on(&[410])
            .throttle_on(&[429, 502, 504])
    }
}

impl Tolerance {
    /// The Standard Webhooks window: 5 minutes either way around the signed
    /// `webhook-timestamp`, as the specification's reference libraries
    /// check. [`StandardWebhooks`] starts with it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Provider, Tolerance};
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let window = Tolerance::standard_webhooks();
    /// assert_eq!(window.past, Duration::from_secs(300));
    /// assert_eq!(window.future, Duration::from_secs(300));
    /// assert_eq!(StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?.tolerance(), window);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub const fn standard_webhooks() -> Self {
        Tolerance::symmetric(Duration::from_secs(5 * 60))
    }
}

/// How Standard Webhooks senders read replies: [`ReplyRule::standard_webhooks`].
///
/// ```
/// # #![allow(deprecated)]
/// assert_eq!(webhook_kit::standard::REPLY_RULE, webhook_kit::ReplyRule::standard_webhooks());
/// ```
#[deprecated(since = "0.2.0", note = "use `ReplyRule::standard_webhooks()`")]
pub const REPLY_RULE: ReplyRule = ReplyRule::standard_webhooks();

/// The longest secret accepted, in bytes once decoded. The specification
/// asks senders for 24 to 64 bytes; the reference libraries verify with any
/// non-empty key, and so does this receiver up to this bound, which only
/// keeps out values that cannot be a secret (a pasted file, say).
///
/// ```
/// use webhook_kit::standard::{MAX_SECRET_LEN, StandardWebhooks};
///
/// // Base64 of `len` zero bytes (a multiple of 3 needs no padding).
/// let secret = |len: usize| format!("whsec_{}", "A".repeat(len / 3 * 4));
/// assert!(StandardWebhooks::new(secret(MAX_SECRET_LEN - 1)).is_ok());
/// assert!(StandardWebhooks::new(secret(MAX_SECRET_LEN + 2)).is_err());
/// ```
pub const MAX_SECRET_LEN: usize = 1024;

described_receiver! {
    /// A receiver for Standard Webhooks (and Svix) deliveries.
    ///
    /// `Debug` shows the configuration but never a secret.
    ///
    /// ```
    /// let receiver = webhook_kit::standard::StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// assert!(!format!("{receiver:?}").contains("MfKQ"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub struct StandardWebhooks;
    description: STANDARD,
    name: "standard_webhooks",
    event: Event,
    parse: parse,
    example: "webhook_kit::standard::StandardWebhooks::new(\"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\")?",
    builders: [with_tolerance, max_body_size, with_reply_rule, with_retry_schedule],
    headers_into_event: signed_id_into_event,
    sign_id: message_id,
}

impl StandardWebhooks {
    /// A receiver that accepts deliveries signed with `secret`: the key in
    /// standard base64 (`A`–`Z`, `a`–`z`, `0`–`9`, `+`, `/`), with or without
    /// the `whsec_` prefix, with its `=` padding or none, of any non-empty
    /// length up to [`MAX_SECRET_LEN`] bytes once decoded. As in the
    /// reference libraries, the leftover bits of the last digit (the bits
    /// beyond the key's last byte) are ignored, so `…LaS` below is the key
    /// that a strict decoder would only read when written `…LaQ`:
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS")?; // 23 bytes
    /// let same_key = StandardWebhooks::new("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaQ=")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = same_key.sign_with_id_at("msg_1", b"{}", now)?;
    /// assert!(receiver.verify_at(&headers, b"{}", now).is_ok());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] if the secret is empty or only whitespace,
    /// is anything else than the above (other characters, URL-safe base64,
    /// spaces, more `=` than the padding, a lone last digit), or decodes to
    /// more than [`MAX_SECRET_LEN`] bytes. Checked here, once, instead of on
    /// every request:
    ///
    /// ```
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// assert!(StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").is_ok());
    /// assert!(StandardWebhooks::new("whsec_c2hvcnQ=").is_ok()); // 5 bytes, as the references allow
    /// assert!(StandardWebhooks::new("whsec_not base64!").is_err());
    /// assert!(StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS==").is_err());
    /// assert!(StandardWebhooks::new("whsec_").is_err());
    /// ```
    pub fn new(secret: impl Into<Secret>) -> Result<Self, Error> {
        let mut keys = KeySet::no_secret(STANDARD.algorithm);
        keys.add_key(decode_secret(&secret.into())?)?;
        Ok(StandardWebhooks::with_keys(
            keys,
            #[cfg(feature = "ed25519")]
            None,
        ))
    }

    /// The receiver over `secrets` and, with the `ed25519` feature, the
    /// `v1a` keys of `signer` (none trusted without one).
    fn with_keys(
        secrets: KeySet,
        #[cfg(feature = "ed25519")] signer: Option<ed25519_dalek::SigningKey>,
    ) -> Self {
        let core = ReceiverCore::new(&STANDARD, secrets)
            .with_exact_tags()
            .with_header_families(&SVIX);
        #[cfg(feature = "ed25519")]
        let core = core.with_versioned_keys(b"v1a", KeySet::ed25519(signer));
        StandardWebhooks::from_core(core)
    }

    /// Accepts another `whsec_` secret as well (rotation: a request signed
    /// with any accepted secret verifies, and
    /// [`Delivery::secret_index`] says which).
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::new`].
    ///
    /// ```
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?
    ///     .with_secret("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn with_secret(mut self, secret: impl Into<Secret>) -> Result<Self, Error> {
        self.verifier
            .keys_mut()
            .add_key(decode_secret(&secret.into())?)?;
        Ok(self)
    }

    /// [`StandardWebhooks::with_secret`] under `name`, which
    /// [`Delivery::secret_name`] gives when this secret matched (the
    /// constructor's secret is `"primary"`, **our default**).
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::new`]; [`Error::InvalidSecret`] too for a
    /// name that is blank, holds control characters, or is another
    /// secret's.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let old = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?
    ///     .with_secret_named("previous", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = old.sign_with_id_at("msg_1", b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.secret_name(), Some("previous"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn with_secret_named(
        mut self,
        name: &str,
        secret: impl Into<Secret>,
    ) -> Result<Self, Error> {
        self.verifier
            .keys_mut()
            .add_named_key(name, decode_secret(&secret.into())?)?;
        Ok(self)
    }

    /// The headers of a genuine delivery with the message id `id`.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] if `id` is empty, starts or ends with whitespace
    /// (which HTTP would strip in transit), or cannot be carried in a header.
    ///
    /// ```
    /// # use webhook_kit::standard::StandardWebhooks;
    /// # let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = receiver.sign_with_id_at("msg_1", b"{}", time::OffsetDateTime::now_utc())?;
    /// assert_eq!(headers["webhook-id"], "msg_1");
    /// assert!(receiver.sign_with_id_at(" msg_1", b"{}", time::OffsetDateTime::now_utc()).is_err());
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

    /// [`StandardWebhooks::sign_with_id_at`] with Svix's header names:
    /// `svix-id`, `svix-timestamp` and `svix-signature`, as a Svix-hosted
    /// sender sends them, and no `webhook-*` header. The signed content is
    /// the same (`id.timestamp.body`); only the names differ. For testing a
    /// handler the way a Svix sender really calls it.
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::sign_with_id_at`].
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_svix_at("msg_1", b"{}", now)?;
    /// assert_eq!(headers["svix-id"], "msg_1");
    /// assert!(headers.contains_key("svix-signature") && !headers.contains_key("webhook-signature"));
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.id(), Some("msg_1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_svix_at(
        &self,
        id: &str,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        self.verifier.sign_in_family(0, body, now, Some(id))
    }

    /// Authenticates a request as of `now`, then reads its body into your own
    /// type `T`: an enum of a sender's events (Clerk's, Resend's), say. The
    /// body is parsed once; an unauthenticated body is never parsed.
    ///
    /// # Errors
    ///
    /// As [`Provider::verify_at`]; then [`Error::InvalidPayload`], with the
    /// position in the body, when the body is not a `T`.
    ///
    /// ```
    /// use serde::Deserialize;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// #[derive(Debug, Deserialize)]
    /// #[serde(tag = "type", content = "data")]
    /// enum ClerkEvent {
    ///     #[serde(rename = "user.created")]
    ///     UserCreated { id: String },
    ///     #[serde(other)]
    ///     Other,
    /// }
    ///
    /// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let body = br#"{"type": "user.created", "data": {"id": "user_1"}}"#;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_with_id_at("msg_1", body, now)?;
    ///
    /// let received = receiver.receive_as_at::<ClerkEvent>(&headers, body, now)?;
    /// assert!(matches!(received.event, ClerkEvent::UserCreated { ref id } if id == "user_1"));
    /// assert_eq!(received.delivery.id(), Some("msg_1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn receive_as_at<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<Received<T>, Error> {
        let delivery = self.verify_at(headers, body, now)?;
        Ok(Received::new(parse_body(body)?, delivery))
    }

    /// [`StandardWebhooks::receive_as_at`] against the system clock.
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::receive_as_at`].
    ///
    /// ```
    /// # use webhook_kit::standard::StandardWebhooks;
    /// # let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let body = br#"{"type": "email.sent", "data": {}}"#;
    /// let headers = receiver.sign_with_id_at("msg_1", body, time::OffsetDateTime::now_utc())?;
    /// let received = receiver.receive_as::<serde_json::Value>(&headers, body)?;
    /// assert_eq!(received.event["type"], "email.sent");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn receive_as<T: DeserializeOwned>(
        &self,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Received<T>, Error> {
        self.receive_as_at(headers, body, OffsetDateTime::now_utc())
    }
}

/// Standard Webhooks `v1a`: Ed25519 signatures (feature `ed25519`).
///
/// A request verifies when any `v1` entry matches a `whsec_` secret or any
/// `v1a` entry matches a trusted `whpk_` public key. Keys come only from
/// configuration: a key sent in a request is never trusted. Verification is
/// strict (non-canonical and small-order encodings fail) and bounded: at
/// most [`MAX_V1A_CHECKS`] signature checks per request, whatever the
/// header holds. [`Delivery::secret_index`] counts the `whsec_` secrets
/// first, then the public keys in the order added.
#[cfg(feature = "ed25519")]
impl StandardWebhooks {
    /// A verify-only receiver that trusts one Ed25519 public key
    /// (`whpk_<base64 of 32 bytes>`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] saying which part of the key is wrong: the
    /// prefix, the base64, the length, or a point that is not a valid,
    /// large-order Ed25519 key.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let sender = StandardWebhooks::from_signing_key(
    ///     "whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==",
    /// )?;
    /// let receiver = StandardWebhooks::from_public_key("whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = sender.sign_with_id_at("msg_1", b"{}", now)?;
    /// assert!(headers["webhook-signature"].to_str().is_ok_and(|v| v.starts_with("v1a,")));
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.secret_index(), Some(0));
    /// assert!(StandardWebhooks::from_public_key("whpk_AAAA").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn from_public_key(public_key: impl AsRef<[u8]>) -> Result<Self, Error> {
        StandardWebhooks::with_keys(KeySet::no_secret(STANDARD.algorithm), None)
            .with_public_key(public_key)
    }

    /// Trusts another Ed25519 public key as well (rotation), beside any
    /// `whsec_` secrets. At most [`MAX_V1A_CHECKS`] keys are trusted: a
    /// request's first entry is checked against each key in turn within that
    /// budget, so a key beyond it could never verify anything.
    ///
    /// # Errors
    ///
    /// As [`StandardWebhooks::from_public_key`], and
    /// [`Error::InvalidSecret`] for a key beyond [`MAX_V1A_CHECKS`].
    ///
    /// ```
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?
    ///     .with_public_key("whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=")?;
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn with_public_key(mut self, public_key: impl AsRef<[u8]>) -> Result<Self, Error> {
        let key = self::v1a::PublicKey::parse(public_key.as_ref())?;
        let Some(trusted) = self.verifier.versioned_keys_mut() else {
            unreachable!(
                "a Standard Webhooks receiver holds `v1a` keys with the `ed25519` feature"
            );
        };
        if trusted.len() >= MAX_V1A_CHECKS {
            return Err(Error::InvalidSecret(
                "at most MAX_V1A_CHECKS (8) `whpk_` public keys are trusted: one more could never be checked",
            ));
        }
        trusted.trust_ed25519(key.into_inner())?;
        Ok(self)
    }

    /// A receiver that signs `v1a` entries with an Ed25519 secret key
    /// (`whsk_<base64 of the 32-byte seed and the 32-byte public key>`), for
    /// tests and for senders, and verifies with its own public half. Add
    /// `with_secret` to sign `v1` entries too.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for a malformed key, or one whose public
    /// half does not belong to its seed.
    ///
    /// ```
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let both = StandardWebhooks::from_signing_key(
    ///     "whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==",
    /// )?
    /// .with_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = both.sign_with_id_at("msg_1", b"{}", time::OffsetDateTime::now_utc())?;
    /// let value = headers["webhook-signature"].to_str().expect("ascii");
    /// assert!(value.starts_with("v1,") && value.contains(" v1a,"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn from_signing_key(signing_key: impl Into<Secret>) -> Result<Self, Error> {
        let key = self::v1a::SigningKey::parse(signing_key.into().expose())?;
        Ok(StandardWebhooks::with_keys(
            KeySet::no_secret(STANDARD.algorithm),
            Some(key.into_inner()),
        ))
    }
}

#[cfg(feature = "ed25519")]
pub use self::v1a::MAX_V1A_CHECKS;

/// Standard base64 with padding optional, ignoring the leftover bits of the
/// last digit as the reference libraries do when they decode a `whsec_`
/// secret, so a secret they accept is accepted here. Only the configured
/// secret is read this leniently; signatures in requests are not.
const SECRET_BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

fn decode_secret(secret: &Secret) -> Result<Secret, Error> {
    let text = secret.expose();
    let encoded = text.strip_prefix(b"whsec_").unwrap_or(text);
    if encoded.len() > MAX_SECRET_LEN * 2 {
        return Err(Error::InvalidSecret(
            "a Standard Webhooks secret this long is not a secret",
        ));
    }
    let key = zeroize::Zeroizing::new(SECRET_BASE64.decode(encoded).map_err(|_| {
        Error::InvalidSecret("a Standard Webhooks secret is base64 after `whsec_`")
    })?);
    if key.is_empty() {
        return Err(Error::InvalidSecret(
            "the Standard Webhooks secret is empty, so anyone could sign with it",
        ));
    }
    if key.len() > MAX_SECRET_LEN {
        return Err(Error::InvalidSecret(
            "a Standard Webhooks secret this long is not a secret",
        ));
    }
    Ok(Secret::from(key.as_slice()))
}

event_data! {
    module: "standard",
    /// The data of a Standard Webhooks event.
    ///
    /// The specification defines no event types of its own, so every event
    /// arrives as `Unknown`, with the sender's type name and raw data.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::standard::{EventData, StandardWebhooks};
    ///
    /// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
    /// let event = receiver.parse(br#"{"type": "invoice.paid", "data": {"amount": 1200}}"#)?;
    /// let EventData::Unknown(unknown) = &event.data else { unreachable!() };
    /// assert_eq!(unknown.event_type, "invoice.paid");
    /// assert_eq!(unknown.data["amount"], 1200);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub enum EventData {}
}

/// A Standard Webhooks event, in the payload shape the specification
/// recommends: `{"type": …, "timestamp": …, "data": …}`.
///
/// All three fields are optional in the body; a missing `data` reads as
/// `null`. Serialized (to queue it), the event keeps the message id.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::standard::StandardWebhooks;
///
/// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// let body = br#"{"type": "user.created", "timestamp": "2024-05-01T12:00:00Z", "data": {"id": "u_1"}}"#;
/// let now = time::OffsetDateTime::now_utc();
/// let headers = receiver.sign_with_id_at("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W", body, now)?;
/// let event = receiver.receive_at(&headers, body, now)?.event;
/// assert_eq!(event.id, "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"); // from the `webhook-id` header
/// assert_eq!(event.event_type(), "user.created");
/// assert_eq!(event.timestamp.map(|t| t.unix_timestamp()), Some(1_714_564_800));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Event {
    /// The message id: the `webhook-id` header when the event came through
    /// [`Provider::receive_at`] or [`Provider::verify_and_parse_at`], else
    /// the body's `id` field, else empty.
    pub id: String,
    /// The body's `timestamp`.
    #[serde(with = "time::serde::rfc3339::option")]
    pub timestamp: Option<OffsetDateTime>,
    /// The type and data.
    pub data: EventData,
}

data_event!(Event, time: timestamp);

/// The envelope's type and data fields, for [`read_one_pass`].
const PAIRS: crate::engine::envelope::Pairs = &[("type", "data")];

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type", default)]
    event_type: String,
    #[serde(default, with = "time::serde::rfc3339::option")]
    timestamp: Option<OffsetDateTime>,
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
}

fn parse(body: &[u8]) -> Result<Event, Error> {
    let (envelope, data) = match read_one_pass(body, PAIRS, &ByType::new()) {
        Some(read) => read,
        None => (parse_body::<Envelope<'_>>(body)?, None),
    };
    let data = match data {
        Some(data) => data,
        None => EventData::from_fragment(&envelope.event_type, body, envelope.data, "data")?,
    };
    Ok(Event {
        id: envelope.id.unwrap_or_default(),
        timestamp: envelope.timestamp,
        data,
    })
}

/// The event's id is the signed message id.
fn signed_id_into_event(event: &mut Event, _: &HeaderMap, delivery: &Delivery) {
    if let Some(id) = delivery.id() {
        id.clone_into(&mut event.id);
    }
}

/// The message id [`Provider::sign_at`](crate::Provider::sign_at) signs
/// with, derived from the body (`msg_` and 24 hex digits): like a real
/// sender's retries, redeliveries of one body keep their id. Use
/// [`StandardWebhooks::sign_with_id_at`] to choose the id.
fn message_id(body: &[u8]) -> String {
    let digest = sha2::Sha256::digest(body);
    format!("msg_{}", encode_hex(&digest[..12]))
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

/// The specification's schedule: immediately, then 5 s, 5 min, 30 min, 2 h,
/// 5 h, 10 h, 14 h, 20 h and 24 h after each failure (10 attempts).
static STANDARD_DELAYS: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(14 * HOUR),
    Duration::from_secs(20 * HOUR),
    Duration::from_secs(24 * HOUR),
];

/// Svix's server default: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
static SVIX_DELAYS: [Duration; 7] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * MINUTE),
    Duration::from_secs(30 * MINUTE),
    Duration::from_secs(2 * HOUR),
    Duration::from_secs(5 * HOUR),
    Duration::from_secs(10 * HOUR),
    Duration::from_secs(10 * HOUR),
];

/// The per-attempt timeout: the specification asks receivers to answer
/// within 15 to 30 seconds; we take the stricter end.
const STANDARD_TIMEOUT: Duration = Duration::from_secs(15);

impl RetrySchedule {
    /// The Standard Webhooks specification's schedule: 10 attempts, the
    /// first immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h,
    /// 20 h and 24 h; 15 s per attempt.
    ///
    /// ```
    /// # use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::standard_webhooks();
    /// assert_eq!(s.max_attempts(), 10);
    /// assert_eq!(s.delay_after(1), Some(Duration::from_secs(5)));
    /// ```
    pub fn standard_webhooks() -> Self {
        RetrySchedule::from_static(&STANDARD_DELAYS).with_timeout(STANDARD_TIMEOUT)
    }

    /// Svix's server default: 8 attempts, after 5 s, 5 min, 30 min, 2 h,
    /// 5 h, 10 h and 10 h, each spread by ±20 %; 15 s per attempt (the
    /// Standard Webhooks guidance; Svix's own figure is configurable).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::svix_server();
    /// assert_eq!(s.max_attempts(), 8);
    /// assert_eq!(s.delay_after(2), Some(Duration::from_secs(5 * 60)));
    /// assert_eq!(s.jitter(), 0.2);
    /// assert_eq!(s.timeout(), Some(Duration::from_secs(15)));
    /// ```
    pub fn svix_server() -> Self {
        RetrySchedule::from_static(&SVIX_DELAYS)
            .with_timeout(STANDARD_TIMEOUT)
            .with_jitter(0.2)
    }
}
