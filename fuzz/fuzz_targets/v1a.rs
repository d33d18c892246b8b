//! Standard Webhooks `v1a` (Ed25519): `whpk_` / `whsk_` key parsing, `v1a`
//! entries, strict verification and its bound on work, and sign → verify.
//!
//! Input: line 1 a `whpk_` key, line 2 a `whsk_` key, line 3 a
//! `webhook-signature` value, line 4 the id, line 5 the timestamp, then the
//! body. The checks live in `webhook_kit::__fuzz_v1a` because the module is
//! private; that hook is not API.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    webhook_kit::__fuzz_v1a(data);
});
