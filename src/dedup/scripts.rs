//! The Lua scripts behind the Redis stores, sync and async alike: each step
//! of the claim protocol is one script, run atomically by the server, so no
//! other client acts between its read and its write.
//!
//! A key holds `c:<token>` while a delivery holds a claim, `d:<token>` once
//! that delivery completed the event, and `1` once `first_seen` saw it (the
//! value it has always written); its expiry is the lease or the TTL. Any
//! value but a claim counts as done.
//!
//! Every script is idempotent for its token, so a step whose reply was lost
//! with its connection can be sent again: a claim finds its own token and
//! stays claimed, a completion finds its own `d:` value and stays applied.

use std::sync::LazyLock;
use std::time::Duration;

use ::redis::Script;

/// The value of a key whose event is done.
pub(super) const DONE: &str = "1";

/// The longest expiry sent to Redis (about 100 years): larger values would
/// overflow the server's clock arithmetic and be refused.
const MAX_MS: u64 = 100 * 365 * 24 * 3600 * 1000;

/// `duration` as an expiry in milliseconds, at least 1 and at most
/// [`MAX_MS`].
pub(super) fn expiry_ms(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis())
        .unwrap_or(u64::MAX)
        .clamp(1, MAX_MS)
}

/// The value a claim holding `token` stores.
pub(super) fn claimed(token: &str) -> String {
    format!("c:{token}")
}

/// The value of an event the holder of `token` completed.
pub(super) fn completed(token: &str) -> String {
    format!("d:{token}")
}

/// KEYS[1] the event, ARGV[1] the claim's value, ARGV[2] the lease in ms.
/// Answers `{0, 0}` claimed (or already claimed with this token), `{1, ms
/// left}` in progress, `{2, 0}` done.
pub(super) static CLAIM: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('GET', KEYS[1])
if not held then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return {0, 0}
end
if held == ARGV[1] then
  return {0, 0}
end
if string.sub(held, 1, 2) == 'c:' then
  return {1, redis.call('PTTL', KEYS[1])}
end
return {2, 0}
",
    )
});

/// KEYS[1] the event, ARGV[1] the claim's value, ARGV[2] the completed
/// value, ARGV[3] the TTL in ms. Records the event done when the claim is
/// still held, or free; answers 1 when it did (or had), 0 when another
/// delivery claimed or completed it.
pub(super) static COMPLETE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('GET', KEYS[1])
if held == ARGV[2] then
  return 1
end
if held and held ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1
",
    )
});

/// KEYS[1] the event, ARGV[1] the claim's value. Deletes the key when the
/// claim is still held; answers 1 when the event is free afterwards, 0 when
/// another delivery claimed or completed it.
pub(super) static RELEASE: LazyLock<Script> = LazyLock::new(|| {
    Script::new(
        r"
local held = redis.call('GET', KEYS[1])
if not held then
  return 1
end
if held ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
return 1
",
    )
});

/// Whether a failed step may be sent again on a fresh connection: the
/// connection broke (a restart, a killed client, a reset), so the step may
/// or may not have run; the scripts are idempotent, so either way is safe.
/// Timeouts are not retried: the handler should not wait twice.
pub(super) fn worth_retrying(error: &::redis::RedisError) -> bool {
    !error.is_timeout() && (error.is_connection_dropped() || error.is_io_error())
}

/// Reads [`CLAIM`]'s answer.
pub(super) fn read_claim(answer: (u8, i64), token: super::ClaimToken) -> super::Claim {
    match answer {
        (0, _) => super::Claim::Claimed(token),
        (2, _) => super::Claim::Done,
        // -1 (no expiry) cannot happen for a claim we wrote; read it as
        // the longest lease rather than none.
        (_, ms) => super::Claim::InProgress {
            lease_left: u64::try_from(ms).map_or(Duration::MAX, Duration::from_millis),
        },
    }
}

/// Reads [`COMPLETE`]'s or [`RELEASE`]'s answer.
pub(super) fn read_settled(answer: u8) -> super::Settled {
    if answer == 1 {
        super::Settled::Applied
    } else {
        super::Settled::LeaseLost
    }
}

/// The key of `(provider, event_id)` under `prefix`; a `:` or `%` in the
/// provider name is percent-encoded so that no two pairs share a key, and
/// an id longer than [`MAX_ID_LEN`](super::MAX_ID_LEN) is replaced by its
/// digest ([`stored_id`](super::stored_id)).
pub(super) fn key(prefix: &str, provider: &str, event_id: &str) -> String {
    let provider = provider.replace('%', "%25").replace(':', "%3A");
    let event_id = super::stored_id(event_id);
    format!("{prefix}:{provider}:{event_id}")
}

#[cfg(test)]
mod tests {
    use std::io;

    use ::redis::{ErrorKind, RedisError};

    use super::worth_retrying;

    fn io_error(kind: io::ErrorKind) -> RedisError {
        io::Error::new(kind, "test").into()
    }

    #[test]
    fn a_broken_connection_or_other_io_error_is_retried_but_a_timeout_is_not() {
        for kind in [
            io::ErrorKind::ConnectionReset,
            io::ErrorKind::UnexpectedEof,
            io::ErrorKind::Other,
        ] {
            assert!(worth_retrying(&io_error(kind)), "{kind:?}");
        }
        for kind in [io::ErrorKind::TimedOut, io::ErrorKind::WouldBlock] {
            assert!(!worth_retrying(&io_error(kind)), "{kind:?}");
        }
        let unreadable_reply = RedisError::from((ErrorKind::Parse, "not a reply"));
        assert!(!worth_retrying(&unreadable_reply));
    }
}
