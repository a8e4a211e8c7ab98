//! When to try a failed upload again: exponential backoff with jitter and a cap, so that a
//! fleet of agents coming back online does not hit the server in step.

use std::time::Duration;

/// First retry after about a second.
pub const FIRST_RETRY: Duration = Duration::from_secs(1);
/// Never wait longer than five minutes between tries.
pub const MAX_RETRY: Duration = Duration::from_secs(300);

/// The wait before try number `attempt + 1` after `attempt` failures (1-based).
/// `jitter` in `[0, 1)` (drawn by the caller) spreads the wait over 80–120 % of the step.
pub fn retry_delay(attempt: u32, jitter: f64) -> Duration {
    let step = FIRST_RETRY
        .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(MAX_RETRY);
    let factor = 0.8 + 0.4 * jitter.clamp(0.0, 1.0);
    step.mul_f64(factor).min(MAX_RETRY)
}
