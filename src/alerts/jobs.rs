//! Alert reports, applied after intake: each stored report has an `alert` job (in the one
//! `alerts` queue, so reports apply in the order they were stored). The job applies the report's
//! signals to the alert table; every state change it makes gets a notice event, routed like any
//! event, stored in the same transaction. People's acknowledge and resolve go through
//! [`change`] and notify the same way.
//!
//! Silences and maintenance windows are applied in two places: a report for an alert a
//! silence covers makes it `silenced` instead of notifying, and a `silence_check` job (a
//! durable timer, due at the next instant any silence starts or ends) mutes firing alerts a
//! silence now covers and fires silenced ones nothing covers any more.

use std::collections::HashSet;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use jiff::SignedDuration;

use crate::alerts::store::{
    Alert, AlertFilter, AlertGroup, AlertReport, AlertTransition, GroupedNotice, NoticePlan,
    ReportJob, Silence, Task, Timer,
};
use crate::clock::Clock;
use crate::config::Config;
use crate::core::alert::{
    AlertSignal, AlertState, Change, Severity, change_for_silence, matching_labels,
};
use crate::core::grouping::group_key;
use crate::core::routing::{EventAttributes, Target, matching_routes};
use crate::store::{ClaimedJob, EventOrigin, EventStatus, NewEvent, NewJob, Store, StoreError};

/// The kind of the notice events alert changes make.
pub const NOTICE_KIND: &str = "alert";
/// The kind of a notification group's notice.
pub const GROUP_NOTICE_KIND: &str = "alert_group";
/// The kind of the notice a task for an unhandled alert makes.
pub const TASK_NOTICE_KIND: &str = "alert_task";

/// What a notice event carries: the change and the alert after it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AlertNotice {
    pub change: Change,
    pub cause: String,
    pub alert: NoticeAlert,
    /// This fire made the alert flapping: its next turns are held back until it is steady.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub started_flapping: bool,
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
    if change == Change::Silenced {
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
        if transition.damped && change == Change::Fired {
            continue;
        }
        let group_labels = grouping.labels(&matching_labels(
            &alert.labels,
            &alert.rule,
            alert.severity,
            alert.service.as_deref(),
            &alert.integration,
        ));
        let follow_up = (change != Change::Fired && !transition.damped)
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
    let unannounced = matches!(change, Change::Acknowledged | Change::Resolved) && !alert.announced;
    let event = (!immediate.is_empty() && !unannounced && !transition.damped)
        .then(|| notice_event(config, source, transition, immediate, now));
    NoticePlan {
        event,
        groups,
        timers: task_timers(config, transition, now),
    }
}

/// A fire (not info) asks for task checks: one now, for recurrence (only once the alert has
/// fired often enough in its life to count as recurring), and one when it has been
/// unacknowledged too long.
fn task_timers(config: &Config, transition: &AlertTransition, now: Timestamp) -> Vec<Timer> {
    let alert = &transition.alert;
    if transition.change != Change::Fired || alert.severity == Severity::Info {
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

/// Runs a task check: opens a task for the alert's team when it is still firing
/// unacknowledged past the threshold, or fired too often within the recurrence window.
pub async fn check_task(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<Option<Task>, StoreError> {
    let Some(id) = payload_field(&job.payload, "alert") else {
        return Ok(None);
    };
    let alert = match store.get_alert(&id).await {
        Ok(alert) => alert,
        Err(StoreError::NotFound) => return Ok(None),
        Err(error) => return Err(error),
    };
    let unacknowledged = config.alerts.task_after().filter(|after| {
        alert.state == AlertState::Firing
            && alert
                .fired_at
                .saturating_add(*after)
                .is_ok_and(|due| due <= now)
    });
    let (reason, detail) = if let Some(after) = unacknowledged {
        (
            "unacknowledged",
            format!("firing for {:#} without anyone acknowledging it", after),
        )
    } else if let Some((times, window)) = config.alerts.task_recurrence() {
        let since = now.saturating_sub(window).unwrap_or(now);
        let fires = store.alert_fires_since(&alert.id, since).await?;
        if fires < i64::from(times) {
            return Ok(None);
        }
        ("recurring", format!("fired {fires} times in {:#}", window))
    } else {
        return Ok(None);
    };
    let team = alert
        .service
        .as_deref()
        .and_then(|service| config.service(service))
        .and_then(|service| service.team.clone());
    let task = Task {
        seq: 0,
        id: crate::store::new_id(now),
        alert_id: alert.id.clone(),
        rule: alert.rule.clone(),
        service: alert.service.clone(),
        team,
        reason: reason.to_owned(),
        detail,
        opened_at: now,
        closed_at: None,
        closed_by: None,
    };
    let notice = task_notice(config, source_of(config, &alert), &task, &alert, now);
    let opened = store.open_task(&task, notice, now).await?;
    if let Some(task) = &opened {
        tracing::info!(task = %task.id, alert = %alert.id, reason, "task opened for an unhandled alert");
    }
    Ok(opened)
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
fn task_notice(
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
        alerts: None,
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
    // Silences and flapping tell a cycle again: key those by their instant too.
    if transition.cause.starts_with("silence") || transition.cause.starts_with("flapping") {
        format!("{key}:{}", now.as_millisecond())
    } else {
        key
    }
}

/// Runs an `alert` job: applies the stored report's signals.
pub async fn run(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    clock: &dyn Clock,
) -> Result<usize, StoreError> {
    let now = clock.now();
    let Some(event_id) = job.event_id.as_deref() else {
        return Ok(0);
    };
    let event = store
        .event_origins(&[event_id])
        .await?
        .remove(event_id)
        .ok_or(StoreError::NotFound)?;
    let (signals, cause) = report_parts(job, &event);
    let silences = store.list_silences().await?;
    let transitions = store
        .apply_alert_signals(
            &AlertReport {
                integration: &event.integration,
                signals: &signals,
                cause: &cause,
                event_id: Some(event_id),
                flapping: config.alerts.flapping(),
            },
            now,
            &silencer(&silences, &event.integration, now),
            &|transition| plan(config, &event.source, transition, now),
        )
        .await?;
    log_changes(&transitions);
    recheck_silenced(store, transitions.iter(), clock).await?;
    Ok(transitions.len())
}

/// What [`run_batch`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Batch {
    /// The jobs applied and done, from the front.
    pub applied: usize,
    /// The next job's lease went to another worker, which now has the queue.
    pub lease_lost: bool,
}

/// Applies a run of alert jobs (consecutive in the `alerts` queue, leased by `owner`) in one
/// transaction that also marks them done: a burst of reports costs one commit. A report whose
/// event cannot be read stops the batch before it; the caller runs that one alone, through
/// [`run`] and its retries.
pub async fn run_batch(
    store: &Store,
    config: &Config,
    owner: &str,
    jobs: &[ClaimedJob],
    clock: &dyn Clock,
) -> Result<Batch, StoreError> {
    let now = clock.now();
    let ids: Vec<&str> = jobs
        .iter()
        .map_while(|job| job.event_id.as_deref())
        .collect();
    let mut origins = store.event_origins(&ids).await?;
    let mut prepared = Vec::with_capacity(ids.len());
    for (job, event_id) in jobs.iter().zip(&ids) {
        let Some(event) = origins.remove(*event_id) else {
            break;
        };
        let (signals, cause) = report_parts(job, &event);
        prepared.push((job.seq, *event_id, event, signals, cause));
    }
    if prepared.is_empty() {
        return Ok(Batch {
            applied: 0,
            lease_lost: false,
        });
    }
    let silences = store.list_silences().await?;
    let silencers: Vec<_> = prepared
        .iter()
        .map(|(_, _, event, _, _)| silencer(&silences, &event.integration, now))
        .collect();
    let notices: Vec<_> = prepared
        .iter()
        .map(|(_, _, event, _, _)| {
            let source = event.source.as_str();
            move |transition: &AlertTransition| plan(config, source, transition, now)
        })
        .collect();
    let reports: Vec<ReportJob> = prepared
        .iter()
        .zip(&silencers)
        .zip(&notices)
        .map(
            |(((seq, event_id, event, signals, cause), silencer), notices)| ReportJob {
                seq: *seq,
                report: AlertReport {
                    integration: &event.integration,
                    signals,
                    cause,
                    event_id: Some(event_id),
                    flapping: config.alerts.flapping(),
                },
                silencer,
                notices,
            },
        )
        .collect();
    let applied = store.apply_alert_jobs(owner, &reports, now).await?;
    for transitions in &applied {
        log_changes(transitions);
    }
    recheck_silenced(store, applied.iter().flatten(), clock).await?;
    Ok(Batch {
        applied: applied.len(),
        lease_lost: applied.len() < reports.len(),
    })
}

/// A report (or a silence check) decides its silences from the silences and the time it read
/// before its transaction. A silence check that ran in between (the silence ended, or was
/// expired by hand) could not see an alert the report then silenced, and nothing would look
/// at that alert again: it would stay silenced by a silence that is over. So after the commit
/// the alerts it silenced are held against silences and time read afresh, and when one is no
/// longer covered a silence check is asked for at once; it tells the alert as a check does.
async fn recheck_silenced(
    store: &Store,
    transitions: impl Iterator<Item = &AlertTransition>,
    clock: &dyn Clock,
) -> Result<(), StoreError> {
    let silenced: Vec<&Alert> = transitions
        .filter(|transition| transition.change == Change::Silenced)
        .map(|transition| &transition.alert)
        .collect();
    if silenced.is_empty() {
        return Ok(());
    }
    let silences = store.list_silences().await?;
    let now = clock.now();
    let uncovered = silenced
        .iter()
        .any(|alert| covering_alert(&silences, alert, now).is_none());
    if uncovered {
        // A key of its own: a check at this instant may have run already, before the commit.
        let reason = format!("recheck:{}", crate::store::new_id(now));
        schedule_check(store, &reason, now, now).await?;
        tracing::info!("an alert was silenced by a silence that has ended; checking again");
    }
    Ok(())
}

/// A report job's signals and the cause its changes are recorded with.
fn report_parts(job: &ClaimedJob, event: &EventOrigin) -> (Vec<AlertSignal>, String) {
    let signals = serde_json::from_str(&job.payload).unwrap_or_default();
    (signals, format!("{}:{}", event.source, event.integration))
}

fn log_changes(transitions: &[AlertTransition]) {
    for transition in transitions {
        tracing::info!(
            alert = %transition.alert.id,
            rule = %transition.alert.rule,
            change = transition.change.as_str(),
            "alert changed"
        );
    }
}

/// A person's acknowledge or resolve (`cause` says who). `None` when the alert's state does
/// not allow it.
pub async fn change(
    store: &Store,
    config: &Config,
    id: &str,
    change: Change,
    cause: &str,
    now: Timestamp,
) -> Result<Option<AlertTransition>, StoreError> {
    let alert = store.get_alert(id).await?;
    let source = source_of(config, &alert);
    let transition = store
        .change_alert(id, change, cause, None, now, &|transition| {
            plan(config, source, transition, now)
        })
        .await?;
    if transition.is_some() {
        tracing::info!(alert = %id, change = change.as_str(), cause, "alert changed by hand");
    }
    Ok(transition)
}

/// The `source` an alert's notices are routed with: its integration's kind.
fn source_of(config: &Config, alert: &Alert) -> &'static str {
    match config.integration(&alert.integration) {
        Some(integration) => integration.kind(),
        None if alert.integration == crate::checks::jobs::CHECK_INTEGRATION => "check",
        None => "alert",
    }
}

/// The noise report over a window (see `core::noise`): services' teams and teams' budgets
/// come from the config.
pub async fn noise_report(
    store: &Store,
    config: &Config,
    request: &crate::http::reports::NoiseRequest,
) -> Result<Vec<crate::core::noise::NoiseRow>, StoreError> {
    let activity = store.alert_activity(request.from, request.to).await?;
    let weeks = request.to.duration_since(request.from).as_secs_f64() / (7.0 * 86_400.0);
    Ok(crate::core::noise::report(
        &activity.changes,
        &activity.notices,
        &crate::core::noise::Settings {
            by: request.by,
            auto_resolve_within: request.auto_resolve_within,
            weeks,
            team_of: &|service| config.service(service).and_then(|s| s.team.clone()),
            budget_of: &|team| config.team(team).and_then(|t| t.page_budget_per_week),
        },
    ))
}

/// Runs a notification group's flush timer.
pub async fn flush_group(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(key) = payload_field(&job.payload, "group") else {
        return Ok(());
    };
    let flushed = store
        .flush_alert_group(
            &key,
            now,
            &|group| current_destinations(config, group),
            &|group, firing, untold| group_notice(config, group, firing, untold, now),
        )
        .await?;
    if let Some(crate::core::grouping::Flush::Notify { .. }) = flushed {
        tracing::info!(group = %key, "alert group notified");
    }
    Ok(())
}

/// A group's destinations under `config`: those of its stored ones that the route which
/// makes its key still sends to, with that route's template. None when no route makes its
/// key any more (the route is gone, moved, or groups by other labels).
fn current_destinations(config: &Config, group: &AlertGroup) -> Vec<Target> {
    let route = config.routes.iter().enumerate().find_map(|(index, route)| {
        let grouping = route.grouping()?;
        (group_key(index, grouping.by.as_deref(), &group.labels) == group.key).then_some(route)
    });
    let Some(route) = route else {
        return Vec::new();
    };
    group
        .destinations
        .iter()
        .filter(|target| route.to.contains(&target.destination))
        .map(|target| Target {
            destination: target.destination.clone(),
            template: route.template.clone(),
        })
        .collect()
}

/// Runs a flapping alert's settle timer: once it has been steady for the window, its state
/// is told again.
pub async fn settle(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    now: Timestamp,
) -> Result<(), StoreError> {
    let Some(id) = payload_field(&job.payload, "alert") else {
        return Ok(());
    };
    let alert = match store.get_alert(&id).await {
        Ok(alert) => alert,
        Err(StoreError::NotFound) => return Ok(()),
        Err(error) => return Err(error),
    };
    let source = source_of(config, &alert);
    let settled = store
        .settle_flapping(&id, config.alerts.flapping().window, now, &|transition| {
            plan(config, source, transition, now)
        })
        .await?;
    if settled.is_some() {
        tracing::info!(alert = %id, "alert steady again after flapping");
    }
    Ok(())
}

fn payload_field(payload: &str, name: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(payload).ok()?;
    value.get(name)?.as_str().map(str::to_owned)
}

/// Says which silence in force at `now`, if any, covers a report's signal.
pub fn silencer<'s>(
    silences: &'s [Silence],
    integration: &'s str,
    now: Timestamp,
) -> impl Fn(&AlertSignal) -> Option<String> + Send + Sync + 's {
    move |signal| {
        let labels = matching_labels(
            &signal.labels,
            &signal.rule,
            signal.severity,
            signal.service.as_deref(),
            integration,
        );
        covering(silences, &labels, now).map(|silence| silence.id.clone())
    }
}

/// The first silence in force at `now` that covers an alert with these labels.
fn covering<'s>(
    silences: &'s [Silence],
    labels: &std::collections::BTreeMap<String, String>,
    now: Timestamp,
) -> Option<&'s Silence> {
    silences
        .iter()
        .find(|silence| silence.is_active(now) && silence.covers(labels))
}

/// The first silence in force at `now` that covers a stored alert.
fn covering_alert<'s>(
    silences: &'s [Silence],
    alert: &Alert,
    now: Timestamp,
) -> Option<&'s Silence> {
    let labels = matching_labels(
        &alert.labels,
        &alert.rule,
        alert.severity,
        alert.service.as_deref(),
        &alert.integration,
    );
    covering(silences, &labels, now)
}

/// Asks for a silence check at `at`. `reason` names the ask: asks with the same reason and
/// instant make one check (so every check that finds the same next boundary schedules it once).
pub async fn schedule_check(
    store: &Store,
    reason: &str,
    at: Timestamp,
    now: Timestamp,
) -> Result<bool, StoreError> {
    let job = NewJob {
        kind: crate::store::JobKind::SilenceCheck.as_str().into(),
        // No queue: a check due now must not wait behind one due tomorrow.
        queue: None,
        destination: None,
        event_id: None,
        payload: "{}".into(),
        run_at: at,
        expires_at: at
            .saturating_add(SignedDuration::from_hours(24))
            .unwrap_or(at),
    };
    let key = format!("silence-check:{reason}:{}", at.as_millisecond());
    store.schedule_job(&job, &key, now).await
}

/// Runs a silence check: mutes firing alerts a silence now covers, fires silenced alerts
/// nothing covers any more, and schedules the next check at the next boundary.
pub async fn check_silences(
    store: &Store,
    config: &Config,
    clock: &dyn Clock,
) -> Result<usize, StoreError> {
    let now = clock.now();
    let silences = store.list_silences().await?;
    let mut changes = 0;
    // Like a report, a check decides from silences read at its start: another check may have
    // ended a silence meanwhile without seeing the alerts this one then mutes.
    let mut transitions = Vec::new();
    for state in [AlertState::Firing, AlertState::Silenced] {
        let mut before = None;
        loop {
            let alerts = store
                .list_alerts(&AlertFilter {
                    state: Some(state),
                    before,
                    limit: 500,
                    ..AlertFilter::default()
                })
                .await?;
            let Some(last) = alerts.last() else { break };
            before = Some(last.seq);
            for alert in &alerts {
                let silence = covering_alert(&silences, alert, now);
                let Some(change) = change_for_silence(alert.state, silence.is_some()) else {
                    continue;
                };
                let cause = match silence {
                    Some(silence) => format!("silence:{}", silence.id),
                    None => alert.silenced_by.as_deref().map_or_else(
                        || "silence ended".to_owned(),
                        |id| format!("silence:{id} ended"),
                    ),
                };
                let source = source_of(config, alert);
                let changed = store
                    .change_alert(
                        &alert.id,
                        change,
                        &cause,
                        silence.map(|s| s.id.as_str()),
                        now,
                        &|transition| plan(config, source, transition, now),
                    )
                    .await?;
                if let Some(transition) = changed {
                    changes += 1;
                    tracing::info!(alert = %alert.id, change = change.as_str(), %cause, "alert changed by a silence");
                    transitions.push(transition);
                }
            }
        }
    }
    if let Some(next) = silences.iter().filter_map(|s| s.next_boundary(now)).min() {
        schedule_check(store, "boundary", next, now).await?;
    }
    recheck_silenced(store, transitions.iter(), clock).await?;
    Ok(changes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::alert::{AlertState, Severity};
    use crate::integrations::outbound::EventMessage;
    use crate::integrations::outbound::message::{RenderSettings, Span, render};
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

    fn message(change: Change, alert: &Alert) -> crate::integrations::outbound::message::Message {
        let notice = AlertNotice {
            change,
            cause: "alertmanager:prometheus".into(),
            alert: NoticeAlert::from(alert),
            started_flapping: false,
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
        render(&event, &RenderSettings::default())
    }

    fn plain(lines: &[Vec<Span>]) -> String {
        lines
            .iter()
            .map(|line| {
                line.iter()
                    .map(|span| match span {
                        Span::Text(t) | Span::Bold(t) | Span::Code(t) => t.clone(),
                        Span::Link { text, .. } => text.clone(),
                    })
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn notices_say_what_changed_how_bad_and_where() {
        let fired = message(Change::Fired, &alert(AlertState::Firing, 3));
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
        let acknowledged = message(Change::Acknowledged, &alert(AlertState::Acknowledged, 1));
        assert!(acknowledged.title.starts_with("👀 [ACKNOWLEDGED]"));
        assert!(plain(&acknowledged.lines).starts_with("Acknowledged by user:ana"));
        let resolved = message(Change::Resolved, &alert(AlertState::Resolved, 1));
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
            change: Change::Fired,
            cause: "alertmanager:prometheus".into(),
            alert: NoticeAlert::from(&alert(AlertState::Firing, 3)),
            started_flapping: true,
        };
        let message = render(
            &event(NOTICE_KIND, serde_json::to_value(&flapping).unwrap()),
            &RenderSettings::default(),
        );
        assert_eq!(
            message.title,
            "🔁 [FLAPPING] HighLatency: p99 above 500 ms on api-1"
        );
        assert!(plain(&message.lines).starts_with("Fired 3 times and resolved in between"));
        flapping.started_flapping = false;
        flapping.cause = "flapping ended".into();
        let message = render(
            &event(NOTICE_KIND, serde_json::to_value(&flapping).unwrap()),
            &RenderSettings::default(),
        );
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
        let message = render(
            &event(GROUP_NOTICE_KIND, serde_json::to_value(&group).unwrap()),
            &RenderSettings::default(),
        );
        assert_eq!(message.title, "🔥 [FIRING:2] alertname=HighLatency");
        assert_eq!(
            plain(&message.lines),
            "1 new, 1 still firing\n\
             • new HighLatency: p99 above 500 ms on api-2 · warning\n\
             • HighLatency: p99 above 500 ms on api-1 · critical"
        );
        assert_eq!(plain(&message.context), "critical · service api");
    }

    #[test]
    fn a_group_keeps_the_destinations_its_route_still_has() {
        let config = |routes: &str| {
            let text = format!(
                "[[destinations]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/a\"\n\
                 [[destinations]]\nname = \"b\"\nkind = \"webhook\"\nurl = \"http://127.0.0.1:9/b\"\n{routes}"
            );
            Config::parse(&text, &|_| None).unwrap().0
        };
        let labels: std::collections::BTreeMap<String, String> =
            [("alertname".to_owned(), "HighLatency".to_owned())].into();
        let by = ["alertname".to_owned()];
        let group = AlertGroup {
            key: group_key(0, Some(&by), &labels),
            labels,
            integration: "prometheus".into(),
            source: "alertmanager".into(),
            destinations: ["a", "b"]
                .map(|name| Target {
                    destination: name.into(),
                    template: None,
                })
                .into(),
            interval: SignedDuration::from_mins(5),
            repeat: SignedDuration::from_hours(4),
            last_notified_at: None,
            next_flush_at: None,
        };
        let names = |config: &Config| -> Vec<String> {
            current_destinations(config, &group)
                .into_iter()
                .map(|target| target.destination)
                .collect()
        };
        let grouped = "[[routes]]\nmatch = { kind = \"alert\" }\ngroup_by = [\"alertname\"]\n";
        assert_eq!(
            names(&config(&format!("{grouped}to = [\"a\", \"b\"]\n"))),
            ["a", "b"]
        );
        // A destination taken off the route is left out; one added is not the group's.
        assert_eq!(names(&config(&format!("{grouped}to = [\"b\"]\n"))), ["b"]);
        // Grouped by other labels, or at another position: the key is no route's any more.
        let other =
            "[[routes]]\nmatch = { kind = \"alert\" }\ngroup_by = [\"instance\"]\nto = [\"a\"]\n";
        assert!(names(&config(other)).is_empty());
        let moved = format!(
            "[[routes]]\nmatch = {{ kind = \"deploy\" }}\nto = [\"a\"]\n{grouped}to = [\"a\"]\n"
        );
        assert!(names(&config(&moved)).is_empty());
        assert!(names(&config("")).is_empty());
    }
}
