//! Standard Webhooks `whsec_` secrets read as the reference libraries read
//! them: the leftover bits of the last base64 digit ignored, padding
//! optional, the prefix optional; deliveries signed outside this crate by
//! the Python reference (tests/data/standard_secrets). Signatures in
//! requests stay strictly decoded.

mod common;

use common::at;
use http::{HeaderMap, HeaderName, HeaderValue};
use serde_json::Value;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Provider};

const VECTORS: &str = include_str!("data/standard_secrets/vectors.json");

fn cases() -> Vec<Value> {
    let vectors: Value = serde_json::from_str(VECTORS).expect("vectors.json");
    vectors["cases"].as_array().expect("cases").clone()
}

fn text<'a>(case: &'a Value, field: &str) -> &'a str {
    case[field].as_str().expect(field)
}

fn delivery_headers(case: &Value, signature: &str) -> HeaderMap {
    [
        ("webhook-id", text(case, "id").to_owned()),
        ("webhook-timestamp", case["timestamp"].to_string()),
        ("webhook-signature", signature.to_owned()),
    ]
    .into_iter()
    .map(|(name, value)| {
        let value = HeaderValue::try_from(value).expect("header value");
        (HeaderName::from_static(name), value)
    })
    .collect()
}

fn verify(receiver: &StandardWebhooks, case: &Value, signature: &str) -> Result<(), Error> {
    let now = at(case["timestamp"].as_i64().expect("timestamp"));
    let body = text(case, "body").as_bytes();
    receiver
        .verify_at(&delivery_headers(case, signature), body, now)
        .map(drop)
}

#[test]
fn the_vectors_cover_the_four_secrets_bare_and_with_the_prefix() {
    let secrets: Vec<String> = cases()
        .iter()
        .map(|c| text(c, "secret").to_owned())
        .collect();
    for encoded in [
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS=",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr==",
    ] {
        assert!(secrets.contains(&encoded.to_owned()), "{encoded}");
        assert!(secrets.contains(&format!("whsec_{encoded}")), "{encoded}");
    }
}

#[test]
fn deliveries_the_python_reference_signs_with_these_secrets_verify() {
    for case in cases() {
        let secret = text(&case, "secret");
        let receiver = StandardWebhooks::new(secret).unwrap_or_else(|e| panic!("{secret}: {e:?}"));
        let result = verify(&receiver, &case, text(&case, "webhook-signature"));
        assert!(result.is_ok(), "{secret}: {result:?}");
    }
}

#[test]
fn such_a_secret_is_accepted_as_a_rotated_secret_too() {
    for case in cases() {
        let secret = text(&case, "secret");
        let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
            .and_then(|r| r.with_secret(secret))
            .unwrap_or_else(|e| panic!("{secret}: {e:?}"));
        let now = at(case["timestamp"].as_i64().expect("timestamp"));
        let headers = delivery_headers(&case, text(&case, "webhook-signature"));
        let delivery = receiver.verify_at(&headers, text(&case, "body").as_bytes(), now);
        assert_eq!(
            delivery.map(|d| d.secret_index()).ok(),
            Some(Some(1)),
            "{secret}"
        );
    }
}

#[test]
fn signing_with_these_secrets_reproduces_the_reference_signatures() {
    for case in cases() {
        let secret = text(&case, "secret");
        let receiver = StandardWebhooks::new(secret).expect("secret");
        let now = at(case["timestamp"].as_i64().expect("timestamp"));
        let headers = receiver
            .sign_with_id_at(text(&case, "id"), text(&case, "body").as_bytes(), now)
            .expect("sign");
        assert_eq!(
            headers["webhook-signature"],
            text(&case, "webhook-signature"),
            "{secret}"
        );
    }
}

#[test]
fn only_the_leftover_bits_of_the_last_digit_are_ignored() {
    // `S` is 010010: a 23-byte key keeps its first four bits (0100), so `Q`
    // (010000) and `T` (010011) write the same key and `U` (010100) another.
    let signed_with_s = &cases()[0];
    assert_eq!(
        text(signed_with_s, "secret"),
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS"
    );
    let signature = text(signed_with_s, "webhook-signature");
    for same in [
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaQ",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaT=",
    ] {
        let receiver = StandardWebhooks::new(same).expect(same);
        assert!(
            verify(&receiver, signed_with_s, signature).is_ok(),
            "{same}"
        );
    }
    let other = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaU").expect("other key");
    assert!(matches!(
        verify(&other, signed_with_s, signature),
        Err(Error::SignatureMismatch)
    ));
}

#[test]
fn a_request_signature_with_leftover_bits_is_not_read_as_the_genuine_tag() {
    let case = &cases()[0];
    let receiver = StandardWebhooks::new(text(case, "secret")).expect("secret");
    let genuine = text(case, "webhook-signature");
    assert!(verify(&receiver, case, genuine).is_ok());
    // The 43rd digit of a 32-byte tag has two leftover bits: setting one
    // gives text that a lenient decoder reads as the same tag.
    let digits = genuine.trim_end_matches('=');
    let (head, last) = digits.split_at(digits.len() - 1);
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let value = alphabet.find(last).expect("base64 digit");
    assert_eq!(value & 0b11, 0, "a tag's last digit has zero leftover bits");
    let altered = format!("{head}{}=", &alphabet[value + 1..value + 2]);
    let result = verify(&receiver, case, &altered);
    assert!(
        matches!(result, Err(Error::MalformedHeader { .. })),
        "{altered}: {result:?}"
    );
}

#[test]
fn secrets_that_are_not_base64_or_are_empty_are_still_refused() {
    let refused = [
        "",
        " ",
        "\t\n",
        "whsec_",
        "whsec_   ",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS==",
        "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr===",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwA",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La-aS",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La_aS",
        "whsec_MfKQ9r8GKYqrTwjUP D8ILPZIo2LaLaS",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS\n",
        "whsec_MfKQ=9r8GKYqrTwjUPD8ILPZIo2LaLaS",
        "whsec_whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",
    ];
    let valid = StandardWebhooks::new("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS").expect("valid");
    for secret in refused {
        let result = StandardWebhooks::new(secret);
        assert!(matches!(result, Err(Error::InvalidSecret(_))), "{secret:?}");
        let result = valid.clone().with_secret(secret);
        assert!(matches!(result, Err(Error::InvalidSecret(_))), "{secret:?}");
    }
}
