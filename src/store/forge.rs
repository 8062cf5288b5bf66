//! What the forge domain keeps: the projector's position, pull/merge request and build state.

use jiff::Timestamp;
use serde::Serialize;

/// Where the state projector has read to: events are read in (tx, seq) order, the order in
/// which their transactions can no longer be overtaken (see `migrations/*/0013`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct ForgePosition {
    /// The storing transaction's id on PostgreSQL; always 0 on SQLite.
    pub tx: i64,
    pub seq: i64,
}

/// A stored forge event for the state projector.
#[derive(Debug, Clone)]
pub struct ForgeRecord {
    pub position: ForgePosition,
    /// The event's id.
    pub id: String,
    pub source: String,
    pub received_at: Timestamp,
    /// `None` when this version cannot read the record; the projection moves past it.
    pub event: Option<crate::core::forge::ForgeEvent>,
}

/// An open pull/merge request with the CI state of its head commit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpenChange {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub draft: bool,
    pub head_branch: Option<String>,
    pub base_branch: Option<String>,
    pub review_state: Option<String>,
    pub requested_reviewers: Vec<String>,
    pub labels: Vec<String>,
    pub opened_at: Timestamp,
    pub ci: Option<crate::core::forge::Outcome>,
}

/// A merged pull/merge request (its last update is the merge).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct MergedChange {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub merged_at: Timestamp,
}

/// What a pull request command did about one CI target (or, with an empty target, that it
/// was refused or named nothing Firewatch knows).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PrTrigger {
    /// `{command_key}|{target}`.
    pub id: String,
    /// The comment it answers: `{source}:{repository}#{number}:{comment id}`.
    pub command_key: String,
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub target: String,
    /// Whose build results answer it (`jenkins`, `github`, `gitlab`); `None` (a webhook's):
    /// none, its result is not followed.
    pub expects: Option<String>,
    pub sha: Option<String>,
    pub branch: Option<String>,
    pub requested_by: Option<String>,
    pub requested_at: Timestamp,
    pub state: TriggerState,
    /// The queued build's link, or why it could not start.
    pub detail: Option<String>,
    pub outcome: Option<String>,
    pub outcome_url: Option<String>,
    pub build_name: Option<String>,
    pub finished_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TriggerState {
    Started,
    /// The CI refused it (its answer is in `detail`).
    Failed,
    /// The commenter is not trusted.
    Refused,
    /// The command named targets none of which exist (`detail` lists them).
    Unknown,
}

impl TriggerState {
    pub fn as_str(self) -> &'static str {
        match self {
            TriggerState::Started => "started",
            TriggerState::Failed => "failed",
            TriggerState::Refused => "refused",
            TriggerState::Unknown => "unknown",
        }
    }

    pub fn parse(text: &str) -> TriggerState {
        match text {
            "started" => TriggerState::Started,
            "refused" => TriggerState::Refused,
            "unknown" => TriggerState::Unknown,
            _ => TriggerState::Failed,
        }
    }
}

/// A merge as the no-self-merge rule judged it when it was projected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MergeReview {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    pub merged_by: Option<String>,
    pub head_sha: Option<String>,
    pub merged_at: Timestamp,
    /// `None`: someone other than its author approved its final head.
    pub finding: Option<crate::core::review_rule::Finding>,
}

/// A pipeline run as stored for the board, with the pushed commit's words when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRow {
    pub source: String,
    pub repository: String,
    pub pipeline: crate::core::pipeline::Pipeline,
    /// When its first event arrived: the board's order.
    pub first_seen: Timestamp,
    pub commit_title: Option<String>,
    pub commit_author: Option<String>,
}

/// A repository with runs, and the default branch its senders named last.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PipelineRepository {
    pub repository: String,
    pub default_branch: Option<String>,
    pub last_seen: Timestamp,
}

#[async_trait::async_trait]
pub trait ForgeStore {
    /// Repositories with pipeline runs, the most recently active first.
    async fn pipeline_repositories(
        &self,
    ) -> crate::store::Result<Vec<crate::store::forge::PipelineRepository>>;

    /// The runs of the `commits` most recent commits (by their first run) on a branch.
    async fn pipeline_runs(
        &self,
        repository: &str,
        branch: &str,
        commits: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::PipelineRow>>;

    /// Merges in `[from, to)`, of one repository or all, newest first.
    async fn merge_reviews(
        &self,
        repository: Option<&str>,
        from: Timestamp,
        to: Timestamp,
    ) -> crate::store::Result<Vec<crate::store::forge::MergeReview>>;

    async fn get_merge_review(
        &self,
        source: &str,
        repository: &str,
        number: i64,
    ) -> crate::store::Result<crate::store::forge::MergeReview>;

    /// What the command of `command_key` did so far, in target order.
    async fn pr_triggers(
        &self,
        command_key: &str,
    ) -> crate::store::Result<Vec<crate::store::forge::PrTrigger>>;

    async fn get_pr_trigger(
        &self,
        id: &str,
    ) -> crate::store::Result<crate::store::forge::PrTrigger>;

    /// Stores the rows (replacing any with the same id) and sets `timers`, in one transaction.
    async fn save_pr_triggers(
        &self,
        rows: &[crate::store::forge::PrTrigger],
        timers: &[crate::store::Timer],
        now: Timestamp,
    ) -> crate::store::Result<()>;

    /// Forge events after `position` whose transactions have settled, in position order. On
    /// PostgreSQL an event stored by a transaction that an older, still running one could
    /// overtake waits for it: reading it now would move the position past what that one adds.
    async fn forge_events_after(
        &self,
        after: crate::store::forge::ForgePosition,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::ForgeRecord>>;

    async fn projection_position(
        &self,
        name: &str,
    ) -> crate::store::Result<crate::store::forge::ForgePosition>;

    /// Applies state updates and moves the projection to `position`, in one transaction.
    async fn apply_state(
        &self,
        updates: &[crate::core::forge_state::StateUpdate],
        projection: &str,
        position: crate::store::forge::ForgePosition,
    ) -> crate::store::Result<()>;

    /// Open pull/merge requests, oldest first per repository.
    async fn open_changes(&self) -> crate::store::Result<Vec<crate::store::forge::OpenChange>>;

    /// Pull/merge requests merged in `[from, to)`, newest first, at most `limit`.
    async fn merged_changes(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::MergedChange>>;
}
