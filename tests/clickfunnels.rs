//! ClickFunnels: seed payload, signatures, tolerance, replies, schedule.

mod common;

use std::time::Duration;

use common::*;
use webhook_kit::clickfunnels::{ClickFunnels, EventData};
use webhook_kit::{Error, Outcome, Provider, ReplyRule, RetrySchedule, Tolerance, WebhookEvent};

const SECRET: &str = "cf-webhook-secret-7f3a";
const SIGNATURE: &str = "x-webhook-clickfunnels-signature";
const TIMESTAMP: &str = "x-webhook-clickfunnels-timestamp";
const SEED: &[u8] = include_bytes!("data/clickfunnels_contact_identified.json");

fn receiver() -> ClickFunnels {
    ClickFunnels::new(SECRET).expect("secret")
}

fn keyed(secret: &str) -> ClickFunnels {
    ClickFunnels::new(secret).expect("secret")
}

#[test]
fn the_seed_contact_parses_into_its_typed_variant() {
    let event = receiver().parse(SEED).expect("seed parses");
    assert_eq!(event.id(), "123b4741-3f2d-431a-90d1-ddca0f4d6721");
    assert_eq!(event.event_type(), "contact.identified");
    assert_eq!(event.subject_id, Some(236_296_209));
    assert_eq!(event.subject_type.as_deref(), Some("Contact"));
    assert_eq!(event.page_id, None);
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_712_258_191)
    );
    let EventData::ContactIdentified(contact) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(contact.id, Some(236_296_209));
    assert_eq!(contact.first_name.as_deref(), Some("Bob"));
    assert_eq!(contact.last_name.as_deref(), Some("Dullan"));
    assert_eq!(contact.phone_number.as_deref(), Some("+18472555555"));
    assert_eq!(contact.workspace_id, Some(42));
    assert_eq!(contact.fb_url, None);
    assert!(contact.tags.is_empty());
    assert!(contact.updated_at.is_some());
}

#[test]
fn newer_envelope_fields_and_unknown_types_are_kept() {
    let body =
        br#"{"event_id": "e-2", "event_type": "invoice.paid", "api_version": 2, "workspace_id": 42,
        "page": {"id": 3}, "funnel": null, "something_new": true, "data": {"amount": "9.99"}}"#;
    let event = receiver().parse(body).expect("parses");
    assert_eq!(event.api_version, Some(2));
    assert_eq!(event.workspace_id, Some(42));
    assert_eq!(event.page, Some(serde_json::json!({"id": 3})));
    assert_eq!(event.funnel, None);
    let EventData::Unknown(unknown) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(unknown.event_type, "invoice.paid");
    assert_eq!(unknown.data["amount"], "9.99");
}

#[test]
fn every_listed_type_has_its_variant() {
    let types = [
        "contact.created",
        "contact.updated",
        "contact.deleted",
        "contact.identified",
        "contact/applied_tag.created",
        "contact/applied_tag.deleted",
        "course.created",
        "course.updated",
        "course.deleted",
        "course.published",
        "courses/enrollment.created",
        "courses/enrollment.updated",
        "courses/enrollment.deleted",
        "courses/enrollment.suspended",
        "courses/enrollment.course_completed",
        "courses/section.created",
        "courses/section.updated",
        "courses/section.deleted",
        "communities/post.created",
        "blogs/post.created",
        "blogs/post.updated",
        "blogs/post.deleted",
        "blogs/post.published",
        "appointments/scheduled_event.created",
        "appointments/scheduled_event.canceled",
        "appointments/scheduled_event.rescheduled",
        "order.created",
        "one-time-order.identified",
        "one-time-order.completed",
    ];
    for event_type in types {
        let body =
            format!(r#"{{"event_id": "e", "event_type": "{event_type}", "data": {{"id": 1}}}}"#);
        let event = receiver().parse(body.as_bytes()).expect("parses");
        assert!(!matches!(event.data, EventData::Unknown(_)), "{event_type}");
        assert_eq!(event.event_type(), event_type);
    }
    let event = receiver()
        .parse(br#"{"event_id": "e", "event_type": "contact/applied_tag.created", "data": {"tag_id": 4}}"#)
        .expect("parses");
    assert!(matches!(&event.data, EventData::ContactAppliedTagCreated(v) if v["tag_id"] == 4));
}

#[test]
fn wrong_json_is_a_positioned_payload_error() {
    let r = receiver();
    assert_payload_error(&r, b"{\"event_id\": \"e\",\n\"event_type\": 7}", 2);
    assert_payload_error(
        &r,
        b"{\"event_id\": \"e\", \"event_type\": \"contact.created\",\n \"data\": {\"id\": \"x\"}}",
        2,
    );
    assert_payload_error(&r, b"[]", 1);
    assert_payload_error(&r, b"\xff", 1);
}

#[test]
fn signatures_round_trip_and_resist_tampering() {
    assert_round_trip_and_body_tamper(&receiver(), &receiver(), SEED);
    let headers = receiver().sign_at(SEED, now()).expect("sign");
    let signature = headers[SIGNATURE].to_str().expect("ascii").to_owned();
    assert_eq!(signature.len(), 64);
    assert!(
        signature
            .bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    );
    assert_eq!(headers[TIMESTAMP], NOW.to_string().as_str());

    // Either case of hex is accepted.
    let upper = with_header(headers.clone(), SIGNATURE, &signature.to_uppercase());
    assert!(receiver().verify_at(&upper, SEED, now()).is_ok());
    let mut flipped = signature.into_bytes();
    flipped[10] = if flipped[10] == b'0' { b'1' } else { b'0' };
    let flipped = with_header(
        headers.clone(),
        SIGNATURE,
        std::str::from_utf8(&flipped).expect("ascii"),
    );
    assert_rejects(&receiver(), &flipped, SEED, |e| {
        *e == Error::SignatureMismatch
    });
    // The timestamp is signed: moving it (within tolerance) breaks the signature.
    let moved = with_header(headers.clone(), TIMESTAMP, &(NOW - 1).to_string());
    assert_rejects(&receiver(), &moved, SEED, |e| {
        *e == Error::SignatureMismatch
    });
    // A different secret does not verify.
    assert_rejects(&keyed("other"), &headers, SEED, |e| {
        *e == Error::SignatureMismatch
    });
}

#[test]
fn missing_and_malformed_headers_are_named() {
    let headers = receiver().sign_at(SEED, now()).expect("sign");
    assert_rejects(
        &receiver(),
        &without(headers.clone(), SIGNATURE),
        SEED,
        |e| matches!(e, Error::MissingHeader(n) if n == SIGNATURE),
    );
    assert_rejects(
        &receiver(),
        &without(headers.clone(), TIMESTAMP),
        SEED,
        |e| matches!(e, Error::MissingHeader(n) if n == TIMESTAMP),
    );
    for bad in ["zz", "abc", "not hex at all", " "] {
        let h = with_header(headers.clone(), SIGNATURE, bad);
        assert_rejects(
            &receiver(),
            &h,
            SEED,
            |e| matches!(e, Error::MalformedHeader { name, .. } if name == SIGNATURE),
        );
    }
    for bad in ["12.5", "yesterday", "0x10", "-"] {
        let h = with_header(headers.clone(), TIMESTAMP, bad);
        assert_rejects(
            &receiver(),
            &h,
            SEED,
            |e| matches!(e, Error::MalformedHeader { name, .. } if name == TIMESTAMP),
        );
    }
    // A truncated hex signature is not a SHA-256 MAC: the header holds no
    // usable entry, which is a malformed header (still an auth failure).
    let short = &headers[SIGNATURE].to_str().expect("ascii")[..62];
    assert_rejects(
        &receiver(),
        &with_header(headers.clone(), SIGNATURE, short),
        SEED,
        |e| matches!(e, Error::MalformedHeader { name, .. } if name == SIGNATURE),
    );
}

#[test]
fn rotation_accepts_old_and_new_secrets() {
    let rotating = keyed("new-secret")
        .with_secret("old-secret")
        .expect("secret");
    for (index, sender) in [keyed("new-secret"), keyed("old-secret")]
        .iter()
        .enumerate()
    {
        let headers = sender.sign_at(SEED, now()).expect("sign");
        let delivery = rotating.verify_at(&headers, SEED, now()).expect("verifies");
        assert_eq!(delivery.secret_index(), Some(index));
    }
    let stranger = keyed("third").sign_at(SEED, now()).expect("sign");
    assert_rejects(&rotating, &stranger, SEED, |e| {
        *e == Error::SignatureMismatch
    });
}

#[test]
fn tolerance_is_ten_minutes_both_ways() {
    let r = receiver();
    let signed_at = |offset: i64| r.sign_at(SEED, at(NOW + offset)).expect("sign");
    assert!(r.verify_at(&signed_at(-600), SEED, now()).is_ok());
    assert!(r.verify_at(&signed_at(600), SEED, now()).is_ok());
    assert!(matches!(
        r.verify_at(&signed_at(-601), SEED, now()),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        r.verify_at(&signed_at(601), SEED, now()),
        Err(Error::TimestampInFuture { .. })
    ));
    let strict = receiver().with_tolerance(Tolerance::symmetric(Duration::from_secs(30)));
    assert_eq!(
        strict.tolerance(),
        Tolerance::symmetric(Duration::from_secs(30))
    );
    assert!(matches!(
        strict.verify_at(&signed_at(-31), SEED, now()),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(strict.verify_at(&signed_at(-30), SEED, now()).is_ok());
}

#[test]
fn only_the_published_statuses_succeed() {
    let mut table = vec![];
    for status in [200, 201, 202, 203, 204, 205, 206, 207, 226] {
        table.push((status, "", Outcome::Delivered));
    }
    for status in [
        100, 199, 208, 225, 227, 299, 301, 304, 400, 404, 410, 429, 500, 503,
    ] {
        table.push((status, "", Outcome::Retry));
    }
    assert_classifies(&receiver(), &table);
    assert_eq!(
        ReplyRule::clickfunnels().classify(&reply(226, "")),
        Outcome::Delivered
    );
    assert!(receiver().classify(&receiver().acknowledge()).is_success());
}

#[test]
fn the_schedule_is_the_published_one() {
    let s = receiver().retry_schedule();
    assert_eq!(s, RetrySchedule::clickfunnels());
    assert_eq!(s.max_attempts(), 9);
    let expected = [1, 15, 60, 300, 900, 3600, 43_200, 86_400].map(Duration::from_secs);
    assert_eq!(s.delays().collect::<Vec<_>>(), expected);
    assert_eq!(s.horizon(), Duration::from_secs(134_476));
    assert_eq!(s.timeout(), None);
}

#[test]
fn secrets_stay_hidden() {
    let r = receiver().with_secret("second-secret-xyz").expect("secret");
    assert_hidden(&r, SECRET);
    assert_hidden(&r, "second-secret-xyz");
}
