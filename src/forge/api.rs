//! The forges' REST APIs Firewatch calls back: GitHub's (`GET /repos/{repo}/pulls/{n}`,
//! `POST /repos/{repo}/issues/{n}/comments`, `POST …/actions/workflows/{id}/dispatches`) and
//! GitLab's v4 (`GET /projects/{id}/members/all/{user}`, `POST
//! /projects/{id}/merge_requests/{iid}/notes`, `POST /projects/{id}/trigger/pipeline`).

use jiff::Timestamp;
use serde_json::{Value, json};

use crate::config::ci::{ForgeApiConfig, ForgeKind};
use crate::integrations::outbound::{DeliveryResult, classify, describe_send_error};

/// A GitHub request with the headers its REST API asks for.
pub fn github(
    client: &reqwest::Client,
    method: reqwest::Method,
    url: String,
    token: &str,
) -> reqwest::RequestBuilder {
    client
        .request(method, url)
        .bearer_auth(token)
        .header(reqwest::header::ACCEPT, "application/vnd.github+json")
        .header("X-GitHub-Api-Version", "2022-11-28")
        .header(reqwest::header::USER_AGENT, "firewatch")
}

/// A GitLab project's id in a path: its full path, URL-encoded (`group%2Fname`).
pub fn gitlab_project(repository: &str) -> String {
    url::form_urlencoded::byte_serialize(repository.as_bytes()).collect()
}

/// Sends a request and reads its JSON answer: the outcome as a delivery's, and the answer
/// when it succeeded.
pub async fn send(
    request: reqwest::RequestBuilder,
    timeout: std::time::Duration,
    now: Timestamp,
) -> (DeliveryResult, Option<(Value, reqwest::header::HeaderMap)>) {
    let response = match request.timeout(timeout).send().await {
        Ok(response) => response,
        Err(error) => {
            return (
                DeliveryResult::Retry {
                    status: None,
                    retry_after: None,
                    error: describe_send_error(&error),
                },
                None,
            );
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let result = classify(status, &headers, now, Some(body.clone()));
    let answer = matches!(result, DeliveryResult::Delivered { .. })
        .then(|| (serde_json::from_str(&body).unwrap_or(Value::Null), headers));
    (result, answer)
}

/// Posts `body` as a comment on the pull request (GitHub) or a note on the merge request
/// (GitLab).
pub fn comment(
    client: &reqwest::Client,
    forge: &ForgeApiConfig,
    repository: &str,
    number: i64,
    body: &str,
) -> reqwest::RequestBuilder {
    match forge.kind {
        ForgeKind::Github => github(
            client,
            reqwest::Method::POST,
            format!(
                "{}/repos/{repository}/issues/{number}/comments",
                forge.api_url()
            ),
            &forge.token,
        )
        .json(&json!({ "body": body })),
        ForgeKind::Gitlab => client
            .post(format!(
                "{}/api/v4/projects/{}/merge_requests/{number}/notes",
                forge.api_url(),
                gitlab_project(repository)
            ))
            .header("PRIVATE-TOKEN", &forge.token)
            .json(&json!({ "body": body })),
    }
}

/// GitHub: the pull request, for its head commit and branch (a comment's payload lacks them).
pub fn pull_request(
    client: &reqwest::Client,
    forge: &ForgeApiConfig,
    repository: &str,
    number: i64,
) -> reqwest::RequestBuilder {
    github(
        client,
        reqwest::Method::GET,
        format!("{}/repos/{repository}/pulls/{number}", forge.api_url()),
        &forge.token,
    )
}

/// GitLab: a user's membership of the project, inherited ones included.
pub fn member(
    client: &reqwest::Client,
    forge: &ForgeApiConfig,
    repository: &str,
    user_id: u64,
) -> reqwest::RequestBuilder {
    client
        .get(format!(
            "{}/api/v4/projects/{}/members/all/{user_id}",
            forge.api_url(),
            gitlab_project(repository)
        ))
        .header("PRIVATE-TOKEN", &forge.token)
}

/// GitHub: a user's permission on the repository (`admin`, `maintain`, `write`, `triage`,
/// `read`), which counts team and private organization memberships that a comment's
/// `author_association` does not show.
pub fn permission(
    client: &reqwest::Client,
    forge: &ForgeApiConfig,
    repository: &str,
    login: &str,
) -> reqwest::RequestBuilder {
    github(
        client,
        reqwest::Method::GET,
        format!(
            "{}/repos/{repository}/collaborators/{login}/permission",
            forge.api_url()
        ),
        &forge.token,
    )
}
