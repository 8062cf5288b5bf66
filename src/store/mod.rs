//! The one storage interface. [`Store`] has a SQLite backend (the default, one file, WAL) and a
//! PostgreSQL backend (for several replicas), chosen by the database URL's scheme. Each domain
//! declares its storage trait (`alerts/store.rs`, …) and writes its SQL once (`alerts/sql.rs`,
//! …); each backend file compiles every such SQL file as a module of its own, with its own
//! `Db` type and lock fragments, and holds only what differs (connection, intake's batch,
//! syncing, housekeeping).

mod events;
mod held_files;
mod jobs;
mod migrations;
mod notifications;
mod postgres;
mod sqlite;

use std::borrow::Cow;
use std::sync::Arc;

use jiff::Timestamp;
use serde::Serialize;

pub use events::EventStore;
pub use jobs::JobStore;
pub use notifications::NotificationStore;
pub use postgres::PostgresStore;
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
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
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

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// What `backup_into` wrote.
#[derive(Debug, Clone)]
pub struct Backup {
    pub events: i64,
    pub bytes: u64,
    /// `PRAGMA quick_check` of the copy: "ok" when it is sound.
    pub check: String,
}

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
    /// The normalized forge record as JSON, for forge events.
    pub normalized: Option<String>,
    /// The forge repository, for the event feed's filter.
    pub repository: Option<String>,
    /// A monitoring tool's alert signals as JSON: an `alert` job applies them after the commit.
    pub alerts: Option<String>,
    pub destinations: Vec<crate::core::routing::Target>,
    /// When the delivery jobs' retry window closes.
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Accepted {
    pub id: String,
    /// True when the key was seen before and `id` is the original event's.
    pub duplicate: bool,
}

/// Where a stored event came from: all an alert report needs of its event besides the
/// signals its job carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOrigin {
    pub integration: String,
    pub source: String,
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub normalized: Option<crate::core::forge::ForgeEvent>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    pub integration: Option<String>,
    pub source: Option<String>,
    pub kind: Option<String>,
    pub status: Option<String>,
    pub repository: Option<String>,
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
    pub event_id: Option<String>,
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

/// Where the state projector has read to: events are read in (tx, seq) order, the order in
/// which their transactions can no longer be overtaken (see `migrations/*/0013`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForgePosition {
    /// The storing transaction's id on PostgreSQL; always 0 on SQLite.
    pub tx: i64,
    pub seq: i64,
}

/// A stored forge event for the state projector.
#[derive(Debug, Clone)]
pub struct ForgeRecord {
    pub position: ForgePosition,
    pub source: String,
    pub received_at: Timestamp,
    /// `None` when this version cannot read the record; the projection moves past it.
    pub event: Option<crate::core::forge::ForgeEvent>,
}

/// An open pull/merge request with the CI state of its head commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenChange {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub draft: bool,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub review_state: Option<String>,
    pub requested_reviewers: Vec<String>,
    pub labels: Vec<String>,
    pub opened_at: Timestamp,
    pub ci: Option<crate::core::forge::Outcome>,
}

/// A person who signs in (never with the password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: String,
    pub name: String,
    pub role: String,
    pub created_at: Timestamp,
    pub disabled_at: Option<Timestamp>,
}

/// A session as the store hands it out: only while it is live and its user is not disabled.
#[derive(Debug, Clone)]
pub struct Session {
    pub user: User,
    pub csrf_token: String,
    pub created_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct NewSession<'a> {
    /// SHA-256 of the cookie's token; the token itself is never stored.
    pub token_hash: &'a str,
    pub user_id: &'a str,
    pub csrf_token: &'a str,
    pub now: Timestamp,
    pub expires_at: Timestamp,
}

/// Events stored in one quarter hour from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCount {
    pub bucket: Timestamp,
    pub source: String,
    pub count: i64,
}

/// How deliveries to one destination are going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DestinationHealth {
    pub destination: String,
    pub last_success_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    pub last_failure_status: Option<i32>,
    pub last_failure_error: Option<String>,
    /// Attempts since the `since` the caller asked about.
    pub delivered_recently: i64,
    pub failed_recently: i64,
    pub pending: i64,
    pub retrying: i64,
    pub dead: i64,
}

impl DestinationHealth {
    pub fn new(destination: String) -> Self {
        Self {
            destination,
            last_success_at: None,
            last_failure_at: None,
            last_failure_status: None,
            last_failure_error: None,
            delivered_recently: 0,
            failed_recently: 0,
            pending: 0,
            retrying: 0,
            dead: 0,
        }
    }
}

/// Delivered notifications in one time bucket, with how many took at most each of
/// `core::stats::LATENCY_BOUNDS_MS` from being queued to being delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyBucket {
    pub start: Timestamp,
    pub count: i64,
    pub cumulative: Vec<i64>,
}

/// An alert as the store keeps it: one per (integration, fingerprint), across firing cycles.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Alert {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    pub integration: String,
    pub fingerprint: String,
    pub group_key: Option<String>,
    pub rule: String,
    pub summary: String,
    pub severity: crate::core::alert::Severity,
    pub service: Option<String>,
    pub state: crate::core::alert::AlertState,
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
    pub url: Option<String>,
    /// When the sender says it started.
    pub starts_at: Option<Timestamp>,
    pub first_seen_at: Timestamp,
    pub last_seen_at: Timestamp,
    /// The start of the current (or last) firing cycle.
    pub fired_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    /// Firing cycles so far.
    pub fire_count: i64,
    /// The silence or maintenance window keeping it quiet, while it is silenced.
    pub silenced_by: Option<String>,
    /// Whether this cycle's firing was notified (an alert silenced from its first report was
    /// not, so its acknowledge and resolve are not either).
    pub announced: bool,
    /// Since when it flaps (several firing cycles within the flapping window).
    pub flapping_since: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SilenceKind {
    /// One-off, by label matchers.
    Silence,
    /// A service's planned work, one-off or recurring.
    Maintenance,
}

impl SilenceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SilenceKind::Silence => "silence",
            SilenceKind::Maintenance => "maintenance",
        }
    }
}

/// A silence or maintenance window as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Silence {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    pub kind: SilenceKind,
    pub service: Option<String>,
    pub matchers: Vec<crate::core::silence::Matcher>,
    pub schedule: crate::core::silence::Schedule,
    pub created_by: String,
    pub comment: String,
    pub created_at: Timestamp,
    pub expired_at: Option<Timestamp>,
}

impl Silence {
    /// In force at `now`: not expired by hand and inside a window of its schedule.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.expired_at.is_none_or(|at| at > now) && self.schedule.is_active(now)
    }

    /// `active`, `pending` (a window is still to come) or `expired`.
    pub fn status(&self, now: Timestamp) -> &'static str {
        if self.is_active(now) {
            "active"
        } else if self.expired_at.is_none_or(|at| at > now)
            && self.schedule.next_window_after(now).is_some()
        {
            "pending"
        } else {
            "expired"
        }
    }

    /// The next instant after `now` at which it starts or stops covering alerts.
    pub fn next_boundary(&self, now: Timestamp) -> Option<Timestamp> {
        if self.expired_at.is_some_and(|at| at <= now) {
            return None;
        }
        let ends = self.schedule.window_at(now).map(|(_, end)| end);
        let starts = self.schedule.next_window_after(now).map(|(start, _)| start);
        [ends, starts, self.expired_at]
            .into_iter()
            .flatten()
            .filter(|at| *at > now)
            .min()
    }

    pub fn covers(&self, labels: &std::collections::BTreeMap<String, String>) -> bool {
        crate::core::silence::all_match(&self.matchers, labels)
    }
}

/// A silence or maintenance window to create.
#[derive(Debug, Clone)]
pub struct NewSilence {
    pub kind: SilenceKind,
    pub service: Option<String>,
    pub matchers: Vec<crate::core::silence::Matcher>,
    pub schedule: crate::core::silence::Schedule,
    pub created_by: String,
    pub comment: String,
}

/// A monitoring tool's report: its signals, from which integration, and why (`cause`).
#[derive(Debug, Clone, Copy)]
pub struct AlertReport<'a> {
    pub integration: &'a str,
    pub signals: &'a [crate::core::alert::AlertSignal],
    pub cause: &'a str,
    pub event_id: Option<&'a str>,
    pub flapping: crate::core::alert::Flapping,
}

/// An alert job's report, for `Store::apply_alert_jobs`.
pub struct ReportJob<'a> {
    pub seq: i64,
    pub report: AlertReport<'a>,
    pub silencer: &'a Silencer<'a>,
    pub notices: &'a Notices<'a>,
}

/// Says which silence, if any, covers a report's alert.
pub type Silencer<'a> =
    dyn Fn(&crate::core::alert::AlertSignal) -> Option<String> + Send + Sync + 'a;

/// A change an alert went through, with the alert as it is after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertTransition {
    pub alert: Alert,
    pub change: crate::core::alert::Change,
    pub cause: String,
    /// This change made the alert flapping (it is told once, marked as such).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub started_flapping: bool,
    /// A report's fire or resolve while the alert flaps: recorded, not told.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub damped: bool,
}

/// The timer job that flushes a notification group (payload `{"group": key}`).
pub const GROUP_FLUSH_JOB: &str = "alert_group";
/// The timer job that looks whether a flapping alert settled (payload `{"alert": id}`).
pub const FLAP_CHECK_JOB: &str = "flap_check";

/// What to tell of one alert change. It is stored in the same transaction as the change, so
/// a change is never without its notice.
#[derive(Debug, Default)]
pub struct NoticePlan {
    /// Sent now, to the destinations of routes that do not group.
    pub event: Option<NewEvent>,
    /// The notification groups of the routes that group.
    pub groups: Vec<GroupedNotice>,
    /// Timers the change starts (a task check).
    pub timers: Vec<Timer>,
}

/// A job with no queue due at `at`, made once per `key`.
#[derive(Debug, Clone)]
pub struct Timer {
    pub kind: &'static str,
    pub payload: String,
    pub at: Timestamp,
    pub key: String,
}

/// The timer job that looks whether an alert needs a task (payload `{"alert": id}`).
pub const TASK_CHECK_JOB: &str = "task_check";

/// A task for an alert nobody handled: left unacknowledged, or firing again and again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Task {
    #[serde(skip)]
    pub seq: i64,
    pub id: String,
    pub alert_id: String,
    pub rule: String,
    pub service: Option<String>,
    pub team: Option<String>,
    /// `unacknowledged` or `recurring`.
    pub reason: String,
    /// Why, in a sentence.
    pub detail: String,
    pub opened_at: Timestamp,
    pub closed_at: Option<Timestamp>,
    /// Who handled it: the acknowledge's cause, or the person who closed it.
    pub closed_by: Option<String>,
}

/// The timer job that runs a built-in check (payload `{"check": name}`).
pub const CHECK_RUN_JOB: &str = "check_run";

/// A built-in check's state as stored.
#[derive(Debug, Clone, Serialize)]
pub struct CheckState {
    pub name: String,
    pub tracker: crate::core::check::CheckTracker,
    pub next_run_at: Option<Timestamp>,
    pub last_run_at: Option<Timestamp>,
    pub last_outcome: Option<crate::core::check::Outcome>,
}

/// One run of a check to record.
#[derive(Debug, Clone)]
pub struct CheckRun<'a> {
    pub name: &'a str,
    /// The planned time this run was for.
    pub due: Timestamp,
    pub outcome: &'a crate::core::check::Outcome,
    pub tracker: &'a crate::core::check::CheckTracker,
    pub next_run_at: Timestamp,
}

/// What the noise report reads: every alert change in a window, with the alert's rule,
/// service and severity, and every notice.
#[derive(Debug, Clone, Default)]
pub struct AlertActivity {
    pub changes: Vec<crate::core::noise::ChangeRow>,
    pub notices: Vec<crate::core::noise::NoticeRow>,
}

/// A grouping route's part in a change: a fire joins the group (told at its next flush); an
/// acknowledge or resolve is told at once (`follow_up`), if the group told of the alert.
#[derive(Debug)]
pub struct GroupedNotice {
    pub key: String,
    pub labels: std::collections::BTreeMap<String, String>,
    pub integration: String,
    pub source: String,
    pub destinations: Vec<crate::core::routing::Target>,
    pub wait: jiff::SignedDuration,
    pub interval: jiff::SignedDuration,
    pub repeat: jiff::SignedDuration,
    pub follow_up: Option<NewEvent>,
}

/// Plans the notices for an alert's change (routes, groups, team channel).
pub type Notices<'a> = dyn Fn(&AlertTransition) -> NoticePlan + Send + Sync + 'a;

/// A notification group as stored.
#[derive(Debug, Clone)]
pub struct AlertGroup {
    pub key: String,
    pub labels: std::collections::BTreeMap<String, String>,
    pub integration: String,
    pub source: String,
    pub destinations: Vec<crate::core::routing::Target>,
    pub interval: jiff::SignedDuration,
    pub repeat: jiff::SignedDuration,
    pub last_notified_at: Option<Timestamp>,
    pub next_flush_at: Option<Timestamp>,
}

/// A stored group's destinations under the config in force (none: it is stale).
pub type GroupDestinations<'a> =
    dyn Fn(&AlertGroup) -> Vec<crate::core::routing::Target> + Send + Sync + 'a;

/// Makes a group's notice: the group, its firing alerts, and which of them are new to it.
pub type GroupNotices<'a> =
    dyn Fn(&AlertGroup, &[Alert], &[String]) -> Option<NewEvent> + Send + Sync + 'a;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertChangeRecord {
    pub at: Timestamp,
    pub change: String,
    pub cause: String,
    pub event_id: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub state: Option<crate::core::alert::AlertState>,
    /// Only firing and acknowledged alerts.
    pub open: bool,
    pub service: Option<String>,
    pub severity: Option<crate::core::alert::Severity>,
    pub before: Option<i64>,
    pub limit: i64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub dead: i64,
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
    + crate::accounts::store::AccountStore
    + crate::forge::store::ForgeStore
    + crate::alerts::store::AlertStore
    + crate::alerts::store::SilenceStore
    + crate::alerts::store::TaskStore
    + crate::checks::store::CheckStore
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
        + crate::accounts::store::AccountStore
        + crate::forge::store::ForgeStore
        + crate::alerts::store::AlertStore
        + crate::alerts::store::SilenceStore
        + crate::alerts::store::TaskStore
        + crate::checks::store::CheckStore
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

/// What a delivery job carries besides its destination: the template to render with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DeliveryPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

pub fn delivery_payload(target: &crate::core::routing::Target) -> String {
    serde_json::to_string(&DeliveryPayload {
        template: target.template.clone(),
    })
    .unwrap_or_else(|_| "{}".to_owned())
}

/// The one queue alert reports are applied from, in the order they were stored.
pub const ALERT_QUEUE: &str = "alerts";

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
