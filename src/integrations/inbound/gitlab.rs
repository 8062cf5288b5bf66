//! The `gitlab` kind: GitLab's webhooks (<https://docs.gitlab.com/user/project/integrations/webhook_events/>),
//! normalized into the same records as GitHub's. The secret token arrives in `X-Gitlab-Token`
//! and is compared in constant time; `Idempotency-Key` (the same on every retry), else
//! `X-Gitlab-Event-UUID`, is the deduplication key. The payload's `object_kind` says what it is.
//!
//! As for GitHub, only final states are acted on: a pipeline or job that finished, a
//! deployment that succeeded or failed, a created release. The rest is stored as `ignored`.

use axum::http::HeaderMap;
use serde_json::Value;

use super::config::DeployRule;
use super::json::{flag, number, text, texts};
use super::{Parsed, Rejection, header};
use crate::core::forge::{
    Build, Change, Comment, Commit, Deployment, ForgeEvent, Outcome, Push, Release, Review,
    first_line, split_ref,
};
use crate::core::pipeline::{self, Pipeline};

const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

pub fn parse(headers: &HeaderMap, body: &[u8]) -> Result<Parsed, Rejection> {
    parse_with(&[], headers, body)
}

/// `parse`, with the integration's rules for pipeline jobs that deploy.
pub fn parse_with(
    deploys: &[DeployRule],
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Parsed, Rejection> {
    let payload: Value =
        serde_json::from_slice(body).map_err(|error| Rejection::InvalidJson(error.to_string()))?;
    if !payload.is_object() {
        return Err(Rejection::InvalidPayload(
            "the payload must be a JSON object".into(),
        ));
    }
    let object_kind = text(&payload, "/object_kind")
        .or_else(|| text(&payload, "/event_name"))
        .or_else(|| header(headers, "x-gitlab-event").map(str::to_owned))
        .ok_or_else(|| {
            Rejection::InvalidPayload(
                "no object_kind in the payload and no X-Gitlab-Event header: is this a GitLab webhook?"
                    .into(),
            )
        })?;
    let key = header(headers, "idempotency-key").or_else(|| header(headers, "x-gitlab-event-uuid"));
    let (mut forge, ignored) = normalize(&object_kind, &payload);
    if let Some(forge) = forge.as_mut().filter(|_| object_kind == "pipeline") {
        forge.deployment = deploy_job(deploys, &payload);
    }
    Ok(Parsed::forge(&object_kind, key, (forge, ignored)))
}

pub fn normalize(object_kind: &str, payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    match object_kind {
        "push" | "tag_push" => (Some(push(payload)), None),
        "merge_request" => merge_request(payload),
        "pipeline" => pipeline(payload),
        "build" => job(payload),
        "note" => note(payload),
        "deployment" => deployment(payload),
        "release" => release(payload),
        other => (
            None,
            Some(format!(
                "GitLab event \"{other}\" is not one Firewatch acts on"
            )),
        ),
    }
}

fn base(payload: &Value, kind: &str, action: &str) -> ForgeEvent {
    ForgeEvent {
        kind: kind.to_owned(),
        action: action.to_owned(),
        repository: text(payload, "/project/path_with_namespace")
            .or_else(|| text(payload, "/project_name"))
            .unwrap_or_default(),
        repository_url: text(payload, "/project/web_url")
            .or_else(|| text(payload, "/repository/homepage")),
        actor: text(payload, "/user/username")
            .or_else(|| text(payload, "/user_username"))
            .or_else(|| text(payload, "/user/name"))
            .or_else(|| text(payload, "/user_name")),
        ..ForgeEvent::default()
    }
}

fn push(payload: &Value) -> ForgeEvent {
    let reference = text(payload, "/ref").unwrap_or_default();
    let (ref_type, name) = split_ref(&reference);
    let before = text(payload, "/before");
    let after = text(payload, "/after");
    let created = before.as_deref() == Some(ZERO_SHA);
    let deleted = after.as_deref() == Some(ZERO_SHA);
    let commits: Vec<Commit> = payload
        .pointer("/commits")
        .and_then(Value::as_array)
        .map(|commits| {
            commits
                .iter()
                .take(super::github::MAX_COMMITS)
                .map(|commit| Commit {
                    sha: text(commit, "/id").unwrap_or_default(),
                    title: text(commit, "/title").unwrap_or_else(|| {
                        first_line(&text(commit, "/message").unwrap_or_default())
                    }),
                    author: text(commit, "/author/name"),
                    url: text(commit, "/url"),
                    timestamp: text(commit, "/timestamp").and_then(|at| parse_gitlab_time(&at)),
                })
                .collect()
        })
        .unwrap_or_default();
    let total = number(payload, "/total_commits_count").unwrap_or(commits.len() as u64);
    let (kind, action) = match (ref_type, created, deleted) {
        ("tag", _, true) => ("tag", "deleted"),
        ("tag", _, _) => ("tag", "created"),
        (_, _, true) => ("branch", "deleted"),
        (_, true, _) if commits.is_empty() => ("branch", "created"),
        _ => ("push", "pushed"),
    };
    let mut forge = base(payload, kind, action);
    forge.branch = (ref_type == "branch").then(|| name.to_owned());
    forge.title = Some(name.to_owned());
    let compare = match (&forge.repository_url, &before, &after) {
        (Some(web), Some(before), Some(after)) if !created && !deleted => {
            Some(format!("{web}/-/compare/{before}...{after}"))
        }
        (Some(web), _, _) if ref_type == "tag" && !deleted => Some(format!("{web}/-/tags/{name}")),
        _ => None,
    };
    forge.url = compare.clone().or_else(|| forge.repository_url.clone());
    forge.push = Some(Push {
        ref_type: ref_type.to_owned(),
        before,
        after,
        compare_url: compare,
        forced: false,
        created,
        deleted,
        commits,
        total_commits: total,
        default_branch: text(payload, "/project/default_branch"),
    });
    forge
}

fn merge_request(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let attributes = payload
        .pointer("/object_attributes")
        .cloned()
        .unwrap_or(Value::Null);
    let action = text(&attributes, "/action").unwrap_or_default();
    let draft_dropped = payload
        .pointer("/changes/draft/previous")
        .and_then(Value::as_bool)
        == Some(true)
        && payload
            .pointer("/changes/draft/current")
            .and_then(Value::as_bool)
            == Some(false);
    let new_reviewers: Vec<String> = {
        let before = texts(payload, "/changes/reviewers/previous", "/username");
        texts(payload, "/changes/reviewers/current", "/username")
            .into_iter()
            .filter(|reviewer| !before.contains(reviewer))
            .collect()
    };
    let (kind, normalized) = match action.as_str() {
        "open" => ("pull_request", "opened"),
        "close" => ("pull_request", "closed"),
        "reopen" => ("pull_request", "reopened"),
        "merge" => ("pull_request", "merged"),
        "update" if attributes.get("oldrev").is_some() => ("pull_request", "synchronize"),
        "update" if draft_dropped => ("pull_request", "ready_for_review"),
        "update" if !new_reviewers.is_empty() => ("pull_request", "review_requested"),
        "approved" | "approval" => ("review", "approved"),
        // A withdrawn approval: kept for the no-self-merge rule, not told.
        "unapproved" | "unapproval" => ("review", "dismissed"),
        "update" => ("pull_request", "updated"),
        _ => ("pull_request", action.as_str()),
    };
    let mut forge = base(payload, kind, normalized);
    forge.number = number(&attributes, "/iid");
    forge.title = text(&attributes, "/title");
    forge.url = text(&attributes, "/url");
    forge.branch = text(&attributes, "/source_branch");
    forge.labels = texts(payload, "/labels", "/title");
    let state = text(&attributes, "/state").unwrap_or_default();
    forge.change = Some(Change {
        author: None,
        merged: state == "merged",
        state,
        draft: flag(&attributes, "/draft") || flag(&attributes, "/work_in_progress"),
        head_branch: text(&attributes, "/source_branch"),
        base_branch: text(&attributes, "/target_branch"),
        head_sha: text(&attributes, "/last_commit/id"),
        requested_reviewers: texts(payload, "/reviewers", "/username"),
        requested_reviewer: new_reviewers.first().cloned(),
        merged_by: (normalized == "merged")
            .then(|| forge.actor.clone())
            .flatten(),
        // A squashed request lands as its squash commit (and a merge commit above it).
        merge_commit_sha: text(&attributes, "/squash_commit_sha")
            .or_else(|| text(&attributes, "/merge_commit_sha")),
    });
    if kind == "review" {
        forge.review = Some(Review {
            state: normalized.into(),
            reviewer: forge.actor.clone(),
            body: None,
            commit_sha: text(&attributes, "/last_commit/id"),
            by_author: match (
                number(payload, "/user/id"),
                number(&attributes, "/author_id"),
            ) {
                (Some(reviewer), Some(author)) => Some(reviewer == author),
                _ => None,
            },
        });
    }
    let acted = [
        "opened",
        "closed",
        "merged",
        "reopened",
        "synchronize",
        "ready_for_review",
        "review_requested",
        "approved",
    ];
    let ignored = (!acted.contains(&normalized))
        .then(|| format!("merge_request action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

/// GitLab's CI statuses as an outcome, and whether the status is final.
fn ci_outcome(status: &str) -> (Outcome, bool) {
    match status {
        "success" => (Outcome::Success, true),
        "failed" => (Outcome::Failure, true),
        "canceled" | "canceling" => (Outcome::Cancelled, status == "canceled"),
        "skipped" => (Outcome::Skipped, true),
        _ => (Outcome::Pending, false),
    }
}

fn pipeline(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let status = text(payload, "/object_attributes/status").unwrap_or_default();
    let (outcome, final_state) = ci_outcome(&status);
    let mut forge = base(
        payload,
        "build",
        if final_state {
            "completed"
        } else {
            status.as_str()
        },
    );
    let id = text(payload, "/object_attributes/id");
    forge.branch = (!flag(payload, "/object_attributes/tag"))
        .then(|| text(payload, "/object_attributes/ref"))
        .flatten();
    forge.url = text(payload, "/object_attributes/url").or_else(|| {
        forge
            .repository_url
            .as_ref()
            .zip(id.as_ref())
            .map(|(web, id)| format!("{web}/-/pipelines/{id}"))
    });
    let name = text(payload, "/object_attributes/name")
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "pipeline".into());
    forge.title = Some(name.clone());
    forge.outcome = Some(outcome);
    forge.build = Some(Build {
        name,
        sha: text(payload, "/object_attributes/sha"),
        status: Some(status.clone()),
        conclusion: final_state.then(|| status.clone()),
        run_number: number(payload, "/object_attributes/iid"),
    });
    forge.pipeline = Some(pipeline_run(payload, &status, final_state));
    let ignored =
        (!final_state).then(|| format!("pipeline status \"{status}\" is not a final outcome"));
    (Some(forge), ignored)
}

/// The pipeline as the pipelines board keeps it: every event carries all its jobs, grouped
/// here into its stages in the pipeline's order.
fn pipeline_run(payload: &Value, status: &str, final_state: bool) -> Pipeline {
    let attributes = payload
        .pointer("/object_attributes")
        .unwrap_or(&Value::Null);
    let time =
        |value: &Value, pointer: &str| text(value, pointer).and_then(|at| parse_gitlab_time(&at));
    let builds: Vec<&Value> = payload
        .pointer("/builds")
        .and_then(Value::as_array)
        .map(|builds| builds.iter().collect())
        .unwrap_or_default();
    let mut names = texts(payload, "/object_attributes/stages", "");
    for build in &builds {
        if let Some(stage) = text(build, "/stage") {
            if !names.contains(&stage) {
                names.push(stage);
            }
        }
    }
    let stages = names
        .into_iter()
        .map(|name| {
            let jobs: Vec<&&Value> = builds
                .iter()
                .filter(|build| text(build, "/stage").as_deref() == Some(name.as_str()))
                .collect();
            // A job allowed to fail does not fail its stage (GitLab shows it as a warning).
            let statuses: Vec<String> = jobs
                .iter()
                .map(|job| {
                    let status = pipeline::gitlab_status(&text(job, "/status").unwrap_or_default());
                    if status == "failure" && flag(job, "/allow_failure") {
                        "success".to_owned()
                    } else {
                        status
                    }
                })
                .collect();
            let status = if statuses.iter().any(|s| s == "failure") {
                "failure"
            } else if statuses.iter().any(|s| s == "running") {
                "running"
            } else if statuses.is_empty() || statuses.iter().any(|s| s == "queued") {
                "queued"
            } else if statuses.iter().all(|s| s == "skipped") {
                "skipped"
            } else if statuses.iter().all(|s| s == "manual" || s == "skipped") {
                "manual"
            } else if statuses.iter().all(|s| s == "cancelled" || s == "skipped") {
                "cancelled"
            } else {
                "success"
            };
            pipeline::Stage {
                name,
                status: status.to_owned(),
                started_at: jobs.iter().filter_map(|job| time(job, "/started_at")).min(),
                finished_at: jobs
                    .iter()
                    .all(|job| time(job, "/finished_at").is_some())
                    .then(|| {
                        jobs.iter()
                            .filter_map(|job| time(job, "/finished_at"))
                            .max()
                    })
                    .flatten(),
                url: None,
                steps: jobs
                    .iter()
                    .map(|job| pipeline::Step {
                        name: text(job, "/name").unwrap_or_default(),
                        status: pipeline::gitlab_status(&text(job, "/status").unwrap_or_default()),
                    })
                    .collect(),
            }
        })
        .collect();
    Pipeline {
        run: text(attributes, "/id").unwrap_or_default(),
        name: text(attributes, "/name")
            .filter(|name| !name.is_empty())
            .unwrap_or_else(|| "pipeline".into()),
        sha: text(attributes, "/sha"),
        branch: (!flag(attributes, "/tag"))
            .then(|| text(attributes, "/ref"))
            .flatten(),
        default_branch: text(payload, "/project/default_branch"),
        status: Some(pipeline::gitlab_status(status)),
        url: text(attributes, "/url"),
        started_at: time(attributes, "/created_at"),
        finished_at: final_state
            .then(|| time(attributes, "/finished_at"))
            .flatten(),
        commit_title: text(payload, "/commit/title")
            .or_else(|| text(payload, "/commit/message").map(|m| first_line(&m))),
        commit_author: text(payload, "/commit/author/name"),
        stages,
        all_stages: true,
    }
}

/// The pipeline's first finished job a deploy rule matches, as the deployment it made. The
/// pipeline stays a build (a CI result); the deployment is projected beside it.
fn deploy_job(deploys: &[DeployRule], payload: &Value) -> Option<Deployment> {
    let builds = payload.pointer("/builds")?.as_array()?;
    builds.iter().find_map(|build| {
        let name = text(build, "/name")?;
        // A job with an `environment:` already sends GitLab's deployment event.
        if text(build, "/environment/name").is_some() {
            return None;
        }
        let rule = DeployRule::find(deploys, &name)?;
        let state = match text(build, "/status")?.as_str() {
            "success" => Outcome::Success,
            "failed" => Outcome::Failure,
            _ => return None,
        };
        let environment = rule.environment.clone()?;
        let kind = rule.kind.clone().unwrap_or_else(|| "planned".into());
        Some(Deployment {
            environment,
            sha: text(payload, "/object_attributes/sha"),
            reference: text(payload, "/object_attributes/ref"),
            state: Some(state.as_str().into()),
            description: Some(format!("job {name}")),
            service: rule.service.clone(),
            version: None,
            kind: Some(kind),
            commits: Vec::new(),
            started_at: text(build, "/started_at").and_then(|at| parse_gitlab_time(&at)),
            finished_at: text(build, "/finished_at").and_then(|at| parse_gitlab_time(&at)),
        })
    })
}

fn job(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let status = text(payload, "/build_status").unwrap_or_default();
    let (outcome, final_state) = ci_outcome(&status);
    let mut forge = base(
        payload,
        "build",
        if final_state {
            "completed"
        } else {
            status.as_str()
        },
    );
    forge.branch = (!flag(payload, "/tag"))
        .then(|| text(payload, "/ref"))
        .flatten();
    let name = text(payload, "/build_name").unwrap_or_else(|| "job".into());
    forge.url = forge
        .repository_url
        .as_ref()
        .zip(text(payload, "/build_id"))
        .map(|(web, id)| format!("{web}/-/jobs/{id}"));
    forge.title = Some(name.clone());
    forge.outcome = Some(outcome);
    forge.build = Some(Build {
        name,
        sha: text(payload, "/sha"),
        status: Some(status.clone()),
        conclusion: final_state.then(|| status.clone()),
        run_number: None,
    });
    let ignored = (!final_state).then(|| format!("job status \"{status}\" is not a final outcome"));
    (Some(forge), ignored)
}

fn note(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let action = text(payload, "/object_attributes/action").unwrap_or_else(|| "create".into());
    let noteable = text(payload, "/object_attributes/noteable_type").unwrap_or_default();
    let mut forge = base(
        payload,
        "comment",
        if action == "create" {
            "created"
        } else {
            action.as_str()
        },
    );
    let target = match noteable.as_str() {
        "MergeRequest" => payload.get("merge_request"),
        "Issue" => payload.get("issue"),
        _ => None,
    };
    if let Some(target) = target {
        forge.number = number(target, "/iid");
        forge.title = text(target, "/title");
        forge.branch = text(target, "/source_branch");
        forge.labels = texts(target, "/labels", "/title");
    }
    forge.url = text(payload, "/object_attributes/url");
    forge.comment = Some(Comment {
        body: text(payload, "/object_attributes/note").unwrap_or_default(),
        author: forge.actor.clone(),
        association: None,
        on_change: noteable == "MergeRequest",
        id: number(payload, "/object_attributes/id"),
        author_id: number(payload, "/object_attributes/author_id")
            .or_else(|| number(payload, "/user/id")),
        head_sha: (noteable == "MergeRequest")
            .then(|| text(payload, "/merge_request/last_commit/id"))
            .flatten(),
    });
    let ignored = (action != "create")
        .then(|| format!("note action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

fn deployment(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let status = text(payload, "/status").unwrap_or_default();
    let outcome = match status.as_str() {
        "success" => Outcome::Success,
        "failed" => Outcome::Failure,
        "canceled" => Outcome::Cancelled,
        _ => Outcome::Pending,
    };
    let mut forge = base(payload, "deployment", &status);
    let environment = text(payload, "/environment").unwrap_or_default();
    forge.title = Some(environment.clone());
    forge.branch = text(payload, "/ref");
    forge.url = text(payload, "/deployable_url")
        .or_else(|| text(payload, "/environment_external_url"))
        .or_else(|| forge.repository_url.clone());
    forge.outcome = Some(outcome);
    forge.deployment = Some(Deployment {
        environment,
        // The event names the commit in full only in its link.
        sha: text(payload, "/commit_url")
            .and_then(|url| url.rsplit('/').next().map(str::to_owned))
            .filter(|sha| sha.len() == 40)
            .or_else(|| text(payload, "/short_sha")),
        reference: text(payload, "/ref"),
        state: Some(status.clone()),
        description: text(payload, "/commit_title"),
        finished_at: text(payload, "/status_changed_at").and_then(|at| parse_gitlab_time(&at)),
        ..Deployment::default()
    });
    let ignored = (!matches!(status.as_str(), "success" | "failed"))
        .then(|| format!("deployment status \"{status}\" is not a final outcome"));
    (Some(forge), ignored)
}

fn release(payload: &Value) -> (Option<ForgeEvent>, Option<String>) {
    let action = text(payload, "/action").unwrap_or_default();
    let normalized = if action == "create" {
        "published"
    } else {
        action.as_str()
    };
    let mut forge = base(payload, "release", normalized);
    let tag = text(payload, "/tag").unwrap_or_default();
    forge.title = text(payload, "/name")
        .filter(|n| !n.is_empty())
        .or_else(|| Some(tag.clone()));
    forge.url = text(payload, "/url");
    forge.release = Some(Release {
        tag,
        name: text(payload, "/name"),
        prerelease: false,
        draft: false,
    });
    let ignored = (action != "create")
        .then(|| format!("release action \"{action}\" is not one Firewatch acts on"));
    (Some(forge), ignored)
}

/// GitLab's webhook times: `2021-04-28 21:50:00 +0200`, `2026-11-22 01:06:00 UTC`, or RFC 3339.
pub fn parse_gitlab_time(text: &str) -> Option<jiff::Timestamp> {
    if let Ok(at) = text.parse() {
        return Some(at);
    }
    let text = text
        .strip_suffix(" UTC")
        .map_or_else(|| text.to_owned(), |without| format!("{without} +0000"));
    jiff::fmt::strtime::parse("%Y-%m-%d %H:%M:%S %z", &text)
        .and_then(|parsed| parsed.to_timestamp())
        .ok()
}

#[cfg(test)]
mod time_tests {
    #[test]
    fn gitlab_times_in_each_of_their_shapes() {
        let at = |text: &str| super::parse_gitlab_time(text).map(|t| t.to_string());
        assert_eq!(
            at("2021-04-28 21:50:00 +0200").as_deref(),
            Some("2021-04-28T19:50:00Z")
        );
        assert_eq!(
            at("2026-11-22 01:06:00 UTC").as_deref(),
            Some("2026-11-22T01:06:00Z")
        );
        assert_eq!(
            at("2011-12-12T14:27:31+02:00").as_deref(),
            Some("2011-12-12T12:27:31Z")
        );
        assert_eq!(at("yesterday"), None);
    }
}
