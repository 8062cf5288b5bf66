//! `/insights`: the shared metrics as a page. DORA's five keys with their bands, method and
//! N/A reasons; weekly trend lines with the benchmark table's bounds drawn across them; the
//! operations figures; and, behind every number, the deployments (with why each failed), the
//! incidents and the action items it was counted from. `/insights/deployments/{id}` shows
//! the changes one deployment shipped and the lead time of each.
//!
//! The parameters are checked by `metrics::dora::ReportQuery::check` and the figures come from
//! `metrics::dora` and `metrics::operations`, as the API's and the CLI's do, so they always agree.

use std::collections::HashMap;

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use jiff::Timestamp;
use minijinja::context;
use serde::{Deserialize, Serialize};

use super::auth::SignedIn;
use super::frame::{Frame, viewer_time_zone};
use super::render::PageError;
use crate::core::bands::{self, Markers};
use crate::core::dora::FailedBy;
use crate::core::noise::human_duration;
use crate::metrics::dora::{ReportQuery, ReportRequest, WeekReport, dora_by_week, services};
use crate::metrics::operations::ops;
use crate::state::AppState;
use crate::store::metrics::{Deployment, DeploymentFilter};

/// The most deployments listed under the figures.
const LISTED: i64 = 500;

#[derive(Debug, Default, Deserialize)]
struct PageQuery {
    #[serde(flatten)]
    report: ReportQuery,
    /// Only the deployments that failed, or only the unplanned ones.
    show: Option<String>,
}

/// Chart geometry, in the SVG's own units.
const WIDTH: f64 = 400.0;
const HEIGHT: f64 = 200.0;
/// Room on the left for the values of the y axis.
const LEFT: f64 = 52.0;
/// Room on the right for the bounds' names.
const RIGHT: f64 = 92.0;
const TOP: f64 = 22.0;
/// The height of a bound's name, so two are written a line apart.
const LABEL_GAP: f64 = 14.0;
const BOTTOM: f64 = 26.0;

#[derive(Debug, Serialize, PartialEq)]
struct Dot {
    x: f64,
    y: f64,
    text: String,
    href: String,
}

#[derive(Debug, Serialize, PartialEq)]
struct Bound {
    y: f64,
    /// Where its name is written: at the line, or moved clear of a neighbour's name.
    label_y: f64,
    name: String,
    text: String,
}

/// A value of the y axis, with its grid line.
#[derive(Debug, Serialize, PartialEq)]
struct Level {
    y: f64,
    text: String,
}

#[derive(Debug, Serialize, PartialEq)]
struct Tick {
    x: f64,
    text: String,
}

/// A weekly trend line: its segments (a week with no value breaks the line), a dot per week
/// linking to what it was counted from, and the table's bounds within the scale.
#[derive(Debug, Serialize, PartialEq)]
struct Chart {
    /// Its title is the message `insights-chart-ID`.
    id: &'static str,
    segments: Vec<String>,
    dots: Vec<Dot>,
    bounds: Vec<Bound>,
    ticks: Vec<Tick>,
    levels: Vec<Level>,
    top: String,
    /// Weeks without a value, said under the chart.
    missing: usize,
    /// The frame: the viewBox, where the plot ends on the right, the axis and tick rows.
    width: f64,
    height: f64,
    left: f64,
    right: f64,
    axis: f64,
    tick_row: f64,
}

/// One week's value, with the link to what it was counted from.
struct Point {
    start: Timestamp,
    value: Option<f64>,
    href: String,
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

fn line_chart(
    id: &'static str,
    points: &[Point],
    markers: &[(String, f64)],
    format: fn(f64) -> String,
    zone: &jiff::tz::TimeZone,
) -> Chart {
    let highest = points
        .iter()
        .filter_map(|point| point.value)
        .fold(0.0, f64::max);
    // The scale reaches the first bound above the data, so the next level is in sight, and
    // no further: a bound far above would flatten the line.
    let next_bound = markers
        .iter()
        .map(|(_, value)| *value)
        .filter(|value| *value >= highest)
        .fold(f64::INFINITY, f64::min);
    let scale = if next_bound.is_finite() {
        next_bound.max(highest) * 1.1
    } else {
        highest * 1.1
    };
    let scale = if scale > 0.0 { scale } else { 1.0 };
    let plot_width = WIDTH - LEFT - RIGHT;
    let plot_height = HEIGHT - TOP - BOTTOM;
    let x = |index: usize| {
        if points.len() <= 1 {
            LEFT + plot_width / 2.0
        } else {
            LEFT + plot_width * index as f64 / (points.len() - 1) as f64
        }
    };
    let y = |value: f64| TOP + plot_height * (1.0 - (value / scale).clamp(0.0, 1.0));
    let mut segments = Vec::new();
    let mut current: Vec<String> = Vec::new();
    let mut dots = Vec::new();
    for (index, point) in points.iter().enumerate() {
        match point.value {
            Some(value) => {
                let (px, py) = (round(x(index)), round(y(value)));
                current.push(format!("{px},{py}"));
                dots.push(Dot {
                    x: px,
                    y: py,
                    text: format!("week of {}: {}", day(point.start, zone), format(value)),
                    href: point.href.clone(),
                });
            }
            None if !current.is_empty() => segments.push(std::mem::take(&mut current).join(" ")),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current.join(" "));
    }
    let mut bounds: Vec<Bound> = markers
        .iter()
        .filter(|(_, value)| *value <= scale)
        .map(|(name, value)| Bound {
            y: round(y(*value)),
            label_y: round(y(*value)),
            name: name.clone(),
            text: format(*value),
        })
        .collect();
    // Names of bounds close together (high 1/week, medium 0.2/week) are spread a line apart,
    // upwards from the lowest, so none is written over another.
    bounds.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut below = f64::INFINITY;
    for bound in &mut bounds {
        bound.label_y = round(bound.y.min(below - LABEL_GAP));
        below = bound.label_y;
    }
    // The values of the y axis: nought, half way and the top of the data's range.
    let top_value = scale / 1.1;
    let levels = [0.0, top_value / 2.0, top_value]
        .into_iter()
        .map(|value| Level {
            y: round(y(value)),
            text: format(value),
        })
        .collect();
    // The first, middle and last weeks are labelled; more would crowd a phone's width.
    let mut ticks: Vec<Tick> = [0, points.len() / 2, points.len().saturating_sub(1)]
        .into_iter()
        .filter(|index| *index < points.len())
        .map(|index| Tick {
            x: round(x(index)),
            text: day(points[index].start, zone),
        })
        .collect();
    ticks.dedup();
    Chart {
        id,
        segments,
        dots,
        bounds,
        ticks,
        levels,
        top: format(top_value),
        missing: points.iter().filter(|point| point.value.is_none()).count(),
        width: WIDTH,
        height: HEIGHT,
        left: LEFT,
        right: WIDTH - RIGHT,
        axis: HEIGHT - BOTTOM,
        tick_row: HEIGHT - 6.0,
    }
}

fn day(at: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned(zone.clone()).strftime("%b %-d").to_string()
}

/// `count noun`, with the noun's plural when the count is not one.
fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn per_week(value: f64) -> String {
    format!("{value:.1}/week")
}

fn duration(seconds: f64) -> String {
    human_duration(seconds)
}

fn percent(value: f64) -> String {
    format!("{:.0}%", value * 100.0)
}

/// One of the five keys, ready to show.
#[derive(Debug, Serialize)]
struct Card {
    /// Its words are `insights-card-KEY`.
    key: &'static str,
    value: Option<String>,
    band: Option<String>,
    /// The 2025 Quick Check's 0–10 score.
    score: Option<String>,
    detail: String,
    method: &'static str,
    na_reason: Option<String>,
    href: String,
}

/// A deployment in the list, with why it counts as failed.
#[derive(Debug, Serialize)]
struct Row {
    #[serde(flatten)]
    deployment: Deployment,
    unplanned: bool,
    failed: Option<String>,
    failed_href: Option<String>,
}

/// The query string asking for the same scope and window, with `extra` pairs.
fn same(query: &ReportQuery, extra: &[(&str, &str)]) -> String {
    let mut pairs = super::render::given_pairs(&[
        ("service", &query.service),
        ("team", &query.team),
        ("environment", &query.environment),
        ("days", &query.days),
        ("from", &query.from),
        ("to", &query.to),
        ("bands", &query.bands),
    ]);
    pairs.retain(|(name, _)| !extra.iter().any(|(other, _)| other == name));
    pairs.extend_from_slice(extra);
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

fn failed_text(by: &FailedBy) -> (String, String) {
    match by {
        FailedBy::Incident { incident } => (
            "named by an incident".into(),
            format!("/incidents/{incident}"),
        ),
        FailedBy::Followup { followed_by } => (
            "undone by the next deployment".into(),
            format!("/insights/deployments/{followed_by}"),
        ),
        FailedBy::Time { incident } => (
            "an incident began soon after".into(),
            format!("/incidents/{incident}"),
        ),
    }
}

fn cards(view: &crate::metrics::dora::DoraView, query: &ReportQuery) -> Vec<Card> {
    let report = &view.report;
    let band = |pick: fn(&bands::Bands) -> &Option<String>| {
        view.bands.as_ref().and_then(|bands| pick(bands).clone())
    };
    let list = format!("?{}#deployments", same(query, &[]));
    let failed = format!("?{}#deployments", same(query, &[("show", "failed")]));
    let unplanned = format!("?{}#deployments", same(query, &[("show", "unplanned")]));
    let frequency = &report.deployment_frequency;
    let lead = &report.lead_time;
    let failure = &report.change_failure_rate;
    let recovery = &report.recovery_time;
    let rework = &report.rework_rate;
    let quick = &view.quick_check;
    let score = |value: Option<f64>| value.map(|score| format!("{score:.1}"));
    vec![
        Card {
            key: "deployment_frequency",
            score: score(quick.deployment_frequency),
            value: frequency
                .na_reason
                .is_none()
                .then(|| per_week(frequency.per_week)),
            band: band(|b| &b.deployment_frequency),
            detail: format!(
                "{}; {:.2} a day, {:.1} a month",
                counted(frequency.deployments, "deployment", "deployments"),
                frequency.per_day,
                frequency.per_month
            ),
            method: frequency.method,
            na_reason: frequency.na_reason.clone(),
            href: list.clone(),
        },
        Card {
            key: "lead_time",
            score: score(quick.lead_time),
            value: lead.median_seconds.map(|s| duration(s as f64)),
            band: band(|b| &b.lead_time),
            detail: format!(
                "{}; left out: {} and {} with unknown commits",
                counted(lead.changes, "change", "changes"),
                counted(lead.seeds, "seed", "seeds"),
                lead.unknown
            ),
            method: lead.method,
            na_reason: lead.na_reason.clone(),
            href: list,
        },
        Card {
            key: "change_failure_rate",
            score: score(quick.change_failure_rate),
            value: failure.value.map(percent),
            band: band(|b| &b.change_failure_rate),
            detail: format!("{} of {} failed", failure.count, failure.of),
            method: failure.method,
            na_reason: failure.na_reason.clone(),
            href: failed.clone(),
        },
        Card {
            key: "recovery_time",
            score: score(quick.recovery_time),
            value: recovery.median_seconds.map(|s| duration(s as f64)),
            band: band(|b| &b.recovery_time),
            detail: format!(
                "{} recovered, {} not yet",
                recovery.recovered, recovery.not_recovered
            ),
            method: recovery.method,
            na_reason: recovery.na_reason.clone(),
            href: failed,
        },
        Card {
            key: "rework_rate",
            score: score(quick.rework_rate),
            value: rework.value.map(percent),
            band: None,
            detail: format!(
                "{} of {} were hotfixes, rollbacks or reverts",
                rework.count, rework.of
            ),
            method: rework.method,
            na_reason: rework.na_reason.clone(),
            href: unplanned,
        },
    ]
}

fn trends(
    weeks: &[WeekReport],
    markers: Option<&Markers>,
    query: &ReportQuery,
    zone: &jiff::tz::TimeZone,
) -> Vec<Chart> {
    let href = |week: &WeekReport, show: Option<&str>| {
        let from = week.week_start.to_string();
        let to = week.report.to.to_string();
        let mut extra = vec![("from", from.as_str()), ("to", to.as_str()), ("days", "")];
        if let Some(show) = show {
            extra.push(("show", show));
        }
        format!("/insights?{}#deployments", same(query, &extra))
    };
    let points = |value: fn(&WeekReport) -> Option<f64>, show: Option<&str>| -> Vec<Point> {
        weeks
            .iter()
            .map(|week| Point {
                start: week.week_start,
                value: value(week),
                href: href(week, show),
            })
            .collect()
    };
    let none: &[(String, f64)] = &[];
    vec![
        line_chart(
            "trend-frequency",
            &points(|week| Some(week.report.deployment_frequency.per_week), None),
            markers.map_or(none, |m| &m.deployments_per_week),
            per_week,
            zone,
        ),
        line_chart(
            "trend-lead-time",
            &points(
                |week| week.report.lead_time.median_seconds.map(|s| s as f64),
                None,
            ),
            markers.map_or(none, |m| &m.lead_time_seconds),
            duration,
            zone,
        ),
        line_chart(
            "trend-failure-rate",
            &points(|week| week.report.change_failure_rate.value, Some("failed")),
            markers.map_or(none, |m| &m.change_failure_rate),
            percent,
            zone,
        ),
    ]
}

/// Incidents a week, stacked by severity, as bar heights in percent of the busiest week.
#[derive(Debug, Serialize)]
struct IncidentWeek {
    label: String,
    total: usize,
    parts: Vec<(String, usize, f64)>,
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let config = state.config.current();
    let parsed: Result<PageQuery, String> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
            .map_err(|error| format!("bad query string: {error}"));
    let query = parsed
        .as_ref()
        .map(|q| q.report.clone())
        .unwrap_or_default();
    let checked = parsed
        .as_ref()
        .map_err(String::clone)
        .and_then(|page| page.report.check(&config, state.clock.now()));
    let show = parsed
        .as_ref()
        .ok()
        .and_then(|page| page.show.clone())
        .filter(|show| show == "failed" || show == "unplanned");
    let form = context! {
        service => query.service.clone().unwrap_or_default(),
        team => query.team.clone().unwrap_or_default(),
        environment => query.environment.clone().unwrap_or_default(),
        days => query.days.clone().filter(|d| !d.is_empty())
            .or_else(|| query.from.is_none().then(|| "30".into())),
        from => query.from.clone(),
        to => query.to.clone(),
        bands => query.bands.clone().unwrap_or_else(|| config.metrics.bands.clone()),
    };
    let options = context! {
        services => config.services.iter().map(|s| s.id.clone()).collect::<Vec<_>>(),
        teams => config.teams.iter().map(|t| t.id.clone()).collect::<Vec<_>>(),
        years => bands::years(),
    };
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "insights",
    };
    let request: ReportRequest = match checked {
        Ok(request) => request,
        Err(problem) => {
            let page = frame.render("insights.html", context! { form, options, problem })?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let scope = &request.scope;
    let (view, weeks) = dora_by_week(
        &state.store,
        &config,
        scope,
        request.from,
        request.to,
        request.bands.as_deref(),
    )
    .await?;
    let operations = ops(&state.store, &config, scope, request.from, request.to).await?;
    let zone = viewer_time_zone(&headers);
    let markers = bands::markers(Some(
        request.bands.as_deref().unwrap_or(&config.metrics.bands),
    ));

    // The deployments behind the figures: production ones, unless an environment was asked.
    let listed = state
        .store
        .list_deployments(&DeploymentFilter {
            services: services(&config, scope),
            environment: scope.environment.clone(),
            from: Some(request.from),
            to: Some(request.to),
            before: None,
            limit: LISTED,
        })
        .await?;
    let failed: HashMap<&str, &FailedBy> = view
        .report
        .failed
        .iter()
        .map(|failed| (failed.deployment.as_str(), &failed.by))
        .collect();
    let rows: Vec<Row> = listed
        .into_iter()
        .map(|(_, deployment)| deployment)
        .filter(|deployment| {
            scope.environment.is_some()
                || config
                    .production_environments(&deployment.service)
                    .contains(&deployment.environment)
        })
        .map(|deployment| {
            let why = failed.get(deployment.id.as_str()).map(|by| failed_text(by));
            Row {
                unplanned: deployment.kind != "planned",
                failed: why.as_ref().map(|(text, _)| text.clone()),
                failed_href: why.map(|(_, href)| href),
                deployment,
            }
        })
        .filter(|row| match show.as_deref() {
            Some("failed") => row.failed.is_some(),
            Some("unplanned") => row.unplanned,
            _ => true,
        })
        .collect();

    let busiest = operations
        .report
        .incidents
        .per_week
        .iter()
        .map(|week| week.total)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let incident_weeks: Vec<IncidentWeek> = operations
        .report
        .incidents
        .per_week
        .iter()
        .map(|week| IncidentWeek {
            label: day(week.week_start, &zone),
            total: week.total,
            parts: week
                .by_severity
                .iter()
                .filter(|(_, count)| **count > 0)
                .map(|(severity, count)| {
                    (
                        severity.clone(),
                        *count,
                        round(*count as f64 / busiest * 100.0),
                    )
                })
                .collect(),
        })
        .collect();
    let page = frame.render(
        "insights.html",
        context! {
            form,
            options,
            from => minijinja::Value::from(minijinja::value::Serde(&request.from)),
            to => minijinja::Value::from(minijinja::value::Serde(&request.to)),
            environments => view.environments.clone(),
            attribution_window => view.attribution_window.clone(),
            bands => minijinja::Value::from(minijinja::value::Serde(&view.bands)),
            quick_check => minijinja::Value::from(minijinja::value::Serde(&view.quick_check)),
            cards => minijinja::Value::from(minijinja::value::Serde(&cards(&view, &query))),
            charts => minijinja::Value::from(minijinja::value::Serde(&trends(&weeks, markers.as_ref(), &query, &zone))),
            rows => minijinja::Value::from(minijinja::value::Serde(&rows)),
            listed_all => rows.len() < LISTED as usize,
            show,
            all_href => format!("?{}#deployments", same(&query, &[])),
            ops => minijinja::Value::from(minijinja::value::Serde(&operations)),
            mtta => operations.report.mtta.median_seconds.map(|s| duration(s as f64)),
            mttr => operations.report.mttr.median_seconds.map(|s| duration(s as f64)),
            completion => operations.report.postmortems.completion.map(percent),
            incident_weeks => minijinja::Value::from(minijinja::value::Serde(&incident_weeks)),
        },
    )?;
    Ok(page.into_response())
}

/// A change as the deployment page shows it: its lead time to this deployment.
#[derive(Debug, Serialize)]
struct ChangeRow {
    #[serde(flatten)]
    change: crate::store::metrics::ShippedChange,
    lead_time: Option<String>,
}

/// `/insights/deployments/{id}`: one deployment and the changes it shipped.
pub async fn deployment(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    super::PagePath(id): super::PagePath,
) -> Result<Response, PageError> {
    let (deployment, changes) = match state.store.get_deployment(&id).await {
        Ok(found) => found,
        Err(crate::store::StoreError::NotFound) => return Err(PageError::NotFound("deployment")),
        Err(error) => return Err(error.into()),
    };
    let changes: Vec<ChangeRow> = changes
        .into_iter()
        .map(|change| ChangeRow {
            lead_time: change
                .first_commit_at
                .map(|at| duration(deployment.finished_at.duration_since(at).as_secs_f64())),
            change,
        })
        .collect();
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "insights",
    };
    let page = frame.render(
        "deployment.html",
        context! {
            deployment => minijinja::Value::from(minijinja::value::Serde(&deployment)),
            changes => minijinja::Value::from(minijinja::value::Serde(&changes)),
        },
    )?;
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(day: i64, value: Option<f64>) -> Point {
        Point {
            start: Timestamp::from_second(day * 86_400).unwrap(),
            value,
            href: format!("#{day}"),
        }
    }

    #[test]
    fn a_week_without_a_value_breaks_the_line_and_the_scale_reaches_the_next_bound() {
        let markers = vec![
            ("elite".to_owned(), 1.0),
            ("high".to_owned(), 10.0),
            ("medium".to_owned(), 100.0),
        ];
        let chart = line_chart(
            "t",
            &[
                point(0, Some(2.0)),
                point(7, None),
                point(14, Some(4.0)),
                point(21, Some(0.0)),
            ],
            &markers,
            |v| format!("{v}"),
            &jiff::tz::TimeZone::UTC,
        );
        assert_eq!(chart.segments.len(), 2, "{:?}", chart.segments);
        assert_eq!(chart.dots.len(), 3);
        assert_eq!(chart.missing, 1);
        // The data's highest is 4; the next bound above is 10, so 100 is not drawn.
        assert_eq!(chart.top, "10");
        let names: Vec<&str> = chart.bounds.iter().map(|b| b.name.as_str()).collect();
        assert_eq!(names, ["elite", "high"]);
        // A zero sits on the axis; the first and last weeks are at the plot's ends.
        assert_eq!(chart.dots[2].y, chart.axis);
        assert_eq!(chart.dots[0].x, LEFT);
        assert_eq!(chart.dots[2].x, chart.right);
        assert_eq!(chart.dots[1].href, "#14");
        assert_eq!(chart.ticks.first().unwrap().text, "Jan 1");
    }

    #[test]
    fn close_bounds_are_named_a_line_apart_and_the_y_axis_has_values() {
        // Deployments a week: elite 7, high 1, medium 0.2 sit close at the bottom when the
        // data reaches 24.
        let markers = vec![
            ("elite".to_owned(), 7.0),
            ("high".to_owned(), 1.0),
            ("medium".to_owned(), 0.2),
        ];
        let chart = line_chart(
            "t",
            &[point(0, Some(12.0)), point(7, Some(24.0))],
            &markers,
            |v| format!("{v:.1}"),
            &jiff::tz::TimeZone::UTC,
        );
        let mut labels: Vec<f64> = chart.bounds.iter().map(|b| b.label_y).collect();
        labels.sort_by(f64::total_cmp);
        for pair in labels.windows(2) {
            assert!(pair[1] - pair[0] >= LABEL_GAP - 0.01, "{labels:?}");
        }
        // The lowest keeps its place at its line.
        let medium = chart.bounds.iter().find(|b| b.name == "medium").unwrap();
        assert_eq!(medium.label_y, medium.y);
        let levels: Vec<&str> = chart.levels.iter().map(|l| l.text.as_str()).collect();
        assert_eq!(levels, ["0.0", "12.0", "24.0"]);
        assert_eq!(chart.levels[0].y, chart.axis);
    }

    #[test]
    fn links_keep_the_scope_and_replace_what_they_change() {
        let query = ReportQuery {
            service: Some("api".into()),
            days: Some("90".into()),
            ..ReportQuery::default()
        };
        assert_eq!(
            same(&query, &[("show", "failed")]),
            "service=api&days=90&show=failed"
        );
        assert_eq!(
            same(&query, &[("from", "2026-11-01T00:00:00Z"), ("days", "")]),
            "service=api&from=2026-11-01T00%3A00%3A00Z&days="
        );
    }
}
