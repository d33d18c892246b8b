//! Standard Webhooks `v1a` (Ed25519) through the public API: deliveries
//! signed outside this crate (pyca/cryptography, tests/data/v1a), mixed
//! lists, rotation, tampering, tolerance edges and sign → verify.
#![cfg(feature = "ed25519")]

mod common;

use std::time::Duration;

use common::at;
use http::{HeaderMap, HeaderValue};
use proptest::prelude::*;
use serde_json::Value;
use webhook_kit::standard::{MAX_V1A_CHECKS, StandardWebhooks};
use webhook_kit::{Error, Provider, Tolerance};

const VECTORS: &str = include_str!("data/v1a/vectors.json");
const WHSK: &str =
    "whsk_G0LsqAHRFf0hc0/iGLZbyRMntFER9NhifXlRJydDpQG+oiW4U1QjuM/sUGlMBcZkqGEznhruN6nHmSJG2FEaWA==";
const WHPK: &str = "whpk_vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=";
const ROTATED_WHSK: &str =
    "whsk_zHPzuOrsrqTkcBOT3ra124/WtjHaApnBubc0bZh4CknWqnYUcJnotyya2ApC+VKsMRtsA3wsnHfycHX9o2hm2A==";
const ROTATED_WHPK: &str = "whpk_1qp2FHCZ6LcsmtgKQvlSrDEbbAN8LJx38nB1/aNoZtg=";
const WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

fn headers(id: &str, timestamp: &str, signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert("webhook-id", HeaderValue::try_from(id).expect("id"));
    headers.insert(
        "webhook-timestamp",
        HeaderValue::try_from(timestamp).expect("ts"),
    );
    headers.insert(
        "webhook-signature",
        HeaderValue::try_from(signature).expect("sig"),
    );
    headers
}

#[test]
fn deliveries_signed_by_an_independent_implementation() {
    let vectors: Value = serde_json::from_str(VECTORS).expect("json");
    let whsec = vectors["whsec"].as_str().expect("whsec");
    let cases = vectors["cases"].as_array().expect("cases");
    assert_eq!(cases.len(), 15);
    for case in cases {
        let name = case["name"].as_str().expect("name");
        let trusted: Vec<&str> = case["trusted"]
            .as_array()
            .expect("trusted")
            .iter()
            .map(|k| k.as_str().expect("key"))
            .collect();
        let mut receiver = StandardWebhooks::from_public_key(trusted[0]).expect(name);
        for key in &trusted[1..] {
            receiver = receiver.with_public_key(key).expect(name);
        }
        let timestamp = case["timestamp"].as_str().expect("ts");
        let now = at(timestamp.parse().expect("unix"));
        let request = headers(
            case["id"].as_str().expect("id"),
            timestamp,
            case["webhook-signature"].as_str().expect("sig"),
        );
        let body = case["body"].as_str().expect("body").as_bytes();
        let result = receiver.verify_at(&request, body, now);
        match case["expect"].as_u64() {
            Some(index) => assert_eq!(
                result.map(|d| d.secret_index()),
                Ok(Some(usize::try_from(index).expect("index"))),
                "{name}"
            ),
            None => assert!(result.is_err(), "{name}: {result:?}"),
        }
        // The same delivery with the HMAC secret too: v1 entries count.
        let both = StandardWebhooks::new(whsec)
            .and_then(|r| r.with_public_key(trusted[0]))
            .expect(name);
        let mixed = case["webhook-signature"]
            .as_str()
            .expect("sig")
            .contains("v1,");
        if mixed && case["expect"].as_u64().is_some() {
            assert!(both.verify_at(&request, body, now).is_ok(), "{name}");
        }
    }
}

#[test]
fn sign_then_verify_with_v1a_alone_and_beside_v1() {
    let now = at(1_712_258_191);
    let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
    let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
    let body = br#"{"type": "user.created", "data": {}}"#;
    let signed = sender.sign_with_id_at("msg_1", body, now).expect("sign");
    let value = signed["webhook-signature"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(value.starts_with("v1a,") && !value.contains(' '), "{value}");
    let received = receiver.receive_at(&signed, body, now).expect("verifies");
    assert_eq!(received.event.id, "msg_1");
    assert_eq!(received.delivery.secret_index(), Some(0));
    // sign_at (the body-derived id) round-trips too.
    let signed = sender.sign_at(body, now).expect("sign");
    assert!(receiver.verify_at(&signed, body, now).is_ok());

    // A receiver holding both kinds signs both, and either side verifies it.
    let both = StandardWebhooks::from_signing_key(WHSK)
        .and_then(|r| r.with_secret(WHSEC))
        .expect("both");
    let signed = both.sign_with_id_at("msg_2", body, now).expect("sign");
    let value = signed["webhook-signature"].to_str().expect("ascii");
    assert!(
        value.starts_with("v1,") && value.contains(" v1a,"),
        "{value}"
    );
    let hmac_only = StandardWebhooks::new(WHSEC).expect("whsec");
    assert_eq!(
        hmac_only
            .verify_at(&signed, body, now)
            .map(|d| d.secret_index()),
        Ok(Some(0))
    );
    assert_eq!(
        receiver
            .verify_at(&signed, body, now)
            .map(|d| d.secret_index()),
        Ok(Some(0))
    );
    // Secrets count first, then public keys.
    let mixed_receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")
        .and_then(|r| r.with_public_key(WHPK))
        .expect("mixed");
    assert_eq!(
        mixed_receiver
            .verify_at(&signed, body, now)
            .map(|d| d.secret_index()),
        Ok(Some(1))
    );
}

#[test]
fn rotation_and_untrusted_keys() {
    let now = at(1_712_258_191);
    let body = b"{}";
    let new_sender = StandardWebhooks::from_signing_key(ROTATED_WHSK).expect("whsk");
    let signed = new_sender
        .sign_with_id_at("msg_1", body, now)
        .expect("sign");
    let old_only = StandardWebhooks::from_public_key(WHPK).expect("whpk");
    assert_eq!(
        old_only.verify_at(&signed, body, now),
        Err(Error::SignatureMismatch)
    );
    let rotating = old_only.with_public_key(ROTATED_WHPK).expect("whpk");
    assert_eq!(
        rotating
            .verify_at(&signed, body, now)
            .map(|d| d.secret_index()),
        Ok(Some(1))
    );
    // An HMAC-only receiver skips v1a entries: no usable signature.
    let hmac_only = StandardWebhooks::new(WHSEC).expect("whsec");
    assert!(matches!(
        hmac_only.verify_at(&signed, body, now),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn one_flipped_bit_anywhere_fails() {
    let now = at(1_712_258_191);
    let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
    let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
    let body = br#"{"type":"a","data":{}}"#.to_vec();
    let signed = sender.sign_with_id_at("msg_1", &body, now).expect("sign");
    for i in 0..body.len() {
        let mut tampered = body.clone();
        tampered[i] ^= 1;
        assert_eq!(
            receiver.verify_at(&signed, &tampered, now),
            Err(Error::SignatureMismatch),
            "body byte {i}"
        );
    }
    let mut other_id = signed.clone();
    other_id.insert("webhook-id", HeaderValue::from_static("msg_0"));
    assert_eq!(
        receiver.verify_at(&other_id, &body, now),
        Err(Error::SignatureMismatch)
    );
    let mut other_time = signed.clone();
    let later = (now.unix_timestamp() + 1).to_string();
    other_time.insert(
        "webhook-timestamp",
        HeaderValue::try_from(later).expect("ts"),
    );
    assert_eq!(
        receiver.verify_at(&other_time, &body, now),
        Err(Error::SignatureMismatch)
    );
    let value = signed["webhook-signature"].to_str().expect("ascii");
    let flipped = flip_base64_char(value, 10);
    let mut other_sig = signed.clone();
    other_sig.insert(
        "webhook-signature",
        HeaderValue::try_from(flipped).expect("sig"),
    );
    assert_eq!(
        receiver.verify_at(&other_sig, &body, now),
        Err(Error::SignatureMismatch)
    );
}

fn flip_base64_char(value: &str, at: usize) -> String {
    let mut chars: Vec<char> = value.chars().collect();
    let index = "v1a,".len() + at;
    chars[index] = if chars[index] == 'A' { 'B' } else { 'A' };
    chars.into_iter().collect()
}

#[test]
fn tolerance_edges_apply_to_v1a() {
    let now = at(1_712_258_191);
    let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
    let receiver = StandardWebhooks::from_public_key(WHPK)
        .expect("whpk")
        .with_tolerance(Tolerance::symmetric(Duration::from_secs(300)));
    let signed = sender.sign_with_id_at("msg_1", b"{}", now).expect("sign");
    assert!(
        receiver
            .verify_at(&signed, b"{}", now + Duration::from_secs(300))
            .is_ok()
    );
    assert!(matches!(
        receiver.verify_at(&signed, b"{}", now + Duration::from_secs(301)),
        Err(Error::TimestampTooOld { .. })
    ));
    assert!(
        receiver
            .verify_at(&signed, b"{}", now - Duration::from_secs(300))
            .is_ok()
    );
    assert!(matches!(
        receiver.verify_at(&signed, b"{}", now - Duration::from_secs(301)),
        Err(Error::TimestampInFuture { .. })
    ));
}

#[test]
fn malformed_keys_are_refused_at_construction_with_a_reason() {
    for key in [
        "",
        "whpk_",
        "vqIluFNUI7jP7FBpTAXGZKhhM54a7jepx5kiRthRGlg=",
        "whpk_not base64!",
        "whpk_AAAA",
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        // The identity point: small order.
        "whpk_AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ] {
        match StandardWebhooks::from_public_key(key) {
            Err(Error::InvalidSecret(reason)) => assert!(!reason.is_empty(), "{key}"),
            other => panic!("{key}: {other:?}"),
        }
    }
    // The seed's public half must match the key's.
    let mismatched = format!("{}{}", &WHSK[..48], &ROTATED_WHSK[48..]);
    assert!(matches!(
        StandardWebhooks::from_signing_key(mismatched),
        Err(Error::InvalidSecret(_))
    ));
    assert!(!format!("{:?}", StandardWebhooks::from_signing_key(WHSK)).contains("G0Ls"));
}

#[test]
fn work_is_bounded_whatever_the_header_holds() {
    let now = at(1_712_258_191);
    let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
    let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
    let signed = sender.sign_with_id_at("msg_1", b"{}", now).expect("sign");
    let genuine = signed["webhook-signature"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let junk = flip_base64_char(&genuine, 3);
    // The genuine entry after the budget of checks is not reached.
    let late = format!("{} {genuine}", [junk.as_str(); MAX_V1A_CHECKS].join(" "));
    let mut request = signed.clone();
    request.insert(
        "webhook-signature",
        HeaderValue::try_from(late).expect("sig"),
    );
    assert_eq!(
        receiver.verify_at(&request, b"{}", now),
        Err(Error::SignatureMismatch)
    );
    let early = format!(
        "{} {genuine}",
        [junk.as_str(); MAX_V1A_CHECKS - 1].join(" ")
    );
    request.insert(
        "webhook-signature",
        HeaderValue::try_from(early).expect("sig"),
    );
    assert!(receiver.verify_at(&request, b"{}", now).is_ok());
}

/// `whpk_` keys of the points k·B: valid large-order keys nobody signs with.
fn filler_keys(count: u64) -> Vec<String> {
    use base64::Engine as _;
    use curve25519_dalek::{Scalar, constants::ED25519_BASEPOINT_POINT};
    (1..=count)
        .map(|k| {
            let point = ED25519_BASEPOINT_POINT * Scalar::from(1_000 + k);
            let bytes = point.compress().to_bytes();
            format!(
                "whpk_{}",
                base64::engine::general_purpose::STANDARD.encode(bytes)
            )
        })
        .collect()
}

#[test]
fn a_key_beyond_the_check_budget_is_refused_and_the_last_one_allowed_still_verifies() {
    let now = at(1_712_258_191);
    let fillers = filler_keys(MAX_V1A_CHECKS as u64 - 1);
    let mut receiver = StandardWebhooks::from_public_key(&fillers[0]).expect("whpk");
    for key in &fillers[1..] {
        receiver = receiver.with_public_key(key).expect("within the budget");
    }
    // The last key the budget allows: a delivery it signed still verifies.
    let receiver = receiver.with_public_key(WHPK).expect("the eighth key");
    let signed = StandardWebhooks::from_signing_key(WHSK)
        .expect("whsk")
        .sign_with_id_at("msg_1", b"{}", now)
        .expect("sign");
    assert_eq!(
        receiver
            .verify_at(&signed, b"{}", now)
            .map(|d| d.secret_index()),
        Ok(Some(MAX_V1A_CHECKS - 1))
    );
    // One more could never be checked: refused, with the reason.
    match receiver.with_public_key(ROTATED_WHPK) {
        Err(Error::InvalidSecret(reason)) => {
            assert!(reason.contains(&MAX_V1A_CHECKS.to_string()), "{reason}");
        }
        other => panic!("a ninth key: {other:?}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn arbitrary_v1a_headers_never_panic(entries in proptest::collection::vec("[A-Za-z0-9+/=,]{0,100}", 0..20)) {
        let now = at(1_712_258_191);
        let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
        let value = entries.iter().map(|e| format!("v1a,{e}")).collect::<Vec<_>>().join(" ");
        if let Ok(value) = HeaderValue::try_from(value) {
            let mut request = headers("msg_1", "1712258191", "v1a,x");
            request.insert("webhook-signature", value);
            let result = receiver.verify_at(&request, b"{}", now);
            prop_assert!(result.is_err());
        }
    }

    #[test]
    fn signed_bodies_round_trip(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let now = at(1_712_258_191);
        let sender = StandardWebhooks::from_signing_key(WHSK).expect("whsk");
        let receiver = StandardWebhooks::from_public_key(WHPK).expect("whpk");
        let signed = sender.sign_with_id_at("msg_p", &body, now).expect("sign");
        prop_assert!(receiver.verify_at(&signed, &body, now).is_ok());
    }
}
