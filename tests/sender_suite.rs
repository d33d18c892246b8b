//! What every sender described on the receiver core must do, checked for
//! each sender in the list at the bottom: one line there adds a sender to
//! every check.

use std::fmt::Debug;
use std::time::Duration;

use webhook_kit::http::{HeaderMap, HeaderValue};
use webhook_kit::time::OffsetDateTime;
use webhook_kit::{Error, Provider, WebhookEvent};

/// A sender as the suite sees it.
struct Sender<P> {
    /// A receiver that can sign (the first secret or the signing key).
    signer: P,
    /// A receiver trusting only another secret or key.
    stranger: P,
    /// What constructing with an empty secret or key gives.
    empty: Result<P, Error>,
    /// A genuine body, JSON the sender's envelope reads.
    body: &'static [u8],
    /// Headers a delivery carries that the signature does not cover.
    unsigned: &'static [&'static str],
    /// The secret or key text given to `signer`, never to be shown.
    secret: &'static str,
}

fn now() -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("valid")
}

fn signed<P: Provider>(sender: &Sender<P>) -> HeaderMap {
    sender.signer.sign_at(sender.body, now()).expect("sign")
}

fn a_signed_delivery_verifies_and_parses<P: Provider>(sender: &Sender<P>) {
    let headers = signed(sender);
    let delivery = sender
        .signer
        .verify_at(&headers, sender.body, now())
        .expect("genuine");
    assert_eq!(delivery.secret_index(), Some(0));
    let event = sender
        .signer
        .verify_and_parse_at(&headers, sender.body, now())
        .expect("parse");
    assert!(!event.event_type().is_empty());
}

fn every_signed_header_byte_and_every_body_byte_matter<P: Provider>(sender: &Sender<P>) {
    let headers = signed(sender);
    for (name, value) in &headers {
        if sender.unsigned.contains(&name.as_str()) {
            continue;
        }
        let bytes = value.as_bytes();
        for at in 0..bytes.len() {
            let mut changed = bytes.to_vec();
            changed[at] = if bytes[at] == b'1' { b'2' } else { b'1' };
            let mut tampered = headers.clone();
            tampered.insert(
                name.clone(),
                HeaderValue::from_bytes(&changed).expect("value"),
            );
            assert!(
                sender
                    .signer
                    .verify_at(&tampered, sender.body, now())
                    .is_err(),
                "{name}: byte {at} of {value:?} changed and still accepted"
            );
        }
        let mut without = headers.clone();
        without.remove(name);
        assert!(
            sender
                .signer
                .verify_at(&without, sender.body, now())
                .is_err(),
            "{name} removed and still accepted"
        );
    }
    for at in 0..sender.body.len() {
        let mut body = sender.body.to_vec();
        body[at] ^= 0x01;
        assert!(
            matches!(
                sender.signer.verify_at(&headers, &body, now()),
                Err(Error::SignatureMismatch)
            ),
            "body byte {at} changed and still accepted"
        );
    }
}

fn another_key_is_refused<P: Provider>(sender: &Sender<P>) {
    let headers = signed(sender);
    assert!(matches!(
        sender.stranger.verify_at(&headers, sender.body, now()),
        Err(Error::SignatureMismatch)
    ));
}

fn an_empty_secret_is_refused_at_construction<P: Debug>(sender: &Sender<P>) {
    assert!(
        matches!(sender.empty, Err(Error::InvalidSecret(_))),
        "{:?}",
        sender.empty
    );
}

fn debug_never_shows_the_secret<P: Provider + Debug>(sender: &Sender<P>) {
    let shown = format!("{:?} {:?}", sender.signer, sender.stranger);
    assert!(!shown.contains(sender.secret), "{shown}");
}

fn an_authentic_body_that_is_not_json_is_a_positioned_payload_error<P: Provider>(
    sender: &Sender<P>,
) {
    let body = b"not json at all";
    let headers = sender.signer.sign_at(body, now()).expect("sign");
    match sender.signer.verify_and_parse_at(&headers, body, now()) {
        Err(err @ Error::InvalidPayload { .. }) => {
            assert_eq!(err.status_code(), 400);
            assert!(err.to_string().contains("line 1"), "{err}");
        }
        Err(other) => panic!("expected a payload error, got {other:?}"),
        Ok(_) => panic!("text that is not JSON parsed as an event"),
    }
}

fn the_event_survives_a_json_round_trip<P: Provider>(sender: &Sender<P>)
where
    P::Event: serde::Serialize + serde::de::DeserializeOwned + PartialEq + Debug,
{
    let event = sender.signer.parse(sender.body).expect("parse");
    let text = serde_json::to_string(&event).expect("serialize");
    let back: P::Event = serde_json::from_str(&text).expect("deserialize");
    assert_eq!(back, event);
}

fn the_window_holds_at_its_exact_edges<P: Provider>(sender: &Sender<P>, tolerance: Duration) {
    let headers = signed(sender);
    let ok = |at: OffsetDateTime| sender.signer.verify_at(&headers, sender.body, at);
    assert!(ok(now() + tolerance).is_ok(), "at the past edge");
    assert!(matches!(
        ok(now() + tolerance + Duration::from_secs(1)),
        Err(Error::TimestampTooOld { .. })
    ));
    let future = sender
        .signer
        .verify_at(&headers, sender.body, now() - tolerance);
    assert!(future.is_ok(), "at the future edge: {future:?}");
    assert!(matches!(
        ok(now() - tolerance - Duration::from_secs(1)),
        Err(Error::TimestampInFuture { .. })
    ));
}

fn a_body_over_the_limit_is_refused_before_anything_else<P: Provider>(sender: &Sender<P>) {
    let big = vec![b' '; sender.signer.max_body() + 1];
    assert!(matches!(
        sender.signer.verify_at(&HeaderMap::new(), &big, now()),
        Err(Error::BodyTooLarge { .. })
    ));
}

/// Runs every check for one sender. `tolerance` is the window of a sender
/// that signs a timestamp (the same both ways for the suite's purpose).
macro_rules! sender_suite {
    ($($module:ident: $make:expr, tolerance: $tolerance:expr;)*) => {
        $(
        mod $module {
            use super::*;

            fn sender() -> Sender<impl Provider + Debug> {
                $make
            }

            #[test]
            fn a_signed_delivery_verifies_and_parses() {
                super::a_signed_delivery_verifies_and_parses(&sender());
            }

            #[test]
            fn every_signed_header_byte_and_every_body_byte_matter() {
                super::every_signed_header_byte_and_every_body_byte_matter(&sender());
            }

            #[test]
            fn another_key_is_refused() {
                super::another_key_is_refused(&sender());
            }

            #[test]
            fn an_empty_secret_is_refused_at_construction() {
                super::an_empty_secret_is_refused_at_construction(&sender());
            }

            #[test]
            fn debug_never_shows_the_secret() {
                super::debug_never_shows_the_secret(&sender());
            }

            #[test]
            fn an_authentic_body_that_is_not_json_is_a_positioned_payload_error() {
                super::an_authentic_body_that_is_not_json_is_a_positioned_payload_error(&sender());
            }

            #[test]
            fn a_body_over_the_limit_is_refused_before_anything_else() {
                super::a_body_over_the_limit_is_refused_before_anything_else(&sender());
            }

            #[test]
            fn the_window_holds_at_its_exact_edges() {
                let tolerance: Option<Duration> = $tolerance;
                if let Some(tolerance) = tolerance {
                    super::the_window_holds_at_its_exact_edges(&sender(), tolerance);
                }
            }
        }
        )*
    };
}

/// The event round trip needs the concrete event type.
macro_rules! round_trips {
    ($($name:ident: $make:expr;)*) => {
        $(
        #[test]
        fn $name() {
            the_event_survives_a_json_round_trip(&$make);
        }
        )*
    };
}

fn hmac<P>(make: fn(&'static str) -> Result<P, Error>, body: &'static [u8]) -> Sender<P> {
    Sender {
        signer: make("suite-secret-1").expect("usable"),
        stranger: make("suite-secret-2").expect("usable"),
        empty: make(""),
        body,
        unsigned: &[],
        secret: "suite-secret-1",
    }
}

const PADDLE_BODY: &[u8] = br#"{"event_id": "evt_01", "event_type": "transaction.paid", "occurred_at": "2023-11-14T22:13:20Z", "notification_id": "ntf_01", "data": {"id": "txn_01"}}"#;

// The sender list: one line per sender (grouped by who described them).
sender_suite! {
    paddle: hmac(|s| webhook_kit::paddle::Paddle::new(s), PADDLE_BODY), tolerance: Some(Duration::from_secs(5));
    // -- group A: linear, meta, paystack, razorpay, typeform, calendly
    // -- end of group A
    // -- group B: twilio, square, hubspot, zoom, twitch
    // -- end of group B
    // -- group D: gitlab, lemonsqueezy, intercom, dropbox
    // -- end of group D
}

round_trips! {
    paddle_event_round_trips: hmac(|s| webhook_kit::paddle::Paddle::new(s), PADDLE_BODY);
    // -- group A
    // -- end of group A
    // -- group B
    // -- end of group B
    // -- group D
    // -- end of group D
}

// -- group C (discord, telnyx with `ed25519`; sendgrid with `ecdsa`): its own
// `sender_suite!` and `round_trips!` blocks, gated on the features, go here.

/// A sender that signs with a key pair: `signer` holds `signing_key`,
/// `stranger` trusts only `other_public_key`, and `empty` is the receiver
/// built from an empty public key.
#[cfg(any(
    all(feature = "discord", feature = "ed25519"),
    all(feature = "telnyx", feature = "ed25519"),
    all(feature = "sendgrid", feature = "ecdsa")
))]
fn key_pair<P>(
    from_signing_key: fn(&'static str) -> Result<P, Error>,
    new: fn(&'static str) -> Result<P, Error>,
    signing_key: &'static str,
    other_public_key: &'static str,
    body: &'static [u8],
) -> Sender<P> {
    Sender {
        signer: from_signing_key(signing_key).expect("usable signing key"),
        stranger: new(other_public_key).expect("usable public key"),
        empty: new(""),
        body,
        unsigned: &[],
        secret: signing_key,
    }
}

#[cfg(all(feature = "discord", feature = "ed25519"))]
fn discord() -> Sender<webhook_kit::discord::Discord> {
    use webhook_kit::discord::Discord;
    // tests/data/discord's primary seed, and the rotated key's public half.
    key_pair(
        Discord::from_signing_key,
        Discord::new,
        "bc84b0be5cfd36b27b1c47d4c547a0a6beb202744d3196f0bbcde91e648a1e14",
        "32fcb550c93d50934cee7627164921715eac458dc3fe6e7daf055df2a33dcad6",
        br#"{"application_id": "1227000000000000000", "id": "1227086452651560960", "type": 2, "token": "dG9rZW4", "data": {"name": "roll"}, "version": 1}"#,
    )
}

#[cfg(all(feature = "discord", feature = "ed25519"))]
sender_suite! {
    discord: discord(), tolerance: Some(Duration::from_secs(300));
}

#[cfg(all(feature = "discord", feature = "ed25519"))]
round_trips! {
    discord_event_round_trips: discord();
}

#[cfg(all(feature = "telnyx", feature = "ed25519"))]
fn telnyx() -> Sender<webhook_kit::telnyx::Telnyx> {
    use webhook_kit::telnyx::Telnyx;
    // tests/data/telnyx's primary seed, and the rotated key's public half.
    key_pair(
        Telnyx::from_signing_key,
        Telnyx::new,
        "b1PB+f2VJ54AARTaeKzBtmdgqJpryVcgUkiKHa+PbV4=",
        "pfg6pnzSs8Z//bIZ6TYxtp5Gfrp2rQ3QgzirujXFLeY=",
        br#"{"data": {"event_type": "message.received", "id": "b301ed3f-1490-491f-995f-6e64e69674d4", "occurred_at": "2023-11-14T22:13:20Z", "record_type": "event", "payload": {"text": "hi"}}, "meta": {"attempt": 1}}"#,
    )
}

#[cfg(all(feature = "telnyx", feature = "ed25519"))]
sender_suite! {
    telnyx: telnyx(), tolerance: Some(Duration::from_secs(300));
}

#[cfg(all(feature = "telnyx", feature = "ed25519"))]
round_trips! {
    telnyx_event_round_trips: telnyx();
}

#[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
fn sendgrid() -> Sender<webhook_kit::sendgrid::SendGrid> {
    use webhook_kit::sendgrid::SendGrid;
    // tests/data/sendgrid's primary PKCS #8 key, and the rotated key's SPKI.
    key_pair(
        SendGrid::from_signing_key,
        SendGrid::new,
        "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg1LCPtfns2SOk7BUFCnpBOBJx/JuvnD9yQq0Kl/kuVrOhRANCAAQWzGLN7Vf7pEHIUM/Ete28uTk42gCNMzupyURGffPIeq6LjP8zsKzZTO4yGr4JxAdFNu/VDmkhAe9tRif2JKmw",
        "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE7vBqXl4yyTQ+c5UjpdHinbLPOY5GG0ySHB9YKUwgv/wwqHsGja+Hd+0R/didG7kj2o1aPsy3TlzqIaFc5FIPDA==",
        b"[{\"email\": \"ada@example.com\", \"event\": \"delivered\", \"sg_event_id\": \"ZGVs\", \"timestamp\": 1700000000},\r\n{\"email\": \"ada@example.com\", \"event\": \"open\", \"sg_event_id\": \"b3Bl\", \"timestamp\": 1700000001}]\r\n",
    )
}

#[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
sender_suite! {
    sendgrid: sendgrid(), tolerance: Some(Duration::from_secs(300));
}

#[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
round_trips! {
    sendgrid_event_round_trips: sendgrid();
}
// -- end of group C
