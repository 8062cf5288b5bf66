//! The shared metrics as Prometheus gauges on `/metrics`, so Grafana can chart them beside
//! everything else: DORA's five keys per service and the operations figures per team, over
//! the 30 days before the scrape. Computing them reads the store, so a replica recomputes at
//! most once a minute and answers other scrapes with the last values. A figure with no value
//! (N/A) has no sample rather than a zero that would read as a real one.

use std::sync::atomic::AtomicU64;

use jiff::{SignedDuration, Timestamp};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::config::Config;
use crate::metrics::dora::{Scope, dora};
use crate::metrics::ops::ops;
use crate::store::{Store, StoreError};

/// How far back the gauges look.
pub const WINDOW: SignedDuration = SignedDuration::from_hours(30 * 24);
/// How long computed values are served before they are computed again.
pub const REFRESH: SignedDuration = SignedDuration::from_secs(60);

type Value = Gauge<f64, AtomicU64>;

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ServiceLabels {
    pub service: String,
    pub team: String,
}

#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct TeamLabels {
    pub team: String,
}

#[derive(Debug, Default)]
pub struct Gauges {
    deployments_per_week: Family<ServiceLabels, Value>,
    lead_time: Family<ServiceLabels, Value>,
    change_failure: Family<ServiceLabels, Value>,
    recovery_time: Family<ServiceLabels, Value>,
    rework: Family<ServiceLabels, Value>,
    pages_per_week: Family<TeamLabels, Value>,
    page_budget: Family<TeamLabels, Value>,
    mtta: Family<TeamLabels, Value>,
    mttr: Family<TeamLabels, Value>,
    incidents: Family<TeamLabels, Value>,
    overdue: Family<TeamLabels, Value>,
    /// When the values were computed; one refresh at a time.
    computed_at: tokio::sync::Mutex<Option<Timestamp>>,
}

impl Gauges {
    pub fn register(registry: &mut Registry) -> Gauges {
        let gauges = Gauges::default();
        let service_families = [
            (
                "dora_deployments_per_week",
                "Production deployments a week, last 30 days, per service",
                &gauges.deployments_per_week,
            ),
            (
                "dora_lead_time_seconds",
                "Median change lead time (first commit to production), last 30 days",
                &gauges.lead_time,
            ),
            (
                "dora_change_failure_ratio",
                "Failed production deployments over all, last 30 days",
                &gauges.change_failure,
            ),
            (
                "dora_recovery_time_seconds",
                "Median failed deployment recovery time, last 30 days",
                &gauges.recovery_time,
            ),
            (
                "dora_rework_ratio",
                "Unplanned (hotfix, rollback, revert) deployments over all, last 30 days",
                &gauges.rework,
            ),
        ];
        for (name, help, family) in service_families {
            registry.register(name, help, family.clone());
        }
        let team_families = [
            (
                "ops_pages_per_week",
                "Pages a week per team, last 30 days",
                &gauges.pages_per_week,
            ),
            (
                "ops_page_budget_per_week",
                "The team's page_budget_per_week",
                &gauges.page_budget,
            ),
            (
                "ops_mtta_seconds",
                "Median time to acknowledge an incident, last 30 days",
                &gauges.mtta,
            ),
            (
                "ops_mttr_seconds",
                "Median time to resolve an incident, last 30 days",
                &gauges.mttr,
            ),
            (
                "ops_incidents",
                "Incidents started in the last 30 days",
                &gauges.incidents,
            ),
            (
                "ops_action_items_overdue",
                "Outstanding action items past their due date",
                &gauges.overdue,
            ),
        ];
        for (name, help, family) in team_families {
            registry.register(name, help, family.clone());
        }
        gauges
    }

    /// Computes the values again when the last ones are older than `REFRESH`.
    pub async fn refresh(
        &self,
        store: &Store,
        config: &Config,
        now: Timestamp,
    ) -> Result<(), StoreError> {
        let mut computed_at = self.computed_at.lock().await;
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
            &self.deployments_per_week,
            &self.lead_time,
            &self.change_failure,
            &self.recovery_time,
            &self.rework,
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
                &self.deployments_per_week,
                &labels,
                Some(report.deployment_frequency.per_week),
            );
            set(
                &self.lead_time,
                &labels,
                report.lead_time.median_seconds.map(|s| s as f64),
            );
            set(
                &self.change_failure,
                &labels,
                report.change_failure_rate.value,
            );
            set(
                &self.recovery_time,
                &labels,
                report.recovery_time.median_seconds.map(|s| s as f64),
            );
            set(&self.rework, &labels, report.rework_rate.value);
        }
        for family in [
            &self.pages_per_week,
            &self.page_budget,
            &self.mtta,
            &self.mttr,
            &self.incidents,
            &self.overdue,
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
                &self.pages_per_week,
                Some(pages.map_or(0.0, |row| row.pages_per_week)),
            );
            set(&self.page_budget, team.page_budget_per_week.map(f64::from));
            set(
                &self.mtta,
                view.report.mtta.median_seconds.map(|s| s as f64),
            );
            set(
                &self.mttr,
                view.report.mttr.median_seconds.map(|s| s as f64),
            );
            set(&self.incidents, Some(view.report.incidents.total as f64));
            set(&self.overdue, Some(view.report.action_items.overdue as f64));
        }
        *computed_at = Some(now);
        Ok(())
    }
}
