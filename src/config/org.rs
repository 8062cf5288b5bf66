//! `[[teams]]` and `[[services]]`: who owns what, read by every domain that routes to people.

use std::collections::HashSet;

use serde::Deserialize;

use crate::core::problem::{Problems, is_valid_name};

/// A team: who is in it, where it talks, and how many pages a week it accepts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub id: String,
    pub name: Option<String>,
    #[serde(default)]
    pub members: Vec<String>,
    /// The destination the team's alerts (critical, error, warning) are told in.
    pub channel: Option<String>,
    /// The noise report's budget: pages a week the team considers bearable.
    pub page_budget_per_week: Option<u32>,
}

/// A service: who owns it, and which repositories and alerts are its.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    pub id: String,
    pub name: Option<String>,
    pub team: Option<String>,
    #[serde(default)]
    pub repos: Vec<String>,
    pub escalation_policy: Option<String>,
    /// `"critical"`: a critical alert opens an incident, or joins the open one of its group.
    #[serde(default)]
    pub declare_incident: DeclareIncident,
    /// Alerts without a `service` label whose labels match all of one entry belong to this
    /// service (Alertmanager matcher syntax, e.g. `'{job=~"api|api-canary"}'`).
    #[serde(default)]
    pub alerts: Vec<String>,
    /// The environments that are production for this service, instead of `[metrics]`'s.
    pub production_environments: Option<Vec<String>>,
}

impl ServiceConfig {
    /// The environments DORA counts for this service.
    pub fn production_environments<'c>(
        &'c self,
        metrics: &'c crate::config::metrics::MetricsConfig,
    ) -> &'c [String] {
        self.production_environments
            .as_deref()
            .unwrap_or(&metrics.production_environments)
    }
}

/// Which alerts open incidents on their own.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeclareIncident {
    #[default]
    Off,
    Critical,
}

/// Checks the teams; returns their ids, for the services that name them.
pub fn validate_teams<'c>(teams: &'c [TeamConfig], problems: &mut Problems) -> HashSet<&'c str> {
    let mut team_ids = HashSet::new();
    for (index, team) in teams.iter().enumerate() {
        let path = format!("teams[{index}]");
        if !is_valid_name(&team.id) {
            problems.error(
                format!("{path}.id"),
                format!(
                    "\"{}\" may hold only letters, digits, '-', '_' and '.'",
                    team.id
                ),
            );
        }
        if !team_ids.insert(team.id.as_str()) {
            problems.error(
                format!("{path}.id"),
                format!("team \"{}\" is defined twice", team.id),
            );
        }
    }
    team_ids
}

/// Checks the services, and the team each names.
pub fn validate_services(
    services: &[ServiceConfig],
    team_ids: &HashSet<&str>,
    problems: &mut Problems,
) {
    let mut service_ids = HashSet::new();
    for (index, service) in services.iter().enumerate() {
        let path = format!("services[{index}]");
        if !is_valid_name(&service.id) {
            problems.error(
                format!("{path}.id"),
                format!(
                    "\"{}\" may hold only letters, digits, '-', '_' and '.'",
                    service.id
                ),
            );
        }
        if !service_ids.insert(service.id.as_str()) {
            problems.error(
                format!("{path}.id"),
                format!("service \"{}\" is defined twice", service.id),
            );
        }
        if let Some(team) = &service.team {
            if !team_ids.contains(team.as_str()) {
                problems.error(format!("{path}.team"), format!("unknown team \"{team}\""));
            }
        }
        if let Some(environments) = &service.production_environments {
            crate::config::metrics::validate_environments(
                &format!("{path}.production_environments"),
                environments,
                problems,
            );
        }
        for (alert_index, text) in service.alerts.iter().enumerate() {
            match crate::core::silence::parse_matchers(text) {
                Ok(matchers) if matchers.is_empty() => problems.error(
                    format!("{path}.alerts[{alert_index}]"),
                    "names no matcher, so it would take every alert".into(),
                ),
                Ok(_) => {}
                Err(problem) => {
                    problems.error(format!("{path}.alerts[{alert_index}]"), problem.to_string())
                }
            }
        }
    }
}
