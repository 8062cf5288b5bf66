//! What the checks page and API show of each check: its state and its recent availability.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::Config;
use crate::core::check::{Outcome, Resolution, Rollup};
use crate::store::{Store, StoreError};

/// What the checks page and `GET /api/v1/checks` show of one check.
#[derive(Debug, Clone, Serialize)]
pub struct CheckSummary {
    pub name: String,
    pub kind: &'static str,
    pub target: String,
    /// `passing`, `failing` (its alert is firing) or `pending` (not run yet).
    pub status: &'static str,
    pub last_run_at: Option<Timestamp>,
    pub next_run_at: Option<Timestamp>,
    pub last_outcome: Option<Outcome>,
    pub availability_24h: Option<f64>,
    pub mean_latency_ms_24h: Option<f64>,
}

/// Every configured check, in config order, with its state and its last 24 hours.
pub async fn summaries(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<Vec<CheckSummary>, StoreError> {
    let states = store.check_states().await?;
    let since = now
        .saturating_sub(SignedDuration::from_hours(24))
        .unwrap_or(now);
    let mut items = Vec::with_capacity(config.checks.len());
    for check in &config.checks {
        let stored = states.iter().find(|s| s.name == check.name);
        let mut day = Rollup::default();
        for (_, rollup) in store
            .check_rollups(&check.name, Resolution::Minute, since)
            .await?
        {
            day.merge(&rollup);
        }
        let status = match stored {
            Some(s) if s.tracker.alerting => "failing",
            Some(s) if s.last_outcome.is_some() => "passing",
            _ => "pending",
        };
        items.push(CheckSummary {
            name: check.name.clone(),
            kind: check.kind.as_str(),
            target: check.target(),
            status,
            last_run_at: stored.and_then(|s| s.last_run_at),
            next_run_at: stored.and_then(|s| s.next_run_at),
            last_outcome: stored.and_then(|s| s.last_outcome.clone()),
            availability_24h: day.availability(),
            mean_latency_ms_24h: day.mean_latency_ms(),
        });
    }
    Ok(items)
}
