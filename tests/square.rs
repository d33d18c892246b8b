//! Square: the vectors of Square's Node.js SDK tests (`WebhooksHelper`),
//! the URL as part of the signed content, the URL's form, and the published
//! retry schedule.
#![cfg(feature = "square")]

use std::time::Duration;

use webhook_kit::http::{HeaderMap, HeaderValue};
use webhook_kit::square::Square;
use webhook_kit::time::OffsetDateTime;
use webhook_kit::{Error, Provider, RetrySchedule, WebhookEvent};

const BODY: &[u8] = br#"{"merchant_id":"MLEFBHHSJGVHD","type":"webhooks.test_notification","event_id":"ac3ac95b-f97d-458c-a6e6-18981597e05f","created_at":"2022-07-13T20:30:59.037339943Z","data":{"type":"webhooks","id":"bc368e64-01aa-407e-b46e-3231809b1129"}}"#;
const SIGNATURE: &str = "GF4YkrJgGBDZ9NIYbNXBnMzqb2HoL4RW/S6vkZ9/2N4=";
const KEY: &str = "Ibxx_5AKakO-3qeNVR61Dw";
const URL: &str = "https://webhook.site/679a4f3a-dcfa-49ee-bac5-9d0edad886b9";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn signed(signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-square-hmacsha256-signature",
        HeaderValue::from_str(signature).expect("value"),
    );
    headers
}

#[test]
fn squares_sdk_vector_verifies_and_parses() {
    let receiver = Square::new(KEY, URL).expect("usable");
    let event = receiver
        .verify_and_parse_at(&signed(SIGNATURE), BODY, now())
        .expect("genuine");
    assert_eq!(event.event_type(), "webhooks.test_notification");
    assert_eq!(event.id(), "ac3ac95b-f97d-458c-a6e6-18981597e05f");
    assert_eq!(event.merchant_id.as_deref(), Some("MLEFBHHSJGVHD"));
    assert_eq!(
        event.occurred_at().map(|t| t.nanosecond()),
        Some(37_339_943)
    );
    assert_eq!(
        receiver.sign_at(BODY, now()).expect("sign")["x-square-hmacsha256-signature"],
        SIGNATURE
    );
}

#[test]
fn squares_sdk_vectors_with_plain_and_escaped_characters_verify() {
    let receiver = Square::new("signature-key", "https://webhook.site/webhooks").expect("usable");
    for (body, signature) in [
        (
            &br#"{"data":{"type":"webhooks","id":"fake_id"}}"#[..],
            "W3FlCNk5IA3ZQ2LHTWoajvzfaDu/OwY2tNHIHC3IUOA=",
        ),
        (
            br#"{"data":{"type":"webhooks","id":">id<"}}"#,
            "Cxt7+aTi4rKgcA0bC4g9EHdVtLSDWdqccmL5MvihU4U=",
        ),
    ] {
        assert!(
            receiver.verify_at(&signed(signature), body, now()).is_ok(),
            "{signature}"
        );
    }
}

#[test]
fn the_sdk_vector_fails_for_another_url_key_signature_or_body() {
    let other_url = Square::new(
        KEY,
        "https://webhook.site/79a4f3a-dcfa-49ee-bac5-9d0edad886b9",
    )
    .expect("usable");
    assert!(matches!(
        other_url.verify_at(&signed(SIGNATURE), BODY, now()),
        Err(Error::SignatureMismatch)
    ));
    let other_key = Square::new("MCmhFRxGX82xMwg5FsaoQA", URL).expect("usable");
    assert!(
        other_key
            .verify_at(&signed(SIGNATURE), BODY, now())
            .is_err()
    );
    let receiver = Square::new(KEY, URL).expect("usable");
    assert!(
        receiver
            .verify_at(&signed("1z2n3DEJJiUPKcPzQo1ftvbxGdw="), BODY, now())
            .is_err()
    );
    let reformatted = String::from_utf8(BODY.to_vec())
        .expect("text")
        .replace(',', ", ");
    assert!(
        receiver
            .verify_at(&signed(SIGNATURE), reformatted.as_bytes(), now())
            .is_err()
    );
}

#[test]
fn a_signature_that_is_not_base64_is_malformed_not_a_panic() {
    let receiver = Square::new(KEY, URL).expect("usable");
    assert!(matches!(
        receiver.verify_at(&signed("not*base64!"), BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn a_url_that_is_not_absolute_is_refused_at_construction() {
    for url in ["", "/webhooks/square", "webhook.site/x", "https://"] {
        assert!(
            matches!(Square::new(KEY, url), Err(Error::InvalidSecret(_))),
            "{url:?}"
        );
    }
}

#[test]
fn a_rotated_key_verifies_as_the_second() {
    let receiver = Square::new("the-new-key", URL)
        .expect("usable")
        .with_secret(KEY)
        .expect("usable");
    let delivery = receiver
        .verify_at(&signed(SIGNATURE), BODY, now())
        .expect("genuine");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn square_retries_for_seventy_two_hours_and_counts_3xx_as_failure() {
    let receiver = Square::new(KEY, URL).expect("usable");
    assert!(!receiver.reply_rule().is_success_status(302));
    assert!(receiver.reply_rule().is_success_status(204));
    let schedule = RetrySchedule::square();
    assert_eq!(schedule.horizon(), Duration::from_secs((63 + 72 * 60) * 60));
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(10)));
}
