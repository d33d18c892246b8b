//! What a handler answers the simulator.

use std::time::Duration;

use http::{Response, StatusCode};

/// A handler's answer, and how long it took in virtual time.
///
/// Handlers may return it, or anything that converts into it: an
/// `http::Response<B>` (taking no time), a `(Response<B>, Duration)` pair,
/// or a bare `StatusCode`.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::funnel::Funnel;
/// use webhook_kit::simulate::{Reply, Simulator};
/// use webhook_kit::Provider;
///
/// let funnel = Funnel::new();
/// // Funnel waits 5 s: a reply after 6 s is a failure, however correct.
/// let slow = Simulator::new(&funnel)
///     .deliver(b"{}", |_req: http::Request<Vec<u8>>| Reply::new(funnel.acknowledge()).took(Duration::from_secs(6)))?;
/// assert!(!slow.is_delivered());
/// assert!(slow.attempts.iter().all(|a| a.timed_out()));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
#[derive(Debug)]
pub struct Reply {
    pub(super) response: Response<Vec<u8>>,
    pub(super) took: Duration,
}

impl Reply {
    /// A reply that takes no time.
    ///
    /// ```
    /// let reply = webhook_kit::simulate::Reply::new(http::Response::new("ok"));
    /// assert_eq!(reply.response().body(), b"ok");
    /// ```
    pub fn new<B: Into<Vec<u8>>>(response: Response<B>) -> Self {
        Reply {
            response: response.map(Into::into),
            took: Duration::ZERO,
        }
    }

    /// A reply with `status` and an empty body.
    ///
    /// ```
    /// let reply = webhook_kit::simulate::Reply::empty(http::StatusCode::GONE);
    /// assert_eq!(reply.response().status(), 410);
    /// ```
    pub fn empty(status: StatusCode) -> Self {
        let mut response = Response::new(Vec::new());
        *response.status_mut() = status;
        Reply::new(response)
    }

    /// Says the handler took `duration` of virtual time to answer.
    ///
    /// ```
    /// use std::time::Duration;
    /// let reply = webhook_kit::simulate::Reply::empty(http::StatusCode::OK).took(Duration::from_secs(2));
    /// assert_eq!(reply.duration(), Duration::from_secs(2));
    /// ```
    #[must_use]
    pub fn took(mut self, duration: Duration) -> Self {
        self.took = duration;
        self
    }

    /// The response the handler gave.
    ///
    /// ```
    /// let reply = webhook_kit::simulate::Reply::from(http::StatusCode::ACCEPTED);
    /// assert_eq!(reply.response().status(), 202);
    /// ```
    pub fn response(&self) -> &Response<Vec<u8>> {
        &self.response
    }

    /// How long the handler took, in virtual time.
    ///
    /// ```
    /// let reply = webhook_kit::simulate::Reply::from(http::StatusCode::OK);
    /// assert_eq!(reply.duration(), std::time::Duration::ZERO);
    /// ```
    pub fn duration(&self) -> std::time::Duration {
        self.took
    }
}

impl<B: Into<Vec<u8>>> From<Response<B>> for Reply {
    fn from(response: Response<B>) -> Self {
        Reply::new(response)
    }
}

impl<B: Into<Vec<u8>>> From<(Response<B>, Duration)> for Reply {
    fn from((response, took): (Response<B>, Duration)) -> Self {
        Reply::new(response).took(took)
    }
}

impl From<StatusCode> for Reply {
    fn from(status: StatusCode) -> Self {
        Reply::empty(status)
    }
}
