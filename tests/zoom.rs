//! Zoom: the signed string computed independently, the timestamp header,
//! the `endpoint.url_validation` handshake (answered only once verified, with
//! the secret that verified), and the published retry schedule.
#![cfg(feature = "zoom")]

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::http::{HeaderMap, HeaderValue, Method, Uri};
use webhook_kit::time::OffsetDateTime;
use webhook_kit::zoom::Zoom;
use webhook_kit::{Error, Handshake, Provider, RetrySchedule, WebhookEvent};

const TOKEN: &str = "zoom-secret-token";
const BODY: &[u8] = br#"{"event":"meeting.started","event_ts":1700000000123,"payload":{"account_id":"a1","object":{"id":"85309"}}}"#;
const VALIDATION: &[u8] = br#"{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1700000000000,"event":"endpoint.url_validation"}"#;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn hex_hmac(key: &str, parts: &[&[u8]]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key.as_bytes()).expect("key");
    for part in parts {
        mac.update(part);
    }
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn headers(signature: &str, timestamp: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-zm-signature",
        HeaderValue::from_str(signature).expect("value"),
    );
    headers.insert(
        "x-zm-request-timestamp",
        HeaderValue::from_str(timestamp).expect("value"),
    );
    headers
}

fn handshake(
    receiver: &Zoom,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Result<webhook_kit::http::Response<String>, Error>> {
    let (method, uri) = (Method::POST, Uri::from_static("/webhooks/zoom"));
    receiver.handshake_at(&Handshake::new(&method, &uri, headers, body), now())
}

#[test]
fn a_signature_over_v0_timestamp_and_body_computed_by_hand_verifies() {
    let signature = format!(
        "v0={}",
        hex_hmac(TOKEN, &[b"v0:", b"1700000000", b":", BODY])
    );
    let receiver = Zoom::new(TOKEN).expect("token");
    let received = receiver
        .receive_at(&headers(&signature, "1700000000"), BODY, now())
        .expect("genuine");
    assert_eq!(received.delivery.timestamp(), Some(now()));
    assert_eq!(received.event.event_type(), "meeting.started");
    assert_eq!(received.event.id(), "");
    assert_eq!(
        received
            .event
            .occurred_at()
            .map(|t| t.unix_timestamp_nanos()),
        Some(1_700_000_000_123_000_000)
    );
    assert_eq!(
        receiver.sign_at(BODY, now()).expect("sign")["x-zm-signature"],
        signature.as_str()
    );
}

#[test]
fn an_uppercase_hex_signature_is_accepted_and_one_without_v0_is_malformed() {
    let hex = hex_hmac(TOKEN, &[b"v0:", b"1700000000", b":", BODY]);
    let receiver = Zoom::new(TOKEN).expect("token");
    let upper = format!("v0={}", hex.to_uppercase());
    assert!(
        receiver
            .verify_at(&headers(&upper, "1700000000"), BODY, now())
            .is_ok()
    );
    assert!(matches!(
        receiver.verify_at(&headers(&hex, "1700000000"), BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn the_window_is_five_minutes_each_way_by_default() {
    let receiver = Zoom::new(TOKEN).expect("token");
    let signed = receiver.sign_at(BODY, now()).expect("sign");
    let five = Duration::from_secs(300);
    assert!(receiver.verify_at(&signed, BODY, now() + five).is_ok());
    assert!(matches!(
        receiver.verify_at(&signed, BODY, now() + five + Duration::from_secs(1)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        receiver.verify_at(&signed, BODY, now() - five - Duration::from_secs(1)),
        Err(Error::TimestampInFuture { .. })
    ));
}

#[test]
fn url_validation_is_answered_with_the_hashed_plain_token_once_verified() {
    let receiver = Zoom::new(TOKEN).expect("token");
    let signed = receiver.sign_at(VALIDATION, now()).expect("sign");
    let reply = handshake(&receiver, &signed, VALIDATION)
        .expect("a handshake")
        .expect("answered");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(reply.body()).expect("json");
    assert_eq!(body["plainToken"], "qgg8vlvZRS6UYooatFL8Aw");
    assert_eq!(
        body["encryptedToken"],
        hex_hmac(TOKEN, &[b"qgg8vlvZRS6UYooatFL8Aw"]).as_str()
    );
}

#[test]
fn url_validation_with_a_bad_signature_gets_no_token_back() {
    let receiver = Zoom::new(TOKEN).expect("token");
    let forged = Zoom::new("another-token")
        .expect("token")
        .sign_at(VALIDATION, now())
        .expect("sign");
    assert!(matches!(
        handshake(&receiver, &forged, VALIDATION),
        Some(Err(Error::SignatureMismatch))
    ));
    assert!(matches!(
        handshake(&receiver, &HeaderMap::new(), VALIDATION),
        Some(Err(Error::MissingHeader(_)))
    ));
}

#[test]
fn url_validation_signed_with_a_rotated_secret_is_answered_with_that_secret() {
    let receiver = Zoom::new("old-token")
        .expect("token")
        .with_secret(TOKEN)
        .expect("token");
    let signed = Zoom::new(TOKEN)
        .expect("token")
        .sign_at(VALIDATION, now())
        .expect("sign");
    let reply = handshake(&receiver, &signed, VALIDATION)
        .expect("a handshake")
        .expect("answered");
    let body: serde_json::Value = serde_json::from_str(reply.body()).expect("json");
    assert_eq!(
        body["encryptedToken"],
        hex_hmac(TOKEN, &[b"qgg8vlvZRS6UYooatFL8Aw"]).as_str()
    );
}

#[test]
fn url_validation_without_a_plain_token_is_a_payload_error() {
    let body = br#"{"event":"endpoint.url_validation","payload":{}}"#;
    let receiver = Zoom::new(TOKEN).expect("token");
    let signed = receiver.sign_at(body, now()).expect("sign");
    assert!(matches!(
        handshake(&receiver, &signed, body),
        Some(Err(Error::InvalidPayload { .. }))
    ));
}

#[test]
fn an_ordinary_event_is_no_handshake() {
    let receiver = Zoom::new(TOKEN).expect("token");
    let signed = receiver.sign_at(BODY, now()).expect("sign");
    assert!(handshake(&receiver, &signed, BODY).is_none());
    // An event whose data merely mentions the name is a delivery too.
    let body =
        br#"{"event":"meeting.updated","payload":{"object":{"topic":"endpoint.url_validation"}}}"#;
    let signed = receiver.sign_at(body, now()).expect("sign");
    assert!(handshake(&receiver, &signed, body).is_none());
}

#[test]
fn zoom_reads_200_and_204_as_delivered_and_retries_three_times() {
    let receiver = Zoom::new(TOKEN).expect("token");
    let rule = receiver.reply_rule();
    assert!(rule.is_success_status(200));
    assert!(rule.is_success_status(204));
    assert!(!rule.is_success_status(202));
    let schedule = RetrySchedule::zoom();
    let delays: Vec<_> = schedule.delays().collect();
    assert_eq!(
        delays,
        [5, 20, 60].map(|m| Duration::from_secs(m * 60)).to_vec()
    );
}
