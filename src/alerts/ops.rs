//! What people do to alerts and silences, whichever way they do it (API, page, CLI through
//! the API): each change is stored with its notices and wakes the job runner.

use crate::alerts::store::{AlertTransition, NewSilence, Silence};
use crate::core::alert::Change;
use crate::state::AppState;
use crate::store::StoreError;

/// A person's acknowledge or resolve (`cause` says who), with its notice stored in the
/// same transaction; wakes the job runner for it. `None` when the alert's state does
/// not allow the change.
pub async fn change_alert(
    state: &AppState,
    id: &str,
    change: Change,
    cause: &str,
) -> Result<Option<AlertTransition>, StoreError> {
    let config = state.config.current();
    let transition =
        crate::alerts::jobs::change(&state.store, &config, id, change, cause, state.clock.now())
            .await?;
    if transition.is_some() {
        state.jobs_added.notify_one();
    }
    Ok(transition)
}

/// Stores a silence or maintenance window and has a silence check run at once.
pub async fn create_silence(state: &AppState, silence: &NewSilence) -> Result<Silence, StoreError> {
    let now = state.clock.now();
    let created = state.store.create_silence(silence, now).await?;
    tracing::info!(silence = %created.id, kind = created.kind.as_str(), by = %created.created_by, "silence created");
    let reason = format!("created {}", created.id);
    crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
    state.jobs_added.notify_one();
    // A maintenance window shows on the status page.
    state.status_page.invalidate();
    Ok(created)
}

/// Expires a silence now (`None`: it already was) and has a silence check run at once.
pub async fn expire_silence(state: &AppState, id: &str) -> Result<Option<Silence>, StoreError> {
    let now = state.clock.now();
    let expired = state.store.expire_silence(id, now).await?;
    if expired.is_some() {
        tracing::info!(silence = %id, "silence expired");
        let reason = format!("expired {id}");
        crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
        state.jobs_added.notify_one();
        state.status_page.invalidate();
    }
    Ok(expired)
}
