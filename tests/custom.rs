//! The scheme builder: refused descriptions, built-in providers reproduced
//! byte for byte, form bodies, and the crate's other parts (simulate,
//! dedup, Receivers) working with a described sender.

use std::time::Duration;

use http::{HeaderMap, HeaderValue, Response};
use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::custom::{CustomReceiver, Event, MacEncoding, SchemeBuilder, SignedPart};
use webhook_kit::dedup::{IdempotencyStore, MemoryStore, ttl_for};
use webhook_kit::simulate::{self, Fate, Reply, Simulator};
use webhook_kit::{Error, Provider, Receivers, ReplyRule, RetrySchedule, Tolerance, WebhookEvent};

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn refused(builder: SchemeBuilder) -> &'static str {
    match builder.build() {
        Err(Error::InvalidScheme(reason)) => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn descriptions_that_cannot_work_are_refused_with_a_reason() {
    let ts = || {
        SchemeBuilder::new("x-sig")
            .timestamp_header("x-ts")
            .sign_timestamp('.')
    };
    let cases = [
        (SchemeBuilder::new("x sig"), "valid HTTP header name"),
        (
            SchemeBuilder::new("x-sig").id_header("X-Sig"),
            "must differ",
        ),
        (
            SchemeBuilder::new("x-sig").sign_timestamp('.'),
            "no header carries one",
        ),
        (
            SchemeBuilder::new("x-sig").timestamp_header("x-ts"),
            "not signed",
        ),
        (
            SchemeBuilder::new("x-sig").key_value("t", "v1"),
            "not signed",
        ),
        (ts().key_value("t", "v1"), "inside the signature header"),
        (
            ts().body_timestamp("sent_at"),
            "in the body and in a header is ambiguous",
        ),
        (
            SchemeBuilder::new("x-sig")
                .key_value("t", "v1")
                .body_timestamp("sent_at"),
            "in the body and in a header is ambiguous",
        ),
        (
            SchemeBuilder::new("x-sig")
                .body_timestamp("sent_at")
                .form_body(),
            "needs a signed JSON body",
        ),
        (
            SchemeBuilder::new("x-sig")
                .key_value_separated('=', "t", "v1")
                .sign_timestamp('.'),
            "the item separator must be",
        ),
        (
            SchemeBuilder::new("x-sig")
                .key_value_separated('a', "t", "v1")
                .sign_timestamp('.'),
            "the item separator must be",
        ),
        (ts().sign_id_and_timestamp('.'), "no id header"),
        (ts().sign_timestamp('→'), "one ASCII character"),
        (ts().sign_timestamp('0'), "no id or timestamp contains"),
        (
            SchemeBuilder::new("x-sig").canonical_timestamp(),
            "canonical",
        ),
        (
            SchemeBuilder::new("x-sig").tolerance(Tolerance::symmetric(Duration::from_secs(1))),
            "needs a signed timestamp",
        ),
        (
            ts().tolerance(Tolerance::symmetric(Duration::ZERO)),
            "zero tolerance",
        ),
        (
            SchemeBuilder::new("x-sig").signature_prefix("v 0="),
            "visible ASCII",
        ),
        (SchemeBuilder::new("x-sig").versioned_list("v1,"), "version"),
        (
            SchemeBuilder::new("x-sig")
                .key_value("t", "t")
                .sign_timestamp('.'),
            "must differ",
        ),
        (
            SchemeBuilder::new("x-sig")
                .key_value("t=", "v1")
                .sign_timestamp('.'),
            "key",
        ),
        (
            SchemeBuilder::new("x-sig").form_body().id_field("id"),
            "form body",
        ),
        (
            SchemeBuilder::new("x-sig")
                .type_field("type")
                .event_type_header("x-ev"),
            "not both",
        ),
        (SchemeBuilder::new("x-sig").time_field(""), "not empty"),
    ];
    for (builder, expected) in cases {
        let reason = refused(builder.clone());
        assert!(reason.contains(expected), "{builder:?}: {reason}");
        let err = Error::InvalidScheme(reason);
        assert!(!err.is_auth());
        assert_eq!(err.status(), 500);
        assert!(err.to_string().starts_with("invalid scheme: "));
    }
}

fn clickfunnels_described() -> CustomReceiver {
    SchemeBuilder::new("X-Webhook-ClickFunnels-Signature")
        .timestamp_header("X-Webhook-ClickFunnels-Timestamp")
        .sign_timestamp('.')
        .tolerance(Tolerance::symmetric(Duration::from_secs(600)))
        .reply_rule(webhook_kit::ReplyRule::clickfunnels())
        .retry_schedule(RetrySchedule::clickfunnels())
        .id_field("event_id")
        .type_field("event_type")
        .time_field("created_at")
        .build()
        .and_then(|scheme| scheme.receiver("cf-secret"))
        .expect("a valid description")
}

#[test]
fn clickfunnels_is_expressible_byte_for_byte() {
    let builtin = ClickFunnels::new("cf-secret").expect("secret");
    let described = clickfunnels_described();
    let body = br#"{"event_id": "e1", "event_type": "contact.created", "created_at": "2024-01-02T03:04:05Z", "data": {"id": 5}}"#;
    for offset in [0, 1, 599, 86_400] {
        let at = now() + Duration::from_secs(offset);
        let ours = described.sign_at(body, at).expect("sign");
        let theirs = builtin.sign_at(body, at).expect("sign");
        assert_eq!(ours, theirs, "identical headers at +{offset} s");
        assert!(builtin.verify_at(&ours, body, at).is_ok());
        assert!(described.verify_at(&theirs, body, at).is_ok());
    }
    // Same window, same refusals.
    let headers = builtin.sign_at(body, now()).expect("sign");
    for later in [600, 601] {
        let at = now() + Duration::from_secs(later);
        assert_eq!(
            described.verify_at(&headers, body, at).is_ok(),
            builtin.verify_at(&headers, body, at).is_ok()
        );
    }
    assert_eq!(
        described.verify_at(&headers, b"{}", now()),
        Err(Error::SignatureMismatch)
    );
    // Same reading of the envelope and the replies.
    let (a, b) = (
        described.parse(body).expect("parse"),
        builtin.parse(body).expect("parse"),
    );
    assert_eq!(
        (a.id(), a.event_type(), a.occurred_at()),
        (b.id(), b.event_type(), b.occurred_at())
    );
    assert_eq!(described.retry_schedule(), builtin.retry_schedule());
    assert_eq!(described.reply_rule(), builtin.reply_rule());
}

#[test]
fn each_preset_is_expressible_too() {
    let body = br#"{"id": "evt_1", "type": "x"}"#;
    let github = SchemeBuilder::new("X-Hub-Signature-256")
        .signature_prefix("sha256=")
        .build();
    let stripe = SchemeBuilder::new("Stripe-Signature")
        .key_value("t", "v1")
        .sign_timestamp('.')
        .build();
    let shopify = SchemeBuilder::new("X-Shopify-Hmac-Sha256")
        .encoding(MacEncoding::Base64)
        .build();
    let slack = SchemeBuilder::new("X-Slack-Signature")
        .signature_prefix("v0=")
        .timestamp_header("X-Slack-Request-Timestamp")
        .signed_prefix("v0:")
        .sign_timestamp(':')
        .build();
    let pairs: [(_, Box<dyn Fn() -> HeaderMap>); 4] = [
        (
            github,
            Box::new(|| {
                webhook_kit::github::GitHub::new("k")
                    .and_then(|p| p.sign_at(body, now()))
                    .expect("sign")
            }),
        ),
        (
            stripe,
            Box::new(|| {
                webhook_kit::stripe::Stripe::new("k")
                    .and_then(|p| p.sign_at(body, now()))
                    .expect("sign")
            }),
        ),
        (
            shopify,
            Box::new(|| {
                webhook_kit::shopify::Shopify::new("k")
                    .and_then(|p| p.sign_at(body, now()))
                    .expect("sign")
            }),
        ),
        (
            slack,
            Box::new(|| {
                webhook_kit::slack::Slack::new("k")
                    .and_then(|p| p.sign_at(body, now()))
                    .expect("sign")
            }),
        ),
    ];
    for (scheme, preset_sign) in pairs {
        let described = scheme.and_then(|s| s.receiver("k")).expect("valid");
        let ours = described.sign_at(body, now()).expect("sign");
        let theirs = preset_sign();
        // The signature (and timestamp) headers are the same bytes.
        for (name, value) in &ours {
            assert_eq!(theirs.get(name), Some(value), "{name}");
        }
        assert!(described.verify_at(&theirs, body, now()).is_ok());
    }
}

#[test]
fn versioned_lists_and_signed_ids() {
    let receiver = SchemeBuilder::new("webhook-signature")
        .versioned_list("v1")
        .encoding(MacEncoding::Base64)
        .id_header("webhook-id")
        .timestamp_header("webhook-timestamp")
        .sign_id_and_timestamp('.')
        .build()
        .and_then(|s| s.receiver(vec![7u8; 24]))
        .expect("valid");
    let body = br#"{"type": "a"}"#;
    let headers = receiver
        .sign_with_id_at("msg_1", body, now())
        .expect("sign");
    let value = headers["webhook-signature"].to_str().expect("ascii");
    assert!(value.starts_with("v1,"), "{value}");
    assert_eq!(
        receiver
            .verify_at(&headers, body, now())
            .and_then(|d| d.id().map(str::to_owned).ok_or(Error::SignatureMismatch)),
        Ok("msg_1".to_owned())
    );
    assert!(
        receiver
            .verify_at(&headers, body, now())
            .is_ok_and(|d| d.id_is_signed())
    );
    // An id header the MAC does not cover is reported as unsigned.
    let unsigned = SchemeBuilder::new("x-sig")
        .id_header("x-id")
        .build()
        .and_then(|s| s.receiver(vec![7u8; 24]))
        .expect("valid");
    let labelled = unsigned
        .sign_with_id_at("evt_1", body, now())
        .expect("sign");
    let delivery = unsigned.verify_at(&labelled, body, now()).expect("ok");
    assert_eq!(delivery.id(), Some("evt_1"));
    assert!(!delivery.id_is_signed());
    // The id is signed: changing it breaks the signature.
    let mut moved = headers.clone();
    moved.insert("webhook-id", HeaderValue::from_static("msg_2"));
    assert_eq!(
        receiver.verify_at(&moved, body, now()),
        Err(Error::SignatureMismatch)
    );
    // With no id field, the event's id is the header's.
    let event = receiver
        .verify_and_parse_at(&headers, body, now())
        .expect("ok");
    assert_eq!(event.id(), "msg_1");
    // A blank id cannot be signed.
    assert!(matches!(
        receiver.sign_with_id_at(" ", body, now()),
        Err(Error::Signing(_))
    ));
}

fn signed_id_scheme(separator: char) -> SchemeBuilder {
    SchemeBuilder::new("x-sig")
        .id_header("x-id")
        .timestamp_header("x-ts")
        .sign_id_and_timestamp(separator)
}

#[test]
fn a_separator_an_id_or_timestamp_can_contain_is_refused() {
    // With `0`, `evt_10` + `1700000000` and `evt_1` + `01700000000` sign
    // the same bytes: the signed id could be rewritten.
    for separator in [
        '0', '9', '+', '-', 'a', 'Z', 'f', '/', '=', '_', ' ', '\t', '\0',
    ] {
        let reason = refused(signed_id_scheme(separator));
        assert!(
            reason.contains("no id or timestamp contains"),
            "{separator:?}: {reason}"
        );
        let reason = refused(
            SchemeBuilder::new("x-sig")
                .timestamp_header("x-ts")
                .sign_timestamp(separator),
        );
        assert!(
            reason.contains("no id or timestamp contains"),
            "{separator:?}: {reason}"
        );
    }
    for separator in ['.', ':', '|', ',', '#', '~'] {
        assert!(signed_id_scheme(separator).build().is_ok(), "{separator:?}");
    }
}

fn with_parts(parts: Vec<SignedPart>) -> SchemeBuilder {
    SchemeBuilder::new("x-sig")
        .id_header("x-id")
        .timestamp_header("x-ts")
        .signed_parts(parts)
}

#[test]
fn signed_parts_are_checked_around_each_id_timestamp_and_text() {
    use SignedPart::{Body, Id, Text, Timestamp};
    let dot = || Text(".".into());
    let cases = [
        // A Unix timestamp straight after the body or an id.
        (vec![Body, Timestamp], "plain decimal"),
        (vec![Id, Timestamp, dot(), Body], "plain decimal"),
        // A text that meets an id or a timestamp with a letter, on either side.
        (
            vec![Id, Text("x.".into()), Timestamp, dot(), Body],
            "a text part must touch",
        ),
        (
            vec![Body, dot(), Timestamp, Text(".x".into()), Id],
            "a text part must touch",
        ),
    ];
    for (parts, expected) in cases {
        let reason = refused(with_parts(parts.clone()));
        assert!(reason.contains(expected), "{parts:?}: {reason}");
    }
    // An id kept from the body by a timestamp, with punctuation between:
    // unambiguous, so it builds and its deliveries verify.
    let receiver = with_parts(vec![Body, dot(), Timestamp, dot(), Id])
        .build()
        .and_then(|scheme| scheme.receiver("parts-secret"))
        .expect("an id after the timestamp is pinned");
    let headers = receiver
        .sign_with_id_at("evt_7", b"{}", now())
        .expect("sign");
    let delivery = receiver
        .verify_at(&headers, b"{}", now())
        .expect("verifies");
    assert_eq!(delivery.id(), Some("evt_7"));
}

#[test]
fn a_window_open_on_one_side_only_is_accepted() {
    let builder = |past: u64, future: u64| {
        SchemeBuilder::new("x-sig")
            .timestamp_header("x-ts")
            .sign_timestamp('.')
            .tolerance(Tolerance {
                past: Duration::from_secs(past),
                future: Duration::from_secs(future),
            })
    };
    assert!(builder(0, 60).build().is_ok());
    assert!(builder(60, 0).build().is_ok());
    assert!(refused(builder(0, 0)).contains("zero tolerance"));
}

#[test]
fn a_numeric_id_field_is_the_id_as_written() {
    let receiver = SchemeBuilder::new("x-sig")
        .timestamp_header("x-ts")
        .sign_timestamp('.')
        .id_field("n")
        .build()
        .and_then(|scheme| scheme.receiver("id-secret"))
        .expect("valid");
    assert_eq!(receiver.name(), "custom");
    for (body, id) in [
        (&br#"{"n": 42}"#[..], Some("42")),
        (br#"{"n": "evt_1"}"#, Some("evt_1")),
        (br#"{"n": true}"#, None),
    ] {
        let headers = receiver.sign_at(body, now()).expect("sign");
        let event = receiver
            .receive_at(&headers, body, now())
            .expect("verifies")
            .event;
        assert_eq!(event.id.as_deref(), id, "{}", String::from_utf8_lossy(body));
    }
}

#[test]
#[allow(deprecated, reason = "the old name still signs as before")]
fn the_deprecated_sign_delivery_at_signs_as_its_replacements() {
    let receiver = SchemeBuilder::new("x-sig")
        .id_header("x-id")
        .event_type_header("x-event")
        .timestamp_header("x-ts")
        .sign_id_and_timestamp('.')
        .build()
        .and_then(|scheme| scheme.receiver("old-secret"))
        .expect("valid");
    let body = b"{}";
    assert_eq!(
        receiver
            .sign_delivery_at("d-1", None, body, now())
            .expect("sign"),
        receiver.sign_with_id_at("d-1", body, now()).expect("sign")
    );
    let typed = receiver
        .sign_delivery_at("d-2", Some("ping"), body, now())
        .expect("sign");
    assert_eq!(
        typed,
        receiver
            .sign_event_at("ping", "d-2", body, now())
            .expect("sign")
    );
    assert_eq!(typed["x-event"], "ping");
}

#[test]
fn a_signed_id_cannot_be_moved_into_the_timestamp() {
    let receiver = signed_id_scheme('.')
        .build()
        .and_then(|s| s.receiver("sep-secret"))
        .expect("valid");
    let body = br#"{"n": 1}"#;
    let headers = receiver
        .sign_with_id_at("evt_10", body, now())
        .expect("sign");
    assert_eq!(headers["x-ts"], "1700000000");
    assert!(receiver.verify_at(&headers, body, now()).is_ok());
    let mut moved = headers.clone();
    moved.insert("x-id", HeaderValue::from_static("evt_1"));
    moved.insert("x-ts", HeaderValue::from_static("01700000000"));
    assert_eq!(
        receiver.verify_at(&moved, body, now()),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn hex_or_base64_accepts_either() {
    let hex = SchemeBuilder::new("x-sig")
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let either = SchemeBuilder::new("x-sig")
        .encoding(MacEncoding::HexOrBase64)
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let b64 = SchemeBuilder::new("x-sig")
        .encoding(MacEncoding::Base64)
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    for headers in [
        hex.sign_at(b"{}", now()).expect("sign"),
        b64.sign_at(b"{}", now()).expect("sign"),
    ] {
        assert!(either.verify_at(&headers, b"{}", now()).is_ok());
    }
    assert!(
        hex.verify_at(&b64.sign_at(b"{}", now()).expect("sign"), b"{}", now())
            .is_err()
    );
}

#[test]
fn form_bodies_verify_and_parse_into_fields() {
    let receiver = SchemeBuilder::new("x-sig")
        .timestamp_header("x-ts")
        .sign_timestamp(':')
        .form_body()
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let body = b"command=%2Fdeploy&text=now+please";
    let headers = receiver.sign_at(body, now()).expect("sign");
    let event = receiver
        .verify_and_parse_at(&headers, body, now())
        .expect("ok");
    assert_eq!(event.data["command"], "/deploy");
    assert_eq!(event.data["text"], "now please");
    assert_eq!(event.body, "command=%2Fdeploy&text=now+please");
    // JSON-bodied schemes refuse text that is not JSON, as a payload error.
    let json = SchemeBuilder::new("x-sig")
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let err = json.parse(body).unwrap_err();
    assert!(matches!(err, Error::InvalidPayload { .. }) && !err.is_auth());
}

#[test]
fn envelope_fields_headers_and_round_trip() {
    let receiver = SchemeBuilder::new("x-sig")
        .id_header("x-delivery")
        .event_type_header("x-event")
        .time_field("/meta/at")
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let body = br#"{"meta": {"at": "2024-01-02T03:04:05Z"}, "brand_new": [1, 2]}"#;
    let headers = receiver
        .sign_event_at("thing.happened", "d-7", body, now())
        .expect("sign");
    let received = receiver
        .receive_at(&headers, body, now())
        .expect("verified");
    let event = received.event;
    assert_eq!(
        (&*event.id(), event.event_type()),
        ("d-7", "thing.happened")
    );
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_704_164_645)
    );
    assert_eq!(event.data["brand_new"][1], 2);
    let json = serde_json::to_string(&event).expect("serialize");
    assert_eq!(
        serde_json::from_str::<Event>(&json).expect("read back"),
        event
    );
    // Unsigned labels are optional.
    let mut bare = headers.clone();
    bare.remove("x-delivery");
    bare.remove("x-event");
    let event = receiver
        .verify_and_parse_at(&bare, body, now())
        .expect("ok");
    assert_eq!((&*event.id(), event.event_type()), ("", ""));
}

#[test]
fn builders_rotation_tolerance_and_size() {
    let scheme = SchemeBuilder::new("x-sig")
        .timestamp_header("x-ts")
        .sign_timestamp('.')
        .build()
        .expect("valid");
    let old = scheme.receiver("old").expect("secret");
    let receiver = scheme
        .receiver("new")
        .and_then(|r| r.with_secret("old"))
        .expect("secrets")
        .with_tolerance(Tolerance::new(Duration::from_secs(10), Duration::ZERO))
        .with_max_body(64);
    let headers = old.sign_at(b"{}", now()).expect("sign");
    assert_eq!(
        receiver
            .verify_at(&headers, b"{}", now())
            .map(|d| d.secret_index()),
        Ok(Some(1))
    );
    assert!(
        receiver
            .verify_at(&headers, b"{}", now() + Duration::from_secs(10))
            .is_ok()
    );
    assert!(matches!(
        receiver.verify_at(&headers, b"{}", now() + Duration::from_secs(11)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        receiver.verify_at(&headers, b"{}", now() - Duration::from_secs(1)),
        Err(Error::TimestampInFuture { .. })
    ));
    assert!(matches!(
        receiver.verify_at(&headers, &[b' '; 65], now()),
        Err(Error::BodyTooLarge { .. })
    ));
    assert!(scheme.receiver("").is_err());
    assert!(!format!("{receiver:?}").contains("new"));
}

#[test]
fn simulate_dedup_and_router_work_with_a_described_sender() {
    let receiver = SchemeBuilder::new("x-sig")
        .id_header("x-delivery")
        .type_field("type")
        .reply_rule(ReplyRule::codes(&[200]))
        .retry_schedule(RetrySchedule::fixed(vec![Duration::from_secs(60); 3]))
        .build()
        .and_then(|s| s.receiver("k"))
        .expect("valid");
    let store = MemoryStore::default();
    let mut processed = Vec::new();
    let mut calls = 0;
    let handler = |req: http::Request<Vec<u8>>| {
        calls += 1;
        if calls == 1 {
            return Reply::from(Response::builder().status(503).body("").expect("response"));
        }
        let at = simulate::virtual_now(&req);
        match receiver.verify_and_parse_at(req.headers(), req.body(), at) {
            Ok(event) => {
                if store
                    .first_seen("acme", &event.id(), ttl_for(&receiver))
                    .unwrap_or(true)
                {
                    processed.push(event.event_type().to_owned());
                }
                Reply::from(Response::builder().status(200).body("").expect("response"))
            }
            Err(err) => Reply::empty(err.status()),
        }
    };
    let history = Simulator::new(&receiver)
        .duplicates(2)
        .deliver(br#"{"type": "order.paid"}"#, handler)
        .expect("delivered");
    assert_eq!(history.fate, Fate::Delivered);
    assert_eq!(history.attempts.len(), 2);
    assert_eq!(
        processed,
        ["order.paid"],
        "the duplicates carried the same id"
    );

    let router = Receivers::new().with_receiver("acme", receiver.clone());
    let body = br#"{"type": "order.shipped"}"#;
    let headers = receiver.sign_at(body, now()).expect("sign");
    let received = router
        .get("acme")
        .expect("routed")
        .receive_at(&headers, body, now())
        .expect("ok");
    assert_eq!(received.event.event_type(), "order.shipped");
    assert!(received.event.downcast_ref::<Event>().is_some());
}
