//! Linear: an independently computed signature, the timestamp in the
//! signed body (read only after authentication), the unsigned delivery
//! headers, replies, schedule and envelope.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::HeaderMap;
use webhook_kit::linear::Linear;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, Tolerance, WebhookEvent};

const BODY: &[u8] =
    br#"{"action":"create","type":"Issue","data":{"id":"9f1e"},"webhookTimestamp":1700000000000}"#;
/// `openssl dgst -sha256 -hmac lin_wh_kat` of `BODY`.
const SIGNATURE: &str = "75deb7f90be1466799c645fb49450e41f4ea1cb8c7e400038c488e8563fc8c84";
const T: i64 = 1_700_000_000;

fn receiver() -> Linear {
    Linear::new("lin_wh_kat").expect("secret")
}

fn headers() -> HeaderMap {
    with_header(HeaderMap::new(), "linear-signature", SIGNATURE)
}

#[test]
fn an_independently_computed_signature_verifies_and_signing_reproduces_it() {
    assert!(receiver().verify_at(&headers(), BODY, at(T)).is_ok());
    let signed = receiver().sign_at(BODY, at(T)).expect("sign");
    assert_eq!(signed["linear-signature"], SIGNATURE);
    assert_eq!(signed.len(), 1, "{signed:?}");
}

#[test]
fn the_body_timestamp_bounds_the_window_at_60_seconds_each_way() {
    assert_eq!(
        receiver().tolerance(),
        Tolerance::symmetric(Duration::from_secs(60))
    );
    assert!(receiver().verify_at(&headers(), BODY, at(T + 60)).is_ok());
    assert!(matches!(
        receiver().verify_at(&headers(), BODY, at(T + 61)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(receiver().verify_at(&headers(), BODY, at(T - 60)).is_ok());
    assert!(matches!(
        receiver().verify_at(&headers(), BODY, at(T - 61)),
        Err(Error::TimestampInFuture { .. })
    ));
}

#[test]
fn the_delivery_carries_the_bodys_time_to_the_millisecond() {
    let body = br#"{"type":"Issue","action":"update","webhookTimestamp":1700000000250}"#;
    let headers = receiver().sign_at(body, at(T)).expect("sign");
    let delivery = receiver()
        .verify_at(&headers, body, at(T))
        .expect("genuine");
    let signed_at = delivery.timestamp().expect("a time");
    assert_eq!(signed_at.unix_timestamp_nanos(), 1_700_000_000_250_000_000);
}

#[test]
fn a_fresh_unsigned_timestamp_header_does_not_rescue_a_stale_body() {
    let with_fresh_header = with_header(headers(), "linear-timestamp", "1700000600000");
    assert!(matches!(
        receiver().verify_at(&with_fresh_header, BODY, at(T + 600)),
        Err(Error::TimestampTooOld { .. })
    ));
}

#[test]
fn an_authentic_body_without_webhook_timestamp_is_refused_by_name() {
    let body = br#"{"action":"create","type":"Issue","data":{}}"#;
    let headers = receiver().sign_at(body, at(T)).expect("sign");
    match receiver().verify_at(&headers, body, at(T)) {
        Err(err @ Error::InvalidPayload { .. }) => {
            assert!(err.to_string().contains("webhookTimestamp"), "{err}");
        }
        other => panic!("expected a payload error, got {other:?}"),
    }
}

#[test]
fn a_forged_body_is_refused_before_it_is_read() {
    // Not JSON and not signed: the signature is checked first, so the
    // error says nothing about the body's content.
    assert_eq!(
        receiver().verify_at(&headers(), b"not json", at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_delivery_header_is_the_delivery_id_and_is_not_signed() {
    let with_id = with_header(
        headers(),
        "linear-delivery",
        "234d1a4e-b617-4388-90fe-adc3633d6b72",
    );
    let delivery = receiver()
        .verify_at(&with_id, BODY, at(T))
        .expect("genuine");
    assert_eq!(delivery.id(), Some("234d1a4e-b617-4388-90fe-adc3633d6b72"));
    let relabelled = with_header(with_id, "linear-delivery", "another");
    let delivery = receiver()
        .verify_at(&relabelled, BODY, at(T))
        .expect("unsigned");
    assert_eq!(delivery.id(), Some("another"));
}

#[test]
fn only_200_counts_as_delivered() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_is_1_minute_1_hour_6_hours_with_5_second_attempts() {
    let schedule = RetrySchedule::linear_app();
    let delays: Vec<u64> = schedule.delays().map(|d| d.as_secs()).collect();
    assert_eq!(delays, [60, 3600, 6 * 3600]);
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(5)));
    assert_eq!(receiver().retry_schedule(), schedule);
}

#[test]
fn the_event_type_is_the_entity_and_action_says_what_happened() {
    let body = br#"{"action":"remove","type":"IssueLabel","data":{"id":"l1"},"url":"https://linear.app/x",
        "createdAt":"2023-11-14T22:13:20.000Z","organizationId":"o","webhookId":"w","webhookTimestamp":1700000000000}"#;
    let event = receiver().parse(body).expect("parse");
    assert_eq!(
        (event.event_type(), event.action.as_str()),
        ("IssueLabel", "remove")
    );
    assert_eq!(event.id(), "");
    assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(T));
    assert_eq!(
        (
            event.url.as_deref(),
            event.organization_id.as_deref(),
            event.webhook_id.as_deref()
        ),
        (Some("https://linear.app/x"), Some("o"), Some("w"))
    );
}

#[test]
fn an_unknown_entity_and_new_fields_parse() {
    let body = br#"{"action":"created","type":"AgentSessionEvent","agentSession":{"id":"a"},"webhookTimestamp":1}"#;
    let event = receiver().parse(body).expect("parse");
    assert_eq!(event.event_type(), "AgentSessionEvent");
    assert_eq!(event.raw["agentSession"]["id"], "a");
}
