//! Built-in checks (`[[checks]]`) on durable timers: each check has one `check_run` timer
//! (`check_state.next_run_at`, kept across restarts). A run probes the target
//! (`checks::probe`), records the result and its rollups with the next run in one
//! transaction, and feeds the tracker's verdict to the alert model as the `checks`
//! integration, so a failing check is an alert like any other (silences, groups, tasks).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};

use crate::config::Config;
use crate::config::checks::CheckConfig;
use crate::core::alert::{AlertSignal, SignalStatus, matching_labels};
use crate::core::check::{Transition, first_run, next_run};
use crate::store::alerts::AlertReport;
use crate::store::checks::CheckRun;
use crate::store::{ClaimedJob, Store, StoreError};

pub use crate::core::check::CHECK_INTEGRATION;

/// The most a run moves off its interval, so checks with one interval do not run in step.
const MAX_JITTER: SignedDuration = SignedDuration::from_secs(30);

/// Plans the first run of every configured check that has none planned (at start and after
/// a reload); checks that have one keep it.
pub async fn schedule_all(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(), StoreError> {
    for check in &config.checks {
        let at = first_run(now, check.interval(), fastrand::f64());
        store.plan_check(&check.name, at, now).await?;
    }
    Ok(())
}

/// Runs a `check_run` timer.
pub async fn run(
    store: &Store,
    config: &Config,
    client: &reqwest::Client,
    job: &ClaimedJob,
    clock: &dyn crate::clock::Clock,
) -> Result<(), StoreError> {
    let now = clock.now();
    let value: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let Some(name) = value.get("check").and_then(|n| n.as_str()) else {
        return Ok(());
    };
    // A check taken out of the config stops with its last timer.
    let Some(check) = config.checks.iter().find(|c| c.name == name) else {
        return Ok(());
    };
    let Some(state) = store
        .check_states()
        .await?
        .into_iter()
        .find(|s| s.name == name)
    else {
        return Ok(());
    };
    let Some(due) = state.next_run_at.filter(|due| *due <= now) else {
        return Ok(());
    };
    let outcome = crate::checks::probe::probe(check, client, now).await;
    let mut tracker = state.tracker;
    let transition = tracker.record(
        outcome.ok,
        check.failures_to_alert(),
        check.successes_to_resolve(),
    );
    let mut next = next_run(due, check.interval(), fastrand::f64(), MAX_JITTER);
    if next <= now {
        // Fell behind (the process was down): run again an interval from now, not in a burst.
        next = next_run(now, check.interval(), fastrand::f64(), MAX_JITTER);
    }
    let recorded = store
        .record_check(
            &CheckRun {
                name,
                due,
                outcome: &outcome,
                tracker: &tracker,
                next_run_at: next,
            },
            now,
        )
        .await?;
    if !recorded {
        return Ok(());
    }
    if !outcome.ok {
        tracing::info!(check = name, detail = %outcome.detail, "check failed");
    }
    // While alerting, every run re-reports the alert (a re-send changes nothing, and a crash
    // between the result and the alert heals at the next run).
    let status = match transition {
        Some(Transition::Resolve) => SignalStatus::Resolved,
        _ if tracker.alerting => SignalStatus::Firing,
        _ => return Ok(()),
    };
    let signal = signal(config, check, status, &outcome.detail);
    let silences = store.list_silences().await?;
    let inhibition = crate::alerts::inhibition::Inhibition::read(store, config).await?;
    let source = "check";
    let cause = format!("check:{name}");
    let transitions = store
        .apply_alert_signals(
            &AlertReport {
                integration: CHECK_INTEGRATION,
                signals: std::slice::from_ref(&signal),
                cause: &cause,
                event_id: None,
                flapping: config.alerts.flapping(),
            },
            clock,
            &crate::alerts::jobs::silencer(&silences, &inhibition, CHECK_INTEGRATION),
            &|transition| crate::alerts::notices::plan(config, source, transition, now),
        )
        .await?;
    crate::alerts::inhibition::recheck(store, config, transitions.iter(), now).await?;
    Ok(())
}

/// The alert a check's verdict makes: rule = the check's name, labels = its labels plus
/// `check` and `kind`, the summary says what failed and where.
fn signal(config: &Config, check: &CheckConfig, status: SignalStatus, detail: &str) -> AlertSignal {
    let mut labels: BTreeMap<String, String> = check.labels.clone();
    labels.insert("check".into(), check.name.clone());
    labels.insert("kind".into(), check.kind.as_str().into());
    let service = check.service.clone().or_else(|| {
        let matching = matching_labels(
            &labels,
            &check.name,
            check.severity,
            None,
            CHECK_INTEGRATION,
        );
        config.alert_service(None, &matching, CHECK_INTEGRATION)
    });
    if let Some(service) = &service {
        labels
            .entry("service".into())
            .or_insert_with(|| service.clone());
    }
    let target = check.target();
    AlertSignal {
        fingerprint: format!("check:{}", check.name),
        group_key: None,
        status,
        rule: check.name.clone(),
        summary: format!("{} failing: {detail} ({target})", check.name),
        severity: check.severity,
        service,
        labels,
        annotations: BTreeMap::from([("target".to_owned(), target.clone())]),
        starts_at: None,
        ends_at: None,
        url: target.starts_with("http").then_some(target),
        // A resolve keeps the failure's wording.
        status_only: status == SignalStatus::Resolved,
        valid_until: None,
    }
}
