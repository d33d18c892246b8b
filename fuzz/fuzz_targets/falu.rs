//! Falu: `X-Falu-Signature: t=<unix>,sha256=<hex>,…` over `"<t>." + body`,
//! basic and CloudEvents payloads.
//!
//! Input: line 1 `X-Falu-Signature`, then the body.

#![no_main]

use libfuzzer_sys::fuzz_target;
use webhook_kit::falu::Falu;
use webhook_kit_fuzz::{check_mac_scheme, header_map, split};

const SECRET: &str = "fuzz-falu-secret";
const OLD_SECRET: &str = "fuzz-falu-old-secret";

fuzz_target!(|data: &[u8]| {
    let ([signature], body) = split::<1>(data);
    let receiver = Falu::new(SECRET)
        .and_then(|r| r.with_secret(OLD_SECRET))
        .expect("valid secrets");
    let headers = header_map(&[("x-falu-signature", signature)]);
    check_mac_scheme(&receiver, &headers, body, &[SECRET, OLD_SECRET]);
});
