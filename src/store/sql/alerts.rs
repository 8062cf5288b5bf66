//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, ROW_LOCK, SqlStore};

pub(super) const ALERT_COLUMNS: &str = "seq, id, integration, fingerprint, group_key, rule, summary, severity, service, state, labels, annotations, url, starts_at, first_seen_at, last_seen_at, fired_at, acknowledged_at, acknowledged_by, resolved_at, fire_count, silenced_by, announced, flapping_since, ends_at";

#[async_trait::async_trait]
impl crate::store::alerts::AlertStore for SqlStore {
    async fn apply_alert_signals(
        &self,
        report: &crate::store::alerts::AlertReport<'_>,
        clock: &dyn crate::clock::Clock,
        silencer: &crate::store::alerts::Silencer<'_>,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Vec<crate::store::alerts::AlertTransition>> {
        let mut transaction = self.writer().begin().await?;
        let now = clock.now();
        let mut events = Vec::new();
        let transitions = Self::apply_report(
            &mut transaction,
            report,
            now,
            clock,
            silencer,
            notices,
            &mut events,
        )
        .await?;
        Self::insert_event_rows(&mut transaction, &events, now).await?;
        transaction.commit().await?;
        Ok(transitions)
    }

    async fn apply_alert_jobs(
        &self,
        owner: &str,
        jobs: &[crate::store::alerts::ReportJob<'_>],
        clock: &dyn crate::clock::Clock,
    ) -> crate::store::Result<Vec<Vec<crate::store::alerts::AlertTransition>>> {
        let mut transaction = self.begin_bookkeeping().await?;
        let now = clock.now();
        let now_ms = now.as_millisecond();
        let mut events = Vec::new();
        let mut applied = Vec::with_capacity(jobs.len());
        for job in jobs {
            // Done in the same commit as its effects, so a crash repeats neither.
            let done = sqlx::query(
                "UPDATE jobs SET state = 'done', finished_at = $1, attempts = attempts + 1, \
                   lease_owner = NULL, lease_until = NULL, updated_at = $1 \
                 WHERE seq = $2 AND lease_owner = $3 AND state = 'pending'",
            )
            .bind(now_ms)
            .bind(job.seq)
            .bind(owner)
            .execute(&mut *transaction)
            .await?
            .rows_affected();
            if done == 0 {
                // The lease went to another worker: it has the rest of the queue.
                break;
            }
            applied.push(
                Self::apply_report(
                    &mut transaction,
                    &job.report,
                    now,
                    clock,
                    job.silencer,
                    job.notices,
                    &mut events,
                )
                .await?,
            );
        }
        Self::insert_event_rows(&mut transaction, &events, now).await?;
        transaction.commit().await?;
        Ok(applied)
    }

    async fn change_alert(
        &self,
        id: &str,
        change: crate::core::alert::AlertChange,
        by: &crate::store::alerts::ChangedBy<'_>,
        now: jiff::Timestamp,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::alerts::AlertTransition>> {
        use crate::core::alert::AlertChange;
        let crate::store::alerts::ChangedBy {
            cause,
            silence,
            audit,
        } = *by;
        let mut update = sqlx::QueryBuilder::<Db>::new("UPDATE alerts SET ");
        match change {
            AlertChange::Acknowledged => {
                update
                    .push("state = 'acknowledged', acknowledged_at = ")
                    .push_bind(now.as_millisecond())
                    .push(", acknowledged_by = ")
                    .push_bind(cause.to_owned());
            }
            AlertChange::Resolved => {
                update
                    .push("state = 'resolved', silenced_by = NULL, resolved_at = ")
                    .push_bind(now.as_millisecond());
            }
            // Only a silence's end fires an alert between reports: the same cycle, now told.
            AlertChange::Fired => {
                update.push("state = 'firing', silenced_by = NULL, announced = 1");
            }
            AlertChange::Silenced => {
                update
                    .push("state = 'silenced', silenced_by = ")
                    .push_bind(silence.map(str::to_owned));
            }
        }
        let from = change
            .allowed_from()
            .iter()
            .map(|state| format!("'{}'", state.as_str()))
            .collect::<Vec<_>>()
            .join(", ");
        update
            .push(" WHERE id = ")
            .push_bind(id.to_owned())
            .push(format!(" AND state IN ({from})"));
        let mut transaction = self.writer().begin().await?;
        let result = update.build().execute(&mut *transaction).await?;
        let alert = Self::alert_by_id(&mut *transaction, id).await?;
        if result.rows_affected() == 0 {
            return Ok(None);
        }
        Self::record_alert_change(&mut transaction, id, change, cause, None, now).await?;
        let transition = crate::store::alerts::AlertTransition {
            alert,
            change,
            cause: cause.to_owned(),
            started_flapping: false,
            damped: false,
        };
        let mut events = Vec::new();
        let plan = notices(&transition);
        Self::apply_notice_plan(&mut transaction, &transition, plan, now, &mut events).await?;
        Self::insert_event_rows(&mut transaction, &events, now).await?;
        super::audit::append(&mut transaction, audit, now).await?;
        transaction.commit().await?;
        Ok(Some(transition))
    }

    async fn flush_alert_group(
        &self,
        key: &str,
        now: jiff::Timestamp,
        current: &crate::store::alerts::GroupDestinations<'_>,
        notice: &crate::store::alerts::GroupNotices<'_>,
    ) -> crate::store::Result<Option<crate::core::grouping::Flush>> {
        use crate::core::grouping::{Flush, flush};
        use sqlx::Row as _;
        let mut transaction = self.writer().begin().await?;
        let Some(row) = sqlx::query(
            &format!(
                "SELECT key, labels, integration, source, destinations, group_interval_ms, repeat_interval_ms, \
                   last_notified_at, next_flush_at FROM alert_groups WHERE key = $1{}",
                ROW_LOCK
            ),
        )
        .bind(key)
        .fetch_optional(&mut *transaction)
        .await?
        else {
            return Ok(None);
        };
        let millis = |name: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
            Ok(row
                .try_get::<Option<i64>, _>(name)?
                .map(crate::clock::from_millis))
        };
        let labels: String = row.try_get("labels")?;
        let destinations: String = row.try_get("destinations")?;
        let mut group = crate::store::alerts::AlertGroup {
            key: row.try_get("key")?,
            labels: serde_json::from_str(&labels).unwrap_or_default(),
            integration: row.try_get("integration")?,
            source: row.try_get("source")?,
            destinations: serde_json::from_str(&destinations).unwrap_or_default(),
            interval: jiff::SignedDuration::from_millis(row.try_get("group_interval_ms")?),
            repeat: jiff::SignedDuration::from_millis(row.try_get("repeat_interval_ms")?),
            last_notified_at: millis("last_notified_at")?,
            next_flush_at: millis("next_flush_at")?,
        };
        if group.next_flush_at.is_none_or(|at| at > now) {
            return Ok(None);
        }
        group.destinations = current(&group);
        if group.destinations.is_empty() {
            // Its route is gone or groups differently since a config change: the group
            // is dropped, not told once more where it no longer goes. Its alerts are
            // routed afresh on their next change.
            sqlx::query("DELETE FROM alert_group_members WHERE group_key = $1")
                .bind(key)
                .execute(&mut *transaction)
                .await?;
            sqlx::query("DELETE FROM alert_groups WHERE key = $1")
                .bind(key)
                .execute(&mut *transaction)
                .await?;
            transaction.commit().await?;
            return Ok(None);
        }
        let columns = ALERT_COLUMNS
            .split(", ")
            .map(|column| format!("a.{column}"))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT {columns}, m.notified_at AS member_notified_at FROM alert_group_members m \
             JOIN alerts a ON a.id = m.alert_id WHERE m.group_key = $1 ORDER BY a.seq"
        ))
        .bind(key)
        .fetch_all(&mut *transaction)
        .await?;
        let mut firing = Vec::new();
        let mut untold = Vec::new();
        for row in &rows {
            let alert = Self::alert_from_row(row)?;
            if alert.state != crate::core::alert::AlertState::Firing {
                continue;
            }
            if row
                .try_get::<Option<i64>, _>("member_notified_at")?
                .is_none()
            {
                untold.push(alert.id.clone());
            }
            firing.push(alert);
        }
        let decision = flush(
            firing.len(),
            untold.len(),
            group.last_notified_at,
            group.repeat,
            now,
        );
        let next = match decision {
            Flush::Notify { next } => {
                let events: Vec<crate::store::NewEvent> =
                    notice(&group, &firing, &untold).into_iter().collect();
                Self::insert_event_rows(&mut transaction, &events, now).await?;
                for alert in &firing {
                    let change = if untold.contains(&alert.id) {
                        "fired"
                    } else {
                        "repeated"
                    };
                    Self::record_notice(&mut transaction, &alert.id, change, now).await?;
                    sqlx::query("UPDATE alert_group_members SET notified_at = $1 WHERE group_key = $2 AND alert_id = $3")
                        .bind(now.as_millisecond())
                        .bind(key)
                        .bind(&alert.id)
                        .execute(&mut *transaction)
                        .await?;
                }
                sqlx::query("UPDATE alert_groups SET last_notified_at = $1 WHERE key = $2")
                    .bind(now.as_millisecond())
                    .bind(key)
                    .execute(&mut *transaction)
                    .await?;
                Some(next)
            }
            Flush::Wait { next } => Some(next),
            Flush::Idle => None,
        };
        if next.is_none() && rows.is_empty() {
            sqlx::query("DELETE FROM alert_groups WHERE key = $1")
                .bind(key)
                .execute(&mut *transaction)
                .await?;
        } else {
            sqlx::query("UPDATE alert_groups SET next_flush_at = $1 WHERE key = $2")
                .bind(next.map(|at| at.as_millisecond()))
                .bind(key)
                .execute(&mut *transaction)
                .await?;
        }
        if let Some(at) = next {
            let payload = serde_json::json!({ "group": key }).to_string();
            let dedup = format!("alert-group:{key}:{}", at.as_millisecond());
            Self::insert_timer(
                &mut transaction,
                crate::store::JobKind::AlertGroup,
                &payload,
                at,
                &dedup,
                now,
            )
            .await?;
        }
        transaction.commit().await?;
        Ok(Some(decision))
    }

    async fn settle_flapping(
        &self,
        id: &str,
        window: jiff::SignedDuration,
        now: jiff::Timestamp,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::alerts::AlertTransition>> {
        use crate::core::alert::{AlertChange, AlertState};
        let mut transaction = self.writer().begin().await?;
        let alert = match Self::alert_by_id(&mut *transaction, id).await {
            Ok(alert) => alert,
            Err(crate::store::StoreError::NotFound) => return Ok(None),
            Err(error) => return Err(error),
        };
        if alert.flapping_since.is_none() {
            return Ok(None);
        }
        let last: Option<i64> = sqlx::query_scalar(
            "SELECT MAX(at) FROM alert_changes WHERE alert_id = $1 AND change IN ('fired', 'resolved')",
        )
        .bind(id)
        .fetch_one(&mut *transaction)
        .await?;
        let steady_since = last.map_or(alert.fired_at, crate::clock::from_millis);
        if steady_since.saturating_add(window).unwrap_or(steady_since) > now {
            return Ok(None);
        }
        // Two settle timers due together: only one ends the flapping.
        let ended = sqlx::query(
            "UPDATE alerts SET flapping_since = NULL WHERE id = $1 AND flapping_since IS NOT NULL",
        )
        .bind(id)
        .execute(&mut *transaction)
        .await?
        .rows_affected();
        if ended == 0 {
            return Ok(None);
        }
        let cause = "flapping ended";
        sqlx::query(
            "INSERT INTO alert_changes (alert_id, at, change, cause) VALUES ($1, $2, 'steady', $3)",
        )
        .bind(id)
        .bind(now.as_millisecond())
        .bind(cause)
        .execute(&mut *transaction)
        .await?;
        let change = match alert.state {
            AlertState::Firing => Some(AlertChange::Fired),
            AlertState::Resolved => Some(AlertChange::Resolved),
            AlertState::Acknowledged | AlertState::Silenced => None,
        };
        let transition = crate::store::alerts::AlertTransition {
            alert: Self::alert_by_id(&mut *transaction, id).await?,
            change: change.unwrap_or(AlertChange::Fired),
            cause: cause.to_owned(),
            started_flapping: false,
            damped: false,
        };
        let mut events = Vec::new();
        if change.is_some() {
            let plan = notices(&transition);
            Self::apply_notice_plan(&mut transaction, &transition, plan, now, &mut events).await?;
            Self::insert_event_rows(&mut transaction, &events, now).await?;
        }
        transaction.commit().await?;
        Ok(change.map(|_| transition))
    }

    async fn get_alert(&self, id: &str) -> crate::store::Result<crate::store::alerts::Alert> {
        Self::alert_by_id(self.reader(), id).await
    }

    async fn list_alerts(
        &self,
        filter: &crate::store::alerts::AlertFilter,
    ) -> crate::store::Result<Vec<crate::store::alerts::Alert>> {
        let mut builder = sqlx::QueryBuilder::<Db>::new(format!(
            "SELECT {} FROM alerts WHERE 1 = 1",
            ALERT_COLUMNS
        ));
        if let Some(state) = filter.state {
            builder.push(" AND state = ").push_bind(state.as_str());
        }
        if filter.open {
            builder.push(" AND state <> 'resolved'");
        }
        if let Some(service) = &filter.service {
            builder.push(" AND service = ").push_bind(service.as_str());
        }
        if let Some(severity) = filter.severity {
            builder
                .push(" AND severity = ")
                .push_bind(severity.as_str());
        }
        if let Some(before) = filter.before {
            builder.push(" AND seq < ").push_bind(before);
        }
        if let Some(integration) = &filter.integration {
            builder
                .push(" AND integration = ")
                .push_bind(integration.as_str());
        }
        if let Some(ends_by) = filter.ends_by {
            // The partial index `alerts_ending` holds exactly these rows.
            builder
                .push(" AND ends_at IS NOT NULL AND state <> 'resolved' AND ends_at <= ")
                .push_bind(ends_by.as_millisecond());
        }
        builder.push(if filter.latest_fire_first {
            " ORDER BY fired_at DESC, seq DESC LIMIT "
        } else {
            " ORDER BY seq DESC LIMIT "
        });
        builder.push_bind(filter.limit);
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(Self::alert_from_row).collect()
    }

    async fn alert_changes(
        &self,
        alert_id: &str,
    ) -> crate::store::Result<Vec<crate::store::alerts::AlertChangeRecord>> {
        let rows: Vec<(i64, String, String, Option<String>)> = sqlx::query_as(
            "SELECT at, change, cause, event_id FROM alert_changes WHERE alert_id = $1 ORDER BY seq",
        )
        .bind(alert_id)
        .fetch_all(self.reader())
        .await?;
        Ok(rows
            .into_iter()
            .map(
                |(at, change, cause, event_id)| crate::store::alerts::AlertChangeRecord {
                    at: crate::clock::from_millis(at),
                    change,
                    cause,
                    event_id,
                },
            )
            .collect())
    }

    async fn alert_fires_since(
        &self,
        alert_id: &str,
        since: jiff::Timestamp,
    ) -> crate::store::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM alert_changes WHERE alert_id = $1 AND change = 'fired' AND at >= $2 \
             AND cause NOT LIKE 'silence%' AND cause NOT LIKE 'flapping%'",
        )
        .bind(alert_id)
        .bind(since.as_millisecond())
        .fetch_one(self.reader())
        .await?)
    }

    async fn alert_activity(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::alerts::AlertActivity> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT c.alert_id, a.rule, a.service, a.severity, c.change, c.at, c.cause \
             FROM alert_changes c JOIN alerts a ON a.id = c.alert_id \
             WHERE c.at >= $1 AND c.at < $2 ORDER BY c.alert_id, c.seq",
        )
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        let mut activity = crate::store::alerts::AlertActivity::default();
        for row in &rows {
            let severity: String = row.try_get("severity")?;
            activity.changes.push(crate::core::noise::ChangeRow {
                alert_id: row.try_get("alert_id")?,
                rule: row.try_get("rule")?,
                service: row.try_get("service")?,
                severity: crate::core::alert::Severity::parse(&severity)
                    .unwrap_or(crate::core::alert::Severity::Warning),
                change: row.try_get("change")?,
                at: crate::clock::from_millis(row.try_get("at")?),
                cause: row.try_get("cause")?,
            });
        }
        let rows = sqlx::query(
            "SELECT a.rule, a.service, n.at FROM alert_notices n JOIN alerts a ON a.id = n.alert_id \
             WHERE n.at >= $1 AND n.at < $2",
        )
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        for row in &rows {
            activity.notices.push(crate::core::noise::NoticeRow {
                rule: row.try_get("rule")?,
                service: row.try_get("service")?,
                at: crate::clock::from_millis(row.try_get("at")?),
            });
        }
        Ok(activity)
    }
}

impl SqlStore {
    pub(super) fn alert_from_row(
        row: &<Db as sqlx::Database>::Row,
    ) -> crate::store::Result<crate::store::alerts::Alert> {
        use sqlx::Row as _;
        let labels: String = row.try_get("labels")?;
        let annotations: String = row.try_get("annotations")?;
        let millis = |name: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
            Ok(row
                .try_get::<Option<i64>, _>(name)?
                .map(crate::clock::from_millis))
        };
        let state: String = row.try_get("state")?;
        let severity: String = row.try_get("severity")?;
        Ok(crate::store::alerts::Alert {
            seq: row.try_get("seq")?,
            id: row.try_get("id")?,
            integration: row.try_get("integration")?,
            fingerprint: row.try_get("fingerprint")?,
            group_key: row.try_get("group_key")?,
            rule: row.try_get("rule")?,
            summary: row.try_get("summary")?,
            severity: crate::core::alert::Severity::parse(&severity)
                .unwrap_or(crate::core::alert::Severity::Warning),
            service: row.try_get("service")?,
            state: crate::core::alert::AlertState::parse(&state)
                .unwrap_or(crate::core::alert::AlertState::Firing),
            labels: serde_json::from_str(&labels).unwrap_or_default(),
            annotations: serde_json::from_str(&annotations).unwrap_or_default(),
            url: row.try_get("url")?,
            starts_at: millis("starts_at")?,
            first_seen_at: crate::clock::from_millis(row.try_get("first_seen_at")?),
            last_seen_at: crate::clock::from_millis(row.try_get("last_seen_at")?),
            fired_at: crate::clock::from_millis(row.try_get("fired_at")?),
            acknowledged_at: millis("acknowledged_at")?,
            acknowledged_by: row.try_get("acknowledged_by")?,
            resolved_at: millis("resolved_at")?,
            fire_count: row.try_get("fire_count")?,
            silenced_by: row.try_get("silenced_by")?,
            announced: row.try_get::<i64, _>("announced")? != 0,
            flapping_since: millis("flapping_since")?,
            ends_at: millis("ends_at")?,
        })
    }

    /// One report's changes within `transaction`; the notice events go to `events`.
    pub(super) async fn apply_report(
        transaction: &mut sqlx::Transaction<'_, Db>,
        report: &crate::store::alerts::AlertReport<'_>,
        mut now: jiff::Timestamp,
        clock: &dyn crate::clock::Clock,
        silencer: &crate::store::alerts::Silencer<'_>,
        notices: &crate::store::alerts::Notices<'_>,
        events: &mut Vec<crate::store::NewEvent>,
    ) -> crate::store::Result<Vec<crate::store::alerts::AlertTransition>> {
        use crate::core::alert::{
            AlertChange, AlertState, ReportEffect, Standing, change_cause, counts_cycles,
            report_effect,
        };
        use crate::store::clean_text;
        let crate::store::alerts::AlertReport {
            integration,
            signals,
            cause,
            event_id,
            flapping,
        } = *report;
        // (alert, change, started flapping, damped)
        let mut changed: Vec<(String, AlertChange, bool, bool)> = Vec::new();
        // A push of many alerts ending together sets their sweep once.
        let mut sweeps = std::collections::BTreeSet::new();
        for signal in signals {
            // Held until commit: a silence check or settle racing this report waits, then
            // decides on what this report made.
            let current = sqlx::query(&format!(
                "SELECT {} FROM alerts WHERE integration = $1 AND fingerprint = $2{}",
                ALERT_COLUMNS, ROW_LOCK
            ))
            .bind(integration)
            .bind(clean_text(&signal.fingerprint).into_owned())
            .fetch_optional(&mut **transaction)
            .await?
            .map(|row| Self::alert_from_row(&row))
            .transpose()?;
            if current.is_none() && signal.status_only {
                // Acknowledging or resolving an alert never seen says nothing to keep.
                continue;
            }
            // Read with the row held: a silence check that changed this alert committed
            // before, so it is decided at a time no earlier than that check's.
            now = now.max(clock.now());
            let now_ms = now.as_millisecond();
            let silence = silencer(signal, now);
            let standing = current.as_ref().map(|alert| Standing {
                state: alert.state,
                flapping: alert.flapping_since.is_some(),
            });
            let silenced = silence.is_some();
            let resolves_in_window = match (
                &current,
                counts_cycles(standing, signal.status, silenced),
            ) {
                (Some(alert), true) => {
                    let resolves: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM alert_changes WHERE alert_id = $1 AND change = 'resolved' AND at >= $2",
                    )
                    .bind(&alert.id)
                    .bind(now.saturating_sub(flapping.window).unwrap_or(now).as_millisecond())
                    .fetch_one(&mut **transaction)
                    .await?;
                    Some(u32::try_from(resolves).unwrap_or(u32::MAX))
                }
                _ => None,
            };
            let effect = report_effect(
                standing,
                signal.status,
                silenced,
                resolves_in_window,
                flapping,
            );
            let change = effect.change;
            let labels = serde_json::to_string(&signal.labels).unwrap_or_else(|_| "{}".into());
            let annotations =
                serde_json::to_string(&signal.annotations).unwrap_or_else(|_| "{}".into());
            let ReportEffect {
                new_cycle,
                damped,
                started_flapping,
                ..
            } = effect;
            let id = match &current {
                None => {
                    let id = crate::store::new_id(now);
                    let state = change.map_or(AlertState::Resolved, |c| c.new_state());
                    let firing = state != AlertState::Resolved;
                    sqlx::query(
                        "INSERT INTO alerts (id, integration, fingerprint, group_key, rule, summary, severity, service, \
                           state, labels, annotations, url, starts_at, first_seen_at, last_seen_at, fired_at, \
                           resolved_at, fire_count, silenced_by, announced, ends_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, $14, $15, $16, $17, $18, $19)",
                    )
                    .bind(&id)
                    .bind(integration)
                    .bind(clean_text(&signal.fingerprint).into_owned())
                    .bind(signal.group_key.as_deref().map(|k| clean_text(k).into_owned()))
                    .bind(clean_text(&signal.rule).into_owned())
                    .bind(clean_text(&signal.summary).into_owned())
                    .bind(signal.severity.as_str())
                    .bind(signal.service.as_deref().map(|s| clean_text(s).into_owned()))
                    .bind(state.as_str())
                    .bind(clean_text(&labels).into_owned())
                    .bind(clean_text(&annotations).into_owned())
                    .bind(signal.url.as_deref().map(|u| clean_text(u).into_owned()))
                    .bind(signal.starts_at.map(|at| at.as_millisecond()))
                    .bind(now_ms)
                    .bind((!firing).then_some(now_ms))
                    .bind(i64::from(firing))
                    .bind(if state == AlertState::Silenced { silence.clone() } else { None })
                    .bind(i64::from(state == AlertState::Firing))
                    .bind(signal.valid_until.map(|at| at.as_millisecond()))
                    .execute(&mut **transaction)
                    .await?;
                    id
                }
                Some(alert) => {
                    // The latest report's wording and labels win; the state changes only
                    // as `core::alert::report_effect` says.
                    let flapping_sql = if started_flapping {
                        ", flapping_since = $6"
                    } else {
                        ""
                    };
                    let cycle_sql = if new_cycle {
                        ", fired_at = $6, fire_count = fire_count + 1, \
                         acknowledged_at = NULL, acknowledged_by = NULL, resolved_at = NULL"
                    } else {
                        ""
                    };
                    let (state_sql, extra) = match change {
                        Some(AlertChange::Fired) => (
                            format!(
                                ", state = 'firing', silenced_by = NULL, announced = 1{cycle_sql}"
                            ),
                            None,
                        ),
                        Some(AlertChange::Silenced) => (
                            format!(
                                ", state = 'silenced', silenced_by = $8{}{cycle_sql}",
                                if new_cycle { ", announced = 0" } else { "" }
                            ),
                            silence.clone(),
                        ),
                        Some(AlertChange::Resolved) => (
                            ", state = 'resolved', resolved_at = $6, silenced_by = NULL".to_owned(),
                            None,
                        ),
                        Some(AlertChange::Acknowledged) => (
                            ", state = 'acknowledged', acknowledged_at = $6, acknowledged_by = $8"
                                .to_owned(),
                            Some(cause.to_owned()),
                        ),
                        None => (String::new(), None),
                    };
                    // A status-only report keeps when the alert ends; any other says it anew
                    // (no `valid_until`: it ends when a report says so).
                    let ends_sql = if signal.status_only {
                        String::new()
                    } else {
                        format!(", ends_at = ${}", if extra.is_some() { 9 } else { 8 })
                    };
                    let sql = format!(
                        "UPDATE alerts SET summary = $1, labels = $2, annotations = $3, severity = $4, \
                           url = COALESCE($5, url), last_seen_at = $6{state_sql}{flapping_sql}{ends_sql} WHERE id = $7"
                    );
                    // A status-only report (PagerDuty's resolve) keeps what the alert says.
                    let (summary, labels, annotations, severity) = if signal.status_only {
                        (
                            alert.summary.clone(),
                            serde_json::to_string(&alert.labels).unwrap_or_else(|_| "{}".into()),
                            serde_json::to_string(&alert.annotations)
                                .unwrap_or_else(|_| "{}".into()),
                            alert.severity,
                        )
                    } else if change == Some(AlertChange::Resolved) && !alert.summary.is_empty() {
                        // What it said while it fired is what a responder looks for later;
                        // a resolving report's wording ("recovered") would hide it.
                        (alert.summary.clone(), labels, annotations, signal.severity)
                    } else {
                        (signal.summary.clone(), labels, annotations, signal.severity)
                    };
                    let mut query = sqlx::query(&sql)
                        .bind(clean_text(&summary).into_owned())
                        .bind(clean_text(&labels).into_owned())
                        .bind(clean_text(&annotations).into_owned())
                        .bind(severity.as_str())
                        .bind(signal.url.as_deref().map(|u| clean_text(u).into_owned()))
                        .bind(now_ms)
                        .bind(&alert.id);
                    if let Some(extra) = extra {
                        query = query.bind(extra);
                    }
                    if !signal.status_only {
                        query = query.bind(signal.valid_until.map(|at| at.as_millisecond()));
                    }
                    query.execute(&mut **transaction).await?;
                    alert.id.clone()
                }
            };
            if let Some(until) = signal
                .valid_until
                .filter(|_| signal.status == crate::core::alert::SignalStatus::Firing)
            {
                // One sweep per second of ends, due on the second after: a report applied
                // late, past its end, gets a sweep still to come.
                let at = jiff::Timestamp::from_second(until.max(now).as_second().saturating_add(1))
                    .unwrap_or(until);
                if sweeps.insert(at) {
                    Self::insert_timer(
                        transaction,
                        crate::store::JobKind::AlertExpiry,
                        "{}",
                        at,
                        &format!("alert-expiry:{}", at.as_second()),
                        now,
                    )
                    .await?;
                }
            }
            if let Some(change) = change {
                let cause = change_cause(change, silence.as_deref(), cause);
                Self::record_alert_change(transaction, &id, change, &cause, event_id, now).await?;
                if started_flapping {
                    sqlx::query(
                        "INSERT INTO alert_changes (alert_id, at, change, cause, event_id) VALUES ($1, $2, 'flapping', $3, $4)",
                    )
                    .bind(&id)
                    .bind(now_ms)
                    .bind(&cause)
                    .bind(event_id)
                    .execute(&mut **transaction)
                    .await?;
                }
                if effect.needs_flap_check() {
                    // Settles when a window passes without a fire or resolve.
                    let at = now.saturating_add(flapping.window).unwrap_or(now);
                    let payload = serde_json::json!({ "alert": id }).to_string();
                    let key = format!("flap-check:{id}:{}", at.as_millisecond());
                    Self::insert_timer(
                        transaction,
                        crate::store::JobKind::FlapCheck,
                        &payload,
                        at,
                        &key,
                        now,
                    )
                    .await?;
                }
                changed.push((id, change, started_flapping, damped));
            }
        }
        let mut transitions = Vec::with_capacity(changed.len());
        for (id, change, started_flapping, damped) in changed {
            transitions.push(crate::store::alerts::AlertTransition {
                alert: Self::alert_by_id(&mut **transaction, &id).await?,
                change,
                cause: cause.to_owned(),
                started_flapping,
                damped,
            });
        }
        for transition in &transitions {
            let plan = notices(transition);
            Self::apply_notice_plan(transaction, transition, plan, now, events).await?;
        }
        Ok(transitions)
    }

    /// Carries out a change's notice plan: the immediate notice, joins to groups (with
    /// their flush timers) and group follow-ups. Events go to `events`, for one insert.
    pub(super) async fn apply_notice_plan(
        transaction: &mut sqlx::Transaction<'_, Db>,
        transition: &crate::store::alerts::AlertTransition,
        plan: crate::store::alerts::NoticePlan,
        now: jiff::Timestamp,
        events: &mut Vec<crate::store::NewEvent>,
    ) -> crate::store::Result<()> {
        use crate::core::alert::AlertChange;
        use sqlx::Row as _;
        let alert_id = transition.alert.id.as_str();
        if plan.event.is_some() {
            Self::record_notice(transaction, alert_id, transition.change.as_str(), now).await?;
        }
        events.extend(plan.event);
        if let Some(paging) = &plan.paging {
            Self::apply_paging_change(transaction, paging, now).await?;
        }
        // After paging: the incident takes the escalation the alert just started or joined.
        if let Some(incident) = &plan.incident {
            Self::apply_incident_fire(transaction, incident, now).await?;
        }
        for timer in &plan.timers {
            Self::insert_timer(
                transaction,
                timer.kind,
                &timer.payload,
                timer.at,
                &timer.key,
                now,
            )
            .await?;
        }
        if transition.change == AlertChange::Acknowledged {
            // Someone took it: a task about it is handled.
            sqlx::query("UPDATE alert_tasks SET closed_at = $1, closed_by = $2 WHERE alert_id = $3 AND closed_at IS NULL")
                .bind(now.as_millisecond())
                .bind(&transition.cause)
                .bind(alert_id)
                .execute(&mut **transaction)
                .await?;
        }
        for grouped in plan.groups {
            match transition.change {
                AlertChange::Fired => {
                    let destinations = serde_json::to_string(&grouped.destinations)
                        .unwrap_or_else(|_| "[]".into());
                    let labels =
                        serde_json::to_string(&grouped.labels).unwrap_or_else(|_| "{}".into());
                    sqlx::query(
                        "INSERT INTO alert_groups (key, labels, integration, source, destinations, group_interval_ms, repeat_interval_ms, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (key) DO UPDATE SET destinations = excluded.destinations, \
                           group_interval_ms = excluded.group_interval_ms, repeat_interval_ms = excluded.repeat_interval_ms",
                    )
                    .bind(&grouped.key)
                    .bind(labels)
                    .bind(&grouped.integration)
                    .bind(&grouped.source)
                    .bind(destinations)
                    .bind(grouped.interval.as_millis() as i64)
                    .bind(grouped.repeat.as_millis() as i64)
                    .bind(now.as_millisecond())
                    .execute(&mut **transaction)
                    .await?;
                    let row = sqlx::query(
                        "SELECT last_notified_at, next_flush_at FROM alert_groups WHERE key = $1",
                    )
                    .bind(&grouped.key)
                    .fetch_one(&mut **transaction)
                    .await?;
                    let timing = crate::core::grouping::GroupTiming {
                        last_notified_at: row
                            .try_get::<Option<i64>, _>("last_notified_at")?
                            .map(crate::clock::from_millis),
                        next_flush_at: row
                            .try_get::<Option<i64>, _>("next_flush_at")?
                            .map(crate::clock::from_millis),
                    };
                    let at = crate::core::grouping::flush_after_join(
                        timing,
                        now,
                        grouped.wait,
                        grouped.interval,
                    );
                    if timing.next_flush_at != Some(at) {
                        sqlx::query("UPDATE alert_groups SET next_flush_at = $1 WHERE key = $2")
                            .bind(at.as_millisecond())
                            .bind(&grouped.key)
                            .execute(&mut **transaction)
                            .await?;
                        let payload = serde_json::json!({ "group": grouped.key }).to_string();
                        let key = format!("alert-group:{}:{}", grouped.key, at.as_millisecond());
                        Self::insert_timer(
                            transaction,
                            crate::store::JobKind::AlertGroup,
                            &payload,
                            at,
                            &key,
                            now,
                        )
                        .await?;
                    }
                    // A member told of an earlier cycle (or before a silence) is new again.
                    sqlx::query(
                        "INSERT INTO alert_group_members (group_key, alert_id, joined_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (group_key, alert_id) DO UPDATE SET notified_at = NULL",
                    )
                    .bind(&grouped.key)
                    .bind(alert_id)
                    .bind(now.as_millisecond())
                    .execute(&mut **transaction)
                    .await?;
                }
                AlertChange::Acknowledged | AlertChange::Resolved => {
                    let told: Option<Option<i64>> = sqlx::query_scalar(
                        "SELECT notified_at FROM alert_group_members WHERE group_key = $1 AND alert_id = $2",
                    )
                    .bind(&grouped.key)
                    .bind(alert_id)
                    .fetch_optional(&mut **transaction)
                    .await?;
                    if told.flatten().is_some() && grouped.follow_up.is_some() {
                        Self::record_notice(transaction, alert_id, transition.change.as_str(), now)
                            .await?;
                        events.extend(grouped.follow_up);
                    }
                    if transition.change == AlertChange::Resolved {
                        sqlx::query("DELETE FROM alert_group_members WHERE group_key = $1 AND alert_id = $2")
                            .bind(&grouped.key)
                            .bind(alert_id)
                            .execute(&mut **transaction)
                            .await?;
                    }
                }
                AlertChange::Silenced => {}
            }
        }
        Ok(())
    }

    pub(super) async fn record_notice(
        transaction: &mut sqlx::Transaction<'_, Db>,
        alert_id: &str,
        change: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        sqlx::query("INSERT INTO alert_notices (alert_id, at, change) VALUES ($1, $2, $3)")
            .bind(alert_id)
            .bind(now.as_millisecond())
            .bind(change)
            .execute(&mut **transaction)
            .await?;
        Ok(())
    }

    pub(super) async fn record_alert_change(
        transaction: &mut sqlx::Transaction<'_, Db>,
        alert_id: &str,
        change: crate::core::alert::AlertChange,
        cause: &str,
        event_id: Option<&str>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        sqlx::query(
            "INSERT INTO alert_changes (alert_id, at, change, cause, event_id) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(alert_id)
        .bind(now.as_millisecond())
        .bind(change.as_str())
        .bind(cause)
        .bind(event_id)
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }

    /// One alert, read with `executor`: the reader, or the transaction that changed it.
    pub(super) async fn alert_by_id<'e, E>(
        executor: E,
        id: &str,
    ) -> crate::store::Result<crate::store::alerts::Alert>
    where
        E: sqlx::Executor<'e, Database = Db>,
    {
        let row = sqlx::query(&format!(
            "SELECT {} FROM alerts WHERE id = $1",
            ALERT_COLUMNS
        ))
        .bind(id)
        .fetch_optional(executor)
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        Self::alert_from_row(&row)
    }
}
