//! Telnyx through the public API: deliveries signed outside this crate
//! (pyca/cryptography, tests/data/telnyx), the `timestamp|body` rule, key
//! checks, rotation, the reply rule and the event envelope.
#![cfg(all(feature = "telnyx", feature = "ed25519"))]

mod common;
#[path = "common/key_pair_vectors.rs"]
mod key_pair_vectors;

use std::time::Duration;

use common::{assert_classifies, at};
use key_pair_vectors::{Scheme, Vectors, text};
use webhook_kit::telnyx::Telnyx;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const SCHEME: Scheme<Telnyx> = Scheme {
    new: Telnyx::new,
    with_public_key: Telnyx::with_public_key,
    signature_header: "telnyx-signature-ed25519",
    timestamp_header: "telnyx-timestamp",
};

fn vectors() -> Vectors {
    Vectors::parse(include_str!("data/telnyx/vectors.json"))
}

#[test]
fn deliveries_signed_by_an_independent_implementation_verify_as_openssl_says() {
    let vectors = vectors();
    assert_eq!(vectors.cases().len(), 11);
    SCHEME.check_every_case(&vectors);
}

#[test]
fn the_separator_is_signed_and_a_malleated_signature_is_refused() {
    let vectors = vectors();
    for name in ["signed without the separator", "non-canonical S (S + L)"] {
        let case = vectors.case(name);
        assert_eq!(
            case["body"],
            vectors.case("message received, non-ASCII text")["body"]
        );
        let request = SCHEME.request(case);
        assert!(
            matches!(
                request
                    .receiver
                    .verify_at(&request.headers, &request.body, request.now),
                Err(Error::SignatureMismatch)
            ),
            "{name}"
        );
    }
}

#[test]
fn signing_reproduces_the_independent_signature_byte_for_byte() {
    let vectors = vectors();
    let genuine = vectors.case("message received, non-ASCII text");
    let signer = Telnyx::from_signing_key(vectors.key("primary", "signing_key")).expect("seed");
    let now = at(text(genuine, "timestamp").parse().expect("unix"));
    let signed = signer
        .sign_at(text(genuine, "body").as_bytes(), now)
        .expect("sign");
    assert_eq!(
        signed["telnyx-signature-ed25519"],
        text(genuine, "signature")
    );
    assert_eq!(signed["telnyx-timestamp"], text(genuine, "timestamp"));
    assert_eq!(signed.len(), 2);
}

#[test]
fn keys_that_are_not_32_base64_bytes_or_are_weak_are_refused_naming_the_form() {
    let refused = [
        ("empty", String::new()),
        ("16 bytes", "AAAAAAAAAAAAAAAAAAAAAA==".to_owned()),
        ("33 bytes", format!("{}AAAA", "A".repeat(40))),
        ("hex instead of base64", "24".repeat(32)),
        ("not base64", "!".repeat(44)),
        // The neutral element, 01 00…00: every signature with R = 0… verifies.
        (
            "identity",
            "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=".to_owned(),
        ),
    ];
    for (what, key) in refused {
        match Telnyx::new(&key) {
            Err(Error::InvalidSecret(message)) => {
                assert!(message.contains("base64 of 32 bytes"), "{what}: {message}");
            }
            other => panic!("{what}: {other:?}"),
        }
    }
    assert!(matches!(
        Telnyx::from_signing_key("AAAA"),
        Err(Error::InvalidSecret(_))
    ));
}

#[test]
fn the_window_is_300_seconds_either_way_as_the_sdks() {
    let vectors = vectors();
    let request = SCHEME.request(vectors.case("call initiated, second attempt"));
    let verify = |now| {
        request
            .receiver
            .verify_at(&request.headers, &request.body, now)
    };
    let five_minutes = Duration::from_secs(300);
    assert!(verify(request.now + five_minutes).is_ok());
    assert!(verify(request.now - five_minutes).is_ok());
    assert!(matches!(
        verify(request.now + five_minutes + Duration::from_secs(1)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(matches!(
        verify(request.now - five_minutes - Duration::from_secs(1)),
        Err(Error::TimestampInFuture { .. })
    ));
}

#[test]
fn the_event_is_read_from_data_and_the_delivery_from_meta() {
    let vectors = vectors();
    let request = SCHEME.request(vectors.case("call initiated, second attempt"));
    let event = request
        .receiver
        .verify_and_parse_at(&request.headers, &request.body, request.now)
        .expect("event");
    assert_eq!(event.event_type(), "call.initiated");
    assert_eq!(event.id(), "0ccc7b54-4df3-4bca-a65a-3da1ecc777f0");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp_nanos()),
        Some(1_517_610_327_521_992_000)
    );
    assert_eq!(event.record_type.as_deref(), Some("event"));
    assert_eq!(event.data["state"], "parked");
    assert_eq!(event.attempt, Some(2));
    assert_eq!(
        event.delivered_to.as_deref(),
        Some("https://example.com/webhooks/telnyx")
    );
}

#[test]
fn a_callback_without_an_event_type_or_data_is_kept_not_refused() {
    let receiver = Telnyx::new(vectors().key("primary", "public_key")).expect("key");
    let event = receiver
        .parse(br#"{"data": {"record_type": "link_clicked", "url": "https://telnyx.com"}}"#)
        .expect("parse");
    assert_eq!(event.event_type(), "link_clicked");
    assert_eq!(event.id(), "");
    assert_eq!(event.raw["data"]["url"], "https://telnyx.com");
    let event = receiver.parse(br#"{"new": 1}"#).expect("parse");
    assert_eq!((event.event_type(), event.attempt), ("", None));
    assert_eq!(event.raw["new"], 1);
}

#[test]
fn only_a_200_counts_as_delivered_and_one_redelivery_follows() {
    let receiver = Telnyx::new(vectors().key("primary", "public_key")).expect("key");
    assert_classifies(
        &receiver,
        &[(200, "", Outcome::Delivered), (204, "", Outcome::Retry)],
    );
    assert_eq!(receiver.retry_schedule(), RetrySchedule::telnyx());
    assert_eq!(RetrySchedule::telnyx().max_attempts(), 2);
}

#[test]
fn at_most_eight_public_keys_are_trusted_and_a_ninth_is_refused() {
    SCHEME.check_the_key_budget(&vectors(), "message received, non-ASCII text");
}

#[test]
fn a_receiver_built_from_a_public_key_cannot_sign() {
    SCHEME.check_a_public_key_cannot_sign(&vectors());
}
