//! How the alerts domain tells people: which notices a change makes and where they go
//! (`plan`), the notice events' payloads, and how they read in chat (`message`).

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::alert::{AlertChange, Severity, matching_labels};
use crate::core::forge::Outcome;
use crate::core::grouping::group_key;
use crate::core::routing::{EventAttributes, Target, matching_routes};
use crate::i18n::Locale;
use crate::integrations::outbound::EventMessage;
use crate::integrations::outbound::message::{Line, Message, age_in, bold, clip, code, link, text};
use crate::store::alerts::{Alert, AlertGroup, AlertTransition, GroupedNotice, NoticePlan, Task};
use crate::store::{EventStatus, NewEvent, Timer};

/// How an alert notice or a notification group's notice reads; `None` for other events.
/// What a chat app's message about this notice is about (`alert:ID`), and whether the notice
/// updates the message already posted about it (an acknowledge or a resolve) rather than
/// posting another (a fire, which starts a new cycle).
pub fn chat_subject(event: &EventMessage) -> Option<(String, bool)> {
    if event.kind != NOTICE_KIND {
        return None;
    }
    let notice = serde_json::from_value::<AlertNotice>(event.payload.clone()).ok()?;
    Some((
        format!("alert:{}", notice.alert.id),
        notice.change != AlertChange::Fired,
    ))
}

/// The buttons a chat app's message about the alert carries in its state after this notice:
/// Acknowledge and Resolve while it fires (and Escalate now when the fire pages someone),
/// Resolve once acknowledged, none once resolved.
pub fn chat_buttons(
    event: &EventMessage,
    locale: Locale,
) -> Vec<crate::integrations::outbound::Button> {
    use crate::integrations::outbound::Button;
    if event.kind != NOTICE_KIND {
        return Vec::new();
    }
    let Ok(notice) = serde_json::from_value::<AlertNotice>(event.payload.clone()) else {
        return Vec::new();
    };
    let value = format!("alert:{}", notice.alert.id);
    let acknowledge = Button {
        action: "ack",
        label: locale.text("action-acknowledge"),
        value: value.clone(),
        primary: true,
    };
    let resolve = Button {
        action: "resolve",
        label: locale.text("action-resolve"),
        value,
        primary: false,
    };
    let escalate = Button {
        action: "escalate",
        label: locale.text("action-escalate-now"),
        value: format!("alert:{}", notice.alert.id),
        primary: false,
    };
    match notice.change {
        AlertChange::Fired if notice.pages => vec![acknowledge, resolve, escalate],
        AlertChange::Fired | AlertChange::Silenced => vec![acknowledge, resolve],
        AlertChange::Acknowledged => vec![resolve],
        AlertChange::Resolved => Vec::new(),
    }
}

pub fn message(event: &EventMessage, locale: Locale) -> Option<Message> {
    if event.kind == NOTICE_KIND {
        if let Ok(notice) = serde_json::from_value::<AlertNotice>(event.payload.clone()) {
            return Some(alert_message(&notice, locale));
        }
    }
    if event.kind == GROUP_NOTICE_KIND {
        if let Ok(notice) = serde_json::from_value::<AlertGroupNotice>(event.payload.clone()) {
            return Some(group_message(&notice, locale));
        }
    }
    None
}

/// The kind of the notice events alert changes make.
pub const NOTICE_KIND: &str = "alert";

/// The kind of a notification group's notice.
pub const GROUP_NOTICE_KIND: &str = "alert_group";

/// The kind of the notice a task for an unhandled alert makes.
pub const TASK_NOTICE_KIND: &str = "alert_task";

/// What a notice event carries: the change and the alert after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertNotice {
    pub change: AlertChange,
    pub cause: String,
    pub alert: NoticeAlert,
    /// This fire made the alert flapping: its next turns are held back until it is steady.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub started_flapping: bool,
    /// The fire pages someone (a critical alert on a service with an escalation policy), so
    /// its message can escalate at once.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub pages: bool,
}

/// What a notification group's notice carries (kind `alert_group`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertGroupNotice {
    /// The group's label values (its route's `group_by`).
    pub labels: std::collections::BTreeMap<String, String>,
    /// Every alert of the group still firing, those new to the group first.
    pub alerts: Vec<NoticeAlert>,
    /// How many of `alerts` the group tells for the first time.
    pub new: usize,
}

/// The alert as a notice shows it (`store::Alert` without its row number).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoticeAlert {
    pub id: String,
    pub integration: String,
    pub rule: String,
    pub summary: String,
    pub severity: crate::core::alert::Severity,
    pub service: Option<String>,
    pub state: crate::core::alert::AlertState,
    pub labels: std::collections::BTreeMap<String, String>,
    pub annotations: std::collections::BTreeMap<String, String>,
    pub url: Option<String>,
    pub fired_at: Timestamp,
    pub acknowledged_by: Option<String>,
    pub resolved_at: Option<Timestamp>,
    pub fire_count: i64,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub flapping: bool,
}

impl From<&Alert> for NoticeAlert {
    fn from(alert: &Alert) -> Self {
        Self {
            id: alert.id.clone(),
            integration: alert.integration.clone(),
            rule: alert.rule.clone(),
            summary: alert.summary.clone(),
            severity: alert.severity,
            service: alert.service.clone(),
            state: alert.state,
            labels: alert.labels.clone(),
            annotations: alert.annotations.clone(),
            url: alert.url.clone(),
            fired_at: alert.fired_at,
            acknowledged_by: alert.acknowledged_by.clone(),
            resolved_at: alert.resolved_at,
            fire_count: alert.fire_count,
            flapping: alert.flapping_since.is_some(),
        }
    }
}

/// What to tell of a change. Routes see `kind = "alert"`, `action` = the change (`fired`,
/// `acknowledged`, `resolved`), the integration and its kind as `source`, and the labels as
/// `name=value`. A route with `group_by` puts fires in a notification group, told at its next
/// flush; acknowledges and resolves go out at once to wherever the alert was told. The owning
/// team's channel hears of its critical, error and warning alerts.
pub fn plan(
    config: &Config,
    source: &str,
    transition: &AlertTransition,
    now: Timestamp,
) -> NoticePlan {
    let alert = &transition.alert;
    let change = transition.change;
    if change == AlertChange::Silenced {
        return NoticePlan::default();
    }
    let labels: Vec<String> = alert
        .labels
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .chain([format!("severity={}", alert.severity)])
        .collect();
    let attributes = EventAttributes {
        source,
        integration: &alert.integration,
        kind: NOTICE_KIND,
        action: Some(change.as_str()),
        repo: None,
        branch: None,
        author: None,
        labels: &labels,
        outcome: None,
    };
    let mut seen = HashSet::new();
    let mut immediate = Vec::new();
    let mut groups = Vec::new();
    for (index, route) in matching_routes(&attributes, &config.routes) {
        // A muted route still takes the alert (its `continue` decides as ever), and tells
        // nothing of it.
        if route.muted_at(&config.time_intervals, now) {
            continue;
        }
        let fresh: Vec<Target> = route
            .to
            .iter()
            .filter(|destination| seen.insert(destination.as_str()))
            .map(|destination| Target {
                destination: destination.clone(),
                template: route.template.clone(),
            })
            .collect();
        if fresh.is_empty() {
            continue;
        }
        let Some(grouping) = route.grouping() else {
            immediate.extend(fresh);
            continue;
        };
        if transition.damped && change == AlertChange::Fired {
            continue;
        }
        let group_labels = grouping.labels(&matching_labels(
            &alert.labels,
            &alert.rule,
            alert.severity,
            alert.service.as_deref(),
            &alert.integration,
        ));
        let follow_up = (change != AlertChange::Fired && !transition.damped)
            .then(|| notice_event(config, source, transition, fresh.clone(), now));
        groups.push(GroupedNotice {
            key: group_key(index, grouping.by.as_deref(), &group_labels),
            labels: group_labels,
            integration: alert.integration.clone(),
            source: source.to_owned(),
            destinations: fresh,
            wait: grouping.wait,
            interval: grouping.interval,
            repeat: grouping.repeat,
            follow_up,
        });
    }
    if let Some(channel) = alert
        .service
        .as_deref()
        .filter(|_| alert.severity <= Severity::Warning)
        .and_then(|service| config.team_channel(service))
    {
        if seen.insert(channel) {
            immediate.push(Target {
                destination: channel.to_owned(),
                template: None,
            });
        }
    }
    // Nor is the end of a cycle nobody was told of, nor a flapping alert's every turn.
    let unannounced =
        matches!(change, AlertChange::Acknowledged | AlertChange::Resolved) && !alert.announced;
    let event = (!immediate.is_empty() && !unannounced && !transition.damped)
        .then(|| notice_event(config, source, transition, immediate, now));
    let paging = paging_change(config, transition, &groups, now);
    let incident = match transition.change {
        AlertChange::Fired if alert.severity == Severity::Critical && !transition.damped => {
            crate::incidents::decide::from_alert(
                config,
                alert,
                &notification_group(alert, &groups),
                now,
            )
            .map(Box::new)
        }
        _ => None,
    };
    NoticePlan {
        event,
        groups,
        timers: task_timers(config, transition, now),
        paging,
        incident,
    }
}

/// The notification group an alert pages and opens incidents by: the sender's group
/// (Alertmanager's `groupKey`), else the first grouping route's group, else the alert alone.
fn notification_group(alert: &crate::store::alerts::Alert, groups: &[GroupedNotice]) -> String {
    match (&alert.group_key, groups.first()) {
        (Some(key), _) => format!("{}:{key}", alert.integration),
        (None, Some(grouped)) => format!("route:{}", grouped.key),
        (None, None) => format!("alert:{}", alert.id),
    }
}

/// A critical fire on a service with an escalation policy pages through it. Alerts of one
/// notification group share one escalation: the sender's group (Alertmanager's `groupKey`),
/// else the first grouping route's group, else the alert alone. A flapping alert's damped
/// fires join but never start one.
fn paging_change(
    config: &Config,
    transition: &AlertTransition,
    groups: &[GroupedNotice],
    now: Timestamp,
) -> Option<crate::store::oncall::PagingChange> {
    use crate::store::oncall::{EscalationStart, PagingChange};
    let alert = &transition.alert;
    match transition.change {
        AlertChange::Fired if alert.severity == Severity::Critical && !transition.damped => {
            let service = alert.service.as_deref()?;
            let policy_id = config.service(service)?.escalation_policy.as_deref()?;
            let policy = config.escalation_policy(policy_id)?;
            let group = notification_group(alert, groups);
            Some(PagingChange::Fire(EscalationStart {
                key: format!("{service}|{policy_id}|{group}"),
                policy: policy_id.to_owned(),
                service: Some(service.to_owned()),
                summary: if alert.summary.is_empty() {
                    format!("{} on {service}", alert.rule)
                } else {
                    alert.summary.clone()
                },
                severity: alert.severity.to_string(),
                alert_id: Some(alert.id.clone()),
                incident_id: None,
                first_step_at: policy.first_step_at(now),
            }))
        }
        AlertChange::Acknowledged => Some(PagingChange::Acknowledged {
            alert_id: alert.id.clone(),
            by: transition.cause.clone(),
        }),
        AlertChange::Resolved => Some(PagingChange::Resolved {
            alert_id: alert.id.clone(),
        }),
        _ => None,
    }
}

/// A fire (not info) asks for task checks: one now, for recurrence (only once the alert has
/// fired often enough in its life to count as recurring), and one when it has been
/// unacknowledged too long.
fn task_timers(config: &Config, transition: &AlertTransition, now: Timestamp) -> Vec<Timer> {
    let alert = &transition.alert;
    if transition.change != AlertChange::Fired || alert.severity == Severity::Info {
        return Vec::new();
    }
    let payload = serde_json::json!({ "alert": alert.id }).to_string();
    let recurrence = config
        .alerts
        .task_recurrence()
        .filter(|(times, _)| alert.fire_count >= i64::from(*times))
        .map(|_| now);
    let unacknowledged = config
        .alerts
        .task_after()
        .map(|after| alert.fired_at.saturating_add(after).unwrap_or(now).max(now));
    [recurrence, unacknowledged]
        .into_iter()
        .flatten()
        .map(|at| Timer {
            kind: crate::store::JobKind::TaskCheck,
            payload: payload.clone(),
            at,
            key: format!(
                "task-check:{}:{}:{}",
                alert.id,
                alert.fire_count,
                at.as_millisecond()
            ),
        })
        .collect()
}

/// What a task's notice carries (kind `alert_task`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TaskNotice {
    pub task_id: String,
    pub reason: String,
    pub detail: String,
    pub team: Option<String>,
    pub alert: NoticeAlert,
}

/// The task's notice: to its team's channel, and wherever routes send `kind = "alert_task"`.
pub(crate) fn task_notice(
    config: &Config,
    source: &str,
    task: &Task,
    alert: &Alert,
    now: Timestamp,
) -> Option<NewEvent> {
    let labels: Vec<String> = alert
        .labels
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut destinations = crate::core::routing::destinations_for(
        &EventAttributes {
            source,
            integration: &alert.integration,
            kind: TASK_NOTICE_KIND,
            action: Some(task.reason.as_str()),
            repo: None,
            branch: None,
            author: None,
            labels: &labels,
            outcome: None,
        },
        &config.routes,
    );
    let channel = task
        .team
        .as_deref()
        .and_then(|team| config.team(team))
        .and_then(|team| team.channel.clone());
    if let Some(channel) = channel {
        if !destinations.iter().any(|t| t.destination == channel) {
            destinations.push(Target {
                destination: channel,
                template: None,
            });
        }
    }
    if destinations.is_empty() {
        return None;
    }
    let body = TaskNotice {
        task_id: task.id.clone(),
        reason: task.reason.clone(),
        detail: task.detail.clone(),
        team: task.team.clone(),
        alert: NoticeAlert::from(alert),
    };
    Some(notice_row(
        config,
        alert.integration.clone(),
        source,
        TASK_NOTICE_KIND,
        format!("alert-task:{}", task.id),
        &body,
        destinations,
        now,
    ))
}

/// The notice event for one alert's change, to `destinations`.
fn notice_event(
    config: &Config,
    source: &str,
    transition: &AlertTransition,
    destinations: Vec<Target>,
    now: Timestamp,
) -> NewEvent {
    let alert = &transition.alert;
    let body = AlertNotice {
        change: transition.change,
        cause: transition.cause.clone(),
        alert: NoticeAlert::from(alert),
        started_flapping: transition.started_flapping,
        pages: matches!(
            paging_change(config, transition, &[], now),
            Some(crate::store::oncall::PagingChange::Fire(_))
        ),
    };
    notice_row(
        config,
        alert.integration.clone(),
        source,
        NOTICE_KIND,
        notice_key(transition, now),
        &body,
        destinations,
        now,
    )
}

/// A notice event: already routed (`destinations`), kept for the retry window.
#[allow(clippy::too_many_arguments)]
fn notice_row(
    config: &Config,
    integration: String,
    source: impl Into<String>,
    kind: &str,
    dedup_key: String,
    body: &impl Serialize,
    destinations: Vec<Target>,
    now: Timestamp,
) -> NewEvent {
    NewEvent {
        id: crate::store::new_id(now),
        integration,
        source: source.into(),
        kind: kind.to_owned(),
        status: EventStatus::Accepted,
        ignored_reason: None,
        dedup_key: Some(dedup_key),
        received_at: now,
        headers: "{}".into(),
        body: serde_json::to_vec(body).unwrap_or_default().into(),
        normalized: None,
        repository: None,
        jobs: Vec::new(),
        destinations,
        expires_at: now
            .saturating_add(config.delivery.retry_window())
            .unwrap_or(now),
    }
}

/// A notification group's notice: every alert of the group still firing, new ones first.
pub fn group_notice(
    config: &Config,
    group: &AlertGroup,
    firing: &[Alert],
    untold: &[String],
    now: Timestamp,
) -> Option<NewEvent> {
    if group.destinations.is_empty() || firing.is_empty() {
        return None;
    }
    let mut alerts: Vec<&Alert> = firing.iter().collect();
    alerts.sort_by_key(|alert| !untold.contains(&alert.id));
    let body = AlertGroupNotice {
        labels: group.labels.clone(),
        alerts: alerts.into_iter().map(NoticeAlert::from).collect(),
        new: untold.len(),
    };
    Some(notice_row(
        config,
        group.integration.clone(),
        group.source.clone(),
        GROUP_NOTICE_KIND,
        format!("alert-group:{}:{}", group.key, now.as_millisecond()),
        &body,
        group.destinations.clone(),
        now,
    ))
}

/// One notice per change of one firing cycle.
fn notice_key(transition: &AlertTransition, now: Timestamp) -> String {
    let alert = &transition.alert;
    let key = format!(
        "alert:{}:{}:{}",
        alert.id,
        alert.fire_count,
        transition.change.as_str()
    );
    // Silences, inhibitions and flapping tell a cycle again: key those by their instant too.
    if ["silence", "inhibit:", "flapping"]
        .iter()
        .any(|cause| transition.cause.starts_with(cause))
    {
        format!("{key}:{}", now.as_millisecond())
    } else {
        key
    }
}

/// An alert's change: what fired (or resolved, or who acknowledged it), how bad, where.
fn alert_message(notice: &AlertNotice, locale: Locale) -> Message {
    use crate::core::alert::{AlertChange, Severity};
    let alert = &notice.alert;
    let (mark, word, outcome) = match notice.change {
        AlertChange::Fired => (
            if alert.severity == Severity::Critical {
                "🔥"
            } else {
                "⚠️"
            },
            "alert-word-firing",
            Outcome::Failure,
        ),
        AlertChange::Acknowledged => ("👀", "alert-word-acknowledged", Outcome::Pending),
        AlertChange::Resolved => ("✅", "alert-word-resolved", Outcome::Success),
        AlertChange::Silenced => ("🔕", "alert-word-silenced", Outcome::Pending),
    };
    let (mark, word) = if notice.started_flapping {
        ("🔁", "alert-word-flapping")
    } else {
        (mark, word)
    };
    let title = format!(
        "{mark} [{}] {}: {}",
        locale.text(word),
        alert.rule,
        clip(&alert.summary, 200)
    );
    let mut lines: Vec<Line> = Vec::new();
    if let Some(description) = alert
        .annotations
        .get("description")
        .filter(|d| **d != alert.summary)
    {
        lines.push(vec![text(clip(description, 500))]);
    }
    if notice.started_flapping {
        lines.push(vec![text(locale.text_with(
            "alert-flapping",
            &[("count", alert.fire_count.into())],
        ))]);
    } else if notice.cause == "flapping ended" {
        lines.push(vec![text(locale.text("alert-steady"))]);
    }
    match notice.change {
        AlertChange::Acknowledged => {
            let who = alert
                .acknowledged_by
                .as_deref()
                .unwrap_or(notice.cause.as_str());
            lines.push(vec![
                text(locale.text("alert-acknowledged-by")),
                bold(who),
                text(locale.text("alert-acknowledged-by-after")),
            ]);
        }
        AlertChange::Resolved => {
            if let Some(resolved) = alert.resolved_at {
                lines.push(vec![text(locale.text_with(
                    "alert-resolved-after",
                    &[("age", age_in(locale, alert.fired_at, resolved).into())],
                ))]);
            }
        }
        AlertChange::Fired if alert.fire_count > 1 && !notice.started_flapping => {
            lines.push(vec![text(locale.text_with(
                "alert-fired-times",
                &[("count", alert.fire_count.into())],
            ))]);
        }
        AlertChange::Fired | AlertChange::Silenced => {}
    }
    if let Some(runbook) = alert.annotations.get("runbook_url") {
        lines.push(vec![link(locale.text("alert-runbook"), Some(runbook))]);
    }
    let mut context = vec![bold(severity_word(alert.severity, locale))];
    if let Some(service) = &alert.service {
        context.push(text(
            locale.text_with("alert-service", &[("service", service.as_str().into())]),
        ));
    }
    context.push(text(format!(" · {}", alert.integration)));
    let shown: Vec<String> = alert
        .labels
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "alertname" | "severity" | "service"))
        .take(8)
        .map(|(name, value)| format!("{name}={value}"))
        .collect();
    let mut small_print = vec![context];
    if !shown.is_empty() {
        small_print.push(vec![code(shown.join(" "))]);
    }
    Message {
        summary: title.clone(),
        title,
        title_url: alert.url.clone(),
        lines,
        context: small_print,
        outcome: Some(outcome),
        locale,
    }
}

/// `critical`, `심각`: a severity in the message's language.
fn severity_word(severity: crate::core::alert::Severity, locale: Locale) -> String {
    locale.text(&format!("severity-{}", severity.as_str()))
}

/// Alerts the groups of a route's `group_by` tell together: how many fire, what they share,
/// and one line per alert, new ones first.
fn group_message(notice: &AlertGroupNotice, locale: Locale) -> Message {
    use crate::core::alert::Severity;
    let worst = notice
        .alerts
        .iter()
        .map(|alert| alert.severity)
        .min()
        .unwrap_or(Severity::Warning);
    let mark = if worst == Severity::Critical {
        "🔥"
    } else {
        "⚠️"
    };
    let shared = if notice.labels.is_empty() {
        notice
            .alerts
            .first()
            .map(|alert| alert.rule.clone())
            .unwrap_or_default()
    } else {
        notice
            .labels
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let title = clip(
        &format!(
            "{mark} [{}:{}] {shared}",
            locale.text("alert-word-firing"),
            notice.alerts.len()
        ),
        150,
    );
    let mut lines: Vec<Line> = Vec::new();
    let repeated = notice.alerts.len() - notice.new.min(notice.alerts.len());
    lines.push(vec![text(match (notice.new, repeated) {
        (0, _) => locale.text("alert-group-still"),
        (new, 0) => locale.text_with("alert-group-new", &[("new", new.into())]),
        (new, old) => locale.text_with(
            "alert-group-new-and-still",
            &[("new", new.into()), ("old", old.into())],
        ),
    })]);
    for (index, alert) in notice.alerts.iter().enumerate() {
        let mut line = vec![
            text(if index < notice.new {
                locale.text("alert-group-bullet-new")
            } else {
                "• ".to_owned()
            }),
            link(alert.rule.clone(), alert.url.as_ref()),
            text(format!(": {}", clip(&alert.summary, 200))),
        ];
        if alert.flapping {
            line.push(text(locale.text("alert-group-flapping")));
        }
        line.push(text(format!(
            " · {}",
            severity_word(alert.severity, locale)
        )));
        lines.push(line);
    }
    let services: std::collections::BTreeSet<&str> = notice
        .alerts
        .iter()
        .filter_map(|alert| alert.service.as_deref())
        .collect();
    let mut context = vec![bold(severity_word(worst, locale))];
    if !services.is_empty() {
        context.push(text(locale.text_with(
            "alert-service",
            &[(
                "service",
                services.into_iter().collect::<Vec<_>>().join(", ").into(),
            )],
        )));
    }
    Message {
        summary: title.clone(),
        title,
        title_url: None,
        lines,
        context: vec![context],
        outcome: Some(Outcome::Failure),
        locale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alert::{AlertState, Severity};
    use crate::integrations::outbound::EventMessage;
    use crate::integrations::outbound::message::Span;
    use jiff::SignedDuration;

    fn alert(state: AlertState, fire_count: i64) -> Alert {
        let at: Timestamp = "2026-11-22T04:00:00Z".parse().unwrap();
        Alert {
            seq: 1,
            id: "a-1".into(),
            integration: "prometheus".into(),
            fingerprint: "f".into(),
            group_key: None,
            rule: "HighLatency".into(),
            summary: "p99 above 500 ms on api-1".into(),
            severity: Severity::Critical,
            service: Some("api".into()),
            state,
            labels: [("alertname", "HighLatency"), ("instance", "api-1")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            annotations: [("runbook_url", "https://runbooks/latency")]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            url: Some("http://prometheus:9090/graph".into()),
            starts_at: None,
            first_seen_at: at,
            last_seen_at: at,
            fired_at: at,
            acknowledged_at: None,
            acknowledged_by: Some("user:ana".into()),
            resolved_at: Some(at + SignedDuration::from_mins(42)),
            fire_count,
            silenced_by: None,
            announced: true,
            flapping_since: None,
            ends_at: None,
        }
    }

    fn event(kind: &str, payload: serde_json::Value) -> EventMessage {
        EventMessage {
            id: "e".into(),
            integration: "prometheus".into(),
            source: "alertmanager".into(),
            kind: kind.into(),
            received_at: "2026-11-22T04:00:00Z".parse().unwrap(),
            payload,
            normalized: None,
        }
    }

    fn message(
        change: AlertChange,
        alert: &Alert,
    ) -> crate::integrations::outbound::message::Message {
        let notice = AlertNotice {
            change,
            cause: "alertmanager:prometheus".into(),
            alert: NoticeAlert::from(alert),
            started_flapping: false,
            pages: false,
        };
        let event = EventMessage {
            id: "e".into(),
            integration: "prometheus".into(),
            source: "alertmanager".into(),
            kind: NOTICE_KIND.into(),
            received_at: alert.fired_at,
            payload: serde_json::to_value(&notice).unwrap(),
            normalized: None,
        };
        super::message(&event, Locale::En).unwrap()
    }

    fn plain(lines: &[Vec<Span>]) -> String {
        lines
            .iter()
            .map(|line| {
                line.iter()
                    .map(|span| match span {
                        Span::Text(t) | Span::Bold(t) | Span::Code(t) | Span::Mention(t) => {
                            t.clone()
                        }
                        Span::Link { text, .. } => text.clone(),
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn notices_say_what_changed_how_bad_and_where() {
        let fired = message(AlertChange::Fired, &alert(AlertState::Firing, 3));
        assert_eq!(
            fired.title,
            "🔥 [FIRING] HighLatency: p99 above 500 ms on api-1"
        );
        assert_eq!(
            fired.title_url.as_deref(),
            Some("http://prometheus:9090/graph")
        );
        assert_eq!(plain(&fired.lines), "Fired 3 times so far\nRunbook");
        assert_eq!(
            plain(&fired.context),
            "critical · service api · prometheus\ninstance=api-1"
        );
        let acknowledged = message(
            AlertChange::Acknowledged,
            &alert(AlertState::Acknowledged, 1),
        );
        assert!(acknowledged.title.starts_with("👀 [ACKNOWLEDGED]"));
        assert!(plain(&acknowledged.lines).starts_with("Acknowledged by user:ana"));
        let resolved = message(AlertChange::Resolved, &alert(AlertState::Resolved, 1));
        assert!(resolved.title.starts_with("✅ [RESOLVED]"));
        assert!(
            plain(&resolved.lines).starts_with("Resolved after 42"),
            "{}",
            plain(&resolved.lines)
        );
    }

    #[test]
    fn flapping_and_group_notices_read_well() {
        let mut flapping = AlertNotice {
            change: AlertChange::Fired,
            cause: "alertmanager:prometheus".into(),
            alert: NoticeAlert::from(&alert(AlertState::Firing, 3)),
            started_flapping: true,
            pages: false,
        };
        let message = super::message(
            &event(NOTICE_KIND, serde_json::to_value(&flapping).unwrap()),
            Locale::En,
        )
        .unwrap();
        assert_eq!(
            message.title,
            "🔁 [FLAPPING] HighLatency: p99 above 500 ms on api-1"
        );
        assert!(plain(&message.lines).starts_with("Fired 3 times and resolved in between"));
        flapping.started_flapping = false;
        flapping.cause = "flapping ended".into();
        let message = super::message(
            &event(NOTICE_KIND, serde_json::to_value(&flapping).unwrap()),
            Locale::En,
        )
        .unwrap();
        assert!(message.title.starts_with("🔥 [FIRING]"));
        assert!(plain(&message.lines).starts_with("Steady again after flapping"));

        let mut second = alert(AlertState::Firing, 1);
        second.labels.insert("instance".into(), "api-2".into());
        second.summary = "p99 above 500 ms on api-2".into();
        second.severity = Severity::Warning;
        let group = AlertGroupNotice {
            labels: [("alertname".to_owned(), "HighLatency".to_owned())].into(),
            alerts: vec![
                NoticeAlert::from(&second),
                NoticeAlert::from(&alert(AlertState::Firing, 1)),
            ],
            new: 1,
        };
        let message = super::message(
            &event(GROUP_NOTICE_KIND, serde_json::to_value(&group).unwrap()),
            Locale::En,
        )
        .unwrap();
        assert_eq!(message.title, "🔥 [FIRING:2] alertname=HighLatency");
        assert_eq!(
            plain(&message.lines),
            "1 new, 1 still firing\n\
             • new HighLatency: p99 above 500 ms on api-2 · warning\n\
             • HighLatency: p99 above 500 ms on api-1 · critical"
        );
        assert_eq!(plain(&message.context), "critical · service api");
    }
}
