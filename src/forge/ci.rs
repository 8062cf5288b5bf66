//! Starting a CI target for a pull request, each through its own documented API: Jenkins'
//! `buildWithParameters` (basic auth with a user's API token, so no CSRF crumb is needed),
//! GitHub Actions' `workflow_dispatch`, a GitLab pipeline trigger, or a webhook signed the
//! Standard Webhooks way.

use jiff::Timestamp;
use serde_json::json;

use crate::config::ci::{CiKind, CiTargetConfig, ForgeApiConfig};

/// The pull request a build is started for.
pub struct BuildRequest<'a> {
    /// Names the request: the webhook's `webhook-id`, the same on every retry.
    pub id: &'a str,
    pub repository: &'a str,
    pub repository_url: Option<&'a str>,
    pub number: i64,
    pub sha: &'a str,
    pub branch: &'a str,
    pub requested_by: &'a str,
}

/// The request that starts `target`, or why it cannot be made.
pub fn start(
    client: &reqwest::Client,
    target: &CiTargetConfig,
    forge: Option<&ForgeApiConfig>,
    build: &BuildRequest,
    now: Timestamp,
) -> Result<reqwest::RequestBuilder, String> {
    let number = build.number.to_string();
    let parameters = target.parameters_for(&[
        ("number", &number),
        ("sha", build.sha),
        ("branch", build.branch),
        ("repository", build.repository),
        ("requested_by", build.requested_by),
    ]);
    let api = |kind: &str| {
        target
            .url
            .as_deref()
            .map(|url| url.trim_end_matches('/').to_owned())
            .or_else(|| forge.map(|forge| forge.api_url().to_owned()))
            .ok_or_else(|| format!("no [[forges]] entry answers for {kind}"))
    };
    Ok(match target.kind {
        CiKind::Jenkins => client
            .post(target.url.clone().unwrap_or_default())
            .basic_auth(
                target.user.clone().unwrap_or_default(),
                target.token.clone(),
            )
            .form(&parameters),
        CiKind::GithubActions => {
            let token = target
                .token
                .as_deref()
                .or(forge.map(|forge| forge.token.as_str()))
                .unwrap_or_default();
            let mut body = json!({ "ref": build.branch });
            if !parameters.is_empty() {
                body["inputs"] = json!(parameters);
            }
            crate::forge::api::github(
                client,
                reqwest::Method::POST,
                format!(
                    "{}/repos/{}/actions/workflows/{}/dispatches",
                    api("GitHub")?,
                    build.repository,
                    target.workflow.as_deref().unwrap_or_default()
                ),
                token,
            )
            .json(&body)
        }
        CiKind::Gitlab => {
            let mut form = vec![
                ("token".to_owned(), target.token.clone().unwrap_or_default()),
                ("ref".to_owned(), build.branch.to_owned()),
            ];
            form.extend(
                parameters
                    .into_iter()
                    .map(|(name, value)| (format!("variables[{name}]"), value)),
            );
            client
                .post(format!(
                    "{}/api/v4/projects/{}/trigger/pipeline",
                    api("GitLab")?,
                    crate::forge::api::gitlab_project(build.repository)
                ))
                .form(&form)
        }
        CiKind::Webhook => {
            let body = serde_json::to_vec(&json!({
                "type": "pr_command",
                "target": target.name,
                "repository": build.repository,
                "number": build.number,
                "sha": build.sha,
                "branch": build.branch,
                "requested_by": build.requested_by,
                "parameters": parameters,
            }))
            .unwrap_or_default();
            let timestamp = now.as_second();
            let signature = crate::core::signing::sign(
                target.secret.as_deref().unwrap_or_default(),
                build.id,
                timestamp,
                &body,
            );
            client
                .post(target.url.clone().unwrap_or_default())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header("webhook-id", build.id)
                .header("webhook-timestamp", timestamp.to_string())
                .header("webhook-signature", signature)
                .body(body)
        }
    })
}

/// Where a person follows the started build: Jenkins' queue item, GitLab's pipeline, the
/// workflow's runs on GitHub.
pub fn started_link(
    target: &CiTargetConfig,
    build: &BuildRequest,
    answer: &serde_json::Value,
    headers: &reqwest::header::HeaderMap,
) -> Option<String> {
    match target.kind {
        CiKind::Jenkins => headers
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned),
        CiKind::Gitlab => answer["web_url"].as_str().map(str::to_owned),
        CiKind::GithubActions => build.repository_url.map(|url| {
            format!(
                "{url}/actions/workflows/{}",
                target.workflow.as_deref().unwrap_or_default()
            )
        }),
        CiKind::Webhook => None,
    }
    .filter(|link| crate::core::problem::is_http_url(link))
}

/// Whose build events answer a target: the CI that runs it.
pub fn expects(target: &CiTargetConfig) -> Option<&'static str> {
    match target.kind {
        CiKind::Jenkins => Some("jenkins"),
        CiKind::GithubActions => Some("github"),
        CiKind::Gitlab => Some("gitlab"),
        CiKind::Webhook => None,
    }
}
