//! What the forge domain keeps: the projector's position, pull/merge request and build state.

#[async_trait::async_trait]
pub trait ForgeStore {
    /// Forge events after `position` whose transactions have settled, in position order. On
    /// PostgreSQL an event stored by a transaction that an older, still running one could
    /// overtake waits for it: reading it now would move the position past what that one adds.
    async fn forge_events_after(
        &self,
        after: crate::store::ForgePosition,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::ForgeRecord>>;

    async fn projection_position(
        &self,
        name: &str,
    ) -> crate::store::Result<crate::store::ForgePosition>;

    /// Applies state updates and moves the projection to `position`, in one transaction.
    async fn apply_state(
        &self,
        updates: &[crate::core::forge_state::StateUpdate],
        projection: &str,
        position: crate::store::ForgePosition,
    ) -> crate::store::Result<()>;

    /// Open pull/merge requests, oldest first per repository.
    async fn open_changes(&self) -> crate::store::Result<Vec<crate::store::OpenChange>>;
}
