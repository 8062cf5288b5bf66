//! What every operation shares, whichever adapter called it: the config, the store, intake,
//! the clock, metrics, the rate limits, the job runner's wake-up and the status page's
//! staleness. Domains take `&Context`; the adapters' `AppState` holds one and derefs to it.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use crate::clock::SharedClock;
use crate::config::ConfigHandle;
use crate::intake::Intake;
use crate::integrations::inbound::TokenBucket;
use crate::store::{Store, StoreError};
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct Context {
    pub config: ConfigHandle,
    pub store: Store,
    pub intake: Intake,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
    pub rate_limits: Arc<Mutex<HashMap<String, TokenBucket>>>,
    /// Wakes the job runner when jobs become due outside its own schedule (re-drives).
    pub jobs_added: Arc<tokio::sync::Notify>,
    /// Something the public status page shows changed (an incident's update or move, a
    /// maintenance window): its cache rebuilds on the next request.
    pub status_changed: Arc<Changed>,
}

impl Context {
    /// Takes one request from the integration `name`'s token bucket (`rate_limit`), or says
    /// how long to wait. Every intake path (hooks, mail) spends from the same buckets.
    pub fn take_rate(
        &self,
        name: &str,
        rate_limit: Option<crate::integrations::inbound::config::RateLimit>,
        now: jiff::Timestamp,
    ) -> Result<(), jiff::SignedDuration> {
        let Some(rate_limit) = rate_limit else {
            return Ok(());
        };
        let burst = rate_limit.burst.unwrap_or(rate_limit.per_second.max(1.0));
        let mut buckets = self
            .rate_limits
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        buckets
            .entry(name.to_owned())
            .or_insert_with(|| TokenBucket::full(burst, now))
            .take(rate_limit.per_second, burst, now)
    }

    /// Puts dead letters back in their queues (`None`: all) with a new retry window, and wakes
    /// the job runner for them. Returns how many.
    pub async fn redrive(&self, id: Option<i64>) -> Result<u64, StoreError> {
        let now = self.clock.now();
        let expires = now
            .saturating_add(self.config.current().delivery.retry_window())
            .unwrap_or(now);
        let count = self.store.redrive(id, now, expires).await?;
        if count > 0 {
            self.jobs_added.notify_one();
        }
        Ok(count)
    }
}

/// A flag that a change sets and the one who shows the changed thing clears before reading it
/// again, so a change during a rebuild marks the rebuild stale.
#[derive(Debug, Default)]
pub struct Changed(AtomicBool);

impl Changed {
    pub fn mark(&self) {
        self.0.store(true, Ordering::Release);
    }

    pub fn is_marked(&self) -> bool {
        self.0.load(Ordering::Acquire)
    }

    pub fn clear(&self) {
        self.0.store(false, Ordering::Release);
    }
}
