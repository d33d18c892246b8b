use super::*;

use curve25519_dalek::Scalar;
use ed25519_dalek::Verifier as _;
use hmac::Mac as _;
use serde_json::Value;
use sha2::{Digest as _, Sha512};

const VECTORS: &str = include_str!("../../../../tests/data/v1a/vectors.json");

fn vectors() -> Value {
    serde_json::from_str(VECTORS).expect("vectors.json is JSON")
}

fn text<'v>(value: &'v Value, field: &str) -> &'v str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("{field} is a string"))
}

fn key(which: &str, form: &str) -> String {
    text(&vectors()["keys"][which], form).to_owned()
}

fn primary() -> SigningKey {
    SigningKey::parse(key("primary", "whsk").as_bytes()).expect("primary whsk_ parses")
}

fn whpk(bytes: &[u8]) -> String {
    format!("whpk_{}", BASE64_PADDED.encode(bytes))
}

fn whsk(bytes: &[u8]) -> String {
    format!("whsk_{}", BASE64_PADDED.encode(bytes))
}

fn decode(text: &str) -> Vec<u8> {
    BASE64.decode(text).expect("base64")
}

const ID: &[u8] = b"msg_1";
const TS: &[u8] = b"1712258191";
const BODY: &[u8] = br#"{"type":"user.created","data":{}}"#;

// --- independent vectors -------------------------------------------------

#[test]
fn every_vector_from_pyca_cryptography_verifies_as_expected() {
    let vectors = vectors();
    let cases = vectors["cases"].as_array().expect("cases");
    assert!(cases.len() >= 10);
    for case in cases {
        let name = text(case, "name");
        let keys: Vec<PublicKey> = case["trusted"]
            .as_array()
            .expect("trusted")
            .iter()
            .map(|k| PublicKey::parse(k.as_str().expect("key").as_bytes()).expect(name))
            .collect();
        let header = text(case, "webhook-signature");
        let entries = header
            .split(' ')
            .filter_map(|e| e.strip_prefix("v1a,"))
            .map(str::as_bytes);
        let found = verify(
            &keys,
            entries,
            text(case, "id").as_bytes(),
            text(case, "timestamp").as_bytes(),
            text(case, "body").as_bytes(),
        );
        let expected = case["expect"].as_u64().map(|i| i as usize);
        assert_eq!(found, expected, "{name}");
    }
}

#[test]
fn signing_reproduces_the_vectors_byte_for_byte() {
    // Ed25519 is deterministic: our signature must equal OpenSSL's.
    let vectors = vectors();
    let mut compared = 0;
    for case in vectors["cases"].as_array().expect("cases") {
        let Some(signer) = case["signed_by"].as_str() else {
            continue;
        };
        let key = SigningKey::parse(signer.as_bytes()).expect("whsk_ parses");
        let ours = sign(
            &key,
            text(case, "id").as_bytes(),
            text(case, "timestamp").as_bytes(),
            text(case, "body").as_bytes(),
        );
        let header = text(case, "webhook-signature");
        assert!(
            header.split(' ').any(|e| e == format!("v1a,{ours}")),
            "{}: {ours} not in {header}",
            text(case, "name")
        );
        compared += 1;
    }
    assert!(compared >= 5, "{compared}");
}

#[test]
fn the_v1_entries_of_the_vectors_are_genuine_hmacs() {
    // Guards the vector file itself: its mixed headers carry real v1 MACs.
    let vectors = vectors();
    let secret = decode(text(&vectors, "whsec").trim_start_matches("whsec_"));
    let mut seen = 0;
    for case in vectors["cases"].as_array().expect("cases") {
        for entry in text(case, "webhook-signature").split(' ') {
            let Some(mac) = entry.strip_prefix("v1,") else {
                continue;
            };
            let mut hmac = hmac::Hmac::<sha2::Sha256>::new_from_slice(&secret).expect("key");
            for part in [text(case, "id"), ".", text(case, "timestamp"), "."] {
                hmac.update(part.as_bytes());
            }
            hmac.update(text(case, "body").as_bytes());
            hmac.verify_slice(&decode(mac))
                .expect("v1 entry is a genuine HMAC");
            seen += 1;
        }
    }
    assert!(seen >= 2, "{seen}");
}

#[test]
fn the_der_form_of_a_public_key_is_the_same_key() {
    for which in ["primary", "rotated", "outsider"] {
        let bare = PublicKey::parse(key(which, "whpk").as_bytes()).expect("bare");
        let der = PublicKey::parse(key(which, "whpk_spki").as_bytes()).expect("der");
        assert_eq!(bare, der);
        assert_eq!(der.to_whpk(), key(which, "whpk"));
    }
}

// --- public keys -----------------------------------------------------------

fn public_error(text: &str) -> &'static str {
    match PublicKey::parse(text.as_bytes()) {
        Err(Error::InvalidSecret(reason)) => reason,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn public_keys_take_padded_or_unpadded_base64() {
    let padded = key("primary", "whpk");
    let unpadded = padded.trim_end_matches('=');
    assert_ne!(padded, unpadded);
    assert_eq!(
        PublicKey::parse(padded.as_bytes()).expect("padded"),
        PublicKey::parse(unpadded.as_bytes()).expect("unpadded")
    );
}

#[test]
fn a_public_key_needs_its_whpk_prefix() {
    let text = key("primary", "whpk");
    let bare = text.trim_start_matches("whpk_");
    let prefix = "a Standard Webhooks public key starts with `whpk_`";
    assert_eq!(public_error(bare), prefix);
    assert_eq!(public_error(&format!("whsec_{bare}")), prefix);
    assert_eq!(public_error(&format!("WHPK_{bare}")), prefix);
    assert_eq!(public_error(&format!(" {text}")), prefix);
}

#[test]
fn a_public_key_must_be_base64() {
    let reason = "a Standard Webhooks key is not standard base64 after its prefix";
    assert_eq!(public_error("whpk_not base64!"), reason);
    // URL-safe alphabet is not the standard one.
    assert_eq!(public_error(&whpk(&[0xfb; 32]).replace('+', "-")), reason);
    assert_eq!(
        public_error(&format!("{}\n", key("primary", "whpk"))),
        reason
    );
}

#[test]
fn a_public_key_is_32_bytes() {
    let point = decode(key("primary", "whpk").trim_start_matches("whpk_"));
    let length = "a `whpk_` public key decodes to 32 bytes";
    assert_eq!(public_error(&whpk(&point[..31])), length);
    assert_eq!(public_error(&whpk(&[&point[..], &[0]].concat())), length);
    assert_eq!(public_error("whpk_"), length);
    // 44 bytes only as an Ed25519 SubjectPublicKeyInfo.
    assert_eq!(
        public_error(&whpk(&[&[0u8; 12][..], &point].concat())),
        length
    );
    assert_eq!(
        public_error(&whpk(&[0x41; 4096])),
        "a Standard Webhooks key is too long"
    );
}

#[test]
fn a_public_key_must_be_a_point() {
    // About half of all y coordinates have no x on the curve.
    let invalid = (2u8..=255)
        .map(|y| {
            let mut bytes = [0u8; 32];
            bytes[0] = y;
            bytes
        })
        .find(|bytes| VerifyingKey::from_bytes(bytes).is_err())
        .expect("some y is off the curve");
    assert_eq!(
        public_error(&whpk(&invalid)),
        "a `whpk_` public key is not a point on Ed25519"
    );
}

/// Encodings of small-order points: the identity, a point of order 4 and
/// one of order 8.
fn small_order_points() -> [[u8; 32]; 3] {
    let mut identity = [0u8; 32];
    identity[0] = 1;
    let order_8 = curve25519_dalek::constants::EIGHT_TORSION[1]
        .compress()
        .to_bytes();
    [identity, [0; 32], order_8]
}

#[test]
fn a_weak_public_key_is_refused() {
    for point in small_order_points() {
        // ed25519-dalek itself takes them; the check is ours.
        assert!(VerifyingKey::from_bytes(&point).is_ok());
        assert_eq!(
            public_error(&whpk(&point)),
            "a `whpk_` public key is a weak (small-order) Ed25519 point"
        );
    }
}

#[test]
fn a_non_canonical_public_key_encoding_is_refused() {
    // y + p for a small y on the curve: the same point, another encoding.
    let p_minus_19: [u8; 32] = {
        let mut p = [0xff; 32];
        p[0] = 0xed;
        p[31] = 0x7f;
        p
    };
    let mut found = 0;
    for y in 2u8..19 {
        let mut canonical = [0u8; 32];
        canonical[0] = y;
        let Ok(key) = VerifyingKey::from_bytes(&canonical) else {
            continue;
        };
        if key.is_weak() {
            continue;
        }
        let mut alias = p_minus_19;
        alias[0] = 0xed + y; // p + y, no carry for y < 19
        assert!(
            VerifyingKey::from_bytes(&alias).is_ok(),
            "dalek takes y + p"
        );
        assert_eq!(
            public_error(&whpk(&alias)),
            "a `whpk_` public key is not canonically encoded"
        );
        found += 1;
    }
    assert!(found > 0);
}

#[test]
fn a_public_key_shows_itself_in_debug() {
    let text = key("primary", "whpk");
    let parsed = PublicKey::parse(text.as_bytes()).expect("parses");
    assert_eq!(format!("{parsed:?}"), format!("PublicKey({text:?})"));
}

// --- secret keys -----------------------------------------------------------

fn secret_error(text: &str) -> &'static str {
    match SigningKey::parse(text.as_bytes()) {
        Err(Error::InvalidSecret(reason)) => reason,
        other => panic!("{text}: {other:?}"),
    }
}

#[test]
fn a_secret_key_parses_and_matches_its_public_key() {
    let signing = primary();
    assert_eq!(signing.public_key().to_whpk(), key("primary", "whpk"));
    let unpadded = key("primary", "whsk").trim_end_matches('=').to_owned();
    let again = SigningKey::parse(unpadded.as_bytes()).expect("unpadded parses");
    assert_eq!(again.public_key(), signing.public_key());
}

#[test]
fn a_secret_key_needs_its_prefix_and_64_bytes() {
    let pair = decode(key("primary", "whsk").trim_start_matches("whsk_"));
    assert_eq!(
        secret_error(&whpk(&pair)),
        "a Standard Webhooks secret key starts with `whsk_`"
    );
    let length = "a `whsk_` secret key decodes to 64 bytes (seed, public key)";
    assert_eq!(secret_error(&whsk(&pair[..32])), length); // seed alone
    assert_eq!(secret_error(&whsk(&pair[..63])), length);
    assert_eq!(secret_error(&whsk(&[&pair[..], &[0]].concat())), length);
    assert_eq!(
        secret_error("whsk_***"),
        "a Standard Webhooks key is not standard base64 after its prefix"
    );
}

#[test]
fn a_secret_key_with_a_foreign_public_half_is_refused() {
    let pair = decode(key("primary", "whsk").trim_start_matches("whsk_"));
    let other = decode(key("rotated", "whpk").trim_start_matches("whpk_"));
    let mismatched = [&pair[..32], &other[..]].concat();
    assert_eq!(
        secret_error(&whsk(&mismatched)),
        "the public half of a `whsk_` key does not match its seed"
    );
    let mut flipped = pair.clone();
    flipped[63] ^= 1;
    assert!(SigningKey::parse(whsk(&flipped).as_bytes()).is_err());
}

#[test]
fn a_secret_key_never_shows_in_debug() {
    let signing = primary();
    let shown = format!("{signing:?}");
    assert_eq!(shown, "SigningKey { .. }");
    let err = SigningKey::parse(b"whsk_short").expect_err("too short");
    assert!(!format!("{err} {err:?}").contains("short"));
}

// --- signing and verifying ---------------------------------------------------

fn entry(signature: &[u8]) -> String {
    BASE64_PADDED.encode(signature)
}

#[test]
fn a_signature_verifies_and_any_change_breaks_it() {
    let signing = primary();
    let keys = [signing.public_key()];
    let signature = sign(&signing, ID, TS, BODY);
    assert_eq!(signature.len(), 88);
    let ok = |id: &[u8], ts: &[u8], body: &[u8], sig: &str| {
        verify(&keys, [sig.as_bytes()], id, ts, body)
    };
    assert_eq!(ok(ID, TS, BODY, &signature), Some(0));
    assert_eq!(ok(b"msg_2", TS, BODY, &signature), None);
    assert_eq!(ok(ID, b"1712258192", BODY, &signature), None);
    assert_eq!(ok(ID, TS, b"{}", &signature), None);
    // The separators are signed: moving a byte across a dot breaks it.
    assert_eq!(ok(b"msg_1.1712258191", b"", BODY, &signature), None);
    let raw = decode(&signature);
    for bit in [0, 7, 255, 256, 511] {
        let mut flipped = raw.clone();
        flipped[bit / 8] ^= 1 << (bit % 8);
        assert_eq!(ok(ID, TS, BODY, &entry(&flipped)), None, "bit {bit}");
    }
}

#[test]
fn the_first_trusted_key_that_matches_is_reported() {
    let signing = primary();
    let rotated =
        SigningKey::parse(key("rotated", "whsk").as_bytes()).expect("rotated whsk_ parses");
    let keys = [rotated.public_key(), signing.public_key()];
    let signature = sign(&signing, ID, TS, BODY);
    assert_eq!(verify(&keys, [signature.as_bytes()], ID, TS, BODY), Some(1));
    assert_eq!(
        verify(&keys[..1], [signature.as_bytes()], ID, TS, BODY),
        None
    );
    assert_eq!(verify(&[], [signature.as_bytes()], ID, TS, BODY), None);
}

/// Adds the group order L to the little-endian S half of a signature.
fn s_plus_l(signature: &[u8]) -> Vec<u8> {
    plus_group_order(signature.try_into().expect("64 bytes")).to_vec()
}

#[test]
fn a_non_canonical_s_is_refused() {
    let signing = primary();
    let keys = [signing.public_key()];
    let signature = decode(&sign(&signing, ID, TS, BODY));
    let malleated = s_plus_l(&signature);
    assert_ne!(malleated, signature);
    assert_eq!(
        verify(&keys, [entry(&malleated).as_bytes()], ID, TS, BODY),
        None
    );
    // Same equation, so only the canonical-S check stands between them.
    assert_eq!(
        verify(&keys, [entry(&signature).as_bytes()], ID, TS, BODY),
        Some(0)
    );
}

#[test]
fn adding_the_group_order_agrees_with_wide_arithmetic() {
    // S + L computed on two 128-bit halves, independently of the byte loop.
    let halves = |bytes: &[u8]| {
        let low = u128::from_le_bytes(bytes[..16].try_into().expect("16 bytes"));
        let high = u128::from_le_bytes(bytes[16..32].try_into().expect("16 bytes"));
        (low, high)
    };
    let (l_low, l_high) = halves(&crate::engine::ED25519_ORDER);
    for body in [&b"a"[..], b"{}", BODY] {
        let genuine = decode(&sign(&primary(), ID, TS, body));
        let (s_low, s_high) = halves(&genuine[32..]);
        let (low, carry) = s_low.overflowing_add(l_low);
        let high = s_high + l_high + u128::from(carry);
        let sum = plus_group_order(genuine.clone().try_into().expect("64 bytes"));
        assert_eq!(&sum[..32], &genuine[..32], "R is untouched");
        assert_eq!(halves(&sum[32..]), (low, high));
    }
}

#[test]
fn a_small_order_r_is_refused_even_where_lax_verification_passes() {
    // R = identity, S = k·a with k = H(R || A || M): [S]B = R + [k]A holds,
    // so plain `verify` accepts it; strict verification must not.
    let signing = primary();
    let public = signing.public_key();
    let identity = small_order_points()[0];
    let message = [ID, b".", TS, b".", BODY].concat();
    let k = Scalar::from_hash(
        Sha512::new()
            .chain_update(identity)
            .chain_update(public.0.as_bytes())
            .chain_update(&message),
    );
    let s = k * signing.0.to_scalar();
    let forged = [identity, s.to_bytes()].concat();
    let as_signature = ed25519_dalek::Signature::from_slice(&forged).expect("64 bytes");
    assert!(
        public.0.verify(&message, &as_signature).is_ok(),
        "lax passes"
    );
    assert_eq!(
        verify(&[public], [entry(&forged).as_bytes()], ID, TS, BODY),
        None
    );
}

#[test]
fn entries_that_are_not_64_bytes_of_base64_are_skipped_without_a_check() {
    let signing = primary();
    let keys = [signing.public_key()];
    let good = sign(&signing, ID, TS, BODY);
    let raw = decode(&good);
    let bad = [
        String::new(),
        "not base64!".into(),
        entry(&raw[..63]),
        entry(&[&raw[..], &[0]].concat()),
        entry(&raw[..32]),
        format!("{good}="),
        good.replace('+', "-").replace('/', "_") + "!",
        "A".repeat(10_000),
    ];
    let entries = bad.iter().map(|e| e.as_bytes());
    assert_eq!(verify_counting(&keys, entries, ID, TS, BODY), (None, 0));
    let with_good = bad.iter().map(String::as_str).chain([good.as_str()]);
    assert_eq!(
        verify_counting(&keys, with_good.map(str::as_bytes), ID, TS, BODY),
        (Some(0), 1)
    );
}

#[test]
fn no_request_costs_more_than_max_v1a_checks() {
    let keys: Vec<PublicKey> = ["primary", "rotated", "outsider"]
        .iter()
        .map(|k| PublicKey::parse(key(k, "whpk").as_bytes()).expect("parses"))
        .collect();
    let bogus = entry(&[0x42; 64]);
    let many = std::iter::repeat_n(bogus.as_bytes(), 100);
    assert_eq!(
        verify_counting(&keys, many, ID, TS, BODY),
        (None, MAX_V1A_CHECKS)
    );
    // The budget is spent in order: a genuine entry past it is not reached.
    let genuine = sign(&primary(), ID, TS, BODY);
    let late = [
        bogus.as_bytes(),
        bogus.as_bytes(),
        bogus.as_bytes(),
        genuine.as_bytes(),
    ];
    assert_eq!(
        verify_counting(&keys, late, ID, TS, BODY),
        (None, MAX_V1A_CHECKS)
    );
    let early = [bogus.as_bytes(), genuine.as_bytes()];
    assert_eq!(verify_counting(&keys, early, ID, TS, BODY), (Some(0), 4));
}

#[test]
fn at_most_max_signatures_entries_are_read() {
    let signing = primary();
    let genuine = sign(&signing, ID, TS, BODY);
    let filler = std::iter::repeat_n(&b"junk"[..], crate::MAX_SIGNATURES);
    let entries = filler.chain([genuine.as_bytes()]);
    assert_eq!(verify(&[signing.public_key()], entries, ID, TS, BODY), None);
}

#[test]
fn the_fuzz_hook_holds_on_sample_inputs() {
    let pk = key("primary", "whpk");
    let sk = key("primary", "whsk");
    let genuine = sign(&primary(), ID, TS, BODY);
    for input in [
        String::new(),
        "\n\n\n\n\n".into(),
        format!("{pk}\n{sk}\nv1a,{genuine} v1,abc\nmsg_1\n1712258191\n{{}}"),
        format!("whpk_\nwhsk_\n{}\n\n\n", "v1a,AAAA ".repeat(50)),
    ] {
        __fuzz_v1a(input.as_bytes());
    }
    __fuzz_v1a(&[0xff, b'\n', 0x00, b'\n', 0x80]);
}

proptest::proptest! {
    #[test]
    fn parsing_and_verifying_never_panic(
        text in proptest::collection::vec(proptest::num::u8::ANY, 0..120),
        entries in proptest::collection::vec(proptest::collection::vec(proptest::num::u8::ANY, 0..100), 0..20),
    ) {
        let mut key_text = b"whpk_".to_vec();
        key_text.extend_from_slice(&text);
        let _ = PublicKey::parse(&text);
        let _ = PublicKey::parse(&key_text);
        key_text[..5].copy_from_slice(b"whsk_");
        let _ = SigningKey::parse(&key_text);
        let keys = [primary().public_key()];
        let (found, checks) =
            verify_counting(&keys, entries.iter().map(Vec::as_slice), ID, TS, &text);
        proptest::prop_assert_eq!(found, None);
        proptest::prop_assert!(checks <= MAX_V1A_CHECKS);
    }
}

#[test]
fn streamed_verification_agrees_with_verify_strict() {
    let signing = primary();
    let public = signing.public_key();
    let message = [ID, b".", TS, b".", BODY].concat();
    let genuine = decode(&sign(&signing, ID, TS, BODY));
    let mut flipped = genuine.clone();
    flipped[40] ^= 4;
    let mut candidates = vec![genuine.clone(), s_plus_l(&genuine), flipped, vec![0; 64]];
    for point in small_order_points() {
        candidates.push([&point[..], &genuine[32..]].concat());
    }
    // Ones with a valid R from the genuine signature and assorted S.
    candidates.push([&genuine[..32], &[0xff; 32][..]].concat());
    let mut accepted = 0;
    for bytes in &candidates {
        let signature = ed25519_dalek::Signature::from_slice(bytes).expect("64 bytes");
        let strict = public.0.verify_strict(&message, &signature).is_ok();
        let ours = verify(
            std::slice::from_ref(&public),
            [entry(bytes).as_bytes()],
            ID,
            TS,
            BODY,
        );
        assert_eq!(ours.is_some(), strict, "{bytes:?}");
        accepted += usize::from(strict);
    }
    assert_eq!(accepted, 1);
}
