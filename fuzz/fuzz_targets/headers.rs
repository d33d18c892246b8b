//! The signature-header parsers of every scheme, through the public
//! `verify_at`, on a fixed body:
//!
//! - Standard Webhooks: `webhook-signature` (`v1,<base64> v1,<base64> …`)
//! - Falu: `X-Falu-Signature` (`t=<unix>,sha256=<hex>,…`)
//! - ClickFunnels: the hex signature and the timestamp header
//! - Fourvenues: a single hex-or-base64 MAC (and `x-webhook-id`)
//! - Funnel: `Authorization` (`Bearer <token>` or `Basic <base64>`)
//!
//! Input: line 1 the signature (or authorization) value, given to every
//! scheme; line 2 a timestamp, line 3 a message id, both defaulting to
//! genuine values when empty.

#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit::falu::Falu;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::funnel::Funnel;
use webhook_kit::standard::StandardWebhooks;
use webhook_kit::{Error, Provider};
use webhook_kit_fuzz::{NOW, check_error, check_tamper_detected, header_map, now, split};

/// The body every request carries. Seeds hold genuine signatures of it.
const BODY: &[u8] = br#"{"id":"evt_1","type":"fuzz.event","event":"fuzz.event"}"#;
const SECRETS: &[&str] = &["fuzz-secret", "fuzz-token", STANDARD_SECRET];
const STANDARD_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// Verifies `headers` + [`BODY`] and checks the result. `signs_time`: the
/// scheme signs a timestamp, so a verified request must go stale.
fn check<P: Provider>(receiver: &P, headers: &http::HeaderMap, signs_time: bool, hmac: bool) {
    let request: Vec<&[u8]> = headers.values().map(|v| v.as_bytes()).collect();
    match receiver.verify_at(headers, BODY, now()) {
        // Header bytes alone never produce anything but an auth error.
        Err(err) => {
            assert!(err.is_auth(), "{err:?}");
            check_error(&err, SECRETS, &request);
        }
        // Authenticated (a seed or mutation kept a genuine signature): the
        // same headers must not vouch for another body, nor for a day later.
        Ok(_) => {
            if hmac {
                check_tamper_detected(receiver, headers, BODY);
            }
            if signs_time {
                let later = now() + Duration::from_secs(24 * 3600);
                let stale = receiver.verify_at(headers, BODY, later);
                assert!(
                    matches!(stale, Err(Error::TimestampTooOld { .. })),
                    "{stale:?}"
                );
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let ([signature, timestamp, id], _) = split::<3>(data);
    let now_text = NOW.to_string();
    let timestamp = if timestamp.is_empty() {
        now_text.as_bytes()
    } else {
        timestamp
    };
    let id = if id.is_empty() { &b"msg_1"[..] } else { id };

    let standard = StandardWebhooks::new(STANDARD_SECRET).expect("valid secret");
    let headers = header_map(&[
        ("webhook-signature", signature),
        ("webhook-timestamp", timestamp),
        ("webhook-id", id),
    ]);
    check(&standard, &headers, true, true);

    let headers = header_map(&[("x-falu-signature", signature)]);
    check(&Falu::new("fuzz-secret").expect("valid secret"), &headers, true, true);

    let headers = header_map(&[
        ("x-webhook-clickfunnels-signature", signature),
        ("x-webhook-clickfunnels-timestamp", timestamp),
    ]);
    check(
        &ClickFunnels::new("fuzz-secret").expect("valid secret"),
        &headers,
        true,
        true,
    );

    // `x-webhook-id` only when line 3 was given: it must name `evt_1`.
    let headers = header_map(&[
        ("x-webhook-signature", signature),
        ("x-webhook-id", split::<3>(data).0[2]),
    ]);
    check(
        &Fourvenues::new("fuzz-secret").expect("valid secret"),
        &headers,
        false,
        true,
    );

    let headers = header_map(&[("authorization", signature)]);
    check(
        &Funnel::new().with_token("fuzz-token").expect("valid token"),
        &headers,
        false,
        false,
    );
});
