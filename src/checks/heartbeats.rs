//! Heartbeats at work (`[[heartbeats]]`, decided by `core::heartbeat`): a ping is recorded
//! with the timers it sets in one transaction, and a `heartbeat` job reconciles the
//! heartbeat's alert with its health whenever something may have changed (a ping, a failure,
//! a deadline, a start). An `alertmanager` integration's `watchdog` is a heartbeat named
//! `watchdog:INTEGRATION`, pinged at intake each time its always-firing alert arrives.
//!
//! The alerts come from the integration `heartbeats` (source `heartbeat`), one per heartbeat,
//! through the usual path: routes, silences, paging, incidents.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;

use crate::clock::Clock;
use crate::config::Config;
use crate::core::alert::{AlertSignal, Severity, SignalStatus};
use crate::core::heartbeat::{Health, Pings, Schedule, health};
use crate::store::alerts::AlertReport;
use crate::store::{ClaimedJob, JobKind, Store, StoreError, Timer};

pub use crate::core::heartbeat::HEARTBEAT_INTEGRATION as INTEGRATION;

/// A heartbeat Firewatch watches.
#[derive(Debug, Clone)]
pub struct Watched {
    pub name: String,
    pub schedule: Schedule,
    pub severity: Severity,
    pub service: Option<String>,
    /// The watchdog's integration and alert name, for a watchdog.
    pub watchdog: Option<(String, String)>,
    /// How its schedule reads (`every 24h`, `0 3 * * * Asia/Seoul`).
    pub expects: String,
}

/// The name a watchdog's heartbeat is kept under.
pub fn watchdog_name(integration: &str) -> String {
    format!("watchdog:{integration}")
}

/// Every heartbeat of the config: `[[heartbeats]]`, then the watchdogs. Ones whose schedule
/// does not read (the config check refuses them) are left out.
pub fn watched(config: &Config) -> Vec<Watched> {
    let configured = config.heartbeats.iter().filter_map(|heartbeat| {
        Some(Watched {
            name: heartbeat.name.clone(),
            schedule: heartbeat.schedule().ok()?,
            severity: heartbeat.severity,
            service: heartbeat.service.clone(),
            watchdog: None,
            expects: match (&heartbeat.every, &heartbeat.cron) {
                (Some(every), _) => format!("every {every}, grace {}", heartbeat.grace),
                (_, Some(cron)) => {
                    format!("{cron} ({}), grace {}", heartbeat.timezone, heartbeat.grace)
                }
                _ => String::new(),
            },
        })
    });
    let watchdogs = config.integrations.iter().filter_map(|integration| {
        let crate::integrations::inbound::config::IntegrationConfig::Alertmanager(settings) =
            integration
        else {
            return None;
        };
        let watchdog = settings.watchdog.as_ref()?;
        Some(Watched {
            name: watchdog_name(&settings.name),
            schedule: watchdog.schedule().ok()?,
            severity: Severity::Critical,
            service: settings.service.clone(),
            watchdog: Some((settings.name.clone(), watchdog.alertname.clone())),
            expects: format!(
                "{} from {}, grace {}",
                watchdog.alertname, settings.name, watchdog.grace
            ),
        })
    });
    configured.chain(watchdogs).collect()
}

fn find(config: &Config, name: &str) -> Option<Watched> {
    watched(config)
        .into_iter()
        .find(|watched| watched.name == name)
}

/// The timer that reconciles `name` at `at`; one per heartbeat and instant.
fn timer(name: &str, at: Timestamp) -> Timer {
    Timer {
        kind: JobKind::Heartbeat,
        payload: serde_json::json!({ "name": name }).to_string(),
        at,
        key: format!("heartbeat:{name}:{}", at.as_millisecond()),
    }
}

/// The timers a ping (or failure) at `at` sets: a reconcile now, and one at its deadline.
fn ping_timers(watched: &Watched, at: Timestamp, failed: bool, now: Timestamp) -> Vec<Timer> {
    let mut timers = vec![Timer {
        key: format!(
            "heartbeat:{}:ping:{}",
            watched.name,
            crate::store::new_id(now)
        ),
        ..timer(&watched.name, now)
    }];
    if !failed {
        let pinged = Pings {
            since: at,
            last_ping: Some(at),
            last_failure: None,
        };
        let deadline = crate::core::heartbeat::deadline(&watched.schedule, &pinged);
        if deadline < Timestamp::MAX {
            timers.push(timer(&watched.name, deadline));
        }
    }
    timers
}

/// Records a ping (or a failure) of the heartbeat `name` at `at`; `None` when no heartbeat
/// has that name. Committed before it returns, with the timers that act on it.
pub async fn ping(
    store: &Store,
    config: &Config,
    name: &str,
    failed: bool,
    at: Timestamp,
    now: Timestamp,
) -> Result<Option<Health>, StoreError> {
    let Some(watched) = find(config, name) else {
        return Ok(None);
    };
    let timers = ping_timers(&watched, at, failed, now);
    let pings = store
        .record_heartbeat(name, at, failed, &timers, now)
        .await?;
    Ok(Some(health(&watched.schedule, &pings, now)))
}

/// At start and after a reload: every heartbeat is expected from now on if it is new, and is
/// reconciled now (it may have gone late while Firewatch was down).
pub async fn schedule_all(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(), StoreError> {
    for watched in watched(config) {
        store.heartbeat(&watched.name, now).await?;
        let start = Timer {
            key: format!("heartbeat:{}:start:{}", watched.name, now.as_millisecond()),
            ..timer(&watched.name, now)
        };
        store.schedule_timers(&[start], now).await?;
    }
    Ok(())
}

/// Runs a `heartbeat` job: a watchdog's ping from intake (`ping_at`) is recorded first; then
/// the heartbeat's alert is made to match its health, and its next deadline gets a timer.
pub async fn run(
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
    clock: &dyn Clock,
) -> Result<(), StoreError> {
    let now = clock.now();
    let payload: serde_json::Value = serde_json::from_str(&job.payload).unwrap_or_default();
    let Some(name) = payload.get("name").and_then(|n| n.as_str()) else {
        return Ok(());
    };
    // A heartbeat taken out of the config stops with its last timer.
    let Some(watched) = find(config, name) else {
        return Ok(());
    };
    let pings = match payload.get("ping_at").and_then(|at| at.as_i64()) {
        Some(at) => {
            let at = crate::clock::from_millis(at);
            let timers = ping_timers(&watched, at, false, now);
            store
                .record_heartbeat(name, at, false, &timers, now)
                .await?
        }
        None => store.heartbeat(name, now).await?,
    };
    let health = health(&watched.schedule, &pings, now);
    let signal = signal(&watched, &pings, health);
    let silences = store.list_silences().await?;
    let inhibition = crate::alerts::inhibition::Inhibition::read(store, config).await?;
    let cause = format!("heartbeat:{name}");
    let transitions = store
        .apply_alert_signals(
            &AlertReport {
                integration: INTEGRATION,
                signals: std::slice::from_ref(&signal),
                cause: &cause,
                event_id: None,
                flapping: config.alerts.flapping(),
            },
            clock,
            &crate::alerts::jobs::silencer(&silences, &inhibition, INTEGRATION),
            &|transition| crate::alerts::notices::plan(config, "heartbeat", transition, now),
        )
        .await?;
    crate::alerts::inhibition::recheck(store, config, transitions.iter(), now).await?;
    if let Some(next) = health.next_change() {
        store.schedule_timers(&[timer(name, next)], now).await?;
    }
    Ok(())
}

fn minute(at: Timestamp) -> String {
    at.strftime("%Y-%m-%d %H:%M UTC").to_string()
}

/// The heartbeat's alert as its health says: firing while late or failed, else resolved.
fn signal(watched: &Watched, pings: &Pings, health: Health) -> AlertSignal {
    let last = pings.last_ping.map_or_else(
        || format!("it was set up ({})", minute(pings.since)),
        minute,
    );
    let summary = match (&watched.watchdog, health) {
        (Some((integration, alertname)), _) => format!(
            "The alerting pipeline is down: {alertname} from {integration} stopped arriving (last: {last})"
        ),
        (None, Health::Failed { at }) => {
            format!("{} reported a failure at {}", watched.name, minute(at))
        }
        (None, Health::Late { deadline }) => format!(
            "{} missed its heartbeat: no ping since {last}, due by {}",
            watched.name,
            minute(deadline)
        ),
        (None, _) => format!("{} is pinging", watched.name),
    };
    let mut labels = BTreeMap::from([
        ("alertname".to_owned(), watched.name.clone()),
        ("heartbeat".to_owned(), watched.name.clone()),
        ("severity".to_owned(), watched.severity.as_str().to_owned()),
    ]);
    if let Some(service) = &watched.service {
        labels.insert("service".to_owned(), service.clone());
    }
    let down = health.is_down();
    AlertSignal {
        fingerprint: format!("heartbeat:{}", watched.name),
        group_key: None,
        status: if down {
            SignalStatus::Firing
        } else {
            SignalStatus::Resolved
        },
        rule: watched.name.clone(),
        summary,
        severity: watched.severity,
        service: watched.service.clone(),
        labels,
        annotations: BTreeMap::new(),
        starts_at: match health {
            Health::Late { deadline } => Some(deadline),
            Health::Failed { at } => Some(at),
            _ => None,
        },
        ends_at: None,
        url: None,
        // A resolve only ends an alert that fired; it makes none.
        status_only: !down,
        valid_until: None,
    }
}

/// A heartbeat as the Checks page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct HeartbeatView {
    pub name: String,
    pub expects: String,
    /// `waiting`, `up`, `late` or `failed`.
    pub state: &'static str,
    pub last_ping_at: Option<Timestamp>,
    pub last_failure_at: Option<Timestamp>,
    /// The ping is due by then (none while late or failed).
    pub deadline: Option<Timestamp>,
    pub service: Option<String>,
    pub watchdog: bool,
}

pub async fn views(
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<Vec<HeartbeatView>, StoreError> {
    let stored = store.heartbeats().await?;
    Ok(watched(config)
        .into_iter()
        .map(|watched| {
            let pings = stored
                .iter()
                .find(|(name, _)| *name == watched.name)
                .map_or(
                    Pings {
                        since: now,
                        last_ping: None,
                        last_failure: None,
                    },
                    |(_, pings)| *pings,
                );
            let health = health(&watched.schedule, &pings, now);
            HeartbeatView {
                state: health.as_str(),
                deadline: health.next_change(),
                last_ping_at: pings.last_ping,
                last_failure_at: pings.last_failure,
                watchdog: watched.watchdog.is_some(),
                service: watched.service,
                expects: watched.expects,
                name: watched.name,
            }
        })
        .collect())
}
