//! The four presets: GitHub (`X-Hub-Signature-256: sha256=<hex>` over the
//! body; type and id in headers), Stripe (`t=…,v1=…` over `"<t>." + body`),
//! Shopify (base64 over the body; topic, id and time in headers; the Events
//! product's `shopify-hmac-sha256` as well), Slack (`v0=<hex>` over
//! `"v0:<t>:" + body`; JSON or form bodies).
//!
//! Input: lines 1–3 `x-hub-signature-256`, `x-github-event`,
//! `x-github-delivery`; line 4 `stripe-signature`; lines 5–8
//! `x-shopify-hmac-sha256`, `x-shopify-topic`, `x-shopify-webhook-id`,
//! `x-shopify-triggered-at`; lines 9–10 `x-slack-signature`,
//! `x-slack-request-timestamp`; then the body. Every receiver sees all ten
//! headers and reads its own. The GitHub and Shopify type/id lines are also
//! signed genuinely with `sign_event_at`.

#![no_main]

use http::{HeaderMap, HeaderName};
use libfuzzer_sys::fuzz_target;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use webhook_kit::github::{self, GitHub};
use webhook_kit::shopify::{self, Shopify};
use webhook_kit::slack::{self, Slack};
use webhook_kit::stripe::Stripe;
use webhook_kit::{Delivery, Error, Provider};
use webhook_kit_fuzz::{
    check_error, check_genuine, check_mac_scheme, check_request, check_signed,
    check_tamper_detected, form_fields, header_map, now, opens_json_object, split, visible_text,
};

const GITHUB_SECRET: &str = "fuzz-github-secret";
/// GitHub's published test secret, so its vector verifies as a seed.
const GITHUB_DOCS_SECRET: &str = "It's a Secret to Everybody";
const STRIPE_SECRET: &str = "whsec_fuzz_stripe_secret";
const STRIPE_OLD_SECRET: &str = "whsec_fuzz_stripe_old_secret";
const SHOPIFY_SECRET: &str = "fuzz-shopify-client-secret";
const SHOPIFY_OLD_SECRET: &str = "fuzz-shopify-old-secret";
const SLACK_SECRET: &str = "fuzz-slack-signing-secret";
/// Slack's documented example secret, so its example verifies as a seed.
const SLACK_DOCS_SECRET: &str = "8f742231b10e8888abcd99yyyzzz85a5";

/// What GitHub's `receive_at` must give for `headers` that authenticated
/// as `delivery`: the parsed body with the type from `X-GitHub-Event` and
/// the id the verifier read from `X-GitHub-Delivery`.
fn github_expected(
    receiver: &GitHub,
    headers: &HeaderMap,
    body: &[u8],
    delivery: &Delivery,
) -> Result<github::Event, Error> {
    let mut event = receiver.parse(body)?;
    event.event_type = visible_text(headers, "x-github-event");
    event.delivery = delivery.id().map(str::to_owned);
    event.hook_id = visible_text(headers, "x-github-hook-id");
    event.target_type = visible_text(headers, "x-github-hook-installation-target-type");
    event.target_id = visible_text(headers, "x-github-hook-installation-target-id");
    Ok(event)
}

/// The same for Shopify: each unsigned header under its webhook name, else
/// the Events product's name; the time as RFC 3339 or none.
fn shopify_expected(
    receiver: &Shopify,
    headers: &HeaderMap,
    body: &[u8],
    delivery: &Delivery,
) -> Result<shopify::Event, Error> {
    let either = |name: &str| {
        visible_text(headers, &format!("x-{name}")).or_else(|| visible_text(headers, name))
    };
    let mut event = receiver.parse(body)?;
    event.webhook_id = delivery.id().map(str::to_owned);
    event.topic = either("shopify-topic");
    event.event_id = either("shopify-event-id");
    event.triggered_at =
        either("shopify-triggered-at").and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok());
    event.shop_domain = either("shopify-shop-domain");
    event.api_version = either("shopify-api-version");
    Ok(event)
}

/// Checks one request through a preset that takes its type and id from
/// headers: errors as for every request, only authentication errors before
/// the body is read, and when it authenticates, `receive_at` gives
/// `expected`.
fn check_labelled<P, F>(
    receiver: &P,
    headers: &HeaderMap,
    body: &[u8],
    secrets: &[&str],
    expected: F,
) where
    P: Provider,
    P::Event: std::fmt::Debug + PartialEq,
    F: Fn(&P, &HeaderMap, &[u8], &Delivery) -> Result<P::Event, Error>,
{
    let (verified, outcome) = check_request(receiver, headers, body, secrets);
    match verified {
        Ok(delivery) => {
            assert_eq!(outcome, expected(receiver, headers, body, &delivery));
            if let Ok(received) = receiver.receive_at(headers, body, now()) {
                assert_eq!(received.delivery, delivery);
            }
        }
        Err(err) => assert!(err.is_auth(), "{err:?}"),
    }
}

/// Genuine headers from `sign_at` (which labels the body with an id of its
/// own) verify, give `expected`, and stop vouching once the body changes.
fn check_genuine_labelled<P, F>(
    receiver: &P,
    body: &[u8],
    secrets: &[&str],
    expected: F,
) -> HeaderMap
where
    P: Provider,
    P::Event: std::fmt::Debug + PartialEq,
    F: Fn(&P, &HeaderMap, &[u8], &Delivery) -> Result<P::Event, Error>,
{
    let (headers, outcome) =
        check_genuine(receiver, body, secrets).expect("sign_at signs every body");
    let delivery = receiver
        .verify_at(&headers, body, now())
        .expect("verified above");
    assert!(
        delivery.id().is_some_and(|id| !id.is_empty()),
        "sign_at labels every body"
    );
    assert_eq!(outcome, expected(receiver, &headers, body, &delivery));
    check_tamper_detected(receiver, &headers, body);
    headers
}

/// The label a header carries back: trimmed, absent when blank or not
/// visible ASCII (as [`visible_text`] reads it).
fn label(text: &[u8]) -> Option<String> {
    let text = std::str::from_utf8(text).ok()?;
    let bare = text.trim_matches([' ', '\t']);
    (!bare.is_empty()
        && bare
            .bytes()
            .all(|b| (0x20..0x7f).contains(&b) || b == b'\t'))
    .then(|| bare.to_owned())
}

fn github(lines: [&[u8]; 3], body: &[u8]) {
    let [signature, event, delivery] = lines;
    let secrets = [GITHUB_SECRET, GITHUB_DOCS_SECRET];
    let receiver = GitHub::new(GITHUB_SECRET)
        .and_then(|r| r.with_secret(GITHUB_DOCS_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[
        ("x-hub-signature-256", signature),
        ("x-github-event", event),
        ("x-github-delivery", delivery),
    ]);
    check_labelled(&receiver, &headers, body, &secrets, github_expected);
    check_genuine_labelled(&receiver, body, &secrets, github_expected);

    // The fuzzed type and GUID, signed: both come back as the event's.
    let (Ok(event), Ok(delivery)) = (std::str::from_utf8(event), std::str::from_utf8(delivery))
    else {
        return;
    };
    let signed = match receiver.sign_event_at(event, delivery, body, now()) {
        Ok(signed) => signed,
        Err(Error::Signing(_)) => return,
        Err(other) => panic!("sign_event_at: {other:?}"),
    };
    let outcome = check_signed(&receiver, &signed, body, &secrets);
    let verified = receiver
        .verify_at(&signed, body, now())
        .expect("verified above");
    assert_eq!(
        outcome,
        github_expected(&receiver, &signed, body, &verified)
    );
    if let Ok(parsed) = &outcome {
        assert_eq!(parsed.event_type, label(event.as_bytes()), "type {event:?}");
        let sent = (!delivery.is_empty()).then(|| delivery.to_owned());
        assert_eq!(parsed.delivery, sent, "GUID {delivery:?}");
    }
}

fn stripe(signature: &[u8], body: &[u8]) {
    let receiver = Stripe::new(STRIPE_SECRET)
        .and_then(|r| r.with_secret(STRIPE_OLD_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[("stripe-signature", signature)]);
    check_mac_scheme(
        &receiver,
        &headers,
        body,
        &[STRIPE_SECRET, STRIPE_OLD_SECRET],
    );
}

fn shopify(lines: [&[u8]; 4], body: &[u8]) {
    let [signature, topic, webhook_id, triggered_at] = lines;
    let secrets = [SHOPIFY_SECRET, SHOPIFY_OLD_SECRET];
    let receiver = Shopify::new(SHOPIFY_SECRET)
        .and_then(|r| r.with_secret(SHOPIFY_OLD_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[
        ("x-shopify-hmac-sha256", signature),
        ("x-shopify-topic", topic),
        ("x-shopify-webhook-id", webhook_id),
        ("x-shopify-triggered-at", triggered_at),
    ]);
    check_labelled(&receiver, &headers, body, &secrets, shopify_expected);
    let genuine = check_genuine_labelled(&receiver, body, &secrets, shopify_expected);

    // The Events product's header name verifies the same MAC.
    let mut events = HeaderMap::new();
    for (name, value) in &genuine {
        let renamed = name.as_str().replacen("x-shopify-", "shopify-", 1);
        events.insert(
            HeaderName::try_from(renamed).expect("valid name"),
            value.clone(),
        );
    }
    let outcome = check_signed(&receiver, &events, body, &secrets);
    let verified = receiver
        .verify_at(&events, body, now())
        .expect("verified above");
    assert_eq!(
        outcome,
        shopify_expected(&receiver, &events, body, &verified)
    );

    // The fuzzed topic and id, signed: both come back, and the time is now.
    let (Ok(topic), Ok(webhook_id)) = (std::str::from_utf8(topic), std::str::from_utf8(webhook_id))
    else {
        return;
    };
    let signed = match receiver.sign_event_at(topic, webhook_id, body, now()) {
        Ok(signed) => signed,
        Err(Error::Signing(_)) => return,
        Err(other) => panic!("sign_event_at: {other:?}"),
    };
    let outcome = check_signed(&receiver, &signed, body, &secrets);
    let verified = receiver
        .verify_at(&signed, body, now())
        .expect("verified above");
    assert_eq!(
        outcome,
        shopify_expected(&receiver, &signed, body, &verified)
    );
    if let Ok(parsed) = &outcome {
        assert_eq!(parsed.topic, label(topic.as_bytes()), "topic {topic:?}");
        let sent = (!webhook_id.is_empty()).then(|| webhook_id.to_owned());
        assert_eq!(parsed.webhook_id, sent, "id {webhook_id:?}");
        assert_eq!(parsed.triggered_at, Some(now()));
    }
}

fn slack(lines: [&[u8]; 2], body: &[u8]) {
    let [signature, timestamp] = lines;
    let secrets = [SLACK_SECRET, SLACK_DOCS_SECRET];
    let receiver = Slack::new(SLACK_SECRET)
        .and_then(|r| r.with_secret(SLACK_DOCS_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[
        ("x-slack-signature", signature),
        ("x-slack-request-timestamp", timestamp),
    ]);
    check_mac_scheme(&receiver, &headers, body, &secrets);

    // The fuzzed headers once more at the time they claim, so recorded
    // deliveries (Slack's documented example) reach the MAC comparison.
    let claimed = std::str::from_utf8(timestamp)
        .ok()
        .and_then(|t| t.trim().parse::<i64>().ok())
        .and_then(|t| OffsetDateTime::from_unix_timestamp(t).ok());
    if let Some(at) = claimed {
        let verified = receiver.verify_at(&headers, body, at);
        let outcome = receiver.verify_and_parse_at(&headers, body, at);
        let request = [signature, timestamp, body];
        match &verified {
            Ok(_) => assert_eq!(outcome, receiver.parse(body)),
            Err(err) => {
                assert!(err.is_auth(), "{err:?}");
                check_error(err, &secrets, &request);
                assert_eq!(outcome.as_ref().err(), Some(err));
            }
        }
    }

    // A body that does not open a JSON object is a form: it always parses,
    // into the fields as the crate documents decoding them.
    if !opens_json_object(body) {
        match receiver.parse(body) {
            Ok(slack::Event::Form(form)) => {
                assert_eq!(form.fields, form_fields(body), "form {body:?}");
                let payload = form.fields.get("payload");
                let json = payload.and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok());
                assert_eq!(form.data, json, "payload of {body:?}");
            }
            other => panic!("a form body read as {other:?}"),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let (lines, body) = split::<10>(data);
    let [
        gh_sig,
        gh_event,
        gh_delivery,
        stripe_sig,
        shop_sig,
        shop_topic,
        shop_id,
        shop_at,
        slack_sig,
        slack_ts,
    ] = lines;
    github([gh_sig, gh_event, gh_delivery], body);
    stripe(stripe_sig, body);
    shopify([shop_sig, shop_topic, shop_id, shop_at], body);
    slack([slack_sig, slack_ts], body);
});
