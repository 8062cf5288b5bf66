//! What the status page keeps of its own: components' statuses set by hand.

use jiff::Timestamp;
use serde::Serialize;

use crate::core::status::ComponentStatus;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusOverride {
    pub component: String,
    pub status: ComponentStatus,
    pub note: Option<String>,
    pub set_by: String,
    pub set_at: Timestamp,
}

#[async_trait::async_trait]
pub trait StatusPageStore {
    async fn status_overrides(&self) -> crate::store::Result<Vec<StatusOverride>>;

    /// Sets it, or clears it with `None`.
    async fn set_status_override(
        &self,
        component: &str,
        set: Option<&StatusOverride>,
    ) -> crate::store::Result<()>;
}
