//! The operations metrics: incidents, acknowledgement and resolution times, post-mortems and
//! action items (`core::operations`), with pages a week per team against its budget and the
//! noisiest alert rules, both from the noise report.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::alerts::noise::{NoiseRequest, noise_report};
use crate::config::Config;
use crate::core::noise::{By, NoiseRow};
use crate::core::operations::{self, Report};
use crate::metrics::dora::{Scope, services};
use crate::store::{Store, StoreError};

#[derive(Debug, Clone, Serialize)]
pub struct PagesRow {
    pub team: String,
    pub pages: u64,
    pub pages_per_week: f64,
    pub page_budget_per_week: Option<u32>,
    pub over_budget: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpsView {
    #[serde(flatten)]
    pub report: Report,
    pub service: Option<String>,
    pub team: Option<String>,
    /// Pages (critical alerts) a week per team, against its `page_budget_per_week`.
    pub pages: Vec<PagesRow>,
    /// The alert rules that fired most, at most three.
    pub noisiest_rules: Vec<NoiseRow>,
}

pub async fn ops(
    store: &Store,
    config: &Config,
    scope: &Scope,
    from: Timestamp,
    to: Timestamp,
) -> Result<OpsView, StoreError> {
    let services = services(config, scope);
    let (incidents, items) = store.ops_facts(services.as_deref(), from, to).await?;
    let report = operations::report(&incidents, &items, from, to);
    let request = |by| NoiseRequest {
        by,
        from,
        to,
        auto_resolve_within: SignedDuration::from_mins(5),
    };
    let team_of = |service: &str| {
        config
            .service(service)
            .and_then(|service| service.team.clone())
    };
    let wanted_team = |team: &str| match (&scope.team, &scope.service) {
        (Some(wanted), _) => wanted == team,
        (None, Some(service)) => team_of(service).as_deref() == Some(team),
        (None, None) => true,
    };
    let pages = noise_report(store, config, &request(By::Team))
        .await?
        .into_iter()
        .filter(|row| wanted_team(&row.key))
        .map(|row| PagesRow {
            team: row.key,
            pages: row.pages,
            pages_per_week: row.pages_per_week,
            page_budget_per_week: row.page_budget_per_week,
            over_budget: row.over_budget,
        })
        .collect();
    // Rows come busiest first.
    let noisiest_rules = if scope.service.is_none() && scope.team.is_none() {
        let mut rows = noise_report(store, config, &request(By::Rule)).await?;
        rows.truncate(3);
        rows
    } else {
        Vec::new()
    };
    Ok(OpsView {
        report,
        service: scope.service.clone(),
        team: scope.team.clone(),
        pages,
        noisiest_rules,
    })
}

/// The view as CSV: one row per figure.
pub fn csv(view: &OpsView) -> String {
    let report = &view.report;
    let seconds = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    let reason = |value: &Option<String>| {
        crate::core::noise::csv_field(value.as_deref().unwrap_or_default())
    };
    let mut out = String::from("metric,value,unit,na_reason\n");
    let mut row = |metric: &str, value: String, unit: &str, why: String| {
        out.push_str(&format!("{metric},{value},{unit},{why}\n"));
    };
    row(
        "mtta_mean",
        seconds(report.mtta.mean_seconds),
        "seconds",
        reason(&report.mtta.na_reason),
    );
    row(
        "mtta_median",
        seconds(report.mtta.median_seconds),
        "seconds",
        reason(&report.mtta.na_reason),
    );
    row(
        "mttr_mean",
        seconds(report.mttr.mean_seconds),
        "seconds",
        reason(&report.mttr.na_reason),
    );
    row(
        "mttr_median",
        seconds(report.mttr.median_seconds),
        "seconds",
        reason(&report.mttr.na_reason),
    );
    row(
        "incidents",
        report.incidents.total.to_string(),
        "count",
        String::new(),
    );
    for (severity, count) in &report.incidents.by_severity {
        row(
            &format!("incidents_{severity}"),
            count.to_string(),
            "count",
            String::new(),
        );
    }
    row(
        "postmortem_completion",
        report
            .postmortems
            .completion
            .map(|v| format!("{v:.4}"))
            .unwrap_or_default(),
        "ratio",
        reason(&report.postmortems.na_reason),
    );
    row(
        "action_items_closed",
        report.action_items.closed.to_string(),
        "count",
        String::new(),
    );
    row(
        "action_items_overdue",
        report.action_items.overdue.to_string(),
        "count",
        String::new(),
    );
    row(
        "action_items_outstanding",
        report.action_items.outstanding.to_string(),
        "count",
        String::new(),
    );
    for pages in &view.pages {
        row(
            &format!(
                "pages_per_week_{}",
                crate::core::noise::csv_field(&pages.team)
            ),
            format!("{:.2}", pages.pages_per_week),
            "per_week",
            String::new(),
        );
    }
    out
}
