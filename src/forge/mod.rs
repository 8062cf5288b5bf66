//! Forge events turned into state: pull/merge requests and builds, and the digests read
//! from them; and the delivery loop's answers: commands in pull request comments start CI,
//! and Firewatch answers on the pull request.

pub mod api;
pub mod ci;
pub mod commands;
pub mod compliance;
pub mod digest;
pub mod jira;
pub mod notices;
pub mod pipelines;
pub mod projector;
pub mod terraform;

use crate::integrations::outbound::DeliveryResult;
use crate::store::{ClaimedJob, Store, StoreError, StoredEvent};

/// A job's answer when there is nothing (more) to do.
pub(crate) fn done() -> DeliveryResult {
    DeliveryResult::Delivered {
        status: 0,
        chat_message: None,
    }
}

/// The event a job was stored with; `None` when it has none or it is gone.
pub(crate) async fn job_event(
    store: &Store,
    job: &ClaimedJob,
) -> Result<Option<StoredEvent>, StoreError> {
    let Some(id) = job.event_id.as_deref() else {
        return Ok(None);
    };
    match store.get_event(id).await {
        Ok(event) => Ok(Some(event)),
        Err(StoreError::NotFound) => Ok(None),
        Err(error) => Err(error),
    }
}
