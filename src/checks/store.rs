//! What the checks domain keeps: each check's state, results and rollups.

#[async_trait::async_trait]
pub trait CheckStore {
    /// Every check's stored state.
    async fn check_states(&self) -> crate::store::Result<Vec<crate::store::CheckState>>;

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
        run: &crate::store::CheckRun<'_>,
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
}
