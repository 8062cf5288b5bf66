//! What the on-call domain keeps: overrides, escalations with their log, pages, and the links
//! that acknowledge them.

use jiff::Timestamp;
use serde::Serialize;

/// An override as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverrideRow {
    pub id: String,
    pub schedule: String,
    pub person: String,
    pub replaces: Option<String>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub created_by: String,
    pub created_at: Timestamp,
}

impl OverrideRow {
    pub fn as_core(&self) -> crate::core::oncall::Override {
        crate::core::oncall::Override {
            id: self.id.clone(),
            person: self.person.clone(),
            start: self.start,
            end: self.end,
            replaces: self.replaces.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NewOverride<'a> {
    pub schedule: &'a str,
    pub person: &'a str,
    pub replaces: Option<&'a str>,
    pub start: Timestamp,
    pub end: Timestamp,
    pub created_by: &'a str,
}

/// What an alert's change asks of paging, carried out in the change's own transaction.
#[derive(Debug, Clone)]
pub enum PagingChange {
    /// A critical fire on a service with a policy: start the escalation its key names, or
    /// join the open one.
    Fire(EscalationStart),
    /// Someone acknowledged the alert: its open escalation stops for everyone.
    Acknowledged { alert_id: String, by: String },
    /// The alert resolved: its escalation ends once none of its alerts is still open.
    Resolved { alert_id: String },
}

#[derive(Debug, Clone)]
pub struct EscalationStart {
    /// The service and the notification group: alerts sharing it share one escalation.
    pub key: String,
    pub policy: String,
    pub service: Option<String>,
    pub summary: String,
    pub severity: String,
    pub alert_id: Option<String>,
    pub incident_id: Option<String>,
    /// When the first step runs.
    pub first_step_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EscalationState {
    Active,
    Acknowledged,
    Resolved,
}

impl EscalationState {
    pub fn as_str(self) -> &'static str {
        match self {
            EscalationState::Active => "active",
            EscalationState::Acknowledged => "acknowledged",
            EscalationState::Resolved => "resolved",
        }
    }

    pub fn parse(text: &str) -> EscalationState {
        match text {
            "acknowledged" => EscalationState::Acknowledged,
            "resolved" => EscalationState::Resolved,
            _ => EscalationState::Active,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Escalation {
    pub id: String,
    pub key: String,
    pub policy: String,
    pub service: Option<String>,
    pub summary: String,
    pub severity: String,
    pub alert_id: Option<String>,
    pub incident_id: Option<String>,
    pub state: EscalationState,
    /// The next step to run, and its round (0 is the first pass through the steps).
    pub step: i64,
    pub round: i64,
    pub next_step_at: Option<Timestamp>,
    pub started_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub acknowledged_by: Option<String>,
    pub ended_at: Option<Timestamp>,
    /// Every alert that joined, first one first.
    pub alerts: Vec<String>,
}

/// One entry of an escalation's log: what it did, for the alert's page and the incident's
/// timeline.
#[derive(Debug, Clone, Serialize)]
pub struct EscalationEntry {
    pub at: Timestamp,
    pub kind: String,
    pub text: String,
    pub actor: Option<String>,
}

/// What one step does, decided by `oncall::jobs` from the config and the schedules at the
/// step's time, and recorded in one transaction.
#[derive(Debug, Clone, Default)]
pub struct StepPlan {
    pub pages: Vec<NewPage>,
    /// Team channels told (as notice events).
    pub events: Vec<crate::store::NewEvent>,
    pub log: Vec<(String, String)>,
    /// The step after this one: (step, round, when). `None`: the policy is done.
    pub next: Option<(i64, i64, Timestamp)>,
}

#[derive(Debug, Clone)]
pub struct NewPage {
    /// Deterministic, so a step run twice makes each page once.
    pub id: String,
    pub escalation_id: Option<String>,
    pub person: String,
    pub contact: Option<String>,
    pub contact_kind: Option<String>,
    pub step: Option<i64>,
    pub round: Option<i64>,
    pub target: Option<String>,
    pub summary: String,
    pub due_at: Timestamp,
    /// Decided and recorded, never sent (`shadow = true`): it ends in state `shadow`.
    pub shadow: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PageState {
    /// Waiting for its time (a notification rule's delay) or its send.
    Pending,
    Sent,
    /// Every attempt failed.
    Failed,
    /// Acknowledged or resolved before it went out.
    Cancelled,
    /// Folded into another page by the per-person throttle.
    Folded,
    /// The person has no contact method.
    Unreachable,
    /// Would have gone out now, but its policy (or `[paging]`) is in shadow mode.
    Shadow,
}

impl PageState {
    pub fn as_str(self) -> &'static str {
        match self {
            PageState::Pending => "pending",
            PageState::Sent => "sent",
            PageState::Failed => "failed",
            PageState::Cancelled => "cancelled",
            PageState::Folded => "folded",
            PageState::Unreachable => "unreachable",
            PageState::Shadow => "shadow",
        }
    }

    pub fn parse(text: &str) -> PageState {
        match text {
            "sent" => PageState::Sent,
            "failed" => PageState::Failed,
            "cancelled" => PageState::Cancelled,
            "folded" => PageState::Folded,
            "unreachable" => PageState::Unreachable,
            "shadow" => PageState::Shadow,
            _ => PageState::Pending,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Page {
    pub id: String,
    pub escalation_id: Option<String>,
    pub person: String,
    pub contact: Option<String>,
    pub contact_kind: Option<String>,
    pub step: Option<i64>,
    pub round: Option<i64>,
    pub target: Option<String>,
    pub state: PageState,
    pub summary: String,
    pub due_at: Timestamp,
    pub created_at: Timestamp,
    pub sent_at: Option<Timestamp>,
    pub error: Option<String>,
    pub folded: i64,
    pub shadow: bool,
}

/// Which pages to list.
#[derive(Debug, Clone, Copy)]
pub enum PageFilter<'a> {
    Alert(&'a str),
    Incident(&'a str),
    Escalation(&'a str),
    Person(&'a str),
    /// Every shadow page, newest first.
    Shadow,
}

/// How a page's send ended.
#[derive(Debug, Clone)]
pub enum PageOutcome {
    Sent,
    Failed(String),
    Cancelled,
    /// Folded by the throttle into the page `into`.
    Folded,
    /// Would have been sent now; recorded instead (shadow mode).
    Shadow,
}

#[derive(Debug, Clone)]
pub struct PageLink {
    pub escalation_id: String,
    pub page_id: Option<String>,
    pub person: Option<String>,
    pub expires_at: Timestamp,
    pub used_at: Option<Timestamp>,
    pub used_action: Option<String>,
}

#[async_trait::async_trait]
pub trait OncallStore {
    async fn create_override(
        &self,
        new: &crate::store::oncall::NewOverride<'_>,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::oncall::OverrideRow>,
    ) -> crate::store::Result<crate::store::oncall::OverrideRow>;

    /// Overrides overlapping `[from, to)`, of one schedule or all, oldest first.
    async fn list_overrides(
        &self,
        schedule: Option<&str>,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::oncall::OverrideRow>>;

    /// `false` when there was none.
    async fn delete_override(
        &self,
        id: &str,
        now: jiff::Timestamp,
        audit: &crate::store::audit::AuditOf<'_, crate::store::oncall::OverrideRow>,
    ) -> crate::store::Result<bool>;

    async fn get_escalation(
        &self,
        id: &str,
    ) -> crate::store::Result<crate::store::oncall::Escalation>;

    /// The escalations an alert joined, newest first.
    async fn alert_escalations(
        &self,
        alert_id: &str,
    ) -> crate::store::Result<Vec<crate::store::oncall::Escalation>>;

    async fn escalation_log(
        &self,
        id: &str,
    ) -> crate::store::Result<Vec<crate::store::oncall::EscalationEntry>>;

    /// Records a step: its pages with their send timers, its notices, its log and the next
    /// step's timer, in one transaction. `false` (nothing recorded) when the escalation is no
    /// longer active at that step: acknowledged meanwhile, or the step already ran.
    async fn record_escalation_step(
        &self,
        id: &str,
        step: i64,
        round: i64,
        plan: crate::store::oncall::StepPlan,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    /// Runs an active escalation's next step now instead of when it is due, and says so on its
    /// log; `None` when it is not active or has no step left.
    async fn escalate_now(
        &self,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::oncall::Escalation>>;

    /// Starts an escalation on its own (a person paged by hand), with its first step's timer;
    /// its id. One already open under the same key is returned instead.
    async fn start_escalation(
        &self,
        start: &crate::store::oncall::EscalationStart,
        now: jiff::Timestamp,
    ) -> crate::store::Result<String>;

    /// Stops an escalation for everyone; `None` when it was not active. Returns it after.
    async fn acknowledge_escalation(
        &self,
        id: &str,
        by: &str,
        audit: &[crate::store::audit::NewAudit],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::oncall::Escalation>>;

    /// A page made outside an escalation (a test page), with its send timer.
    async fn create_page(
        &self,
        page: &crate::store::oncall::NewPage,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    async fn get_page(&self, id: &str) -> crate::store::Result<crate::store::oncall::Page>;

    async fn list_pages(
        &self,
        filter: crate::store::oncall::PageFilter<'_>,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::oncall::Page>>;

    /// One more page folded into the fold page `id`.
    async fn count_fold(&self, id: &str) -> crate::store::Result<()>;

    /// Takes one of the person's page slots for `page`: `false` when pages of `limit` other
    /// escalations went to them since `since` already (a page's contact methods share its
    /// slot). Atomic across replicas (the person's throttle row is held).
    async fn reserve_page(
        &self,
        page: &str,
        person: &str,
        since: jiff::Timestamp,
        limit: i64,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    async fn finish_page(
        &self,
        id: &str,
        outcome: &crate::store::oncall::PageOutcome,
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    async fn create_page_link(
        &self,
        token_hash: &str,
        link: &crate::store::oncall::PageLink,
    ) -> crate::store::Result<()>;

    async fn page_link(
        &self,
        token_hash: &str,
    ) -> crate::store::Result<Option<crate::store::oncall::PageLink>>;

    /// Marks a link used; `false` when it already was.
    async fn use_page_link(
        &self,
        token_hash: &str,
        action: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;
}
