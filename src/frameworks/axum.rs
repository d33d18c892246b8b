//! axum 0.8 integration (feature `axum`): the [`Webhook`] extractor for one
//! provider per route, [`RoutedWebhook`] for a `/webhooks/{provider}` route
//! over a [`Receivers`], and `IntoResponse` for [`Ack`](crate::Ack),
//! [`Error`], [`Rejection`](crate::Rejection) and
//! [`Handled`](crate::dedup::Handled).
//!
//! The extractors take their receiver from the router state through
//! [`FromRef`], so one state can hold several receivers; they read the body
//! up to the receiver's [`Provider::max_body`] or axum's own limit
//! (`DefaultBodyLimit`), whichever is smaller (a larger body is refused with
//! `413` before anything is hashed), verify it, parse it, and hand the
//! handler the event. A request that fails is answered by the extractor's
//! [`Rejection`](crate::Rejection) with the crate's status and message; the handler never
//! runs.
//!
//! # Body limits
//!
//! As for axum's own body extractors (`Bytes`, `Json`), the limit a
//! `DefaultBodyLimit` layer sets applies, and without one axum's default of
//! 2 MB does; `DefaultBodyLimit::disable()` leaves the receiver's limit
//! alone. The receiver's `max_body_size` (1 MiB unless set) applies in every
//! case: the smaller of the two wins. A body over axum's limit is refused
//! with [`Rejection::ServerBodyLimit`](crate::Rejection::ServerBodyLimit),
//! one over the receiver's with
//! [`Rejection::BodyTooLarge`](crate::Rejection::BodyTooLarge); both are
//! `413`.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::routing::post;
//! use webhook_kit::axum::Webhook;
//! use webhook_kit::falu::Falu;
//! use webhook_kit::{Ack, Error, WebhookEvent};
//!
//! async fn falu(hook: Webhook<Falu>) -> Result<Ack, Error> {
//!     println!("{} {}", hook.event.event_type(), hook.event.id());
//!     Ok(hook.ack)
//! }
//!
//! let app: axum::Router = axum::Router::new()
//!     .route("/webhooks/falu", post(falu))
//!     .with_state(Arc::new(Falu::new("falu-secret")?));
//! # Ok::<(), webhook_kit::Error>(())
//! ```
//!
//! # Seeing rejections
//!
//! A forged, stale or oversized request is answered by the extractor, so a
//! handler that takes `Webhook<P>` never hears of it. To log rejections (or
//! answer them your own way), take `Result<Webhook<P>, Rejection>`: axum
//! then runs the handler with the rejection, and
//! [`Rejection::reason`](crate::Rejection::reason) is a
//! stable code to log or count. The `tracing` and `metrics` features record
//! every rejection without any of this (see [`crate::observe`]).
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::response::{IntoResponse, Response};
//! use axum::routing::post;
//! use webhook_kit::axum::Webhook;
//! use webhook_kit::github::GitHub;
//! use webhook_kit::Rejection;
//!
//! async fn github(hook: Result<Webhook<GitHub>, Rejection>) -> Response {
//!     match hook {
//!         Ok(hook) => hook.ack.into_response(),
//!         Err(rejection) => {
//!             eprintln!("webhook refused: {} ({rejection})", rejection.reason());
//!             rejection.into_response()
//!         }
//!     }
//! }
//!
//! let app: axum::Router = axum::Router::new()
//!     .route("/webhooks/github", post(github))
//!     .with_state(Arc::new(GitHub::new("gh-secret")?));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::sync::Arc;

use ::axum::RequestExt as _;
use ::axum::extract::rejection::RawPathParamsRejection;
use ::axum::extract::{FromRef, FromRequest, FromRequestParts, RawPathParams, Request};
use ::axum::response::{IntoResponse, Response};

use super::body::read_limited;
use super::webhook::Target;
pub use super::webhook::{RoutedWebhook, Webhook};
use crate::dedup::Handled;
use crate::observe;
use crate::reply::plain_text;
use crate::{Error, Provider, Receivers};
// One documented path for these is the crate root; this one keeps code
// written against 0.1 compiling (a re-export cannot be deprecated).
#[doc(hidden)]
pub use crate::{Ack, Rejection};

/// The [`Webhook`] extractor: the receiver comes from the state, as
/// `Arc<P>` through [`FromRef`]. An `Arc<P>` state does; for a state
/// struct holding several receivers (and a store), derive `FromRef` (axum's
/// `macros` feature), which implements it for each field's type. Each field
/// must be an `Arc` of the receiver: a field holding the receiver itself (or
/// a [`Receivers`] rather than an `Arc<Receivers>`) gives `Arc<P>: FromRef<S>`
/// errors about the handler, not the field.
impl<P, S> FromRequest<S> for Webhook<P>
where
    P: Provider + Send + Sync + 'static,
    P::Event: Send,
    Arc<P>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let receiver = Arc::<P>::from_ref(state);
        let (parts, body) = request.with_limited_body().into_parts();
        let body = read_limited(&parts.headers, body, receiver.max_body())
            .await
            .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
        Webhook::verify(receiver, &target(&parts), body)
    }
}

/// The [`RoutedWebhook`] extractor: the [`Receivers`] comes from the state, as
/// `Arc<Receivers>` through [`FromRef`].
impl<S> FromRequest<S> for RoutedWebhook
where
    Arc<Receivers>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Rejection;

    async fn from_request(request: Request, state: &S) -> Result<Self, Rejection> {
        let router = Arc::<Receivers>::from_ref(state);
        let (mut parts, body) = request.with_limited_body().into_parts();
        let params = RawPathParams::from_request_parts(&mut parts, state)
            .await
            .map_err(|rejection| match rejection {
                // `/webhooks/%FF`: a name no route can have, from the client.
                RawPathParamsRejection::InvalidUtf8InPathParam(_) => Rejection::UnknownProvider,
                _ => Rejection::Misconfigured(NO_PARAM),
            })?;
        let provider = params
            .iter()
            .find(|(key, _)| *key == "provider")
            .map(|(_, value)| value.to_owned())
            .ok_or(Rejection::Misconfigured(NO_PARAM))?;
        let receiver = router.get(&provider).ok_or(Rejection::UnknownProvider)?;
        let body = read_limited(&parts.headers, body, receiver.max_body())
            .await
            .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
        RoutedWebhook::verify(router, provider, &target(&parts), body)
    }
}

const NO_PARAM: &str = "the route has no `{provider}` parameter";

fn target(parts: &http::request::Parts) -> Target<'_> {
    Target {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
    }
}

/// Converts an `http` response whose body axum can send.
fn to_axum<B: Into<::axum::body::Body>>(reply: http::Response<B>) -> Response {
    reply.map(Into::into)
}

impl IntoResponse for Ack {
    /// The provider's acknowledgement, as [`Provider::acknowledge`] gives it.
    fn into_response(self) -> Response {
        to_axum(http::Response::<&'static str>::from(self))
    }
}

impl IntoResponse for Rejection {
    /// [`Rejection::status`], with the message as a `text/plain` body.
    fn into_response(self) -> Response {
        to_axum(self.to_response())
    }
}

impl<E, SE> IntoResponse for Handled<E, SE> {
    /// The reply [`Handled::into_response`] gives: the provider's
    /// acknowledgement, `429` with `Retry-After`, or `503`. Return the
    /// `Handled` from the handler (or call
    /// `IntoResponse::into_response(handled)`: the method of that name on
    /// `Handled` itself gives the `http` response).
    ///
    /// ```
    /// use axum::response::IntoResponse;
    /// use webhook_kit::dedup::Handled;
    ///
    /// let failed: Handled<&str, ()> = Handled::Failed("database down");
    /// assert_eq!(IntoResponse::into_response(failed).status(), 503);
    /// ```
    fn into_response(self) -> Response {
        to_axum(Handled::into_response(self))
    }
}

impl IntoResponse for Error {
    /// [`Error::status_code`], with the message as a `text/plain` body, so a
    /// handler can return `Result<Ack, Error>` and use `?`.
    ///
    /// ```
    /// use axum::response::IntoResponse;
    ///
    /// let reply = webhook_kit::Error::SignatureMismatch.into_response();
    /// assert_eq!(reply.status(), 401);
    /// ```
    fn into_response(self) -> Response {
        to_axum(plain_text(self.status_code(), self.to_string()))
    }
}
