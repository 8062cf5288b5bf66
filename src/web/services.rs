//! `/services`: the service directory. Each configured service with its team, who is on call
//! for it now and next, whether it is in trouble (an open incident, a firing alert), what was
//! last deployed to each environment, and links to the rest.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Html;
use jiff::Timestamp;
use minijinja::context;
use serde::Serialize;

use super::auth::SignedIn;
use super::frame::Frame;
use super::render::PageError;
use crate::config::Config;
use crate::oncall::views::{self, NowAndNext, Scope};
use crate::state::AppState;
use crate::store::StoreError;
use crate::store::alerts::{Alert, AlertFilter};
use crate::store::incidents::{Incident, IncidentFilter};
use crate::store::metrics::{Deployment, DeploymentFilter};

/// Open alerts read to count each service's; more than this and the counts say "at least".
const ALERTS_READ: i64 = 1000;
/// Deployments read per service to find the latest of each environment.
const DEPLOYMENTS_READ: i64 = 50;

#[derive(Debug, Serialize)]
struct ServiceRow {
    id: String,
    name: String,
    team: Option<String>,
    /// `incident`, `alerting` or `ok`.
    status: &'static str,
    on_call: Vec<NowAndNext>,
    incidents: Vec<Incident>,
    firing: usize,
    acknowledged: usize,
    /// The latest deployment per environment, production first.
    deployed: Vec<Deployment>,
    repos: Vec<String>,
    status_components: Vec<String>,
}

/// The open incidents and alerts read once for all the services.
pub struct Trouble {
    pub incidents: Vec<Incident>,
    pub alerts: Vec<Alert>,
}

impl Trouble {
    pub async fn read(state: &AppState) -> Result<Trouble, StoreError> {
        let incidents = state
            .store
            .list_incidents(&IncidentFilter {
                open: Some(true),
                limit: 200,
                ..IncidentFilter::default()
            })
            .await?;
        let alerts = state
            .store
            .list_alerts(&AlertFilter {
                open: true,
                latest_fire_first: true,
                limit: ALERTS_READ,
                ..AlertFilter::default()
            })
            .await?;
        Ok(Trouble { incidents, alerts })
    }
}

/// The latest deployment to each environment of `service`, the production ones first.
pub async fn latest_deployments(
    state: &AppState,
    config: &Config,
    service: &str,
) -> Result<Vec<Deployment>, StoreError> {
    let rows = state
        .store
        .list_deployments(&DeploymentFilter {
            services: Some(vec![service.to_owned()]),
            limit: DEPLOYMENTS_READ,
            ..DeploymentFilter::default()
        })
        .await?;
    let mut latest: BTreeMap<String, Deployment> = BTreeMap::new();
    for (_, deployment) in rows {
        latest
            .entry(deployment.environment.clone())
            .or_insert(deployment);
    }
    let production = config.production_environments(service);
    let mut deployed: Vec<Deployment> = latest.into_values().collect();
    deployed.sort_by_key(|d| (!production.contains(&d.environment), d.environment.clone()));
    Ok(deployed)
}

pub async fn page(
    State(state): State<AppState>,
    headers: HeaderMap,
    user: SignedIn,
) -> Result<Html<String>, PageError> {
    let config = state.config.current();
    let now: Timestamp = state.clock.now();
    let trouble = Trouble::read(&state).await?;
    let mut rows = Vec::with_capacity(config.services.len());
    for service in &config.services {
        let incidents: Vec<Incident> = trouble
            .incidents
            .iter()
            .filter(|incident| incident.services.contains(&service.id))
            .cloned()
            .collect();
        let of_service = |alert: &&Alert| alert.service.as_deref() == Some(service.id.as_str());
        let firing = trouble
            .alerts
            .iter()
            .filter(of_service)
            .filter(|alert| alert.state == crate::core::alert::AlertState::Firing)
            .count();
        let acknowledged = trouble
            .alerts
            .iter()
            .filter(of_service)
            .filter(|alert| alert.state == crate::core::alert::AlertState::Acknowledged)
            .count();
        let on_call = match views::now_and_next(
            &state.store,
            &config,
            Scope::Service(&service.id),
            now,
        )
        .await
        {
            Ok(on_call) => on_call,
            Err(views::ViewError::Store(error)) => return Err(error.into()),
            Err(_) => Vec::new(),
        };
        rows.push(ServiceRow {
            id: service.id.clone(),
            name: service.name.clone().unwrap_or_else(|| service.id.clone()),
            team: service.team.as_ref().map(|team| {
                config
                    .team(team)
                    .and_then(|t| t.name.clone())
                    .unwrap_or_else(|| team.clone())
            }),
            status: if !incidents.is_empty() {
                "incident"
            } else if firing > 0 {
                "alerting"
            } else {
                "ok"
            },
            on_call,
            incidents,
            firing,
            acknowledged,
            deployed: latest_deployments(&state, &config, &service.id).await?,
            repos: service.repos.clone(),
            status_components: config
                .status_page
                .components
                .iter()
                .filter(|component| component.services.contains(&service.id))
                .map(|component| component.name.clone())
                .collect(),
        });
    }
    // Those in trouble first, then by name.
    rows.sort_by_key(|row| {
        (
            match row.status {
                "incident" => 0,
                "alerting" => 1,
                _ => 2,
            },
            row.name.to_lowercase(),
        )
    });
    Frame {
        state: &state,
        user: &user,
        headers: &headers,
        section: "services",
    }
    .render(
        "services.html",
        context! {
            services => minijinja::Value::from(minijinja::value::Serde(&rows)),
            truncated => trouble.alerts.len() as i64 >= ALERTS_READ,
        },
    )
}
