//! What people do to incidents, whichever way they do it: declare, move through the
//! lifecycle, acknowledge, resolve, edit key times, add notes. Each change is decided by
//! `core::incident` on the incident as stored, with its row held, and lands on the timeline.

use jiff::Timestamp;

use crate::alerts::store::Alert;
use crate::config::Config;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State, UpdateStatus};
use crate::incidents::notices::{self, Detail as NoticeDetail, Told};
use crate::incidents::store::{
    Effects, Incident, IncidentFire, NewIncident, NewUpdate, Role, RoleChange, TimelineEntry,
};
use crate::oncall::store::EscalationStart;
use crate::state::AppState;
use crate::store::Timer;
use crate::store::{JobKind, StoreError};

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

fn entry(at: Timestamp, kind: &str, text: String, actor: &str) -> TimelineEntry {
    TimelineEntry {
        at,
        kind: kind.to_owned(),
        text,
        actor: Some(actor.to_owned()),
        link: None,
        starred: false,
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

pub async fn declare(
    state: &AppState,
    declaration: Declaration,
    by: &str,
) -> Result<Incident, IncidentError> {
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
    let incident = state.store.create_incident(&new, &effects, now).await?;
    tracing::info!(incident = %incident.id, number = incident.number, by, "incident declared");
    state.jobs_added.notify_one();
    state.status_page.invalidate();
    Ok(incident)
}

/// The incident as it is the moment it is stored, for the notices its opening sends.
fn provisional(new: &NewIncident, now: Timestamp) -> Incident {
    Incident {
        id: new.id.clone(),
        number: 0,
        title: new.title.clone(),
        severity: new.severity,
        priority: new.priority,
        state: State::Triage,
        services: new.services.clone(),
        summary: new.summary.clone(),
        customer_impact: new.customer_impact.clone(),
        times: new.times,
        causing_deployment: None,
        declared_by: new.declared_by.clone(),
        created_at: now,
        updated_at: now,
        last_update_at: Some(now),
    }
}

/// What every opening does: tell the channels, and set the first update reminder.
fn opening(config: &Config, new: &NewIncident, now: Timestamp) -> Effects {
    let incident = provisional(new, now);
    Effects {
        events: notices::notice(
            config,
            &incident,
            Told::Declared,
            NoticeDetail::default(),
            "declared",
            now,
        )
        .into_iter()
        .collect(),
        timers: reminder(config, &incident, now).into_iter().collect(),
        ..Effects::default()
    }
}

/// The escalations a declaration starts: one per service with a policy.
fn paging(config: &Config, new: &NewIncident, now: Timestamp) -> Vec<EscalationStart> {
    new.services
        .iter()
        .filter_map(|service| {
            let policy_id = config.service(service)?.escalation_policy.as_deref()?;
            let policy = config.escalation_policy(policy_id)?;
            Some(EscalationStart {
                key: format!("incident:{}|{service}|{policy_id}", new.id),
                policy: policy_id.to_owned(),
                service: Some(service.clone()),
                summary: new.title.clone(),
                severity: page_severity(new.severity).into(),
                alert_id: None,
                incident_id: Some(new.id.clone()),
                first_step_at: policy.first_step_at(now),
            })
        })
        .collect()
}

/// Pages speak the alert vocabulary: how urgently the phone rings.
fn page_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 | Severity::Sev2 => "critical",
        Severity::Sev3 => "error",
        Severity::Sev4 => "warning",
    }
}

/// The next update reminder, due `update_every` after `from`; none when the priority has no
/// interval.
fn reminder(config: &Config, incident: &Incident, from: Timestamp) -> Option<Timer> {
    let every = config.incidents.update_every(incident.priority)?;
    let at = from.saturating_add(every).ok()?;
    Some(Timer {
        kind: JobKind::IncidentReminder,
        payload: serde_json::json!({ "incident": incident.id }).to_string(),
        at,
        key: format!("incident-reminder:{}:{}", incident.id, at.as_millisecond()),
    })
}

/// A critical alert on a service with `declare_incident = "critical"`: the incident it opens,
/// or joins when one of its group is open. `group` is the alert's notification group, the
/// one its escalation is keyed by.
pub fn from_alert(
    config: &Config,
    alert: &Alert,
    group: &str,
    now: Timestamp,
) -> Option<IncidentFire> {
    let service = alert.service.as_deref()?;
    if config.service(service)?.declare_incident != crate::config::org::DeclareIncident::Critical {
        return None;
    }
    let severity = config.incidents.auto_severity();
    let summary = if alert.summary.is_empty() {
        format!("{} on {service}", alert.rule)
    } else {
        alert.summary.clone()
    };
    let started = alert.starts_at.unwrap_or(alert.fired_at).min(now);
    let new = NewIncident {
        id: crate::store::new_id(now),
        title: crate::integrations::outbound::message::clip(&summary, 300),
        severity,
        priority: Priority::for_severity(severity),
        services: vec![service.to_owned()],
        summary: None,
        customer_impact: None,
        declared_by: format!("alert:{}", alert.rule),
        times: KeyTimes {
            impact_started: Some(started),
            detected: Some(now),
            ..KeyTimes::default()
        },
    };
    let mut effects = opening(config, &new, now);
    effects.timeline.push(TimelineEntry {
        at: now,
        kind: "state".into(),
        text: format!(
            "Declared automatically as {} {}: {} fired on {service}",
            new.severity.as_str(),
            new.priority.as_str(),
            alert.rule
        ),
        actor: Some(alert.integration.clone()),
        link: Some(format!("/alerts/{}", alert.id)),
        starred: false,
    });
    Some(IncidentFire {
        key: format!("{service}|{group}"),
        alert_id: alert.id.clone(),
        summary,
        join_after: now
            .checked_sub(config.incidents.join_window())
            .unwrap_or(now),
        new,
        effects,
    })
}

/// A change asked for by PATCH: any of these, applied together or not at all.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub priority: Option<Priority>,
    pub state: Option<State>,
    pub times: Option<KeyTimesEdit>,
    /// A change's id from what changed (or any deployment's); empty clears it.
    pub causing_deployment: Option<String>,
    /// How the timeline names the cause: filled by `change` from what changed.
    pub cause_title: Option<String>,
    /// A change from what changed that a person ruled out as the cause.
    pub ruled_out: Option<String>,
}

/// Key times as edited: each present field replaces the stored one (`Some(None)` clears it).
#[derive(Debug, Clone, Copy, Default)]
pub struct KeyTimesEdit {
    pub impact_started: Option<Option<Timestamp>>,
    pub detected: Option<Option<Timestamp>>,
    pub acknowledged: Option<Option<Timestamp>>,
    pub mitigated: Option<Option<Timestamp>>,
    pub resolved: Option<Option<Timestamp>>,
}

/// Decides a change on the incident as stored: the state's move first (with the times it
/// fills), then edits, then the order of the key times is checked on the result.
pub fn decide(
    current: &Incident,
    change: &Change,
    by: &str,
    now: Timestamp,
) -> Result<(Incident, Vec<TimelineEntry>), Refused> {
    let mut after = current.clone();
    let mut timeline = Vec::new();
    if let Some(to) = change.state {
        current.state.move_to(to)?;
        after.state = to;
        after.times = after.times.after_move(to, now);
        timeline.push(entry(
            now,
            "state",
            format!("{} → {}", current.state.as_str(), to.as_str()),
            by,
        ));
    }
    if let Some(title) = &change.title {
        let title = title.trim();
        if title.is_empty() {
            return Err(Refused("title is empty".into()));
        }
        if title != current.title {
            after.title = title.to_owned();
            timeline.push(entry(now, "edit", format!("Title: {title}"), by));
        }
    }
    if let Some(severity) = change.severity.filter(|s| *s != current.severity) {
        after.severity = severity;
        timeline.push(entry(
            now,
            "edit",
            format!(
                "Severity {} → {}",
                current.severity.as_str(),
                severity.as_str()
            ),
            by,
        ));
    }
    if let Some(priority) = change.priority.filter(|p| *p != current.priority) {
        after.priority = priority;
        timeline.push(entry(
            now,
            "edit",
            format!(
                "Priority {} → {}",
                current.priority.as_str(),
                priority.as_str()
            ),
            by,
        ));
    }
    if let Some(edit) = change.times {
        let mut times = after.times;
        for (name, value, slot) in [
            (
                "impact started",
                edit.impact_started,
                &mut times.impact_started,
            ),
            ("detected", edit.detected, &mut times.detected),
            ("acknowledged", edit.acknowledged, &mut times.acknowledged),
            ("mitigated", edit.mitigated, &mut times.mitigated),
            ("resolved", edit.resolved, &mut times.resolved),
        ] {
            if let Some(value) = value {
                if *slot != value {
                    *slot = value;
                    timeline.push(entry(
                        now,
                        "edit",
                        match value {
                            Some(at) => format!("Key time {name} set to {at}"),
                            None => format!("Key time {name} cleared"),
                        },
                        by,
                    ));
                }
            }
        }
        after.times = times;
    }
    after.times.check_order()?;
    if let Some(deployment) = &change.causing_deployment {
        after.causing_deployment = Some(deployment.trim().to_owned()).filter(|d| !d.is_empty());
        let text = match (&after.causing_deployment, &change.cause_title) {
            (None, _) => "Suspected cause cleared".to_owned(),
            (Some(_), Some(title)) => format!("Suspected cause: {title}"),
            (Some(id), None) => format!("Suspected cause: {id}"),
        };
        timeline.push(entry(now, "change", text, by));
    }
    if let Some(id) = change
        .ruled_out
        .as_deref()
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        let mut ruled_out = entry(
            now,
            crate::incidents::changed::RULED_OUT,
            format!(
                "Ruled out as the cause: {}",
                change.cause_title.as_deref().unwrap_or(id)
            ),
            by,
        );
        // The entry links to the change it rules out, which is how what changed knows.
        ruled_out.link = Some(crate::incidents::changed::anchor(id));
        timeline.push(ruled_out);
    }
    Ok((after, timeline))
}

/// `decide`, with what a move tells: a resolution is announced where the incident is told.
fn decide_effects(
    config: &Config,
    current: &Incident,
    change: &Change,
    by: &str,
    now: Timestamp,
) -> Result<(Incident, Effects), Refused> {
    let (after, mut effects) = decide_moves(current, change, by, now)?;
    if after.state == State::Resolved && current.state != State::Resolved {
        effects.events.extend(notices::notice(
            config,
            &after,
            Told::Resolved,
            NoticeDetail::default(),
            &format!("resolved:{}", crate::store::new_id(now)),
            now,
        ));
        effects
            .timers
            .extend(crate::statuspage::subscribers::fanout_timer(
                config, &after, now,
            ));
    }
    Ok((after, effects))
}

/// `decide`, with what a move to resolved sets off however it came: the post-mortem's draft.
fn decide_moves(
    current: &Incident,
    change: &Change,
    by: &str,
    now: Timestamp,
) -> Result<(Incident, Effects), Refused> {
    let (after, timeline) = decide(current, change, by, now)?;
    let mut effects = Effects {
        timeline,
        ..Effects::default()
    };
    if after.state == State::Resolved && current.state != State::Resolved {
        effects
            .timers
            .push(crate::postmortems::ops::draft_timer(&after.id, now));
    }
    Ok((after, effects))
}

pub async fn change(
    state: &AppState,
    key: &str,
    mut change: Change,
    by: &str,
) -> Result<Incident, IncidentError> {
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
            crate::incidents::changed::what_changed(&state.store, &config, &incident)
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
    let decided = state
        .store
        .change_incident(
            key,
            &|current| decide_effects(&config, current, &change, by, now),
            now,
        )
        .await?;
    let incident = decided?;
    state.jobs_added.notify_one();
    state.status_page.invalidate();
    Ok(incident)
}

/// Someone took it: the acknowledge time is set (once), triage becomes active, its
/// escalations stop (in the same transaction) and its firing alerts are acknowledged.
pub async fn acknowledge(state: &AppState, key: &str, by: &str) -> Result<Incident, IncidentError> {
    let config = state.config.current();
    let now = state.clock.now();
    let decided = state
        .store
        .change_incident(
            key,
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
                let mut change = Change::default();
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
                Ok((after, effects))
            },
            now,
        )
        .await?;
    let incident = decided?;
    for joined in state.store.incident_alerts(&incident.id).await? {
        let alert = state.store.get_alert(&joined.alert_id).await?;
        if alert.state == crate::core::alert::AlertState::Firing {
            crate::alerts::ops::change_alert(
                state,
                &joined.alert_id,
                crate::core::alert::Change::Acknowledged,
                by,
            )
            .await?;
        }
    }
    state.jobs_added.notify_one();
    state.status_page.invalidate();
    Ok(incident)
}

pub async fn resolve(state: &AppState, key: &str, by: &str) -> Result<Incident, IncidentError> {
    change(
        state,
        key,
        Change {
            state: Some(State::Resolved),
            ..Change::default()
        },
        by,
    )
    .await
}

/// A note on the timeline, starred or not.
pub async fn note(
    state: &AppState,
    key: &str,
    text: &str,
    starred: bool,
    by: &str,
) -> Result<Incident, IncidentError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(IncidentError::Invalid("the note is empty".into()));
    }
    let now = state.clock.now();
    let decided = state
        .store
        .change_incident(
            key,
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
    state: &AppState,
    key: &str,
    status: UpdateStatus,
    message: &str,
    public: bool,
    by: &str,
) -> Result<Incident, IncidentError> {
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
    let decided = state
        .store
        .change_incident(
            key,
            &|current| {
                let implied = status.implied_state();
                let change = Change {
                    state: (implied != current.state && current.state.move_to(implied).is_ok())
                        .then_some(implied),
                    ..Change::default()
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
                if public || (after.state == State::Resolved && current.state != State::Resolved) {
                    effects
                        .timers
                        .extend(crate::statuspage::subscribers::fanout_timer(
                            &config, &after, now,
                        ));
                }
                Ok((after, effects))
            },
            now,
        )
        .await?;
    let incident = decided?;
    state.jobs_added.notify_one();
    state.status_page.invalidate();
    Ok(incident)
}

/// Hands a role to a person of `[[people]]`; whoever held it stops holding it now.
pub async fn assign_role(
    state: &AppState,
    key: &str,
    role: Role,
    person: &str,
    by: &str,
) -> Result<Incident, IncidentError> {
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
    let decided = state
        .store
        .change_incident(
            &incident.id,
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
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        tracing::warn!(payload = %job.payload, "incident_reminder job with an unreadable payload");
        return Ok(());
    };
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

/// Everything an incident's page and `GET /incidents/{id}` show beside the incident.
#[derive(Debug, Clone, serde::Serialize)]
pub struct IncidentView {
    pub incident: Incident,
    /// Who holds each role now.
    pub roles:
        std::collections::BTreeMap<&'static str, Option<crate::incidents::store::RoleHolding>>,
    pub role_history: Vec<crate::incidents::store::RoleHolding>,
    pub updates: Vec<crate::incidents::store::StatusUpdate>,
    pub alerts: Vec<crate::incidents::store::JoinedAlert>,
    pub what_changed: Vec<crate::incidents::changed::ChangeEntry>,
    /// Earlier incidents on the same services or alert rules, with their post-mortems and
    /// open action items: what was learned, and what is still owed.
    pub earlier: Vec<Earlier>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Earlier {
    #[serde(flatten)]
    pub incident: Incident,
    pub postmortem: Option<EarlierPostmortem>,
    pub open_action_items: Vec<crate::postmortems::store::ActionItem>,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct EarlierPostmortem {
    pub state: crate::postmortems::store::PostmortemState,
    pub updated_at: Timestamp,
}

pub async fn detail(state: &AppState, key: &str) -> Result<IncidentView, IncidentError> {
    detail_in(&state.store, &state.config.current(), key).await
}

/// `detail`, for callers with the store and config but no `AppState` (a job).
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
        what_changed: crate::incidents::changed::what_changed(store, config, &incident).await?,
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
            .list_action_items(&crate::postmortems::store::ItemFilter {
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
pub async fn timeline(state: &AppState, key: &str) -> Result<Vec<TimelineEntry>, IncidentError> {
    timeline_in(&state.store, &state.config.current(), key).await
}

pub async fn timeline_in(
    store: &crate::store::Store,
    config: &Config,
    key: &str,
) -> Result<Vec<TimelineEntry>, IncidentError> {
    let incident = store.get_incident(key).await?;
    let changes = crate::incidents::changed::what_changed(store, config, &incident).await?;
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
    changes: &[crate::incidents::changed::ChangeEntry],
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
