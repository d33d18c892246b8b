//! Funnel Leasing: API-token authentication and the v2/v3 envelopes.
//!
//! Input: line 1 `Authorization`, line 2 `x-funnel-token`, then the body.

#![no_main]

use http::HeaderName;
use libfuzzer_sys::fuzz_target;
use webhook_kit::Provider;
use webhook_kit::funnel::Funnel;
use webhook_kit_fuzz::{check_fuzzed_headers, check_genuine, check_request, header_map, split};

const TOKEN: &str = "fuzz-funnel-token";
const OLD_TOKEN: &str = "fuzz-funnel-old-token";
const SECRETS: &[&str] = &[TOKEN, OLD_TOKEN];

fuzz_target!(|data: &[u8]| {
    let ([authorization, token], body) = split::<2>(data);
    let headers = header_map(&[("authorization", authorization), ("x-funnel-token", token)]);

    // The three ways a Funnel receiver can be set up.
    let open = Funnel::new();
    let bearer = Funnel::new()
        .with_token(TOKEN)
        .and_then(|r| r.with_token(OLD_TOKEN))
        .expect("valid tokens");
    let named = bearer
        .clone()
        .token_header(HeaderName::from_static("x-funnel-token"));

    // Without a token every request authenticates, so this is a plain parse.
    let (verified, outcome) = check_request(&open, &headers, body, SECRETS);
    let delivery = verified.expect("an open receiver accepts every request");
    assert_eq!(delivery.secret_index(), None);
    assert_eq!(outcome, open.parse(body));

    // With a token: fuzzed headers either fail authentication or, when they
    // carry an accepted token, give exactly what `parse` gives.
    for receiver in [&bearer, &named] {
        check_fuzzed_headers(receiver, &headers, body, SECRETS);

        // Genuine headers (the first token) always authenticate, so any JSON
        // reaches the parser. The token does not cover the body: no tamper check.
        if let Some((_, outcome)) = check_genuine(receiver, body, SECRETS) {
            assert_eq!(outcome, receiver.parse(body));
        }
    }
});
