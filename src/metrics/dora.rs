//! The DORA query: which services and environments count, the facts from the store, the five
//! keys from `core::dora`, and the bands they fall in.

use jiff::Timestamp;
use serde::Serialize;

use crate::config::Config;
use crate::core::dora::{self, Report, Settings};
use crate::core::noise::csv_field;
use crate::metrics::bands::{self, Bands};
use crate::store::{Store, StoreError};

/// Whose deployments: one service, a team's services, or all; one environment, or each
/// service's production environments.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub service: Option<String>,
    pub team: Option<String>,
    pub environment: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DoraView {
    #[serde(flatten)]
    pub report: Report,
    pub service: Option<String>,
    pub team: Option<String>,
    /// The environments counted: the one asked for, or the production ones.
    pub environments: Vec<String>,
    pub attribution_window: String,
    pub bands: Option<Bands>,
}

/// The services of a scope: `None` for all of them.
pub fn services(config: &Config, scope: &Scope) -> Option<Vec<String>> {
    if let Some(service) = &scope.service {
        return Some(vec![service.clone()]);
    }
    let team = scope.team.as_ref()?;
    Some(
        config
            .services
            .iter()
            .filter(|service| service.team.as_ref() == Some(team))
            .map(|service| service.id.clone())
            .collect(),
    )
}

pub async fn dora(
    store: &Store,
    config: &Config,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
    bands_year: Option<&str>,
) -> Result<DoraView, StoreError> {
    let settings = Settings {
        attribution_window: config.metrics.attribution_window(),
    };
    let services = services(config, scope);
    let mut environments: Vec<String> = match (&scope.environment, &services) {
        (Some(environment), _) => vec![environment.clone()],
        (None, Some(services)) => services
            .iter()
            .flat_map(|service| config.production_environments(service))
            .cloned()
            .collect(),
        (None, None) => config
            .metrics
            .production_environments
            .iter()
            .chain(
                config
                    .services
                    .iter()
                    .filter_map(|service| service.production_environments.as_ref())
                    .flatten(),
            )
            .cloned()
            .collect(),
    };
    environments.sort();
    environments.dedup();
    // Incidents and rollbacks just after the window still say whether its deployments failed.
    let until = to.saturating_add(settings.attribution_window).unwrap_or(to);
    let mut facts = store
        .dora_facts(services.as_deref(), &environments, from, until)
        .await?;
    if scope.environment.is_none() {
        facts.deployments.retain(|deployment| {
            config
                .production_environments(&deployment.service)
                .contains(&deployment.environment)
        });
    }
    let report = dora::report(&facts.deployments, &facts.incidents, from, to, &settings);
    let bands = bands::classify(&report, Some(bands_year.unwrap_or(&config.metrics.bands)));
    Ok(DoraView {
        report,
        service: scope.service.clone(),
        team: scope.team.clone(),
        environments,
        attribution_window: config.metrics.attribution_window.clone(),
        bands,
    })
}

/// metric, value, unit, band, method, N/A reason.
type CsvRow<'v> = (
    &'static str,
    String,
    &'static str,
    String,
    &'v str,
    Option<&'v String>,
);

/// The view as CSV: one row per figure.
pub fn csv(view: &DoraView) -> String {
    let report = &view.report;
    let band = |level: Option<&String>| level.cloned().unwrap_or_default();
    let bands = view.bands.as_ref();
    let number = |value: Option<String>| value.unwrap_or_default();
    let rows: [CsvRow<'_>; 5] = [
        (
            "deployment_frequency",
            format!("{:.3}", report.deployment_frequency.per_week),
            "per_week",
            band(bands.and_then(|b| b.deployment_frequency.as_ref())),
            report.deployment_frequency.method,
            report.deployment_frequency.na_reason.as_ref(),
        ),
        (
            "lead_time",
            number(report.lead_time.median_seconds.map(|s| s.to_string())),
            "seconds",
            band(bands.and_then(|b| b.lead_time.as_ref())),
            report.lead_time.method,
            report.lead_time.na_reason.as_ref(),
        ),
        (
            "change_failure_rate",
            number(report.change_failure_rate.value.map(|v| format!("{v:.4}"))),
            "ratio",
            band(bands.and_then(|b| b.change_failure_rate.as_ref())),
            report.change_failure_rate.method,
            report.change_failure_rate.na_reason.as_ref(),
        ),
        (
            "recovery_time",
            number(report.recovery_time.median_seconds.map(|s| s.to_string())),
            "seconds",
            band(bands.and_then(|b| b.recovery_time.as_ref())),
            report.recovery_time.method,
            report.recovery_time.na_reason.as_ref(),
        ),
        (
            "rework_rate",
            number(report.rework_rate.value.map(|v| format!("{v:.4}"))),
            "ratio",
            String::new(),
            report.rework_rate.method,
            report.rework_rate.na_reason.as_ref(),
        ),
    ];
    let mut out = String::from("metric,value,unit,band,method,na_reason\n");
    for (metric, value, unit, band, method, reason) in rows {
        out.push_str(&format!(
            "{metric},{value},{unit},{band},{},{}\n",
            csv_field(method),
            csv_field(reason.map_or("", String::as_str))
        ));
    }
    out
}
