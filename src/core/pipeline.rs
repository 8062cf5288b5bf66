//! CI pipelines as the pipelines board shows them (Jenkins' build pipeline view is the model):
//! a run of a pipeline on a commit, with its stages in order. GitHub's `workflow_run` is a
//! run and each `workflow_job` one of its stages (with the job's steps); GitLab's pipeline
//! event is a run with every job, grouped into its stages; a Jenkins build is a run of one
//! stage. Events arrive out of order and one at a time, so a run is the merge of what its
//! events said, and nothing moves back from finished to running.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// What one event says about a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pipeline {
    /// The run's id, unique within its repository and source (GitHub's run id, GitLab's
    /// pipeline id, Jenkins' job and build number).
    pub run: String,
    /// The workflow's, pipeline's or job's name; empty when this event does not say.
    pub name: String,
    pub sha: Option<String>,
    pub branch: Option<String>,
    /// The repository's default branch, as the sender says it.
    pub default_branch: Option<String>,
    /// The run's own status when this event tells it (`queued`, `running`, `success`,
    /// `failure`, `cancelled`, `skipped`, `manual`); a job's event does not.
    pub status: Option<String>,
    pub url: Option<String>,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// The commit's first line and author, when the payload carries them.
    pub commit_title: Option<String>,
    pub commit_author: Option<String>,
    #[serde(default)]
    pub stages: Vec<Stage>,
    /// `stages` is the whole list (GitLab's pipeline event), not one job's news.
    #[serde(default)]
    pub all_stages: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    pub name: String,
    pub status: String,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub url: Option<String>,
    /// A GitHub job's steps, or a GitLab stage's jobs.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub steps: Vec<Step>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub name: String,
    pub status: String,
}

impl Stage {
    pub fn duration_seconds(&self) -> Option<i64> {
        Some(
            self.finished_at?
                .duration_since(self.started_at?)
                .as_secs()
                .max(0),
        )
    }
}

/// How far a status has come: a later event never moves a finished run or stage back.
fn rank(status: &str) -> u8 {
    match status {
        "queued" | "manual" => 0,
        "running" => 1,
        _ => 2,
    }
}

/// Whether `status` ended the run or stage.
pub fn finished(status: &str) -> bool {
    rank(status) == 2
}

/// GitHub's `status` and `conclusion` of a run, job or step.
pub fn github_status(status: Option<&str>, conclusion: Option<&str>) -> String {
    match (status, conclusion) {
        (_, Some("success")) => "success",
        (_, Some("failure" | "timed_out" | "startup_failure" | "action_required")) => "failure",
        (_, Some("cancelled" | "stale")) => "cancelled",
        (_, Some("skipped" | "neutral")) => "skipped",
        (Some("in_progress"), _) => "running",
        _ => "queued",
    }
    .to_owned()
}

/// GitLab's pipeline and job statuses.
pub fn gitlab_status(status: &str) -> String {
    match status {
        "success" => "success",
        "failed" => "failure",
        "canceled" | "canceling" => "cancelled",
        "skipped" => "skipped",
        "manual" => "manual",
        "running" => "running",
        _ => "queued",
    }
    .to_owned()
}

/// A run's status from its stages, when no event told it: a failure fails it, anything
/// unfinished keeps it running, all done is success.
fn from_stages(stages: &[Stage]) -> String {
    if stages.iter().any(|stage| stage.status == "failure") {
        "failure".into()
    } else if stages.iter().any(|stage| !finished(&stage.status)) {
        if stages.iter().any(|stage| stage.status == "running") {
            "running".into()
        } else {
            "queued".into()
        }
    } else if stages.iter().all(|stage| stage.status == "cancelled") && !stages.is_empty() {
        "cancelled".into()
    } else {
        "success".into()
    }
}

fn newer(old: &str, new: &str) -> bool {
    rank(new) >= rank(old)
}

/// A run as stored, with what a new event says of it merged in.
pub fn merge(stored: Option<Pipeline>, update: Pipeline) -> Pipeline {
    let Some(mut run) = stored else {
        let mut run = update;
        if run.status.is_none() {
            run.status = Some(from_stages(&run.stages));
        }
        return run;
    };
    let keep = |old: &mut Option<String>, new: Option<String>| {
        if new.is_some() {
            *old = new;
        }
    };
    if !update.name.is_empty() {
        run.name = update.name;
    }
    keep(&mut run.sha, update.sha);
    keep(&mut run.branch, update.branch);
    keep(&mut run.default_branch, update.default_branch);
    keep(&mut run.url, update.url);
    keep(&mut run.commit_title, update.commit_title);
    keep(&mut run.commit_author, update.commit_author);
    run.started_at = match (run.started_at, update.started_at) {
        (Some(old), Some(new)) => Some(old.min(new)),
        (old, new) => old.or(new),
    };
    if update.finished_at.is_some() {
        run.finished_at = update.finished_at;
    }
    if update.all_stages {
        // The whole list, but a stage already finished keeps its result.
        let mut stages = update.stages;
        for stage in &mut stages {
            if let Some(old) = run.stages.iter().find(|old| old.name == stage.name) {
                if !newer(&old.status, &stage.status) {
                    *stage = old.clone();
                }
            }
        }
        run.stages = stages;
    } else {
        for stage in update.stages {
            match run.stages.iter_mut().find(|old| old.name == stage.name) {
                Some(old) if newer(&old.status, &stage.status) => *old = stage,
                Some(_) => {}
                None => run.stages.push(stage),
            }
        }
    }
    run.status = match (run.status.take(), update.status) {
        (Some(old), Some(new)) if newer(&old, &new) => Some(new),
        (Some(old), Some(_)) => Some(old),
        (None, Some(new)) => Some(new),
        (Some(old), None) if finished(&old) => Some(old),
        (_, None) => Some(from_stages(&run.stages)),
    };
    run
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(name: &str, status: &str) -> Stage {
        Stage {
            name: name.into(),
            status: status.into(),
            ..Stage::default()
        }
    }

    fn job(name: &str, status: &str) -> Pipeline {
        Pipeline {
            run: "7".into(),
            stages: vec![stage(name, status)],
            ..Pipeline::default()
        }
    }

    #[test]
    fn jobs_merge_into_their_run_in_any_order_and_never_move_back() {
        let run = merge(None, job("build", "running"));
        assert_eq!(run.status.as_deref(), Some("running"));
        let run = merge(Some(run), job("test", "queued"));
        let run = merge(Some(run), job("build", "success"));
        // A late "in progress" for a job that already finished changes nothing.
        let run = merge(Some(run), job("build", "running"));
        assert_eq!(run.stages[0], stage("build", "success"));
        assert_eq!(
            run.status.as_deref(),
            Some("queued"),
            "test has not started"
        );
        let run = merge(Some(run), job("test", "failure"));
        assert_eq!(run.status.as_deref(), Some("failure"));
        // The workflow run's own event names it and says how it ended.
        let finished = Pipeline {
            run: "7".into(),
            name: "CI".into(),
            status: Some("failure".into()),
            url: Some("https://github.com/acme/api/actions/runs/7".into()),
            ..Pipeline::default()
        };
        let run = merge(Some(run), finished);
        assert_eq!(run.name, "CI");
        assert_eq!(
            run.stages
                .iter()
                .map(|s| s.name.as_str())
                .collect::<Vec<_>>(),
            ["build", "test"]
        );
        let late = Pipeline {
            run: "7".into(),
            status: Some("running".into()),
            ..Pipeline::default()
        };
        assert_eq!(
            merge(Some(run), late).status.as_deref(),
            Some("failure"),
            "a late in-progress event does not reopen a finished run"
        );
    }

    #[test]
    fn a_whole_list_replaces_the_stages_but_keeps_finished_results() {
        let first = Pipeline {
            run: "1".into(),
            status: Some("running".into()),
            stages: vec![stage("build", "success"), stage("test", "running")],
            all_stages: true,
            ..Pipeline::default()
        };
        let stale = Pipeline {
            run: "1".into(),
            status: Some("running".into()),
            stages: vec![stage("build", "running"), stage("test", "queued")],
            all_stages: true,
            ..Pipeline::default()
        };
        let run = merge(Some(merge(None, first)), stale);
        assert_eq!(
            run.stages,
            [stage("build", "success"), stage("test", "running")]
        );
    }

    #[test]
    fn statuses_from_each_forge() {
        assert_eq!(
            github_status(Some("completed"), Some("timed_out")),
            "failure"
        );
        assert_eq!(github_status(Some("in_progress"), None), "running");
        assert_eq!(github_status(Some("queued"), None), "queued");
        assert_eq!(gitlab_status("failed"), "failure");
        assert_eq!(gitlab_status("created"), "queued");
        assert_eq!(gitlab_status("manual"), "manual");
    }
}
