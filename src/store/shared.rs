//! The queries both backends run as written. SQLite reads `$1` parameters like PostgreSQL and
//! both store times as Unix milliseconds, so one text serves both; the macro instantiates it
//! once per backend so each copy is checked against its own driver's types.

/// Rows per multi-row INSERT, well under SQLite's 32,766 bound parameters.
pub(super) const INSERT_CHUNK: usize = 500;

pub(super) const EVENT_INSERT: &str = "INSERT INTO events (id, integration, source, kind, status, ignored_reason, dedup_key, received_at, headers, body, normalized, repository) ";

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

pub(super) const JOB_INSERT: &str = "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at) ";

pub(super) const EVENT_COLUMNS: &str = "seq, id, integration, source, kind, status, ignored_reason, dedup_key, received_at, headers, body, normalized, repository";

pub(super) const TASK_COLUMNS: &str =
    "seq, id, alert_id, rule, service, team, reason, detail, opened_at, closed_at, closed_by";
pub(super) const ALERT_COLUMNS: &str = "seq, id, integration, fingerprint, group_key, rule, summary, severity, service, state, labels, annotations, url, starts_at, first_seen_at, last_seen_at, fired_at, acknowledged_at, acknowledged_by, resolved_at, fire_count, silenced_by, announced, flapping_since";

pub(super) const SILENCE_COLUMNS: &str =
    "seq, id, kind, service, matchers, schedule, created_by, comment, created_at, expired_at";

/// Events are counted per quarter hour: every time zone's offset is a whole number of them.
pub(super) const COUNT_BUCKET_MS: i64 = 900_000;

pub(super) const NOTIFICATION_COLUMNS: &str = "seq, destination, event_id, state, attempts, created_at, updated_at, run_at, finished_at, last_status, last_error";

/// `$store` is the backend type (with `writer()` and `reader()` pools), `$db` its sqlx
/// database, `$claim_lock` what the claim's inner SELECT needs to skip rows other replicas hold,
/// `$row_lock` what a read needs to hold its row until the transaction ends (SQLite's single
/// writer already serializes write transactions), and `$pin` whether to pin indexes (`jobs_by`).
/// The backend also provides `forge_horizon` (see `forge_events_after`).
macro_rules! shared_store_impl {
    ($store:ty, $db:ty, $claim_lock:expr, $row_lock:expr, $pin:expr) => {
        impl $store {
            /// Binds one event row, in the column order of `EVENT_INSERT`.
            fn push_event_row<'a>(
                mut row: sqlx::query_builder::Separated<'_, 'a, $db, &'static str>,
                event: &'a $crate::store::NewEvent,
                dedup_key: &'a str,
            ) {
                use $crate::store::clean_text;
                row.push_bind(event.id.as_str())
                    .push_bind(clean_text(&event.integration).into_owned())
                    .push_bind(event.source.as_str())
                    .push_bind(clean_text(&event.kind).into_owned())
                    .push_bind(event.status.as_str())
                    .push_bind(event.ignored_reason.as_deref())
                    .push_bind(clean_text(dedup_key).into_owned())
                    .push_bind(event.received_at.as_millisecond())
                    .push_bind(clean_text(&event.headers).into_owned())
                    .push_bind(event.body.as_ref())
                    .push_bind(event.normalized.as_deref())
                    .push_bind(event.repository.as_deref().map(|r| clean_text(r).into_owned()));
            }

            /// Binds one delivery job row, in the column order of `JOB_INSERT`.
            fn push_job_row<'a>(
                mut row: sqlx::query_builder::Separated<'_, 'a, $db, &'static str>,
                event: &'a $crate::store::NewEvent,
                target: &'a $crate::core::routing::Target,
                now: jiff::Timestamp,
            ) {
                let now_ms = now.as_millisecond();
                row.push_bind("deliver")
                    .push_bind(format!("destination:{}", target.destination))
                    .push_bind(target.destination.as_str())
                    .push_bind(event.id.as_str())
                    .push_bind($crate::store::delivery_payload(target))
                    .push_bind("pending")
                    .push_bind(0_i32)
                    .push_bind(now_ms)
                    .push_bind(event.expires_at.as_millisecond())
                    .push_bind(now_ms)
                    .push_bind(now_ms);
            }

            /// Binds one `alert` job row (the event's signals, applied in order), in the column
            /// order of `JOB_INSERT`.
            fn push_alert_job_row<'a>(
                mut row: sqlx::query_builder::Separated<'_, 'a, $db, &'static str>,
                event: &'a $crate::store::NewEvent,
                now: jiff::Timestamp,
            ) {
                let now_ms = now.as_millisecond();
                row.push_bind("alert")
                    .push_bind($crate::store::ALERT_QUEUE)
                    .push_bind(None::<String>)
                    .push_bind(event.id.as_str())
                    .push_bind(event.alerts.as_deref().unwrap_or("[]"))
                    .push_bind("pending")
                    .push_bind(0_i32)
                    .push_bind(now_ms)
                    .push_bind(event.expires_at.as_millisecond())
                    .push_bind(now_ms)
                    .push_bind(now_ms);
            }

            /// The stored ids of keys that were already taken (redeliveries).
            async fn original_ids(
                connection: &mut <$db as sqlx::Database>::Connection,
                wanted: Vec<(String, String)>,
            ) -> $crate::store::Result<std::collections::HashMap<(String, String), String>> {
                let mut original = std::collections::HashMap::new();
                for (integration, key) in wanted {
                    let id: String = sqlx::query_scalar(
                        "SELECT id FROM events WHERE integration = $1 AND dedup_key = $2",
                    )
                    .bind(&integration)
                    .bind(&key)
                    .fetch_one(&mut *connection)
                    .await?;
                    original.insert((integration, key), id);
                }
                Ok(original)
            }

            /// Inserts events and their jobs in one transaction, statement by statement.
            pub async fn insert_events_in_transaction(
                &self,
                events: &[$crate::store::NewEvent],
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<$crate::store::Accepted>> {
                let mut transaction = self.writer().begin().await?;
                let results = Self::insert_event_rows(&mut transaction, events, now).await?;
                transaction.commit().await?;
                Ok(results)
            }

            /// The rows of `insert_events_in_transaction`, in a transaction the caller commits.
            async fn insert_event_rows(
                transaction: &mut sqlx::Transaction<'_, $db>,
                events: &[$crate::store::NewEvent],
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<$crate::store::Accepted>> {
                use $crate::store::shared::{EVENT_INSERT, INSERT_CHUNK, JOB_INSERT};

                let plan = $crate::store::DedupPlan::new(events);
                let mut inserted = std::collections::HashSet::with_capacity(plan.unique.len());
                for chunk in plan.unique.chunks(INSERT_CHUNK) {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(EVENT_INSERT);
                    builder.push_values(chunk, |row, &index| {
                        Self::push_event_row(row, &events[index], plan.key_of(events, index).1)
                    });
                    builder.push(" ON CONFLICT DO NOTHING RETURNING id");
                    for row in builder.build().fetch_all(&mut **transaction).await? {
                        inserted.insert(sqlx::Row::try_get::<String, _>(&row, 0)?);
                    }
                }
                let original = Self::original_ids(transaction, plan.taken_keys(events, &inserted)).await?;
                let (results, jobs) = plan.results(events, &inserted, &original);
                for chunk in jobs.chunks(INSERT_CHUNK) {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(JOB_INSERT);
                    builder.push_values(chunk, |row, &(index, destination)| {
                        Self::push_job_row(row, &events[index], destination, now)
                    });
                    builder.build().execute(&mut **transaction).await?;
                }
                let alert_events: Vec<&$crate::store::NewEvent> = events
                    .iter()
                    .filter(|event| event.alerts.is_some() && inserted.contains(&event.id))
                    .collect();
                for chunk in alert_events.chunks(INSERT_CHUNK) {
                    let mut builder = sqlx::QueryBuilder::<$db>::new(JOB_INSERT);
                    builder.push_values(chunk, |row, event| Self::push_alert_job_row(row, event, now));
                    builder.build().execute(&mut **transaction).await?;
                }
                let counts = $crate::store::event_counts(
                    events.iter().filter(|event| inserted.contains(&event.id)),
                );
                if !counts.is_empty() {
                    let mut builder = sqlx::QueryBuilder::<$db>::new("INSERT INTO event_counts (bucket, source, count) ");
                    builder.push_values(&counts, |mut row, ((bucket, source), count)| {
                        row.push_bind(*bucket).push_bind(source.as_str()).push_bind(*count);
                    });
                    builder.push(" ON CONFLICT (bucket, source) DO UPDATE SET count = event_counts.count + excluded.count");
                    builder.build().execute(&mut **transaction).await?;
                }
                Ok(results)
            }

            pub async fn ping(&self) -> $crate::store::Result<()> {
                sqlx::query("SELECT 1").execute(self.reader()).await?;
                Ok(())
            }

            pub async fn migrations_current(&self) -> $crate::store::Result<bool> {
                let applied: i64 = sqlx::query_scalar(
                    "SELECT count(*) FROM _sqlx_migrations WHERE success = TRUE",
                )
                .fetch_one(self.reader())
                .await?;
                Ok(applied >= Self::MIGRATIONS.len() as i64)
            }

            fn event_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::StoredEvent> {
                use sqlx::Row as _;
                Ok($crate::store::StoredEvent {
                    seq: row.try_get("seq")?,
                    id: row.try_get("id")?,
                    integration: row.try_get("integration")?,
                    source: row.try_get("source")?,
                    kind: row.try_get("kind")?,
                    status: $crate::store::EventStatus::parse(row.try_get("status")?),
                    ignored_reason: row.try_get("ignored_reason")?,
                    dedup_key: row.try_get("dedup_key")?,
                    received_at: $crate::clock::from_millis(row.try_get("received_at")?),
                    headers: row.try_get("headers")?,
                    body: row.try_get("body")?,
                    normalized: row
                        .try_get::<Option<String>, _>("normalized")?
                        .and_then(|text| serde_json::from_str(&text).ok()),
                    repository: row.try_get("repository")?,
                })
            }

            pub async fn get_event(&self, id: &str) -> $crate::store::Result<$crate::store::StoredEvent> {
                let sql = format!(
                    "SELECT {} FROM events WHERE id = $1",
                    $crate::store::shared::EVENT_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?
                    .ok_or($crate::store::StoreError::NotFound)?;
                Self::event_from_row(&row)
            }

            pub async fn event_origins(
                &self,
                ids: &[&str],
            ) -> $crate::store::Result<std::collections::HashMap<String, $crate::store::EventOrigin>> {
                if ids.is_empty() {
                    return Ok(std::collections::HashMap::new());
                }
                let mut builder = sqlx::QueryBuilder::<$db>::new(
                    "SELECT id, integration, source FROM events WHERE id IN (",
                );
                let mut list = builder.separated(", ");
                for id in ids {
                    list.push_bind(*id);
                }
                builder.push(")");
                let rows: Vec<(String, String, String)> =
                    builder.build_query_as().fetch_all(self.reader()).await?;
                Ok(rows
                    .into_iter()
                    .map(|(id, integration, source)| {
                        (id, $crate::store::EventOrigin { integration, source })
                    })
                    .collect())
            }

            pub async fn list_events(
                &self,
                filter: &$crate::store::EventFilter,
            ) -> $crate::store::Result<Vec<$crate::store::StoredEvent>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM events WHERE 1 = 1",
                    $crate::store::shared::EVENT_COLUMNS
                ));
                for (column, value) in [
                    ("integration", &filter.integration),
                    ("source", &filter.source),
                    ("kind", &filter.kind),
                    ("status", &filter.status),
                    ("repository", &filter.repository),
                ] {
                    if let Some(value) = value {
                        builder.push(format!(" AND {column} = ")).push_bind(value.as_str());
                    }
                }
                if let Some(before) = filter.before {
                    builder.push(" AND seq < ").push_bind(before);
                }
                builder.push(" ORDER BY seq DESC LIMIT ").push_bind(filter.limit);
                let rows = builder.build().fetch_all(self.reader()).await?;
                rows.iter().map(Self::event_from_row).collect()
            }

            pub async fn count_events(&self) -> $crate::store::Result<i64> {
                Ok(sqlx::query_scalar("SELECT count(*) FROM events")
                    .fetch_one(self.reader())
                    .await?)
            }

            pub async fn insert_job(
                &self,
                job: &$crate::store::NewJob,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<i64> {
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

            pub async fn claim_runs(
                &self,
                owner: &str,
                now: jiff::Timestamp,
                lease_until: jiff::Timestamp,
                limit: i64,
                run: i64,
            ) -> $crate::store::Result<Vec<Vec<$crate::store::ClaimedJob>>> {
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
                    $crate::store::shared::queues($pin),
                    $crate::store::shared::jobs_by("j", "jobs_due_free", $pin),
                    $crate::store::shared::queue_head($pin),
                    $claim_lock
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
                            Self::claim_behind(&mut transaction, owner, queue, head.seq, now, lease_until, run - 1).await?
                        }
                        _ => Vec::new(),
                    };
                    runs.push(std::iter::once(head).chain(behind).collect());
                }
                transaction.commit().await?;
                Ok(runs)
            }

            /// Leases the jobs of `queue` right behind `head`, up to `limit`, while each is due
            /// and free: a job that may not run yet holds back all behind it.
            async fn claim_behind(
                transaction: &mut sqlx::Transaction<'_, $db>,
                owner: &str,
                queue: &str,
                head: i64,
                now: jiff::Timestamp,
                lease_until: jiff::Timestamp,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::ClaimedJob>> {
                let now_ms = now.as_millisecond();
                static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
                let sql = SQL.get_or_init(|| format!(
                    "SELECT j.seq, j.run_at, j.lease_until FROM {} \
                     WHERE j.queue = $1 AND j.state = 'pending' AND j.seq > $2 ORDER BY j.seq LIMIT $3{}",
                    $crate::store::shared::jobs_by("j", "jobs_queue", $pin),
                    $row_lock
                ));
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

            pub async fn release_jobs(
                &self,
                owner: &str,
                seqs: &[i64],
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                if seqs.is_empty() {
                    return Ok(());
                }
                let mut query = sqlx::QueryBuilder::new("UPDATE jobs SET lease_owner = NULL, lease_until = NULL, updated_at = ");
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

            fn claimed_from_rows(
                rows: &[<$db as sqlx::Database>::Row],
            ) -> $crate::store::Result<Vec<$crate::store::ClaimedJob>> {
                use sqlx::Row as _;
                let mut jobs = rows
                    .iter()
                    .map(|row| {
                        Ok($crate::store::ClaimedJob {
                            seq: row.try_get("seq")?,
                            kind: row.try_get("kind")?,
                            queue: row.try_get("queue")?,
                            destination: row.try_get("destination")?,
                            event_id: row.try_get("event_id")?,
                            payload: row.try_get("payload")?,
                            attempts: row.try_get("attempts")?,
                            created_at: $crate::clock::from_millis(row.try_get("created_at")?),
                            expires_at: $crate::clock::from_millis(row.try_get("expires_at")?),
                        })
                    })
                    .collect::<$crate::store::Result<Vec<_>>>()?;
                // RETURNING gives rows in no promised order.
                jobs.sort_by_key(|job| job.seq);
                Ok(jobs)
            }

            pub async fn finish_jobs(
                &self,
                owner: &str,
                outcomes: &[(i64, $crate::store::JobOutcome)],
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<bool>> {
                let mut transaction = self.begin_bookkeeping().await?;
                let mut recorded = Vec::with_capacity(outcomes.len());
                for (seq, outcome) in outcomes {
                    recorded.push(Self::finish_in(&mut transaction, *seq, owner, outcome, now).await?);
                }
                transaction.commit().await?;
                Ok(recorded)
            }

            async fn finish_in(
                transaction: &mut sqlx::Transaction<'_, $db>,
                seq: i64,
                owner: &str,
                outcome: &$crate::store::JobOutcome,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<bool> {
                use $crate::store::JobOutcome;
                let now_ms = now.as_millisecond();
                let (state, run_at, finished_at, status, error): (&str, Option<i64>, Option<i64>, Option<i32>, Option<&str>) =
                    match outcome {
                        JobOutcome::Done { status } => ("done", None, Some(now_ms), *status, None),
                        JobOutcome::Retry { at, status, error } => {
                            ("pending", Some(at.as_millisecond()), None, *status, Some(error.as_str()))
                        }
                        JobOutcome::Dead { status, error } => {
                            ("dead", None, Some(now_ms), *status, Some(error.as_str()))
                        }
                    };
                let finished: Option<(String, Option<String>, i64)> = sqlx::query_as(
                    "UPDATE jobs SET state = $1, run_at = COALESCE($2, run_at), finished_at = $3, \
                       last_status = $4, last_error = $5, attempts = attempts + 1, \
                       lease_owner = NULL, lease_until = NULL, updated_at = $6 \
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
                .fetch_optional(&mut **transaction)
                .await?;
                let Some((kind, destination, created_at)) = finished else {
                    return Ok(false);
                };
                if let (true, Some(destination)) = (kind == "deliver", destination) {
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

            pub async fn next_job_due(&self) -> $crate::store::Result<Option<jiff::Timestamp>> {
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
                    $crate::store::shared::queues($pin),
                    $crate::store::shared::jobs_by("j", "jobs_due_free", $pin),
                    $crate::store::shared::jobs_by("j", "jobs_leased", $pin),
                    $crate::store::shared::queue_head($pin),
                ));
                let due: Option<i64> = sqlx::query_scalar(sql)
                .fetch_one(self.reader())
                .await?;
                Ok(due.map($crate::clock::from_millis))
            }

            fn notification_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::Notification> {
                use sqlx::Row as _;
                let state: String = row.try_get("state")?;
                let attempts: i32 = row.try_get("attempts")?;
                let run_at: i64 = row.try_get("run_at")?;
                Ok($crate::store::Notification {
                    id: row.try_get("seq")?,
                    destination: row.try_get("destination")?,
                    event_id: row.try_get("event_id")?,
                    state: $crate::store::notification_state(&state, attempts),
                    attempts,
                    created_at: $crate::clock::from_millis(row.try_get("created_at")?),
                    updated_at: $crate::clock::from_millis(row.try_get("updated_at")?),
                    next_attempt_at: (state == "pending").then(|| $crate::clock::from_millis(run_at)),
                    finished_at: row
                        .try_get::<Option<i64>, _>("finished_at")?
                        .map($crate::clock::from_millis),
                    last_status: row.try_get("last_status")?,
                    last_error: row.try_get("last_error")?,
                })
            }

            pub async fn list_notifications(
                &self,
                filter: &$crate::store::NotificationFilter,
            ) -> $crate::store::Result<Vec<$crate::store::Notification>> {
                use $crate::store::NotificationState;
                let mut builder = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM jobs WHERE kind = 'deliver'",
                    $crate::store::shared::NOTIFICATION_COLUMNS
                ));
                match filter.state {
                    None => {}
                    Some(NotificationState::Pending) => {
                        builder.push(" AND state = 'pending' AND attempts = 0");
                    }
                    Some(NotificationState::Retrying) => {
                        builder.push(" AND state = 'pending' AND attempts > 0");
                    }
                    Some(NotificationState::Delivered) => {
                        builder.push(" AND state = 'done'");
                    }
                    Some(NotificationState::Dead) => {
                        builder.push(" AND state = 'dead'");
                    }
                }
                if let Some(destination) = &filter.destination {
                    builder.push(" AND destination = ").push_bind(destination.as_str());
                }
                if let Some(event_id) = &filter.event_id {
                    builder.push(" AND event_id = ").push_bind(event_id.as_str());
                }
                if let Some(before) = filter.before {
                    builder.push(" AND seq < ").push_bind(before);
                }
                builder.push(" ORDER BY seq DESC LIMIT ").push_bind(filter.limit);
                let rows = builder.build().fetch_all(self.reader()).await?;
                rows.iter().map(Self::notification_from_row).collect()
            }

            pub async fn get_notification(
                &self,
                id: i64,
            ) -> $crate::store::Result<$crate::store::Notification> {
                let sql = format!(
                    "SELECT {} FROM jobs WHERE kind = 'deliver' AND seq = $1",
                    $crate::store::shared::NOTIFICATION_COLUMNS
                );
                let row = sqlx::query(&sql)
                    .bind(id)
                    .fetch_optional(self.reader())
                    .await?
                    .ok_or($crate::store::StoreError::NotFound)?;
                Self::notification_from_row(&row)
            }

            pub async fn redrive(
                &self,
                id: Option<i64>,
                now: jiff::Timestamp,
                expires_at: jiff::Timestamp,
            ) -> $crate::store::Result<u64> {
                let result = sqlx::query(
                    "UPDATE jobs SET state = 'pending', run_at = $1, expires_at = $2, finished_at = NULL, \
                       lease_owner = NULL, lease_until = NULL, updated_at = $1 \
                     WHERE state = 'dead' AND ($3 IS NULL OR seq = $3)",
                )
                .bind(now.as_millisecond())
                .bind(expires_at.as_millisecond())
                .bind(id)
                .execute(self.writer())
                .await?;
                Ok(result.rows_affected())
            }

            pub async fn schedule_job(
                &self,
                job: &$crate::store::NewJob,
                dedup_key: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<bool> {
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

            pub async fn forge_events_after(
                &self,
                after: $crate::store::ForgePosition,
                limit: i64,
            ) -> $crate::store::Result<Vec<$crate::store::ForgeRecord>> {
                use sqlx::Row as _;
                // Taken before the read, so every transaction below it has ended by the time
                // the read's snapshot is.
                let horizon = self.forge_horizon().await?;
                let rows = sqlx::query(
                    "SELECT tx, seq, source, received_at, normalized FROM events \
                     WHERE (tx, seq) > ($1, $2) AND tx < $3 AND normalized IS NOT NULL \
                     ORDER BY tx, seq LIMIT $4",
                )
                .bind(after.tx)
                .bind(after.seq)
                .bind(horizon)
                .bind(limit)
                .fetch_all(self.reader())
                .await?;
                let mut records = Vec::with_capacity(rows.len());
                for row in rows {
                    let normalized: String = row.try_get("normalized")?;
                    let event = serde_json::from_str(&normalized).ok();
                    records.push($crate::store::ForgeRecord {
                        position: $crate::store::ForgePosition {
                            tx: row.try_get("tx")?,
                            seq: row.try_get("seq")?,
                        },
                        source: row.try_get("source")?,
                        received_at: $crate::clock::from_millis(row.try_get("received_at")?),
                        event,
                    });
                }
                Ok(records)
            }

            pub async fn projection_position(
                &self,
                name: &str,
            ) -> $crate::store::Result<$crate::store::ForgePosition> {
                let position: Option<(i64, i64)> =
                    sqlx::query_as("SELECT tx, position FROM projections WHERE name = $1")
                        .bind(name)
                        .fetch_optional(self.reader())
                        .await?;
                Ok(position
                    .map(|(tx, seq)| $crate::store::ForgePosition { tx, seq })
                    .unwrap_or_default())
            }

            pub async fn apply_state(
                &self,
                updates: &[$crate::core::forge_state::StateUpdate],
                projection: &str,
                position: $crate::store::ForgePosition,
            ) -> $crate::store::Result<()> {
                use $crate::core::forge_state::StateUpdate;
                let mut transaction = self.writer().begin().await?;
                for update in updates {
                    match update {
                        StateUpdate::Change(change) => {
                            sqlx::query(
                                "INSERT INTO changes (source, repository, number, title, url, author, state, draft, head_branch, base_branch, head_sha, review_state, requested_reviewers, labels, opened_at, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
                                 ON CONFLICT (source, repository, number) DO UPDATE SET \
                                   title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE changes.title END, \
                                   url = COALESCE(excluded.url, changes.url), \
                                   author = COALESCE(changes.author, excluded.author), \
                                   state = excluded.state, \
                                   draft = excluded.draft, \
                                   head_branch = COALESCE(excluded.head_branch, changes.head_branch), \
                                   base_branch = COALESCE(excluded.base_branch, changes.base_branch), \
                                   head_sha = COALESCE(excluded.head_sha, changes.head_sha), \
                                   review_state = COALESCE(excluded.review_state, changes.review_state), \
                                   requested_reviewers = excluded.requested_reviewers, \
                                   labels = excluded.labels, \
                                   updated_at = excluded.updated_at",
                            )
                            .bind(&change.source)
                            .bind(&change.repository)
                            .bind(change.number)
                            .bind(&change.title)
                            .bind(&change.url)
                            .bind(&change.author)
                            .bind(&change.state)
                            .bind(i32::from(change.draft))
                            .bind(&change.head_branch)
                            .bind(&change.base_branch)
                            .bind(&change.head_sha)
                            .bind(&change.review_state)
                            .bind(serde_json::to_string(&change.requested_reviewers).unwrap_or_default())
                            .bind(serde_json::to_string(&change.labels).unwrap_or_default())
                            .bind(change.opened_at.as_millisecond())
                            .bind(change.updated_at.as_millisecond())
                            .execute(&mut *transaction)
                            .await?;
                        }
                        StateUpdate::Build(build) => {
                            sqlx::query(
                                "INSERT INTO builds (source, repository, sha, name, outcome, url, updated_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                                 ON CONFLICT (source, repository, sha, name) DO UPDATE SET \
                                   outcome = excluded.outcome, url = COALESCE(excluded.url, builds.url), \
                                   updated_at = excluded.updated_at",
                            )
                            .bind(&build.source)
                            .bind(&build.repository)
                            .bind(&build.sha)
                            .bind(&build.name)
                            .bind(build.outcome.as_str())
                            .bind(&build.url)
                            .bind(build.updated_at.as_millisecond())
                            .execute(&mut *transaction)
                            .await?;
                        }
                    }
                }
                sqlx::query(
                    "INSERT INTO projections (name, tx, position) VALUES ($1, $2, $3) \
                     ON CONFLICT (name) DO UPDATE SET tx = excluded.tx, position = excluded.position",
                )
                .bind(projection)
                .bind(position.tx)
                .bind(position.seq)
                .execute(&mut *transaction)
                .await?;
                transaction.commit().await?;
                Ok(())
            }

            pub async fn open_changes(&self) -> $crate::store::Result<Vec<$crate::store::OpenChange>> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT c.source, c.repository, c.number, c.title, c.url, c.author, c.draft, c.head_branch, \
                            c.base_branch, c.review_state, c.requested_reviewers, c.labels, c.opened_at, b.outcome \
                     FROM changes c LEFT JOIN builds b \
                       ON b.source = c.source AND b.repository = c.repository AND b.sha = c.head_sha \
                     WHERE c.state = 'open' ORDER BY c.repository, c.opened_at, c.number",
                )
                .fetch_all(self.reader())
                .await?;
                let mut changes: Vec<$crate::store::OpenChange> = Vec::new();
                let mut outcomes: Vec<Vec<$crate::core::forge::Outcome>> = Vec::new();
                for row in rows {
                    let source: String = row.try_get("source")?;
                    let repository: String = row.try_get("repository")?;
                    let number: i64 = row.try_get("number")?;
                    let outcome = row
                        .try_get::<Option<String>, _>("outcome")?
                        .and_then(|o| $crate::core::forge::Outcome::parse(&o));
                    let same = changes.last().is_some_and(|last| {
                        last.source == source && last.repository == repository && last.number == number
                    });
                    if !same {
                        let reviewers: String = row.try_get("requested_reviewers")?;
                        let labels: String = row.try_get("labels")?;
                        changes.push($crate::store::OpenChange {
                            source,
                            repository,
                            number,
                            title: row.try_get("title")?,
                            url: row.try_get("url")?,
                            author: row.try_get("author")?,
                            draft: row.try_get::<i32, _>("draft")? != 0,
                            head_branch: row.try_get("head_branch")?,
                            base_branch: row.try_get("base_branch")?,
                            review_state: row.try_get("review_state")?,
                            requested_reviewers: serde_json::from_str(&reviewers).unwrap_or_default(),
                            labels: serde_json::from_str(&labels).unwrap_or_default(),
                            opened_at: $crate::clock::from_millis(row.try_get("opened_at")?),
                            ci: None,
                        });
                        outcomes.push(Vec::new());
                    }
                    if let (Some(outcome), Some(list)) = (outcome, outcomes.last_mut()) {
                        list.push(outcome);
                    }
                }
                for (change, list) in changes.iter_mut().zip(outcomes) {
                    change.ci = $crate::core::forge_state::ci_state(&list);
                }
                Ok(changes)
            }

            pub async fn create_user(
                &self,
                id: &str,
                name: &str,
                role: &str,
                password_hash: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                let result = sqlx::query(
                    "INSERT INTO users (id, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(name)
                .bind(role)
                .bind(password_hash)
                .bind(now.as_millisecond())
                .execute(self.writer())
                .await;
                match result {
                    Ok(_) => Ok(()),
                    Err(sqlx::Error::Database(error)) if error.is_unique_violation() => {
                        Err($crate::store::StoreError::Conflict)
                    }
                    Err(error) => Err(error.into()),
                }
            }

            pub async fn list_users(&self) -> $crate::store::Result<Vec<$crate::store::User>> {
                let rows = sqlx::query(
                    "SELECT id, name, role, created_at, disabled_at FROM users ORDER BY name",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::user_from_row).collect()
            }

            /// Work waiting and dead letters. Timers (digests, silence checks) wait by design
            /// and are not backlog.
            pub async fn queue_counts(&self) -> $crate::store::Result<$crate::store::QueueCounts> {
                let (pending, dead): (i64, i64) = sqlx::query_as(
                    "SELECT \
                       (SELECT count(*) FROM jobs WHERE state = 'pending' AND kind NOT IN ('digest', 'silence_check', 'alert_group', 'flap_check', 'task_check', 'check_run')), \
                       (SELECT count(*) FROM jobs WHERE state = 'dead')",
                )
                .fetch_one(self.reader())
                .await?;
                Ok($crate::store::QueueCounts { pending, dead })
            }

            pub async fn create_token(
                &self,
                id: &str,
                name: &str,
                scopes: &[String],
                token_hash: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "INSERT INTO api_tokens (id, name, scopes, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(id)
                .bind(name)
                .bind(scopes.join(","))
                .bind(token_hash)
                .bind(now.as_millisecond())
                .execute(self.writer())
                .await?;
                Ok(())
            }

            fn token_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::ApiToken> {
                use sqlx::Row as _;
                let scopes: String = row.try_get("scopes")?;
                Ok($crate::store::ApiToken {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    scopes: scopes.split(',').map(str::to_owned).collect(),
                    created_at: $crate::clock::from_millis(row.try_get("created_at")?),
                    revoked_at: row
                        .try_get::<Option<i64>, _>("revoked_at")?
                        .map($crate::clock::from_millis),
                })
            }

            pub async fn find_token(
                &self,
                token_hash: &str,
            ) -> $crate::store::Result<$crate::store::ApiToken> {
                let row = sqlx::query(
                    "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens \
                     WHERE token_hash = $1 AND revoked_at IS NULL",
                )
                .bind(token_hash)
                .fetch_optional(self.reader())
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Self::token_from_row(&row)
            }

            pub async fn list_tokens(&self) -> $crate::store::Result<Vec<$crate::store::ApiToken>> {
                let rows = sqlx::query(
                    "SELECT id, name, scopes, created_at, revoked_at FROM api_tokens ORDER BY created_at, id",
                )
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::token_from_row).collect()
            }

            pub async fn revoke_token(
                &self,
                id: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                let result = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
                )
                .bind(now.as_millisecond())
                .bind(id)
                .execute(self.writer())
                .await?;
                if result.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                Ok(())
            }

            fn user_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::User> {
                use sqlx::Row as _;
                Ok($crate::store::User {
                    id: row.try_get("id")?,
                    name: row.try_get("name")?,
                    role: row.try_get("role")?,
                    created_at: $crate::clock::from_millis(row.try_get("created_at")?),
                    disabled_at: row
                        .try_get::<Option<i64>, _>("disabled_at")?
                        .map($crate::clock::from_millis),
                })
            }

            pub async fn get_user(&self, id: &str) -> $crate::store::Result<$crate::store::User> {
                let row = sqlx::query(
                    "SELECT id, name, role, created_at, disabled_at FROM users WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(self.reader())
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Self::user_from_row(&row)
            }

            pub async fn user_credentials(
                &self,
                name: &str,
            ) -> $crate::store::Result<($crate::store::User, String)> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT id, name, role, created_at, disabled_at, password_hash FROM users WHERE name = $1",
                )
                .bind(name)
                .fetch_optional(self.reader())
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Ok((Self::user_from_row(&row)?, row.try_get("password_hash")?))
            }

            pub async fn set_user_role(&self, id: &str, role: &str) -> $crate::store::Result<()> {
                let result = sqlx::query("UPDATE users SET role = $1 WHERE id = $2")
                    .bind(role)
                    .bind(id)
                    .execute(self.writer())
                    .await?;
                if result.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                Ok(())
            }

            pub async fn set_user_disabled(
                &self,
                id: &str,
                disabled_at: Option<jiff::Timestamp>,
            ) -> $crate::store::Result<()> {
                let mut transaction = self.writer().begin().await?;
                let result = sqlx::query("UPDATE users SET disabled_at = $1 WHERE id = $2")
                    .bind(disabled_at.map(|at| at.as_millisecond()))
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
                if result.rows_affected() == 0 {
                    return Err($crate::store::StoreError::NotFound);
                }
                if disabled_at.is_some() {
                    sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                        .bind(id)
                        .execute(&mut *transaction)
                        .await?;
                }
                transaction.commit().await?;
                Ok(())
            }

            pub async fn create_session(
                &self,
                session: &$crate::store::NewSession<'_>,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at) \
                     VALUES ($1, $2, $3, $4, $4, $5)",
                )
                .bind(session.token_hash)
                .bind(session.user_id)
                .bind(session.csrf_token)
                .bind(session.now.as_millisecond())
                .bind(session.expires_at.as_millisecond())
                .execute(self.writer())
                .await?;
                Ok(())
            }

            pub async fn find_session(
                &self,
                token_hash: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<$crate::store::Session> {
                use sqlx::Row as _;
                let row = sqlx::query(
                    "SELECT u.id, u.name, u.role, u.created_at, u.disabled_at, \
                            s.csrf_token, s.created_at AS session_created_at, s.last_seen_at, s.expires_at \
                     FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL",
                )
                .bind(token_hash)
                .bind(now.as_millisecond())
                .fetch_optional(self.reader())
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Ok($crate::store::Session {
                    user: Self::user_from_row(&row)?,
                    csrf_token: row.try_get("csrf_token")?,
                    created_at: $crate::clock::from_millis(row.try_get("session_created_at")?),
                    last_seen_at: $crate::clock::from_millis(row.try_get("last_seen_at")?),
                    expires_at: $crate::clock::from_millis(row.try_get("expires_at")?),
                })
            }

            pub async fn touch_session(
                &self,
                token_hash: &str,
                now: jiff::Timestamp,
                expires_at: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                sqlx::query("UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3")
                    .bind(now.as_millisecond())
                    .bind(expires_at.as_millisecond())
                    .bind(token_hash)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            pub async fn delete_session(&self, token_hash: &str) -> $crate::store::Result<()> {
                sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                    .bind(token_hash)
                    .execute(self.writer())
                    .await?;
                Ok(())
            }

            pub async fn prune(
                &self,
                now: jiff::Timestamp,
                attempts_before: jiff::Timestamp,
            ) -> $crate::store::Result<u64> {
                let sessions = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
                    .bind(now.as_millisecond())
                    .execute(self.writer())
                    .await?;
                let attempts = sqlx::query("DELETE FROM delivery_attempts WHERE attempted_at < $1")
                    .bind(attempts_before.as_millisecond())
                    .execute(self.writer())
                    .await?;
                Ok(sessions.rows_affected() + attempts.rows_affected())
            }

            pub async fn event_counts(
                &self,
                since: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<$crate::store::EventCount>> {
                let rows: Vec<(i64, String, i64)> = sqlx::query_as(
                    "SELECT bucket, source, count FROM event_counts WHERE bucket >= $1 ORDER BY bucket, source",
                )
                .bind(since.as_millisecond())
                .fetch_all(self.reader())
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(bucket, source, count)| $crate::store::EventCount {
                        bucket: $crate::clock::from_millis(bucket),
                        source,
                        count,
                    })
                    .collect())
            }

            pub async fn destination_health(
                &self,
                since: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<$crate::store::DestinationHealth>> {
                use $crate::store::DestinationHealth;
                let mut health: std::collections::BTreeMap<String, DestinationHealth> =
                    std::collections::BTreeMap::new();
                let attempts: Vec<(String, Option<i64>, Option<i64>, i64, i64)> = sqlx::query_as(
                    "SELECT destination, \
                       max(CASE WHEN outcome = 'delivered' THEN attempted_at END), \
                       max(CASE WHEN outcome <> 'delivered' THEN attempted_at END), \
                       sum(CASE WHEN outcome = 'delivered' AND attempted_at >= $1 THEN 1 ELSE 0 END), \
                       sum(CASE WHEN outcome <> 'delivered' AND attempted_at >= $1 THEN 1 ELSE 0 END) \
                     FROM delivery_attempts GROUP BY destination",
                )
                .bind(since.as_millisecond())
                .fetch_all(self.reader())
                .await?;
                for (destination, success, failure, delivered, failed) in attempts {
                    let entry = health.entry(destination.clone()).or_insert_with(|| DestinationHealth::new(destination));
                    entry.last_success_at = success.map($crate::clock::from_millis);
                    entry.last_failure_at = failure.map($crate::clock::from_millis);
                    entry.delivered_recently = delivered;
                    entry.failed_recently = failed;
                }
                let failures: Vec<(String, Option<i32>, Option<String>)> = sqlx::query_as(
                    "SELECT a.destination, a.status, a.error FROM delivery_attempts a \
                     JOIN (SELECT destination, max(attempted_at) AS at FROM delivery_attempts \
                           WHERE outcome <> 'delivered' GROUP BY destination) l \
                       ON a.destination = l.destination AND a.attempted_at = l.at \
                     WHERE a.outcome <> 'delivered'",
                )
                .fetch_all(self.reader())
                .await?;
                for (destination, status, error) in failures {
                    if let Some(entry) = health.get_mut(&destination) {
                        entry.last_failure_status = status;
                        entry.last_failure_error = error;
                    }
                }
                let queues: Vec<(String, i64, i64, i64)> = sqlx::query_as(
                    "SELECT destination, \
                       sum(CASE WHEN state = 'pending' AND attempts = 0 THEN 1 ELSE 0 END), \
                       sum(CASE WHEN state = 'pending' AND attempts > 0 THEN 1 ELSE 0 END), \
                       sum(CASE WHEN state = 'dead' THEN 1 ELSE 0 END) \
                     FROM jobs WHERE kind = 'deliver' AND state IN ('pending', 'dead') AND destination IS NOT NULL \
                     GROUP BY destination",
                )
                .fetch_all(self.reader())
                .await?;
                for (destination, pending, retrying, dead) in queues {
                    let entry = health.entry(destination.clone()).or_insert_with(|| DestinationHealth::new(destination));
                    entry.pending = pending;
                    entry.retrying = retrying;
                    entry.dead = dead;
                }
                Ok(health.into_values().collect())
            }

            pub async fn delivery_latency(
                &self,
                since: jiff::Timestamp,
                bucket_ms: i64,
            ) -> $crate::store::Result<Vec<$crate::store::LatencyBucket>> {
                use sqlx::Row as _;
                use $crate::core::stats::LATENCY_BOUNDS_MS;
                let mut sql = String::from("SELECT (attempted_at / $2) * $2 AS bucket, count(*) AS total");
                for (index, bound) in LATENCY_BOUNDS_MS.iter().enumerate() {
                    sql.push_str(&format!(
                        ", sum(CASE WHEN latency_ms <= {bound} THEN 1 ELSE 0 END) AS le{index}"
                    ));
                }
                sql.push_str(
                    " FROM delivery_attempts WHERE outcome = 'delivered' AND attempted_at >= $1 \
                     GROUP BY (attempted_at / $2) * $2 ORDER BY 1",
                );
                let rows = sqlx::query(&sql)
                    .bind(since.as_millisecond())
                    .bind(bucket_ms)
                    .fetch_all(self.reader())
                    .await?;
                rows.iter()
                    .map(|row| {
                        let cumulative = (0..LATENCY_BOUNDS_MS.len())
                            .map(|index| row.try_get::<i64, _>(index + 2))
                            .collect::<Result<Vec<i64>, _>>()?;
                        Ok($crate::store::LatencyBucket {
                            start: $crate::clock::from_millis(row.try_get("bucket")?),
                            count: row.try_get("total")?,
                            cumulative,
                        })
                    })
                    .collect()
            }

            fn alert_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::Alert> {
                use sqlx::Row as _;
                let labels: String = row.try_get("labels")?;
                let annotations: String = row.try_get("annotations")?;
                let millis = |name: &str| -> $crate::store::Result<Option<jiff::Timestamp>> {
                    Ok(row.try_get::<Option<i64>, _>(name)?.map($crate::clock::from_millis))
                };
                let state: String = row.try_get("state")?;
                let severity: String = row.try_get("severity")?;
                Ok($crate::store::Alert {
                    seq: row.try_get("seq")?,
                    id: row.try_get("id")?,
                    integration: row.try_get("integration")?,
                    fingerprint: row.try_get("fingerprint")?,
                    group_key: row.try_get("group_key")?,
                    rule: row.try_get("rule")?,
                    summary: row.try_get("summary")?,
                    severity: $crate::core::alert::Severity::parse(&severity)
                        .unwrap_or($crate::core::alert::Severity::Warning),
                    service: row.try_get("service")?,
                    state: $crate::core::alert::AlertState::parse(&state)
                        .unwrap_or($crate::core::alert::AlertState::Firing),
                    labels: serde_json::from_str(&labels).unwrap_or_default(),
                    annotations: serde_json::from_str(&annotations).unwrap_or_default(),
                    url: row.try_get("url")?,
                    starts_at: millis("starts_at")?,
                    first_seen_at: $crate::clock::from_millis(row.try_get("first_seen_at")?),
                    last_seen_at: $crate::clock::from_millis(row.try_get("last_seen_at")?),
                    fired_at: $crate::clock::from_millis(row.try_get("fired_at")?),
                    acknowledged_at: millis("acknowledged_at")?,
                    acknowledged_by: row.try_get("acknowledged_by")?,
                    resolved_at: millis("resolved_at")?,
                    fire_count: row.try_get("fire_count")?,
                    silenced_by: row.try_get("silenced_by")?,
                    announced: row.try_get::<i64, _>("announced")? != 0,
                    flapping_since: millis("flapping_since")?,
                })
            }

            fn silence_from_row(
                row: &<$db as sqlx::Database>::Row,
            ) -> $crate::store::Result<$crate::store::Silence> {
                use sqlx::Row as _;
                let kind: String = row.try_get("kind")?;
                let matchers: String = row.try_get("matchers")?;
                let schedule: String = row.try_get("schedule")?;
                let corrupt = |what: &str, error: serde_json::Error| {
                    $crate::store::StoreError::Corrupt(format!("silence {what}: {error}"))
                };
                Ok($crate::store::Silence {
                    seq: row.try_get("seq")?,
                    id: row.try_get("id")?,
                    kind: if kind == "maintenance" {
                        $crate::store::SilenceKind::Maintenance
                    } else {
                        $crate::store::SilenceKind::Silence
                    },
                    service: row.try_get("service")?,
                    matchers: serde_json::from_str(&matchers).map_err(|e| corrupt("matchers", e))?,
                    schedule: serde_json::from_str(&schedule).map_err(|e| corrupt("schedule", e))?,
                    created_by: row.try_get("created_by")?,
                    comment: row.try_get("comment")?,
                    created_at: $crate::clock::from_millis(row.try_get("created_at")?),
                    expired_at: row
                        .try_get::<Option<i64>, _>("expired_at")?
                        .map($crate::clock::from_millis),
                })
            }

            pub async fn create_silence(
                &self,
                silence: &$crate::store::NewSilence,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<$crate::store::Silence> {
                use $crate::store::clean_text;
                let id = $crate::store::new_id(now);
                let matchers = serde_json::to_string(&silence.matchers).unwrap_or_else(|_| "[]".into());
                let schedule = serde_json::to_string(&silence.schedule).unwrap_or_default();
                sqlx::query(
                    "INSERT INTO silences (id, kind, service, matchers, schedule, created_by, comment, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(&id)
                .bind(silence.kind.as_str())
                .bind(silence.service.as_deref().map(|s| clean_text(s).into_owned()))
                .bind(clean_text(&matchers).into_owned())
                .bind(schedule)
                .bind(clean_text(&silence.created_by).into_owned())
                .bind(clean_text(&silence.comment).into_owned())
                .bind(now.as_millisecond())
                .execute(self.writer())
                .await?;
                Self::silence_by_id(self.writer(), &id).await
            }

            pub async fn list_silences(&self) -> $crate::store::Result<Vec<$crate::store::Silence>> {
                let rows = sqlx::query(&format!(
                    "SELECT {} FROM silences ORDER BY seq DESC",
                    $crate::store::shared::SILENCE_COLUMNS
                ))
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::silence_from_row).collect()
            }

            pub async fn get_silence(&self, id: &str) -> $crate::store::Result<$crate::store::Silence> {
                Self::silence_by_id(self.reader(), id).await
            }

            async fn silence_by_id<'e, E>(executor: E, id: &str) -> $crate::store::Result<$crate::store::Silence>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let row = sqlx::query(&format!(
                    "SELECT {} FROM silences WHERE id = $1",
                    $crate::store::shared::SILENCE_COLUMNS
                ))
                .bind(id)
                .fetch_optional(executor)
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Self::silence_from_row(&row)
            }

            pub async fn expire_silence(
                &self,
                id: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Option<$crate::store::Silence>> {
                let result = sqlx::query(
                    "UPDATE silences SET expired_at = $1 WHERE id = $2 AND expired_at IS NULL",
                )
                .bind(now.as_millisecond())
                .bind(id)
                .execute(self.writer())
                .await?;
                let silence = Self::silence_by_id(self.writer(), id).await?;
                Ok((result.rows_affected() > 0).then_some(silence))
            }

            /// Applies reports in order in one transaction; returns the changes they made.
            pub async fn apply_alert_signals(
                &self,
                report: &$crate::store::AlertReport<'_>,
                now: jiff::Timestamp,
                silencer: &$crate::store::Silencer<'_>,
                notices: &$crate::store::Notices<'_>,
            ) -> $crate::store::Result<Vec<$crate::store::AlertTransition>> {
                let mut transaction = self.writer().begin().await?;
                let mut events = Vec::new();
                let transitions =
                    Self::apply_report(&mut transaction, report, now, silencer, notices, &mut events).await?;
                Self::insert_event_rows(&mut transaction, &events, now).await?;
                transaction.commit().await?;
                Ok(transitions)
            }

            pub async fn apply_alert_jobs(
                &self,
                owner: &str,
                jobs: &[$crate::store::ReportJob<'_>],
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<Vec<$crate::store::AlertTransition>>> {
                let now_ms = now.as_millisecond();
                let mut transaction = self.begin_bookkeeping().await?;
                let mut events = Vec::new();
                let mut applied = Vec::with_capacity(jobs.len());
                for job in jobs {
                    // Done in the same commit as its effects, so a crash repeats neither.
                    let done = sqlx::query(
                        "UPDATE jobs SET state = 'done', finished_at = $1, attempts = attempts + 1, \
                           lease_owner = NULL, lease_until = NULL, updated_at = $1 \
                         WHERE seq = $2 AND lease_owner = $3 AND state = 'pending'",
                    )
                    .bind(now_ms)
                    .bind(job.seq)
                    .bind(owner)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                    if done == 0 {
                        // The lease went to another worker: it has the rest of the queue.
                        break;
                    }
                    applied.push(
                        Self::apply_report(&mut transaction, &job.report, now, job.silencer, job.notices, &mut events)
                            .await?,
                    );
                }
                Self::insert_event_rows(&mut transaction, &events, now).await?;
                transaction.commit().await?;
                Ok(applied)
            }

            /// One report's changes within `transaction`; the notice events go to `events`.
            async fn apply_report(
                transaction: &mut sqlx::Transaction<'_, $db>,
                report: &$crate::store::AlertReport<'_>,
                now: jiff::Timestamp,
                silencer: &$crate::store::Silencer<'_>,
                notices: &$crate::store::Notices<'_>,
                events: &mut Vec<$crate::store::NewEvent>,
            ) -> $crate::store::Result<Vec<$crate::store::AlertTransition>> {
                use $crate::core::alert::{AlertState, Change, change_for};
                use $crate::store::clean_text;
                let $crate::store::AlertReport { integration, signals, cause, event_id, flapping } = *report;
                let now_ms = now.as_millisecond();
                // (alert, change, started flapping, damped)
                let mut changed: Vec<(String, Change, bool, bool)> = Vec::new();
                for signal in signals {
                    // Held until commit: a silence check or settle racing this report waits, then
                    // decides on what this report made.
                    let current = sqlx::query(&format!(
                        "SELECT {} FROM alerts WHERE integration = $1 AND fingerprint = $2{}",
                        $crate::store::shared::ALERT_COLUMNS,
                        $row_lock
                    ))
                    .bind(integration)
                    .bind(clean_text(&signal.fingerprint).into_owned())
                    .fetch_optional(&mut **transaction)
                    .await?
                    .map(|row| Self::alert_from_row(&row))
                    .transpose()?;
                    if current.is_none() && signal.status_only {
                        // Acknowledging or resolving an alert never seen says nothing to keep.
                        continue;
                    }
                    let silence = silencer(signal);
                    let change = change_for(current.as_ref().map(|a| a.state), signal.status, silence.is_some());
                    let labels = serde_json::to_string(&signal.labels).unwrap_or_else(|_| "{}".into());
                    let annotations =
                        serde_json::to_string(&signal.annotations).unwrap_or_else(|_| "{}".into());
                    let mut started_flapping = false;
                    let mut damped = false;
                    let id = match &current {
                        None => {
                            let id = $crate::store::new_id(now);
                            let state = change.map_or(AlertState::Resolved, |c| c.new_state());
                            let firing = state != AlertState::Resolved;
                            sqlx::query(
                                "INSERT INTO alerts (id, integration, fingerprint, group_key, rule, summary, severity, service, \
                                   state, labels, annotations, url, starts_at, first_seen_at, last_seen_at, fired_at, \
                                   resolved_at, fire_count, silenced_by, announced) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15, $16, $17, $18)",
                            )
                            .bind(&id)
                            .bind(integration)
                            .bind(clean_text(&signal.fingerprint).into_owned())
                            .bind(signal.group_key.as_deref().map(|k| clean_text(k).into_owned()))
                            .bind(clean_text(&signal.rule).into_owned())
                            .bind(clean_text(&signal.summary).into_owned())
                            .bind(signal.severity.as_str())
                            .bind(signal.service.as_deref().map(|s| clean_text(s).into_owned()))
                            .bind(state.as_str())
                            .bind(clean_text(&labels).into_owned())
                            .bind(clean_text(&annotations).into_owned())
                            .bind(signal.url.as_deref().map(|u| clean_text(u).into_owned()))
                            .bind(signal.starts_at.map(|at| at.as_millisecond()))
                            .bind(now_ms)
                            .bind((!firing).then_some(now_ms))
                            .bind(i64::from(firing))
                            .bind(if state == AlertState::Silenced { silence.clone() } else { None })
                            .bind(i64::from(state == AlertState::Firing))
                            .execute(&mut **transaction)
                            .await?;
                            id
                        }
                        Some(alert) => {
                            // The latest report's wording and labels win; the state changes only
                            // as `change_for` says. Firing after a resolve starts a new cycle.
                            let new_cycle = alert.state == AlertState::Resolved;
                            if alert.flapping_since.is_some() {
                                damped = matches!(change, Some(Change::Fired | Change::Resolved));
                            } else if new_cycle && change == Some(Change::Fired) {
                                // The cycles in the window: the resolves that ended earlier ones, and this one.
                                let resolves: i64 = sqlx::query_scalar(
                                    "SELECT COUNT(*) FROM alert_changes WHERE alert_id = $1 AND change = 'resolved' AND at >= $2",
                                )
                                .bind(&alert.id)
                                .bind(now.saturating_sub(flapping.window).unwrap_or(now).as_millisecond())
                                .fetch_one(&mut **transaction)
                                .await?;
                                started_flapping = flapping.flaps(u32::try_from(resolves + 1).unwrap_or(u32::MAX));
                            }
                            let flapping_sql = if started_flapping { ", flapping_since = $6" } else { "" };
                            let cycle_sql = if new_cycle {
                                ", fired_at = $6, fire_count = fire_count + 1, \
                                 acknowledged_at = NULL, acknowledged_by = NULL, resolved_at = NULL"
                            } else {
                                ""
                            };
                            let (state_sql, extra) = match change {
                                Some(Change::Fired) => (
                                    format!(", state = 'firing', silenced_by = NULL, announced = 1{cycle_sql}"),
                                    None,
                                ),
                                Some(Change::Silenced) => (
                                    format!(
                                        ", state = 'silenced', silenced_by = $8{}{cycle_sql}",
                                        if new_cycle { ", announced = 0" } else { "" }
                                    ),
                                    silence.clone(),
                                ),
                                Some(Change::Resolved) => (
                                    ", state = 'resolved', resolved_at = $6, silenced_by = NULL".to_owned(),
                                    None,
                                ),
                                Some(Change::Acknowledged) => (
                                    ", state = 'acknowledged', acknowledged_at = $6, acknowledged_by = $8".to_owned(),
                                    Some(cause.to_owned()),
                                ),
                                None => (String::new(), None),
                            };
                            let sql = format!(
                                "UPDATE alerts SET summary = $1, labels = $2, annotations = $3, severity = $4, \
                                   url = COALESCE($5, url), last_seen_at = $6{state_sql}{flapping_sql} WHERE id = $7"
                            );
                            // A status-only report (PagerDuty's resolve) keeps what the alert says.
                            let (summary, labels, annotations, severity) = if signal.status_only {
                                (
                                    alert.summary.clone(),
                                    serde_json::to_string(&alert.labels).unwrap_or_else(|_| "{}".into()),
                                    serde_json::to_string(&alert.annotations).unwrap_or_else(|_| "{}".into()),
                                    alert.severity,
                                )
                            } else {
                                (signal.summary.clone(), labels, annotations, signal.severity)
                            };
                            let mut query = sqlx::query(&sql)
                                .bind(clean_text(&summary).into_owned())
                                .bind(clean_text(&labels).into_owned())
                                .bind(clean_text(&annotations).into_owned())
                                .bind(severity.as_str())
                                .bind(signal.url.as_deref().map(|u| clean_text(u).into_owned()))
                                .bind(now_ms)
                                .bind(&alert.id);
                            if let Some(extra) = extra {
                                query = query.bind(extra);
                            }
                            query.execute(&mut **transaction).await?;
                            alert.id.clone()
                        }
                    };
                    if let Some(change) = change {
                        let cause = match (&silence, change) {
                            (Some(silence), Change::Silenced) => format!("silence:{silence}"),
                            _ => cause.to_owned(),
                        };
                        Self::record_alert_change(transaction, &id, change, &cause, event_id, now).await?;
                        if started_flapping {
                            sqlx::query(
                                "INSERT INTO alert_changes (alert_id, at, change, cause, event_id) VALUES ($1, $2, 'flapping', $3, $4)",
                            )
                            .bind(&id)
                            .bind(now_ms)
                            .bind(&cause)
                            .bind(event_id)
                            .execute(&mut **transaction)
                            .await?;
                        }
                        if started_flapping || damped {
                            // Settles when a window passes without a fire or resolve.
                            let at = now.saturating_add(flapping.window).unwrap_or(now);
                            let payload = serde_json::json!({ "alert": id }).to_string();
                            let key = format!("flap-check:{id}:{}", at.as_millisecond());
                            Self::insert_timer(transaction, $crate::store::FLAP_CHECK_JOB, &payload, at, &key, now).await?;
                        }
                        changed.push((id, change, started_flapping, damped));
                    }
                }
                let mut transitions = Vec::with_capacity(changed.len());
                for (id, change, started_flapping, damped) in changed {
                    transitions.push($crate::store::AlertTransition {
                        alert: Self::alert_by_id(&mut **transaction, &id).await?,
                        change,
                        cause: cause.to_owned(),
                        started_flapping,
                        damped,
                    });
                }
                for transition in &transitions {
                    let plan = notices(transition);
                    Self::apply_notice_plan(transaction, transition, plan, now, events).await?;
                }
                Ok(transitions)
            }

            /// Carries out a change's notice plan: the immediate notice, joins to groups (with
            /// their flush timers) and group follow-ups. Events go to `events`, for one insert.
            async fn apply_notice_plan(
                transaction: &mut sqlx::Transaction<'_, $db>,
                transition: &$crate::store::AlertTransition,
                plan: $crate::store::NoticePlan,
                now: jiff::Timestamp,
                events: &mut Vec<$crate::store::NewEvent>,
            ) -> $crate::store::Result<()> {
                use $crate::core::alert::Change;
                use sqlx::Row as _;
                let alert_id = transition.alert.id.as_str();
                if plan.event.is_some() {
                    Self::record_notice(transaction, alert_id, transition.change.as_str(), now).await?;
                }
                events.extend(plan.event);
                for timer in &plan.timers {
                    Self::insert_timer(transaction, timer.kind, &timer.payload, timer.at, &timer.key, now).await?;
                }
                if transition.change == Change::Acknowledged {
                    // Someone took it: a task about it is handled.
                    sqlx::query("UPDATE alert_tasks SET closed_at = $1, closed_by = $2 WHERE alert_id = $3 AND closed_at IS NULL")
                        .bind(now.as_millisecond())
                        .bind(&transition.cause)
                        .bind(alert_id)
                        .execute(&mut **transaction)
                        .await?;
                }
                for grouped in plan.groups {
                    match transition.change {
                        Change::Fired => {
                            let destinations = serde_json::to_string(&grouped.destinations).unwrap_or_else(|_| "[]".into());
                            let labels = serde_json::to_string(&grouped.labels).unwrap_or_else(|_| "{}".into());
                            sqlx::query(
                                "INSERT INTO alert_groups (key, labels, integration, source, destinations, group_interval_ms, repeat_interval_ms, created_at) \
                                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                                 ON CONFLICT (key) DO UPDATE SET destinations = excluded.destinations, \
                                   group_interval_ms = excluded.group_interval_ms, repeat_interval_ms = excluded.repeat_interval_ms",
                            )
                            .bind(&grouped.key)
                            .bind(labels)
                            .bind(&grouped.integration)
                            .bind(&grouped.source)
                            .bind(destinations)
                            .bind(grouped.interval.as_millis() as i64)
                            .bind(grouped.repeat.as_millis() as i64)
                            .bind(now.as_millisecond())
                            .execute(&mut **transaction)
                            .await?;
                            let row = sqlx::query("SELECT last_notified_at, next_flush_at FROM alert_groups WHERE key = $1")
                                .bind(&grouped.key)
                                .fetch_one(&mut **transaction)
                                .await?;
                            let timing = $crate::core::grouping::GroupTiming {
                                last_notified_at: row.try_get::<Option<i64>, _>("last_notified_at")?.map($crate::clock::from_millis),
                                next_flush_at: row.try_get::<Option<i64>, _>("next_flush_at")?.map($crate::clock::from_millis),
                            };
                            let at = $crate::core::grouping::flush_after_join(timing, now, grouped.wait, grouped.interval);
                            if timing.next_flush_at != Some(at) {
                                sqlx::query("UPDATE alert_groups SET next_flush_at = $1 WHERE key = $2")
                                    .bind(at.as_millisecond())
                                    .bind(&grouped.key)
                                    .execute(&mut **transaction)
                                    .await?;
                                let payload = serde_json::json!({ "group": grouped.key }).to_string();
                                let key = format!("alert-group:{}:{}", grouped.key, at.as_millisecond());
                                Self::insert_timer(transaction, $crate::store::GROUP_FLUSH_JOB, &payload, at, &key, now).await?;
                            }
                            // A member told of an earlier cycle (or before a silence) is new again.
                            sqlx::query(
                                "INSERT INTO alert_group_members (group_key, alert_id, joined_at) VALUES ($1, $2, $3) \
                                 ON CONFLICT (group_key, alert_id) DO UPDATE SET notified_at = NULL",
                            )
                            .bind(&grouped.key)
                            .bind(alert_id)
                            .bind(now.as_millisecond())
                            .execute(&mut **transaction)
                            .await?;
                        }
                        Change::Acknowledged | Change::Resolved => {
                            let told: Option<Option<i64>> = sqlx::query_scalar(
                                "SELECT notified_at FROM alert_group_members WHERE group_key = $1 AND alert_id = $2",
                            )
                            .bind(&grouped.key)
                            .bind(alert_id)
                            .fetch_optional(&mut **transaction)
                            .await?;
                            if told.flatten().is_some() && grouped.follow_up.is_some() {
                                Self::record_notice(transaction, alert_id, transition.change.as_str(), now).await?;
                                events.extend(grouped.follow_up);
                            }
                            if transition.change == Change::Resolved {
                                sqlx::query("DELETE FROM alert_group_members WHERE group_key = $1 AND alert_id = $2")
                                    .bind(&grouped.key)
                                    .bind(alert_id)
                                    .execute(&mut **transaction)
                                    .await?;
                            }
                        }
                        Change::Silenced => {}
                    }
                }
                Ok(())
            }

            async fn record_notice(
                transaction: &mut sqlx::Transaction<'_, $db>,
                alert_id: &str,
                change: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                sqlx::query("INSERT INTO alert_notices (alert_id, at, change) VALUES ($1, $2, $3)")
                    .bind(alert_id)
                    .bind(now.as_millisecond())
                    .bind(change)
                    .execute(&mut **transaction)
                    .await?;
                Ok(())
            }

            pub async fn open_task(
                &self,
                task: &$crate::store::Task,
                notice: Option<$crate::store::NewEvent>,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Option<$crate::store::Task>> {
                let mut transaction = self.writer().begin().await?;
                let inserted = sqlx::query(
                    "INSERT INTO alert_tasks (id, alert_id, rule, service, team, reason, detail, opened_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
                )
                .bind(&task.id)
                .bind(&task.alert_id)
                .bind(&task.rule)
                .bind(&task.service)
                .bind(&task.team)
                .bind(&task.reason)
                .bind(&task.detail)
                .bind(task.opened_at.as_millisecond())
                .execute(&mut *transaction)
                .await?
                .rows_affected();
                if inserted == 0 {
                    return Ok(None);
                }
                let events: Vec<$crate::store::NewEvent> = notice.into_iter().collect();
                Self::insert_event_rows(&mut transaction, &events, now).await?;
                let task = Self::task_by_id(&mut *transaction, &task.id).await?;
                transaction.commit().await?;
                Ok(Some(task))
            }

            pub async fn list_tasks(&self, open: bool, limit: i64) -> $crate::store::Result<Vec<$crate::store::Task>> {
                let rows = sqlx::query(&format!(
                    "SELECT {} FROM alert_tasks {} ORDER BY seq DESC LIMIT $1",
                    $crate::store::shared::TASK_COLUMNS,
                    if open { "WHERE closed_at IS NULL" } else { "" }
                ))
                .bind(limit)
                .fetch_all(self.reader())
                .await?;
                rows.iter().map(Self::task_from_row).collect()
            }

            pub async fn close_task(
                &self,
                id: &str,
                by: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<Option<$crate::store::Task>> {
                let closed = sqlx::query("UPDATE alert_tasks SET closed_at = $1, closed_by = $2 WHERE id = $3 AND closed_at IS NULL")
                    .bind(now.as_millisecond())
                    .bind(by)
                    .bind(id)
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                let task = Self::task_by_id(self.writer(), id).await?;
                Ok((closed > 0).then_some(task))
            }

            async fn task_by_id<'e, E>(executor: E, id: &str) -> $crate::store::Result<$crate::store::Task>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let row = sqlx::query(&format!(
                    "SELECT {} FROM alert_tasks WHERE id = $1",
                    $crate::store::shared::TASK_COLUMNS
                ))
                .bind(id)
                .fetch_optional(executor)
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Self::task_from_row(&row)
            }

            fn task_from_row(row: &<$db as sqlx::Database>::Row) -> $crate::store::Result<$crate::store::Task> {
                use sqlx::Row as _;
                Ok($crate::store::Task {
                    seq: row.try_get("seq")?,
                    id: row.try_get("id")?,
                    alert_id: row.try_get("alert_id")?,
                    rule: row.try_get("rule")?,
                    service: row.try_get("service")?,
                    team: row.try_get("team")?,
                    reason: row.try_get("reason")?,
                    detail: row.try_get("detail")?,
                    opened_at: $crate::clock::from_millis(row.try_get("opened_at")?),
                    closed_at: row.try_get::<Option<i64>, _>("closed_at")?.map($crate::clock::from_millis),
                    closed_by: row.try_get("closed_by")?,
                })
            }

            pub async fn alert_fires_since(&self, alert_id: &str, since: jiff::Timestamp) -> $crate::store::Result<i64> {
                Ok(sqlx::query_scalar(
                    "SELECT COUNT(*) FROM alert_changes WHERE alert_id = $1 AND change = 'fired' AND at >= $2 \
                     AND cause NOT LIKE 'silence%' AND cause NOT LIKE 'flapping%'",
                )
                .bind(alert_id)
                .bind(since.as_millisecond())
                .fetch_one(self.reader())
                .await?)
            }

            pub async fn alert_activity(
                &self,
                from: jiff::Timestamp,
                to: jiff::Timestamp,
            ) -> $crate::store::Result<$crate::store::AlertActivity> {
                use sqlx::Row as _;
                let rows = sqlx::query(
                    "SELECT c.alert_id, a.rule, a.service, a.severity, c.change, c.at, c.cause \
                     FROM alert_changes c JOIN alerts a ON a.id = c.alert_id \
                     WHERE c.at >= $1 AND c.at < $2 ORDER BY c.alert_id, c.seq",
                )
                .bind(from.as_millisecond())
                .bind(to.as_millisecond())
                .fetch_all(self.reader())
                .await?;
                let mut activity = $crate::store::AlertActivity::default();
                for row in &rows {
                    let severity: String = row.try_get("severity")?;
                    activity.changes.push($crate::core::noise::ChangeRow {
                        alert_id: row.try_get("alert_id")?,
                        rule: row.try_get("rule")?,
                        service: row.try_get("service")?,
                        severity: $crate::core::alert::Severity::parse(&severity)
                            .unwrap_or($crate::core::alert::Severity::Warning),
                        change: row.try_get("change")?,
                        at: $crate::clock::from_millis(row.try_get("at")?),
                        cause: row.try_get("cause")?,
                    });
                }
                let rows = sqlx::query(
                    "SELECT a.rule, a.service, n.at FROM alert_notices n JOIN alerts a ON a.id = n.alert_id \
                     WHERE n.at >= $1 AND n.at < $2",
                )
                .bind(from.as_millisecond())
                .bind(to.as_millisecond())
                .fetch_all(self.reader())
                .await?;
                for row in &rows {
                    activity.notices.push($crate::core::noise::NoticeRow {
                        rule: row.try_get("rule")?,
                        service: row.try_get("service")?,
                        at: $crate::clock::from_millis(row.try_get("at")?),
                    });
                }
                Ok(activity)
            }

            pub async fn check_states(&self) -> $crate::store::Result<Vec<$crate::store::CheckState>> {
                use sqlx::Row as _;
                let rows = sqlx::query("SELECT name, tracker, next_run_at, last_run_at, last_outcome FROM check_state ORDER BY name")
                    .fetch_all(self.reader())
                    .await?;
                let mut states = Vec::with_capacity(rows.len());
                for row in &rows {
                    let tracker: String = row.try_get("tracker")?;
                    let outcome: Option<String> = row.try_get("last_outcome")?;
                    states.push($crate::store::CheckState {
                        name: row.try_get("name")?,
                        tracker: serde_json::from_str(&tracker).unwrap_or_default(),
                        next_run_at: row.try_get::<Option<i64>, _>("next_run_at")?.map($crate::clock::from_millis),
                        last_run_at: row.try_get::<Option<i64>, _>("last_run_at")?.map($crate::clock::from_millis),
                        last_outcome: outcome.and_then(|o| serde_json::from_str(&o).ok()),
                    });
                }
                Ok(states)
            }

            pub async fn plan_check(
                &self,
                name: &str,
                at: jiff::Timestamp,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<jiff::Timestamp> {
                let mut transaction = self.writer().begin().await?;
                sqlx::query("INSERT INTO check_state (name, tracker) VALUES ($1, '{}') ON CONFLICT (name) DO NOTHING")
                    .bind(name)
                    .execute(&mut *transaction)
                    .await?;
                let planned: Option<i64> = sqlx::query_scalar("SELECT next_run_at FROM check_state WHERE name = $1")
                    .bind(name)
                    .fetch_one(&mut *transaction)
                    .await?;
                // A planned run is kept (its timer may already exist; the same key makes it once).
                let at = planned.map_or(at, $crate::clock::from_millis);
                sqlx::query("UPDATE check_state SET next_run_at = $1 WHERE name = $2")
                    .bind(at.as_millisecond())
                    .bind(name)
                    .execute(&mut *transaction)
                    .await?;
                let payload = serde_json::json!({ "check": name }).to_string();
                let key = format!("check-run:{name}:{}", at.as_millisecond());
                Self::insert_timer(&mut transaction, $crate::store::CHECK_RUN_JOB, &payload, at, &key, now).await?;
                transaction.commit().await?;
                Ok(at)
            }

            pub async fn record_check(
                &self,
                run: &$crate::store::CheckRun<'_>,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<bool> {
                use $crate::core::check::Resolution;
                let mut transaction = self.writer().begin().await?;
                // Only the planned run counts: a stale timer (the check was re-planned) does nothing.
                let planned: Option<Option<i64>> = sqlx::query_scalar(&format!("SELECT next_run_at FROM check_state WHERE name = $1{}", $row_lock))
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
                let key = format!("check-run:{}:{}", run.name, run.next_run_at.as_millisecond());
                Self::insert_timer(&mut transaction, $crate::store::CHECK_RUN_JOB, &payload, run.next_run_at, &key, now).await?;
                transaction.commit().await?;
                Ok(true)
            }

            fn rollup_from((runs, failures, latency_runs, latency_sum_ms, latency_max_ms): (i64, i64, i64, i64, i64)) -> $crate::core::check::Rollup {
                let as_u64 = |n: i64| u64::try_from(n).unwrap_or(0);
                $crate::core::check::Rollup {
                    runs: as_u64(runs),
                    failures: as_u64(failures),
                    latency_runs: as_u64(latency_runs),
                    latency_sum_ms: as_u64(latency_sum_ms),
                    latency_max_ms: as_u64(latency_max_ms),
                }
            }

            pub async fn check_rollups(
                &self,
                name: &str,
                resolution: $crate::core::check::Resolution,
                since: jiff::Timestamp,
            ) -> $crate::store::Result<Vec<(jiff::Timestamp, $crate::core::check::Rollup)>> {
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
                        ($crate::clock::from_millis(bucket), Self::rollup_from((runs, failures, latency_runs, sum, max)))
                    })
                    .collect())
            }

            pub async fn prune_checks(&self, now: jiff::Timestamp) -> $crate::store::Result<u64> {
                use $crate::core::check::{RAW_RETENTION, Resolution};
                let mut deleted = sqlx::query("DELETE FROM check_results WHERE at < $1")
                    .bind(now.saturating_sub(RAW_RETENTION).unwrap_or(now).as_millisecond())
                    .execute(self.writer())
                    .await?
                    .rows_affected();
                for resolution in Resolution::ALL {
                    deleted += sqlx::query("DELETE FROM check_rollups WHERE resolution = $1 AND bucket < $2")
                        .bind(resolution.as_str())
                        .bind(resolution.cutoff(now).as_millisecond())
                        .execute(self.writer())
                        .await?
                        .rows_affected();
                }
                Ok(deleted)
            }

            /// A timer: a job with no queue, due at `at`, made once per `dedup_key`.
            async fn insert_timer(
                transaction: &mut sqlx::Transaction<'_, $db>,
                kind: &str,
                payload: &str,
                at: jiff::Timestamp,
                dedup_key: &str,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at, dedup_key) \
                     VALUES ($1, NULL, NULL, NULL, $2, 'pending', 0, $3, $4, $5, $5, $6) ON CONFLICT DO NOTHING",
                )
                .bind(kind)
                .bind(payload)
                .bind(at.as_millisecond())
                .bind(at.saturating_add(jiff::SignedDuration::from_hours(24)).unwrap_or(at).as_millisecond())
                .bind(now.as_millisecond())
                .bind(dedup_key)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            pub async fn flush_alert_group(
                &self,
                key: &str,
                now: jiff::Timestamp,
                current: &$crate::store::GroupDestinations<'_>,
                notice: &$crate::store::GroupNotices<'_>,
            ) -> $crate::store::Result<Option<$crate::core::grouping::Flush>> {
                use $crate::core::grouping::{Flush, flush};
                use sqlx::Row as _;
                let mut transaction = self.writer().begin().await?;
                let Some(row) = sqlx::query(
                    &format!(
                        "SELECT key, labels, integration, source, destinations, group_interval_ms, repeat_interval_ms, \
                           last_notified_at, next_flush_at FROM alert_groups WHERE key = $1{}",
                        $row_lock
                    ),
                )
                .bind(key)
                .fetch_optional(&mut *transaction)
                .await?
                else {
                    return Ok(None);
                };
                let millis = |name: &str| -> $crate::store::Result<Option<jiff::Timestamp>> {
                    Ok(row.try_get::<Option<i64>, _>(name)?.map($crate::clock::from_millis))
                };
                let labels: String = row.try_get("labels")?;
                let destinations: String = row.try_get("destinations")?;
                let mut group = $crate::store::AlertGroup {
                    key: row.try_get("key")?,
                    labels: serde_json::from_str(&labels).unwrap_or_default(),
                    integration: row.try_get("integration")?,
                    source: row.try_get("source")?,
                    destinations: serde_json::from_str(&destinations).unwrap_or_default(),
                    interval: jiff::SignedDuration::from_millis(row.try_get("group_interval_ms")?),
                    repeat: jiff::SignedDuration::from_millis(row.try_get("repeat_interval_ms")?),
                    last_notified_at: millis("last_notified_at")?,
                    next_flush_at: millis("next_flush_at")?,
                };
                if group.next_flush_at.is_none_or(|at| at > now) {
                    return Ok(None);
                }
                group.destinations = current(&group);
                if group.destinations.is_empty() {
                    // Its route is gone or groups differently since a config change: the group
                    // is dropped, not told once more where it no longer goes. Its alerts are
                    // routed afresh on their next change.
                    sqlx::query("DELETE FROM alert_group_members WHERE group_key = $1")
                        .bind(key)
                        .execute(&mut *transaction)
                        .await?;
                    sqlx::query("DELETE FROM alert_groups WHERE key = $1")
                        .bind(key)
                        .execute(&mut *transaction)
                        .await?;
                    transaction.commit().await?;
                    return Ok(None);
                }
                let columns = $crate::store::shared::ALERT_COLUMNS
                    .split(", ")
                    .map(|column| format!("a.{column}"))
                    .collect::<Vec<_>>()
                    .join(", ");
                let rows = sqlx::query(&format!(
                    "SELECT {columns}, m.notified_at AS member_notified_at FROM alert_group_members m \
                     JOIN alerts a ON a.id = m.alert_id WHERE m.group_key = $1 ORDER BY a.seq"
                ))
                .bind(key)
                .fetch_all(&mut *transaction)
                .await?;
                let mut firing = Vec::new();
                let mut untold = Vec::new();
                for row in &rows {
                    let alert = Self::alert_from_row(row)?;
                    if alert.state != $crate::core::alert::AlertState::Firing {
                        continue;
                    }
                    if row.try_get::<Option<i64>, _>("member_notified_at")?.is_none() {
                        untold.push(alert.id.clone());
                    }
                    firing.push(alert);
                }
                let decision = flush(firing.len(), untold.len(), group.last_notified_at, group.repeat, now);
                let next = match decision {
                    Flush::Notify { next } => {
                        let events: Vec<$crate::store::NewEvent> = notice(&group, &firing, &untold).into_iter().collect();
                        Self::insert_event_rows(&mut transaction, &events, now).await?;
                        for alert in &firing {
                            let change = if untold.contains(&alert.id) { "fired" } else { "repeated" };
                            Self::record_notice(&mut transaction, &alert.id, change, now).await?;
                            sqlx::query("UPDATE alert_group_members SET notified_at = $1 WHERE group_key = $2 AND alert_id = $3")
                                .bind(now.as_millisecond())
                                .bind(key)
                                .bind(&alert.id)
                                .execute(&mut *transaction)
                                .await?;
                        }
                        sqlx::query("UPDATE alert_groups SET last_notified_at = $1 WHERE key = $2")
                            .bind(now.as_millisecond())
                            .bind(key)
                            .execute(&mut *transaction)
                            .await?;
                        Some(next)
                    }
                    Flush::Wait { next } => Some(next),
                    Flush::Idle => None,
                };
                if next.is_none() && rows.is_empty() {
                    sqlx::query("DELETE FROM alert_groups WHERE key = $1")
                        .bind(key)
                        .execute(&mut *transaction)
                        .await?;
                } else {
                    sqlx::query("UPDATE alert_groups SET next_flush_at = $1 WHERE key = $2")
                        .bind(next.map(|at| at.as_millisecond()))
                        .bind(key)
                        .execute(&mut *transaction)
                        .await?;
                }
                if let Some(at) = next {
                    let payload = serde_json::json!({ "group": key }).to_string();
                    let dedup = format!("alert-group:{key}:{}", at.as_millisecond());
                    Self::insert_timer(&mut transaction, $crate::store::GROUP_FLUSH_JOB, &payload, at, &dedup, now).await?;
                }
                transaction.commit().await?;
                Ok(Some(decision))
            }

            pub async fn settle_flapping(
                &self,
                id: &str,
                window: jiff::SignedDuration,
                now: jiff::Timestamp,
                notices: &$crate::store::Notices<'_>,
            ) -> $crate::store::Result<Option<$crate::store::AlertTransition>> {
                use $crate::core::alert::{AlertState, Change};
                let mut transaction = self.writer().begin().await?;
                let alert = match Self::alert_by_id(&mut *transaction, id).await {
                    Ok(alert) => alert,
                    Err($crate::store::StoreError::NotFound) => return Ok(None),
                    Err(error) => return Err(error),
                };
                if alert.flapping_since.is_none() {
                    return Ok(None);
                }
                let last: Option<i64> = sqlx::query_scalar(
                    "SELECT MAX(at) FROM alert_changes WHERE alert_id = $1 AND change IN ('fired', 'resolved')",
                )
                .bind(id)
                .fetch_one(&mut *transaction)
                .await?;
                let steady_since = last.map_or(alert.fired_at, $crate::clock::from_millis);
                if steady_since.saturating_add(window).unwrap_or(steady_since) > now {
                    return Ok(None);
                }
                // Two settle timers due together: only one ends the flapping.
                let ended = sqlx::query("UPDATE alerts SET flapping_since = NULL WHERE id = $1 AND flapping_since IS NOT NULL")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?
                    .rows_affected();
                if ended == 0 {
                    return Ok(None);
                }
                let cause = "flapping ended";
                sqlx::query("INSERT INTO alert_changes (alert_id, at, change, cause) VALUES ($1, $2, 'steady', $3)")
                    .bind(id)
                    .bind(now.as_millisecond())
                    .bind(cause)
                    .execute(&mut *transaction)
                    .await?;
                let change = match alert.state {
                    AlertState::Firing => Some(Change::Fired),
                    AlertState::Resolved => Some(Change::Resolved),
                    AlertState::Acknowledged | AlertState::Silenced => None,
                };
                let transition = $crate::store::AlertTransition {
                    alert: Self::alert_by_id(&mut *transaction, id).await?,
                    change: change.unwrap_or(Change::Fired),
                    cause: cause.to_owned(),
                    started_flapping: false,
                    damped: false,
                };
                let mut events = Vec::new();
                if change.is_some() {
                    let plan = notices(&transition);
                    Self::apply_notice_plan(&mut transaction, &transition, plan, now, &mut events).await?;
                    Self::insert_event_rows(&mut transaction, &events, now).await?;
                }
                transaction.commit().await?;
                Ok(change.map(|_| transition))
            }

            async fn record_alert_change(
                transaction: &mut sqlx::Transaction<'_, $db>,
                alert_id: &str,
                change: $crate::core::alert::Change,
                cause: &str,
                event_id: Option<&str>,
                now: jiff::Timestamp,
            ) -> $crate::store::Result<()> {
                sqlx::query(
                    "INSERT INTO alert_changes (alert_id, at, change, cause, event_id) VALUES ($1, $2, $3, $4, $5)",
                )
                .bind(alert_id)
                .bind(now.as_millisecond())
                .bind(change.as_str())
                .bind(cause)
                .bind(event_id)
                .execute(&mut **transaction)
                .await?;
                Ok(())
            }

            /// A person's acknowledge or resolve. `None` when the alert is not in a state that
            /// allows it (already acknowledged, already resolved).
            pub async fn change_alert(
                &self,
                id: &str,
                change: $crate::core::alert::Change,
                cause: &str,
                silence: Option<&str>,
                now: jiff::Timestamp,
                notices: &$crate::store::Notices<'_>,
            ) -> $crate::store::Result<Option<$crate::store::AlertTransition>> {
                use $crate::core::alert::Change;
                let mut update = sqlx::QueryBuilder::<$db>::new("UPDATE alerts SET ");
                match change {
                    Change::Acknowledged => {
                        update
                            .push("state = 'acknowledged', acknowledged_at = ")
                            .push_bind(now.as_millisecond())
                            .push(", acknowledged_by = ")
                            .push_bind(cause.to_owned());
                    }
                    Change::Resolved => {
                        update
                            .push("state = 'resolved', silenced_by = NULL, resolved_at = ")
                            .push_bind(now.as_millisecond());
                    }
                    // Only a silence's end fires an alert between reports: the same cycle, now told.
                    Change::Fired => {
                        update.push("state = 'firing', silenced_by = NULL, announced = 1");
                    }
                    Change::Silenced => {
                        update
                            .push("state = 'silenced', silenced_by = ")
                            .push_bind(silence.map(str::to_owned));
                    }
                }
                let from = change
                    .allowed_from()
                    .iter()
                    .map(|state| format!("'{}'", state.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ");
                update
                    .push(" WHERE id = ")
                    .push_bind(id.to_owned())
                    .push(format!(" AND state IN ({from})"));
                let mut transaction = self.writer().begin().await?;
                let result = update.build().execute(&mut *transaction).await?;
                let alert = Self::alert_by_id(&mut *transaction, id).await?;
                if result.rows_affected() == 0 {
                    return Ok(None);
                }
                Self::record_alert_change(&mut transaction, id, change, cause, None, now).await?;
                let transition = $crate::store::AlertTransition {
                    alert,
                    change,
                    cause: cause.to_owned(),
                    started_flapping: false,
                    damped: false,
                };
                let mut events = Vec::new();
                let plan = notices(&transition);
                Self::apply_notice_plan(&mut transaction, &transition, plan, now, &mut events).await?;
                Self::insert_event_rows(&mut transaction, &events, now).await?;
                transaction.commit().await?;
                Ok(Some(transition))
            }

            pub async fn get_alert(&self, id: &str) -> $crate::store::Result<$crate::store::Alert> {
                Self::alert_by_id(self.reader(), id).await
            }

            /// One alert, read with `executor`: the reader, or the transaction that changed it.
            async fn alert_by_id<'e, E>(executor: E, id: &str) -> $crate::store::Result<$crate::store::Alert>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let row = sqlx::query(&format!(
                    "SELECT {} FROM alerts WHERE id = $1",
                    $crate::store::shared::ALERT_COLUMNS
                ))
                .bind(id)
                .fetch_optional(executor)
                .await?
                .ok_or($crate::store::StoreError::NotFound)?;
                Self::alert_from_row(&row)
            }

            pub async fn list_alerts(
                &self,
                filter: &$crate::store::AlertFilter,
            ) -> $crate::store::Result<Vec<$crate::store::Alert>> {
                let mut builder = sqlx::QueryBuilder::<$db>::new(format!(
                    "SELECT {} FROM alerts WHERE 1 = 1",
                    $crate::store::shared::ALERT_COLUMNS
                ));
                if let Some(state) = filter.state {
                    builder.push(" AND state = ").push_bind(state.as_str());
                }
                if filter.open {
                    builder.push(" AND state <> 'resolved'");
                }
                if let Some(service) = &filter.service {
                    builder.push(" AND service = ").push_bind(service.as_str());
                }
                if let Some(severity) = filter.severity {
                    builder.push(" AND severity = ").push_bind(severity.as_str());
                }
                if let Some(before) = filter.before {
                    builder.push(" AND seq < ").push_bind(before);
                }
                builder.push(" ORDER BY seq DESC LIMIT ").push_bind(filter.limit);
                let rows = builder.build().fetch_all(self.reader()).await?;
                rows.iter().map(Self::alert_from_row).collect()
            }

            pub async fn alert_changes(
                &self,
                alert_id: &str,
            ) -> $crate::store::Result<Vec<$crate::store::AlertChangeRecord>> {
                let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
                    "SELECT at, change, cause, event_id FROM alert_changes WHERE alert_id = $1 ORDER BY seq",
                )
                .bind(alert_id)
                .fetch_all(self.reader())
                .await?;
                Ok(rows
                    .into_iter()
                    .map(|(at, change, cause, event_id)| $crate::store::AlertChangeRecord {
                        at: $crate::clock::from_millis(at),
                        change,
                        cause,
                        event_id,
                    })
                    .collect())
            }
        }
    };
}

pub(super) use shared_store_impl;
