//! `/noise`: the noise report as a page (per rule, service or team: fires, notices, who
//! handled them, what went away by itself, pages a week against the team's budget), with two
//! charts drawn on the server, and `/noise.csv`, the same report as the API's CSV for people
//! signed in to the UI (the API wants a token a browser does not have).
//!
//! The parameters are checked by `alerts::noise::NoiseQuery::request`, as the API's are, and the rows come from
//! `alerts::noise::noise_report`, so the page, the API and the CLI always agree.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use minijinja::context;
use serde::Serialize;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::alerts::noise::{NoiseQuery, NoiseRequest};
use crate::core::noise::{By, NoiseRow, human_duration};
use crate::state::AppState;

/// Keys drawn in the activity chart; the table shows them all.
const CHART_ROWS: usize = 15;

fn by_name(by: By) -> &'static str {
    match by {
        By::Rule => "rule",
        By::Service => "service",
        By::Team => "team",
    }
}

/// A share of fires as a whole percentage; nothing when there were no fires to share.
fn percent(share: f64, fires: u64) -> String {
    if fires == 0 {
        "—".into()
    } else {
        format!("{:.0}%", share * 100.0)
    }
}

/// `value` as a percentage of `scale` (to a hundredth), for a bar's length.
fn width(value: f64, scale: f64) -> f64 {
    if scale > 0.0 {
        ((value / scale * 100.0).clamp(0.0, 100.0) * 100.0).round() / 100.0
    } else {
        0.0
    }
}

/// One table row and its bars, formatted for the template.
#[derive(Debug, Serialize, PartialEq)]
struct RowView {
    key: String,
    fires: u64,
    notifications: u64,
    acknowledged: u64,
    acknowledged_share: String,
    auto_resolved: u64,
    auto_resolved_share: String,
    flapping: u64,
    to_acknowledge: Option<String>,
    to_resolve: Option<String>,
    pages: u64,
    pages_per_week: String,
    budget: Option<u32>,
    over_budget: bool,
}

/// One key's bars in the activity chart, lengths in percent of the largest count.
#[derive(Debug, Serialize, PartialEq)]
struct ActivityBar {
    key: String,
    fires: u64,
    notifications: u64,
    acknowledged: u64,
    auto_resolved: u64,
    fires_width: f64,
    notifications_width: f64,
    acknowledged_width: f64,
    auto_resolved_width: f64,
}

/// One key's pages a week and its budget, in percent of the chart's scale.
#[derive(Debug, Serialize, PartialEq)]
struct PagesBar {
    key: String,
    pages_per_week: String,
    budget: Option<u32>,
    over_budget: bool,
    pages_width: f64,
    budget_at: Option<f64>,
}

fn row_view(row: &NoiseRow) -> RowView {
    RowView {
        key: row.key.clone(),
        fires: row.fires,
        notifications: row.notifications,
        acknowledged: row.acknowledged,
        acknowledged_share: percent(row.share_acknowledged, row.fires),
        auto_resolved: row.auto_resolved,
        auto_resolved_share: percent(row.share_auto_resolved, row.fires),
        flapping: row.flapping,
        to_acknowledge: row.median_seconds_to_acknowledge.map(human_duration),
        to_resolve: row.median_seconds_to_resolve.map(human_duration),
        pages: row.pages,
        pages_per_week: format!("{:.1}", row.pages_per_week),
        budget: row.page_budget_per_week,
        over_budget: row.over_budget,
    }
}

/// The busiest keys' fires, notices, acknowledgements and auto-resolves, on one scale.
fn activity_bars(rows: &[NoiseRow]) -> Vec<ActivityBar> {
    let shown = &rows[..rows.len().min(CHART_ROWS)];
    let scale = shown
        .iter()
        .map(|row| row.fires.max(row.notifications))
        .max()
        .unwrap_or(0) as f64;
    shown
        .iter()
        .map(|row| ActivityBar {
            key: row.key.clone(),
            fires: row.fires,
            notifications: row.notifications,
            acknowledged: row.acknowledged,
            auto_resolved: row.auto_resolved,
            fires_width: width(row.fires as f64, scale),
            notifications_width: width(row.notifications as f64, scale),
            acknowledged_width: width(row.acknowledged as f64, scale),
            auto_resolved_width: width(row.auto_resolved as f64, scale),
        })
        .collect()
}

/// Pages a week of every key that paged or has a budget, with the budget as a marker.
fn pages_bars(rows: &[NoiseRow]) -> Vec<PagesBar> {
    let shown: Vec<&NoiseRow> = rows
        .iter()
        .filter(|row| row.pages > 0 || row.page_budget_per_week.is_some())
        .collect();
    // Some room to the right, so a budget marker at the largest value stays visible.
    let scale = shown
        .iter()
        .map(|row| {
            row.pages_per_week
                .max(row.page_budget_per_week.map_or(0.0, f64::from))
        })
        .fold(0.0, f64::max)
        * 1.1;
    shown
        .into_iter()
        .map(|row| PagesBar {
            key: row.key.clone(),
            pages_per_week: format!("{:.1}", row.pages_per_week),
            budget: row.page_budget_per_week,
            over_budget: row.over_budget,
            pages_width: width(row.pages_per_week, scale),
            budget_at: row
                .page_budget_per_week
                .map(|budget| width(f64::from(budget), scale)),
        })
        .collect()
}

/// The query string that asks for the same report (for the CSV link).
fn same_report(query: &NoiseQuery) -> String {
    let pairs = super::render::given_pairs(&[
        ("by", &query.by),
        ("days", &query.days),
        ("from", &query.from),
        ("to", &query.to),
        ("auto_resolve_minutes", &query.auto_resolve_minutes),
    ]);
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// The query string's parameters, or a sentence saying why they cannot be read.
fn parse(raw: Option<String>) -> Result<NoiseQuery, String> {
    serde_urlencoded::from_str(raw.as_deref().unwrap_or(""))
        .map_err(|error| format!("bad query string: {error}"))
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let parsed = parse(raw);
    let query = parsed.as_ref().ok();
    let checked = parsed.as_ref().map_err(String::clone).and_then(|query| {
        query
            .request(state.clock.now())
            .map(|request| (query, request))
    });
    // What the form shows: what was asked, or the defaults; days only when no `from`.
    let field = |pick: fn(&NoiseQuery) -> &Option<String>| {
        query
            .and_then(|query| pick(query).clone())
            .filter(|text| !text.is_empty())
    };
    let (from, to) = (field(|q| &q.from), field(|q| &q.to));
    let form = context! {
        by => field(|q| &q.by).unwrap_or_else(|| "rule".into()),
        days => field(|q| &q.days).or_else(|| from.is_none().then(|| "7".into())),
        from,
        to,
        auto_resolve_minutes => field(|q| &q.auto_resolve_minutes).unwrap_or_else(|| "5".into()),
    };
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "noise",
    };
    let (query, request) = match checked {
        Ok(checked) => checked,
        Err(problem) => {
            let page = frame.render("noise.html", context! { form, problem })?;
            return Ok((StatusCode::BAD_REQUEST, page).into_response());
        }
    };
    let rows = report(&state, &request).await?;
    let views: Vec<RowView> = rows.iter().map(row_view).collect();
    let activity = activity_bars(&rows);
    let pages = pages_bars(&rows);
    let page = frame.render(
        "noise.html",
        context! {
            form,
            by => by_name(request.by),
            from => minijinja::Value::from(minijinja::value::Serde(request.from)),
            to => minijinja::Value::from(minijinja::value::Serde(request.to)),
            days => format!("{:.1}", request.to.duration_since(request.from).as_secs_f64() / 86_400.0)
                .trim_end_matches(".0")
                .to_owned(),
            auto_resolve_minutes => request.auto_resolve_within.as_mins(),
            rows => minijinja::Value::from(minijinja::value::Serde(&views)),
            activity => minijinja::Value::from(minijinja::value::Serde(&activity)),
            more_keys => rows.len().saturating_sub(activity.len()),
            pages => minijinja::Value::from(minijinja::value::Serde(&pages)),
            csv_query => same_report(query),
        },
    )?;
    Ok(page.into_response())
}

/// The report as CSV, named after what it is grouped by.
pub async fn csv(
    State(state): State<AppState>,
    _user: SignedIn,
    RawQuery(raw): RawQuery,
) -> Result<Response, PageError> {
    let request = parse(raw)
        .and_then(|query| query.request(state.clock.now()))
        .map_err(PageError::BadRequest)?;
    let rows = report(&state, &request).await?;
    let name = format!("firewatch-noise-by-{}.csv", by_name(request.by));
    Ok(super::render::csv_download(
        &name,
        crate::core::noise::csv(request.by, &rows),
    ))
}

async fn report(state: &AppState, request: &NoiseRequest) -> Result<Vec<NoiseRow>, PageError> {
    let config = state.config.current();
    Ok(crate::alerts::noise::noise_report(&state.store, &config, request).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, fires: u64, pages: u64, budget: Option<u32>) -> NoiseRow {
        NoiseRow {
            key: key.into(),
            fires,
            notifications: fires * 2,
            acknowledged: fires / 2,
            share_acknowledged: if fires == 0 { 0.0 } else { 0.5 },
            auto_resolved: 0,
            share_auto_resolved: 0.0,
            flapping: 0,
            median_seconds_to_acknowledge: Some(250.0),
            median_seconds_to_resolve: None,
            pages,
            pages_per_week: pages as f64,
            page_budget_per_week: budget,
            over_budget: budget.is_some_and(|budget| pages > u64::from(budget)),
        }
    }

    #[test]
    fn rows_show_shares_as_percentages_and_medians_as_durations() {
        let view = row_view(&row("DiskFull", 3, 0, None));
        assert_eq!(view.acknowledged_share, "50%");
        assert_eq!(view.to_acknowledge.as_deref(), Some("4m 10s"));
        assert_eq!(view.to_resolve, None);
        assert_eq!(row_view(&row("quiet", 0, 0, None)).acknowledged_share, "—");
    }

    #[test]
    fn bars_share_one_scale_and_budgets_are_markers() {
        let rows = vec![
            row("api", 4, 3, Some(1)),
            row("db", 2, 0, Some(2)),
            row("misc", 1, 0, None),
        ];
        let activity = activity_bars(&rows);
        // The largest count is api's 8 notices.
        assert_eq!(activity[0].notifications_width, 100.0);
        assert_eq!(activity[0].fires_width, 50.0);
        assert_eq!(activity[2].fires_width, 12.5);
        let pages = pages_bars(&rows);
        assert_eq!(
            pages.iter().map(|bar| bar.key.as_str()).collect::<Vec<_>>(),
            ["api", "db"],
            "keys that neither paged nor have a budget are left out"
        );
        assert!(pages[0].over_budget);
        // The scale is the largest of pages and budgets, 3, with 10% room: 3.3.
        assert_eq!(pages[0].pages_width, 90.91);
        assert_eq!(pages[1].budget_at, Some(60.61));
        assert_eq!(pages[1].pages_width, 0.0);
    }

    #[test]
    fn the_csv_link_asks_for_the_same_report() {
        let query = NoiseQuery {
            by: Some("team".into()),
            days: Some(String::new()),
            from: Some("2026-11-01T00:00:00Z".into()),
            auto_resolve_minutes: Some("10".into()),
            ..NoiseQuery::default()
        };
        assert_eq!(
            same_report(&query),
            "by=team&from=2026-11-01T00%3A00%3A00Z&auto_resolve_minutes=10"
        );
    }
}
