//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

pub(super) const NOTIFICATION_COLUMNS: &str = "seq, destination, event_id, state, attempts, created_at, updated_at, run_at, finished_at, last_status, last_error, chat_message";

#[async_trait::async_trait]
impl crate::store::NotificationStore for SqlStore {
    async fn list_notifications(
        &self,
        filter: &crate::store::NotificationFilter,
    ) -> crate::store::Result<Vec<crate::store::Notification>> {
        use crate::store::NotificationState;
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM jobs WHERE kind = 'deliver'",
            NOTIFICATION_COLUMNS
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
            builder
                .push(" AND destination = ")
                .push_bind(destination.as_str());
        }
        if let Some(event_id) = &filter.event_id {
            builder
                .push(" AND event_id = ")
                .push_bind(event_id.as_str());
        }
        if let Some(before) = filter.before {
            builder.push(" AND seq < ").push_bind(before);
        }
        builder
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(filter.limit);
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(Self::notification_from_row).collect()
    }

    async fn get_notification(&self, id: i64) -> crate::store::Result<crate::store::Notification> {
        let sql = format!(
            "SELECT {} FROM jobs WHERE kind = 'deliver' AND seq = $1",
            NOTIFICATION_COLUMNS
        );
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(crate::store::StoreError::NotFound)?;
        Self::notification_from_row(&row)
    }

    async fn chat_message_about(
        &self,
        destination: &str,
        subject: &str,
    ) -> crate::store::Result<Option<String>> {
        let posted = sqlx::query_scalar(
            "SELECT message FROM chat_posts WHERE destination = $1 AND subject = $2",
        )
        .bind(destination)
        .bind(subject)
        .fetch_optional(self.reader())
        .await?;
        Ok(posted)
    }

    async fn redrive(
        &self,
        id: Option<i64>,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::store::Result<u64> {
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

    async fn destination_health(
        &self,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::DestinationHealth>> {
        use crate::store::DestinationHealth;
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
            let entry = health
                .entry(destination.clone())
                .or_insert_with(|| DestinationHealth::new(destination));
            entry.last_success_at = success.map(crate::clock::from_millis);
            entry.last_failure_at = failure.map(crate::clock::from_millis);
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
            let entry = health
                .entry(destination.clone())
                .or_insert_with(|| DestinationHealth::new(destination));
            entry.pending = pending;
            entry.retrying = retrying;
            entry.dead = dead;
        }
        Ok(health.into_values().collect())
    }

    async fn delivery_latency(
        &self,
        since: jiff::Timestamp,
        bucket_ms: i64,
    ) -> crate::store::Result<Vec<crate::store::LatencyBucket>> {
        use crate::core::stats::LATENCY_BOUNDS_MS;
        use sqlx::Row as _;
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
                Ok(crate::store::LatencyBucket {
                    start: crate::clock::from_millis(row.try_get("bucket")?),
                    count: row.try_get("total")?,
                    cumulative,
                })
            })
            .collect()
    }

    async fn prune(
        &self,
        now: jiff::Timestamp,
        attempts_before: jiff::Timestamp,
    ) -> crate::store::Result<u64> {
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
}

impl SqlStore {
    pub(super) fn notification_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::Notification> {
        use sqlx::Row as _;
        let state: String = row.try_get("state")?;
        let attempts: i32 = row.try_get("attempts")?;
        let run_at: i64 = row.try_get("run_at")?;
        Ok(crate::store::Notification {
            id: row.try_get("seq")?,
            destination: row.try_get("destination")?,
            event_id: row.try_get("event_id")?,
            state: crate::store::notification_state(&state, attempts),
            attempts,
            created_at: crate::clock::from_millis(row.try_get("created_at")?),
            updated_at: crate::clock::from_millis(row.try_get("updated_at")?),
            next_attempt_at: (state == "pending").then(|| crate::clock::from_millis(run_at)),
            finished_at: row
                .try_get::<Option<i64>, _>("finished_at")?
                .map(crate::clock::from_millis),
            last_status: row.try_get("last_status")?,
            last_error: row.try_get("last_error")?,
            chat_message: row.try_get("chat_message")?,
        })
    }
}
