//! What a forge event changes in the kept state: the pull/merge request it is about, and the
//! build outcome of a commit. Plain data in, plain data out.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use super::forge::{ForgeEvent, Outcome};

/// A pull/merge request as kept. `None` fields leave the stored value as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeState {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    /// `open`, `closed` or `merged`.
    pub state: String,
    pub draft: bool,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub head_sha: Option<String>,
    /// `approved` or `changes_requested` once someone reviewed; `None` keeps the stored value.
    pub review_state: Option<String>,
    pub requested_reviewers: Vec<String>,
    pub labels: Vec<String>,
    /// When first seen; only used when the row is new.
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    pub merge_commit_sha: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildState {
    pub source: String,
    pub repository: String,
    pub sha: String,
    pub name: String,
    pub outcome: Outcome,
    pub url: Option<String>,
    pub updated_at: Timestamp,
}

/// A pushed commit, first as it was pushed: `branch` is where it was first pushed, and
/// `parent` the commit before it in that push (the push's `before` for its first commit),
/// or `None` when the push does not say (a new branch, a forced push, a list cut short).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitState {
    pub repository: String,
    pub sha: String,
    pub parent: Option<String>,
    pub branch: Option<String>,
    pub committed_at: Option<Timestamp>,
    pub title: String,
    pub author: Option<String>,
}

/// A finished deployment, from a forge's deployment event or `POST /api/v1/deployments`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeploymentState {
    /// The event's id.
    pub id: String,
    pub source: String,
    pub repository: String,
    pub service: String,
    pub environment: String,
    pub version: Option<String>,
    pub sha: Option<String>,
    /// `success` or `failure`.
    pub status: Outcome,
    pub kind: crate::core::dora::DeployKind,
    /// The commits the sender listed; empty when they are to be found from `sha`.
    pub commits: Vec<String>,
    pub url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Timestamp,
    /// Who deployed, as the sender named them.
    pub actor: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateUpdate {
    Change(ChangeState),
    Build(BuildState),
    Commits(Vec<CommitState>),
    Deployment(DeploymentState),
    Review(ReviewState),
    /// What a CI event says of a pipeline run (merged into the stored run).
    Pipeline(PipelineState),
    /// A request merged: judged by the no-self-merge rule against its reviews so far.
    Merge(MergeState),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineState {
    pub source: String,
    pub repository: String,
    pub pipeline: crate::core::pipeline::Pipeline,
    pub at: Timestamp,
}

/// A reviewer's latest standing on a request (`approved`, `changes_requested`, `dismissed`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewState {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub reviewer: String,
    pub state: String,
    pub commit_sha: Option<String>,
    pub by_author: Option<bool>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MergeState {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    /// `None` when the payload does not say (GitLab's): the stored request's author is used.
    pub author: Option<String>,
    pub merged_by: Option<String>,
    pub head_sha: Option<String>,
    pub merged_at: Timestamp,
}

const ZERO_SHA: &str = "0000000000000000000000000000000000000000";

/// The state updates one normalized event (stored as `id`) implies.
pub fn updates(id: &str, source: &str, event: &ForgeEvent, at: Timestamp) -> Vec<StateUpdate> {
    let mut updates = Vec::new();
    if let Some(push) = event.push.as_ref().filter(|push| !push.deleted) {
        let listed_all = push.total_commits <= push.commits.len() as u64;
        let mut parent = push.before.clone().filter(|before| {
            listed_all && !push.forced && before != ZERO_SHA && !before.is_empty()
        });
        let commits: Vec<CommitState> = push
            .commits
            .iter()
            .filter(|commit| !commit.sha.is_empty())
            .map(|commit| CommitState {
                repository: event.repository.clone(),
                sha: commit.sha.clone(),
                parent: parent.replace(commit.sha.clone()),
                branch: event.branch.clone(),
                committed_at: commit.timestamp,
                title: commit.title.clone(),
                author: commit.author.clone(),
            })
            .collect();
        if !commits.is_empty() {
            updates.push(StateUpdate::Commits(commits));
        }
    }
    // A pipeline's deploy job has its own outcome, which may differ from the pipeline's.
    let deployed = event.deployment.as_ref().map(|deployment| {
        let own = deployment.state.as_deref().and_then(Outcome::parse);
        (
            deployment,
            own.filter(|o| matches!(o, Outcome::Success | Outcome::Failure))
                .or(event.outcome),
        )
    });
    if let Some((deployment, Some(outcome @ (Outcome::Success | Outcome::Failure)))) = deployed {
        let service = deployment.service.clone().unwrap_or_else(|| {
            // A repository no service claims deploys as the service of its own name.
            event
                .repository
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .to_owned()
        });
        updates.push(StateUpdate::Deployment(DeploymentState {
            id: id.to_owned(),
            source: source.to_owned(),
            repository: event.repository.clone(),
            service,
            environment: deployment.environment.clone(),
            version: deployment
                .version
                .clone()
                .or_else(|| deployment.reference.clone()),
            sha: deployment.sha.clone(),
            status: outcome,
            kind: deployment
                .kind
                .as_deref()
                .and_then(crate::core::dora::DeployKind::parse)
                .unwrap_or(crate::core::dora::DeployKind::Planned),
            commits: deployment.commits.clone(),
            url: event.url.clone(),
            started_at: deployment.started_at,
            finished_at: deployment.finished_at.unwrap_or(at),
            actor: event.actor.clone(),
        }));
    }
    if let (Some(change), Some(number)) = (&event.change, event.number) {
        let state = match event.action.as_str() {
            "merged" => "merged",
            "closed" => "closed",
            _ if change.merged => "merged",
            _ if change.state == "closed" => "closed",
            _ => "open",
        };
        let review_state = match (event.kind.as_str(), event.action.as_str()) {
            ("review", "approved") => Some("approved".to_owned()),
            ("review", "changes_requested") => Some("changes_requested".to_owned()),
            _ => None,
        };
        let author = change.author.clone().or_else(|| {
            (event.kind == "pull_request" && event.action == "opened")
                .then(|| event.actor.clone())
                .flatten()
        });
        updates.push(StateUpdate::Change(ChangeState {
            source: source.to_owned(),
            repository: event.repository.clone(),
            number: i64::try_from(number).unwrap_or(i64::MAX),
            title: event.title.clone().unwrap_or_default(),
            url: if event.kind == "pull_request" {
                event.url.clone()
            } else {
                None
            },
            author,
            state: state.to_owned(),
            draft: change.draft,
            head_branch: change.head_branch.clone(),
            base_branch: change.base_branch.clone(),
            head_sha: change.head_sha.clone(),
            review_state,
            requested_reviewers: change.requested_reviewers.clone(),
            labels: event.labels.clone(),
            opened_at: at,
            updated_at: at,
            merge_commit_sha: change.merge_commit_sha.clone(),
        }));
    }
    if let (Some(review), Some(number), Some(reviewer)) = (
        &event.review,
        event.number,
        event
            .review
            .as_ref()
            .and_then(|review| review.reviewer.clone()),
    ) {
        // A comment-only review changes nobody's standing.
        if matches!(
            review.state.as_str(),
            "approved" | "changes_requested" | "dismissed"
        ) {
            updates.push(StateUpdate::Review(ReviewState {
                source: source.to_owned(),
                repository: event.repository.clone(),
                number: i64::try_from(number).unwrap_or(i64::MAX),
                reviewer,
                state: review.state.clone(),
                commit_sha: review.commit_sha.clone(),
                by_author: review.by_author,
                at,
            }));
        }
    }
    if let (Some(change), Some(number), "pull_request", "merged" | "closed") = (
        &event.change,
        event.number,
        event.kind.as_str(),
        event.action.as_str(),
    ) {
        if change.merged {
            updates.push(StateUpdate::Merge(MergeState {
                source: source.to_owned(),
                repository: event.repository.clone(),
                number: i64::try_from(number).unwrap_or(i64::MAX),
                title: event.title.clone().unwrap_or_default(),
                url: event.url.clone(),
                author: change.author.clone(),
                merged_by: change.merged_by.clone().or_else(|| event.actor.clone()),
                head_sha: change.head_sha.clone(),
                merged_at: at,
            }));
        }
    }
    if let Some(pipeline) = event.pipeline.as_ref().filter(|p| !p.run.is_empty()) {
        updates.push(StateUpdate::Pipeline(PipelineState {
            source: source.to_owned(),
            repository: event.repository.clone(),
            pipeline: pipeline.clone(),
            at,
        }));
    }
    if let (Some(build), Some(outcome)) = (&event.build, event.outcome) {
        if let Some(sha) = &build.sha {
            updates.push(StateUpdate::Build(BuildState {
                source: source.to_owned(),
                repository: event.repository.clone(),
                sha: sha.clone(),
                name: build.name.clone(),
                outcome,
                url: event.url.clone(),
                updated_at: at,
            }));
        }
    }
    updates
}

/// A commit's CI state from its builds: any failure fails it, anything unfinished keeps it
/// pending, all passed (or skipped) passes it; no builds at all is unknown.
pub fn ci_state(outcomes: &[Outcome]) -> Option<Outcome> {
    if outcomes.is_empty() {
        None
    } else if outcomes.contains(&Outcome::Failure) {
        Some(Outcome::Failure)
    } else if outcomes.contains(&Outcome::Pending) {
        Some(Outcome::Pending)
    } else if outcomes
        .iter()
        .all(|o| *o == Outcome::Skipped || *o == Outcome::Cancelled)
    {
        Some(Outcome::Cancelled)
    } else {
        Some(Outcome::Success)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::forge::{Build, Change};

    fn pr(action: &str, merged: bool) -> ForgeEvent {
        ForgeEvent {
            kind: "pull_request".into(),
            action: action.into(),
            repository: "acme/api".into(),
            actor: Some("gyeongjun".into()),
            number: Some(42),
            title: Some("Fix".into()),
            change: Some(Change {
                state: if merged {
                    "closed".into()
                } else {
                    "open".into()
                },
                merged,
                head_sha: Some("abc".into()),
                ..Change::default()
            }),
            ..ForgeEvent::default()
        }
    }

    #[test]
    fn change_states_follow_the_action() {
        let at = Timestamp::UNIX_EPOCH;
        let state = |event: &ForgeEvent| match &updates("e1", "github", event, at)[0] {
            StateUpdate::Change(change) => (change.state.clone(), change.author.clone()),
            _ => panic!("a change"),
        };
        assert_eq!(
            state(&pr("opened", false)),
            ("open".into(), Some("gyeongjun".into()))
        );
        assert_eq!(state(&pr("merged", true)).0, "merged");
        assert_eq!(state(&pr("closed", false)).0, "closed");
    }

    #[test]
    fn builds_need_a_commit_and_combine_into_one_ci_state() {
        let mut event = ForgeEvent {
            kind: "build".into(),
            outcome: Some(Outcome::Failure),
            build: Some(Build {
                name: "CI".into(),
                sha: Some("abc".into()),
                ..Build::default()
            }),
            ..ForgeEvent::default()
        };
        assert_eq!(
            updates("e1", "github", &event, Timestamp::UNIX_EPOCH).len(),
            1
        );
        event.build.as_mut().unwrap().sha = None;
        assert!(updates("e1", "github", &event, Timestamp::UNIX_EPOCH).is_empty());

        use Outcome::*;
        assert_eq!(ci_state(&[]), None);
        assert_eq!(ci_state(&[Success, Failure, Pending]), Some(Failure));
        assert_eq!(ci_state(&[Success, Pending]), Some(Pending));
        assert_eq!(ci_state(&[Success, Skipped]), Some(Success));
    }
}
