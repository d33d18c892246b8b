//! Built-in senders described at run time with `custom::SchemeBuilder`:
//! each description verifies the very deliveries the built-in sender's
//! `sign_at` writes (and the built-in verifies the description's), refuses
//! them tampered, and reproduces the published vectors where there are
//! some (twilio-python's for Twilio; the independent Ed25519 and ECDSA
//! vectors of tests/data for Discord and SendGrid).

use std::time::Duration;

use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use time::OffsetDateTime;
use webhook_kit::custom::{
    Algorithm, CustomReceiver, MacEncoding, SchemeBuilder, SignedPart, TimestampFormat,
};
use webhook_kit::{Error, Provider, Tolerance};

#[cfg(any(
    all(feature = "discord", feature = "ed25519"),
    all(feature = "sendgrid", feature = "ecdsa")
))]
#[path = "common/key_pair_vectors.rs"]
mod key_pair_vectors;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

/// `headers` with `name`'s value replaced.
fn with(headers: &HeaderMap, name: &str, value: &str) -> HeaderMap {
    let mut changed = headers.clone();
    changed.insert(
        HeaderName::from_bytes(name.as_bytes()).expect("name"),
        HeaderValue::from_str(value).expect("value"),
    );
    changed
}

/// `headers` with the last character of `name`'s value changed.
fn flipped(headers: &HeaderMap, name: &str) -> HeaderMap {
    let value = headers[name].to_str().expect("ascii").to_owned();
    let last = value.chars().last().expect("non-empty");
    let other = if last == 'A' { 'B' } else { 'A' };
    with(
        headers,
        name,
        &format!("{}{other}", &value[..value.len() - 1]),
    )
}

/// Both ways: what `theirs` signs, `ours` verifies, and the reverse; a
/// changed body byte and a changed signature are refused by `ours`.
fn interoperate(
    ours: &CustomReceiver,
    theirs: &dyn Fn(&[u8], OffsetDateTime) -> HeaderMap,
    verify_theirs: &dyn Fn(&HeaderMap, &[u8], OffsetDateTime) -> bool,
    signature_header: &str,
    body: &[u8],
) {
    let headers = theirs(body, now());
    let delivery = ours.verify_at(&headers, body, now());
    assert!(delivery.is_ok(), "{delivery:?}");
    let mine = ours.sign_at(body, now()).expect("sign");
    assert!(
        verify_theirs(&mine, body, now()),
        "the built-in verifies ours"
    );
    let mut tampered = body.to_vec();
    let last = tampered.len() - 2;
    tampered[last] ^= 1;
    assert_eq!(
        ours.verify_at(&headers, &tampered, now()),
        Err(Error::SignatureMismatch),
        "a changed body"
    );
    let forged = flipped(&headers, signature_header);
    assert!(
        ours.verify_at(&forged, body, now()).is_err(),
        "a changed signature"
    );
}

#[cfg(feature = "twilio")]
mod twilio {
    use super::*;
    use webhook_kit::twilio::Twilio;

    // twilio-python's `RequestValidator` test vectors (tests/twilio.rs).
    const TOKEN: &str = "12345";
    const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
    const FORM: &[u8] = b"To=%2B18005551212&CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309";

    fn described() -> CustomReceiver {
        SchemeBuilder::new("X-Twilio-Signature")
            .algorithm(Algorithm::HmacSha1)
            .encoding(MacEncoding::Base64)
            .id_header("I-Twilio-Idempotency-Token")
            .signed_parts([SignedPart::Url, SignedPart::SortedFormParams])
            .form_body()
            .build()
            .and_then(|scheme| scheme.at_url(URL))
            .and_then(|scheme| scheme.receiver(TOKEN))
            .expect("a valid description")
    }

    #[test]
    fn twilio_pythons_published_vectors_verify_and_signing_writes_them() {
        let receiver = described();
        let signed = receiver.sign_at(FORM, now()).expect("sign");
        assert_eq!(signed["x-twilio-signature"], "RSOYDt4T1cUTdK1PDd93/VVr8B8=");
        let published = with(
            &HeaderMap::new(),
            "x-twilio-signature",
            "RSOYDt4T1cUTdK1PDd93/VVr8B8=",
        );
        assert!(receiver.verify_at(&published, FORM, now()).is_ok());
        // Repeated names: each distinct value, sorted.
        let repeated = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234";
        let vector = with(
            &HeaderMap::new(),
            "x-twilio-signature",
            "IK+Dwps556ElfBT0I3Rgjkr1wJU=",
        );
        assert!(receiver.verify_at(&vector, repeated, now()).is_ok());
    }

    #[test]
    fn twilio_described_and_built_in_verify_each_other_and_refuse_tampering() {
        let builtin = Twilio::new(TOKEN, URL).expect("usable");
        let ours = described();
        interoperate(
            &ours,
            &|body, at| builtin.sign_at(body, at).expect("sign"),
            &|headers, body, at| builtin.verify_at(headers, body, at).is_ok(),
            "x-twilio-signature",
            FORM,
        );
        // Another URL, or another token, signs something else.
        let elsewhere = SchemeBuilder::new("X-Twilio-Signature")
            .algorithm(Algorithm::HmacSha1)
            .encoding(MacEncoding::Base64)
            .signed_parts([SignedPart::Url, SignedPart::SortedFormParams])
            .build()
            .and_then(|scheme| scheme.at_url("https://mycompany.com/other"))
            .and_then(|scheme| scheme.receiver(TOKEN))
            .expect("valid");
        let headers = builtin.sign_at(FORM, now()).expect("sign");
        assert_eq!(
            elsewhere.verify_at(&headers, FORM, now()),
            Err(Error::SignatureMismatch)
        );
        // A reordered body is the same parameters: Twilio's rule.
        let reordered = b"From=%2B14158675309&To=%2B18005551212&CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234";
        assert!(ours.verify_at(&headers, reordered, now()).is_ok());
        // The idempotency token labels the delivery, unsigned.
        let labelled = with(&headers, "i-twilio-idempotency-token", "tok-1");
        let delivery = ours.verify_at(&labelled, FORM, now()).expect("verifies");
        assert_eq!(delivery.id(), Some("tok-1"));
        assert!(!delivery.id_is_signed());
        let event = ours.parse(FORM).expect("form");
        assert_eq!(event.data["To"], "+18005551212");
    }
}

#[cfg(feature = "hubspot")]
mod hubspot {
    use super::*;
    use webhook_kit::hubspot::HubSpot;

    const URL: &str = "https://example.com/hubspot/webhooks?tenant=1";

    fn described(secret: &str) -> CustomReceiver {
        SchemeBuilder::new("X-HubSpot-Signature-v3")
            .encoding(MacEncoding::Base64)
            .timestamp_header("X-HubSpot-Request-Timestamp")
            .timestamp_format(TimestampFormat::UnixMillis)
            .canonical_timestamp()
            .signed_parts([
                SignedPart::Text("POST".into()),
                SignedPart::Url,
                SignedPart::Body,
                SignedPart::Timestamp,
            ])
            .tolerance(Tolerance::symmetric(Duration::from_secs(300)))
            .build()
            .and_then(|scheme| scheme.at_url(URL))
            .and_then(|scheme| scheme.receiver(secret))
            .expect("a valid description")
    }

    #[test]
    fn hubspot_v3_described_and_built_in_verify_each_other_and_refuse_tampering() {
        let builtin = HubSpot::new("client-secret", URL).expect("usable");
        let ours = described("client-secret");
        let body = br#"[{"eventId": 1, "subscriptionType": "contact.creation", "objectId": 7}]"#;
        interoperate(
            &ours,
            &|body, at| builtin.sign_at(body, at).expect("sign"),
            &|headers, body, at| builtin.verify_at(headers, body, at).is_ok(),
            "x-hubspot-signature-v3",
            body,
        );
        let at = now() + Duration::from_millis(123);
        let headers = builtin.sign_at(body, at).expect("sign");
        assert_eq!(headers["x-hubspot-request-timestamp"], "1700000000123");
        assert_eq!(
            ours.sign_at(body, at).expect("sign"),
            headers,
            "the same bytes"
        );
        // The signed timestamp: changed, or out of the window, refused.
        let moved = with(&headers, "x-hubspot-request-timestamp", "1700000000124");
        assert_eq!(
            ours.verify_at(&moved, body, at),
            Err(Error::SignatureMismatch)
        );
        let zeros = with(&headers, "x-hubspot-request-timestamp", "01700000000123");
        assert_eq!(
            ours.verify_at(&zeros, body, at),
            Ok(ours.verify_at(&headers, body, at).expect("ok"))
        );
        assert!(matches!(
            ours.verify_at(&headers, body, at + Duration::from_secs(301)),
            Err(Error::TimestampTooOld { .. })
        ));
        assert_eq!(
            described("another-secret").verify_at(&headers, body, at),
            Err(Error::SignatureMismatch)
        );
    }
}

#[cfg(feature = "linear")]
mod linear {
    use super::*;
    use webhook_kit::linear::Linear;

    fn described() -> CustomReceiver {
        SchemeBuilder::new("Linear-Signature")
            .id_header("Linear-Delivery")
            .body_timestamp("webhookTimestamp")
            .timestamp_format(TimestampFormat::UnixMillis)
            .tolerance(Tolerance::symmetric(Duration::from_secs(60)))
            .type_field("type")
            .build()
            .and_then(|scheme| scheme.receiver("lin_wh_secret"))
            .expect("a valid description")
    }

    #[test]
    fn linear_described_reads_the_signed_body_timestamp_and_refuses_tampering() {
        let builtin = Linear::new("lin_wh_secret").expect("usable");
        let ours = described();
        let body = br#"{"action": "create", "type": "Issue", "data": {"id": "i1"}, "webhookTimestamp": 1700000000000}"#;
        interoperate(
            &ours,
            &|body, at| builtin.sign_at(body, at).expect("sign"),
            &|headers, body, at| builtin.verify_at(headers, body, at).is_ok(),
            "linear-signature",
            body,
        );
        let headers = builtin.sign_at(body, now()).expect("sign");
        let delivery = ours.verify_at(&headers, body, now()).expect("verifies");
        assert_eq!(delivery.timestamp(), Some(now()));
        // The body's time is checked against the window, as the built-in does.
        for offset in [60, 61] {
            let at = now() + Duration::from_secs(offset);
            assert_eq!(
                ours.verify_at(&headers, body, at).is_ok(),
                builtin.verify_at(&headers, body, at).is_ok(),
                "+{offset} s"
            );
        }
        assert!(matches!(
            ours.verify_at(&headers, body, now() + Duration::from_secs(61)),
            Err(Error::TimestampTooOld { .. })
        ));
        // A genuine body without its timestamp cannot be dated: refused,
        // after the signature matched, as a payload error.
        let undated = br#"{"action": "create", "type": "Issue", "data": {}}"#;
        let signed = builtin.sign_at(undated, now()).expect("sign");
        let err = ours
            .verify_at(&signed, undated, now())
            .expect_err("undated");
        assert!(matches!(err, Error::InvalidPayload { .. }), "{err:?}");
        assert_eq!(
            ours.parse(body).map(|e| e.event_type),
            Ok(Some("Issue".into()))
        );
    }
}

#[cfg(feature = "twitch")]
mod twitch {
    use super::*;
    use webhook_kit::twitch::Twitch;

    const SECRET: &str = "s3cre7-of-the-sub";

    fn described() -> CustomReceiver {
        SchemeBuilder::new("Twitch-Eventsub-Message-Signature")
            .signature_prefix("sha256=")
            .id_header("Twitch-Eventsub-Message-Id")
            .timestamp_header("Twitch-Eventsub-Message-Timestamp")
            .timestamp_format(TimestampFormat::Rfc3339)
            .signed_parts([SignedPart::Id, SignedPart::Timestamp, SignedPart::Body])
            .tolerance(Tolerance::symmetric(Duration::from_secs(600)))
            .build()
            .and_then(|scheme| scheme.receiver(SECRET))
            .expect("a valid description")
    }

    #[test]
    fn twitch_described_reads_rfc3339_timestamps_and_signed_ids() {
        let builtin = Twitch::new(SECRET).expect("usable");
        let ours = described();
        let body = br#"{"subscription": {"type": "channel.follow"}, "event": {"user_id": "1"}}"#;
        interoperate(
            &ours,
            &|body, at| builtin.sign_at(body, at).expect("sign"),
            &|headers, body, at| builtin.verify_at(headers, body, at).is_ok(),
            "twitch-eventsub-message-signature",
            body,
        );
        let at = now() + Duration::from_nanos(123_456_789);
        let headers = builtin.sign_at(body, at).expect("sign");
        let delivery = ours.verify_at(&headers, body, at).expect("verifies");
        assert_eq!(delivery.timestamp(), Some(at), "to the nanosecond");
        assert!(delivery.id_is_signed());
        let mine = ours.sign_with_id_at("msg-1", body, at).expect("sign");
        assert_eq!(
            mine["twitch-eventsub-message-timestamp"],
            headers["twitch-eventsub-message-timestamp"]
        );
        assert!(builtin.verify_at(&mine, body, at).is_ok());
        for (name, value) in [
            ("twitch-eventsub-message-id", "msg-2"),
            (
                "twitch-eventsub-message-timestamp",
                "2023-11-14T22:13:20.123456788Z",
            ),
        ] {
            assert_eq!(
                ours.verify_at(&with(&mine, name, value), body, at),
                Err(Error::SignatureMismatch),
                "{name}"
            );
        }
        let unix = with(&mine, "twitch-eventsub-message-timestamp", "1700000000");
        assert!(matches!(
            ours.verify_at(&unix, body, at),
            Err(Error::MalformedHeader { .. })
        ));
        assert!(matches!(
            ours.verify_at(&mine, body, at + Duration::from_secs(601)),
            Err(Error::TimestampTooOld { .. })
        ));
    }
}

#[cfg(all(feature = "discord", feature = "ed25519"))]
mod discord {
    use super::key_pair_vectors::{Scheme, Vectors};
    use super::*;
    use webhook_kit::custom::CustomScheme;
    use webhook_kit::discord::Discord;

    fn scheme() -> CustomScheme {
        SchemeBuilder::new("X-Signature-Ed25519")
            .algorithm(Algorithm::Ed25519)
            .timestamp_header("X-Signature-Timestamp")
            .signed_parts([SignedPart::Timestamp, SignedPart::Body])
            .build()
            .expect("a valid description")
    }

    fn new(public_key: &str) -> Result<CustomReceiver, Error> {
        scheme().public_key_receiver(public_key)
    }

    fn vectors() -> Vectors {
        Vectors::parse(include_str!("data/discord/vectors.json"))
    }

    #[test]
    fn discord_described_verifies_the_independent_ed25519_vectors() {
        let described = Scheme {
            new,
            with_public_key: CustomReceiver::with_public_key,
            signature_header: "x-signature-ed25519",
            timestamp_header: "x-signature-timestamp",
        };
        described.check_every_case(&vectors());
    }

    #[test]
    fn discord_described_and_built_in_verify_each_other_and_refuse_tampering() {
        let vectors = vectors();
        let signing_key = vectors.key("primary", "signing_key");
        let builtin = Discord::from_signing_key(signing_key).expect("seed");
        let ours = scheme().signing_key_receiver(signing_key).expect("seed");
        let body = br#"{"type": 2, "id": "1", "data": {"name": "ping"}}"#;
        interoperate(
            &ours,
            &|body, at| builtin.sign_at(body, at).expect("sign"),
            &|headers, body, at| builtin.verify_at(headers, body, at).is_ok(),
            "x-signature-ed25519",
            body,
        );
        assert_eq!(
            ours.sign_at(body, now()).expect("sign"),
            builtin.sign_at(body, now()).expect("sign")
        );
        let headers = builtin.sign_at(body, now()).expect("sign");
        let later = with(&headers, "x-signature-timestamp", "1700000001");
        assert_eq!(
            ours.verify_at(&later, body, now()),
            Err(Error::SignatureMismatch)
        );
        let verifier = new(vectors.key("primary", "public_key")).expect("key");
        assert!(verifier.verify_at(&headers, body, now()).is_ok());
        assert!(matches!(
            verifier.sign_at(body, now()),
            Err(Error::Signing(_))
        ));
        let outsider = new(vectors.key("outsider", "public_key")).expect("key");
        assert_eq!(
            outsider.verify_at(&headers, body, now()),
            Err(Error::SignatureMismatch)
        );
        assert!(matches!(new("00"), Err(Error::InvalidSecret(_))));
        assert!(matches!(
            scheme().receiver("a shared secret"),
            Err(Error::InvalidSecret(_))
        ));
    }
}

#[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
mod sendgrid {
    use super::key_pair_vectors::{Scheme, Vectors};
    use super::*;
    use webhook_kit::custom::CustomScheme;
    use webhook_kit::sendgrid::SendGrid;

    fn scheme() -> CustomScheme {
        SchemeBuilder::new("X-Twilio-Email-Event-Webhook-Signature")
            .algorithm(Algorithm::EcdsaP256)
            .encoding(MacEncoding::Base64)
            .timestamp_header("X-Twilio-Email-Event-Webhook-Timestamp")
            .signed_parts([SignedPart::Timestamp, SignedPart::Body])
            .build()
            .expect("a valid description")
    }

    fn new(public_key: &str) -> Result<CustomReceiver, Error> {
        scheme().public_key_receiver(public_key)
    }

    fn vectors() -> Vectors {
        Vectors::parse(include_str!("data/sendgrid/vectors.json"))
    }

    #[test]
    fn sendgrid_described_verifies_the_independent_ecdsa_vectors() {
        let described = Scheme {
            new,
            with_public_key: CustomReceiver::with_public_key,
            signature_header: "x-twilio-email-event-webhook-signature",
            timestamp_header: "x-twilio-email-event-webhook-timestamp",
        };
        described.check_every_case(&vectors());
        described.check_the_key_budget(&vectors(), "batch of three, CRLF between events");
    }

    #[test]
    fn sendgrid_described_and_built_in_verify_each_other_and_refuse_tampering() {
        let vectors = vectors();
        let builtin =
            SendGrid::from_signing_key(vectors.key("primary", "signing_key")).expect("key");
        let ours = new(vectors.key("primary", "public_key")).expect("key");
        let body = br#"[{"email": "a@example.com", "event": "delivered", "sg_event_id": "e1", "timestamp": 1700000000}]"#;
        let headers = builtin.sign_at(body, now()).expect("sign");
        assert!(ours.verify_at(&headers, body, now()).is_ok());
        let mut tampered = body.to_vec();
        tampered[10] ^= 1;
        assert_eq!(
            ours.verify_at(&headers, &tampered, now()),
            Err(Error::SignatureMismatch)
        );
        let later = with(
            &headers,
            "x-twilio-email-event-webhook-timestamp",
            "1700000001",
        );
        assert_eq!(
            ours.verify_at(&later, body, now()),
            Err(Error::SignatureMismatch)
        );
        // Signing with the described scheme, verified by the built-in.
        let signer = scheme()
            .signing_key_receiver(vectors.key("primary", "signing_key"))
            .expect("key");
        let mine = signer.sign_at(body, now()).expect("sign");
        let verifier = SendGrid::new(vectors.key("primary", "public_key")).expect("key");
        assert!(verifier.verify_at(&mine, body, now()).is_ok());
    }
}

/// A scheme described from the options below: any algorithm of HMAC, any
/// encoding and timestamp format, the id and timestamp signed or not.
fn scheme_of(
    algorithm: Algorithm,
    encoding: MacEncoding,
    format: TimestampFormat,
    sign_id: bool,
) -> SchemeBuilder {
    let parts = if sign_id {
        vec![
            SignedPart::Id,
            SignedPart::Text(".".into()),
            SignedPart::Timestamp,
            SignedPart::Text(".".into()),
            SignedPart::Body,
        ]
    } else {
        vec![
            SignedPart::Timestamp,
            SignedPart::Text(":".into()),
            SignedPart::Body,
        ]
    };
    SchemeBuilder::new("x-sig")
        .algorithm(algorithm)
        .encoding(encoding)
        .id_header("x-id")
        .timestamp_header("x-ts")
        .timestamp_format(format)
        .signed_parts(parts)
}

fn algorithms() -> impl Strategy<Value = Algorithm> {
    prop_oneof![
        Just(Algorithm::HmacSha1),
        Just(Algorithm::HmacSha256),
        Just(Algorithm::HmacSha512)
    ]
}

fn encodings() -> impl Strategy<Value = MacEncoding> {
    prop_oneof![
        Just(MacEncoding::Hex),
        Just(MacEncoding::Base64),
        Just(MacEncoding::HexOrBase64)
    ]
}

fn formats() -> impl Strategy<Value = TimestampFormat> {
    prop_oneof![
        Just(TimestampFormat::UnixSeconds),
        Just(TimestampFormat::UnixMillis),
        Just(TimestampFormat::Rfc3339)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever the options, what a receiver signs it verifies, with the
    /// id it was given; any other body, id or secret is refused.
    #[test]
    fn every_described_combination_signs_what_it_verifies_and_nothing_else(
        algorithm in algorithms(),
        encoding in encodings(),
        format in formats(),
        sign_id in any::<bool>(),
        body in proptest::collection::vec(any::<u8>(), 1..200),
        id in "[A-Za-z0-9_]{1,20}",
        flip in any::<prop::sample::Index>(),
        millis in 0u64..1000,
    ) {
        let scheme = scheme_of(algorithm, encoding, format, sign_id).build().expect("valid");
        let receiver = scheme.receiver("prop-secret").expect("secret");
        let at = now() + Duration::from_millis(millis);
        let headers = receiver.sign_with_id_at(&id, &body, at).expect("sign");
        let delivery = receiver.verify_at(&headers, &body, at).expect("verifies");
        prop_assert_eq!(delivery.id(), Some(id.as_str()));
        prop_assert_eq!(delivery.id_is_signed(), sign_id);
        let mut tampered = body.clone();
        tampered[flip.index(body.len())] ^= 0x20;
        prop_assert_eq!(receiver.verify_at(&headers, &tampered, at), Err(Error::SignatureMismatch));
        let stranger = scheme.receiver("another-secret").expect("secret");
        prop_assert_eq!(stranger.verify_at(&headers, &body, at), Err(Error::SignatureMismatch));
        let relabelled = with(&headers, "x-id", &format!("{id}x"));
        let result = receiver.verify_at(&relabelled, &body, at);
        if sign_id {
            prop_assert_eq!(result, Err(Error::SignatureMismatch));
        } else {
            prop_assert!(result.is_ok());
        }
    }

    /// A run-time description never accepts a text part that touches an id
    /// or a timestamp with a character ids or timestamps may contain.
    #[test]
    fn a_text_touching_an_id_with_an_id_character_is_refused(
        separator in "[A-Za-z0-9+/=_-]",
    ) {
        let result = SchemeBuilder::new("x-sig")
            .id_header("x-id")
            .timestamp_header("x-ts")
            .signed_parts([
                SignedPart::Id,
                SignedPart::Text(separator),
                SignedPart::Timestamp,
                SignedPart::Text(".".into()),
                SignedPart::Body,
            ])
            .build();
        prop_assert!(matches!(result, Err(Error::InvalidScheme(_))));
    }
}

#[test]
fn parts_that_could_be_re_cut_are_refused_with_a_reason() {
    let base = || {
        SchemeBuilder::new("x-sig")
            .id_header("x-id")
            .timestamp_header("x-ts")
    };
    let cases: [(SchemeBuilder, &str); 8] = [
        (
            SchemeBuilder::new("x-sig").signed_parts([SignedPart::Text("v0".into())]),
            "cover the body",
        ),
        (
            base().signed_parts([SignedPart::Id, SignedPart::Body, SignedPart::Timestamp]),
            "kept from the body",
        ),
        (
            base().signed_parts([
                SignedPart::Timestamp,
                SignedPart::Body,
                SignedPart::Text(".".into()),
                SignedPart::Id,
            ]),
            "kept from the body",
        ),
        (
            base().signed_parts([SignedPart::Id, SignedPart::Timestamp, SignedPart::Body]),
            "plain decimal",
        ),
        (
            SchemeBuilder::new("x-sig")
                .signed_parts([SignedPart::Body, SignedPart::SortedFormParams]),
            "two readings",
        ),
        (
            base()
                .signed_prefix("v0:")
                .signed_parts([SignedPart::Timestamp, SignedPart::Body]),
            "text part",
        ),
        (
            SchemeBuilder::new("x-sig")
                .body_timestamp("at")
                .signed_parts([SignedPart::Timestamp, SignedPart::Body]),
            "leave the timestamp part out",
        ),
        (
            SchemeBuilder::new("x-sig")
                .body_timestamp("at")
                .timestamp_format(TimestampFormat::Rfc3339)
                .canonical_timestamp(),
            "canonical",
        ),
    ];
    for (builder, expected) in cases {
        match builder.clone().build() {
            Err(Error::InvalidScheme(reason)) => {
                assert!(reason.contains(expected), "{builder:?}: {reason}");
            }
            other => panic!("{builder:?}: expected a refusal, got {other:?}"),
        }
    }
    // The same ids and timestamps, joined safely, are accepted.
    assert!(
        base()
            .canonical_timestamp()
            .signed_parts([SignedPart::Id, SignedPart::Timestamp, SignedPart::Body])
            .build()
            .is_ok()
    );
}

#[test]
fn a_url_signing_scheme_needs_its_url_and_a_url_needs_a_url_signing_scheme() {
    let signs_url = SchemeBuilder::new("x-sig")
        .signed_parts([SignedPart::Url, SignedPart::Body])
        .build()
        .expect("valid");
    assert!(matches!(
        signs_url.receiver("s"),
        Err(Error::InvalidScheme(_))
    ));
    assert!(matches!(
        signs_url.at_url("/relative"),
        Err(Error::InvalidSecret(_))
    ));
    let plain = SchemeBuilder::new("x-sig").build().expect("valid");
    assert!(matches!(
        plain.at_url("https://example.com/"),
        Err(Error::InvalidScheme(_))
    ));
    // Two URLs: the first signs, either verifies.
    let both = signs_url
        .at_url("https://example.com/hooks")
        .and_then(|s| s.at_url("https://example.com:443/hooks"))
        .expect("urls");
    let first = both.receiver("s").expect("receiver");
    let second = signs_url
        .at_url("https://example.com:443/hooks")
        .and_then(|s| s.receiver("s"))
        .expect("receiver");
    let body = b"{}";
    assert!(
        first
            .verify_at(&second.sign_at(body, now()).expect("sign"), body, now())
            .is_ok()
    );
    assert_eq!(
        second.verify_at(&first.sign_at(body, now()).expect("sign"), body, now()),
        Err(Error::SignatureMismatch)
    );
    assert!(format!("{first:?}").contains("https://example.com/hooks"));
}
