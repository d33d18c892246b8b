//! tower integration (feature `tower`): [`VerifyLayer`], verification as a
//! layer in front of any `http` service (an axum `route_layer`, a hyper
//! server through hyper-util's `TowerToHyperService`, tonic…).
//!
//! The layer's service reads the body up to the receiver's
//! [`Provider::max_body`], verifies and parses it, and only then calls the
//! inner service, with the body bytes as the body and the event, its
//! [`Delivery`] and the provider's [`Ack`](crate::Ack) in the request extensions. A
//! request that fails is answered by the layer itself, with the crate's
//! status and message: the inner service never sees it (fail closed).
//!
//! ```
//! use std::convert::Infallible;
//!
//! use http::{Request, Response};
//! use http_body_util::Full;
//! use bytes::Bytes;
//! use tower_layer::Layer;
//! use webhook_kit::falu::{Event, Falu};
//! use webhook_kit::tower::VerifyLayer;
//! use webhook_kit::{Ack, WebhookEvent};
//!
//! // Runs only for verified requests.
//! async fn handle(request: Request<Full<Bytes>>) -> Result<Response<&'static str>, Infallible> {
//!     let event = request.extensions().get::<Event>().expect("verified");
//!     println!("{} {}", event.event_type(), event.id());
//!     Ok(request.extensions().get::<Ack>().expect("verified").clone().into())
//! }
//!
//! let layer = VerifyLayer::new(Falu::new("falu-secret")?);
//! let service = layer.layer(tower::service_fn(handle));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{Request, Response};
use http_body_util::{Either, Full};
use tower_layer::Layer;
use tower_service::Service;

use super::body::read_limited;
use crate::handshake::{self, Handshake};
use crate::observe;
// One documented path for these is the crate root; this one keeps code
// written against 0.1 compiling (a re-export cannot be deprecated).
#[doc(hidden)]
pub use crate::{Ack, Rejection};
use crate::{Delivery, Provider};

/// A [`Layer`] that verifies each request with `P` before the inner
/// service runs; see the [module docs](self).
///
/// The inner service takes `Request<Full<Bytes>>` and finds in the request
/// extensions the `P::Event`, the [`Delivery`] and the [`Ack`](crate::Ack). Rejected
/// requests are answered `401`, `400` or `413` with the crate's message,
/// and the [`Rejection`](crate::Rejection) in the response extensions (for a logging layer
/// further out).
///
/// ```
/// use std::sync::Arc;
///
/// use axum::Extension;
/// use axum::routing::post;
/// use webhook_kit::clickfunnels::{ClickFunnels, Event};
/// use webhook_kit::tower::VerifyLayer;
/// use webhook_kit::{Ack, WebhookEvent};
///
/// async fn handle(Extension(event): Extension<Event>, Extension(ack): Extension<Ack>) -> Ack {
///     println!("{}", event.id());
///     ack
/// }
///
/// let receiver = ClickFunnels::new("cf-secret")?;
/// // On the method router, so that other methods still get axum's 405.
/// let app: axum::Router = axum::Router::new()
///     .route("/webhooks/clickfunnels", post(handle).route_layer(VerifyLayer::new(receiver)));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub struct VerifyLayer<P> {
    receiver: Arc<P>,
}

impl<P> VerifyLayer<P> {
    /// A layer verifying with `receiver`.
    ///
    /// ```
    /// let layer = webhook_kit::tower::VerifyLayer::new(webhook_kit::funnel::Funnel::new());
    /// ```
    pub fn new(receiver: P) -> Self {
        VerifyLayer::from_arc(Arc::new(receiver))
    }

    /// A layer verifying with a receiver shared with other code.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// let funnel = Arc::new(webhook_kit::funnel::Funnel::new());
    /// let layer = webhook_kit::tower::VerifyLayer::from_arc(Arc::clone(&funnel));
    /// ```
    pub fn from_arc(receiver: Arc<P>) -> Self {
        VerifyLayer { receiver }
    }
}

impl<P> Clone for VerifyLayer<P> {
    fn clone(&self) -> Self {
        VerifyLayer::from_arc(Arc::clone(&self.receiver))
    }
}

impl<P: fmt::Debug> fmt::Debug for VerifyLayer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("VerifyLayer").field(&self.receiver).finish()
    }
}

impl<P, S> Layer<S> for VerifyLayer<P> {
    type Service = Verify<P, S>;

    fn layer(&self, inner: S) -> Verify<P, S> {
        Verify {
            receiver: Arc::clone(&self.receiver),
            inner,
        }
    }
}

/// The service [`VerifyLayer`] wraps around an inner service.
///
/// ```
/// use tower_layer::Layer;
/// use webhook_kit::tower::{Verify, VerifyLayer};
///
/// let layer = VerifyLayer::new(webhook_kit::funnel::Funnel::new());
/// let service: Verify<_, _> = layer.layer(tower::service_fn(|_: http::Request<http_body_util::Full<bytes::Bytes>>| async {
///     Ok::<_, std::convert::Infallible>(http::Response::new(http_body_util::Full::new(bytes::Bytes::new())))
/// }));
/// ```
pub struct Verify<P, S> {
    receiver: Arc<P>,
    inner: S,
}

impl<P, S: Clone> Clone for Verify<P, S> {
    fn clone(&self) -> Self {
        Verify {
            receiver: Arc::clone(&self.receiver),
            inner: self.inner.clone(),
        }
    }
}

impl<P: fmt::Debug, S> fmt::Debug for Verify<P, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verify")
            .field("receiver", &self.receiver)
            .finish_non_exhaustive()
    }
}

/// The body of [`Verify`]'s responses: the inner service's (`Left`), or
/// the rejection's text (`Right`).
///
/// ```
/// use bytes::Bytes;
/// use http_body_util::{Either, Full};
/// use webhook_kit::tower::VerifyBody;
///
/// let refused: VerifyBody<Full<Bytes>> = Either::Right(Full::new(Bytes::from("no signature")));
/// assert!(matches!(refused, Either::Right(_)));
/// ```
pub type VerifyBody<B> = Either<B, Full<Bytes>>;

type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

impl<P, S, B, ResBody> Service<Request<B>> for Verify<P, S>
where
    P: Provider + Send + Sync + 'static,
    P::Event: Clone + Send + Sync + 'static,
    S: Service<Request<Full<Bytes>>, Response = Response<ResBody>> + Clone + Send + 'static,
    S::Future: Send,
    B: http_body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Response = Response<VerifyBody<ResBody>>;
    type Error = S::Error;
    type Future = BoxFuture<Result<Self::Response, S::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        // The inner service that was polled ready is the one to call; the
        // clone stays behind for the next request.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let receiver = Arc::clone(&self.receiver);
        Box::pin(async move {
            let (mut parts, body) = request.into_parts();
            let verified = match read_limited(&parts.headers, body, receiver.max_body()).await {
                Ok(body) => {
                    let request = Handshake::new(&parts.method, &parts.uri, &parts.headers, &body);
                    handshake::answer(&*receiver, &request).and_then(|()| {
                        receiver
                            .receive(&parts.headers, &body)
                            .map(|received| (body, received))
                            .map_err(Rejection::from)
                    })
                }
                Err(rejection) => Err(observe::refused(receiver.name(), rejection)),
            };
            let (body, received) = match verified {
                Ok(verified) => verified,
                Err(rejection) => {
                    let mut reply = rejection.to_response();
                    // For logging layers outside this one: why it was refused.
                    reply.extensions_mut().insert(rejection);
                    return Ok(reply.map(|text| Either::Right(Full::new(Bytes::from(text)))));
                }
            };
            parts.extensions.insert(received.event);
            parts.extensions.insert::<Delivery>(received.delivery);
            parts.extensions.insert(Ack::of(&*receiver));
            let reply = inner
                .call(Request::from_parts(parts, Full::new(body)))
                .await?;
            Ok(reply.map(Either::Left))
        })
    }
}
