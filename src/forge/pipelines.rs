//! The pipelines board (Jenkins' build pipeline view is the model): per repository, the
//! default branch's recent commits as rows, each pipeline run on that commit with its stages
//! in order, their status, duration and link. The runs are kept by the forge projection
//! (`core::pipeline::merge`), so the board only reads; the page refreshes itself as events
//! arrive.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::store::forge::PipelineRow;
use crate::store::{Store, StoreError};

/// Commits a board shows by default, and at most.
pub const COMMITS: i64 = 15;
const MOST_COMMITS: i64 = 100;

#[derive(Debug, Clone, Serialize)]
pub struct Board {
    pub repository: String,
    pub branch: String,
    pub items: Vec<CommitRow>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommitRow {
    pub repository: String,
    pub branch: String,
    pub commit: String,
    pub title: Option<String>,
    pub author: Option<String>,
    /// When its first run began (or its first event arrived).
    pub at: Timestamp,
    pub runs: Vec<RunView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RunView {
    /// `github`, `gitlab`, `jenkins`.
    pub source: String,
    pub name: String,
    pub url: Option<String>,
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub duration_seconds: Option<i64>,
    pub stages: Vec<StageView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageView {
    pub name: String,
    pub status: String,
    pub duration_seconds: Option<i64>,
    pub url: Option<String>,
    pub steps: Vec<crate::core::pipeline::Step>,
}

/// The board's parameters as a request gives them.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PipelinesQuery {
    pub repo: Option<String>,
    pub branch: Option<String>,
    pub commits: Option<String>,
}

impl PipelinesQuery {
    /// How many commits, checked.
    pub fn commits(&self) -> Result<i64, String> {
        match self.commits.as_deref().filter(|text| !text.is_empty()) {
            None => Ok(COMMITS),
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|count| (1..=MOST_COMMITS).contains(count))
                .ok_or_else(|| format!("commits must be a number from 1 to {MOST_COMMITS}")),
        }
    }
}

fn run_view(row: &PipelineRow) -> RunView {
    let run = &row.pipeline;
    RunView {
        source: row.source.clone(),
        name: if run.name.is_empty() {
            row.source.clone()
        } else {
            run.name.clone()
        },
        url: run.url.clone(),
        status: run.status.clone().unwrap_or_else(|| "queued".into()),
        started_at: run.started_at,
        finished_at: run.finished_at,
        duration_seconds: run
            .finished_at
            .zip(run.started_at)
            .map(|(end, start)| end.duration_since(start).as_secs().max(0)),
        stages: run
            .stages
            .iter()
            .map(|stage| StageView {
                name: stage.name.clone(),
                status: stage.status.clone(),
                duration_seconds: stage.duration_seconds(),
                url: stage.url.clone(),
                steps: stage.steps.clone(),
            })
            .collect(),
    }
}

/// Groups runs into their commits, newest commit first.
pub fn rows(repository: &str, branch: &str, runs: &[PipelineRow]) -> Vec<CommitRow> {
    let mut items: Vec<CommitRow> = Vec::new();
    for row in runs {
        let Some(sha) = row.pipeline.sha.clone() else {
            continue;
        };
        let at = row.pipeline.started_at.unwrap_or(row.first_seen);
        let index = match items.iter().position(|item| item.commit == sha) {
            Some(index) => index,
            None => {
                items.push(CommitRow {
                    repository: repository.to_owned(),
                    branch: branch.to_owned(),
                    commit: sha,
                    title: None,
                    author: None,
                    at,
                    runs: Vec::new(),
                });
                items.len() - 1
            }
        };
        let item = &mut items[index];
        item.at = item.at.min(at);
        item.title = item
            .title
            .take()
            .or_else(|| row.pipeline.commit_title.clone())
            .or_else(|| row.commit_title.clone());
        item.author = item
            .author
            .take()
            .or_else(|| row.pipeline.commit_author.clone())
            .or_else(|| row.commit_author.clone());
        item.runs.push(run_view(row));
    }
    for item in &mut items {
        item.runs.sort_by(|a, b| {
            (a.source.as_str(), a.name.as_str()).cmp(&(b.source.as_str(), b.name.as_str()))
        });
    }
    items.sort_by(|a, b| b.at.cmp(&a.at).then_with(|| a.commit.cmp(&b.commit)));
    items
}

/// The boards asked for: one repository's (on `branch`, else its default branch), or every
/// repository's with runs, the most recently active first (at most 10).
pub async fn boards(
    store: &Store,
    repository: Option<&str>,
    branch: Option<&str>,
    commits: i64,
) -> Result<Vec<Board>, StoreError> {
    let known = store.pipeline_repositories().await?;
    let chosen: Vec<(String, Option<String>)> = match repository {
        Some(repository) => vec![(
            repository.to_owned(),
            known
                .iter()
                .find(|known| known.repository == repository)
                .and_then(|known| known.default_branch.clone()),
        )],
        None => known
            .into_iter()
            .take(10)
            .map(|known| (known.repository, known.default_branch))
            .collect(),
    };
    let mut boards = Vec::with_capacity(chosen.len());
    for (repository, default_branch) in chosen {
        let branch = branch
            .map(str::to_owned)
            .or(default_branch)
            .unwrap_or_else(|| "main".into());
        let runs = store.pipeline_runs(&repository, &branch, commits).await?;
        let items = rows(&repository, &branch, &runs);
        boards.push(Board {
            repository,
            branch,
            items,
        });
    }
    Ok(boards)
}
