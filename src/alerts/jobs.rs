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

use jiff::Timestamp;

use jiff::SignedDuration;

use super::notices::{group_notice, plan, task_notice};
use crate::clock::Clock;
use crate::config::Config;
use crate::core::alert::{
    AlertChange, AlertSignal, AlertState, change_for_silence, matching_labels,
};
use crate::core::grouping::group_key;
use crate::core::routing::Target;
use crate::store::alerts::{
    Alert, AlertFilter, AlertGroup, AlertReport, AlertTransition, ChangedBy, ReportJob, Silence,
    Task,
};
use crate::store::{ClaimedJob, EventOrigin, NewJob, Store, StoreError};

use super::inhibition::Inhibition;

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
    let inhibition = Inhibition::read(store, config)
        .await?
        .with_reports([(event.integration.as_str(), signals.as_slice())]);
    let transitions = store
        .apply_alert_signals(
            &AlertReport {
                integration: &event.integration,
                signals: &signals,
                cause: &cause,
                event_id: Some(event_id),
                flapping: config.alerts.flapping(),
            },
            clock,
            &silencer(&silences, &inhibition, &event.integration),
            &|transition| plan(config, &event.source, transition, now),
        )
        .await?;
    log_changes(&transitions);
    recheck_silenced(store, transitions.iter(), clock).await?;
    super::inhibition::recheck(store, config, transitions.iter(), now).await?;
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
    let inhibition = Inhibition::read(store, config).await?.with_reports(
        prepared
            .iter()
            .map(|(_, _, event, signals, _)| (event.integration.as_str(), signals.as_slice())),
    );
    let silencers: Vec<_> = prepared
        .iter()
        .map(|(_, _, event, _, _)| silencer(&silences, &inhibition, &event.integration))
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
    let applied = store.apply_alert_jobs(owner, &reports, clock).await?;
    for transitions in &applied {
        log_changes(transitions);
    }
    recheck_silenced(store, applied.iter().flatten(), clock).await?;
    super::inhibition::recheck(store, config, applied.iter().flatten(), now).await?;
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
        .filter(|transition| transition.change == AlertChange::Silenced)
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

/// The most ended alerts one sweep reads.
const EXPIRY_READ: i64 = 10_000;

/// Runs an `alert_expiry` job. Due as a timer (no queue), it puts a copy of itself at the end
/// of the report queue of each service with alerts that ended (`alerts:<service>`); each copy
/// runs once every report of its service stored before it has been applied, and resolves that
/// service's open alerts whose `endsAt` passed with no re-send. So a re-send that arrived in
/// time always counts, however far behind the queue is. Returns how many resolved.
pub async fn expire(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    clock: &dyn Clock,
) -> Result<usize, StoreError> {
    let now = clock.now();
    let ended = store
        .list_alerts(&AlertFilter {
            ends_by: Some(now),
            limit: EXPIRY_READ,
            ..AlertFilter::default()
        })
        .await?;
    if job.queue.is_none() {
        let services: std::collections::BTreeSet<Option<&str>> =
            ended.iter().map(|alert| alert.service.as_deref()).collect();
        for service in services {
            let queued = NewJob {
                kind: crate::store::JobKind::AlertExpiry.as_str().into(),
                queue: Some(crate::store::alert_queue(service)),
                destination: None,
                event_id: None,
                payload: serde_json::json!({ "service": service }).to_string(),
                run_at: now,
                expires_at: now
                    .saturating_add(SignedDuration::from_hours(24))
                    .unwrap_or(now),
            };
            store.insert_job(&queued, now).await?;
        }
        return Ok(0);
    }
    let service = serde_json::from_str::<serde_json::Value>(&job.payload)
        .ok()
        .and_then(|payload| payload.get("service")?.as_str().map(str::to_owned));
    let mut by_integration: std::collections::BTreeMap<&str, Vec<AlertSignal>> =
        std::collections::BTreeMap::new();
    for alert in ended.iter().filter(|alert| alert.service == service) {
        by_integration
            .entry(alert.integration.as_str())
            .or_default()
            .push(expired_signal(alert));
    }
    if by_integration.is_empty() {
        return Ok(0);
    }
    let silences = store.list_silences().await?;
    let inhibition = Inhibition::read(store, config).await?.with_reports(
        by_integration
            .iter()
            .map(|(integration, signals)| (*integration, signals.as_slice())),
    );
    let mut resolved = 0;
    for (integration, signals) in &by_integration {
        let integration = *integration;
        let source = config
            .integration(integration)
            .map_or("alert", |i| i.kind());
        let cause = format!("{source}:{integration} (endsAt passed without a re-send)");
        let transitions = store
            .apply_alert_signals(
                &AlertReport {
                    integration,
                    signals,
                    cause: &cause,
                    event_id: None,
                    flapping: config.alerts.flapping(),
                },
                clock,
                &silencer(&silences, &inhibition, integration),
                &|transition| plan(config, source, transition, now),
            )
            .await?;
        log_changes(&transitions);
        super::inhibition::recheck(store, config, transitions.iter(), now).await?;
        resolved += transitions.len();
    }
    Ok(resolved)
}

/// A resolve for a stored alert that says nothing else about it.
fn expired_signal(alert: &Alert) -> AlertSignal {
    AlertSignal {
        fingerprint: alert.fingerprint.clone(),
        group_key: alert.group_key.clone(),
        status: crate::core::alert::SignalStatus::Resolved,
        rule: alert.rule.clone(),
        summary: alert.summary.clone(),
        severity: alert.severity,
        service: alert.service.clone(),
        labels: alert.labels.clone(),
        annotations: alert.annotations.clone(),
        starts_at: alert.starts_at,
        ends_at: alert.ends_at,
        url: alert.url.clone(),
        status_only: true,
        valid_until: None,
    }
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
    change: AlertChange,
    actor: &crate::core::audit::Actor,
    now: Timestamp,
) -> Result<Option<AlertTransition>, StoreError> {
    let cause = actor.by.as_str();
    let alert = store.get_alert(id).await?;
    let source = source_of(config, &alert);
    let audit = [crate::store::audit::NewAudit::new(
        actor,
        match change {
            AlertChange::Resolved => "alert.resolve",
            _ => "alert.acknowledge",
        },
        id,
    )
    .before(serde_json::json!({ "state": alert.state.as_str(), "rule": alert.rule, "service": alert.service }))
    .after(serde_json::json!({ "state": change.new_state().as_str() }))];
    let transition = store
        .change_alert(
            id,
            change,
            &ChangedBy {
                cause,
                silence: None,
                audit: &audit,
            },
            now,
            &|transition| plan(config, source, transition, now),
        )
        .await?;
    if let Some(transition) = &transition {
        tracing::info!(alert = %id, change = change.as_str(), cause, "alert changed by hand");
        super::inhibition::recheck(store, config, std::iter::once(transition), now).await?;
    }
    Ok(transition)
}

/// The `source` an alert's notices are routed with: its integration's kind.
fn source_of(config: &Config, alert: &Alert) -> &'static str {
    match config.integration(&alert.integration) {
        Some(integration) => integration.kind(),
        None if alert.integration == crate::core::check::CHECK_INTEGRATION => "check",
        None if alert.integration == crate::core::heartbeat::HEARTBEAT_INTEGRATION => "heartbeat",
        None => "alert",
    }
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
    inhibition: &'s Inhibition<'s>,
    integration: &'s str,
) -> impl Fn(&AlertSignal, Timestamp) -> Option<String> + Send + Sync + 's {
    move |signal, now| {
        let labels = matching_labels(
            &signal.labels,
            &signal.rule,
            signal.severity,
            signal.service.as_deref(),
            integration,
        );
        covering(silences, &labels, now)
            .map(|silence| silence.id.clone())
            .or_else(|| inhibition.inhibitor(&labels, &signal.fingerprint))
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

/// How a change by a silence (its id) or an inhibition (`inhibit:FINGERPRINT`) is recorded.
fn silence_cause(by: &str) -> String {
    if super::inhibition::source(by).is_some() {
        by.to_owned()
    } else {
        format!("silence:{by}")
    }
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
    let inhibition = Inhibition::read(store, config).await?;
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
                let silence = covering_alert(&silences, alert, now)
                    .map(|silence| silence.id.clone())
                    .or_else(|| inhibition.inhibits_alert(alert));
                let Some(change) = change_for_silence(alert.state, silence.is_some()) else {
                    continue;
                };
                let cause = match &silence {
                    Some(by) => silence_cause(by),
                    None => alert.silenced_by.as_deref().map_or_else(
                        || "silence ended".to_owned(),
                        |by| format!("{} ended", silence_cause(by)),
                    ),
                };
                let source = source_of(config, alert);
                let changed = store
                    .change_alert(
                        &alert.id,
                        change,
                        &ChangedBy {
                            cause: &cause,
                            silence: silence.as_deref(),
                            audit: &[],
                        },
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
