//! Slack preset: the published example at its own timestamp, form and JSON
//! bodies, tolerance both ways, url_verification, no-retry replies and the
//! Events API schedule.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Response, StatusCode};
use time::OffsetDateTime;
use webhook_kit::slack::{self, Event, Slack};
use webhook_kit::{Error, Outcome, Provider, ReplyRule, RetrySchedule, Tolerance, WebhookEvent};

const SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";
const TS: i64 = 1_531_420_618;
const BODY: &[u8] = b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
const SIGNATURE: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("valid")
}

fn documented() -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("X-Slack-Signature", HeaderValue::from_static(SIGNATURE));
    headers.insert(
        "X-Slack-Request-Timestamp",
        HeaderValue::from_static("1531420618"),
    );
    headers
}

#[test]
fn slacks_published_example_verifies_at_its_time() {
    let receiver = Slack::new(SECRET).expect("secret");
    let received = receiver
        .receive_at(&documented(), BODY, at(TS))
        .expect("verified");
    assert_eq!(received.delivery.timestamp(), Some(at(TS)));
    assert_eq!(
        receiver.sign_at(BODY, at(TS)).expect("sign")["x-slack-signature"],
        SIGNATURE
    );
    // The body is a slash command: a form, not JSON.
    let Event::Form(form) = &received.event else {
        panic!("{:?}", received.event)
    };
    assert_eq!(form.fields["command"], "/webhook-collect");
    assert_eq!(
        form.fields["response_url"],
        "https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN"
    );
    assert_eq!(received.event.event_type(), "/webhook-collect");
    assert_eq!(
        received.event.id(),
        "398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
    );
}

#[test]
fn tolerance_is_five_minutes_both_ways() {
    let receiver = Slack::new(SECRET).expect("secret");
    assert_eq!(
        receiver.tolerance(),
        Tolerance::symmetric(Duration::from_secs(300))
    );
    for (now, ok) in [
        (TS + 300, true),
        (TS + 301, false),
        (TS - 300, true),
        (TS - 301, false),
    ] {
        assert_eq!(
            receiver.verify_at(&documented(), BODY, at(now)).is_ok(),
            ok,
            "{now}"
        );
    }
    assert!(matches!(
        receiver.verify_at(&documented(), BODY, at(TS + 301)),
        Err(Error::TimestampTooOld { .. })
    ));
    // Against today's clock, the 2018 example is a replay.
    assert!(receiver.verify(&documented(), BODY).is_err());
}

#[test]
fn tampering_is_refused() {
    let receiver = Slack::new(SECRET).expect("secret");
    let mut body = BODY.to_vec();
    body.push(b'x');
    assert_eq!(
        receiver.verify_at(&documented(), &body, at(TS)),
        Err(Error::SignatureMismatch)
    );
    let mut headers = documented();
    headers.insert(
        "x-slack-request-timestamp",
        HeaderValue::from_static("1531420619"),
    );
    assert_eq!(
        receiver.verify_at(&headers, BODY, at(TS)),
        Err(Error::SignatureMismatch)
    );
    headers.remove("x-slack-request-timestamp");
    assert!(matches!(
        receiver.verify_at(&headers, BODY, at(TS)),
        Err(Error::MissingHeader(_))
    ));
    let other = Slack::new("another-secret").expect("secret");
    assert_eq!(
        other.verify_at(&documented(), BODY, at(TS)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn rotation() {
    let receiver = Slack::new("new-secret")
        .and_then(|r| r.with_secret(SECRET))
        .expect("secrets");
    let delivery = receiver
        .verify_at(&documented(), BODY, at(TS))
        .expect("verified");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn events_api_envelope() {
    let receiver = Slack::new(SECRET).expect("secret");
    let body = br#"{"token": "XXYYZZ", "team_id": "T123ABC456", "api_app_id": "A123ABC456",
        "event": {"type": "app_mention", "user": "U1", "text": "hi", "ts": "1515449522.000016", "event_ts": "1515449522000016"},
        "type": "event_callback", "event_id": "Ev123ABC456", "event_time": 1515449522, "is_ext_shared_channel": false}"#;
    let now = at(1_515_449_522);
    let headers = receiver.sign_at(body, now).expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, body, now)
        .expect("ok");
    assert_eq!(event.event_type(), "app_mention");
    assert_eq!(event.id(), "Ev123ABC456");
    assert_eq!(event.occurred_at(), Some(now));
    let Event::Callback(callback) = &event else {
        panic!("{event:?}")
    };
    assert_eq!(callback.team_id.as_deref(), Some("T123ABC456"));
    assert_eq!(callback.data["text"], "hi");
    assert_eq!(callback.raw["is_ext_shared_channel"], false);
    let json = serde_json::to_string(&event).expect("serialize");
    assert_eq!(
        serde_json::from_str::<Event>(&json).expect("read back"),
        event
    );
    // Unknown outer and inner types are kept.
    let limited = receiver
        .parse(br#"{"token": "t", "type": "app_rate_limited", "team_id": "T1", "minute_rate_limited": 1518467820}"#)
        .expect("parse");
    assert_eq!(limited.event_type(), "app_rate_limited");
    let Event::Other { raw, .. } = &limited else {
        panic!("{limited:?}")
    };
    assert_eq!(raw["minute_rate_limited"], 1_518_467_820);
    let new_inner = receiver
        .parse(br#"{"type": "event_callback", "event_id": "Ev1", "event": {"type": "brand_new_event"}}"#)
        .expect("parse");
    assert_eq!(new_inner.event_type(), "brand_new_event");
}

#[test]
fn url_verification_in_one_line() {
    let receiver = Slack::new(SECRET).expect("secret");
    let body = br#"{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}"#;
    let headers = receiver.sign_at(body, at(TS)).expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, body, at(TS))
        .expect("ok");
    let reply = slack::url_verification_reply(&event).expect("challenge");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.headers()["content-type"], "text/plain");
    assert_eq!(
        reply.body(),
        "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    );
    assert!(slack::url_verification_reply(&receiver.parse(BODY).expect("form")).is_none());
}

#[test]
fn interactivity_payloads_are_read() {
    let receiver = Slack::new(SECRET).expect("secret");
    let body = b"payload=%7B%22type%22%3A%22block_actions%22%2C%22trigger_id%22%3A%2212.34%22%7D";
    let headers = receiver.sign_at(body, at(TS)).expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, body, at(TS))
        .expect("ok");
    assert_eq!(event.event_type(), "block_actions");
    assert_eq!(event.id(), "12.34");
    // A broken payload field is kept as text, never an error.
    let event = receiver.parse(b"payload=%7Bnot-json").expect("never fails");
    let Event::Form(form) = event else { panic!() };
    assert_eq!(
        (form.fields["payload"].as_str(), form.data),
        ("{not-json", None)
    );
}

#[test]
fn replies_no_retry_and_schedule() {
    let receiver = Slack::new(SECRET).expect("secret");
    let reply = |status| {
        Response::builder()
            .status(status)
            .body("")
            .expect("response")
    };
    assert_eq!(receiver.classify(&reply(200)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(500)), Outcome::Retry);
    let stop = Slack::no_retry_reply(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(stop.headers()["x-slack-no-retry"], "1");
    assert_eq!(ReplyRule::slack().classify(&stop), Outcome::Abandon);
    assert_eq!(receiver.classify(&stop), Outcome::Abandon);
    // On a success the header changes nothing.
    assert_eq!(
        receiver.classify(&Slack::no_retry_reply(StatusCode::OK)),
        Outcome::Delivered
    );
    let schedule = receiver.retry_schedule();
    assert_eq!(schedule, RetrySchedule::slack());
    let delays: Vec<_> = schedule.delays().collect();
    assert_eq!(
        delays,
        [
            Duration::ZERO,
            Duration::from_secs(60),
            Duration::from_secs(300)
        ]
    );
    assert_eq!(schedule.max_attempts(), 4);
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(3)));
}

#[test]
fn a_no_retry_reply_ends_the_event_in_the_simulator() {
    use webhook_kit::simulate::{Fate, Simulator};

    let receiver = Slack::new(SECRET).expect("secret");
    let mut seen = 0;
    let history = Simulator::new(&receiver)
        .deliver(
            br#"{"type": "event_callback", "event_id": "Ev1", "event": {"type": "x"}}"#,
            |_req: http::Request<Vec<u8>>| {
                seen += 1;
                Slack::no_retry_reply(StatusCode::UNPROCESSABLE_ENTITY)
            },
        )
        .expect("signs");
    assert_eq!(history.fate, Fate::Abandoned);
    assert_eq!(history.attempts.len(), 1);
    assert_eq!(seen, 1);
    // Without the header, Slack retries three times.
    let history = Simulator::new(&receiver)
        .deliver(b"{}", |_req: http::Request<Vec<u8>>| {
            StatusCode::INTERNAL_SERVER_ERROR
        })
        .expect("signs");
    assert_eq!((history.fate, history.attempts.len()), (Fate::Exhausted, 4));
}

#[test]
fn a_signed_url_verification_is_answered_as_a_handshake_and_a_forged_one_is_refused() {
    let receiver = Slack::new(SECRET).expect("usable");
    let body = br#"{"token":"t","challenge":"c-123","type":"url_verification"}"#;
    let headers = receiver.sign_at(body, at(TS)).expect("sign");
    let (method, uri) = (http::Method::POST, http::Uri::from_static("/slack"));
    let request = webhook_kit::Handshake::new(&method, &uri, &headers, body);
    let reply = receiver
        .handshake_at(&request, at(TS))
        .expect("a handshake")
        .expect("verified");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.body(), "c-123");

    let forged = Slack::new("another-secret")
        .expect("usable")
        .sign_at(body, at(TS))
        .expect("sign");
    let request = webhook_kit::Handshake::new(&method, &uri, &forged, body);
    assert!(matches!(
        receiver.handshake_at(&request, at(TS)),
        Some(Err(Error::SignatureMismatch))
    ));

    // An event callback is a delivery, not a handshake.
    let callback = br#"{"type":"event_callback","event_id":"Ev1","event":{"type":"app_mention"}}"#;
    let headers = receiver.sign_at(callback, at(TS)).expect("sign");
    let request = webhook_kit::Handshake::new(&method, &uri, &headers, callback);
    assert!(receiver.handshake_at(&request, at(TS)).is_none());
}

#[test]
fn a_router_passes_the_handshake_to_its_receiver() {
    let router =
        webhook_kit::Receivers::new().with_receiver("slack", Slack::new(SECRET).expect("usable"));
    let body = br#"{"challenge":"from-router","type":"url_verification"}"#;
    let headers = Slack::new(SECRET)
        .expect("usable")
        .sign_at(body, at(TS))
        .expect("sign");
    let (method, uri) = (
        http::Method::POST,
        http::Uri::from_static("/webhooks/slack"),
    );
    let request = webhook_kit::Handshake::new(&method, &uri, &headers, body);
    let receiver = router.get("slack").expect("routed");
    let reply = receiver
        .handshake_at(&request, at(TS))
        .expect("a handshake");
    assert_eq!(reply.expect("verified").body(), "from-router");
}
