//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use sqlx::Row as _;

use super::{Db, ROW_LOCK, SqlStore};
use crate::clock::from_millis;
use crate::store::audit::{AuditEntry, AuditFilter, NewAudit};

const COLUMNS: &str =
    "seq, at, actor, channel, action, target, before_json, after_json, prev_hash, hash";

fn entry_from(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: row.try_get("seq")?,
        at: from_millis(row.try_get("at")?),
        actor: row.try_get("actor")?,
        channel: row.try_get("channel")?,
        action: row.try_get("action")?,
        target: row.try_get("target")?,
        before_text: row.try_get("before_json")?,
        after_text: row.try_get("after_json")?,
        prev_hash: row.try_get("prev_hash")?,
        hash: row.try_get("hash")?,
    })
}

/// Appends `entries` to the chain inside the caller's transaction, so they commit with the
/// change or not at all. The head row is locked first: appends from every connection (and
/// every replica) take turns.
pub(crate) async fn append(
    connection: &mut <Db as sqlx::Database>::Connection,
    entries: &[NewAudit],
    now: jiff::Timestamp,
) -> crate::store::Result<()> {
    if entries.is_empty() {
        return Ok(());
    }
    let head = sqlx::query(&format!(
        "SELECT seq, hash FROM audit_head WHERE id = 1{ROW_LOCK}"
    ))
    .fetch_one(&mut *connection)
    .await?;
    let mut seq: i64 = head.try_get("seq")?;
    let mut prev: String = head.try_get("hash")?;
    let at = now.as_millisecond();
    for entry in entries {
        seq += 1;
        let before = entry.before.as_ref().map(|value| value.to_string());
        let after = entry.after.as_ref().map(|value| value.to_string());
        let hash = crate::core::audit::hash(
            &prev,
            &crate::core::audit::Fields {
                seq,
                at_ms: at,
                actor: &entry.actor,
                channel: entry.channel.as_str(),
                action: entry.action,
                target: &entry.target,
                before: before.as_deref(),
                after: after.as_deref(),
            },
        );
        sqlx::query(
            "INSERT INTO audit_log (seq, at, actor, channel, action, target, before_json, after_json, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(seq)
        .bind(at)
        .bind(&entry.actor)
        .bind(entry.channel.as_str())
        .bind(entry.action)
        .bind(&entry.target)
        .bind(before)
        .bind(after)
        .bind(&prev)
        .bind(&hash)
        .execute(&mut *connection)
        .await?;
        prev = hash;
    }
    sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq)
        .bind(&prev)
        .execute(&mut *connection)
        .await?;
    Ok(())
}

/// `column = $n`, or `column LIKE $n` for a prefix ending in `*` (with LIKE's own wildcards
/// escaped).
fn matching(column: &str, value: &str, n: usize) -> (String, String) {
    match value.strip_suffix('*') {
        Some(prefix) => {
            let escaped = prefix
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            (
                format!("{column} LIKE ${n} ESCAPE '\\'"),
                format!("{escaped}%"),
            )
        }
        None => (format!("{column} = ${n}"), value.to_owned()),
    }
}

#[async_trait::async_trait]
impl crate::store::audit::AuditStore for SqlStore {
    async fn record_audit(
        &self,
        entries: &[NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        append(&mut transaction, entries, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn list_audit(&self, filter: &AuditFilter) -> crate::store::Result<Vec<AuditEntry>> {
        let mut conditions = Vec::new();
        let mut texts = Vec::new();
        let mut numbers = Vec::new();
        for (column, value) in [
            ("actor", &filter.actor),
            ("action", &filter.action),
            ("target", &filter.target),
        ] {
            if let Some(value) = value {
                let (condition, bound) = matching(column, value, texts.len() + 1);
                conditions.push(condition);
                texts.push(bound);
            }
        }
        for (condition, value) in [
            ("at >= ", filter.from.map(|at| at.as_millisecond())),
            ("at < ", filter.to.map(|at| at.as_millisecond())),
            ("seq > ", filter.after_seq),
            ("seq < ", filter.before_seq),
        ] {
            if let Some(value) = value {
                numbers.push(value);
                conditions.push(format!("{condition}${}", texts.len() + numbers.len()));
            }
        }
        let mut sql = format!("SELECT {COLUMNS} FROM audit_log");
        if !conditions.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&conditions.join(" AND "));
        }
        sql.push_str(if filter.oldest_first {
            " ORDER BY seq"
        } else {
            " ORDER BY seq DESC"
        });
        sql.push_str(&format!(" LIMIT {}", filter.limit.clamp(1, 10_000)));
        let mut query = sqlx::query(&sql);
        for text in texts {
            query = query.bind(text);
        }
        for number in numbers {
            query = query.bind(number);
        }
        let rows = query.fetch_all(self.reader()).await?;
        rows.iter().map(entry_from).collect()
    }

    async fn audit_head(&self) -> crate::store::Result<(i64, String)> {
        let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1")
            .fetch_one(self.reader())
            .await?;
        Ok((row.try_get("seq")?, row.try_get("hash")?))
    }
}
