//! Time is passed in, never read from the wall clock directly, so timers, retries and schedules
//! are tested by moving a [`ManualClock`] instead of sleeping.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use tokio::sync::watch;

pub type SleepFuture<'a> = Pin<Box<dyn Future<Output = ()> + Send + 'a>>;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> Timestamp;
    /// Completes once `now() >= deadline`.
    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_>;
}

pub type SharedClock = Arc<dyn Clock>;

/// The real clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

// The one place that reads the wall clock.
#[allow(clippy::disallowed_methods)]
impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }

    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_> {
        let wait = deadline.duration_since(Timestamp::now());
        Box::pin(async move {
            if wait.is_positive() {
                tokio::time::sleep(wait.unsigned_abs()).await;
            }
        })
    }
}

/// A clock that only moves when told to. Sleepers wake when `advance` or `set` passes
/// their deadline.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<watch::Sender<Timestamp>>,
}

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        let (sender, _receiver) = watch::channel(start);
        Self {
            now: Arc::new(sender),
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        self.now.send_modify(|now| {
            *now = now.saturating_add(by).unwrap_or(*now);
        });
    }

    pub fn set(&self, to: Timestamp) {
        self.now.send_replace(to);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self.now.borrow()
    }

    fn sleep_until(&self, deadline: Timestamp) -> SleepFuture<'_> {
        let mut receiver = self.now.subscribe();
        Box::pin(async move {
            // `wait_for` checks the current value first, so a deadline already passed returns at once.
            let _ = receiver.wait_for(|now| *now >= deadline).await;
        })
    }
}

/// Unix milliseconds, the one time representation the store uses on both backends.
pub fn to_millis(timestamp: Timestamp) -> i64 {
    timestamp.as_millisecond()
}

pub fn from_millis(millis: i64) -> Timestamp {
    Timestamp::from_millisecond(millis).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn manual_clock_wakes_sleepers_when_advanced() {
        let clock = ManualClock::new(Timestamp::from_second(1_000).unwrap());
        let deadline = clock.now() + SignedDuration::from_secs(30);
        let sleeper = {
            let clock = clock.clone();
            tokio::spawn(async move { clock.sleep_until(deadline).await })
        };
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(SignedDuration::from_secs(29));
        tokio::task::yield_now().await;
        assert!(!sleeper.is_finished());
        clock.advance(SignedDuration::from_secs(1));
        sleeper.await.unwrap();
    }
}
