//! Signed timestamps: parsing any header text without overflow, and the
//! tolerance window that stops replays.

use std::time::Duration;

use time::OffsetDateTime;

use crate::Error;

/// How far a signed timestamp may lie from the receiver's clock.
///
/// `past` bounds how old a delivery may be (replay protection); `future`
/// bounds clock skew the other way. A timestamp exactly at a bound is
/// accepted; one second beyond is not. Each sender that signs a timestamp
/// adds its window as a preset named after it (`Tolerance::paddle()`), as
/// it does for [`RetrySchedule`](crate::RetrySchedule).
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::Tolerance;
///
/// let t = Tolerance::symmetric(Duration::from_secs(300));
/// assert_eq!(t.past, t.future);
/// let no_future = Tolerance::new(Duration::from_secs(300), Duration::ZERO);
/// assert_eq!(no_future.future, Duration::ZERO);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tolerance {
    /// How old a timestamp may be.
    pub past: Duration,
    /// How far ahead of the receiver's clock a timestamp may be.
    pub future: Duration,
}

impl Tolerance {
    /// A window with separate past and future bounds.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// // Five minutes of age, one minute of clock skew ahead.
    /// const WINDOW: Tolerance = Tolerance::new(Duration::from_secs(300), Duration::from_secs(60));
    /// assert_eq!(WINDOW.past, Duration::from_secs(300));
    /// assert_eq!(WINDOW.future, Duration::from_secs(60));
    /// ```
    pub const fn new(past: Duration, future: Duration) -> Self {
        Tolerance { past, future }
    }

    /// The same bound in both directions.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Tolerance;
    ///
    /// let t = Tolerance::symmetric(Duration::from_secs(300));
    /// assert_eq!(t, Tolerance::new(Duration::from_secs(300), Duration::from_secs(300)));
    /// ```
    pub const fn symmetric(bound: Duration) -> Self {
        Tolerance::new(bound, bound)
    }

    /// Checks a Unix timestamp (seconds) against `now`.
    ///
    /// Works for every `i64`, including `i64::MIN` and `i64::MAX`.
    pub(crate) fn check(&self, unix_seconds: i64, now: OffsetDateTime) -> Result<(), Error> {
        // i128 holds the difference of any two i64 values.
        let age = i128::from(now.unix_timestamp()) - i128::from(unix_seconds);
        if age > i128::from(self.past.as_secs()) {
            Err(Error::TimestampTooOld {
                age: seconds(age),
                tolerance: self.past,
            })
        } else if -age > i128::from(self.future.as_secs()) {
            // A sender that signs milliseconds is about 1000 times ahead.
            let as_millis = i128::from(now.unix_timestamp()) - i128::from(unix_seconds) / 1000;
            Err(Error::TimestampInFuture {
                ahead: seconds(-age),
                tolerance: self.future,
                looks_like_millis: as_millis.abs()
                    <= i128::from(self.past.max(self.future).as_secs().max(3600)),
            })
        } else {
            Ok(())
        }
    }
}

fn seconds(n: i128) -> Duration {
    Duration::from_secs(u64::try_from(n).unwrap_or(u64::MAX))
}

/// The decimal text of a timestamp, as the reference libraries sign it
/// after reading `+0001700000000` as `1700000000`. On the stack.
pub(crate) struct CanonicalText {
    buf: [u8; 20],
    start: usize,
}

impl CanonicalText {
    pub(crate) fn new(value: i64) -> Self {
        let mut buf = [0u8; 20];
        let mut at = buf.len();
        let mut rest = value.unsigned_abs();
        loop {
            at -= 1;
            buf[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if value < 0 {
            at -= 1;
            buf[at] = b'-';
        }
        CanonicalText { buf, start: at }
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[self.start..]
    }
}

/// Whether `text` is already the canonical decimal of the value it reads
/// as (no sign, no leading zero, too short to saturate), as senders write
/// it: then it is signed as it is, without writing the value out again.
pub(crate) fn is_canonical_decimal(text: &[u8]) -> bool {
    match text {
        [b'0'] => true,
        [b'1'..=b'9', rest @ ..] => rest.len() < 18 && rest.iter().all(u8::is_ascii_digit),
        _ => false,
    }
}

/// Reads a Unix timestamp in seconds: optional `+` or `-`, then 1 to 64
/// ASCII digits (leading zeros allowed), as the reference libraries read it.
///
/// Values beyond `i64` saturate instead of failing, so `10^30` is "far in the
/// future" and is rejected by the tolerance check with the right error.
/// Anything else is `None`.
pub(crate) fn parse_unix_seconds(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || digits.len() > 64 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut value: i64 = 0;
    for &d in digits {
        let digit = i64::from(d - b'0');
        let next = value.checked_mul(10).and_then(|v| {
            if negative {
                v.checked_sub(digit)
            } else {
                v.checked_add(digit)
            }
        });
        match next {
            Some(v) => value = v,
            None => return Some(if negative { i64::MIN } else { i64::MAX }),
        }
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(unix: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(unix).expect("valid test time")
    }

    #[test]
    fn parses_plain_integers() {
        assert_eq!(parse_unix_seconds(b"1649367553"), Some(1_649_367_553));
        assert_eq!(parse_unix_seconds(b"0"), Some(0));
        assert_eq!(parse_unix_seconds(b"-5"), Some(-5));
        assert_eq!(parse_unix_seconds(b"007"), Some(7));
        assert_eq!(parse_unix_seconds(b"+5"), Some(5));
        assert_eq!(parse_unix_seconds(b"+0001700000000"), Some(1_700_000_000));
    }

    #[test]
    fn saturates_instead_of_overflowing() {
        assert_eq!(
            parse_unix_seconds(b"1000000000000000000000000000000"),
            Some(i64::MAX)
        );
        assert_eq!(parse_unix_seconds(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_unix_seconds(b"-9223372036854775809"), Some(i64::MIN));
        assert_eq!(parse_unix_seconds(b"9223372036854775807"), Some(i64::MAX));
    }

    #[test]
    fn rejects_everything_else() {
        for bad in [
            &b""[..],
            b"-",
            b"+",
            b"+-5",
            b"-+5",
            b"++5",
            b" 5",
            b"5 ",
            b"1.5",
            b"1e9",
            b"0x10",
            b"\xff",
            b"--1",
        ] {
            assert_eq!(parse_unix_seconds(bad), None, "{bad:?}");
        }
        assert_eq!(parse_unix_seconds(&[b'1'; 65]), None);
    }

    #[test]
    fn tolerance_edges_are_inclusive() {
        let t = Tolerance::new(Duration::from_secs(300), Duration::from_secs(60));
        let now = at(1_000_000);
        assert!(t.check(1_000_000 - 300, now).is_ok());
        assert!(matches!(
            t.check(1_000_000 - 301, now),
            Err(Error::TimestampTooOld { age, tolerance })
                if age.as_secs() == 301 && tolerance.as_secs() == 300
        ));
        assert!(t.check(1_000_000 + 60, now).is_ok());
        assert!(matches!(
            t.check(1_000_000 + 61, now),
            Err(Error::TimestampInFuture { ahead, tolerance, looks_like_millis: false })
                if ahead.as_secs() == 61 && tolerance.as_secs() == 60
        ));
    }

    #[test]
    fn extreme_timestamps_give_clean_errors() {
        let t = Tolerance::symmetric(Duration::from_secs(300));
        let now = at(1_700_000_000);
        assert!(matches!(
            t.check(i64::MIN, now),
            Err(Error::TimestampTooOld { .. })
        ));
        assert!(matches!(
            t.check(i64::MAX, now),
            Err(Error::TimestampInFuture { .. })
        ));
        let huge = Tolerance::symmetric(Duration::MAX);
        assert!(huge.check(i64::MIN, now).is_ok());
    }

    #[test]
    fn milliseconds_are_recognised() {
        let t = Tolerance::symmetric(Duration::from_secs(300));
        let now = at(1_700_000_000);
        let err = t.check(1_700_000_000_123, now).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TimestampInFuture {
                    looks_like_millis: true,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(err.to_string().contains("milliseconds"), "{err}");
        let err = t.check(1_700_100_000, now).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TimestampInFuture {
                    looks_like_millis: false,
                    ..
                }
            ),
            "{err:?}"
        );
    }

    #[test]
    fn canonical_text_is_plain_decimal() {
        for value in [0, 7, -5, 1_700_000_000, i64::MAX, i64::MIN] {
            assert_eq!(
                CanonicalText::new(value).as_bytes(),
                value.to_string().as_bytes()
            );
        }
    }

    #[test]
    fn text_called_canonical_is_what_canonical_text_writes() {
        let cases: [&[u8]; 14] = [
            b"0",
            b"7",
            b"1700000000",
            b"999999999999999999",
            b"1000000000000000000",
            b"9223372036854775807",
            b"99999999999999999999",
            b"01700000000",
            b"00",
            b"+1700000000",
            b"-5",
            b"",
            b"17 00",
            b"1a",
        ];
        for text in cases {
            let canonical = parse_unix_seconds(text)
                .is_some_and(|value| CanonicalText::new(value).as_bytes() == text);
            // Never called canonical when it is not; the long and the
            // negative forms that are take the slow path.
            if is_canonical_decimal(text) {
                assert!(canonical, "{}", String::from_utf8_lossy(text));
            }
            assert_eq!(
                is_canonical_decimal(text),
                canonical && text.len() <= 18 && !text.starts_with(b"-"),
                "{}",
                String::from_utf8_lossy(text)
            );
        }
    }
}
