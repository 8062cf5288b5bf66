//! The one storage interface. [`Store`] has a SQLite backend (the default, one file, WAL) and a
//! PostgreSQL backend (for several replicas), chosen by the database URL's scheme. The SQL both
//! can run is written once in `shared.rs`; each backend file holds only what differs.

mod postgres;
mod shared;
mod sqlite;

use std::borrow::Cow;

use jiff::Timestamp;
use serde::Serialize;

pub use postgres::PostgresStore;
pub use sqlite::SqliteStore;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migration(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL \"{0}\": use sqlite:PATH or postgres://…")]
    UnsupportedUrl(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Whether an event is acted on or kept only for the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EventStatus {
    Accepted,
    Ignored,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Accepted => "accepted",
            EventStatus::Ignored => "ignored",
        }
    }

    fn parse(text: &str) -> Self {
        if text == "ignored" {
            EventStatus::Ignored
        } else {
            EventStatus::Accepted
        }
    }
}

/// An event as intake hands it to the store, with the destinations its routes chose: the
/// delivery jobs are written in the same transaction as the event.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub integration: String,
    pub source: String,
    pub kind: String,
    pub status: EventStatus,
    pub ignored_reason: Option<String>,
    /// The sender's idempotency key; `None` makes the event its own key.
    pub dedup_key: Option<String>,
    pub received_at: Timestamp,
    /// Request headers as a JSON object.
    pub headers: String,
    pub body: bytes::Bytes,
    pub destinations: Vec<String>,
    /// When the delivery jobs' retry window closes.
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub id: String,
    /// True when the key was seen before and `id` is the original event's.
    pub duplicate: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct StoredEvent {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    pub integration: String,
    pub source: String,
    pub kind: String,
    pub status: EventStatus,
    pub ignored_reason: Option<String>,
    pub dedup_key: String,
    pub received_at: Timestamp,
    #[serde(skip)]
    pub headers: String,
    #[serde(skip)]
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub integration: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    /// Only events older than this sequence number (the cursor).
    pub before: Option<i64>,
    pub limit: i64,
}

/// A unit of work in the durable job table: a delivery now, or a timer later.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    /// Jobs with the same queue run one at a time in insertion order.
    pub queue: Option<String>,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub payload: String,
    pub run_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub seq: i64,
    pub kind: String,
    pub queue: Option<String>,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub payload: String,
    /// Attempts finished before this one.
    pub attempts: i32,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// How an attempt ended, as the store records it.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done {
        status: Option<i32>,
    },
    Retry {
        at: Timestamp,
        status: Option<i32>,
        error: String,
    },
    Dead {
        status: Option<i32>,
        error: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    Pending,
    Retrying,
    Delivered,
    Dead,
}

impl NotificationState {
    pub fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => NotificationState::Pending,
            "retrying" => NotificationState::Retrying,
            "delivered" => NotificationState::Delivered,
            "dead" => NotificationState::Dead,
            _ => return None,
        })
    }
}

/// A delivery job as the API shows it.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: i64,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub state: NotificationState,
    pub attempts: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub next_attempt_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub last_status: Option<i32>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub state: Option<NotificationState>,
    pub destination: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub scopes: Vec<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub dead: i64,
}

/// The store. Cheap to clone: both backends hold connection pools.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqliteStore),
    Postgres(PostgresStore),
}

macro_rules! delegate {
    ($self:ident, $backend:ident => $call:expr) => {
        match $self {
            Store::Sqlite($backend) => $call,
            Store::Postgres($backend) => $call,
        }
    };
}

impl Store {
    /// Connects by URL scheme and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            Ok(Store::Sqlite(SqliteStore::connect(url).await?))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store::Postgres(PostgresStore::connect(url).await?))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_owned()))
        }
    }

    pub fn backend_name(&self) -> &'static str {
        match self {
            Store::Sqlite(_) => "sqlite",
            Store::Postgres(_) => "postgres",
        }
    }

    /// True when a write batch may be split across several committers at once. SQLite has one
    /// writer, so one committer is all it can use.
    pub fn parallel_writers(&self) -> usize {
        match self {
            Store::Sqlite(_) => 1,
            Store::Postgres(_) => 4,
        }
    }

    /// Stores events and their delivery jobs in one transaction. Events whose key was seen
    /// before are not stored again and answer with the original id.
    pub async fn insert_events(
        &self,
        events: &[NewEvent],
        now: Timestamp,
    ) -> Result<Vec<Accepted>> {
        delegate!(self, store => store.insert_events(events, now).await)
    }

    pub async fn ping(&self) -> Result<()> {
        delegate!(self, store => store.ping().await)
    }

    /// True when every migration this binary knows is applied.
    pub async fn migrations_current(&self) -> Result<bool> {
        delegate!(self, store => store.migrations_current().await)
    }

    pub async fn get_event(&self, id: &str) -> Result<StoredEvent> {
        delegate!(self, store => store.get_event(id).await)
    }

    pub async fn list_events(&self, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
        delegate!(self, store => store.list_events(filter).await)
    }

    pub async fn count_events(&self) -> Result<i64> {
        delegate!(self, store => store.count_events().await)
    }

    pub async fn insert_job(&self, job: &NewJob, now: Timestamp) -> Result<i64> {
        delegate!(self, store => store.insert_job(job, now).await)
    }

    /// Leases up to `limit` due jobs for `owner` until `lease_until`. Of the jobs sharing a queue
    /// only the oldest unfinished one is ever due, so a queue runs in order, one job at a time,
    /// across every replica.
    pub async fn claim_jobs(
        &self,
        owner: &str,
        now: Timestamp,
        lease_until: Timestamp,
        limit: i64,
    ) -> Result<Vec<ClaimedJob>> {
        delegate!(self, store => store.claim_jobs(owner, now, lease_until, limit).await)
    }

    /// Records an attempt's outcome. False when the lease was lost to another worker, in which
    /// case nothing is changed.
    pub async fn finish_job(
        &self,
        seq: i64,
        owner: &str,
        outcome: &JobOutcome,
        now: Timestamp,
    ) -> Result<bool> {
        delegate!(self, store => store.finish_job(seq, owner, outcome, now).await)
    }

    /// The earliest `run_at` of a pending job, to know how long a worker may sleep.
    pub async fn next_job_due(&self) -> Result<Option<Timestamp>> {
        delegate!(self, store => store.next_job_due().await)
    }

    pub async fn list_notifications(
        &self,
        filter: &NotificationFilter,
    ) -> Result<Vec<Notification>> {
        delegate!(self, store => store.list_notifications(filter).await)
    }

    pub async fn get_notification(&self, id: i64) -> Result<Notification> {
        delegate!(self, store => store.get_notification(id).await)
    }

    /// Puts dead letters back in their queues, with a new retry window. `None` re-drives all.
    pub async fn redrive(
        &self,
        id: Option<i64>,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> Result<u64> {
        delegate!(self, store => store.redrive(id, now, expires_at).await)
    }

    pub async fn queue_counts(&self) -> Result<QueueCounts> {
        delegate!(self, store => store.queue_counts().await)
    }

    pub async fn create_token(
        &self,
        id: &str,
        name: &str,
        scopes: &[String],
        token_hash: &str,
        now: Timestamp,
    ) -> Result<()> {
        delegate!(self, store => store.create_token(id, name, scopes, token_hash, now).await)
    }

    /// The live (not revoked) token with this hash.
    pub async fn find_token(&self, token_hash: &str) -> Result<ApiToken> {
        delegate!(self, store => store.find_token(token_hash).await)
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>> {
        delegate!(self, store => store.list_tokens().await)
    }

    pub async fn revoke_token(&self, id: &str, now: Timestamp) -> Result<()> {
        delegate!(self, store => store.revoke_token(id, now).await)
    }

    /// Lets the backend do housekeeping that must not slow the writer (SQLite: checkpoints).
    pub async fn maintain(&self) -> Result<()> {
        delegate!(self, store => store.maintain().await)
    }

    pub async fn close(&self) {
        delegate!(self, store => store.close().await)
    }
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

/// The migrations compiled into the binary, per backend.
#[derive(Debug)]
struct EmbeddedMigrations(&'static [(i64, &'static str, &'static str)]);

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
            Ok(self
                .0
                .iter()
                .map(|(version, description, sql)| {
                    sqlx::migrate::Migration::new(
                        *version,
                        Cow::Borrowed(*description),
                        sqlx::migrate::MigrationType::Simple,
                        Cow::Borrowed(*sql),
                        false,
                    )
                })
                .collect())
        })
    }
}
