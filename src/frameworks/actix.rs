//! actix-web 4 integration (feature `actix`): the [`Webhook`] extractor for
//! one provider per route, [`RoutedWebhook`] for a `/webhooks/{provider}`
//! route over [`Receivers`], `Responder` for [`Ack`] and
//! `ResponseError` for [`Error`] and [`Rejection`].
//!
//! actix-web 4 speaks `http` 0.2; the extractors carry its headers over to
//! the `http` 1 types this crate uses (by name and bytes), so handlers never
//! do. The body is read up to the receiver's [`Provider::max_body`]
//! (whatever `PayloadConfig` says): a larger body is refused with `413`
//! before anything is hashed.
//!
//! ```
//! use actix_web::web::{self, Data};
//! use webhook_kit::actix::{Ack, Webhook};
//! use webhook_kit::falu::Falu;
//! use webhook_kit::{Error, WebhookEvent};
//!
//! async fn falu(hook: Webhook<Falu>) -> Result<Ack, Error> {
//!     println!("{} {}", hook.event.event_type(), hook.event.id());
//!     Ok(hook.ack)
//! }
//!
//! let receiver = Data::new(Falu::new("falu-secret")?);
//! let app = actix_web::App::new()
//!     .app_data(receiver)
//!     .route("/webhooks/falu", web::post().to(falu));
//! # Ok::<(), webhook_kit::Error>(())
//! ```

use std::fmt;
use std::future::Future;
use std::pin::Pin;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode as ActixStatus;
use actix_web::http::header::ContentType;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, ResponseError, dev};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::body::check_announced;
use crate::handshake::{self, Handshake};
use crate::observe;
pub use crate::{Ack, Rejection};
use crate::{AnyEvent, Delivery, Error, Provider, Receivers};

/// A verified delivery from `P`, extracted from a request: the typed event,
/// what the request told about itself, the raw body, and the reply the
/// provider expects.
///
/// The receiver comes from the app data: register it as `Data<P>`
/// (`App::new().app_data(Data::new(receiver))`). Without it, requests are
/// answered `500` ([`Rejection::Misconfigured`]).
///
/// ```
/// use actix_web::web::{self, Data};
/// use webhook_kit::actix::{Ack, Webhook};
/// use webhook_kit::clickfunnels::ClickFunnels;
/// use webhook_kit::WebhookEvent;
///
/// async fn clickfunnels(hook: Webhook<ClickFunnels>) -> Ack {
///     println!("{} ({} bytes)", hook.event.id(), hook.body.len());
///     hook.ack
/// }
///
/// let app = actix_web::App::new()
///     .app_data(Data::new(ClickFunnels::new("cf-secret")?))
///     // A resource, so that other methods get 405.
///     .service(web::resource("/webhooks/clickfunnels").route(web::post().to(clickfunnels)));
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

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

impl<P> FromRequest for Webhook<P>
where
    P: Provider + 'static,
{
    type Error = Rejection;
    type Future = LocalFuture<Result<Self, Rejection>>;

    fn from_request(request: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let receiver = request.app_data::<Data<P>>().cloned();
        let headers = to_http_headers(request);
        let (method, uri) = to_http_target(request);
        let payload = payload.take();
        Box::pin(async move {
            let receiver = receiver.ok_or(Rejection::Misconfigured(NO_RECEIVER))?;
            let body = read_limited(&headers, payload, receiver.max_body())
                .await
                .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
            handshake::answer(&**receiver, &Handshake::new(&method, &uri, &headers, &body))?;
            let received = receiver.receive(&headers, &body)?;
            Ok(Webhook {
                event: received.event,
                delivery: received.delivery,
                body,
                ack: Ack::of(&**receiver),
            })
        })
    }
}

/// A verified delivery on a `/webhooks/{provider}` route: the
/// [`Receivers`] registered as `Data<Receivers>` picks the
/// receiver named by the `{provider}` path segment. An unknown name is
/// answered `404`.
///
/// ```
/// use actix_web::web::{self, Data};
/// use webhook_kit::actix::{Ack, RoutedWebhook};
/// use webhook_kit::{Receivers, WebhookEvent};
///
/// async fn webhook(hook: RoutedWebhook) -> Ack {
///     println!("{} {}", hook.provider, hook.event.id());
///     hook.ack
/// }
///
/// let receivers = Data::new(Receivers::new().with_receiver("funnel", webhook_kit::funnel::Funnel::new()));
/// let app = actix_web::App::new()
///     .app_data(receivers)
///     .route("/webhooks/{provider}", web::post().to(webhook));
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

impl FromRequest for RoutedWebhook {
    type Error = Rejection;
    type Future = LocalFuture<Result<Self, Rejection>>;

    fn from_request(request: &HttpRequest, payload: &mut dev::Payload) -> Self::Future {
        let router = request.app_data::<Data<Receivers>>().cloned();
        let provider = request.match_info().get("provider").map(str::to_owned);
        let headers = to_http_headers(request);
        let (method, uri) = to_http_target(request);
        let payload = payload.take();
        Box::pin(async move {
            let router = router.ok_or(Rejection::Misconfigured(NO_ROUTER))?;
            let provider = provider.ok_or(Rejection::Misconfigured(NO_PARAM))?;
            let receiver = router.get(&provider).ok_or(Rejection::UnknownProvider)?;
            let body = read_limited(&headers, payload, receiver.max_body())
                .await
                .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
            handshake::answer(receiver, &Handshake::new(&method, &uri, &headers, &body))?;
            let received = receiver.receive(&headers, &body)?;
            Ok(RoutedWebhook {
                ack: Ack::of(receiver),
                provider,
                event: received.event,
                delivery: received.delivery,
                body,
            })
        })
    }
}

const NO_RECEIVER: &str = "no `Data<P>` app data for this receiver type";
const NO_ROUTER: &str = "no `Data<Receivers>` app data";
const NO_PARAM: &str = "the route has no `{provider}` segment";

/// The request's headers as `http` 1 values. A header that does not carry
/// over (none should: both crates check the same grammar) is left out, and
/// verification then finds it missing.
fn to_http_headers(request: &HttpRequest) -> HeaderMap {
    let mut headers = HeaderMap::with_capacity(request.headers().len());
    for (name, value) in request.headers() {
        if let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_str().as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            headers.append(name, value);
        }
    }
    headers
}

/// The request's method and target as the `http` 1 types a handshake reads
/// (actix-web 4 speaks `http` 0.2). A target `http` 1 cannot read becomes
/// `/`, which carries no query: such a request is no handshake.
fn to_http_target(request: &HttpRequest) -> (http::Method, http::Uri) {
    let method = http::Method::from_bytes(request.method().as_str().as_bytes())
        .unwrap_or(http::Method::POST);
    let uri = http::Uri::try_from(request.uri().to_string()).unwrap_or_default();
    (method, uri)
}

/// The body, read up to `limit` bytes.
async fn read_limited(
    headers: &HeaderMap,
    payload: dev::Payload,
    limit: usize,
) -> Result<Bytes, Rejection> {
    check_announced(headers, limit)?;
    let stream = actix_web::body::BodyStream::new(payload);
    match actix_web::body::to_bytes_limited(stream, limit).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(_)) => Err(Rejection::UnreadableBody),
        Err(_) => Err(Rejection::BodyTooLarge { limit }),
    }
}

fn to_actix_status(status: StatusCode) -> ActixStatus {
    ActixStatus::from_u16(status.as_u16()).unwrap_or(ActixStatus::INTERNAL_SERVER_ERROR)
}

fn plain_text(status: StatusCode, message: String) -> HttpResponse {
    HttpResponse::build(to_actix_status(status))
        .insert_header(ContentType::plaintext())
        .body(message)
}

impl Responder for Ack {
    type Body = BoxBody;

    /// The provider's acknowledgement, as [`Provider::acknowledge`] gives it.
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        let mut reply = HttpResponse::build(to_actix_status(self.status()));
        for (name, value) in self.headers() {
            reply.insert_header((name.as_str(), value.as_bytes()));
        }
        reply.body(self.body())
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> ActixStatus {
        to_actix_status(Rejection::status_code(self))
    }

    /// The status, with the message as a `text/plain` body; a handshake's
    /// reply as the sender expects it.
    fn error_response(&self) -> HttpResponse {
        let reply = self.to_response();
        let mut out = HttpResponse::build(to_actix_status(reply.status()));
        for (name, value) in reply.headers() {
            out.insert_header((name.as_str(), value.as_bytes()));
        }
        out.body(reply.into_body())
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> ActixStatus {
        to_actix_status(Error::status_code(self))
    }

    /// [`Error::status_code`], with the message as a `text/plain` body, so a
    /// handler can return `Result<Ack, Error>` and use `?`.
    fn error_response(&self) -> HttpResponse {
        plain_text(Error::status_code(self), self.to_string())
    }
}
