//! Typeform: an independently computed base64 HMAC, the `sha256=` grammar,
//! replies (404 and 410 deactivate), schedule and envelope.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::HeaderMap;
use webhook_kit::typeform::Typeform;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const BODY: &[u8] = br#"{"event_id":"01HGZ8","event_type":"form_response","form_response":{"form_id":"lT4Z3j","submitted_at":"2023-11-14T22:13:20Z"}}"#;
/// `openssl dgst -sha256 -hmac tf-kat-secret -binary | base64` of `BODY`.
const SIGNATURE: &str = "sha256=sMpIpFLgzVTxCp2YGknKquwdZ+CNMFC5j6Yjoj9X9Os=";
const T: i64 = 1_700_000_000;

fn receiver() -> Typeform {
    Typeform::new("tf-kat-secret").expect("secret")
}

fn headers(value: &str) -> HeaderMap {
    with_header(HeaderMap::new(), "typeform-signature", value)
}

#[test]
fn an_independently_computed_signature_verifies_and_signing_reproduces_it() {
    assert!(
        receiver()
            .verify_at(&headers(SIGNATURE), BODY, at(T))
            .is_ok()
    );
    let signed = receiver().sign_at(BODY, at(T)).expect("sign");
    assert_eq!(signed["typeform-signature"], SIGNATURE);
}

#[test]
fn unpadded_base64_is_accepted() {
    let unpadded = SIGNATURE.trim_end_matches('=');
    assert!(
        receiver()
            .verify_at(&headers(unpadded), BODY, at(T))
            .is_ok()
    );
}

#[test]
fn a_signature_without_the_prefix_is_malformed_and_one_in_hex_never_matches() {
    let bare = SIGNATURE.trim_start_matches("sha256=");
    for value in [
        bare,
        "sha1=sMpIpFLgzVTxCp2YGknKquwdZ+CNMFC5j6Yjoj9X9Os=",
        "sha256=!!",
    ] {
        assert!(
            matches!(
                receiver().verify_at(&headers(value), BODY, at(T)),
                Err(Error::MalformedHeader { .. })
            ),
            "{value}"
        );
    }
    // Hex of the right tag decodes as base64 too, to other bytes: no match.
    let hex = "sha256=b0ca48a452e0cd54f10a9d981a49caaaec1d67e08d3050b98fa623a23f57f4eb";
    assert_eq!(
        receiver().verify_at(&headers(hex), BODY, at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn not_found_and_gone_deactivate_the_webhook() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Delivered),
            (404, "", Outcome::Disable),
            (410, "", Outcome::Disable),
            (429, "", Outcome::Retry),
            (503, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_retries_every_150_seconds_for_10_hours() {
    let schedule = RetrySchedule::typeform();
    assert!(schedule.delays().all(|d| d == Duration::from_secs(150)));
    assert_eq!(schedule.horizon(), Duration::from_secs(10 * 3600));
    assert_eq!(receiver().retry_schedule(), schedule);
}

#[test]
fn the_event_is_the_response_with_its_id_type_and_submission_time() {
    let event = receiver().parse(BODY).expect("parse");
    assert_eq!(
        (event.event_type(), &*event.id()),
        ("form_response", "01HGZ8")
    );
    assert_eq!(event.form_response["form_id"], "lT4Z3j");
    assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(T));
}

#[test]
fn an_odd_submission_time_is_no_reason_to_refuse_the_event() {
    let body = br#"{"event_id": "e", "event_type": "form_response", "form_response": {"submitted_at": "yesterday"}}"#;
    let event = receiver().parse(body).expect("parse");
    assert_eq!(event.occurred_at(), None);
}

#[test]
fn a_body_without_event_id_is_a_payload_error() {
    assert!(matches!(
        receiver().parse(br#"{"event_type": "form_response", "form_response": {}}"#),
        Err(Error::InvalidPayload { .. })
    ));
}
