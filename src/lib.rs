//! Verify, parse and acknowledge webhooks, in any framework.
//!
//! webhook-kit checks that a request really comes from the provider (HMAC or
//! token, constant-time, over the raw body, with replay windows and secret
//! rotation), turns the body into a typed event, and knows what each provider
//! expects back and how it redelivers. It needs no web framework or async
//! runtime: call it from the handler you already have (or enable the `axum`,
//! `tower` or `actix` feature for an extractor).
//!
//! | module | provider | authenticates with |
//! |---|---|---|
//! | [`funnel`] | Funnel Leasing | an optional API token |
//! | [`fourvenues`] | Fourvenues | HMAC-SHA256 of the body |
//! | [`falu`] | Falu | HMAC-SHA256 of `t.body` in `X-Falu-Signature` |
//! | [`clickfunnels`] | ClickFunnels | HMAC-SHA256 of `timestamp.body` |
//! | [`standard`] | Standard Webhooks, Svix | HMAC-SHA256 of `id.timestamp.body` |
//! | [`github`] | GitHub | HMAC-SHA256 of the body in `X-Hub-Signature-256` |
//! | [`stripe`] | Stripe | HMAC-SHA256 of `t.body` in `Stripe-Signature` |
//! | [`shopify`] | Shopify | HMAC-SHA256 (base64) of the body |
//! | [`slack`] | Slack | HMAC-SHA256 of `v0:timestamp:body` |
//! | [`paddle`] | Paddle Billing | HMAC-SHA256 of `ts:body` in `Paddle-Signature` |
//! | [`linear`] | Linear | HMAC-SHA256 of the body; `webhookTimestamp` in the body |
//! | [`zoom`] | Zoom | HMAC-SHA256 of `v0:timestamp:body`; URL validation answered |
//! | [`twitch`] | Twitch EventSub | HMAC-SHA256 of id + RFC 3339 timestamp + body; challenge answered |
//! | [`twilio`] | Twilio | HMAC-SHA1 (base64) of the URL and sorted form parameters |
//! | [`square`] | Square | HMAC-SHA256 (base64) of the notification URL and body |
//! | [`hubspot`] | HubSpot | v3: HMAC-SHA256 (base64) of method, URL, body and timestamp |
//! | [`meta`] | Meta (WhatsApp, Messenger, Instagram) | HMAC-SHA256 of the body; `hub.challenge` answered |
//! | [`calendly`] | Calendly | HMAC-SHA256 of `t.body` |
//! | [`paystack`] | Paystack | HMAC-SHA512 of the body |
//! | [`razorpay`] | Razorpay | HMAC-SHA256 of the body |
//! | [`typeform`] | Typeform | HMAC-SHA256 (base64) of the body |
//! | `discord` (feature `ed25519`) | Discord | Ed25519 of timestamp + body; `PING` answered |
//! | `telnyx` (feature `ed25519`) | Telnyx | Ed25519 of `timestamp\|body` |
//! | `sendgrid` (feature `ecdsa`) | SendGrid Event Webhook | ECDSA P-256 of timestamp + body |
//! | [`gitlab`] | GitLab | the secret token in `X-Gitlab-Token` (its signing token: [`standard`]) |
//! | [`lemonsqueezy`] | Lemon Squeezy | HMAC-SHA256 of the body |
//! | [`intercom`] | Intercom | HMAC-SHA1 of the body |
//! | [`dropbox`] | Dropbox | HMAC-SHA256 of the body; the `challenge` answered |
//! | [`custom`] | any sender you describe | HMAC-SHA1/-SHA256/-SHA512, Ed25519 or ECDSA P-256, as described with [`custom::SchemeBuilder`] |
//!
//! # Quick start
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//!
//! // In your handler: the request headers and the raw body bytes.
//! # let body = br#"{"type": "user.created", "data": {}}"#;
//! # let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! match receiver.verify_and_parse(&headers, body) {
//!     Ok(event) => println!("{} {}", event.event_type(), event.id()),
//!     Err(err) => eprintln!("answer {}: {err}", err.status()),
//! }
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! # What every receiver offers
//!
//! Each receiver implements [`Provider`]:
//!
//! - [`Provider::verify_and_parse`]: authenticate, then parse. Nothing is
//!   parsed before authentication succeeds; [`Provider::verify`] and
//!   [`Provider::parse`] do each half alone, and the `_at` variants take the
//!   time as a parameter for tests.
//! - [`Provider::acknowledge`]: the reply the provider counts as delivered.
//! - [`Provider::classify`]: how the provider reads any reply ([`Outcome`]).
//! - [`Provider::retry_schedule`]: how it redelivers ([`RetrySchedule`]).
//! - [`Provider::sign_at`]: the headers of a genuine delivery, for tests.
//!
//! # Beyond verification
//!
//! - [`ReplyRule`], [`RetrySchedule`] and [`Tolerance`] values hold each
//!   sender's success rule, redelivery plan and timestamp window, as presets
//!   named after it: `ReplyRule::paddle()`, `RetrySchedule::paddle()`,
//!   `Tolerance::paddle()`.
//! - [`simulate`] delivers events to your handler the way a provider would,
//!   with failures, retries, duplicates, shuffled order and timeouts, on a
//!   virtual clock.
//! - [`dedup`] answers "have I processed this event already?" atomically,
//!   with a time to live derived from the provider's schedule:
//!   [`dedup::MemoryStore`] in process, `dedup::RedisStore` (feature `redis`)
//!   across machines.
//!
//! # Errors
//!
//! [`Error`] names what went wrong; [`Error::is_auth`] separates
//! authentication failures (answer `401`) from payload problems,
//! [`Error::status`] gives the status to answer with, and
//! [`Error::reason`] a stable code (`signature_mismatch`,
//! `timestamp_too_old`…) for logs, metrics and alerts. Nothing the crate
//! displays contains a secret or an expected signature.
//!
//! # Security notes
//!
//! - Pass the body exactly as received. A body parsed and re-serialised
//!   before verification will not verify.
//! - Bodies over [`DEFAULT_MAX_BODY`] (configurable per receiver) are
//!   rejected before any hashing or parsing.
//! - At most [`MAX_SIGNATURES`] signatures per header are examined.
//! - Signatures and tokens are compared in constant time (tokens through
//!   fixed-size digests, so not even their length shows).
//! - A secret's bytes are wiped when its receiver is dropped and never shown
//!   by `Debug` or `Display`. The HMAC key schedule derived from a secret,
//!   which is as good as the secret for signing, lives in the `hmac` crate's
//!   state and is not wiped: that crate offers no way to.
//! - An empty or whitespace-only secret is refused at construction
//!   ([`Error::InvalidSecret`]): a receiver is never open by mistake.
//!
//! # How the crate is built
//!
//! Senders differ in what they sign, where they put it, how they redeliver
//! and what their events look like; the crate has one verification engine
//! and one short description per sender, not one verifier per sender.
//!
//! ```text
//! src/
//!   lib.rs         this map, and the re-exports behind the public paths
//!   provider.rs    the Provider trait, one entry per task; error.rs, event.rs,
//!                  delivery.rs, reply.rs, outcome.rs, retry.rs: its vocabulary
//!   engine/        the machinery every sender shares, naming none of them:
//!                  description (a scheme as data), receiver_core (verify, sign),
//!                  keys, secret, signature, timestamp, limits (the checks),
//!                  envelope, json, form, headers (reading what arrived),
//!                  declare (the receiver type, builders and Provider impl,
//!                  written once)
//!   senders/       one file per sender: its description, presets, event types,
//!                  special parsing, fact table with sources; mod.rs lists them
//!   custom/        the same engine, described at run time (SchemeBuilder)
//!   dedup/         exactly-once: claim stores, ExactlyOnce, the inbox
//!   simulate/      a sender's redelivery on a virtual clock
//!   frameworks/    axum, tower and actix adapters (each behind its feature)
//! ```
//!
//! Data flows one way: headers and body → the sender's description
//! (authenticate, allocating nothing) → serde (the typed event) → your
//! handler → the reply the sender expects. Nothing is parsed before
//! authentication, and a new sender is one new file plus one line in the
//! sender list; the conformance suite (`tests/sender_suite.rs`) then checks
//! it like every other.
//!
//! # Features
//!
//! One per sender, named as its module, all on by default (`funnel`,
//! `fourvenues`, … `dropbox`; [`custom`] is always there); `discord` and
//! `telnyx` also need `ed25519`, `sendgrid` needs `ecdsa`. Off by default:
//!
//! - `redis`: `dedup::RedisStore`; `redis-async`: `dedup::AsyncRedisStore`;
//! - `ecdsa`: ECDSA P-256 signatures (SendGrid);
//! - `ed25519`: Standard Webhooks `v1a` signatures;
//! - `axum`: the `axum::Webhook<P>` extractor (and `axum::RoutedWebhook`
//!   over [`Receivers`]), carrying its receiver for
//!   [`ExactlyOnce`](dedup::ExactlyOnce) (`hook.exactly_once(&store)`), and
//!   `IntoResponse` for [`Ack`], [`Error`], [`Rejection`] and
//!   [`dedup::Handled`];
//! - `tower`: `tower::VerifyLayer<P>`, verification as a tower layer that
//!   runs before the inner service (axum `route_layer`, hyper);
//! - `actix`: the same `Webhook<P>` and `RoutedWebhook` with actix-web 4
//!   extractors (`actix::Webhook<P>`), and `Responder`/`ResponseError` for
//!   the same types;
//! - `tracing`: one `tracing` span per delivery (sender, event, delivery id,
//!   the matching secret's name, outcome, reason code), a `warn` event per
//!   rejection; never a secret, signature or body ([`observe`] lists the
//!   fields);
//! - `metrics`: deliveries by sender and outcome, rejections by sender and
//!   reason, and processing time on the `metrics` facade ([`observe`]).
//!
//! Without them the crate needs no async runtime or framework: [`Ack`] and
//! [`Rejection`] are plain `http` values for any server.
// The machinery is shared by the senders; a build with only some of them
// (`--no-default-features --features <sender>`, checked in CI) leaves parts
// of it unused, and the glob re-export of `senders` may export nothing.
// Dead code is still caught in the build with every sender.
#![cfg_attr(
    not(all(
        feature = "funnel",
        feature = "fourvenues",
        feature = "falu",
        feature = "clickfunnels",
        feature = "standard",
        feature = "github",
        feature = "stripe",
        feature = "shopify",
        feature = "slack",
        feature = "paddle",
        feature = "linear",
        feature = "zoom",
        feature = "twitch",
        feature = "twilio",
        feature = "square",
        feature = "hubspot",
        feature = "meta",
        feature = "calendly",
        feature = "paystack",
        feature = "razorpay",
        feature = "typeform",
        feature = "discord",
        feature = "telnyx",
        feature = "sendgrid",
        feature = "gitlab",
        feature = "lemonsqueezy",
        feature = "intercom",
        feature = "dropbox",
        feature = "ed25519",
        feature = "ecdsa"
    )),
    allow(dead_code, unused_imports, unused_macros, unreachable_pub)
)]
// docs.rs (`--cfg docsrs`, see Cargo.toml) marks feature-gated items with the feature.
#![cfg_attr(docsrs, feature(doc_cfg))]

mod delivery;
mod engine;
mod error;
mod event;
mod frameworks;
mod handshake;
pub mod observe;
mod outcome;
mod provider;
mod receiver;
mod receivers;
mod reply;
mod retry;
mod senders;

pub mod custom;
pub mod dedup;
pub mod simulate;

// Each sender's module, at the crate root (`webhook_kit::paddle`); the
// list, with each one's feature, is `src/senders/mod.rs`.
pub use senders::*;
// The framework integrations, at the crate root (`webhook_kit::axum`).
#[cfg(feature = "actix")]
pub use frameworks::actix;
#[cfg(feature = "axum")]
pub use frameworks::axum;
#[cfg(feature = "tower")]
pub use frameworks::tower;

pub use delivery::Delivery;
pub use engine::limits::DEFAULT_MAX_BODY;
pub use engine::secret::Secret;
pub use engine::signature::MAX_SIGNATURES;
pub use engine::timestamp::Tolerance;
pub use error::Error;
pub use event::{UnknownEvent, WebhookEvent};
pub use handshake::Handshake;
pub use outcome::{Outcome, ReplyRule};
pub use provider::{Provider, Received};
#[allow(deprecated, reason = "`Router` stays as the old name of `Receivers`")]
pub use receivers::Router;
pub use receivers::{AnyEvent, DynProvider, Receivers};
pub use reply::{Ack, HandshakeReply, Rejection};
pub use retry::{RetrySchedule, retry_after};
// The `v1a` fuzz target's entry point, only in fuzzing builds
// (`cargo fuzz` sets `--cfg fuzzing`): it is not API.
#[cfg(all(fuzzing, feature = "ed25519", feature = "standard"))]
#[doc(hidden)]
pub use standard::v1a::__fuzz_v1a;

/// The `http` crate this crate's signatures use (`HeaderMap`, `Response`),
/// so a handler needs no version of its own to match.
pub use http;
/// The `time` crate this crate's signatures use (`OffsetDateTime`).
pub use time;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
