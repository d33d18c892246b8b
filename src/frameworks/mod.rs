//! The framework integrations, each behind its feature: an extractor or a
//! service that reads the body within the receiver's limit, verifies it and
//! answers a rejection as the sender expects. `body` is the bounded body
//! reading they share, `webhook` the extracted delivery axum and actix
//! share.

#[cfg(feature = "actix")]
pub mod actix;
#[cfg(feature = "axum")]
pub mod axum;
#[cfg(any(feature = "axum", feature = "tower", feature = "actix"))]
mod body;
#[cfg(feature = "tower")]
pub mod tower;
#[cfg(any(feature = "axum", feature = "actix"))]
mod webhook;
