//! The server examples, built and run as the binaries a user runs, driven
//! over real HTTP on loopback: every route with genuine, redelivered,
//! tampered, unsigned, malformed, oversized and misrouted requests. Each
//! framework must answer the same way, and log what it processed and what
//! it refused.

mod example_binary;
mod http_client;
#[cfg(all(feature = "axum", feature = "redis-async"))]
mod redis_server;

use std::time::Duration;

use example_binary::Example;
use http::{HeaderMap, HeaderValue, Method, Response};
use time::OffsetDateTime;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::github::GitHub;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::stripe::Stripe;
use webhook_kit::{Ack, DEFAULT_MAX_BODY, Provider};

// The tests' own secrets, handed to the examples through their variables.
const GITHUB_SECRET: &str = "test-github-secret";
const STRIPE_SECRET: &str = "whsec_test-stripe-secret";
const STANDARD_SECRET: &str = "whsec_dGVzdC1zdGFuZGFyZC13ZWJob29rcy1rZXk=";
const STANDARD_PREVIOUS_SECRET: &str = "whsec_dGVzdC1wcmV2aW91cy1zdGFuZGFyZC1rZXk=";
const CLICKFUNNELS_SECRET: &str = "test-clickfunnels-secret";

/// Starts `example` with the tests' secrets and `env`.
fn start(example: &str, env: &[(&str, &str)]) -> Example {
    let secrets = [
        ("GITHUB_SECRET", GITHUB_SECRET),
        ("STRIPE_SECRET", STRIPE_SECRET),
        ("STANDARD_WEBHOOKS_SECRET", STANDARD_SECRET),
        (
            "STANDARD_WEBHOOKS_PREVIOUS_SECRET",
            STANDARD_PREVIOUS_SECRET,
        ),
        ("CLICKFUNNELS_SECRET", CLICKFUNNELS_SECRET),
    ];
    let env: Vec<_> = secrets.iter().chain(env).copied().collect();
    example_binary::start(example, &env)
}

fn text(reply: &Response<Vec<u8>>) -> &str {
    std::str::from_utf8(reply.body()).expect("text reply")
}

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

/// A genuine delivery from the sender behind `route` of an event with `id`:
/// its headers, its body, and the reply it expects.
fn delivery(route: &str, id: &str) -> (HeaderMap, Vec<u8>, Ack) {
    match route {
        "github" => {
            let github = GitHub::new(GITHUB_SECRET).expect("secret");
            let body = br#"{"action": "opened", "issue": {"number": 7}}"#.to_vec();
            let headers = github
                .sign_event_at("issues", id, &body, now())
                .expect("sign");
            (headers, body, Ack::of(&github))
        }
        "stripe" => {
            let stripe = Stripe::new(STRIPE_SECRET).expect("secret");
            let body = format!(
                r#"{{"id": "{id}", "object": "event", "type": "invoice.paid", "created": 1700000000, "data": {{"object": {{"id": "in_1"}}}}}}"#
            );
            let headers = stripe.sign_at(body.as_bytes(), now()).expect("sign");
            (headers, body.into_bytes(), Ack::of(&stripe))
        }
        "standard" => {
            let standard = StandardWebhooks::new(STANDARD_SECRET).expect("secret");
            let body = br#"{"type": "invoice.paid", "timestamp": "2026-11-23T10:00:00Z", "data": {"invoice": "in_42"}}"#.to_vec();
            let headers = standard.sign_with_id_at(id, &body, now()).expect("sign");
            (headers, body, Ack::of(&standard))
        }
        "clickfunnels" => {
            let clickfunnels = ClickFunnels::new(CLICKFUNNELS_SECRET).expect("secret");
            let sample = include_str!("data/clickfunnels_contact_identified.json");
            let body = sample
                .replace("123b4741-3f2d-431a-90d1-ddca0f4d6721", id)
                .into_bytes();
            let headers = clickfunnels.sign_at(&body, now()).expect("sign");
            (headers, body, Ack::of(&clickfunnels))
        }
        other => unreachable!("no sender for {other}"),
    }
}

/// `body` signed by the sender behind `route`, whatever it holds.
fn signed(route: &str, body: &[u8]) -> HeaderMap {
    match route {
        "github" => GitHub::new(GITHUB_SECRET).expect("secret").sign_event_at(
            "issues",
            "d-any",
            body,
            now(),
        ),
        "stripe" => Stripe::new(STRIPE_SECRET)
            .expect("secret")
            .sign_at(body, now()),
        "standard" => StandardWebhooks::new(STANDARD_SECRET)
            .expect("secret")
            .sign_with_id_at("msg_any", body, now()),
        "clickfunnels" => ClickFunnels::new(CLICKFUNNELS_SECRET)
            .expect("secret")
            .sign_at(body, now()),
        other => unreachable!("no sender for {other}"),
    }
    .expect("sign")
}

/// One sender's route, checked against a running example.
fn check_route(example: &Example, route: &str) {
    let path = format!("/webhooks/{route}");
    let first = format!("{route}-evt-1");
    let (headers, body, ack) = delivery(route, &first);

    // Genuine: the sender's acknowledgement, and one "processed" line.
    let reply = example.post(&path, &headers, &body);
    assert_eq!(reply.status(), ack.status(), "{route}: {}", text(&reply));
    assert_eq!(text(&reply), ack.body(), "{route}");
    let line = example.processed();
    assert!(
        line.starts_with(route) && line.contains(&first),
        "{route}: {line}"
    );
    assert!(line.ends_with("processed"), "{route}: {line}");

    // Redelivered: acknowledged again but not processed again, so the next
    // line printed is the next event's.
    let again = example.post(&path, &headers, &body);
    assert_eq!(
        again.status(),
        ack.status(),
        "{route} redelivery: {}",
        text(&again)
    );
    let second = format!("{route}-evt-2");
    let (headers2, body2, _) = delivery(route, &second);
    let reply = example.post(&path, &headers2, &body2);
    assert_eq!(reply.status(), ack.status(), "{route}: {}", text(&reply));
    let line = example.processed();
    assert!(
        line.contains(&second),
        "{route}: the redelivery was processed: {line}"
    );

    // Tampered: 401 naming the signature, logged, no secret echoed.
    let mut tampered = body.clone();
    tampered[10] ^= 0x01;
    let reply = example.post(&path, &headers, &tampered);
    assert_eq!(reply.status(), 401, "{route}: {}", text(&reply));
    assert!(
        text(&reply).contains("signature"),
        "{route}: {}",
        text(&reply)
    );
    assert_no_secret(text(&reply));
    let logged = example.rejected();
    assert!(
        logged.starts_with(&format!("{route}: rejected 401")),
        "{logged}"
    );
    assert_no_secret(&logged);

    // Unsigned: 401 naming the missing header.
    let reply = example.post(&path, &HeaderMap::new(), &body);
    assert_eq!(reply.status(), 401, "{route}: {}", text(&reply));
    assert!(
        text(&reply).contains("missing"),
        "{route}: {}",
        text(&reply)
    );
    assert!(example.rejected().contains("rejected 401"), "{route}");

    // Genuinely signed, not the sender's JSON: 400 with serde's position.
    let broken = br#"{"id": "x", "event": ["#;
    let reply = example.post(&path, &signed(route, broken), broken);
    assert_eq!(reply.status(), 400, "{route}: {}", text(&reply));
    assert!(text(&reply).contains("line 1"), "{route}: {}", text(&reply));
    assert!(example.rejected().contains("rejected 400"), "{route}");

    // Over the receiver's limit: 413, whatever the headers.
    let huge = vec![b' '; DEFAULT_MAX_BODY + 1];
    let reply = example.post(&path, &headers, &huge);
    assert_eq!(reply.status(), 413, "{route}: {}", text(&reply));
    assert!(example.rejected().contains("rejected 413"), "{route}");

    // Signed for another route: 401.
    let other = if route == "standard" {
        "github"
    } else {
        "standard"
    };
    let reply = example.post(&format!("/webhooks/{other}"), &headers, &body);
    assert_eq!(reply.status(), 401, "{route} at {other}: {}", text(&reply));
    assert!(example.rejected().starts_with(other), "{route} at {other}");

    // Other methods: 405.
    let reply = http_client::send(
        example.addr,
        &Method::GET,
        &path,
        &HeaderMap::new(),
        b"",
        Duration::from_secs(10),
    )
    .expect("answer");
    assert_eq!(reply.status(), 405, "{route} GET");
}

fn assert_no_secret(text: &str) {
    for secret in [
        GITHUB_SECRET,
        STRIPE_SECRET,
        STANDARD_SECRET,
        STANDARD_PREVIOUS_SECRET,
        CLICKFUNNELS_SECRET,
    ] {
        assert!(!text.contains(secret), "a secret leaks: {text}");
    }
}

/// What every framework example must do: GitHub, Stripe and Standard
/// Webhooks at `/webhooks/{provider}`, 404 elsewhere.
fn check_example(name: &str) {
    let example = start(name, &[]);
    for route in ["github", "stripe", "standard"] {
        check_route(&example, route);
    }
    // A malformed timestamp: 401 that names the header.
    let (mut headers, body, _) = delivery("standard", "msg_bad_time");
    headers.insert("webhook-timestamp", HeaderValue::from_static("10e30"));
    let reply = example.post("/webhooks/standard", &headers, &body);
    assert_eq!(reply.status(), 401, "{}", text(&reply));
    assert!(
        text(&reply).contains("webhook-timestamp"),
        "{}",
        text(&reply)
    );
    // Nothing there: 404.
    for path in ["/webhooks/shopify", "/nowhere", "/webhooks"] {
        let reply = example.post(path, &HeaderMap::new(), b"{}");
        assert_eq!(reply.status(), 404, "{path}");
    }
}

#[test]
#[cfg(feature = "axum")]
fn the_axum_example_serves_and_logs_every_route() {
    check_example("axum");
}

#[test]
#[cfg(feature = "actix")]
fn the_actix_example_serves_and_logs_every_route() {
    check_example("actix");
}

#[test]
#[cfg(feature = "tower")]
fn the_hyper_example_serves_and_logs_every_route() {
    check_example("hyper");
}

#[test]
fn the_std_example_serves_and_logs_every_route() {
    check_example("std_server");
}

/// The headline recipe against a real Redis: every sender, the previous
/// Standard Webhooks secret still accepted, and a redelivery to a second
/// server sharing the Redis acknowledged without being processed.
#[test]
#[cfg(all(feature = "axum", feature = "redis-async"))]
fn the_axum_redis_example_processes_each_event_once_across_servers() {
    let Some(redis) = redis_server::server() else {
        return; // no redis-server outside CI: the reason is printed
    };
    let env = [("REDIS_URL", redis.url.as_str())];
    let (one, two) = (start("axum_redis", &env), start("axum_redis", &env));
    for route in ["github", "stripe", "standard", "clickfunnels"] {
        check_route(&one, route);
        // Delivered to the first server, redelivered to the second.
        let id = format!("{route}-shared");
        let (headers, body, ack) = delivery(route, &id);
        let path = format!("/webhooks/{route}");
        assert_eq!(one.post(&path, &headers, &body).status(), ack.status());
        assert!(one.processed().contains(&id), "{route}");
        let reply = two.post(&path, &headers, &body);
        assert_eq!(reply.status(), ack.status(), "{route}: {}", text(&reply));
        assert_eq!(text(&reply), ack.body(), "{route}");
        let (headers, body, _) = delivery(route, &format!("{route}-after"));
        assert_eq!(two.post(&path, &headers, &body).status(), ack.status());
        let line = two.processed();
        assert!(line.contains(&format!("{route}-after")), "{route}: {line}");
    }
    // Signed with the secret being rotated out: accepted.
    let previous = StandardWebhooks::new(STANDARD_PREVIOUS_SECRET).expect("secret");
    let (_, body, _) = delivery("standard", "unused");
    let headers = previous
        .sign_with_id_at("msg_previous", &body, now())
        .expect("sign");
    let reply = one.post("/webhooks/standard", &headers, &body);
    assert_eq!(reply.status(), 200, "{}", text(&reply));
    assert!(one.processed().contains("msg_previous"));
}
