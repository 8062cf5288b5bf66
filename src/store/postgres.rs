//! The PostgreSQL backend, for several Firewatch replicas on one database. Jobs are claimed
//! with `FOR UPDATE SKIP LOCKED`, so replicas never take the same job; migrations take
//! sqlx's advisory lock, so replicas starting together migrate once.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

use super::shared::shared_store_impl;
use jiff::Timestamp;

use super::{Accepted, EmbeddedMigrations, NewEvent, Result};

#[derive(Debug, Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

impl PostgresStore {
    pub const MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[
        (
            1,
            "events, jobs and api tokens",
            include_str!("../../migrations/postgres/0001_init.sql"),
        ),
        (
            2,
            "normalized forge records",
            include_str!("../../migrations/postgres/0002_normalized.sql"),
        ),
        (
            3,
            "pull request and build state, job keys",
            include_str!("../../migrations/postgres/0003_state.sql"),
        ),
        (
            4,
            "index of forge events for the projector",
            include_str!("../../migrations/postgres/0004_forge_index.sql"),
        ),
        (
            5,
            "users",
            include_str!("../../migrations/postgres/0005_users.sql"),
        ),
        (
            6,
            "sessions, delivery attempts, event counts and event repositories",
            include_str!("../../migrations/postgres/0006_web.sql"),
        ),
        (
            7,
            "alerts and their changes",
            include_str!("../../migrations/postgres/0007_alerts.sql"),
        ),
        (
            8,
            "silences and maintenance windows",
            include_str!("../../migrations/postgres/0008_silences.sql"),
        ),
        (
            9,
            "notification groups and flapping",
            include_str!("../../migrations/postgres/0009_alert_groups.sql"),
        ),
        (
            10,
            "tasks for unhandled alerts, and notices for the noise report",
            include_str!("../../migrations/postgres/0010_alert_tasks.sql"),
        ),
        (
            11,
            "built-in checks: state, results and rollups",
            include_str!("../../migrations/postgres/0011_checks.sql"),
        ),
        (
            12,
            "claims read queue heads",
            include_str!("../../migrations/postgres/0012_job_heads.sql"),
        ),
        (
            13,
            "forge events read in commit order",
            include_str!("../../migrations/postgres/0013_forge_commit_order.sql"),
        ),
    ];

    pub async fn connect(url: &str) -> Result<Self> {
        let options = PgConnectOptions::from_str(url)?;
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options)
            .await?;
        let migrator = sqlx::migrate::Migrator::new(EmbeddedMigrations(Self::MIGRATIONS)).await?;
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

    /// PostgreSQL does its own group commit; several committers run at once.
    pub async fn insert_events(
        &self,
        events: &[NewEvent],
        now: Timestamp,
    ) -> Result<Vec<Accepted>> {
        self.insert_events_in_transaction(events, now).await
    }

    /// Commits are durable when they return.
    pub async fn sync_durable(&self) -> Result<()> {
        Ok(())
    }

    pub async fn maintain(&self) -> Result<bool> {
        Ok(false)
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

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

shared_store_impl!(
    PostgresStore,
    sqlx::Postgres,
    " FOR UPDATE SKIP LOCKED",
    " FOR UPDATE",
    false
);
