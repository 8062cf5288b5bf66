//! Issues for action items in the team's tracker, through each tracker's documented
//! create-issue API: GitHub (`POST /repos/{owner}/{repo}/issues`), GitLab
//! (`POST /api/v4/projects/{id}/issues`) and Jira (`POST /rest/api/2/issue`). The issue is made
//! by an `action_item_issue` job, retried like a delivery, and its link kept on the item.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::integrations::outbound::DeliveryResult;
use crate::store::incidents::Incident;
use crate::store::postmortems::ActionItem;

use crate::config::postmortems::TrackerConfig;

/// The issue's text: the item, and where it came from.
fn description(item: &ActionItem, incident: &Incident, incident_url: &str) -> String {
    format!(
        "Action item ({}, {}) from incident #{} \"{}\": {incident_url}\n\nOwner: {}. Due {}.",
        item.kind.as_str(),
        item.priority.as_str(),
        incident.number,
        incident.title,
        item.owner,
        item.due
    )
}

/// The request that makes the issue.
pub fn request(
    client: &reqwest::Client,
    tracker: &TrackerConfig,
    item: &ActionItem,
    incident: &Incident,
    incident_url: &str,
) -> reqwest::RequestBuilder {
    let text = description(item, incident, incident_url);
    match tracker {
        TrackerConfig::Github {
            repository,
            token,
            api_url,
            labels,
        } => client
            .post(format!(
                "{}/repos/{repository}/issues",
                api_url.trim_end_matches('/')
            ))
            .bearer_auth(token)
            .header(reqwest::header::ACCEPT, "application/vnd.github+json")
            .header("X-GitHub-Api-Version", "2022-11-28")
            .header(reqwest::header::USER_AGENT, "firewatch")
            .json(&json!({ "title": item.title, "body": text, "labels": labels })),
        TrackerConfig::Gitlab {
            project,
            token,
            api_url,
            labels,
        } => client
            .post(format!(
                "{}/api/v4/projects/{}/issues",
                api_url.trim_end_matches('/'),
                url::form_urlencoded::byte_serialize(project.as_bytes()).collect::<String>()
            ))
            .header("PRIVATE-TOKEN", token)
            .json(&json!({
                "title": item.title,
                "description": text,
                "labels": labels.join(","),
                "due_date": item.due,
            })),
        TrackerConfig::Jira {
            url,
            project,
            email,
            api_token,
            issue_type,
        } => client
            .post(format!("{}/rest/api/2/issue", url.trim_end_matches('/')))
            .basic_auth(email, Some(api_token))
            .header(reqwest::header::ACCEPT, "application/json")
            .json(&json!({
                "fields": {
                    "project": { "key": project },
                    "summary": item.title,
                    "description": text,
                    "issuetype": { "name": issue_type },
                    "duedate": item.due,
                }
            })),
    }
}

/// The issue's link in a created answer.
pub fn issue_link(tracker: &TrackerConfig, answer: &Value) -> Option<String> {
    match tracker {
        TrackerConfig::Github { .. } => answer["html_url"].as_str().map(str::to_owned),
        TrackerConfig::Gitlab { .. } => answer["web_url"].as_str().map(str::to_owned),
        TrackerConfig::Jira { url, .. } => answer["key"]
            .as_str()
            .map(|key| format!("{}/browse/{key}", url.trim_end_matches('/'))),
    }
}

/// Makes the issue; the item keeps its link, or why it could not be made.
pub async fn create(
    client: &reqwest::Client,
    store: &crate::store::Store,
    config: &crate::config::Config,
    job: &crate::store::ClaimedJob,
    timeout: std::time::Duration,
    now: Timestamp,
) -> Result<DeliveryResult, crate::store::StoreError> {
    #[derive(Deserialize)]
    struct Payload {
        item: String,
    }
    let done = Ok(DeliveryResult::Delivered {
        status: 0,
        chat_message: None,
    });
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        return done;
    };
    let Some(tracker) = &config.postmortems.tracker else {
        return done;
    };
    let item = match store.get_action_item(&payload.item).await {
        Ok(item) => item,
        Err(crate::store::StoreError::NotFound) => return done,
        Err(error) => return Err(error),
    };
    if item.issue_url.is_some() {
        return done;
    }
    let incident = store.get_incident(&item.incident_id).await?;
    let incident_url = crate::incidents::notices::page_url(config, &incident.id);
    let sent = request(client, tracker, &item, &incident, &incident_url)
        .timeout(timeout)
        .send()
        .await;
    let response = match sent {
        Ok(response) => response,
        Err(error) => {
            return Ok(DeliveryResult::Retry {
                status: None,
                retry_after: None,
                error: crate::integrations::outbound::describe_send_error(&error),
            });
        }
    };
    let status = response.status();
    let headers = response.headers().clone();
    let body = response.text().await.unwrap_or_default();
    let result = crate::integrations::outbound::classify(status, &headers, now, Some(body.clone()));
    match &result {
        DeliveryResult::Delivered { .. } => {
            let answer: Value = serde_json::from_str(&body).unwrap_or_default();
            let link = issue_link(tracker, &answer);
            store
                .set_action_item_issue(
                    &item.id,
                    link.as_deref(),
                    link.is_none()
                        .then_some("the tracker made the issue but named no link"),
                )
                .await?;
        }
        DeliveryResult::Rejected { error, .. } => {
            store
                .set_action_item_issue(&item.id, None, Some(error))
                .await?;
        }
        DeliveryResult::Retry { .. } => {}
    }
    Ok(result)
}
