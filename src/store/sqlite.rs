//! The SQLite backend: one file in WAL mode with `synchronous = FULL`, so a commit is on disk
//! before intake answers. All writes go through a single connection (SQLite has one writer
//! anyway; this way no writer ever waits on a busy lock), reads through a small pool.
//! Automatic checkpoints are off on every connection: `maintain` checkpoints from a reader, so
//! the writer never pays for copying the WAL back into the database. The fsyncs this store
//! does itself go through descriptors held for its lifetime (`held_files`): opening and
//! closing the files would drop SQLite's locks.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::sqlite::{
    SqliteAutoVacuum, SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteSynchronous,
};

use jiff::Timestamp;
use sqlx::{QueryBuilder, Row as _, Sqlite};

use self::events::{EVENT_INSERT, JOB_INSERT};
use super::COUNT_BUCKET_MS;
use super::held_files::{self, HeldFiles};
use super::{Accepted, DedupPlan, EmbeddedMigrations, NewEvent, Result};

/// Rows per multi-row INSERT in the intake batch. 1,000 events × 11 columns stays under
/// SQLite's 32,766 bound parameters.
const BATCH_CHUNK: usize = 1000;

/// WAL frames (8 KiB pages, so 128 MiB) past which the WAL should start over from its
/// beginning. Each restart costs the writer one short stall, so not too often.
const WAL_RESTART_FRAMES: i64 = 16_384;
/// Frames not yet copied back below which the writer's own catch-up checkpoint is short.
const WAL_CATCH_UP_FRAMES: i64 = 128;

#[derive(Debug, Clone)]
pub struct SqliteStore {
    writer: SqlitePool,
    reader: SqlitePool,
    files: Arc<HeldFiles>,
    /// Whether `close` ran (on any clone): the files are released once.
    closed: Arc<AtomicBool>,
    /// Set by `maintain` when the WAL is long and nearly all copied back: the writer then
    /// copies the rest before its next batch, which lets that batch restart the WAL.
    restart_wal: Arc<AtomicBool>,
}

impl SqliteStore {
    pub async fn connect(url: &str) -> Result<Self> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Full)
            .busy_timeout(Duration::from_secs(10))
            // Events are ~2 KB: 8 KiB pages hold three where 4 KiB pages hold one, so a commit
            // writes fewer WAL pages. Applies to new database files.
            .page_size(8192)
            .pragma("wal_autocheckpoint", "0")
            // After a checkpoint resets the WAL, its file is cut back to this size.
            .pragma("journal_size_limit", "134217728")
            // The intake batch's mark table never needs to reach the disk.
            .pragma("temp_store", "memory");
        // Neither pool ever closes its last connection on its own (no idle timeout, no
        // lifetime): the last connection of the process to close deletes the WAL, and the held
        // descriptors would then sync a file no longer in use.
        if options.get_filename() == std::path::Path::new(":memory:") {
            // Each connection would get a database of its own.
            return Err(super::StoreError::Unsupported(
                "an in-memory SQLite database cannot be shared by the store's connections; give a file: sqlite://firewatch.db",
            ));
        }
        // Until the files are acquired, no other store of the process may close (see there).
        let _gate = held_files::opening_or_closing().await;
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .acquire_timeout(Duration::from_secs(30))
            // A bookkeeping transaction leaves the connection at `synchronous = NORMAL`; it
            // is set back before anyone else gets the connection, on every path (committed,
            // rolled back or dropped). If that fails, the connection is closed instead.
            .after_release(|connection, _| {
                Box::pin(async move {
                    sqlx::query("PRAGMA synchronous = FULL")
                        .execute(&mut *connection)
                        .await?;
                    Ok(true)
                })
            })
            // Space that retention frees goes back to the file system a little at a time
            // (`give_back_space`). Takes effect on new database files only, as the page size
            // does, and on the writer only: setting it is a write transaction, which a reader
            // opening beside the writer would wait for, or fail with "database is locked".
            .connect_with(options.clone().auto_vacuum(SqliteAutoVacuum::Incremental))
            .await?;
        let migrator = sqlx::migrate::Migrator::new(EmbeddedMigrations::Sqlite).await?;
        migrator.run(&writer).await?;
        // The writer's connection is open, so the WAL exists.
        let files = match HeldFiles::acquire(options.get_filename()) {
            Ok(files) => files,
            Err(error) => {
                writer.close().await;
                return Err(error.into());
            }
        };
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .min_connections(1)
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_with(options)
            .await;
        let reader = match reader {
            Ok(reader) => reader,
            Err(error) => {
                writer.close().await;
                files.release();
                return Err(error.into());
            }
        };
        Ok(Self {
            writer,
            reader,
            files,
            closed: Arc::default(),
            restart_wal: Arc::default(),
        })
    }

    /// A write transaction for the worker's own bookkeeping (leases, outcomes, applied alert
    /// reports), committed with `synchronous = NORMAL`: in WAL mode it survives the process
    /// dying, and only an OS crash or power cut can undo it, which leaves the job pending, to
    /// be run again. The next fsync (an intake batch's, a durable commit's or a checkpoint's)
    /// covers it anyway.
    async fn begin_bookkeeping(&self) -> Result<sqlx::Transaction<'static, Sqlite>> {
        Ok(self
            .writer
            .begin_with("PRAGMA synchronous = NORMAL; BEGIN")
            .await?)
    }

    fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    fn reader(&self) -> &SqlitePool {
        &self.reader
    }

    /// One writer: an event is visible only once every lower seq is, and `tx` is always 0.
    async fn forge_horizon(&self) -> Result<i64> {
        Ok(1)
    }
}

#[async_trait::async_trait]
impl super::Platform for SqliteStore {
    fn backend_name(&self) -> &'static str {
        "sqlite"
    }

    fn parallel_writers(&self) -> usize {
        1
    }

    /// The intake batch in one round trip to SQLite's thread: events, then the jobs of the
    /// events that were new (a redelivery inserts no event, so `EXISTS` finds none), committed
    /// with `synchronous = NORMAL`: the commit is written but not yet synced. The caller makes it
    /// durable with `sync_durable` before answering anyone, so one fsync serves every batch
    /// written since the last, and the writer moves on to the next batch meanwhile.
    async fn insert_events(&self, events: &[NewEvent], now: Timestamp) -> Result<Vec<Accepted>> {
        let plan = DedupPlan::new(events);
        // The events of this batch are those above the mark; they are counted per quarter hour
        // for the overview within the same transaction.
        let mut builder = QueryBuilder::<Sqlite>::new(
            "PRAGMA synchronous = NORMAL; BEGIN IMMEDIATE; \
             CREATE TEMP TABLE IF NOT EXISTS intake_mark (seq INTEGER NOT NULL); \
             DELETE FROM temp.intake_mark; \
             INSERT INTO temp.intake_mark SELECT COALESCE(max(seq), 0) FROM events; ",
        );
        for chunk in plan.unique.chunks(BATCH_CHUNK) {
            builder.push(EVENT_INSERT);
            builder.push_values(chunk, |row, &index| {
                Self::push_event_row(row, &events[index], plan.key_of(events, index).1)
            });
            // One count per statement rather than one row per event: rows stream back from
            // SQLite's thread one by one, and a batch without redeliveries needs no ids back.
            builder.push(" ON CONFLICT DO NOTHING; SELECT changes(); ");
        }
        // Jobs in arrival order, not key order: a queue (a destination's, the alerts') runs
        // them in the order they are stored.
        let arrived = plan.in_arrival_order();
        let jobs: Vec<(usize, &crate::core::routing::Target)> = arrived
            .iter()
            .flat_map(|&index| events[index].destinations.iter().map(move |t| (index, t)))
            .collect();
        for chunk in jobs.chunks(BATCH_CHUNK) {
            builder.push(JOB_INSERT);
            builder.push("SELECT * FROM (");
            builder.push_values(chunk, |row, &(index, destination)| {
                Self::push_job_row(row, &events[index], destination, now)
            });
            // column4 is the event id.
            builder.push(") AS candidate WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = candidate.column4); ");
        }
        let alert_jobs: Vec<(&NewEvent, &crate::store::EventJob)> = arrived
            .iter()
            .map(|&index| &events[index])
            .flat_map(|event| event.jobs.iter().map(move |job| (event, job)))
            .collect();
        for chunk in alert_jobs.chunks(BATCH_CHUNK) {
            builder.push(JOB_INSERT);
            builder.push("SELECT * FROM (");
            builder.push_values(chunk, |row, (event, job)| {
                Self::push_alert_job_row(row, event, job, now)
            });
            builder.push(") AS candidate WHERE EXISTS (SELECT 1 FROM events e WHERE e.id = candidate.column4); ");
        }
        builder.push(format!(
            "INSERT INTO event_counts (bucket, source, count) \
             SELECT (received_at / {COUNT_BUCKET_MS}) * {COUNT_BUCKET_MS}, source, count(*) FROM events \
             WHERE seq > (SELECT seq FROM temp.intake_mark) GROUP BY 1, 2 \
             ON CONFLICT (bucket, source) DO UPDATE SET count = event_counts.count + excluded.count; "
        ));
        builder.push("COMMIT; PRAGMA synchronous = FULL;");

        let mut connection = self.writer.acquire().await?;
        if self.restart_wal.swap(false, Ordering::Relaxed) {
            // Copies the few frames the background checkpoint has not; with nothing left to
            // copy, the next write transaction starts the WAL over instead of growing it.
            sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                .execute(&mut *connection)
                .await?;
        }
        let rows = match builder.build().fetch_all(&mut *connection).await {
            Ok(rows) => rows,
            Err(error) => {
                // The batch stopped part-way: undo it and restore the connection's setting.
                let _ = sqlx::query("ROLLBACK").execute(&mut *connection).await;
                let _ = sqlx::query("PRAGMA synchronous = FULL")
                    .execute(&mut *connection)
                    .await;
                return Err(error.into());
            }
        };
        let mut count: usize = 0;
        for row in rows {
            count += usize::try_from(row.try_get::<i64, _>(0)?).unwrap_or(0);
        }
        let inserted: HashSet<String> = if count == plan.unique.len() {
            plan.unique
                .iter()
                .map(|&index| events[index].id.clone())
                .collect()
        } else {
            // Some keys were taken: the events stored under our own ids are the new ones.
            let mut inserted = HashSet::with_capacity(count);
            for &index in &plan.unique {
                let id = events[index].id.as_str();
                if sqlx::query("SELECT 1 FROM events WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&mut *connection)
                    .await?
                    .is_some()
                {
                    inserted.insert(id.to_owned());
                }
            }
            inserted
        };
        let original =
            Self::original_ids(&mut connection, plan.taken_keys(events, &inserted)).await?;
        Ok(plan.results(events, &inserted, &original).0)
    }

    /// Syncs the WAL: every transaction written before this call is on disk when it returns.
    async fn sync_durable(&self) -> Result<()> {
        let files = self.files.clone();
        blocking(move || files.sync_wal()).await
    }

    /// Copies WAL frames back into the database file without blocking the writer. Under
    /// steady writes a passive checkpoint never reaches the WAL's end, so the WAL would grow
    /// without bound; once it is long and nearly copied, the writer is asked to finish the job.
    /// Returns true when there is more to copy right away.
    async fn maintain(&self) -> Result<bool> {
        let (_busy, frames, copied): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
                .fetch_one(&self.reader)
                .await?;
        // A passive checkpoint that does not reach the WAL's end does not sync the database
        // file; syncing it here keeps the sync at the end of a completed checkpoint (on the
        // writer, see `restart_wal`) short.
        if copied > 0 {
            let files = self.files.clone();
            blocking(move || files.sync_database()).await?;
        }
        let behind = frames - copied;
        if frames > WAL_RESTART_FRAMES && behind < WAL_CATCH_UP_FRAMES {
            self.restart_wal.store(true, Ordering::Relaxed);
        }
        Ok(behind >= WAL_CATCH_UP_FRAMES)
    }

    /// Writes a consistent copy of the database to `path`, a file that must not exist yet:
    /// `VACUUM INTO` reads one snapshot in a read transaction, so the server goes on writing
    /// meanwhile. The copy is synced, then checked and counted.
    async fn backup_into(&self, path: &std::path::Path) -> Result<super::Backup> {
        if path.exists() {
            return Err(std::io::Error::new(
                std::io::ErrorKind::AlreadyExists,
                format!(
                    "{} exists; a backup is written to a new file",
                    path.display()
                ),
            )
            .into());
        }
        let target = path.to_str().ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path is not UTF-8")
        })?;
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.reader)
            .await?;
        // Another file than the store's: opening and closing it releases none of its locks.
        let copy = path.to_owned();
        blocking(move || std::fs::File::open(copy)?.sync_all()).await?;
        let options = SqliteConnectOptions::new().filename(path).read_only(true);
        let mut connection = sqlx::ConnectOptions::connect(&options).await?;
        let check: String = sqlx::query_scalar("PRAGMA quick_check")
            .fetch_one(&mut connection)
            .await?;
        let events: i64 = sqlx::query_scalar("SELECT count(*) FROM events")
            .fetch_one(&mut connection)
            .await?;
        sqlx::Connection::close(connection).await?;
        Ok(super::Backup {
            events,
            bytes: std::fs::metadata(path)?.len(),
            check,
        })
    }

    async fn database_bytes(&self) -> Result<u64> {
        let (pages, page_size): (i64, i64) = sqlx::query_as(
            "SELECT page_count, page_size FROM pragma_page_count(), pragma_page_size()",
        )
        .fetch_one(&self.reader)
        .await?;
        Ok(u64::try_from(pages * page_size).unwrap_or(0))
    }

    async fn give_back_space(&self) -> Result<bool> {
        // 512 pages of 8 KiB: 4 MiB a step, a short hold of the writer.
        const STEP: i64 = 512;
        let mut connection = self.writer.acquire().await?;
        let (mode, free): (i64, i64) = sqlx::query_as(
            "SELECT auto_vacuum, freelist_count FROM pragma_auto_vacuum(), pragma_freelist_count()",
        )
        .fetch_one(&mut *connection)
        .await?;
        // 2 is incremental; a database made before it was set reuses freed pages instead.
        if mode != 2 || free == 0 {
            return Ok(false);
        }
        sqlx::query(&format!("PRAGMA incremental_vacuum({STEP})"))
            .execute(&mut *connection)
            .await?;
        Ok(free > STEP)
    }

    /// Closes the connections, then lets the held files go. Every store must be closed:
    /// one that is only dropped keeps its descriptors open for the rest of the process.
    async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
        if !self.closed.swap(true, Ordering::AcqRel) {
            let _gate = held_files::opening_or_closing().await;
            self.files.release();
        }
    }
}

// The SQL every backend runs as written, one module per file, compiled here with this
// backend's types: each file uses `SqlStore`, `Db` and the lock fragments below.
type SqlStore = SqliteStore;
type Db = sqlx::Sqlite;
/// What the claim's inner SELECT needs to skip rows other replicas hold.
const CLAIM_LOCK: &str = "";
/// What a read needs to hold its row until the transaction ends.
const ROW_LOCK: &str = "";
/// Whether to pin the claim's indexes (`jobs::jobs_by`).
const PIN: bool = true;

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

/// An fsync, off the async threads.
async fn blocking(sync: impl FnOnce() -> std::io::Result<()> + Send + 'static) -> Result<()> {
    tokio::task::spawn_blocking(sync)
        .await
        .map_err(|error| std::io::Error::other(error.to_string()))??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Platform as _;

    async fn synchronous(store: &SqliteStore) -> i64 {
        sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&store.writer)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn bookkeeping_relaxes_the_sync_for_its_own_transaction_only() {
        let directory = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", directory.path().join("fw.db").display());
        let store = SqliteStore::connect(&url).await.unwrap();
        const NORMAL: i64 = 1;
        const FULL: i64 = 2;
        assert_eq!(synchronous(&store).await, FULL);

        let mut transaction = store.begin_bookkeeping().await.unwrap();
        let inside: i64 = sqlx::query_scalar("PRAGMA synchronous")
            .fetch_one(&mut *transaction)
            .await
            .unwrap();
        assert_eq!(inside, NORMAL);
        transaction.commit().await.unwrap();
        assert_eq!(synchronous(&store).await, FULL, "after a commit");

        // Given up part-way, as on an error.
        drop(store.begin_bookkeeping().await.unwrap());
        assert_eq!(synchronous(&store).await, FULL, "after a rollback");
        store.close().await;
    }

    /// This process's descriptors on `path` and on files that were at `path` (unlinked).
    fn descriptors_of(path: &std::path::Path) -> (usize, Vec<String>) {
        let path = path.display().to_string();
        let (mut linked, mut unlinked) = (0, Vec::new());
        for entry in std::fs::read_dir("/proc/self/fd").unwrap().flatten() {
            let Ok(target) = std::fs::read_link(entry.path()) else {
                continue;
            };
            let target = target.display().to_string();
            if target == path {
                linked += 1;
            } else if target.starts_with(&path) {
                unlinked.push(target);
            }
        }
        (linked, unlinked)
    }

    /// Issue 37: `serve --demo` writes the history through one store, closes it (which
    /// deletes the WAL) and opens the serving store while the first value is still alive.
    #[tokio::test]
    async fn a_store_opened_after_another_closed_holds_the_new_wal() {
        let directory = tempfile::tempdir().unwrap();
        let database = directory.path().join("fw.db");
        let wal = directory.path().join("fw.db-wal");
        let url = format!("sqlite://{}", database.display());
        let mut store = SqliteStore::connect(&url).await.unwrap();
        for round in 0..3 {
            sqlx::query("CREATE TABLE IF NOT EXISTS t (x)")
                .execute(&store.writer)
                .await
                .unwrap();
            store.close().await;
            assert_eq!(descriptors_of(&wal), (0, vec![]), "round {round}: closed");
            // The old value is dropped only after the new one is made.
            store = SqliteStore::connect(&url).await.unwrap();
            sqlx::query("INSERT INTO t VALUES (1)")
                .execute(&store.writer)
                .await
                .unwrap();
            store.files.sync_wal().unwrap();
            // SQLite's connections and the held descriptor, all on the linked file.
            let (linked, unlinked) = descriptors_of(&wal);
            assert!(linked > 1, "round {round}: {linked} descriptors");
            assert_eq!(unlinked, Vec::<String>::new(), "round {round}");
        }
        store.close().await;
    }
}
