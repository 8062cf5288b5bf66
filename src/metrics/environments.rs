//! What is deployed where: each service's latest successful deployment per environment, and
//! the pull requests merged into its repositories that production has not shipped yet
//! ("waiting to ship"), oldest first. Read by the API, the page and the overview.

use jiff::Timestamp;
use serde::Serialize;

use crate::config::Config;
use crate::store::{Store, StoreError};

/// At most this many waiting changes a service; the oldest are the ones to act on.
const MOST_WAITING: i64 = 50;

#[derive(Debug, Clone, Serialize)]
pub struct ServiceEnvironments {
    pub service: String,
    /// Production environments first, then the rest by name.
    pub environments: Vec<EnvironmentNow>,
    pub waiting: Vec<WaitingChange>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentNow {
    pub environment: String,
    pub production: bool,
    pub version: Option<String>,
    pub commit: Option<String>,
    pub deployed_at: Timestamp,
    pub by: Option<String>,
    pub url: Option<String>,
    /// The deployment, for its page (`/insights/deployments/{id}`).
    pub deployment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct WaitingChange {
    pub commit: String,
    pub title: String,
    /// The pull (merge) request's page.
    pub pull_request: Option<String>,
    pub repository: String,
    pub number: i64,
    pub author: Option<String>,
    pub merged_at: Timestamp,
}

/// Every service the config names or that has deployed, in the config's order, then the others
/// by name.
pub async fn environments(
    store: &Store,
    config: &Config,
) -> Result<Vec<ServiceEnvironments>, StoreError> {
    let deployed = store.deployed_now().await?;
    let mut names: Vec<String> = config.services.iter().map(|s| s.id.clone()).collect();
    let mut others: Vec<String> = deployed
        .iter()
        .map(|d| d.service.clone())
        .filter(|service| !names.contains(service))
        .collect();
    others.sort();
    others.dedup();
    names.extend(others);
    let mut services = Vec::with_capacity(names.len());
    for service in names {
        let production = config.production_environments(&service);
        let mut environments: Vec<EnvironmentNow> = deployed
            .iter()
            .filter(|d| d.service == service)
            .map(|d| EnvironmentNow {
                environment: d.environment.clone(),
                production: production.contains(&d.environment),
                version: d.version.clone(),
                commit: d.sha.clone(),
                deployed_at: d.finished_at,
                by: d.actor.clone(),
                url: d.url.clone(),
                deployment: d.id.clone(),
            })
            .collect();
        environments.sort_by(|a, b| {
            b.production
                .cmp(&a.production)
                .then_with(|| a.environment.cmp(&b.environment))
        });
        let repositories = config
            .service(&service)
            .map(|s| s.repos.clone())
            .unwrap_or_default();
        let waiting = store
            .waiting_to_ship(&service, &repositories, production, MOST_WAITING)
            .await?
            .into_iter()
            .map(|w| WaitingChange {
                commit: w.commit,
                title: w.title,
                pull_request: w.url,
                repository: w.repository,
                number: w.number,
                author: w.author,
                merged_at: w.merged_at,
            })
            .collect();
        services.push(ServiceEnvironments {
            service,
            environments,
            waiting,
        });
    }
    Ok(services)
}
