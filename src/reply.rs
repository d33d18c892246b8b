//! What a server answers: the provider's acknowledgement ([`Ack`]) and the
//! reasons a request is refused before a handler sees it ([`Rejection`]).
//! Framework-neutral; the `axum`, `tower` and `actix` features turn both
//! into their framework's responses.

use http::header::CONTENT_TYPE;
use http::{HeaderMap, HeaderValue, Response, StatusCode};

use crate::{Error, Provider};

/// The reply a provider counts as "delivered", as a value a handler can
/// return ([`Provider::acknowledge`] in a cloneable form).
///
/// ```
/// use webhook_kit::Ack;
///
/// let funnel = webhook_kit::funnel::Funnel::new();
/// let ack = Ack::of(&funnel);
/// assert_eq!(ack.status(), 200);
/// assert_eq!(ack.body(), "Funnel Event Received");
/// let reply: http::Response<&'static str> = ack.into();
/// assert_eq!(reply.headers()["content-type"], "text/plain");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ack {
    status: StatusCode,
    headers: HeaderMap,
    body: &'static str,
}

impl Ack {
    /// `provider`'s acknowledgement.
    ///
    /// ```
    /// let falu = webhook_kit::falu::Falu::new("secret")?;
    /// assert_eq!(webhook_kit::Ack::of(&falu).body(), "");
    /// # Ok::<(), webhook_kit::Error>(())
    /// ```
    pub fn of<P: Provider + ?Sized>(provider: &P) -> Ack {
        Ack::from(provider.acknowledge())
    }

    /// The status to answer with.
    ///
    /// ```
    /// assert_eq!(webhook_kit::Ack::of(&webhook_kit::funnel::Funnel::new()).status(), 200);
    /// ```
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The headers to answer with.
    ///
    /// ```
    /// let ack = webhook_kit::Ack::of(&webhook_kit::funnel::Funnel::new());
    /// assert_eq!(ack.headers()["content-type"], "text/plain");
    /// ```
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body to answer with.
    ///
    /// ```
    /// let ack = webhook_kit::Ack::of(&webhook_kit::funnel::Funnel::new());
    /// assert_eq!(ack.body(), "Funnel Event Received");
    /// ```
    pub fn body(&self) -> &'static str {
        self.body
    }
}

impl From<Response<&'static str>> for Ack {
    /// Keeps the status, headers and body (not the extensions).
    fn from(reply: Response<&'static str>) -> Self {
        let (parts, body) = reply.into_parts();
        Ack {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

impl From<Ack> for Response<&'static str> {
    fn from(ack: Ack) -> Self {
        let mut reply = Response::new(ack.body);
        *reply.status_mut() = ack.status;
        *reply.headers_mut() = ack.headers;
        reply
    }
}

/// Why a request was refused before a handler saw it: it failed
/// verification, its body was too large or unreadable, or no receiver serves
/// its route. [`Rejection::status`] is the status to answer with and
/// `Display` the message (never a secret, never the request's header
/// values).
///
/// ```
/// use webhook_kit::{Error, Rejection};
///
/// let rejection = Rejection::from(Error::SignatureMismatch);
/// assert_eq!(rejection.status(), 401);
/// let reply = rejection.to_response();
/// assert_eq!(reply.body(), "no signature matched any accepted secret");
/// assert_eq!(Rejection::BodyTooLarge { limit: 10 }.status(), 413);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Rejection {
    /// The request failed verification or parsing (or announced a body
    /// over the limit in its `content-length`).
    #[error(transparent)]
    Invalid(#[from] Error),

    /// The body grew past the receiver's limit while it was read (no length
    /// was announced, or the announced one was wrong); reading stopped there,
    /// before any hashing.
    #[error("body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The receiver's limit in bytes.
        limit: usize,
    },

    /// The body grew past the server's own limit, set in the framework
    /// (axum's `DefaultBodyLimit`), which was smaller than the receiver's;
    /// reading stopped there, before any hashing. The framework does not say
    /// what its limit is, so neither does the message.
    #[error("body exceeds the server's body limit")]
    ServerBodyLimit,

    /// The body could not be read (the client hung up, or sent a malformed
    /// chunked encoding).
    #[error("the request body could not be read")]
    UnreadableBody,

    /// No receiver serves the `{provider}` named in the path.
    #[error("no webhook receiver for this path")]
    UnknownProvider,

    /// The server is wired wrongly (a route without the `{provider}`
    /// parameter its extractor reads, a receiver missing from the app's
    /// state); the message says what is missing.
    #[error("the webhook route is misconfigured: {0}")]
    Misconfigured(&'static str),

    /// Not a failure: the request was the sender's handshake (Zoom's URL
    /// validation, Twitch's challenge, Meta's `hub.challenge`, Discord's
    /// `PING`, Slack's `url_verification`, Dropbox's `challenge`), verified
    /// where the sender signs it, and this is the reply the sender expects.
    /// The framework integrations answer it before the handler runs;
    /// [`Rejection::to_response`] gives it unchanged.
    #[error("answered the sender's handshake")]
    Handshake(Box<HandshakeReply>),
}

/// A handshake's reply, ready to send: what [`Rejection::Handshake`]
/// carries (from [`Provider::handshake`](crate::Provider::handshake)).
///
/// ```
/// use webhook_kit::HandshakeReply;
///
/// let reply = HandshakeReply::from(http::Response::new("challenge-1".to_owned()));
/// assert_eq!(reply.to_response().body(), "challenge-1");
/// assert_eq!(reply.to_response().status(), 200);
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HandshakeReply {
    status: StatusCode,
    headers: http::HeaderMap,
    body: String,
}

impl From<Response<String>> for HandshakeReply {
    fn from(reply: Response<String>) -> Self {
        let (parts, body) = reply.into_parts();
        HandshakeReply {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }
}

impl HandshakeReply {
    /// The reply as an `http` response.
    ///
    /// ```
    /// let reply = webhook_kit::HandshakeReply::from(http::Response::new("{}".to_owned()));
    /// assert_eq!(reply.to_response().body(), "{}");
    /// ```
    pub fn to_response(&self) -> Response<String> {
        let mut reply = Response::new(self.body.clone());
        *reply.status_mut() = self.status;
        *reply.headers_mut() = self.headers.clone();
        reply
    }
}

impl Rejection {
    /// The status to answer with, as `http` spells it: [`Error::status_code`]
    /// for verification failures, `413` for a body over a limit, `400` for an
    /// unreadable one, `404` for an unknown provider, `500` for a
    /// misconfigured server, and the sender's expected status for a
    /// handshake.
    ///
    /// ```
    /// use webhook_kit::Rejection;
    ///
    /// assert_eq!(Rejection::UnreadableBody.status(), 400);
    /// assert_eq!(Rejection::UnknownProvider.status(), 404);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            Rejection::Invalid(error) => error.status_code(),
            Rejection::BodyTooLarge { .. } | Rejection::ServerBodyLimit => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            Rejection::UnreadableBody => StatusCode::BAD_REQUEST,
            Rejection::UnknownProvider => StatusCode::NOT_FOUND,
            Rejection::Misconfigured(_) => StatusCode::INTERNAL_SERVER_ERROR,
            Rejection::Handshake(reply) => reply.status,
        }
    }

    /// The status to answer with: [`Rejection::status`].
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use webhook_kit::Rejection;
    ///
    /// assert_eq!(Rejection::UnknownProvider.status_code(), Rejection::UnknownProvider.status());
    /// ```
    #[deprecated(
        since = "0.2.0",
        note = "use `Rejection::status()`, as `http` spells it"
    )]
    pub fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// A short, stable, machine-readable code for why the request was
    /// refused: [`Error::reason`] for a verification failure, else
    /// `body_too_large`, `unreadable_body`, `unknown_provider` or
    /// `misconfigured`.
    ///
    /// ```
    /// use webhook_kit::{Error, Rejection};
    ///
    /// assert_eq!(Rejection::BodyTooLarge { limit: 10 }.reason(), "body_too_large");
    /// assert_eq!(Rejection::from(Error::SignatureMismatch).reason(), "signature_mismatch");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Rejection::Invalid(error) => error.reason(),
            Rejection::BodyTooLarge { .. } | Rejection::ServerBodyLimit => "body_too_large",
            Rejection::UnreadableBody => "unreadable_body",
            Rejection::UnknownProvider => "unknown_provider",
            Rejection::Misconfigured(_) => "misconfigured",
            Rejection::Handshake(_) => "handshake",
        }
    }

    /// The reply: the status, and the message as a `text/plain` body.
    ///
    /// ```
    /// let reply = webhook_kit::Rejection::BodyTooLarge { limit: 10 }.to_response();
    /// assert_eq!(reply.status(), 413);
    /// assert_eq!(reply.body(), "body exceeds the limit of 10 bytes");
    /// assert_eq!(reply.headers()["content-type"], "text/plain; charset=utf-8");
    /// ```
    pub fn to_response(&self) -> Response<String> {
        match self {
            Rejection::Handshake(reply) => reply.to_response(),
            _ => plain_text(self.status(), self.to_string()),
        }
    }

    /// The reply as an RFC 9457 problem: `application/problem+json` with
    /// `type` `about:blank`, the status's reason phrase as `title`, the
    /// `status`, the message as `detail`, and the extension member
    /// `reason` holding [`Rejection::reason`]. For APIs that answer every
    /// error this way; the framework integrations answer with
    /// [`Rejection::to_response`], so return this from a handler that
    /// takes `Result<Webhook<P>, Rejection>`.
    ///
    /// ```
    /// use webhook_kit::{Error, Rejection};
    ///
    /// let reply = Rejection::from(Error::SignatureMismatch).to_problem_response();
    /// assert_eq!(reply.status(), 401);
    /// assert_eq!(reply.headers()["content-type"], "application/problem+json");
    /// let problem: serde_json::Value = serde_json::from_str(reply.body()).expect("json");
    /// assert_eq!(problem["reason"], "signature_mismatch");
    /// assert_eq!(problem["title"], "Unauthorized");
    /// assert_eq!(problem["detail"], "no signature matched any accepted secret");
    /// ```
    pub fn to_problem_response(&self) -> Response<String> {
        if let Rejection::Handshake(reply) = self {
            return reply.to_response();
        }
        let status = self.status();
        let problem = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": self.to_string(),
            "reason": self.reason(),
        });
        let mut reply = Response::new(problem.to_string());
        *reply.status_mut() = status;
        reply.headers_mut().insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        reply
    }
}

/// `status` with `message` as a `text/plain` body: how every rejection and
/// error is answered.
pub(crate) fn plain_text(status: StatusCode, message: String) -> Response<String> {
    let mut reply = Response::new(message);
    *reply.status_mut() = status;
    reply.headers_mut().insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "funnel")]
    fn an_ack_round_trips_through_a_response() {
        let funnel = crate::funnel::Funnel::new();
        let ack = Ack::of(&funnel);
        let reply: Response<&'static str> = ack.clone().into();
        assert_eq!(Ack::from(reply), ack);
    }

    #[test]
    fn a_problem_response_holds_the_same_status_message_and_reason() {
        let rejections = [
            Rejection::from(Error::TimestampTooOld {
                age: std::time::Duration::from_secs(600),
                tolerance: std::time::Duration::from_secs(300),
            }),
            Rejection::BodyTooLarge { limit: 4 },
            Rejection::ServerBodyLimit,
            Rejection::UnknownProvider,
            Rejection::Misconfigured("no receiver"),
        ];
        for rejection in rejections {
            let reply = rejection.to_problem_response();
            let problem: serde_json::Value = serde_json::from_str(reply.body()).expect("json");
            assert_eq!(reply.status(), rejection.status());
            assert_eq!(problem["status"], rejection.status().as_u16());
            assert_eq!(problem["detail"], rejection.to_string());
            assert_eq!(problem["reason"], rejection.reason());
            assert_eq!(problem["type"], "about:blank");
            assert_eq!(
                problem["title"],
                rejection.status().canonical_reason().expect("known")
            );
        }
    }

    #[test]
    fn rejections_keep_the_errors_message_and_status() {
        let error = Error::BodyTooLarge { len: 5, limit: 4 };
        let rejection = Rejection::from(error.clone());
        assert_eq!(rejection.to_string(), error.to_string());
        assert_eq!(rejection.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(
            Rejection::Misconfigured("no receiver").status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
    }
}
