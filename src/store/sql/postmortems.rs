//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Db, ROW_LOCK, SqlStore};
use crate::clock::from_millis;
use crate::core::incident::Priority;
use crate::store::StoreError;
use crate::store::postmortems::{
    ActionItem, EditConflict, ItemFilter, ItemKind, ItemStatus, ListedPostmortem, Postmortem,
    PostmortemState,
};

const POSTMORTEM_COLUMNS: &str = "p.incident_id, p.state, p.markdown, p.version, p.created_at, p.updated_at, p.updated_by, p.published_at";

const ITEM_COLUMNS: &str = "id, incident_id, title, owner, due, overdue_at, priority, kind, status, created_by, created_at, updated_at, done_at, issue_url, issue_error";

fn postmortem_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Postmortem> {
    Ok(Postmortem {
        incident_id: row.try_get("incident_id")?,
        state: PostmortemState::parse(&row.try_get::<String, _>("state")?)
            .unwrap_or(PostmortemState::Draft),
        markdown: row.try_get("markdown")?,
        version: row.try_get("version")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
        updated_by: row.try_get("updated_by")?,
        published_at: row
            .try_get::<Option<i64>, _>("published_at")?
            .map(from_millis),
    })
}

fn item_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<ActionItem> {
    Ok(ActionItem {
        id: row.try_get("id")?,
        incident_id: row.try_get("incident_id")?,
        title: row.try_get("title")?,
        owner: row.try_get("owner")?,
        due: row.try_get("due")?,
        overdue_at: from_millis(row.try_get("overdue_at")?),
        priority: Priority::parse(&row.try_get::<String, _>("priority")?).unwrap_or(Priority::P3),
        kind: ItemKind::parse(&row.try_get::<String, _>("kind")?).unwrap_or(ItemKind::Prevent),
        status: ItemStatus::parse(&row.try_get::<String, _>("status")?)
            .unwrap_or(ItemStatus::Outstanding),
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
        done_at: row.try_get::<Option<i64>, _>("done_at")?.map(from_millis),
        issue_url: row.try_get("issue_url")?,
        issue_error: row.try_get("issue_error")?,
    })
}

impl SqlStore {
    async fn fetch_postmortem(
        connection: &mut <Db as sqlx::Database>::Connection,
        incident_id: &str,
        lock: &str,
    ) -> crate::store::Result<Postmortem> {
        let row = sqlx::query(&format!(
            "SELECT {POSTMORTEM_COLUMNS} FROM postmortems p WHERE p.incident_id = $1{lock}"
        ))
        .bind(incident_id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or(StoreError::NotFound)?;
        postmortem_row(&row)
    }
}

#[async_trait::async_trait]
impl crate::store::postmortems::PostmortemStore for SqlStore {
    async fn create_postmortem(
        &self,
        incident_id: &str,
        markdown: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Postmortem> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO postmortems (incident_id, state, markdown, version, created_at, updated_at, updated_by) \
             VALUES ($1, 'draft', $2, 1, $3, $3, $4) ON CONFLICT (incident_id) DO NOTHING",
        )
        .bind(incident_id)
        .bind(markdown)
        .bind(now.as_millisecond())
        .bind(by)
        .execute(&mut *transaction)
        .await?;
        let stored = Self::fetch_postmortem(&mut transaction, incident_id, "").await?;
        transaction.commit().await?;
        Ok(stored)
    }

    async fn get_postmortem(&self, incident_id: &str) -> crate::store::Result<Postmortem> {
        let mut connection = self.reader().acquire().await?;
        Self::fetch_postmortem(&mut connection, incident_id, "").await
    }

    async fn save_postmortem(
        &self,
        incident_id: &str,
        markdown: &str,
        base_version: Option<i64>,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Result<Postmortem, EditConflict>> {
        let mut transaction = self.writer().begin().await?;
        let current = Self::fetch_postmortem(&mut transaction, incident_id, ROW_LOCK).await?;
        if base_version.is_some_and(|base| base != current.version) {
            return Ok(Err(EditConflict { current }));
        }
        sqlx::query(
            "UPDATE postmortems SET markdown = $1, version = version + 1, updated_at = $2, updated_by = $3 WHERE incident_id = $4",
        )
        .bind(markdown)
        .bind(now.as_millisecond())
        .bind(by)
        .bind(incident_id)
        .execute(&mut *transaction)
        .await?;
        let stored = Self::fetch_postmortem(&mut transaction, incident_id, "").await?;
        transaction.commit().await?;
        Ok(Ok(stored))
    }

    async fn set_postmortem_state(
        &self,
        incident_id: &str,
        state: PostmortemState,
        by: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Postmortem> {
        let mut transaction = self.writer().begin().await?;
        let changed = sqlx::query(
            "UPDATE postmortems SET state = $1, updated_at = $2, updated_by = $3, \
             published_at = CASE WHEN $1 = 'published' THEN COALESCE(published_at, $2) ELSE published_at END \
             WHERE incident_id = $4",
        )
        .bind(state.as_str())
        .bind(now.as_millisecond())
        .bind(by)
        .bind(incident_id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        let stored = Self::fetch_postmortem(&mut transaction, incident_id, "").await?;
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(stored)
    }

    async fn list_postmortems(
        &self,
        state: Option<PostmortemState>,
        query: Option<&str>,
        limit: i64,
    ) -> crate::store::Result<Vec<ListedPostmortem>> {
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {POSTMORTEM_COLUMNS}, i.seq AS incident_number, i.title AS incident_title \
             FROM postmortems p JOIN incidents i ON i.id = p.incident_id WHERE 1 = 1"
        ));
        if let Some(state) = state {
            builder.push(" AND p.state = ").push_bind(state.as_str());
        }
        if let Some(query) = query.map(str::trim).filter(|q| !q.is_empty()) {
            // LIKE's own wildcards in the query are matched as themselves.
            let pattern = format!(
                "%{}%",
                query
                    .to_lowercase()
                    .replace('\\', "\\\\")
                    .replace('%', "\\%")
                    .replace('_', "\\_")
            );
            builder
                .push(" AND (LOWER(p.markdown) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(i.title) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\')");
        }
        builder
            .push(" ORDER BY p.updated_at DESC LIMIT ")
            .push_bind(limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter()
            .map(|row| {
                Ok(ListedPostmortem {
                    postmortem: postmortem_row(row)?,
                    incident_number: row.try_get("incident_number")?,
                    incident_title: row.try_get("incident_title")?,
                })
            })
            .collect()
    }

    async fn create_action_item(
        &self,
        item: &ActionItem,
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(&format!(
            "INSERT INTO action_items ({ITEM_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)"
        ))
        .bind(&item.id)
        .bind(&item.incident_id)
        .bind(&item.title)
        .bind(&item.owner)
        .bind(&item.due)
        .bind(item.overdue_at.as_millisecond())
        .bind(item.priority.as_str())
        .bind(item.kind.as_str())
        .bind(item.status.as_str())
        .bind(&item.created_by)
        .bind(item.created_at.as_millisecond())
        .bind(item.updated_at.as_millisecond())
        .bind(item.done_at.map(|at| at.as_millisecond()))
        .bind(&item.issue_url)
        .bind(&item.issue_error)
        .execute(&mut *transaction)
        .await?;
        Self::insert_timers(&mut transaction, timers, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn get_action_item(&self, id: &str) -> crate::store::Result<ActionItem> {
        let row = sqlx::query(&format!(
            "SELECT {ITEM_COLUMNS} FROM action_items WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
        item_row(&row)
    }

    async fn list_action_items(
        &self,
        filter: &ItemFilter,
    ) -> crate::store::Result<Vec<ActionItem>> {
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {ITEM_COLUMNS} FROM action_items WHERE 1 = 1"
        ));
        if let Some(incident) = &filter.incident {
            builder
                .push(" AND incident_id = ")
                .push_bind(incident.clone());
        }
        if let Some(owner) = &filter.owner {
            builder.push(" AND owner = ").push_bind(owner.clone());
        }
        if filter.outstanding || filter.overdue_at.is_some() {
            builder.push(" AND status = 'outstanding'");
        }
        if let Some(at) = filter.overdue_at {
            builder
                .push(" AND overdue_at <= ")
                .push_bind(at.as_millisecond());
        }
        builder
            .push(" ORDER BY seq LIMIT ")
            .push_bind(filter.limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(item_row).collect()
    }

    async fn set_action_item_status(
        &self,
        id: &str,
        status: ItemStatus,
        now: jiff::Timestamp,
    ) -> crate::store::Result<ActionItem> {
        let changed = sqlx::query(
            "UPDATE action_items SET status = $1, updated_at = $2, \
             done_at = CASE WHEN $1 = 'outstanding' THEN NULL ELSE COALESCE(done_at, $2) END WHERE id = $3",
        )
        .bind(status.as_str())
        .bind(now.as_millisecond())
        .bind(id)
        .execute(self.writer())
        .await?
        .rows_affected();
        if changed == 0 {
            return Err(StoreError::NotFound);
        }
        self.get_action_item(id).await
    }

    async fn set_action_item_issue(
        &self,
        id: &str,
        url: Option<&str>,
        error: Option<&str>,
    ) -> crate::store::Result<()> {
        sqlx::query("UPDATE action_items SET issue_url = COALESCE($1, issue_url), issue_error = $2 WHERE id = $3")
            .bind(url)
            .bind(error)
            .bind(id)
            .execute(self.writer())
            .await?;
        Ok(())
    }
}
