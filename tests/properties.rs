//! Property tests: every provider, arbitrary bodies, secrets, times, header
//! values and JSON. Sign-then-verify always holds; any change to what is
//! signed is an authentication error; nothing arbitrary panics.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::{NOW, at};
use http::{HeaderMap, HeaderName, HeaderValue};
use proptest::prelude::*;
use serde_json::Value;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, MAX_SIGNATURES, Provider};

/// Where a provider puts its MAC, and how it encodes it.
#[derive(Clone, Copy)]
enum Mac {
    /// The whole header value is hex.
    Hex(&'static str),
    /// Hex after `sha256=` (Falu).
    HexAfter(&'static str, &'static str),
    /// Base64 after `v1,` (Standard Webhooks).
    Base64After(&'static str, &'static str),
    /// An API token after `Bearer ` (Funnel): no MAC, the token itself.
    Token(&'static str, &'static str),
}

/// The signed timestamp header, if the provider signs one: its name and
/// the prefix before the number.
type Stamp = Option<(&'static str, &'static str)>;

const STANDARD_MAC: Mac = Mac::Base64After("webhook-signature", "v1,");
const STANDARD_STAMP: Stamp = Some(("webhook-timestamp", ""));
const FALU_MAC: Mac = Mac::HexAfter("x-falu-signature", "sha256=");
const FALU_STAMP: Stamp = Some(("x-falu-signature", "t="));
const CLICKFUNNELS_MAC: Mac = Mac::Hex("x-webhook-clickfunnels-signature");
const CLICKFUNNELS_STAMP: Stamp = Some(("x-webhook-clickfunnels-timestamp", ""));
const FOURVENUES_MAC: Mac = Mac::Hex("x-webhook-signature");
const FUNNEL_MAC: Mac = Mac::Token("authorization", "Bearer ");

fn standard(key: &[u8]) -> StandardWebhooks {
    StandardWebhooks::new(format!("whsec_{}", BASE64.encode(key))).expect("non-empty key")
}

fn falu(secret: &[u8]) -> Falu {
    Falu::new(secret.to_vec()).expect("usable secret")
}

fn clickfunnels(secret: &[u8]) -> ClickFunnels {
    ClickFunnels::new(secret.to_vec()).expect("usable secret")
}

fn fourvenues(secret: &[u8]) -> Fourvenues {
    Fourvenues::new(secret.to_vec()).expect("usable secret")
}

fn funnel(token: &str) -> Funnel {
    Funnel::new().with_token(token).expect("usable token")
}

/// Whether the constructors refuse `secret`: empty, or text that is only
/// whitespace (anyone could sign with it).
fn blank(secret: &[u8]) -> bool {
    std::str::from_utf8(secret).is_ok_and(|text| text.trim().is_empty())
}

/// The headers with bit `bit` of the MAC (or token) flipped, or `None` when
/// the flipped token is not a valid header value.
fn flip_mac(mut headers: HeaderMap, mac: Mac, bit: usize) -> Option<HeaderMap> {
    let (name, new) = match mac {
        Mac::Hex(name) => {
            let mut bytes = hex_decode(headers[name].as_bytes());
            flip(&mut bytes, bit);
            (name, hex_encode(&bytes))
        }
        Mac::HexAfter(name, marker) => {
            let value = headers[name].to_str().ok()?.to_owned();
            let at = value.find(marker)? + marker.len();
            let mut bytes = hex_decode(&value.as_bytes()[at..]);
            flip(&mut bytes, bit);
            (name, format!("{}{}", &value[..at], hex_encode(&bytes)))
        }
        Mac::Base64After(name, marker) => {
            let value = headers[name].to_str().ok()?.to_owned();
            let at = value.find(marker)? + marker.len();
            let mut bytes = BASE64.decode(&value[at..]).ok()?;
            flip(&mut bytes, bit);
            (name, format!("{}{}", &value[..at], BASE64.encode(&bytes)))
        }
        Mac::Token(name, prefix) => {
            let mut bytes = headers[name].as_bytes()[prefix.len()..].to_vec();
            flip(&mut bytes, bit);
            let token = String::from_utf8(bytes).ok()?;
            (name, format!("{prefix}{token}"))
        }
    };
    headers.insert(
        HeaderName::from_static(name),
        HeaderValue::from_str(&new).ok()?,
    );
    Some(headers)
}

fn flip(bytes: &mut [u8], bit: usize) {
    let bit = bit % (bytes.len() * 8);
    bytes[bit / 8] ^= 1 << (bit % 8);
}

fn hex_decode(text: &[u8]) -> Vec<u8> {
    text.chunks(2)
        .map(|pair| u8::from_str_radix(std::str::from_utf8(pair).expect("ascii"), 16).expect("hex"))
        .collect()
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The headers with the signed timestamp moved by `delta` seconds.
fn shift_stamp(mut headers: HeaderMap, stamp: Stamp, delta: i64) -> HeaderMap {
    let (name, prefix) = stamp.expect("a signed timestamp");
    let value = headers[name].to_str().expect("ascii").to_owned();
    let start = value.find(prefix).expect("prefix") + prefix.len();
    let end = value[start..]
        .find(|c: char| !c.is_ascii_digit())
        .map_or(value.len(), |n| start + n);
    let moved: i64 = value[start..end].parse::<i64>().expect("number") + delta;
    let new = format!("{}{moved}{}", &value[..start], &value[end..]);
    headers.insert(
        HeaderName::from_static(name),
        HeaderValue::from_str(&new).expect("ascii"),
    );
    headers
}

/// Signed at `signed`, verified at `now`: accepted.
fn assert_round_trip<P: Provider>(
    p: &P,
    body: &[u8],
    signed: i64,
    now: i64,
) -> Result<(), TestCaseError> {
    let headers = p.sign_at(body, at(signed)).expect("sign");
    let verified = p.verify_at(&headers, body, at(now));
    prop_assert!(verified.is_ok(), "{:?}", verified);
    Ok(())
}

/// Any single-bit change of the body is a signature mismatch.
fn assert_body_flip_rejected<P: Provider>(
    p: &P,
    body: &[u8],
    bit: usize,
) -> Result<(), TestCaseError> {
    let headers = p.sign_at(body, at(NOW)).expect("sign");
    let mut changed = body.to_vec();
    flip(&mut changed, bit);
    prop_assert_eq!(
        p.verify_at(&headers, &changed, at(NOW)),
        Err(Error::SignatureMismatch)
    );
    Ok(())
}

/// Any single-bit change of the MAC (or token) is an authentication error.
fn assert_mac_flip_rejected<P: Provider>(
    p: &P,
    mac: Mac,
    body: &[u8],
    bit: usize,
) -> Result<(), TestCaseError> {
    let headers = p.sign_at(body, at(NOW)).expect("sign");
    let Some(changed) = flip_mac(headers, mac, bit) else {
        return Err(TestCaseError::reject("flipped token is not a header value"));
    };
    let err = p
        .verify_at(&changed, body, at(NOW))
        .expect_err("changed MAC");
    prop_assert!(err.is_auth(), "{err:?}");
    Ok(())
}

/// Moving the signed timestamp, even within the tolerance, breaks the MAC.
fn assert_stamp_shift_rejected<P: Provider>(
    p: &P,
    stamp: Stamp,
    body: &[u8],
    delta: i64,
) -> Result<(), TestCaseError> {
    let headers = shift_stamp(p.sign_at(body, at(NOW)).expect("sign"), stamp, delta);
    let err = p
        .verify_at(&headers, body, at(NOW))
        .expect_err("moved timestamp");
    prop_assert!(err.is_auth(), "{err:?}");
    Ok(())
}

/// Whatever JSON a genuine sender signs, parsing gives an event or a
/// payload error, never an authentication error and never a panic.
fn assert_any_signed_json_parses_or_400<P: Provider>(
    p: &P,
    body: &[u8],
) -> Result<(), TestCaseError> {
    let Ok(headers) = p.sign_at(body, at(NOW)) else {
        // Fourvenues copies the body's id into a header; some ids cannot be.
        return Err(TestCaseError::reject(
            "body cannot be sent with this provider",
        ));
    };
    match p.verify_and_parse_at(&headers, body, at(NOW)) {
        Ok(_) => {}
        Err(err) => {
            prop_assert!(!err.is_auth(), "{err:?}");
            prop_assert!(matches!(err, Error::InvalidPayload { .. }), "{err:?}");
            prop_assert_eq!(err.status(), 400);
        }
    }
    Ok(())
}

/// Arbitrary values in every header the provider reads never panic and are
/// never accepted (the chance of guessing a MAC is nil).
fn assert_arbitrary_headers_rejected<P: Provider>(
    p: &P,
    names: &[&'static str],
    values: &[Vec<u8>],
    body: &[u8],
) -> Result<(), TestCaseError> {
    let mut headers = HeaderMap::new();
    for (name, value) in names.iter().zip(values) {
        if let Ok(value) = HeaderValue::from_bytes(value) {
            headers.insert(HeaderName::from_static(name), value);
        }
    }
    let err = p
        .verify_at(&headers, body, at(NOW))
        .expect_err("arbitrary headers");
    prop_assert!(
        err.is_auth() || matches!(err, Error::BodyTooLarge { .. }),
        "{err:?}"
    );
    Ok(())
}

/// Whatever a provider parses, a queue gives back equal: serialize the
/// event to JSON, read it back.
fn assert_queue_round_trip<P>(p: &P, body: &[u8]) -> Result<(), TestCaseError>
where
    P: Provider<
        Event: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
    >,
{
    if let Ok(event) = p.parse(body) {
        let json = serde_json::to_string(&event).expect("an event serializes");
        let back: P::Event = serde_json::from_str(&json).expect("its JSON reads back");
        prop_assert_eq!(back, event, "{}", json);
    }
    Ok(())
}

fn any_body() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..2048)
}

fn any_secret() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..128).prop_filter("a usable secret", |s| !blank(s))
}

/// Any length the reference libraries accept (0.1 allowed 24 to 64 bytes).
/// Keys whose bytes read as whitespace-only text are left out: see
/// `secrets_and_header_forms::a_standard_key_of_whitespace_bytes_is_a_key`.
fn standard_key() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 1..=128).prop_filter("not blank text", |k| !blank(k))
}

/// Funnel tokens travel in a header as they are: visible ASCII.
fn funnel_token() -> impl Strategy<Value = String> {
    "[!-~]{1,96}"
}

/// A header value: any bytes (most are valid header values), up to 64 KiB,
/// or many comma- or space-separated signature-like entries.
fn any_header_value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..256),
        prop::collection::vec(any::<u8>(), 0..65_536),
        (0..20_000usize, "[a-zA-Z0-9=,+/ ]{0,12}").prop_map(|(n, entry)| {
            let entry = if entry.is_empty() {
                "v1,AAAA".to_owned()
            } else {
                entry
            };
            vec![entry; n].join(" ").into_bytes()
        }),
        (0..5_000usize, 0..3_000_000_000i64).prop_map(|(n, t)| {
            let entries = vec!["sha256=00ff"; n].join(",");
            format!("t={t},{entries}").into_bytes()
        }),
    ]
}

fn any_json() -> impl Strategy<Value = Value> {
    json_with(
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from)
            .boxed(),
    )
}

/// JSON with floats too: with serde_json's `float_roundtrip`, every finite
/// float reads back exactly (see
/// `provider_api::a_float_in_the_data_survives_the_queue`).
fn exact_json() -> impl Strategy<Value = Value> {
    any_json()
}

fn json_with(number: BoxedStrategy<Value>) -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        number,
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(
                prop_oneof![
                    // The envelope fields the providers look for, and others.
                    Just("id".to_owned()),
                    Just("type".to_owned()),
                    Just("event".to_owned()),
                    Just("event_type".to_owned()),
                    Just("event_id".to_owned()),
                    Just("data".to_owned()),
                    Just("payload".to_owned()),
                    Just("event_data".to_owned()),
                    Just("object".to_owned()),
                    ".{0,8}",
                ],
                inner,
                0..6
            )
            .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Typed events need well-shaped envelopes to be reached: start from a
/// real sample and replace values at random.
fn json_body() -> impl Strategy<Value = Vec<u8>> {
    json_body_of(any_json().boxed())
}

fn json_body_of(json: BoxedStrategy<Value>) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        json.clone()
            .prop_map(|v| serde_json::to_vec(&v).expect("serialise")),
        (json, sample_envelope()).prop_map(|(data, mut envelope)| {
            if let Some(object) = envelope.as_object_mut() {
                for key in ["data", "payload", "event_data"] {
                    if object.contains_key(key) {
                        object.insert(key.to_owned(), data.clone());
                    }
                }
            }
            serde_json::to_vec(&envelope).expect("serialise")
        }),
        any::<Vec<u8>>(),
    ]
}

fn sample_envelope() -> impl Strategy<Value = Value> {
    let samples = [
        include_str!("data/funnel_v2_status_updated.json"),
        include_str!("data/funnel_v3_unit_reserved.json"),
        include_str!("data/fourvenues_payment_success.json"),
        include_str!("data/fourvenues_ticket_request_refund.json"),
        include_str!("data/falu_basic_payment_updated.json"),
        include_str!("data/falu_cloudevents_message_delivered.json"),
        include_str!("data/clickfunnels_contact_identified.json"),
        r#"{"type": "invoice.paid", "timestamp": "2024-04-04T19:16:30Z", "data": {}}"#,
    ];
    prop::sample::select(samples.to_vec())
        .prop_map(|text| serde_json::from_str(text).expect("sample is JSON"))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn standard_round_trip(key in standard_key(), body in any_body(), skew in -300i64..=300) {
        assert_round_trip(&standard(&key), &body, NOW, NOW + skew)?;
    }

    #[test]
    fn falu_round_trip(secret in any_secret(), body in any_body(), age in -60i64..=300) {
        assert_round_trip(&falu(&secret), &body, NOW, NOW + age)?;
    }

    #[test]
    fn clickfunnels_round_trip(secret in any_secret(), body in any_body(), skew in -600i64..=600) {
        assert_round_trip(&clickfunnels(&secret), &body, NOW, NOW + skew)?;
    }

    #[test]
    fn fourvenues_round_trip(secret in any_secret(), body in any_body(), later in 0i64..1_000_000) {
        // Fourvenues signs no timestamp: any time verifies.
        assert_round_trip(&fourvenues(&secret), &body, NOW, NOW + later)?;
    }

    #[test]
    fn funnel_round_trip(token in funnel_token(), body in any_body(), later in 0i64..1_000_000) {
        assert_round_trip(&funnel(&token), &body, NOW, NOW + later)?;
    }

    #[test]
    fn body_bit_flips_are_rejected(
        key in standard_key(), secret in any_secret(), body in any_body(), bit in any::<usize>(),
    ) {
        assert_body_flip_rejected(&standard(&key), &body, bit)?;
        assert_body_flip_rejected(&falu(&secret), &body, bit)?;
        assert_body_flip_rejected(&clickfunnels(&secret), &body, bit)?;
        assert_body_flip_rejected(&fourvenues(&secret), &body, bit)?;
        // Funnel signs nothing: its token does not cover the body.
    }

    #[test]
    fn mac_bit_flips_are_rejected(
        key in standard_key(), secret in any_secret(), token in funnel_token(),
        body in any_body(), bit in any::<usize>(),
    ) {
        assert_mac_flip_rejected(&standard(&key), STANDARD_MAC, &body, bit)?;
        assert_mac_flip_rejected(&falu(&secret), FALU_MAC, &body, bit)?;
        assert_mac_flip_rejected(&clickfunnels(&secret), CLICKFUNNELS_MAC, &body, bit)?;
        assert_mac_flip_rejected(&fourvenues(&secret), FOURVENUES_MAC, &body, bit)?;
        assert_mac_flip_rejected(&funnel(&token), FUNNEL_MAC, &body, bit)?;
    }

    #[test]
    fn timestamp_changes_are_rejected(
        key in standard_key(), secret in any_secret(), body in any_body(),
        delta in prop_oneof![-1_000_000i64..0, 1i64..1_000_000],
    ) {
        assert_stamp_shift_rejected(&standard(&key), STANDARD_STAMP, &body, delta)?;
        assert_stamp_shift_rejected(&falu(&secret), FALU_STAMP, &body, delta)?;
        assert_stamp_shift_rejected(&clickfunnels(&secret), CLICKFUNNELS_STAMP, &body, delta)?;
    }

    #[test]
    fn arbitrary_headers_never_panic(
        values in prop::collection::vec(any_header_value(), 3),
        body in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let secret = b"a shared secret";
        assert_arbitrary_headers_rejected(
            &standard(&[7; 32]),
            &["webhook-id", "webhook-timestamp", "webhook-signature"], &values, &body)?;
        assert_arbitrary_headers_rejected(
            &standard(&[7; 32]), &["svix-id", "svix-timestamp", "svix-signature"], &values, &body)?;
        assert_arbitrary_headers_rejected(&falu(secret), &["x-falu-signature"], &values, &body)?;
        assert_arbitrary_headers_rejected(
            &clickfunnels(secret),
            &["x-webhook-clickfunnels-signature", "x-webhook-clickfunnels-timestamp"], &values, &body)?;
        assert_arbitrary_headers_rejected(
            &fourvenues(secret), &["x-webhook-signature", "x-webhook-id"], &values, &body)?;
        assert_arbitrary_headers_rejected(
            &funnel("token"), &["authorization"], &values, &body)?;
    }

    #[test]
    fn arbitrary_json_after_a_valid_signature_never_panics(body in json_body()) {
        let secret = b"a shared secret";
        assert_any_signed_json_parses_or_400(&standard(&[7; 32]), &body)?;
        assert_any_signed_json_parses_or_400(&falu(secret), &body)?;
        assert_any_signed_json_parses_or_400(&clickfunnels(secret), &body)?;
        assert_any_signed_json_parses_or_400(&fourvenues(secret), &body)?;
        assert_any_signed_json_parses_or_400(&Funnel::new(), &body)?;
    }

    #[test]
    fn parsed_events_survive_a_json_round_trip(body in json_body_of(exact_json().boxed())) {
        let secret = b"a shared secret";
        assert_queue_round_trip(&standard(&[7; 32]), &body)?;
        assert_queue_round_trip(&falu(secret), &body)?;
        assert_queue_round_trip(&clickfunnels(secret), &body)?;
        assert_queue_round_trip(&fourvenues(secret), &body)?;
        assert_queue_round_trip(&Funnel::new(), &body)?;
    }
}

/// The work per request is bounded: only the first [`MAX_SIGNATURES`]
/// entries of a signature list are examined, so a genuine signature hidden
/// behind them is not found, and one within them is.
#[test]
fn only_the_first_signatures_are_examined() {
    let receiver = standard(&[7; 32]);
    let body = br#"{"type": "ping"}"#;
    let genuine = receiver.sign_at(body, at(NOW)).expect("sign");
    let decoy = format!("v1,{}", BASE64.encode([0u8; 32]));
    let with_position = |position: usize| {
        let mut entries = vec![decoy.clone(); position - 1];
        entries.push(
            genuine["webhook-signature"]
                .to_str()
                .expect("ascii")
                .to_owned(),
        );
        let mut headers = genuine.clone();
        headers.insert(
            "webhook-signature",
            HeaderValue::from_str(&entries.join(" ")).expect("ascii"),
        );
        headers
    };
    assert!(
        receiver
            .verify_at(&with_position(MAX_SIGNATURES), body, at(NOW))
            .is_ok()
    );
    assert_eq!(
        receiver.verify_at(&with_position(MAX_SIGNATURES + 1), body, at(NOW)),
        Err(Error::SignatureMismatch)
    );
    // Tens of thousands of entries are no more work than the cap.
    assert_eq!(
        receiver.verify_at(&with_position(50_000), body, at(NOW)),
        Err(Error::SignatureMismatch)
    );
}

/// Timestamps anywhere on the number line, and beyond it, are clean errors.
#[test]
fn absurd_timestamps_are_clean_errors() {
    let receiver = standard(&[7; 32]);
    let body = b"{}";
    let genuine = receiver.sign_at(body, at(NOW)).expect("sign");
    for stamp in [
        "-9223372036854775808",
        "9223372036854775807",
        "1000000000000000000000000000000",
        "-1",
        "0",
        "",
        " ",
        "1e9",
        "0x10",
        "++1712258191",
        "+-1712258191",
        "1712258191.5",
        "١٧١٢٢٥٨١٩١",
    ] {
        let mut headers = genuine.clone();
        headers.insert(
            "webhook-timestamp",
            HeaderValue::from_str(stamp).expect("header"),
        );
        let err = receiver
            .verify_at(&headers, body, at(NOW))
            .expect_err(stamp);
        assert!(err.is_auth(), "{stamp}: {err:?}");
    }
}
