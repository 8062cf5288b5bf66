//! Stored events: what intake wrote, for the API, the pages and the workers.

use jiff::Timestamp;
use serde::Serialize;

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

    pub(crate) fn parse(text: &str) -> Self {
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
    /// Jobs the event starts, stored with it: a monitoring tool's alert signals (one `alert`
    /// job per service applies them after the commit, see [`alert_jobs`]) or a pull request
    /// command (`pr_command`). Empty for most events.
    pub jobs: Vec<EventJob>,
    pub destinations: Vec<crate::core::routing::Target>,
    /// When the delivery jobs' retry window closes.
    pub expires_at: Timestamp,
}

/// A job stored with its event: an `alert` job holds the signals of one service, in its own
/// queue; a `pr_command` job reads its event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventJob {
    pub kind: crate::store::JobKind,
    pub queue: String,
    /// The signals as JSON, for an `alert` job.
    pub payload: String,
}

/// The queue of a service's alert reports. Reports run in order within a service, and a storm
/// on one service never holds up the reports, and so the pages, of another.
pub fn alert_queue(service: Option<&str>) -> String {
    match service {
        Some(service) => format!("{}:{service}", crate::store::ALERT_QUEUE),
        None => crate::store::ALERT_QUEUE.to_owned(),
    }
}

/// Splits an event's signals into one job per service, keeping their order within each, so
/// one alert's reports always go through the same queue.
pub fn alert_jobs(signals: &[crate::core::alert::AlertSignal]) -> Vec<EventJob> {
    let mut services: Vec<(Option<&str>, Vec<&crate::core::alert::AlertSignal>)> = Vec::new();
    for signal in signals {
        let service = signal.service.as_deref();
        match services.iter_mut().find(|(known, _)| *known == service) {
            Some((_, list)) => list.push(signal),
            None => services.push((service, vec![signal])),
        }
    }
    services
        .into_iter()
        .map(|(service, list)| EventJob {
            kind: crate::store::JobKind::Alert,
            queue: alert_queue(service),
            payload: serde_json::to_string(&list).unwrap_or_else(|_| "[]".into()),
        })
        .collect()
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
    /// When `[retention]` removed the headers and body (then empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payload_pruned_at: Option<Timestamp>,
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

/// Events stored in one quarter hour from one source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EventCount {
    pub bucket: Timestamp,
    pub source: String,
    pub count: i64,
}

#[async_trait::async_trait]
pub trait EventStore {
    async fn ping(&self) -> crate::store::Result<()>;

    /// True when every migration this binary knows is applied.
    async fn migrations_current(&self) -> crate::store::Result<bool>;

    async fn get_event(&self, id: &str) -> crate::store::Result<crate::store::StoredEvent>;

    /// The origin of each of `ids` that is stored, in one read; ids not stored are left out.
    async fn event_origins(
        &self,
        ids: &[&str],
    ) -> crate::store::Result<std::collections::HashMap<String, crate::store::EventOrigin>>;

    async fn list_events(
        &self,
        filter: &crate::store::EventFilter,
    ) -> crate::store::Result<Vec<crate::store::StoredEvent>>;

    async fn count_events(&self) -> crate::store::Result<i64>;

    /// Stored events per quarter hour and source, from `since` on.
    async fn event_counts(
        &self,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::EventCount>>;
}
