//! What every request handler and operation shares: the config, the store, intake, the
//! clock, metrics, and the wake-up for the job runner.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::clock::SharedClock;
use crate::config::ConfigHandle;
use crate::intake::Intake;
use crate::integrations::inbound::TokenBucket;
use crate::store::{Store, StoreError};
use crate::telemetry::Metrics;

#[derive(Clone)]
pub struct AppState {
    pub config: ConfigHandle,
    pub store: Store,
    pub intake: Intake,
    pub clock: SharedClock,
    pub metrics: Arc<Metrics>,
    pub rate_limits: Arc<Mutex<HashMap<String, TokenBucket>>>,
    /// Wakes the job runner when jobs become due outside its own schedule (re-drives).
    pub jobs_added: Arc<tokio::sync::Notify>,
    /// Sign-in attempts, for the web UI's rate limit.
    pub logins: Arc<Mutex<crate::accounts::sign_in::LoginLimiter>>,
    /// The public status page's renderings.
    pub status_page: Arc<crate::statuspage::cache::StatusCache>,
}

impl AppState {
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
