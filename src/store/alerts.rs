//! What the alerts domain keeps: alerts and their changes, notification groups, silences, tasks.

use jiff::Timestamp;
use serde::Serialize;

use crate::store::{NewEvent, Timer};

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
    /// When it resolves unless its sender re-sends it (Alertmanager API v2's `endsAt`).
    pub ends_at: Option<Timestamp>,
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
/// The silence, if any, in force at the given time that covers the signal's alert.
pub type Silencer<'a> =
    dyn Fn(&crate::core::alert::AlertSignal, jiff::Timestamp) -> Option<String> + Send + Sync + 'a;

/// A change an alert went through, with the alert as it is after it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AlertTransition {
    pub alert: Alert,
    pub change: crate::core::alert::AlertChange,
    pub cause: String,
    /// This change made the alert flapping (it is told once, marked as such).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub started_flapping: bool,
    /// A report's fire or resolve while the alert flaps: recorded, not told.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub damped: bool,
}

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
    /// What the change does to paging: starts, joins, acknowledges or ends an escalation.
    pub paging: Option<crate::store::oncall::PagingChange>,
    /// A critical alert on a service that declares incidents: the incident it opens or joins.
    pub incident: Option<Box<crate::store::incidents::IncidentFire>>,
}

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
/// What changes an alert between reports: who or what (`cause`), the silence behind it, and a
/// person's change's audit entries, written with it.
#[derive(Debug, Clone, Copy)]
pub struct ChangedBy<'a> {
    pub cause: &'a str,
    pub silence: Option<&'a str>,
    pub audit: &'a [crate::store::audit::NewAudit],
}

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
    pub integration: Option<String>,
    /// Open alerts whose `ends_at` is at or before this.
    pub ends_by: Option<Timestamp>,
    /// Newest fire first (the page), not newest alert first (the API's cursor order).
    pub latest_fire_first: bool,
    pub limit: i64,
}

#[async_trait::async_trait]
pub trait AlertStore {
    /// Applies a monitoring tool's reports in order, in one transaction; returns the state
    /// changes they made (re-sent reports make none). Each alert is decided at the time read
    /// from `clock` once its row is held, not before: a silence check that changed the alert
    /// meanwhile is never undone by a decision made at an earlier time.
    async fn apply_alert_signals(
        &self,
        report: &crate::store::alerts::AlertReport<'_>,
        clock: &dyn crate::clock::Clock,
        silencer: &crate::store::alerts::Silencer<'_>,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Vec<crate::store::alerts::AlertTransition>>;

    /// Applies the reports of a run of alert jobs leased by `owner`, in order, and marks each
    /// job done, all in one transaction: one commit for a burst of reports. Stops before a job
    /// whose lease was lost; returns each applied job's changes.
    async fn apply_alert_jobs(
        &self,
        owner: &str,
        jobs: &[crate::store::alerts::ReportJob<'_>],
        clock: &dyn crate::clock::Clock,
    ) -> crate::store::Result<Vec<Vec<crate::store::alerts::AlertTransition>>>;

    /// A change by a person (acknowledge, resolve) or a silence starting or ending (with the
    /// silence's id); `None` when the alert's state does not allow it.
    async fn change_alert(
        &self,
        id: &str,
        change: crate::core::alert::AlertChange,
        by: &crate::store::alerts::ChangedBy<'_>,
        now: jiff::Timestamp,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::alerts::AlertTransition>>;

    /// Runs a due group flush: tells the group's firing alerts when some are new to it or
    /// the repeat is due, and plans the next flush. `current` gives the group's destinations
    /// under the config now; with none, the group is dropped. `None` when the flush was not due
    /// (a later join moved it) or the group is gone.
    async fn flush_alert_group(
        &self,
        key: &str,
        now: jiff::Timestamp,
        current: &crate::store::alerts::GroupDestinations<'_>,
        notice: &crate::store::alerts::GroupNotices<'_>,
    ) -> crate::store::Result<Option<crate::core::grouping::Flush>>;

    /// Ends a flapping alert's flapping when no fire or resolve came within `window`, and
    /// tells its state then. `None` when it still flaps or never did.
    async fn settle_flapping(
        &self,
        id: &str,
        window: jiff::SignedDuration,
        now: jiff::Timestamp,
        notices: &crate::store::alerts::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::alerts::AlertTransition>>;

    async fn get_alert(&self, id: &str) -> crate::store::Result<crate::store::alerts::Alert>;

    async fn list_alerts(
        &self,
        filter: &crate::store::alerts::AlertFilter,
    ) -> crate::store::Result<Vec<crate::store::alerts::Alert>>;

    async fn alert_changes(
        &self,
        alert_id: &str,
    ) -> crate::store::Result<Vec<crate::store::alerts::AlertChangeRecord>>;

    /// Firing cycles of an alert started since `since` (fires after a silence ended are not
    /// new cycles).
    async fn alert_fires_since(
        &self,
        alert_id: &str,
        since: jiff::Timestamp,
    ) -> crate::store::Result<i64>;

    /// Every alert change and notice in `[from, to)`, for the noise report.
    async fn alert_activity(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::alerts::AlertActivity>;
}

#[async_trait::async_trait]
pub trait SilenceStore {
    async fn create_silence(
        &self,
        silence: &crate::store::alerts::NewSilence,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::alerts::Silence>,
    ) -> crate::store::Result<crate::store::alerts::Silence>;

    /// Every silence and maintenance window, newest first (the table stays small).
    async fn list_silences(&self) -> crate::store::Result<Vec<crate::store::alerts::Silence>>;

    async fn get_silence(&self, id: &str) -> crate::store::Result<crate::store::alerts::Silence>;

    /// Ends a silence now; `None` when it was already expired by hand.
    async fn expire_silence(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::alerts::Silence>,
    ) -> crate::store::Result<Option<crate::store::alerts::Silence>>;
}

#[async_trait::async_trait]
pub trait TaskStore {
    /// Opens a task with its notice; `None` when the alert already has an open one.
    async fn open_task(
        &self,
        task: &crate::store::alerts::Task,
        notice: Option<crate::store::NewEvent>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::alerts::Task>>;

    /// Open tasks (`open`), or every task, newest first.
    async fn list_tasks(
        &self,
        open: bool,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::alerts::Task>>;

    /// Closes a task by hand; `None` when it was already closed.
    async fn close_task(
        &self,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::alerts::Task>>;
}
