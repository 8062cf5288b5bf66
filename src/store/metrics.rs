//! What the deployments domain keeps: finished deployments and the changes each shipped.

use jiff::Timestamp;
use serde::Serialize;

/// A finished deployment as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deployment {
    /// The deployment event's id: what an incident's `causing_deployment` names.
    pub id: String,
    pub source: String,
    pub repository: String,
    pub service: String,
    pub environment: String,
    pub version: Option<String>,
    pub sha: Option<String>,
    /// `success` or `failure`.
    pub status: String,
    /// `planned`, `hotfix`, `rollback` or `revert`.
    pub kind: String,
    pub url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Timestamp,
    /// `seed` (the first of its service and environment), `unknown` (its commits are not in
    /// the stored pushes), `known`, or `none` for a failed deployment.
    pub changes: String,
    pub change_count: i64,
    /// Who deployed, as the sender named them.
    pub actor: Option<String>,
}

/// A pull or merge request merged but not yet shipped to production.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Waiting {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub author: Option<String>,
    /// The commit the merge made on the base branch (or its squash commit).
    pub commit: String,
    pub merged_at: Timestamp,
}

/// A merged pull/merge request whose merge commit a deployment shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippedPull {
    pub source: String,
    pub repository: String,
    pub number: i64,
    pub title: String,
    pub url: Option<String>,
    pub head_branch: Option<String>,
}

/// A change a deployment shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ShippedChange {
    pub sha: String,
    /// When the change was first committed (a merged pull request's first commit), when known.
    pub first_commit_at: Option<Timestamp>,
    pub title: Option<String>,
    pub author: Option<String>,
    pub repository: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct DeploymentFilter {
    pub services: Option<Vec<String>>,
    pub environment: Option<String>,
    pub from: Option<Timestamp>,
    pub to: Option<Timestamp>,
    /// Only deployments before this sequence number (the cursor).
    pub before: Option<i64>,
    pub limit: i64,
}

/// What the DORA query reads, for the services asked about.
#[derive(Debug, Clone, Default)]
pub struct DoraFacts {
    pub deployments: Vec<crate::core::dora::Deployment>,
    pub incidents: Vec<crate::core::dora::Incident>,
}

#[async_trait::async_trait]
pub trait MetricsStore {
    /// Newest first, with each row's sequence number for the next page.
    async fn list_deployments(
        &self,
        filter: &DeploymentFilter,
    ) -> crate::store::Result<Vec<(i64, crate::store::metrics::Deployment)>>;

    /// The merged pull/merge requests whose merge commits the deployment shipped.
    async fn shipped_pulls(
        &self,
        deployment_id: &str,
    ) -> crate::store::Result<Vec<crate::store::metrics::ShippedPull>>;

    /// Whether a comment on `issue` about `subject` was made.
    async fn ticket_commented(&self, issue: &str, subject: &str) -> crate::store::Result<bool>;

    /// Records that it was.
    async fn mark_ticket_comment(
        &self,
        issue: &str,
        subject: &str,
        at: Timestamp,
    ) -> crate::store::Result<()>;

    async fn get_deployment(
        &self,
        id: &str,
    ) -> crate::store::Result<(
        crate::store::metrics::Deployment,
        Vec<crate::store::metrics::ShippedChange>,
    )>;

    /// Successful deployments finished in `[from, to)` of the services (all when `None`) and
    /// environments given, and the incidents that started in `[from, to)`.
    async fn dora_facts(
        &self,
        services: Option<&[String]>,
        environments: &[String],
        from: Timestamp,
        to: Timestamp,
    ) -> crate::store::Result<crate::store::metrics::DoraFacts>;

    /// The latest successful deployment of each service and environment.
    async fn deployed_now(&self) -> crate::store::Result<Vec<crate::store::metrics::Deployment>>;

    /// Pull requests merged into `repositories` since `service` first reached one of
    /// `environments` whose merge commit no successful deployment of it to them has shipped,
    /// oldest first; none while it has never been there.
    async fn waiting_to_ship(
        &self,
        service: &str,
        repositories: &[String],
        environments: &[String],
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::metrics::Waiting>>;

    /// The incidents of the services (all when `None`) that started in `[from, to)`, except
    /// those declined or merged, with their post-mortems' states; and the action items of
    /// those services' incidents made before `to`.
    async fn ops_facts(
        &self,
        services: Option<&[String]>,
        from: Timestamp,
        to: Timestamp,
    ) -> crate::store::Result<(
        Vec<crate::core::operations::Incident>,
        Vec<crate::core::operations::ActionItem>,
    )>;
}
