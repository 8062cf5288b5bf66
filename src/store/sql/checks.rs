//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{ROW_LOCK, SqlStore};

#[async_trait::async_trait]
impl crate::store::checks::CheckStore for SqlStore {
    async fn check_states(&self) -> crate::store::Result<Vec<crate::store::checks::CheckState>> {
        use sqlx::Row as _;
        let rows = sqlx::query("SELECT name, tracker, next_run_at, last_run_at, last_outcome FROM check_state ORDER BY name")
            .fetch_all(self.reader())
            .await?;
        let mut states = Vec::with_capacity(rows.len());
        for row in &rows {
            let tracker: String = row.try_get("tracker")?;
            let outcome: Option<String> = row.try_get("last_outcome")?;
            states.push(crate::store::checks::CheckState {
                name: row.try_get("name")?,
                tracker: serde_json::from_str(&tracker).unwrap_or_default(),
                next_run_at: row
                    .try_get::<Option<i64>, _>("next_run_at")?
                    .map(crate::clock::from_millis),
                last_run_at: row
                    .try_get::<Option<i64>, _>("last_run_at")?
                    .map(crate::clock::from_millis),
                last_outcome: outcome.and_then(|o| serde_json::from_str(&o).ok()),
            });
        }
        Ok(states)
    }

    async fn plan_check(
        &self,
        name: &str,
        at: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> crate::store::Result<jiff::Timestamp> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query("INSERT INTO check_state (name, tracker) VALUES ($1, '{}') ON CONFLICT (name) DO NOTHING")
            .bind(name)
            .execute(&mut *transaction)
            .await?;
        let planned: Option<i64> =
            sqlx::query_scalar("SELECT next_run_at FROM check_state WHERE name = $1")
                .bind(name)
                .fetch_one(&mut *transaction)
                .await?;
        // A planned run is kept (its timer may already exist; the same key makes it once).
        let at = planned.map_or(at, crate::clock::from_millis);
        sqlx::query("UPDATE check_state SET next_run_at = $1 WHERE name = $2")
            .bind(at.as_millisecond())
            .bind(name)
            .execute(&mut *transaction)
            .await?;
        let payload = serde_json::json!({ "check": name }).to_string();
        let key = format!("check-run:{name}:{}", at.as_millisecond());
        Self::insert_timer(
            &mut transaction,
            crate::store::JobKind::CheckRun,
            &payload,
            at,
            &key,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(at)
    }

    async fn record_check(
        &self,
        run: &crate::store::checks::CheckRun<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        use crate::core::check::Resolution;
        let mut transaction = self.writer().begin().await?;
        // Only the planned run counts: a stale timer (the check was re-planned) does nothing.
        let planned: Option<Option<i64>> = sqlx::query_scalar(&format!(
            "SELECT next_run_at FROM check_state WHERE name = $1{}",
            ROW_LOCK
        ))
        .bind(run.name)
        .fetch_optional(&mut *transaction)
        .await?;
        if planned.flatten() != Some(run.due.as_millisecond()) {
            return Ok(false);
        }
        sqlx::query("INSERT INTO check_results (name, at, ok, latency_ms, detail) VALUES ($1, $2, $3, $4, $5)")
            .bind(run.name)
            .bind(now.as_millisecond())
            .bind(i64::from(run.outcome.ok))
            .bind(run.outcome.latency_ms.map(|ms| i64::try_from(ms).unwrap_or(i64::MAX)))
            .bind(&run.outcome.detail)
            .execute(&mut *transaction)
            .await?;
        for resolution in Resolution::ALL {
            let bucket = resolution.floor(now).as_millisecond();
            let existing: Option<(i64, i64, i64, i64, i64)> = sqlx::query_as(
                "SELECT runs, failures, latency_runs, latency_sum_ms, latency_max_ms FROM check_rollups \
                 WHERE name = $1 AND resolution = $2 AND bucket = $3",
            )
            .bind(run.name)
            .bind(resolution.as_str())
            .bind(bucket)
            .fetch_optional(&mut *transaction)
            .await?;
            let mut rollup = existing.map(Self::rollup_from).unwrap_or_default();
            rollup.add(run.outcome);
            let as_i64 = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
            sqlx::query(
                "INSERT INTO check_rollups (name, resolution, bucket, runs, failures, latency_runs, latency_sum_ms, latency_max_ms) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (name, resolution, bucket) DO UPDATE SET runs = excluded.runs, failures = excluded.failures, \
                   latency_runs = excluded.latency_runs, latency_sum_ms = excluded.latency_sum_ms, latency_max_ms = excluded.latency_max_ms",
            )
            .bind(run.name)
            .bind(resolution.as_str())
            .bind(bucket)
            .bind(as_i64(rollup.runs))
            .bind(as_i64(rollup.failures))
            .bind(as_i64(rollup.latency_runs))
            .bind(as_i64(rollup.latency_sum_ms))
            .bind(as_i64(rollup.latency_max_ms))
            .execute(&mut *transaction)
            .await?;
        }
        sqlx::query(
            "UPDATE check_state SET tracker = $1, next_run_at = $2, last_run_at = $3, last_outcome = $4 WHERE name = $5",
        )
        .bind(serde_json::to_string(run.tracker).unwrap_or_else(|_| "{}".into()))
        .bind(run.next_run_at.as_millisecond())
        .bind(now.as_millisecond())
        .bind(serde_json::to_string(run.outcome).ok())
        .bind(run.name)
        .execute(&mut *transaction)
        .await?;
        let payload = serde_json::json!({ "check": run.name }).to_string();
        let key = format!(
            "check-run:{}:{}",
            run.name,
            run.next_run_at.as_millisecond()
        );
        Self::insert_timer(
            &mut transaction,
            crate::store::JobKind::CheckRun,
            &payload,
            run.next_run_at,
            &key,
            now,
        )
        .await?;
        transaction.commit().await?;
        Ok(true)
    }

    async fn check_rollups(
        &self,
        name: &str,
        resolution: crate::core::check::Resolution,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<(jiff::Timestamp, crate::core::check::Rollup)>> {
        let rows: Vec<(i64, i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT bucket, runs, failures, latency_runs, latency_sum_ms, latency_max_ms FROM check_rollups \
             WHERE name = $1 AND resolution = $2 AND bucket >= $3 ORDER BY bucket",
        )
        .bind(name)
        .bind(resolution.as_str())
        .bind(since.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(bucket, runs, failures, latency_runs, sum, max)| {
                (
                    crate::clock::from_millis(bucket),
                    Self::rollup_from((runs, failures, latency_runs, sum, max)),
                )
            })
            .collect())
    }

    async fn prune_checks(&self, now: jiff::Timestamp) -> crate::store::Result<u64> {
        use crate::core::check::{RAW_RETENTION, Resolution};
        let mut deleted = sqlx::query("DELETE FROM check_results WHERE at < $1")
            .bind(
                now.saturating_sub(RAW_RETENTION)
                    .unwrap_or(now)
                    .as_millisecond(),
            )
            .execute(self.writer())
            .await?
            .rows_affected();
        for resolution in Resolution::ALL {
            deleted +=
                sqlx::query("DELETE FROM check_rollups WHERE resolution = $1 AND bucket < $2")
                    .bind(resolution.as_str())
                    .bind(resolution.cutoff(now).as_millisecond())
                    .execute(self.writer())
                    .await?
                    .rows_affected();
        }
        Ok(deleted)
    }

    async fn heartbeat(
        &self,
        name: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::core::heartbeat::Pings> {
        sqlx::query(
            "INSERT INTO heartbeats (name, since) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(now.as_millisecond())
        .execute(self.writer())
        .await?;
        let row = sqlx::query(
            "SELECT name, since, last_ping_at, last_failure_at FROM heartbeats WHERE name = $1",
        )
        .bind(name)
        .fetch_one(self.writer())
        .await?;
        Ok(heartbeat_from_row(&row)?.1)
    }

    async fn record_heartbeat(
        &self,
        name: &str,
        at: jiff::Timestamp,
        failed: bool,
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::core::heartbeat::Pings> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO heartbeats (name, since) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(at.as_millisecond())
        .execute(&mut *transaction)
        .await?;
        // A ping or failure that arrives out of order never moves the record back.
        let column = if failed {
            "last_failure_at"
        } else {
            "last_ping_at"
        };
        sqlx::query(&format!(
            "UPDATE heartbeats SET {column} = $1 WHERE name = $2 AND ({column} IS NULL OR {column} < $1)"
        ))
        .bind(at.as_millisecond())
        .bind(name)
        .execute(&mut *transaction)
        .await?;
        Self::insert_timers(&mut transaction, timers, now).await?;
        let row = sqlx::query(
            "SELECT name, since, last_ping_at, last_failure_at FROM heartbeats WHERE name = $1",
        )
        .bind(name)
        .fetch_one(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(heartbeat_from_row(&row)?.1)
    }

    async fn heartbeats(
        &self,
    ) -> crate::store::Result<Vec<(String, crate::core::heartbeat::Pings)>> {
        let rows = sqlx::query(
            "SELECT name, since, last_ping_at, last_failure_at FROM heartbeats ORDER BY name",
        )
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(heartbeat_from_row).collect()
    }
}

impl SqlStore {
    pub(super) fn rollup_from(
        (runs, failures, latency_runs, latency_sum_ms, latency_max_ms): (i64, i64, i64, i64, i64),
    ) -> crate::core::check::Rollup {
        let as_u64 = |n: i64| u64::try_from(n).unwrap_or(0);
        crate::core::check::Rollup {
            runs: as_u64(runs),
            failures: as_u64(failures),
            latency_runs: as_u64(latency_runs),
            latency_sum_ms: as_u64(latency_sum_ms),
            latency_max_ms: as_u64(latency_max_ms),
        }
    }
}

fn heartbeat_from_row(
    row: &<super::Db as sqlx::Database>::Row,
) -> crate::store::Result<(String, crate::core::heartbeat::Pings)> {
    use sqlx::Row as _;
    let millis = |name: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
        Ok(row
            .try_get::<Option<i64>, _>(name)?
            .map(crate::clock::from_millis))
    };
    Ok((
        row.try_get("name")?,
        crate::core::heartbeat::Pings {
            since: crate::clock::from_millis(row.try_get("since")?),
            last_ping: millis("last_ping_at")?,
            last_failure: millis("last_failure_at")?,
        },
    ))
}
