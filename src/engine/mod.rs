//! The receiver core for senders described as data.
//!
//! A sender's file writes a [`Description`]: which header carries the
//! signature and in what grammar, the algorithm (HMAC-SHA1, -SHA256,
//! -SHA512, Ed25519, ECDSA P-256), where the timestamp is and how it is
//! written, and the pieces the signature covers (literal text, timestamp,
//! id, body, the configured URL). [`ReceiverCore`] runs any description;
//! [`described_receiver!`] writes the receiver type, its builders and its
//! [`Provider`](crate::Provider) implementation once for every sender.
//! Nothing here names a sender.

mod authorization;
mod declare;
mod description;
pub(crate) mod envelope;
pub(crate) mod form;
pub(crate) mod headers;
pub(crate) mod json;
mod keys;
pub(crate) mod limits;
mod public_keys;
mod receiver_core;
pub(crate) mod secret;
pub(crate) mod signature;
pub(crate) mod timestamp;

pub(crate) use declare::described_receiver;
#[cfg(any(feature = "ed25519", feature = "ecdsa"))]
#[allow(
    unused_imports,
    reason = "used by the key-pair senders the features build, maybe none"
)]
pub(crate) use declare::key_pair_constructors;
pub(crate) use description::{
    Description, Encoding, Grammar, HeaderFamily, IdRule, Owned, Part, Request, SignatureRule,
    TimeFormat, TimestampRule, TimestampSource,
};
#[cfg(feature = "ed25519")]
pub(crate) use keys::MAX_PUBLIC_KEY_CHECKS;
pub(crate) use keys::{Algorithm, KeySet};
// What a sender's fuzz hook and its tests reach of the
// Ed25519 check, to count the checks a header costs.
#[cfg(all(feature = "ed25519", any(test, fuzzing)))]
pub(crate) use keys::SignatureBytes;
#[cfg(all(feature = "ed25519", any(test, fuzzing)))]
pub(crate) use public_keys::{ED25519_ORDER, find_ed25519_counting};
pub(crate) use receiver_core::{ReceiverCore, check_url};
