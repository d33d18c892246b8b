//! Reading one string field of a JSON object without parsing the rest:
//! Fourvenues names the event in an unsigned header that must agree with
//! the signed body's `id`, and that check sits on every request.

use std::borrow::Cow;

use serde::Deserialize as _;

use crate::Error;
use crate::engine::json::{skip_whitespace, string_end, value_end};

/// Which occurrences of the key the reader looks at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Occurrence {
    /// Stop at the first: for a caller that parses the whole body next
    /// anyway, and whose parser refuses a second one.
    First,
    /// Read the whole object and refuse a second occurrence, so a body with
    /// two ids cannot pass a check against the first.
    Only,
}

/// Reads the string field `key` of the top-level JSON object in `body`,
/// without building the rest of it and, unless the value has escapes,
/// without allocating.
///
/// A byte scan does the work; it skips nested values by counting brackets,
/// so it needs no stack at any depth and never parses a number. When it
/// cannot decide (no such key, a value that is not a string, malformed JSON
/// before the key), a full reader does, with serde_json's message and
/// position.
pub(crate) fn top_level_str<'de>(
    body: &'de [u8],
    key: &'static str,
    occurrence: Occurrence,
) -> Result<Cow<'de, str>, Error> {
    if let Some(found) = scan(body, key, occurrence) {
        return found;
    }
    use serde::Deserializer as _;
    let mut json = serde_json::Deserializer::from_slice(body);
    json.deserialize_map(field::Find(key))
        .and_then(|found| json.end().map(|()| found))
        .map_err(|e| Error::payload(&e, body, 0))
}

/// The byte walk behind [`top_level_str`]. `None` means "ask the full
/// reader"; an error is a second occurrence found in [`Occurrence::Only`].
fn scan<'de>(
    body: &'de [u8],
    key: &str,
    occurrence: Occurrence,
) -> Option<Result<Cow<'de, str>, Error>> {
    let mut at = skip_whitespace(body, 0);
    if body.get(at) != Some(&b'{') {
        return None;
    }
    at += 1;
    let mut found = None;
    loop {
        at = skip_whitespace(body, at);
        if found.is_some() && body.get(at) == Some(&b'}') {
            return found.map(Ok);
        }
        let key_end = string_end(body, at)?.0;
        let is_key = key_is(&body[at..key_end], key)?;
        at = skip_whitespace(body, key_end);
        if body.get(at) != Some(&b':') {
            return None;
        }
        at = skip_whitespace(body, at + 1);
        if is_key {
            if found.is_some() {
                // Where serde_json reports it: the key's closing quote.
                let message = format!("duplicate field `{key}`");
                return Some(Err(Error::payload_at(message, body, key_end - 1)));
            }
            let text_end = string_end(body, at)?.0;
            let mut json = serde_json::Deserializer::from_slice(&body[at..text_end]);
            found = Some(field::Text::deserialize(&mut json).ok()?.0);
            if occurrence == Occurrence::First {
                return found.map(Ok);
            }
            at = text_end;
        } else if !matches!(body.get(at), Some(b',' | b'}' | b']')) {
            // A missing value (`"a": ,`) counts as an empty token here:
            // the id is still checked, and the full parse refuses the body.
            at = value_end(body, at)?;
        }
        at = skip_whitespace(body, at);
        match body.get(at) {
            Some(b',') => at += 1,
            Some(b'}') => return found.map(Ok),
            _ => return None,
        }
    }
}

/// Whether the JSON string `quoted` (with its quotes) is `key`, decoding
/// escapes (`"\u0069d"` is `id`); `None` for a string that does not decode.
fn key_is(quoted: &[u8], key: &str) -> Option<bool> {
    let raw = &quoted[1..quoted.len() - 1];
    if !raw.contains(&b'\\') {
        return Some(raw == key.as_bytes());
    }
    let decoded: Cow<'_, str> = serde_json::from_slice::<field::Text<'_>>(quoted).ok()?.0;
    Some(decoded == key)
}

/// The visitors of the full reader behind [`top_level_str`], which only
/// runs when the scan cannot decide, mostly to say what is wrong.
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

    #[test]
    fn a_missing_value_is_stepped_over_as_an_empty_token() {
        let before = br#"{"a": , "id": "x"}"#;
        let after = br#"{"id": "x", "a": }"#;
        assert_eq!(top_level_str(before, "id", Occurrence::First).unwrap(), "x");
        for occurrence in [Occurrence::First, Occurrence::Only] {
            assert_eq!(top_level_str(after, "id", occurrence).unwrap(), "x");
        }
        // The full reader refuses both bodies.
        assert!(serde_json::from_slice::<serde_json::Value>(before).is_err());
        assert!(serde_json::from_slice::<serde_json::Value>(after).is_err());
    }

    #[test]
    fn top_level_str_finds_the_field_past_nested_values() {
        let body = br#"{"payload": {"a": [1, [2, {"id": "inner"}]], "b": "x\"y"}, "id": "outer", "n": null}"#;
        assert_eq!(
            top_level_str(body, "id", Occurrence::First),
            Ok(Cow::Borrowed("outer"))
        );
        let escaped = br#"{"id": "a\u0062c"}"#;
        assert_eq!(
            top_level_str(escaped, "id", Occurrence::First),
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
                top_level_str(body, "id", Occurrence::First),
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
        assert_eq!(
            top_level_str(deep.as_bytes(), "id", Occurrence::First),
            Ok(Cow::Borrowed("a"))
        );
    }

    #[test]
    fn top_level_str_leaves_the_hard_cases_to_serde() {
        assert_eq!(
            top_level_str(br#"{"i\u0064": "k"}"#, "id", Occurrence::First),
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
            match top_level_str(body, "id", Occurrence::First) {
                Err(Error::InvalidPayload { message: got, .. }) => assert_eq!(got, message),
                other => panic!("{other:?} for {}", String::from_utf8_lossy(body)),
            }
        }
    }

    #[test]
    fn escaped_keys_are_read_like_plain_ones() {
        for body in [
            &br#"{"\u0069d":"a","event":"e","x":1e400}"#[..],
            br#"{"id":"a","event":"e","x":1e400}"#,
        ] {
            for occurrence in [Occurrence::First, Occurrence::Only] {
                assert_eq!(
                    top_level_str(body, "id", occurrence),
                    Ok(Cow::Borrowed("a")),
                    "{}",
                    String::from_utf8_lossy(body)
                );
            }
        }
        let deep = format!(
            r#"{{"\u0069d": "a", "x": {}{}}}"#,
            "[".repeat(200),
            "]".repeat(200)
        );
        assert_eq!(
            top_level_str(deep.as_bytes(), "id", Occurrence::Only),
            Ok(Cow::Borrowed("a"))
        );
    }

    #[test]
    fn only_refuses_a_second_occurrence_where_it_stands() {
        for body in [
            &br#"{"id": "a", "x": {"id": "inner"}, "id": "b"}"#[..],
            br#"{"id": "a", "\u0069d": "a"}"#,
        ] {
            let err = top_level_str(body, "id", Occurrence::Only).unwrap_err();
            match err {
                Error::InvalidPayload {
                    message,
                    line: 1,
                    column,
                } => {
                    assert_eq!(message, "duplicate field `id`");
                    assert!(column > 10, "{column}");
                }
                other => panic!("{other:?}"),
            }
            assert_eq!(
                top_level_str(body, "id", Occurrence::First),
                Ok(Cow::Borrowed("a"))
            );
        }
        assert_eq!(
            top_level_str(
                br#"{"x": {"id": "inner"}, "id": "a"}"#,
                "id",
                Occurrence::Only
            ),
            Ok(Cow::Borrowed("a"))
        );
    }
}
