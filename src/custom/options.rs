//! The small vocabulary a description is written in: the algorithm, how the
//! signature and the timestamp are written, and the pieces a signature
//! covers.

use crate::engine;

/// The signature algorithm a sender uses.
///
/// ```
/// use webhook_kit::custom::{Algorithm, SchemeBuilder};
///
/// // Paystack: hex HMAC-SHA512 of the body.
/// let paystack_like = SchemeBuilder::new("x-paystack-signature")
///     .algorithm(Algorithm::HmacSha512)
///     .build()?;
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC-SHA1 (Twilio, Intercom): a 20-byte MAC.
    HmacSha1,
    /// HMAC-SHA256, the default: a 32-byte MAC.
    #[default]
    HmacSha256,
    /// HMAC-SHA512 (Paystack): a 64-byte MAC.
    HmacSha512,
    /// Ed25519 (Discord, Telnyx), verified strictly: receivers are made with
    /// [`CustomScheme::public_key_receiver`](super::CustomScheme::public_key_receiver).
    #[cfg(feature = "ed25519")]
    Ed25519,
    /// ECDSA over P-256 with SHA-256, signatures in ASN.1 DER (SendGrid):
    /// receivers are made with
    /// [`CustomScheme::public_key_receiver`](super::CustomScheme::public_key_receiver).
    #[cfg(feature = "ecdsa")]
    EcdsaP256,
}

impl Algorithm {
    /// Whether deliveries are signed with a private key and verified with
    /// its public key, rather than with a shared secret.
    ///
    /// ```
    /// use webhook_kit::custom::Algorithm;
    ///
    /// assert!(!Algorithm::HmacSha1.uses_key_pair());
    /// ```
    pub const fn uses_key_pair(self) -> bool {
        !matches!(
            self,
            Algorithm::HmacSha1 | Algorithm::HmacSha256 | Algorithm::HmacSha512
        )
    }

    pub(super) const fn core(self) -> engine::Algorithm {
        match self {
            Algorithm::HmacSha1 => engine::Algorithm::HmacSha1,
            Algorithm::HmacSha256 => engine::Algorithm::HmacSha256,
            Algorithm::HmacSha512 => engine::Algorithm::HmacSha512,
            #[cfg(feature = "ed25519")]
            Algorithm::Ed25519 => engine::Algorithm::Ed25519,
            #[cfg(feature = "ecdsa")]
            Algorithm::EcdsaP256 => engine::Algorithm::EcdsaP256,
        }
    }
}

/// How the signature is written in its header.
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
    /// Either: hex where the text is all hex digits, base64 otherwise. Hex
    /// is sent.
    HexOrBase64,
}

impl MacEncoding {
    pub(super) const fn core(self) -> engine::Encoding {
        match self {
            MacEncoding::Hex => engine::Encoding::Hex,
            MacEncoding::Base64 => engine::Encoding::Base64,
            MacEncoding::HexOrBase64 => engine::Encoding::HexOrBase64,
        }
    }
}

/// How a signed timestamp is written.
///
/// ```
/// use webhook_kit::custom::{SchemeBuilder, TimestampFormat};
///
/// // Twitch EventSub: an RFC 3339 timestamp header.
/// let twitch_like = SchemeBuilder::new("Twitch-Eventsub-Message-Signature")
///     .signature_prefix("sha256=")
///     .timestamp_header("Twitch-Eventsub-Message-Timestamp")
///     .timestamp_format(TimestampFormat::Rfc3339)
///     .sign_timestamp('.')
///     .build()?;
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TimestampFormat {
    /// Unix seconds in decimal, the default (`1700000000`).
    #[default]
    UnixSeconds,
    /// Unix milliseconds in decimal (HubSpot, Linear: `1700000000000`).
    UnixMillis,
    /// RFC 3339 (`2023-11-14T22:13:20.123456789Z`; Twitch).
    Rfc3339,
}

impl TimestampFormat {
    pub(super) const fn core(self) -> engine::TimeFormat {
        match self {
            TimestampFormat::UnixSeconds => engine::TimeFormat::UnixSeconds,
            TimestampFormat::UnixMillis => engine::TimeFormat::UnixMillis,
            TimestampFormat::Rfc3339 => engine::TimeFormat::Rfc3339,
        }
    }
}

/// One piece of what a signature covers, in the order the sender joins
/// them: see [`SchemeBuilder::signed_parts`](super::SchemeBuilder::signed_parts).
///
/// ```
/// use webhook_kit::custom::{SchemeBuilder, SignedPart, TimestampFormat};
///
/// // HubSpot v3: method, URL, body and timestamp (ms), joined as they are;
/// // the timestamp right after the body is signed as its plain decimal.
/// let hubspot_like = SchemeBuilder::new("X-HubSpot-Signature-v3")
///     .timestamp_header("X-HubSpot-Request-Timestamp")
///     .timestamp_format(TimestampFormat::UnixMillis)
///     .canonical_timestamp()
///     .signed_parts([
///         SignedPart::Text("POST".into()),
///         SignedPart::Url,
///         SignedPart::Body,
///         SignedPart::Timestamp,
///     ])
///     .build()?;
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SignedPart {
    /// Literal text: a version (`v0:`), a separator (`.`), an HTTP method
    /// the sender signs (`POST`).
    Text(String),
    /// The timestamp, as sent (or as its plain decimal, with
    /// [`canonical_timestamp`](super::SchemeBuilder::canonical_timestamp)).
    Timestamp,
    /// The delivery id header's value.
    Id,
    /// The raw body.
    Body,
    /// The public URL the receiver is bound to
    /// ([`CustomScheme::at_url`](super::CustomScheme::at_url)).
    Url,
    /// A form body's parameters sorted by name, each name followed by its
    /// value with nothing between; a name sent with several values gives
    /// each distinct value, sorted (Twilio's rule). The parameters are
    /// decoded, so the raw body is not what is signed, and the joined text
    /// does not fix where one parameter ends: check the form of the
    /// parameters you read.
    SortedFormParams,
}

impl SignedPart {
    pub(super) fn core(&self, canonical_timestamp: bool) -> engine::Part {
        match self {
            SignedPart::Text(text) => engine::Part::Literal(text.as_bytes().into()),
            SignedPart::Timestamp if canonical_timestamp => engine::Part::CanonicalTimestamp,
            SignedPart::Timestamp => engine::Part::Timestamp,
            SignedPart::Id => engine::Part::Id,
            SignedPart::Body => engine::Part::Body,
            SignedPart::Url => engine::Part::Url,
            SignedPart::SortedFormParams => {
                engine::Part::Computed(crate::engine::form::feed_sorted_params)
            }
        }
    }

    /// Whether the part's length varies from request to request.
    pub(super) fn is_variable(&self) -> bool {
        matches!(
            self,
            SignedPart::Timestamp
                | SignedPart::Id
                | SignedPart::Body
                | SignedPart::SortedFormParams
        )
    }
}
