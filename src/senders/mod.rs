//! The senders described as data on the receiver core, one file each.

#[cfg(feature = "calendly")]
pub mod calendly;
#[cfg(all(feature = "discord", feature = "ed25519"))]
pub mod discord;
#[cfg(feature = "dropbox")]
pub mod dropbox;
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
#[cfg(feature = "square")]
pub mod square;
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
