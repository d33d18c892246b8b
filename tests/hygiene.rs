//! Secret hygiene and limits: no `Debug`, `Display` or error message shows a
//! secret or an expected signature; badly sized secrets fail at
//! construction; oversized bodies are refused before any other work.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{NOW, at};
use http::{HeaderMap, HeaderValue};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{DEFAULT_MAX_BODY, Error, Provider, Secret};

const SECRET: &str = "hygiene-secret-7f3a9c";
const ROTATED: &str = "hygiene-rotated-secret-51e0";
/// The Standard Webhooks key, as bytes and as its `whsec_` text.
const KEY: [u8; 32] = *b"standard-key-bytes-0123456789abc";

fn whsec(key: &[u8]) -> String {
    format!("whsec_{}", BASE64.encode(key))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Every form a secret could leak in.
fn forbidden() -> Vec<String> {
    let mut out = Vec::new();
    for secret in [SECRET.as_bytes(), ROTATED.as_bytes(), &KEY[..]] {
        out.push(String::from_utf8_lossy(secret).into_owned());
        out.push(hex(secret));
        out.push(BASE64.encode(secret));
    }
    out.push(whsec(&KEY));
    out
}

/// The signature (or token) values in a genuine delivery's headers: what a
/// receiver "expects", so what an error must never show.
fn signature_values(headers: &HeaderMap) -> Vec<String> {
    let mut out = Vec::new();
    for (name, value) in headers {
        let name = name.as_str();
        if name.contains("signature") || name == "authorization" {
            let value = value.to_str().expect("ascii");
            for part in value.split([',', ' ', '=']) {
                if part.len() >= 16 {
                    out.push(part.to_owned());
                }
            }
        }
    }
    assert!(!out.is_empty(), "no signature in {headers:?}");
    out
}

fn assert_clean(what: &str, text: &str, forbidden: &[String]) {
    for secret in forbidden {
        assert!(
            !text.contains(secret.as_str()),
            "{what} shows {secret:?}: {text}"
        );
    }
}

/// Errors of every kind the provider can give, from real requests.
fn errors_of<P: Provider>(
    p: &P,
    sample: &[u8],
    headers_of_other: &HeaderMap,
) -> Vec<(Error, Vec<String>)> {
    let genuine = p.sign_at(sample, at(NOW)).expect("sign");
    let mut errors = Vec::new();
    let mut push = |result: Option<Error>, expected: &HeaderMap| {
        if let Some(err) = result {
            errors.push((err, signature_values(expected)));
        }
    };
    // Tampered body: the expected signature is the one over the tampered body.
    let mut tampered = sample.to_vec();
    tampered[3] ^= 1;
    let expected = p.sign_at(&tampered, at(NOW)).expect("sign");
    push(p.verify_at(&genuine, &tampered, at(NOW)).err(), &expected);
    // Missing, foreign and malformed headers.
    push(
        p.verify_at(&HeaderMap::new(), sample, at(NOW)).err(),
        &genuine,
    );
    push(
        p.verify_at(headers_of_other, sample, at(NOW)).err(),
        &genuine,
    );
    let mut garbled = genuine.clone();
    for value in garbled.values_mut() {
        *value = HeaderValue::from_static("t=x,sha256=zz,v1,@@");
    }
    push(p.verify_at(&garbled, sample, at(NOW)).err(), &genuine);
    // Outside the tolerance both ways.
    push(
        p.verify_at(&genuine, sample, at(NOW + 100_000)).err(),
        &genuine,
    );
    push(
        p.verify_at(&genuine, sample, at(NOW - 100_000)).err(),
        &genuine,
    );
    // Too large, and signed but not JSON.
    push(
        p.verify_at(&genuine, &vec![b'x'; DEFAULT_MAX_BODY + 1], at(NOW))
            .err(),
        &genuine,
    );
    let junk = b"{\"id\": \"1\", \"event\": [";
    let junk_headers = p.sign_at(junk, at(NOW)).expect("sign");
    push(
        p.verify_and_parse_at(&junk_headers, junk, at(NOW)).err(),
        &junk_headers,
    );
    errors
}

fn check_provider<P: Provider + std::fmt::Debug>(
    p: &P,
    sample: &[u8],
    other: &HeaderMap,
    kinds: usize,
) {
    let forbidden = forbidden();
    assert_clean("receiver Debug", &format!("{p:?}"), &forbidden);
    assert_clean("receiver Debug", &format!("{p:#?}"), &forbidden);
    let errors = errors_of(p, sample, other);
    assert!(errors.len() >= kinds, "too few errors produced: {errors:?}");
    for (err, expected) in errors {
        let texts = [err.to_string(), format!("{err:?}"), format!("{err:#?}")];
        for text in &texts {
            assert_clean("error", text, &forbidden);
            assert_clean("error", text, &expected);
        }
    }
}

#[test]
fn no_secret_or_expected_signature_in_any_debug_display_or_error() {
    let standard = StandardWebhooks::new(whsec(&KEY))
        .expect("secret")
        .with_secret(whsec(ROTATED.as_bytes()).as_str())
        .expect("secret");
    let falu = Falu::new(SECRET)
        .and_then(|r| r.with_secret(ROTATED))
        .expect("secret");
    let clickfunnels = ClickFunnels::new(SECRET)
        .and_then(|r| r.with_secret(ROTATED))
        .expect("secret");
    let fourvenues = Fourvenues::new(SECRET)
        .and_then(|r| r.with_secret(ROTATED))
        .expect("secret");
    let funnel = Funnel::new()
        .with_token(SECRET)
        .and_then(|r| r.with_token(ROTATED))
        .expect("token");
    let other = falu.sign_at(b"{}", at(NOW)).expect("sign");
    let standard_other = clickfunnels.sign_at(b"{}", at(NOW)).expect("sign");

    // All eight kinds where a timestamp is signed; Fourvenues signs no
    // timestamp, and Funnel's token covers neither timestamp nor body.
    let standard_body = br#"{"type": "a.b", "data": {}}"#;
    check_provider(&standard, standard_body, &standard_other, 8);
    check_provider(
        &falu,
        include_bytes!("data/falu_basic_payment_updated.json"),
        &standard_other,
        7,
    );
    check_provider(
        &clickfunnels,
        include_bytes!("data/clickfunnels_contact_identified.json"),
        &other,
        8,
    );
    check_provider(
        &fourvenues,
        include_bytes!("data/fourvenues_payment_success.json"),
        &other,
        6,
    );
    check_provider(
        &funnel,
        include_bytes!("data/funnel_v2_status_updated.json"),
        &other,
        5,
    );
    // A wrong Funnel token.
    let wrong = Funnel::new()
        .with_token("not-the-token")
        .expect("token")
        .sign_at(b"{}", at(NOW))
        .expect("sign");
    let err = funnel
        .verify_at(&wrong, b"{}", at(NOW))
        .expect_err("wrong token");
    assert_clean("error", &format!("{err} {err:?}"), &forbidden());

    // Fourvenues' id header that disagrees with the body.
    let body = include_bytes!("data/fourvenues_payment_success.json");
    let mut headers = fourvenues.sign_at(body, at(NOW)).expect("sign");
    headers.insert("x-webhook-id", HeaderValue::from_static("someone-else"));
    let err = fourvenues
        .verify_at(&headers, body, at(NOW))
        .expect_err("id mismatch");
    assert!(matches!(err, Error::HeaderMismatch(_)), "{err:?}");
    assert_clean("error", &format!("{err} {err:?}"), &forbidden());
}

#[test]
fn secrets_themselves_are_redacted() {
    let forbidden = forbidden();
    for secret in [
        Secret::from(SECRET),
        Secret::from(KEY.to_vec()),
        Secret::from(whsec(&KEY)),
    ] {
        assert_clean(
            "Secret Debug",
            &format!("{secret:?} {secret:#?}"),
            &forbidden,
        );
    }
}

#[test]
fn invalid_secrets_fail_at_construction_with_a_clear_error() {
    // Every non-empty key up to MAX_SECRET_LEN is accepted, as the
    // reference libraries do.
    let max = webhook_kit::standard::MAX_SECRET_LEN;
    for (key_len, ok) in [
        (0, false),
        (1, true),
        (16, true),
        (23, true),
        (24, true),
        (32, true),
        (64, true),
        (65, true),
        (128, true),
        (max, true),
        (max + 1, false),
    ] {
        let result = StandardWebhooks::new(whsec(&vec![7; key_len]));
        assert_eq!(result.is_ok(), ok, "{key_len}-byte key");
        let rotated = StandardWebhooks::new(whsec(&KEY))
            .expect("valid")
            .with_secret(whsec(&vec![7; key_len]));
        assert_eq!(rotated.is_ok(), ok, "{key_len}-byte rotated key");
        if let Err(err) = result {
            assert!(matches!(err, Error::InvalidSecret(_)), "{err:?}");
            assert!(
                err.to_string().contains("empty") || err.to_string().contains("long"),
                "the error says what is wrong: {err}"
            );
        }
    }
    for text in [
        "whsec_not base64!",
        "whsec_",
        "",
        "whsec_@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@",
    ] {
        let err = StandardWebhooks::new(text).expect_err(text);
        assert!(matches!(err, Error::InvalidSecret(_)), "{text}: {err:?}");
        assert!(
            !err.to_string().contains(text) || text.is_empty(),
            "echoes the secret: {err}"
        );
    }
}

/// The size check comes first: an oversized body is refused as such even
/// with no headers at all, so nothing was hashed or parsed.
#[test]
fn oversized_bodies_are_refused_before_anything_else() {
    let huge = vec![b'{'; DEFAULT_MAX_BODY + 1];
    let standard = StandardWebhooks::new(whsec(&KEY)).expect("secret");
    let falu = Falu::new(SECRET).expect("secret");
    let clickfunnels = ClickFunnels::new(SECRET).expect("secret");
    let fourvenues = Fourvenues::new(SECRET).expect("secret");
    let funnel = Funnel::new();
    let none = HeaderMap::new();
    let expected = Error::BodyTooLarge {
        len: huge.len(),
        limit: DEFAULT_MAX_BODY,
    };
    assert_eq!(
        standard.verify_at(&none, &huge, at(NOW)),
        Err(expected.clone())
    );
    assert_eq!(falu.verify_at(&none, &huge, at(NOW)), Err(expected.clone()));
    assert_eq!(
        clickfunnels.verify_at(&none, &huge, at(NOW)),
        Err(expected.clone())
    );
    assert_eq!(
        fourvenues.verify_at(&none, &huge, at(NOW)),
        Err(expected.clone())
    );
    assert_eq!(
        funnel.verify_at(&none, &huge, at(NOW)),
        Err(expected.clone())
    );
    assert_eq!(funnel.parse(&huge).map(drop), Err(expected.clone()));
    assert_eq!(expected.status_code(), 413);
    // The limit is configurable, and exact.
    let small = ClickFunnels::new(SECRET).expect("secret").with_max_body(10);
    let body = b"0123456789";
    let headers = small.sign_at(body, at(NOW)).expect("sign");
    assert!(small.verify_at(&headers, body, at(NOW)).is_ok());
    assert_eq!(
        small.verify_at(&headers, b"0123456789!", at(NOW)),
        Err(Error::BodyTooLarge { len: 11, limit: 10 })
    );
}
