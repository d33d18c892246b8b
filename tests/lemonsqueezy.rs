//! Lemon Squeezy: `X-Signature` against an independent HMAC-SHA256, the
//! unsigned `X-Event-Name`, the JSON:API envelope, replies and retries.

mod common;

use std::time::Duration;

use common::*;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::lemonsqueezy::LemonSqueezy;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const SECRET: &str = "ls-signing-secret";
const HEADER: &str = "x-signature";
// Shaped as the example payload of Lemon Squeezy's webhook docs.
const BODY: &[u8] = br#"{"meta":{"event_name":"order_created","custom_data":{"customer_id":25}},"data":{"type":"orders","id":"1","attributes":{"store_id":1,"identifier":"636f855c-1fb9-4c07-b75c-3a10afef010a","order_number":1,"status":"paid","total":1199,"created_at":"2021-08-17T09:45:53.000000Z"}}}"#;

fn receiver() -> LemonSqueezy {
    LemonSqueezy::new(SECRET).expect("secret")
}

fn independent_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn headers_with(value: &str) -> http::HeaderMap {
    with_header(http::HeaderMap::new(), HEADER, value)
}

#[test]
fn a_signature_made_by_an_independent_hmac_sha256_verifies() {
    let headers = headers_with(&independent_signature(SECRET, BODY));
    let event = receiver()
        .verify_and_parse_at(&headers, BODY, now())
        .expect("genuine");
    assert_eq!(event.event_type(), "order_created");
    assert_eq!(event.resource_type, "orders");
    assert_eq!(event.resource_id, "1");
    assert_eq!(event.data["attributes"]["total"], 1199);
    assert_eq!(
        event.custom_data.as_ref().map(|c| c["customer_id"].clone()),
        Some(25.into())
    );
}

#[test]
fn lemon_squeezy_sends_no_event_id_or_time() {
    let event = receiver().parse(BODY).expect("parse");
    assert_eq!(event.id(), "");
    assert_eq!(event.occurred_at(), None);
}

#[test]
fn signing_writes_the_signature_and_the_event_name() {
    let headers = receiver().sign_at(BODY, now()).expect("sign");
    assert_eq!(headers.len(), 2, "{headers:?}");
    assert_eq!(
        headers[HEADER],
        independent_signature(SECRET, BODY).as_str()
    );
    assert_eq!(headers["x-event-name"], "order_created");
}

#[test]
fn a_body_that_names_no_event_is_signed_without_an_event_name() {
    let headers = receiver().sign_at(b"[1, 2]", now()).expect("sign");
    assert!(!headers.contains_key("x-event-name"));
    assert!(receiver().verify_at(&headers, b"[1, 2]", now()).is_ok());
}

#[test]
fn the_unsigned_event_name_header_never_decides_the_type() {
    let headers = with_header(
        headers_with(&independent_signature(SECRET, BODY)),
        "x-event-name",
        "order_refunded",
    );
    let event = receiver()
        .verify_and_parse_at(&headers, BODY, now())
        .expect("the header is not signed, so changing it is no forgery");
    assert_eq!(event.event_type(), "order_created");
}

#[test]
fn a_prefixed_or_undecodable_signature_is_refused() {
    let prefixed = format!("sha256={}", independent_signature(SECRET, BODY));
    for value in [prefixed.as_str(), "zz", ""] {
        assert!(
            matches!(
                receiver().verify_at(&headers_with(value), BODY, now()),
                Err(Error::MalformedHeader { .. } | Error::MissingHeader(_))
            ),
            "{value:?}"
        );
    }
}

#[test]
fn another_secret_or_a_changed_body_is_a_mismatch() {
    let other = LemonSqueezy::new("another-secret").expect("secret");
    assert_round_trip_and_body_tamper(&receiver(), &receiver(), BODY);
    let headers = receiver().sign_at(BODY, now()).expect("sign");
    assert_eq!(
        other.verify_at(&headers, BODY, now()),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn unknown_events_are_kept_and_a_number_id_is_read_as_text() {
    let event = receiver()
        .parse(br#"{"meta": {"event_name": "affiliate_activated"}, "data": {"type": "affiliates", "id": 12}}"#)
        .expect("parse");
    assert_eq!(event.event_type(), "affiliate_activated");
    assert_eq!(event.resource_id, "12");
    assert!(event.custom_data.is_none());
}

#[test]
fn a_body_without_meta_event_name_is_a_payload_error() {
    assert!(matches!(
        receiver().parse(br#"{"data": {"type": "orders", "id": "1"}}"#),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn only_200_counts_and_three_retries_follow_five_fold() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (201, "", Outcome::Retry),
            (204, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
    let schedule = RetrySchedule::lemonsqueezy();
    let waits: Vec<Duration> = schedule.delays().collect();
    assert_eq!(
        waits,
        [5, 25, 125].map(Duration::from_secs),
        "Lemon Squeezy's published example"
    );
    assert_eq!(receiver().retry_schedule(), schedule);
}
