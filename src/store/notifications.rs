//! Deliveries as people see them: notifications, dead letters, destination health.

use jiff::Timestamp;
use serde::Serialize;

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
    /// The message it posted through a chat app: Slack's `CHANNEL:TS`, a Mattermost post id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chat_message: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct NotificationFilter {
    pub state: Option<NotificationState>,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub before: Option<i64>,
    pub limit: i64,
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

#[async_trait::async_trait]
pub trait NotificationStore {
    async fn list_notifications(
        &self,
        filter: &crate::store::NotificationFilter,
    ) -> crate::store::Result<Vec<crate::store::Notification>>;

    async fn get_notification(&self, id: i64) -> crate::store::Result<crate::store::Notification>;

    /// The latest message `destination` posted through its chat app about `subject`
    /// (`alert:ID`): what a later change of the same thing updates in place.
    async fn chat_message_about(
        &self,
        destination: &str,
        subject: &str,
    ) -> crate::store::Result<Option<String>>;

    /// Puts dead letters back in their queues, with a new retry window. `None` re-drives all.
    async fn redrive(
        &self,
        id: Option<i64>,
        now: jiff::Timestamp,
        expires_at: jiff::Timestamp,
    ) -> crate::store::Result<u64>;

    /// Every destination with deliveries on record, by name; counts of attempts since `since`.
    async fn destination_health(
        &self,
        since: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::DestinationHealth>>;

    /// Delivery latency histograms per `bucket_ms`, from `since` on.
    async fn delivery_latency(
        &self,
        since: jiff::Timestamp,
        bucket_ms: i64,
    ) -> crate::store::Result<Vec<crate::store::LatencyBucket>>;

    /// Deletes expired sessions and delivery attempts older than `attempts_before`; returns
    /// how many rows went.
    async fn prune(
        &self,
        now: jiff::Timestamp,
        attempts_before: jiff::Timestamp,
    ) -> crate::store::Result<u64>;
}
