//! Standard Webhooks / Svix: base64 HMAC of `"<id>.<timestamp>." + body`,
//! `v1,<sig>` lists, two header families.
//!
//! Input: lines 1–3 `webhook-id`, `webhook-timestamp`, `webhook-signature`,
//! lines 4–6 `svix-id`, `svix-timestamp`, `svix-signature`, then the body.

#![no_main]

use http::{HeaderMap, HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use webhook_kit::standard::{Event, StandardWebhooks};
use webhook_kit::{Error, Provider};
use webhook_kit_fuzz::{
    check_request, check_signed, check_tamper_detected, header_map, now, split,
};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const OLD_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const SECRETS: &[&str] = &[SECRET, OLD_SECRET];

/// What `verify_and_parse_at` must return once `headers` authenticated:
/// the parsed body, with the message id the request carries. Each header is
/// looked up as svix reads it: `svix-id` first, then `webhook-id`.
fn expected(receiver: &StandardWebhooks, headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
    let mut event = receiver.parse(body)?;
    // The signature header decides the family (`svix-*` when both are
    // sent); the id comes from that family, else from the other.
    let (first, second) = if headers.contains_key("svix-signature") {
        ("svix-id", "webhook-id")
    } else {
        ("webhook-id", "svix-id")
    };
    if let Some(id) = headers.get(first).or_else(|| headers.get(second)) {
        event.id = String::from_utf8_lossy(id.as_bytes()).into_owned();
    }
    Ok(event)
}

/// The same headers under the `svix-*` names.
fn as_svix(headers: &HeaderMap) -> HeaderMap {
    let mut svix = HeaderMap::new();
    for (name, value) in headers {
        let renamed = name.as_str().replacen("webhook-", "svix-", 1);
        svix.insert(
            HeaderName::try_from(renamed).expect("valid name"),
            value.clone(),
        );
    }
    svix
}

fuzz_target!(|data: &[u8]| {
    let (
        [
            id,
            timestamp,
            signature,
            svix_id,
            svix_timestamp,
            svix_signature,
        ],
        body,
    ) = split::<6>(data);
    let receiver = StandardWebhooks::new(SECRET)
        .and_then(|r| r.with_secret(OLD_SECRET))
        .expect("valid secrets");

    let headers = header_map(&[
        ("webhook-id", id),
        ("webhook-timestamp", timestamp),
        ("webhook-signature", signature),
        ("svix-id", svix_id),
        ("svix-timestamp", svix_timestamp),
        ("svix-signature", svix_signature),
    ]);
    let (verified, outcome) = check_request(&receiver, &headers, body, SECRETS);
    match verified {
        Ok(delivery) => {
            let expected = expected(&receiver, &headers, body);
            if let Ok(event) = &expected {
                assert_eq!(delivery.id(), Some(event.id.as_str()));
            }
            assert_eq!(outcome, expected);
        }
        Err(err) => assert!(err.is_auth(), "{err:?}"),
    }

    // Genuine headers with the receiver's own message id, under both names.
    let genuine = receiver
        .sign_at(body, now())
        .expect("sign_at never fails here");
    let outcome = check_signed(&receiver, &genuine, body, SECRETS);
    assert_eq!(outcome, expected(&receiver, &genuine, body));
    check_tamper_detected(&receiver, &genuine, body);
    let svix = as_svix(&genuine);
    assert_eq!(check_signed(&receiver, &svix, body, SECRETS), outcome);

    // Genuine headers with the fuzzed message id: the signed id is the
    // event's id.
    let Ok(id) = std::str::from_utf8(id) else {
        return;
    };
    // Exactly the ids HTTP carries back unchanged can be signed.
    let bare = id.trim_matches([' ', '\t']);
    let signable = HeaderValue::from_str(id).is_ok() && !bare.is_empty() && bare == id;
    let signed = match receiver.sign_with_id_at(id, body, now()) {
        Ok(signed) if signable => signed,
        Err(Error::Signing(_)) if !signable => return,
        other => panic!("signing {id:?}: {other:?}"),
    };
    let outcome = check_signed(&receiver, &signed, body, SECRETS);
    assert_eq!(outcome, expected(&receiver, &signed, body));
    if let Ok(event) = &outcome {
        assert_eq!(event.id, id, "the signed message id is authoritative");
    }
});
