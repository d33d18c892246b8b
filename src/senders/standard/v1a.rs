//! Standard Webhooks `v1a`: Ed25519 signatures over `"<id>.<timestamp>.<body>"`,
//! checked against `whpk_` public keys and made with `whsk_` secret keys.
//!
//! The building blocks only; `standard::StandardWebhooks` finds the entries
//! in the header and applies the tolerance.
//!
//! Verification streams `id`, `.`, `timestamp`, `.` and the body into the
//! hash (ed25519-dalek's `verify_stream`, behind its `hazmat` feature) instead
//! of copying them into one buffer: at 1 MiB the copy and its allocation
//! cost a measurable share of the check. `verify_stream` leaves out two of
//! `verify_strict`'s checks, which are made here instead: `R` must decode to
//! a point of large order ([`strict_r`]), and the public key was refused at
//! parse time if weak. Signing (for tests and senders) copies the message
//! once: RFC 8032 signing hashes it twice, and the safe API wants one slice.

use std::fmt;

use base64::Engine as _;
use ed25519_dalek::{Signature, Signer as _, VerifyingKey};

use crate::Error;
use crate::engine::scheme::{ExtraCheck, SignedParts};
use crate::engine::signature::{BASE64, MAX_SIGNATURES, versioned_entries};

#[cfg(test)]
mod tests;

/// At most this many Ed25519 signature checks are made for one request,
/// counting every (entry, trusted key) pair tried, whatever the header holds.
///
/// Each check hashes the whole body once (the hash covers the signature's `R`,
/// so it cannot be shared between checks), so the worst case per request is
/// this many SHA-512 passes over the body plus this many double scalar
/// multiplications. Eight covers a sender signing with two keys during a
/// rotation while the receiver trusts up to four.
///
/// It is also the most public keys a receiver trusts:
/// `StandardWebhooks::with_public_key` refuses one more, which a first entry
/// could never reach.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::standard::{MAX_V1A_CHECKS, StandardWebhooks};
///
/// let sender = StandardWebhooks::from_signing_key(
///     "whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==",
/// )?;
/// let receiver = StandardWebhooks::from_public_key("whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=")?;
/// let now = time::OffsetDateTime::now_utc();
/// let mut headers = sender.sign_with_id_at("msg_1", b"{}", now)?;
/// let good = headers["webhook-signature"].to_str()?.to_owned();
/// // Well-formed signatures of another body: each costs a check.
/// let other = sender.sign_with_id_at("msg_1", b"[]", now)?;
/// let wrong = format!(" {}", other["webhook-signature"].to_str()?).repeat(MAX_V1A_CHECKS);
///
/// headers.insert("webhook-signature", format!("{}{wrong}", good).parse()?);
/// assert!(receiver.verify_at(&headers, b"{}", now).is_ok());
/// // After `MAX_V1A_CHECKS` failed checks, the good signature is not tried.
/// headers.insert("webhook-signature", format!("{} {good}", wrong.trim_start()).parse()?);
/// assert!(receiver.verify_at(&headers, b"{}", now).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub const MAX_V1A_CHECKS: usize = 8;

/// Length of an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;

const PUBLIC_PREFIX: &[u8] = b"whpk_";
const SECRET_PREFIX: &[u8] = b"whsk_";

/// The DER header of an Ed25519 `SubjectPublicKeyInfo` (RFC 8410), which
/// some senders put after `whpk_` instead of the bare 32 bytes (Starbridge
/// publishes its key that way:
/// <https://hc.starbridge.ai/api-reference/webhooks/verification>).
const SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// A trusted `v1a` verification key, from a `whpk_` string.
///
/// Only canonical encodings of points of large order are accepted, so
/// `verify_strict` never meets a weak key.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct PublicKey(VerifyingKey);

impl PublicKey {
    /// Reads `whpk_` followed by the standard base64 (padding optional) of
    /// the 32-byte key, or of its 44-byte DER `SubjectPublicKeyInfo`.
    ///
    /// The prefix is required: it is how a configured key says which scheme
    /// it belongs to, and every key the specification shows carries it.
    pub(crate) fn parse(text: &[u8]) -> Result<Self, Error> {
        let encoded = text
            .strip_prefix(PUBLIC_PREFIX)
            .ok_or(Error::InvalidSecret(
                "a Standard Webhooks public key starts with `whpk_`",
            ))?;
        let mut buf = [0u8; SPKI_PREFIX.len() + 32 + 3];
        let decoded = decode_into(encoded, &mut buf)?;
        let raw = match decoded.len() {
            32 => decoded,
            44 if decoded.starts_with(&SPKI_PREFIX) => &decoded[SPKI_PREFIX.len()..],
            _ => {
                return Err(Error::InvalidSecret(
                    "a `whpk_` public key decodes to 32 bytes",
                ));
            }
        };
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(raw);
        Self::from_bytes(&bytes)
    }

    fn from_bytes(bytes: &[u8; 32]) -> Result<Self, Error> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| Error::InvalidSecret("a `whpk_` public key is not a point on Ed25519"))?;
        if key.is_weak() {
            return Err(Error::InvalidSecret(
                "a `whpk_` public key is a weak (small-order) Ed25519 point",
            ));
        }
        // `from_bytes` also takes y coordinates at or above the field prime;
        // one key, one encoding.
        if key.to_edwards().compress().as_bytes() != bytes {
            return Err(Error::InvalidSecret(
                "a `whpk_` public key is not canonically encoded",
            ));
        }
        Ok(PublicKey(key))
    }

    /// The key as `whpk_<base64>`, padded.
    pub(crate) fn to_whpk(&self) -> String {
        let mut text = String::from("whpk_");
        BASE64_PADDED.encode_string(self.0.as_bytes(), &mut text);
        text
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // A public key is not a secret; showing it helps find a wrong one.
        f.debug_tuple("PublicKey").field(&self.to_whpk()).finish()
    }
}

/// A `v1a` signing key, from a `whsk_` string. Wiped on drop (ed25519-dalek's
/// `zeroize` feature); `Debug` shows nothing of it.
#[derive(Clone)]
pub(crate) struct SigningKey(ed25519_dalek::SigningKey);

impl SigningKey {
    /// Reads `whsk_` followed by the standard base64 (padding optional) of
    /// the 32-byte seed and then the 32-byte public key.
    ///
    /// The public half must be the seed's own public key: a mismatched pair
    /// would sign with one key and announce another.
    pub(crate) fn parse(text: &[u8]) -> Result<Self, Error> {
        let encoded = text
            .strip_prefix(SECRET_PREFIX)
            .ok_or(Error::InvalidSecret(
                "a Standard Webhooks secret key starts with `whsk_`",
            ))?;
        let mut buf = zeroize::Zeroizing::new([0u8; 64 + 3]);
        let decoded = decode_into(encoded, &mut buf[..])?;
        let pair: &[u8; 64] = decoded.try_into().map_err(|_| {
            Error::InvalidSecret("a `whsk_` secret key decodes to 64 bytes (seed, public key)")
        })?;
        let key = ed25519_dalek::SigningKey::from_keypair_bytes(pair).map_err(|_| {
            Error::InvalidSecret("the public half of a `whsk_` key does not match its seed")
        })?;
        // Signing with a weak key is impossible (the seed is hashed and
        // clamped), but the announced public key is checked like a trusted one.
        PublicKey::from_bytes(key.verifying_key().as_bytes())?;
        Ok(SigningKey(key))
    }

    /// The matching public key.
    pub(crate) fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey { .. }")
    }
}

/// Standard base64 with padding, as senders write signatures and keys.
const BASE64_PADDED: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Decodes `text` into `buf`, saying whether the text was not base64 or
/// decodes to more than `buf` holds.
fn decode_into<'b>(text: &[u8], buf: &'b mut [u8]) -> Result<&'b [u8], Error> {
    const TOO_LONG: Error = Error::InvalidSecret("a Standard Webhooks key is too long");
    // Refuse absurd lengths before decoding anything.
    if text.len() > 4 * buf.len().div_ceil(3) + 4 {
        return Err(TOO_LONG);
    }
    match BASE64.decode_slice(text, buf) {
        Ok(len) => Ok(&buf[..len]),
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => Err(TOO_LONG),
        Err(base64::DecodeSliceError::DecodeError(_)) => Err(Error::InvalidSecret(
            "a Standard Webhooks key is not standard base64 after its prefix",
        )),
    }
}

/// The signed content, `"<id>.<timestamp>.<body>"`, in one buffer, for
/// signing (see the module docs).
fn message(id: &[u8], timestamp: &[u8], body: &[u8]) -> Vec<u8> {
    let mut message = Vec::with_capacity(id.len() + timestamp.len() + body.len() + 2);
    for part in [id, b".", timestamp, b".", body] {
        message.extend_from_slice(part);
    }
    message
}

/// The `v1a` signature of a delivery: padded standard base64 of the 64-byte
/// Ed25519 signature, without the `v1a,` label.
pub(crate) fn sign(key: &SigningKey, id: &[u8], timestamp: &[u8], body: &[u8]) -> String {
    let signature = key.0.sign(&message(id, timestamp, body));
    BASE64_PADDED.encode(signature.to_bytes())
}

/// Which trusted key, if any, made one of `entries` (the base64 text after
/// each `v1a,`), as an index into `keys`.
///
/// Strict verification: non-canonical `S`, small-order `R` and mismatched
/// encodings fail. Entries that are not base64 of exactly 64 bytes are
/// skipped; at most [`MAX_SIGNATURES`] entries are read and at most
/// [`MAX_V1A_CHECKS`] signature checks made, entry by entry, each against
/// the keys in order.
pub(crate) fn verify<'e>(
    keys: &[PublicKey],
    entries: impl IntoIterator<Item = &'e [u8]>,
    id: &[u8],
    timestamp: &[u8],
    body: &[u8],
) -> Option<usize> {
    verify_counting(keys, entries, id, timestamp, body).0
}

/// [`verify`], also returning how many signature checks it made.
fn verify_counting<'e>(
    keys: &[PublicKey],
    entries: impl IntoIterator<Item = &'e [u8]>,
    id: &[u8],
    timestamp: &[u8],
    body: &[u8],
) -> (Option<usize>, usize) {
    let mut checks = 0;
    for entry in entries.into_iter().take(MAX_SIGNATURES) {
        let Some(signature) = decode_signature(entry) else {
            continue;
        };
        for (index, key) in keys.iter().enumerate() {
            if checks == MAX_V1A_CHECKS {
                return (None, checks);
            }
            checks += 1;
            if verify_one(key, &signature, id, timestamp, body) {
                return (Some(index), checks);
            }
        }
    }
    (None, checks)
}

/// `verify_strict` over `"<id>.<timestamp>.<body>"` without building it.
fn verify_one(
    key: &PublicKey,
    signature: &Signature,
    id: &[u8],
    timestamp: &[u8],
    body: &[u8],
) -> bool {
    if !canonical_s(signature) || !strict_r(signature) {
        return false;
    }
    // Also refuses a non-canonical S, unless something in the build turns on
    // ed25519-dalek's `legacy_compatibility`: `canonical_s` holds either way.
    let Ok(mut stream) = key.0.verify_stream(signature) else {
        return false;
    };
    for part in [id, b".", timestamp, b".", body] {
        stream.update(part);
    }
    stream.finalize_and_verify().is_ok()
}

/// The order of the Ed25519 group, L = 2^252 + 27742317777372353535851937790883648493,
/// little-endian.
const GROUP_ORDER: [u8; 32] = [
    0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
];

/// Whether the signature's `S` (its second half, little-endian) is below
/// the group order L, as RFC 8032 §5.1.7 requires. `S + L` satisfies the
/// same equation as `S`, so without this check one genuine signature has a
/// second encoding; the crate checks it itself so that strictness does not
/// depend on ed25519-dalek's features.
fn canonical_s(signature: &Signature) -> bool {
    let s = signature.s_bytes();
    // Compare from the most significant byte down.
    for (byte, bound) in s.iter().rev().zip(GROUP_ORDER.iter().rev()) {
        if byte != bound {
            return byte < bound;
        }
    }
    // S = L is not below L.
    false
}

/// Whether the signature's `R` is a point of large order, the check
/// `verify_strict` makes and `verify_stream` does not. A point and a
/// verifying key share one encoding, so ed25519-dalek's key parser decodes it.
fn strict_r(signature: &Signature) -> bool {
    VerifyingKey::from_bytes(signature.r_bytes()).is_ok_and(|r| !r.is_weak())
}

/// An entry's signature, or `None` when it is not base64 of 64 bytes.
fn decode_signature(entry: &[u8]) -> Option<Signature> {
    let mut buf = [0u8; SIGNATURE_LEN + 3];
    // 88 characters padded, 86 without; anything longer cannot be 64 bytes.
    if entry.len() > 88 {
        return None;
    }
    match BASE64.decode_slice(entry, &mut buf) {
        Ok(SIGNATURE_LEN) => {
            let mut bytes = [0u8; SIGNATURE_LEN];
            bytes.copy_from_slice(&buf[..SIGNATURE_LEN]);
            Some(Signature::from_bytes(&bytes))
        }
        _ => None,
    }
}

/// The Ed25519 keys a Standard Webhooks receiver holds: the public keys it
/// trusts (from configuration only, never from a request) and, to sign, a
/// secret key.
#[derive(Clone, Debug, Default)]
pub(crate) struct Ed25519Keys {
    pub(crate) trusted: Vec<PublicKey>,
    pub(crate) signer: Option<SigningKey>,
}

impl Ed25519Keys {
    pub(crate) fn is_empty(&self) -> bool {
        self.trusted.is_empty()
    }
}

impl ExtraCheck for Ed25519Keys {
    fn has_entries(&self, signature_header: &[u8]) -> bool {
        !self.trusted.is_empty() && versioned_entries(signature_header, b"v1a").next().is_some()
    }

    fn matching_key(&self, parts: &SignedParts<'_>) -> Option<usize> {
        verify(
            &self.trusted,
            versioned_entries(parts.signature_header, b"v1a"),
            parts.id,
            parts.timestamp,
            parts.body,
        )
    }

    fn sign(&self, parts: &SignedParts<'_>) -> Option<String> {
        let key = self.signer.as_ref()?;
        Some(format!(
            "v1a,{}",
            sign(key, parts.id, parts.timestamp, parts.body)
        ))
    }
}

/// Fuzzing entry point; not API, may change or vanish in any release.
///
/// Reads `input` as lines: a `whpk_` key, a `whsk_` key, a
/// `webhook-signature` value, an id and a timestamp, then the body. Parses
/// both keys, verifies the header's `v1a` entries against the parsed public
/// key and a fixed one, and round-trips a signature made with the parsed or
/// a fixed secret key.
///
/// # Panics
///
/// When an invariant breaks: a signature made here that does not verify, one
/// that still verifies after the body changed, more than [`MAX_V1A_CHECKS`]
/// checks, a secret key shown by `Debug`, or our signature verifying with
/// L added to its S. That is what the fuzzer looks for.
#[cfg(any(fuzzing, test))]
#[doc(hidden)]
#[cfg_attr(
    not(fuzzing),
    allow(unreachable_pub, reason = "re-exported only in fuzzing builds")
)]
pub fn __fuzz_v1a(input: &[u8]) {
    let mut lines = input.splitn(6, |&b| b == b'\n');
    let mut next = || lines.next().unwrap_or_default();
    let (public, secret, header, id, timestamp) = (next(), next(), next(), next(), next());
    let body = next();

    let fixed = SigningKey(ed25519_dalek::SigningKey::from_bytes(&FUZZ_SEED));
    let mut keys = vec![fixed.public_key()];
    keys.extend(PublicKey::parse(public).ok());
    let signer = match SigningKey::parse(secret) {
        Ok(key) => {
            assert_eq!(format!("{key:?}"), "SigningKey { .. }");
            key
        }
        Err(_) => fixed,
    };

    let entries = header
        .split(|&b| b == b' ')
        .filter_map(|entry| entry.strip_prefix(b"v1a,"));
    let (_, checks) = verify_counting(&keys, entries, id, timestamp, body);
    assert!(checks <= MAX_V1A_CHECKS, "{checks} checks");

    let signature = sign(&signer, id, timestamp, body);
    let own = [signer.public_key()];
    let genuine = [signature.as_bytes()];
    assert_eq!(verify(&own, genuine, id, timestamp, body), Some(0));
    let mut tampered = body.to_vec();
    tampered.push(b'x');
    assert_eq!(verify(&own, genuine, id, timestamp, &tampered), None);
    // The same signature with S + L: the same equation, a second encoding.
    let malleated = decode_signature(signature.as_bytes())
        .map(|genuine| BASE64_PADDED.encode(plus_group_order(genuine.to_bytes())));
    let malleated = malleated.expect("our own signature decodes");
    assert_eq!(
        verify(&own, [malleated.as_bytes()], id, timestamp, body),
        None
    );
}

/// `signature` with L added to its S half (which, below L, cannot carry out
/// of 32 bytes): for the fuzz hook's malleability check.
#[cfg(any(fuzzing, test))]
fn plus_group_order(mut signature: [u8; SIGNATURE_LEN]) -> [u8; SIGNATURE_LEN] {
    let mut carry = 0u16;
    for (s, l) in signature[32..].iter_mut().zip(GROUP_ORDER) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    signature
}

/// The seed of [`__fuzz_v1a`]'s fixed signing key.
#[cfg(any(fuzzing, test))]
const FUZZ_SEED: [u8; 32] = [7; 32];
