//! `/checks`: the built-in checks as people read them, so what is watched is visible to
//! everyone: each check's state, target, last result, its last day, and a strip of its last
//! 30 days' availability (drawn on the server). The rows come from
//! `checks::summary::summaries`, as the API's do. Heartbeats (and watchdogs) follow, from
//! `checks::heartbeats::views`.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use jiff::{SignedDuration, Timestamp};
use minijinja::context;
use serde::Serialize;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::checks::summary::{CheckSummary, summaries};
use crate::core::check::{Resolution, Rollup};
use crate::state::AppState;

/// Days in the availability strip, today included.
const STRIP_DAYS: i64 = 30;

#[derive(Debug, Serialize)]
struct CheckView {
    #[serde(flatten)]
    summary: CheckSummary,
    availability: Option<String>,
    latency: Option<String>,
    days: Vec<DayCell>,
}

/// One day of the strip: its place, colour and what it says on hover.
#[derive(Debug, Serialize, PartialEq)]
struct DayCell {
    x: i64,
    tone: &'static str,
    label: String,
}

/// A share as a percentage, rounded down to a hundredth so that a failure never shows as 100%.
fn percent(share: f64) -> String {
    let hundredths = (share * 10_000.0).floor() / 100.0;
    let text = format!("{hundredths:.2}");
    format!("{}%", text.trim_end_matches('0').trim_end_matches('.'))
}

/// Green from three nines, amber from two, red below; grey for a day without runs.
fn tone(availability: Option<f64>) -> &'static str {
    match availability {
        None => "none",
        Some(a) if a >= 0.999 => "ok",
        Some(a) if a >= 0.99 => "warn",
        Some(_) => "bad",
    }
}

/// The last `STRIP_DAYS` UTC days, oldest first, from the check's day rollups.
fn strip(rollups: &[(Timestamp, Rollup)], now: Timestamp) -> Vec<DayCell> {
    let today = Resolution::Day.floor(now);
    (0..STRIP_DAYS)
        .map(|x| {
            let day = today
                .checked_sub(SignedDuration::from_hours(24 * (STRIP_DAYS - 1 - x)))
                .unwrap_or(today);
            let rollup = rollups.iter().find(|(at, _)| *at == day).map(|(_, r)| r);
            let availability = rollup.and_then(Rollup::availability);
            let date = day.strftime("%Y-%m-%d");
            let label = match (rollup, availability) {
                (Some(r), Some(a)) => format!(
                    "{date}: {} up, {} of {} runs failed",
                    percent(a),
                    r.failures,
                    r.runs
                ),
                _ => format!("{date}: no runs"),
            };
            DayCell {
                x,
                tone: tone(availability),
                label,
            }
        })
        .collect()
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Response, PageError> {
    let config = state.config.current();
    let now = state.clock.now();
    let since = Resolution::Day
        .floor(now)
        .checked_sub(SignedDuration::from_hours(24 * (STRIP_DAYS - 1)))
        .unwrap_or(now);
    let mut checks = Vec::new();
    for summary in summaries(&state.store, &config, now).await? {
        let rollups = state
            .store
            .check_rollups(&summary.name, Resolution::Day, since)
            .await?;
        checks.push(CheckView {
            availability: summary.availability_24h.map(percent),
            latency: summary
                .mean_latency_ms_24h
                .map(|ms| format!("{:.0} ms", ms)),
            days: strip(&rollups, now),
            summary,
        });
    }
    let heartbeats = crate::checks::heartbeats::views(&state.store, &config, now).await?;
    let failing = checks
        .iter()
        .filter(|c| c.summary.status == "failing")
        .count()
        + heartbeats
            .iter()
            .filter(|h| matches!(h.state, "late" | "failed"))
            .count();
    let frame = Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "checks",
    };
    let page = frame.render(
        "checks.html",
        context! {
            checks => minijinja::Value::from(minijinja::value::Serde(&checks)),
            heartbeats => minijinja::Value::from(minijinja::value::Serde(&heartbeats)),
            failing,
            strip_days => STRIP_DAYS,
        },
    )?;
    Ok(page.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_round_down_and_drop_trailing_zeros() {
        assert_eq!(percent(1.0), "100%");
        assert_eq!(percent(0.5), "50%");
        assert_eq!(percent(0.99999), "99.99%", "a failure never reads as 100%");
        assert_eq!(percent(0.9995), "99.95%");
        assert_eq!(percent(0.0), "0%");
    }

    #[test]
    fn the_strip_has_a_cell_per_day_coloured_by_availability() {
        let now: Timestamp = "2026-11-22T10:30:00Z".parse().unwrap();
        let day = |text: &str| -> Timestamp { text.parse().unwrap() };
        let rollup = |runs, failures| Rollup {
            runs,
            failures,
            ..Rollup::default()
        };
        let rollups = vec![
            (day("2026-11-22T00:00:00Z"), rollup(600, 0)),
            (day("2026-11-21T00:00:00Z"), rollup(1440, 3)),
            (day("2026-11-20T00:00:00Z"), rollup(1440, 720)),
            // Outside the strip.
            (day("2026-10-01T00:00:00Z"), rollup(1440, 1440)),
        ];
        let cells = strip(&rollups, now);
        assert_eq!(cells.len(), 30);
        assert_eq!(cells[29].tone, "ok");
        assert_eq!(cells[28].tone, "warn");
        assert_eq!(
            cells[28].label,
            "2026-11-21: 99.79% up, 3 of 1440 runs failed"
        );
        assert_eq!(cells[27].tone, "bad");
        assert_eq!(cells[0].tone, "none");
        assert_eq!(cells[0].label, "2026-10-24: no runs");
    }
}
