//! The `github` kind: GitHub's webhooks (<https://docs.github.com/webhooks>). Verified by
//! `X-Hub-Signature-256` against any configured secret; deduplicated by `X-GitHub-Delivery`;
//! the event type comes from `X-GitHub-Event`. Both content types GitHub offers are accepted
//! (`application/json`, and the form-encoded `payload=` its settings page defaults to).
//!
//! Only final states are acted on (routed): a completed check or workflow run, a final commit
//! status or deployment status, a published release. Earlier states and event types Firewatch
//! does not act on are stored as `ignored` with the reason, and keep their normalized record.

use axum::http::HeaderMap;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;

use super::json::{flag, number, text, texts};
use super::{Parsed, Rejection, header};
use crate::core::forge::{
    Build, Change, Comment, Commit, Deployment, ForgeEvent, Outcome, Push, Release, Review,
    first_line, split_ref,
};
use crate::core::pipeline::{self, Pipeline};

/// Commits kept per push, GitHub's own limit: lead time needs each one's time, and messages
/// show only the first few. The count of all commits is kept beside them.
pub const MAX_COMMITS: usize = 2048;

/// Checks `X-Hub-Signature-256` (`sha256=<hex HMAC of the body>`) against every secret.
pub fn verify(secrets: &[String], headers: &HeaderMap, body: &[u8]) -> Result<(), Rejection> {
    let signature = header(headers, "x-hub-signature-256").ok_or_else(|| {
        Rejection::InvalidSignature("the X-Hub-Signature-256 header is missing".into())
    })?;
    let expected = signature
        .strip_prefix("sha256=")
        .and_then(|digest| hex::decode(digest.trim()).ok())
        .ok_or_else(|| {
            Rejection::InvalidSignature("X-Hub-Signature-256 is not \"sha256=<hex>\"".into())
        })?;
    for secret in secrets {
        // HMAC accepts keys of any length.
        let mut mac =
            Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!());
        mac.update(body);
        if mac.verify_slice(&expected).is_ok() {
            return Ok(());
        }
    }
    Err(Rejection::InvalidSignature(
        "X-Hub-Signature-256 does not match any configured secret".into(),
    ))
}

/// The JSON document of a delivery, whichever content type carried it.
fn document(headers: &HeaderMap, body: &[u8]) -> Result<Value, Rejection> {
    let content_type = header(headers, "content-type").unwrap_or("");
    let json: std::borrow::Cow<'_, [u8]> =
        if content_type.starts_with("application/x-www-form-urlencoded") {
            let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
                .map_err(|error| Rejection::InvalidPayload(format!("bad form body: {error}")))?;
            let payload = fields
                .into_iter()
                .find(|(name, _)| name == "payload")
                .map(|(_, value)| value)
                .ok_or_else(|| {
                    Rejection::InvalidPayload("the form body has no \"payload\" field".into())
                })?;
            std::borrow::Cow::Owned(payload.into_bytes())
        } else {
            std::borrow::Cow::Borrowed(body)
        };
    let value: Value =
        serde_json::from_slice(&json).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    if value.is_object() {
        Ok(value)
    } else {
        Err(Rejection::InvalidPayload(
            "the payload must be a JSON object".into(),
        ))
    }
}

pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Parsed, Rejection> {
    let event_type = header(headers, "x-github-event")
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .ok_or_else(|| {
            Rejection::InvalidPayload(
                "the X-GitHub-Event header is missing: is this a GitHub webhook?".into(),
            )
        })?
        .to_owned();
    let payload = document(headers, body)?;
    Ok(Parsed::forge(
        &event_type,
        header(headers, "x-github-delivery"),
        normalize(&event_type, &payload),
    ))
}

/// The normalized record and, when Firewatch does not act on it, why.
pub fn normalize(event_type: &str, payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let action = text(payload, "/action").unwrap_or_default();
    match event_type {
        "ping" => (None, Some("GitHub's ping: the webhook is set up".into())),
        "pull_request" => pull_request(payload, &action),
        "pull_request_review" => review(payload, &action),
        "push" => (Some(push(payload)), None),
        "check_run" => build_from(
            payload,
            "/check_run",
            &action,
            "/check_run/check_suite/head_branch",
            "/check_run/name",
        ),
        "check_suite" => build_from(
            payload,
            "/check_suite",
            &action,
            "/check_suite/head_branch",
            "/check_suite/app/name",
        ),
        "workflow_run" => {
            let (mut forge, ignored) = build_from(
                payload,
                "/workflow_run",
                &action,
                "/workflow_run/head_branch",
                "/workflow_run/name",
            );
            if let Some(forge) = forge.as_mut() {
                forge.pipeline = Some(workflow_run(payload, &action));
            }
            (forge, ignored)
        }
        "workflow_job" => workflow_job(payload, &action),
        "status" => status(payload),
        "release" => release(payload, &action),
        "deployment" => {
            let mut forge = deployment(payload, "/deployment");
            forge.action = "created".into();
            forge.outcome = Some(Outcome::Pending);
            (
                Some(forge),
                Some("a deployment's outcome comes with deployment_status".into()),
            )
        }
        "deployment_status" => deployment_status(payload),
        "issue_comment" => comment(payload, &action),
        "create" | "delete" => (
            None,
            Some(format!(
                "tags and branches are taken from push events; \"{event_type}\" would repeat them"
            )),
        ),
        other => (
            None,
            Some(format!(
                "GitHub event \"{other}\" is not one Firewatch acts on"
            )),
        ),
    }
}

/// The fields every event shares: repository and who acted.
fn base(payload: &Value, kind: &str, action: &str) -> ForgeEvent {
    ForgeEvent {
        kind: kind.to_owned(),
        action: action.to_owned(),
        repository: text(payload, "/repository/full_name").unwrap_or_default(),
        repository_url: text(payload, "/repository/html_url"),
        actor: text(payload, "/sender/login"),
        ..ForgeEvent::default()
    }
}

/// A `pull_request` object (also inside reviews) as a change.
fn change_fields(forge: &mut ForgeEvent, pr: &Value) {
    forge.number = number(pr, "/number");
    forge.title = text(pr, "/title");
    forge.url = text(pr, "/html_url");
    forge.branch = text(pr, "/head/ref");
    forge.labels = texts(pr, "/labels", "/name");
    forge.change = Some(Change {
        author: text(pr, "/user/login"),
        state: text(pr, "/state").unwrap_or_default(),
        draft: flag(pr, "/draft"),
        merged: flag(pr, "/merged"),
        head_branch: text(pr, "/head/ref"),
        base_branch: text(pr, "/base/ref"),
        head_sha: text(pr, "/head/sha"),
        requested_reviewers: texts(pr, "/requested_reviewers", "/login"),
        requested_reviewer: None,
        merged_by: text(pr, "/merged_by/login"),
        merge_commit_sha: flag(pr, "/merged")
            .then(|| text(pr, "/merge_commit_sha"))
            .flatten(),
    });
}

fn pull_request(payload: &Value, action: &str) -> (Option<ForgeEvent>, Option<String>) {
    let Some(pr) = payload.get("pull_request") else {
        return (
            None,
            Some("pull_request event without a pull_request object".into()),
        );
    };
    let merged = flag(pr, "/merged");
    let normalized_action = match action {
        "closed" if merged => "merged",
        other => other,
    };
    let mut forge = base(payload, "pull_request", normalized_action);
    change_fields(&mut forge, pr);
    if let Some(change) = forge.change.as_mut() {
        change.requested_reviewer = text(payload, "/requested_reviewer/login")
            .or_else(|| text(payload, "/requested_team/name"));
    }
    let acted = [
        "opened",
        "closed",
        "merged",
        "reopened",
        "synchronize",
        "ready_for_review",
        "review_requested",
    ];
    let ignored = (!acted.contains(&normalized_action))
        .then(|| format!("pull_request action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

fn review(payload: &Value, action: &str) -> (Option<ForgeEvent>, Option<String>) {
    let state = text(payload, "/review/state")
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut forge = base(payload, "review", &state);
    if let Some(pr) = payload.get("pull_request") {
        change_fields(&mut forge, pr);
    }
    forge.url = text(payload, "/review/html_url").or(forge.url);
    forge.review = Some(Review {
        state: state.clone(),
        reviewer: text(payload, "/review/user/login"),
        body: text(payload, "/review/body").filter(|b| !b.trim().is_empty()),
        commit_sha: text(payload, "/review/commit_id"),
        by_author: match (
            number(payload, "/review/user/id"),
            number(payload, "/pull_request/user/id"),
        ) {
            (Some(reviewer), Some(author)) => Some(reviewer == author),
            _ => None,
        },
    });
    // A dismissal is kept for the no-self-merge rule (it withdraws an approval) but not told.
    let ignored = (action != "submitted")
        .then(|| format!("pull_request_review action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

fn push(payload: &Value) -> ForgeEvent {
    let reference = text(payload, "/ref").unwrap_or_default();
    let (ref_type, name) = split_ref(&reference);
    let created = flag(payload, "/created");
    let deleted = flag(payload, "/deleted");
    let all_commits: Vec<&Value> = payload
        .pointer("/commits")
        .and_then(Value::as_array)
        .map(|commits| commits.iter().collect())
        .unwrap_or_default();
    let commits: Vec<Commit> = all_commits
        .iter()
        .take(MAX_COMMITS)
        .map(|commit| Commit {
            sha: text(commit, "/id").unwrap_or_default(),
            title: first_line(&text(commit, "/message").unwrap_or_default()),
            author: text(commit, "/author/username").or_else(|| text(commit, "/author/name")),
            url: text(commit, "/url"),
            timestamp: text(commit, "/timestamp").and_then(|at| at.parse().ok()),
        })
        .collect();
    let (kind, action) = match (ref_type, created, deleted) {
        ("tag", true, _) => ("tag", "created"),
        ("tag", _, true) => ("tag", "deleted"),
        ("tag", _, _) => ("tag", "pushed"),
        (_, _, true) => ("branch", "deleted"),
        (_, true, _) if commits.is_empty() => ("branch", "created"),
        _ => ("push", "pushed"),
    };
    let mut forge = base(payload, kind, action);
    forge.actor = text(payload, "/sender/login").or_else(|| text(payload, "/pusher/name"));
    forge.branch = (ref_type == "branch").then(|| name.to_owned());
    forge.title = Some(name.to_owned());
    forge.url = text(payload, "/compare").or_else(|| forge.repository_url.clone());
    forge.push = Some(Push {
        ref_type: ref_type.to_owned(),
        before: text(payload, "/before"),
        after: text(payload, "/after"),
        compare_url: text(payload, "/compare"),
        forced: flag(payload, "/forced"),
        created,
        deleted,
        total_commits: all_commits.len() as u64,
        commits,
        default_branch: text(payload, "/repository/default_branch"),
    });
    forge
}

/// GitHub's check and workflow conclusions as an outcome.
fn conclusion_outcome(status: Option<&str>, conclusion: Option<&str>) -> Outcome {
    match (status, conclusion) {
        (_, Some("success")) => Outcome::Success,
        (_, Some("failure" | "timed_out" | "startup_failure" | "action_required")) => {
            Outcome::Failure
        }
        (_, Some("cancelled" | "stale")) => Outcome::Cancelled,
        (_, Some("skipped" | "neutral")) => Outcome::Skipped,
        _ => Outcome::Pending,
    }
}

fn build_from(
    payload: &Value,
    object: &str,
    action: &str,
    branch: &str,
    name: &str,
) -> (Option<ForgeEvent>, Option<String>) {
    let run = payload.pointer(object).cloned().unwrap_or(Value::Null);
    let status = text(&run, "/status");
    let conclusion = text(&run, "/conclusion");
    let mut forge = base(payload, "build", action);
    forge.branch = text(payload, branch);
    forge.url = text(&run, "/html_url")
        .or_else(|| text(&run, "/details_url"))
        .or_else(|| forge.repository_url.clone());
    let build_name = text(payload, name).unwrap_or_else(|| "build".into());
    forge.title = Some(build_name.clone());
    forge.outcome = Some(conclusion_outcome(status.as_deref(), conclusion.as_deref()));
    forge.build = Some(Build {
        name: build_name,
        sha: text(&run, "/head_sha"),
        status,
        conclusion,
        run_number: number(&run, "/run_number"),
    });
    let ignored = (action != "completed").then(|| {
        format!(
            "{} action \"{action}\" is not a final outcome",
            object.trim_start_matches('/')
        )
    });
    (Some(forge), ignored)
}

fn time(value: &Value, pointer: &str) -> Option<jiff::Timestamp> {
    text(value, pointer).and_then(|at| at.parse().ok())
}

/// A workflow run as the pipelines board keeps it: its jobs come in their own events.
fn workflow_run(payload: &Value, action: &str) -> Pipeline {
    let run = payload.pointer("/workflow_run").unwrap_or(&Value::Null);
    Pipeline {
        run: number(run, "/id")
            .map(|id| id.to_string())
            .unwrap_or_default(),
        name: text(run, "/name").unwrap_or_default(),
        sha: text(run, "/head_sha"),
        branch: text(run, "/head_branch"),
        default_branch: text(payload, "/repository/default_branch"),
        status: Some(pipeline::github_status(
            text(run, "/status").as_deref(),
            text(run, "/conclusion").as_deref(),
        )),
        url: text(run, "/html_url"),
        started_at: time(run, "/run_started_at").or_else(|| time(run, "/created_at")),
        finished_at: (action == "completed")
            .then(|| time(run, "/updated_at"))
            .flatten(),
        commit_title: text(run, "/head_commit/message").map(|message| first_line(&message)),
        commit_author: text(run, "/head_commit/author/name"),
        stages: Vec::new(),
        all_stages: false,
    }
}

/// A workflow job: one stage of its run on the pipelines board, with its steps. A finished
/// one is also a build, so a route can match a failed job (`kind = "build"`, `outcome`).
fn workflow_job(payload: &Value, action: &str) -> (Option<ForgeEvent>, Option<String>) {
    let job = payload.pointer("/workflow_job").unwrap_or(&Value::Null);
    let status = text(job, "/status");
    let conclusion = text(job, "/conclusion");
    let name = text(job, "/name").unwrap_or_else(|| "job".into());
    let mut forge = base(payload, "build", action);
    forge.branch = text(job, "/head_branch");
    forge.url = text(job, "/html_url").or_else(|| forge.repository_url.clone());
    forge.title = Some(name.clone());
    forge.outcome = Some(conclusion_outcome(status.as_deref(), conclusion.as_deref()));
    forge.build = Some(Build {
        name: name.clone(),
        sha: text(job, "/head_sha"),
        status: status.clone(),
        conclusion: conclusion.clone(),
        run_number: number(job, "/run_attempt"),
    });
    let steps = job
        .pointer("/steps")
        .and_then(Value::as_array)
        .map(|steps| {
            steps
                .iter()
                .map(|step| pipeline::Step {
                    name: text(step, "/name").unwrap_or_default(),
                    status: pipeline::github_status(
                        text(step, "/status").as_deref(),
                        text(step, "/conclusion").as_deref(),
                    ),
                })
                .collect()
        })
        .unwrap_or_default();
    forge.pipeline = Some(Pipeline {
        run: number(job, "/run_id")
            .map(|id| id.to_string())
            .unwrap_or_default(),
        name: text(job, "/workflow_name").unwrap_or_default(),
        sha: text(job, "/head_sha"),
        branch: text(job, "/head_branch"),
        default_branch: text(payload, "/repository/default_branch"),
        status: None,
        url: None,
        started_at: None,
        finished_at: None,
        commit_title: None,
        commit_author: None,
        stages: vec![pipeline::Stage {
            name,
            status: pipeline::github_status(status.as_deref(), conclusion.as_deref()),
            started_at: time(job, "/started_at"),
            finished_at: time(job, "/completed_at"),
            url: text(job, "/html_url"),
            steps,
        }],
        all_stages: false,
    });
    let ignored = (action != "completed")
        .then(|| format!("workflow_job action \"{action}\" is not a final outcome"));
    (Some(forge), ignored)
}

fn status(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let state = text(payload, "/state").unwrap_or_default();
    let outcome = match state.as_str() {
        "success" => Outcome::Success,
        "failure" | "error" => Outcome::Failure,
        _ => Outcome::Pending,
    };
    let mut forge = base(payload, "build", "completed");
    let context = text(payload, "/context").unwrap_or_else(|| "status".into());
    forge.title = Some(context.clone());
    forge.branch = payload
        .pointer("/branches/0/name")
        .and_then(Value::as_str)
        .map(str::to_owned);
    forge.url = text(payload, "/target_url").or_else(|| forge.repository_url.clone());
    forge.outcome = Some(outcome);
    forge.build = Some(Build {
        name: context,
        sha: text(payload, "/sha"),
        status: Some(state.clone()),
        conclusion: Some(state),
        run_number: None,
    });
    let ignored = (outcome == Outcome::Pending)
        .then(|| "a pending commit status is not a final outcome".into());
    (Some(forge), ignored)
}

fn release(payload: &Value, action: &str) -> (Option<ForgeEvent>, Option<String>) {
    let mut forge = base(payload, "release", action);
    let tag = text(payload, "/release/tag_name").unwrap_or_default();
    forge.title = text(payload, "/release/name")
        .filter(|name| !name.is_empty())
        .or_else(|| Some(tag.clone()));
    forge.url = text(payload, "/release/html_url");
    forge.actor = text(payload, "/release/author/login").or(forge.actor);
    forge.release = Some(Release {
        tag,
        name: text(payload, "/release/name"),
        prerelease: flag(payload, "/release/prerelease"),
        draft: flag(payload, "/release/draft"),
    });
    let ignored = (action != "published")
        .then(|| format!("release action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

fn deployment(payload: &Value, object: &str) -> ForgeEvent {
    let mut forge = base(payload, "deployment", "");
    let environment = text(payload, &format!("{object}/environment")).unwrap_or_default();
    forge.title = Some(environment.clone());
    forge.branch = text(payload, &format!("{object}/ref"));
    forge.url = forge.repository_url.clone();
    forge.deployment = Some(Deployment {
        environment,
        sha: text(payload, &format!("{object}/sha")),
        reference: text(payload, &format!("{object}/ref")),
        state: None,
        description: text(payload, &format!("{object}/description")).filter(|d| !d.is_empty()),
        started_at: text(payload, &format!("{object}/created_at")).and_then(|at| at.parse().ok()),
        ..Deployment::default()
    });
    forge
}

fn deployment_status(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let mut forge = deployment(payload, "/deployment");
    let state = text(payload, "/deployment_status/state").unwrap_or_default();
    forge.action = state.clone();
    forge.outcome = Some(match state.as_str() {
        "success" => Outcome::Success,
        "failure" | "error" => Outcome::Failure,
        "inactive" => Outcome::Skipped,
        _ => Outcome::Pending,
    });
    forge.url = text(payload, "/deployment_status/target_url")
        .filter(|url| !url.is_empty())
        .or_else(|| text(payload, "/deployment_status/log_url"))
        .or(forge.url);
    if let Some(deployment) = forge.deployment.as_mut() {
        if let Some(environment) = text(payload, "/deployment_status/environment") {
            deployment.environment = environment;
        }
        deployment.state = Some(state.clone());
        deployment.finished_at =
            text(payload, "/deployment_status/created_at").and_then(|at| at.parse().ok());
        deployment.description = text(payload, "/deployment_status/description")
            .filter(|d| !d.is_empty())
            .or(deployment.description.take());
    }
    let final_state = matches!(state.as_str(), "success" | "failure" | "error");
    let ignored =
        (!final_state).then(|| format!("deployment state \"{state}\" is not a final outcome"));
    (Some(forge), ignored)
}

fn comment(payload: &Value, action: &str) -> (Option<ForgeEvent>, Option<String>) {
    let mut forge = base(payload, "comment", action);
    forge.number = number(payload, "/issue/number");
    forge.title = text(payload, "/issue/title");
    forge.url = text(payload, "/comment/html_url");
    forge.labels = texts(payload, "/issue/labels", "/name");
    forge.comment = Some(Comment {
        body: text(payload, "/comment/body").unwrap_or_default(),
        author: text(payload, "/comment/user/login"),
        association: text(payload, "/comment/author_association"),
        on_change: payload.pointer("/issue/pull_request").is_some(),
        id: number(payload, "/comment/id"),
        author_id: number(payload, "/comment/user/id"),
        head_sha: None,
    });
    let ignored = (action != "created")
        .then(|| format!("issue_comment action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}
