//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Db, ROW_LOCK, SqlStore};
use crate::clock::from_millis;
use crate::store::oncall::{
    Escalation, EscalationEntry, EscalationState, NewPage, OverrideRow, Page, PageFilter, PageLink,
    PageOutcome, PageState, PagingChange,
};
use crate::store::{JobKind, StoreError};

const ESCALATION_COLUMNS: &str = "id, key, policy, service, summary, severity, alert_id, incident_id, state, step, round, next_step_at, started_at, acknowledged_at, acknowledged_by, ended_at";

const PAGE_COLUMNS: &str = "id, escalation_id, person, contact, contact_kind, step, round, target, state, summary, due_at, created_at, sent_at, error, folded, shadow";

fn millis(
    row: &<Db as sqlx::Database>::Row,
    column: &str,
) -> crate::store::Result<Option<jiff::Timestamp>> {
    Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
}

fn override_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<OverrideRow> {
    Ok(OverrideRow {
        id: row.try_get("id")?,
        schedule: row.try_get("schedule")?,
        person: row.try_get("person")?,
        replaces: row.try_get("replaces")?,
        start: from_millis(row.try_get("start_at")?),
        end: from_millis(row.try_get("end_at")?),
        created_by: row.try_get("created_by")?,
        created_at: from_millis(row.try_get("created_at")?),
    })
}

fn escalation_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Escalation> {
    Ok(Escalation {
        id: row.try_get("id")?,
        key: row.try_get("key")?,
        policy: row.try_get("policy")?,
        service: row.try_get("service")?,
        summary: row.try_get("summary")?,
        severity: row.try_get("severity")?,
        alert_id: row.try_get("alert_id")?,
        incident_id: row.try_get("incident_id")?,
        state: EscalationState::parse(&row.try_get::<String, _>("state")?),
        step: row.try_get("step")?,
        round: row.try_get("round")?,
        next_step_at: millis(row, "next_step_at")?,
        started_at: from_millis(row.try_get("started_at")?),
        acknowledged_at: millis(row, "acknowledged_at")?,
        acknowledged_by: row.try_get("acknowledged_by")?,
        ended_at: millis(row, "ended_at")?,
        alerts: Vec::new(),
    })
}

fn page_row(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<Page> {
    Ok(Page {
        id: row.try_get("id")?,
        escalation_id: row.try_get("escalation_id")?,
        person: row.try_get("person")?,
        contact: row.try_get("contact")?,
        contact_kind: row.try_get("contact_kind")?,
        step: row.try_get("step")?,
        round: row.try_get("round")?,
        target: row.try_get("target")?,
        state: PageState::parse(&row.try_get::<String, _>("state")?),
        summary: row.try_get("summary")?,
        due_at: from_millis(row.try_get("due_at")?),
        created_at: from_millis(row.try_get("created_at")?),
        sent_at: millis(row, "sent_at")?,
        error: row.try_get("error")?,
        folded: row.try_get("folded")?,
        shadow: row.try_get::<i32, _>("shadow")? != 0,
    })
}

// The worker's own writes on a page's way out (a step's record, a throttle slot, a page's
// outcome, its link) are bookkeeping, committed without waiting for the disk, as the job
// runner's are: a crash of the process loses none of them, and an OS crash that undoes the
// last of them leaves the step or send to run again (a page may go twice, never not at all).
// Under a storm that keeps the disk busy, each would otherwise wait for an fsync. What people
// do (an override, an acknowledge, a used link) waits for the disk.
impl SqlStore {
    /// What an alert's change asks of paging, inside the change's transaction, so a page is
    /// started (or stopped) exactly when the change is stored.
    pub(super) async fn apply_paging_change(
        transaction: &mut sqlx::Transaction<'_, Db>,
        change: &PagingChange,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        match change {
            PagingChange::Fire(start) => {
                let open: Option<String> = sqlx::query_scalar(
                    "SELECT id FROM escalations WHERE key = $1 AND ended_at IS NULL",
                )
                .bind(&start.key)
                .fetch_optional(&mut **transaction)
                .await?;
                let id = match open {
                    Some(id) => {
                        if let Some(alert) = &start.alert_id {
                            let joined = sqlx::query(
                                "INSERT INTO escalation_alerts (escalation_id, alert_id, joined_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                            )
                            .bind(&id)
                            .bind(alert)
                            .bind(now.as_millisecond())
                            .execute(&mut **transaction)
                            .await?
                            .rows_affected();
                            if joined > 0 {
                                Self::log_escalation(
                                    transaction,
                                    &id,
                                    now,
                                    "joined",
                                    &format!("{} joined", start.summary),
                                    None,
                                )
                                .await?;
                            }
                        }
                        return Ok(());
                    }
                    None => crate::store::new_id(now),
                };
                sqlx::query(
                    "INSERT INTO escalations (id, key, policy, service, summary, severity, alert_id, incident_id, state, step, round, next_step_at, started_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', 0, 0, $9, $10)",
                )
                .bind(&id)
                .bind(&start.key)
                .bind(&start.policy)
                .bind(&start.service)
                .bind(&start.summary)
                .bind(&start.severity)
                .bind(&start.alert_id)
                .bind(&start.incident_id)
                .bind(start.first_step_at.as_millisecond())
                .bind(now.as_millisecond())
                .execute(&mut **transaction)
                .await?;
                if let Some(alert) = &start.alert_id {
                    sqlx::query("INSERT INTO escalation_alerts (escalation_id, alert_id, joined_at) VALUES ($1, $2, $3)")
                        .bind(&id)
                        .bind(alert)
                        .bind(now.as_millisecond())
                        .execute(&mut **transaction)
                        .await?;
                }
                Self::log_escalation(
                    transaction,
                    &id,
                    now,
                    "started",
                    &format!("Escalation started through policy {}", start.policy),
                    None,
                )
                .await?;
                Self::step_timer(transaction, &id, 0, 0, start.first_step_at, now).await?;
            }
            PagingChange::Acknowledged { alert_id, by } => {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT e.id FROM escalations e JOIN escalation_alerts a ON a.escalation_id = e.id \
                     WHERE a.alert_id = $1 AND e.state = 'active'",
                )
                .bind(alert_id)
                .fetch_all(&mut **transaction)
                .await?;
                for id in ids {
                    Self::acknowledge_in(transaction, &id, by, now).await?;
                }
            }
            PagingChange::Resolved { alert_id } => {
                let ids: Vec<String> = sqlx::query_scalar(
                    "SELECT e.id FROM escalations e JOIN escalation_alerts a ON a.escalation_id = e.id \
                     WHERE a.alert_id = $1 AND e.ended_at IS NULL",
                )
                .bind(alert_id)
                .fetch_all(&mut **transaction)
                .await?;
                for id in ids {
                    // Ends when none of its alerts is still open.
                    let open: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM escalation_alerts a JOIN alerts al ON al.id = a.alert_id \
                         WHERE a.escalation_id = $1 AND al.state IN ('firing', 'acknowledged')",
                    )
                    .bind(&id)
                    .fetch_one(&mut **transaction)
                    .await?;
                    if open == 0 {
                        Self::end_escalation(
                            transaction,
                            &id,
                            "Resolved: every alert of the escalation resolved",
                            now,
                        )
                        .await?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Ends an escalation that has not ended: no more steps, no unsent pages.
    pub(super) async fn end_escalation(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        why: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let ended = sqlx::query("UPDATE escalations SET state = 'resolved', ended_at = $1, next_step_at = NULL WHERE id = $2 AND ended_at IS NULL")
            .bind(now.as_millisecond())
            .bind(id)
            .execute(&mut **transaction)
            .await?
            .rows_affected();
        if ended > 0 {
            Self::cancel_pending_pages(transaction, id).await?;
            Self::log_escalation(transaction, id, now, "resolved", why, None).await?;
        }
        Ok(())
    }

    pub(super) async fn acknowledge_in(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let changed = sqlx::query(
            "UPDATE escalations SET state = 'acknowledged', acknowledged_at = $1, acknowledged_by = $2, next_step_at = NULL \
             WHERE id = $3 AND state = 'active'",
        )
        .bind(now.as_millisecond())
        .bind(by)
        .bind(id)
        .execute(&mut **transaction)
        .await?
        .rows_affected();
        if changed > 0 {
            Self::cancel_pending_pages(transaction, id).await?;
            Self::acknowledge_incident_of(transaction, id, by, now).await?;
            Self::log_escalation(
                transaction,
                id,
                now,
                "acknowledged",
                &format!("Acknowledged by {by}"),
                Some(by),
            )
            .await?;
        }
        Ok(changed > 0)
    }

    /// Pages not yet sent will not be: their escalation stopped. (Their timers find them so.)
    async fn cancel_pending_pages(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
    ) -> crate::store::Result<()> {
        sqlx::query("UPDATE pages SET state = 'cancelled' WHERE escalation_id = $1 AND state = 'pending' AND sent_at IS NULL")
            .bind(id)
            .execute(&mut **transaction)
            .await?;
        Ok(())
    }

    async fn step_timer(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        step: i64,
        round: i64,
        at: jiff::Timestamp,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let payload =
            serde_json::json!({ "escalation": id, "step": step, "round": round }).to_string();
        Self::insert_timer(
            transaction,
            JobKind::EscalationStep,
            &payload,
            at,
            &format!("escalation-step:{id}:{round}:{step}"),
            now,
        )
        .await
    }

    async fn log_escalation(
        transaction: &mut sqlx::Transaction<'_, Db>,
        id: &str,
        at: jiff::Timestamp,
        kind: &str,
        text: &str,
        actor: Option<&str>,
    ) -> crate::store::Result<()> {
        sqlx::query("INSERT INTO escalation_log (escalation_id, at, kind, text, actor) VALUES ($1, $2, $3, $4, $5)")
            .bind(id)
            .bind(at.as_millisecond())
            .bind(kind)
            .bind(text)
            .bind(actor)
            .execute(&mut **transaction)
            .await?;
        Ok(())
    }

    async fn insert_page(
        transaction: &mut sqlx::Transaction<'_, Db>,
        page: &NewPage,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let state = if page.contact.is_some() {
            PageState::Pending
        } else {
            PageState::Unreachable
        };
        let inserted = sqlx::query(
            "INSERT INTO pages (id, escalation_id, person, contact, contact_kind, step, round, target, state, summary, due_at, created_at, shadow) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING",
        )
        .bind(&page.id)
        .bind(&page.escalation_id)
        .bind(&page.person)
        .bind(&page.contact)
        .bind(&page.contact_kind)
        .bind(page.step)
        .bind(page.round)
        .bind(&page.target)
        .bind(state.as_str())
        .bind(&page.summary)
        .bind(page.due_at.as_millisecond())
        .bind(now.as_millisecond())
        .bind(i32::from(page.shadow))
        .execute(&mut **transaction)
        .await?
        .rows_affected();
        if inserted > 0 && state == PageState::Pending {
            let payload = serde_json::json!({ "page": page.id }).to_string();
            Self::insert_timer(
                transaction,
                JobKind::PageSend,
                &payload,
                page.due_at,
                &format!("page-send:{}", page.id),
                now,
            )
            .await?;
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl crate::store::oncall::OncallStore for SqlStore {
    async fn create_override(
        &self,
        new: &crate::store::oncall::NewOverride<'_>,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, OverrideRow>,
    ) -> crate::store::Result<OverrideRow> {
        let id = crate::store::new_id(now);
        let mut transaction = self.writer().begin().await?;
        sqlx::query(
            "INSERT INTO oncall_overrides (id, schedule, person, replaces, start_at, end_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(new.schedule)
        .bind(new.person)
        .bind(new.replaces)
        .bind(new.start.as_millisecond())
        .bind(new.end.as_millisecond())
        .bind(new.created_by)
        .bind(now.as_millisecond())
        .execute(&mut *transaction)
        .await?;
        let row = OverrideRow {
            id,
            schedule: new.schedule.to_owned(),
            person: new.person.to_owned(),
            replaces: new.replaces.map(str::to_owned),
            start: new.start,
            end: new.end,
            created_by: new.created_by.to_owned(),
            created_at: now,
        };
        super::audit::append(&mut transaction, &audit(&row), now).await?;
        transaction.commit().await?;
        Ok(row)
    }

    async fn list_overrides(
        &self,
        schedule: Option<&str>,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<Vec<OverrideRow>> {
        let rows = sqlx::query(
            "SELECT id, schedule, person, replaces, start_at, end_at, created_by, created_at FROM oncall_overrides \
             WHERE ($1 IS NULL OR schedule = $1) AND end_at > $2 AND start_at < $3 ORDER BY seq",
        )
        .bind(schedule)
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(override_row).collect()
    }

    async fn delete_override(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, OverrideRow>,
    ) -> crate::store::Result<bool> {
        let mut transaction = self.writer().begin().await?;
        let Some(found) = sqlx::query(&format!(
            "SELECT id, schedule, person, replaces, start_at, end_at, created_by, created_at FROM oncall_overrides WHERE id = $1{ROW_LOCK}"
        ))
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await?
        else {
            return Ok(false);
        };
        let row = override_row(&found)?;
        sqlx::query("DELETE FROM oncall_overrides WHERE id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        super::audit::append(&mut transaction, &audit(&row), now).await?;
        transaction.commit().await?;
        Ok(true)
    }

    async fn get_escalation(&self, id: &str) -> crate::store::Result<Escalation> {
        let row = sqlx::query(&format!(
            "SELECT {ESCALATION_COLUMNS} FROM escalations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.reader())
        .await?
        .ok_or(StoreError::NotFound)?;
        let mut escalation = escalation_row(&row)?;
        escalation.alerts = sqlx::query_scalar(
            "SELECT a.alert_id FROM escalation_alerts a JOIN alerts al ON al.id = a.alert_id WHERE a.escalation_id = $1 ORDER BY a.joined_at, al.first_seen_at, al.fingerprint",
        )
        .bind(id)
        .fetch_all(self.reader())
        .await?;
        Ok(escalation)
    }

    async fn alert_escalations(&self, alert_id: &str) -> crate::store::Result<Vec<Escalation>> {
        let ids: Vec<String> = sqlx::query_scalar(
            "SELECT e.id FROM escalations e JOIN escalation_alerts a ON a.escalation_id = e.id \
             WHERE a.alert_id = $1 ORDER BY e.seq DESC",
        )
        .bind(alert_id)
        .fetch_all(self.reader())
        .await?;
        let mut escalations = Vec::with_capacity(ids.len());
        for id in ids {
            escalations.push(self.get_escalation(&id).await?);
        }
        Ok(escalations)
    }

    async fn escalation_log(&self, id: &str) -> crate::store::Result<Vec<EscalationEntry>> {
        let rows = sqlx::query("SELECT at, kind, text, actor FROM escalation_log WHERE escalation_id = $1 ORDER BY seq")
            .bind(id)
            .fetch_all(self.reader())
            .await?;
        rows.iter()
            .map(|row| {
                Ok(EscalationEntry {
                    at: from_millis(row.try_get("at")?),
                    kind: row.try_get("kind")?,
                    text: row.try_get("text")?,
                    actor: row.try_get("actor")?,
                })
            })
            .collect()
    }

    async fn record_escalation_step(
        &self,
        id: &str,
        step: i64,
        round: i64,
        plan: crate::store::oncall::StepPlan,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let mut transaction = self.begin_bookkeeping().await?;
        let current = sqlx::query(&format!(
            "SELECT state, step, round FROM escalations WHERE id = $1{ROW_LOCK}"
        ))
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(current) = current else {
            return Ok(false);
        };
        let state: String = current.try_get("state")?;
        let (at_step, at_round): (i64, i64) = (current.try_get("step")?, current.try_get("round")?);
        if state != EscalationState::Active.as_str() || at_step != step || at_round != round {
            return Ok(false);
        }
        for page in &plan.pages {
            Self::insert_page(&mut transaction, page, now).await?;
        }
        Self::insert_event_rows(&mut transaction, &plan.events, now).await?;
        for (kind, text) in &plan.log {
            Self::log_escalation(&mut transaction, id, now, kind, text, None).await?;
        }
        match plan.next {
            Some((next_step, next_round, at)) => {
                sqlx::query(
                    "UPDATE escalations SET step = $1, round = $2, next_step_at = $3 WHERE id = $4",
                )
                .bind(next_step)
                .bind(next_round)
                .bind(at.as_millisecond())
                .bind(id)
                .execute(&mut *transaction)
                .await?;
                Self::step_timer(&mut transaction, id, next_step, next_round, at, now).await?;
            }
            None => {
                // Past the last step: nothing more runs, but it stays open to be acknowledged.
                sqlx::query("UPDATE escalations SET step = -1, next_step_at = NULL WHERE id = $1")
                    .bind(id)
                    .execute(&mut *transaction)
                    .await?;
            }
        }
        transaction.commit().await?;
        Ok(true)
    }

    async fn escalate_now(
        &self,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::oncall::Escalation>> {
        let mut transaction = self.writer().begin().await?;
        let row = sqlx::query(&format!(
            "SELECT state, step, round FROM escalations WHERE id = $1{ROW_LOCK}"
        ))
        .bind(id)
        .fetch_optional(&mut *transaction)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let state: String = row.try_get("state")?;
        let step: i64 = row.try_get("step")?;
        let round: i64 = row.try_get("round")?;
        if state != "active" || step < 0 {
            return Ok(None);
        }
        sqlx::query("UPDATE escalations SET next_step_at = $1 WHERE id = $2")
            .bind(now.as_millisecond())
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        // The step's timer is made once per key: bring it forward rather than make another.
        sqlx::query(
            "UPDATE jobs SET run_at = $1, updated_at = $1 WHERE dedup_key = $2 AND state = 'pending'",
        )
        .bind(now.as_millisecond())
        .bind(format!("escalation-step:{id}:{round}:{step}"))
        .execute(&mut *transaction)
        .await?;
        Self::log_escalation(
            &mut transaction,
            id,
            now,
            "escalated",
            &format!("Escalated now by {by}: the next step runs at once"),
            Some(by),
        )
        .await?;
        transaction.commit().await?;
        Ok(Some(self.get_escalation(id).await?))
    }

    async fn start_escalation(
        &self,
        start: &crate::store::oncall::EscalationStart,
        now: jiff::Timestamp,
    ) -> crate::store::Result<String> {
        let mut transaction = self.writer().begin().await?;
        Self::apply_paging_change(&mut transaction, &PagingChange::Fire(start.clone()), now)
            .await?;
        let id: String =
            sqlx::query_scalar("SELECT id FROM escalations WHERE key = $1 AND ended_at IS NULL")
                .bind(&start.key)
                .fetch_one(&mut *transaction)
                .await?;
        transaction.commit().await?;
        Ok(id)
    }

    async fn acknowledge_escalation(
        &self,
        id: &str,
        by: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<Escalation>> {
        let mut transaction = self.writer().begin().await?;
        let changed = Self::acknowledge_in(&mut transaction, id, by, now).await?;
        if changed {
            super::audit::append(&mut transaction, audit, now).await?;
        }
        transaction.commit().await?;
        if !changed {
            return Ok(None);
        }
        Ok(Some(self.get_escalation(id).await?))
    }

    async fn create_page(&self, page: &NewPage, now: jiff::Timestamp) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        Self::insert_page(&mut transaction, page, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn get_page(&self, id: &str) -> crate::store::Result<Page> {
        let row = sqlx::query(&format!("SELECT {PAGE_COLUMNS} FROM pages WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.reader())
            .await?
            .ok_or(StoreError::NotFound)?;
        page_row(&row)
    }

    async fn list_pages(
        &self,
        filter: PageFilter<'_>,
        limit: i64,
    ) -> crate::store::Result<Vec<Page>> {
        // Shadow pages are looked at as "what would have happened lately": newest first, read
        // through the partial index `pages_shadow`. They take no value, so `$1` is bound empty
        // and compared to itself, keeping one statement shape for every filter.
        let (condition, value, order) = match filter {
            PageFilter::Shadow => ("shadow = 1 AND $1 = ''", "", "DESC"),
            PageFilter::Escalation(id) => ("escalation_id = $1", id, "ASC"),
            PageFilter::Person(id) => ("person = $1", id, "ASC"),
            PageFilter::Alert(id) => (
                "escalation_id IN (SELECT escalation_id FROM escalation_alerts WHERE alert_id = $1)",
                id,
                "ASC",
            ),
            PageFilter::Incident(id) => (
                "escalation_id IN (SELECT id FROM escalations WHERE incident_id = $1)",
                id,
                "ASC",
            ),
        };
        let rows = sqlx::query(&format!(
            "SELECT {PAGE_COLUMNS} FROM pages WHERE {condition} ORDER BY seq {order} LIMIT $2"
        ))
        .bind(value)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(page_row).collect()
    }

    async fn count_fold(&self, id: &str) -> crate::store::Result<()> {
        let mut transaction = self.begin_bookkeeping().await?;
        sqlx::query("UPDATE pages SET folded = folded + 1 WHERE id = $1")
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn reserve_page(
        &self,
        page: &str,
        person: &str,
        since: jiff::Timestamp,
        limit: i64,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let mut transaction = self.begin_bookkeeping().await?;
        sqlx::query("INSERT INTO page_throttle (person) VALUES ($1) ON CONFLICT DO NOTHING")
            .bind(person)
            .execute(&mut *transaction)
            .await?;
        sqlx::query(&format!(
            "SELECT person FROM page_throttle WHERE person = $1{ROW_LOCK}"
        ))
        .bind(person)
        .fetch_one(&mut *transaction)
        .await?;
        // A page counts once however many contact methods carry it: what is limited is how
        // many escalations reach the person in the window, and one already let through stays so.
        // Shadow pages count among themselves only, so a policy in shadow mode never folds a
        // real page (and its own folding still matches what it would do for real).
        let (escalation, shadow): (Option<String>, i32) =
            sqlx::query_as("SELECT escalation_id, shadow FROM pages WHERE id = $1")
                .bind(page)
                .fetch_one(&mut *transaction)
                .await?;
        let admitted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pages WHERE person = $1 AND escalation_id = $2 AND sent_at IS NOT NULL",
        )
        .bind(person)
        .bind(&escalation)
        .fetch_one(&mut *transaction)
        .await?;
        let sent: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT escalation_id) FROM pages WHERE person = $1 AND sent_at >= $2 AND escalation_id IS NOT NULL AND shadow = $3",
        )
        .bind(person)
        .bind(since.as_millisecond())
        .bind(shadow)
        .fetch_one(&mut *transaction)
        .await?;
        if admitted == 0 && sent >= limit {
            transaction.commit().await?;
            return Ok(false);
        }
        sqlx::query("UPDATE pages SET sent_at = $1 WHERE id = $2")
            .bind(now.as_millisecond())
            .bind(page)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(true)
    }

    async fn finish_page(
        &self,
        id: &str,
        outcome: &PageOutcome,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        // A page that did not go out gives its throttle slot back (its reserved `sent_at`).
        let (state, error, sent) = match outcome {
            PageOutcome::Sent => (PageState::Sent, None, Some(now.as_millisecond())),
            PageOutcome::Failed(error) => (PageState::Failed, Some(error.as_str()), None),
            PageOutcome::Cancelled => (PageState::Cancelled, None, None),
            PageOutcome::Folded => (PageState::Folded, None, None),
            PageOutcome::Shadow => (PageState::Shadow, None, Some(now.as_millisecond())),
        };
        let mut transaction = self.begin_bookkeeping().await?;
        sqlx::query("UPDATE pages SET state = $1, error = $2, sent_at = CASE WHEN $3 IS NULL THEN NULL ELSE COALESCE(sent_at, $3) END WHERE id = $4")
            .bind(state.as_str())
            .bind(error)
            .bind(sent)
            .bind(id)
            .execute(&mut *transaction)
            .await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn create_page_link(
        &self,
        token_hash: &str,
        link: &PageLink,
    ) -> crate::store::Result<()> {
        let mut transaction = self.begin_bookkeeping().await?;
        sqlx::query(
            "INSERT INTO page_links (token_hash, escalation_id, page_id, person, expires_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(token_hash)
        .bind(&link.escalation_id)
        .bind(&link.page_id)
        .bind(&link.person)
        .bind(link.expires_at.as_millisecond())
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn page_link(&self, token_hash: &str) -> crate::store::Result<Option<PageLink>> {
        let row = sqlx::query(
            "SELECT escalation_id, page_id, person, expires_at, used_at, used_action FROM page_links WHERE token_hash = $1",
        )
        .bind(token_hash)
        .fetch_optional(self.writer())
        .await?;
        row.map(|row| {
            Ok(PageLink {
                escalation_id: row.try_get("escalation_id")?,
                page_id: row.try_get("page_id")?,
                person: row.try_get("person")?,
                expires_at: from_millis(row.try_get("expires_at")?),
                used_at: millis(&row, "used_at")?,
                used_action: row.try_get("used_action")?,
            })
        })
        .transpose()
    }

    async fn use_page_link(
        &self,
        token_hash: &str,
        action: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let used = sqlx::query("UPDATE page_links SET used_at = $1, used_action = $2 WHERE token_hash = $3 AND used_at IS NULL")
            .bind(now.as_millisecond())
            .bind(action)
            .bind(token_hash)
            .execute(self.writer())
            .await?
            .rows_affected();
        Ok(used > 0)
    }
}
