//! JSON plumbing shared by every provider: reading a body into its
//! envelope, and its fragments into typed data, with error positions that
//! point into the whole body.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::Error;

/// Deserializes a whole body, with serde_json's position in the error.
///
/// Two checks come before serde, so that every provider, and the id check
/// of Fourvenues' `top_level_str` scan, judge a body alike: JSON text is UTF-8 (serde_json
/// lets invalid bytes through inside a field it skips), and every envelope
/// is an object (serde's derived structs would also take an array of the
/// fields in order).
pub(crate) fn parse_body<'de, T: serde::Deserialize<'de>>(body: &'de [u8]) -> Result<T, Error> {
    let text = body_text(body)?;
    serde_json::from_str(text).map_err(|e| Error::payload(&e, body, 0))
}

/// The checks [`parse_body`] makes before serde: the body as text, if it
/// is UTF-8 and starts (after whitespace) with an object.
pub(crate) fn body_text(body: &[u8]) -> Result<&str, Error> {
    let text = utf8_text(body)?;
    let start = skip_whitespace(body, 0);
    let rest = &body[start..];
    let found = match rest.first() {
        None | Some(b'{') => None,
        Some(b'[') => Some("an array"),
        Some(b'"') => Some("a string"),
        Some(b'-' | b'0'..=b'9') => Some("a number"),
        _ if rest.starts_with(b"true") || rest.starts_with(b"false") => Some("a boolean"),
        _ if rest.starts_with(b"null") => Some("null"),
        // `not json at all`, `<html>`: say so, rather than what serde_json
        // guesses from the first letter.
        Some(_) => Some("text that is not JSON"),
    };
    if let Some(found) = found {
        let message = format!("expected a JSON object, found {found}");
        return Err(Error::payload_at(message, body, start));
    }
    Ok(text)
}

/// The body as text, if it is UTF-8, as JSON text must be.
fn utf8_text(body: &[u8]) -> Result<&str, Error> {
    std::str::from_utf8(body).map_err(|e| {
        Error::payload_at(
            "invalid UTF-8: JSON text must be UTF-8".into(),
            body,
            e.valid_up_to(),
        )
    })
}

/// Deserializes a body that is a JSON array (senders that deliver events
/// in batches), with serde_json's position in the error; anything else is
/// refused at its first byte.
#[cfg_attr(
    not(any(feature = "hubspot", feature = "twilio")),
    allow(dead_code, reason = "only senders that batch read arrays")
)]
pub(crate) fn parse_array<T: DeserializeOwned>(body: &[u8]) -> Result<T, Error> {
    let text = utf8_text(body)?;
    let start = skip_whitespace(body, 0);
    if body.get(start) != Some(&b'[') {
        let message = "expected a JSON array of events".to_owned();
        return Err(Error::payload_at(message, body, start));
    }
    serde_json::from_str(text).map_err(|e| Error::payload(&e, body, 0))
}

/// The whitespace JSON allows between tokens (RFC 8259, section 2).
pub(crate) const JSON_WHITESPACE: &[u8] = b" \t\n\r";

/// The index of the first byte from `at` on that is not JSON whitespace.
pub(crate) fn skip_whitespace(body: &[u8], mut at: usize) -> usize {
    while body.get(at).is_some_and(|b| JSON_WHITESPACE.contains(b)) {
        at += 1;
    }
    at
}

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

/// The raw value of `key` in the top-level object of `body`, found by a
/// byte walk that skips every other value without parsing it, for a field
/// read on every request (a signed timestamp) where a full parse would
/// cost more than the MAC.
///
/// `None` whenever the walk cannot be sure of what a full parse says: the
/// key absent or there twice, any key written with escapes (`"\u0069d"` is
/// `id`), a body that is not UTF-8, or an object the walk does not follow
/// to its closing brace and the end of the body. On every body a full
/// parse accepts, the value is the one it reads. The walk follows the
/// structure only (strings, brackets, commas and colons of the top level),
/// not the contents of the values it skips: a body refused for one of
/// those (`{"a": tru, "t": 1}`) may still give a value, so a caller reads
/// with it only a body it parses in full later.
#[cfg_attr(
    not(feature = "linear"),
    allow(
        dead_code,
        reason = "only senders that read a body field on every request"
    )
)]
pub(crate) fn top_level_value<'b>(body: &'b [u8], key: &str) -> Option<&'b [u8]> {
    std::str::from_utf8(body).ok()?;
    let mut at = skip_whitespace(body, 0);
    if body.get(at) != Some(&b'{') {
        return None;
    }
    let mut found = None;
    loop {
        at = skip_whitespace(body, at + 1);
        let (key_end, escaped) = string_end(body, at)?;
        if escaped {
            return None;
        }
        let name = &body[at + 1..key_end - 1];
        at = skip_whitespace(body, key_end);
        if body.get(at) != Some(&b':') {
            return None;
        }
        at = skip_whitespace(body, at + 1);
        let end = value_end(body, at)?;
        if name == key.as_bytes() {
            if found.is_some() {
                return None;
            }
            found = Some(&body[at..end]);
        }
        at = skip_whitespace(body, end);
        match body.get(at) {
            Some(b',') => {}
            Some(b'}') if skip_whitespace(body, at + 1) == body.len() => return found,
            _ => return None,
        }
    }
}

/// A JSON integer as serde_json reads it into an `i64`: `0` or
/// `-?[1-9][0-9]*` within range; `None` for anything else (a fraction, an
/// exponent, a leading zero, `-0`, `null`), which the caller leaves to a
/// full parse.
#[cfg_attr(
    not(feature = "linear"),
    allow(
        dead_code,
        reason = "only senders that read a body field on every request"
    )
)]
pub(crate) fn json_i64(value: &[u8]) -> Option<i64> {
    let digits = value.strip_prefix(b"-").unwrap_or(value);
    // serde_json reads `-0` as a float, which an `i64` refuses.
    let zero = digits == b"0" && digits.len() == value.len();
    if !(zero || matches!(digits, [b'1'..=b'9', ..])) || digits.len() > 19 {
        return None;
    }
    // Negative throughout, so that `i64::MIN` fits.
    let mut negative = 0i64;
    for &digit in digits {
        if !digit.is_ascii_digit() {
            return None;
        }
        negative = negative
            .checked_mul(10)?
            .checked_sub(i64::from(digit - b'0'))?;
    }
    if digits.len() == value.len() {
        negative.checked_neg()
    } else {
        Some(negative)
    }
}

/// For a string starting at `at`, the index just past its closing quote,
/// and whether it has escapes. Text fields are what makes a body long:
/// `memchr` skips them in chunks.
#[cfg_attr(
    not(any(feature = "linear", feature = "fourvenues")),
    allow(
        dead_code,
        reason = "only senders that read a body field on every request"
    )
)]
pub(crate) fn string_end(body: &[u8], at: usize) -> Option<(usize, bool)> {
    if body.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    let mut escaped = false;
    loop {
        i += memchr::memchr2(b'"', b'\\', body.get(i..)?)?;
        if body[i] == b'"' {
            return Some((i + 1, escaped));
        }
        // An escape: the byte after the backslash cannot end the string.
        escaped = true;
        i += 2;
    }
}

/// For any value starting at `at`, the index just past it: strings to
/// their closing quote, objects and arrays by counting brackets outside
/// strings (no stack, at any depth), anything else up to a delimiter
/// (never read as a number, so `1e400` costs what `1` does); `None` for an
/// empty value or one the body cuts off.
#[cfg_attr(
    not(any(feature = "linear", feature = "fourvenues")),
    allow(
        dead_code,
        reason = "only senders that read a body field on every request"
    )
)]
pub(crate) fn value_end(body: &[u8], at: usize) -> Option<usize> {
    match body.get(at)? {
        b'"' => string_end(body, at).map(|(end, _)| end),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = at;
            loop {
                match body.get(i)? {
                    b'"' => {
                        i = string_end(body, i)?.0;
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
        _ => {
            let len = body[at..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']') || JSON_WHITESPACE.contains(b))
                .unwrap_or(body.len() - at);
            (len > 0).then_some(at + len)
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
    fn the_walk_leaves_to_a_full_parse_what_it_cannot_be_sure_of() {
        fn value(body: &[u8]) -> Option<&[u8]> {
            top_level_value(body, "t")
        }
        assert_eq!(
            value(br#" {"a": {"t": 1}, "t" : [1, "]"] } "#),
            Some(&br#"[1, "]"]"#[..])
        );
        assert_eq!(
            value(br#"{"a": "\"t\": 2", "t": "x"}"#),
            Some(&br#""x""#[..])
        );
        assert_eq!(value(br#"{"\u0074": 1}"#), None, "an escaped key");
        assert_eq!(value(br#"{"t": 1, "t": 2}"#), None, "twice");
        assert_eq!(value(br#"{"a": 1}"#), None, "absent");
        assert_eq!(value(br#"{"t": 1} {"#), None, "trailing text");
        assert_eq!(value(b"{\"t\": 1, \"a\": \"\xff\"}"), None, "not UTF-8");
    }

    #[test]
    fn only_integers_serde_reads_as_i64_are_read() {
        assert_eq!(json_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(json_i64(b"0"), Some(0));
        assert_eq!(json_i64(b"9223372036854775807"), Some(i64::MAX));
        for refused in [
            &b"9223372036854775808"[..],
            b"-9223372036854775809",
            b"10000000000000000000",
            b"01",
            b"-0",
            b"-",
            b"1.0",
            b"1e3",
            b"1-",
            b"null",
            b"",
        ] {
            assert_eq!(json_i64(refused), None, "{refused:?}");
        }
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
        // Text that is not JSON at all is called that, not "null".
        for body in [&b"not json at all"[..], b"nul", b"<html>", b"x"] {
            match parse_body::<Envelope<'_>>(body) {
                Err(Error::InvalidPayload {
                    message,
                    line: 1,
                    column: 1,
                }) => assert_eq!(
                    message,
                    "expected a JSON object, found text that is not JSON"
                ),
                other => panic!("{other:?}"),
            }
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
}
