//! What an incident's page and `GET /incidents/{id}` read: the incident with its roles,
//! updates, alerts, earlier incidents of its services and what changed before it, and its
//! timeline.

use jiff::Timestamp;

use crate::config::Config;
use crate::context::Context;
use crate::store::StoreError;
use crate::store::incidents::{Incident, Role, TimelineEntry};

use crate::incidents::ops::IncidentError;

/// Everything an incident's page and `GET /incidents/{id}` show beside the incident.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IncidentView {
    pub incident: Incident,
    /// Who holds each role now.
    pub roles:
        std::collections::BTreeMap<&'static str, Option<crate::store::incidents::RoleHolding>>,
    pub role_history: Vec<crate::store::incidents::RoleHolding>,
    pub updates: Vec<crate::store::incidents::StatusUpdate>,
    pub alerts: Vec<crate::store::incidents::JoinedAlert>,
    pub what_changed: Vec<crate::incidents::what_changed::ChangeEntry>,
    /// Earlier incidents on the same services or alert rules, with their post-mortems and
    /// open action items: what was learned, and what is still owed.
    pub earlier: Vec<Earlier>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Earlier {
    #[serde(flatten)]
    pub incident: Incident,
    pub postmortem: Option<EarlierPostmortem>,
    pub open_action_items: Vec<crate::store::postmortems::ActionItem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EarlierPostmortem {
    pub state: crate::store::postmortems::PostmortemState,
    pub updated_at: Timestamp,
}

pub async fn detail(state: &Context, key: &str) -> Result<IncidentView, IncidentError> {
    detail_in(&state.store, &state.config.current(), key).await
}

/// `detail`, for callers with the store and config but no `Context` (a job).
pub async fn detail_in(
    store: &crate::store::Store,
    config: &Config,
    key: &str,
) -> Result<IncidentView, IncidentError> {
    let incident = store.get_incident(key).await?;
    let role_history = store.incident_roles(&incident.id).await?;
    let roles = Role::ALL
        .into_iter()
        .map(|role| {
            (
                role.as_str(),
                role_history
                    .iter()
                    .rev()
                    .find(|holding| holding.role == role && holding.until.is_none())
                    .cloned(),
            )
        })
        .collect();
    let alerts = store.incident_alerts(&incident.id).await?;
    let mut rules: Vec<String> = alerts.iter().map(|alert| alert.rule.clone()).collect();
    rules.sort();
    rules.dedup();
    Ok(IncidentView {
        roles,
        role_history,
        updates: store.incident_updates(&incident.id).await?,
        what_changed: crate::incidents::what_changed::what_changed(store, config, &incident)
            .await?,
        earlier: earlier(store, &incident, &rules).await?,
        alerts,
        incident,
    })
}

async fn earlier(
    store: &crate::store::Store,
    incident: &Incident,
    rules: &[String],
) -> Result<Vec<Earlier>, StoreError> {
    let mut earlier = Vec::new();
    for before in store.earlier_incidents(incident, rules, 10).await? {
        let postmortem = match store.get_postmortem(&before.id).await {
            Ok(found) => Some(EarlierPostmortem {
                state: found.state,
                updated_at: found.updated_at,
            }),
            Err(StoreError::NotFound) => None,
            Err(error) => return Err(error),
        };
        let open_action_items = store
            .list_action_items(&crate::store::postmortems::ItemFilter {
                incident: Some(before.id.clone()),
                outstanding: true,
                limit: 50,
                ..Default::default()
            })
            .await?;
        earlier.push(Earlier {
            incident: before,
            postmortem,
            open_action_items,
        });
    }
    Ok(earlier)
}

/// The timeline with what changed in it (kind `change`), oldest first.
pub async fn timeline(state: &Context, key: &str) -> Result<Vec<TimelineEntry>, IncidentError> {
    timeline_in(&state.store, &state.config.current(), key).await
}

pub async fn timeline_in(
    store: &crate::store::Store,
    config: &Config,
    key: &str,
) -> Result<Vec<TimelineEntry>, IncidentError> {
    let incident = store.get_incident(key).await?;
    let changes = crate::incidents::what_changed::what_changed(store, config, &incident).await?;
    Ok(with_changes(
        store.incident_timeline(&incident.id).await?,
        &changes,
    ))
}

/// The timeline of an incident already read with `detail`, reusing its what changed.
pub async fn timeline_of(
    store: &crate::store::Store,
    view: &IncidentView,
) -> Result<Vec<TimelineEntry>, StoreError> {
    Ok(with_changes(
        store.incident_timeline(&view.incident.id).await?,
        &view.what_changed,
    ))
}

fn with_changes(
    mut entries: Vec<TimelineEntry>,
    changes: &[crate::incidents::what_changed::ChangeEntry],
) -> Vec<TimelineEntry> {
    entries.extend(changes.iter().map(|change| TimelineEntry {
        at: change.at,
        kind: "change".into(),
        text: format!(
            "{} in {} ({})",
            change.title, change.repository, change.before
        ),
        actor: change.actor.clone(),
        link: change.url.clone(),
        starred: change.suspected,
    }));
    entries.sort_by_key(|entry| entry.at);
    entries
}
