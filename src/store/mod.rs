//! The storage layer: the one storage interface, every domain's storage trait and its SQL. [`Store`]
//! has a SQLite backend (the default, one file, WAL) and a PostgreSQL backend (for several
//! replicas), chosen by the database URL's scheme. Each domain's storage trait and row types live in
//! `store/<domain>.rs` and its SQL, written once, in `store/sql/<domain>.rs`; each backend file
//! compiles every SQL file as a module of its own, with its own `Db` type and lock fragments, and
//! holds only what differs (connection, intake's batch, syncing, housekeeping). Nothing here names
//! a domain's behaviour: a rule the SQL must apply inside its transaction comes in as a closure
//! or a plain value the domain made.

pub mod accounts;
pub mod alerts;
pub mod audit;
pub mod changes;
pub mod checks;
mod events;
pub mod forge;
mod held_files;
pub mod incidents;
mod jobs;
pub mod maintenance;
pub mod metrics;
mod migrations;
mod notifications;
pub mod oncall;
mod postgres;
pub mod postmortems;
pub mod retention;
mod sqlite;
pub mod statuspage;

use std::borrow::Cow;
use std::sync::Arc;

use jiff::Timestamp;

pub use events::{
    Accepted, EventCount, EventFilter, EventJob, EventOrigin, EventStatus, EventStore, NewEvent,
    StoredEvent, alert_jobs, alert_queue,
};
pub use jobs::{
    ALERT_QUEUE, ClaimedJob, DeliveryPayload, JobKind, JobOutcome, JobStore, NewJob, PostedMessage,
    QueueCounts, Timer, delivery_payload,
};
pub use notifications::{
    DestinationHealth, LatencyBucket, Notification, NotificationFilter, NotificationState,
    NotificationStore,
};
pub use postgres::PostgresStore;
pub use retention::RetentionStore;
pub use sqlite::SqliteStore;

/// Events are counted per quarter hour: every time zone's offset is a whole number of them.
pub(crate) const COUNT_BUCKET_MS: i64 = 900_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A row with the same unique key exists.
    #[error("already exists")]
    Conflict,
    /// sqlx's message is in this one's, whole. It is no `source`, so an error chain (`{:#}`,
    /// as the command line prints errors) does not repeat it.
    #[error("database error: {0}")]
    Database(sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    #[error("unsupported database URL \"{0}\": use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
    #[error("{0}")]
    Unsupported(&'static str),
    /// A stored row this version cannot read.
    #[error("a stored row could not be read: {0}")]
    Corrupt(String),
}

impl From<sqlx::Error> for StoreError {
    fn from(error: sqlx::Error) -> Self {
        StoreError::Database(error)
    }
}

impl StoreError {
    /// The database server could not be reached, or is starting up: worth trying again in a
    /// moment, unlike a refused password or a database that does not exist.
    pub fn is_unreachable(&self) -> bool {
        let database = match self {
            StoreError::Database(error) => error,
            StoreError::Migration(sqlx::migrate::MigrateError::Execute(error)) => error,
            _ => return false,
        };
        match database {
            sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
            // 57P03: "the database system is starting up" (or shutting down, or in recovery).
            sqlx::Error::Database(error) => error.code().is_some_and(|code| code == "57P03"),
            _ => false,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What `backup_into` wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub events: i64,
    pub bytes: u64,
    /// `PRAGMA quick_check` of the copy: "ok" when it is sound.
    pub check: String,
}

/// A handle on the open store; cheap to clone. Every query is a method of one of the storage
/// traits [`Backend`] gathers (one per domain), called through `Deref`: `store.get_alert(id)`.
#[derive(Clone)]
pub struct Store(Arc<dyn Backend>);

/// Everything a backend provides: the platform's own operations and each domain's storage
/// trait. A new domain's trait is one more bound here.
pub trait Backend:
    Platform
    + EventStore
    + JobStore
    + NotificationStore
    + accounts::AccountStore
    + audit::AuditStore
    + forge::ForgeStore
    + alerts::AlertStore
    + alerts::SilenceStore
    + alerts::TaskStore
    + checks::CheckStore
    + oncall::OncallStore
    + incidents::IncidentStore
    + postmortems::PostmortemStore
    + changes::ChangeStore
    + metrics::MetricsStore
    + statuspage::StatusPageStore
    + statuspage::SubscriberStore
    + RetentionStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Backend for T where
    T: Platform
        + EventStore
        + JobStore
        + NotificationStore
        + accounts::AccountStore
        + audit::AuditStore
        + forge::ForgeStore
        + alerts::AlertStore
        + alerts::SilenceStore
        + alerts::TaskStore
        + checks::CheckStore
        + oncall::OncallStore
        + incidents::IncidentStore
        + postmortems::PostmortemStore
        + changes::ChangeStore
        + metrics::MetricsStore
        + statuspage::StatusPageStore
        + statuspage::SubscriberStore
        + RetentionStore
        + Send
        + Sync
        + 'static
{
}

/// What each backend does its own way: intake's batch, durability, housekeeping, backup.
#[async_trait::async_trait]
pub trait Platform {
    fn backend_name(&self) -> &'static str;

    /// How many intake committers may write at once. SQLite has one writer, so one committer
    /// is all it can use.
    fn parallel_writers(&self) -> usize;

    /// Stores events and their delivery jobs in one transaction. Events whose key was seen
    /// before are not stored again and answer with the original id. The transaction is durable
    /// once `sync_durable` returns.
    async fn insert_events(&self, events: &[NewEvent], now: Timestamp) -> Result<Vec<Accepted>>;

    /// Makes every transaction `insert_events` returned from so far durable (SQLite: one fsync of
    /// the WAL for all of them). Intake answers only after this.
    async fn sync_durable(&self) -> Result<()>;

    /// Lets the backend do housekeeping that must not slow the writer (SQLite: checkpoints).
    /// True when there is more to do right away.
    async fn maintain(&self) -> Result<bool>;

    /// A consistent copy of a SQLite store, written while it serves. PostgreSQL has
    /// `pg_dump` for this: `Unsupported`.
    async fn backup_into(&self, path: &std::path::Path) -> Result<Backup>;

    /// The database's size on disk in bytes (SQLite: the database file, without the WAL).
    async fn database_bytes(&self) -> Result<u64>;

    /// Gives a little of the space pruning freed back to the file system (SQLite: an
    /// incremental vacuum of a few MiB, when the database was made with `auto_vacuum =
    /// incremental`; PostgreSQL's autovacuum does this itself). True when more is free.
    async fn give_back_space(&self) -> Result<bool>;

    async fn close(&self);
}

impl Store {
    /// Connects by URL scheme and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            Ok(Store(Arc::new(SqliteStore::connect(url).await?)))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store(Arc::new(PostgresStore::connect(url).await?)))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }
}

impl std::ops::Deref for Store {
    type Target = dyn Backend;

    fn deref(&self) -> &Self::Target {
        &*self.0
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter
            .debug_tuple("Store")
            .field(&self.backend_name())
            .finish()
    }
}

/// Which events of a batch to insert: each (integration, key) once, sorted by key so that
/// concurrent batches on PostgreSQL take their unique-index locks in the same order and cannot
/// deadlock.
struct DedupPlan<'e> {
    unique: Vec<usize>,
    first_with_key: std::collections::HashMap<(&'e str, &'e str), usize>,
}

impl<'e> DedupPlan<'e> {
    fn new(events: &'e [NewEvent]) -> Self {
        let mut order: Vec<usize> = (0..events.len()).collect();
        order.sort_by(|a, b| Self::key(events, *a).cmp(&Self::key(events, *b)));
        let mut first_with_key = std::collections::HashMap::new();
        let mut unique = Vec::with_capacity(events.len());
        for index in order {
            first_with_key
                .entry(Self::key(events, index))
                .or_insert_with(|| {
                    unique.push(index);
                    index
                });
        }
        Self {
            unique,
            first_with_key,
        }
    }

    /// An event without a sender's key is its own key.
    fn key(events: &'e [NewEvent], index: usize) -> (&'e str, &'e str) {
        let event = &events[index];
        (
            event.integration.as_str(),
            event.dedup_key.as_deref().unwrap_or(event.id.as_str()),
        )
    }

    fn key_of(&self, events: &'e [NewEvent], index: usize) -> (&'e str, &'e str) {
        Self::key(events, index)
    }

    /// The events to insert, in the order they came.
    fn in_arrival_order(&self) -> Vec<usize> {
        let mut order = self.unique.clone();
        order.sort_unstable();
        order
    }

    /// The keys of the batch that were not inserted because an earlier event holds them.
    fn taken_keys(
        &self,
        events: &'e [NewEvent],
        inserted: &std::collections::HashSet<String>,
    ) -> Vec<(String, String)> {
        self.unique
            .iter()
            .filter(|&&index| !inserted.contains(&events[index].id))
            .map(|&index| {
                let (integration, key) = Self::key(events, index);
                (
                    clean_text(integration).into_owned(),
                    clean_text(key).into_owned(),
                )
            })
            .collect()
    }

    /// Each event's answer, and the (event, destination) jobs owed to the events just inserted.
    fn results(
        &self,
        events: &'e [NewEvent],
        inserted: &std::collections::HashSet<String>,
        original: &std::collections::HashMap<(String, String), String>,
    ) -> (
        Vec<Accepted>,
        Vec<(usize, &'e crate::core::routing::Target)>,
    ) {
        let mut results = Vec::with_capacity(events.len());
        let mut jobs = Vec::new();
        for (index, event) in events.iter().enumerate() {
            let key = Self::key(events, index);
            if inserted.contains(&event.id) {
                jobs.extend(event.destinations.iter().map(|target| (index, target)));
                results.push(Accepted {
                    id: event.id.clone(),
                    duplicate: false,
                });
            } else {
                // Seen before this batch, or earlier in this same batch.
                let stored_key = (
                    clean_text(key.0).into_owned(),
                    clean_text(key.1).into_owned(),
                );
                let id = original
                    .get(&stored_key)
                    .cloned()
                    .unwrap_or_else(|| events[self.first_with_key[&key]].id.clone());
                results.push(Accepted {
                    id,
                    duplicate: true,
                });
            }
        }
        (results, jobs)
    }
}

/// Newly stored events per (quarter-hour bucket, source), sorted, as `event_counts` keeps them.
fn event_counts<'e>(events: impl Iterator<Item = &'e NewEvent>) -> Vec<((i64, String), i64)> {
    let bucket = COUNT_BUCKET_MS;
    let mut counts = std::collections::BTreeMap::new();
    for event in events {
        let start = event.received_at.as_millisecond().div_euclid(bucket) * bucket;
        *counts.entry((start, event.source.clone())).or_insert(0_i64) += 1;
    }
    counts.into_iter().collect()
}

/// Time-ordered ids (UUIDv7) whose time part comes from the injected clock.
pub fn new_id(now: Timestamp) -> String {
    let seconds = u64::try_from(now.as_second()).unwrap_or(0);
    let timestamp = uuid::Timestamp::from_unix(
        uuid::NoContext,
        seconds,
        now.subsec_nanosecond().unsigned_abs(),
    );
    uuid::Uuid::new_v7(timestamp).to_string()
}

/// PostgreSQL refuses NUL in text; senders' strings are cleaned the same way on both backends.
fn clean_text(text: &str) -> Cow<'_, str> {
    if text.contains('\0') {
        Cow::Owned(text.replace('\0', "\u{FFFD}"))
    } else {
        Cow::Borrowed(text)
    }
}

fn notification_state(state: &str, attempts: i32) -> NotificationState {
    match state {
        "done" => NotificationState::Delivered,
        "dead" => NotificationState::Dead,
        _ if attempts > 0 => NotificationState::Retrying,
        _ => NotificationState::Pending,
    }
}

/// The migrations compiled into the binary, in one backend's dialect.
#[derive(Debug, Clone, Copy)]
enum EmbeddedMigrations {
    Sqlite,
    Postgres,
}

impl<'s> sqlx::migrate::MigrationSource<'s> for EmbeddedMigrations {
    fn resolve(
        self,
    ) -> std::pin::Pin<
        Box<
            dyn std::future::Future<
                    Output = std::result::Result<
                        Vec<sqlx::migrate::Migration>,
                        sqlx::error::BoxDynError,
                    >,
                > + Send
                + 's,
        >,
    > {
        Box::pin(async move {
            Ok(migrations::MIGRATIONS
                .iter()
                .map(|migration| {
                    let sql = match self {
                        EmbeddedMigrations::Sqlite => migration.sqlite,
                        EmbeddedMigrations::Postgres => migration.postgres,
                    };
                    sqlx::migrate::Migration::new(
                        migration.version,
                        Cow::Borrowed(migration.description),
                        sqlx::migrate::MigrationType::Simple,
                        Cow::Borrowed(sql),
                        false,
                    )
                })
                .collect())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The backend's migrations up to `last` only: a database as an older Firewatch left it.
    async fn migrator(source: EmbeddedMigrations, last: Option<i64>) -> sqlx::migrate::Migrator {
        let mut migrator = sqlx::migrate::Migrator::new(source).await.unwrap();
        if let Some(last) = last {
            let older: Vec<_> = migrator
                .iter()
                .filter(|m| m.version <= last)
                .cloned()
                .collect();
            migrator.migrations = Cow::Owned(older);
        }
        migrator
    }

    const BEFORE_RECORDS: &str = "INSERT INTO deployments (id, source, repository, service, environment, status, kind, finished_at, changes, first_commits, change_count) VALUES \
        ('dep-1', 'deployments', 'acme/api', 'api', 'production', 'success', 'planned', 1003500, 'known', '1000,2', 2), \
        ('dep-2', 'deployments', 'acme/api', 'api', 'production', 'success', 'rollback', 2000000, 'seed', '', 0)";
    const RECORDS: &str = "SELECT record FROM deployments ORDER BY id";
    /// As `metrics::sql::record` writes them: leads are seconds from each first commit to the
    /// deployment finishing (1003.5 s, counted in whole seconds as the query does).
    const EXPECTED: [&str; 2] = [
        "dep-1|api|production|planned|1003500|known|3,1001",
        "dep-2|api|production|rollback|2000000|seed|",
    ];

    #[tokio::test]
    async fn deployments_stored_before_their_records_get_them_on_sqlite() {
        let directory = tempfile::tempdir().unwrap();
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .connect_with(
                sqlx::sqlite::SqliteConnectOptions::new()
                    .filename(directory.path().join("fw.db"))
                    .create_if_missing(true),
            )
            .await
            .unwrap();
        let sqlite = EmbeddedMigrations::Sqlite;
        migrator(sqlite, Some(21)).await.run(&pool).await.unwrap();
        sqlx::query(BEFORE_RECORDS).execute(&pool).await.unwrap();
        migrator(sqlite, None).await.run(&pool).await.unwrap();
        let records: Vec<String> = sqlx::query_scalar(RECORDS).fetch_all(&pool).await.unwrap();
        assert_eq!(records, EXPECTED);
    }

    #[tokio::test]
    async fn deployments_stored_before_their_records_get_them_on_postgres() {
        // `scripts/test` sets it; a plain `cargo test` on a machine without PostgreSQL does not.
        let Ok(url) = std::env::var("FIREWATCH_TEST_POSTGRES_URL") else {
            return;
        };
        let admin = sqlx::PgPool::connect(&url).await.unwrap();
        let name = format!("firewatch_records_{}", uuid::Uuid::now_v7().simple());
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        let options: sqlx::postgres::PgConnectOptions = url.parse().unwrap();
        let pool = sqlx::PgPool::connect_with(options.database(&name))
            .await
            .unwrap();
        let postgres = EmbeddedMigrations::Postgres;
        migrator(postgres, Some(21)).await.run(&pool).await.unwrap();
        sqlx::query(BEFORE_RECORDS).execute(&pool).await.unwrap();
        migrator(postgres, None).await.run(&pool).await.unwrap();
        let records: Vec<String> = sqlx::query_scalar(RECORDS).fetch_all(&pool).await.unwrap();
        pool.close().await;
        sqlx::query(&format!("DROP DATABASE {name}"))
            .execute(&admin)
            .await
            .unwrap();
        assert_eq!(records, EXPECTED);
    }
}
