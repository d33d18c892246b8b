//! Secrets and the set of secrets a receiver accepts.

use std::fmt;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use subtle::{ConditionallySelectable, ConstantTimeEq};
use zeroize::Zeroizing;

use crate::Error;

/// Key bytes shared with a provider: a signing secret or an API token.
///
/// `Debug` prints `Secret { .. }` and the bytes are wiped from memory when the
/// value is dropped. There is deliberately no way to read the bytes back.
///
/// Receivers refuse an empty or whitespace-only secret with
/// [`Error::InvalidSecret`]: anyone could sign with it.
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
    ///
    /// ```
    /// use webhook_kit::Secret;
    ///
    /// assert_eq!(Secret::from("whsec").len(), 5);
    /// assert_eq!(Secret::from(vec![0u8; 32]).len(), 32);
    /// ```
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the secret is empty.
    ///
    /// ```
    /// use webhook_kit::Secret;
    ///
    /// assert!(Secret::from("").is_empty());
    /// assert!(!Secret::from("s3cr3t").is_empty());
    /// ```
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

impl Secret {
    /// Refuses a secret anyone could guess: empty, or only whitespace (as
    /// `env::var("SECRET").unwrap_or_default()` gives when the variable is
    /// unset). An HMAC keyed with it is computable by anyone.
    pub(crate) fn usable(self) -> Result<Secret, Error> {
        let blank = match std::str::from_utf8(self.expose()) {
            Ok(text) => text.trim().is_empty(),
            Err(_) => false,
        };
        if blank {
            Err(Error::InvalidSecret(BLANK))
        } else {
            Ok(self)
        }
    }
}

/// One accepted token, with its digest computed once, up front. The
/// token's bytes are wiped on drop.
#[derive(Clone)]
struct Key {
    secret: Secret,
    /// What `Delivery::secret_name` says when this key matched.
    name: Arc<str>,
    /// SHA-256 of the secret: tokens are compared through fixed-size
    /// digests, so the comparison's time says nothing about the length.
    digest: [u8; 32],
}

/// Why a blank secret is refused, before [`naming_receiver`] says whose.
const BLANK: &str = "the secret is empty or only whitespace, so anyone could sign with it";

/// `error`, saying whose secret it is when it is the blank-secret refusal:
/// `blank` is that refusal's message naming the receiver.
pub(crate) fn naming_receiver(error: Error, blank: &'static str) -> Error {
    match error {
        Error::InvalidSecret(BLANK) => Error::InvalidSecret(blank),
        other => other,
    }
}

/// The name of the secret a receiver is built with, unless named otherwise
/// (**our default**).
pub(crate) const PRIMARY: &str = "primary";

/// The tokens a token receiver accepts, the first one sent when signing
/// (HMAC secrets are held by the receiver core's key set).
///
/// Holding several is how rotation works: during a roll the receiver accepts
/// both the old and the new secret. Each has a name, for logs: the first is
/// [`PRIMARY`] and the next ones `secret-1`, `secret-2`… by position, unless
/// added with a name of their own.
#[derive(Clone, Default)]
pub(crate) struct Keyring {
    keys: Vec<Key>,
}

impl Keyring {
    /// A ring holding one usable secret.
    pub(crate) fn new(secret: Secret) -> Result<Self, Error> {
        Keyring::default().with(secret)
    }

    /// Adds another usable secret.
    pub(crate) fn with(self, secret: Secret) -> Result<Self, Error> {
        let secret = secret.usable()?;
        let name = self.default_name();
        self.with_key_named(&name, secret)
    }

    /// Adds another usable secret under `name`.
    pub(crate) fn with_named(self, name: &str, secret: Secret) -> Result<Self, Error> {
        let secret = secret.usable()?;
        self.with_key_named(name, secret)
    }

    /// The name a key added without one gets: its position.
    fn default_name(&self) -> Arc<str> {
        match self.keys.len() {
            0 => PRIMARY.into(),
            n => format!("secret-{n}").into(),
        }
    }

    /// Adds `key` under `name`: non-empty, printable, and no other key's,
    /// so that a log line names one secret.
    fn with_key_named(self, name: &str, key: Secret) -> Result<Self, Error> {
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(Error::InvalidSecret(
                "a secret's name must be printable text, not empty",
            ));
        }
        if self.keys.iter().any(|k| &*k.name == name) {
            return Err(Error::InvalidSecret(
                "two secrets of one receiver have the same name",
            ));
        }
        self.push(name.into(), key)
    }

    fn push(mut self, name: Arc<str>, secret: Secret) -> Result<Self, Error> {
        let digest = Sha256::digest(secret.expose()).into();
        self.keys.push(Key {
            secret,
            name,
            digest,
        });
        Ok(self)
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub(crate) fn len(&self) -> usize {
        self.keys.len()
    }

    /// The name of the key at `index`, shared, not copied.
    pub(crate) fn name(&self, index: usize) -> Option<Arc<str>> {
        self.keys.get(index).map(|k| Arc::clone(&k.name))
    }

    /// The first secret's raw bytes (tokens are sent as they are).
    pub(crate) fn primary(&self) -> Option<&Secret> {
        self.keys.first().map(|k| &k.secret)
    }

    /// Which secret `candidate` equals, compared in constant time.
    ///
    /// Both sides are hashed first, so neither the candidate's length nor
    /// the secrets' shows in the time taken, and every secret is compared
    /// even after a match, so the time does not tell which one matched.
    pub(crate) fn find_token(&self, candidate: &[u8]) -> Option<usize> {
        let candidate: [u8; 32] = Sha256::digest(candidate).into();
        let mut found = subtle::Choice::from(0);
        let mut index = 0u64;
        for (i, key) in self.keys.iter().enumerate() {
            let equal = key.digest.ct_eq(&candidate);
            index.conditional_assign(&(i as u64), equal);
            found |= equal;
        }
        bool::from(found).then(|| usize::try_from(index).unwrap_or(usize::MAX))
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} secret(s)", self.keys.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ring(secrets: &[&str]) -> Keyring {
        secrets.iter().fold(Keyring::default(), |ring, s| {
            ring.with(Secret::from(*s)).expect("usable")
        })
    }

    #[test]
    fn debug_never_shows_the_bytes() {
        let ring = ring(&["topsecret", "other"]);
        let shown = format!("{ring:?} {:?}", Secret::from("topsecret"));
        assert_eq!(shown, "2 secret(s) Secret { .. }");
    }

    #[test]
    fn tokens_match_any_secret_exactly_and_say_which() {
        let ring = ring(&["old-token", "new-token"]);
        assert_eq!(ring.find_token(b"old-token"), Some(0));
        assert_eq!(ring.find_token(b"new-token"), Some(1));
        assert_eq!(ring.find_token(b"new-toke"), None);
        assert_eq!(ring.find_token(b"new-tokenX"), None);
        assert_eq!(ring.find_token(b""), None);
        assert_eq!(Keyring::default().find_token(b""), None);
    }

    #[test]
    fn secrets_are_named_by_position_unless_named() {
        let ring = ring(&["a", "b"])
            .with_named("previous", "c".into())
            .expect("usable");
        let names: Vec<_> = (0..4).map(|i| ring.name(i)).collect();
        assert_eq!(
            names,
            [
                Some("primary".into()),
                Some("secret-1".into()),
                Some("previous".into()),
                None
            ]
        );
    }

    #[test]
    fn a_name_must_be_printable_and_unique() {
        for bad in ["", " ", "a\nb", "primary"] {
            assert!(
                matches!(
                    ring(&["a"]).with_named(bad, "b".into()),
                    Err(Error::InvalidSecret(_))
                ),
                "{bad:?}"
            );
        }
        // A default name taken by an earlier chosen one is refused too.
        let taken = Keyring::default()
            .with_named("secret-1", "a".into())
            .expect("usable");
        assert!(taken.with("b".into()).is_err());
        // A blank secret is refused before its name is looked at.
        assert!(matches!(
            ring(&["a"]).with_named("next", " ".into()),
            Err(Error::InvalidSecret(reason)) if reason.contains("empty")
        ));
    }

    #[test]
    fn blank_secrets_are_refused() {
        for blank in ["", " ", "\t\n", "\u{3000}"] {
            assert!(
                matches!(Keyring::new(blank.into()), Err(Error::InvalidSecret(_))),
                "{blank:?}"
            );
        }
        assert!(Keyring::new(Secret::from(vec![0xff, 0xfe])).is_ok());
        assert!(Keyring::new(" s ".into()).is_ok());
    }
}
