//! Fourvenues: HMAC of the raw body (hex or base64) and the `x-webhook-id`
//! check against the signed body's `id`.
//!
//! Input: line 1 `x-webhook-signature`, line 2 `x-webhook-id`, then the body.

#![no_main]

use http::{HeaderName, HeaderValue};
use libfuzzer_sys::fuzz_target;
use webhook_kit::fourvenues::Fourvenues;
use webhook_kit::{Error, Provider, WebhookEvent};
use webhook_kit_fuzz::{
    check_genuine, check_request, check_signed, check_tamper_detected, header_map, now, split,
};

const SECRET: &str = "fuzz-fourvenues-sign-secret";
const OLD_SECRET: &str = "fuzz-fourvenues-old-secret";
const SECRETS: &[&str] = &[SECRET, OLD_SECRET];
const ID_HEADER: HeaderName = HeaderName::from_static("x-webhook-id");

fuzz_target!(|data: &[u8]| {
    let ([signature, id], body) = split::<2>(data);
    let receiver = Fourvenues::new(SECRET)
        .and_then(|r| r.with_secret(OLD_SECRET))
        .expect("valid secrets");

    // Fuzzed headers. `verify_at` reads the body's id when `x-webhook-id` is
    // sent (after the signature matched), so a payload error is allowed then.
    let headers = header_map(&[("x-webhook-signature", signature), ("x-webhook-id", id)]);
    let (verified, outcome) = check_request(&receiver, &headers, body, SECRETS);
    match verified {
        Ok(_) => assert_eq!(outcome, receiver.parse(body)),
        Err(Error::InvalidPayload { .. }) => assert!(headers.contains_key(ID_HEADER)),
        Err(err) => assert!(err.is_auth(), "{err:?}"),
    }

    // A body labelled with its id: `verify_at` reads every top-level key to
    // refuse a second `id`, so a body the parser refuses may be refused
    // there first, as a payload error, the same from both calls.
    if let Ok(signed) = receiver.sign_at(body, now())
        && signed.contains_key(ID_HEADER)
        && let Err(err) = receiver.verify_at(&signed, body, now())
    {
        assert!(matches!(err, Error::InvalidPayload { .. }), "{err:?}");
        assert!(receiver.parse(body).is_err());
        assert_eq!(receiver.verify_and_parse_at(&signed, body, now()), Err(err));
        return;
    }

    // Genuine headers: any body reaches the parser once signed.
    let Some((mut genuine, outcome)) = check_genuine(&receiver, body, SECRETS) else {
        return;
    };
    let parsed = receiver.parse(body);
    assert_eq!(outcome, parsed);
    check_tamper_detected(&receiver, &genuine, body);

    // The sender labels every body that has an id with that id.
    if let Ok(event) = &parsed {
        let labelled = genuine.get(ID_HEADER).map(HeaderValue::as_bytes);
        assert_eq!(labelled, Some(event.id().as_bytes()));
    }

    // A genuine signature with a fuzzed `x-webhook-id`: accepted only when it
    // names the signed body's id, which the parsed event then carries.
    if let Ok(claimed) = HeaderValue::from_bytes(id) {
        genuine.insert(ID_HEADER, claimed.clone());
        let (verified, outcome) = check_request(&receiver, &genuine, body, SECRETS);
        match verified {
            Ok(delivery) => {
                assert_eq!(delivery.id().map(str::as_bytes), Some(claimed.as_bytes()));
                assert_eq!(outcome, parsed);
                if let Ok(event) = &outcome {
                    assert_eq!(event.id().as_bytes(), claimed.as_bytes());
                }
            }
            Err(Error::HeaderMismatch(name)) => {
                assert_eq!(name, ID_HEADER);
                if let Ok(event) = &parsed {
                    assert_ne!(event.id().as_bytes(), claimed.as_bytes());
                }
            }
            // The id check reads the body the way `parse` does.
            Err(Error::InvalidPayload { .. }) => assert!(parsed.is_err()),
            Err(err) => panic!("genuine signature, fuzzed id: {err:?}"),
        }
    }
    // Without any id header the signature alone decides.
    genuine.remove(ID_HEADER);
    let _ = check_signed(&receiver, &genuine, body, SECRETS);
});
