//! SendGrid through the public API: SendGrid's published vectors and
//! deliveries signed outside this crate (pyca/cryptography,
//! tests/data/sendgrid), key checks, rotation, signing, and the batch.
#![cfg(all(feature = "sendgrid", feature = "ecdsa"))]

mod common;
#[path = "common/key_pair_vectors.rs"]
mod key_pair_vectors;

use common::at;
use key_pair_vectors::{Scheme, Vectors, text};
use webhook_kit::sendgrid::SendGrid;
use webhook_kit::{Error, Provider, WebhookEvent};

const SCHEME: Scheme<SendGrid> = Scheme {
    new: SendGrid::new,
    with_public_key: SendGrid::with_public_key,
    signature_header: "x-twilio-email-event-webhook-signature",
    timestamp_header: "x-twilio-email-event-webhook-timestamp",
};

fn vectors() -> Vectors {
    Vectors::parse(include_str!("data/sendgrid/vectors.json"))
}

#[test]
fn sendgrid_published_and_independent_deliveries_verify_as_openssl_says() {
    let vectors = vectors();
    assert_eq!(vectors.cases().len(), 16);
    let published = vectors
        .cases()
        .iter()
        .filter(|case| text(case, "name").starts_with("published"))
        .count();
    assert_eq!(published, 5);
    SCHEME.check_every_case(&vectors);
}

#[test]
fn a_high_s_signature_verifies_and_a_non_der_one_does_not() {
    let vectors = vectors();
    let verify = |name: &str| {
        let request = SCHEME.request(vectors.case(name));
        request
            .receiver
            .verify_at(&request.headers, &request.body, request.now)
    };
    assert!(verify("high S (n - s) is as valid").is_ok());
    for name in ["r || s instead of DER", "DER with a trailing byte"] {
        assert!(
            matches!(verify(name), Err(Error::SignatureMismatch)),
            "{name}"
        );
    }
}

#[test]
fn the_published_bad_timestamp_is_a_malformed_header() {
    let vectors = vectors();
    let published = vectors.case("published: one event");
    let request = SCHEME.request(published);
    let headers = SCHEME.headers("timestamp", text(published, "signature"));
    assert!(matches!(
        request
            .receiver
            .verify_at(&headers, &request.body, request.now),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn keys_that_are_not_base64_der_p256_spki_are_refused_naming_the_form() {
    let vectors = vectors();
    let refused = vectors.cases_of("refused_keys");
    assert_eq!(refused.len(), 7);
    for entry in refused {
        let why = text(entry, "why");
        match SendGrid::new(text(entry, "key")) {
            Err(Error::InvalidSecret(message)) => {
                assert!(message.contains("SubjectPublicKeyInfo"), "{why}: {message}");
            }
            other => panic!("{why}: {other:?}"),
        }
    }
    assert!(matches!(SendGrid::new(""), Err(Error::InvalidSecret(_))));
}

#[test]
fn a_signing_key_must_be_base64_pkcs8_der() {
    let vectors = vectors();
    for refused in [
        "",
        vectors.key("primary", "public_key"),
        "-----BEGIN PRIVATE KEY-----",
    ] {
        assert!(
            matches!(
                SendGrid::from_signing_key(refused),
                Err(Error::InvalidSecret(message)) if message.contains("PKCS #8")
            ),
            "{refused:?}"
        );
    }
}

#[test]
fn a_signed_delivery_verifies_with_the_public_key_of_the_independent_pair() {
    let vectors = vectors();
    let signer = SendGrid::from_signing_key(vectors.key("primary", "signing_key")).expect("key");
    let receiver = SendGrid::new(vectors.key("rotated", "public_key"))
        .expect("key")
        .with_public_key(vectors.key("primary", "public_key"))
        .expect("key");
    let body = text(vectors.case("batch of three, CRLF between events"), "body").as_bytes();
    let now = at(1_712_258_191);
    let headers = signer.sign_at(body, now).expect("sign");
    assert_eq!(
        headers["x-twilio-email-event-webhook-timestamp"],
        "1712258191"
    );
    let delivery = receiver.verify_at(&headers, body, now).expect("genuine");
    assert_eq!(delivery.secret_index(), Some(1));
    // RFC 6979: the same content signs the same way.
    assert_eq!(signer.sign_at(body, now).expect("sign"), headers);
}

#[test]
fn a_batch_keeps_every_event_in_order_with_its_own_id_and_fields() {
    let vectors = vectors();
    let request = SCHEME.request(vectors.case("batch of three, CRLF between events"));
    let batch = request
        .receiver
        .verify_and_parse_at(&request.headers, &request.body, request.now)
        .expect("batch");
    let kinds: Vec<&str> = batch.events.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(kinds, ["processed", "delivered", "open"]);
    assert_eq!(batch.event_type(), "batch");
    assert_eq!(batch.id(), "cHJvY2Vzc2VkLTEtYWRh");
    assert_eq!(
        batch.occurred_at().map(|t| t.unix_timestamp()),
        Some(1_712_258_180)
    );
    let open = &batch.events[2];
    assert_eq!(open.email.as_deref(), Some("grace@example.com"));
    assert_eq!(open.sg_event_id.as_deref(), Some("b3Blbi0yLWdyYWNl"));
    assert_eq!(open.fields["sg_machine_open"], false);
    assert_eq!(batch.events[0].fields["category"][0], "welcome");
    assert_eq!(batch.raw.as_array().map(Vec::len), Some(3));
}

#[test]
fn a_batch_of_one_type_has_that_type_and_an_empty_batch_is_a_batch() {
    let vectors = vectors();
    let receiver = SendGrid::new(vectors.key("primary", "public_key")).expect("key");
    let published = text(vectors.case("published: two events"), "body");
    let batch = receiver.parse(published.as_bytes()).expect("parse");
    assert_eq!(batch.event_type(), "batch");
    let single = text(vectors.case("published: one event"), "body");
    let batch = receiver.parse(single.as_bytes()).expect("parse");
    assert_eq!(batch.event_type(), "dropped");
    assert_eq!(
        batch.events[0].sg_message_id.as_deref(),
        Some("LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0")
    );
    let empty = receiver.parse(b"[]").expect("parse");
    assert_eq!((empty.event_type(), &*empty.id()), ("batch", ""));
    assert_eq!(empty.occurred_at(), None);
}

#[test]
fn an_object_or_an_array_of_non_objects_is_a_positioned_payload_error() {
    let receiver = SendGrid::new(vectors().key("primary", "public_key")).expect("key");
    for body in [
        &br#"{"event": "open"}"#[..],
        b"[1, 2]",
        b"[{\"event\": \"open\"}, \"x\"]",
    ] {
        match receiver.parse(body) {
            Err(Error::InvalidPayload { line, .. }) => assert_eq!(line, 1),
            other => panic!("{:?}: {other:?}", String::from_utf8_lossy(body)),
        }
    }
    assert!(matches!(
        receiver.parse(b"[{\"event\": \"\xff\"}]"),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn at_most_eight_public_keys_are_trusted_and_a_ninth_is_refused() {
    SCHEME.check_the_key_budget(&vectors(), "batch of three, CRLF between events");
}

#[test]
fn a_receiver_built_from_a_public_key_cannot_sign() {
    SCHEME.check_a_public_key_cannot_sign(&vectors());
}
