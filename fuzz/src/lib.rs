//! Helpers shared by the fuzz targets in `fuzz_targets/`.
//!
//! # Input format
//!
//! Every target reads its input the same way: the first `N` lines (split on
//! `\n`) are header values, in an order each target documents, and whatever
//! follows is the body, byte for byte. An empty line means "header not sent";
//! a line that is not a valid header value (control characters, `\r`, …) is
//! skipped the same way. Header values can never contain `\n`, so nothing is
//! lost, and seed files stay readable in a text editor.

use std::fmt::Debug;

use http::{HeaderMap, HeaderName, HeaderValue};
use time::OffsetDateTime;
use webhook_kit::{Delivery, Error, Provider, WebhookEvent};

/// The fixed "current time" of every fuzzed request (2024-04-04T19:16:31Z).
/// Seeds carrying timestamps are signed at this instant.
pub const NOW: i64 = 1_712_258_191;

/// [`NOW`] as a time.
pub fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(NOW).expect("NOW is a valid time")
}

/// Splits `data` into `N` header lines and the body (see the crate docs).
/// Lines missing at the end of a short input read as empty.
pub fn split<const N: usize>(data: &[u8]) -> ([&[u8]; N], &[u8]) {
    let mut lines = [&b""[..]; N];
    let mut rest = data;
    for line in &mut lines {
        match rest.iter().position(|&b| b == b'\n') {
            Some(at) => {
                *line = &rest[..at];
                rest = &rest[at + 1..];
            }
            None => {
                *line = rest;
                rest = b"";
            }
        }
    }
    (lines, rest)
}

/// A header map with each `(name, value)` whose value is non-empty and
/// acceptable to `http`; other pairs are left out.
pub fn header_map(pairs: &[(&'static str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for &(name, value) in pairs {
        if value.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(HeaderName::from_static(name), value);
        }
    }
    map
}

/// Whether `needle` occurs anywhere in `haystack`.
pub fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// What every error produced for a request must satisfy: it displays
/// without panicking, maps to a request status (401, 413 or 400, never the
/// 500 of configuration errors), and shows no secret — unless the request
/// itself carried that text, in which case serde_json may quote it back.
pub fn check_error(err: &Error, secrets: &[&str], request: &[&[u8]]) {
    let shown = format!("{err} / {err:?}");
    for secret in secrets {
        let echoed = request.iter().any(|part| contains(part, secret.as_bytes()));
        assert!(echoed || !shown.contains(secret), "secret shown: {shown}");
    }
    let status = err.status().as_u16();
    assert!(matches!(status, 400 | 401 | 413), "{status} for {err:?}");
    assert_eq!(err.is_auth(), status == 401, "{err:?}");
    if let Error::InvalidPayload { line, .. } = err {
        assert!(*line >= 1, "{err:?}");
    }
}

/// Accessors of a parsed event must not panic.
pub fn touch<E: WebhookEvent>(event: &E) {
    let _ = (event.id(), event.event_type(), event.occurred_at());
}

/// Sends `headers` + `body` through `verify_at` and `verify_and_parse_at`
/// and checks what holds for any request:
///
/// - when authentication fails, `verify_and_parse_at` fails with that same
///   error: an unauthenticated body is never parsed;
/// - errors pass [`check_error`].
///
/// Returns both results for the target's own checks.
pub fn check_request<P>(
    receiver: &P,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&str],
) -> (Result<Delivery, Error>, Result<P::Event, Error>)
where
    P: Provider,
    P::Event: Debug,
{
    let verified = receiver.verify_at(headers, body, now());
    let outcome = receiver.verify_and_parse_at(headers, body, now());

    let header_bytes: Vec<&[u8]> = headers.values().map(HeaderValue::as_bytes).collect();
    let mut request = header_bytes;
    request.push(body);
    if let Err(err) = &verified {
        check_error(err, secrets, &request);
        assert_eq!(
            outcome.as_ref().err(),
            Some(err),
            "parsed after a failed verification"
        );
    }
    match &outcome {
        Ok(event) => touch(event),
        Err(err) => check_error(err, secrets, &request),
    }
    (verified, outcome)
}

/// The checks for a provider whose headers carry only a MAC (and maybe a
/// timestamp): the fuzzed headers either fail authentication or give what
/// `parse` gives; genuine headers for the fuzzed body give what `parse`
/// gives, and stop vouching once the body changes.
pub fn check_mac_scheme<P>(receiver: &P, headers: &HeaderMap, body: &[u8], secrets: &[&str])
where
    P: Provider,
    P::Event: Debug + PartialEq,
{
    check_fuzzed_headers(receiver, headers, body, secrets);
    if let Some((genuine, outcome)) = check_genuine(receiver, body, secrets) {
        assert_eq!(outcome, receiver.parse(body));
        check_tamper_detected(receiver, &genuine, body);
    }
}

/// Fuzzed headers either fail authentication or, when they authenticate,
/// give exactly what `parse` gives.
pub fn check_fuzzed_headers<P>(receiver: &P, headers: &HeaderMap, body: &[u8], secrets: &[&str])
where
    P: Provider,
    P::Event: Debug + PartialEq,
{
    let (verified, outcome) = check_request(receiver, headers, body, secrets);
    match verified {
        Ok(_) => assert_eq!(outcome, receiver.parse(body)),
        Err(err) => assert!(err.is_auth(), "{err:?}"),
    }
}

/// Signs `body` the way the provider would and checks that the genuine
/// delivery authenticates: `verify_at` succeeds, and `verify_and_parse_at`
/// either returns an event or a payload error, never an authentication
/// error. Returns the headers and the outcome; `None` when the receiver
/// cannot sign this body (e.g. an id a header cannot carry).
pub fn check_genuine<P>(
    receiver: &P,
    body: &[u8],
    secrets: &[&str],
) -> Option<(HeaderMap, Result<P::Event, Error>)>
where
    P: Provider,
    P::Event: Debug,
{
    let headers = match receiver.sign_at(body, now()) {
        Ok(headers) => headers,
        Err(Error::Signing(_)) => return None,
        Err(other) => panic!("sign_at failed with {other:?}"),
    };
    let outcome = check_signed(receiver, &headers, body, secrets);
    Some((headers, outcome))
}

/// The checks of [`check_genuine`], for headers the caller signed itself.
pub fn check_signed<P>(
    receiver: &P,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&str],
) -> Result<P::Event, Error>
where
    P: Provider,
    P::Event: Debug,
{
    let (verified, outcome) = check_request(receiver, headers, body, secrets);
    assert!(
        verified.is_ok(),
        "a genuine delivery did not verify: {verified:?}"
    );
    if let Err(err) = &outcome {
        assert!(
            !err.is_auth(),
            "a genuine delivery failed authentication: {err:?}"
        );
    }
    outcome
}

/// A genuine header set must not authenticate any other body: appending one
/// byte to the body must give `SignatureMismatch`.
pub fn check_tamper_detected<P: Provider>(receiver: &P, headers: &HeaderMap, body: &[u8]) {
    let mut tampered = body.to_vec();
    tampered.push(b' ');
    let verified = receiver.verify_at(headers, &tampered, now());
    assert!(
        matches!(verified, Err(Error::SignatureMismatch)),
        "signature still verifies after the body changed: {verified:?}"
    );
}

/// A header map from names chosen at run time (a described scheme's); like
/// [`header_map`], empty values and values `http` refuses are left out.
pub fn header_map_named(pairs: &[(Option<&HeaderName>, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for &(name, value) in pairs {
        let Some(name) = name else { continue };
        if value.is_empty() {
            continue;
        }
        if let Ok(value) = HeaderValue::from_bytes(value) {
            map.append(name.clone(), value);
        }
    }
    map
}

/// An unsigned header as the presets document reading it: visible ASCII,
/// surrounding whitespace trimmed, absent when blank. Written here again,
/// independently of the crate, as the expectation.
pub fn visible_text(headers: &HeaderMap, name: &str) -> Option<String> {
    let text = headers.get(name)?.to_str().ok()?;
    let text = text.trim_matches([' ', '\t']);
    (!text.is_empty()).then(|| text.to_owned())
}

/// Whether a body's first byte after JSON whitespace opens an object: the
/// presets that also take forms read such a body as JSON.
pub fn opens_json_object(body: &[u8]) -> bool {
    body.iter()
        .find(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .is_some_and(|&b| b == b'{')
}

/// An `application/x-www-form-urlencoded` body's fields, decoded as the
/// crate documents it (`+` is a space, `%` and two hex digits a byte, any
/// other `%` kept as written, bytes that are not UTF-8 read as U+FFFD,
/// a field sent twice keeps its first value), written independently of
/// the crate.
pub fn form_fields(body: &[u8]) -> std::collections::BTreeMap<String, String> {
    let mut map = std::collections::BTreeMap::new();
    for (name, value) in form_pairs(body) {
        map.entry(name).or_insert(value);
    }
    map
}

/// Every field of an `application/x-www-form-urlencoded` body, in order,
/// repeats included, decoded as [`form_fields`] says.
pub fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    fn hex(b: u8) -> Option<u8> {
        match b {
            b'0'..=b'9' => Some(b - b'0'),
            b'a'..=b'f' => Some(b - b'a' + 10),
            b'A'..=b'F' => Some(b - b'A' + 10),
            _ => None,
        }
    }
    fn decode(text: &[u8]) -> String {
        let mut out = Vec::new();
        let mut i = 0;
        while i < text.len() {
            let pair = text
                .get(i + 1)
                .copied()
                .and_then(hex)
                .zip(text.get(i + 2).copied().and_then(hex));
            match (text[i], pair) {
                (b'%', Some((hi, lo))) => {
                    out.push(hi << 4 | lo);
                    i += 3;
                }
                (b'+', _) => {
                    out.push(b' ');
                    i += 1;
                }
                (other, _) => {
                    out.push(other);
                    i += 1;
                }
            }
        }
        String::from_utf8_lossy(&out).into_owned()
    }
    body.split(|&b| b == b'&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.iter().position(|&b| b == b'=') {
            Some(at) => (decode(&pair[..at]), decode(&pair[at + 1..])),
            None => (decode(pair), String::new()),
        })
        .collect()
}
