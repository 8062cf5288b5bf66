//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `Backend` and `Db`
//! come from the including module.

use sqlx::Row as _;

use super::Backend;
use crate::clock::from_millis;
use crate::core::status::ComponentStatus;
use crate::statuspage::store::StatusOverride;

#[async_trait::async_trait]
impl crate::statuspage::store::StatusPageStore for Backend {
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
    ) -> crate::store::Result<()> {
        match set {
            None => {
                sqlx::query("DELETE FROM status_overrides WHERE component = $1")
                    .bind(component)
                    .execute(self.writer())
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
                .execute(self.writer())
                .await?;
            }
        }
        Ok(())
    }
}
