//! What the incidents domain keeps: the incidents and their timelines.

use jiff::Timestamp;
use serde::Serialize;

use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State};

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Incident {
    pub id: String,
    pub number: i64,
    pub title: String,
    pub severity: Severity,
    pub priority: Priority,
    pub state: State,
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
    pub times: KeyTimes,
    pub causing_deployment: Option<String>,
    pub declared_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The last status update, or the declaration when there was none.
    pub last_update_at: Option<Timestamp>,
    /// The chat channels it was given (`APP#CHANNEL`), where its notices go too.
    pub chat_channels: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub priority: Priority,
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
    pub declared_by: String,
    pub times: KeyTimes,
}

/// What a change stores besides the incident's row, in the same transaction: its timeline
/// entries, a role handed over, a status update, the notices it sends, the reminders it
/// sets, the escalations it starts, and the alerts a responder attached.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    pub timeline: Vec<TimelineEntry>,
    pub role: Option<RoleChange>,
    pub update: Option<NewUpdate>,
    pub events: Vec<crate::store::NewEvent>,
    pub timers: Vec<crate::store::Timer>,
    pub paging: Vec<crate::store::oncall::EscalationStart>,
    /// Alert ids that join the incident now (one already joined stays as it was).
    pub alerts: Vec<String>,
    /// A person's change's audit entries.
    pub audit: Vec<crate::store::audit::NewAudit>,
}

#[derive(Debug, Clone)]
pub struct RoleChange {
    pub role: Role,
    pub person: String,
    pub by: String,
}

/// The three roles of an incident's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Commander,
    Communications,
    Scribe,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Commander, Role::Communications, Role::Scribe];

    pub fn parse(text: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|role| role.as_str() == text)
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Communications => "communications",
            Role::Scribe => "scribe",
        }
    }
}

/// Who held a role, from when until when (`until` is `None` while they hold it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleHolding {
    pub role: Role,
    pub person: String,
    pub since: Timestamp,
    pub until: Option<Timestamp>,
    pub assigned_by: String,
}

#[derive(Debug, Clone)]
pub struct NewUpdate {
    pub status: crate::core::incident::UpdateStatus,
    pub message: String,
    pub public: bool,
    pub by: String,
}

/// A status update as stored: the status page shows the public ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusUpdate {
    pub at: Timestamp,
    pub status: crate::core::incident::UpdateStatus,
    pub message: String,
    pub public: bool,
    pub actor: String,
}

/// A critical alert on a service that declares incidents: it joins the open incident of its
/// key (service and notification group) whose last alert joined after `join_after`, or opens
/// `new`, with `effects`, when there is none.
#[derive(Debug, Clone)]
pub struct IncidentFire {
    pub key: String,
    pub alert_id: String,
    pub summary: String,
    pub join_after: Timestamp,
    pub new: NewIncident,
    pub effects: Effects,
}

/// Which incidents a list shows.
#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    /// `Some(true)`: triage, active and mitigated; `Some(false)`: the others.
    pub open: Option<bool>,
    pub state: Option<State>,
    pub severity: Option<Severity>,
    pub service: Option<String>,
    /// Words in the title or summary, or `#N`/`N` for the incident numbered N.
    pub text: Option<String>,
    pub limit: i64,
}

/// An alert that opened or joined an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JoinedAlert {
    pub alert_id: String,
    pub rule: String,
    pub summary: String,
    pub service: Option<String>,
    /// The alert's state now.
    pub state: String,
    pub joined_at: Timestamp,
}

/// A forge event of the given repositories, as stored: what "what changed" reads.
#[derive(Debug, Clone)]
pub struct StoredForgeEvent {
    pub id: String,
    pub received_at: Timestamp,
    pub normalized: String,
}

/// One entry of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineEntry {
    pub at: Timestamp,
    pub kind: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub actor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
    pub starred: bool,
}

/// A change to an incident, decided from the incident as it is once its row is held: the
/// incident after, and what the timeline says of it; or why not.
pub type Decide<'a> = dyn Fn(&Incident) -> Result<(Incident, Effects), Refused> + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait IncidentStore {
    /// Stores a new incident with what its declaration does.
    async fn create_incident(
        &self,
        new: &NewIncident,
        effects: &Effects,
        now: Timestamp,
    ) -> crate::store::Result<Incident>;

    /// By id, or by number when `key` is all digits.
    async fn get_incident(&self, key: &str) -> crate::store::Result<Incident>;

    /// Newest first.
    async fn list_incidents(&self, filter: &IncidentFilter) -> crate::store::Result<Vec<Incident>>;

    /// Applies `decide` to the incident with its row held, and stores what it returns in the
    /// same transaction. `Ok(Err(_))`: refused, nothing stored. An acknowledgement stops the
    /// incident's escalations; leaving the open states ends them.
    async fn change_incident(
        &self,
        key: &str,
        decide: &Decide<'_>,
        now: Timestamp,
    ) -> crate::store::Result<Result<Incident, Refused>>;

    /// Oldest first: the entries written for it, and what its alerts and escalations did
    /// (alerts joining, firing, acknowledged and resolving; steps; pages and their delivery).
    async fn incident_timeline(&self, id: &str) -> crate::store::Result<Vec<TimelineEntry>>;

    /// Every holding of every role, oldest first.
    async fn incident_roles(&self, id: &str) -> crate::store::Result<Vec<RoleHolding>>;

    /// Oldest first.
    async fn incident_updates(&self, id: &str) -> crate::store::Result<Vec<StatusUpdate>>;

    /// The alerts that opened or joined it, first first.
    async fn incident_alerts(&self, id: &str) -> crate::store::Result<Vec<JoinedAlert>>;

    /// Who commands each of the incidents now, by incident id (those with nobody absent).
    async fn commanders(
        &self,
        ids: &[String],
    ) -> crate::store::Result<std::collections::HashMap<String, String>>;

    /// Gives the incident a chat channel (`APP#CHANNEL`); giving it again changes nothing.
    async fn add_incident_chat_channel(&self, id: &str, channel: &str) -> crate::store::Result<()>;

    /// The incident a chat channel (`APP#CHANNEL`) was given to.
    async fn incident_of_chat_channel(&self, channel: &str)
    -> crate::store::Result<Option<String>>;

    /// The ids of the incidents an alert joined, newest first.
    async fn alert_incidents(&self, alert_id: &str) -> crate::store::Result<Vec<String>>;

    /// Earlier incidents (created before this one) on any of its services or with alerts of
    /// any of its alert rules, newest first.
    async fn earlier_incidents(
        &self,
        incident: &Incident,
        rules: &[String],
        limit: i64,
    ) -> crate::store::Result<Vec<Incident>>;

    /// Every public update posted since `from`, with its incident's id, oldest first: what the
    /// status page shows.
    async fn public_updates_since(
        &self,
        from: Timestamp,
    ) -> crate::store::Result<Vec<(String, StatusUpdate)>>;

    /// Forge events of `repositories` received in `[from, to]`, newest first.
    async fn forge_events_between(
        &self,
        repositories: &[String],
        from: Timestamp,
        to: Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<StoredForgeEvent>>;
}
