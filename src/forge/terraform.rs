//! Infrastructure changes that wait for a second person (seed 000): with `approve_applies`, an
//! HCP Terraform run that needs confirmation becomes a Firewatch change needing two-person
//! approval (a `terraform_run` job stored with the notification's event), announced as the
//! run's creator, so they cannot approve it themselves. The decision, taken on the change's
//! page, in chat or through the API, sets a `change_decided` job in its transaction, which
//! applies the run through HCP Terraform's API (`POST /api/v2/runs/{id}/actions/apply`) or
//! discards it (`…/actions/discard`) when the change is rejected or expires.

use serde::Deserialize;
use serde_json::json;

use crate::changes::ops::{ChangeError, Identity, NewAnnouncement};
use crate::config::Config;
use crate::integrations::inbound::config::{IntegrationConfig, TerraformIntegration};
use crate::integrations::outbound::DeliveryResult;
use crate::store::changes::{ChangeState, Risk};
use crate::store::{ClaimedJob, Store, StoreError};

use super::commands::Calls;

const EXTERNAL: &str = "terraform";

fn done() -> Result<DeliveryResult, StoreError> {
    Ok(super::done())
}

fn integration<'c>(config: &'c Config, name: &str) -> Option<&'c TerraformIntegration> {
    config
        .integrations
        .iter()
        .find_map(|integration| match integration {
            IntegrationConfig::Terraform(terraform) if terraform.name == name => Some(terraform),
            _ => None,
        })
}

/// Runs a `terraform_run` job: the run its event tells waits for confirmation.
pub async fn announce(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    let Some(event) = super::job_event(store, job).await? else {
        return done();
    };
    let (Some(forge), Some(settings)) = (
        event.normalized.as_ref(),
        integration(config, &event.integration),
    ) else {
        return done();
    };
    let Some(deployment) = forge.deployment.as_ref() else {
        return done();
    };
    let Some(run) = deployment.version.clone() else {
        return done();
    };
    let Some(service) = deployment.service.clone().or_else(|| {
        config
            .repository_service(&forge.repository)
            .map(|service| service.id.clone())
    }) else {
        return Ok(DeliveryResult::Rejected {
            status: 0,
            error: format!(
                "run {run} of {} belongs to no service: set service on the integration or list the workspace in a service's repos",
                forge.repository
            ),
        });
    };
    let creator = forge.actor.clone().unwrap_or_else(|| "unknown".into());
    let who = Identity {
        by: format!("terraform:{creator}"),
        // The run's creator, as a Firewatch user of the same name, may not approve it.
        user: Some(creator.clone()),
        role: None,
        minted_by: None,
        channel: crate::core::audit::Channel::Api,
    };
    let workspace = forge.repository.rsplit('/').next().unwrap_or_default();
    let new = NewAnnouncement {
        summary: format!(
            "Terraform apply in {workspace}: {}",
            forge.title.as_deref().unwrap_or(&run)
        ),
        service,
        environment: deployment.environment.clone(),
        risk: Risk::High,
        rollback: format!(
            "Revert the configuration and run again; the plan is at {}",
            forge.url.as_deref().unwrap_or(&run)
        ),
        needs_approval: true,
    };
    let external = Some(format!("{EXTERNAL}:{}:{run}", settings.name));
    match crate::changes::ops::announce_with(store, config, calls.now, new, &who, external).await {
        Ok(_) => done(),
        Err(ChangeError::Store(error)) => Err(error),
        Err(other) => Ok(DeliveryResult::Rejected {
            status: 0,
            error: other.to_string(),
        }),
    }
}

/// Runs a `change_decided` job: the run is applied when its change was approved, discarded
/// when it was rejected or expired.
pub async fn carry_out(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    #[derive(Deserialize)]
    struct Payload {
        change: String,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        return done();
    };
    let change = match store.get_announcement(&payload.change).await {
        Ok(change) => change,
        Err(StoreError::NotFound) => return done(),
        Err(error) => return Err(error),
    };
    let Some((integration_name, run)) = change
        .external
        .as_deref()
        .and_then(|external| external.strip_prefix(&format!("{EXTERNAL}:")))
        .and_then(|rest| rest.split_once(':'))
    else {
        return done();
    };
    let Some(settings) = integration(config, integration_name) else {
        return Ok(DeliveryResult::Rejected {
            status: 0,
            error: format!("no terraform integration \"{integration_name}\" to confirm run {run}"),
        });
    };
    let (action, comment) = match change.state {
        ChangeState::Approved => (
            "apply",
            format!(
                "Approved in Firewatch by {}.",
                change.decided_by.as_deref().unwrap_or("someone")
            ),
        ),
        ChangeState::Rejected => (
            "discard",
            format!(
                "Rejected in Firewatch by {}{}",
                change.decided_by.as_deref().unwrap_or("someone"),
                change
                    .reason
                    .as_deref()
                    .map(|reason| format!(": {reason}"))
                    .unwrap_or_else(|| ".".into())
            ),
        ),
        ChangeState::Expired => ("discard", "Nobody approved it in Firewatch in time.".into()),
        _ => return done(),
    };
    let request = calls
        .client
        .post(format!(
            "{}/api/v2/runs/{run}/actions/{action}",
            settings.api_url.trim_end_matches('/')
        ))
        .bearer_auth(settings.api_token.as_deref().unwrap_or_default())
        .header(reqwest::header::CONTENT_TYPE, "application/vnd.api+json")
        .json(&json!({ "comment": comment }));
    let result = super::api::send(request, calls.timeout, calls.now).await.0;
    if let DeliveryResult::Delivered { .. } = result {
        tracing::info!(run, action, change = %change.id, "Terraform run confirmed from its change");
    }
    Ok(result)
}
