//! What a store keys an event by: ids of bounded length, and a key for
//! events whose id is missing or unsigned.

use std::borrow::Cow;

use sha2::{Digest, Sha256};

use crate::engine::signature::encode_hex;

/// The longest id, in bytes, that a store keeps as it is: 128.
///
/// Senders' ids are far shorter (GitHub's and Shopify's are 36-character
/// UUIDs, Stripe's about 30 characters), but some arrive in headers the
/// signature does not cover, so anyone holding one captured delivery can
/// send it again with an id of any length. Longer ids are keyed by their
/// digest ([`stored_id`]), so a store's memory per event stays bounded
/// whatever the id. **Our default**, not a sender's figure.
///
/// ```
/// use webhook_kit::dedup::{MAX_ID_LEN, stored_id};
///
/// let long = "x".repeat(MAX_ID_LEN + 1);
/// assert!(stored_id(&long).len() <= MAX_ID_LEN);
/// ```
pub const MAX_ID_LEN: usize = 128;

/// The text every store in this crate keys `event_id` by: the id itself
/// when it is at most [`MAX_ID_LEN`] bytes and does not start with `#`,
/// otherwise `#` followed by the 64 lowercase hex digits of its SHA-256.
///
/// Digests start with `#` and ids that start with `#` are digested too, so
/// no id is ever stored as another id's digest. Two ids share a key only if
/// SHA-256 collides. Use it in your own
/// [`IdempotencyStore`](super::IdempotencyStore) to bound its keys the same
/// way.
///
/// ```
/// use webhook_kit::dedup::stored_id;
///
/// assert_eq!(stored_id("evt_1"), "evt_1");
/// let huge = "9".repeat(65_536);
/// let digested = stored_id(&huge);
/// assert_eq!(digested.len(), 65);
/// assert!(digested.starts_with('#'));
/// assert_ne!(stored_id("#evt_1"), "#evt_1");
/// ```
pub fn stored_id(event_id: &str) -> Cow<'_, str> {
    if event_id.len() <= MAX_ID_LEN && !event_id.starts_with('#') {
        Cow::Borrowed(event_id)
    } else {
        let mut key = String::with_capacity(65);
        key.push('#');
        key.push_str(&encode_hex(&Sha256::digest(event_id.as_bytes())));
        Cow::Owned(key)
    }
}

/// A key for an event made from the bytes its signature covers: the 64
/// lowercase hex digits of their SHA-256.
///
/// For senders whose id is missing (a described scheme without
/// `id_field` or `id_header`, Slack's `url_verification` and
/// `app_rate_limited`) or travels outside the signature (GitHub's
/// `X-GitHub-Delivery`, Shopify's `X-Shopify-Webhook-Id`): a captured
/// delivery sent again under a new id still has the same signed body, so it
/// is still recognised. Pass the signed content: the body where only the
/// body is signed (GitHub, Shopify), and what else the MAC covers where it
/// covers more (Slack signs `v0:<timestamp>:<body>`; a Slack retry re-signs
/// the same body with a new timestamp, so key Slack on the body alone).
///
/// Two deliveries with byte-for-byte the same signed content count as one
/// event: right for a redelivery, wrong for a sender that sends two
/// distinct events with identical bodies (none of those above does: their
/// bodies carry the event's own id or time).
///
/// ```
/// use webhook_kit::dedup::{ExactlyOnce, Handled, MemoryStore, content_key};
/// use webhook_kit::github::GitHub;
///
/// let github = GitHub::new("It's a Secret to Everybody")?;
/// let store = MemoryStore::default();
/// let once = ExactlyOnce::new(&github, &store, "github");
/// let body = br#"{"action":"opened","number":1}"#;
///
/// // The same body replayed under any delivery id: one key.
/// let key = content_key(body);
/// assert_eq!(key.len(), 64);
/// assert!(matches!(once.run(&key, || Ok::<(), ()>(())), Handled::Processed { .. }));
/// assert!(matches!(once.run(&content_key(body), || Ok::<(), ()>(())), Handled::Duplicate { .. }));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub fn content_key(signed_content: &[u8]) -> String {
    encode_hex(&Sha256::digest(signed_content))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_up_to_the_limit_are_kept_and_longer_ones_digested() {
        let at_limit = "a".repeat(MAX_ID_LEN);
        assert_eq!(stored_id(&at_limit), at_limit.as_str());
        let over = "a".repeat(MAX_ID_LEN + 1);
        let key = stored_id(&over);
        assert_eq!(key.len(), 65);
        assert_eq!(key, format!("#{}", content_key(over.as_bytes())));
        assert_ne!(stored_id(&"a".repeat(MAX_ID_LEN + 2)), key);
    }

    #[test]
    fn no_id_is_stored_as_another_ids_digest() {
        let over = "b".repeat(MAX_ID_LEN + 1);
        let digest = stored_id(&over).into_owned();
        // The digest's own text, sent as an id, is digested again.
        assert_ne!(stored_id(&digest), digest.as_str());
        assert_eq!(stored_id("#"), format!("#{}", content_key(b"#")));
    }

    #[test]
    fn the_content_key_is_the_sha256_of_the_bytes() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            content_key(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
