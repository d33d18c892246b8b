//! The senders described as data on the receiver core, one file each.

#[cfg(feature = "calendly")]
pub mod calendly;
#[cfg(feature = "clickfunnels")]
pub mod clickfunnels;
#[cfg(all(feature = "discord", feature = "ed25519"))]
pub mod discord;
#[cfg(feature = "dropbox")]
pub mod dropbox;
#[cfg(feature = "falu")]
pub mod falu;
#[cfg(feature = "fourvenues")]
pub mod fourvenues;
#[cfg(feature = "funnel")]
pub mod funnel;
#[cfg(feature = "github")]
pub mod github;
#[cfg(feature = "gitlab")]
pub mod gitlab;
#[cfg(feature = "hubspot")]
pub mod hubspot;
#[cfg(feature = "intercom")]
pub mod intercom;
#[cfg(feature = "lemonsqueezy")]
pub mod lemonsqueezy;
#[cfg(feature = "linear")]
pub mod linear;
#[cfg(feature = "meta")]
pub mod meta;
#[cfg(feature = "paddle")]
pub mod paddle;
#[cfg(feature = "paystack")]
pub mod paystack;
#[cfg(feature = "razorpay")]
pub mod razorpay;
#[cfg(all(feature = "sendgrid", feature = "ecdsa"))]
pub mod sendgrid;
#[cfg(feature = "shopify")]
pub mod shopify;
#[cfg(feature = "slack")]
pub mod slack;
#[cfg(feature = "square")]
pub mod square;
#[cfg(feature = "standard")]
pub mod standard;
#[cfg(feature = "stripe")]
pub mod stripe;
#[cfg(all(feature = "telnyx", feature = "ed25519"))]
pub mod telnyx;
#[cfg(feature = "twilio")]
pub mod twilio;
#[cfg(feature = "twitch")]
pub mod twitch;
#[cfg(feature = "typeform")]
pub mod typeform;
#[cfg(feature = "zoom")]
pub mod zoom;
