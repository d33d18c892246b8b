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
