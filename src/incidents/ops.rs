//! What people do to incidents, whichever way they do it: declare, move through the
//! lifecycle, acknowledge, resolve, edit key times, add notes. Each change is decided by
//! `core::incident` on the incident as stored, with its row held, and lands on the timeline.

use jiff::Timestamp;

use crate::config::Config;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State};
use crate::incidents::store::{Incident, NewIncident, TimelineEntry};
use crate::state::AppState;
use crate::store::StoreError;

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
        title: declaration.title.trim().to_owned(),
        severity: declaration.severity,
        priority,
        services: declaration.services,
        summary: declaration.summary,
        customer_impact: declaration.customer_impact,
        declared_by: by.to_owned(),
    };
    // Declared means detected, and the impact started then unless someone says earlier.
    let times = KeyTimes {
        impact_started: Some(now),
        detected: Some(now),
        ..KeyTimes::default()
    };
    let timeline = [entry(
        now,
        "state",
        format!(
            "Declared as {} {}: {}",
            new.severity.as_str(),
            priority.as_str(),
            new.title
        ),
        by,
    )];
    let incident = state
        .store
        .create_incident(&new, times, &timeline, now)
        .await?;
    tracing::info!(incident = %incident.id, number = incident.number, by, "incident declared");
    Ok(incident)
}

/// A change asked for by PATCH: any of these, applied together or not at all.
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub title: Option<String>,
    pub severity: Option<Severity>,
    pub priority: Option<Priority>,
    pub state: Option<State>,
    pub times: Option<KeyTimesEdit>,
    pub causing_deployment: Option<String>,
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
        after.causing_deployment = Some(deployment.clone()).filter(|d| !d.trim().is_empty());
        timeline.push(entry(
            now,
            "change",
            format!("Suspected cause: {deployment}"),
            by,
        ));
    }
    Ok((after, timeline))
}

pub async fn change(
    state: &AppState,
    key: &str,
    change: Change,
    by: &str,
) -> Result<Incident, IncidentError> {
    let now = state.clock.now();
    let by_owned = by.to_owned();
    let decided = state
        .store
        .change_incident(
            key,
            &|current| decide(current, &change, &by_owned, now),
            now,
        )
        .await?;
    Ok(decided?)
}

/// Someone took it: the acknowledge time is set (once) and triage becomes active.
pub async fn acknowledge(state: &AppState, key: &str, by: &str) -> Result<Incident, IncidentError> {
    let now = state.clock.now();
    let by_owned = by.to_owned();
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
                let (mut after, mut timeline) = decide(current, &change, &by_owned, now)?;
                after.times.acknowledged = Some(now);
                after.times.check_order()?;
                timeline.push(entry(
                    now,
                    "acknowledged",
                    format!("Acknowledged by {by_owned}"),
                    &by_owned,
                ));
                Ok((after, timeline))
            },
            now,
        )
        .await?;
    Ok(decided?)
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
    let (by_owned, text_owned) = (by.to_owned(), text.to_owned());
    let decided = state
        .store
        .change_incident(
            key,
            &|current| {
                let mut note = entry(now, "note", text_owned.clone(), &by_owned);
                note.starred = starred;
                Ok((current.clone(), vec![note]))
            },
            now,
        )
        .await?;
    Ok(decided?)
}

/// A status update in the public vocabulary. It lands on the timeline, and moves the incident
/// to the state it implies when that move is allowed ("monitoring" mitigates, "resolved"
/// resolves); otherwise it is recorded as it is.
pub async fn update(
    state: &AppState,
    key: &str,
    status: crate::core::incident::UpdateStatus,
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
    let now = state.clock.now();
    let (by_owned, message_owned) = (by.to_owned(), message.to_owned());
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
                let (after, mut timeline) = decide(current, &change, &by_owned, now)?;
                timeline.insert(
                    0,
                    entry(
                        now,
                        "update",
                        format!(
                            "{} ({}): {message_owned}",
                            status.as_str(),
                            if public { "public" } else { "internal" }
                        ),
                        &by_owned,
                    ),
                );
                Ok((after, timeline))
            },
            now,
        )
        .await?;
    Ok(decided?)
}
