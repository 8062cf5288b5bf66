//! The job runner's queue: delivery jobs and every domain's timers, leased by workers.

#[async_trait::async_trait]
pub trait JobStore: Sync {
    /// Leases up to `limit` due jobs for `owner` until `lease_until`. Of the jobs sharing a queue
    /// only the oldest unfinished one is ever due, so a queue runs in order, one job at a time,
    /// across every replica.
    async fn claim_jobs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::ClaimedJob>> {
        let runs = self.claim_runs(owner, now, lease_until, limit, 1).await?;
        Ok(runs.into_iter().flatten().collect())
    }

    /// Records an attempt's outcome. False when the lease was lost to another worker, in which
    /// case nothing is changed.
    async fn finish_job(
        &self,
        seq: i64,
        owner: &str,
        outcome: &crate::store::JobOutcome,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let outcomes = [(seq, outcome.clone())];
        let recorded = self.finish_jobs(owner, &outcomes, now).await?;
        Ok(recorded.first().copied().unwrap_or(false))
    }

    async fn insert_job(
        &self,
        job: &crate::store::NewJob,
        now: jiff::Timestamp,
    ) -> crate::store::Result<i64>;

    /// As `claim_jobs`, and a claimed queue head brings up to `run - 1` jobs queued right
    /// behind it, as long as each is due and free: one run, worked through in order by the one
    /// worker, for one claim. Each run starts with its head.
    async fn claim_runs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
        run: i64,
    ) -> crate::store::Result<Vec<Vec<crate::store::ClaimedJob>>>;

    /// Gives back `owner`'s leases on the pending jobs `seqs`, which it will not run now.
    async fn release_jobs(
        &self,
        owner: &str,
        seqs: &[i64],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// Records several attempts' outcomes in one transaction, with `finish_job`'s answer for
    /// each.
    async fn finish_jobs(
        &self,
        owner: &str,
        outcomes: &[(i64, crate::store::JobOutcome)],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Vec<bool>>;

    /// The earliest `run_at` of a pending job, to know how long a worker may sleep.
    async fn next_job_due(&self) -> crate::store::Result<Option<jiff::Timestamp>>;

    /// Inserts a job unless one with the same key exists; true when inserted.
    async fn schedule_job(
        &self,
        job: &crate::store::NewJob,
        dedup_key: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    /// Work waiting and dead letters. Timers (digests, silence checks) wait by design
    /// and are not backlog.
    async fn queue_counts(&self) -> crate::store::Result<crate::store::QueueCounts>;
}
