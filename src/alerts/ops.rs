//! What people do to alerts and silences, whichever way they do it (API, page, CLI through
//! the API): each change is stored with its notices and wakes the job runner.

use crate::context::Context;
use crate::core::alert::AlertChange;
use crate::core::audit::Actor;
use crate::incidents::ops::IncidentError;
use crate::store::StoreError;
use crate::store::alerts::{AlertTransition, NewSilence, Silence};
use crate::store::audit::NewAudit;
use crate::store::incidents::Incident;

/// A person's acknowledge or resolve (`cause` says who), with its notice stored in the
/// same transaction; wakes the job runner for it. `None` when the alert's state does
/// not allow the change.
pub async fn change_alert(
    state: &Context,
    id: &str,
    change: AlertChange,
    actor: &Actor,
) -> Result<Option<AlertTransition>, StoreError> {
    let config = state.config.current();
    let transition =
        crate::alerts::jobs::change(&state.store, &config, id, change, actor, state.clock.now())
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
    by: &Actor,
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

/// A responder attaches alerts to an open incident (one declared by hand while its services'
/// alerts fire): they join it, its timeline says so, and when the incident was already
/// acknowledged, the ones still firing are acknowledged with it. Attaching one already
/// joined changes nothing.
pub async fn attach_to_incident(
    state: &Context,
    key: &str,
    alert_ids: &[String],
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    if alert_ids.is_empty() {
        return Err(IncidentError::Invalid(
            "name at least one alert to attach".into(),
        ));
    }
    let mut alerts = Vec::with_capacity(alert_ids.len());
    for id in alert_ids {
        match state.store.get_alert(id).await {
            Ok(alert) => alerts.push(alert),
            Err(StoreError::NotFound) => {
                return Err(IncidentError::Invalid(format!("there is no alert {id}")));
            }
            Err(error) => return Err(error.into()),
        }
    }
    let incident = state.store.get_incident(key).await?;
    let joined: std::collections::HashSet<String> = state
        .store
        .incident_alerts(&incident.id)
        .await?
        .into_iter()
        .map(|joined| joined.alert_id)
        .collect();
    let now = state.clock.now();
    let decided = state
        .store
        .change_incident(
            &incident.id,
            &|current| {
                if !current.state.is_open() {
                    return Err(crate::core::incident::Refused(format!(
                        "the incident is {}; alerts join only an open incident",
                        current.state.as_str()
                    )));
                }
                let mut effects = crate::store::incidents::Effects::default();
                for alert in alerts.iter().filter(|alert| !joined.contains(&alert.id)) {
                    let about = if alert.summary.is_empty() {
                        alert.rule.clone()
                    } else {
                        format!("{}: {}", alert.rule, alert.summary)
                    };
                    let mut entry = crate::incidents::decide::entry(
                        now,
                        "alert",
                        format!("Alert attached: {about}"),
                        by,
                    );
                    entry.link = Some(format!("/alerts/{}", alert.id));
                    effects.timeline.push(entry);
                    effects.alerts.push(alert.id.clone());
                }
                Ok((current.clone(), effects))
            },
            now,
        )
        .await?;
    let incident = decided?;
    if incident.times.acknowledged.is_some() {
        for alert in &alerts {
            if alert.state == crate::core::alert::AlertState::Firing {
                change_alert(state, &alert.id, AlertChange::Acknowledged, actor).await?;
            }
        }
    }
    Ok(incident)
}

/// The incidents an alert joined (by opening one, joining one, or being attached), newest
/// first: what its page and the API show.
pub async fn incidents_of(state: &Context, alert_id: &str) -> Result<Vec<Incident>, StoreError> {
    let mut incidents = Vec::new();
    for id in state.store.alert_incidents(alert_id).await? {
        incidents.push(state.store.get_incident(&id).await?);
    }
    Ok(incidents)
}

/// Stores a silence or maintenance window and has a silence check run at once.
pub async fn create_silence(
    state: &Context,
    silence: &NewSilence,
    actor: &Actor,
) -> Result<Silence, StoreError> {
    let now = state.clock.now();
    let created = state
        .store
        .create_silence(silence, now, &|created| {
            vec![NewAudit::new(actor, "silence.create", &created.id).after(created)]
        })
        .await?;
    tracing::info!(silence = %created.id, kind = created.kind.as_str(), by = %created.created_by, "silence created");
    let reason = format!("created {}", created.id);
    crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
    state.jobs_added.notify_one();
    // A maintenance window shows on the status page.
    state.status_changed.mark();
    Ok(created)
}

/// Expires a silence now (`None`: it already was) and has a silence check run at once.
pub async fn expire_silence(
    state: &Context,
    id: &str,
    actor: &Actor,
) -> Result<Option<Silence>, StoreError> {
    let now = state.clock.now();
    let expired = state
        .store
        .expire_silence(id, now, &|silence| {
            vec![
                NewAudit::new(actor, "silence.expire", &silence.id)
                    .before(serde_json::json!({ "expired_at": null }))
                    .after(serde_json::json!({ "expired_at": silence.expired_at })),
            ]
        })
        .await?;
    if expired.is_some() {
        tracing::info!(silence = %id, "silence expired");
        let reason = format!("expired {id}");
        crate::alerts::jobs::schedule_check(&state.store, &reason, now, now).await?;
        state.jobs_added.notify_one();
        state.status_changed.mark();
    }
    Ok(expired)
}
