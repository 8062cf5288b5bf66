//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::{Db, PIN, SqlStore};
use crate::store::retention::{JobEnd, Window};

/// `table` under `alias`, pinned to `index` on SQLite, whose planner has no statistics and
/// could walk every row by number instead of the index that holds only what may go.
fn table_by(table: &str, alias: &str, index: &str) -> String {
    if PIN {
        format!("{table} {alias} INDEXED BY {index}")
    } else {
        format!("{table} {alias}")
    }
}

/// Of the window's events: none that a notification still waiting or given up (and perhaps
/// re-driven) will be rendered from.
const UNSENT: &str = "NOT EXISTS (SELECT 1 FROM jobs k WHERE k.event_id = w.id \
                      AND k.state IN ('pending', 'dead'))";

/// The rows the window found: number, whether it may go, and the time that orders it.
type Found = Vec<(i64, bool, i64)>;

fn window(found: &Found, limit: i64, before: jiff::Timestamp) -> (Vec<i64>, Window) {
    let going: Vec<i64> = found
        .iter()
        .filter(|(_, goes, _)| *goes)
        .map(|(seq, _, _)| *seq)
        .collect();
    let window = Window {
        removed: 0,
        last: found.last().map(|(seq, _, _)| *seq),
        more: found.len() as i64 == limit
            && found.iter().all(|(_, _, at)| *at < before.as_millisecond()),
    };
    (going, window)
}

/// `statement` (ending in `seq IN `) for the rows in `going`, with `rest` after the list.
async fn for_each(
    store: &SqlStore,
    statement: &str,
    going: &[i64],
    rest: &str,
    binds: impl FnOnce(&mut sqlx::QueryBuilder<'_, Db>),
) -> crate::store::Result<u64> {
    if going.is_empty() {
        return Ok(0);
    }
    let mut builder = sqlx::QueryBuilder::<Db>::new(statement);
    binds(&mut builder);
    builder.push("(");
    let mut list = builder.separated(", ");
    for seq in going {
        list.push_bind(*seq);
    }
    builder.push(")");
    builder.push(rest);
    Ok(builder
        .build()
        .execute(store.writer())
        .await?
        .rows_affected())
}

#[async_trait::async_trait]
impl crate::store::RetentionStore for SqlStore {
    async fn prune_payloads(
        &self,
        before: jiff::Timestamp,
        now: jiff::Timestamp,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window> {
        let sql = format!(
            "SELECT w.seq, (w.received_at < $1 AND {UNSENT}) AS goes, w.received_at FROM \
               (SELECT e.seq, e.id, e.received_at FROM {} \
                WHERE e.payload_pruned_at IS NULL AND e.seq > $2 ORDER BY e.seq LIMIT $3) w \
             ORDER BY w.seq",
            table_by("events", "e", "events_payload_kept")
        );
        let found: Found = sqlx::query_as(&sql)
            .bind(before.as_millisecond())
            .bind(after)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        let (going, mut window) = window(&found, limit, before);
        window.removed = for_each(
            self,
            "UPDATE events SET headers = '{}', body = ",
            &going,
            " AND payload_pruned_at IS NULL",
            |builder| {
                builder
                    .push_bind(Vec::<u8>::new())
                    .push(", payload_pruned_at = ")
                    .push_bind(now.as_millisecond())
                    .push(" WHERE seq IN ");
            },
        )
        .await?;
        Ok(window)
    }

    async fn prune_events(
        &self,
        before: jiff::Timestamp,
        what_changed: jiff::SignedDuration,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window> {
        // `incidents::what_changed` reads the forge events of [start - window, start], where
        // an incident starts at its impact, else its detection, else its declaration.
        let sql = format!(
            "SELECT w.seq, (w.received_at < $1 AND {UNSENT} \
                            AND w.seq < (SELECT max(seq) FROM events) \
                            AND NOT (w.forge AND EXISTS (SELECT 1 FROM incidents i WHERE \
                              COALESCE(i.impact_started_at, i.detected_at, i.created_at) \
                              BETWEEN w.received_at AND w.received_at + $4))) AS goes, \
                    w.received_at FROM \
               (SELECT e.seq, e.id, e.received_at, e.normalized IS NOT NULL AS forge FROM events e \
                WHERE e.seq > $2 ORDER BY e.seq LIMIT $3) w \
             ORDER BY w.seq"
        );
        let found: Found = sqlx::query_as(&sql)
            .bind(before.as_millisecond())
            .bind(after)
            .bind(limit)
            .bind(what_changed.as_millis() as i64)
            .fetch_all(self.reader())
            .await?;
        let (going, mut window) = window(&found, limit, before);
        window.removed =
            for_each(self, "DELETE FROM events WHERE seq IN ", &going, "", |_| {}).await?;
        Ok(window)
    }

    async fn prune_jobs(
        &self,
        end: JobEnd,
        before: jiff::Timestamp,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window> {
        // A job made after `before` cannot have ended before it: the window's creation times
        // say when the walk has gone far enough.
        let sql = format!(
            "SELECT j.seq, (j.finished_at < $1 AND j.seq < (SELECT max(seq) FROM jobs)) AS goes, \
                    j.created_at \
             FROM {} WHERE j.state = $2 AND j.seq > $3 ORDER BY j.seq LIMIT $4",
            table_by("jobs", "j", "jobs_state")
        );
        let found: Found = sqlx::query_as(&sql)
            .bind(before.as_millisecond())
            .bind(end.as_str())
            .bind(after)
            .bind(limit)
            .fetch_all(self.reader())
            .await?;
        let (going, mut window) = window(&found, limit, before);
        window.removed = for_each(
            self,
            "DELETE FROM jobs WHERE state = ",
            &going,
            "",
            |builder| {
                builder.push_bind(end.as_str()).push(" AND seq IN ");
            },
        )
        .await?;
        Ok(window)
    }
}
