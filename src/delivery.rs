//! What the verification engine learned about one authenticated request.

use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a verified request told about itself: its delivery or message id,
/// the timestamp it signed, and which accepted secret matched.
///
/// [`Provider::verify_at`](crate::Provider::verify_at) returns one for every
/// request it authenticates; only the crate's verification engine makes one.
/// It is small and owns its data (an id of up to 64 bytes is kept inline,
/// without allocating), so a handler can keep it next to the event, queue it,
/// or log it.
///
/// [`Delivery::secret_name`] (and [`Delivery::secret_index`]) tell a team
/// that rotates secrets when the old secret stops being used: once no
/// request matches `"previous"` any more, drop it.
///
/// # What the signature covers
///
/// The body always, and [`timestamp`](Self::timestamp) whenever there is one
/// (only signed timestamps are reported). The [`id`](Self::id) only where
/// [`id_is_signed`](Self::id_is_signed) says so: Standard Webhooks signs
/// `webhook-id`, Fourvenues' `x-webhook-id` must equal the signed body's id,
/// but GitHub's `X-GitHub-Delivery` and Shopify's `X-Shopify-Webhook-Id`
/// (like every other header those two send) are outside the MAC, so anyone
/// holding one captured delivery can resend it under any id. Deduplicate
/// such deliveries by their signed content
/// ([`dedup::content_key`](crate::dedup::content_key)), and never route,
/// authorise or trust anything on an unsigned header.
///
/// # Example
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::standard::StandardWebhooks;
///
/// let old = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?
///     .with_secret_named("previous", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let now = time::OffsetDateTime::now_utc();
/// let body = br#"{"type": "user.created", "data": {}}"#;
///
/// // A sender still signing with the old secret.
/// let headers = old.sign_with_id_at("msg_1", body, now)?;
/// let delivery = receiver.verify_at(&headers, body, now)?;
/// assert_eq!(delivery.id(), Some("msg_1"));
/// assert_eq!(delivery.timestamp().map(|t| t.unix_timestamp()), Some(now.unix_timestamp()));
/// assert_eq!(delivery.secret_index(), Some(1));
/// assert_eq!(delivery.secret_name(), Some("previous"));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Delivery {
    id: Option<InlineText>,
    /// Whether the signature covers `id`.
    #[serde(default)]
    id_signed: bool,
    #[serde(with = "time::serde::rfc3339::option")]
    timestamp: Option<OffsetDateTime>,
    secret_index: Option<usize>,
    #[serde(default)]
    secret_name: Option<Arc<str>>,
}

impl Delivery {
    /// `id_signed`: whether the MAC covered `id` (or `id` was checked
    /// against the signed body); ignored when there is no id.
    pub(crate) fn new(
        id: Option<&[u8]>,
        id_signed: bool,
        timestamp: Option<OffsetDateTime>,
        secret_index: Option<usize>,
    ) -> Self {
        Delivery {
            id_signed: id_signed && id.is_some(),
            id: id.map(InlineText::new),
            timestamp,
            secret_index,
            secret_name: None,
        }
    }

    /// The matching secret's name, shared rather than copied (a copy would
    /// allocate).
    pub(crate) fn shared_secret_name(&self) -> Option<Arc<str>> {
        self.secret_name.clone()
    }

    /// The same delivery, saying which secret matched by name.
    pub(crate) fn with_secret_name(mut self, name: Option<Arc<str>>) -> Self {
        self.secret_name = name;
        self
    }

    /// The delivery or message id the headers carry (`webhook-id`,
    /// `svix-id`, `x-webhook-id`, …), where the scheme has one.
    ///
    /// Header bytes that are not UTF-8 are shown with U+FFFD in their place.
    ///
    /// ```
    /// # use webhook_kit::Provider;
    /// # let receiver = webhook_kit::standard::StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// # let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_with_id_at("msg_2", b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.id(), Some("msg_2"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn id(&self) -> Option<&str> {
        self.id.as_ref().map(InlineText::as_str)
    }

    /// Whether the signature covers [`id`](Self::id): `true` for Standard
    /// Webhooks' `webhook-id`, Fourvenues' `x-webhook-id` (checked against
    /// the signed body) and a described scheme that signs its id
    /// (`sign_id_and_timestamp`); `false` when there is no id, and for
    /// GitHub's `X-GitHub-Delivery`, Shopify's `X-Shopify-Webhook-Id` and a
    /// described scheme's unsigned `id_header`, which anyone can change on a
    /// captured delivery. Where it is `false`, key deduplication on
    /// [`content_key`](crate::dedup::content_key) of the body rather than
    /// on the id.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::github::GitHub;
    /// use webhook_kit::standard::StandardWebhooks;
    ///
    /// let now = time::OffsetDateTime::now_utc();
    /// let standard = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
    /// let headers = standard.sign_with_id_at("msg_1", b"{}", now)?;
    /// assert!(standard.verify_at(&headers, b"{}", now)?.id_is_signed());
    ///
    /// let github = GitHub::new("gh-secret")?;
    /// let headers = github.sign_event_at("ping", "guid-1", b"{}", now)?;
    /// let delivery = github.verify_at(&headers, b"{}", now)?;
    /// assert_eq!(delivery.id(), Some("guid-1"));
    /// assert!(!delivery.id_is_signed());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn id_is_signed(&self) -> bool {
        self.id_signed
    }

    /// The timestamp the request signed, where the scheme signs one.
    ///
    /// ```
    /// # use webhook_kit::Provider;
    /// let receiver = webhook_kit::falu::Falu::new("falu-secret")?;
    /// let now = time::macros::datetime!(2024-04-04 19:16:31 UTC);
    /// let headers = receiver.sign_at(b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.timestamp(), Some(now));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn timestamp(&self) -> Option<OffsetDateTime> {
        self.timestamp
    }

    /// Which of the receiver's accepted secrets matched: `0` is the one
    /// given to the constructor, then one per `with_secret` call, in order.
    /// `None` where nothing was checked (a Funnel receiver without a token).
    ///
    /// ```
    /// # use webhook_kit::Provider;
    /// let open = webhook_kit::funnel::Funnel::new();
    /// assert_eq!(open.verify(&http::HeaderMap::new(), b"{}")?.secret_index(), None);
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn secret_index(&self) -> Option<usize> {
        self.secret_index
    }

    /// The name of the secret that matched, for logs: the constructor's
    /// secret is `"primary"` (**our default**), a secret added with
    /// `with_secret_named(name, …)` has that name, and one added with
    /// `with_secret` is named by its position (`"secret-1"`, `"secret-2"`…).
    /// `None` where nothing was checked, and for a Standard Webhooks Ed25519
    /// public key, which has only its index.
    ///
    /// ```
    /// # use webhook_kit::Provider;
    /// let old = webhook_kit::github::GitHub::new("old-secret")?;
    /// let receiver = webhook_kit::github::GitHub::new("new-secret")?
    ///     .with_secret_named("previous", "old-secret")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = old.sign_at(b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.secret_name(), Some("previous"));
    /// let headers = receiver.sign_at(b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.secret_name(), Some("primary"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn secret_name(&self) -> Option<&str> {
        self.secret_name.as_deref()
    }
}

impl fmt::Debug for Delivery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Delivery")
            .field("id", &self.id())
            .field("id_signed", &self.id_signed)
            .field("timestamp", &self.timestamp)
            .field("secret_index", &self.secret_index)
            .field("secret_name", &self.secret_name())
            .finish()
    }
}

/// Bytes an id keeps without allocating; longer ids go to the heap.
const INLINE: usize = 64;

/// Text that lives inline when short: verifying a request allocates nothing.
#[derive(Clone, PartialEq, Eq)]
enum InlineText {
    Inline { len: u8, bytes: [u8; INLINE] },
    Heap(Box<str>),
}

impl InlineText {
    fn new(raw: &[u8]) -> Self {
        match std::str::from_utf8(raw) {
            Ok(text) if text.len() <= INLINE => {
                let mut bytes = [0; INLINE];
                bytes[..text.len()].copy_from_slice(text.as_bytes());
                InlineText::Inline {
                    // `text.len() <= INLINE`, which fits in a byte.
                    len: text.len() as u8,
                    bytes,
                }
            }
            _ => InlineText::Heap(String::from_utf8_lossy(raw).into()),
        }
    }

    fn as_str(&self) -> &str {
        match self {
            // Only `new` fills `bytes`, from a `str`, so this is UTF-8.
            InlineText::Inline { len, bytes } => {
                std::str::from_utf8(&bytes[..usize::from(*len)]).unwrap_or_default()
            }
            InlineText::Heap(text) => text,
        }
    }
}

impl Serialize for InlineText {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for InlineText {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(InlineText::new(text.as_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_and_long_ids_read_back() {
        for id in [
            "",
            "msg_1",
            &"x".repeat(INLINE),
            &"y".repeat(INLINE + 1),
            "é✓",
        ] {
            let delivery = Delivery::new(Some(id.as_bytes()), false, None, Some(0));
            assert_eq!(delivery.id(), Some(id));
        }
        assert!(matches!(
            InlineText::new(&[b'a'; INLINE]),
            InlineText::Inline { .. }
        ));
        assert!(matches!(
            InlineText::new(&[b'a'; INLINE + 1]),
            InlineText::Heap(_)
        ));
    }

    #[test]
    fn no_id_is_never_a_signed_id() {
        assert!(!Delivery::new(None, true, None, None).id_is_signed());
        assert!(Delivery::new(Some(b"m"), true, None, None).id_is_signed());
        assert!(!Delivery::new(Some(b"m"), false, None, None).id_is_signed());
    }

    #[test]
    fn a_delivery_serialized_without_the_flag_reads_back_unsigned() {
        let delivery: Delivery =
            serde_json::from_str(r#"{"id":"m","timestamp":null,"secret_index":0}"#).expect("json");
        assert_eq!(delivery.id(), Some("m"));
        assert!(!delivery.id_is_signed());
    }

    #[test]
    fn a_delivery_stored_before_secret_names_reads_back_without_one() {
        let text = r#"{"id":"msg_1","timestamp":null,"secret_index":0}"#;
        let delivery: Delivery = serde_json::from_str(text).expect("json");
        assert_eq!(delivery.secret_index(), Some(0));
        assert_eq!(delivery.secret_name(), None);
    }

    #[test]
    fn bytes_that_are_not_utf8_are_replaced() {
        let delivery = Delivery::new(Some(b"a\xffb"), false, None, None);
        assert_eq!(delivery.id(), Some("a\u{fffd}b"));
    }

    #[test]
    fn a_json_round_trip_gives_an_equal_delivery() {
        let at = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        let delivery = Delivery::new(Some(b"msg_1"), true, Some(at), Some(2))
            .with_secret_name(Some("next".into()));
        let text = serde_json::to_string(&delivery).expect("json");
        assert_eq!(
            serde_json::from_str::<Delivery>(&text).expect("back"),
            delivery
        );
        assert_eq!(
            format!("{delivery:?}"),
            "Delivery { id: Some(\"msg_1\"), id_signed: true, timestamp: Some(2023-11-14 22:13:20.0 +00:00:00), secret_index: Some(2), secret_name: Some(\"next\") }"
        );
    }
}
