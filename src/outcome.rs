//! How a provider reads the reply to one of its deliveries.

use std::time::Duration;

use http::Response;
use time::OffsetDateTime;

use crate::retry::retry_after;

/// What a provider does after reading a reply.
///
/// ```
/// use webhook_kit::Outcome;
///
/// assert!(Outcome::Delivered.is_success());
/// assert!(!Outcome::Throttle { retry_after: None }.is_success());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The delivery counts as received; no retry.
    Delivered,
    /// The delivery failed; the provider retries on its schedule.
    Retry,
    /// The receiver asked the sender to slow down; it retries, no sooner
    /// than `retry_after` when the reply said.
    Throttle {
        /// The wait the reply asked for (`Retry-After`), if any.
        retry_after: Option<Duration>,
    },
    /// The receiver asked the sender to stop delivering to this endpoint.
    Disable,
    /// The receiver asked the sender to drop this one event: no retry,
    /// but the endpoint stays enabled (Slack's `X-Slack-No-Retry: 1`).
    Abandon,
}

impl Outcome {
    /// Whether the provider counts the delivery as received.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::Outcome;
    ///
    /// assert!(Outcome::Delivered.is_success());
    /// assert!(!Outcome::Retry.is_success());
    /// assert!(!Outcome::Throttle { retry_after: Some(Duration::from_secs(60)) }.is_success());
    /// assert!(!Outcome::Disable.is_success());
    /// ```
    pub fn is_success(&self) -> bool {
        matches!(self, Outcome::Delivered)
    }
}

/// Which status codes count as success.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Success {
    /// An inclusive range.
    Range(u16, u16),
    /// An explicit list.
    Codes(&'static [u16]),
}

/// A provider's reading of replies, as a value: which statuses succeed, what
/// the body must say, and which statuses disable the endpoint or throttle.
///
/// Each provider's `classify` is one of these; use them directly to test a
/// handler or to mirror a provider's rules in your own sender. Each sender's
/// module adds its rule as a preset named after it (`ReplyRule::paddle()`),
/// as it does for [`RetrySchedule`](crate::RetrySchedule).
///
/// ```
/// use webhook_kit::{Outcome, ReplyRule};
///
/// const CODES: &[u16] = &[200, 226];
/// let rule = ReplyRule::codes(CODES);
/// let reply = |status: u16| http::Response::builder().status(status).body("").unwrap();
/// assert_eq!(rule.classify(&reply(226)), Outcome::Delivered);
/// assert_eq!(rule.classify(&reply(201)), Outcome::Retry);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReplyRule {
    success: Success,
    required_body: Option<&'static str>,
    disable: &'static [u16],
    throttle: &'static [u16],
    /// A header (lowercase name, value) that makes a failed reply final.
    abandon_header: Option<(&'static str, &'static str)>,
}

impl ReplyRule {
    /// Success for any status in `low..=high`; everything else is retried.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// let rule = ReplyRule::range(200, 204);
    /// assert!(rule.is_success_status(204));
    /// assert!(!rule.is_success_status(205));
    /// ```
    pub const fn range(low: u16, high: u16) -> Self {
        ReplyRule {
            success: Success::Range(low, high),
            required_body: None,
            disable: &[],
            throttle: &[],
            abandon_header: None,
        }
    }

    /// Success for any `2xx`; everything else is retried.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// let rule = ReplyRule::any_2xx();
    /// assert!(rule.is_success_status(202));
    /// assert!(!rule.is_success_status(301));
    /// assert_eq!(rule, ReplyRule::range(200, 299));
    /// ```
    pub const fn any_2xx() -> Self {
        ReplyRule::range(200, 299)
    }

    /// Success only for the listed statuses; everything else is retried.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// const ONLY_200: ReplyRule = ReplyRule::codes(&[200]);
    /// assert!(ONLY_200.is_success_status(200));
    /// assert!(!ONLY_200.is_success_status(204));
    /// ```
    pub const fn codes(codes: &'static [u16]) -> Self {
        ReplyRule {
            success: Success::Codes(codes),
            required_body: None,
            disable: &[],
            throttle: &[],
            abandon_header: None,
        }
    }

    /// A successful status also needs a body containing `text`.
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::codes(&[200]).require_body("[accepted]");
    /// let reply = |body: &'static str| http::Response::builder().status(200).body(body).unwrap();
    /// assert_eq!(rule.classify(&reply("[accepted]")), Outcome::Delivered);
    /// assert_eq!(rule.classify(&reply("ok")), Outcome::Retry);
    /// ```
    #[must_use]
    pub const fn require_body(mut self, text: &'static str) -> Self {
        self.required_body = Some(text);
        self
    }

    /// These statuses ask the sender to disable the endpoint.
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::any_2xx().disable_on(&[410]);
    /// let gone = http::Response::builder().status(410).body("").unwrap();
    /// assert_eq!(rule.classify(&gone), Outcome::Disable);
    /// ```
    #[must_use]
    pub const fn disable_on(mut self, codes: &'static [u16]) -> Self {
        self.disable = codes;
        self
    }

    /// These statuses throttle: retry, honouring `Retry-After`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::any_2xx().throttle_on(&[429]);
    /// let busy = http::Response::builder()
    ///     .status(429)
    ///     .header("retry-after", "30")
    ///     .body("")
    ///     .unwrap();
    /// assert_eq!(
    ///     rule.classify(&busy),
    ///     Outcome::Throttle { retry_after: Some(Duration::from_secs(30)) },
    /// );
    /// ```
    #[must_use]
    pub const fn throttle_on(mut self, codes: &'static [u16]) -> Self {
        self.throttle = codes;
        self
    }

    /// A failed reply carrying header `name` (lowercase) with `value`
    /// (surrounding whitespace ignored) makes the sender drop the event
    /// without retrying: [`Outcome::Abandon`].
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::any_2xx().abandon_on_header("x-slack-no-retry", "1");
    /// let reply = http::Response::builder()
    ///     .status(400)
    ///     .header("X-Slack-No-Retry", "1")
    ///     .body("")
    ///     .expect("reply");
    /// assert_eq!(rule.classify(&reply), Outcome::Abandon);
    /// ```
    #[must_use]
    pub const fn abandon_on_header(mut self, name: &'static str, value: &'static str) -> Self {
        self.abandon_header = Some((name, value));
        self
    }

    /// Whether `status` alone counts as success.
    ///
    /// ```
    /// use webhook_kit::ReplyRule;
    ///
    /// let rule = ReplyRule::codes(&[200, 202]);
    /// assert!(rule.is_success_status(202));
    /// assert!(!rule.is_success_status(201));
    /// ```
    pub fn is_success_status(&self, status: u16) -> bool {
        match self.success {
            Success::Range(low, high) => (low..=high).contains(&status),
            Success::Codes(codes) => codes.contains(&status),
        }
    }

    /// Reads a reply, taking `Retry-After` dates relative to the system clock.
    ///
    /// ```
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// let rule = ReplyRule::any_2xx();
    /// let ok = http::Response::builder().status(204).body(Vec::new()).unwrap();
    /// let failed = http::Response::builder().status(500).body(Vec::new()).unwrap();
    /// assert_eq!(rule.classify(&ok), Outcome::Delivered);
    /// assert_eq!(rule.classify(&failed), Outcome::Retry);
    /// ```
    pub fn classify<B: AsRef<[u8]>>(&self, response: &Response<B>) -> Outcome {
        self.classify_at(response, OffsetDateTime::now_utc())
    }

    /// Reads a reply, taking `Retry-After` dates relative to `now`.
    ///
    /// ```
    /// use std::time::Duration;
    /// use webhook_kit::{Outcome, ReplyRule};
    ///
    /// // Sun, 06 Nov 1994 08:49:37 GMT
    /// let now = time::OffsetDateTime::from_unix_timestamp(784_111_777)?;
    /// let rule = ReplyRule::any_2xx().throttle_on(&[503]);
    /// let busy = http::Response::builder()
    ///     .status(503)
    ///     .header("retry-after", "Sun, 06 Nov 1994 08:51:37 GMT")
    ///     .body("")?;
    /// assert_eq!(
    ///     rule.classify_at(&busy, now),
    ///     Outcome::Throttle { retry_after: Some(Duration::from_secs(120)) },
    /// );
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn classify_at<B: AsRef<[u8]>>(
        &self,
        response: &Response<B>,
        now: OffsetDateTime,
    ) -> Outcome {
        let status = response.status().as_u16();
        if self.is_success_status(status) {
            let body_ok = self
                .required_body
                .is_none_or(|text| contains(response.body().as_ref(), text.as_bytes()));
            return if body_ok {
                Outcome::Delivered
            } else {
                Outcome::Retry
            };
        }
        let abandon = self.abandon_header.is_some_and(|(name, value)| {
            response
                .headers()
                .get(name)
                .is_some_and(|sent| sent.as_bytes().trim_ascii() == value.as_bytes())
        });
        if abandon {
            Outcome::Abandon
        } else if self.disable.contains(&status) {
            Outcome::Disable
        } else if self.throttle.contains(&status) {
            Outcome::Throttle {
                retry_after: retry_after(response.headers(), now),
            }
        } else {
            Outcome::Retry
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(status: u16, body: &'static str) -> Response<&'static str> {
        Response::builder()
            .status(status)
            .body(body)
            .expect("response")
    }

    #[test]
    fn range_rule() {
        let rule = ReplyRule::any_2xx();
        for (status, expected) in [
            (199, false),
            (200, true),
            (204, true),
            (299, true),
            (300, false),
            (500, false),
        ] {
            assert_eq!(
                rule.classify(&reply(status, "")).is_success(),
                expected,
                "{status}"
            );
        }
    }

    #[test]
    fn required_body_must_appear() {
        let rule = ReplyRule::codes(&[200]).require_body("Got it");
        assert_eq!(
            rule.classify(&reply(200, "ok: Got it!")),
            Outcome::Delivered
        );
        assert_eq!(rule.classify(&reply(200, "Got i")), Outcome::Retry);
        assert_eq!(rule.classify(&reply(201, "Got it")), Outcome::Retry);
    }

    #[test]
    fn disable_and_throttle() {
        let rule = ReplyRule::any_2xx()
            .disable_on(&[410])
            .throttle_on(&[429, 503]);
        assert_eq!(rule.classify(&reply(410, "")), Outcome::Disable);
        assert_eq!(
            rule.classify(&reply(429, "")),
            Outcome::Throttle { retry_after: None }
        );
        let with_header = Response::builder()
            .status(503)
            .header("retry-after", "7")
            .body(Vec::new())
            .expect("response");
        assert_eq!(
            rule.classify(&with_header),
            Outcome::Throttle {
                retry_after: Some(Duration::from_secs(7))
            }
        );
        assert_eq!(rule.classify(&reply(500, "")), Outcome::Retry);
    }
}
