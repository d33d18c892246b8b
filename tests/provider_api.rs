//! The `Provider` API every sender shares: it is dyn-compatible, its events
//! survive a JSON round trip (a queue), `receive_at` gives each sender's
//! `Delivery`, one `Receivers` holds several senders, a body can be received
//! into a user type, and the `http`/`time` re-exports are usable.

mod common;

use common::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use webhook_kit::clickfunnels::{self, ClickFunnels};
use webhook_kit::falu::{self, Falu};
use webhook_kit::fourvenues::{self, Fourvenues};
use webhook_kit::funnel::{self, Funnel};
use webhook_kit::standard::{self, StandardWebhooks};
use webhook_kit::{Error, Outcome, Provider, Received, Receivers, WebhookEvent};

const WHSEC: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OLD_WHSEC: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const FALU: &[u8] = include_bytes!("data/falu_cloudevents_message_delivered.json");
const CLICKFUNNELS: &[u8] = include_bytes!("data/clickfunnels_contact_identified.json");
const FOURVENUES: &[u8] = include_bytes!("data/fourvenues_payment_success.json");
const FUNNEL: &[u8] = include_bytes!("data/funnel_v3_unit_reserved.json");
const STANDARD: &[u8] =
    br#"{"type": "user.created", "timestamp": "2024-04-04T19:16:30Z", "data": {"id": "user_29w83sxmDNGwOuEthce5gg56FcC", "email": "a@example.com"}}"#;

fn falu() -> Falu {
    Falu::new("falu-secret").expect("secret")
}

fn clickfunnels() -> ClickFunnels {
    ClickFunnels::new("cf-secret").expect("secret")
}

fn fourvenues() -> Fourvenues {
    Fourvenues::new("fv-secret").expect("secret")
}

fn funnel() -> Funnel {
    Funnel::new().with_token("fl-token").expect("token")
}

fn standard() -> StandardWebhooks {
    StandardWebhooks::new(WHSEC).expect("secret")
}

#[test]
fn a_boxed_dyn_provider_compiles_and_works() {
    let boxed: Box<dyn Provider<Event = falu::Event>> = Box::new(falu());
    let receivers: Vec<Box<dyn Provider<Event = falu::Event> + Send + Sync>> = vec![
        Box::new(falu()),
        Box::new(
            Falu::new("other")
                .and_then(|f| f.with_secret("falu-secret"))
                .expect("secret"),
        ),
    ];
    let headers = boxed.sign_at(FALU, now()).expect("sign");
    assert!(boxed.verify_at(&headers, FALU, now()).is_ok());
    let received = boxed.receive_at(&headers, FALU, now()).expect("received");
    assert_eq!(received.event.event_type(), "message.delivered");
    assert_eq!(received.event, boxed.parse(FALU).expect("parse"));
    assert_eq!(
        boxed
            .verify_and_parse_at(&headers, FALU, now())
            .expect("event"),
        received.event
    );
    assert_eq!(
        boxed.reply_rule().classify(&boxed.acknowledge()),
        Outcome::Delivered
    );
    assert_eq!(boxed.retry_schedule().max_attempts(), 1);
    for (index, receiver) in receivers.iter().enumerate() {
        let delivery = receiver.verify_at(&headers, FALU, now()).expect("verifies");
        assert_eq!(delivery.secret_index(), Some(index));
    }
    let mut tampered = FALU.to_vec();
    tampered[10] ^= 1;
    assert_eq!(
        boxed.verify_at(&headers, &tampered, now()),
        Err(Error::SignatureMismatch)
    );
}

/// `to_string` then `from_str`: the event a queue gives back equals the
/// event that was put in.
fn round_trip<E>(event: &E) -> E
where
    E: serde::Serialize + DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let json = serde_json::to_string(event).expect("serialize");
    let back: E = serde_json::from_str(&json).expect("deserialize");
    assert_eq!(&back, event, "{json}");
    back
}

#[test]
fn every_providers_event_survives_a_json_round_trip() {
    round_trip(&falu().parse(FALU).expect("falu"));
    round_trip(
        &falu()
            .parse(include_bytes!("data/falu_basic_payment_updated.json"))
            .expect("falu"),
    );
    round_trip(&clickfunnels().parse(CLICKFUNNELS).expect("clickfunnels"));
    round_trip(&fourvenues().parse(FOURVENUES).expect("fourvenues"));
    round_trip(
        &fourvenues()
            .parse(include_bytes!("data/fourvenues_ticket_request_refund.json"))
            .expect("fourvenues"),
    );
    round_trip(&funnel().parse(FUNNEL).expect("funnel v3"));
    round_trip(
        &funnel()
            .parse(include_bytes!("data/funnel_v2_status_updated.json"))
            .expect("v2"),
    );
    round_trip(&standard().parse(STANDARD).expect("standard"));
}

#[test]
fn unknown_types_survive_a_json_round_trip() {
    let falu = round_trip(
        &falu()
            .parse(br#"{"specversion": "1.0", "id": "e", "type": "io.falu.wallet.created", "data": {"object": {"n": 1.5}}}"#)
            .expect("falu"),
    );
    assert!(matches!(&falu.data, falu::EventData::Unknown(u) if u.event_type == "wallet.created"));
    let cf = round_trip(
        &clickfunnels()
            .parse(
                br#"{"event_id": "e", "event_type": "invoice.paid", "data": {"amount": "9.99"}}"#,
            )
            .expect("cf"),
    );
    assert!(matches!(&cf.data, clickfunnels::EventData::Unknown(u) if u.data["amount"] == "9.99"));
    let fv = round_trip(
        &fourvenues()
            .parse(br#"{"id": "w1", "event": "ticket.scanned", "payload": {"qr_code": "Q"}}"#)
            .expect("fv"),
    );
    assert!(
        matches!(&fv.data, fourvenues::EventData::Unknown(u) if u.event_type == "ticket.scanned")
    );
    let fl = round_trip(
        &funnel()
            .parse(br#"{"id": 2, "event_type": "resident.renewed", "event_timestamp": 1, "event_data": {"r": [1, null]}}"#)
            .expect("funnel"),
    );
    assert!(
        matches!(&fl.data, funnel::EventData::Unknown(u) if u.event_type == "resident.renewed")
    );
    let sw = round_trip(
        &standard()
            .parse(br#"{"type": "a.b", "data": null}"#)
            .expect("sw"),
    );
    assert!(matches!(&sw.data, standard::EventData::Unknown(u) if u.event_type == "a.b"));
}

/// "Verify, enqueue, acknowledge, process later": the Standard Webhooks
/// message id comes from the header and stays with the queued event.
#[test]
fn standard_keeps_the_header_message_id_across_the_queue() {
    let body = br#"{"id": "from_body", "type": "user.created", "data": {}}"#;
    let headers = standard()
        .sign_with_id_at("msg_from_header", body, now())
        .expect("sign");
    let received = standard()
        .receive_at(&headers, body, now())
        .expect("received");
    assert_eq!(received.event.id(), "msg_from_header");
    assert_eq!(received.delivery.id(), Some("msg_from_header"));
    let queued = serde_json::to_string(&(&received.event, &received.delivery)).expect("queue");
    let (event, delivery): (standard::Event, webhook_kit::Delivery) =
        serde_json::from_str(&queued).expect("dequeue");
    assert_eq!(event, received.event);
    assert_eq!(event.id(), "msg_from_header");
    assert_eq!(delivery, received.delivery);
    assert_eq!(delivery.timestamp(), Some(now()));
}

#[test]
fn receive_at_gives_each_providers_delivery() {
    // (name, id, signed timestamp, secret index) per provider.
    fn check<P: Provider<Event: PartialEq + std::fmt::Debug>>(
        p: &P,
        body: &[u8],
        id: Option<&str>,
        stamped: bool,
        index: Option<usize>,
    ) {
        let headers = p.sign_at(body, now()).expect("sign");
        let Received {
            event, delivery, ..
        } = p.receive_at(&headers, body, now()).expect("received");
        assert_eq!(
            event,
            p.verify_and_parse_at(&headers, body, now()).expect("event")
        );
        assert_eq!(
            delivery,
            p.verify_at(&headers, body, now()).expect("verified")
        );
        assert_eq!(delivery.id(), id);
        assert_eq!(delivery.timestamp(), stamped.then(now));
        assert_eq!(delivery.secret_index(), index);
    }
    check(&falu(), FALU, None, true, Some(0));
    check(&clickfunnels(), CLICKFUNNELS, None, true, Some(0));
    check(
        &fourvenues(),
        FOURVENUES,
        Some("6571a9f2c1d2e3f4a5b6c7d8"),
        false,
        Some(0),
    );
    check(&funnel(), FUNNEL, None, false, Some(0));
    check(&Funnel::new(), FUNNEL, None, false, None);
    let headers = standard().sign_at(STANDARD, now()).expect("sign");
    let id = headers["webhook-id"].to_str().expect("ascii").to_owned();
    check(&standard(), STANDARD, Some(&id), true, Some(0));
}

/// After rotation, a sender still on the old secret is seen as index 1.
#[test]
fn secret_index_is_one_for_the_old_secret_after_rotation() {
    fn check<P: Provider>(new_and_old: &P, old: &P, body: &[u8]) {
        let headers = old.sign_at(body, now()).expect("sign");
        let received = new_and_old
            .receive_at(&headers, body, now())
            .expect("received");
        assert_eq!(received.delivery.secret_index(), Some(1));
    }
    let falu_old = Falu::new("old").expect("secret");
    check(&falu().with_secret("old").expect("secret"), &falu_old, FALU);
    let cf_old = ClickFunnels::new("old").expect("secret");
    check(
        &clickfunnels().with_secret("old").expect("secret"),
        &cf_old,
        CLICKFUNNELS,
    );
    let fv_old = Fourvenues::new("old").expect("secret");
    check(
        &fourvenues().with_secret("old").expect("secret"),
        &fv_old,
        FOURVENUES,
    );
    let fl_old = Funnel::new().with_token("old").expect("token");
    check(&funnel().with_token("old").expect("token"), &fl_old, FUNNEL);
    let sw_old = StandardWebhooks::new(OLD_WHSEC).expect("secret");
    check(
        &standard().with_secret(OLD_WHSEC).expect("secret"),
        &sw_old,
        STANDARD,
    );
}

#[test]
fn one_receivers_holds_all_five_providers() {
    let receivers = Receivers::new()
        .with_receiver("falu", falu())
        .with_receiver("clickfunnels", clickfunnels())
        .with_receiver("fourvenues", fourvenues())
        .with_receiver("funnel", funnel())
        .with_receiver("standard", standard());
    assert_eq!(
        receivers.names().collect::<Vec<_>>(),
        ["falu", "clickfunnels", "fourvenues", "funnel", "standard"]
    );
    assert!(receivers.get("stripe").is_none());
    let cases: [(&str, &[u8], http::HeaderMap, &str); 5] = [
        (
            "falu",
            FALU,
            falu().sign_at(FALU, now()).expect("sign"),
            "message.delivered",
        ),
        (
            "clickfunnels",
            CLICKFUNNELS,
            clickfunnels().sign_at(CLICKFUNNELS, now()).expect("sign"),
            "contact.identified",
        ),
        (
            "fourvenues",
            FOURVENUES,
            fourvenues().sign_at(FOURVENUES, now()).expect("sign"),
            "payment.success",
        ),
        (
            "funnel",
            FUNNEL,
            funnel().sign_at(FUNNEL, now()).expect("sign"),
            "lease_transaction.unit_reserved",
        ),
        (
            "standard",
            STANDARD,
            standard()
                .sign_with_id_at("msg_r", STANDARD, now())
                .expect("sign"),
            "user.created",
        ),
    ];
    for (name, body, headers, event_type) in &cases {
        let receiver = receivers.get(name).expect("routed");
        let received = receiver.receive_at(headers, body, now()).expect(name);
        assert_eq!(received.event.event_type(), *event_type, "{name}");
        assert_eq!(received.delivery.secret_index(), Some(0), "{name}");
        let json = received.event.to_json().expect("json");
        assert_eq!(json["data"]["type"], *event_type, "{name}");
        assert!(
            receiver
                .reply_rule()
                .classify(&receiver.acknowledge())
                .is_success()
        );
        // A request for one provider is not authentic for another.
        for (other, _, other_headers, _) in &cases {
            if other != name && *name != "funnel" {
                let err = receiver
                    .verify_at(other_headers, body, now())
                    .expect_err(other);
                assert!(err.is_auth(), "{name} with {other}'s headers: {err:?}");
            }
        }
    }
    let falu_event = receivers
        .get("falu")
        .expect("routed")
        .verify_and_parse_at(&cases[0].2, FALU, now())
        .expect("event");
    assert_eq!(
        falu_event.downcast_ref::<falu::Event>(),
        Some(&falu().parse(FALU).expect("parse"))
    );
    assert!(falu_event.downcast_ref::<standard::Event>().is_none());
    let standard_event = receivers
        .get("standard")
        .expect("routed")
        .parse(STANDARD)
        .expect("parse");
    assert_eq!(
        standard_event
            .downcast_ref::<standard::Event>()
            .map(|e| e.event_type().to_owned()),
        Some("user.created".to_owned())
    );
    assert_eq!(
        format!("{receivers:?}"),
        r#"["falu", "clickfunnels", "fourvenues", "funnel", "standard"]"#
    );
}

/// A user's own event enum, as a Clerk or Resend integration would write it.
#[derive(Debug, PartialEq, Deserialize)]
#[serde(tag = "type", content = "data")]
enum ClerkEvent {
    #[serde(rename = "user.created")]
    UserCreated { id: String, email: String },
    #[serde(rename = "user.deleted")]
    UserDeleted { id: String },
}

#[test]
#[allow(
    deprecated,
    reason = "the old names must keep working until they are removed"
)]
fn the_old_names_router_route_and_max_body_size_still_work() {
    let receivers: webhook_kit::Router =
        webhook_kit::Router::new().route("falu", falu().max_body_size(64));
    let falu = receivers.get("falu").expect("held");
    assert_eq!(falu.max_body(), 64);
    assert!(matches!(
        falu.verify_at(&http::HeaderMap::new(), &[b' '; 65], now()),
        Err(Error::BodyTooLarge { .. })
    ));
}

#[test]
fn standard_receives_into_a_user_type() {
    let headers = standard()
        .sign_with_id_at("msg_u", STANDARD, now())
        .expect("sign");
    let received: Received<ClerkEvent> = standard()
        .receive_as_at(&headers, STANDARD, now())
        .expect("received");
    assert_eq!(
        received.event,
        ClerkEvent::UserCreated {
            id: "user_29w83sxmDNGwOuEthce5gg56FcC".into(),
            email: "a@example.com".into()
        }
    );
    assert_eq!(received.delivery.id(), Some("msg_u"));
    // Authentication comes first: a forged request is never parsed.
    let forged = with_header(
        headers.clone(),
        "webhook-signature",
        "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    );
    let err = standard()
        .receive_as_at::<ClerkEvent>(&forged, b"{oops", now())
        .expect_err("forged");
    assert!(err.is_auth(), "{err:?}");
    // An authentic body of another shape is a positioned payload error.
    let body = br#"{"type": "session.created", "data": {}}"#;
    let headers = standard().sign_at(body, now()).expect("sign");
    let err = standard()
        .receive_as_at::<ClerkEvent>(&headers, body, now())
        .expect_err("unknown variant");
    assert!(
        matches!(err, Error::InvalidPayload { line: 1, .. }),
        "{err:?}"
    );
    // Deleted events deserialize too.
    let body = br#"{"type": "user.deleted", "data": {"id": "u1"}}"#;
    let headers = standard().sign_at(body, now()).expect("sign");
    let received = standard()
        .receive_as_at::<ClerkEvent>(&headers, body, now())
        .expect("ok");
    assert_eq!(received.event, ClerkEvent::UserDeleted { id: "u1".into() });
}

/// The crate's own `http` and `time` are enough to call it: a user needs no
/// matching versions of their own.
#[test]
fn the_http_and_time_re_exports_are_usable() {
    use webhook_kit::http::{HeaderMap, HeaderValue};
    use webhook_kit::time::OffsetDateTime;

    let now: OffsetDateTime = OffsetDateTime::from_unix_timestamp(NOW).expect("time");
    let signed = falu().sign_at(FALU, now).expect("sign");
    let mut headers = HeaderMap::new();
    headers.insert(
        "x-falu-signature",
        HeaderValue::from_str(signed["x-falu-signature"].to_str().expect("ascii")).expect("value"),
    );
    assert!(falu().verify_at(&headers, FALU, now).is_ok());
    let ack: webhook_kit::http::Response<&'static str> = falu().acknowledge();
    assert_eq!(ack.status(), webhook_kit::http::StatusCode::OK);
}

/// Bug (Cargo.toml, not a test): serde_json without its `float_roundtrip`
/// feature parses some decimal texts to an f64 one ulp off the nearest,
/// so a float in an event's raw data can change across a queue:
/// `-4.12794508675188e+231` reads as a value that prints as
/// `-4.1279450867518795e+231`, which reads back as another value. Found by
/// `properties::parsed_events_survive_a_json_round_trip`. Fix: enable
/// `serde_json/float_roundtrip`.
#[test]
fn a_float_in_the_data_survives_the_queue() {
    let body = br#"{"type": "payment.updated", "id": "evt_7", "data": [-4.12794508675188e+231]}"#;
    round_trip(&standard().parse(body).expect("parses"));
    let body = br#"{"id": "e", "type": "wallet.created", "data": [-4.12794508675188e+231]}"#;
    round_trip(&falu().parse(body).expect("parses"));
}

/// API.md: every receiver type is `Clone + Send + Sync + Debug`, and so is
/// every event (a handler moves both across threads and queues).
#[test]
fn every_receiver_and_event_can_cross_threads() {
    fn receiver<T: Clone + Send + Sync + std::fmt::Debug + Provider>()
    where
        T::Event: Clone + Send + Sync + std::fmt::Debug + PartialEq,
    {
    }
    receiver::<webhook_kit::funnel::Funnel>();
    receiver::<webhook_kit::fourvenues::Fourvenues>();
    receiver::<webhook_kit::falu::Falu>();
    receiver::<webhook_kit::clickfunnels::ClickFunnels>();
    receiver::<webhook_kit::standard::StandardWebhooks>();
    receiver::<webhook_kit::github::GitHub>();
    receiver::<webhook_kit::stripe::Stripe>();
    receiver::<webhook_kit::shopify::Shopify>();
    receiver::<webhook_kit::slack::Slack>();
    receiver::<webhook_kit::custom::CustomReceiver>();
}
