//! Dropbox: `X-Dropbox-Signature` against an independent HMAC-SHA256, the
//! `GET ?challenge=` verification request, the notification body, replies
//! and retries.

mod common;

use std::time::Duration;

use common::*;
use hmac::{Hmac, Mac};
use http::{HeaderMap, Method, Uri};
use sha2::Sha256;
use webhook_kit::dropbox::Dropbox;
use webhook_kit::{Error, Handshake, Outcome, Provider, RetrySchedule, WebhookEvent};

const SECRET: &str = "dropbox-app-secret";
const HEADER: &str = "x-dropbox-signature";
const BODY: &[u8] = br#"{"list_folder": {"accounts": ["dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc", "dbid:AAD8kZGwMhrcaRwN5f7ZcTkcbqeaPD8kz4E"]}, "delta": {"users": [12345, 67890]}}"#;

fn receiver() -> Dropbox {
    Dropbox::new(SECRET).expect("secret")
}

fn independent_signature(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn handshake(
    method: Method,
    uri: &'static str,
    body: &[u8],
) -> Option<Result<http::Response<String>, Error>> {
    let (uri, headers) = (Uri::from_static(uri), HeaderMap::new());
    receiver().handshake_at(&Handshake::new(&method, &uri, &headers, body), now())
}

#[test]
fn a_signature_made_by_an_independent_hmac_sha256_verifies() {
    let headers = with_header(
        HeaderMap::new(),
        HEADER,
        &independent_signature(SECRET, BODY),
    );
    let event = receiver()
        .verify_and_parse_at(&headers, BODY, now())
        .expect("genuine");
    assert_eq!(event.event_type(), "list_folder");
    assert_eq!(
        event.accounts,
        [
            "dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc",
            "dbid:AAD8kZGwMhrcaRwN5f7ZcTkcbqeaPD8kz4E"
        ]
    );
    assert_eq!(event.users, [12345, 67890]);
}

#[test]
fn signing_writes_exactly_what_dropbox_sends() {
    let headers = receiver().sign_at(BODY, now()).expect("sign");
    assert_eq!(headers.len(), 1, "{headers:?}");
    assert_eq!(
        headers[HEADER],
        independent_signature(SECRET, BODY).as_str()
    );
}

#[test]
fn the_challenge_comes_back_as_plain_text_browsers_must_not_sniff() {
    let reply = handshake(Method::GET, "/hooks/dropbox?challenge=abc123", b"")
        .expect("a verification request")
        .expect("answered");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.body(), "abc123");
    assert_eq!(reply.headers()["content-type"], "text/plain");
    assert_eq!(reply.headers()["x-content-type-options"], "nosniff");
}

#[test]
fn a_percent_encoded_challenge_is_echoed_decoded_and_never_as_html() {
    let reply = handshake(
        Method::GET,
        "/d?x=1&challenge=%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        b"",
    )
    .expect("a verification request")
    .expect("answered");
    assert_eq!(reply.body(), "<script>alert(1)</script>");
    assert_eq!(reply.headers()["content-type"], "text/plain");
    assert_eq!(reply.headers()["x-content-type-options"], "nosniff");
}

#[test]
fn only_a_get_with_a_challenge_is_a_handshake() {
    assert!(handshake(Method::GET, "/hooks/dropbox", b"").is_none());
    assert!(handshake(Method::GET, "/hooks/dropbox?other=1", b"").is_none());
    assert!(handshake(Method::POST, "/hooks/dropbox?challenge=abc", BODY).is_none());
}

#[test]
fn a_notification_without_a_signature_is_refused() {
    assert!(matches!(
        receiver().verify_at(&HeaderMap::new(), BODY, now()),
        Err(Error::MissingHeader(_))
    ));
    let headers = with_header(HeaderMap::new(), HEADER, "sha256=00");
    assert!(matches!(
        receiver().verify_at(&headers, BODY, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn another_secret_or_a_changed_body_is_a_mismatch_and_rotation_works() {
    assert_round_trip_and_body_tamper(&receiver(), &receiver(), BODY);
    let headers = receiver().sign_at(BODY, now()).expect("sign");
    let other = Dropbox::new("another-app-secret").expect("secret");
    assert_eq!(
        other.verify_at(&headers, BODY, now()),
        Err(Error::SignatureMismatch)
    );
    let both = other.with_secret(SECRET).expect("secret");
    let delivery = both
        .verify_at(&headers, BODY, now())
        .expect("second secret");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn dropbox_sends_no_id_type_or_time_and_other_bodies_are_kept() {
    let event = receiver().parse(BODY).expect("parse");
    assert_eq!(event.id(), "");
    assert_eq!(event.occurred_at(), None);
    let other = receiver()
        .parse(br#"{"list_team_folder": {"team_folders": ["f1"]}}"#)
        .expect("a body of another shape is no error");
    assert_eq!(other.event_type(), "");
    assert!(other.accounts.is_empty() && other.users.is_empty());
    assert_eq!(other.raw["list_team_folder"]["team_folders"][0], "f1");
}

#[test]
fn only_200_counts_and_retries_span_about_ten_minutes() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (204, "", Outcome::Retry),
            (503, "", Outcome::Retry),
        ],
    );
    let schedule = RetrySchedule::dropbox();
    let waits: Vec<u64> = schedule.delays().map(|d| d.as_secs()).collect();
    assert_eq!(waits, [10, 20, 40, 80, 160, 300]);
    assert!(schedule.horizon() >= Duration::from_secs(9 * 60));
    assert!(schedule.horizon() <= Duration::from_secs(11 * 60));
    assert_eq!(receiver().retry_schedule(), schedule);
}
