//! Calendly: an independently computed `t=…,v1=…` signature, the item
//! grammar, the 3-minute window (our default), replies, schedule, envelope.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::HeaderMap;
use webhook_kit::calendly::Calendly;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, Tolerance, WebhookEvent};

const BODY: &[u8] = br#"{"event":"invitee.created","payload":{"uri":"https://api.calendly.com/scheduled_events/A/invitees/B"}}"#;
const T: i64 = 1_700_000_000;
/// `openssl dgst -sha256 -hmac cal-kat-key` of `"1700000000." + BODY`.
const V1: &str = "9064821a14c2d8f9eaa79ce532e3b746f9de3385046aebe291665fa38fab4cee";

fn receiver() -> Calendly {
    Calendly::new("cal-kat-key").expect("key")
}

fn headers(value: &str) -> HeaderMap {
    with_header(HeaderMap::new(), "calendly-webhook-signature", value)
}

#[test]
fn an_independently_computed_signature_verifies_and_signing_reproduces_it() {
    let value = format!("t={T},v1={V1}");
    assert!(receiver().verify_at(&headers(&value), BODY, at(T)).is_ok());
    let signed = receiver().sign_at(BODY, at(T)).expect("sign");
    assert_eq!(signed["calendly-webhook-signature"], value.as_str());
}

#[test]
fn items_are_read_in_any_order_with_unknown_ones_ignored() {
    for value in [
        format!("v1={V1},t={T}"),
        format!("t={T}, v1={V1}"),
        format!("t={T},v2=abcd,v1={V1}"),
        format!("t={T},v1=00ff,v1={V1}"),
    ] {
        assert!(
            receiver().verify_at(&headers(&value), BODY, at(T)).is_ok(),
            "{value}"
        );
    }
}

#[test]
fn a_header_without_its_timestamp_or_signature_is_malformed() {
    for value in [
        format!("v1={V1}"),
        format!("t={T}"),
        format!("t=soon,v1={V1}"),
    ] {
        assert!(
            matches!(
                receiver().verify_at(&headers(&value), BODY, at(T)),
                Err(Error::MalformedHeader { .. })
            ),
            "{value}"
        );
    }
}

#[test]
fn the_timestamp_is_signed_so_another_one_is_a_mismatch() {
    let value = format!("t={},v1={V1}", T + 1);
    assert_eq!(
        receiver().verify_at(&headers(&value), BODY, at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_default_window_is_three_minutes_each_way_and_can_be_widened() {
    let value = format!("t={T},v1={V1}");
    assert_eq!(
        receiver().tolerance(),
        Tolerance::symmetric(Duration::from_secs(180))
    );
    assert!(
        receiver()
            .verify_at(&headers(&value), BODY, at(T + 180))
            .is_ok()
    );
    assert!(matches!(
        receiver().verify_at(&headers(&value), BODY, at(T + 181)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        receiver().verify_at(&headers(&value), BODY, at(T - 181)),
        Err(Error::TimestampInFuture { .. })
    ));
    let wide = receiver().with_tolerance(Tolerance::symmetric(Duration::from_secs(600)));
    assert!(wide.verify_at(&headers(&value), BODY, at(T + 600)).is_ok());
}

#[test]
fn the_delivery_carries_the_signed_time() {
    let value = format!("t={T},v1={V1}");
    let delivery = receiver()
        .verify_at(&headers(&value), BODY, at(T))
        .expect("genuine");
    assert_eq!(delivery.timestamp().map(|t| t.unix_timestamp()), Some(T));
}

#[test]
fn gone_deletes_the_subscription_and_redirects_fail() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (202, "", Outcome::Delivered),
            (301, "", Outcome::Retry),
            (410, "", Outcome::Disable),
            (500, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_stays_within_a_day_with_a_15_second_read_timeout() {
    let schedule = RetrySchedule::calendly();
    assert!(schedule.horizon() <= Duration::from_secs(24 * 3600));
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(15)));
    assert_eq!(receiver().retry_schedule(), schedule);
}

#[test]
fn the_event_is_the_body_event_with_its_payload_time_and_no_id() {
    let body = br#"{"event": "routing_form_submission.created", "created_at": "2023-11-14T22:13:20.123456Z",
        "created_by": "https://api.calendly.com/users/U", "payload": {"submitter": "s"}}"#;
    let event = receiver().parse(body).expect("parse");
    assert_eq!(
        (event.event_type(), &*event.id()),
        ("routing_form_submission.created", "")
    );
    assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(T));
    assert_eq!(event.data["submitter"], "s");
}
