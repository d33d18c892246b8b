//! Handshakes: the requests a sender makes to check an endpoint before (or
//! besides) delivering events, and that the crate answers for the handler.

use http::{HeaderMap, Method, Uri};

/// A request that may be a sender's handshake, as
/// [`Provider::handshake_at`](crate::Provider::handshake_at) reads it.
///
/// Senders check an endpoint in their own ways: Zoom posts an
/// `endpoint.url_validation` event whose token must come back hashed,
/// Twitch a `webhook_callback_verification` challenge, Meta a `GET` with
/// `hub.challenge`, Discord a `PING`, Slack a `url_verification` event.
/// The framework integrations answer them before the handler runs; a
/// hand-written handler asks [`Provider::handshake`](crate::Provider::handshake) first.
///
/// ```
/// use webhook_kit::{Handshake, Provider};
/// use webhook_kit::zoom::Zoom;
///
/// let receiver = Zoom::new("zoom-secret-token")?;
/// let body = br#"{"event": "endpoint.url_validation", "event_ts": 1700000000000,
///     "payload": {"plainToken": "qgg8vlvZRS6UYooatFL8Aw"}}"#;
/// let now = time::OffsetDateTime::now_utc();
/// let headers = receiver.sign_at(body, now)?;
/// let (method, uri) = (http::Method::POST, http::Uri::from_static("/webhooks/zoom"));
/// let request = Handshake::new(&method, &uri, &headers, body);
/// let reply = receiver.handshake_at(&request, now).expect("a handshake")?;
/// assert_eq!(reply.status(), 200);
/// assert!(reply.body().contains("\"plainToken\":\"qgg8vlvZRS6UYooatFL8Aw\""));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct Handshake<'r> {
    /// The request method.
    pub method: &'r Method,
    /// The request target, for query parameters.
    pub uri: &'r Uri,
    /// The request headers.
    pub headers: &'r HeaderMap,
    /// The raw body.
    pub body: &'r [u8],
}

impl<'r> Handshake<'r> {
    /// A view of one request.
    ///
    /// ```
    /// let (method, uri, headers) = (http::Method::GET, http::Uri::from_static("/hook?a=1"), http::HeaderMap::new());
    /// let request = webhook_kit::Handshake::new(&method, &uri, &headers, b"");
    /// assert_eq!(request.query("a").as_deref(), Some("1"));
    /// ```
    pub fn new(method: &'r Method, uri: &'r Uri, headers: &'r HeaderMap, body: &'r [u8]) -> Self {
        Handshake {
            method,
            uri,
            headers,
            body,
        }
    }

    /// The first value of query parameter `name`, percent-decoded.
    ///
    /// ```
    /// let (method, headers) = (http::Method::GET, http::HeaderMap::new());
    /// let uri = http::Uri::from_static("/hook?hub.mode=subscribe&hub.challenge=a%20b");
    /// let request = webhook_kit::Handshake::new(&method, &uri, &headers, b"");
    /// assert_eq!(request.query("hub.challenge").as_deref(), Some("a b"));
    /// assert_eq!(request.query("missing"), None);
    /// ```
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.uri.query()?;
        crate::engine::form::fields(query.as_bytes())
            .into_iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value)
    }
}

/// A `200` reply with `body` of `content_type`.
pub(crate) fn reply(content_type: &'static str, body: String) -> http::Response<String> {
    let mut response = http::Response::new(body);
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    response
}

/// Answers `request` for the framework integrations when it is `receiver`'s
/// handshake: `Err` with the reply to send (or the refusal of a forged
/// handshake), `Ok` when the request is a delivery for the handler.
#[cfg_attr(
    not(any(feature = "axum", feature = "tower", feature = "actix")),
    allow(dead_code, reason = "called by the framework integrations")
)]
pub(crate) fn answer<P: crate::Provider + ?Sized>(
    receiver: &P,
    request: &Handshake<'_>,
) -> Result<(), crate::Rejection> {
    match receiver.handshake(request) {
        None => Ok(()),
        Some(Ok(reply)) => Err(crate::Rejection::Handshake(Box::new(reply.into()))),
        Some(Err(error)) => Err(crate::Rejection::Invalid(error)),
    }
}
