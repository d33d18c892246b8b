//! Meta: an independently computed signature over escaped Unicode, the
//! `hub.challenge` handshake (closed until a verify token is set), the
//! envelope's id, type and time, replies and schedule.

mod common;

use std::time::Duration;

use common::{assert_classifies, at, with_header};
use http::{HeaderMap, Method, StatusCode, Uri};
use webhook_kit::meta::Meta;
use webhook_kit::{Error, Handshake, Outcome, Provider, RetrySchedule, WebhookEvent};

/// Meta signs the body with non-ASCII escaped, as here (`caf\u00e9`).
const BODY: &[u8] = br#"{"object":"page","entry":[{"id":"1","time":1700000000,"changes":[{"field":"feed","value":{"message":"caf\u00e9"}}]}]}"#;
/// `openssl dgst -sha256 -hmac meta-kat-secret` of `BODY`.
const SIGNATURE: &str = "sha256=c6aacf48ffe9ff1d1d146e8a67b7496bc695f98c26859635ee77e96023d4175c";
const T: i64 = 1_700_000_000;

fn receiver() -> Meta {
    Meta::new("meta-kat-secret").expect("secret")
}

fn handshake(
    receiver: &Meta,
    method: Method,
    uri: &str,
) -> Option<Result<http::Response<String>, Error>> {
    let (uri, headers) = (uri.parse::<Uri>().expect("uri"), HeaderMap::new());
    receiver.handshake_at(&Handshake::new(&method, &uri, &headers, b""), at(T))
}

const SUBSCRIBE: &str =
    "/webhooks?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock";

#[test]
fn an_independently_computed_signature_verifies_and_signing_reproduces_it() {
    let headers = with_header(HeaderMap::new(), "x-hub-signature-256", SIGNATURE);
    assert!(receiver().verify_at(&headers, BODY, at(T)).is_ok());
    let signed = receiver().sign_at(BODY, at(T)).expect("sign");
    assert_eq!(signed["x-hub-signature-256"], SIGNATURE);
}

#[test]
fn the_same_text_with_unicode_unescaped_does_not_verify() {
    let headers = with_header(HeaderMap::new(), "x-hub-signature-256", SIGNATURE);
    let reencoded = String::from_utf8(BODY.to_vec())
        .expect("utf-8")
        .replace(r"\u00e9", "é");
    assert_eq!(
        receiver().verify_at(&headers, reencoded.as_bytes(), at(T)),
        Err(Error::SignatureMismatch)
    );
}

#[test]
fn the_sha1_header_alone_is_not_enough() {
    let headers = with_header(
        HeaderMap::new(),
        "x-hub-signature",
        "sha1=0000000000000000000000000000000000000000",
    );
    assert!(matches!(
        receiver().verify_at(&headers, BODY, at(T)),
        Err(Error::MissingHeader(_))
    ));
}

#[test]
fn the_configured_verify_token_gets_the_challenge_back_as_text() {
    let receiver = receiver().with_verify_token("meatyhamhock").expect("token");
    let reply = handshake(&receiver, Method::GET, SUBSCRIBE)
        .expect("a handshake")
        .expect("answered");
    assert_eq!(reply.status(), StatusCode::OK);
    assert_eq!(reply.body(), "1158201444");
    let content_type = reply.headers()[http::header::CONTENT_TYPE]
        .to_str()
        .expect("ascii");
    assert!(content_type.starts_with("text/plain"), "{content_type}");
}

#[test]
fn without_a_verify_token_every_handshake_is_refused_as_misconfiguration() {
    match handshake(&receiver(), Method::GET, SUBSCRIBE) {
        Some(Err(err @ Error::InvalidSecret(_))) => {
            assert!(err.to_string().contains("verify token"), "{err}");
            assert_eq!(err.status(), StatusCode::INTERNAL_SERVER_ERROR);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_wrong_or_missing_token_a_wrong_mode_or_a_bad_challenge_is_refused() {
    let receiver = receiver().with_verify_token("meatyhamhock").expect("token");
    for uri in [
        "/webhooks?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhocK",
        "/webhooks?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhoc",
        "/webhooks?hub.mode=subscribe&hub.challenge=1158201444",
        "/webhooks?hub.mode=unsubscribe&hub.challenge=1158201444&hub.verify_token=meatyhamhock",
        "/webhooks?hub.mode=subscribe&hub.verify_token=meatyhamhock",
        "/webhooks?hub.mode=subscribe&hub.challenge=&hub.verify_token=meatyhamhock",
        "/webhooks?hub.mode=subscribe&hub.challenge=%3Cscript%3E%20x&hub.verify_token=meatyhamhock",
        "/webhooks?hub.mode=subscribe&hub.challenge=1%0A2&hub.verify_token=meatyhamhock",
    ] {
        match handshake(&receiver, Method::GET, uri) {
            Some(Err(Error::SignatureMismatch)) => {}
            other => panic!("{uri}: expected a refusal, got {other:?}"),
        }
    }
}

#[test]
fn a_challenge_over_256_characters_is_refused() {
    let receiver = receiver().with_verify_token("t").expect("token");
    let uri = |len: usize| {
        format!(
            "/w?hub.mode=subscribe&hub.verify_token=t&hub.challenge={}",
            "1".repeat(len)
        )
    };
    assert!(matches!(
        handshake(&receiver, Method::GET, &uri(257)),
        Some(Err(Error::SignatureMismatch))
    ));
    assert!(matches!(
        handshake(&receiver, Method::GET, &uri(256)),
        Some(Ok(_))
    ));
}

#[test]
fn a_percent_encoded_token_is_compared_decoded() {
    let receiver = receiver()
        .with_verify_token("a token/with+signs")
        .expect("token");
    let uri = "/w?hub.mode=subscribe&hub.challenge=7&hub.verify_token=a%20token%2Fwith%2Bsigns";
    assert!(matches!(
        handshake(&receiver, Method::GET, uri),
        Some(Ok(_))
    ));
}

#[test]
fn posts_and_gets_without_hub_mode_are_deliveries_not_handshakes() {
    let receiver = receiver().with_verify_token("meatyhamhock").expect("token");
    assert!(handshake(&receiver, Method::POST, SUBSCRIBE).is_none());
    assert!(handshake(&receiver, Method::GET, "/webhooks?hub.challenge=1").is_none());
    assert!(handshake(&receiver, Method::GET, "/webhooks").is_none());
}

#[test]
fn a_blank_verify_token_is_refused_at_configuration() {
    assert!(matches!(
        receiver().with_verify_token(" "),
        Err(Error::InvalidSecret(_))
    ));
}

#[test]
fn the_last_verify_token_set_is_the_one_answered() {
    let receiver = receiver()
        .with_verify_token("old")
        .and_then(|r| r.with_verify_token("meatyhamhock"))
        .expect("tokens");
    assert!(matches!(
        handshake(&receiver, Method::GET, SUBSCRIBE),
        Some(Ok(_))
    ));
    let old = "/w?hub.mode=subscribe&hub.challenge=1&hub.verify_token=old";
    assert!(matches!(
        handshake(&receiver, Method::GET, old),
        Some(Err(_))
    ));
}

#[test]
fn the_event_type_is_the_object_the_id_empty_and_the_time_the_first_entrys() {
    let event = receiver().parse(BODY).expect("parse");
    assert_eq!((event.event_type(), &*event.id()), ("page", ""));
    assert_eq!(event.occurred_at().map(|t| t.unix_timestamp()), Some(T));
    assert_eq!(event.entry[0].changes[0].field, "feed");
    assert_eq!(event.entry[0].changes[0].value["message"], "café");
}

#[test]
fn messenger_milliseconds_and_numeric_ids_read_and_whatsapp_has_no_time() {
    let messenger = br#"{"object":"page","entry":[{"id":42,"time":1700000000123,"messaging":[{"message":{"text":"hi"}}]}]}"#;
    let event = receiver().parse(messenger).expect("parse");
    assert_eq!(event.entry[0].id, "42");
    assert_eq!(
        event.occurred_at().map(|t| t.unix_timestamp_nanos()),
        Some(1_700_000_000_123_000_000)
    );
    let whatsapp = br#"{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{}}]}]}"#;
    assert_eq!(
        receiver().parse(whatsapp).expect("parse").occurred_at(),
        None
    );
}

#[test]
fn an_unknown_object_and_new_fields_parse() {
    let body = br#"{"object":"threads","entry":[{"id":"1","new":{"a":1}}],"extra":true}"#;
    let event = receiver().parse(body).expect("parse");
    assert_eq!(event.event_type(), "threads");
    assert_eq!(event.raw["entry"][0]["new"]["a"], 1);
}

#[test]
fn only_200_counts_as_delivered() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (202, "", Outcome::Retry),
            (500, "", Outcome::Retry),
        ],
    );
}

#[test]
fn the_schedule_stays_within_seven_days() {
    let schedule = RetrySchedule::meta();
    assert!(schedule.horizon() <= Duration::from_secs(7 * 24 * 3600));
    assert_eq!(schedule.delay_after(1), Some(Duration::from_secs(60)));
    assert_eq!(receiver().retry_schedule(), schedule);
}
