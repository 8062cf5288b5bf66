//! The `atlantis` kind: Atlantis' HTTP webhooks (`webhooks: [{event: apply, kind: http}]`),
//! whose body is its `ApplyResult` as Go encodes it (`Workspace`, `Repo`, `Pull`, `User`,
//! `Success`, `Directory`, `ProjectName`). An apply is a deployment of the pull request's head
//! to the workspace's environment; a failed one is a failed deployment, told like any.
//! Atlantis signs nothing: set a token and send it with `--webhook-http-headers`.

use serde_json::Value;

use super::config::AtlantisIntegration;
use super::json::{flag, number, text};
use super::{Parsed, Rejection};
use crate::core::forge::{Deployment, ForgeEvent, Outcome};

pub fn parse(settings: &AtlantisIntegration, body: &[u8]) -> Result<Parsed, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    if payload.get("event").and_then(Value::as_str) == Some("drift") {
        return Ok(Parsed {
            kind: "drift".into(),
            dedup_key: None,
            ignored: Some("Atlantis' drift detection: kept, not a deployment".into()),
            forge: None,
            alerts: None,
        });
    }
    let repository = text(&payload, "/Repo/FullName")
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            Rejection::InvalidPayload("no Repo.FullName: not an Atlantis apply webhook".into())
        })?;
    let workspace = text(&payload, "/Workspace").unwrap_or_else(|| "default".into());
    let head = text(&payload, "/Pull/HeadCommit").filter(|sha| !sha.is_empty());
    let project = text(&payload, "/ProjectName")
        .filter(|name| !name.is_empty())
        .or_else(|| text(&payload, "/Directory").map(|dir| dir.trim().to_owned()));
    let outcome = if flag(&payload, "/Success") {
        Outcome::Success
    } else {
        Outcome::Failure
    };
    let number = number(&payload, "/Pull/Num");
    let environment = settings
        .environment
        .clone()
        .unwrap_or_else(|| workspace.clone());
    let forge = ForgeEvent {
        kind: "deployment".into(),
        action: outcome.as_str().into(),
        repository: repository.clone(),
        repository_url: None,
        actor: text(&payload, "/User/Username"),
        branch: text(&payload, "/Pull/HeadBranch"),
        url: text(&payload, "/Pull/URL").filter(|url| crate::core::problem::is_http_url(url)),
        title: Some(match &project {
            Some(project) => format!("{project} ({workspace})"),
            None => workspace.clone(),
        }),
        number,
        outcome: Some(outcome),
        deployment: Some(Deployment {
            environment,
            sha: head.clone(),
            reference: text(&payload, "/Pull/HeadBranch"),
            state: Some(outcome.as_str().into()),
            description: None,
            service: settings.service.clone(),
            version: project.clone(),
            kind: Some("planned".into()),
            commits: Vec::new(),
            started_at: None,
            finished_at: None,
        }),
        ..ForgeEvent::default()
    };
    // Atlantis sends no id: an apply is one project of one commit in one workspace.
    let dedup_key = Some(format!(
        "atlantis:{repository}#{}:{}:{}:{workspace}:{}",
        number.unwrap_or_default(),
        head.unwrap_or_default(),
        project.unwrap_or_default(),
        outcome.as_str()
    ))
    .filter(|key| key.len() <= super::generic::MAX_KEY_LENGTH);
    Ok(Parsed {
        kind: "deployment".into(),
        dedup_key,
        ignored: None,
        forge: Some(forge),
        alerts: None,
    })
}
