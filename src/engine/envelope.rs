//! Reading an envelope and its event's data in one pass.
//!
//! An envelope names its event type in one field and carries the data in
//! another. Read in two passes (the data captured as raw JSON, then parsed
//! once the type is known), the data's bytes are scanned twice. Here the
//! provider's own `Envelope` struct is deserialized through a map that
//! watches its keys: a type field's value is noted as it passes, and a data
//! field whose type is already known is read straight into the typed data,
//! its `Envelope` field left empty. Data before its type is captured as
//! before, and the provider parses it afterwards.
//!
//! The one-pass read is only a faster route to the same result. On any
//! error it gives up and the provider runs its two-pass read, whose errors
//! (messages, positions) are the ones a caller sees: a bad body costs at
//! most one extra, linear read, never more.

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StrDeserializer};
use serde::de::{self, Deserialize, DeserializeSeed, Deserializer, MapAccess, Visitor};

use crate::Error;
use crate::engine::json::{body_text, parse_body};

/// An envelope's (type field, data field) pairs, in priority order: the
/// first type field present names the type, and its pair's data field
/// holds the data.
pub(crate) type Pairs = &'static [(&'static str, &'static str)];

/// The most pairs an envelope may have (Funnel's v2 and v3 are two).
const MAX_PAIRS: usize = 2;

/// How a provider reads an event's data once the type is known.
pub(crate) trait ReadData {
    /// The typed data.
    type Data;

    /// Whether the data of an `event_type` event (under pair `pair`) is read
    /// in the pass; when not, it is captured raw, as in the two-pass read.
    fn reads(&self, _pair: usize, _event_type: &str) -> bool {
        true
    }

    /// Reads the data of an `event_type` event.
    fn read<'de, D: Deserializer<'de>>(
        &self,
        pair: usize,
        event_type: &str,
        data: D,
    ) -> Result<Self::Data, D::Error>;
}

/// Data whose type picks how it is read: the `EventData` of `event_data!`.
pub(crate) trait TypedData: Sized {
    /// Reads the data of an `event_type` event, as `from_fragment` would.
    fn deserialize_as<'de, D: Deserializer<'de>>(
        event_type: &str,
        data: D,
    ) -> Result<Self, D::Error>;
}

/// The [`ReadData`] of providers whose type names are used as sent.
pub(crate) struct ByType<T>(PhantomData<T>);

impl<T> ByType<T> {
    pub(crate) const fn new() -> Self {
        ByType(PhantomData)
    }
}

impl<T: TypedData> ReadData for ByType<T> {
    type Data = T;

    fn read<'de, D: Deserializer<'de>>(
        &self,
        _pair: usize,
        event_type: &str,
        data: D,
    ) -> Result<T, D::Error> {
        T::deserialize_as(event_type, data)
    }
}

/// Reads `body` into the provider's envelope `E`, and the data of the pair
/// that names the type into `R::Data` when its type came first. `None` when
/// anything fails: the caller then reads the body in two passes, for the
/// error it reports.
///
/// The envelope's data fields must be `Option`s that default to `None` (a
/// field read in the pass reads as absent); its other fields are untouched.
pub(crate) fn read_one_pass<'de, E, R>(
    body: &'de [u8],
    pairs: Pairs,
    reader: &R,
) -> Option<(E, Option<R::Data>)>
where
    E: Deserialize<'de>,
    R: ReadData,
{
    if pairs.len() > MAX_PAIRS {
        return None;
    }
    let text = body_text(body).ok()?;
    let mut state = State {
        types: [None, None],
        data: None,
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let envelope = de
        .deserialize_map(Outer {
            pairs,
            reader,
            state: &mut state,
            envelope: PhantomData,
        })
        .ok()?;
    de.end().ok()?;
    let governing = state.types.iter().position(Option::is_some);
    let data = match (governing, state.data) {
        (Some(pair), Some((read, data))) if pair == read => Some(data),
        _ => None,
    };
    Some((envelope, data))
}

/// [`read_one_pass`], or where it gives up, the two-pass read of `E`
/// (the data left captured), whose errors are the ones a caller reports.
pub(crate) fn read_envelope<'de, E, R>(
    body: &'de [u8],
    pairs: Pairs,
    reader: &R,
) -> Result<(E, Option<R::Data>), Error>
where
    E: Deserialize<'de>,
    R: ReadData,
{
    match read_one_pass(body, pairs, reader) {
        Some(read) => Ok(read),
        None => Ok((parse_body(body)?, None)),
    }
}

/// What the pass has seen so far.
struct State<'de, T> {
    /// Each pair's type, once its field has passed.
    types: [Option<Cow<'de, str>>; MAX_PAIRS],
    /// Data read in the pass, with its pair.
    data: Option<(usize, T)>,
}

struct Outer<'s, 'de, E, R: ReadData> {
    pairs: Pairs,
    reader: &'s R,
    state: &'s mut State<'de, R::Data>,
    envelope: PhantomData<E>,
}

impl<'de, E: Deserialize<'de>, R: ReadData> Visitor<'de> for Outer<'_, 'de, E, R> {
    type Value = E;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<E, A::Error> {
        E::deserialize(MapAccessDeserializer::new(Watch {
            map,
            pairs: self.pairs,
            reader: self.reader,
            state: self.state,
            pending: Role::Other,
        }))
    }
}

/// What the key just read is to the pass.
#[derive(Clone, Copy)]
enum Role {
    Other,
    Type(usize),
    Data(usize),
}

fn role(pairs: Pairs, key: &str) -> Role {
    for (index, (type_field, data_field)) in pairs.iter().enumerate() {
        if key == *type_field {
            return Role::Type(index);
        }
        if key == *data_field {
            return Role::Data(index);
        }
    }
    Role::Other
}

/// The envelope's map, as the derived `Deserialize` of `E` reads it, with
/// the type and data fields' values intercepted.
struct Watch<'s, 'de, A, R: ReadData> {
    map: A,
    pairs: Pairs,
    reader: &'s R,
    state: &'s mut State<'de, R::Data>,
    pending: Role,
}

impl<'de, A: MapAccess<'de>, R: ReadData> MapAccess<'de> for Watch<'_, 'de, A, R> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let key = self.map.next_key_seed(KeySeed {
            seed,
            pairs: self.pairs,
        })?;
        Ok(key.map(|(role, key)| {
            self.pending = role;
            key
        }))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        match std::mem::replace(&mut self.pending, Role::Other) {
            Role::Other => self.map.next_value_seed(seed),
            Role::Type(pair) => self.map.next_value_seed(TypeSeed {
                seed,
                slot: &mut self.state.types[pair],
            }),
            Role::Data(pair) => {
                let State { types, data } = &mut *self.state;
                // The type is known, and no pair before this one has named
                // another (one after it cannot take over).
                let known = match types.iter().position(Option::is_some) {
                    Some(first) if first == pair => types[pair].as_deref(),
                    _ => None,
                };
                match known {
                    Some(event_type) if self.reader.reads(pair, event_type) => {
                        self.map.next_value_seed(DataSeed {
                            seed,
                            reader: self.reader,
                            pair,
                            event_type,
                            out: data,
                        })
                    }
                    _ => self.map.next_value_seed(seed),
                }
            }
        }
    }
}

/// A key, handed on to the envelope's field identifier and classified.
struct KeySeed<K> {
    seed: K,
    pairs: Pairs,
}

impl<'de, K: DeserializeSeed<'de>> DeserializeSeed<'de> for KeySeed<K> {
    type Value = (Role, K::Value);

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, K: DeserializeSeed<'de>> Visitor<'de> for KeySeed<K> {
    type Value = (Role, K::Value);

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E: de::Error>(self, key: &'de str) -> Result<Self::Value, E> {
        let value = self.seed.deserialize(BorrowedStrDeserializer::new(key))?;
        Ok((role(self.pairs, key), value))
    }

    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        let value = self.seed.deserialize(StrDeserializer::new(key))?;
        Ok((role(self.pairs, key), value))
    }
}

/// A type field's value: noted, then handed on to the envelope's field.
struct TypeSeed<'s, 'de, V> {
    seed: V,
    slot: &'s mut Option<Cow<'de, str>>,
}

impl<'de, V: DeserializeSeed<'de>> DeserializeSeed<'de> for TypeSeed<'_, 'de, V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de, V: DeserializeSeed<'de>> Visitor<'de> for TypeSeed<'_, 'de, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an event type")
    }

    fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<V::Value, E> {
        *self.slot = Some(Cow::Borrowed(text));
        self.seed.deserialize(Text(text, PhantomData))
    }

    fn visit_str<E: de::Error>(self, text: &str) -> Result<V::Value, E> {
        // Only a type written with escapes is copied.
        *self.slot = Some(Cow::Owned(text.to_owned()));
        self.seed.deserialize(Text(text, PhantomData))
    }
}

/// A data field's value, read into the typed data; the envelope's field
/// reads as absent.
struct DataSeed<'s, V, R: ReadData> {
    seed: V,
    reader: &'s R,
    pair: usize,
    event_type: &'s str,
    out: &'s mut Option<(usize, R::Data)>,
}

impl<'de, V: DeserializeSeed<'de>, R: ReadData> DeserializeSeed<'de> for DataSeed<'_, V, R> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<V::Value, D::Error> {
        let data = self.reader.read(self.pair, self.event_type, deserializer)?;
        *self.out = Some((self.pair, data));
        self.seed.deserialize(Absent(PhantomData))
    }
}

/// Text already read, for a field that takes a string or an optional one.
struct Text<'a, E>(&'a str, PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Text<'_, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_str(self.0)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// A value the pass has taken: `None` for an optional field, unit for an
/// ignored one.
struct Absent<E>(PhantomData<E>);

impl<'de, E: de::Error> Deserializer<'de> for Absent<E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_none()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use serde_json::Value;
    use serde_json::value::RawValue;

    use super::*;

    /// Data that keeps the type it was read for.
    #[derive(Debug, PartialEq)]
    struct Tagged(String, Value);

    impl TypedData for Tagged {
        fn deserialize_as<'de, D: Deserializer<'de>>(
            event_type: &str,
            data: D,
        ) -> Result<Self, D::Error> {
            Ok(Tagged(event_type.to_owned(), Value::deserialize(data)?))
        }
    }

    /// Two pairs, as Funnel's v2 and v3 envelopes.
    #[derive(Debug, serde::Deserialize)]
    struct TwoPairs<'a> {
        #[serde(default)]
        first_type: Option<String>,
        #[serde(borrow, default)]
        first_data: Option<&'a RawValue>,
        #[serde(default)]
        second_type: Option<String>,
        #[serde(borrow, default)]
        second_data: Option<&'a RawValue>,
        #[serde(default)]
        id: Option<u64>,
    }

    const PAIRS: Pairs = &[("first_type", "first_data"), ("second_type", "second_data")];

    fn read(body: &str) -> Option<(TwoPairs<'_>, Option<Tagged>)> {
        read_one_pass(body.as_bytes(), PAIRS, &ByType::<Tagged>::new())
    }

    fn tagged(event_type: &str, data: &str) -> Option<Tagged> {
        Some(Tagged(
            event_type.into(),
            serde_json::from_str(data).expect("JSON"),
        ))
    }

    #[test]
    fn data_after_its_type_is_read_in_the_pass() {
        let (envelope, data) =
            read(r#"{"id": 7, "first_type": "a.b", "first_data": {"n": [1, 2]}}"#).expect("reads");
        assert_eq!(data, tagged("a.b", r#"{"n": [1, 2]}"#));
        // Read in the pass, so not captured as well; the rest is as derived.
        assert!(envelope.first_data.is_none());
        assert_eq!(
            (envelope.first_type.as_deref(), envelope.id),
            (Some("a.b"), Some(7))
        );
    }

    #[test]
    fn data_before_its_type_is_captured() {
        let (envelope, data) =
            read(r#"{"first_data": {"n": 1}, "first_type": "a.b"}"#).expect("reads");
        assert_eq!(data, None);
        assert_eq!(envelope.first_data.map(RawValue::get), Some(r#"{"n": 1}"#));
    }

    #[test]
    fn the_first_pair_present_names_the_type() {
        // The second pair's data, read before the first type appeared, is
        // dropped once it does: the first pair governs.
        let body = r#"{"second_type": "v3", "second_data": {"x": 1}, "first_type": "v2", "first_data": {"y": 2}}"#;
        let (envelope, data) = read(body).expect("reads");
        assert_eq!(data, tagged("v2", r#"{"y": 2}"#));
        assert!(envelope.second_data.is_none());
        assert_eq!(envelope.second_type.as_deref(), Some("v3"));
        // Once the first type is known, the second pair's data is captured
        // (and ignored by the provider), never read as typed data.
        let body = r#"{"first_type": "v2", "second_type": "v3", "second_data": {"x": 1}}"#;
        let (envelope, data) = read(body).expect("reads");
        assert_eq!(data, None);
        assert_eq!(envelope.second_data.map(RawValue::get), Some(r#"{"x": 1}"#));
        // The second pair alone governs.
        let body = r#"{"second_type": "v3", "second_data": {"x": 1}}"#;
        assert_eq!(read(body).expect("reads").1, tagged("v3", r#"{"x": 1}"#));
    }

    #[test]
    fn escaped_names_and_types_are_read_as_text() {
        let body = r#"{"first\u005ftype": "a\u002eb", "first_data": [1]}"#;
        let (envelope, data) = read(body).expect("reads");
        assert_eq!(data, tagged("a.b", "[1]"));
        assert_eq!(envelope.first_type.as_deref(), Some("a.b"));
    }

    #[test]
    fn anything_unusual_leaves_the_body_to_the_two_pass_read() {
        for body in [
            // Duplicates, whichever field.
            r#"{"first_type": "a", "first_data": 1, "first_data": 2}"#,
            r#"{"first_type": "a", "first_type": "b", "first_data": 1}"#,
            r#"{"id": 1, "id": 2}"#,
            // A type that is not text.
            r#"{"first_type": null, "first_data": 1}"#,
            r#"{"first_type": 5}"#,
            // Not an object, not JSON, not UTF-8, trailing text.
            r#"[1]"#,
            r#"{"first_type": "a", "first_data": }"#,
            "{\"id\": 1, \"x\": \"\u{fffd}\"} x",
        ] {
            assert!(read(body).is_none(), "{body}");
        }
        assert!(
            read_one_pass::<TwoPairs<'_>, _>(b"{\"x\": \"\xff\"}", PAIRS, &ByType::<Tagged>::new())
                .is_none()
        );
    }

    #[test]
    fn data_a_reader_declines_is_captured() {
        struct Declines;
        impl ReadData for Declines {
            type Data = Tagged;
            fn reads(&self, _pair: usize, event_type: &str) -> bool {
                event_type != "raw"
            }
            fn read<'de, D: Deserializer<'de>>(
                &self,
                _pair: usize,
                event_type: &str,
                data: D,
            ) -> Result<Tagged, D::Error> {
                Tagged::deserialize_as(event_type, data)
            }
        }
        let body = br#"{"first_type": "raw", "first_data": {"n": 1}}"#;
        let (envelope, data) =
            read_one_pass::<TwoPairs<'_>, _>(body, PAIRS, &Declines).expect("reads");
        assert_eq!(data, None);
        assert_eq!(envelope.first_data.map(RawValue::get), Some(r#"{"n": 1}"#));
    }
}
