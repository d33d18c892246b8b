//! Twitch EventSub: the signed string computed independently (id,
//! timestamp, body without separators), RFC 3339 timestamps with
//! nanoseconds, the secret's form, the challenge handshake (only once
//! verified) and revocations reaching the handler.
#![cfg(feature = "twitch")]

use std::time::Duration;

use hmac::{Hmac, Mac};
use sha2::Sha256;
use webhook_kit::http::{HeaderMap, HeaderValue, Method, Uri};
use webhook_kit::time::OffsetDateTime;
use webhook_kit::twitch::Twitch;
use webhook_kit::{Error, Handshake, Provider, WebhookEvent};

const SECRET: &str = "s3cre7-of-the-sub";
const ID: &str = "e76c6bd4-55c9-4987-8304-da1588d8988b";
const TIMESTAMP: &str = "2023-11-14T22:13:20.634234626Z";
const BODY: &[u8] = br#"{"subscription":{"id":"f1c2a387-161a-49f9-a165-0f21d7a4e1c4","status":"enabled","type":"channel.follow","version":"2","condition":{"broadcaster_user_id":"1337","moderator_user_id":"1337"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z","cost":0},"event":{"user_id":"1234","user_login":"cool_user","followed_at":"2020-07-15T18:16:11.17106713Z"}}"#;
const CHALLENGE: &[u8] = br#"{"challenge":"pogchamp-kappa-360noscope-vohiyo","subscription":{"id":"f1c2a387","status":"webhook_callback_verification_pending","type":"channel.follow","version":"2","condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}"#;
const REVOCATION: &[u8] = br#"{"subscription":{"id":"f1c2a387","status":"authorization_revoked","type":"channel.follow","version":"2","cost":1,"condition":{"broadcaster_user_id":"12826"},"transport":{"method":"webhook","callback":"https://example.com/webhooks/callback"},"created_at":"2019-11-16T10:11:12.634234626Z"}}"#;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn message(kind: &str, body: &[u8], secret: &str) -> HeaderMap {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("key");
    mac.update(ID.as_bytes());
    mac.update(TIMESTAMP.as_bytes());
    mac.update(body);
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let mut headers = HeaderMap::new();
    let mut set = |name: &'static str, value: String| {
        headers.insert(name, HeaderValue::from_str(&value).expect("value"));
    };
    set("twitch-eventsub-message-id", ID.into());
    set("twitch-eventsub-message-timestamp", TIMESTAMP.into());
    set("twitch-eventsub-message-signature", format!("sha256={hex}"));
    set("twitch-eventsub-message-type", kind.into());
    set("twitch-eventsub-message-retry", "0".into());
    headers
}

fn handshake(
    receiver: &Twitch,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Result<webhook_kit::http::Response<String>, Error>> {
    let (method, uri) = (Method::POST, Uri::from_static("/webhooks/twitch"));
    receiver.handshake_at(&Handshake::new(&method, &uri, headers, body), now())
}

#[test]
fn a_message_signed_over_id_timestamp_and_body_by_hand_verifies() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let received = receiver
        .receive_at(&message("notification", BODY, SECRET), BODY, now())
        .expect("genuine");
    assert_eq!(received.delivery.id(), Some(ID));
    assert_eq!(
        received.delivery.timestamp().map(|t| t.nanosecond()),
        Some(634_234_626)
    );
    assert_eq!(received.event.event_type(), "channel.follow");
    assert_eq!(received.event.subscription.version, "2");
    assert_eq!(
        received.event.data.as_ref().expect("data")["user_login"],
        "cool_user"
    );
}

#[test]
fn the_message_id_is_signed() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let mut headers = message("notification", BODY, SECRET);
    headers.insert(
        "twitch-eventsub-message-id",
        HeaderValue::from_static("another-id"),
    );
    assert!(matches!(
        receiver.verify_at(&headers, BODY, now()),
        Err(Error::SignatureMismatch)
    ));
    headers.remove("twitch-eventsub-message-id");
    assert!(matches!(
        receiver.verify_at(&headers, BODY, now()),
        Err(Error::MissingHeader(_))
    ));
}

#[test]
fn messages_older_than_ten_minutes_are_refused() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let headers = message("notification", BODY, SECRET);
    let sent = OffsetDateTime::parse(
        TIMESTAMP,
        &webhook_kit::time::format_description::well_known::Rfc3339,
    )
    .expect("time");
    let ten = Duration::from_secs(600);
    assert!(receiver.verify_at(&headers, BODY, sent + ten).is_ok());
    assert!(matches!(
        receiver.verify_at(&headers, BODY, sent + ten + Duration::from_secs(1)),
        Err(Error::TimestampTooOld { .. })
    ));
}

#[test]
fn a_timestamp_that_is_not_rfc_3339_is_malformed() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let mut headers = message("notification", BODY, SECRET);
    headers.insert(
        "twitch-eventsub-message-timestamp",
        HeaderValue::from_static("1700000000"),
    );
    assert!(matches!(
        receiver.verify_at(&headers, BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn signing_sends_what_twitch_sends() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let headers = receiver.sign_at(BODY, now()).expect("sign");
    assert_eq!(headers["twitch-eventsub-message-type"], "notification");
    assert_eq!(
        headers["twitch-eventsub-message-timestamp"],
        "2023-11-14T22:13:20Z"
    );
    assert!(
        headers["twitch-eventsub-message-signature"]
            .to_str()
            .expect("text")
            .starts_with("sha256=")
    );
    assert!(receiver.verify_at(&headers, BODY, now()).is_ok());
}

#[test]
fn the_secret_must_be_ten_to_a_hundred_ascii_characters() {
    for bad in ["", "123456789", &"x".repeat(101), "secret-with-é-in-it"] {
        assert!(
            matches!(Twitch::new(bad), Err(Error::InvalidSecret(_))),
            "{bad:?}"
        );
    }
    assert!(Twitch::new("1234567890").is_ok());
    assert!(Twitch::new("x".repeat(100)).is_ok());
    let receiver = Twitch::new(SECRET).expect("secret");
    assert!(matches!(
        receiver.clone().with_secret("short"),
        Err(Error::InvalidSecret(_))
    ));
    let rotated = receiver.with_secret("the-next-secret").expect("rotated");
    let delivery = rotated
        .verify_at(
            &message("notification", BODY, "the-next-secret"),
            BODY,
            now(),
        )
        .expect("second secret");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn the_callback_verification_is_answered_with_the_challenge_as_plain_text() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let headers = message("webhook_callback_verification", CHALLENGE, SECRET);
    let reply = handshake(&receiver, &headers, CHALLENGE)
        .expect("a handshake")
        .expect("answered");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.headers()["content-type"], "text/plain");
    assert_eq!(reply.body(), "pogchamp-kappa-360noscope-vohiyo");
}

#[test]
fn a_callback_verification_that_fails_verification_gets_no_challenge_back() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let forged = message("webhook_callback_verification", CHALLENGE, "another-secret");
    assert!(matches!(
        handshake(&receiver, &forged, CHALLENGE),
        Some(Err(Error::SignatureMismatch))
    ));
    let genuine = message("webhook_callback_verification", BODY, SECRET);
    assert!(matches!(
        handshake(&receiver, &genuine, BODY),
        Some(Err(Error::InvalidPayload { .. }))
    ));
}

#[test]
fn notifications_and_revocations_are_deliveries_the_handler_sees() {
    let receiver = Twitch::new(SECRET).expect("secret");
    let headers = message("notification", BODY, SECRET);
    assert!(handshake(&receiver, &headers, BODY).is_none());
    let revoked = message("revocation", REVOCATION, SECRET);
    assert!(handshake(&receiver, &revoked, REVOCATION).is_none());
    let event = receiver
        .verify_and_parse_at(&revoked, REVOCATION, now())
        .expect("a revocation is an event");
    assert_eq!(event.event_type(), "channel.follow");
    assert_eq!(event.subscription.status, "authorization_revoked");
    assert!(event.data.is_none());
}

#[test]
fn an_unknown_subscription_type_is_kept() {
    let body = br#"{"subscription":{"id":"s","status":"enabled","type":"channel.brand_new","version":"beta","condition":{},"transport":{}},"event":{"x":1}}"#;
    let receiver = Twitch::new(SECRET).expect("secret");
    let event = receiver.parse(body).expect("parse");
    assert_eq!(event.event_type(), "channel.brand_new");
    assert_eq!(event.raw["event"]["x"], 1);
}
