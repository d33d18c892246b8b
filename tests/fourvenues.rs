//! Fourvenues: payloads, the id header, hex or base64 signatures, replies
//! and the default schedule.

mod common;

use std::time::Duration;

use base64::Engine as _;
use common::*;
use http::HeaderMap;
use webhook_kit::fourvenues::{EventData, Fourvenues};
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const SECRET: &str = "fv_sign_secret_51c0";
const SIGNATURE: &str = "x-webhook-signature";
const ID: &str = "x-webhook-id";
const PAYMENT: &[u8] = include_bytes!("data/fourvenues_payment_success.json");
const REFUND: &[u8] = include_bytes!("data/fourvenues_ticket_request_refund.json");

fn receiver() -> Fourvenues {
    keyed(SECRET)
}

fn keyed(secret: &str) -> Fourvenues {
    Fourvenues::new(secret).expect("secret")
}

#[test]
fn the_samples_parse_into_their_typed_variants() {
    let payment = receiver().parse(PAYMENT).expect("payment");
    assert_eq!(payment.id(), "6571a9f2c1d2e3f4a5b6c7d8");
    assert_eq!(payment.event_type(), "payment.success");
    assert_eq!(payment.occurred_at(), None);
    let EventData::PaymentSuccess(p) = &payment.data else {
        panic!("{:?}", payment.data)
    };
    assert_eq!(p.payment_id, "pay_65719d0e0c1f");
    assert_eq!(p.resource_type.as_deref(), Some("ticket"));
    assert_eq!(p.resource_ids, ["tkt_1", "tkt_2"]);
    assert_eq!(p.metadata["order"], "A-17");
    assert_eq!(p.send_resources, Some(true));

    let refund = receiver().parse(REFUND).expect("refund");
    let EventData::TicketRequestRefund(r) = &refund.data else {
        panic!("{:?}", refund.data)
    };
    assert_eq!(r.amount_to_refund, Some(15.0));
    assert_eq!(r.currency.as_deref(), Some("EUR"));
    assert_eq!(r.client_name.as_deref(), Some("Ana García"));
    assert_eq!(r.ticket_id.as_deref(), Some("tkt_1"));
}

#[test]
fn the_published_sample_with_its_trailing_comma_is_a_payload_error() {
    let published = br#"{"id": "x", "event": "payment.success", "payload": {"payment_id": "p"},}"#;
    assert!(matches!(
        receiver().parse(published),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn unknown_types_and_fields_are_kept() {
    let body =
        br#"{"id": "w1", "event": "ticket.scanned", "new_field": 1, "payload": {"qr_code": "Q"}}"#;
    let event = receiver().parse(body).expect("parses");
    let EventData::Unknown(unknown) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(unknown.event_type, "ticket.scanned");
    assert_eq!(unknown.data["qr_code"], "Q");
}

#[test]
fn wrong_json_is_a_positioned_payload_error() {
    let r = receiver();
    assert_payload_error(&r, b"{\"id\": \"a\",\n\"event\": 5}", 2);
    assert_payload_error(
        &r,
        b"{\"id\": \"a\", \"event\": \"payment.success\",\n\n\"payload\": {\"payment_id\": 7}}",
        3,
    );
}

#[test]
fn signatures_round_trip_and_resist_tampering() {
    // Without the id header the body is checked by the signature alone.
    let headers = receiver().sign_at(PAYMENT, now()).expect("sign");
    assert_eq!(headers[ID], "6571a9f2c1d2e3f4a5b6c7d8");
    let sig_only = without(headers.clone(), ID);
    assert!(receiver().verify_at(&sig_only, PAYMENT, now()).is_ok());
    for i in 0..PAYMENT.len() {
        let mut tampered = PAYMENT.to_vec();
        tampered[i] ^= 1;
        assert_eq!(
            receiver().verify_at(&sig_only, &tampered, now()),
            Err(Error::SignatureMismatch),
            "byte {i}"
        );
    }
    assert!(receiver().verify_at(&headers, PAYMENT, now()).is_ok());
    assert_rejects(&keyed("other"), &headers, PAYMENT, |e| {
        *e == Error::SignatureMismatch
    });
    assert_rejects(
        &receiver(),
        &without(headers, SIGNATURE),
        PAYMENT,
        |e| matches!(e, Error::MissingHeader(n) if n == SIGNATURE),
    );
}

#[test]
fn hex_in_either_case_and_base64_are_accepted() {
    let headers = receiver().sign_at(REFUND, now()).expect("sign");
    let hex = headers[SIGNATURE].to_str().expect("ascii").to_owned();
    let bytes: Vec<u8> = (0..32)
        .map(|i| u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).expect("hex"))
        .collect();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
    for value in [
        hex.clone(),
        hex.to_uppercase(),
        b64.clone(),
        b64.trim_end_matches('=').to_owned(),
    ] {
        let h = with_header(headers.clone(), SIGNATURE, &value);
        assert!(receiver().verify_at(&h, REFUND, now()).is_ok(), "{value}");
    }
    for bad in ["%%%", "zz", "not a signature"] {
        let h = with_header(headers.clone(), SIGNATURE, bad);
        assert_rejects(&receiver(), &h, REFUND, |e| {
            matches!(e, Error::MalformedHeader { .. })
        });
    }
    // A truncated signature is no SHA-256 MAC in either encoding: no usable entry.
    let h = with_header(headers, SIGNATURE, &hex[..40]);
    assert_rejects(
        &receiver(),
        &h,
        REFUND,
        |e| matches!(e, Error::MalformedHeader { name, .. } if name == SIGNATURE),
    );
}

#[test]
fn the_id_header_must_match_the_signed_body() {
    let headers = receiver().sign_at(PAYMENT, now()).expect("sign");
    let relabelled = with_header(headers, ID, "6571aa10c1d2e3f4a5b6c7d9");
    let err = receiver()
        .verify_and_parse_at(&relabelled, PAYMENT, now())
        .expect_err("relabelled");
    assert!(
        matches!(&err, Error::HeaderMismatch(n) if n == ID),
        "{err:?}"
    );
    assert!(err.is_auth());
}

#[test]
fn rotation_accepts_old_and_new_secrets() {
    let rotating = keyed("new").with_secret("old").expect("secret");
    for (index, sender) in [keyed("new"), keyed("old")].iter().enumerate() {
        let headers = sender.sign_at(PAYMENT, now()).expect("sign");
        let delivery = rotating
            .verify_at(&headers, PAYMENT, now())
            .expect("verifies");
        assert_eq!(delivery.secret_index(), Some(index));
        assert_eq!(delivery.id(), Some("6571a9f2c1d2e3f4a5b6c7d8"));
        assert_eq!(delivery.timestamp(), None);
    }
    assert_rejects(
        &rotating,
        &keyed("x").sign_at(PAYMENT, now()).expect("sign"),
        PAYMENT,
        |e| *e == Error::SignatureMismatch,
    );
}

#[test]
fn no_timestamp_means_no_replay_window() {
    // Fourvenues signs no timestamp: an old genuine delivery still verifies,
    // which is why deduplicating by event id matters for this provider.
    let headers = receiver().sign_at(PAYMENT, at(0)).expect("sign");
    assert!(receiver().verify_at(&headers, PAYMENT, now()).is_ok());
}

#[test]
fn any_2xx_succeeds() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (201, "", Outcome::Delivered),
            (299, "", Outcome::Delivered),
            (301, "", Outcome::Retry),
            (404, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
    assert!(receiver().classify(&receiver().acknowledge()).is_success());
}

#[test]
fn forty_retries_with_the_documented_default_backoff() {
    let s = receiver().retry_schedule();
    assert_eq!(s, RetrySchedule::fourvenues());
    assert_eq!(s.max_attempts(), 41);
    let delays: Vec<_> = s.delays().collect();
    assert_eq!(delays.len(), 40);
    assert_eq!(
        &delays[..7],
        [60, 120, 240, 480, 960, 1920, 3600].map(Duration::from_secs)
    );
    assert!(delays[6..].iter().all(|&d| d == Duration::from_secs(3600)));
    assert_eq!(
        s.horizon(),
        Duration::from_secs(60 + 120 + 240 + 480 + 960 + 1920 + 34 * 3600)
    );
}

#[test]
fn secrets_stay_hidden() {
    assert_hidden(
        &receiver().with_secret("other-secret-9").expect("secret"),
        SECRET,
    );
    let err = receiver()
        .verify_at(&HeaderMap::new(), PAYMENT, now())
        .expect_err("unsigned");
    assert!(!err.to_string().contains(SECRET));
}

#[test]
fn an_id_header_needs_a_string_id_in_the_signed_body() {
    for body in [
        &br#"{"event": "payment.success", "payload": {}}"#[..],
        br#"{"id": 17, "event": "payment.success", "payload": {}}"#,
        b"not json",
    ] {
        let signed = receiver().sign_at(body, now()).expect("sign");
        // No string id, so the sender adds no id header; the signature alone verifies.
        assert!(!signed.contains_key(ID));
        assert!(receiver().verify_at(&signed, body, now()).is_ok());
        let claimed = with_header(signed, ID, "6571a9f2c1d2e3f4a5b6c7d8");
        let err = receiver()
            .verify_at(&claimed, body, now())
            .expect_err("no id to compare");
        assert!(
            matches!(err, Error::InvalidPayload { line: 1, .. }),
            "{err:?}"
        );
    }
}

#[test]
fn the_id_is_compared_after_unescaping_and_only_after_the_signature() {
    // `\/` is an escaped `/`: the id is `evt/1`.
    let body = br#"{"id": "evt\/1", "event": "payment.success", "payload": {"payment_id": "p"}}"#;
    let headers = receiver().sign_at(body, now()).expect("sign");
    assert_eq!(headers[ID], "evt/1");
    let event = receiver()
        .verify_and_parse_at(&headers, body, now())
        .expect("verifies");
    assert_eq!(event.id(), "evt/1");
    let mismatch = with_header(headers.clone(), ID, "evt\\/1");
    assert_eq!(
        receiver().verify_at(&mismatch, body, now()),
        Err(Error::HeaderMismatch(http::HeaderName::from_static(ID)))
    );
    // A bad signature is reported as such, before the id is looked at.
    let forged = with_header(mismatch, SIGNATURE, &"0".repeat(64));
    assert_eq!(
        receiver().verify_at(&forged, body, now()),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn signatures_are_lowercase_hex_and_bad_headers_are_named() {
    let headers = receiver().sign_at(PAYMENT, now()).expect("sign");
    let hex = headers[SIGNATURE].to_str().expect("ascii");
    assert_eq!(hex.len(), 64);
    assert!(
        hex.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    );
    for value in ["", "  "] {
        let h = with_header(headers.clone(), SIGNATURE, value);
        let err = receiver()
            .verify_at(&h, PAYMENT, now())
            .expect_err("empty signature");
        assert!(
            matches!(&err, Error::MalformedHeader { name, .. } if name == SIGNATURE),
            "{err:?}"
        );
        assert_eq!(err.status_code(), http::StatusCode::UNAUTHORIZED);
    }
}

#[test]
fn oversized_bodies_are_rejected_before_hashing() {
    let small = receiver().with_max_body(16);
    let headers = receiver().sign_at(PAYMENT, now()).expect("sign");
    assert_eq!(
        small.verify_at(&headers, PAYMENT, now()),
        Err(Error::BodyTooLarge {
            len: PAYMENT.len(),
            limit: 16
        })
    );
    assert!(matches!(
        small.parse(PAYMENT),
        Err(Error::BodyTooLarge { .. })
    ));
}

#[test]
fn lenient_payloads_parse_with_defaults() {
    let body =
        br#"{"id": "w2", "event": "ticket.request_refund", "payload": {"amount_to_refund": 12.5}}"#;
    let event = receiver().parse(body).expect("parses");
    let EventData::TicketRequestRefund(r) = &event.data else {
        panic!("{:?}", event.data)
    };
    assert_eq!(r.amount_to_refund, Some(12.5));
    assert_eq!(r.qr_code, None);
    let body = br#"{"id": "w3", "event": "payment.success", "payload": {"payment_id": "p9"}}"#;
    let EventData::PaymentSuccess(p) = receiver().parse(body).expect("parses").data else {
        panic!("not a payment")
    };
    assert_eq!(p.payment_id, "p9");
    assert!(p.resource_ids.is_empty());
    assert_eq!(p.send_resources, None);
}

/// Found by the `fourvenues` fuzz target: a key holding bytes that are not
/// UTF-8 made `verify_at` (which reads every top-level key) and
/// `verify_and_parse_at` (which parses) refuse for different reasons.
#[test]
fn verify_and_verify_and_parse_refuse_a_broken_body_alike() {
    let receiver = receiver();
    let mut body = br#"{"id": "wh_1", "event": "ticket.request_refund", "payload"#.to_vec();
    body.extend_from_slice(b"\xe7\xc5\xdf\x84\n  \"qr_code\": \"QR\"}}");
    let headers = receiver.sign_at(&body, now()).expect("sign");
    assert!(headers.contains_key(ID));
    let verify = receiver
        .verify_at(&headers, &body, now())
        .expect_err("broken");
    let parse = receiver
        .verify_and_parse_at(&headers, &body, now())
        .expect_err("broken");
    assert_eq!(verify, parse);
    assert!(matches!(verify, Error::InvalidPayload { .. }), "{verify:?}");
}
