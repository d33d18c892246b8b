//! How a provider redelivers: attempts, delays, jitter, per-attempt timeout,
//! and the `Retry-After` header.
//!
//! Each sender's module adds its own preset to [`RetrySchedule`] (for example
//! `RetrySchedule::paddle()`), beside its [`ReplyRule`](crate::ReplyRule)
//! and, where it signs a timestamp, [`Tolerance`](crate::Tolerance) presets
//! of the same name, so the published numbers live next to the rest of what
//! the sender documents.

use std::borrow::Cow;
use std::time::Duration;

use http::HeaderMap;
use http::header::RETRY_AFTER;
use time::OffsetDateTime;
use time::PrimitiveDateTime;
use time::macros::format_description;

/// A sender's redelivery plan.
///
/// Attempts are numbered from 1 (the first delivery). `delay_after(n)` is the
/// wait between attempt `n` failing and attempt `n + 1` starting.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::RetrySchedule;
///
/// let s = RetrySchedule::fixed(vec![Duration::from_secs(5), Duration::from_secs(10)]);
/// assert_eq!(s.max_attempts(), 3);
/// assert_eq!(s.delay_after(1), Some(Duration::from_secs(5)));
/// assert_eq!(s.delay_after(3), None);
/// assert_eq!(s.horizon(), Duration::from_secs(15));
///
/// let backoff = RetrySchedule::exponential(Duration::from_secs(60), 2, Duration::from_secs(3600), 41);
/// assert_eq!(backoff.delay_after(3), Some(Duration::from_secs(240)));
/// assert_eq!(backoff.delay_after(40), Some(Duration::from_secs(3600)));
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct RetrySchedule {
    backoff: Backoff,
    max_attempts: u32,
    timeout: Option<Duration>,
    jitter: f64,
}

#[derive(Clone, Debug, PartialEq)]
enum Backoff {
    Table(Cow<'static, [Duration]>),
    Linear {
        first: Duration,
        step: Duration,
        cap: Duration,
    },
    Exponential {
        first: Duration,
        factor: u32,
        cap: Duration,
    },
}

impl RetrySchedule {
    /// One attempt and no redelivery.
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::none();
    /// assert_eq!(s.max_attempts(), 1);
    /// assert_eq!(s.delay_after(1), None);
    /// ```
    pub const fn none() -> Self {
        RetrySchedule::from_static(&[])
    }

    /// Waits taken from a table: one entry per retry, so
    /// `delays.len() + 1` attempts in all.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::fixed(vec![Duration::from_secs(60), Duration::from_secs(600)]);
    /// assert_eq!(s.max_attempts(), 3);
    /// assert_eq!(s.delay_after(2), Some(Duration::from_secs(600)));
    /// ```
    pub fn fixed(delays: impl Into<Cow<'static, [Duration]>>) -> Self {
        let delays = delays.into();
        RetrySchedule {
            max_attempts: table_attempts(delays.len()),
            backoff: Backoff::Table(delays),
            timeout: None,
            jitter: 0.0,
        }
    }

    /// A table of waits of `minutes` each, in order, then `hours` waits of
    /// an hour: the form most senders publish their redelivery in.
    #[allow(
        dead_code,
        reason = "used by the senders the features build, maybe none"
    )]
    pub(crate) fn minutes_then_hourly(minutes: &[u64], hours: usize) -> Self {
        const MINUTE: u64 = 60;
        let mut delays: Vec<Duration> = minutes
            .iter()
            .map(|&m| Duration::from_secs(m * MINUTE))
            .collect();
        delays.extend(std::iter::repeat_n(Duration::from_secs(60 * MINUTE), hours));
        RetrySchedule::fixed(delays)
    }

    /// [`RetrySchedule::fixed`] for a `'static` table, usable in `const`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// const WAITS: [Duration; 2] = [Duration::from_secs(30), Duration::from_secs(300)];
    /// const SCHEDULE: RetrySchedule = RetrySchedule::from_static(&WAITS);
    /// assert_eq!(SCHEDULE.max_attempts(), 3);
    /// assert_eq!(SCHEDULE.horizon(), Duration::from_secs(330));
    /// ```
    pub const fn from_static(delays: &'static [Duration]) -> Self {
        RetrySchedule {
            max_attempts: table_attempts(delays.len()),
            backoff: Backoff::Table(Cow::Borrowed(delays)),
            timeout: None,
            jitter: 0.0,
        }
    }

    /// Waits that grow by `step` each time: `first`, `first + step`, …,
    /// never more than `cap`, for `max_attempts` attempts in all.
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::RetrySchedule;
    /// let s = RetrySchedule::linear(Duration::from_secs(5), Duration::from_secs(5), Duration::MAX, 4);
    /// assert_eq!(s.horizon(), Duration::from_secs(30));
    /// ```
    pub const fn linear(first: Duration, step: Duration, cap: Duration, max_attempts: u32) -> Self {
        RetrySchedule {
            backoff: Backoff::Linear { first, step, cap },
            max_attempts: at_least_one(max_attempts),
            timeout: None,
            jitter: 0.0,
        }
    }

    /// Waits multiplied by `factor` each time: `first`, `first × factor`, …,
    /// never more than `cap`, for `max_attempts` attempts in all.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::exponential(Duration::from_secs(10), 3, Duration::from_secs(60), 5);
    /// let waits: Vec<u64> = s.delays().map(|d| d.as_secs()).collect();
    /// assert_eq!(waits, [10, 30, 60, 60]);
    /// ```
    pub const fn exponential(
        first: Duration,
        factor: u32,
        cap: Duration,
        max_attempts: u32,
    ) -> Self {
        RetrySchedule {
            backoff: Backoff::Exponential { first, factor, cap },
            max_attempts: at_least_one(max_attempts),
            timeout: None,
            jitter: 0.0,
        }
    }

    /// Sets how long the sender waits for a reply before counting the
    /// attempt as failed.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::none().with_timeout(Duration::from_secs(15));
    /// assert_eq!(s.timeout(), Some(Duration::from_secs(15)));
    /// ```
    #[must_use]
    pub const fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Spreads each wait by up to `± fraction` of itself (clamped to
    /// `0.0..=1.0`; `0.2` is ±20 %). See [`RetrySchedule::jittered_delay_after`].
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::fixed(vec![Duration::from_secs(100)]).with_jitter(0.2);
    /// assert_eq!(s.jitter(), 0.2);
    /// // The horizon counts every wait at its longest.
    /// assert_eq!(s.horizon(), Duration::from_secs(120));
    /// assert_eq!(RetrySchedule::none().with_jitter(5.0).jitter(), 1.0);
    /// ```
    #[must_use]
    pub fn with_jitter(mut self, fraction: f64) -> Self {
        self.jitter = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, 1.0)
        };
        self
    }

    /// Deliveries in all, the first included.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::linear(Duration::from_secs(1), Duration::ZERO, Duration::MAX, 4);
    /// assert_eq!(s.max_attempts(), 4);
    /// assert_eq!(s.delays().count(), 3);
    /// ```
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }

    /// The nominal wait after attempt `attempt` (1-based) fails, before the
    /// next one; `None` when `attempt` was the last (or is 0).
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::fixed(vec![Duration::from_secs(5), Duration::from_secs(50)]);
    /// assert_eq!(s.delay_after(0), None);
    /// assert_eq!(s.delay_after(1), Some(Duration::from_secs(5)));
    /// assert_eq!(s.delay_after(2), Some(Duration::from_secs(50)));
    /// assert_eq!(s.delay_after(3), None); // the last attempt
    /// ```
    pub fn delay_after(&self, attempt: u32) -> Option<Duration> {
        if attempt == 0 || attempt >= self.max_attempts {
            return None;
        }
        let index = attempt - 1;
        Some(match &self.backoff {
            Backoff::Table(delays) => delays[index as usize],
            Backoff::Linear { first, step, cap } => {
                first.saturating_add(step.saturating_mul(index)).min(*cap)
            }
            Backoff::Exponential { first, factor, cap } => {
                let multiplier = factor.checked_pow(index).unwrap_or(u32::MAX);
                first.saturating_mul(multiplier).min(*cap)
            }
        })
    }

    /// The wait after `attempt` with jitter applied: `random` is a number in
    /// `0.0..=1.0` from the caller's random source (0.5 gives the nominal
    /// wait, 0 the shortest, 1 the longest).
    ///
    /// ```
    /// # use std::time::Duration;
    /// # use webhook_kit::RetrySchedule;
    /// let s = RetrySchedule::fixed(vec![Duration::from_secs(10)]).with_jitter(0.2);
    /// assert_eq!(s.jittered_delay_after(1, 0.0), Some(Duration::from_secs(8)));
    /// assert_eq!(s.jittered_delay_after(1, 1.0), Some(Duration::from_secs(12)));
    /// ```
    pub fn jittered_delay_after(&self, attempt: u32, random: f64) -> Option<Duration> {
        let nominal = self.delay_after(attempt)?;
        let random = if random.is_nan() {
            0.5
        } else {
            random.clamp(0.0, 1.0)
        };
        let scale = 1.0 - self.jitter + 2.0 * self.jitter * random;
        Some(Duration::try_from_secs_f64(nominal.as_secs_f64() * scale).unwrap_or(Duration::MAX))
    }

    /// The per-attempt timeout, where the provider states one.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// assert_eq!(RetrySchedule::none().timeout(), None);
    /// let s = RetrySchedule::none().with_timeout(Duration::from_secs(10));
    /// assert_eq!(s.timeout(), Some(Duration::from_secs(10)));
    /// ```
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// The jitter fraction (0 for none).
    ///
    /// ```
    /// use webhook_kit::RetrySchedule;
    ///
    /// assert_eq!(RetrySchedule::none().jitter(), 0.0);
    /// assert_eq!(RetrySchedule::none().with_jitter(0.25).jitter(), 0.25);
    /// ```
    pub fn jitter(&self) -> f64 {
        self.jitter
    }

    /// The nominal waits, in order.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::linear(Duration::from_secs(5), Duration::from_secs(5), Duration::from_secs(12), 5);
    /// let waits: Vec<u64> = s.delays().map(|d| d.as_secs()).collect();
    /// assert_eq!(waits, [5, 10, 12, 12]);
    /// ```
    pub fn delays(&self) -> impl Iterator<Item = Duration> + '_ {
        (1..self.max_attempts).filter_map(|attempt| self.delay_after(attempt))
    }

    /// The longest time after the first attempt at which a redelivery can
    /// still start: the sum of all waits, each at its jittered maximum.
    /// Per-attempt timeouts are not included.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::RetrySchedule;
    ///
    /// let s = RetrySchedule::fixed(vec![Duration::from_secs(60), Duration::from_secs(240)])
    ///     .with_timeout(Duration::from_secs(30));
    /// // 60 s + 240 s; the per-attempt timeout is not added.
    /// assert_eq!(s.horizon(), Duration::from_secs(300));
    /// ```
    pub fn horizon(&self) -> Duration {
        let nominal = self.delays().fold(Duration::ZERO, Duration::saturating_add);
        let stretched = nominal.as_secs_f64() * (1.0 + self.jitter);
        if self.jitter == 0.0 {
            nominal
        } else {
            Duration::try_from_secs_f64(stretched).unwrap_or(Duration::MAX)
        }
    }
}

const fn table_attempts(len: usize) -> u32 {
    if len >= u32::MAX as usize {
        u32::MAX
    } else {
        len as u32 + 1
    }
}

const fn at_least_one(attempts: u32) -> u32 {
    if attempts == 0 { 1 } else { attempts }
}

/// Reads `Retry-After` from a reply: delay seconds or an IMF-fixdate HTTP
/// date (`Sun, 06 Nov 1994 08:49:37 GMT`), relative to `now`. A date in the
/// past gives zero; anything unreadable gives `None`.
///
/// ```
/// use std::time::Duration;
/// use http::HeaderMap;
/// use webhook_kit::retry_after;
///
/// let mut headers = HeaderMap::new();
/// headers.insert("retry-after", "120".parse().unwrap());
/// let now = time::OffsetDateTime::now_utc();
/// assert_eq!(retry_after(&headers, now), Some(Duration::from_secs(120)));
/// ```
pub fn retry_after(headers: &HeaderMap, now: OffsetDateTime) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        // Absurdly long numbers saturate rather than fail.
        return Some(Duration::from_secs(text.parse().unwrap_or(u64::MAX)));
    }
    let format = format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let at = PrimitiveDateTime::parse(text, &format).ok()?.assume_utc();
    let wait = at - now;
    Some(wait.try_into().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn minutes_then_hourly_waits_the_minutes_in_order_then_an_hour_each() {
        let s = RetrySchedule::minutes_then_hourly(&[1, 5], 2);
        assert_eq!(s.max_attempts(), 5);
        let waits: Vec<_> = (1..=5).map(|n| s.delay_after(n)).collect();
        assert_eq!(
            waits,
            [
                Some(S(60)),
                Some(S(300)),
                Some(S(3600)),
                Some(S(3600)),
                None
            ]
        );
    }

    #[test]
    fn none_has_one_attempt() {
        let s = RetrySchedule::none();
        assert_eq!(s.max_attempts(), 1);
        assert_eq!(s.delay_after(1), None);
        assert_eq!(s.horizon(), Duration::ZERO);
    }

    #[test]
    fn attempts_are_one_based() {
        let s = RetrySchedule::fixed(vec![S(1), S(2)]);
        assert_eq!(s.delay_after(0), None);
        assert_eq!(s.delay_after(1), Some(S(1)));
        assert_eq!(s.delay_after(2), Some(S(2)));
        assert_eq!(s.delay_after(3), None);
        assert_eq!(s.delay_after(u32::MAX), None);
    }

    #[test]
    fn linear_is_capped() {
        let s = RetrySchedule::linear(S(5), S(10), S(20), 5);
        assert_eq!(s.delays().collect::<Vec<_>>(), [S(5), S(15), S(20), S(20)]);
        assert_eq!(s.horizon(), S(60));
    }

    #[test]
    fn exponential_never_overflows() {
        let s = RetrySchedule::exponential(S(60), 2, S(3600), 41);
        assert_eq!(s.max_attempts(), 41);
        let d: Vec<_> = s.delays().collect();
        assert_eq!(d.len(), 40);
        assert_eq!(
            &d[..7],
            &[S(60), S(120), S(240), S(480), S(960), S(1920), S(3600)]
        );
        assert_eq!(
            s.horizon(),
            S(60 + 120 + 240 + 480 + 960 + 1920 + 34 * 3600)
        );
        let huge = RetrySchedule::exponential(Duration::MAX, u32::MAX, Duration::MAX, u32::MAX);
        assert_eq!(huge.delay_after(u32::MAX - 1), Some(Duration::MAX));
        assert_eq!(
            RetrySchedule::exponential(S(1), 2, S(9), 0).max_attempts(),
            1
        );
    }

    #[test]
    fn jitter_spreads_both_ways_and_widens_the_horizon() {
        let s = RetrySchedule::fixed(vec![S(100)]).with_jitter(0.2);
        assert_eq!(s.jittered_delay_after(1, 0.0), Some(S(80)));
        assert_eq!(s.jittered_delay_after(1, 0.5), Some(S(100)));
        assert_eq!(s.jittered_delay_after(1, 1.0), Some(S(120)));
        assert_eq!(s.jittered_delay_after(1, f64::NAN), Some(S(100)));
        assert_eq!(s.jittered_delay_after(2, 0.3), None);
        assert_eq!(s.horizon(), S(120));
        assert_eq!(RetrySchedule::none().with_jitter(7.0).jitter(), 1.0);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = OffsetDateTime::from_unix_timestamp(784_111_777).expect("valid"); // Sun, 06 Nov 1994 08:49:37 GMT
        let mut h = HeaderMap::new();
        let mut read = |v: &str| {
            h.insert(RETRY_AFTER, v.parse().expect("header"));
            retry_after(&h, now)
        };
        assert_eq!(read("0"), Some(S(0)));
        assert_eq!(read(" 30 "), Some(S(30)));
        assert_eq!(read("99999999999999999999999"), Some(S(u64::MAX)));
        assert_eq!(read("Sun, 06 Nov 1994 08:50:37 GMT"), Some(S(60)));
        assert_eq!(read("Sun, 06 Nov 1994 08:00:00 GMT"), Some(S(0)));
        assert_eq!(read("-5"), None);
        assert_eq!(read("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }
}
