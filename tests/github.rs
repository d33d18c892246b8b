//! GitHub preset: the published vector, sign → verify, tampering, rotation,
//! headers as the event's type and id, form bodies, replies and schedule.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Response};
use time::OffsetDateTime;
use webhook_kit::github::{Event, GitHub};
use webhook_kit::{Error, Outcome, Provider, Receivers, RetrySchedule, WebhookEvent};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn reply(status: u16) -> Response<&'static str> {
    Response::builder()
        .status(status)
        .body("")
        .expect("response")
}

#[test]
fn githubs_published_example_verifies() {
    // docs.github.com, "Validating webhook deliveries", testing section.
    let receiver = GitHub::new("It's a Secret to Everybody").expect("secret");
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-hub-signature-256",
        HeaderValue::from_static(
            "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17",
        ),
    );
    assert!(
        receiver
            .verify_at(&headers, b"Hello, World!", now())
            .is_ok()
    );
    // Upper-case hex is accepted too (our default).
    headers.insert(
        "x-hub-signature-256",
        HeaderValue::from_static(
            "sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17",
        ),
    );
    assert!(
        receiver
            .verify_at(&headers, b"Hello, World!", now())
            .is_ok()
    );
    // And signing reproduces it.
    let signed = receiver.sign_at(b"Hello, World!", now()).expect("sign");
    assert_eq!(
        signed["x-hub-signature-256"],
        "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
    );
}

#[test]
fn tampering_and_wrong_secrets_are_refused() {
    let receiver = GitHub::new("s1").expect("secret");
    let body = br#"{"action":"opened"}"#;
    let headers = receiver.sign_at(body, now()).expect("sign");
    assert_eq!(
        receiver.verify_at(&headers, br#"{"action":"closed"}"#, now()),
        Err(Error::SignatureMismatch)
    );
    let other = GitHub::new("s2").expect("secret");
    assert_eq!(
        other.verify_at(&headers, body, now()),
        Err(Error::SignatureMismatch)
    );
    let mut bare = headers.clone();
    let value = bare["x-hub-signature-256"]
        .to_str()
        .expect("ascii")
        .replace("sha256=", "");
    bare.insert(
        "x-hub-signature-256",
        HeaderValue::try_from(value).expect("value"),
    );
    assert!(matches!(
        receiver.verify_at(&bare, body, now()),
        Err(Error::MalformedHeader { .. })
    ));
    let err = receiver
        .verify_at(&HeaderMap::new(), body, now())
        .unwrap_err();
    assert!(matches!(&err, Error::MissingHeader(name) if name == "x-hub-signature-256"));
    assert!(err.is_auth());
}

#[test]
fn no_timestamp_means_no_window() {
    let receiver = GitHub::new("s").expect("secret");
    let headers = receiver.sign_at(b"{}", now()).expect("sign");
    let years_later = now() + Duration::from_secs(10 * 365 * 86_400);
    assert!(receiver.verify_at(&headers, b"{}", years_later).is_ok());
}

#[test]
fn rotation_accepts_either_secret() {
    let old = GitHub::new("old").expect("secret");
    let new = GitHub::new("new").expect("secret");
    let both = GitHub::new("new")
        .and_then(|r| r.with_secret("old"))
        .expect("secrets");
    let body = b"{}";
    let by_old = both.verify_at(&old.sign_at(body, now()).expect("sign"), body, now());
    let by_new = both.verify_at(&new.sign_at(body, now()).expect("sign"), body, now());
    assert_eq!(by_old.map(|d| d.secret_index()), Ok(Some(1)));
    assert_eq!(by_new.map(|d| d.secret_index()), Ok(Some(0)));
}

#[test]
fn headers_give_the_type_and_id() {
    let receiver = GitHub::new("s").expect("secret");
    let body = br#"{"action": "created", "comment": {"id": 1}, "sender": {"login": "octocat"}}"#;
    let mut headers = receiver
        .sign_event_at(
            "issue_comment",
            "72d3162e-cc78-11e3-81ab-4c9367dc0958",
            body,
            now(),
        )
        .expect("sign");
    headers.insert("x-github-hook-id", HeaderValue::from_static("292430182"));
    headers.insert(
        "x-github-hook-installation-target-type",
        HeaderValue::from_static("repository"),
    );
    let received = receiver
        .receive_at(&headers, body, now())
        .expect("verified");
    let event = &received.event;
    assert_eq!(event.event_type(), "issue_comment");
    assert_eq!(event.id(), "72d3162e-cc78-11e3-81ab-4c9367dc0958");
    assert_eq!(
        received.delivery.id(),
        Some("72d3162e-cc78-11e3-81ab-4c9367dc0958")
    );
    assert_eq!(event.hook_id.as_deref(), Some("292430182"));
    assert_eq!(event.target_type.as_deref(), Some("repository"));
    assert_eq!(event.action.as_deref(), Some("created"));
    assert_eq!(event.raw["sender"]["login"], "octocat");
    assert_eq!(event.occurred_at(), None);
    // verify_and_parse gives the same event.
    assert_eq!(
        &receiver
            .verify_and_parse_at(&headers, body, now())
            .expect("ok"),
        event
    );
    // parse alone has no headers to read.
    let parsed = receiver.parse(body).expect("parse");
    assert_eq!((parsed.event_type(), &*parsed.id()), ("", ""));
    // Unknown event names are kept as sent; the event round-trips.
    let json = serde_json::to_string(event).expect("serialize");
    assert_eq!(
        &serde_json::from_str::<Event>(&json).expect("read back"),
        event
    );
}

#[test]
fn a_delivery_without_the_labels_still_verifies() {
    let receiver = GitHub::new("s").expect("secret");
    let mut headers = receiver.sign_at(b"{}", now()).expect("sign");
    headers.remove("x-github-delivery");
    let event = receiver
        .verify_and_parse_at(&headers, b"{}", now())
        .expect("ok");
    assert_eq!((event.event_type(), &*event.id()), ("", ""));
}

#[test]
fn a_blank_delivery_header_is_no_id_and_no_reason_to_refuse() {
    let receiver = GitHub::new("s").expect("secret");
    let mut headers = receiver
        .sign_event_at("push", "d-1", b"{}", now())
        .expect("sign");
    headers.insert("x-github-delivery", HeaderValue::from_static(" "));
    let received = receiver.receive_at(&headers, b"{}", now()).expect("ok");
    assert_eq!(received.delivery.id(), None);
    assert_eq!(
        (received.event.event_type(), &*received.event.id()),
        ("push", "")
    );
}

#[test]
fn sign_at_keeps_one_delivery_id_per_body() {
    let receiver = GitHub::new("s").expect("secret");
    let first = receiver.sign_at(b"{}", now()).expect("sign");
    let again = receiver
        .sign_at(b"{}", now() + Duration::from_secs(60))
        .expect("sign");
    let other = receiver.sign_at(b"{ }", now()).expect("sign");
    assert_eq!(first["x-github-delivery"], again["x-github-delivery"]);
    assert_ne!(first["x-github-delivery"], other["x-github-delivery"]);
}

#[test]
fn form_bodies_verify_and_parse_their_payload_field() {
    let receiver = GitHub::new("s").expect("secret");
    let body = b"payload=%7B%22action%22%3A%22opened%22%2C%22n%22%3A1%7D";
    let headers = receiver
        .sign_event_at("issues", "d-1", body, now())
        .expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, body, now())
        .expect("ok");
    assert_eq!(event.action.as_deref(), Some("opened"));
    assert_eq!(event.raw["n"], 1);
    let err = receiver.parse(b"other=1").unwrap_err();
    assert!(matches!(err, Error::InvalidPayload { .. }));
    assert!(!err.is_auth());
}

#[test]
fn replies_and_schedule() {
    let receiver = GitHub::new("s").expect("secret");
    assert_eq!(receiver.classify(&reply(200)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(204)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(302)), Outcome::Retry);
    assert_eq!(receiver.classify(&reply(500)), Outcome::Retry);
    let schedule = receiver.retry_schedule();
    assert_eq!(schedule, RetrySchedule::github());
    assert_eq!(schedule.max_attempts(), 1);
    assert_eq!(schedule.delay_after(1), None);
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(10)));
}

#[test]
fn the_router_keeps_the_header_labels() {
    let router = Receivers::new().with_receiver("github", GitHub::new("s").expect("secret"));
    let sender = GitHub::new("s").expect("secret");
    let headers = sender
        .sign_event_at("push", "d-9", b"{}", now())
        .expect("sign");
    let received = router
        .get("github")
        .expect("routed")
        .receive_at(&headers, b"{}", now())
        .expect("verified");
    assert_eq!(received.event.event_type(), "push");
    assert_eq!(received.event.id(), "d-9");
    assert!(received.event.downcast_ref::<Event>().is_some());
}
