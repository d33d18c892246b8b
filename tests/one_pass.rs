//! The one-pass envelope read (src/engine/envelope.rs) is only a faster route: for
//! every provider, a body gives the same event, or the same error at the
//! same position, whether its type comes before its data (read in one pass)
//! or after it (captured, then parsed).

mod common;

use serde::Deserialize;
use serde::de::DeserializeOwned;
use webhook_kit::clickfunnels::{ClickFunnels, Contact};
use webhook_kit::falu::{Falu, ObjectData};
use webhook_kit::fourvenues::{Fourvenues, PaymentSuccess};
use webhook_kit::funnel::{Funnel, StatusUpdated};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Provider};

/// The error serde_json gives reading `body` into `T` in one go, as this
/// crate reports it.
fn direct_error<T: DeserializeOwned + std::fmt::Debug>(body: &str) -> Error {
    let err = serde_json::from_str::<T>(body).expect_err("invalid");
    let text = err.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    Error::InvalidPayload {
        message: message.into(),
        line: err.line(),
        column: err.column(),
    }
}

/// `body` with the type first and with the data first parse alike, and,
/// when the data is bad, fail where serde_json alone fails on the body.
fn check<P, T>(provider: &P, type_first: &str, data_first: &str)
where
    P: Provider<Event: PartialEq + std::fmt::Debug>,
    T: DeserializeOwned + std::fmt::Debug,
{
    let one_pass = provider.parse(type_first.as_bytes());
    let two_pass = provider.parse(data_first.as_bytes());
    match (&one_pass, &two_pass) {
        (Ok(a), Ok(b)) => assert_eq!(a, b),
        (Err(a), Err(b)) => {
            assert_eq!(*a, direct_error::<T>(type_first), "{type_first}");
            assert_eq!(*b, direct_error::<T>(data_first), "{data_first}");
        }
        _ => panic!("{one_pass:?} / {two_pass:?}"),
    }
    let headers = provider
        .sign_at(type_first.as_bytes(), common::now())
        .expect("sign");
    // Verified, the same (Standard Webhooks takes its id from the headers).
    let received = provider.verify_and_parse_at(&headers, type_first.as_bytes(), common::now());
    match (received, one_pass) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b),
        other => panic!("{other:?}"),
    }
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the errors matter")]
struct FunnelDirect {
    id: u64,
    event_type: String,
    event_data: StatusUpdated,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the errors matter")]
struct FourvenuesDirect {
    id: String,
    event: String,
    payload: PaymentSuccess,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the errors matter")]
struct FaluDirect {
    id: String,
    #[serde(rename = "type")]
    event_type: String,
    data: ObjectData,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the errors matter")]
struct ClickFunnelsDirect {
    event_id: String,
    event_type: String,
    data: Contact,
}

#[derive(Debug, Deserialize)]
#[allow(dead_code, reason = "only the errors matter")]
struct StandardDirect {
    #[serde(rename = "type")]
    event_type: String,
    data: serde_json::Value,
}

/// The envelope `{<head>, <type>, <data>}` in both orders.
fn orders(head: &str, event_type: &str, data: &str) -> (String, String) {
    (
        format!("{{{head}{event_type},\n {data}}}"),
        format!("{{{head}{data},\n {event_type}}}"),
    )
}

#[test]
fn funnel() {
    let funnel = Funnel::new();
    let ty = r#""event_type": "lease_transaction.status_updated""#;
    for data in [
        r#""event_data": {"lease_transaction_id": 1, "lease_transaction_type": "A", "current_status": "B", "client_id": 2, "community_id": 3}"#,
        r#""event_data": {"lease_transaction_id": "1"}"#,
        r#""event_data": {"lease_transaction_id": 1}"#,
        r#""event_data": [1, 2]"#,
    ] {
        let (a, b) = orders(r#""id": 8932127, "#, ty, data);
        check::<_, FunnelDirect>(&funnel, &a, &b);
    }
    // v3, and both versions in one body (v2 names the type).
    let (a, b) = orders(
        r#""id": 1, "#,
        r#""event": "quote.created""#,
        r#""data": {"q": 1}"#,
    );
    check::<_, FunnelDirect>(&funnel, &a, &b);
    let mixed = r#"{"id": 1, "event": "quote.created", "data": {"q": 1}, "event_type": "quote.created", "event_data": {"v2": true}}"#;
    let event = funnel.parse(mixed.as_bytes()).expect("parses");
    assert_eq!(event.version, webhook_kit::funnel::EnvelopeVersion::V2);
    assert_eq!(
        serde_json::to_value(&event.data).expect("serializes")["data"],
        serde_json::json!({"v2": true})
    );
}

#[test]
fn fourvenues() {
    let fourvenues = Fourvenues::new("secret").expect("secret");
    let ty = r#""event": "payment.success""#;
    for data in [
        r#""payload": {"payment_id": "p", "resource_type": "ticket", "resource_ids": ["t"]}"#,
        r#""payload": {"payment_id": 7}"#,
        r#""payload": "text""#,
    ] {
        let (a, b) = orders(r#""id": "e", "#, ty, data);
        check::<_, FourvenuesDirect>(&fourvenues, &a, &b);
    }
}

#[test]
fn falu() {
    let falu = Falu::new("secret").expect("secret");
    let ty = r#""type": "payment.updated""#;
    for data in [
        r#""data": {"object": {"id": "pa_1", "amount": 1000, "status": "succeeded"}, "previous": {"status": "pending"}}"#,
        r#""data": {"object": 5}"#,
    ] {
        let (a, b) = orders(
            r#""id": "evt_1", "created": "2022-02-01T10:00:00Z", "#,
            ty,
            data,
        );
        check::<_, FaluDirect>(&falu, &a, &b);
    }
    // CloudEvents: the request inside the data is read, whatever the order.
    let data = r#""data": {"object": {"id": "pa_1"}, "request": {"id": "req_1"}}"#;
    for ty in [r#""type": "io.falu.payment.updated""#, ty] {
        let (a, b) = orders(r#""id": "e", "specversion": "1.0", "#, ty, data);
        check::<_, FaluDirect>(&falu, &a, &b);
        let event = falu.parse(a.as_bytes()).expect("parses");
        assert!(event.request.is_some(), "{a}");
    }
}

#[test]
fn clickfunnels() {
    let clickfunnels = ClickFunnels::new("secret").expect("secret");
    let ty = r#""event_type": "contact.identified""#;
    for data in [
        r#""data": {"id": 236296209, "email_address": "bob@example.com"}"#,
        r#""data": {"id": "x"}"#,
        r#""data": {"id": 1, "id": 2}"#,
    ] {
        let (a, b) = orders(r#""event_id": "e", "#, ty, data);
        check::<_, ClickFunnelsDirect>(&clickfunnels, &a, &b);
    }
}

#[test]
fn standard() {
    let standard = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD").expect("secret");
    for data in [
        r#""data": {"id": "in_1", "amount": 1900}"#,
        r#""data": [1, {"a": null}]"#,
    ] {
        let (a, b) = orders(
            r#""timestamp": "2024-04-04T19:16:31Z", "#,
            r#""type": "invoice.paid""#,
            data,
        );
        check::<_, StandardDirect>(&standard, &a, &b);
    }
    // A duplicate data field is refused at the same place either way.
    let body = r#"{"type": "a", "data": 1, "data": 2}"#;
    assert_eq!(
        standard.parse(body.as_bytes()).expect_err("duplicate"),
        direct_error::<StandardDirect>(body)
    );
}
