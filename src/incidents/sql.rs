//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `Backend`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Backend, Db, ROW_LOCK};
use crate::clock::from_millis;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State};
use crate::incidents::store::{Decide, Incident, NewIncident, TimelineEntry};
use crate::store::StoreError;

const COLUMNS: &str = "seq, id, title, severity, priority, state, services, summary, customer_impact, impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, causing_deployment, declared_by, created_at, updated_at";

fn incident_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Incident> {
    let time = |column: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
        Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
    };
    let services: String = row.try_get("services")?;
    Ok(Incident {
        id: row.try_get("id")?,
        number: row.try_get("seq")?,
        title: row.try_get("title")?,
        severity: Severity::parse(&row.try_get::<String, _>("severity")?).unwrap_or(Severity::Sev4),
        priority: Priority::parse(&row.try_get::<String, _>("priority")?).unwrap_or(Priority::P4),
        state: State::parse(&row.try_get::<String, _>("state")?).unwrap_or(State::Triage),
        services: serde_json::from_str(&services).unwrap_or_default(),
        summary: row.try_get("summary")?,
        customer_impact: row.try_get("customer_impact")?,
        times: KeyTimes {
            impact_started: time("impact_started_at")?,
            detected: time("detected_at")?,
            acknowledged: time("acknowledged_at")?,
            mitigated: time("mitigated_at")?,
            resolved: time("resolved_at")?,
        },
        causing_deployment: row.try_get("causing_deployment")?,
        declared_by: row.try_get("declared_by")?,
        created_at: from_millis(row.try_get("created_at")?),
        updated_at: from_millis(row.try_get("updated_at")?),
    })
}

/// The condition naming an incident by id or by number.
fn key_condition(key: &str) -> (&'static str, Option<i64>) {
    match key.parse::<i64>() {
        Ok(number) => ("seq = $1", Some(number)),
        Err(_) => ("id = $1", None),
    }
}

impl Backend {
    async fn insert_timeline(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        entries: &[TimelineEntry],
    ) -> crate::store::Result<()> {
        for entry in entries {
            sqlx::query("INSERT INTO incident_timeline (incident_id, at, kind, text, actor, link, starred) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(id)
                .bind(entry.at.as_millisecond())
                .bind(&entry.kind)
                .bind(&entry.text)
                .bind(&entry.actor)
                .bind(&entry.link)
                .bind(i64::from(entry.starred))
                .execute(&mut **transaction)
                .await?;
        }
        Ok(())
    }

    async fn fetch_incident(
        connection: &mut <Db as sqlx::Database>::Connection,
        key: &str,
        lock: &str,
    ) -> crate::store::Result<Incident> {
        let (condition, number) = key_condition(key);
        let sql = format!("SELECT {COLUMNS} FROM incidents WHERE {condition}{lock}");
        let query = sqlx::query(&sql);
        let query = match number {
            Some(number) => query.bind(number),
            None => query.bind(key.to_owned()),
        };
        let row = query
            .fetch_optional(&mut *connection)
            .await?
            .ok_or(StoreError::NotFound)?;
        incident_row(&row)
    }
}

fn time(at: Option<jiff::Timestamp>) -> Option<i64> {
    at.map(|at| at.as_millisecond())
}

#[async_trait::async_trait]
impl crate::incidents::store::IncidentStore for Backend {
    async fn create_incident(
        &self,
        new: &NewIncident,
        times: KeyTimes,
        timeline: &[TimelineEntry],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Incident> {
        let id = crate::store::new_id(now);
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO incidents (id, title, severity, priority, state, services, summary, customer_impact, \
             impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, declared_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15)",
        )
        .bind(&id)
        .bind(&new.title)
        .bind(new.severity.as_str())
        .bind(new.priority.as_str())
        .bind(State::Triage.as_str())
        .bind(serde_json::to_string(&new.services).unwrap_or_else(|_| "[]".into()))
        .bind(&new.summary)
        .bind(&new.customer_impact)
        .bind(time(times.impact_started))
        .bind(time(times.detected))
        .bind(time(times.acknowledged))
        .bind(time(times.mitigated))
        .bind(time(times.resolved))
        .bind(&new.declared_by)
        .bind(now.as_millisecond())
        .execute(&mut *transaction)
        .await?;
        Self::insert_timeline(&mut transaction, &id, timeline).await?;
        let incident = Self::fetch_incident(&mut transaction, &id, "").await?;
        transaction.commit().await?;
        Ok(incident)
    }

    async fn get_incident(&self, key: &str) -> crate::store::Result<Incident> {
        let mut connection = self.reader().acquire().await?;
        Self::fetch_incident(&mut connection, key, "").await
    }

    async fn list_incidents(
        &self,
        open: Option<bool>,
        limit: i64,
    ) -> crate::store::Result<Vec<Incident>> {
        let condition = match open {
            None => "",
            Some(true) => " WHERE state IN ('triage', 'active', 'mitigated')",
            Some(false) => " WHERE state NOT IN ('triage', 'active', 'mitigated')",
        };
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM incidents{condition} ORDER BY seq DESC LIMIT $1"
        ))
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(incident_row).collect()
    }

    async fn change_incident(
        &self,
        key: &str,
        decide: &Decide<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Result<Incident, Refused>> {
        let mut transaction = self.writer().begin().await?;
        let current = Self::fetch_incident(&mut transaction, key, ROW_LOCK).await?;
        let (after, timeline) = match decide(&current) {
            Ok(decided) => decided,
            Err(refused) => return Ok(Err(refused)),
        };
        sqlx::query(
            "UPDATE incidents SET title = $1, severity = $2, priority = $3, state = $4, summary = $5, customer_impact = $6, \
             impact_started_at = $7, detected_at = $8, acknowledged_at = $9, mitigated_at = $10, resolved_at = $11, \
             causing_deployment = $12, updated_at = $13 WHERE id = $14",
        )
        .bind(&after.title)
        .bind(after.severity.as_str())
        .bind(after.priority.as_str())
        .bind(after.state.as_str())
        .bind(&after.summary)
        .bind(&after.customer_impact)
        .bind(time(after.times.impact_started))
        .bind(time(after.times.detected))
        .bind(time(after.times.acknowledged))
        .bind(time(after.times.mitigated))
        .bind(time(after.times.resolved))
        .bind(&after.causing_deployment)
        .bind(now.as_millisecond())
        .bind(&current.id)
        .execute(&mut *transaction)
        .await?;
        Self::insert_timeline(&mut transaction, &current.id, &timeline).await?;
        let stored = Self::fetch_incident(&mut transaction, &current.id, "").await?;
        transaction.commit().await?;
        Ok(Ok(stored))
    }

    async fn incident_timeline(&self, id: &str) -> crate::store::Result<Vec<TimelineEntry>> {
        let rows = sqlx::query("SELECT at, kind, text, actor, link, starred FROM incident_timeline WHERE incident_id = $1 ORDER BY at, seq")
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(TimelineEntry {
                    at: from_millis(row.try_get("at")?),
                    kind: row.try_get("kind")?,
                    text: row.try_get("text")?,
                    actor: row.try_get("actor")?,
                    link: row.try_get("link")?,
                    starred: row.try_get::<i64, _>("starred")? != 0,
                })
            })
            .collect()
    }
}
