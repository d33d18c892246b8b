//! HubSpot (signature v3): the signed string computed independently
//! (method, URL, body, millisecond timestamp), the URL's decoded
//! characters, the 5-minute window, and batches: ids, types and times of a
//! batch, unknown subscription types kept.
#![cfg(feature = "hubspot")]

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::http::{HeaderMap, HeaderValue};
use webhook_kit::hubspot::{HubSpot, MIXED_BATCH};
use webhook_kit::time::OffsetDateTime;
use webhook_kit::{Error, Provider, RetrySchedule, WebhookEvent};

const SECRET: &str = "yyyyyyyy-yyyy-yyyy-yyyy-yyyyyyyyyyyy";
const URL: &str = "https://www.example.com/webhook_uri?portal=62515";
const BODY: &[u8] = br#"[{"eventId":1,"subscriptionId":12345,"portalId":62515,"occurredAt":1564113600000,"subscriptionType":"contact.creation","attemptNumber":0,"objectId":123,"changeSource":"CRM","changeFlag":"NEW","appId":54321}]"#;
const MILLIS: &str = "1700000000123";

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn signature(secret: &str, url: &str, body: &[u8], timestamp: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(b"POST");
    mac.update(url.as_bytes());
    mac.update(body);
    mac.update(timestamp.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

fn headers(signature: &str, timestamp: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-hubspot-signature-v3",
        HeaderValue::from_str(signature).expect("value"),
    );
    headers.insert(
        "x-hubspot-request-timestamp",
        HeaderValue::from_str(timestamp).expect("value"),
    );
    headers
}

#[test]
fn a_v3_signature_computed_by_hand_verifies_with_its_millisecond_time() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let sig = signature(SECRET, URL, BODY, MILLIS);
    let received = receiver
        .receive_at(&headers(&sig, MILLIS), BODY, now())
        .expect("genuine");
    assert_eq!(
        received
            .delivery
            .timestamp()
            .map(|t| t.unix_timestamp_nanos()),
        Some(1_700_000_000_123_000_000)
    );
    let batch = received.event;
    assert_eq!(batch.id(), "1");
    assert_eq!(batch.event_type(), "contact.creation");
    assert_eq!(
        batch.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_564_113_600)
    );
    assert_eq!(batch.events[0].portal_id, Some(62515));
    assert_eq!(batch.events[0].raw["changeFlag"], "NEW");
}

#[test]
fn signing_writes_the_signature_hubspot_computes() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let signed = receiver.sign_at(BODY, now()).expect("sign");
    assert_eq!(signed["x-hubspot-request-timestamp"], "1700000000000");
    assert_eq!(
        signed["x-hubspot-signature-v3"],
        signature(SECRET, URL, BODY, "1700000000000").as_str()
    );
}

#[test]
fn another_url_or_another_query_is_a_mismatch() {
    let sig = signature(SECRET, URL, BODY, MILLIS);
    for url in [
        "https://www.example.com/webhook_uri",
        "http://www.example.com/webhook_uri?portal=62515",
        "https://www.example.com/webhook_uri?portal=62516",
    ] {
        let receiver = HubSpot::new(SECRET, url).expect("usable");
        assert!(
            matches!(
                receiver.verify_at(&headers(&sig, MILLIS), BODY, now()),
                Err(Error::SignatureMismatch)
            ),
            "{url}"
        );
    }
}

#[test]
fn the_listed_escapes_in_the_url_are_signed_decoded_and_others_kept() {
    let configured = "https://example.com/hooks%3Fa%3Ab%2Fc%40d%21%24%27%28%29%2a%2C%3B?name=a%20b";
    let signed_form = "https://example.com/hooks?a:b/c@d!$'()*,;?name=a%20b";
    let sig = signature(SECRET, signed_form, BODY, MILLIS);
    let receiver = HubSpot::new(SECRET, configured).expect("usable");
    assert!(
        receiver
            .verify_at(&headers(&sig, MILLIS), BODY, now())
            .is_ok()
    );
}

#[test]
fn older_than_five_minutes_is_refused() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let sig = signature(SECRET, URL, BODY, "1700000000000");
    let signed = headers(&sig, "1700000000000");
    let five = Duration::from_secs(300);
    assert!(receiver.verify_at(&signed, BODY, now() + five).is_ok());
    assert!(matches!(
        receiver.verify_at(&signed, BODY, now() + five + Duration::from_secs(1)),
        Err(Error::TimestampTooOld { .. })
    ));
}

#[test]
fn a_timestamp_in_seconds_is_read_as_milliseconds_and_refused() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let sig = signature(SECRET, URL, BODY, "1700000000");
    assert!(matches!(
        receiver.verify_at(&headers(&sig, "1700000000"), BODY, now()),
        Err(Error::TimestampTooOld { .. })
    ));
}

#[test]
fn a_batch_of_one_type_has_that_type_and_every_id() {
    let body = br#"[{"eventId":11,"subscriptionType":"deal.propertyChange","occurredAt":1700000000000},{"eventId":12,"subscriptionType":"deal.propertyChange","occurredAt":1700000001000}]"#;
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let batch = receiver.parse(body).expect("parse");
    assert_eq!(batch.id(), "11,12");
    assert_eq!(batch.event_type(), "deal.propertyChange");
    assert_eq!(batch.events.len(), 2);
}

#[test]
fn a_mixed_or_empty_batch_is_a_batch_and_unknown_types_are_kept() {
    let body = br#"[{"eventId":1,"subscriptionType":"contact.creation"},{"eventId":2,"subscriptionType":"object.brandNew","newField":{"x":1}}]"#;
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let batch = receiver.parse(body).expect("parse");
    assert_eq!(batch.event_type(), MIXED_BATCH);
    assert_eq!(batch.events[1].subscription_type, "object.brandNew");
    assert_eq!(batch.events[1].raw["newField"]["x"], 1);
    assert_eq!(batch.occurred_at(), None);
    let empty = receiver.parse(b" [ ] ").expect("parse");
    assert_eq!((empty.event_type(), &*empty.id()), (MIXED_BATCH, ""));
}

#[test]
fn a_body_that_is_not_an_array_is_a_positioned_payload_error() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    match receiver.parse(br#"  {"eventId": 1}"#) {
        Err(Error::InvalidPayload { line, column, .. }) => assert_eq!((line, column), (1, 3)),
        other => panic!("expected a payload error, got {other:?}"),
    }
    assert!(matches!(
        receiver.parse(br#"[{"subscriptionType": "contact.creation"}]"#),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn hubspot_throttles_on_429_and_retries_ten_times() {
    let receiver = HubSpot::new(SECRET, URL).expect("usable");
    let busy = webhook_kit::http::Response::builder()
        .status(429)
        .header("retry-after", "30")
        .body("")
        .expect("reply");
    assert!(matches!(
        receiver.reply_rule().classify(&busy),
        webhook_kit::Outcome::Throttle { .. }
    ));
    assert_eq!(RetrySchedule::hubspot().max_attempts(), 11);
}
