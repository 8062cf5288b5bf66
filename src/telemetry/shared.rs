//! The shared metrics' Prometheus gauges on `/metrics`, so Grafana can chart them beside
//! everything else: DORA's five keys per service and the operations figures per team.
//! `metrics::scrape` computes their values.

use std::sync::atomic::AtomicU64;

use jiff::Timestamp;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

pub type Value = Gauge<f64, AtomicU64>;

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
    pub deployments_per_week: Family<ServiceLabels, Value>,
    pub lead_time: Family<ServiceLabels, Value>,
    pub change_failure: Family<ServiceLabels, Value>,
    pub recovery_time: Family<ServiceLabels, Value>,
    pub rework: Family<ServiceLabels, Value>,
    pub pages_per_week: Family<TeamLabels, Value>,
    pub page_budget: Family<TeamLabels, Value>,
    pub mtta: Family<TeamLabels, Value>,
    pub mttr: Family<TeamLabels, Value>,
    pub incidents: Family<TeamLabels, Value>,
    pub overdue: Family<TeamLabels, Value>,
    /// When the values were computed; one refresh at a time.
    pub computed_at: tokio::sync::Mutex<Option<Timestamp>>,
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
}
