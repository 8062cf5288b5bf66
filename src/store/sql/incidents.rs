//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Db, ROW_LOCK, SqlStore};
use crate::clock::from_millis;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State, UpdateStatus};
use crate::store::StoreError;
use crate::store::incidents::{
    Decide, Effects, Incident, IncidentFilter, IncidentFire, JoinedAlert, NewIncident, Role,
    RoleHolding, StatusUpdate, StoredForgeEvent, TimelineEntry,
};

const COLUMNS: &str = "seq, id, title, severity, priority, state, services, summary, customer_impact, impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, causing_deployment, declared_by, created_at, updated_at, last_update_at, chat_channels";

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
        last_update_at: time("last_update_at")?,
        chat_channels: row
            .try_get::<String, _>("chat_channels")?
            .split(',')
            .filter(|channel| !channel.is_empty())
            .map(str::to_owned)
            .collect(),
    })
}

/// The condition naming an incident by id or by number.
fn key_condition(key: &str) -> (&'static str, Option<i64>) {
    match key.parse::<i64>() {
        Ok(number) => ("seq = $1", Some(number)),
        Err(_) => ("id = $1", None),
    }
}

impl SqlStore {
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

    async fn insert_incident(
        transaction: &mut sqlx::Transaction<'_, Db>,
        new: &NewIncident,
        auto_key: Option<&str>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let times = new.times;
        sqlx::query(
            "INSERT INTO incidents (id, title, severity, priority, state, services, summary, customer_impact, \
             impact_started_at, detected_at, acknowledged_at, mitigated_at, resolved_at, declared_by, created_at, updated_at, \
             auto_key, last_alert_at, last_update_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16, $17, $15)",
        )
        .bind(&new.id)
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
        .bind(auto_key)
        .bind(auto_key.map(|_| now.as_millisecond()))
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }

    /// Stores what a change does besides the incident's row.
    async fn apply_effects(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        effects: &Effects,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        Self::insert_timeline(transaction, id, &effects.timeline).await?;
        if let Some(role) = &effects.role {
            sqlx::query("UPDATE incident_roles SET until = $1 WHERE incident_id = $2 AND role = $3 AND until IS NULL")
                .bind(now.as_millisecond())
                .bind(id)
                .bind(role.role.as_str())
                .execute(&mut **transaction)
                .await?;
            sqlx::query("INSERT INTO incident_roles (incident_id, role, person, since, assigned_by) VALUES ($1, $2, $3, $4, $5)")
                .bind(id)
                .bind(role.role.as_str())
                .bind(&role.person)
                .bind(now.as_millisecond())
                .bind(&role.by)
                .execute(&mut **transaction)
                .await?;
        }
        if let Some(update) = &effects.update {
            sqlx::query("INSERT INTO incident_updates (incident_id, at, status, message, public, actor) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id)
                .bind(now.as_millisecond())
                .bind(update.status.as_str())
                .bind(&update.message)
                .bind(i64::from(update.public))
                .bind(&update.by)
                .execute(&mut **transaction)
                .await?;
            sqlx::query("UPDATE incidents SET last_update_at = $1 WHERE id = $2")
                .bind(now.as_millisecond())
                .bind(id)
                .execute(&mut **transaction)
                .await?;
        }
        for alert in &effects.alerts {
            sqlx::query("INSERT INTO incident_alerts (incident_id, alert_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
                .bind(id)
                .bind(alert)
                .bind(now.as_millisecond())
                .execute(&mut **transaction)
                .await?;
        }
        Self::insert_event_rows(transaction, &effects.events, now).await?;
        Self::insert_timers(transaction, &effects.timers, now).await?;
        super::audit::append(transaction, &effects.audit, now).await?;
        for start in &effects.paging {
            Self::apply_paging_change(
                transaction,
                &crate::store::oncall::PagingChange::Fire(start.clone()),
                now,
            )
            .await?;
        }
        Ok(())
    }

    /// A critical alert of a service that declares incidents, inside the alert change's
    /// transaction: it joins the open incident of its key, or opens one. The alert's own
    /// escalation (started just before, in the same transaction) becomes the incident's, so
    /// an incident from an alert that pages is not paged a second time.
    pub(super) async fn apply_incident_fire(
        transaction: &mut sqlx::Transaction<'_, Db>,
        fire: &IncidentFire,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let open: Option<String> = sqlx::query_scalar(
            "SELECT id FROM incidents WHERE auto_key = $1 AND state IN ('triage', 'active', 'mitigated') \
             AND last_alert_at >= $2 ORDER BY seq DESC LIMIT 1",
        )
        .bind(&fire.key)
        .bind(fire.join_after.as_millisecond())
        .fetch_optional(&mut **transaction)
        .await?;
        let id = match &open {
            Some(id) => id.clone(),
            None => {
                Self::insert_incident(transaction, &fire.new, Some(&fire.key), now).await?;
                Self::apply_effects(transaction, &fire.new.id, &fire.effects, now).await?;
                fire.new.id.clone()
            }
        };
        sqlx::query("INSERT INTO incident_alerts (incident_id, alert_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING")
            .bind(&id)
            .bind(&fire.alert_id)
            .bind(now.as_millisecond())
            .execute(&mut **transaction)
            .await?;
        sqlx::query(
            "UPDATE escalations SET incident_id = $1 WHERE incident_id IS NULL AND ended_at IS NULL \
             AND id IN (SELECT escalation_id FROM escalation_alerts WHERE alert_id = $2)",
        )
        .bind(&id)
        .bind(&fire.alert_id)
        .execute(&mut **transaction)
        .await?;
        // The incident's row after its escalations, the order `change_incident` takes them in.
        if open.is_some() {
            sqlx::query("UPDATE incidents SET last_alert_at = $1 WHERE id = $2")
                .bind(now.as_millisecond())
                .bind(&id)
                .execute(&mut **transaction)
                .await?;
        }
        Ok(())
    }

    /// An escalation of an incident was acknowledged: so is the incident, if nobody had yet.
    pub(super) async fn acknowledge_incident_of(
        transaction: &mut sqlx::Transaction<'_, Db>,
        escalation_id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let incident: Option<Option<String>> =
            sqlx::query_scalar("SELECT incident_id FROM escalations WHERE id = $1")
                .bind(escalation_id)
                .fetch_optional(&mut **transaction)
                .await?;
        let Some(id) = incident.flatten() else {
            return Ok(());
        };
        let current = Self::fetch_incident(transaction, &id, ROW_LOCK).await?;
        if current.times.acknowledged.is_some() || !current.state.is_open() {
            return Ok(());
        }
        let mut times = current.times;
        times.acknowledged = Some(now);
        if times.check_order().is_err() {
            return Ok(());
        }
        let state = if current.state == State::Triage {
            State::Active
        } else {
            current.state
        };
        sqlx::query(
            "UPDATE incidents SET acknowledged_at = $1, state = $2, updated_at = $1 WHERE id = $3",
        )
        .bind(now.as_millisecond())
        .bind(state.as_str())
        .bind(&id)
        .execute(&mut **transaction)
        .await?;
        let mut entries = Vec::new();
        if state != current.state {
            entries.push(TimelineEntry {
                at: now,
                kind: "state".into(),
                text: format!("{} → {}", current.state.as_str(), state.as_str()),
                actor: Some(by.to_owned()),
                link: None,
                starred: false,
            });
        }
        Self::insert_timeline(transaction, &id, &entries).await?;
        Ok(())
    }
}

fn time(at: Option<jiff::Timestamp>) -> Option<i64> {
    at.map(|at| at.as_millisecond())
}

fn entry(
    at: i64,
    kind: &str,
    text: String,
    actor: Option<String>,
    link: Option<String>,
) -> TimelineEntry {
    TimelineEntry {
        at: from_millis(at),
        kind: kind.to_owned(),
        text,
        actor,
        link,
        starred: false,
    }
}

#[async_trait::async_trait]
impl crate::store::incidents::IncidentStore for SqlStore {
    async fn create_incident(
        &self,
        new: &NewIncident,
        effects: &Effects,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Incident> {
        let mut transaction = self.writer().begin().await?;
        Self::insert_incident(&mut transaction, new, None, now).await?;
        Self::apply_effects(&mut transaction, &new.id, effects, now).await?;
        let incident = Self::fetch_incident(&mut transaction, &new.id, "").await?;
        transaction.commit().await?;
        Ok(incident)
    }

    async fn get_incident(&self, key: &str) -> crate::store::Result<Incident> {
        let mut connection = self.reader().acquire().await?;
        Self::fetch_incident(&mut connection, key, "").await
    }

    async fn list_incidents(&self, filter: &IncidentFilter) -> crate::store::Result<Vec<Incident>> {
        let mut builder =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM incidents WHERE 1 = 1"));
        match filter.open {
            None => {}
            Some(true) => {
                builder.push(" AND state IN ('triage', 'active', 'mitigated')");
            }
            Some(false) => {
                builder.push(" AND state NOT IN ('triage', 'active', 'mitigated')");
            }
        }
        if let Some(state) = filter.state {
            builder.push(" AND state = ").push_bind(state.as_str());
        }
        if let Some(severity) = filter.severity {
            builder
                .push(" AND severity = ")
                .push_bind(severity.as_str());
        }
        if let Some(service) = &filter.service {
            // The services are a JSON array of names, which hold no quotes.
            builder
                .push(" AND services LIKE ")
                .push_bind(format!("%\"{service}\"%"));
        }
        if let Some(text) = filter
            .text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
        {
            let number = text.trim_start_matches('#').parse::<i64>().ok();
            let escaped = text
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            let pattern = format!("%{escaped}%");
            builder
                .push(" AND (LOWER(title) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR LOWER(COALESCE(summary, '')) LIKE ")
                .push_bind(pattern)
                .push(" ESCAPE '\\'");
            if let Some(number) = number {
                builder.push(" OR seq = ").push_bind(number);
            }
            builder.push(")");
        }
        builder
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(filter.limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(incident_row).collect()
    }

    async fn change_incident(
        &self,
        key: &str,
        decide: &Decide<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Result<Incident, Refused>> {
        let mut transaction = self.writer().begin().await?;
        // Escalations before the incident, the order an alert's acknowledgement takes them in.
        let id = Self::fetch_incident(&mut transaction, key, "").await?.id;
        let escalations: Vec<String> = sqlx::query_scalar(&format!(
            "SELECT id FROM escalations WHERE incident_id = $1 AND ended_at IS NULL{ROW_LOCK}"
        ))
        .bind(&id)
        .fetch_all(&mut *transaction)
        .await?;
        let current = Self::fetch_incident(&mut transaction, &id, ROW_LOCK).await?;
        let (after, effects) = match decide(&current) {
            Ok(decided) => decided,
            Err(refused) => return Ok(Err(refused)),
        };
        sqlx::query(
            "UPDATE incidents SET title = $1, severity = $2, priority = $3, state = $4, summary = $5, customer_impact = $6, \
             impact_started_at = $7, detected_at = $8, acknowledged_at = $9, mitigated_at = $10, resolved_at = $11, \
             causing_deployment = $12, updated_at = $13, services = $14 WHERE id = $15",
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
        .bind(serde_json::to_string(&after.services).unwrap_or_else(|_| "[]".into()))
        .bind(&current.id)
        .execute(&mut *transaction)
        .await?;
        Self::apply_effects(&mut transaction, &current.id, &effects, now).await?;
        if current.times.acknowledged.is_none() && after.times.acknowledged.is_some() {
            let by = effects
                .timeline
                .iter()
                .find_map(|entry| entry.actor.clone())
                .unwrap_or_else(|| "someone".into());
            for escalation in &escalations {
                Self::acknowledge_in(&mut transaction, escalation, &by, now).await?;
            }
        }
        if current.state.is_open() && !after.state.is_open() {
            for escalation in &escalations {
                Self::end_escalation(
                    &mut transaction,
                    escalation,
                    &format!("Ended: the incident is {}", after.state.as_str()),
                    now,
                )
                .await?;
            }
        }
        let stored = Self::fetch_incident(&mut transaction, &current.id, "").await?;
        transaction.commit().await?;
        Ok(Ok(stored))
    }

    async fn incident_timeline(&self, id: &str) -> crate::store::Result<Vec<TimelineEntry>> {
        let mut connection = self.reader().acquire().await?;
        let rows = sqlx::query("SELECT at, kind, text, actor, link, starred FROM incident_timeline WHERE incident_id = $1 ORDER BY at, seq")
            .bind(id)
            .fetch_all(&mut *connection)
            .await?;
        let mut entries = rows
            .iter()
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
            .collect::<crate::store::Result<Vec<_>>>()?;
        // What its alerts did once they joined.
        let rows = sqlx::query(
            "SELECT c.at, c.change, c.cause, a.id, a.rule, a.summary, a.service FROM incident_alerts i \
             JOIN alerts a ON a.id = i.alert_id JOIN alert_changes c ON c.alert_id = a.id \
             WHERE i.incident_id = $1 AND c.at >= i.joined_at ORDER BY c.at, c.seq LIMIT 2000",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let change: String = row.try_get("change")?;
            let rule: String = row.try_get("rule")?;
            let summary: String = row.try_get("summary")?;
            let alert: String = row.try_get("id")?;
            let about = if summary.is_empty() {
                rule.clone()
            } else {
                format!("{rule}: {summary}")
            };
            let (kind, text) = match change.as_str() {
                "fired" => ("alert", format!("Alert fired: {about}")),
                "acknowledged" => ("acknowledged", format!("Alert acknowledged: {about}")),
                "resolved" => ("alert", format!("Alert resolved: {about}")),
                other => ("alert", format!("Alert {other}: {about}")),
            };
            entries.push(entry(
                row.try_get("at")?,
                kind,
                text,
                Some(row.try_get::<String, _>("cause")?),
                Some(format!("/alerts/{alert}")),
            ));
        }
        // What its escalations did: steps, acknowledgements, ends.
        let rows = sqlx::query(
            "SELECT l.at, l.kind, l.text, l.actor FROM escalations e JOIN escalation_log l ON l.escalation_id = e.id \
             WHERE e.incident_id = $1 AND l.kind <> 'joined' ORDER BY l.at, l.seq LIMIT 2000",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        // Acknowledging the incident acknowledges each of its escalations, which log it too:
        // what the timeline already says at that instant is said once.
        let mut said: std::collections::HashSet<(i64, String, String)> = entries
            .iter()
            .filter(|entry| entry.kind == "acknowledged")
            .map(|entry| {
                (
                    entry.at.as_millisecond(),
                    entry.kind.clone(),
                    entry.text.clone(),
                )
            })
            .collect();
        for row in &rows {
            let kind: String = row.try_get("kind")?;
            let kind = if kind == "acknowledged" {
                "acknowledged"
            } else {
                "escalated"
            };
            let at: i64 = row.try_get("at")?;
            let text: String = row.try_get("text")?;
            if !said.insert((at, kind.to_owned(), text.clone())) {
                continue;
            }
            entries.push(entry(at, kind, text, row.try_get("actor")?, None));
        }
        // Every page, and how its delivery went.
        let rows = sqlx::query(
            "SELECT p.person, p.contact, p.contact_kind, p.state, p.created_at, p.sent_at, p.error FROM escalations e \
             JOIN pages p ON p.escalation_id = e.id WHERE e.incident_id = $1 ORDER BY p.seq LIMIT 2000",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        for row in &rows {
            let person: String = row.try_get("person")?;
            let how = match (
                row.try_get::<Option<String>, _>("contact_kind")?,
                row.try_get::<Option<String>, _>("contact")?,
            ) {
                (Some(kind), Some(contact)) if kind != contact => format!("by {kind} ({contact})"),
                (Some(kind), _) => format!("by {kind}"),
                _ => "with no contact method".into(),
            };
            let state: String = row.try_get("state")?;
            let sent: Option<i64> = row.try_get("sent_at")?;
            let created: i64 = row.try_get("created_at")?;
            let text = match state.as_str() {
                "sent" => format!("Page to {person} {how} delivered"),
                "failed" => format!(
                    "Page to {person} {how} failed: {}",
                    row.try_get::<Option<String>, _>("error")?
                        .unwrap_or_default()
                ),
                "cancelled" => {
                    format!("Page to {person} {how} cancelled: acknowledged before it went")
                }
                "folded" => format!("Page to {person} {how} folded into the next one (throttle)"),
                "unreachable" => format!("Page to {person} reached nobody: no contact method"),
                _ => format!("Page to {person} {how} queued"),
            };
            entries.push(entry(sent.unwrap_or(created), "page", text, None, None));
        }
        // Stable: entries of one instant keep the order they were written in.
        entries.sort_by_key(|entry| entry.at);
        Ok(entries)
    }

    async fn incident_roles(&self, id: &str) -> crate::store::Result<Vec<RoleHolding>> {
        let rows = sqlx::query("SELECT role, person, since, until, assigned_by FROM incident_roles WHERE incident_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        let mut holdings = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(role) = Role::parse(&row.try_get::<String, _>("role")?) else {
                continue;
            };
            holdings.push(RoleHolding {
                role,
                person: row.try_get("person")?,
                since: from_millis(row.try_get("since")?),
                until: row.try_get::<Option<i64>, _>("until")?.map(from_millis),
                assigned_by: row.try_get("assigned_by")?,
            });
        }
        Ok(holdings)
    }

    async fn incident_updates(&self, id: &str) -> crate::store::Result<Vec<StatusUpdate>> {
        let rows = sqlx::query("SELECT at, status, message, public, actor FROM incident_updates WHERE incident_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        let mut updates = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(status) = UpdateStatus::parse(&row.try_get::<String, _>("status")?) else {
                continue;
            };
            updates.push(StatusUpdate {
                at: from_millis(row.try_get("at")?),
                status,
                message: row.try_get("message")?,
                public: row.try_get::<i64, _>("public")? != 0,
                actor: row.try_get("actor")?,
            });
        }
        Ok(updates)
    }

    async fn public_updates_since(
        &self,
        from: jiff::Timestamp,
    ) -> crate::store::Result<Vec<(String, StatusUpdate)>> {
        let rows = sqlx::query(
            "SELECT incident_id, at, status, message, public, actor FROM incident_updates \
             WHERE public = 1 AND at >= $1 ORDER BY seq LIMIT 10000",
        )
        .bind(from.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        let mut updates = Vec::with_capacity(rows.len());
        for row in &rows {
            let Some(status) = UpdateStatus::parse(&row.try_get::<String, _>("status")?) else {
                continue;
            };
            updates.push((
                row.try_get("incident_id")?,
                StatusUpdate {
                    at: from_millis(row.try_get("at")?),
                    status,
                    message: row.try_get("message")?,
                    public: true,
                    actor: row.try_get("actor")?,
                },
            ));
        }
        Ok(updates)
    }

    async fn incident_alerts(&self, id: &str) -> crate::store::Result<Vec<JoinedAlert>> {
        let rows = sqlx::query(
            "SELECT i.alert_id, i.joined_at, a.rule, a.summary, a.service, a.state FROM incident_alerts i JOIN alerts a ON a.id = i.alert_id \
             WHERE i.incident_id = $1 ORDER BY i.joined_at, a.seq",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| {
                Ok(JoinedAlert {
                    alert_id: row.try_get("alert_id")?,
                    rule: row.try_get("rule")?,
                    summary: row.try_get("summary")?,
                    service: row.try_get("service")?,
                    state: row.try_get("state")?,
                    joined_at: from_millis(row.try_get("joined_at")?),
                })
            })
            .collect()
    }

    async fn commanders(
        &self,
        ids: &[String],
    ) -> crate::store::Result<std::collections::HashMap<String, String>> {
        let mut commanders = std::collections::HashMap::new();
        for chunk in ids.chunks(200) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(
                "SELECT incident_id, person FROM incident_roles WHERE role = 'commander' AND until IS NULL AND incident_id IN (",
            );
            let mut list = builder.separated(", ");
            for id in chunk {
                list.push_bind(id.clone());
            }
            builder.push(") ORDER BY seq");
            let rows: Vec<(String, String)> =
                builder.build_query_as().fetch_all(self.reader()).await?;
            // The latest holding wins, as in `incident_roles`.
            commanders.extend(rows);
        }
        Ok(commanders)
    }

    async fn add_incident_chat_channel(&self, id: &str, channel: &str) -> crate::store::Result<()> {
        // Commas separate the channels; the condition makes a second call a no-op.
        sqlx::query(
            "UPDATE incidents SET chat_channels = CASE WHEN chat_channels = '' THEN $1 \
               ELSE chat_channels || ',' || $1 END \
             WHERE id = $2 AND ',' || chat_channels || ',' NOT LIKE '%,' || $1 || ',%'",
        )
        .bind(channel)
        .bind(id)
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn incident_of_chat_channel(
        &self,
        channel: &str,
    ) -> crate::store::Result<Option<String>> {
        let id = sqlx::query_scalar(
            "SELECT id FROM incidents WHERE ',' || chat_channels || ',' LIKE '%,' || $1 || ',%' \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(channel)
        .fetch_optional(self.reader())
        .await?;
        Ok(id)
    }

    async fn alert_incidents(&self, alert_id: &str) -> crate::store::Result<Vec<String>> {
        let ids = sqlx::query_scalar(
            "SELECT i.incident_id FROM incident_alerts i JOIN incidents n ON n.id = i.incident_id \
             WHERE i.alert_id = $1 ORDER BY n.seq DESC",
        )
        .bind(alert_id)
        .fetch_all(self.reader())
        .await?;
        Ok(ids)
    }

    async fn earlier_incidents(
        &self,
        incident: &Incident,
        rules: &[String],
        limit: i64,
    ) -> crate::store::Result<Vec<Incident>> {
        if incident.services.is_empty() && rules.is_empty() {
            return Ok(Vec::new());
        }
        let mut builder =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM incidents WHERE seq < "));
        builder.push_bind(incident.number).push(" AND (1 = 0");
        for service in &incident.services {
            builder
                .push(" OR services LIKE ")
                .push_bind(format!("%\"{service}\"%"));
        }
        if !rules.is_empty() {
            builder.push(
                " OR id IN (SELECT i.incident_id FROM incident_alerts i JOIN alerts a ON a.id = i.alert_id WHERE a.rule IN (",
            );
            let mut separated = builder.separated(", ");
            for rule in rules {
                separated.push_bind(rule.clone());
            }
            builder.push("))");
        }
        builder.push(") ORDER BY seq DESC LIMIT ").push_bind(limit);
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(incident_row).collect()
    }

    async fn forge_events_between(
        &self,
        repositories: &[String],
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<StoredForgeEvent>> {
        if repositories.is_empty() {
            return Ok(Vec::new());
        }
        let mut builder = sqlx::QueryBuilder::<Db>::new(
            "SELECT id, received_at, normalized FROM events WHERE normalized IS NOT NULL AND repository IN (",
        );
        let mut separated = builder.separated(", ");
        for repository in repositories {
            separated.push_bind(repository.clone());
        }
        builder
            .push(") AND received_at >= ")
            .push_bind(from.as_millisecond())
            .push(" AND received_at <= ")
            .push_bind(to.as_millisecond())
            .push(" ORDER BY received_at DESC, seq DESC LIMIT ")
            .push_bind(limit);
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter()
            .map(|row| {
                Ok(StoredForgeEvent {
                    id: row.try_get("id")?,
                    received_at: from_millis(row.try_get("received_at")?),
                    normalized: row.try_get("normalized")?,
                })
            })
            .collect()
    }
}
