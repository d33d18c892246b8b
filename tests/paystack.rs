//! Paystack: an independently computed HMAC-SHA512, the secret-key rule,
//! rotation, the absence of a window, replies, schedule and envelope.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::HeaderMap;
use webhook_kit::paystack::Paystack;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const BODY: &[u8] = br#"{"event":"charge.success","data":{"id":302961,"reference":"qTPrJoy9Bx"}}"#;
/// `openssl dgst -sha512 -hmac sk_test_kat` of `BODY`.
const SIGNATURE: &str = "4774b784c23af21f049c77b74a51d09619d8ea975d4d60ace1759bb7c9f5b98b021635ff45dfd219c67f6ac9679ef58ebb8379422aa59f8e50ee02f8f01a24e4";
const T: i64 = 1_700_000_000;

#[test]
fn an_independently_computed_hmac_sha512_verifies_and_signing_reproduces_it() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    let headers = with_header(HeaderMap::new(), "x-paystack-signature", SIGNATURE);
    assert!(receiver.verify_at(&headers, BODY, at(T)).is_ok());
    let upper = with_header(
        HeaderMap::new(),
        "x-paystack-signature",
        &SIGNATURE.to_uppercase(),
    );
    assert!(receiver.verify_at(&upper, BODY, at(T)).is_ok());
    let signed = receiver.sign_at(BODY, at(T)).expect("sign");
    assert_eq!(signed["x-paystack-signature"], SIGNATURE);
}

#[test]
fn a_sha256_length_signature_never_matches() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    let headers = with_header(HeaderMap::new(), "x-paystack-signature", &SIGNATURE[..64]);
    assert_eq!(
        receiver.verify_at(&headers, BODY, at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn a_public_key_is_refused_at_construction_naming_the_secret_key() {
    match Paystack::new("pk_live_0123456789") {
        Err(Error::InvalidSecret(message)) => assert!(message.contains("sk_"), "{message}"),
        other => panic!("expected InvalidSecret, got {other:?}"),
    }
}

#[test]
fn rotation_accepts_the_old_key_and_says_which_matched() {
    let old = Paystack::new("sk_live_old").expect("key");
    let both = Paystack::new("sk_live_new")
        .and_then(|r| r.with_secret("sk_live_old"))
        .expect("keys");
    let headers = old.sign_at(BODY, at(T)).expect("sign");
    let delivery = both.verify_at(&headers, BODY, at(T)).expect("old key");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn nothing_dates_a_delivery_so_a_year_old_one_still_verifies() {
    // Paystack signs no time: replay protection is deduplication's job.
    let receiver = Paystack::new("sk_test_kat").expect("key");
    let headers = receiver.sign_at(BODY, at(T)).expect("sign");
    let delivery = receiver
        .verify_at(&headers, BODY, at(T + 365 * 24 * 3600))
        .expect("no window");
    assert_eq!((delivery.timestamp(), delivery.id()), (None, None));
}

#[test]
fn only_200_counts_as_delivered() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    assert_classifies(
        &receiver,
        &[
            (200, "", Outcome::Delivered),
            (201, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_is_four_three_minute_retries_then_72_hourly() {
    let schedule = RetrySchedule::paystack();
    assert_eq!(schedule.max_attempts(), 77);
    let delays: Vec<Duration> = schedule.delays().collect();
    assert!(delays[..4].iter().all(|d| *d == Duration::from_secs(180)));
    assert!(delays[4..].iter().all(|d| *d == Duration::from_secs(3600)));
    assert_eq!(schedule.horizon(), Duration::from_secs(4 * 180 + 72 * 3600));
    let receiver = Paystack::new("sk_test_kat").expect("key");
    assert_eq!(receiver.retry_schedule(), schedule);
}

#[test]
fn the_event_is_the_body_event_with_its_data_and_no_id() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    let event = receiver.parse(BODY).expect("parse");
    assert_eq!((event.event_type(), &*event.id()), ("charge.success", ""));
    assert_eq!(event.data["id"], 302961);
    assert_eq!(event.raw["data"]["reference"], "qTPrJoy9Bx");
}

#[test]
fn an_unknown_event_type_and_new_fields_parse() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    let body = br#"{"event": "terminal.brand_new", "data": {"x": 1}, "new_field": true}"#;
    let event = receiver.parse(body).expect("parse");
    assert_eq!(event.event_type(), "terminal.brand_new");
    assert_eq!(event.raw["new_field"], true);
}

#[test]
fn a_body_without_event_is_a_payload_error() {
    let receiver = Paystack::new("sk_test_kat").expect("key");
    assert!(matches!(
        receiver.parse(br#"{"data": {}}"#),
        Err(Error::InvalidPayload { .. })
    ));
}
