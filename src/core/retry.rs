//! When a failed delivery is tried again: exponential backoff with jitter, at least as late as
//! a `Retry-After` asks, and never past the retry window.

use jiff::{SignedDuration, Timestamp};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub first_delay: SignedDuration,
    pub max_delay: SignedDuration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            first_delay: SignedDuration::from_secs(1),
            max_delay: SignedDuration::from_mins(10),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    RetryAt(Timestamp),
    /// The next try would fall after the window closes: the job becomes a dead letter.
    GiveUp,
}

impl RetryPolicy {
    /// `attempts` counts the tries made so far (1 after the first failure). `jitter` is a
    /// number in `[0, 1)` from the caller's random source; the delay is drawn from the upper
    /// half of the exponential step ("equal jitter"), so retries spread out but never bunch at zero.
    pub fn next(
        &self,
        attempts: u32,
        now: Timestamp,
        expires_at: Timestamp,
        retry_after: Option<SignedDuration>,
        jitter: f64,
    ) -> RetryDecision {
        let exponent = attempts.saturating_sub(1).min(30);
        let step = self
            .first_delay
            .checked_mul(1_i32 << exponent.min(30))
            .unwrap_or(self.max_delay)
            .min(self.max_delay);
        let jitter = jitter.clamp(0.0, 1.0);
        let half = step.as_secs_f64() / 2.0;
        let mut delay = SignedDuration::from_secs_f64(half + half * jitter);
        if let Some(retry_after) = retry_after {
            delay = delay.max(retry_after);
        }
        let at = now.saturating_add(delay).unwrap_or(now);
        if at > expires_at {
            RetryDecision::GiveUp
        } else {
            RetryDecision::RetryAt(at)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(seconds: i64) -> Timestamp {
        Timestamp::from_second(seconds).unwrap()
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let policy = RetryPolicy::default();
        let far = at(1_000_000);
        let delays: Vec<i64> = (1..=12)
            .map(
                |attempts| match policy.next(attempts, at(0), far, None, 1.0) {
                    RetryDecision::RetryAt(t) => t.as_second(),
                    RetryDecision::GiveUp => -1,
                },
            )
            .collect();
        assert_eq!(delays, [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]);
        // Lowest jitter gives half the step.
        assert_eq!(
            policy.next(4, at(0), far, None, 0.0),
            RetryDecision::RetryAt(at(4))
        );
    }

    #[test]
    fn retry_after_is_a_lower_bound() {
        let policy = RetryPolicy::default();
        let decision = policy.next(
            1,
            at(0),
            at(1000),
            Some(SignedDuration::from_secs(120)),
            0.5,
        );
        assert_eq!(decision, RetryDecision::RetryAt(at(120)));
    }

    #[test]
    fn gives_up_past_the_window() {
        let policy = RetryPolicy::default();
        assert_eq!(
            policy.next(12, at(0), at(100), None, 0.0),
            RetryDecision::GiveUp
        );
    }
}
