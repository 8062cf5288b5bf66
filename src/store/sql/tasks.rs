//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

pub(super) const TASK_COLUMNS: &str =
    "seq, id, alert_id, rule, service, team, reason, detail, opened_at, closed_at, closed_by";

#[async_trait::async_trait]
impl crate::store::alerts::TaskStore for SqlStore {
    async fn open_task(
        &self,
        task: &crate::store::alerts::Task,
        notice: Option<crate::store::NewEvent>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::alerts::Task>> {
        let mut transaction = self.writer().begin().await?;
        // "Unacknowledged" holds only while the alert fires and no acknowledged open incident
        // holds it, checked in the transaction that opens the task: a resolve or an
        // acknowledgement committed since the check read the alert wins.
        let inserted = sqlx::query(
            "INSERT INTO alert_tasks (id, alert_id, rule, service, team, reason, detail, opened_at) \
             SELECT $1, $2, $3, $4, $5, $6, $7, $8 WHERE $6 <> 'unacknowledged' OR ( \
               EXISTS (SELECT 1 FROM alerts WHERE id = $2 AND state = 'firing') \
               AND NOT EXISTS (SELECT 1 FROM incident_alerts ia JOIN incidents i ON i.id = ia.incident_id \
                 WHERE ia.alert_id = $2 AND i.acknowledged_at IS NOT NULL \
                 AND i.state IN ('triage', 'active', 'mitigated'))) \
             ON CONFLICT DO NOTHING",
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
        let events: Vec<crate::store::NewEvent> = notice.into_iter().collect();
        Self::insert_event_rows(&mut transaction, &events, now).await?;
        let task = Self::task_by_id(&mut *transaction, &task.id).await?;
        transaction.commit().await?;
        Ok(Some(task))
    }

    async fn list_tasks(
        &self,
        open: bool,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::alerts::Task>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM alert_tasks {} ORDER BY seq DESC LIMIT $1",
            TASK_COLUMNS,
            if open { "WHERE closed_at IS NULL" } else { "" }
        ))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Self::task_from_row).collect()
    }

    async fn close_task(
        &self,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::alerts::Task>> {
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
}

impl SqlStore {
    pub(super) async fn task_by_id<'e, E>(
        executor: E,
        id: &str,
    ) -> crate::store::Result<crate::store::alerts::Task>
    where
        E: sqlx::Executor<'e, Database = Db>,
    {
        let row = sqlx::query(&format!(
            "SELECT {} FROM alert_tasks WHERE id = $1",
            TASK_COLUMNS
        ))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Self::task_from_row(&row)
    }

    pub(super) fn task_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::alerts::Task> {
        use sqlx::Row as _;
        Ok(crate::store::alerts::Task {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            alert_id: row.try_get("alert_id")?,
            rule: row.try_get("rule")?,
            service: row.try_get("service")?,
            team: row.try_get("team")?,
            reason: row.try_get("reason")?,
            detail: row.try_get("detail")?,
            opened_at: crate::clock::from_millis(row.try_get("opened_at")?),
            closed_at: row
                .try_get::<Option<i64>, _>("closed_at")?
                .map(crate::clock::from_millis),
            closed_by: row.try_get("closed_by")?,
        })
    }
}
