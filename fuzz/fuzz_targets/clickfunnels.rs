//! ClickFunnels: hex HMAC of `"<timestamp>." + body` in two headers.
//!
//! Input: line 1 `X-Webhook-ClickFunnels-Signature`, line 2
//! `X-Webhook-ClickFunnels-Timestamp`, then the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::clickfunnels::ClickFunnels;
use webhook_kit_fuzz::{check_mac_scheme, header_map, split};

const SECRET: &str = "fuzz-clickfunnels-webhook-secret";
const OLD_SECRET: &str = "fuzz-clickfunnels-old-secret";

fuzz_target!(|data: &[u8]| {
    let ([signature, timestamp], body) = split::<2>(data);
    let receiver = ClickFunnels::new(SECRET)
        .and_then(|r| r.with_secret(OLD_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[
        ("x-webhook-clickfunnels-signature", signature),
        ("x-webhook-clickfunnels-timestamp", timestamp),
    ]);
    check_mac_scheme(&receiver, &headers, body, &[SECRET, OLD_SECRET]);
});
