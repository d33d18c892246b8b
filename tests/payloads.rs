//! How every provider judges an authentic body that is not its JSON: the
//! same rules for all, the same answer from `parse` and from the checks
//! `verify_at` makes on the body, and error positions inside the body.
//! Each case here was first found by fuzzing (inputs in fuzz/regressions/).

mod common;

use common::now;
use http::{HeaderName, HeaderValue};
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Provider};

fn payload_error(message: &str, line: usize, column: usize) -> Error {
    Error::InvalidPayload {
        message: message.into(),
        line,
        column,
    }
}

/// Signs `body` as the provider would and returns what the receiver makes
/// of it, after checking that `parse` says the same.
fn receive<P>(provider: &P, body: &[u8]) -> Result<P::Event, Error>
where
    P: Provider,
    P::Event: PartialEq + std::fmt::Debug,
{
    let headers = provider.sign_at(body, now()).expect("sign");
    let received = provider.verify_and_parse_at(&headers, body, now());
    assert_eq!(received, provider.parse(body));
    received
}

/// Runs `check` against every provider.
macro_rules! for_every_provider {
    ($check:ident) => {
        $check(&Funnel::new().with_token("token").expect("token"));
        $check(&Fourvenues::new("secret").expect("secret"));
        $check(&Falu::new("secret").expect("secret"));
        $check(&ClickFunnels::new("secret").expect("secret"));
        $check(&StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret"));
    };
}

/// serde's derived structs read an array as the fields in order, so
/// `["evt_1", "payment.success", {}]` would parse as an event: an envelope
/// must be a JSON object.
#[test]
fn an_envelope_must_be_an_object() {
    fn check<P: Provider<Event: PartialEq + std::fmt::Debug>>(provider: &P) {
        let cases: [(&[u8], &str, usize, usize); 6] = [
            (br#"["evt_1", "payment.success", {}]"#, "an array", 1, 1),
            (b"\n  [1, \"quote.created\"]", "an array", 2, 3),
            (br#""evt_1""#, "a string", 1, 1),
            (b" 42", "a number", 1, 2),
            (b"false", "a boolean", 1, 1),
            (b"null", "null", 1, 1),
        ];
        for (body, found, line, column) in cases {
            let message = format!("expected a JSON object, found {found}");
            assert_eq!(
                receive(provider, body),
                Err(payload_error(&message, line, column)),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
    }
    for_every_provider!(check);
}

/// serde_json skips an unknown field without validating its UTF-8, so one
/// provider's `parse` accepted a body that another check refused.
#[test]
fn a_body_must_be_utf8_even_where_nothing_reads_it() {
    fn check<P: Provider<Event: PartialEq + std::fmt::Debug>>(provider: &P) {
        let body = b"{\"id\": \"e\", \"type\": \"t\", \"event\": \"t\",\n \"extra\": \"\xab\"}";
        assert_eq!(
            receive(provider, body),
            Err(payload_error(
                "invalid UTF-8: JSON text must be UTF-8",
                2,
                12
            ))
        );
    }
    for_every_provider!(check);
}

/// The fuzzer's input: a genuine Fourvenues signature, the sender's id
/// header, and a byte `0xAB` inside an unknown field. The id check used to
/// refuse it as a payload error while `parse` accepted it; now the id
/// check passes (the id is there and matches) and the parser refuses the
/// body, whichever way it is reached.
#[test]
fn fourvenues_id_check_and_parse_agree_on_invalid_utf8() {
    let provider = Fourvenues::new("secret").expect("secret");
    let body = b"{\"id\": \"wh_1\", \"event\": \"payms\", \"p?yload\": {\"payment_id\": \"p0\",\n \"resource_type\": \"ticket\", \"resource_id\xabs\": [\"t1\"], \"metadata\": {}, \"send_resources\": true}}";
    let mut headers = provider.sign_at(body, now()).expect("sign");
    assert_eq!(headers["x-webhook-id"], "wh_1");
    assert!(provider.verify_at(&headers, body, now()).is_ok());
    headers.insert(
        HeaderName::from_static("x-webhook-id"),
        HeaderValue::from_static("wh_2"),
    );
    assert_eq!(
        provider.verify_at(&headers, body, now()),
        Err(Error::HeaderMismatch(HeaderName::from_static(
            "x-webhook-id"
        )))
    );
    let refused = payload_error("invalid UTF-8: JSON text must be UTF-8", 2, 41);
    assert_eq!(provider.parse(body), Err(refused.clone()));
    assert_eq!(receive(&provider, body), Err(refused));
}

/// A typed event whose data field is absent names the field and points at
/// the end of the body, not into a placeholder `null`.
#[test]
fn a_missing_data_field_is_named_at_the_end_of_the_body() {
    /// A receiver, reduced to whether it accepts a body.
    type Receive<'a> = &'a dyn Fn(&[u8]) -> Result<(), Error>;
    let cases: [(Receive<'_>, &[u8], &str, usize, usize); 4] = [
        (
            &|b| receive(&Funnel::new(), b).map(drop),
            b"{\n\"id\": 1, \"event_type\": \"lease_transaction.status_updated\"}",
            "missing field `event_data`",
            2,
            58,
        ),
        (
            &|b| receive(&Funnel::new(), b).map(drop),
            b"{\"id\": \"e\", \"event\": \"lease_transaction.unit_reserved\"}\n",
            "missing field `data`",
            1,
            55,
        ),
        (
            &|b| receive(&Fourvenues::new("s").expect("secret"), b).map(drop),
            b"{\"id\": \"e\",\n \"event\": \"payment.success\"\n}",
            "missing field `payload`",
            3,
            1,
        ),
        (
            &|b| receive(&ClickFunnels::new("s").expect("secret"), b).map(drop),
            b"{\"event_id\": \"e\", \"event_type\": \"contact.identified\"}",
            "missing field `data`",
            1,
            53,
        ),
    ];
    for (receive, body, message, line, column) in cases {
        assert_eq!(
            receive(body),
            Err(payload_error(message, line, column)),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
}

/// Funnel's own envelope check uses the same position.
#[test]
fn funnel_without_either_event_field_points_at_the_end() {
    assert_eq!(
        receive(&Funnel::new(), b"{\"id\": 1}"),
        Err(payload_error(
            "neither `event_type` (v2) nor `event` (v3) is present",
            1,
            9
        ))
    );
}

/// The id is read by one reader for the `x-webhook-id` check, the event and
/// `sign_at`, so they never disagree about a body: bodies that serde skips
/// through (a number out of range, nesting past serde_json's limit of 128)
/// are accepted by all, and a body with two ids, refused by the parser,
/// never authenticates the second.
#[test]
fn fourvenues_id_check_and_parse_judge_every_body_alike() {
    let provider = Fourvenues::new("secret").expect("secret");
    let id_header = HeaderName::from_static("x-webhook-id");
    let deep = format!(
        r#"{{"id": "a", "event": "x", "extra": {}{}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    let escaped = br#"{"id": "a\u0062", "event": "x", "payload": {"n": [[{}]]}}"#;
    let bodies: [(&[u8], &str); 3] = [
        (br#"{"id": "a", "event": "x", "extra": 1e400}"#, "a"),
        (deep.as_bytes(), "a"),
        (escaped, "ab"),
    ];
    for (body, id) in bodies {
        let mut headers = provider.sign_at(body, now()).expect("sign");
        assert_eq!(headers[&id_header], id);
        assert_eq!(receive(&provider, body).expect("event").id, id);
        headers.remove(&id_header);
        assert_eq!(
            provider.verify_and_parse_at(&headers, body, now()),
            provider.parse(body)
        );
    }

    let twice = br#"{"id": "a", "event": "x", "id": "b"}"#;
    let mut headers = provider.sign_at(twice, now()).expect("sign");
    for claimed in ["a", "b"] {
        headers.insert(&id_header, HeaderValue::from_static(claimed));
        let expected = match claimed {
            "a" => payload_error("duplicate field `id`", 1, 30),
            _ => Error::HeaderMismatch(id_header.clone()),
        };
        assert_eq!(
            provider.verify_and_parse_at(&headers, twice, now()),
            Err(expected)
        );
    }
}
