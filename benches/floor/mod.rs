//! The least work a sender's scheme asks for, over the same body: the floor
//! each sender is compared with, shared by the benches that measure every
//! sender in the sender list (`benches/verify.rs` in time,
//! `benches/instructions/counter.rs` in instructions).

use std::hint::black_box;

use hmac::{Hmac, Mac};
use sha1::Sha1;
use sha2::{Sha256, Sha512};
use subtle::ConstantTimeEq;

/// The floor for one signed request: a clone of the prepared key state, the
/// signed pieces, and a constant-time compare with the expected tag.
pub(crate) fn hmac_floor<M: Mac + Clone>(prepared: &M, pieces: &[&[u8]], expected: &[u8]) -> bool {
    let mut mac = prepared.clone();
    for piece in pieces {
        mac.update(piece);
    }
    mac.finalize().into_bytes().ct_eq(expected).into()
}

/// The least work a sender's scheme asks for, prepared for one body.
pub(crate) enum Floor {
    Token(Vec<u8>),
    HmacSha1(Hmac<Sha1>, Vec<u8>),
    HmacSha256(Hmac<Sha256>, Vec<u8>),
    HmacSha512(Hmac<Sha512>, Vec<u8>),
    Ed25519(ed25519_dalek::VerifyingKey, ed25519_dalek::Signature),
    P256(p256::ecdsa::VerifyingKey, p256::ecdsa::Signature),
}

/// A key of the floor's own: the floor measures the algorithm, not the
/// sender's key.
const FLOOR_KEY: [u8; 32] = [7; 32];

impl Floor {
    /// The floor of `sender`'s algorithm over `body`, with its expected tag
    /// (decoded: the bytes a MAC gives) or signature computed in advance.
    pub(crate) fn of(sender: &str, body: &[u8]) -> Floor {
        fn tag<M: Mac + Clone>(prepared: &M, body: &[u8]) -> Vec<u8> {
            let mut mac = prepared.clone();
            mac.update(body);
            mac.finalize().into_bytes().to_vec()
        }
        match sender {
            "funnel" | "gitlab" => Floor::Token(FLOOR_KEY.to_vec()),
            "twilio" | "intercom" => {
                let prepared = Hmac::<Sha1>::new_from_slice(&FLOOR_KEY).expect("any key");
                let tag = tag(&prepared, body);
                Floor::HmacSha1(prepared, tag)
            }
            "paystack" => {
                let prepared = Hmac::<Sha512>::new_from_slice(&FLOOR_KEY).expect("any key");
                let tag = tag(&prepared, body);
                Floor::HmacSha512(prepared, tag)
            }
            "discord" | "telnyx" => {
                use ed25519_dalek::Signer as _;
                let key = ed25519_dalek::SigningKey::from_bytes(&FLOOR_KEY);
                Floor::Ed25519(key.verifying_key(), key.sign(body))
            }
            "sendgrid" => {
                use p256::ecdsa::signature::Signer as _;
                let key = p256::ecdsa::SigningKey::from_slice(&FLOOR_KEY).expect("a scalar");
                let signature: p256::ecdsa::Signature = key.sign(body);
                Floor::P256(*key.verifying_key(), signature)
            }
            "standard" | "github" | "stripe" | "shopify" | "slack" | "paddle" | "linear"
            | "meta" | "razorpay" | "typeform" | "calendly" | "zoom" | "twitch" | "square"
            | "hubspot" | "lemonsqueezy" | "dropbox" | "fourvenues" | "falu" | "clickfunnels"
            | "custom" => {
                let prepared = Hmac::<Sha256>::new_from_slice(&FLOOR_KEY).expect("any key");
                let tag = tag(&prepared, body);
                Floor::HmacSha256(prepared, tag)
            }
            other => panic!("{other}: name its algorithm in Floor::of"),
        }
    }

    /// The floor's name, which `benches/report.py` and
    /// `benches/instructions/run.py` read.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Floor::Token(_) => "floor_token",
            Floor::HmacSha1(..) => "floor_hmac_sha1",
            Floor::HmacSha256(..) => "floor_hmac_sha256",
            Floor::HmacSha512(..) => "floor_hmac_sha512",
            Floor::Ed25519(..) => "floor_ed25519",
            Floor::P256(..) => "floor_p256",
        }
    }

    /// Whether `body` passes: the floor's whole work.
    pub(crate) fn check(&self, body: &[u8]) -> bool {
        match self {
            Floor::Token(token) => token.ct_eq(black_box(&FLOOR_KEY[..])).into(),
            Floor::HmacSha1(prepared, tag) => hmac_floor(prepared, &[body], tag),
            Floor::HmacSha256(prepared, tag) => hmac_floor(prepared, &[body], tag),
            Floor::HmacSha512(prepared, tag) => hmac_floor(prepared, &[body], tag),
            Floor::Ed25519(key, signature) => key.verify_strict(body, signature).is_ok(),
            Floor::P256(key, signature) => {
                use p256::ecdsa::signature::Verifier as _;
                key.verify(body, signature).is_ok()
            }
        }
    }
}
