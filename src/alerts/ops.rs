//! What people do to alerts and silences, whichever way they do it (API, page, CLI through
//! the API): each change is stored with its notices and wakes the job runner.

use crate::context::Context;
use crate::core::alert::AlertChange;
use crate::incidents::ops::IncidentError;
use crate::store::StoreError;
use crate::store::alerts::{AlertTransition, NewSilence, Silence};
use crate::store::incidents::Incident;

/// A person's acknowledge or resolve (`cause` says who), with its notice stored in the
/// same transaction; wakes the job runner for it. `None` when the alert's state does
/// not allow the change.
pub async fn change_alert(
    state: &Context,
    id: &str,
    change: AlertChange,
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

/// A person acknowledges an incident (`incidents::ops::acknowledge`), then each of its alerts
/// still firing, as if acknowledged one by one: the incident knows nothing of alerts' states.
pub async fn acknowledge_incident(
    state: &Context,
    key: &str,
    by: &str,
) -> Result<Incident, IncidentError> {
    let incident = crate::incidents::ops::acknowledge(state, key, by).await?;
    for joined in state.store.incident_alerts(&incident.id).await? {
        let alert = state.store.get_alert(&joined.alert_id).await?;
        if alert.state == crate::core::alert::AlertState::Firing {
            change_alert(state, &joined.alert_id, AlertChange::Acknowledged, by).await?;
        }
    }
    Ok(incident)
}

/// Stores a silence or maintenance window and has a silence check run at once.
pub async fn create_silence(state: &Context, silence: &NewSilence) -> Result<Silence, StoreError> {
    let now = state.clock.now();
    let created = state.store.create_silence(silence, now).await?;
    tracing::info!(silence = %created.id, kind = created.kind.as_str(), by = %created.created_by, "silence created");
    let reason = format!("created {}", created.id);
    crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
    state.jobs_added.notify_one();
    // A maintenance window shows on the status page.
    state.status_changed.mark();
    Ok(created)
}

/// Expires a silence now (`None`: it already was) and has a silence check run at once.
pub async fn expire_silence(state: &Context, id: &str) -> Result<Option<Silence>, StoreError> {
    let now = state.clock.now();
    let expired = state.store.expire_silence(id, now).await?;
    if expired.is_some() {
        tracing::info!(silence = %id, "silence expired");
        let reason = format!("expired {id}");
        crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
        state.jobs_added.notify_one();
        state.status_changed.mark();
    }
    Ok(expired)
}
