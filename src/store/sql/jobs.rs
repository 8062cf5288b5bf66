//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{CLAIM_LOCK, Db, PIN, ROW_LOCK, SqlStore};

/// `jobs` under `alias`, pinned to `index` on SQLite: without statistics its planner may walk
/// `jobs_state` (every pending job) instead of the partial indexes the claim is built on.
/// PostgreSQL keeps statistics and has no such syntax.
pub(super) fn jobs_by(alias: &str, index: &str, pin: bool) -> String {
    if pin {
        format!("jobs {alias} INDEXED BY {index}")
    } else {
        format!("jobs {alias}")
    }
}

/// The names of the queues with pending jobs, as `queues(name)` (the last row is NULL). A
/// skip scan over `jobs_queue`: one index seek per queue, however long each queue is.
pub(super) fn queues(pin: bool) -> String {
    let jobs = jobs_by("e", "jobs_queue", pin);
    format!(
        "WITH RECURSIVE queues(name) AS ( \
           SELECT min(e.queue) FROM {jobs} WHERE e.state = 'pending' AND e.queue IS NOT NULL \
           UNION ALL \
           SELECT (SELECT min(e.queue) FROM {jobs} WHERE e.state = 'pending' AND e.queue > queues.name) \
           FROM queues WHERE queues.name IS NOT NULL)"
    )
}

/// The oldest pending job of the queue `q`: the only one of it that may run.
pub(super) fn queue_head(pin: bool) -> String {
    format!(
        "SELECT min(h.seq) FROM {} WHERE h.state = 'pending' AND h.queue = q.name",
        jobs_by("h", "jobs_queue", pin)
    )
}

#[async_trait::async_trait]
impl crate::store::JobStore for SqlStore {
    async fn insert_job(
        &self,
        job: &crate::store::NewJob,
        now: jiff::Timestamp,
    ) -> crate::store::Result<i64> {
        let now_ms = now.as_millisecond();
        Ok(sqlx::query_scalar(
            "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $8) RETURNING seq",
        )
        .bind(&job.kind)
        .bind(&job.queue)
        .bind(&job.destination)
        .bind(&job.event_id)
        .bind(&job.payload)
        .bind(job.run_at.as_millisecond())
        .bind(job.expires_at.as_millisecond())
        .bind(now_ms)
        .fetch_one(self.writer())
        .await?)
    }

    async fn claim_runs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
        run: i64,
    ) -> crate::store::Result<Vec<Vec<crate::store::ClaimedJob>>> {
        // Candidates are the earliest due free jobs and each queue's head, so the cost
        // grows with the number of queues, not with their backlog. The text is fixed per
        // backend: built once, not on every claim.
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| format!(
            "{} UPDATE jobs SET lease_owner = $1, lease_until = $2, updated_at = $3 \
             WHERE seq IN ( \
               SELECT x.seq FROM jobs x \
               WHERE x.seq IN ( \
                   SELECT f.seq FROM ( \
                     SELECT j.seq FROM {} \
                     WHERE j.state = 'pending' AND j.queue IS NULL AND j.run_at <= $3 \
                       AND (j.lease_until IS NULL OR j.lease_until <= $3) \
                     ORDER BY j.run_at, j.seq LIMIT $4) f \
                   UNION ALL \
                   SELECT ({}) FROM queues q WHERE q.name IS NOT NULL) \
                 AND x.state = 'pending' AND x.run_at <= $3 \
                 AND (x.lease_until IS NULL OR x.lease_until <= $3) \
               ORDER BY x.run_at, x.seq LIMIT $4{}) \
             RETURNING seq, kind, queue, destination, event_id, payload, attempts, created_at, expires_at",
            queues(PIN),
            jobs_by("j", "jobs_due_free", PIN),
            queue_head(PIN),
            CLAIM_LOCK
        ));
        let mut transaction = self.begin_bookkeeping().await?;
        let rows = sqlx::query(sql)
            .bind(owner)
            .bind(lease_until.as_millisecond())
            .bind(now.as_millisecond())
            .bind(limit)
            .fetch_all(&mut *transaction)
            .await?;
        let mut runs = Vec::new();
        for head in Self::claimed_from_rows(&rows)? {
            let behind = match head.queue.as_deref() {
                Some(queue) if run > 1 => {
                    Self::claim_behind(
                        &mut transaction,
                        owner,
                        queue,
                        head.seq,
                        now,
                        lease_until,
                        run - 1,
                    )
                    .await?
                }
                _ => Vec::new(),
            };
            runs.push(std::iter::once(head).chain(behind).collect());
        }
        transaction.commit().await?;
        Ok(runs)
    }

    async fn release_jobs(
        &self,
        owner: &str,
        seqs: &[i64],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        if seqs.is_empty() {
            return Ok(());
        }
        let mut query = sqlx::QueryBuilder::new(
            "UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = ",
        );
        query.push_bind(now.as_millisecond());
        query.push(" WHERE state = 'pending' AND lease_owner = ");
        query.push_bind(owner);
        query.push(" AND seq IN (");
        let mut list = query.separated(", ");
        for seq in seqs {
            list.push_bind(*seq);
        }
        query.push(")");
        let mut transaction = self.begin_bookkeeping().await?;
        query.build().execute(&mut *transaction).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn finish_jobs(
        &self,
        owner: &str,
        outcomes: &[(i64, crate::store::JobOutcome)],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Vec<bool>> {
        let mut transaction = self.begin_bookkeeping().await?;
        let mut recorded = Vec::with_capacity(outcomes.len());
        for (seq, outcome) in outcomes {
            recorded.push(Self::finish_in(&mut transaction, *seq, owner, outcome, now).await?);
        }
        transaction.commit().await?;
        Ok(recorded)
    }

    async fn next_job_due(&self) -> crate::store::Result<Option<jiff::Timestamp>> {
        // Only queue heads can run, and a leased job is due again when its lease ends
        // (a lease outlasts the run_at it was taken at).
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| format!(
            "{} SELECT min(due) FROM ( \
               SELECT f.run_at AS due FROM ( \
                 SELECT j.run_at FROM {} \
                 WHERE j.state = 'pending' AND j.queue IS NULL AND j.lease_until IS NULL \
                 ORDER BY j.run_at LIMIT 1) f \
               UNION ALL \
               SELECT min(j.lease_until) FROM {} WHERE j.state = 'pending' AND j.lease_until IS NOT NULL \
               UNION ALL \
               SELECT j.run_at FROM queues q JOIN jobs j ON j.seq = ({}) \
               WHERE q.name IS NOT NULL AND j.lease_until IS NULL) d",
            queues(PIN),
            jobs_by("j", "jobs_due_free", PIN),
            jobs_by("j", "jobs_leased", PIN),
            queue_head(PIN),
        ));
        let due: Option<i64> = sqlx::query_scalar(sql).fetch_one(self.reader()).await?;
        Ok(due.map(crate::clock::from_millis))
    }

    async fn schedule_job(
        &self,
        job: &crate::store::NewJob,
        dedup_key: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let now_ms = now.as_millisecond();
        let result = sqlx::query(
            "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at, dedup_key) \
             VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(&job.kind)
        .bind(&job.queue)
        .bind(&job.destination)
        .bind(&job.event_id)
        .bind(&job.payload)
        .bind(job.run_at.as_millisecond())
        .bind(job.expires_at.as_millisecond())
        .bind(now_ms)
        .bind(dedup_key)
        .execute(self.writer())
        .await?;
        Ok(result.rows_affected() == 1)
    }

    async fn queue_counts(&self) -> crate::store::Result<crate::store::QueueCounts> {
        let (pending, dead): (i64, i64) = sqlx::query_as(
            "SELECT \
               (SELECT count(*) FROM jobs WHERE state = 'pending' AND kind NOT IN ('digest', 'silence_check', 'alert_expiry', 'heartbeat', 'alert_group', 'flap_check', 'task_check', 'check_run')), \
               (SELECT count(*) FROM jobs WHERE state = 'dead')",
        )
        .fetch_one(self.reader())
        .await?;
        Ok(crate::store::QueueCounts { pending, dead })
    }
}

impl SqlStore {
    /// Leases the jobs of `queue` right behind `head`, up to `limit`, while each is due
    /// and free: a job that may not run yet holds back all behind it.
    pub(super) async fn claim_behind(
        transaction: &mut sqlx::Transaction<'_, Db>,
        owner: &str,
        queue: &str,
        head: i64,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::ClaimedJob>> {
        let now_ms = now.as_millisecond();
        static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
        let sql = SQL.get_or_init(|| {
            format!(
                "SELECT j.seq, j.run_at, j.lease_until FROM {} \
             WHERE j.queue = $1 AND j.state = 'pending' AND j.seq > $2 ORDER BY j.seq LIMIT $3{}",
                jobs_by("j", "jobs_queue", PIN),
                ROW_LOCK
            )
        });
        let next: Vec<(i64, i64, Option<i64>)> = sqlx::query_as(sql)
            .bind(queue)
            .bind(head)
            .bind(limit)
            .fetch_all(&mut **transaction)
            .await?;
        let Some(last) = next
            .iter()
            .take_while(|(_, run_at, lease)| *run_at <= now_ms && lease.is_none_or(|l| l <= now_ms))
            .last()
            .map(|(seq, _, _)| *seq)
        else {
            return Ok(Vec::new());
        };
        let rows = sqlx::query(
            "UPDATE jobs SET lease_owner = $1, lease_until = $2, updated_at = $3 \
             WHERE queue = $4 AND state = 'pending' AND seq > $5 AND seq <= $6 \
             RETURNING seq, kind, queue, destination, event_id, payload, attempts, created_at, expires_at",
        )
        .bind(owner)
        .bind(lease_until.as_millisecond())
        .bind(now_ms)
        .bind(queue)
        .bind(head)
        .bind(last)
        .fetch_all(&mut **transaction)
        .await?;
        Self::claimed_from_rows(&rows)
    }

    pub(super) fn claimed_from_rows(
        rows: &[<Db as sqlx::Database>::Row],
    ) -> crate::store::Result<Vec<crate::store::ClaimedJob>> {
        use sqlx::Row as _;
        let mut jobs = rows
            .iter()
            .map(|row| {
                Ok(crate::store::ClaimedJob {
                    seq: row.try_get("seq")?,
                    kind: row.try_get("kind")?,
                    queue: row.try_get("queue")?,
                    destination: row.try_get("destination")?,
                    event_id: row.try_get("event_id")?,
                    payload: row.try_get("payload")?,
                    attempts: row.try_get("attempts")?,
                    created_at: crate::clock::from_millis(row.try_get("created_at")?),
                    expires_at: crate::clock::from_millis(row.try_get("expires_at")?),
                })
            })
            .collect::<crate::store::Result<Vec<_>>>()?;
        // RETURNING gives rows in no promised order.
        jobs.sort_by_key(|job| job.seq);
        Ok(jobs)
    }

    pub(super) async fn finish_in(
        transaction: &mut sqlx::Transaction<'_, Db>,
        seq: i64,
        owner: &str,
        outcome: &crate::store::JobOutcome,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        use crate::store::JobOutcome;
        let now_ms = now.as_millisecond();
        let (state, run_at, finished_at, status, error): (
            &str,
            Option<i64>,
            Option<i64>,
            Option<i32>,
            Option<&str>,
        ) = match outcome {
            JobOutcome::Done { status, .. } => ("done", None, Some(now_ms), *status, None),
            JobOutcome::Retry { at, status, error } => (
                "pending",
                Some(at.as_millisecond()),
                None,
                *status,
                Some(error.as_str()),
            ),
            JobOutcome::Dead { status, error } => {
                ("dead", None, Some(now_ms), *status, Some(error.as_str()))
            }
        };
        let (chat_message, chat_subject) = match outcome {
            JobOutcome::Done {
                chat_message: Some(posted),
                ..
            } => (Some(posted.id.as_str()), posted.subject.as_deref()),
            _ => (None, None),
        };
        let finished: Option<(String, Option<String>, i64)> = sqlx::query_as(
            "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), finished_at = $3, \
               last_status = $4, last_error = $5, attempts = attempts + 1, \
               lease_owner = NULL, lease_until = NULL, updated_at = $6, \
               chat_message = COALESCE($9, chat_message), chat_subject = COALESCE($10, chat_subject) \
             WHERE seq = $7 AND lease_owner = $8 AND state = 'pending' \
             RETURNING kind, destination, created_at",
        )
        .bind(state)
        .bind(run_at)
        .bind(finished_at)
        .bind(status)
        .bind(error)
        .bind(now_ms)
        .bind(seq)
        .bind(owner)
        .bind(chat_message)
        .bind(chat_subject)
        .fetch_optional(&mut **transaction)
        .await?;
        let Some((kind, destination, created_at)) = finished else {
            return Ok(false);
        };
        if let (Some(message), Some(subject), Some(destination)) =
            (chat_message, chat_subject, destination.as_deref())
        {
            sqlx::query(
                "INSERT INTO chat_posts (destination, subject, message, posted_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT (destination, subject) \
                 DO UPDATE SET message = excluded.message, posted_at = excluded.posted_at",
            )
            .bind(destination)
            .bind(subject)
            .bind(message)
            .bind(now_ms)
            .execute(&mut **transaction)
            .await?;
        }
        if let (true, Some(destination)) =
            (kind == crate::store::JobKind::Deliver.as_str(), destination)
        {
            let outcome = match outcome {
                JobOutcome::Done { .. } => "delivered",
                JobOutcome::Retry { .. } => "failed",
                JobOutcome::Dead { .. } => "dead",
            };
            sqlx::query(
                "INSERT INTO delivery_attempts (job_seq, destination, attempted_at, outcome, status, error, latency_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(seq)
            .bind(destination)
            .bind(now_ms)
            .bind(outcome)
            .bind(status)
            .bind(error)
            .bind((now_ms - created_at).max(0))
            .execute(&mut **transaction)
            .await?;
        }
        Ok(true)
    }

    /// Timers a change sets, in its transaction.
    pub(super) async fn insert_timers(
        transaction: &mut sqlx::Transaction<'_, Db>,
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        for timer in timers {
            Self::insert_timer(
                transaction,
                timer.kind,
                &timer.payload,
                timer.at,
                &timer.key,
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// A timer: a job with no queue, due at `at`, made once per `dedup_key`.
    pub(super) async fn insert_timer(
        transaction: &mut sqlx::Transaction<'_, Db>,
        kind: crate::store::JobKind,
        payload: &str,
        at: jiff::Timestamp,
        dedup_key: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        sqlx::query(
            "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at, dedup_key) \
             VALUES ($1, NULL, NULL, NULL, $2, 'pending', 0, $3, $4, $5, $5, $6) ON CONFLICT DO NOTHING",
        )
        .bind(kind.as_str())
        .bind(payload)
        .bind(at.as_millisecond())
        .bind(at.saturating_add(jiff::SignedDuration::from_hours(24)).unwrap_or(at).as_millisecond())
        .bind(now.as_millisecond())
        .bind(dedup_key)
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }
}
