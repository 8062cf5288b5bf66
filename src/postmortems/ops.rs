//! What people do with post-mortems and action items, whichever way they do it.

use jiff::Timestamp;

use crate::config::Config;
use crate::context::Context;
use crate::core::incident::{Priority, State};
use crate::incidents::ops::IncidentError;
use crate::store::Timer;
use crate::store::postmortems::{
    ActionItem, EditConflict, ItemKind, ItemStatus, Postmortem, PostmortemState,
};
use crate::store::{JobKind, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum PostmortemError {
    #[error("{0}")]
    Invalid(String),
    /// Not drafted yet: the incident has not resolved.
    #[error("{0}")]
    NotYet(String),
    #[error("someone saved a newer version first")]
    Conflict(Box<EditConflict>),
    #[error(transparent)]
    Incident(#[from] IncidentError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Drafts the incident's post-mortem from its record, unless it has one.
pub async fn ensure_draft(
    store: &Store,
    config: &Config,
    incident_key: &str,
    now: Timestamp,
) -> Result<Postmortem, PostmortemError> {
    let view = crate::incidents::view::detail_in(store, config, incident_key).await?;
    let id = view.incident.id.clone();
    match store.get_postmortem(&id).await {
        Ok(existing) => return Ok(existing),
        Err(StoreError::NotFound) => {}
        Err(error) => return Err(error.into()),
    }
    let timeline = crate::incidents::view::timeline_of(store, &view).await?;
    let items = store
        .list_action_items(&crate::store::postmortems::ItemFilter {
            incident: Some(id.clone()),
            limit: 500,
            ..Default::default()
        })
        .await?;
    let input = crate::postmortems::draft::input(config, &view, &timeline, &items);
    let source = config
        .postmortems
        .template_source(config.server.locale)
        .map_err(PostmortemError::Invalid)?;
    let markdown =
        crate::postmortems::draft::render(&source, &input).map_err(PostmortemError::Invalid)?;
    let stored = store
        .create_postmortem(&id, &markdown, "firewatch", now)
        .await?;
    tracing::info!(incident = %id, "post-mortem drafted");
    Ok(stored)
}

/// The `postmortem_draft` job.
pub async fn draft_job(
    store: &Store,
    config: &Config,
    job: &crate::store::ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Payload {
        incident: String,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "postmortem_draft job with an unreadable payload");
        return Ok(());
    };
    match ensure_draft(store, config, &payload.incident, now).await {
        Ok(_) => Ok(()),
        Err(PostmortemError::Store(error)) => Err(error),
        Err(PostmortemError::Incident(IncidentError::Store(StoreError::NotFound))) => Ok(()),
        Err(PostmortemError::Incident(IncidentError::Store(error))) => Err(error),
        Err(error) => {
            // A template that fails fails every time: say so, and let a person draft by hand.
            tracing::error!(incident = %payload.incident, %error, "drafting the post-mortem failed");
            Ok(())
        }
    }
}

/// The incident's post-mortem; drafted now if the incident resolved and the draft is not made
/// yet.
pub async fn get(state: &Context, incident_key: &str) -> Result<Postmortem, PostmortemError> {
    let incident = state
        .store
        .get_incident(incident_key)
        .await
        .map_err(IncidentError::from)?;
    match state.store.get_postmortem(&incident.id).await {
        Ok(found) => Ok(found),
        Err(StoreError::NotFound)
            if incident.state.is_open()
                || matches!(incident.state, State::Declined | State::Merged) =>
        {
            Err(PostmortemError::NotYet(format!(
                "incident #{} is in {}: a post-mortem is drafted when an incident resolves",
                incident.number,
                incident.state.as_str()
            )))
        }
        Err(StoreError::NotFound) => {
            ensure_draft(
                &state.store,
                &state.config.current(),
                &incident.id,
                state.clock.now(),
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

/// Saves an edit made from `base_version`; a newer save is never overwritten.
pub async fn save(
    state: &Context,
    incident_key: &str,
    markdown: &str,
    base_version: Option<i64>,
    by: &str,
) -> Result<Postmortem, PostmortemError> {
    if markdown.len() > 1_000_000 {
        return Err(PostmortemError::Invalid(
            "the post-mortem is longer than 1 MB".into(),
        ));
    }
    let current = get(state, incident_key).await?;
    let saved = state
        .store
        .save_postmortem(
            &current.incident_id,
            markdown,
            base_version,
            by,
            state.clock.now(),
        )
        .await?;
    saved.map_err(|conflict| PostmortemError::Conflict(Box::new(conflict)))
}

/// Draft → in review → published (and back to draft, to rework it). Publishing moves a
/// resolved incident on to learning.
pub async fn set_state(
    state: &Context,
    incident_key: &str,
    to: PostmortemState,
    actor: &crate::core::audit::Actor,
) -> Result<Postmortem, PostmortemError> {
    let by = actor.by.as_str();
    let current = get(state, incident_key).await?;
    let audit = [crate::store::audit::NewAudit::new(
        actor,
        if to == PostmortemState::Published {
            "postmortem.publish"
        } else {
            "postmortem.state"
        },
        &current.incident_id,
    )
    .before(serde_json::json!({ "state": current.state.as_str(), "version": current.version }))
    .after(serde_json::json!({ "state": to.as_str() }))];
    let stored = state
        .store
        .set_postmortem_state(&current.incident_id, to, by, &audit, state.clock.now())
        .await?;
    let what = match to {
        PostmortemState::Draft => "Post-mortem back to draft",
        PostmortemState::InReview => "Post-mortem ready for review",
        PostmortemState::Published => "Post-mortem published",
    };
    on_timeline(state, &current.incident_id, "postmortem", what.into(), by).await?;
    if to == PostmortemState::Published {
        let incident = state.store.get_incident(&current.incident_id).await?;
        if incident.state == State::Resolved {
            crate::incidents::ops::change(
                state,
                &incident.id,
                crate::incidents::decide::IncidentEdit {
                    state: Some(State::Learning),
                    ..Default::default()
                },
                actor,
            )
            .await?;
        }
    }
    Ok(stored)
}

/// A line on the incident's timeline for what happened to its post-mortem or action items.
async fn on_timeline(
    state: &Context,
    incident_id: &str,
    kind: &str,
    text: String,
    by: &str,
) -> Result<(), PostmortemError> {
    let now = state.clock.now();
    let entry = crate::store::incidents::TimelineEntry {
        at: now,
        kind: kind.to_owned(),
        text,
        actor: Some(by.to_owned()),
        link: None,
        starred: false,
    };
    state
        .store
        .change_incident(
            incident_id,
            &|current| {
                Ok((
                    current.clone(),
                    crate::store::incidents::Effects {
                        timeline: vec![entry.clone()],
                        ..Default::default()
                    },
                ))
            },
            now,
        )
        .await?
        .map_err(IncidentError::from)?;
    Ok(())
}

/// The names a blameless check looks for: each person's id, name and first name.
pub fn people_names(config: &Config) -> Vec<String> {
    let mut names = Vec::new();
    for person in &config.people {
        names.push(person.id.clone());
        if let Some(name) = &person.name {
            names.push(name.clone());
            if let Some(first) = name.split_whitespace().next() {
                names.push(first.to_owned());
            }
        }
        names.extend(person.user.clone());
    }
    names
}

/// What an action item asks for, checked before it is stored.
#[derive(Debug, Clone)]
pub struct NewItem {
    pub title: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due: String,
    pub priority: Priority,
    pub kind: ItemKind,
}

/// The instant a due date is over: the end of that day in the owner's zone (UTC without one).
fn overdue_at(config: &Config, owner: &str, due: jiff::civil::Date) -> Option<Timestamp> {
    let zone = config
        .person(owner)
        .and_then(|person| person.timezone.as_deref())
        .and_then(|name| jiff::tz::TimeZone::get(name).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    due.tomorrow()
        .ok()?
        .to_zoned(zone)
        .ok()
        .map(|zoned| zoned.timestamp())
}

pub async fn add_item(
    state: &Context,
    incident_key: &str,
    new: NewItem,
    by: &str,
) -> Result<ActionItem, PostmortemError> {
    let config = state.config.current();
    let title = new.title.trim();
    if title.is_empty() || title.chars().count() > 300 {
        return Err(PostmortemError::Invalid(
            "an action item needs a title of 1 to 300 characters".into(),
        ));
    }
    if config.person(&new.owner).is_none() {
        return Err(PostmortemError::Invalid(format!(
            "no person \"{}\" in [[people]] to own it",
            new.owner
        )));
    }
    let due: jiff::civil::Date = new.due.parse().map_err(|_| {
        PostmortemError::Invalid(format!("due \"{}\" is not a date like 2026-12-31", new.due))
    })?;
    if !(2000..2100).contains(&due.year()) {
        return Err(PostmortemError::Invalid(format!(
            "due {due} is outside 2000-01-01 to 2100-01-01"
        )));
    }
    let incident = state
        .store
        .get_incident(incident_key)
        .await
        .map_err(IncidentError::from)?;
    let now = state.clock.now();
    let overdue = overdue_at(&config, &new.owner, due)
        .ok_or_else(|| PostmortemError::Invalid(format!("due \"{}\" is out of range", new.due)))?;
    let item = ActionItem {
        id: crate::store::new_id(now),
        incident_id: incident.id.clone(),
        title: title.to_owned(),
        owner: new.owner,
        due: due.to_string(),
        overdue_at: overdue,
        priority: new.priority,
        kind: new.kind,
        status: ItemStatus::Outstanding,
        created_by: by.to_owned(),
        created_at: now,
        updated_at: now,
        done_at: None,
        issue_url: None,
        issue_error: None,
    };
    let mut timers = vec![Timer {
        kind: JobKind::ActionItemOverdue,
        payload: serde_json::json!({ "item": item.id }).to_string(),
        at: overdue,
        key: format!("action-item-overdue:{}", item.id),
    }];
    if config.postmortems.tracker.is_some() {
        timers.push(Timer {
            kind: JobKind::ActionItemIssue,
            payload: serde_json::json!({ "item": item.id }).to_string(),
            at: now,
            key: format!("action-item-issue:{}", item.id),
        });
    }
    state.store.create_action_item(&item, &timers, now).await?;
    on_timeline(
        state,
        &item.incident_id,
        "action_item",
        format!(
            "Action item ({}): {}, owned by {}, due {}",
            item.kind.as_str(),
            item.title,
            item.owner,
            item.due
        ),
        by,
    )
    .await?;
    state.jobs_added.notify_one();
    Ok(item)
}

/// Marks an item; when the last outstanding item of an incident in learning is done, the
/// incident closes.
pub async fn set_item_status(
    state: &Context,
    id: &str,
    status: ItemStatus,
    actor: &crate::core::audit::Actor,
) -> Result<ActionItem, PostmortemError> {
    let by = actor.by.as_str();
    let item = state
        .store
        .set_action_item_status(id, status, state.clock.now())
        .await?;
    on_timeline(
        state,
        &item.incident_id,
        "action_item",
        format!(
            "Action item {}: {}",
            status.as_str().replace('_', " "),
            item.title
        ),
        by,
    )
    .await?;
    if status.is_done() {
        let incident = state.store.get_incident(&item.incident_id).await?;
        let outstanding = state
            .store
            .list_action_items(&crate::store::postmortems::ItemFilter {
                incident: Some(incident.id.clone()),
                outstanding: true,
                limit: 1,
                ..Default::default()
            })
            .await?;
        if incident.state == State::Learning && outstanding.is_empty() {
            crate::incidents::ops::change(
                state,
                &incident.id,
                crate::incidents::decide::IncidentEdit {
                    state: Some(State::Closed),
                    ..Default::default()
                },
                &crate::core::audit::Actor::new(
                    format!("{by} (the last action item is done)"),
                    actor.channel,
                ),
            )
            .await?;
        }
    }
    Ok(item)
}

/// The `action_item_overdue` timer: an item still outstanding at its due date's end is
/// reminded once, to its owner and the team's channel.
pub async fn remind_overdue(
    store: &Store,
    config: &Config,
    job: &crate::store::ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Payload {
        item: String,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "action_item_overdue job with an unreadable payload");
        return Ok(());
    };
    let item = match store.get_action_item(&payload.item).await {
        Ok(item) => item,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    if item.status != ItemStatus::Outstanding {
        return Ok(());
    }
    let incident = store.get_incident(&item.incident_id).await?;
    if let Some(event) = crate::postmortems::notices::overdue(config, &incident, &item, now) {
        store.insert_events(&[event], now).await?;
    }
    Ok(())
}
