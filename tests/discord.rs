//! Discord through the public API: deliveries signed outside this crate
//! (pyca/cryptography, tests/data/discord), the PING handshakes, key
//! checks, rotation within the check budget, and the event envelope.
#![cfg(all(feature = "discord", feature = "ed25519"))]

mod common;
#[path = "common/key_pair_vectors.rs"]
mod key_pair_vectors;

use common::at;
use http::{HeaderMap, Method, Uri};
use key_pair_vectors::{Request, Scheme, Vectors, text};
use serde_json::Value;
use webhook_kit::discord::Discord;
use webhook_kit::{Error, Handshake, Provider, WebhookEvent};

const SCHEME: Scheme<Discord> = Scheme {
    new: Discord::new,
    with_public_key: Discord::with_public_key,
    signature_header: "x-signature-ed25519",
    timestamp_header: "x-signature-timestamp",
};

fn vectors() -> Vectors {
    Vectors::parse(include_str!("data/discord/vectors.json"))
}

fn key(which: &str, form: &str) -> String {
    vectors().key(which, form).to_owned()
}

fn case(name: &str) -> Value {
    vectors().case(name).clone()
}

/// The case's request, its receiver (trusting the case's keys) and its time.
fn request(case: &Value) -> (Discord, HeaderMap, Vec<u8>, time::OffsetDateTime) {
    let Request {
        receiver,
        headers,
        body,
        now,
    } = SCHEME.request(case);
    (receiver, headers, body, now)
}

#[test]
fn deliveries_signed_by_an_independent_implementation_verify_as_openssl_says() {
    let vectors = vectors();
    assert_eq!(vectors.cases().len(), 12);
    SCHEME.check_every_case(&vectors);
}

#[test]
fn a_malleated_signature_s_plus_l_is_refused() {
    let malleated = case("non-canonical S (S + L)");
    let genuine = case("application command");
    assert_eq!(malleated["body"], genuine["body"]);
    assert_ne!(malleated["signature"], genuine["signature"]);
    // The first half (R) is the same: only S changed.
    assert_eq!(
        text(&malleated, "signature")[..64],
        text(&genuine, "signature")[..64]
    );
    let (receiver, headers, body, now) = request(&malleated);
    assert!(matches!(
        receiver.verify_at(&headers, &body, now),
        Err(Error::SignatureMismatch)
    ));
}

#[test]
fn signing_reproduces_the_independent_signature_byte_for_byte() {
    let genuine = case("application command");
    let signer = Discord::from_signing_key(key("primary", "signing_key")).expect("seed");
    let now = at(text(&genuine, "timestamp").parse().expect("unix"));
    let signed = signer
        .sign_at(text(&genuine, "body").as_bytes(), now)
        .expect("sign");
    assert_eq!(signed["x-signature-ed25519"], text(&genuine, "signature"));
    assert_eq!(signed["x-signature-timestamp"], text(&genuine, "timestamp"));
    assert_eq!(signed.len(), 2);
}

fn handshake(
    receiver: &Discord,
    method: Method,
    headers: &HeaderMap,
    body: &[u8],
    now: time::OffsetDateTime,
) -> Option<Result<http::Response<String>, Error>> {
    let uri = Uri::from_static("/interactions");
    receiver.handshake_at(&Handshake::new(&method, &uri, headers, body), now)
}

#[test]
fn a_genuine_ping_is_answered_with_type_1_json() {
    let (receiver, headers, body, now) = request(&case("PING"));
    let reply = handshake(&receiver, Method::POST, &headers, &body, now)
        .expect("a handshake")
        .expect("genuine");
    assert_eq!(reply.status(), 200);
    assert_eq!(reply.body(), r#"{"type":1}"#);
    assert_eq!(reply.headers()["content-type"], "application/json");
}

#[test]
fn a_ping_with_a_bad_signature_is_refused_not_answered() {
    let (receiver, mut headers, body, now) = request(&case("PING"));
    let forged = text(&case("application command"), "signature").to_owned();
    headers.insert("x-signature-ed25519", forged.parse().expect("value"));
    let answer = handshake(&receiver, Method::POST, &headers, &body, now).expect("refused");
    assert!(
        matches!(answer, Err(Error::SignatureMismatch)),
        "{answer:?}"
    );
    assert_eq!(answer.expect_err("refused").status(), 401);
}

#[test]
fn a_genuine_webhook_event_ping_is_answered_with_204() {
    let (receiver, headers, body, now) = request(&case("webhook event PING"));
    let reply = handshake(&receiver, Method::POST, &headers, &body, now)
        .expect("a handshake")
        .expect("genuine");
    assert_eq!(reply.status(), 204);
    assert!(reply.body().is_empty());
}

#[test]
fn genuine_interactions_and_events_are_deliveries_not_handshakes() {
    for name in ["application command", "webhook event"] {
        let (receiver, headers, body, now) = request(&case(name));
        assert!(
            handshake(&receiver, Method::POST, &headers, &body, now).is_none(),
            "{name}"
        );
    }
    let (receiver, headers, body, now) = request(&case("PING"));
    assert!(handshake(&receiver, Method::GET, &headers, &body, now).is_none());
}

#[test]
fn weak_non_canonical_and_malformed_public_keys_are_refused_naming_the_form() {
    let refused = [
        ("empty", String::new()),
        ("too short", "d3d53874".to_owned()),
        ("odd length", "0".repeat(63)),
        ("not hex", "z".repeat(64)),
        (
            "base64 instead of hex",
            "0/U4dEkaTQc/uTH+Rvpp26lNxLA1gKIRi94DzNEB8Mk=".to_owned(),
        ),
        // The neutral element: every signature with R = 0… verifies.
        ("identity", format!("01{}", "0".repeat(62))),
        // A point of order 8.
        (
            "small order",
            "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a".to_owned(),
        ),
        // y = p + 1: the identity, encoded non-canonically.
        ("non-canonical", format!("ee{}7f", "ff".repeat(30))),
        // y = 2 has no x on the curve.
        ("not on the curve", format!("02{}", "0".repeat(62))),
    ];
    for (what, key) in refused {
        match Discord::new(&key) {
            Err(Error::InvalidSecret(message)) => {
                assert!(message.contains("64 hex digits"), "{what}: {message}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
}

#[test]
fn a_key_as_pasted_in_either_case_with_surrounding_whitespace_is_read() {
    let public = key("primary", "public_key");
    let genuine = case("application command");
    let (_, headers, body, now) = request(&genuine);
    for pasted in [public.to_uppercase(), format!("  {public}\n")] {
        let receiver = Discord::new(&pasted).expect("pasted key");
        assert!(
            receiver.verify_at(&headers, &body, now).is_ok(),
            "{pasted:?}"
        );
    }
}

#[test]
fn a_signing_key_of_the_wrong_form_is_refused() {
    for seed in ["", "00", &"g".repeat(64), &"0".repeat(66)] {
        assert!(
            matches!(
                Discord::from_signing_key(seed),
                Err(Error::InvalidSecret(_))
            ),
            "{seed:?}"
        );
    }
}

#[test]
fn a_timestamp_that_is_not_unix_seconds_is_a_malformed_header() {
    let genuine = case("application command");
    let (receiver, _, body, now) = request(&genuine);
    let headers = SCHEME.headers("2024-04-04T19:16:31Z", text(&genuine, "signature"));
    assert!(matches!(
        receiver.verify_at(&headers, &body, now),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn an_interaction_reads_its_type_name_id_token_and_snowflake_time() {
    let genuine = case("application command");
    let (receiver, headers, body, now) = request(&genuine);
    let event = receiver
        .verify_and_parse_at(&headers, &body, now)
        .expect("event");
    assert_eq!(event.event_type(), "APPLICATION_COMMAND");
    assert_eq!(event.id(), "1227086452651560960");
    assert_eq!(event.type_code, 2);
    assert!(!event.webhook_event);
    assert_eq!(event.application_id.as_deref(), Some("1227000000000000000"));
    assert!(event.token.is_some());
    assert_eq!(event.data["name"], "roll");
    // (1227086452651560960 >> 22) + 1420070400000 ms.
    let occurred = event.occurred_at().expect("snowflake time");
    assert_eq!(occurred.unix_timestamp_nanos(), 1_712_630_608_475_000_000);
}

#[test]
fn every_interaction_type_has_its_name_and_an_unknown_one_its_number() {
    let receiver = Discord::new(&key("primary", "public_key")).expect("key");
    let names = [
        (1, "PING"),
        (2, "APPLICATION_COMMAND"),
        (3, "MESSAGE_COMPONENT"),
        (4, "APPLICATION_COMMAND_AUTOCOMPLETE"),
        (5, "MODAL_SUBMIT"),
        (42, "42"),
    ];
    for (code, name) in names {
        let body = format!(r#"{{"id": "1", "type": {code}, "version": 1, "new_field": true}}"#);
        let event = receiver.parse(body.as_bytes()).expect("parse");
        assert_eq!(event.event_type(), name);
        assert_eq!(event.raw["new_field"], true);
    }
}

#[test]
fn a_webhook_event_reads_its_type_time_and_data() {
    let (receiver, headers, body, now) = request(&case("webhook event"));
    let event = receiver
        .verify_and_parse_at(&headers, &body, now)
        .expect("event");
    assert!(event.webhook_event);
    assert_eq!(event.event_type(), "APPLICATION_AUTHORIZED");
    assert_eq!(event.id(), "");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_712_258_191)
    );
    assert_eq!(event.data["scopes"][0], "applications.commands");
    assert_eq!(event.token, None);
}

#[test]
fn at_most_eight_public_keys_are_trusted_and_a_ninth_is_refused() {
    SCHEME.check_the_key_budget(&vectors(), "application command");
}

#[test]
fn a_receiver_built_from_a_public_key_cannot_sign() {
    SCHEME.check_a_public_key_cannot_sign(&vectors());
}
