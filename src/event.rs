//! What every provider's event offers, the holder for event types this crate
//! does not know, and the macro that declares each provider's `EventData`.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::Error;
use crate::engine::json::parse_fragment;

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
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let funnel = webhook_kit::funnel::Funnel::new();
    /// let event = funnel.parse(br#"{"id": 8932127, "event": "quote.created", "data": {}}"#)?;
    /// assert_eq!(event.id(), "8932127");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn id(&self) -> Cow<'_, str>;

    /// The provider's name for the event type, such as
    /// `lease_transaction.status_updated`.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let falu = webhook_kit::falu::Falu::new("s")?;
    /// let event = falu.parse(br#"{"id": "e", "type": "io.falu.message.sent", "specversion": "1.0", "data": {}}"#)?;
    /// assert_eq!(event.event_type(), "message.sent");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn event_type(&self) -> &str;

    /// When the provider says the event happened, if it says.
    ///
    /// ```
    /// use webhook_kit::{Provider, WebhookEvent};
    ///
    /// let fourvenues = webhook_kit::fourvenues::Fourvenues::new("s")?;
    /// let event = fourvenues.parse(br#"{"id": "e", "event": "payment.success", "payload": {"payment_id": "p"}}"#)?;
    /// assert_eq!(event.occurred_at(), None); // Fourvenues sends no time
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    fn occurred_at(&self) -> Option<OffsetDateTime>;
}

/// An event type this version of the crate does not model.
///
/// New event types from a provider are never an error: they arrive here with
/// their name and their data as raw JSON.
///
/// ```
/// use webhook_kit::Provider;
/// use webhook_kit::clickfunnels::{ClickFunnels, EventData};
///
/// let receiver = ClickFunnels::new("s")?;
/// let event = receiver.parse(br#"{"event_id": "e", "event_type": "survey.answered", "data": {"q": 1}}"#)?;
/// let EventData::Unknown(unknown) = &event.data else { panic!("a new type") };
/// assert_eq!(unknown.event_type, "survey.answered");
/// assert_eq!(unknown.data["q"], 1);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UnknownEvent {
    /// The provider's name for the type.
    pub event_type: String,
    /// The event's data, untouched (`null` if the payload had none).
    pub data: serde_json::Value,
}

impl UnknownEvent {
    pub(crate) fn new(
        event_type: &str,
        body: &[u8],
        data: Option<&RawValue>,
        field: &'static str,
    ) -> Result<Self, Error> {
        Ok(UnknownEvent {
            event_type: event_type.to_owned(),
            data: parse_fragment(body, data, field)?,
        })
    }
}

/// How `EventData` looks when an event is queued: `{"type": …, "data": …}`,
/// with the provider's own type name, so a stored event reads back as the
/// same variant.
#[derive(Serialize)]
pub(crate) struct TaggedRef<'a, T: Serialize> {
    #[serde(rename = "type")]
    pub(crate) event_type: &'a str,
    pub(crate) data: &'a T,
}

/// The owned form of [`TaggedRef`], for reading a queued event back.
#[derive(Deserialize)]
pub(crate) struct Tagged {
    #[serde(rename = "type")]
    pub(crate) event_type: String,
    #[serde(default)]
    pub(crate) data: serde_json::Value,
}

/// Declares a provider's `EventData` enum: one variant per known event type,
/// plus `Unknown`, the dispatch from the type's name to its variant, and the
/// serde form `{"type": …, "data": …}` that queues use. `module` is the
/// sender's public module (`"falu"` for `webhook_kit::falu`), for the
/// examples in the generated docs.
macro_rules! event_data {
    (
        module: $module:literal,
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
            /// fragment of `body`, the envelope's field `field`.
            #[allow(dead_code, reason = "not every provider reads fragments")]
            pub(crate) fn from_fragment(
                event_type: &str,
                body: &[u8],
                data: Option<&serde_json::value::RawValue>,
                field: &'static str,
            ) -> Result<Self, $crate::Error> {
                match event_type {
                    $( $name => $crate::engine::json::parse_fragment(body, data, field).map(EventData::$variant), )*
                    other => $crate::UnknownEvent::new(other, body, data, field).map(EventData::Unknown),
                }
            }

            /// The provider's name for this event's type.
            ///
            /// It is the `type` of the JSON form too, so a stored event's
            /// name is the one the provider sent, known to this crate or not.
            ///
            #[doc = concat!("```\n",
                "use webhook_kit::", $module, "::EventData;\n",
                "\n",
                "let data: EventData = serde_json::from_str(r#\"{\"type\": \"brand.new\", \"data\": {\"id\": 1}}\"#)?;\n",
                "assert!(matches!(data, EventData::Unknown(_)));\n",
                "assert_eq!(data.event_type(), \"brand.new\");\n",
                "# Ok::<(), serde_json::Error>(())\n",
                "```")]
            pub fn event_type(&self) -> &str {
                match self {
                    $( EventData::$variant(_) => $name, )*
                    EventData::Unknown(unknown) => &unknown.event_type,
                }
            }
        }

        impl $crate::engine::envelope::TypedData for EventData {
            fn deserialize_as<'de, D: serde::Deserializer<'de>>(
                event_type: &str,
                data: D,
            ) -> Result<Self, D::Error> {
                match event_type {
                    $( $name => <$ty as serde::Deserialize>::deserialize(data).map(EventData::$variant), )*
                    other => <serde_json::Value as serde::Deserialize>::deserialize(data).map(|data| {
                        EventData::Unknown($crate::UnknownEvent {
                            event_type: other.to_owned(),
                            data,
                        })
                    }),
                }
            }
        }

        impl serde::Serialize for EventData {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use $crate::event::TaggedRef;
                match self {
                    $( EventData::$variant(data) => TaggedRef { event_type: $name, data }.serialize(serializer), )*
                    EventData::Unknown(unknown) => TaggedRef {
                        event_type: &unknown.event_type,
                        data: &unknown.data,
                    }
                    .serialize(serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for EventData {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let tagged = $crate::event::Tagged::deserialize(deserializer)?;
                match tagged.event_type.as_str() {
                    $( $name => serde_json::from_value(tagged.data)
                        .map(EventData::$variant)
                        .map_err(serde::de::Error::custom), )*
                    _ => Ok(EventData::Unknown($crate::UnknownEvent {
                        event_type: tagged.event_type,
                        data: tagged.data,
                    })),
                }
            }
        }
    };
}
pub(crate) use event_data;

/// Implements [`WebhookEvent`] for the `Event` of a sender with an
/// `EventData` enum: the id is its `id` field, the type the one its `data`
/// names, and the time its field `time` names (none where none is given).
macro_rules! data_event {
    ($event:ident $(, time: $time:ident)?) => {
        impl $crate::WebhookEvent for $event {
            fn id(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(&self.id)
            }

            fn event_type(&self) -> &str {
                self.data.event_type()
            }

            fn occurred_at(&self) -> Option<time::OffsetDateTime> {
                None $( .or(self.$time) )?
            }
        }
    };
}
#[allow(unused_imports, reason = "used by the senders with an EventData enum")]
pub(crate) use data_event;

/// Declares a described sender's `Event`: its id, type and time (what
/// [`WebhookEvent`] reads), the sender's other envelope fields, and `raw`,
/// the whole body as sent, so no field the crate does not know is lost.
/// The sender's `parse` fills it from its own envelope.
///
/// For a flat envelope, where each field is one top-level key of the body,
/// the second form names the key after `from` and writes `parse` too:
/// `id from "event_id"` (without a key the id is empty), `event_type from
/// "type"` (required), `occurred_at from "created_at" as rfc3339` (or
/// `unix_seconds`, `unix_millis`; without a key the time is `None`), and
/// `data from "payload": Value` for each other field, absent meaning its
/// `Default`.
macro_rules! typed_event {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$id_doc:meta])* id,
            $(#[$type_doc:meta])* event_type,
            $(#[$time_doc:meta])* occurred_at,
            $( $(#[$doc:meta])* $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            $(#[$id_doc])*
            pub id: String,
            $(#[$type_doc])*
            pub event_type: String,
            $(#[$time_doc])*
            #[serde(with = "time::serde::rfc3339::option")]
            pub occurred_at: Option<time::OffsetDateTime>,
            $( $(#[$doc])* pub $field: $ty, )*
            /// The whole body, as sent.
            pub raw: serde_json::Value,
        }

        impl $crate::WebhookEvent for $name {
            fn id(&self) -> std::borrow::Cow<'_, str> {
                std::borrow::Cow::Borrowed(&self.id)
            }

            fn event_type(&self) -> &str {
                &self.event_type
            }

            fn occurred_at(&self) -> Option<time::OffsetDateTime> {
                self.occurred_at
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(#[$id_doc:meta])* id $(from $id_key:literal)?,
            $(#[$type_doc:meta])* event_type from $type_key:literal,
            $(#[$time_doc:meta])* occurred_at $(from $time_key:literal as $time_form:ident)?,
            $( $(#[$doc:meta])* $field:ident from $key:literal : $ty:ty ),* $(,)?
        }
    ) => {
        $crate::event::typed_event! {
            $(#[$meta])*
            pub struct $name {
                $(#[$id_doc])* id,
                $(#[$type_doc])* event_type,
                $(#[$time_doc])* occurred_at,
                $( $(#[$doc])* $field: $ty, )*
            }
        }

        #[derive(serde::Deserialize)]
        struct Envelope {
            $( #[serde(rename = $id_key)] id: String, )?
            #[serde(rename = $type_key)]
            event_type: String,
            $(
            #[serde(default, rename = $time_key)]
            occurred_at: $crate::event::typed_event!(@time_text $time_form),
            )?
            $( #[serde(default, rename = $key)] $field: $ty, )*
        }

        fn parse(body: &[u8]) -> Result<$name, $crate::Error> {
            let envelope: Envelope = $crate::engine::json::parse_body(body)?;
            Ok($name {
                id: $crate::event::typed_event!(@id envelope $(, $id_key)?),
                event_type: envelope.event_type,
                occurred_at: $crate::event::typed_event!(@time envelope $(, $time_form)?),
                $( $field: envelope.$field, )*
                raw: $crate::engine::json::parse_body(body)?,
            })
        }
    };
    (@id $envelope:ident) => { String::new() };
    (@id $envelope:ident, $key:literal) => { $envelope.id };
    (@time_text rfc3339) => { Option<String> };
    (@time_text unix_seconds) => { Option<i64> };
    (@time_text unix_millis) => { Option<i64> };
    (@time $envelope:ident) => { None };
    (@time $envelope:ident, rfc3339) => {
        $crate::event::rfc3339($envelope.occurred_at.as_deref())
    };
    (@time $envelope:ident, unix_seconds) => {
        $crate::event::unix_time($envelope.occurred_at, false)
    };
    (@time $envelope:ident, unix_millis) => {
        $crate::event::unix_time($envelope.occurred_at, true)
    };
}
pub(crate) use typed_event;

/// An RFC 3339 time from an envelope, or `None` when absent or unreadable:
/// an odd time is no reason to refuse an authentic event.
#[cfg_attr(
    not(feature = "paddle"),
    allow(dead_code, reason = "read by some senders")
)]
pub(crate) fn rfc3339(text: Option<&str>) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(text?, &time::format_description::well_known::Rfc3339).ok()
}

/// A Unix time in seconds (`millis` false) or milliseconds from an envelope.
#[cfg_attr(
    not(feature = "paddle"),
    allow(dead_code, reason = "read by some senders")
)]
pub(crate) fn unix_time(value: Option<i64>, millis: bool) -> Option<OffsetDateTime> {
    let value = i128::from(value?);
    let nanos = if millis {
        value * 1_000_000
    } else {
        value * 1_000_000_000
    };
    OffsetDateTime::from_unix_timestamp_nanos(nanos).ok()
}
