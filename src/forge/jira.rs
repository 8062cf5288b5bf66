//! Jira kept in step with the forge (seed 001): a comment on each issue of `[jira] projects`
//! a pull request names (in its title or branch) when it merges (a `ticket_comment` job stored
//! with the merge's event) and when its change reaches production (a `deployment_shipped`
//! timer the projection sets for every successful deployment). Jira Cloud takes REST v3 with
//! an Atlassian Document Format body and basic auth (email and API token); Server and Data
//! Center take REST v2 with a wiki-markup body and a personal access token. Each comment is
//! made once per issue and subject (`ticket_comments`), through the job queue's retries.

use serde::Deserialize;
use serde_json::json;

use crate::config::Config;
use crate::config::ci::{JiraApi, JiraConfig, JiraMoment};
use crate::i18n::Arg;
use crate::integrations::outbound::DeliveryResult;
use crate::store::{ClaimedJob, Store, StoreError};

use super::commands::Calls;

/// What a comment says: a sentence and a link.
pub struct Comment {
    pub text: String,
    pub link: Option<(String, String)>,
}

/// The request that adds `comment` to `issue`.
pub fn request(
    client: &reqwest::Client,
    jira: &JiraConfig,
    issue: &str,
    comment: &Comment,
) -> reqwest::RequestBuilder {
    let base = jira.url.trim_end_matches('/');
    match jira.api() {
        JiraApi::Cloud => {
            let mut content = vec![json!({ "type": "text", "text": comment.text })];
            if let Some((label, url)) = &comment.link {
                content.push(json!({ "type": "text", "text": " " }));
                content.push(json!({
                    "type": "text", "text": label,
                    "marks": [{ "type": "link", "attrs": { "href": url } }],
                }));
            }
            client
                .post(format!("{base}/rest/api/3/issue/{issue}/comment"))
                .basic_auth(jira.user.clone().unwrap_or_default(), Some(&jira.token))
                .header(reqwest::header::ACCEPT, "application/json")
                .json(&json!({
                    "body": { "type": "doc", "version": 1, "content": [
                        { "type": "paragraph", "content": content }
                    ] }
                }))
        }
        JiraApi::Server => {
            // Wiki markup: a link is `[label|url]`; brackets and pipes in the label would
            // end it early.
            let text = match &comment.link {
                Some((label, url)) => {
                    let label: String = label
                        .chars()
                        .map(|c| if matches!(c, '[' | ']' | '|') { ' ' } else { c })
                        .collect();
                    format!("{} [{label}|{url}]", comment.text)
                }
                None => comment.text.clone(),
            };
            client
                .post(format!("{base}/rest/api/2/issue/{issue}/comment"))
                .bearer_auth(&jira.token)
                .header(reqwest::header::ACCEPT, "application/json")
                .json(&json!({ "body": text }))
        }
    }
}

/// Comments on each issue not yet told of `subject`; a refused issue (unknown, or not
/// visible to the account) is logged and skipped, a failure to reach Jira retried with the
/// issues already told kept.
async fn comment_all(
    calls: &Calls<'_>,
    store: &Store,
    jira: &JiraConfig,
    issues: &[String],
    subject: &str,
    comment: &Comment,
) -> Result<DeliveryResult, StoreError> {
    let now = calls.now;
    for issue in issues {
        if store.ticket_commented(issue, subject).await? {
            continue;
        }
        let call = request(calls.client, jira, issue, comment);
        match super::api::send(call, calls.timeout, now).await.0 {
            DeliveryResult::Delivered { .. } => {
                store.mark_ticket_comment(issue, subject, now).await?;
            }
            DeliveryResult::Rejected { error, .. } => {
                tracing::warn!(issue, %error, "Jira refused the comment; going on with the others");
                store.mark_ticket_comment(issue, subject, now).await?;
            }
            retry @ DeliveryResult::Retry { .. } => return Ok(retry),
        }
    }
    done()
}

fn done() -> Result<DeliveryResult, StoreError> {
    Ok(super::done())
}

/// Runs a `ticket_comment` job: the merge of the pull request its event tells.
pub async fn merged(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    let Some(jira) = config
        .jira
        .as_ref()
        .filter(|jira| jira.comments_on(JiraMoment::Merged))
    else {
        return done();
    };
    let Some(event) = super::job_event(store, job).await? else {
        return done();
    };
    let Some(forge) = event.normalized.as_ref() else {
        return done();
    };
    let issues = jira.keys(
        forge
            .title
            .iter()
            .chain(forge.branch.iter())
            .map(String::as_str),
    );
    let number = forge.number.unwrap_or_default();
    let locale = config.server.locale;
    let merged_by = forge
        .change
        .as_ref()
        .and_then(|change| change.merged_by.clone())
        .or_else(|| forge.actor.clone())
        .unwrap_or_else(|| "?".into());
    let comment = Comment {
        text: locale.text_with(
            "jira-merged",
            &[
                ("repository", Arg::from(&forge.repository)),
                ("number", Arg::from(number)),
                ("title", Arg::from(forge.title.as_deref().unwrap_or(""))),
                ("by", Arg::from(merged_by)),
            ],
        ),
        link: forge
            .url
            .clone()
            .filter(|url| crate::core::problem::is_http_url(url))
            .map(|url| (locale.text("jira-open-pull-request"), url)),
    };
    let subject = format!("merged:{}:{}#{number}", event.source, forge.repository);
    comment_all(calls, store, jira, &issues, &subject, &comment).await
}

/// Runs a `deployment_shipped` job: a production deployment's pull requests reached it.
pub async fn deployed(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    #[derive(Deserialize)]
    struct Payload {
        deployment: String,
    }
    let Some(jira) = config
        .jira
        .as_ref()
        .filter(|jira| jira.comments_on(JiraMoment::Deployed))
    else {
        return done();
    };
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        return done();
    };
    let deployment = match store.get_deployment(&payload.deployment).await {
        Ok((deployment, _)) => deployment,
        Err(StoreError::NotFound) => return done(),
        Err(error) => return Err(error),
    };
    if !config
        .production_environments(&deployment.service)
        .contains(&deployment.environment)
    {
        return done();
    }
    let locale = config.server.locale;
    for pull in store.shipped_pulls(&deployment.id).await? {
        let issues = jira.keys(
            [pull.title.as_str()]
                .into_iter()
                .chain(pull.head_branch.as_deref()),
        );
        if issues.is_empty() {
            continue;
        }
        let comment = Comment {
            text: locale.text_with(
                "jira-deployed",
                &[
                    ("repository", Arg::from(&pull.repository)),
                    ("number", Arg::from(pull.number)),
                    ("title", Arg::from(&pull.title)),
                    ("environment", Arg::from(&deployment.environment)),
                    ("service", Arg::from(&deployment.service)),
                    (
                        "version",
                        Arg::from(deployment.version.clone().unwrap_or_default()),
                    ),
                ],
            ),
            link: deployment
                .url
                .clone()
                .or_else(|| pull.url.clone())
                .filter(|url| crate::core::problem::is_http_url(url))
                .map(|url| (locale.text("jira-open-deployment"), url)),
        };
        let subject = format!(
            "deployed:{}:{}#{}",
            pull.source, pull.repository, pull.number
        );
        let result = comment_all(calls, store, jira, &issues, &subject, &comment).await?;
        if !matches!(result, DeliveryResult::Delivered { .. }) {
            return Ok(result);
        }
    }
    done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn body(api: JiraApi, comment: &Comment) -> (String, Value) {
        let jira = JiraConfig {
            url: "https://jira.acme.example/".into(),
            user: Some("bot@acme.example".into()),
            token: "t".into(),
            projects: vec!["CCC".into()],
            comment_on: vec![JiraMoment::Merged],
            api: Some(api),
        };
        let request = request(&reqwest::Client::new(), &jira, "CCC-1580", comment)
            .build()
            .unwrap();
        let bytes = request.body().and_then(|body| body.as_bytes()).unwrap();
        (
            request.url().to_string(),
            serde_json::from_slice(bytes).unwrap(),
        )
    }

    #[test]
    fn cloud_gets_a_document_and_server_wiki_markup() {
        let comment = Comment {
            text: "Merged.".into(),
            link: Some((
                "Open [the] pull request".into(),
                "https://github.com/acme/api/pull/42".into(),
            )),
        };
        let (url, cloud) = body(JiraApi::Cloud, &comment);
        assert_eq!(
            url,
            "https://jira.acme.example/rest/api/3/issue/CCC-1580/comment"
        );
        assert_eq!(
            cloud,
            json!({"body": {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [
                {"type": "text", "text": "Merged."},
                {"type": "text", "text": " "},
                {"type": "text", "text": "Open [the] pull request",
                 "marks": [{"type": "link", "attrs": {"href": "https://github.com/acme/api/pull/42"}}]}
            ]}]}})
        );
        let (url, server) = body(JiraApi::Server, &comment);
        assert_eq!(
            url,
            "https://jira.acme.example/rest/api/2/issue/CCC-1580/comment"
        );
        assert_eq!(
            server,
            json!({"body": "Merged. [Open  the  pull request|https://github.com/acme/api/pull/42]"})
        );
    }
}
