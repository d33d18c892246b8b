//! The one error type of the crate.

use std::fmt;
use std::time::Duration;

use http::{HeaderName, StatusCode};

/// Everything that can go wrong while verifying or parsing a webhook.
///
/// Variants fall in three groups, and [`Error::status`] maps each to the
/// reply a receiver should send:
///
/// - **authentication failures** ([`Error::is_auth`]): the request cannot be
///   shown to come from the provider — answer `401`;
/// - **payload failures**: the request is authentic (or was not checked) but
///   its body is not what the provider documents — answer `400`, or `413` for
///   a body over the size limit;
/// - **configuration errors**: the caller handed the crate something unusable,
///   such as a malformed secret. These come from constructors, never from a
///   request.
///
/// `Display` is lowercase, never echoes a secret or an expected signature, and
/// never quotes the request's header values back.
///
/// # Example
///
/// ```
/// use webhook_kit::Error;
///
/// let err = Error::SignatureMismatch;
/// assert!(err.is_auth());
/// assert_eq!(err.status(), http::StatusCode::UNAUTHORIZED);
/// assert_eq!(err.to_string(), "no signature matched any accepted secret");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A header the provider always sends is absent.
    #[error("missing header `{0}`")]
    MissingHeader(HeaderName),

    /// A header is present but cannot be read: not visible ASCII, empty, a
    /// signature that is not valid hex or base64, a timestamp that is not an
    /// integer, or a signature list that breaks the provider's grammar.
    #[error("malformed header `{name}`: {reason}")]
    MalformedHeader {
        /// The header's name.
        name: HeaderName,
        /// What is wrong with it (never the value itself).
        reason: &'static str,
    },

    /// The request carries a signature or token, but none matches any
    /// accepted secret. Deliberately says nothing about which part differed.
    #[error("no signature matched any accepted secret")]
    SignatureMismatch,

    /// The signed timestamp is further in the past than the tolerance allows:
    /// possibly a replayed request.
    #[error(
        "timestamp was signed {} ago; this receiver accepts {}",
        Seconds(*age),
        Seconds(*tolerance)
    )]
    TimestampTooOld {
        /// How long ago the request says it was signed.
        age: Duration,
        /// How old this receiver accepts (the tolerance's past bound).
        tolerance: Duration,
    },

    /// The signed timestamp is further in the future than the tolerance allows.
    #[error(
        "timestamp is {} in the future; this receiver accepts {}{}",
        Seconds(*ahead),
        Seconds(*tolerance),
        if *looks_like_millis { "; it looks like milliseconds, and the scheme signs seconds" } else { "" }
    )]
    TimestampInFuture {
        /// How far ahead of the receiver's clock the timestamp is.
        ahead: Duration,
        /// How far ahead this receiver accepts (the tolerance's future bound).
        tolerance: Duration,
        /// Whether the value, read as milliseconds, would be about now: a
        /// sender (or a test) that signs milliseconds instead of seconds.
        looks_like_millis: bool,
    },

    /// A header that names the event disagrees with the authenticated body
    /// (Fourvenues' `x-webhook-id` against the body's `id`).
    #[error("header `{0}` does not match the signed body")]
    HeaderMismatch(HeaderName),

    /// The body is larger than the receiver's limit; nothing was hashed or parsed.
    #[error("body of {len} bytes exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The body's length in bytes.
        len: usize,
        /// The receiver's limit in bytes.
        limit: usize,
    },

    /// The body is not the JSON the provider documents.
    ///
    /// `line` and `column` point into the whole body, 1-based, as
    /// `serde_json` reports them.
    #[error("invalid payload: {message} at line {line} column {column}")]
    InvalidPayload {
        /// serde_json's description of the problem.
        message: String,
        /// 1-based line in the body.
        line: usize,
        /// 1-based column in the body.
        column: usize,
    },

    /// A secret handed to a constructor is unusable: empty or only
    /// whitespace (anyone could sign with it), or not in the form the scheme
    /// needs (a Standard Webhooks secret that is not base64). The message
    /// says which.
    #[error("invalid secret: {0}")]
    InvalidSecret(&'static str),

    /// Signing could not produce a header value (for example a message id with
    /// characters a header cannot carry).
    #[error("cannot sign: {0}")]
    Signing(&'static str),

    /// A sender description handed to
    /// [`SchemeBuilder::build`](crate::custom::SchemeBuilder::build) cannot
    /// be run: the message says which part is wrong. A configuration error
    /// (status `500`), never an authentication failure.
    #[error("invalid scheme: {0}")]
    InvalidScheme(&'static str),
}

impl Error {
    /// Whether this error means the request could not be authenticated.
    ///
    /// Missing or malformed authentication headers, signature or token
    /// mismatches, timestamps outside the tolerance and a header that
    /// disagrees with the signed body are authentication failures: answer them
    /// with `401`. Everything else is not.
    ///
    /// ```
    /// use webhook_kit::Error;
    ///
    /// assert!(Error::SignatureMismatch.is_auth());
    /// assert!(!Error::BodyTooLarge { len: 2, limit: 1 }.is_auth());
    /// ```
    pub fn is_auth(&self) -> bool {
        matches!(
            self,
            Error::MissingHeader(_)
                | Error::MalformedHeader { .. }
                | Error::SignatureMismatch
                | Error::TimestampTooOld { .. }
                | Error::TimestampInFuture { .. }
                | Error::HeaderMismatch(_)
        )
    }

    /// The HTTP status a receiver should answer with.
    ///
    /// `401` for authentication failures, `413` for an oversized body, `400`
    /// for a payload that is not the expected JSON and `500` for
    /// configuration errors, which are the receiver's own fault.
    ///
    /// ```
    /// use http::StatusCode;
    /// use webhook_kit::Error;
    ///
    /// assert_eq!(Error::BodyTooLarge { len: 2, limit: 1 }.status(), StatusCode::PAYLOAD_TOO_LARGE);
    /// ```
    pub fn status(&self) -> StatusCode {
        match self {
            e if e.is_auth() => StatusCode::UNAUTHORIZED,
            Error::BodyTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            Error::InvalidPayload { .. } => StatusCode::BAD_REQUEST,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The status to answer with: [`Error::status`].
    ///
    /// ```
    /// # #![allow(deprecated)]
    /// use webhook_kit::Error;
    ///
    /// assert_eq!(Error::SignatureMismatch.status_code(), Error::SignatureMismatch.status());
    /// ```
    #[deprecated(since = "0.2.0", note = "use `Error::status()`, as `http` spells it")]
    pub fn status_code(&self) -> StatusCode {
        self.status()
    }

    /// A short, stable, machine-readable code for what failed: snake_case
    /// ASCII, one per variant, for logs, metrics labels and alerting rules.
    /// The codes are part of the API: a new variant gets a new code, and an
    /// existing code never changes meaning.
    ///
    /// | variant | code |
    /// |---|---|
    /// | [`Error::MissingHeader`] | `missing_header` |
    /// | [`Error::MalformedHeader`] | `malformed_header` |
    /// | [`Error::SignatureMismatch`] | `signature_mismatch` |
    /// | [`Error::TimestampTooOld`] | `timestamp_too_old` |
    /// | [`Error::TimestampInFuture`] | `timestamp_in_future` |
    /// | [`Error::HeaderMismatch`] | `header_mismatch` |
    /// | [`Error::BodyTooLarge`] | `body_too_large` |
    /// | [`Error::InvalidPayload`] | `invalid_payload` |
    /// | [`Error::InvalidSecret`] | `invalid_secret` |
    /// | [`Error::Signing`] | `signing_failed` |
    /// | [`Error::InvalidScheme`] | `invalid_scheme` |
    ///
    /// ```
    /// use webhook_kit::Error;
    ///
    /// assert_eq!(Error::SignatureMismatch.reason(), "signature_mismatch");
    /// assert_eq!(Error::BodyTooLarge { len: 2, limit: 1 }.reason(), "body_too_large");
    /// ```
    pub fn reason(&self) -> &'static str {
        match self {
            Error::MissingHeader(_) => "missing_header",
            Error::MalformedHeader { .. } => "malformed_header",
            Error::SignatureMismatch => "signature_mismatch",
            Error::TimestampTooOld { .. } => "timestamp_too_old",
            Error::TimestampInFuture { .. } => "timestamp_in_future",
            Error::HeaderMismatch(_) => "header_mismatch",
            Error::BodyTooLarge { .. } => "body_too_large",
            Error::InvalidPayload { .. } => "invalid_payload",
            Error::InvalidSecret(_) => "invalid_secret",
            Error::Signing(_) => "signing_failed",
            Error::InvalidScheme(_) => "invalid_scheme",
        }
    }

    /// Builds [`Error::InvalidPayload`] from a serde_json error whose position
    /// is relative to a fragment starting `offset` bytes into `body`.
    pub(crate) fn payload(err: &serde_json::Error, body: &[u8], offset: usize) -> Error {
        let (line, column) = shift_position(body, offset, err.line(), err.column());
        let full = err.to_string();
        // serde_json appends " at line L column C"; we report our own position.
        let suffix = format!(" at line {} column {}", err.line(), err.column());
        let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
        Error::InvalidPayload {
            message,
            line,
            column,
        }
    }

    /// Builds [`Error::InvalidPayload`] for a problem this crate detects
    /// itself, pointing at the byte `offset` of `body`.
    pub(crate) fn payload_at(message: String, body: &[u8], offset: usize) -> Error {
        let (line, column) = shift_position(body, offset, 1, 1);
        Error::InvalidPayload {
            message,
            line,
            column,
        }
    }
}

/// Seconds for people: `3,600 s`.
struct Seconds(Duration);

impl fmt::Display for Seconds {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let digits = self.0.as_secs().to_string();
        for (i, digit) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                f.write_str(",")?;
            }
            write!(f, "{digit}")?;
        }
        f.write_str(" s")
    }
}

/// Converts a (line, column) inside a fragment at `offset` into the same
/// position inside the whole body.
fn shift_position(body: &[u8], offset: usize, line: usize, column: usize) -> (usize, usize) {
    let before = &body[..offset.min(body.len())];
    let lines_before = before.iter().filter(|&&b| b == b'\n').count();
    let start_column = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
    if line <= 1 {
        (lines_before + 1, start_column + column)
    } else {
        (lines_before + line, column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn position_in_first_line_of_fragment_is_shifted_by_its_column() {
        let body = b"{\n  \"data\": {\"a\": x}}";
        // fragment starts at `{"a"` on line 2, column 11 (1-based) => offset 12
        assert_eq!(shift_position(body, 12, 1, 7), (2, 17));
        assert_eq!(shift_position(body, 12, 3, 4), (4, 4));
        assert_eq!(shift_position(body, 0, 1, 5), (1, 5));
    }

    #[test]
    fn payload_error_reports_body_position_without_serde_suffix() {
        let body = br#"{"x": {"n": "not a number"}}"#;
        let err = serde_json::from_str::<std::collections::HashMap<String, u32>>(
            r#"{"n": "not a number"}"#,
        )
        .unwrap_err();
        let e = Error::payload(&err, body, 6);
        match e {
            Error::InvalidPayload {
                ref message,
                line,
                column,
            } => {
                assert_eq!(line, 1);
                assert_eq!(column, 6 + err.column());
                assert!(!message.contains("at line"), "{message}");
                assert!(message.contains("invalid type"), "{message}");
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(e.status(), StatusCode::BAD_REQUEST);
        assert!(!e.is_auth());
    }

    #[test]
    fn timestamp_errors_say_how_far_off_and_the_window() {
        let old = Error::TimestampTooOld {
            age: Duration::from_secs(3600),
            tolerance: Duration::from_secs(300),
        };
        assert_eq!(
            old.to_string(),
            "timestamp was signed 3,600 s ago; this receiver accepts 300 s"
        );
        let ahead = Error::TimestampInFuture {
            ahead: Duration::from_secs(1_234_567),
            tolerance: Duration::ZERO,
            looks_like_millis: false,
        };
        assert_eq!(
            ahead.to_string(),
            "timestamp is 1,234,567 s in the future; this receiver accepts 0 s"
        );
        assert_eq!(Seconds(Duration::from_secs(999)).to_string(), "999 s");
        assert_eq!(Seconds(Duration::from_secs(1000)).to_string(), "1,000 s");
    }

    /// One value of every variant: the `match` fails to compile when a
    /// variant is added, so the list below cannot fall behind.
    fn one_of_each() -> Vec<Error> {
        let all = vec![
            Error::MissingHeader(HeaderName::from_static("x")),
            Error::MalformedHeader {
                name: HeaderName::from_static("x"),
                reason: "r",
            },
            Error::SignatureMismatch,
            Error::TimestampTooOld {
                age: Duration::ZERO,
                tolerance: Duration::ZERO,
            },
            Error::TimestampInFuture {
                ahead: Duration::ZERO,
                tolerance: Duration::ZERO,
                looks_like_millis: false,
            },
            Error::HeaderMismatch(HeaderName::from_static("x")),
            Error::BodyTooLarge { len: 2, limit: 1 },
            Error::InvalidPayload {
                message: String::new(),
                line: 1,
                column: 1,
            },
            Error::InvalidSecret("s"),
            Error::Signing("s"),
            Error::InvalidScheme("s"),
        ];
        for error in &all {
            match error {
                Error::MissingHeader(_)
                | Error::MalformedHeader { .. }
                | Error::SignatureMismatch
                | Error::TimestampTooOld { .. }
                | Error::TimestampInFuture { .. }
                | Error::HeaderMismatch(_)
                | Error::BodyTooLarge { .. }
                | Error::InvalidPayload { .. }
                | Error::InvalidSecret(_)
                | Error::Signing(_)
                | Error::InvalidScheme(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_variant_has_a_distinct_snake_case_reason() {
        let all = one_of_each();
        let reasons: std::collections::BTreeSet<&str> = all.iter().map(Error::reason).collect();
        assert_eq!(reasons.len(), all.len(), "{reasons:?}");
        let variants: std::collections::HashSet<std::mem::Discriminant<Error>> =
            all.iter().map(std::mem::discriminant).collect();
        assert_eq!(variants.len(), all.len(), "one value per variant");
        for reason in reasons {
            assert!(
                !reason.is_empty()
                    && !reason.starts_with('_')
                    && !reason.ends_with('_')
                    && !reason.contains("__")
                    && reason.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{reason}"
            );
        }
    }

    #[test]
    fn payload_at_points_at_the_byte() {
        let body = b"{\n  \"a\": \xff}";
        match Error::payload_at("x".into(), body, 9) {
            Error::InvalidPayload { line, column, .. } => assert_eq!((line, column), (2, 8)),
            other => panic!("unexpected {other:?}"),
        }
    }
}
