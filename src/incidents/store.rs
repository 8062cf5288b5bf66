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
}

#[derive(Debug, Clone)]
pub struct NewIncident {
    pub title: String,
    pub severity: Severity,
    pub priority: Priority,
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
    pub declared_by: String,
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
pub type Decide<'a> =
    dyn Fn(&Incident) -> Result<(Incident, Vec<TimelineEntry>), Refused> + Send + Sync + 'a;

#[async_trait::async_trait]
pub trait IncidentStore {
    /// Stores a new incident with its first timeline entries.
    async fn create_incident(
        &self,
        new: &crate::incidents::store::NewIncident,
        times: crate::core::incident::KeyTimes,
        timeline: &[crate::incidents::store::TimelineEntry],
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::incidents::store::Incident>;

    /// By id, or by number when `key` is all digits.
    async fn get_incident(
        &self,
        key: &str,
    ) -> crate::store::Result<crate::incidents::store::Incident>;

    /// Newest first; `open` keeps triage, active and mitigated ones, `closed` the others.
    async fn list_incidents(
        &self,
        open: Option<bool>,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::incidents::store::Incident>>;

    /// Applies `decide` to the incident with its row held, and stores what it returns in the
    /// same transaction. `Ok(Err(_))`: refused, nothing stored.
    async fn change_incident(
        &self,
        key: &str,
        decide: &crate::incidents::store::Decide<'_>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<
        Result<crate::incidents::store::Incident, crate::core::incident::Refused>,
    >;

    /// Oldest first.
    async fn incident_timeline(
        &self,
        id: &str,
    ) -> crate::store::Result<Vec<crate::incidents::store::TimelineEntry>>;
}
