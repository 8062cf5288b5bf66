//! Commands in pull/merge request comments (`/test`, `/retest`, `test this please`): a
//! `pr_command` job (stored with the comment's event at intake) decides whether the commenter
//! is trusted, starts the CI targets and records what it did; a `forge_comment` job answers on
//! the pull request, once when the command is acted on and again when each started build's
//! result arrives (the forge projection sets that one, by the build's commit).
//!
//! A comment acts once: what it started is kept under the comment's id, so a redelivery (or
//! the same comment reaching two integrations) starts nothing again. A target started but not
//! yet recorded when the process died is started again on the retry: at least once.

use std::time::Duration;

use jiff::Timestamp;
use serde::Deserialize;

use crate::config::Config;
use crate::config::ci::{ForgeKind, PrCommandsConfig, Trusted};
use crate::core::forge::ForgeEvent;
use crate::core::pr_command::{self, Command};
use crate::i18n::{Arg, Locale};
use crate::integrations::outbound::DeliveryResult;
use crate::store::forge::{PrTrigger, TriggerState};
use crate::store::{ClaimedJob, Store, StoreError, Timer};

use super::ci::{self, BuildRequest};
use super::{api, done};

/// What a job needs besides the store and config.
pub struct Calls<'a> {
    pub client: &'a reqwest::Client,
    pub timeout: Duration,
    pub now: Timestamp,
}

/// The comment a command answers: `{source}:{repository}#{number}:{comment id}`.
fn command_key(source: &str, forge: &ForgeEvent, number: u64, event_id: &str) -> String {
    let comment = forge
        .comment
        .as_ref()
        .and_then(|comment| comment.id)
        .map_or_else(|| event_id.to_owned(), |id| id.to_string());
    format!("{source}:{}#{number}:{comment}", forge.repository)
}

/// Runs a `pr_command` job.
pub async fn run(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    let Some(event) = super::job_event(store, job).await? else {
        return Ok(done());
    };
    let event_id = event.id.as_str();
    let Some(forge) = event.normalized.as_ref() else {
        return Ok(done());
    };
    let (Some(comment), Some(number)) = (forge.comment.as_ref(), forge.number) else {
        return Ok(done());
    };
    let (Some(command), Some(entry)) = (
        pr_command::parse(&comment.body),
        config.pr_commands_for(&forge.repository),
    ) else {
        return Ok(done());
    };
    let key = command_key(&event.source, forge, number, event_id);
    let pr = i64::try_from(number).unwrap_or(i64::MAX);
    let known = entry.target_names();
    let wanted: Vec<&str> = match &command {
        Command::All => known.clone(),
        Command::Targets(names) => known
            .iter()
            .copied()
            .filter(|name| names.iter().any(|wanted| wanted == name))
            .collect(),
    };
    let mut rows = store.pr_triggers(&key).await?;
    let answered = rows.iter().any(|row| row.target.is_empty());
    if answered
        || (!rows.is_empty()
            && wanted
                .iter()
                .all(|name| rows.iter().any(|row| row.target == *name)))
    {
        // Acted on already: a redelivery.
        return Ok(done());
    }
    let answer_api = config.forge_api(&event.source, &forge.repository);
    let author = comment.author.clone().unwrap_or_default();
    let row = |target: &str, state: TriggerState, detail: Option<String>| PrTrigger {
        id: format!("{key}|{target}"),
        command_key: key.clone(),
        source: event.source.clone(),
        repository: forge.repository.clone(),
        number: pr,
        target: target.to_owned(),
        expects: None,
        sha: None,
        branch: None,
        requested_by: comment.author.clone(),
        requested_at: calls.now,
        state,
        detail,
        outcome: None,
        outcome_url: None,
        build_name: None,
        finished_at: None,
    };
    let answer = [Timer::command_answer(&key, calls.now)];

    match trusted(calls, config, entry, &event.source, forge, &author).await {
        Ok(true) => {}
        Ok(false) => {
            store
                .save_pr_triggers(&[row("", TriggerState::Refused, None)], &answer, calls.now)
                .await?;
            return Ok(done());
        }
        Err(result) => return Ok(result),
    }

    if wanted.is_empty() {
        let named = match &command {
            Command::Targets(names) => names.join(", "),
            Command::All => String::new(),
        };
        store
            .save_pr_triggers(
                &[row("", TriggerState::Unknown, Some(named))],
                &answer,
                calls.now,
            )
            .await?;
        return Ok(done());
    }

    let (sha, branch) = match head(calls, answer_api, &event.source, forge, pr).await {
        Ok(head) => head,
        Err(result) => return Ok(result),
    };
    let mut retry = None;
    for name in wanted {
        if rows.iter().any(|row| row.target == name) {
            continue;
        }
        let Some(target) = config.ci_target(name) else {
            continue;
        };
        let id = format!("{key}|{name}");
        let build = BuildRequest {
            id: &id,
            repository: &forge.repository,
            repository_url: forge.repository_url.as_deref(),
            number: pr,
            sha: &sha,
            branch: &branch,
            requested_by: &author,
        };
        let ci_forge = target
            .kind
            .forge()
            .and_then(|kind| config.forge_api(kind.source(), &forge.repository));
        let (state, detail) = match ci::start(calls.client, target, ci_forge, &build, calls.now) {
            Err(why) => (TriggerState::Failed, Some(why)),
            Ok(request) => match api::send(request, calls.timeout, calls.now).await {
                (DeliveryResult::Delivered { .. }, answer) => (
                    TriggerState::Started,
                    answer.and_then(|(body, headers)| {
                        ci::started_link(target, &build, &body, &headers)
                    }),
                ),
                (DeliveryResult::Rejected { error, .. }, _) => {
                    // The pull request may be public: it is told the status, the log the CI's
                    // whole answer.
                    tracing::warn!(target = name, %error, "the CI refused to start a build");
                    let status = error.split(':').next().unwrap_or_default().to_owned();
                    (TriggerState::Failed, Some(status))
                }
                (result @ DeliveryResult::Retry { .. }, _) => {
                    // The rest wait for the retry; what started so far is kept.
                    retry = Some(result);
                    break;
                }
            },
        };
        let mut trigger = row(name, state, detail);
        trigger.sha = Some(sha.clone());
        trigger.branch = Some(branch.clone());
        trigger.expects = ci::expects(target).map(str::to_owned);
        rows.push(trigger);
    }
    let timers: &[Timer] = if retry.is_some() { &[] } else { &answer };
    store.save_pr_triggers(&rows, timers, calls.now).await?;
    Ok(retry.unwrap_or_else(done))
}

/// Whether the commenter may start builds: named in `allow`, or (with `trusted = "members"`)
/// GitHub's association or, failing that, their permission on the repository says so, or
/// GitLab's members API gives them Developer or above.
async fn trusted(
    calls: &Calls<'_>,
    config: &Config,
    entry: &PrCommandsConfig,
    source: &str,
    forge: &ForgeEvent,
    author: &str,
) -> Result<bool, DeliveryResult> {
    if !author.is_empty() && entry.allow.iter().any(|allowed| allowed == author) {
        return Ok(true);
    }
    if entry.trusted != Trusted::Members {
        return Ok(false);
    }
    let Some(comment) = forge.comment.as_ref() else {
        return Ok(false);
    };
    match source {
        "github" => {
            if comment
                .association
                .as_deref()
                .is_some_and(pr_command::trusted_association)
            {
                return Ok(true);
            }
            // A member whose organization membership is private shows as CONTRIBUTOR or
            // NONE: ask GitHub what the commenter may do in the repository.
            let (Some(api_config), false) = (
                config.forge_api("github", &forge.repository),
                author.is_empty(),
            ) else {
                return Ok(false);
            };
            let request = api::permission(calls.client, api_config, &forge.repository, author);
            match api::send(request, calls.timeout, calls.now).await {
                (DeliveryResult::Delivered { .. }, Some((answer, _))) => Ok(matches!(
                    answer["permission"].as_str(),
                    Some("admin" | "maintain" | "write")
                )),
                (
                    DeliveryResult::Rejected {
                        status: 403 | 404, ..
                    },
                    _,
                ) => Ok(false),
                (DeliveryResult::Delivered { .. }, None) => Ok(false),
                (result, _) => Err(result),
            }
        }
        "gitlab" => {
            let (Some(api_config), Some(user)) = (
                config.forge_api("gitlab", &forge.repository),
                comment.author_id,
            ) else {
                return Ok(false);
            };
            let request = api::member(calls.client, api_config, &forge.repository, user);
            match api::send(request, calls.timeout, calls.now).await {
                (DeliveryResult::Delivered { .. }, Some((member, _))) => Ok(member["access_level"]
                    .as_u64()
                    .is_some_and(|level| level >= pr_command::GITLAB_DEVELOPER)
                    && member["state"]
                        .as_str()
                        .is_none_or(|state| state == "active")),
                // Not a member: GitLab answers 404.
                (DeliveryResult::Rejected { status: 404, .. }, _) => Ok(false),
                (DeliveryResult::Delivered { .. }, None) => Ok(false),
                (result, _) => Err(result),
            }
        }
        _ => Ok(false),
    }
}

/// The request's head commit and branch: from the payload when it says (GitLab), else asked
/// of GitHub.
async fn head(
    calls: &Calls<'_>,
    api_config: Option<&crate::config::ci::ForgeApiConfig>,
    source: &str,
    forge: &ForgeEvent,
    number: i64,
) -> Result<(String, String), DeliveryResult> {
    let comment = forge.comment.as_ref();
    if let (Some(sha), Some(branch)) = (
        comment.and_then(|comment| comment.head_sha.clone()),
        forge.branch.clone(),
    ) {
        return Ok((sha, branch));
    }
    let Some(api_config) = api_config.filter(|api| api.kind == ForgeKind::Github) else {
        return Err(DeliveryResult::Rejected {
            status: 0,
            error: format!(
                "the {source} comment does not name the request's head commit and no [[forges]] entry answers for {}",
                forge.repository
            ),
        });
    };
    let request = api::pull_request(calls.client, api_config, &forge.repository, number);
    match api::send(request, calls.timeout, calls.now).await {
        (DeliveryResult::Delivered { .. }, Some((pull, _))) => {
            match (pull["head"]["sha"].as_str(), pull["head"]["ref"].as_str()) {
                (Some(sha), Some(branch)) => Ok((sha.to_owned(), branch.to_owned())),
                _ => Err(DeliveryResult::Rejected {
                    status: 0,
                    error: "GitHub's pull request names no head commit".into(),
                }),
            }
        }
        (result, _) => Err(result),
    }
}

/// Runs a `forge_comment` job: the answer to a command, or a started build's outcome.
pub async fn answer(
    calls: &Calls<'_>,
    store: &Store,
    config: &Config,
    job: &ClaimedJob,
) -> Result<DeliveryResult, StoreError> {
    #[derive(Deserialize)]
    struct Payload {
        command: Option<String>,
        trigger: Option<String>,
    }
    let Ok(payload) = serde_json::from_str::<Payload>(&job.payload) else {
        return Ok(done());
    };
    let locale = config.server.locale;
    let (rows, body) = match (payload.command, payload.trigger) {
        (Some(key), _) => {
            let rows = store.pr_triggers(&key).await?;
            let body = command_answer(&rows, config, locale);
            (rows, body)
        }
        (None, Some(id)) => match store.get_pr_trigger(&id).await {
            Ok(row) => {
                let body = outcome_answer(&row, locale);
                (vec![row], body)
            }
            Err(StoreError::NotFound) => return Ok(done()),
            Err(error) => return Err(error),
        },
        (None, None) => return Ok(done()),
    };
    let (Some(first), Some(body)) = (rows.first(), body) else {
        return Ok(done());
    };
    let Some(api_config) = config.forge_api(&first.source, &first.repository) else {
        tracing::warn!(
            repository = %first.repository,
            "no [[forges]] entry answers for this repository; the pull request gets no comment"
        );
        return Ok(done());
    };
    let request = api::comment(
        calls.client,
        api_config,
        &first.repository,
        first.number,
        &body,
    );
    Ok(api::send(request, calls.timeout, calls.now).await.0)
}

fn short(sha: Option<&str>) -> String {
    sha.map(|sha| sha.chars().take(7).collect())
        .unwrap_or_default()
}

/// What a command did, as one comment.
fn command_answer(rows: &[PrTrigger], config: &Config, locale: Locale) -> Option<String> {
    let first = rows.first()?;
    let author = first.requested_by.as_deref().unwrap_or("");
    match first.state {
        TriggerState::Refused => Some(locale.text_with(
            "forge-command-refused",
            &[
                ("author", Arg::from(author)),
                ("repository", Arg::from(&first.repository)),
            ],
        )),
        TriggerState::Unknown => {
            let known = config
                .pr_commands_for(&first.repository)
                .map(|entry| entry.target_names().join(", "))
                .unwrap_or_default();
            Some(locale.text_with(
                "forge-command-unknown",
                &[
                    ("author", Arg::from(author)),
                    ("named", Arg::from(first.detail.as_deref().unwrap_or(""))),
                    ("known", Arg::from(known)),
                ],
            ))
        }
        _ => {
            let heading = if rows.iter().any(|row| row.state == TriggerState::Started) {
                "forge-command-started"
            } else {
                "forge-command-none-started"
            };
            let mut lines = vec![locale.text_with(
                heading,
                &[
                    ("author", Arg::from(author)),
                    ("sha", Arg::from(short(first.sha.as_deref()))),
                ],
            )];
            for row in rows {
                let line = match (row.state, row.detail.as_deref()) {
                    (TriggerState::Started, Some(link)) => locale.text_with(
                        "forge-command-target-started-link",
                        &[
                            ("target", Arg::from(&row.target)),
                            ("link", Arg::from(link)),
                        ],
                    ),
                    (TriggerState::Started, None) => locale.text_with(
                        "forge-command-target-started",
                        &[("target", Arg::from(&row.target))],
                    ),
                    (_, detail) => locale.text_with(
                        "forge-command-target-failed",
                        &[
                            ("target", Arg::from(&row.target)),
                            ("why", Arg::from(detail.unwrap_or(""))),
                        ],
                    ),
                };
                lines.push(format!("- {line}"));
            }
            Some(lines.join("\n"))
        }
    }
}

/// How a started build ended, as one comment.
fn outcome_answer(row: &PrTrigger, locale: Locale) -> Option<String> {
    let outcome = row.outcome.as_deref()?;
    let key = match outcome {
        "success" => "forge-command-outcome-success",
        "failure" => "forge-command-outcome-failure",
        _ => "forge-command-outcome-cancelled",
    };
    let build = row.build_name.as_deref().unwrap_or(&row.target);
    let mut text = locale.text_with(
        key,
        &[
            ("target", Arg::from(&row.target)),
            ("build", Arg::from(build)),
            ("sha", Arg::from(short(row.sha.as_deref()))),
        ],
    );
    if let Some(url) = row
        .outcome_url
        .as_deref()
        .filter(|url| crate::core::problem::is_http_url(url))
    {
        text.push(' ');
        text.push_str(url);
    }
    Some(text)
}
