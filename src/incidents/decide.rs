//! What a change does to an incident, decided on plain data before anything is stored: the
//! state's moves and the times they fill, the notices, reminders, escalations and timers an
//! opening, an edit or a resolution sets off, and the incident a critical alert opens. The
//! operations (`ops`) run these inside the store's transaction, with the incident's row held.

use jiff::Timestamp;

use crate::config::Config;
use crate::core::incident::{KeyTimes, Priority, Refused, Severity, State};
use crate::incidents::notices::{self, Detail as NoticeDetail, Told};
use crate::store::alerts::Alert;
use crate::store::incidents::{Effects, Incident, IncidentFire, NewIncident, TimelineEntry};
use crate::store::oncall::EscalationStart;
use crate::store::{JobKind, Timer};

/// A timeline entry a person's action writes.
pub fn entry(at: Timestamp, kind: &str, text: String, actor: &str) -> TimelineEntry {
    TimelineEntry {
        at,
        kind: kind.to_owned(),
        text,
        actor: Some(actor.to_owned()),
        link: None,
        starred: false,
    }
}

/// The incident as it is the moment it is stored, for the notices its opening sends.
pub fn provisional(new: &NewIncident, now: Timestamp) -> Incident {
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
pub fn opening(config: &Config, new: &NewIncident, now: Timestamp) -> Effects {
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
pub fn paging(config: &Config, new: &NewIncident, now: Timestamp) -> Vec<EscalationStart> {
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
pub fn page_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::Sev1 | Severity::Sev2 => "critical",
        Severity::Sev3 => "error",
        Severity::Sev4 => "warning",
    }
}

/// The next update reminder, due `update_every` after `from`; none when the priority has no
/// interval.
pub fn reminder(config: &Config, incident: &Incident, from: Timestamp) -> Option<Timer> {
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
pub struct IncidentEdit {
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
    change: &IncidentEdit,
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
            crate::incidents::what_changed::RULED_OUT,
            format!(
                "Ruled out as the cause: {}",
                change.cause_title.as_deref().unwrap_or(id)
            ),
            by,
        );
        // The entry links to the change it rules out, which is how what changed knows.
        ruled_out.link = Some(crate::incidents::what_changed::anchor(id));
        timeline.push(ruled_out);
    }
    Ok((after, timeline))
}

/// `decide`, with what a move tells: a resolution is announced where the incident is told.
pub fn decide_effects(
    config: &Config,
    current: &Incident,
    change: &IncidentEdit,
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
        if config.status_page.tells_subscribers(&after.services) {
            effects.timers.push(Timer::status_fanout(&after.id, now));
        }
    }
    Ok((after, effects))
}

/// `decide`, with what a move to resolved sets off however it came: the post-mortem's draft.
pub fn decide_moves(
    current: &Incident,
    change: &IncidentEdit,
    by: &str,
    now: Timestamp,
) -> Result<(Incident, Effects), Refused> {
    let (after, timeline) = decide(current, change, by, now)?;
    let mut effects = Effects {
        timeline,
        ..Effects::default()
    };
    if after.state == State::Resolved && current.state != State::Resolved {
        effects.timers.push(Timer::postmortem_draft(&after.id, now));
    }
    Ok((after, effects))
}
