//! How long a claim should hold an event, from the sender's schedule.

use std::time::Duration;

use super::DEFAULT_ATTEMPT_TIMEOUT;
use crate::Provider;

/// The lease we recommend for claims on `provider`'s events: the time the
/// sender waits for a reply ([`RetrySchedule::timeout`], or
/// [`DEFAULT_ATTEMPT_TIMEOUT`] where none is published), but never longer
/// than the schedule's [`horizon`](crate::RetrySchedule::horizon) when the
/// provider retries at all.
///
/// Why the timeout: a handler must answer within it anyway (the sender
/// counts a later answer as a failure and redelivers), so processing that
/// fits the sender's patience fits the lease, and a claim whose holder died
/// runs out before, or soon after, the first redelivery. Why the horizon: a
/// lease that outlasts every redelivery leaves no attempt to recover a
/// crashed one ([`recovers_from_crash`]).
///
/// Keep processing shorter than the lease: a claim that runs out while its
/// holder is still working lets a redelivery process the event a second
/// time.
///
/// | provider | lease | a crash on the first attempt is recovered by |
/// |---|---|---|
/// | Funnel | 5 s (its timeout) | the retry 5 s later |
/// | Fourvenues | 30 s (our default) | the retry 1 min later |
/// | ClickFunnels | 30 s (our default) | the retry at 1 min 16 s |
/// | Standard Webhooks | 15 s (its timeout) | the retry at 5 min 5 s (or sooner: it honours `Retry-After`) |
/// | Falu | 30 s (our default) | nothing: Falu never redelivers |
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::lease_for;
/// use webhook_kit::funnel::Funnel;
/// use webhook_kit::standard::StandardWebhooks;
///
/// assert_eq!(lease_for(&Funnel::new()), Duration::from_secs(5));
/// let receiver = StandardWebhooks::new("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD")?;
/// assert_eq!(lease_for(&receiver), Duration::from_secs(15));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
///
/// [`RetrySchedule::timeout`]: crate::RetrySchedule::timeout
pub fn lease_for<P: Provider + ?Sized>(provider: &P) -> Duration {
    let schedule = provider.retry_schedule();
    let timeout = schedule.timeout().unwrap_or(DEFAULT_ATTEMPT_TIMEOUT);
    let horizon = schedule.horizon();
    if horizon.is_zero() {
        timeout
    } else {
        timeout.min(horizon)
    }
}

/// Whether `provider` still sends a redelivery after a claim of `lease` ran
/// out, when the claim's holder died on the first attempt and the sender
/// saw the failure at once: whether its last retry can start no earlier
/// than `lease` after the first attempt (every wait at its jittered
/// minimum).
///
/// `false` means a crash mid-processing loses the event unless someone
/// replays it by hand: always for Falu, which never redelivers, and for
/// Funnel with a lease over 30 s, its whole horizon.
///
/// ```
/// use std::time::Duration;
/// use webhook_kit::dedup::{lease_for, recovers_from_crash};
/// use webhook_kit::falu::Falu;
/// use webhook_kit::funnel::Funnel;
///
/// let funnel = Funnel::new();
/// assert!(recovers_from_crash(&funnel, lease_for(&funnel)));
/// assert!(recovers_from_crash(&funnel, Duration::from_secs(30)));
/// assert!(!recovers_from_crash(&funnel, Duration::from_secs(31)));
/// assert!(!recovers_from_crash(&Falu::new("secret")?, Duration::from_millis(1)));
/// # Ok::<(), webhook_kit::Error>(())
/// ```
pub fn recovers_from_crash<P: Provider + ?Sized>(provider: &P, lease: Duration) -> bool {
    let schedule = provider.retry_schedule();
    if schedule.max_attempts() < 2 {
        return false;
    }
    let nominal = schedule
        .delays()
        .fold(Duration::ZERO, Duration::saturating_add);
    let shortest = nominal.mul_f64(1.0 - schedule.jitter());
    lease <= shortest
}
