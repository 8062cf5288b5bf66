//! The SQLite backend: one file in WAL mode with `synchronous = FULL`, so a commit is on disk
//! before intake answers. All writes go through a single connection (SQLite has one writer
//! anyway; this way no writer ever waits on a busy lock), reads through a small pool.
//! Automatic checkpoints are off on every connection: `maintain` checkpoints from a reader, so
//! the writer never pays for copying the WAL back into the database.

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};

use super::shared::shared_store_impl;
use super::{EmbeddedMigrations, Result};

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
}

impl SqliteStore {
    pub const MIGRATIONS: &'static [(i64, &'static str, &'static str)] = &[(
        1,
        "events, jobs and api tokens",
        include_str!("../../migrations/sqlite/0001_init.sql"),
    )];

    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            .pragma("wal_autocheckpoint", "0")
            // After a checkpoint resets the WAL, its file is cut back to this size.
            .pragma("journal_size_limit", "67108864");
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(30))
            .connect_with(options.clone())
            .await?;
        let migrator = sqlx::migrate::Migrator::new(EmbeddedMigrations(Self::MIGRATIONS)).await?;
        migrator.run(&writer).await?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await?;
        Ok(Self { writer, reader })
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    pub async fn maintain(&self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .execute(&self.reader)
            .await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }
}

shared_store_impl!(SqliteStore, sqlx::Sqlite, "");
