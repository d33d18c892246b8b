//! `application/x-www-form-urlencoded` bodies (Slack's slash commands and
//! interactivity, GitHub hooks set to the form content type): read without
//! failing, since the signature, not the parser, decides whether a body is
//! acceptable.

use std::collections::BTreeMap;

/// The fields of a form body, in the order sent. `+` reads as a space and
/// `%XX` as the byte; an escape that is not two hex digits is kept as
/// written, and bytes that are not UTF-8 read as U+FFFD.
pub(crate) fn fields(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let at = pair.iter().position(|&b| b == b'=').unwrap_or(pair.len());
            let value = pair.get(at + 1..).unwrap_or_default();
            (decode(&pair[..at]), decode(value))
        })
        .collect()
}

/// Feeds a form body's parameters sorted by name, each name followed by
/// its value, with no separator; a name sent with several values gives each
/// distinct value, sorted (the order HMAC-over-parameters schemes sign).
pub(crate) fn feed_sorted_params(
    request: &crate::engine::Request<'_>,
    sink: &mut dyn FnMut(&[u8]),
) {
    let mut params = fields(request.body);
    params.sort_unstable();
    params.dedup();
    for (name, value) in &params {
        sink(name.as_bytes());
        sink(value.as_bytes());
    }
}

/// The fields as a map; a name sent twice keeps its first value.
pub(crate) fn field_map(body: &[u8]) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (name, value) in fields(body) {
        map.entry(name).or_insert(value);
    }
    map
}

fn decode(text: &[u8]) -> String {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        match text[i] {
            b'+' => out.push(b' '),
            b'%' => {
                // Exactly two hex digits: `from_str_radix` alone would also
                // take a sign, reading `%+5` as byte 5.
                let hex = text
                    .get(i + 1..i + 3)
                    .filter(|pair| pair.iter().all(u8::is_ascii_hexdigit))
                    .and_then(|pair| std::str::from_utf8(pair).ok())
                    .and_then(|pair| u8::from_str_radix(pair, 16).ok());
                if let Some(byte) = hex {
                    out.push(byte);
                    i += 2;
                } else {
                    out.push(b'%');
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Whether a body's first meaningful byte opens a JSON object.
#[cfg_attr(
    not(any(feature = "github", feature = "slack")),
    allow(dead_code, reason = "only the presets that take form bodies ask")
)]
pub(crate) fn starts_as_json_object(body: &[u8]) -> bool {
    let at = crate::engine::json::skip_whitespace(body, 0);
    body.get(at) == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_plus_and_escapes() {
        assert_eq!(
            fields(b"command=%2Fwebhook-collect&text=a+b&empty=&bare"),
            [
                ("command".into(), "/webhook-collect".into()),
                ("text".into(), "a b".into()),
                ("empty".into(), String::new()),
                ("bare".into(), String::new()),
            ]
        );
    }

    #[test]
    fn broken_escapes_are_kept_and_never_fail() {
        assert_eq!(fields(b"a=%zz%4"), [("a".into(), "%zz%4".into())]);
        // A sign is not a hex digit, so `%+5` is a broken escape.
        assert_eq!(fields(b"a=%+5%-1"), [("a".into(), "% 5%-1".into())]);
        assert_eq!(fields(b"a=%ff"), [("a".into(), "\u{fffd}".into())]);
        assert!(fields(b"&&").is_empty());
    }

    #[test]
    fn sorted_params_are_fed_by_name_then_value_each_distinct_pair_once() {
        let body = b"b=2&a=%2B1&b=1&b=2&c=";
        let request = crate::engine::Request { url: "", body };
        let mut fed = Vec::new();
        feed_sorted_params(&request, &mut |piece| fed.extend_from_slice(piece));
        assert_eq!(fed, b"a+1b1b2c");
    }

    #[test]
    fn first_value_wins_in_the_map() {
        let map = field_map(b"a=1&a=2");
        assert_eq!(map["a"], "1");
    }

    #[test]
    fn json_detection() {
        assert!(starts_as_json_object(b" \n{\"a\":1}"));
        assert!(!starts_as_json_object(b"payload=%7B%7D"));
        assert!(!starts_as_json_object(b""));
    }
}
