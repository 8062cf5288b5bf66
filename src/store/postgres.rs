//! The PostgreSQL backend, for several Firewatch replicas on one database. Jobs are claimed
//! with `FOR UPDATE SKIP LOCKED`, so replicas never take the same job; migrations take
//! sqlx's advisory lock, so replicas starting together migrate once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgPool, PgPoolOptions};

use jiff::Timestamp;

use super::{Accepted, EmbeddedMigrations, NewEvent, Result};

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        // One connection of our own first: the pool retries a server that refuses until its
        // acquire timeout and then reports only the timeout, hiding "connection refused".
        PgConnection::connect_with(&options).await?.close().await?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let migrator = sqlx::migrate::Migrator::new(EmbeddedMigrations::Postgres).await?;
        migrator.run(&pool).await?;
        Ok(Self { pool })
    }

    fn writer(&self) -> &PgPool {
        &self.pool
    }

    /// A write transaction for the worker's own bookkeeping, committed without waiting for
    /// the WAL flush (`synchronous_commit = off`, for this transaction only): a server crash
    /// can lose only the last such commits, which leaves their jobs pending, to be run again.
    async fn begin_bookkeeping(&self) -> Result<sqlx::Transaction<'static, sqlx::Postgres>> {
        let mut transaction = self.pool.begin().await?;
        sqlx::query("SET LOCAL synchronous_commit = off")
            .execute(&mut *transaction)
            .await?;
        Ok(transaction)
    }

    fn reader(&self) -> &PgPool {
        &self.pool
    }

    /// The transaction id below which every transaction that may store events has ended: the
    /// oldest one still running in this database, or, with none, the next id to be handed
    /// out. Events of transactions from here up may still be overtaken by an older one
    /// committing later, so the state projector waits for them. Transactions of other
    /// databases on the same server are left out: they cannot store our events, and a long one
    /// there must not hold the projection back. `pg_stat_activity` knows which backends are in
    /// this database, but gives 32-bit ids, so it only picks among the snapshot's own.
    async fn forge_horizon(&self) -> Result<i64> {
        let horizon: i64 = sqlx::query_scalar(
            "WITH snapshot AS (SELECT pg_current_snapshot() AS s), \
             ours AS (SELECT backend_xid::text::bigint AS xid FROM pg_stat_activity \
                      WHERE datname = current_database() AND backend_xid IS NOT NULL) \
             SELECT COALESCE( \
               (SELECT min(running::text::bigint) \
                FROM snapshot, pg_snapshot_xip(snapshot.s) AS running \
                WHERE running::text::bigint % 4294967296 IN (SELECT xid FROM ours)), \
               (SELECT pg_snapshot_xmax(s)::text::bigint FROM snapshot))",
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(horizon)
    }
}

#[async_trait::async_trait]
impl super::Platform for PostgresStore {
    fn backend_name(&self) -> &'static str {
        "postgres"
    }

    fn parallel_writers(&self) -> usize {
        4
    }

    async fn backup_into(&self, _path: &std::path::Path) -> Result<super::Backup> {
        Err(super::StoreError::Unsupported(
            "backup copies SQLite stores; back up PostgreSQL with pg_dump",
        ))
    }

    /// PostgreSQL does its own group commit; several committers run at once.
    async fn insert_events(&self, events: &[NewEvent], now: Timestamp) -> Result<Vec<Accepted>> {
        // Statement by statement, in one transaction.
        let mut transaction = self.writer().begin().await?;
        let results = Self::insert_event_rows(&mut transaction, events, now).await?;
        transaction.commit().await?;
        Ok(results)
    }

    /// Commits are durable when they return.
    async fn sync_durable(&self) -> Result<()> {
        Ok(())
    }

    async fn maintain(&self) -> Result<bool> {
        Ok(false)
    }

    async fn database_bytes(&self) -> Result<u64> {
        let bytes: i64 = sqlx::query_scalar("SELECT pg_database_size(current_database())")
            .fetch_one(&self.pool)
            .await?;
        Ok(u64::try_from(bytes).unwrap_or(0))
    }

    /// Autovacuum gives freed space back to PostgreSQL for new rows; nothing to do here.
    async fn give_back_space(&self) -> Result<bool> {
        Ok(false)
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

// The SQL every backend runs as written, one module per file, compiled here with this
// backend's types: each file uses `SqlStore`, `Db` and the lock fragments below.
type SqlStore = PostgresStore;
type Db = sqlx::Postgres;
/// What the claim's inner SELECT needs to skip rows other replicas hold.
const CLAIM_LOCK: &str = " FOR UPDATE SKIP LOCKED";
/// What a read needs to hold its row until the transaction ends.
const ROW_LOCK: &str = " FOR UPDATE";
/// Whether to pin the claim's indexes (`jobs::jobs_by`).
const PIN: bool = false;

#[path = "sql/accounts.rs"]
mod accounts;
#[path = "sql/alerts.rs"]
mod alerts;
#[path = "sql/audit.rs"]
mod audit;
#[path = "sql/changes.rs"]
mod changes;
#[path = "sql/checks.rs"]
mod checks;
#[path = "sql/events.rs"]
mod events;
#[path = "sql/forge.rs"]
mod forge;
#[path = "sql/incidents.rs"]
mod incidents;
#[path = "sql/jobs.rs"]
mod jobs;
#[path = "sql/metrics.rs"]
mod metrics;
#[path = "sql/notifications.rs"]
mod notifications;
#[path = "sql/oncall.rs"]
mod oncall;
#[path = "sql/postmortems.rs"]
mod postmortems;
#[path = "sql/retention.rs"]
mod retention;
#[path = "sql/silences.rs"]
mod silences;
#[path = "sql/statuspage.rs"]
mod statuspage;
#[path = "sql/tasks.rs"]
mod tasks;
