//! The credential of an HTTP `Authorization` header, for senders that send
//! a shared token instead of signing the body ([`Grammar::Authorization`]).
//!
//! The token arrives as `Bearer <token>` (RFC 6750), or as `Basic`
//! credentials (RFC 7617) with the token as the user name and an empty
//! password. Basic credentials are decoded on the stack: reading a
//! credential allocates nothing.
//!
//! [`Grammar::Authorization`]: super::Grammar::Authorization

use base64::Engine as _;
use http::HeaderName;

use crate::Error;
use crate::engine::headers::trim;
use crate::engine::signature::BASE64;

/// The longest Basic credential decoded, on the stack.
const MAX_BASIC: usize = 512;

/// Which token the credential in `value` (the value of header `name`) is,
/// as `find` answers for the token it reads; `Ok(None)` for a well-formed
/// credential that names no token of the receiver's.
pub(crate) fn find_credential(
    name: &HeaderName,
    value: &[u8],
    find: impl Fn(&[u8]) -> Option<usize>,
) -> Result<Option<usize>, Error> {
    let malformed = |reason| Error::MalformedHeader {
        name: name.clone(),
        reason,
    };
    let value = trim(value);
    let Some(space) = value.iter().position(|&b| b == b' ') else {
        return Err(malformed(
            "expected `Bearer <token>` or `Basic <credentials>`",
        ));
    };
    let (scheme, credentials) = (&value[..space], trim(&value[space + 1..]));
    if scheme.eq_ignore_ascii_case(b"bearer") {
        Ok(find(credentials))
    } else if scheme.eq_ignore_ascii_case(b"basic") {
        let mut buf = [0u8; MAX_BASIC];
        let len = BASE64.decode_slice(credentials, &mut buf).map_err(|_| {
            malformed("Basic credentials are not base64 of a short `user:password`")
        })?;
        let decoded = &buf[..len];
        match decoded.iter().position(|&b| b == b':') {
            // The token is the user name; a password means another kind of
            // credential, which no token matches.
            Some(at) if at + 1 == decoded.len() => Ok(find(&decoded[..at])),
            Some(_) => Ok(None),
            None => Err(malformed("Basic credentials lack `:`")),
        }
    } else {
        Err(malformed("unsupported authorization scheme"))
    }
}

#[cfg(test)]
mod tests {
    use http::header::AUTHORIZATION;

    use super::*;

    /// Two tokens, as a receiver holding them answers (in tests only: a
    /// receiver compares in constant time).
    fn find(value: &str) -> Result<Option<usize>, Error> {
        find_credential(&AUTHORIZATION, value.as_bytes(), |token| {
            [&b"tok-new"[..], b"tok-old"]
                .iter()
                .position(|known| *known == token)
        })
    }

    fn basic(credentials: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    #[test]
    fn bearer_and_basic_name_any_token_in_any_case() {
        for (value, index) in [
            ("Bearer tok-new", 0),
            ("bearer tok-old", 1),
            ("BEARER  tok-new ", 0),
            (&basic("tok-old:"), 1),
        ] {
            assert_eq!(find(value), Ok(Some(index)), "{value}");
        }
    }

    #[test]
    fn other_tokens_and_passwords_match_nothing() {
        for value in [
            "Bearer tok",
            "Bearer tok-new2",
            &basic("tok-new:pw"),
            &basic("other:"),
        ] {
            assert_eq!(find(value), Ok(None), "{value}");
        }
    }

    #[test]
    fn malformed_credentials_name_the_header() {
        let too_long = basic(&format!("{}:", "a".repeat(MAX_BASIC)));
        for value in [
            "tok-new",
            "Digest abc",
            "Basic !!!",
            &basic("no-colon"),
            &too_long,
        ] {
            assert!(
                matches!(find(value), Err(Error::MalformedHeader { name, .. }) if name == AUTHORIZATION),
                "{value}"
            );
        }
    }
}
