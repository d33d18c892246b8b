//! GitLab: the secret token (exact, rotated, never shown), the delivery
//! headers, the event kinds, and the signing token received with
//! `StandardWebhooks`.

mod common;

use base64::Engine as _;
use common::*;
use hmac::{Hmac, Mac};
use http::HeaderMap;
use sha2::Sha256;
use webhook_kit::gitlab::{self, GitLab};
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Outcome, Provider, RetrySchedule, WebhookEvent};

const TOKEN: &str = "gitlab-secret-token";
const HEADER: &str = "x-gitlab-token";
const PUSH: &[u8] = br#"{"object_kind":"push","event_name":"push","before":"95790bf891e76fee5e1747ab589903a6a1f80f22","after":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","ref":"refs/heads/master","checkout_sha":"da1560886d4f094c3e6c9ef40349f7d38b5d27d7","user_name":"John Smith","project":{"id":15,"name":"Diaspora","path_with_namespace":"mike/diaspora"},"total_commits_count":4}"#;
const KEY: &str = "a8e6bd0a-5b53-4c5a-9a5e-6a3c1f3b1a22";

fn receiver() -> GitLab {
    GitLab::new(TOKEN).expect("token")
}

/// A delivery as GitLab sends it with a secret token (no signing token).
fn delivery(token: &str) -> HeaderMap {
    let headers = with_header(HeaderMap::new(), HEADER, token);
    let headers = with_header(headers, "x-gitlab-event", "Push Hook");
    let headers = with_header(
        headers,
        "x-gitlab-event-uuid",
        "f7d9c4b2-1c0a-4e53-9d7e-0a8f6e2b5c11",
    );
    let headers = with_header(headers, "x-gitlab-instance", "https://gitlab.example.com");
    with_header(headers, "idempotency-key", KEY)
}

#[test]
fn the_exact_token_verifies_and_the_idempotency_key_is_the_delivery_id() {
    let received = receiver()
        .receive_at(&delivery(TOKEN), PUSH, now())
        .expect("genuine");
    assert_eq!(received.delivery.id(), Some(KEY));
    assert_eq!(received.delivery.secret_index(), Some(0));
    assert_eq!(received.delivery.timestamp(), None);
    assert_eq!(received.event.event_type(), "push");
    assert_eq!(
        received.event.project_path.as_deref(),
        Some("mike/diaspora")
    );
}

#[test]
fn any_other_token_is_a_mismatch_whatever_its_length() {
    for wrong in [
        "gitlab-secret-toke",
        "gitlab-secret-tokenX",
        "GITLAB-SECRET-TOKEN",
        "x",
        &"gitlab-secret-token".repeat(50),
    ] {
        assert_eq!(
            receiver().verify_at(&delivery(wrong), PUSH, now()),
            Err(Error::SignatureMismatch),
            "{wrong:?}"
        );
    }
}

#[test]
fn a_missing_or_blank_token_is_refused() {
    let without_token = without(delivery(TOKEN), HEADER);
    assert!(matches!(
        receiver().verify_at(&without_token, PUSH, now()),
        Err(Error::MissingHeader(_))
    ));
    assert!(matches!(
        receiver().verify_at(&delivery("  "), PUSH, now()),
        Err(Error::MalformedHeader { .. })
    ));
}

#[test]
fn surrounding_whitespace_is_not_part_of_the_token() {
    assert!(
        receiver()
            .verify_at(&delivery(" gitlab-secret-token\t"), PUSH, now())
            .is_ok()
    );
}

#[test]
fn the_token_does_not_cover_the_body() {
    // What GitLab's secret token can and cannot prove, pinned down: the
    // same headers with another body still verify. The signing token
    // (`StandardWebhooks`) is what covers the body.
    let other = br#"{"object_kind":"push","ref":"refs/heads/evil"}"#;
    assert!(receiver().verify_at(&delivery(TOKEN), other, now()).is_ok());
}

#[test]
fn while_the_token_changes_both_verify_and_the_old_one_is_named() {
    let both = GitLab::new("new-token")
        .and_then(|r| r.with_secret(TOKEN))
        .expect("tokens");
    let delivery = both.verify_at(&delivery(TOKEN), PUSH, now()).expect("old");
    assert_eq!(delivery.secret_index(), Some(1));
    assert!(matches!(
        GitLab::new("t").and_then(|r| r.with_secret("")),
        Err(Error::InvalidSecret(_))
    ));
}

#[test]
fn signing_sends_the_token_hidden_and_names_the_hook() {
    let headers = receiver().sign_at(PUSH, now()).expect("sign");
    assert_eq!(headers[HEADER], TOKEN);
    assert!(headers[HEADER].is_sensitive());
    assert!(!format!("{headers:?}").contains(TOKEN));
    assert_eq!(headers[gitlab::EVENT_HEADER], "Push Hook");
    assert!(!headers.contains_key(gitlab::IDEMPOTENCY_KEY));
    let kinds = [
        (
            &br#"{"object_kind":"merge_request"}"#[..],
            Some("Merge Request Hook"),
        ),
        (br#"{"object_kind":"build"}"#, Some("Job Hook")),
        (br#"{"object_kind":"something_new"}"#, None),
        (br#"{"event_name":"user_add_to_group"}"#, None),
    ];
    for (body, name) in kinds {
        let headers = receiver().sign_at(body, now()).expect("sign");
        assert_eq!(
            headers
                .get(gitlab::EVENT_HEADER)
                .map(|v| v.to_str().expect("text")),
            name
        );
    }
}

#[test]
fn sign_event_at_sets_the_hook_name_and_the_idempotency_key() {
    let headers = receiver()
        .sign_event_at("Push Hook", KEY, PUSH, now())
        .expect("sign");
    assert_eq!(headers[gitlab::IDEMPOTENCY_KEY], KEY);
    assert_eq!(headers[gitlab::EVENT_HEADER], "Push Hook");
    let delivery = receiver().verify_at(&headers, PUSH, now()).expect("verify");
    assert_eq!(delivery.id(), Some(KEY));
    assert!(matches!(
        receiver().sign_event_at("Push\nHook", KEY, PUSH, now()),
        Err(Error::Signing(_))
    ));
}

#[test]
fn a_token_no_header_can_carry_cannot_be_signed_with() {
    let odd = GitLab::new("tab\tand\u{7f}").expect("usable");
    assert!(matches!(odd.sign_at(PUSH, now()), Err(Error::Signing(_))));
}

#[test]
fn kinds_come_from_the_body_and_unknown_ones_are_kept() {
    let event = receiver()
        .parse(br#"{"object_kind": "vulnerability", "object_attributes": {"action": "create"}}"#)
        .expect("parse");
    assert_eq!(event.event_type(), "vulnerability");
    assert_eq!(event.action.as_deref(), Some("create"));
    let system = receiver()
        .parse(br#"{"event_name": "project_create", "path_with_namespace": "a/b"}"#)
        .expect("parse");
    assert_eq!(system.event_type(), "project_create");
    let bare = receiver().parse(br#"{"anything": 1}"#).expect("parse");
    assert_eq!(bare.event_type(), "");
    assert_eq!(bare.id(), "");
    assert_eq!(bare.occurred_at(), None);
    assert!(matches!(
        receiver().parse(b"[1]"),
        Err(Error::InvalidPayload { .. })
    ));
}

#[test]
fn any_2xx_is_delivered_and_nothing_is_retried() {
    assert_classifies(
        &receiver(),
        &[
            (200, "", Outcome::Delivered),
            (202, "", Outcome::Delivered),
            (500, "", Outcome::Retry),
        ],
    );
    let schedule = RetrySchedule::gitlab();
    assert_eq!(schedule.max_attempts(), 1);
    assert_eq!(receiver().retry_schedule(), schedule);
}

/// GitLab's signing token: `whsec_` and the base64 of 32 bytes.
const SIGNING_TOKEN: &str = "whsec_dGVzdHRlc3R0ZXN0dGVzdHRlc3R0ZXN0dGVzdHRlc3Q=";

/// A delivery from a webhook with both a secret token and a signing token:
/// the `webhook-*` headers made here with an independent HMAC, as GitLab
/// describes them (`v1,<base64>` over `"<id>.<timestamp>.<body>"`,
/// `webhook-id` equal to the `Idempotency-Key`).
fn signed_delivery(timestamp: i64, body: &[u8]) -> HeaderMap {
    let engine = base64::engine::general_purpose::STANDARD;
    let key = engine
        .decode(SIGNING_TOKEN.trim_start_matches("whsec_"))
        .expect("base64");
    assert_eq!(key.len(), 32);
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("key");
    mac.update(format!("{KEY}.{timestamp}.").as_bytes());
    mac.update(body);
    let signature = engine.encode(mac.finalize().into_bytes());
    let headers = delivery(TOKEN);
    let headers = with_header(headers, "webhook-id", KEY);
    let headers = with_header(headers, "webhook-timestamp", &timestamp.to_string());
    with_header(headers, "webhook-signature", &format!("v1,{signature}"))
}

#[test]
fn a_delivery_signed_with_the_signing_token_verifies_with_standard_webhooks() {
    let receiver = StandardWebhooks::new(SIGNING_TOKEN).expect("whsec_ key");
    let headers = signed_delivery(NOW, PUSH);
    let delivery = receiver.verify_at(&headers, PUSH, now()).expect("genuine");
    assert_eq!(delivery.id(), Some(KEY));
    // The same delivery's secret token still verifies with `GitLab`.
    assert!(self::receiver().verify_at(&headers, PUSH, now()).is_ok());
}

#[test]
fn the_signing_token_covers_what_the_secret_token_cannot() {
    let receiver = StandardWebhooks::new(SIGNING_TOKEN).expect("whsec_ key");
    let headers = signed_delivery(NOW, PUSH);
    let other = br#"{"object_kind":"push","ref":"refs/heads/evil"}"#;
    assert_eq!(
        receiver.verify_at(&headers, other, now()),
        Err(Error::SignatureMismatch)
    );
    let replayed = receiver.verify_at(&headers, PUSH, at(NOW + 3600));
    assert!(
        matches!(replayed, Err(Error::TimestampTooOld { .. })),
        "{replayed:?}"
    );
}
