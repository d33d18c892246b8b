//! axum 0.8 integration (feature `axum`): the [`Webhook`] extractor for one
//! provider per route, [`RoutedWebhook`] for a `/webhooks/{provider}` route
//! over [`Receivers`], and `IntoResponse` for [`Ack`],
//! [`Error`] and [`Rejection`].
//!
//! The extractors take their receiver from the router state through
//! [`FromRef`], so one state can hold several receivers; they read the body
//! up to the receiver's [`Provider::max_body`] or axum's own limit
//! (`DefaultBodyLimit`), whichever is smaller (a larger body is refused with
//! `413` before anything is hashed), verify it, parse it, and hand the
//! handler the event. A request that fails is answered by the extractor's
//! [`Rejection`] with the crate's status and message; the handler never
//! runs.
//!
//! # Body limits
//!
//! As for axum's own body extractors (`Bytes`, `Json`), the limit a
//! `DefaultBodyLimit` layer sets applies, and without one axum's default of
//! 2 MB does; `DefaultBodyLimit::disable()` leaves the receiver's limit
//! alone. The receiver's `max_body_size` (1 MiB unless set) applies in every
//! case: the smaller of the two wins. A body over axum's limit is refused
//! with [`Rejection::ServerBodyLimit`], one over the receiver's with
//! [`Rejection::BodyTooLarge`]; both are `413`.
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::routing::post;
//! use webhook_kit::axum::{Ack, Webhook};
//! use webhook_kit::falu::Falu;
//! use webhook_kit::{Error, WebhookEvent};
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
//! then runs the handler with the rejection, and [`Rejection::reason`] is a
//! stable code to log or count. The `tracing` and `metrics` features record
//! every rejection without any of this (see [`crate::observe`]).
//!
//! ```
//! use std::sync::Arc;
//!
//! use axum::response::{IntoResponse, Response};
//! use axum::routing::post;
//! use webhook_kit::axum::{Rejection, Webhook};
//! use webhook_kit::github::GitHub;
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

use std::fmt;
use std::sync::Arc;

use ::axum::RequestExt as _;
use ::axum::extract::{FromRef, FromRequest, FromRequestParts, RawPathParams, Request};
use ::axum::response::{IntoResponse, Response};
use bytes::Bytes;

use super::body::read_limited;
use crate::handshake::{self, Handshake};
use crate::observe;
use crate::reply::plain_text;
pub use crate::{Ack, Rejection};
use crate::{AnyEvent, Delivery, Error, Provider, Receivers};

/// A verified delivery from `P`, extracted from a request: the typed event,
/// what the request told about itself, the raw body, and the reply the
/// provider expects.
///
/// The receiver comes from the state: `Arc<P>` must implement
/// [`FromRef`] for the router's state. An `Arc<P>` state does; for a state
/// struct holding several receivers, derive `FromRef` (axum's `macros`
/// feature), which implements it for each field's type. Each field must be
/// an `Arc` of the receiver: a field holding the receiver itself (or a
/// [`Receivers`] rather than an `Arc<Receivers>`) gives `Arc<P>: FromRef<S>`
/// errors about the handler, not the field.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::extract::FromRef;
/// use axum::routing::post;
/// use webhook_kit::axum::{Ack, Webhook};
/// use webhook_kit::clickfunnels::ClickFunnels;
/// use webhook_kit::falu::Falu;
///
/// #[derive(Clone, FromRef)]
/// struct AppState {
///     falu: Arc<Falu>,
///     clickfunnels: Arc<ClickFunnels>,
/// }
///
/// let state = AppState {
///     falu: Arc::new(Falu::new("falu-secret")?),
///     clickfunnels: Arc::new(ClickFunnels::new("cf-secret")?),
/// };
/// let app: axum::Router = axum::Router::new()
///     .route("/webhooks/falu", post(|hook: Webhook<Falu>| async { hook.ack }))
///     .route("/webhooks/clickfunnels", post(|hook: Webhook<ClickFunnels>| async { hook.ack }))
///     .with_state(state);
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[non_exhaustive]
pub struct Webhook<P: Provider> {
    /// The typed event.
    pub event: P::Event,
    /// The delivery's id, signed timestamp and matching secret.
    pub delivery: Delivery,
    /// The body exactly as received, for handlers that store it.
    pub body: Bytes,
    /// The provider's acknowledgement: return it once the event is handled.
    pub ack: Ack,
}

impl<P: Provider> fmt::Debug for Webhook<P>
where
    P::Event: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("event", &self.event)
            .field("delivery", &self.delivery)
            .field("body_len", &self.body.len())
            .field("ack", &self.ack)
            .finish()
    }
}

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
        let request = Handshake::new(&parts.method, &parts.uri, &parts.headers, &body);
        handshake::answer(&*receiver, &request)?;
        let received = receiver.receive(&parts.headers, &body)?;
        Ok(Webhook {
            event: received.event,
            delivery: received.delivery,
            body,
            ack: Ack::of(&*receiver),
        })
    }
}

/// A verified delivery on a `/webhooks/{provider}` route: the
/// [`Receivers`] from the state picks the receiver named by
/// the `{provider}` path parameter. An unknown name is answered `404`.
///
/// ```
/// use std::sync::Arc;
///
/// use axum::routing::post;
/// use webhook_kit::axum::{Ack, RoutedWebhook};
/// use webhook_kit::{Receivers, WebhookEvent};
///
/// async fn webhook(hook: RoutedWebhook) -> Ack {
///     println!("{} {} {}", hook.provider, hook.event.event_type(), hook.event.id());
///     hook.ack
/// }
///
/// let receivers = Receivers::new()
///     .with_receiver("falu", webhook_kit::falu::Falu::new("falu-secret")?)
///     .with_receiver("funnel", webhook_kit::funnel::Funnel::new());
/// let app: axum::Router = axum::Router::new()
///     .route("/webhooks/{provider}", post(webhook))
///     .with_state(Arc::new(receivers));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct RoutedWebhook {
    /// The route name of the provider that sent it (`{provider}`).
    pub provider: String,
    /// The event; [`AnyEvent::downcast_ref`] gives the provider's own type.
    pub event: AnyEvent,
    /// The delivery's id, signed timestamp and matching secret.
    pub delivery: Delivery,
    /// The body exactly as received.
    pub body: Bytes,
    /// The provider's acknowledgement.
    pub ack: Ack,
}

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
            .map_err(|_| Rejection::Misconfigured(NO_PARAM))?;
        let provider = params
            .iter()
            .find(|(key, _)| *key == "provider")
            .map(|(_, value)| value.to_owned())
            .ok_or(Rejection::Misconfigured(NO_PARAM))?;
        let receiver = router.get(&provider).ok_or(Rejection::UnknownProvider)?;
        let body = read_limited(&parts.headers, body, receiver.max_body())
            .await
            .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
        let request = Handshake::new(&parts.method, &parts.uri, &parts.headers, &body);
        handshake::answer(receiver, &request)?;
        let received = receiver.receive(&parts.headers, &body)?;
        Ok(RoutedWebhook {
            ack: Ack::of(receiver),
            provider,
            event: received.event,
            delivery: received.delivery,
            body,
        })
    }
}

const NO_PARAM: &str = "the route has no `{provider}` parameter";

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
    /// [`Rejection::status_code`], with the message as a `text/plain` body.
    fn into_response(self) -> Response {
        to_axum(self.to_response())
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
