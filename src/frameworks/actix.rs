//! actix-web 4 integration (feature `actix`): the [`Webhook`] extractor for
//! one provider per route, [`RoutedWebhook`] for a `/webhooks/{provider}`
//! route over a [`Receivers`], `Responder` for [`Ack`](crate::Ack) and
//! [`Handled`](crate::dedup::Handled), and `ResponseError` for [`Error`] and
//! [`Rejection`](crate::Rejection).
//!
//! actix-web 4 speaks `http` 0.2; the extractors carry its headers over to
//! the `http` 1 types this crate uses (by name and bytes), so handlers never
//! do. The body is read up to the receiver's [`Provider::max_body`]
//! (whatever `PayloadConfig` says): a larger body is refused with `413`
//! before anything is hashed.
//!
//! ```
//! use actix_web::web::{self, Data};
//! use webhook_kit::actix::Webhook;
//! use webhook_kit::falu::Falu;
//! use webhook_kit::{Ack, Error, WebhookEvent};
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

use std::future::Future;
use std::pin::Pin;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::http::StatusCode as ActixStatus;
use actix_web::web::{Bytes, Data};
use actix_web::{FromRequest, HttpRequest, HttpResponse, Responder, ResponseError, dev};
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};

use super::body::check_announced;
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

type LocalFuture<T> = Pin<Box<dyn Future<Output = T>>>;

/// The [`Webhook`] extractor: the receiver comes from the app data,
/// registered as `Data<P>` (`App::new().app_data(Data::new(receiver))`).
/// Without it, requests are answered `500`
/// ([`Rejection::Misconfigured`](crate::Rejection::Misconfigured)).
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
            let target = Target {
                method: &method,
                uri: &uri,
                headers: &headers,
            };
            Webhook::verify(receiver.into_inner(), &target, body)
        })
    }
}

/// The [`RoutedWebhook`] extractor: the [`Receivers`] comes from the app data,
/// registered as `Data<Receivers>`, and picks the receiver named by the
/// `{provider}` path segment.
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
            let router = router.ok_or(Rejection::Misconfigured(NO_RECEIVERS))?;
            let provider = provider.ok_or(Rejection::Misconfigured(NO_PARAM))?;
            let receiver = router.get(&provider).ok_or(Rejection::UnknownProvider)?;
            let body = read_limited(&headers, payload, receiver.max_body())
                .await
                .map_err(|rejection| observe::refused(receiver.name(), rejection))?;
            let target = Target {
                method: &method,
                uri: &uri,
                headers: &headers,
            };
            RoutedWebhook::verify(router.into_inner(), provider, &target, body)
        })
    }
}

const NO_RECEIVER: &str = "no `Data<P>` app data for this receiver type";
const NO_RECEIVERS: &str = "no `Data<Receivers>` app data";
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

/// An `http` 1 response as actix's: the status, the headers by name and
/// bytes, the body.
fn to_actix<B: MessageBody + 'static>(reply: http::Response<B>) -> HttpResponse {
    let (parts, body) = reply.into_parts();
    let mut out = HttpResponse::build(to_actix_status(parts.status));
    for (name, value) in &parts.headers {
        out.append_header((name.as_str(), value.as_bytes()));
    }
    out.body(body)
}

impl Responder for Ack {
    type Body = BoxBody;

    /// The provider's acknowledgement, as [`Provider::acknowledge`] gives it.
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        to_actix(http::Response::<&'static str>::from(self))
    }
}

impl<E, SE> Responder for Handled<E, SE> {
    type Body = BoxBody;

    /// The reply [`Handled::into_response`] gives: the provider's
    /// acknowledgement, `429` with `Retry-After`, or `503`; return the
    /// `Handled` from the handler.
    ///
    /// ```
    /// use actix_web::Responder;
    /// use actix_web::test::TestRequest;
    /// use webhook_kit::dedup::Handled;
    ///
    /// let failed: Handled<&str, ()> = Handled::Failed("database down");
    /// let reply = failed.respond_to(&TestRequest::default().to_http_request());
    /// assert_eq!(reply.status().as_u16(), 503);
    /// ```
    fn respond_to(self, _: &HttpRequest) -> HttpResponse {
        to_actix(Handled::into_response(self))
    }
}

impl ResponseError for Rejection {
    fn status_code(&self) -> ActixStatus {
        to_actix_status(self.status())
    }

    /// The status, with the message as a `text/plain` body; a handshake's
    /// reply as the sender expects it.
    fn error_response(&self) -> HttpResponse {
        to_actix(self.to_response())
    }
}

impl ResponseError for Error {
    fn status_code(&self) -> ActixStatus {
        to_actix_status(Error::status_code(self))
    }

    /// [`Error::status_code`], with the message as a `text/plain` body, so a
    /// handler can return `Result<Ack, Error>` and use `?`.
    fn error_response(&self) -> HttpResponse {
        to_actix(plain_text(Error::status_code(self), self.to_string()))
    }
}
