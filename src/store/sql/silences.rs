//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, SqlStore};

pub(super) const SILENCE_COLUMNS: &str =
    "seq, id, kind, service, matchers, schedule, created_by, comment, created_at, expired_at";

#[async_trait::async_trait]
impl crate::store::alerts::SilenceStore for SqlStore {
    async fn create_silence(
        &self,
        silence: &crate::store::alerts::NewSilence,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::alerts::Silence>,
    ) -> crate::store::Result<crate::store::alerts::Silence> {
        let mut transaction = self.writer().begin().await?;
        use crate::store::clean_text;
        let id = crate::store::new_id(now);
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
        .execute(&mut *transaction)
        .await?;
        let created = Self::silence_by_id(&mut *transaction, &id).await?;
        super::audit::append(&mut transaction, &audit(&created), now).await?;
        transaction.commit().await?;
        Ok(created)
    }

    async fn list_silences(&self) -> crate::store::Result<Vec<crate::store::alerts::Silence>> {
        let rows = sqlx::query(&format!(
            "SELECT {} FROM silences ORDER BY seq DESC",
            SILENCE_COLUMNS
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(Self::silence_from_row).collect()
    }

    async fn get_silence(&self, id: &str) -> crate::store::Result<crate::store::alerts::Silence> {
        Self::silence_by_id(self.reader(), id).await
    }

    async fn expire_silence(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::alerts::Silence>,
    ) -> crate::store::Result<Option<crate::store::alerts::Silence>> {
        let mut transaction = self.writer().begin().await?;
        let result =
            sqlx::query("UPDATE silences SET expired_at = $1 WHERE id = $2 AND expired_at IS NULL")
                .bind(now.as_millisecond())
                .bind(id)
                .execute(&mut *transaction)
                .await?;
        let silence = Self::silence_by_id(&mut *transaction, id).await?;
        if result.rows_affected() == 0 {
            return Ok(None);
        }
        super::audit::append(&mut transaction, &audit(&silence), now).await?;
        transaction.commit().await?;
        Ok(Some(silence))
    }
}

impl SqlStore {
    pub(super) fn silence_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::alerts::Silence> {
        use sqlx::Row as _;
        let kind: String = row.try_get("kind")?;
        let matchers: String = row.try_get("matchers")?;
        let schedule: String = row.try_get("schedule")?;
        let corrupt = |what: &str, error: serde_json::Error| {
            crate::store::StoreError::Corrupt(format!("silence {what}: {error}"))
        };
        Ok(crate::store::alerts::Silence {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            kind: if kind == "maintenance" {
                crate::store::alerts::SilenceKind::Maintenance
            } else {
                crate::store::alerts::SilenceKind::Silence
            },
            service: row.try_get("service")?,
            matchers: serde_json::from_str(&matchers).map_err(|e| corrupt("matchers", e))?,
            schedule: serde_json::from_str(&schedule).map_err(|e| corrupt("schedule", e))?,
            created_by: row.try_get("created_by")?,
            comment: row.try_get("comment")?,
            created_at: crate::clock::from_millis(row.try_get("created_at")?),
            expired_at: row
                .try_get::<Option<i64>, _>("expired_at")?
                .map(crate::clock::from_millis),
        })
    }

    pub(super) async fn silence_by_id<'e, E>(
        executor: E,
        id: &str,
    ) -> crate::store::Result<crate::store::alerts::Silence>
    where
        E: sqlx::Executor<'e, Database = Db>,
    {
        let row = sqlx::query(&format!(
            "SELECT {} FROM silences WHERE id = $1",
            SILENCE_COLUMNS
        ))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Self::silence_from_row(&row)
    }
}
