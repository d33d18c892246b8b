//! What every provider's event offers, the holder for event types this crate
//! does not know, and the JSON plumbing that keeps error positions honest.

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::Error;

/// The common face of every provider's `Event`.
///
/// ```
/// use webhook_kit::{Provider, WebhookEvent};
/// use webhook_kit::standard::StandardWebhooks;
///
/// let receiver = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")?;
/// let event = receiver.parse(br#"{"type": "invoice.paid", "timestamp": "2024-01-01T00:00:00Z", "data": {}}"#)?;
/// assert_eq!(event.event_type(), "invoice.paid");
/// assert!(event.occurred_at().is_some());
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub trait WebhookEvent {
    /// The provider's id for this event, as text (Funnel's v2 ids are
    /// integers). Empty where the provider's payload carries none.
    fn id(&self) -> Cow<'_, str>;

    /// The provider's name for the event type, such as
    /// `lease_transaction.status_updated`.
    fn event_type(&self) -> &str;

    /// When the provider says the event happened, if it says.
    fn occurred_at(&self) -> Option<OffsetDateTime>;
}

/// An event type this version of the crate does not model.
///
/// New event types from a provider are never an error: they arrive here with
/// their name and their data as raw JSON.
#[derive(Clone, Debug, PartialEq)]
pub struct UnknownEvent {
    /// The provider's name for the type.
    pub event_type: String,
    /// The event's data, untouched (`null` if the payload had none).
    pub data: serde_json::Value,
}

/// Deserializes a whole body, with serde_json's position in the error.
pub(crate) fn parse_body<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    serde_json::from_slice(body).map_err(|e| Error::payload(&e, body, 0))
}

/// Deserializes a fragment of `body` (as captured by `RawValue`), reporting
/// errors at their position in the whole body. A missing fragment reads as
/// `null`.
pub(crate) fn parse_fragment<T: DeserializeOwned>(
    body: &[u8],
    fragment: Option<&RawValue>,
) -> Result<T, Error> {
    let Some(fragment) = fragment else {
        return serde_json::from_str("null").map_err(|e| Error::payload(&e, body, 0));
    };
    let text = fragment.get();
    // The fragment borrows from `body` when it was parsed from it; find where.
    let offset = (text.as_ptr() as usize)
        .checked_sub(body.as_ptr() as usize)
        .filter(|&o| o <= body.len())
        .unwrap_or(0);
    serde_json::from_str(text).map_err(|e| Error::payload(&e, body, offset))
}

impl UnknownEvent {
    pub(crate) fn new(
        event_type: &str,
        body: &[u8],
        data: Option<&RawValue>,
    ) -> Result<Self, Error> {
        Ok(UnknownEvent {
            event_type: event_type.to_owned(),
            data: parse_fragment(body, data)?,
        })
    }
}

/// Declares a provider's `EventData` enum: one variant per known event type,
/// plus `Unknown`, and the dispatch from the type's name to its variant.
macro_rules! event_data {
    (
        $(#[$meta:meta])*
        pub enum EventData {
            $( $(#[$vmeta:meta])* $name:literal => $variant:ident($ty:ty), )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq)]
        #[non_exhaustive]
        pub enum EventData {
            $( $(#[$vmeta])* #[doc = concat!("`", $name, "`")] $variant($ty), )*
            /// An event type this version of the crate does not know.
            Unknown($crate::UnknownEvent),
        }

        impl EventData {
            /// Reads the data of an event of type `event_type` from its
            /// fragment of `body`.
            pub(crate) fn from_fragment(
                event_type: &str,
                body: &[u8],
                data: Option<&serde_json::value::RawValue>,
            ) -> Result<Self, $crate::Error> {
                match event_type {
                    $( $name => $crate::event::parse_fragment(body, data).map(EventData::$variant), )*
                    other => $crate::UnknownEvent::new(other, body, data).map(EventData::Unknown),
                }
            }

            /// The provider's name for this event's type.
            pub fn event_type(&self) -> &str {
                match self {
                    $( EventData::$variant(_) => $name, )*
                    EventData::Unknown(unknown) => &unknown.event_type,
                }
            }
        }
    };
}
pub(crate) use event_data;

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        data: Option<&'a RawValue>,
    }

    #[test]
    fn fragment_errors_point_into_the_body() {
        let body = b"{\n  \"data\": {\"n\": \"x\"}\n}";
        let env: Envelope<'_> = parse_body(body).expect("envelope");
        let err =
            parse_fragment::<std::collections::BTreeMap<String, u8>>(body, env.data).unwrap_err();
        // Where serde_json itself points when parsing the whole body at once.
        #[derive(Debug, serde::Deserialize)]
        #[allow(dead_code, reason = "only the error matters")]
        struct Whole {
            data: std::collections::BTreeMap<String, u8>,
        }
        let direct = serde_json::from_slice::<Whole>(body).unwrap_err();
        match err {
            Error::InvalidPayload { line, column, .. } => {
                assert_eq!((line, column), (direct.line(), direct.column()));
                assert_eq!((line, column), (2, 19));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn missing_fragment_reads_as_null() {
        let v: serde_json::Value = parse_fragment(b"{}", None).expect("null");
        assert!(v.is_null());
        assert!(parse_fragment::<u8>(b"{}", None).is_err());
    }

    #[test]
    fn non_json_bodies_are_payload_errors() {
        for body in [&b""[..], b"\xff\xfe", b"{", b"[1,2]", b"null"] {
            let err = parse_body::<Envelope<'_>>(body).unwrap_err();
            assert!(matches!(err, Error::InvalidPayload { .. }), "{body:?}");
        }
    }
}
