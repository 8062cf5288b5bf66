//! Stored events: what intake wrote, for the API, the pages and the workers.

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
