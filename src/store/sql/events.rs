//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

/// Rows per multi-row INSERT, well under SQLite's 32,766 bound parameters.
pub(super) const INSERT_CHUNK: usize = 500;

pub(super) const EVENT_INSERT: &str = "INSERT INTO events (id, integration, source, kind, status, ignored_reason, dedup_key, received_at, headers, body, normalized, repository) ";

pub(super) const JOB_INSERT: &str = "INSERT INTO jobs (kind, queue, destination, event_id, payload, state, attempts, run_at, expires_at, created_at, updated_at) ";

pub(super) const EVENT_COLUMNS: &str = "seq, id, integration, source, kind, status, ignored_reason, dedup_key, received_at, headers, body, normalized, repository, payload_pruned_at";

#[async_trait::async_trait]
impl crate::store::EventStore for SqlStore {
    async fn ping(&self) -> crate::store::Result<()> {
        sqlx::query("SELECT 1").execute(self.reader()).await?;
        Ok(())
    }

    async fn migrations_current(&self) -> crate::store::Result<bool> {
        let applied: i64 =
            sqlx::query_scalar("SELECT count(*) FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_one(self.reader())
                .await?;
        Ok(applied >= crate::store::migrations::MIGRATIONS.len() as i64)
    }

    async fn get_event(&self, id: &str) -> crate::store::Result<crate::store::StoredEvent> {
        let sql = format!("SELECT {} FROM events WHERE id = $1", EVENT_COLUMNS);
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(crate::store::StoreError::NotFound)?;
        Self::event_from_row(&row)
    }

    async fn event_origins(
        &self,
        ids: &[&str],
    ) -> crate::store::Result<std::collections::HashMap<String, crate::store::EventOrigin>> {
        if ids.is_empty() {
            return Ok(std::collections::HashMap::new());
        }
        let mut builder = sqlx::QueryBuilder::<Db>::new(
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
                (
                    id,
                    crate::store::EventOrigin {
                        integration,
                        source,
                    },
                )
            })
            .collect())
    }

    async fn list_events(
        &self,
        filter: &crate::store::EventFilter,
    ) -> crate::store::Result<Vec<crate::store::StoredEvent>> {
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM events WHERE 1 = 1",
            EVENT_COLUMNS
        ));
        for (column, value) in [
            ("integration", &filter.integration),
            ("source", &filter.source),
            ("kind", &filter.kind),
            ("status", &filter.status),
            ("repository", &filter.repository),
        ] {
            if let Some(value) = value {
                builder
                    .push(format!(" AND {column} = "))
                    .push_bind(value.as_str());
            }
        }
        if let Some(before) = filter.before {
            builder.push(" AND seq < ").push_bind(before);
        }
        builder
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(filter.limit);
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(Self::event_from_row).collect()
    }

    async fn count_events(&self) -> crate::store::Result<i64> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(self.reader())
            .await?)
    }

    async fn event_counts(
        &self,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::EventCount>> {
        let rows: Vec<(i64, String, i64)> = sqlx::query_as(
            "SELECT bucket, source, count FROM event_counts WHERE bucket >= $1 ORDER BY bucket, source",
        )
        .bind(since.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(|(bucket, source, count)| crate::store::EventCount {
                bucket: crate::clock::from_millis(bucket),
                source,
                count,
            })
            .collect())
    }
}

impl SqlStore {
    /// Binds one event row, in the column order of `EVENT_INSERT`.
    pub(super) fn push_event_row<'a>(
        mut row: sqlx::query_builder::Separated<'_, 'a, Db, &'static str>,
        event: &'a crate::store::NewEvent,
        dedup_key: &'a str,
    ) {
        use crate::store::clean_text;
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
            .push_bind(
                event
                    .repository
                    .as_deref()
                    .map(|r| clean_text(r).into_owned()),
            );
    }

    /// Binds one delivery job row, in the column order of `JOB_INSERT`.
    pub(super) fn push_job_row<'a>(
        mut row: sqlx::query_builder::Separated<'_, 'a, Db, &'static str>,
        event: &'a crate::store::NewEvent,
        target: &'a crate::core::routing::Target,
        now: jiff::Timestamp,
    ) {
        let now_ms = now.as_millisecond();
        row.push_bind(crate::store::JobKind::Deliver.as_str())
            .push_bind(format!("destination:{}", target.destination))
            .push_bind(target.destination.as_str())
            .push_bind(event.id.as_str())
            .push_bind(crate::store::delivery_payload(target))
            .push_bind("pending")
            .push_bind(0_i32)
            .push_bind(now_ms)
            .push_bind(event.expires_at.as_millisecond())
            .push_bind(now_ms)
            .push_bind(now_ms);
    }

    /// Binds one `alert` job row (the event's signals, applied in order), in the column
    /// order of `JOB_INSERT`.
    pub(super) fn push_alert_job_row<'a>(
        mut row: sqlx::query_builder::Separated<'_, 'a, Db, &'static str>,
        event: &'a crate::store::NewEvent,
        job: &'a crate::store::EventJob,
        now: jiff::Timestamp,
    ) {
        let now_ms = now.as_millisecond();
        row.push_bind(job.kind.as_str())
            .push_bind(job.queue.as_str())
            .push_bind(None::<String>)
            .push_bind(event.id.as_str())
            .push_bind(job.payload.as_str())
            .push_bind("pending")
            .push_bind(0_i32)
            .push_bind(now_ms)
            .push_bind(event.expires_at.as_millisecond())
            .push_bind(now_ms)
            .push_bind(now_ms);
    }

    /// The stored ids of keys that were already taken (redeliveries).
    pub(super) async fn original_ids(
        connection: &mut <Db as sqlx::Database>::Connection,
        wanted: Vec<(String, String)>,
    ) -> crate::store::Result<std::collections::HashMap<(String, String), String>> {
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

    /// The rows of `insert_events_in_transaction`, in a transaction the caller commits.
    pub(super) async fn insert_event_rows(
        transaction: &mut sqlx::Transaction<'_, Db>,
        events: &[crate::store::NewEvent],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::Accepted>> {
        use {EVENT_INSERT, INSERT_CHUNK, JOB_INSERT};

        // A change that tells nobody costs no round trip.
        if events.is_empty() {
            return Ok(Vec::new());
        }

        let plan = crate::store::DedupPlan::new(events);
        let mut inserted = std::collections::HashSet::with_capacity(plan.unique.len());
        for chunk in plan.unique.chunks(INSERT_CHUNK) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(EVENT_INSERT);
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
            let mut builder = sqlx::QueryBuilder::<Db>::new(JOB_INSERT);
            builder.push_values(chunk, |row, &(index, destination)| {
                Self::push_job_row(row, &events[index], destination, now)
            });
            builder.build().execute(&mut **transaction).await?;
        }
        let alert_jobs: Vec<(&crate::store::NewEvent, &crate::store::EventJob)> = events
            .iter()
            .filter(|event| inserted.contains(&event.id))
            .flat_map(|event| event.jobs.iter().map(move |job| (event, job)))
            .collect();
        for chunk in alert_jobs.chunks(INSERT_CHUNK) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(JOB_INSERT);
            builder.push_values(chunk, |row, (event, job)| {
                Self::push_alert_job_row(row, event, job, now)
            });
            builder.build().execute(&mut **transaction).await?;
        }
        let counts =
            crate::store::event_counts(events.iter().filter(|event| inserted.contains(&event.id)));
        if !counts.is_empty() {
            let mut builder =
                sqlx::QueryBuilder::<Db>::new("INSERT INTO event_counts (bucket, source, count) ");
            builder.push_values(&counts, |mut row, ((bucket, source), count)| {
                row.push_bind(*bucket)
                    .push_bind(source.as_str())
                    .push_bind(*count);
            });
            builder.push(" ON CONFLICT (bucket, source) DO UPDATE SET count = event_counts.count + excluded.count");
            builder.build().execute(&mut **transaction).await?;
        }
        Ok(results)
    }

    pub(super) fn event_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::StoredEvent> {
        use sqlx::Row as _;
        Ok(crate::store::StoredEvent {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            integration: row.try_get("integration")?,
            source: row.try_get("source")?,
            kind: row.try_get("kind")?,
            status: crate::store::EventStatus::parse(row.try_get("status")?),
            ignored_reason: row.try_get("ignored_reason")?,
            dedup_key: row.try_get("dedup_key")?,
            received_at: crate::clock::from_millis(row.try_get("received_at")?),
            headers: row.try_get("headers")?,
            body: row.try_get("body")?,
            normalized: row
                .try_get::<Option<String>, _>("normalized")?
                .and_then(|text| serde_json::from_str(&text).ok()),
            repository: row.try_get("repository")?,
            payload_pruned_at: row
                .try_get::<Option<i64>, _>("payload_pruned_at")?
                .map(crate::clock::from_millis),
        })
    }
}
