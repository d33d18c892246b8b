//! Verify, parse and acknowledge webhooks, in any framework.
//!
//! webhook-kit checks that a request really comes from the provider (HMAC or
//! token, constant-time, over the raw body, with replay windows), turns the
//! body into a typed event, and knows what each provider expects back and how
//! it redelivers.
//!
//! | module | provider | authenticates with |
//! |---|---|---|
//! | [`funnel`] | Funnel Leasing | optional API token |
//! | [`fourvenues`] | Fourvenues | HMAC-SHA256 of the body |
//! | [`falu`] | Falu | HMAC-SHA256 of `t.body`, `X-Falu-Signature` |
//! | [`clickfunnels`] | ClickFunnels | HMAC-SHA256 of `timestamp.body` |
//! | [`standard`] | Standard Webhooks, Svix | HMAC-SHA256 of `id.timestamp.body` |
//!
//! # Quick start
//!
//! ```
//! use webhook_kit::{Provider, WebhookEvent};
//! use webhook_kit::standard::StandardWebhooks;
//!
//! let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
//!
//! // In your handler: the raw body bytes and the request headers.
//! # let body = br#"{"type": "user.created", "data": {}}"#;
//! # let headers = receiver.sign_at(body, time::OffsetDateTime::now_utc())?;
//! match receiver.verify_and_parse(&headers, body) {
//!     Ok(event) => println!("{} {}", event.event_type(), event.id()),
//!     Err(err) => eprintln!("rejected with {}: {err}", err.status_code()),
//! }
//! # Ok::<(), webhook_kit::Error>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;
mod event;
mod outcome;
mod provider;
mod retry;
mod scheme;
mod secret;
mod signature;
mod timestamp;
mod token;

#[cfg(feature = "clickfunnels")]
pub mod clickfunnels;
pub mod dedup;
#[cfg(feature = "falu")]
pub mod falu;
#[cfg(feature = "fourvenues")]
pub mod fourvenues;
#[cfg(feature = "funnel")]
pub mod funnel;
pub mod simulate;
#[cfg(feature = "standard")]
pub mod standard;

pub use error::Error;
pub use event::{UnknownEvent, WebhookEvent};
pub use outcome::{Outcome, ReplyRule};
pub use provider::Provider;
pub use retry::{RetrySchedule, retry_after};
pub use scheme::DEFAULT_MAX_BODY;
pub use secret::Secret;
pub use signature::MAX_SIGNATURES;
pub use timestamp::Tolerance;

/// The README's examples, compiled and run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
