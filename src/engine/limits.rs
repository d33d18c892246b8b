//! The bound on a request's body, checked before anything reads it.

use crate::Error;

/// The default body size limit: 1 MiB.
///
/// ```
/// use webhook_kit::{DEFAULT_MAX_BODY, Error, Provider};
/// use webhook_kit::falu::Falu;
///
/// let receiver = Falu::new("falu-secret")?;
/// let too_big = vec![b' '; DEFAULT_MAX_BODY + 1];
/// assert!(matches!(receiver.parse(&too_big), Err(Error::BodyTooLarge { .. })));
/// // Raise the limit where a provider sends larger bodies.
/// let roomy = receiver.with_max_body(4 * DEFAULT_MAX_BODY);
/// assert!(!matches!(roomy.parse(&too_big), Err(Error::BodyTooLarge { .. })));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub const DEFAULT_MAX_BODY: usize = 1024 * 1024;

/// Rejects a body over `limit` before anything reads it.
pub(crate) fn check_body_size(body: &[u8], limit: usize) -> Result<(), Error> {
    if body.len() > limit {
        Err(Error::BodyTooLarge {
            len: body.len(),
            limit,
        })
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_limit_is_checked_first() {
        assert_eq!(
            check_body_size(b"12345", 4),
            Err(Error::BodyTooLarge { len: 5, limit: 4 })
        );
        assert_eq!(check_body_size(b"1234", 4), Ok(()));
    }
}
