//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Db, ROW_LOCK, SqlStore};
use crate::clock::from_millis;
use crate::store::StoreError;
use crate::store::changes::{Announcement, ChangeFilter, ChangeState, Decide, Risk};

const COLUMNS: &str = "id, summary, service, environment, risk, rollback, needs_approval, state, announced_by, announcer_user, created_at, expires_at, decided_at, decided_by, reason, external";

fn row_to(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Announcement> {
    let time = |column: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    Ok(Announcement {
        id: row.try_get("id")?,
        summary: row.try_get("summary")?,
        service: row.try_get("service")?,
        environment: row.try_get("environment")?,
        risk: Risk::parse(&row.try_get::<String, _>("risk")?).unwrap_or(Risk::High),
        rollback: row.try_get("rollback")?,
        needs_approval: row.try_get::<i64, _>("needs_approval")? != 0,
        state: ChangeState::parse(&row.try_get::<String, _>("state")?)
            .unwrap_or(ChangeState::Announced),
        announced_by: row.try_get("announced_by")?,
        announcer_user: row.try_get("announcer_user")?,
        created_at: from_millis(row.try_get("created_at")?),
        expires_at: time("expires_at")?,
        decided_at: time("decided_at")?,
        decided_by: row.try_get("decided_by")?,
        reason: row.try_get("reason")?,
        external: row.try_get("external")?,
    })
}

impl SqlStore {
    async fn fetch_announcement(
        connection: &mut <Db as sqlx::Database>::Connection,
        id: &str,
        lock: &str,
    ) -> crate::store::Result<Announcement> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM announcements WHERE id = $1{lock}"
        ))
        .bind(id)
        .fetch_optional(&mut *connection)
        .await?
        .ok_or(StoreError::NotFound)?;
        row_to(&row)
    }
}

#[async_trait::async_trait]
impl crate::store::changes::ChangeStore for SqlStore {
    async fn create_announcement(
        &self,
        a: &Announcement,
        events: &[crate::store::NewEvent],
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        sqlx::query(&format!(
            "INSERT INTO announcements ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
        ))
        .bind(&a.id)
        .bind(&a.summary)
        .bind(&a.service)
        .bind(&a.environment)
        .bind(a.risk.as_str())
        .bind(&a.rollback)
        .bind(i64::from(a.needs_approval))
        .bind(a.state.as_str())
        .bind(&a.announced_by)
        .bind(&a.announcer_user)
        .bind(a.created_at.as_millisecond())
        .bind(a.expires_at.map(|at| at.as_millisecond()))
        .bind(a.decided_at.map(|at| at.as_millisecond()))
        .bind(&a.decided_by)
        .bind(&a.reason)
        .bind(&a.external)
        .execute(&mut *transaction)
        .await?;
        Self::insert_event_rows(&mut transaction, events, now).await?;
        Self::insert_timers(&mut transaction, timers, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn get_announcement(&self, id: &str) -> crate::store::Result<Announcement> {
        let mut connection = self.reader().acquire().await?;
        Self::fetch_announcement(&mut connection, id, "").await
    }

    async fn list_announcements(
        &self,
        filter: &ChangeFilter,
    ) -> crate::store::Result<Vec<Announcement>> {
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {COLUMNS} FROM announcements WHERE 1 = 1"
        ));
        if let Some(state) = filter.state {
            builder.push(" AND state = ").push_bind(state.as_str());
        }
        if !filter.services.is_empty() {
            builder.push(" AND service IN (");
            let mut separated = builder.separated(", ");
            for service in &filter.services {
                separated.push_bind(service.clone());
            }
            builder.push(")");
        }
        if let Some(from) = filter.from {
            builder
                .push(" AND created_at >= ")
                .push_bind(from.as_millisecond());
        }
        if let Some(to) = filter.to {
            builder
                .push(" AND created_at <= ")
                .push_bind(to.as_millisecond());
        }
        builder
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(filter.limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(row_to).collect()
    }

    async fn decide_announcement(
        &self,
        id: &str,
        decide: &Decide<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Result<Announcement, crate::store::changes::Refusal>> {
        let mut transaction = self.writer().begin().await?;
        let current = Self::fetch_announcement(&mut transaction, id, ROW_LOCK).await?;
        let (after, events, audit) = match decide(&current) {
            Ok(decided) => decided,
            Err(refusal) => return Ok(Err(refusal)),
        };
        sqlx::query(
            "UPDATE announcements SET state = $1, decided_at = $2, decided_by = $3, reason = $4 WHERE id = $5",
        )
        .bind(after.state.as_str())
        .bind(after.decided_at.map(|at| at.as_millisecond()))
        .bind(&after.decided_by)
        .bind(&after.reason)
        .bind(id)
        .execute(&mut *transaction)
        .await?;
        Self::insert_event_rows(&mut transaction, &events, now).await?;
        super::audit::append(&mut transaction, &audit, now).await?;
        // A change that stands for something outside (a Terraform run) has its decision
        // carried out there, once.
        if current.external.is_some() && after.state != current.state {
            let timer = crate::store::Timer::change_decided(id, now);
            Self::insert_timers(&mut transaction, &[timer], now).await?;
        }
        let stored = Self::fetch_announcement(&mut transaction, id, "").await?;
        transaction.commit().await?;
        Ok(Ok(stored))
    }
}
