//! Reading and writing header values: the few rules every scheme shares.

use http::{HeaderMap, HeaderName, HeaderValue};

use crate::Error;

/// Trims ASCII spaces and tabs, the optional whitespace HTTP allows.
pub(crate) fn trim(mut s: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = s {
        s = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = s {
        s = rest;
    }
    s
}

/// A header value that must not be blank.
pub(crate) fn non_empty<'h>(name: &HeaderName, value: &'h HeaderValue) -> Result<&'h [u8], Error> {
    match trim(value.as_bytes()) {
        [] => Err(Error::MalformedHeader {
            name: name.clone(),
            reason: "empty value",
        }),
        _ => Ok(value.as_bytes()),
    }
}

/// A header that must be present and not blank.
pub(crate) fn required<'h>(headers: &'h HeaderMap, name: &HeaderName) -> Result<&'h [u8], Error> {
    let value = headers
        .get(name)
        .ok_or_else(|| Error::MissingHeader(name.clone()))?;
    non_empty(name, value)
}

/// A value for a header this crate sends (signing side).
pub(crate) fn header_value(text: impl AsRef<[u8]>) -> Result<HeaderValue, Error> {
    HeaderValue::from_bytes(text.as_ref())
        .map_err(|_| Error::Signing("value cannot be sent in a header"))
}

/// As [`header_value`], marked sensitive so `Debug` of the map hides it.
pub(crate) fn sensitive_value(text: impl AsRef<[u8]>) -> Result<HeaderValue, Error> {
    let mut value = header_value(text)?;
    value.set_sensitive(true);
    Ok(value)
}

/// An unsigned header's text, trimmed; `None` when absent, blank or not
/// visible ASCII. Such a header only labels a delivery: an odd one is no
/// reason to refuse an authentic request.
pub(crate) fn header_text(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// A delivery id derived from the body, shaped like the UUIDs senders send
/// (the first 16 bytes of its SHA-256, in hex): signing the same body again
/// gives the same id, as a sender's redelivery keeps its id. **Our**
/// choice, for signing where the caller gives no id: the sender's ids are
/// its own.
pub(crate) fn body_uuid(body: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hex = crate::engine::signature::encode_hex(&Sha256::digest(body)[..16]);
    let (a, rest) = hex.split_at(8);
    let (b, rest) = rest.split_at(4);
    let (c, rest) = rest.split_at(4);
    let (d, e) = rest.split_at(4);
    [a, b, c, d, e].join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trim_removes_only_optional_whitespace() {
        assert_eq!(trim(b" \t a b \t"), b"a b");
        assert_eq!(trim(b""), b"");
        assert_eq!(trim(b"   "), b"");
    }

    #[test]
    fn blank_and_absent_headers_are_told_apart() {
        let name = HeaderName::from_static("x-sig");
        let mut headers = HeaderMap::new();
        assert_eq!(
            required(&headers, &name),
            Err(Error::MissingHeader(name.clone()))
        );
        headers.insert(name.clone(), HeaderValue::from_static(" \t"));
        assert!(matches!(
            required(&headers, &name),
            Err(Error::MalformedHeader {
                reason: "empty value",
                ..
            })
        ));
        headers.insert(name.clone(), HeaderValue::from_static(" a "));
        assert_eq!(required(&headers, &name), Ok(&b" a "[..]));
    }

    #[test]
    fn header_text_is_trimmed_visible_and_never_blank() {
        let name = HeaderName::from_static("x-label");
        let mut headers = HeaderMap::new();
        assert_eq!(header_text(&headers, &name), None);
        headers.insert(name.clone(), HeaderValue::from_static(" push\t"));
        assert_eq!(header_text(&headers, &name).as_deref(), Some("push"));
        headers.insert(name.clone(), HeaderValue::from_static("  "));
        assert_eq!(header_text(&headers, &name), None);
        let opaque = HeaderValue::from_bytes(b"caf\xc3\xa9").expect("value");
        headers.insert(name.clone(), opaque);
        assert_eq!(header_text(&headers, &name), None);
    }

    #[test]
    fn body_uuids_are_stable_distinct_and_uuid_shaped() {
        let id = body_uuid(b"{}");
        assert_eq!(id, body_uuid(b"{}"));
        assert_ne!(id, body_uuid(b"{ }"));
        let groups: Vec<usize> = id.split('-').map(str::len).collect();
        assert_eq!(groups, [8, 4, 4, 4, 12]);
        assert!(id.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit()));
    }

    #[test]
    fn sensitive_values_are_hidden_from_debug() {
        let value = sensitive_value("token").expect("value");
        assert!(value.is_sensitive());
        assert!(!format!("{value:?}").contains("token"));
        assert!(header_value("a\nb").is_err());
    }
}
