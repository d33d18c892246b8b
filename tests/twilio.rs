//! Twilio: the vectors of twilio-python's `RequestValidator` tests (auth
//! token `12345`, `https://mycompany.com/myapp.php?foo=1&bar=2`): form
//! parameters sorted, repeated names, the URL with and without its port,
//! and a JSON body signed through `bodySHA256`; the payload rules and the
//! retry default.
#![cfg(feature = "twilio")]

use webhook_kit::http::{HeaderMap, HeaderValue};
use webhook_kit::time::OffsetDateTime;
use webhook_kit::twilio::Twilio;
use webhook_kit::{Error, Provider, RetrySchedule, WebhookEvent};

const TOKEN: &str = "12345";
const URL: &str = "https://mycompany.com/myapp.php?foo=1&bar=2";
/// The SDK's parameters, as a form body in another order than sorted.
const FORM: &[u8] =
    b"To=%2B18005551212&CallSid=CA1234567890ABCDE&Caller=%2B14158675309&Digits=1234&From=%2B14158675309";
const JSON: &[u8] = br#"{"property": "value", "boolean": true}"#;

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn signed(signature: &str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-twilio-signature",
        HeaderValue::from_str(signature).expect("value"),
    );
    headers
}

fn verifies(url: &str, body: &[u8], signature: &str) -> bool {
    let receiver = Twilio::new(TOKEN, url).expect("usable");
    receiver.verify_at(&signed(signature), body, now()).is_ok()
}

#[test]
fn the_documented_example_verifies_and_is_what_signing_writes() {
    assert!(verifies(URL, FORM, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    let receiver = Twilio::new(TOKEN, URL).expect("usable");
    assert_eq!(
        receiver.sign_at(FORM, now()).expect("sign")["x-twilio-signature"],
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
}

#[test]
fn repeated_names_give_each_distinct_value_sorted() {
    let body = b"Sid=CA123&SidAccount=AC123&Digits=5678&Digits=1234&Digits=1234";
    assert!(verifies(URL, body, "IK+Dwps556ElfBT0I3Rgjkr1wJU="));
}

#[test]
fn a_signature_over_the_url_with_its_default_port_verifies() {
    assert!(verifies(URL, FORM, "kvajT1Ptam85bY51eRf/AJRuM3w="));
    let http = URL.replace("https", "http");
    assert!(verifies(&http, FORM, "0ZXoZLH/DfblKGATFgpif+LLRf4="));
}

#[test]
fn a_configured_port_may_be_left_out_of_the_signed_url() {
    let with_port = URL.replace(".com", ".com:1234");
    assert!(verifies(&with_port, FORM, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    let http = with_port.replace("https", "http");
    assert!(verifies(&http, FORM, "Zmvh+3yNM1Phv2jhDCwEM3q5ebU="));
}

#[test]
fn a_json_body_is_signed_through_its_hash_in_the_url() {
    assert!(verifies(URL, JSON, "a9nBmqA0ju/hNViExpshrM61xv4="));
    let changed = br#"{"property": "value", "boolean": false}"#;
    assert!(!verifies(URL, changed, "a9nBmqA0ju/hNViExpshrM61xv4="));
}

#[test]
fn another_url_token_or_parameter_is_refused() {
    let signature = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
    assert!(!verifies(
        "https://mycompany.com/myapp.php",
        FORM,
        signature
    ));
    assert!(!verifies(
        "https://mycompany.com/myapp.php?bar=2&foo=1",
        FORM,
        signature
    ));
    let other = Twilio::new("54321", URL).expect("usable");
    assert!(matches!(
        other.verify_at(&signed(signature), FORM, now()),
        Err(Error::SignatureMismatch)
    ));
    let extra = [FORM, b"&Extra=1"].concat();
    assert!(!verifies(URL, &extra, signature));
}

#[test]
fn a_fragment_in_the_configured_url_is_not_signed() {
    let with_overrides = format!("{URL}#rc=3&rp=all");
    assert!(verifies(
        &with_overrides,
        FORM,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
}

#[test]
fn credentials_in_the_configured_url_are_not_signed_nor_shown() {
    let with_credentials = URL.replace("https://", "https://user:pa55word@");
    assert!(verifies(
        &with_credentials,
        FORM,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(verifies(
        &with_credentials,
        FORM,
        "kvajT1Ptam85bY51eRf/AJRuM3w="
    ));
    let receiver = Twilio::new(TOKEN, &with_credentials).expect("usable");
    assert!(!format!("{receiver:?}").contains("pa55word"));
}

#[test]
fn the_secondary_auth_token_verifies_as_the_second() {
    let receiver = Twilio::new("primary-token", URL)
        .expect("usable")
        .with_secret(TOKEN)
        .expect("usable");
    let delivery = receiver
        .verify_at(&signed("RSOYDt4T1cUTdK1PDd93/VVr8B8="), FORM, now())
        .expect("genuine");
    assert_eq!(delivery.secret_index(), Some(1));
}

#[test]
fn the_idempotency_token_is_the_delivery_id() {
    let receiver = Twilio::new(TOKEN, URL).expect("usable");
    let mut headers = signed("RSOYDt4T1cUTdK1PDd93/VVr8B8=");
    headers.insert(
        "i-twilio-idempotency-token",
        HeaderValue::from_static("b5d9f5a2-token"),
    );
    let delivery = receiver.verify_at(&headers, FORM, now()).expect("genuine");
    assert_eq!(delivery.id(), Some("b5d9f5a2-token"));
}

#[test]
fn form_parameters_are_read_decoded_in_the_order_sent() {
    let receiver = Twilio::new(TOKEN, URL).expect("usable");
    let event = receiver.parse(FORM).expect("parse");
    assert_eq!(event.params[0], ("To".into(), "+18005551212".into()));
    assert_eq!(event.param("CallSid"), Some("CA1234567890ABCDE"));
    assert_eq!(event.id(), "CA1234567890ABCDE");
    assert_eq!(event.event_type(), "");
    assert_eq!(
        event.raw,
        serde_json::Value::String(String::from_utf8(FORM.to_vec()).expect("text"))
    );
    let status = receiver
        .parse(b"MessageSid=SM1&MessageStatus=undelivered&ErrorCode=30003")
        .expect("parse");
    assert_eq!(
        (status.id().as_ref(), status.event_type()),
        ("SM1", "undelivered")
    );
}

#[test]
fn a_json_batch_reads_its_first_event() {
    let body = br#"[{"specversion":"1.0","type":"com.twilio.messaging.message.sent","id":"EZ1","time":"2024-01-01T00:00:00Z","data":{}},{"type":"com.twilio.messaging.message.delivered","id":"EZ2"}]"#;
    let receiver = Twilio::new(TOKEN, URL).expect("usable");
    let event = receiver.parse(body).expect("parse");
    assert_eq!(
        (event.id().as_ref(), event.event_type()),
        ("EZ1", "com.twilio.messaging.message.sent")
    );
    assert_eq!(event.raw[1]["id"], "EZ2");
}

#[test]
fn a_body_neither_json_nor_a_form_is_a_positioned_payload_error() {
    let receiver = Twilio::new(TOKEN, URL).expect("usable");
    match receiver.parse(b"To=1&Body=raw space") {
        Err(Error::InvalidPayload { line, column, .. }) => assert_eq!((line, column), (1, 14)),
        other => panic!("expected a payload error, got {other:?}"),
    }
    assert!(matches!(
        receiver.parse(b"{\"unterminated\": "),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn twilio_retries_a_failed_connection_once_by_default() {
    assert_eq!(RetrySchedule::twilio().max_attempts(), 2);
}
