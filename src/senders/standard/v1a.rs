//! Standard Webhooks `v1a`: the `whpk_` public keys and `whsk_` secret
//! keys of its Ed25519 signatures over `"<id>.<timestamp>.<body>"`.
//!
//! The keys only; the receiver core finds the `v1a` entries beside the
//! `v1` ones, checks them strictly (canonical `S`, `R` of large order)
//! within [`MAX_V1A_CHECKS`], and signs them.

use std::fmt;

use base64::Engine as _;
use ed25519_dalek::VerifyingKey;

use crate::Error;
use crate::engine::signature::BASE64;

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

// The core's budget of public-key checks is this one.
const _: () = assert!(MAX_V1A_CHECKS == crate::engine::MAX_PUBLIC_KEY_CHECKS);

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

    pub(crate) fn into_inner(self) -> VerifyingKey {
        self.0
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
    #[cfg(any(test, fuzzing))]
    pub(crate) fn public_key(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    pub(crate) fn into_inner(self) -> ed25519_dalek::SigningKey {
        self.0
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

/// The check the receiver core makes of `v1a` entries (the base64 text
/// after each `v1a,`) against `keys`, as the core reads them: the first
/// [`MAX_SIGNATURES`](crate::MAX_SIGNATURES) entries, those that are base64
/// of 64 bytes. The index of the key that matched, and how many checks were
/// made. For the fuzz hook and the tests.
#[cfg(any(test, fuzzing))]
fn verify_counting<'e>(
    keys: &[PublicKey],
    entries: impl IntoIterator<Item = &'e [u8]>,
    id: &[u8],
    timestamp: &[u8],
    body: &[u8],
) -> (Option<usize>, usize) {
    use crate::engine::SignatureBytes;
    let signatures: Vec<SignatureBytes> = entries
        .into_iter()
        .take(crate::MAX_SIGNATURES)
        .filter_map(|entry| {
            let mut buf = [0u8; 64 + 3];
            let len = BASE64.decode_slice(entry, &mut buf).ok()?;
            (len == 64).then(|| SignatureBytes::new(&buf[..len]))?
        })
        .collect();
    let trusted: Vec<VerifyingKey> = keys.iter().map(|key| key.0).collect();
    let feed = |sink: &mut dyn FnMut(&[u8])| {
        for part in [id, b".", timestamp, b".", body] {
            sink(part);
        }
    };
    crate::engine::find_ed25519_counting(&trusted, &signatures, &feed)
}

/// [`verify_counting`]'s match alone.
#[cfg(any(test, fuzzing))]
fn verify<'e>(
    keys: &[PublicKey],
    entries: impl IntoIterator<Item = &'e [u8]>,
    id: &[u8],
    timestamp: &[u8],
    body: &[u8],
) -> Option<usize> {
    verify_counting(keys, entries, id, timestamp, body).0
}

/// The `v1a` signature the receiver core makes of a delivery: padded
/// standard base64, without the `v1a,` label. For the fuzz hook and the
/// tests.
#[cfg(any(test, fuzzing))]
fn sign(key: &SigningKey, id: &[u8], timestamp: &[u8], body: &[u8]) -> String {
    let keys = crate::engine::KeySet::ed25519(Some(key.0.clone()));
    let feed = |sink: &mut dyn FnMut(&[u8])| {
        for part in [id, b".", timestamp, b".", body] {
            sink(part);
        }
    };
    let signature = keys
        .sign(&feed)
        .unwrap_or_else(|_| unreachable!("a signing key signs"));
    BASE64_PADDED.encode(signature)
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
    let genuine = BASE64.decode(signature.as_bytes()).ok();
    let genuine = genuine.and_then(|bytes| <[u8; SIGNATURE_LEN]>::try_from(bytes).ok());
    let malleated = genuine.map(|genuine| BASE64_PADDED.encode(plus_group_order(genuine)));
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
    for (s, l) in signature[32..].iter_mut().zip(crate::engine::ED25519_ORDER) {
        let sum = u16::from(*s) + u16::from(l) + carry;
        *s = sum.to_le_bytes()[0];
        carry = sum >> 8;
    }
    signature
}

/// Length of an Ed25519 signature.
#[cfg(any(fuzzing, test))]
const SIGNATURE_LEN: usize = 64;

/// The seed of [`__fuzz_v1a`]'s fixed signing key.
#[cfg(any(fuzzing, test))]
const FUZZ_SEED: [u8; 32] = [7; 32];
