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
        chat_channels: Vec::new(),
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
        timers: reminder(config, &incident, now)
            .into_iter()
            .chain(
                config
                    .chat_apps
                    .iter()
                    .filter(|app| app.incident_channels())
                    .map(|app| Timer::incident_channel(&new.id, app.name(), now)),
            )
            .collect(),
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
        // The due time lets a timer an update has since replaced know it is stale.
        payload: serde_json::json!({ "incident": incident.id, "due": at.as_millisecond() })
            .to_string(),
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
                            Some(at) => format!(
                                "Key time {name} set to {}",
                                at.round(jiff::Unit::Second).unwrap_or(at)
                            ),
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
            NoticeDetail {
                by: Some(by.to_owned()),
                ..NoticeDetail::default()
            },
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alert::{AlertState, Severity as AlertSeverity};

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn config() -> Config {
        toml::from_str(
            r#"
            [[services]]
            id = "api"
            declare_incident = "critical"

            [[services]]
            id = "batch"
            "#,
        )
        .unwrap()
    }

    fn incident(state: State) -> Incident {
        let now = at("2026-12-01T10:00:00Z");
        let new = NewIncident {
            id: "inc-1".into(),
            title: "Checkout is slow".into(),
            severity: Severity::Sev2,
            priority: Priority::for_severity(Severity::Sev2),
            services: vec!["api".into()],
            summary: None,
            customer_impact: None,
            declared_by: "ana".into(),
            times: KeyTimes {
                impact_started: Some(now),
                detected: Some(now),
                ..KeyTimes::default()
            },
        };
        let mut incident = provisional(&new, now);
        incident.state = state;
        incident
    }

    fn alert(service: Option<&str>) -> Alert {
        let fired = at("2026-12-01T09:58:00Z");
        Alert {
            seq: 1,
            id: "alert-1".into(),
            integration: "prometheus".into(),
            fingerprint: "f1".into(),
            group_key: None,
            rule: "HighLatency".into(),
            summary: String::new(),
            severity: AlertSeverity::Critical,
            service: service.map(str::to_owned),
            state: AlertState::Firing,
            labels: Default::default(),
            annotations: Default::default(),
            url: None,
            starts_at: Some(at("2026-12-01T09:55:00Z")),
            first_seen_at: fired,
            last_seen_at: fired,
            fired_at: fired,
            acknowledged_at: None,
            acknowledged_by: None,
            resolved_at: None,
            fire_count: 1,
            silenced_by: None,
            announced: true,
            flapping_since: None,
            ends_at: None,
        }
    }

    fn to(state: State) -> IncidentEdit {
        IncidentEdit {
            state: Some(state),
            ..IncidentEdit::default()
        }
    }

    #[test]
    fn a_move_to_resolved_asks_for_the_draft_once() {
        let now = at("2026-12-01T11:00:00Z");
        let (after, effects) = decide_moves(
            &incident(State::Mitigated),
            &to(State::Resolved),
            "ana",
            now,
        )
        .unwrap();
        assert_eq!(after.state, State::Resolved);
        assert_eq!(after.times.resolved, Some(now));
        let drafts: Vec<&Timer> = effects
            .timers
            .iter()
            .filter(|timer| timer.kind == JobKind::PostmortemDraft)
            .collect();
        assert_eq!(drafts.len(), 1);
        assert_eq!(drafts[0].key, "postmortem-draft:inc-1");
        assert_eq!(effects.timeline[0].text, "mitigated → resolved");
        // An edit of an incident already resolved asks for nothing more.
        let retitle = IncidentEdit {
            title: Some("Checkout was slow".into()),
            ..IncidentEdit::default()
        };
        let (_, effects) = decide_moves(&after, &retitle, "ana", now).unwrap();
        assert!(effects.timers.is_empty());
        assert_eq!(effects.timeline[0].text, "Title: Checkout was slow");
    }

    #[test]
    fn an_edit_that_changes_nothing_writes_nothing_and_a_blank_title_is_refused() {
        let current = incident(State::Active);
        let same = IncidentEdit {
            title: Some("  Checkout is slow ".into()),
            severity: Some(Severity::Sev2),
            ..IncidentEdit::default()
        };
        let (after, timeline) = decide(&current, &same, "ana", current.created_at).unwrap();
        assert!(timeline.is_empty());
        assert_eq!(after.title, current.title);
        let blank = IncidentEdit {
            title: Some("   ".into()),
            ..IncidentEdit::default()
        };
        let refused = decide(&current, &blank, "ana", current.created_at).unwrap_err();
        assert_eq!(refused.0, "title is empty");
    }

    #[test]
    fn key_times_out_of_order_and_moves_the_lifecycle_forbids_are_refused() {
        let current = incident(State::Active);
        let resolved_before_it_started = IncidentEdit {
            times: Some(KeyTimesEdit {
                resolved: Some(Some(at("2026-12-01T09:00:00Z"))),
                ..KeyTimesEdit::default()
            }),
            ..IncidentEdit::default()
        };
        assert!(
            decide(
                &current,
                &resolved_before_it_started,
                "ana",
                current.created_at
            )
            .is_err()
        );
        let refused = decide(
            &incident(State::Closed),
            &to(State::Active),
            "ana",
            current.created_at,
        )
        .unwrap_err();
        assert!(
            refused.0.contains("cannot change state any more"),
            "{}",
            refused.0
        );
    }

    #[test]
    fn a_critical_alert_opens_an_incident_only_where_its_service_asks() {
        let config = config();
        let now = at("2026-12-01T10:00:00Z");
        let fire = from_alert(&config, &alert(Some("api")), "grp", now).unwrap();
        assert_eq!(fire.key, "api|grp");
        assert_eq!(fire.alert_id, "alert-1");
        assert_eq!(fire.summary, "HighLatency on api");
        assert_eq!(fire.new.title, "HighLatency on api");
        assert_eq!(fire.new.severity, config.incidents.auto_severity());
        assert_eq!(fire.new.services, ["api"]);
        assert_eq!(fire.new.declared_by, "alert:HighLatency");
        // Impact started when the sender says, detection is now.
        assert_eq!(
            fire.new.times.impact_started,
            Some(at("2026-12-01T09:55:00Z"))
        );
        assert_eq!(fire.new.times.detected, Some(now));
        let declared = fire.effects.timeline.last().unwrap();
        assert_eq!(declared.link.as_deref(), Some("/alerts/alert-1"));
        assert!(
            declared.text.contains("HighLatency fired on api"),
            "{}",
            declared.text
        );
        assert!(from_alert(&config, &alert(Some("batch")), "grp", now).is_none());
        assert!(from_alert(&config, &alert(None), "grp", now).is_none());
    }
}
