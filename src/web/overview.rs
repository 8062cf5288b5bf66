//! `/`: the live loop first (what is firing, the open incidents, who is on call now and next
//! per team, the latest deployments, pages this week against each team's budget), then how
//! intake and delivery are going: counts, charts per hour over the last day, the latest
//! events and each destination's health.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use jiff::Timestamp;
use minijinja::context;
use serde::Serialize;

use super::auth::SignedIn;
use super::deliveries::{Health, destination_rows};
use super::events::EventRow;
use super::frame::{Frame, viewer_time_zone};
use super::render::PageError;
use crate::core::stats::{LATENCY_BOUNDS_MS, quantile};
use crate::state::AppState;
use crate::store::{EventCount, EventFilter, LatencyBucket};

const HOUR_MS: i64 = 3_600_000;
const HOURS: i64 = 24;

/// A chart's data as `charts.js` reads it: x in Unix seconds, one value list per series
/// (`null` where there is no value).
#[derive(Debug, Serialize, PartialEq)]
pub struct Chart {
    pub x: Vec<i64>,
    pub series: Vec<Series>,
    pub unit: &'static str,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Series {
    pub label: String,
    pub values: Vec<Option<f64>>,
}

/// The start of each of the last `HOURS` hours, oldest first.
fn hours(now: Timestamp) -> Vec<i64> {
    let current = now.as_millisecond().div_euclid(HOUR_MS) * HOUR_MS;
    (0..HOURS)
        .rev()
        .map(|back| current - back * HOUR_MS)
        .collect()
}

/// Events per hour and source over the last day.
pub fn intake_chart(counts: &[EventCount], now: Timestamp) -> Chart {
    let hours = hours(now);
    let first = hours[0];
    let mut by_source: BTreeMap<&str, Vec<Option<f64>>> = BTreeMap::new();
    for count in counts {
        let bucket = count.bucket.as_millisecond();
        if bucket < first {
            continue;
        }
        let index = usize::try_from((bucket - first) / HOUR_MS).unwrap_or(usize::MAX);
        if index >= hours.len() {
            continue;
        }
        let values = by_source
            .entry(count.source.as_str())
            .or_insert_with(|| vec![Some(0.0); hours.len()]);
        if let Some(Some(value)) = values.get_mut(index) {
            *value += count.count as f64;
        }
    }
    Chart {
        x: hours.iter().map(|ms| ms / 1000).collect(),
        series: by_source
            .into_iter()
            .map(|(label, values)| Series {
                label: label.to_owned(),
                values,
            })
            .collect(),
        unit: "events",
    }
}

/// p50 and p95 delivery latency per hour over the last day.
pub fn latency_chart(buckets: &[LatencyBucket], now: Timestamp) -> Chart {
    let hours = hours(now);
    let mut p50 = vec![None; hours.len()];
    let mut p95 = vec![None; hours.len()];
    for bucket in buckets {
        if let Some(index) = hours
            .iter()
            .position(|&h| h == bucket.start.as_millisecond())
        {
            p50[index] = quantile(&LATENCY_BOUNDS_MS, &bucket.cumulative, bucket.count, 0.5);
            p95[index] = quantile(&LATENCY_BOUNDS_MS, &bucket.cumulative, bucket.count, 0.95);
        }
    }
    Chart {
        x: hours.iter().map(|ms| ms / 1000).collect(),
        series: vec![
            Series {
                label: "p50".into(),
                values: p50,
            },
            Series {
                label: "p95".into(),
                values: p95,
            },
        ],
        unit: "ms",
    }
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    let now = state.clock.now();
    let zone = viewer_time_zone(&headers);
    let locale = super::frame::viewer_locale(&state, &headers, Some(&user));
    let midnight = now
        .to_zoned(zone)
        .start_of_day()
        .map(|start| start.timestamp())
        .unwrap_or(now);
    let first_hour = hours(now)[0];
    let since = midnight.min(crate::clock::from_millis(first_hour));
    let counts = state.store.event_counts(since).await?;
    let today: i64 = counts
        .iter()
        .filter(|count| count.bucket >= midnight)
        .map(|count| count.count)
        .sum();
    let last_day: i64 = counts
        .iter()
        .filter(|count| count.bucket.as_millisecond() >= first_hour)
        .map(|count| count.count)
        .sum();
    let latency = state
        .store
        .delivery_latency(crate::clock::from_millis(first_hour), HOUR_MS)
        .await?;
    let destinations = destination_rows(&state, now).await?;
    let delivered: i64 = destinations
        .iter()
        .map(|d| d.health.delivered_recently)
        .sum();
    let failed: i64 = destinations.iter().map(|d| d.health.failed_recently).sum();
    let waiting: i64 = destinations
        .iter()
        .map(|d| d.health.pending + d.health.retrying)
        .sum();
    let dead: i64 = destinations.iter().map(|d| d.health.dead).sum();
    let failing = destinations
        .iter()
        .filter(|d| d.state == Health::Failing)
        .count();
    let recent: Vec<EventRow> = state
        .store
        .list_events(&EventFilter {
            limit: 10,
            ..Default::default()
        })
        .await?
        .iter()
        .map(|event| EventRow::new(event, locale))
        .collect();
    let open_incidents = super::incidents::open_incidents(&state).await?;
    let live = live_loop(&state, &open_incidents, now, locale).await?;
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "overview",
    }
    .render(
        "overview.html",
        context! {
            open_incidents => minijinja::Value::from(minijinja::value::Serde(&open_incidents)),
            live => minijinja::Value::from(minijinja::value::Serde(&live)),
            today,
            last_day,
            delivered,
            failed,
            waiting,
            dead,
            failing,
            destinations => minijinja::Value::from(minijinja::value::Serde(&destinations)),
            recent => minijinja::Value::from(minijinja::value::Serde(&recent)),
            intake => minijinja::Value::from(minijinja::value::Serde(intake_chart(&counts, now))),
            latency => minijinja::Value::from(minijinja::value::Serde(latency_chart(&latency, now))),
        },
    )
}

/// Firing alerts shown; the rest are a link away.
const FIRING_SHOWN: usize = 10;
const DEPLOYMENTS_SHOWN: i64 = 8;

/// What a responder looks at first.
#[derive(Debug, Serialize)]
struct Live {
    firing: Vec<crate::store::alerts::Alert>,
    firing_total: usize,
    /// Per open incident (in `open_incidents`' order), its commander's name.
    commanders: Vec<Option<String>>,
    on_call: Vec<TeamOnCall>,
    deployments: Vec<crate::store::metrics::Deployment>,
    pages: Vec<crate::core::noise::NoiseRow>,
}

#[derive(Debug, Serialize)]
struct TeamOnCall {
    team: String,
    schedules: Vec<crate::oncall::views::NowAndNext>,
}

async fn live_loop(
    state: &AppState,
    open_incidents: &[crate::store::incidents::Incident],
    now: Timestamp,
    locale: crate::i18n::Locale,
) -> Result<Live, PageError> {
    use crate::core::alert::{AlertState, Severity};
    use crate::oncall::views::{self, Scope};
    let config = state.config.current();
    let mut firing = state
        .store
        .list_alerts(&crate::store::alerts::AlertFilter {
            state: Some(AlertState::Firing),
            latest_fire_first: true,
            limit: 500,
            ..Default::default()
        })
        .await?;
    let rank = |severity: Severity| match severity {
        Severity::Critical => 0,
        Severity::Error => 1,
        Severity::Warning => 2,
        Severity::Info => 3,
    };
    // Critical first; within a severity the latest fire first (the order they came in).
    firing.sort_by_key(|alert| rank(alert.severity));
    let firing_total = firing.len();
    firing.truncate(FIRING_SHOWN);

    let ids: Vec<String> = open_incidents.iter().map(|i| i.id.clone()).collect();
    let by_incident = state.store.commanders(&ids).await?;
    let commanders = open_incidents
        .iter()
        .map(|incident| {
            by_incident.get(&incident.id).map(|person| {
                config
                    .person(person)
                    .map_or(person.clone(), |p| p.display_name().to_owned())
            })
        })
        .collect();

    let scopes: Vec<(String, Scope<'_>)> = if config.teams.is_empty() {
        vec![(locale.text("overview-everyone"), Scope::All)]
    } else {
        config
            .teams
            .iter()
            .map(|team| {
                (
                    team.name.clone().unwrap_or_else(|| team.id.clone()),
                    Scope::Team(&team.id),
                )
            })
            .collect()
    };
    let mut on_call = Vec::new();
    for (team, scope) in scopes {
        match views::now_and_next(&state.store, &config, scope, now).await {
            Ok(schedules) if !schedules.is_empty() => on_call.push(TeamOnCall { team, schedules }),
            Ok(_) => {}
            Err(views::ViewError::Store(error)) => return Err(error.into()),
            Err(_) => {}
        }
    }

    let deployments = state
        .store
        .list_deployments(&crate::store::metrics::DeploymentFilter {
            limit: DEPLOYMENTS_SHOWN,
            ..Default::default()
        })
        .await?
        .into_iter()
        .map(|(_, deployment)| deployment)
        .collect();

    let pages = crate::alerts::noise::noise_report(
        &state.store,
        &config,
        &crate::alerts::noise::NoiseRequest {
            by: crate::core::noise::By::Team,
            from: now - jiff::SignedDuration::from_hours(7 * 24),
            to: now,
            auto_resolve_within: jiff::SignedDuration::from_mins(5),
        },
    )
    .await?;
    Ok(Live {
        firing,
        firing_total,
        commanders,
        on_call,
        deployments,
        pages,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intake_is_summed_per_hour_and_source() {
        let now: Timestamp = "2026-11-22T10:20:00Z".parse().unwrap();
        let at = |text: &str| text.parse::<Timestamp>().unwrap();
        let counts = vec![
            EventCount {
                bucket: at("2026-11-21T10:45:00Z"),
                source: "github".into(),
                count: 9,
            },
            EventCount {
                bucket: at("2026-11-21T11:00:00Z"),
                source: "github".into(),
                count: 2,
            },
            EventCount {
                bucket: at("2026-11-22T10:00:00Z"),
                source: "github".into(),
                count: 3,
            },
            EventCount {
                bucket: at("2026-11-22T10:15:00Z"),
                source: "github".into(),
                count: 4,
            },
            EventCount {
                bucket: at("2026-11-22T09:30:00Z"),
                source: "generic".into(),
                count: 1,
            },
        ];
        let chart = intake_chart(&counts, now);
        assert_eq!(chart.x.len(), 24);
        assert_eq!(chart.x[0], at("2026-11-21T11:00:00Z").as_second());
        assert_eq!(chart.series[0].label, "generic");
        assert_eq!(chart.series[0].values[22], Some(1.0));
        let github = &chart.series[1].values;
        // 10:45 yesterday is before the first hour shown.
        assert_eq!(github[0], Some(2.0));
        assert_eq!(github[23], Some(7.0));
        assert_eq!(github.iter().flatten().sum::<f64>(), 9.0);
    }

    #[test]
    fn latency_hours_without_deliveries_are_gaps() {
        let now: Timestamp = "2026-11-22T10:20:00Z".parse().unwrap();
        let mut cumulative = vec![0; LATENCY_BOUNDS_MS.len()];
        // Four deliveries, all within 50–100 ms.
        for slot in cumulative.iter_mut().skip(1) {
            *slot = 4;
        }
        let buckets = vec![LatencyBucket {
            start: "2026-11-22T10:00:00Z".parse().unwrap(),
            count: 4,
            cumulative,
        }];
        let chart = latency_chart(&buckets, now);
        assert_eq!(chart.series[0].values[22], None);
        assert_eq!(chart.series[0].values[23], Some(75.0));
        assert_eq!(chart.series[1].values[23], Some(97.5));
    }
}
