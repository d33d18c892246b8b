//! The keys a described receiver holds, by algorithm, and the one loop that
//! checks received signatures against them.
//!
//! HMAC keys are prepared once (the key schedule of each secret); public
//! keys are checked at construction (on the curve, not weak, canonical).
//! Signed content is never assembled: it is fed piece by piece into the MAC,
//! the Ed25519 stream or the ECDSA digest, so verification allocates nothing.

use std::fmt;
use std::sync::Arc;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

use crate::engine::secret::{Keyring, PRIMARY};
use crate::{Error, Secret};

#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
use super::description::Encoding;

/// A signature algorithm a sender uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Algorithm {
    HmacSha1,
    HmacSha256,
    HmacSha512,
    /// No signature: the header carries the shared secret itself. Tokens
    /// are compared through their SHA-256 digests, in constant time and
    /// blind to length. A token authenticates the sender, not the content:
    /// only TLS keeps the body from being changed on the way.
    Token,
    /// Ed25519, verified strictly (canonical `S`, `R` of large order).
    #[cfg(feature = "ed25519")]
    Ed25519,
    /// ECDSA over P-256 with SHA-256, signatures in ASN.1 DER.
    #[cfg(feature = "ecdsa")]
    EcdsaP256,
}

impl Algorithm {
    /// The length of every tag an HMAC makes; `None` for the others, whose
    /// signatures are checked where they are verified.
    pub(crate) fn tag_len(self) -> Option<usize> {
        match self {
            Algorithm::HmacSha1 => Some(20),
            Algorithm::HmacSha256 => Some(32),
            Algorithm::HmacSha512 => Some(64),
            _ => None,
        }
    }

    /// The length of every signature the algorithm makes, where it has
    /// one: an HMAC's tag, an Ed25519 signature's 64 bytes; `None` for
    /// tokens and DER-encoded ECDSA signatures, whose length varies.
    pub(crate) fn signature_len(self) -> Option<usize> {
        match self {
            #[cfg(feature = "ed25519")]
            Algorithm::Ed25519 => Some(64),
            _ => self.tag_len(),
        }
    }
}

/// The longest signature any algorithm here produces: an HMAC-SHA512 tag
/// or Ed25519 signature is 64 bytes, an ECDSA P-256 DER signature at most 72.
pub(crate) const MAX_SIGNATURE_LEN: usize = 72;

/// At most this many public-key checks per request (signatures × keys), so
/// a hostile header cannot make one request cost many curve operations.
/// A receiver refuses a key that would put the budget out of reach.
pub(crate) const MAX_PUBLIC_KEY_CHECKS: usize = 8;

/// A received signature, decoded, on the stack.
#[derive(Clone, Copy)]
pub(crate) struct SignatureBytes {
    bytes: [u8; MAX_SIGNATURE_LEN],
    /// At most [`MAX_SIGNATURE_LEN`]: one byte keeps a header's worth of
    /// signatures, copied on every request, small.
    len: u8,
}

impl SignatureBytes {
    /// No signature: a slot to [`set`](SignatureBytes::set).
    pub(crate) const EMPTY: SignatureBytes = SignatureBytes {
        bytes: [0; MAX_SIGNATURE_LEN],
        len: 0,
    };

    #[cfg(any(test, fuzzing))]
    pub(crate) fn new(bytes: &[u8]) -> Option<Self> {
        let mut out = SignatureBytes::EMPTY;
        out.set(bytes).then_some(out)
    }

    /// Holds `bytes` instead, when they fit; `false` (and unchanged) when
    /// no algorithm makes a signature that long.
    pub(crate) fn set(&mut self, bytes: &[u8]) -> bool {
        let (Some(slot), Ok(len)) = (self.bytes.get_mut(..bytes.len()), u8::try_from(bytes.len()))
        else {
            return false;
        };
        slot.copy_from_slice(bytes);
        self.len = len;
        true
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Feeds the signed content, piece by piece, to `sink`.
pub(crate) type Feed<'a> = &'a dyn Fn(Sink<'_>);

/// Where signed content goes, piece by piece.
pub(crate) type Sink<'a> = &'a mut dyn FnMut(&[u8]);

/// A prepared HMAC key schedule.
#[derive(Clone)]
enum MacState {
    Sha1(Hmac<Sha1>),
    Sha256(Hmac<Sha256>),
    Sha512(Hmac<Sha512>),
}

impl MacState {
    fn new(algorithm: Algorithm, key: &[u8]) -> Result<Self, Error> {
        const REFUSED: Error = Error::InvalidSecret("HMAC refused the key");
        Ok(match algorithm {
            Algorithm::HmacSha1 => MacState::Sha1(Mac::new_from_slice(key).map_err(|_| REFUSED)?),
            Algorithm::HmacSha512 => {
                MacState::Sha512(Mac::new_from_slice(key).map_err(|_| REFUSED)?)
            }
            _ => MacState::Sha256(Mac::new_from_slice(key).map_err(|_| REFUSED)?),
        })
    }

    /// The tag of the fed content, written into `out`; its length.
    fn tag(&self, feed: Feed<'_>, out: &mut [u8; 64]) -> usize {
        fn run<M: Mac + Clone>(state: &M, feed: Feed<'_>, out: &mut [u8]) -> usize {
            let mut mac = state.clone();
            feed(&mut |piece| mac.update(piece));
            let tag = mac.finalize().into_bytes();
            out[..tag.len()].copy_from_slice(&tag);
            tag.len()
        }
        match self {
            MacState::Sha1(state) => run(state, feed, out),
            MacState::Sha256(state) => run(state, feed, out),
            MacState::Sha512(state) => run(state, feed, out),
        }
    }
}

/// One shared secret: its bytes (wiped on drop) and prepared key schedule.
#[derive(Clone)]
pub(crate) struct HmacKey {
    _secret: Secret,
    /// What `Delivery::secret_name` says when this key matched.
    name: Arc<str>,
    state: MacState,
}

/// The keys of one receiver.
#[derive(Clone)]
pub(crate) enum KeySet {
    /// Shared secrets; the first signs.
    Hmac {
        algorithm: Algorithm,
        keys: Vec<HmacKey>,
    },
    /// Shared tokens, sent as they are; the first is sent when signing.
    Token(Keyring),
    /// Trusted Ed25519 public keys, and a signing key for tests.
    #[cfg(feature = "ed25519")]
    Ed25519 {
        trusted: Vec<ed25519_dalek::VerifyingKey>,
        signer: Option<ed25519_dalek::SigningKey>,
    },
    /// Trusted P-256 public keys, and a signing key for tests.
    #[cfg(feature = "ecdsa")]
    P256 {
        trusted: Vec<p256::ecdsa::VerifyingKey>,
        signer: Option<p256::ecdsa::SigningKey>,
    },
}

impl KeySet {
    /// A set holding one usable shared secret.
    pub(crate) fn hmac(algorithm: Algorithm, secret: Secret) -> Result<Self, Error> {
        let mut set = KeySet::Hmac {
            algorithm,
            keys: Vec::new(),
        };
        set.add_secret(secret)?;
        Ok(set)
    }

    /// A set holding one usable shared token ([`Algorithm::Token`]).
    pub(crate) fn token(secret: Secret) -> Result<Self, Error> {
        Ok(KeySet::Token(Keyring::new(secret)?))
    }

    /// A token set holding no token yet, for a sender whose deliveries may
    /// carry no credential at all. Until a token is added, a core over it
    /// authenticates nothing: every request passes, with no
    /// [`Delivery::secret_index`](crate::Delivery::secret_index), and
    /// signing sends no credential. The receiver's constructor must say so.
    pub(crate) fn no_token() -> Self {
        KeySet::Token(Keyring::default())
    }

    /// Whether this is a [`KeySet::no_token`] set still without a token.
    pub(crate) fn is_open(&self) -> bool {
        matches!(self, KeySet::Token(ring) if ring.is_empty())
    }

    /// A set of shared secrets holding none yet, for a receiver that
    /// trusts keys of another version beside them (see
    /// [`ReceiverCore::with_versioned_keys`](super::ReceiverCore::with_versioned_keys)):
    /// until a secret is added, no signature of this set's version matches.
    pub(crate) fn no_secret(algorithm: Algorithm) -> Self {
        KeySet::Hmac {
            algorithm,
            keys: Vec::new(),
        }
    }

    /// The name a key added without one gets: its position.
    fn default_name(&self) -> String {
        match self.len() {
            0 => PRIMARY.into(),
            n => format!("secret-{n}"),
        }
    }

    /// Accepts another shared secret (rotation).
    pub(crate) fn add_secret(&mut self, secret: Secret) -> Result<(), Error> {
        self.add_named_secret(&self.default_name(), secret)
    }

    /// Accepts another shared key given as bytes, not text (a key the
    /// sender's form decodes, such as base64): the blank-text check of
    /// [`KeySet::add_secret`] does not apply, since a key of space bytes is
    /// as good as any other. The caller refuses an empty key.
    pub(crate) fn add_key(&mut self, key: Secret) -> Result<(), Error> {
        self.add_named_key(&self.default_name(), key)
    }

    /// [`KeySet::add_key`] under `name`, as [`KeySet::add_named_secret`]
    /// names a secret.
    pub(crate) fn add_named_key(&mut self, name: &str, key: Secret) -> Result<(), Error> {
        self.add_hmac_key(name, key, Ok)
    }

    /// Accepts another shared secret under `name` (what
    /// `Delivery::secret_name` says when it matched): printable, and no
    /// other secret's.
    pub(crate) fn add_named_secret(&mut self, name: &str, secret: Secret) -> Result<(), Error> {
        match self {
            KeySet::Token(ring) => {
                *ring = ring.clone().with_named(name, secret)?;
                Ok(())
            }
            _ => self.add_hmac_key(name, secret, Secret::usable),
        }
    }

    /// Adds an HMAC key under `name` (printable, no other key's) once
    /// `check` accepts it.
    fn add_hmac_key(
        &mut self,
        name: &str,
        secret: Secret,
        check: fn(Secret) -> Result<Secret, Error>,
    ) -> Result<(), Error> {
        let KeySet::Hmac { algorithm, keys } = self else {
            return Err(Error::InvalidSecret(
                "this sender signs with a private key: add its public key instead",
            ));
        };
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(Error::InvalidSecret(
                "a secret's name must be printable text, not empty",
            ));
        }
        if keys.iter().any(|key| &*key.name == name) {
            return Err(Error::InvalidSecret(
                "two secrets of one receiver have the same name",
            ));
        }
        let secret = check(secret)?;
        let state = MacState::new(*algorithm, secret.expose())?;
        keys.push(HmacKey {
            _secret: secret,
            name: name.into(),
            state,
        });
        Ok(())
    }

    /// The name of the secret at `index`; `None` for public keys, which
    /// carry no name.
    pub(crate) fn name(&self, index: usize) -> Option<Arc<str>> {
        match self {
            KeySet::Hmac { keys, .. } => keys.get(index).map(|key| Arc::clone(&key.name)),
            KeySet::Token(ring) => ring.name(index),
            #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
            _ => None,
        }
    }

    /// A set trusting one public key, written as `text` in `encoding`: for
    /// Ed25519 its 32 bytes, for ECDSA P-256 its DER `SubjectPublicKeyInfo`.
    /// `expected` names the form the sender publishes, for the error.
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub(crate) fn public_key(
        algorithm: Algorithm,
        text: &str,
        encoding: Encoding,
        expected: &'static str,
    ) -> Result<Self, Error> {
        let mut set = match algorithm {
            #[cfg(feature = "ed25519")]
            Algorithm::Ed25519 => KeySet::Ed25519 {
                trusted: Vec::new(),
                signer: None,
            },
            #[cfg(feature = "ecdsa")]
            Algorithm::EcdsaP256 => KeySet::P256 {
                trusted: Vec::new(),
                signer: None,
            },
            _ => return Err(Error::InvalidSecret(SHARED_SECRET_SENDER)),
        };
        set.add_public_key(text, encoding, expected)?;
        Ok(set)
    }

    /// A set that signs with a private key written in `encoding` (Ed25519:
    /// its 32-byte seed; ECDSA P-256: its DER PKCS #8 `PrivateKeyInfo`) and
    /// trusts the matching public key. The decoded bytes are wiped on drop.
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub(crate) fn signing_key(
        algorithm: Algorithm,
        key: &Secret,
        encoding: Encoding,
        expected: &'static str,
    ) -> Result<Self, Error> {
        let bytes = decode_key(key.expose(), encoding, expected)?;
        match algorithm {
            #[cfg(feature = "ed25519")]
            Algorithm::Ed25519 => {
                let signer = super::public_keys::ed25519_signing_key(&bytes, expected)?;
                Ok(KeySet::Ed25519 {
                    trusted: vec![signer.verifying_key()],
                    signer: Some(signer),
                })
            }
            #[cfg(feature = "ecdsa")]
            Algorithm::EcdsaP256 => {
                let signer = super::public_keys::p256_signing_key(&bytes, expected)?;
                Ok(KeySet::P256 {
                    trusted: vec![*signer.verifying_key()],
                    signer: Some(signer),
                })
            }
            _ => Err(Error::InvalidSecret(SHARED_SECRET_SENDER)),
        }
    }

    /// A set of Ed25519 keys the sender's own form was read into: `signer`
    /// signs, and its public key is trusted.
    #[cfg(feature = "ed25519")]
    pub(crate) fn ed25519(signer: Option<ed25519_dalek::SigningKey>) -> Self {
        KeySet::Ed25519 {
            trusted: signer.iter().map(|key| key.verifying_key()).collect(),
            signer,
        }
    }

    /// Trusts another Ed25519 key already read from the sender's form (on
    /// the curve, canonical, not weak); refused beyond
    /// [`MAX_PUBLIC_KEY_CHECKS`] keys, or by a set of other keys.
    #[cfg(feature = "ed25519")]
    pub(crate) fn trust_ed25519(&mut self, key: ed25519_dalek::VerifyingKey) -> Result<(), Error> {
        if self.len() >= MAX_PUBLIC_KEY_CHECKS {
            return Err(Error::InvalidSecret(TOO_MANY_PUBLIC_KEYS));
        }
        match self {
            KeySet::Ed25519 { trusted, .. } => {
                trusted.push(key);
                Ok(())
            }
            _ => Err(Error::InvalidSecret(SHARED_SECRET_SENDER)),
        }
    }

    /// Trusts another public key (rotation), in the form
    /// [`KeySet::public_key`] reads. A key beyond [`MAX_PUBLIC_KEY_CHECKS`]
    /// is refused: a request would never reach it within the check budget.
    #[cfg(any(feature = "ed25519", feature = "ecdsa"))]
    pub(crate) fn add_public_key(
        &mut self,
        text: &str,
        encoding: Encoding,
        expected: &'static str,
    ) -> Result<(), Error> {
        if self.len() >= MAX_PUBLIC_KEY_CHECKS {
            return Err(Error::InvalidSecret(TOO_MANY_PUBLIC_KEYS));
        }
        let bytes = decode_key(text.as_bytes(), encoding, expected)?;
        match self {
            KeySet::Hmac { .. } | KeySet::Token(_) => {
                return Err(Error::InvalidSecret(SHARED_SECRET_SENDER));
            }
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { trusted, .. } => {
                trusted.push(super::public_keys::ed25519_public_key(&bytes, expected)?);
            }
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { trusted, .. } => {
                trusted.push(super::public_keys::p256_public_key(&bytes, expected)?);
            }
        }
        Ok(())
    }

    /// The algorithm these keys verify with.
    pub(crate) fn algorithm(&self) -> Algorithm {
        match self {
            KeySet::Hmac { algorithm, .. } => *algorithm,
            KeySet::Token(_) => Algorithm::Token,
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { .. } => Algorithm::Ed25519,
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { .. } => Algorithm::EcdsaP256,
        }
    }

    /// How many keys are trusted.
    pub(crate) fn len(&self) -> usize {
        match self {
            KeySet::Hmac { keys, .. } => keys.len(),
            KeySet::Token(ring) => ring.len(),
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { trusted, .. } => trusted.len(),
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { trusted, .. } => trusted.len(),
        }
    }

    /// Which key made one of `signatures`, as an index in the order the
    /// keys were added.
    pub(crate) fn find(&self, signatures: &[SignatureBytes], feed: Feed<'_>) -> Option<usize> {
        match self {
            KeySet::Hmac { keys, .. } => keys.iter().position(|key| {
                let mut tag = [0u8; 64];
                let len = key.state.tag(feed, &mut tag);
                signatures
                    .iter()
                    .any(|received| bool::from(received.as_bytes().ct_eq(&tag[..len])))
            }),
            // A token is no signature: see `find_token`.
            KeySet::Token(_) => None,
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { trusted, .. } => {
                super::public_keys::find_ed25519(trusted, signatures, feed)
            }
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { trusted, .. } => {
                super::public_keys::find_p256(trusted, signatures, feed)
            }
        }
    }

    /// The HMAC of `content` with accepted secret `index` (the one a
    /// request verified with), for handshakes that answer with a keyed
    /// hash; `None` for another index or a key set without secrets.
    #[allow(dead_code, reason = "only senders whose handshake hashes a token")]
    pub(crate) fn mac_with(&self, index: usize, content: &[u8]) -> Option<Vec<u8>> {
        match self {
            KeySet::Hmac { keys, .. } => {
                let mut tag = [0u8; 64];
                let len = keys.get(index)?.state.tag(&|sink| sink(content), &mut tag);
                Some(tag[..len].to_vec())
            }
            _ => None,
        }
    }

    /// Which token `candidate` is, as an index in the order the tokens
    /// were added; `None` for a set of other keys.
    pub(crate) fn find_token(&self, candidate: &[u8]) -> Option<usize> {
        match self {
            KeySet::Token(ring) => ring.find_token(candidate),
            _ => None,
        }
    }

    /// The signature of the fed content with the first secret or the
    /// signing key; for tokens, the first token itself.
    pub(crate) fn sign(&self, feed: Feed<'_>) -> Result<Vec<u8>, Error> {
        match self {
            KeySet::Hmac { keys, .. } => {
                let key = keys
                    .first()
                    .ok_or(Error::Signing("no secret to sign with"))?;
                let mut tag = [0u8; 64];
                let len = key.state.tag(feed, &mut tag);
                Ok(tag[..len].to_vec())
            }
            KeySet::Token(ring) => ring
                .primary()
                .map(|token| token.expose().to_vec())
                .ok_or(Error::Signing("no token to send")),
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { signer, .. } => {
                super::public_keys::sign_ed25519(signer.as_ref(), feed)
            }
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { signer, .. } => super::public_keys::sign_p256(signer.as_ref(), feed),
        }
    }
}

/// Why a public key was refused once the check budget is spent; the count
/// is [`MAX_PUBLIC_KEY_CHECKS`] (a test holds them together).
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
const TOO_MANY_PUBLIC_KEYS: &str =
    "at most 8 public keys can be trusted at once (each is one signature check per request)";

#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
const SHARED_SECRET_SENDER: &str = "this sender signs with a shared secret, not a key pair";

/// The bytes of a key written in `encoding` (surrounding whitespace, as
/// pasted from a dashboard, ignored), wiped on drop; `expected` when the
/// text is not in that encoding.
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
fn decode_key(
    text: &[u8],
    encoding: Encoding,
    expected: &'static str,
) -> Result<zeroize::Zeroizing<Vec<u8>>, Error> {
    let text = text.trim_ascii();
    let refused = || Error::InvalidSecret(expected);
    let mut bytes = zeroize::Zeroizing::new(Vec::with_capacity(text.len()));
    let hex = match encoding {
        Encoding::Hex => true,
        Encoding::Base64 => false,
        Encoding::HexOrBase64 => text.iter().all(u8::is_ascii_hexdigit),
    };
    match hex {
        true => {
            if !text.len().is_multiple_of(2) {
                return Err(refused());
            }
            let digit = |c: u8| match c {
                b'0'..=b'9' => Ok(c - b'0'),
                b'a'..=b'f' => Ok(c - b'a' + 10),
                b'A'..=b'F' => Ok(c - b'A' + 10),
                _ => Err(refused()),
            };
            for pair in text.chunks_exact(2) {
                bytes.push(digit(pair[0])? << 4 | digit(pair[1])?);
            }
        }
        false => {
            use base64::Engine as _;
            crate::engine::signature::BASE64
                .decode_vec(text, &mut bytes)
                .map_err(|_| refused())?;
        }
    }
    if bytes.is_empty() {
        return Err(refused());
    }
    Ok(bytes)
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySet::Hmac { algorithm, keys } => {
                write!(f, "{algorithm:?}, {} secret(s)", keys.len())
            }
            KeySet::Token(ring) if ring.is_empty() => {
                f.write_str("no token: requests are not authenticated")
            }
            KeySet::Token(ring) => write!(f, "Token, {ring:?}"),
            #[cfg(feature = "ed25519")]
            KeySet::Ed25519 { trusted, signer } => write!(
                f,
                "Ed25519, {} public key(s){}",
                trusted.len(),
                if signer.is_some() { ", can sign" } else { "" }
            ),
            #[cfg(feature = "ecdsa")]
            KeySet::P256 { trusted, signer } => write!(
                f,
                "ECDSA P-256, {} public key(s){}",
                trusted.len(),
                if signer.is_some() { ", can sign" } else { "" }
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed_of(content: &'static [u8]) -> impl Fn(Sink<'_>) {
        move |sink: &mut dyn FnMut(&[u8])| {
            // Fed in two pieces: the MAC must not care where they split.
            let (a, b) = content.split_at(content.len() / 2);
            sink(a);
            sink(b);
        }
    }

    #[test]
    fn each_hmac_has_its_tag_length_and_rfc_4231_value() {
        // RFC 4231 test case 2: key "Jefe", data "what do ya want for nothing?".
        let feed = feed_of(b"what do ya want for nothing?");
        let cases = [
            (
                Algorithm::HmacSha1,
                "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79",
            ),
            (
                Algorithm::HmacSha256,
                "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
            ),
            (
                Algorithm::HmacSha512,
                "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
            ),
        ];
        for (algorithm, expected) in cases {
            let set = KeySet::hmac(algorithm, Secret::from("Jefe")).expect("usable");
            let tag = set.sign(&feed).expect("sign");
            assert_eq!(
                crate::engine::signature::encode_hex(&tag),
                expected,
                "{algorithm:?}"
            );
            let received = SignatureBytes::new(&tag).expect("fits");
            assert_eq!(set.find(&[received], &feed), Some(0));
        }
    }

    #[test]
    fn a_tag_of_another_length_or_value_never_matches() {
        let feed = feed_of(b"body");
        let set = KeySet::hmac(Algorithm::HmacSha256, Secret::from("k")).expect("usable");
        let tag = set.sign(&feed).expect("sign");
        for wrong in [&tag[..31], &tag[1..], &[0u8; 32][..]] {
            let received = SignatureBytes::new(wrong).expect("fits");
            assert_eq!(set.find(&[received], &feed), None);
        }
    }

    #[test]
    fn rotation_says_which_secret_matched() {
        let feed = feed_of(b"body");
        let old = KeySet::hmac(Algorithm::HmacSha512, Secret::from("old")).expect("usable");
        let mut both = KeySet::hmac(Algorithm::HmacSha512, Secret::from("new")).expect("usable");
        both.add_secret(Secret::from("old")).expect("usable");
        let tag = old.sign(&feed).expect("sign");
        let received = SignatureBytes::new(&tag).expect("fits");
        assert_eq!(both.find(&[received], &feed), Some(1));
        assert_eq!(both.len(), 2);
        assert!(matches!(
            both.add_secret(" ".into()),
            Err(Error::InvalidSecret(_))
        ));
    }

    #[test]
    fn debug_counts_keys_and_shows_none() {
        let set = KeySet::hmac(Algorithm::HmacSha1, Secret::from("topsecret")).expect("usable");
        assert_eq!(format!("{set:?}"), "HmacSha1, 1 secret(s)");
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn a_public_key_set_reads_hex_or_base64_as_pasted_and_names_the_form() {
        // RFC 8032 test 1's public key.
        let hex = "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a";
        let base64 = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        for (text, encoding) in [
            (hex, Encoding::Hex),
            (&hex.to_uppercase(), Encoding::Hex),
            (base64, Encoding::Base64),
            (base64.trim_end_matches('='), Encoding::Base64),
            (&format!(" {base64}\r\n"), Encoding::Base64),
        ] {
            let set = KeySet::public_key(Algorithm::Ed25519, text, encoding, "form").expect(text);
            assert_eq!(set.len(), 1);
        }
        for (text, encoding) in [
            ("", Encoding::Hex),
            (" ", Encoding::Base64),
            (&hex[1..], Encoding::Hex),
            (base64, Encoding::Hex),
            (hex, Encoding::Base64),
        ] {
            assert!(matches!(
                KeySet::public_key(Algorithm::Ed25519, text, encoding, "the form"),
                Err(Error::InvalidSecret("the form"))
            ));
        }
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn the_key_budget_refuses_a_key_beyond_it_and_says_its_size() {
        let key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        let mut set =
            KeySet::public_key(Algorithm::Ed25519, key, Encoding::Base64, "f").expect("key");
        for _ in 1..MAX_PUBLIC_KEY_CHECKS {
            set.add_public_key(key, Encoding::Base64, "f")
                .expect("within");
        }
        assert_eq!(set.len(), MAX_PUBLIC_KEY_CHECKS);
        assert!(matches!(
            set.add_public_key(key, Encoding::Base64, "f"),
            Err(Error::InvalidSecret(TOO_MANY_PUBLIC_KEYS))
        ));
        assert!(TOO_MANY_PUBLIC_KEYS.contains(&format!("at most {MAX_PUBLIC_KEY_CHECKS} ")));
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn a_signing_key_set_signs_what_its_own_public_key_verifies() {
        // RFC 8032 test 1: its seed, and the signature of the empty message.
        let seed = Secret::from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
        let set = KeySet::signing_key(Algorithm::Ed25519, &seed, Encoding::Hex, "f").expect("seed");
        let signature = set.sign(&|_: &mut dyn FnMut(&[u8])| {}).expect("sign");
        assert_eq!(
            crate::engine::signature::encode_hex(&signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
        );
        assert_eq!(format!("{set:?}"), "Ed25519, 1 public key(s), can sign");
        let received = SignatureBytes::new(&signature).expect("fits");
        assert_eq!(
            set.find(&[received], &|_: &mut dyn FnMut(&[u8])| {}),
            Some(0)
        );
    }

    #[cfg(feature = "ed25519")]
    #[test]
    fn key_pairs_and_shared_secrets_do_not_mix() {
        assert!(matches!(
            KeySet::public_key(Algorithm::HmacSha256, "AA==", Encoding::Base64, "f"),
            Err(Error::InvalidSecret(SHARED_SECRET_SENDER))
        ));
        let mut hmac = KeySet::hmac(Algorithm::HmacSha256, Secret::from("s")).expect("usable");
        let key = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
        assert!(hmac.add_public_key(key, Encoding::Base64, "f").is_err());
        let mut ed =
            KeySet::public_key(Algorithm::Ed25519, key, Encoding::Base64, "f").expect("key");
        assert!(ed.add_secret(Secret::from("s")).is_err());
    }

    #[cfg(feature = "ecdsa")]
    #[test]
    fn a_p256_signing_key_set_signs_what_its_own_public_key_verifies() {
        // A PKCS #8 P-256 key (tests/data/sendgrid's primary), and its SPKI.
        let pkcs8 = Secret::from(
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQWzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw",
        );
        let spki = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEFsxize1X+6RByFDPxLXtvLk5ONoAjTM7qclERn3zyHqui4z/M7Cs2UzuMhq+CcQHRTbv1Q5pIQHvbUYn9iSpsA==";
        let signer =
            KeySet::signing_key(Algorithm::EcdsaP256, &pkcs8, Encoding::Base64, "f").expect("key");
        let verifier =
            KeySet::public_key(Algorithm::EcdsaP256, spki, Encoding::Base64, "f").expect("key");
        let feed = feed_of(b"1712258191[]");
        let signature = signer.sign(&feed).expect("sign");
        let received = SignatureBytes::new(&signature).expect("fits");
        assert_eq!(verifier.find(&[received], &feed), Some(0));
        assert!(matches!(verifier.sign(&feed), Err(Error::Signing(_))));
    }

    #[test]
    fn tokens_match_exactly_rotate_and_are_never_shown() {
        let mut set = KeySet::token(Secret::from("new-token")).expect("usable");
        set.add_secret(Secret::from("old-token")).expect("usable");
        assert_eq!(set.find_token(b"old-token"), Some(1));
        assert_eq!(set.find_token(b"new-token"), Some(0));
        for wrong in [&b"new-toke"[..], b"new-tokenX", b"", b"NEW-TOKEN"] {
            assert_eq!(set.find_token(wrong), None, "{wrong:?}");
        }
        assert_eq!(set.sign(&feed_of(b"body")).expect("send"), b"new-token");
        let tag = SignatureBytes::new(b"new-token").expect("fits");
        assert_eq!(set.find(&[tag], &feed_of(b"body")), None);
        assert_eq!(format!("{set:?}"), "Token, 2 secret(s)");
        assert!(matches!(
            set.add_secret(" ".into()),
            Err(Error::InvalidSecret(_))
        ));
        assert_eq!(set.len(), 2, "a refused token leaves the set as it was");
    }

    #[test]
    fn hmac_keys_match_no_token() {
        let set = KeySet::hmac(Algorithm::HmacSha256, Secret::from("k")).expect("usable");
        assert_eq!(set.find_token(b"k"), None);
    }

    #[test]
    fn signature_bytes_refuse_what_no_algorithm_makes() {
        assert!(SignatureBytes::new(&[0; MAX_SIGNATURE_LEN]).is_some());
        assert!(SignatureBytes::new(&[0; MAX_SIGNATURE_LEN + 1]).is_none());
    }
}
