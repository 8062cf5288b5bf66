//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore` and `Db`
//! come from the including module.

use sqlx::Row as _;

use super::{Db, SqlStore};
use crate::clock::from_millis;
use crate::core::status::ComponentStatus;
use crate::store::statuspage::{
    StatusOverride, SubscribeRequest, Subscriber, SubscriberCounts, SubscriberKind, SubscriberState,
};

const SUBSCRIBER: &str = "id, kind, address, components, pending_components, token, state, \
                          created_at, confirmed_at";

fn subscriber_from(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Subscriber> {
    let kind: String = row.try_get("kind")?;
    let state: String = row.try_get("state")?;
    let pending: Option<String> = row.try_get("pending_components")?;
    Ok(Subscriber {
        id: row.try_get("id")?,
        kind: SubscriberKind::parse(&kind).unwrap_or(SubscriberKind::Email),
        address: row.try_get("address")?,
        components: serde_json::from_str(&row.try_get::<String, _>("components")?)
            .unwrap_or_default(),
        pending_components: pending.and_then(|p| serde_json::from_str(&p).ok()),
        token: row.try_get("token")?,
        // An unknown state sends nothing.
        state: SubscriberState::parse(&state).unwrap_or(SubscriberState::Unsubscribed),
        created_at: from_millis(row.try_get("created_at")?),
        confirmed_at: row
            .try_get::<Option<i64>, _>("confirmed_at")?
            .map(from_millis),
    })
}

#[async_trait::async_trait]
impl crate::store::statuspage::StatusPageStore for SqlStore {
    async fn status_overrides(&self) -> crate::store::Result<Vec<StatusOverride>> {
        let rows = sqlx::query(
            "SELECT component, status, note, set_by, set_at FROM status_overrides ORDER BY component",
        )
        .fetch_all(self.reader())
        .await?;
        let mut overrides = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(status) = ComponentStatus::parse(&row.try_get::<String, _>("status")?) else {
                continue;
            };
            overrides.push(StatusOverride {
                component: row.try_get("component")?,
                status,
                note: row.try_get("note")?,
                set_by: row.try_get("set_by")?,
                set_at: from_millis(row.try_get("set_at")?),
            });
        }
        Ok(overrides)
    }

    async fn set_status_override(
        &self,
        component: &str,
        set: Option<&StatusOverride>,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        match set {
            None => {
                sqlx::query("DELETE FROM status_overrides WHERE component = $1")
                    .bind(component)
                    .execute(&mut *transaction)
                    .await?;
            }
            Some(set) => {
                sqlx::query(
                    "INSERT INTO status_overrides (component, status, note, set_by, set_at) VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (component) DO UPDATE SET status = excluded.status, note = excluded.note, \
                     set_by = excluded.set_by, set_at = excluded.set_at",
                )
                .bind(component)
                .bind(set.status.as_str())
                .bind(&set.note)
                .bind(&set.set_by)
                .bind(set.set_at.as_millisecond())
                .execute(&mut *transaction)
                .await?;
            }
        }
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::store::statuspage::SubscriberStore for SqlStore {
    async fn request_subscription(
        &self,
        request: &SubscribeRequest,
        confirm: &(dyn for<'s> Fn(&'s str) -> crate::store::Timer + Send + Sync),
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let components = serde_json::to_string(&request.components).unwrap_or_else(|_| "[]".into());
        let mut transaction = self.writer().begin().await?;
        // Every SET reads the row as it was, so each case sees the old state.
        let id: String = sqlx::query_scalar(
            "INSERT INTO status_subscribers (id, kind, address, components, pending_components, token, state, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, NULL, $5, 'pending', $6, $6) \
             ON CONFLICT (kind, address) DO UPDATE SET \
               components = CASE WHEN status_subscribers.state = 'confirmed' THEN status_subscribers.components ELSE excluded.components END, \
               pending_components = CASE WHEN status_subscribers.state = 'confirmed' THEN excluded.components ELSE NULL END, \
               token = CASE WHEN status_subscribers.state = 'unsubscribed' THEN excluded.token ELSE status_subscribers.token END, \
               state = CASE WHEN status_subscribers.state = 'confirmed' THEN 'confirmed' ELSE 'pending' END, \
               unsubscribed_at = NULL, \
               updated_at = excluded.updated_at \
             RETURNING id",
        )
        .bind(crate::store::new_id(now))
        .bind(request.kind.as_str())
        .bind(&request.address)
        .bind(&components)
        .bind(&request.token)
        .bind(now.as_millisecond())
        .fetch_one(&mut *transaction)
        .await?;
        Self::insert_timers(&mut transaction, &[confirm(&id)], now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn confirm_subscription(
        &self,
        token: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<Subscriber>> {
        let row = sqlx::query(&format!(
            "UPDATE status_subscribers SET state = 'confirmed', \
               components = COALESCE(pending_components, components), pending_components = NULL, \
               confirmed_at = COALESCE(confirmed_at, $2), updated_at = $2 \
             WHERE token = $1 AND state IN ('pending', 'confirmed') RETURNING {SUBSCRIBER}"
        ))
        .bind(token)
        .bind(now.as_millisecond())
        .fetch_optional(self.writer())
        .await?;
        row.as_ref().map(subscriber_from).transpose()
    }

    async fn unsubscribe(
        &self,
        token: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<Subscriber>> {
        let row = sqlx::query(&format!(
            "UPDATE status_subscribers SET state = 'unsubscribed', pending_components = NULL, \
               unsubscribed_at = COALESCE(unsubscribed_at, $2), updated_at = $2 \
             WHERE token = $1 RETURNING {SUBSCRIBER}"
        ))
        .bind(token)
        .bind(now.as_millisecond())
        .fetch_optional(self.writer())
        .await?;
        row.as_ref().map(subscriber_from).transpose()
    }

    async fn subscriber(&self, id: &str) -> crate::store::Result<Subscriber> {
        let row = sqlx::query(&format!(
            "SELECT {SUBSCRIBER} FROM status_subscribers WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        subscriber_from(&row)
    }

    async fn confirmed_subscribers(&self) -> crate::store::Result<Vec<Subscriber>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUBSCRIBER} FROM status_subscribers WHERE state = 'confirmed' ORDER BY id"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(subscriber_from).collect()
    }

    async fn subscriber_counts(&self) -> crate::store::Result<SubscriberCounts> {
        let rows: Vec<(String, i64)> =
            sqlx::query_as("SELECT state, count(*) FROM status_subscribers GROUP BY state")
                .fetch_all(self.reader())
                .await?;
        let mut counts = SubscriberCounts::default();
        for (state, count) in rows {
            match SubscriberState::parse(&state) {
                Some(SubscriberState::Pending) => counts.pending = count,
                Some(SubscriberState::Confirmed) => counts.confirmed = count,
                Some(SubscriberState::Unsubscribed) => counts.unsubscribed = count,
                None => {}
            }
        }
        Ok(counts)
    }

    async fn schedule_timers(
        &self,
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        if timers.is_empty() {
            return Ok(());
        }
        let mut transaction = self.writer().begin().await?;
        Self::insert_timers(&mut transaction, timers, now).await?;
        transaction.commit().await?;
        Ok(())
    }
}
