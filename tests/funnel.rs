//! Funnel Leasing: both envelopes, token authentication, the exact reply,
//! the published schedule.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use http::{HeaderMap, HeaderName, header::AUTHORIZATION};
use webhook_kit::funnel::{EnvelopeVersion, EventData, Funnel};
use webhook_kit::{Error, Outcome, Provider, ReplyRule, RetrySchedule, WebhookEvent};

const V2: &[u8] = include_bytes!("data/funnel_v2_status_updated.json");
const V3: &[u8] = include_bytes!("data/funnel_v3_unit_reserved.json");
const TOKEN: &str = "fl-api-token-93b1";

#[test]
fn the_v2_seed_parses_into_its_typed_variant() {
    let event = Funnel::new().parse(V2).expect("v2 parses");
    assert_eq!(event.version, EnvelopeVersion::V2);
    assert_eq!(event.id(), "8932127");
    assert_eq!(event.event_type(), "lease_transaction.status_updated");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_680_064_028)
    );
    assert_eq!(event.idempotency_key, None);
    let EventData::LeaseTransactionStatusUpdated(data) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(data.lease_transaction_id, 74_824);
    assert_eq!(data.lease_transaction_type, "Application");
    assert_eq!(data.current_status, "Approved");
    assert_eq!(data.previous_status.as_deref(), Some("Submitted"));
    assert_eq!((data.client_id, data.community_id), (12_453, 43_522));
}

#[test]
fn the_v3_envelope_parses_into_the_same_event_type() {
    let event = Funnel::new().parse(V3).expect("v3 parses");
    assert_eq!(event.version, EnvelopeVersion::V3);
    assert_eq!(event.id(), "5b0c8a52-3f57-4a4e-9d0e-2f1f7c1c9e11");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_728_481_771)
    );
    let EventData::LeaseTransactionUnitReserved(data) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(data.unit_id, 9981);
    assert_eq!(data.pms.guestcard_pms_identifier.as_deref(), Some("g-123"));
    assert_eq!(data.pms.tenant_pms_identifier, None);
}

#[test]
fn lease_transaction_updated_has_its_fields() {
    let body = br#"{"id": 1, "event_type": "lease_transaction.updated", "event_timestamp": 1680064028,
        "idempotency_key": "k-1", "event_data": {"lease_transaction_id": 5, "lease_transaction_type": "Application",
        "client_id": 2, "unit_id": null, "community_id": 3, "lease_id": null, "update_type": "Dependent added"}}"#;
    let event = Funnel::new().parse(body).expect("parses");
    assert_eq!(event.idempotency_key.as_deref(), Some("k-1"));
    let EventData::LeaseTransactionUpdated(data) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(data.update_type.as_deref(), Some("Dependent added"));
    assert_eq!(data.lease_id, None);
}

#[test]
fn every_listed_type_has_its_variant() {
    let untyped = [
        "lease_transaction.unit_released",
        "lease_transaction.terms_updated",
        "lease_transaction.fees_updated",
        "lease_transaction.rentable_item_selected",
        "lease_transaction.rentable_item_deselected",
        "lease.resident_move_in",
        "lease.resident_move_in_canceled",
        "lease.move_in_canceled",
        "quote.created",
    ];
    for event_type in untyped {
        for body in [
            format!(
                r#"{{"id": 1, "event_type": "{event_type}", "event_timestamp": 1, "event_data": {{"x": 1}}}}"#
            ),
            format!(r#"{{"id": "u", "event": "{event_type}", "data": {{"x": 1}}}}"#),
        ] {
            let event = Funnel::new().parse(body.as_bytes()).expect("parses");
            assert!(!matches!(event.data, EventData::Unknown(_)), "{body}");
            assert_eq!(event.event_type(), event_type);
        }
    }
}

#[test]
fn unknown_types_extra_fields_and_absurd_timestamps_are_not_errors() {
    let body =
        br#"{"id": 2, "event_type": "resident.renewed", "event_timestamp": 1e30, "brand_new": [1],
        "event_data": {"renewal_id": 9}}"#;
    let event = Funnel::new().parse(body).expect("parses");
    assert_eq!(event.occurred_at(), None);
    let EventData::Unknown(unknown) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(unknown.event_type, "resident.renewed");
    assert_eq!(unknown.data["renewal_id"], 9);
    for ts in ["-9223372036854775808", "9223372036854775807", "\"soon\""] {
        let body = format!(
            r#"{{"id": 3, "event_type": "quote.created", "event_timestamp": {ts}, "event_data": {{}}}}"#
        );
        assert_eq!(
            Funnel::new()
                .parse(body.as_bytes())
                .expect("parses")
                .occurred_at(),
            None
        );
    }
}

#[test]
fn wrong_json_is_a_positioned_payload_error() {
    let r = Funnel::new();
    assert_payload_error(&r, b"{\"id\": 1}", 1);
    assert_payload_error(&r, b"{\"id\": 1, \"event_type\": \"lease_transaction.status_updated\",\n\"event_data\": {\"client_id\": \"x\"}}", 2);
    assert_payload_error(&r, b"{\"id\": [1], \"event\": \"quote.created\"}", 1);
    let missing = Funnel::new()
        .parse(b"{\"id\": 1}")
        .expect_err("no event type");
    assert!(missing.to_string().contains("event_type"), "{missing}");
}

#[test]
fn without_a_token_every_request_is_accepted() {
    let r = Funnel::new();
    let delivery = r.verify_at(&HeaderMap::new(), V2, now()).expect("open");
    assert_eq!(delivery.secret_index(), None);
    assert_eq!(delivery.id(), None);
    assert!(r.sign_at(V2, now()).expect("sign").is_empty());
    let event = r
        .verify_and_parse_at(&HeaderMap::new(), V2, now())
        .expect("event");
    assert_eq!(event.id(), "8932127");
}

#[test]
fn the_token_is_accepted_as_bearer_or_basic() {
    let r = Funnel::new().with_token(TOKEN).expect("token");
    let signed = r.sign_at(V2, now()).expect("sign");
    assert_eq!(signed[AUTHORIZATION], format!("Bearer {TOKEN}").as_str());
    assert!(r.verify_at(&signed, V2, now()).is_ok());
    let basic = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{TOKEN}:"))
    );
    assert!(
        r.verify_at(
            &with_header(HeaderMap::new(), "authorization", &basic),
            V2,
            now()
        )
        .is_ok()
    );
}

#[test]
fn wrong_missing_or_malformed_tokens_are_rejected() {
    let r = Funnel::new().with_token(TOKEN).expect("token");
    assert_rejects(
        &r,
        &HeaderMap::new(),
        V2,
        |e| matches!(e, Error::MissingHeader(n) if n == AUTHORIZATION),
    );
    for value in [
        "Bearer wrong",
        "Bearer fl-api-token-93b",
        "Bearer fl-api-token-93b1x",
    ] {
        let h = with_header(HeaderMap::new(), "authorization", value);
        assert_rejects(&r, &h, V2, |e| *e == Error::SignatureMismatch);
    }
    for value in [TOKEN, "Token abc", "Basic ***"] {
        let h = with_header(HeaderMap::new(), "authorization", value);
        assert_rejects(&r, &h, V2, |e| matches!(e, Error::MalformedHeader { .. }));
    }
    // A bad token stops the request before its body is read.
    let h = with_header(HeaderMap::new(), "authorization", "Bearer wrong");
    assert_eq!(
        r.verify_and_parse_at(&h, b"not json", now())
            .expect_err("bad token"),
        Error::SignatureMismatch
    );
}

#[test]
fn rotation_and_a_named_header() {
    let r = Funnel::new()
        .with_token("new-token")
        .expect("token")
        .with_token("old-token")
        .expect("token");
    for token in ["new-token", "old-token"] {
        let h = with_header(
            HeaderMap::new(),
            "authorization",
            &format!("Bearer {token}"),
        );
        assert!(r.verify_at(&h, V2, now()).is_ok(), "{token}");
    }
    let old = with_header(HeaderMap::new(), "authorization", "Bearer old-token");
    assert_eq!(
        r.verify_at(&old, V2, now()).expect("old").secret_index(),
        Some(1)
    );
    let name = HeaderName::from_static("x-funnel-token");
    let named = Funnel::new()
        .with_token(TOKEN)
        .expect("token")
        .token_header(name.clone());
    let signed = named.sign_at(V2, now()).expect("sign");
    assert_eq!(signed[&name], TOKEN);
    assert!(named.verify_at(&signed, V2, now()).is_ok());
    let wrong = with_header(HeaderMap::new(), "x-funnel-token", "nope");
    assert_rejects(&named, &wrong, V2, |e| *e == Error::SignatureMismatch);
}

#[test]
fn oversized_bodies_are_rejected_first() {
    let r = Funnel::new().with_max_body(10);
    assert_eq!(
        r.verify_at(&HeaderMap::new(), V2, now()),
        Err(Error::BodyTooLarge {
            len: V2.len(),
            limit: 10
        })
    );
    assert!(matches!(r.parse(V2), Err(Error::BodyTooLarge { .. })));
}

#[test]
fn the_reply_must_be_200_with_the_exact_text() {
    let r = Funnel::new();
    let ack = r.acknowledge();
    assert_eq!(ack.status(), 200);
    assert_eq!(*ack.body(), "Funnel Event Received");
    assert_eq!(ack.headers()["content-type"], "text/plain");
    assert_eq!(r.classify(&ack), Outcome::Delivered);
    assert_classifies(
        &r,
        &[
            (200, "Funnel Event Received", Outcome::Delivered),
            (200, "ok: Funnel Event Received\n", Outcome::Delivered),
            (200, "OK", Outcome::Retry),
            (200, "", Outcome::Retry),
            (201, "Funnel Event Received", Outcome::Retry),
            (204, "", Outcome::Retry),
            (301, "Funnel Event Received", Outcome::Retry),
            (500, "Funnel Event Received", Outcome::Retry),
        ],
    );
    let v3 = Funnel::new().with_reply_rule(ReplyRule::funnel_v3());
    assert_classifies(
        &v3,
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Delivered),
            (302, "", Outcome::Delivered),
            (400, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_is_the_published_one() {
    let s = Funnel::new().retry_schedule();
    assert_eq!(s, RetrySchedule::funnel());
    assert_eq!(s.max_attempts(), 4);
    assert_eq!(
        s.delays().collect::<Vec<_>>(),
        [5, 10, 15].map(Duration::from_secs)
    );
    assert_eq!(s.horizon(), Duration::from_secs(30));
    assert_eq!(s.timeout(), Some(Duration::from_secs(5)));
}

#[test]
fn tokens_stay_hidden() {
    let r = Funnel::new()
        .with_token(TOKEN)
        .expect("token")
        .with_token("second-token-77")
        .expect("token");
    assert_hidden(&r, TOKEN);
    assert_hidden(&r, "second-token-77");
    let h = with_header(
        HeaderMap::new(),
        "authorization",
        &format!("Bearer {TOKEN}x"),
    );
    let err = r.verify_at(&h, V2, now()).expect_err("wrong token");
    assert!(!err.to_string().contains(TOKEN));
}

#[test]
fn token_failures_are_authentication_errors() {
    let r = Funnel::new().with_token(TOKEN).expect("token");
    let basic = |credentials: &str| {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    };
    for value in [
        format!("bearer {TOKEN}"),
        format!("BEARER   {TOKEN} "),
        basic(&format!("{TOKEN}:")),
    ] {
        let h = with_header(HeaderMap::new(), "authorization", &value);
        assert!(r.verify_at(&h, V2, now()).is_ok(), "{value}");
    }
    for (value, expected) in [
        (
            basic(&format!("{TOKEN}:password")),
            Error::SignatureMismatch,
        ),
        (basic("someone-else:"), Error::SignatureMismatch),
    ] {
        let h = with_header(HeaderMap::new(), "authorization", &value);
        assert_eq!(r.verify_at(&h, V2, now()), Err(expected), "{value}");
    }
    let h = with_header(HeaderMap::new(), "authorization", "Bearer wrong");
    let err = r.verify_at(&h, V2, now()).expect_err("wrong token");
    assert!(err.is_auth());
    assert_eq!(err.status(), http::StatusCode::UNAUTHORIZED);
}

#[test]
fn a_named_header_is_read_first_and_authorization_is_the_fallback() {
    let name = "x-funnel-token";
    let r = Funnel::new()
        .with_token(TOKEN)
        .expect("token")
        .token_header(HeaderName::from_static(name));
    let bearer = with_header(
        HeaderMap::new(),
        "authorization",
        &format!("Bearer {TOKEN}"),
    );
    assert!(r.verify_at(&bearer, V2, now()).is_ok());
    // When present, the named header decides, whatever Authorization says.
    let both = with_header(bearer.clone(), name, "wrong");
    assert_eq!(r.verify_at(&both, V2, now()), Err(Error::SignatureMismatch));
    let empty = with_header(bearer, name, " ");
    assert!(matches!(
        r.verify_at(&empty, V2, now()),
        Err(Error::MalformedHeader { name: n, .. }) if n == name
    ));
    assert!(matches!(
        r.verify_at(&HeaderMap::new(), V2, now()),
        Err(Error::MissingHeader(n)) if n == AUTHORIZATION
    ));
}

#[test]
fn tokens_that_cannot_travel_in_a_header_cannot_sign() {
    let bad = "line\nbreak";
    assert!(matches!(
        Funnel::new()
            .with_token(bad)
            .expect("token")
            .sign_at(V2, now()),
        Err(Error::Signing(_))
    ));
    assert!(matches!(
        Funnel::new()
            .with_token(bad)
            .expect("token")
            .token_header(HeaderName::from_static("x-funnel-token"))
            .sign_at(V2, now()),
        Err(Error::Signing(_))
    ));
    // Signing uses the first token; verification accepts every one.
    let r = Funnel::new()
        .with_token("first")
        .expect("token")
        .with_token("second")
        .expect("token");
    let signed = r.sign_at(V2, now()).expect("sign");
    assert_eq!(signed[AUTHORIZATION], "Bearer first");
    assert_eq!(signed.len(), 1);
}

#[test]
fn the_default_receiver_is_the_open_one() {
    let r = Funnel::default();
    assert!(r.verify_at(&HeaderMap::new(), b"", now()).is_ok());
    assert_eq!(r.classify(&r.acknowledge()), Outcome::Delivered);
    assert_eq!(r.retry_schedule(), Funnel::new().retry_schedule());
    // The token only authenticates the sender: the body is not covered.
    let keyed = Funnel::new().with_token(TOKEN).expect("token");
    let signed = keyed.sign_at(V2, now()).expect("sign");
    assert!(keyed.verify_at(&signed, b"{}", now()).is_ok());
}
