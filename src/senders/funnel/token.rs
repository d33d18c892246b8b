//! Shared-token authentication, for senders that send a fixed API token
//! instead of signing the body.
//!
//! The token may arrive as `Authorization: Bearer <token>`, as HTTP Basic with
//! the token as user name and an empty password, or as the whole value of a
//! header the receiver names. Comparison is constant-time.

use base64::Engine as _;
use http::{HeaderMap, HeaderName, header::AUTHORIZATION};

use crate::engine::headers::{required, trim};
use crate::engine::secret::Keyring;
use crate::engine::signature::BASE64;
use crate::{Delivery, Error};

/// Longest Basic credential we decode, on the stack.
const MAX_BASIC: usize = 512;

/// Checks the request's token against `keys`.
///
/// With `header` set, that header is read first and `Authorization` is the
/// fallback; without it, `Authorization` is required.
pub(crate) fn verify_token(
    keys: &Keyring,
    headers: &HeaderMap,
    header: Option<&HeaderName>,
) -> Result<Delivery, Error> {
    if let Some(name) = header.filter(|name| headers.contains_key(*name)) {
        let value = trim(required(headers, name)?);
        return matched(keys, keys.find_token(value));
    }
    let value = trim(required(headers, &AUTHORIZATION)?);
    let malformed = |reason| Error::MalformedHeader {
        name: AUTHORIZATION,
        reason,
    };
    let (scheme, credentials) = match value.iter().position(|&b| b == b' ') {
        Some(at) => (&value[..at], trim(&value[at + 1..])),
        None => {
            return Err(malformed(
                "expected `Bearer <token>` or `Basic <credentials>`",
            ));
        }
    };
    if scheme.eq_ignore_ascii_case(b"bearer") {
        matched(keys, keys.find_token(credentials))
    } else if scheme.eq_ignore_ascii_case(b"basic") {
        let mut buf = [0u8; MAX_BASIC];
        let len = BASE64.decode_slice(credentials, &mut buf).map_err(|_| {
            malformed("Basic credentials are not base64 of a short `user:password`")
        })?;
        let decoded = &buf[..len];
        let user = match decoded.iter().position(|&b| b == b':') {
            // The token is the user name; the password must be empty.
            Some(at) if at + 1 == decoded.len() => &decoded[..at],
            Some(_) => return Err(Error::SignatureMismatch),
            None => return Err(malformed("Basic credentials lack `:`")),
        };
        matched(keys, keys.find_token(user))
    } else {
        Err(malformed("unsupported authorization scheme"))
    }
}

fn matched(keys: &Keyring, index: Option<usize>) -> Result<Delivery, Error> {
    match index {
        Some(index) => {
            Ok(Delivery::new(None, false, None, Some(index)).with_secret_name(keys.name(index)))
        }
        None => Err(Error::SignatureMismatch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn ring() -> Keyring {
        Keyring::new("tok-new".into())
            .and_then(|ring| ring.with("tok-old".into()))
            .expect("usable")
    }

    fn with_auth(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(AUTHORIZATION, HeaderValue::try_from(value).expect("value"));
        h
    }

    fn basic(credentials: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        )
    }

    #[test]
    fn bearer_and_basic_accept_any_configured_token() {
        for (value, index) in [
            ("Bearer tok-new", 0),
            ("bearer tok-old", 1),
            ("BEARER  tok-new ", 0),
        ] {
            let delivery = verify_token(&ring(), &with_auth(value), None).expect(value);
            assert_eq!(delivery.secret_index(), Some(index), "{value}");
        }
        let basic = verify_token(&ring(), &with_auth(&basic("tok-old:")), None);
        assert_eq!(basic.map(|d| d.secret_index()), Ok(Some(1)));
    }

    #[test]
    fn wrong_tokens_are_mismatches() {
        for value in [
            "Bearer tok",
            "Bearer tok-new2",
            &basic("tok-new:pw"),
            &basic("other:"),
        ] {
            let err = verify_token(&ring(), &with_auth(value), None).unwrap_err();
            assert!(matches!(err, Error::SignatureMismatch), "{value}: {err:?}");
        }
    }

    #[test]
    fn malformed_authorization_is_reported() {
        let too_long = basic(&format!("{}:", "a".repeat(MAX_BASIC)));
        for value in [
            "tok-new",
            "Digest abc",
            "Basic !!!",
            &basic("no-colon"),
            &too_long,
        ] {
            let err = verify_token(&ring(), &with_auth(value), None).unwrap_err();
            assert!(
                matches!(err, Error::MalformedHeader { .. }),
                "{value}: {err:?}"
            );
        }
        let err = verify_token(&ring(), &HeaderMap::new(), None).unwrap_err();
        assert!(matches!(err, Error::MissingHeader(n) if n == AUTHORIZATION));
    }

    #[test]
    fn a_named_header_carries_the_bare_token() {
        let name = HeaderName::from_static("x-funnel-token");
        let mut h = HeaderMap::new();
        h.insert(name.clone(), HeaderValue::from_static("tok-old"));
        assert!(verify_token(&ring(), &h, Some(&name)).is_ok());
        h.insert(name.clone(), HeaderValue::from_static("nope"));
        assert_eq!(
            verify_token(&ring(), &h, Some(&name)),
            Err(Error::SignatureMismatch)
        );
        // Falls back to Authorization when the named header is absent.
        assert!(verify_token(&ring(), &with_auth("Bearer tok-new"), Some(&name)).is_ok());
    }
}
