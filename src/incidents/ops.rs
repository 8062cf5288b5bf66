//! What people do to incidents, whichever way they do it: declare, move through the
//! lifecycle, acknowledge, resolve, edit key times, add notes. Each change is decided by
//! `core::incident` on the incident as stored, with its row held, and lands on the timeline.

use jiff::Timestamp;
use serde_json::json;

use crate::config::Config;
use crate::context::Context;
use crate::core::audit::Actor;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State, UpdateStatus};
use crate::incidents::decide::{
    IncidentEdit, decide_effects, decide_moves, entry, opening, paging, reminder,
};
use crate::incidents::notices::{self, Detail as NoticeDetail, Told};
use crate::store::StoreError;
use crate::store::Timer;
use crate::store::audit::NewAudit;
use crate::store::incidents::{
    Effects, Incident, NewIncident, NewUpdate, Role, RoleChange, TimelineEntry,
};

/// What a declaration asks for, checked before anything is stored.
#[derive(Debug, Clone)]
pub struct Declaration {
    pub title: String,
    pub severity: Severity,
    pub priority: Option<Priority>,
    pub services: Vec<String>,
    pub summary: Option<String>,
    pub customer_impact: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum IncidentError {
    /// The request itself is wrong (an unknown service, an empty title).
    #[error("{0}")]
    Invalid(String),
    /// The incident's state does not allow it.
    #[error("{0}")]
    Refused(String),
    /// `causing_deployment` or `ruled_out` names no change Firewatch knows.
    #[error("{0}")]
    UnknownChange(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<Refused> for IncidentError {
    fn from(refused: Refused) -> Self {
        IncidentError::Refused(refused.0)
    }
}

pub fn check(config: &Config, declaration: &Declaration) -> Result<(), IncidentError> {
    if declaration.title.trim().is_empty() {
        return Err(IncidentError::Invalid("title is empty".into()));
    }
    if declaration.title.chars().count() > 300 {
        return Err(IncidentError::Invalid(
            "title is longer than 300 characters".into(),
        ));
    }
    for service in &declaration.services {
        if config.service(service).is_none() {
            return Err(IncidentError::Invalid(format!(
                "no service \"{service}\" in [[services]]"
            )));
        }
    }
    Ok(())
}

/// What the audit log keeps of an incident: enough to see what a change changed.
fn brief(incident: &Incident) -> serde_json::Value {
    json!({
        "number": incident.number,
        "title": incident.title,
        "state": incident.state.as_str(),
        "severity": incident.severity.as_str(),
        "priority": incident.priority.as_str(),
        "acknowledged_at": incident.times.acknowledged,
        "resolved_at": incident.times.resolved,
    })
}

/// A person's change to an incident, with its audit entry (what it was, what it became, and
/// `detail`) in the same transaction.
async fn change_as(
    state: &Context,
    key: &str,
    actor: &Actor,
    action: &'static str,
    detail: Option<serde_json::Value>,
    decide: &crate::store::incidents::Decide<'_>,
    now: jiff::Timestamp,
) -> Result<Result<Incident, Refused>, StoreError> {
    state
        .store
        .change_incident(
            key,
            &|current| {
                let (after, mut effects) = decide(current)?;
                let mut became = brief(&after);
                if let (Some(detail), Some(object)) = (&detail, became.as_object_mut()) {
                    object.insert("detail".into(), detail.clone());
                }
                effects.audit.push(
                    NewAudit::new(actor, action, &current.id)
                        .before(brief(current))
                        .after(became),
                );
                Ok((after, effects))
            },
            now,
        )
        .await
}

pub async fn declare(
    state: &Context,
    declaration: Declaration,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let config = state.config.current();
    check(&config, &declaration)?;
    let now = state.clock.now();
    let priority = declaration
        .priority
        .unwrap_or(Priority::for_severity(declaration.severity));
    let new = NewIncident {
        id: crate::store::new_id(now),
        title: declaration.title.trim().to_owned(),
        severity: declaration.severity,
        priority,
        services: declaration.services,
        summary: declaration.summary,
        customer_impact: declaration.customer_impact,
        declared_by: by.to_owned(),
        // Declared means detected, and the impact started then unless someone says earlier.
        times: KeyTimes {
            impact_started: Some(now),
            detected: Some(now),
            ..KeyTimes::default()
        },
    };
    let mut effects = opening(&config, &new, now);
    effects.timeline.push(entry(
        now,
        "state",
        format!(
            "Declared as {} {}: {}",
            new.severity.as_str(),
            priority.as_str(),
            new.title
        ),
        by,
    ));
    effects.paging = paging(&config, &new, now);
    effects.audit.push(
        NewAudit::new(actor, "incident.declare", &new.id).after(json!({
            "title": new.title,
            "severity": new.severity.as_str(),
            "priority": priority.as_str(),
            "services": new.services,
        })),
    );
    let incident = state.store.create_incident(&new, &effects, now).await?;
    tracing::info!(incident = %incident.id, number = incident.number, by, "incident declared");
    state.jobs_added.notify_one();
    state.status_changed.mark();
    Ok(incident)
}

pub async fn change(
    state: &Context,
    key: &str,
    mut change: IncidentEdit,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let config = state.config.current();
    let now = state.clock.now();
    fn given(id: &Option<String>) -> Option<&str> {
        id.as_deref().map(str::trim).filter(|id| !id.is_empty())
    }
    if let Some(title) = &change.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(IncidentError::Invalid("title is empty".into()));
        }
        if title.chars().count() > 300 {
            return Err(IncidentError::Invalid(
                "title is longer than 300 characters".into(),
            ));
        }
    }
    if given(&change.causing_deployment).is_some() && given(&change.ruled_out).is_some() {
        return Err(IncidentError::Invalid(
            "name the suspected cause or rule one out, not both at once".into(),
        ));
    }
    if let Some(cause) = given(&change.causing_deployment).or(given(&change.ruled_out)) {
        let incident = state.store.get_incident(key).await?;
        change.cause_title =
            crate::incidents::what_changed::what_changed(&state.store, &config, &incident)
                .await?
                .into_iter()
                .find(|entry| entry.id == cause)
                .map(|entry| format!("{} in {}", entry.title, entry.repository));
        // Not among what changed before this incident, it must still name a stored change
        // (a deployment's event): an id that names nothing is refused, not recorded.
        if change.cause_title.is_none() {
            let unknown = || {
                IncidentError::UnknownChange(format!(
                    "no deployment or change has the id \"{cause}\""
                ))
            };
            match state.store.get_event(cause).await {
                Ok(event) if event.kind == "deployment" => {}
                Ok(_) | Err(StoreError::NotFound) => return Err(unknown()),
                Err(error) => return Err(error.into()),
            }
        }
    }
    let action = match change.state {
        Some(State::Resolved) => "incident.resolve",
        Some(_) => "incident.move",
        None => "incident.change",
    };
    let decided = change_as(
        state,
        key,
        actor,
        action,
        None,
        &|current| decide_effects(&config, current, &change, by, now),
        now,
    )
    .await?;
    let incident = decided?;
    state.jobs_added.notify_one();
    state.status_changed.mark();
    Ok(incident)
}

/// Someone took it: the acknowledge time is set (once), triage becomes active and its
/// escalations stop, in one transaction. Its firing alerts are the alerts domain's to
/// acknowledge after: `alerts::ops::acknowledge_incident`, which people call.
pub async fn acknowledge(
    state: &Context,
    key: &str,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let config = state.config.current();
    let now = state.clock.now();
    let decided = change_as(
        state,
        key,
        actor,
        "incident.acknowledge",
        None,
        &|current| {
            if current.times.acknowledged.is_some() {
                return Err(Refused(format!(
                    "the incident was already acknowledged at {}",
                    current
                        .times
                        .acknowledged
                        .map(|at| at.to_string())
                        .unwrap_or_default()
                )));
            }
            if !current.state.is_open() {
                return Err(Refused(format!(
                    "the incident is {}; only an open incident can be acknowledged",
                    current.state.as_str()
                )));
            }
            let mut change = IncidentEdit::default();
            if current.state == State::Triage {
                change.state = Some(State::Active);
            }
            let (mut after, mut effects) = decide_effects(&config, current, &change, by, now)?;
            after.times.acknowledged = Some(now);
            after.times.check_order()?;
            effects.timeline.push(entry(
                now,
                "acknowledged",
                format!("Acknowledged by {by}"),
                by,
            ));
            effects.events.extend(notices::notice(
                &config,
                &after,
                Told::Acknowledged,
                NoticeDetail {
                    by: Some(by.to_owned()),
                    ..NoticeDetail::default()
                },
                "acknowledged",
                now,
            ));
            Ok((after, effects))
        },
        now,
    )
    .await?;
    let incident = decided?;
    state.jobs_added.notify_one();
    state.status_changed.mark();
    Ok(incident)
}

pub async fn resolve(state: &Context, key: &str, by: &Actor) -> Result<Incident, IncidentError> {
    change(
        state,
        key,
        IncidentEdit {
            state: Some(State::Resolved),
            ..IncidentEdit::default()
        },
        by,
    )
    .await
}

/// A note on the timeline, starred or not.
pub async fn note(
    state: &Context,
    key: &str,
    text: &str,
    starred: bool,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let text = text.trim();
    if text.is_empty() {
        return Err(IncidentError::Invalid("the note is empty".into()));
    }
    let now = state.clock.now();
    let decided = change_as(
        state,
        key,
        actor,
        "incident.note",
        Some(json!({ "note": text, "starred": starred })),
        &|current| {
            let mut note = entry(now, "note", text.to_owned(), by);
            note.starred = starred;
            Ok((
                current.clone(),
                Effects {
                    timeline: vec![note],
                    ..Effects::default()
                },
            ))
        },
        now,
    )
    .await?;
    Ok(decided?)
}

/// A status update in the public vocabulary. It is stored (the status page shows the public
/// ones), lands on the timeline, goes to the incident's channels, restarts the update
/// reminder, and moves the incident to the state it implies when that move is allowed
/// ("monitoring" mitigates, "resolved" resolves); otherwise it is recorded as it is.
pub async fn update(
    state: &Context,
    key: &str,
    status: UpdateStatus,
    message: &str,
    public: bool,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let message = message.trim();
    if message.is_empty() {
        return Err(IncidentError::Invalid(
            "the update's message is empty".into(),
        ));
    }
    if message.chars().count() > 5000 {
        return Err(IncidentError::Invalid(
            "the update's message is longer than 5000 characters".into(),
        ));
    }
    let config = state.config.current();
    let now = state.clock.now();
    let decided = change_as(
        state,
        key,
        actor,
        "incident.update",
        Some(json!({ "status": status.as_str(), "public": public, "message": message })),
        &|current| {
            let implied = status.implied_state();
            let change = IncidentEdit {
                state: (implied != current.state && current.state.move_to(implied).is_ok())
                    .then_some(implied),
                ..IncidentEdit::default()
            };
            let (after, mut effects) = decide_moves(current, &change, by, now)?;
            effects.timeline.insert(
                0,
                entry(
                    now,
                    "update",
                    format!(
                        "{} ({}): {message}",
                        status.as_str(),
                        if public { "public" } else { "internal" }
                    ),
                    by,
                ),
            );
            effects.update = Some(NewUpdate {
                status,
                message: message.to_owned(),
                public,
                by: by.to_owned(),
            });
            effects.events.extend(notices::notice(
                &config,
                &after,
                Told::Update,
                NoticeDetail {
                    status: Some(status.as_str().into()),
                    message: Some(message.to_owned()),
                    ..NoticeDetail::default()
                },
                &format!("update:{}", crate::store::new_id(now)),
                now,
            ));
            if after.state.is_open() {
                effects.timers.extend(reminder(&config, &after, now));
            }
            // Customers hear of public updates, and of the resolution however posted.
            if (public || (after.state == State::Resolved && current.state != State::Resolved))
                && config.status_page.tells_subscribers(&after.services)
            {
                effects.timers.push(Timer::status_fanout(&after.id, now));
            }
            Ok((after, effects))
        },
        now,
    )
    .await?;
    let incident = decided?;
    state.jobs_added.notify_one();
    state.status_changed.mark();
    Ok(incident)
}

/// Hands a role to a person of `[[people]]`; whoever held it stops holding it now.
pub async fn assign_role(
    state: &Context,
    key: &str,
    role: Role,
    person: &str,
    actor: &Actor,
) -> Result<Incident, IncidentError> {
    let by = actor.by.as_str();
    let config = state.config.current();
    let Some(person_config) = config.person(person) else {
        return Err(IncidentError::Invalid(format!(
            "no person \"{person}\" in [[people]]"
        )));
    };
    let name = person_config.display_name().to_owned();
    let now = state.clock.now();
    let incident = state.store.get_incident(key).await?;
    let holder = state
        .store
        .incident_roles(&incident.id)
        .await?
        .into_iter()
        .rev()
        .find(|holding| holding.role == role && holding.until.is_none());
    if holder.as_ref().is_some_and(|h| h.person == person) {
        return Ok(incident);
    }
    let text = match holder.as_ref().and_then(|h| config.person(&h.person)) {
        Some(before) => format!(
            "{} is now {} (was {})",
            name,
            role.as_str(),
            before.display_name()
        ),
        None => format!("{name} is now {}", role.as_str()),
    };
    let decided = change_as(
            state,
            &incident.id,
            actor,
            "incident.role",
            Some(json!({ "role": role.as_str(), "person": person, "was": holder.as_ref().map(|h| h.person.clone()) })),
            &|current| {
                Ok((
                    current.clone(),
                    Effects {
                        timeline: vec![entry(now, "role", text.clone(), by)],
                        role: Some(RoleChange {
                            role,
                            person: person.to_owned(),
                            by: by.to_owned(),
                        }),
                        ..Effects::default()
                    },
                ))
            },
            now,
        )
        .await?;
    Ok(decided?)
}

/// An update reminder came due: when no update was posted within the priority's interval,
/// the commander (or, with none, the channels) is reminded, and the next reminder is set.
/// An update posted since set its own reminder, so this one does nothing.
pub async fn remind(
    store: &crate::store::Store,
    config: &Config,
    job: &crate::store::ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    #[derive(serde::Deserialize)]
    struct Payload {
        incident: String,
        /// Absent in timers set before it was written.
        due: Option<i64>,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "incident_reminder job with an unreadable payload");
        return Ok(());
    };
    let set_for = payload.due.map(crate::clock::from_millis);
    let incident = match store.get_incident(&payload.incident).await {
        Ok(incident) => incident,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    let Some(every) = config.incidents.update_every(incident.priority) else {
        return Ok(());
    };
    let commander = store
        .incident_roles(&incident.id)
        .await?
        .into_iter()
        .rev()
        .find(|holding| holding.role == Role::Commander && holding.until.is_none())
        .and_then(|holding| config.person(&holding.person).cloned());
    let decided = store
        .change_incident(
            &incident.id,
            &|current| {
                if !current.state.is_open() {
                    return Err(Refused("closed".into()));
                }
                let last = current.last_update_at.unwrap_or(current.created_at);
                let due = last.saturating_add(every).unwrap_or(last);
                if set_for.is_some_and(|set_for| set_for < due) {
                    // Set before the latest update, which set its own: when the clock jumps
                    // past both, only that one reminds.
                    return Err(Refused("replaced by a later reminder".into()));
                }
                if due > now {
                    // An update came since, or the priority changed: wait for the new due time.
                    return Ok((
                        current.clone(),
                        Effects {
                            timers: reminder(config, current, last).into_iter().collect(),
                            ..Effects::default()
                        },
                    ));
                }
                let (mention, is_handle) = match &commander {
                    Some(person) => match person.chat_mention() {
                        Some(handle) => (Some(handle.to_owned()), true),
                        None => (Some(person.display_name().to_owned()), false),
                    },
                    None => (None, false),
                };
                let waited = crate::core::noise::human_duration(
                    now.duration_since(last).as_secs_f64().max(0.0),
                );
                Ok((
                    current.clone(),
                    Effects {
                        timeline: vec![TimelineEntry {
                            at: now,
                            kind: "reminder".into(),
                            text: format!(
                                "No update for {waited}: {} reminded",
                                commander
                                    .as_ref()
                                    .map_or("the channels", |p| p.display_name())
                            ),
                            actor: None,
                            link: None,
                            starred: false,
                        }],
                        events: notices::notice(
                            config,
                            current,
                            Told::Reminder,
                            NoticeDetail {
                                message: Some(waited),
                                mention,
                                mention_is_handle: is_handle,
                                ..NoticeDetail::default()
                            },
                            // One reminder per timer, however often its job runs.
                            &format!("reminder:{}", job.seq),
                            now,
                        )
                        .into_iter()
                        .collect(),
                        timers: reminder(config, current, now).into_iter().collect(),
                        ..Effects::default()
                    },
                ))
            },
            now,
        )
        .await?;
    if decided.is_ok() {
        tracing::debug!(incident = %incident.id, "update reminder checked");
    }
    Ok(())
}
