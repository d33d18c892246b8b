//! What a [`CustomScheme`] makes: the receiver for one secret, and the
//! envelope event it reads.

use std::borrow::Cow;
use std::sync::Arc;

use http::{HeaderMap, HeaderName};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::engine::json::parse_body;
use crate::engine::scheme::{Scheme, SchemeRef, Verifier};
use crate::engine::secret::{Keyring, Secret};
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
/// [`CustomReceiver`] per secret (per tenant, per endpoint).
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
    pub(super) scheme: Arc<Scheme>,
    pub(super) body: Arc<BodySpec>,
    pub(super) reply: ReplyRule,
    pub(super) schedule: RetrySchedule,
}

impl CustomScheme {
    /// A receiver for deliveries signed with `secret` (its bytes are the
    /// HMAC key).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidSecret`] for an empty or whitespace-only secret.
    ///
    /// ```
    /// let scheme = webhook_kit::custom::SchemeBuilder::new("x-sig").build()?;
    /// assert!(scheme.receiver("s3cret").is_ok());
    /// assert!(scheme.receiver(" ").is_err());
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn receiver(&self, secret: impl Into<Secret>) -> Result<CustomReceiver, Error> {
        Ok(CustomReceiver {
            verifier: Verifier::with_scheme(
                SchemeRef::Shared(Arc::clone(&self.scheme)),
                Keyring::new(secret.into()).map_err(CustomReceiver::secret_error)?,
            ),
            settings: Settings::new(self.reply, self.schedule.clone()),
            body: Arc::clone(&self.body),
        })
    }
}

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
    verifier: Verifier,
    settings: Settings,
    body: Arc<BodySpec>,
}

impl std::fmt::Debug for CustomReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CustomReceiver")
            .field("verifier", &self.verifier)
            .finish()
    }
}

receiver_builders!(CustomReceiver = "webhook_kit::custom::SchemeBuilder::new(\"x-sig\").timestamp_header(\"x-ts\").sign_timestamp('.').build()?.receiver(\"secret\")?":
    with_secret, with_tolerance, max_body_size, with_reply_rule, with_retry_schedule);

impl CustomReceiver {
    /// The headers of a genuine delivery of `body` at `now` carrying the
    /// id `id` (and, where the scheme names one, the event type
    /// `event_type`). [`Provider::sign_at`] uses an id derived from the
    /// body instead, so a redelivered body keeps its id.
    ///
    /// # Errors
    ///
    /// [`Error::Signing`] for an id or type a header cannot carry, or a
    /// blank id where the scheme signs it.
    ///
    /// ```
    /// use webhook_kit::Provider;
    /// use webhook_kit::custom::SchemeBuilder;
    ///
    /// let receiver = SchemeBuilder::new("x-sig").id_header("x-id").build()?.receiver("s")?;
    /// let now = time::OffsetDateTime::now_utc();
    /// let headers = receiver.sign_delivery_at("d-1", Some("ping"), b"{}", now)?;
    /// assert_eq!(receiver.verify_at(&headers, b"{}", now)?.id(), Some("d-1"));
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn sign_delivery_at(
        &self,
        id: &str,
        event_type: Option<&str>,
        body: &[u8],
        now: OffsetDateTime,
    ) -> Result<HeaderMap, Error> {
        let mut headers = self.verifier.sign(body, now, Some(id))?;
        if let (Some(name), Some(value)) = (&self.body.event_type, event_type) {
            headers.insert(name.clone(), crate::engine::headers::header_value(value)?);
        }
        Ok(headers)
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

/// An id for a body: a UUID-shaped text of the first 16 bytes of its
/// SHA-256, so the same body always gets the same id (a redelivery keeps
/// its id, as senders' ids do).
pub(crate) fn body_id(body: &[u8]) -> String {
    let hex = crate::engine::signature::encode_hex(&Sha256::digest(body)[..16]);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Reads an unsigned header as text, if present and visible.
pub(crate) fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .map(str::to_owned)
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
        self.verifier.sign(body, now, Some(&body_id(body)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_ids_are_stable_and_uuid_shaped() {
        let id = body_id(b"{}");
        assert_eq!(id, body_id(b"{}"));
        assert_ne!(id, body_id(b"{ }"));
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
    }

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
