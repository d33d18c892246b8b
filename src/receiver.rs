//! What every receiver holds besides its authentication (body limit, reply
//! rule, retry schedule), and the builder methods receivers share.

use crate::engine::limits::{DEFAULT_MAX_BODY, check_body_size};
use crate::{Error, ReplyRule, RetrySchedule};

/// The settings every receiver has, whatever its authentication.
#[derive(Clone, Debug)]
pub(crate) struct Settings {
    pub(crate) max_body: usize,
    pub(crate) reply: ReplyRule,
    pub(crate) schedule: RetrySchedule,
}

impl Settings {
    pub(crate) fn new(reply: ReplyRule, schedule: RetrySchedule) -> Self {
        Settings {
            max_body: DEFAULT_MAX_BODY,
            reply,
            schedule,
        }
    }

    /// Rejects a body over the limit before anything reads it.
    pub(crate) fn check_size(&self, body: &[u8]) -> Result<(), Error> {
        check_body_size(body, self.max_body)
    }
}

/// Implements the builder methods receivers share, on a type with a
/// `settings: Settings` field (and, for `with_secret` and
/// `with_tolerance`, a `verifier: Verifier` field). Name the methods wanted
/// after the type and an expression that builds one for the doc examples.
/// The entry `max_body_size` writes `with_max_body` and its deprecated old
/// name `max_body_size`; `with_max_body` writes the new name alone.
macro_rules! receiver_builders {
    ($type:ident = $example:literal: $($method:ident),+ $(,)?) => {
        impl $type {
            $( $crate::receiver::receiver_builders!(@$method $type $example); )+

            /// A refused secret's error, saying which kind of receiver
            /// refused it.
            #[allow(dead_code, reason = "for receivers that check secrets for blanks")]
            fn secret_error(error: $crate::Error) -> $crate::Error {
                $crate::engine::secret::naming_receiver(
                    error,
                    concat!(
                        "a ",
                        stringify!($type),
                        " secret is empty or only whitespace, so anyone could sign with it"
                    ),
                )
            }
        }
    };
    (@with_secret $type:ident $example:literal) => {
        /// Accepts another secret as well (rotation: a request signed with
        /// any accepted secret verifies, and
        /// [`Delivery::secret_name`](crate::Delivery::secret_name) says
        /// which: `"secret-1"` for the first added this way, and so on,
        /// unless added with [`with_secret_named`](Self::with_secret_named)).
        /// Signing uses the first secret.
        ///
        /// # Errors
        ///
        /// [`Error::InvalidSecret`](crate::Error::InvalidSecret) for an
        /// empty or whitespace-only secret, as the constructor.
        ///
        /// ```
        #[doc = concat!("let receiver = ", $example, ".with_secret(\"the-new-secret\")?;")]
        #[doc = concat!("assert!(", $example, ".with_secret(\" \").is_err());")]
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        pub fn with_secret(
            mut self,
            secret: impl Into<$crate::Secret>,
        ) -> Result<Self, $crate::Error> {
            self.verifier
                .add_secret(secret.into())
                .map_err(Self::secret_error)?;
            Ok(self)
        }

        /// [`with_secret`](Self::with_secret) under `name`, which
        /// [`Delivery::secret_name`](crate::Delivery::secret_name) gives
        /// when this secret matched: `"previous"` during a rotation. The
        /// constructor's secret is named `"primary"` (**our default**).
        ///
        /// # Errors
        ///
        /// [`Error::InvalidSecret`](crate::Error::InvalidSecret) for an
        /// empty or whitespace-only secret, and for a name that is blank,
        /// holds control characters, or is another secret's.
        ///
        /// ```
        #[doc = concat!("let receiver = ", $example, ".with_secret_named(\"previous\", \"the-old-secret\")?;")]
        #[doc = concat!("assert!(", $example, ".with_secret_named(\"primary\", \"another\").is_err());")]
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        pub fn with_secret_named(
            mut self,
            name: &str,
            secret: impl Into<$crate::Secret>,
        ) -> Result<Self, $crate::Error> {
            self.verifier
                .add_named_secret(name, secret.into())
                .map_err(Self::secret_error)?;
            Ok(self)
        }
    };
    (@with_tolerance $type:ident $example:literal) => {
        /// Replaces the window around the receiver's clock in which a signed
        /// timestamp is accepted.
        ///
        /// ```
        /// use std::time::Duration;
        /// use webhook_kit::Tolerance;
        ///
        #[doc = concat!("let receiver = ", $example)]
        ///     .with_tolerance(Tolerance::new(Duration::from_secs(120), Duration::from_secs(30)));
        /// assert_eq!(receiver.tolerance().past, Duration::from_secs(120));
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        #[must_use]
        pub fn with_tolerance(mut self, tolerance: $crate::Tolerance) -> Self {
            self.verifier.set_tolerance(tolerance);
            self
        }

        /// The window in force for signed timestamps.
        ///
        /// ```
        #[doc = concat!("let tolerance = ", $example, ".tolerance();")]
        /// assert!(tolerance.past > std::time::Duration::ZERO);
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        pub fn tolerance(&self) -> $crate::Tolerance {
            self.verifier.tolerance()
        }
    };
    (@max_body_size $type:ident $example:literal) => {
        $crate::receiver::receiver_builders!(@with_max_body $type $example);

        /// Sets the largest body accepted, in bytes: the old name of
        /// [`with_max_body`](Self::with_max_body).
        ///
        /// ```
        /// use webhook_kit::Provider;
        ///
        /// #[allow(deprecated, reason = "shows the old name still works")]
        #[doc = concat!("let receiver = ", $example, ".max_body_size(4);")]
        /// assert_eq!(receiver.max_body(), 4);
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        #[deprecated(since = "0.2.0", note = "use `with_max_body`, named as the `max_body()` getter")]
        #[must_use]
        pub fn max_body_size(self, bytes: usize) -> Self {
            self.with_max_body(bytes)
        }
    };
    (@with_max_body $type:ident $example:literal) => {
        /// Sets the largest body accepted, in bytes (default
        /// [`DEFAULT_MAX_BODY`](crate::DEFAULT_MAX_BODY), 1 MiB), which
        /// [`max_body`](crate::Provider::max_body) reads back. Larger
        /// bodies are rejected with
        /// [`Error::BodyTooLarge`](crate::Error::BodyTooLarge) before any
        /// hashing or parsing.
        ///
        /// ```
        /// use webhook_kit::Provider;
        ///
        #[doc = concat!("let receiver = ", $example, ".with_max_body(4);")]
        /// assert_eq!(receiver.max_body(), 4);
        /// assert!(receiver.parse(b"{\"a\":1}").is_err());
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        #[must_use]
        pub fn with_max_body(mut self, bytes: usize) -> Self {
            self.settings.max_body = bytes;
            self
        }
    };
    (@with_reply_rule $type:ident $example:literal) => {
        /// Replaces how this receiver says the provider reads replies, for
        /// a sender whose rules differ from the published ones.
        ///
        /// ```
        /// use webhook_kit::{Provider, ReplyRule};
        ///
        #[doc = concat!("let receiver = ", $example, ".with_reply_rule(ReplyRule::codes(&[200]));")]
        /// assert!(!receiver.reply_rule().is_success_status(204));
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        #[must_use]
        pub fn with_reply_rule(mut self, rule: $crate::ReplyRule) -> Self {
            self.settings.reply = rule;
            self
        }
    };
    (@with_retry_schedule $type:ident $example:literal) => {
        /// Replaces how this receiver says the provider redelivers, for a
        /// sender configured differently from the published schedule.
        ///
        /// ```
        /// use std::time::Duration;
        /// use webhook_kit::{Provider, RetrySchedule};
        ///
        /// let schedule = RetrySchedule::fixed(vec![Duration::from_secs(30)]);
        #[doc = concat!("let receiver = ", $example, ".with_retry_schedule(schedule);")]
        /// assert_eq!(receiver.retry_schedule().max_attempts(), 2);
        /// # Ok::<(), webhook_kit::Error>(())
        /// ```
        #[must_use]
        pub fn with_retry_schedule(mut self, schedule: $crate::RetrySchedule) -> Self {
            self.settings.schedule = schedule;
            self
        }
    };
}
pub(crate) use receiver_builders;

/// The [`Provider`](crate::Provider) methods every receiver answers from its
/// `settings: Settings` field; invoked inside `impl Provider for …`.
macro_rules! provider_settings {
    () => {
        fn max_body(&self) -> usize {
            self.settings.max_body
        }

        fn reply_rule(&self) -> $crate::ReplyRule {
            self.settings.reply
        }

        fn retry_schedule(&self) -> $crate::RetrySchedule {
            self.settings.schedule.clone()
        }
    };
}
pub(crate) use provider_settings;
