//! Intercom: `X-Hub-Signature: sha1=<hex>` against an independent
//! HMAC-SHA1, the notification envelope, rotation and the presets.

mod common;

use common::*;
use hmac::{Hmac, Mac};
use sha1::Sha1;
use webhook_kit::intercom::Intercom;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const SECRET: &str = "intercom-client-secret";
const HEADER: &str = "x-hub-signature";
// The notification of Intercom's signed-notification example.
const BODY: &[u8] = br#"{"type":"notification_event","id":"notif_78c122d0-23ba-11e4-9464-79b01267cc2e","topic":"user.created","app_id":"a86dr8yl","created_at":1407999200,"delivery_attempts":1,"data":{"type":"notification_event_data","item":{"type":"user","id":"530370b477ad7120001d","user_id":"25","name":"Hoban Washburne","unsubscribed_from_emails":false,"custom_attributes":{}}}}"#;

fn receiver() -> Intercom {
    Intercom::new(SECRET).expect("secret")
}

/// `sha1=` and the hex HMAC-SHA1 of `body`, computed without the crate.
fn independent_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha1>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    let tag = mac.finalize().into_bytes();
    let hex: String = tag.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha1={hex}")
}

fn headers_with(value: &str) -> http::HeaderMap {
    with_header(http::HeaderMap::new(), HEADER, value)
}

#[test]
fn a_signature_made_by_an_independent_hmac_sha1_verifies() {
    let headers = headers_with(&independent_signature(SECRET, BODY));
    let event = receiver()
        .verify_and_parse_at(&headers, BODY, now())
        .expect("genuine");
    assert_eq!(event.event_type(), "user.created");
    assert_eq!(event.id(), "notif_78c122d0-23ba-11e4-9464-79b01267cc2e");
    assert_eq!(event.app_id.as_deref(), Some("a86dr8yl"));
    assert_eq!(event.item["name"], "Hoban Washburne");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_407_999_200)
    );
}

#[test]
fn signing_writes_exactly_what_intercom_sends() {
    let headers = receiver().sign_at(BODY, now()).expect("sign");
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert_eq!(
        headers[HEADER],
        independent_signature(SECRET, BODY).as_str()
    );
}

#[test]
fn uppercase_hex_is_accepted() {
    let signature = independent_signature(SECRET, BODY);
    let upper = format!("sha1={}", signature["sha1=".len()..].to_uppercase());
    assert!(
        receiver()
            .verify_at(&headers_with(&upper), BODY, now())
            .is_ok()
    );
}

#[test]
fn a_sha256_signature_or_a_missing_prefix_is_refused() {
    let bare = independent_signature(SECRET, BODY)["sha1=".len()..].to_owned();
    assert!(matches!(
        receiver().verify_at(&headers_with(&bare), BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).expect("key");
    mac.update(BODY);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(
        receiver().verify_at(&headers_with(&format!("sha1={hex}")), BODY, now()),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn a_missing_or_undecodable_signature_is_a_clear_error() {
    assert!(matches!(
        receiver().verify_at(&http::HeaderMap::new(), BODY, now()),
        Err(Error::MissingHeader(_))
    ));
    assert!(matches!(
        receiver().verify_at(&headers_with("sha1=not-hex"), BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn nothing_is_timestamped_so_an_old_delivery_still_verifies() {
    let headers = headers_with(&independent_signature(SECRET, BODY));
    assert!(receiver().verify_at(&headers, BODY, at(0)).is_ok());
}

#[test]
fn while_the_secret_changes_both_verify_and_the_old_one_is_named() {
    let both = Intercom::new("new-secret")
        .and_then(|r| r.with_secret(SECRET))
        .expect("secrets");
    let headers = headers_with(&independent_signature(SECRET, BODY));
    let delivery = both.verify_at(&headers, BODY, now()).expect("old secret");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn unknown_topics_and_missing_fields_are_kept_not_refused() {
    let event = receiver()
        .parse(br#"{"topic": "brand.new.topic", "extra": [1, 2]}"#)
        .expect("parse");
    assert_eq!(event.event_type(), "brand.new.topic");
    assert_eq!(event.id(), "");
    assert_eq!(event.occurred_at(), None);
    assert!(event.item.is_null());
    assert_eq!(event.raw["extra"][1], 2);
}

#[test]
fn a_body_without_a_topic_is_a_payload_error() {
    assert!(matches!(
        receiver().parse(br#"{"id": "notif_1"}"#),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn any_2xx_is_delivered_and_the_schedule_is_ours() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Delivered),
            (500, "", Outcome::Retry),
        ],
    );
    let schedule = RetrySchedule::intercom();
    let waits: Vec<u64> = schedule.delays().map(|d| d.as_secs() / 60).collect();
    assert_eq!(waits, [1, 5, 15, 60, 120]);
    assert_eq!(receiver().retry_schedule(), schedule);
}
