//! Secrets and the set of secrets a receiver accepts.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// Key bytes shared with a provider: a signing secret or an API token.
///
/// `Debug` prints `Secret { .. }` and the bytes are wiped from memory when the
/// value is dropped. There is deliberately no way to read the bytes back.
///
/// ```
/// use webhook_kit::Secret;
///
/// let secret = Secret::from("s3cr3t");
/// assert_eq!(format!("{secret:?}"), "Secret { .. }");
/// let from_bytes = Secret::from(vec![1u8, 2, 3]);
/// assert_eq!(from_bytes.len(), 3);
/// ```
#[derive(Clone)]
pub struct Secret(Zeroizing<Vec<u8>>);

impl Secret {
    /// The secret's length in bytes.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret { .. }")
    }
}

impl From<Vec<u8>> for Secret {
    fn from(bytes: Vec<u8>) -> Self {
        Secret(Zeroizing::new(bytes))
    }
}

impl From<&[u8]> for Secret {
    fn from(bytes: &[u8]) -> Self {
        Secret::from(bytes.to_vec())
    }
}

impl From<String> for Secret {
    fn from(text: String) -> Self {
        Secret::from(text.into_bytes())
    }
}

impl From<&str> for Secret {
    fn from(text: &str) -> Self {
        Secret::from(text.as_bytes())
    }
}

impl From<&String> for Secret {
    fn from(text: &String) -> Self {
        Secret::from(text.as_str())
    }
}

/// One accepted secret with its HMAC key schedule computed once, up front.
#[derive(Clone)]
struct Key {
    secret: Secret,
    mac: HmacSha256,
}

/// The secrets a receiver accepts, first one used for signing.
///
/// Holding several is how rotation works: during a roll the receiver accepts
/// both the old and the new secret.
#[derive(Clone, Default)]
pub(crate) struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    pub(crate) fn new(secret: Secret) -> Self {
        Keyring::default().with(secret)
    }

    pub(crate) fn with(mut self, secret: Secret) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let mac = <HmacSha256 as Mac>::new_from_slice(secret.expose())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        self.keys.push(Key { secret, mac });
        self
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    /// The prepared MAC states, in the order the secrets were added.
    pub(crate) fn macs(&self) -> impl Iterator<Item = &HmacSha256> {
        self.keys.iter().map(|k| &k.mac)
    }

    /// The signing state of the first secret.
    pub(crate) fn primary_mac(&self) -> Option<&HmacSha256> {
        self.keys.first().map(|k| &k.mac)
    }

    /// The first secret's raw bytes (tokens are sent as they are).
    pub(crate) fn primary(&self) -> Option<&Secret> {
        self.keys.first().map(|k| &k.secret)
    }

    /// Whether `candidate` equals any secret, compared in constant time.
    ///
    /// Every secret is compared even after a match so the time taken does not
    /// tell which one matched.
    pub(crate) fn contains_token(&self, candidate: &[u8]) -> bool {
        let mut found = subtle::Choice::from(0);
        for key in &self.keys {
            found |= key.secret.expose().ct_eq(candidate);
        }
        found.into()
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("secrets", &self.keys.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_bytes() {
        let ring = Keyring::new("topsecret".into()).with("other".into());
        let shown = format!("{ring:?} {:?}", Secret::from("topsecret"));
        assert!(!shown.contains("topsecret"), "{shown}");
        assert!(!shown.contains("other"), "{shown}");
        assert!(shown.contains("secrets: 2"), "{shown}");
    }

    #[test]
    fn tokens_match_any_secret_exactly() {
        let ring = Keyring::new("old-token".into()).with("new-token".into());
        assert!(ring.contains_token(b"old-token"));
        assert!(ring.contains_token(b"new-token"));
        assert!(!ring.contains_token(b"new-toke"));
        assert!(!ring.contains_token(b"new-tokenX"));
        assert!(!ring.contains_token(b""));
        assert!(!Keyring::default().contains_token(b""));
    }
}
