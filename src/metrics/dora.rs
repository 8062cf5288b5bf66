//! The DORA query: which services and environments count, the facts from the store, the five
//! keys from `core::dora`, and the bands they fall in.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::config::Config;
use crate::core::bands::{self, Bands};
use crate::core::dora::{self, Report, Settings};
use crate::core::noise::csv_field;
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
    /// The 2025 Quick Check's 0–10 scores of these figures.
    pub quick_check: bands::QuickCheck,
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

/// What a report is asked for: the API's and the page's query parameters, before checking.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ReportQuery {
    pub service: Option<String>,
    pub team: Option<String>,
    pub environment: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub days: Option<String>,
    /// Which benchmark table: `2024` (default), `2023`, `2021`.
    pub bands: Option<String>,
    pub format: Option<String>,
}

/// A checked report request.
#[derive(Debug, Clone)]
pub struct ReportRequest {
    pub scope: Scope,
    pub from: Timestamp,
    pub to: Timestamp,
    pub bands: Option<String>,
    pub csv: bool,
}

impl ReportQuery {
    /// Checks the parameters (default window: the last 30 days); a problem is a sentence.
    pub fn check(&self, config: &Config, now: Timestamp) -> Result<ReportRequest, String> {
        let csv = match self.format.as_deref() {
            None | Some("" | "json" | "html") => false,
            Some("csv") => true,
            Some(_) => return Err("format must be json or csv".into()),
        };
        let given = |text: &Option<String>| text.clone().filter(|t| !t.is_empty());
        let scope = Scope {
            service: given(&self.service),
            team: given(&self.team),
            environment: given(&self.environment),
        };
        if let Some(environment) = scope
            .environment
            .as_ref()
            .filter(|e| !crate::core::problem::is_valid_name(e))
        {
            return Err(format!(
                "environment \"{environment}\" may hold only letters, digits, '-', '_' and '.'"
            ));
        }
        if scope.service.is_some() && scope.team.is_some() {
            return Err("give either service or team, not both".into());
        }
        if let Some(team) = &scope.team {
            if !config.teams.iter().any(|known| &known.id == team) {
                return Err(format!("there is no team \"{team}\""));
            }
        }
        let bands = given(&self.bands);
        if let Some(year) = &bands {
            if !bands::years().contains(&year.as_str()) {
                return Err(format!(
                    "bands must be one of {}",
                    bands::years().join(", ")
                ));
            }
        }
        let (from, to) = crate::core::window::window(
            self.from.as_deref(),
            self.to.as_deref(),
            self.days.as_deref(),
            30,
            now,
        )?;
        Ok(ReportRequest {
            scope,
            from,
            to,
            bands,
            csv,
        })
    }
}

/// The production deployments and incidents a report of `[from, to)` reads, and the
/// environments counted.
struct Gathered {
    environments: Vec<String>,
    facts: crate::store::metrics::DoraFacts,
    settings: Settings,
}

async fn gather(
    store: &Store,
    config: &Config,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
) -> Result<Gathered, StoreError> {
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
        // Looked up once per service, not once per deployment.
        let mut production: rustc_hash::FxHashMap<std::sync::Arc<str>, &[String]> =
            rustc_hash::FxHashMap::default();
        facts.deployments.retain(|deployment| {
            let environments = match production.get(&*deployment.service) {
                Some(environments) => *environments,
                None => {
                    let environments = config.production_environments(&deployment.service);
                    production.insert(deployment.service.clone(), environments);
                    environments
                }
            };
            environments
                .iter()
                .any(|environment| **environment == *deployment.environment)
        });
    }
    Ok(Gathered {
        environments,
        facts,
        settings,
    })
}

pub async fn dora(
    store: &Store,
    config: &Config,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
    bands_year: Option<&str>,
) -> Result<DoraView, StoreError> {
    Ok(
        view_apart(config, scope, store, from, to, bands_year, false)
            .await?
            .0,
    )
}

/// One week of a trend.
#[derive(Debug, Clone, Serialize)]
pub struct WeekReport {
    pub week_start: Timestamp,
    pub report: Report,
}

/// The report of the window and of each week in it, the weeks counted back from `to` (the
/// first may be shorter), from one read of the store.
pub async fn dora_by_week(
    store: &Store,
    config: &Config,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
    bands_year: Option<&str>,
) -> Result<(DoraView, Vec<WeekReport>), StoreError> {
    view_apart(config, scope, store, from, to, bands_year, true).await
}

/// Gathers the facts and works out the view on a blocking thread: a year of an organisation
/// is tens of milliseconds of work the async workers should not wait on.
async fn view_apart(
    config: &Config,
    scope: &Scope,
    store: &Store,
    from: Timestamp,
    to: Timestamp,
    bands_year: Option<&str>,
    weekly: bool,
) -> Result<(DoraView, Vec<WeekReport>), StoreError> {
    let gathered = gather(store, config, scope, from, to).await?;
    let (metrics, scope) = (config.metrics.clone(), scope.clone());
    let bands_year = bands_year.map(str::to_owned);
    tokio::task::spawn_blocking(move || {
        view(
            &metrics,
            &scope,
            gathered,
            from,
            to,
            bands_year.as_deref(),
            weekly,
        )
    })
    .await
    .map_err(|error| std::io::Error::other(error.to_string()).into())
}

fn view(
    metrics: &crate::config::metrics::MetricsConfig,
    scope: &Scope,
    gathered: Gathered,
    from: Timestamp,
    to: Timestamp,
    bands_year: Option<&str>,
    weekly: bool,
) -> (DoraView, Vec<WeekReport>) {
    let Gathered {
        environments,
        facts,
        settings,
    } = gathered;
    let history = dora::History::new(&facts.deployments, &facts.incidents, &settings);
    let report = history.report(from, to);
    let week = jiff::SignedDuration::from_hours(7 * 24);
    let mut weeks = Vec::new();
    let mut end = to;
    while weekly && end > from {
        let start = end.checked_sub(week).unwrap_or(from).max(from);
        weeks.push(WeekReport {
            week_start: start,
            report: history.report(start, end),
        });
        end = start;
    }
    weeks.reverse();
    let bands = bands::classify(&report, Some(bands_year.unwrap_or(&metrics.bands)));
    let quick_check = bands::quick_check(&report);
    (
        DoraView {
            quick_check,
            report,
            service: scope.service.clone(),
            team: scope.team.clone(),
            environments,
            attribution_window: metrics.attribution_window.clone(),
            bands,
        },
        weeks,
    )
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
    let quick = &view.quick_check;
    let scores = [
        quick.deployment_frequency,
        quick.lead_time,
        quick.change_failure_rate,
        quick.recovery_time,
        quick.rework_rate,
    ];
    let mut out = String::from("metric,value,unit,band,method,na_reason,quick_check\n");
    for ((metric, value, unit, band, method, reason), score) in rows.into_iter().zip(scores) {
        out.push_str(&format!(
            "{metric},{value},{unit},{band},{},{},{}\n",
            csv_field(method),
            csv_field(reason.map_or("", String::as_str)),
            score.map(|s| format!("{s:.1}")).unwrap_or_default()
        ));
    }
    out
}
