//! Shopify preset: an independent base64 signer, tampering, rotation, the
//! headers as the event, the Events product's header names, replies and
//! schedule.

use std::time::Duration;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::{HeaderMap, HeaderValue, Response};
use sha2::Sha256;
use time::OffsetDateTime;
use time::macros::datetime;
use webhook_kit::shopify::{Event, Shopify};
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const BODY: &[u8] = br#"{"id":9554194432293,"title":"T-Shirt"}"#;

fn now() -> OffsetDateTime {
    datetime!(2024-09-10 12:00 UTC)
}

fn mac(secret: &str, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key");
    mac.update(body);
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[test]
fn signatures_are_base64_of_the_body_mac() {
    let receiver = Shopify::new("shpss_secret").expect("secret");
    let headers = receiver.sign_at(BODY, now()).expect("sign");
    assert_eq!(
        headers["x-shopify-hmac-sha256"],
        mac("shpss_secret", BODY).as_str()
    );
    let mut independent = HeaderMap::new();
    independent.insert(
        "X-Shopify-Hmac-SHA256",
        HeaderValue::try_from(mac("shpss_secret", BODY)).expect("value"),
    );
    assert!(receiver.verify_at(&independent, BODY, now()).is_ok());
    // Hex is not what Shopify sends.
    let hex: String = base64::engine::general_purpose::STANDARD
        .decode(mac("shpss_secret", BODY))
        .expect("b64")
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    independent.insert(
        "x-shopify-hmac-sha256",
        HeaderValue::try_from(hex).expect("value"),
    );
    assert!(receiver.verify_at(&independent, BODY, now()).is_err());
}

#[test]
fn tampering_and_wrong_secrets_are_refused() {
    let receiver = Shopify::new("shpss_secret").expect("secret");
    let headers = receiver.sign_at(BODY, now()).expect("sign");
    assert_eq!(
        receiver.verify_at(
            &headers,
            br#"{"id":9554194432293,"title":"T-Shirt!"}"#,
            now()
        ),
        Err(Error::SignatureMismatch)
    );
    let other = Shopify::new("other").expect("secret");
    assert_eq!(
        other.verify_at(&headers, BODY, now()),
        Err(Error::SignatureMismatch)
    );
    // No timestamp is signed: any clock verifies.
    assert!(
        receiver
            .verify_at(&headers, BODY, now() + Duration::from_secs(86_400))
            .is_ok()
    );
}

#[test]
fn rotation_keeps_the_old_secret_working() {
    let old = Shopify::new("old").expect("secret");
    let receiver = Shopify::new("new")
        .and_then(|r| r.with_secret("old"))
        .expect("secrets");
    let headers = old.sign_at(BODY, now()).expect("sign");
    assert_eq!(
        receiver
            .verify_at(&headers, BODY, now())
            .map(|d| d.secret_index()),
        Ok(Some(1))
    );
}

#[test]
fn headers_describe_the_event() {
    let receiver = Shopify::new("shpss_secret").expect("secret");
    let mut headers = receiver
        .sign_event_at(
            "products/update",
            "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
            BODY,
            now(),
        )
        .expect("sign");
    headers.insert(
        "x-shopify-event-id",
        HeaderValue::from_static("98880550-7158-44d4-b7cd-2c97c8a091b5"),
    );
    headers.insert(
        "x-shopify-shop-domain",
        HeaderValue::from_static("example.myshopify.com"),
    );
    headers.insert("x-shopify-api-version", HeaderValue::from_static("2024-07"));
    let received = receiver
        .receive_at(&headers, BODY, now())
        .expect("verified");
    let event = &received.event;
    assert_eq!(event.event_type(), "products/update");
    assert_eq!(event.id(), "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043");
    assert_eq!(
        received.delivery.id(),
        Some("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")
    );
    assert_eq!(
        event.event_id.as_deref(),
        Some("98880550-7158-44d4-b7cd-2c97c8a091b5")
    );
    assert_eq!(event.occurred_at(), Some(now()));
    assert_eq!(event.shop_domain.as_deref(), Some("example.myshopify.com"));
    assert_eq!(event.api_version.as_deref(), Some("2024-07"));
    assert_eq!(event.raw["title"], "T-Shirt");
    let json = serde_json::to_string(event).expect("serialize");
    assert_eq!(
        &serde_json::from_str::<Event>(&json).expect("read back"),
        event
    );
    // An unreadable time is no time, not an error.
    headers.insert("x-shopify-triggered-at", HeaderValue::from_static("soon"));
    let event = receiver
        .verify_and_parse_at(&headers, BODY, now())
        .expect("verified");
    assert_eq!(event.occurred_at(), None);
}

#[test]
fn unknown_topics_are_kept() {
    let receiver = Shopify::new("s").expect("secret");
    let headers = receiver
        .sign_event_at("brand_new/topic", "w", b"{\"a\":[1]}", now())
        .expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, b"{\"a\":[1]}", now())
        .expect("ok");
    assert_eq!(event.event_type(), "brand_new/topic");
    assert_eq!(event.raw["a"][0], 1);
}

#[test]
fn the_events_products_header_names_verify() {
    let receiver = Shopify::new("shpss_secret").expect("secret");
    let mut headers = HeaderMap::new();
    headers.insert(
        "shopify-hmac-sha256",
        HeaderValue::try_from(mac("shpss_secret", BODY)).expect("value"),
    );
    headers.insert("shopify-topic", HeaderValue::from_static("orders/create"));
    headers.insert("shopify-event-id", HeaderValue::from_static("e-1"));
    let event = receiver
        .verify_and_parse_at(&headers, BODY, now())
        .expect("ok");
    assert_eq!(event.event_type(), "orders/create");
    assert_eq!(event.event_id.as_deref(), Some("e-1"));
}

#[test]
fn replies_and_schedule() {
    let receiver = Shopify::new("s").expect("secret");
    let reply = |status| {
        Response::builder()
            .status(status)
            .body("")
            .expect("response")
    };
    assert_eq!(receiver.classify(&reply(200)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(202)), Outcome::Delivered);
    assert_eq!(receiver.classify(&reply(301)), Outcome::Retry);
    assert_eq!(receiver.classify(&reply(401)), Outcome::Retry);
    let schedule = receiver.retry_schedule();
    assert_eq!(schedule, RetrySchedule::shopify());
    assert_eq!(schedule.max_attempts(), 9, "8 retries");
    assert_eq!(schedule.horizon(), Duration::from_secs(4 * 3600));
    assert_eq!(schedule.timeout(), Some(Duration::from_secs(5)));
    let delays: Vec<_> = schedule.delays().collect();
    assert!(delays.windows(2).all(|w| w[1] > w[0]), "backs off");
}

#[test]
fn the_shop_domain_topic_and_webhook_id_are_unsigned_and_say_so() {
    // A captured delivery verifies with any of these headers rewritten:
    // the HMAC covers the body alone, so nothing may route on them.
    let receiver = Shopify::new("shopify-secret").expect("secret");
    let body = br#"{"id": 1}"#;
    let genuine = receiver
        .sign_event_at("orders/create", "wh-1", body, now())
        .expect("sign");
    let mut rewritten = genuine.clone();
    rewritten.insert(
        "x-shopify-shop-domain",
        HeaderValue::from_static("other-tenant.myshopify.com"),
    );
    rewritten.insert(
        "x-shopify-topic",
        HeaderValue::from_static("customers/redact"),
    );
    rewritten.insert("x-shopify-webhook-id", HeaderValue::from_static("wh-2"));
    for headers in [&genuine, &rewritten] {
        let delivery = receiver.verify_at(headers, body, now()).expect("verifies");
        assert!(delivery.id().is_some());
        assert!(!delivery.id_is_signed(), "{delivery:?}");
    }
}
