//! Helpers shared by the provider test files.
#![allow(dead_code, reason = "each test file uses a different subset")]

use http::{HeaderMap, HeaderName, HeaderValue, Response};
use time::OffsetDateTime;
use webhook_kit::{Error, Outcome, Provider};

/// A fixed instant, so tests never depend on the clock.
pub(crate) const NOW: i64 = 1_712_258_191;

pub(crate) fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("valid time")
}

pub(crate) fn now() -> OffsetDateTime {
    at(NOW)
}

pub(crate) fn reply(status: u16, body: &'static str) -> Response<&'static str> {
    Response::builder()
        .status(status)
        .body(body)
        .expect("response")
}

/// Asserts `provider` reads each `(status, body)` reply as `expected`.
pub(crate) fn assert_classifies<P: Provider>(provider: &P, table: &[(u16, &'static str, Outcome)]) {
    for &(status, body, expected) in table {
        assert_eq!(
            provider.classify(&reply(status, body)),
            expected,
            "status {status} body {body:?}"
        );
    }
}

/// The headers with one value replaced.
pub(crate) fn with_header(mut headers: HeaderMap, name: &str, value: &str) -> HeaderMap {
    headers.insert(
        HeaderName::try_from(name).expect("name"),
        HeaderValue::try_from(value).expect("value"),
    );
    headers
}

/// The headers without `name`.
pub(crate) fn without(mut headers: HeaderMap, name: &str) -> HeaderMap {
    headers.remove(name);
    headers
}

/// Signs `body` with `sender`, then checks `receiver` accepts it and rejects
/// every single-byte change of the body as a signature mismatch.
pub(crate) fn assert_round_trip_and_body_tamper<S: Provider, R: Provider>(
    sender: &S,
    receiver: &R,
    body: &[u8],
) {
    let headers = sender.sign_at(body, now()).expect("sign");
    receiver
        .verify_at(&headers, body, now())
        .expect("genuine delivery verifies");
    for i in 0..body.len() {
        let mut tampered = body.to_vec();
        tampered[i] ^= 0x01;
        let err = receiver
            .verify_at(&headers, &tampered, now())
            .expect_err("tampered body");
        assert_eq!(err, Error::SignatureMismatch, "byte {i}");
    }
}

/// Checks `verify_at` fails with `expected` for these headers.
pub(crate) fn assert_rejects<P: Provider>(
    provider: &P,
    headers: &HeaderMap,
    body: &[u8],
    expected: fn(&Error) -> bool,
) {
    let err = provider
        .verify_at(headers, body, now())
        .expect_err("rejected");
    assert!(expected(&err), "unexpected {err:?} for {headers:?}");
    assert!(
        err.is_auth() || matches!(err, Error::BodyTooLarge { .. }),
        "{err:?}"
    );
}

/// Asserts a verified body that is wrong JSON gives a positioned payload error.
pub(crate) fn assert_payload_error<P: Provider>(provider: &P, body: &[u8], line: usize)
where
    P::Event: std::fmt::Debug,
{
    let headers = provider.sign_at(body, now()).expect("sign");
    match provider.verify_and_parse_at(&headers, body, now()) {
        Err(Error::InvalidPayload {
            line: l, column, ..
        }) => {
            assert_eq!(l, line, "line for {}", String::from_utf8_lossy(body));
            assert!(column >= 1);
        }
        other => panic!("expected a payload error, got {other:?}"),
    }
}

/// `Debug` of `value` does not contain `secret`.
pub(crate) fn assert_hidden<T: std::fmt::Debug>(value: &T, secret: &str) {
    let shown = format!("{value:?}");
    assert!(!shown.contains(secret), "{shown}");
}
