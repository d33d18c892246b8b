//! Stripe preset: sign → verify, `v0` and other schemes ignored, several
//! `v1`, tolerance edges, the Event object, replies and schedule.

use std::time::Duration;

use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Response};
use sha2::Sha256;
use time::OffsetDateTime;
use webhook_kit::stripe::{Event, Stripe};
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, Tolerance, WebhookEvent};

const T: i64 = 1_492_774_577;

fn at(unix: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(unix).expect("valid")
}

/// An independent signer: `HMAC(secret, "<t>." + body)`, lowercase hex.
fn v1(secret: &str, t: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn with_header(value: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "stripe-signature",
        HeaderValue::try_from(value).expect("value"),
    );
    headers
}

const BODY: &[u8] = br#"{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","object":"event","api_version":"2019-02-19","created":1686089970,"data":{"object":{"id":"seti_1NG8Du2eZvKYlo2C9XMqbR0x","object":"setup_intent"}},"livemode":false,"pending_webhooks":0,"request":{"id":null,"idempotency_key":null},"type":"setup_intent.created"}"#;

#[test]
fn signatures_match_an_independent_signer() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let headers = receiver.sign_at(BODY, at(T)).expect("sign");
    assert_eq!(
        headers["stripe-signature"].to_str().expect("ascii"),
        format!("t={T},v1={}", v1("whsec_test", T, BODY))
    );
    assert!(receiver.verify_at(&headers, BODY, at(T)).is_ok());
    // The layout of Stripe's documented header: t, v1, then a test-mode v0.
    let documented = format!(
        "t={T},v1={},v0={}",
        v1("whsec_test", T, BODY),
        "6ffbb59b2300aae63f272406069a9788598b792a944a07aba816edb039989a39"
    );
    assert!(
        receiver
            .verify_at(&with_header(&documented), BODY, at(T))
            .is_ok()
    );
}

#[test]
fn only_v1_counts() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let mac = v1("whsec_test", T, BODY);
    // A valid MAC under v0 (or v2) is not accepted: no downgrade.
    for value in [format!("t={T},v0={mac}"), format!("t={T},v2={mac}")] {
        assert!(
            matches!(
                receiver.verify_at(&with_header(&value), BODY, at(T)),
                Err(Error::MalformedHeader { .. })
            ),
            "{value}"
        );
    }
    assert!(matches!(
        receiver.verify_at(&with_header(&format!("v1={mac}")), BODY, at(T)),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn tampering_is_refused() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let headers = receiver.sign_at(BODY, at(T)).expect("sign");
    let mut tampered = BODY.to_vec();
    tampered[10] ^= 1;
    assert_eq!(
        receiver.verify_at(&headers, &tampered, at(T)),
        Err(Error::SignatureMismatch)
    );
    // Moving the timestamp breaks the MAC too.
    let moved = format!("t={},v1={}", T + 1, v1("whsec_test", T, BODY));
    assert_eq!(
        receiver.verify_at(&with_header(&moved), BODY, at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn several_v1_while_a_secret_rolls() {
    let receiver = Stripe::new("whsec_new").expect("secret");
    let value = format!(
        "t={T},v1={},v1={}",
        v1("whsec_old", T, BODY),
        v1("whsec_new", T, BODY)
    );
    assert!(
        receiver
            .verify_at(&with_header(&value), BODY, at(T))
            .is_ok()
    );
    let old_only = Stripe::new("whsec_old").expect("secret");
    assert!(
        old_only
            .verify_at(&with_header(&value), BODY, at(T))
            .is_ok()
    );
    let both = Stripe::new("whsec_new")
        .and_then(|r| r.with_secret("whsec_old"))
        .expect("secrets");
    let by_old = with_header(&format!("t={T},v1={}", v1("whsec_old", T, BODY)));
    assert_eq!(
        both.verify_at(&by_old, BODY, at(T))
            .map(|d| d.secret_index()),
        Ok(Some(1))
    );
}

#[test]
fn tolerance_edges() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    assert_eq!(
        receiver.tolerance(),
        Tolerance::symmetric(Duration::from_secs(300))
    );
    let headers = receiver.sign_at(BODY, at(T)).expect("sign");
    assert!(receiver.verify_at(&headers, BODY, at(T + 300)).is_ok());
    assert!(matches!(
        receiver.verify_at(&headers, BODY, at(T + 301)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(receiver.verify_at(&headers, BODY, at(T - 300)).is_ok());
    assert!(matches!(
        receiver.verify_at(&headers, BODY, at(T - 301)),
        Err(Error::TimestampInFuture { .. })
    ));
    let strict = receiver.with_tolerance(Tolerance::new(Duration::from_secs(60), Duration::ZERO));
    assert!(strict.verify_at(&headers, BODY, at(T + 60)).is_ok());
    assert!(strict.verify_at(&headers, BODY, at(T + 61)).is_err());
    assert!(strict.verify_at(&headers, BODY, at(T - 1)).is_err());
}

#[test]
fn the_event_object_is_read() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let event = receiver.parse(BODY).expect("parse");
    assert_eq!(event.id(), "evt_1NG8Du2eZvKYlo2CUI79vXWy");
    assert_eq!(event.event_type(), "setup_intent.created");
    assert_eq!(event.occurred_at(), Some(at(1_686_089_970)));
    assert_eq!(event.livemode, Some(false));
    assert_eq!(event.api_version.as_deref(), Some("2019-02-19"));
    assert_eq!(event.object["object"], "setup_intent");
    assert_eq!(event.previous_attributes, None);
    assert_eq!(event.raw["pending_webhooks"], 0);
    let json = serde_json::to_string(&event).expect("serialize");
    assert_eq!(
        serde_json::from_str::<Event>(&json).expect("read back"),
        event
    );
}

#[test]
fn unknown_types_and_previous_attributes_are_kept() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let body = br#"{"id": "evt_2", "type": "brand_new.thing_happened", "created": 1,
        "data": {"object": {"x": 1}, "previous_attributes": {"x": 0}}, "account": "acct_1", "context": "ctx"}"#;
    let event = receiver.parse(body).expect("parse");
    assert_eq!(event.event_type(), "brand_new.thing_happened");
    assert_eq!(
        event.previous_attributes.as_ref().map(|p| &p["x"]),
        Some(&serde_json::json!(0))
    );
    assert_eq!(event.account.as_deref(), Some("acct_1"));
    assert_eq!(event.raw["context"], "ctx");
    // id and type are what an Event object always has.
    assert!(matches!(
        receiver.parse(br#"{"type": "a.b"}"#),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn replies_and_schedule() {
    let receiver = Stripe::new("whsec_test").expect("secret");
    let reply = |status| {
        Response::builder()
            .status(status)
            .body("")
            .expect("response")
    };
    assert_eq!(receiver.classify(&reply(200)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(299)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(301)), Outcome::Retry);
    assert_eq!(receiver.classify(&reply(410)), Outcome::Retry);
    let schedule = receiver.retry_schedule();
    assert_eq!(schedule, RetrySchedule::stripe());
    assert_eq!(schedule.max_attempts(), 10);
    assert_eq!(schedule.horizon(), Duration::from_secs(72 * 3600));
    let delays: Vec<_> = schedule.delays().collect();
    assert!(delays.windows(2).take(7).all(|w| w[1] > w[0]), "backs off");
}
