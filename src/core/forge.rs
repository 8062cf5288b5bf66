//! Forge events (pull/merge requests, pushes, reviews, CI, releases, tags, deployments,
//! comments) in one shape that GitHub's and GitLab's payloads both map to. Routes, messages
//! and later the pull-request state read this, never the raw payloads.

use serde::{Deserialize, Serialize};

/// The normalized record kept beside the raw payload.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForgeEvent {
    /// `pull_request`, `push`, `review`, `build`, `release`, `tag`, `branch`, `deployment`,
    /// `comment`.
    pub kind: String,
    /// What happened: `opened`, `merged`, `closed`, `reopened`, `synchronize`,
    /// `ready_for_review`, `review_requested`, `pushed`, `created`, `deleted`, `completed`,
    /// `approved`, `changes_requested`, `commented`, `published`…
    pub action: String,
    /// `owner/name` (GitLab: the project's full path).
    pub repository: String,
    pub repository_url: Option<String>,
    /// Who did it.
    pub actor: Option<String>,
    pub branch: Option<String>,
    /// Where a person reads more.
    pub url: Option<String>,
    pub title: Option<String>,
    pub number: Option<u64>,
    #[serde(default)]
    pub labels: Vec<String>,
    pub outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub push: Option<Push>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub build: Option<Build>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub release: Option<Release>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deployment: Option<Deployment>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review: Option<Review>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comment: Option<Comment>,
    /// What a CI event says of a pipeline run, for the pipelines board.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pipeline: Option<crate::core::pipeline::Pipeline>,
}

/// How a build or deployment ended (or that it has not yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Success,
    Failure,
    Cancelled,
    Pending,
    Skipped,
}

impl Outcome {
    pub fn parse(text: &str) -> Option<Outcome> {
        Some(match text {
            "success" => Outcome::Success,
            "failure" => Outcome::Failure,
            "cancelled" => Outcome::Cancelled,
            "pending" => Outcome::Pending,
            "skipped" => Outcome::Skipped,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Failure => "failure",
            Outcome::Cancelled => "cancelled",
            Outcome::Pending => "pending",
            Outcome::Skipped => "skipped",
        }
    }
}

/// A pull request (GitHub) or merge request (GitLab).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub author: Option<String>,
    pub state: String,
    pub draft: bool,
    pub merged: bool,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub head_sha: Option<String>,
    #[serde(default)]
    pub requested_reviewers: Vec<String>,
    /// For `review_requested`: who was just asked.
    pub requested_reviewer: Option<String>,
    pub merged_by: Option<String>,
    /// The commit the merge made on the base branch (GitLab: the squash commit when squashed):
    /// a deployment that ships it counts the request's first commit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merge_commit_sha: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Push {
    /// `branch` or `tag`.
    pub ref_type: String,
    pub before: Option<String>,
    pub after: Option<String>,
    pub compare_url: Option<String>,
    pub forced: bool,
    pub created: bool,
    pub deleted: bool,
    pub commits: Vec<Commit>,
    /// Commits in the push; the payload may list fewer (GitHub lists at most 20).
    pub total_commits: u64,
    /// The repository's default branch, as the sender says it: a push to it is a change
    /// "what changed" lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_branch: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Commit {
    pub sha: String,
    /// The first line of the message.
    pub title: String,
    pub author: Option<String>,
    pub url: Option<String>,
    /// When it was committed, as the sender says: lead time counts from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Build {
    /// The check, workflow, pipeline or status context.
    pub name: String,
    pub sha: Option<String>,
    /// The provider's own status and conclusion words, as sent.
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub run_number: Option<u64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Release {
    pub tag: String,
    pub name: Option<String>,
    pub prerelease: bool,
    pub draft: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployment {
    pub environment: String,
    pub sha: Option<String>,
    pub reference: Option<String>,
    /// The provider's state word (`success`, `failure`, `in_progress`…).
    pub state: Option<String>,
    pub description: Option<String>,
    /// The service deployed: given by `POST /api/v1/deployments`, or the service whose
    /// `repos` hold the repository (set at intake, where the config is known).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// `planned`, `hotfix`, `rollback` or `revert`; none reads as planned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// The commits it ships, when the sender lists them; otherwise they are found from `sha`
    /// back through the stored pushes to the previous deployment.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub commits: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<jiff::Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<jiff::Timestamp>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    /// `approved`, `changes_requested`, `commented`, `dismissed`.
    pub state: String,
    pub reviewer: Option<String>,
    pub body: Option<String>,
    pub commit_sha: Option<String>,
    /// Whether the reviewer is the request's author, when the payload says (the no-self-merge
    /// rule).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub by_author: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Comment {
    pub body: String,
    pub author: Option<String>,
    /// GitHub's `author_association` (OWNER, MEMBER, COLLABORATOR…), for trusted commands.
    pub association: Option<String>,
    /// True when the comment is on a pull/merge request rather than an issue.
    pub on_change: bool,
    /// The forge's id of the comment (GitHub's comment id, GitLab's note id): a command is
    /// acted on once per comment, however often it is delivered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<u64>,
    /// The commenter's numeric id (GitLab: its members API is asked about it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub author_id: Option<u64>,
    /// The request's head commit and branch when the payload says (GitLab's note on a merge
    /// request does; GitHub's `issue_comment` does not, so its pull request is asked).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_sha: Option<String>,
}

/// The first line of a commit message or title, trimmed.
pub fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").trim().to_owned()
}

/// `refs/heads/main` → (`branch`, `main`); `refs/tags/v1` → (`tag`, `v1`).
pub fn split_ref(reference: &str) -> (&'static str, &str) {
    if let Some(branch) = reference.strip_prefix("refs/heads/") {
        ("branch", branch)
    } else if let Some(tag) = reference.strip_prefix("refs/tags/") {
        ("tag", tag)
    } else {
        ("branch", reference)
    }
}

/// A clone address's repository path, as forges name repositories: `owner/name` (GitLab:
/// `group/subgroup/name`). Takes `https://host/owner/name.git`, `ssh://git@host/owner/name`
/// and scp-like `git@host:owner/name.git`.
pub fn repository_from_url(url: &str) -> Option<String> {
    let url = url.trim();
    let path = match url.split_once("://") {
        Some((_, rest)) => rest.split_once('/')?.1,
        // scp-like: `user@host:path`; a bare path is not an address.
        None => {
            url.split_once(':')
                .filter(|(host, _)| !host.contains('/'))?
                .1
        }
    };
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let path = path.trim_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    (!path.is_empty()).then(|| path.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clone_address_names_its_repository() {
        for (url, expected) in [
            ("https://github.com/acme/api.git", Some("acme/api")),
            (
                "https://gitlab.example.com/group/sub/api",
                Some("group/sub/api"),
            ),
            ("git@github.com:acme/api.git", Some("acme/api")),
            ("ssh://git@github.com/acme/api.git/", Some("acme/api")),
            ("https://github.com/", None),
            ("api", None),
        ] {
            assert_eq!(repository_from_url(url).as_deref(), expected, "{url}");
        }
    }

    #[test]
    fn refs_and_first_lines() {
        assert_eq!(
            split_ref("refs/heads/release/1.2"),
            ("branch", "release/1.2")
        );
        assert_eq!(split_ref("refs/tags/v1.0.0"), ("tag", "v1.0.0"));
        assert_eq!(first_line("Fix login\n\nLonger text"), "Fix login");
    }
}
