//! The shared metrics as Prometheus gauges on `/metrics` (`telemetry::shared`), so Grafana can
//! chart them beside everything else: DORA's five keys per service and the operations figures
//! per team, over the 30 days before the scrape. Computing them reads the store, so a replica
//! recomputes at most once a minute and answers other scrapes with the last values. A figure
//! with no value (N/A) has no sample rather than a zero that would read as a real one.

use jiff::{SignedDuration, Timestamp};
use prometheus_client::metrics::family::Family;

use crate::config::Config;
use crate::metrics::dora::{Scope, dora};
use crate::metrics::operations::ops;
use crate::store::{Store, StoreError};
use crate::telemetry::shared::{Gauges, ServiceLabels, TeamLabels, Value};

/// How far back the gauges look.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);
/// How long computed values are served before they are computed again.
pub const REFRESH: SignedDuration = SignedDuration::from_secs(60);

/// Computes the gauges' values again when the last ones are older than `REFRESH`.
pub async fn refresh(
    gauges: &Gauges,
    store: &Store,
    config: &Config,
    now: Timestamp,
) -> Result<(), StoreError> {
    let mut computed_at = gauges.computed_at.lock().await;
    if computed_at.is_some_and(|at| now.duration_since(at) < REFRESH) {
        return Ok(());
    }
    let from = now.checked_sub(WINDOW).unwrap_or(now);
    let set = |family: &Family<ServiceLabels, Value>, labels: &ServiceLabels, value| {
        if let Some(value) = value {
            family.get_or_create(labels).set(value);
        }
    };
    // Clear first: a service or team taken out of the config loses its series.
    for family in [
        &gauges.deployments_per_week,
        &gauges.lead_time,
        &gauges.change_failure,
        &gauges.recovery_time,
        &gauges.rework,
    ] {
        family.clear();
    }
    for service in &config.services {
        let scope = Scope {
            service: Some(service.id.clone()),
            ..Scope::default()
        };
        let view = dora(store, config, &scope, from, now, None).await?;
        let labels = ServiceLabels {
            service: service.id.clone(),
            team: service.team.clone().unwrap_or_default(),
        };
        let report = &view.report;
        set(
            &gauges.deployments_per_week,
            &labels,
            Some(report.deployment_frequency.per_week),
        );
        set(
            &gauges.lead_time,
            &labels,
            report.lead_time.median_seconds.map(|s| s as f64),
        );
        set(
            &gauges.change_failure,
            &labels,
            report.change_failure_rate.value,
        );
        set(
            &gauges.recovery_time,
            &labels,
            report.recovery_time.median_seconds.map(|s| s as f64),
        );
        set(&gauges.rework, &labels, report.rework_rate.value);
    }
    for family in [
        &gauges.pages_per_week,
        &gauges.page_budget,
        &gauges.mtta,
        &gauges.mttr,
        &gauges.incidents,
        &gauges.overdue,
    ] {
        family.clear();
    }
    for team in &config.teams {
        let scope = Scope {
            team: Some(team.id.clone()),
            ..Scope::default()
        };
        let view = ops(store, config, &scope, from, now).await?;
        let labels = TeamLabels {
            team: team.id.clone(),
        };
        let set = |family: &Family<TeamLabels, Value>, value: Option<f64>| {
            if let Some(value) = value {
                family.get_or_create(&labels).set(value);
            }
        };
        let pages = view.pages.iter().find(|row| row.team == team.id);
        set(
            &gauges.pages_per_week,
            Some(pages.map_or(0.0, |row| row.pages_per_week)),
        );
        set(
            &gauges.page_budget,
            team.page_budget_per_week.map(f64::from),
        );
        set(
            &gauges.mtta,
            view.report.mtta.median_seconds.map(|s| s as f64),
        );
        set(
            &gauges.mttr,
            view.report.mttr.median_seconds.map(|s| s as f64),
        );
        set(&gauges.incidents, Some(view.report.incidents.total as f64));
        set(
            &gauges.overdue,
            Some(view.report.action_items.overdue as f64),
        );
    }
    *computed_at = Some(now);
    Ok(())
}
