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
///
/// Two checks come before serde, so that every provider, and the id check
/// of [`top_level_str`], judge a body alike: JSON text is UTF-8 (serde_json
/// lets invalid bytes through inside a field it skips), and every envelope
/// is an object (serde's derived structs would also take an array of the
/// fields in order).
pub(crate) fn parse_body<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    let text = std::str::from_utf8(body).map_err(|e| {
        Error::payload_at(
            "invalid UTF-8: JSON text must be UTF-8".into(),
            body,
            e.valid_up_to(),
        )
    })?;
    let start = scan::skip_whitespace(body, 0);
    if let Some(&first) = body.get(start) {
        let found = match first {
            b'[' => Some("an array"),
            b'"' => Some("a string"),
            b'-' | b'0'..=b'9' => Some("a number"),
            b't' | b'f' => Some("a boolean"),
            b'n' => Some("null"),
            // `{`, or bytes serde_json reports better itself.
            _ => None,
        };
        if let Some(found) = found {
            let message = format!("expected a JSON object, found {found}");
            return Err(Error::payload_at(message, body, start));
        }
    }
    serde_json::from_str(text).map_err(|e| Error::payload(&e, body, 0))
}

/// The whitespace JSON allows between tokens (RFC 8259, section 2).
const JSON_WHITESPACE: &[u8] = b" \t\n\r";

/// An error about the envelope as a whole, such as a missing field, placed
/// at its last byte, where serde_json places a missing field.
pub(crate) fn envelope_error(body: &[u8], message: String) -> Error {
    let end = body
        .iter()
        .rposition(|b| !JSON_WHITESPACE.contains(b))
        .unwrap_or(0);
    Error::payload_at(message, body, end)
}

/// Deserializes a fragment of `body` (as captured by `RawValue`), reporting
/// errors at their position in the whole body. An absent `field` reads as
/// `null`, which suits `Option` and raw JSON; a type that needs a value
/// reports the field as missing.
pub(crate) fn parse_fragment<T: DeserializeOwned>(
    body: &[u8],
    fragment: Option<&RawValue>,
    field: &'static str,
) -> Result<T, Error> {
    let Some(fragment) = fragment else {
        return serde_json::from_str("null")
            .map_err(|_| envelope_error(body, format!("missing field `{field}`")));
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
        field: &'static str,
    ) -> Result<Self, Error> {
        Ok(UnknownEvent {
            event_type: event_type.to_owned(),
            data: parse_fragment(body, data, field)?,
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
            /// fragment of `body`, the envelope's field `field`.
            pub(crate) fn from_fragment(
                event_type: &str,
                body: &[u8],
                data: Option<&serde_json::value::RawValue>,
                field: &'static str,
            ) -> Result<Self, $crate::Error> {
                match event_type {
                    $( $name => $crate::event::parse_fragment(body, data, field).map(EventData::$variant), )*
                    other => $crate::UnknownEvent::new(other, body, data, field).map(EventData::Unknown),
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

/// Reads the string field `key` of the top-level JSON object in `body`,
/// without building the rest of it and, unless the value has escapes,
/// without allocating: verification sits on every request, and some
/// providers need one field of the signed body to check a header against.
///
/// It returns the first occurrence of `key` as soon as it is read (for a
/// usual body, near the start), without reading the rest: whether the
/// whole body is valid JSON is for the parser to say. When that quick scan
/// cannot decide (no such key, a value that is not a plain string, an
/// escaped key, malformed JSON before the key), a full reader does, with
/// serde_json's message and position.
pub(crate) fn top_level_str<'de>(
    body: &'de [u8],
    key: &'static str,
) -> Result<Cow<'de, str>, Error> {
    if let Some(found) = scan::first_top_level_str(body, key) {
        return Ok(found);
    }
    use serde::Deserializer as _;
    let mut json = serde_json::Deserializer::from_slice(body);
    json.deserialize_map(field::Find(key))
        .and_then(|found| json.end().map(|()| found))
        .map_err(|e| Error::payload(&e, body, 0))
}

/// The quick scan behind [`top_level_str`]: a byte walk over the top-level
/// object that skips nested values by counting brackets, so it needs no
/// stack and no allocation at any depth. `None` means "ask the full reader".
mod scan {
    use std::borrow::Cow;

    use serde::Deserialize as _;

    use super::JSON_WHITESPACE;

    pub(super) fn first_top_level_str<'de>(body: &'de [u8], key: &str) -> Option<Cow<'de, str>> {
        let mut at = skip_whitespace(body, 0);
        if body.get(at) != Some(&b'{') {
            return None;
        }
        at += 1;
        loop {
            at = skip_whitespace(body, at);
            let key_end = string_end(body, at)?;
            let this_key = &body[at + 1..key_end - 1];
            if this_key.contains(&b'\\') {
                return None;
            }
            at = skip_whitespace(body, key_end);
            if body.get(at) != Some(&b':') {
                return None;
            }
            at = skip_whitespace(body, at + 1);
            if this_key == key.as_bytes() {
                let value_end = string_end(body, at)?;
                let mut json = serde_json::Deserializer::from_slice(&body[at..value_end]);
                return super::field::Text::deserialize(&mut json).ok().map(|t| t.0);
            }
            at = skip_whitespace(body, value_end(body, at)?);
            match body.get(at) {
                Some(b',') => at += 1,
                _ => return None,
            }
        }
    }

    /// The index of the first byte from `at` on that is not JSON whitespace.
    pub(super) fn skip_whitespace(body: &[u8], mut at: usize) -> usize {
        while body.get(at).is_some_and(|b| JSON_WHITESPACE.contains(b)) {
            at += 1;
        }
        at
    }

    /// For a string starting at `at`, the index just past its closing quote.
    fn string_end(body: &[u8], at: usize) -> Option<usize> {
        if body.get(at) != Some(&b'"') {
            return None;
        }
        let mut i = at + 1;
        loop {
            match body.get(i)? {
                b'"' => return Some(i + 1),
                b'\\' => i += 2,
                _ => i += 1,
            }
        }
    }

    /// For any value starting at `at`, the index just past it.
    fn value_end(body: &[u8], at: usize) -> Option<usize> {
        match body.get(at)? {
            b'"' => string_end(body, at),
            b'{' | b'[' => {
                let mut depth = 0usize;
                let mut i = at;
                loop {
                    match body.get(i)? {
                        b'"' => {
                            i = string_end(body, i)?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                return Some(i + 1);
                            }
                        }
                        _ => {}
                    }
                    i += 1;
                }
            }
            // A number, `true`, `false` or `null`.
            _ => {
                let len = body[at..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || JSON_WHITESPACE.contains(b))
                    .unwrap_or(body.len() - at);
                Some(at + len)
            }
        }
    }
}

/// The visitors behind [`top_level_str`]. serde's own `IgnoredAny` would do
/// for the fields skipped, but serde_json keeps a heap stack of brackets
/// when it ignores nested values; visiting them recursively needs none (and
/// serde_json still bounds the depth).
mod field {
    use std::borrow::Cow;
    use std::fmt;

    use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

    /// Finds one string field of an object.
    pub(super) struct Find(pub(super) &'static str);

    impl<'de> Visitor<'de> for Find {
        type Value = Cow<'de, str>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a JSON object")
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
            let mut found = None;
            while let Some(wanted) = map.next_key_seed(KeyIs(self.0))? {
                if !wanted {
                    map.next_value::<Skip>()?;
                } else if found.is_some() {
                    return Err(de::Error::duplicate_field(self.0));
                } else {
                    found = Some(map.next_value::<Text<'de>>()?.0);
                }
            }
            found.ok_or_else(|| de::Error::missing_field(self.0))
        }
    }

    /// Whether a key is the one wanted.
    struct KeyIs(&'static str);

    impl<'de> DeserializeSeed<'de> for KeyIs {
        type Value = bool;

        fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<bool, D::Error> {
            deserializer.deserialize_str(self)
        }
    }

    impl Visitor<'_> for KeyIs {
        type Value = bool;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a field name")
        }

        fn visit_str<E: de::Error>(self, key: &str) -> Result<bool, E> {
            Ok(key == self.0)
        }
    }

    /// A string, borrowed from the input where it has no escapes.
    pub(super) struct Text<'de>(pub(super) Cow<'de, str>);

    impl<'de> de::Deserialize<'de> for Text<'de> {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_str(TextVisitor)
        }
    }

    struct TextVisitor;

    impl<'de> Visitor<'de> for TextVisitor {
        type Value = Text<'de>;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }

        fn visit_borrowed_str<E: de::Error>(self, text: &'de str) -> Result<Self::Value, E> {
            Ok(Text(Cow::Borrowed(text)))
        }

        fn visit_str<E: de::Error>(self, text: &str) -> Result<Self::Value, E> {
            Ok(Text(Cow::Owned(text.to_owned())))
        }
    }

    /// Any JSON value, consumed and forgotten.
    struct Skip;

    impl<'de> de::Deserialize<'de> for Skip {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
            deserializer.deserialize_any(Skip)
        }
    }

    impl<'de> Visitor<'de> for Skip {
        type Value = Skip;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("any JSON value")
        }

        fn visit_bool<E>(self, _: bool) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_i64<E>(self, _: i64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_u64<E>(self, _: u64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_f64<E>(self, _: f64) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_str<E>(self, _: &str) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_unit<E>(self) -> Result<Skip, E> {
            Ok(Skip)
        }

        fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Skip, A::Error> {
            while seq.next_element::<Skip>()?.is_some() {}
            Ok(Skip)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Skip, A::Error> {
            while map.next_entry::<Skip, Skip>()?.is_some() {}
            Ok(Skip)
        }
    }
}

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
        let err = parse_fragment::<std::collections::BTreeMap<String, u8>>(body, env.data, "data")
            .unwrap_err();
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
        let v: serde_json::Value = parse_fragment(b"{}", None, "data").expect("null");
        assert!(v.is_null());
        let o: Option<u8> = parse_fragment(b"{}", None, "data").expect("null");
        assert_eq!(o, None);
    }

    #[test]
    fn missing_required_fragment_names_the_field_at_the_closing_brace() {
        // Before: "invalid type: null, expected u8" at the `null` placeholder.
        let err = parse_fragment::<u8>(b"{\n  \"id\": 1\n}\n", None, "payload").unwrap_err();
        assert_eq!(
            err,
            Error::InvalidPayload {
                message: "missing field `payload`".into(),
                line: 3,
                column: 1,
            }
        );
    }

    #[test]
    fn bodies_that_are_not_objects_are_refused_at_their_first_byte() {
        for (body, found) in [
            (&b"  [\"id\", \"event\", {}]"[..], "an array"),
            (b"\"text\"", "a string"),
            (b"\n-1", "a number"),
            (b"true", "a boolean"),
            (b"null", "null"),
        ] {
            let err = parse_body::<Envelope<'_>>(body).unwrap_err();
            let start = body.iter().position(|b| !b" \n".contains(b)).unwrap();
            let expected = Error::payload_at(
                format!("expected a JSON object, found {found}"),
                body,
                start,
            );
            assert_eq!(err, expected, "{}", String::from_utf8_lossy(body));
        }
        // Other bytes keep serde_json's own description.
        match parse_body::<Envelope<'_>>(b"x") {
            Err(Error::InvalidPayload { message, .. }) => assert_eq!(message, "expected value"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn invalid_utf8_is_refused_even_in_fields_serde_would_skip() {
        let body = b"{\"data\": null,\n \"skipped\": \"\xff\"}";
        // serde_json alone accepts it: the field is ignored unread.
        assert!(serde_json::from_slice::<Envelope<'_>>(body).is_ok());
        assert_eq!(
            parse_body::<Envelope<'_>>(body).unwrap_err(),
            Error::InvalidPayload {
                message: "invalid UTF-8: JSON text must be UTF-8".into(),
                line: 2,
                column: 14,
            }
        );
    }

    #[test]
    fn non_json_bodies_are_payload_errors() {
        for body in [
            &b""[..],
            b"  ",
            b"\xff\xfe",
            b"{",
            b"[1,2]",
            b"null",
            b"{} {}",
        ] {
            let err = parse_body::<Envelope<'_>>(body).unwrap_err();
            assert!(matches!(err, Error::InvalidPayload { .. }), "{body:?}");
        }
    }

    #[test]
    fn top_level_str_finds_the_field_past_nested_values() {
        let body = br#"{"payload": {"a": [1, [2, {"id": "inner"}]], "b": "x\"y"}, "id": "outer", "n": null}"#;
        assert_eq!(top_level_str(body, "id"), Ok(Cow::Borrowed("outer")));
        let escaped = br#"{"id": "a\u0062c"}"#;
        assert_eq!(
            top_level_str(escaped, "id"),
            Ok(Cow::Owned::<str>("abc".into()))
        );
    }

    #[test]
    fn top_level_str_stops_at_the_first_occurrence() {
        // What follows is the parser's business, not the id reader's.
        for body in [
            &br#"{"id": "a", "id": "b"}"#[..],
            br#"{"id": "a"} trailing"#,
            br#"{"id": "a", "x": [[[}"#,
            b"{\"id\": \"a\", \"x\": \"\xff\"}",
            br#"{"x": {"id": "inner", "y": "}\"{"}, "z": -1.5e3, "id": "a"}"#,
        ] {
            assert_eq!(
                top_level_str(body, "id"),
                Ok(Cow::Borrowed("a")),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = format!(
            r#"{{"x": {}{}, "id": "a"}}"#,
            "[".repeat(5000),
            "]".repeat(5000)
        );
        assert_eq!(top_level_str(deep.as_bytes(), "id"), Ok(Cow::Borrowed("a")));
    }

    #[test]
    fn top_level_str_leaves_the_hard_cases_to_serde() {
        assert_eq!(
            top_level_str(br#"{"i\u0064": "k"}"#, "id"),
            Ok(Cow::Borrowed("k"))
        );
        for (body, message) in [
            (&br#"{"event": "x"}"#[..], "missing field `id`"),
            (
                br#"{"id": 7}"#,
                "invalid type: integer `7`, expected a string",
            ),
            (
                br#"["id", "a"]"#,
                "invalid type: sequence, expected a JSON object",
            ),
            (br#"{"x": [[[}, "id": "a"}"#, "expected value"),
            (br#"{"id": "\q"}"#, "invalid escape"),
            (b"{\"id\": \"\xff\"}", "invalid unicode code point"),
        ] {
            match top_level_str(body, "id") {
                Err(Error::InvalidPayload { message: got, .. }) => assert_eq!(got, message),
                other => panic!("{other:?} for {}", String::from_utf8_lossy(body)),
            }
        }
    }
}
