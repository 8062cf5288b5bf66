//! What the checks domain keeps: each check's state, results and rollups.

use jiff::Timestamp;
use serde::Serialize;

/// A built-in check's state as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CheckState {
    pub name: String,
    pub tracker: crate::core::check::CheckTracker,
    pub next_run_at: Option<Timestamp>,
    pub last_run_at: Option<Timestamp>,
    pub last_outcome: Option<crate::core::check::Outcome>,
}

/// One run of a check to record.
#[derive(Debug, Clone)]
pub struct CheckRun<'a> {
    pub name: &'a str,
    /// The planned time this run was for.
    pub due: Timestamp,
    pub outcome: &'a crate::core::check::Outcome,
    pub tracker: &'a crate::core::check::CheckTracker,
    pub next_run_at: Timestamp,
}

#[async_trait::async_trait]
pub trait CheckStore {
    /// Every check's stored state.
    async fn check_states(&self) -> crate::store::Result<Vec<crate::store::checks::CheckState>>;

    /// Plans a check's next run (its timer and `next_run_at`) unless one is planned.
    async fn plan_check(
        &self,
        name: &str,
        at: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> crate::store::Result<jiff::Timestamp>;

    /// Records a run: the result, the rollups, the tracker, and the next run with its timer,
    /// in one transaction. `false` (nothing recorded) when `run.due` is not the planned run.
    async fn record_check(
        &self,
        run: &crate::store::checks::CheckRun<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    /// A check's rollups at `resolution` from `since` on, oldest first.
    async fn check_rollups(
        &self,
        name: &str,
        resolution: crate::core::check::Resolution,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<(jiff::Timestamp, crate::core::check::Rollup)>>;

    /// Deletes check results and rollups past their retention.
    async fn prune_checks(&self, now: jiff::Timestamp) -> crate::store::Result<u64>;

    /// A heartbeat's pings, expected from `now` on when it is new.
    async fn heartbeat(
        &self,
        name: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::core::heartbeat::Pings>;

    /// Records a ping (or, `failed`, a failure) at `at`, with the timers it sets, in one
    /// transaction; returns the pings after it.
    async fn record_heartbeat(
        &self,
        name: &str,
        at: jiff::Timestamp,
        failed: bool,
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::core::heartbeat::Pings>;

    /// Every heartbeat Firewatch has seen, by name.
    async fn heartbeats(
        &self,
    ) -> crate::store::Result<Vec<(String, crate::core::heartbeat::Pings)>>;
}
