//! Deliveries as people see them: notifications, dead letters, destination health.

#[async_trait::async_trait]
pub trait NotificationStore {
    async fn list_notifications(
        &self,
        filter: &crate::store::NotificationFilter,
    ) -> crate::store::Result<Vec<crate::store::Notification>>;

    async fn get_notification(&self, id: i64) -> crate::store::Result<crate::store::Notification>;

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
