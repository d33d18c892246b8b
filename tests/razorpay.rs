//! Razorpay: the published vector from Razorpay's Python SDK, the unsigned
//! event id header, rotation, replies, schedule and envelope.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::HeaderMap;
use webhook_kit::razorpay::Razorpay;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

/// razorpay-python `tests/mocks/fake_payment_authorized_webhook.json`, byte
/// for byte (with its final newline).
const VECTOR_BODY: &[u8] = include_bytes!("data/razorpay_payment_authorized.json");
/// razorpay-python `test_verify_webhook_signature`: the client's key secret
/// `key_secret` and this signature.
const VECTOR_SECRET: &str = "key_secret";
const VECTOR_SIGNATURE: &str = "d60e67fd884556c045e9be7dad57903e33efc7172c17c6e3ef77db42d2b366e9";
const T: i64 = 1_700_000_000;

fn vector_headers() -> HeaderMap {
    with_header(HeaderMap::new(), "x-razorpay-signature", VECTOR_SIGNATURE)
}

#[test]
fn razorpays_published_vector_verifies_and_signing_reproduces_it() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    assert!(
        receiver
            .verify_at(&vector_headers(), VECTOR_BODY, at(T))
            .is_ok()
    );
    let signed = receiver.sign_at(VECTOR_BODY, at(T)).expect("sign");
    assert_eq!(signed["x-razorpay-signature"], VECTOR_SIGNATURE);
}

#[test]
fn the_vector_without_its_final_newline_is_refused() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    let trimmed = &VECTOR_BODY[..VECTOR_BODY.len() - 1];
    assert_eq!(
        receiver.verify_at(&vector_headers(), trimmed, at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_vectors_event_parses() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    let event = receiver
        .verify_and_parse_at(&vector_headers(), VECTOR_BODY, at(T))
        .expect("parse");
    assert_eq!(event.event_type(), "payment.authorized");
    assert_eq!(event.contains, ["payment"]);
    assert_eq!(event.data["payment"]["entity"]["id"], "pay_6koWN7bvxujzxM");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_400_826_760)
    );
    assert_eq!(event.id(), "");
}

#[test]
fn the_event_id_header_is_the_delivery_id_and_is_not_signed() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    let headers = with_header(vector_headers(), "x-razorpay-event-id", "HwWJFTuLVprqEX");
    let delivery = receiver
        .verify_at(&headers, VECTOR_BODY, at(T))
        .expect("genuine");
    assert_eq!(delivery.id(), Some("HwWJFTuLVprqEX"));
    // Anyone holding a genuine delivery can resend it under another id: the
    // id is a deduplication hint, never proof.
    let relabelled = with_header(headers, "x-razorpay-event-id", "another-id");
    let delivery = receiver
        .verify_at(&relabelled, VECTOR_BODY, at(T))
        .expect("unsigned");
    assert_eq!(delivery.id(), Some("another-id"));
    // And a delivery without one is still genuine.
    let delivery = receiver
        .verify_at(&vector_headers(), VECTOR_BODY, at(T))
        .expect("genuine");
    assert_eq!(delivery.id(), None);
}

#[test]
fn an_empty_event_id_header_is_malformed() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    let headers = with_header(vector_headers(), "x-razorpay-event-id", "");
    assert!(matches!(
        receiver.verify_at(&headers, VECTOR_BODY, at(T)),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn the_old_secret_still_verifies_events_retried_after_a_change() {
    let both = Razorpay::new("the-new-secret")
        .and_then(|r| r.with_secret(VECTOR_SECRET))
        .expect("secrets");
    let delivery = both
        .verify_at(&vector_headers(), VECTOR_BODY, at(T))
        .expect("old");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn any_2xx_counts_as_delivered() {
    let receiver = Razorpay::new(VECTOR_SECRET).expect("secret");
    assert_classifies(
        &receiver,
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Delivered),
            (302, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_stays_within_a_day_and_allows_five_seconds() {
    let schedule = RetrySchedule::razorpay();
    assert!(schedule.horizon() <= Duration::from_secs(24 * 3600));
    assert!(schedule.horizon() >= Duration::from_secs(20 * 3600));
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(5)));
    assert_eq!(schedule.delay_after(1), Some(Duration::from_secs(60)));
}
