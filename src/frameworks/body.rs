//! Reading a request body within a receiver's limit, shared by the
//! framework integrations.

use http::HeaderMap;
use http::header::CONTENT_LENGTH;

use crate::{Error, Rejection};

/// Refuses a request whose `content-length` announces more than `limit`
/// bytes, before a byte of the body is read.
pub(crate) fn check_announced(headers: &HeaderMap, limit: usize) -> Result<(), Rejection> {
    let announced = headers
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok());
    match announced {
        Some(len) if len > limit as u64 => Err(Rejection::Invalid(Error::BodyTooLarge {
            len: usize::try_from(len).unwrap_or(usize::MAX),
            limit,
        })),
        _ => Ok(()),
    }
}

/// The whole body of an `http_body::Body`, read up to `limit` bytes: a
/// body that announces or grows past the limit is refused without reading
/// the rest.
#[cfg(any(feature = "axum", feature = "tower"))]
pub(crate) async fn read_limited<B>(
    headers: &HeaderMap,
    body: B,
    limit: usize,
) -> Result<bytes::Bytes, Rejection>
where
    B: http_body::Body,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    use http_body_util::{BodyExt, LengthLimitError, Limited};

    check_announced(headers, limit)?;
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(Rejection::BodyTooLarge { limit }),
        // A limit inside `body`, the framework's own (axum's
        // `DefaultBodyLimit`), stopped it first.
        Err(error) if caused_by_limit(&*error) => Err(Rejection::ServerBodyLimit),
        Err(_) => Err(Rejection::UnreadableBody),
    }
}

/// Whether a length limit is anywhere in `error`'s chain of causes.
#[cfg(any(feature = "axum", feature = "tower"))]
fn caused_by_limit(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(error);
    while let Some(error) = cause {
        if error.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        cause = error.source();
    }
    false
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    #[test]
    fn an_announced_length_over_the_limit_is_refused() {
        let mut headers = HeaderMap::new();
        assert_eq!(check_announced(&headers, 4), Ok(()));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("4"));
        assert_eq!(check_announced(&headers, 4), Ok(()));
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("5"));
        assert_eq!(
            check_announced(&headers, 4),
            Err(Rejection::Invalid(Error::BodyTooLarge { len: 5, limit: 4 }))
        );
        // Not a number: left to the framework, which reads what comes.
        headers.insert(CONTENT_LENGTH, HeaderValue::from_static("lots"));
        assert_eq!(check_announced(&headers, 4), Ok(()));
    }
}
