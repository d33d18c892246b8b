//! Falu: both payload formats, the signature header's grammar, tolerance,
//! replies and the (absent) retry schedule.

mod common;

use std::time::Duration;

use common::*;
use webhook_kit::falu::{EventData, Falu, PayloadFormat};
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, Tolerance, WebhookEvent};

const SECRET: &str = "whsec_falu_0d6e1f";
const HEADER: &str = "x-falu-signature";
const BASIC: &[u8] = include_bytes!("data/falu_basic_message_delivered.json");
const CLOUD: &[u8] = include_bytes!("data/falu_cloudevents_message_delivered.json");
const UPDATED: &[u8] = include_bytes!("data/falu_basic_payment_updated.json");

fn receiver() -> Falu {
    keyed(SECRET)
}

fn keyed(secret: &str) -> Falu {
    Falu::new(secret).expect("secret")
}

#[test]
fn both_formats_give_the_same_event() {
    let basic = receiver().parse(BASIC).expect("basic");
    let cloud = receiver().parse(CLOUD).expect("cloudevents");
    assert_eq!(basic.format, PayloadFormat::Basic);
    assert_eq!(cloud.format, PayloadFormat::CloudEvents);
    for event in [&basic, &cloud] {
        assert_eq!(event.event_type(), "message.delivered");
        assert_eq!(event.id(), "evt_602a8dd0a54847479a874de5");
        assert_eq!(
            event.occurred_at().map(|t| t.unix_timestamp()),
            Some(1_636_149_383)
        );
        assert_eq!(
            event.workspace.as_deref(),
            Some("wksp_602a8dd0a54847479a874de4")
        );
        assert_eq!(event.live, Some(false));
        let request = event.request.as_ref().expect("request");
        assert_eq!(request.idempotency_key.as_deref(), Some("idem-1"));
    }
    match (&basic.data, &cloud.data) {
        (EventData::MessageDelivered(a), EventData::MessageDelivered(b)) => {
            assert_eq!(a.object, b.object);
            assert_eq!(a.object["status"], "delivered");
            assert_eq!(a.previous, None);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn updated_events_keep_previous_values() {
    let event = receiver().parse(UPDATED).expect("parses");
    let EventData::PaymentUpdated(data) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(data.object["amount"], 1000);
    assert_eq!(
        data.previous.as_ref().map(|p| &p["status"]),
        Some(&serde_json::json!("pending"))
    );
    assert!(event.updated.is_some());
}

#[test]
fn every_listed_type_has_its_variant_in_both_formats() {
    let types = [
        "file.created",
        "identity_verification.created",
        "identity_verification.processing",
        "identity_verification.verified",
        "identity_verification.input_required",
        "identity_verification.cancelled",
        "identity_verification.redacted",
        "message.created",
        "message.scheduled",
        "message.sent",
        "message.failed",
        "message.delivered",
        "message.cancelled",
        "message.redacted",
        "message_batch.created",
        "message_batch.scheduled",
        "message_batch.cancelled",
        "message_batch.redacted",
        "message_template.created",
        "message_template.updated",
        "message_template.deleted",
        "payment.updated",
        "payment.succeeded",
        "payment.failed",
        "payment.authorization.request",
        "payment.authorization.created",
        "payment.authorization.updated",
        "payment.refund.created",
        "payment.refund.updated",
        "payment.refund.succeeded",
        "payment.refund.failed",
        "transfer.created",
        "transfer.updated",
        "transfer.succeeded",
        "transfer.failed",
        "transfer.reversal.created",
        "transfer.reversal.updated",
        "transfer.reversal.succeeded",
        "transfer.reversal.failed",
        "money_balances.updated",
    ];
    for event_type in types {
        for body in [
            format!(r#"{{"id": "e", "type": "{event_type}", "data": {{"object": {{}}}}}}"#),
            format!(
                r#"{{"specversion": "1.0", "id": "e", "type": "io.falu.{event_type}", "data": {{"object": {{}}}}}}"#
            ),
        ] {
            let event = receiver().parse(body.as_bytes()).expect("parses");
            assert!(!matches!(event.data, EventData::Unknown(_)), "{body}");
            assert_eq!(event.event_type(), event_type);
        }
    }
}

#[test]
fn unknown_types_and_fields_are_kept() {
    let body =
        br#"{"specversion": "1.0", "id": "e", "type": "io.falu.wallet.created", "brand_new": 1,
        "data": {"object": {"id": "w_1"}}}"#;
    let event = receiver().parse(body).expect("parses");
    assert_eq!(event.event_type(), "wallet.created");
    let EventData::Unknown(unknown) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(unknown.data["object"]["id"], "w_1");
}

#[test]
fn wrong_json_is_a_positioned_payload_error() {
    let r = receiver();
    assert_payload_error(&r, b"{\"id\": \"e\"}", 1); // no type
    assert_payload_error(
        &r,
        b"{\"id\": \"e\", \"type\": \"message.sent\",\n\"created\": \"not a date\"}",
        2,
    );
    assert_payload_error(
        &r,
        b"{\"id\": \"e\",\n \"type\": \"message.sent\",\n \"live\": \"yes\"}",
        3,
    );
}

#[test]
fn signatures_round_trip_and_resist_tampering() {
    assert_round_trip_and_body_tamper(&receiver(), &receiver(), BASIC);
    let headers = receiver().sign_at(CLOUD, now()).expect("sign");
    let value = headers[HEADER].to_str().expect("ascii").to_owned();
    assert!(value.starts_with(&format!("t={NOW},sha256=")), "{value}");
    // Changing the timestamp inside the header breaks the signature.
    let moved = value.replace(&format!("t={NOW}"), &format!("t={}", NOW - 1));
    assert_rejects(
        &receiver(),
        &with_header(headers.clone(), HEADER, &moved),
        CLOUD,
        |e| *e == Error::SignatureMismatch,
    );
    assert_rejects(&keyed("other"), &headers, CLOUD, |e| {
        *e == Error::SignatureMismatch
    });
    assert_rejects(
        &receiver(),
        &without(headers, HEADER),
        CLOUD,
        |e| matches!(e, Error::MissingHeader(n) if n == HEADER),
    );
}

#[test]
fn any_listed_signature_matches_while_a_secret_rolls() {
    let new = keyed("new-secret").sign_at(BASIC, now()).expect("sign");
    let old = keyed("old-secret").sign_at(BASIC, now()).expect("sign");
    let old_sig = old[HEADER]
        .to_str()
        .expect("ascii")
        .split(',')
        .nth(1)
        .expect("sha256 item")
        .to_owned();
    let both = format!("{}, {old_sig}", new[HEADER].to_str().expect("ascii"));
    let headers = with_header(new, HEADER, &both);
    assert!(
        keyed("old-secret")
            .verify_at(&headers, BASIC, now())
            .is_ok()
    );
    assert!(
        keyed("new-secret")
            .verify_at(&headers, BASIC, now())
            .is_ok()
    );
    let rotating = keyed("newest").with_secret("old-secret").expect("secret");
    let delivery = rotating
        .verify_at(&headers, BASIC, now())
        .expect("verifies");
    assert_eq!(delivery.secret_index(), Some(1));
    assert_rejects(&keyed("third"), &headers, BASIC, |e| {
        *e == Error::SignatureMismatch
    });
}

#[test]
fn the_sdk_malformed_headers_are_rejected_as_malformed() {
    for bad in [
        "t=,sha256",
        "t,sha256=",
        "t,sha256=,sha256=",
        "t,sha256=,",
        "t,,",
        ",,",
        "t",
    ] {
        let headers = with_header(http::HeaderMap::new(), HEADER, bad);
        assert_rejects(
            &receiver(),
            &headers,
            BASIC,
            |e| matches!(e, Error::MalformedHeader { name, .. } if name == HEADER),
        );
    }
    for bad in ["sha256=00", "t=1", "t=abc,sha256=00", "t=1,sha256=zz"] {
        let headers = with_header(http::HeaderMap::new(), HEADER, bad);
        assert_rejects(&receiver(), &headers, BASIC, |e| {
            matches!(e, Error::MalformedHeader { .. })
        });
    }
}

#[test]
fn tolerance_is_five_minutes_back_and_a_minute_ahead() {
    // Our default allows 60 s ahead: Falu never redelivers, so a skewed
    // clock must not lose events.
    let r = receiver();
    assert_eq!(r.tolerance(), Tolerance::falu());
    let signed_at = |offset: i64| r.sign_at(BASIC, at(NOW + offset)).expect("sign");
    assert!(r.verify_at(&signed_at(-300), BASIC, now()).is_ok());
    assert!(r.verify_at(&signed_at(0), BASIC, now()).is_ok());
    assert!(r.verify_at(&signed_at(60), BASIC, now()).is_ok());
    assert!(matches!(
        r.verify_at(&signed_at(-301), BASIC, now()),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        r.verify_at(&signed_at(61), BASIC, now()),
        Err(Error::TimestampInFuture { .. })
    ));
    // Widening the past bound does not open the future.
    let relaxed =
        receiver().with_tolerance(Tolerance::new(Duration::from_secs(3600), Duration::ZERO));
    assert!(relaxed.verify_at(&signed_at(-3600), BASIC, now()).is_ok());
    assert!(matches!(
        relaxed.verify_at(&signed_at(1), BASIC, now()),
        Err(Error::TimestampInFuture { .. })
    ));
    let skewed = receiver().with_tolerance(Tolerance::new(
        Duration::from_secs(300),
        Duration::from_secs(5),
    ));
    assert!(skewed.verify_at(&signed_at(5), BASIC, now()).is_ok());
    assert!(skewed.verify_at(&signed_at(6), BASIC, now()).is_err());
}

#[test]
fn any_2xx_succeeds_and_nothing_is_retried() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (202, "", Outcome::Delivered),
            (299, "", Outcome::Delivered),
            (302, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
    let s = receiver().retry_schedule();
    assert_eq!(s, RetrySchedule::falu());
    assert_eq!(s.max_attempts(), 1);
    assert_eq!(s.delay_after(1), None);
    assert_eq!(s.horizon(), Duration::ZERO);
    assert!(receiver().classify(&receiver().acknowledge()).is_success());
}

#[test]
fn secrets_stay_hidden() {
    let rolled = receiver().with_secret("rolled-secret-123").expect("secret");
    assert_hidden(&rolled, SECRET);
    assert_hidden(&rolled, "rolled-secret-123");
}
