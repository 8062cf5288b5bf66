//! The job runner's queue: delivery jobs and every domain's timers, leased by workers.

use jiff::Timestamp;
use serde::Serialize;

/// A unit of work in the durable job table: a delivery now, or a timer later.
#[derive(Debug, Clone)]
pub struct NewJob {
    pub kind: String,
    /// Jobs with the same queue run one at a time in insertion order.
    pub queue: Option<String>,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub payload: String,
    pub run_at: Timestamp,
    pub expires_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct ClaimedJob {
    pub seq: i64,
    pub kind: String,
    pub queue: Option<String>,
    pub destination: Option<String>,
    pub event_id: Option<String>,
    pub payload: String,
    /// Attempts finished before this one.
    pub attempts: i32,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// A job with no queue due at `at`, made once per `key`: how a domain asks for something to
/// happen later (a reminder, a check, a draft), in the transaction of what it changed.
#[derive(Debug, Clone)]
pub struct Timer {
    pub kind: JobKind,
    pub payload: String,
    pub at: Timestamp,
    pub key: String,
}

/// The timers one domain sets for another's job: the job kind and payload are the message,
/// written here once for the side that sets them and the side that runs them.
impl Timer {
    /// Drafts the incident's post-mortem (`postmortems::ops::ensure_draft`) once it resolves.
    pub fn postmortem_draft(incident_id: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::PostmortemDraft,
            payload: serde_json::json!({ "incident": incident_id }).to_string(),
            at: now,
            key: format!("postmortem-draft:{incident_id}"),
        }
    }

    /// Gives a declared incident its own channel on a chat app (`oncall::channels::open`).
    pub fn incident_channel(incident_id: &str, app: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::IncidentChannel,
            payload: serde_json::json!({ "incident": incident_id, "app": app }).to_string(),
            at: now,
            key: format!("incident-channel:{incident_id}:{app}"),
        }
    }

    /// Tells the status page's subscribers of a public update or resolution
    /// (`statuspage::subscribers`); one per incident and instant.
    pub fn status_fanout(incident_id: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::StatusFanout,
            payload: serde_json::json!({ "incident": incident_id, "at": now.as_millisecond() })
                .to_string(),
            at: now,
            key: format!("status-fanout:{incident_id}:{}", now.as_millisecond()),
        }
    }
}

impl Timer {
    /// Answers on the pull request what a command did (`forge::commands`).
    pub fn command_answer(command_key: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::ForgeComment,
            payload: serde_json::json!({ "command": command_key }).to_string(),
            at: now,
            key: format!("forge-comment:{command_key}"),
        }
    }

    /// Tells the pull request how the build a command started ended; set by the forge
    /// projection when the build's result arrives.
    pub fn build_outcome_answer(trigger_id: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::ForgeComment,
            payload: serde_json::json!({ "trigger": trigger_id }).to_string(),
            at: now,
            key: format!("forge-comment:outcome:{trigger_id}"),
        }
    }
}

impl Timer {
    /// Tells the routes (kind `review_finding`) of a merge that was not independently
    /// reviewed; set by the forge projection that judged it.
    pub fn review_finding(source: &str, repository: &str, number: i64, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::ReviewFinding,
            payload: serde_json::json!({
                "source": source, "repository": repository, "number": number,
            })
            .to_string(),
            at: now,
            key: format!("review-finding:{source}:{repository}#{number}"),
        }
    }
}

impl Timer {
    /// Set by the projection of a successful deployment: the job tells the tracker (Jira)
    /// which of its issues reached production, when the config asks for that.
    pub fn deployment_shipped(deployment_id: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::DeploymentShipped,
            payload: serde_json::json!({ "deployment": deployment_id }).to_string(),
            at: now,
            key: format!("deployment-shipped:{deployment_id}"),
        }
    }
}

impl Timer {
    /// Set with the decision of a change that stands for something outside Firewatch.
    pub fn change_decided(change_id: &str, now: Timestamp) -> Timer {
        Timer {
            kind: JobKind::ChangeDecided,
            payload: serde_json::json!({ "change": change_id }).to_string(),
            at: now,
            key: format!("change-decided:{change_id}"),
        }
    }
}

/// Every kind of job, with the name stored in `jobs.kind`. A new kind is one line here; the
/// runner's dispatch (`runner::Runner::execute`) then fails to compile until it handles it.
macro_rules! job_kinds {
    ($($(#[$doc:meta])* $variant:ident = $name:literal,)*) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum JobKind {
            $($(#[$doc])* $variant,)*
        }

        impl JobKind {
            pub const ALL: &'static [JobKind] = &[$(JobKind::$variant,)*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(JobKind::$variant => $name,)*
                }
            }

            /// `None` for a kind this version does not know (a newer replica's).
            pub fn parse(name: &str) -> Option<JobKind> {
                match name {
                    $($name => Some(JobKind::$variant),)*
                    _ => None,
                }
            }
        }
    };
}

job_kinds! {
    /// One event's notification to one destination (`destination:<name>` queue).
    Deliver = "deliver",
    /// The alert reports of one event, applied in arrival order (the `alerts` queue).
    Alert = "alert",
    /// A silence starting or ending: the alerts it covers change state.
    SilenceCheck = "silence_check",
    /// Resolves the open alerts whose `endsAt` passed without a re-send. Due as a timer, it
    /// queues itself behind the reports already stored (`alerts` queue), so a re-send that
    /// arrived in time is applied before the sweep decides.
    AlertExpiry = "alert_expiry",
    /// A notification group's flush (payload `{"group": key}`).
    AlertGroup = "alert_group",
    /// Whether a flapping alert has settled (payload `{"alert": id}`).
    FlapCheck = "flap_check",
    /// Whether an alert needs a task (payload `{"alert": id}`).
    TaskCheck = "task_check",
    /// One run of a built-in check (payload `{"check": name}`).
    CheckRun = "check_run",
    /// One occurrence of a digest (`digest:<name>` queue).
    Digest = "digest",
    /// One step of an escalation (payload `{"escalation": id, "step": n, "round": n}`).
    EscalationStep = "escalation_step",
    /// One page to one contact method (payload `{"page": id}`).
    PageSend = "page_send",
    /// Whether an open incident's update is overdue (payload `{"incident": id}`).
    IncidentReminder = "incident_reminder",
    /// Drafts a resolved incident's post-mortem (payload `{"incident": id}`).
    PostmortemDraft = "postmortem_draft",
    /// Reminds an action item's owner once it is overdue (payload `{"item": id}`).
    ActionItemOverdue = "action_item_overdue",
    /// A change pending approval that nobody decided expires (payload `{"change": id}`).
    ChangeExpiry = "change_expiry",
    /// Makes an action item's issue in the tracker (payload `{"item": id}`).
    ActionItemIssue = "action_item_issue",
    /// Tells the status page's subscribers of an incident's public update (payload
    /// `{"incident": id, "at": ms}`): one `status_send` per subscriber.
    StatusFanout = "status_fanout",
    /// One message to one status page subscriber (payload `{"subscriber": id, "notice": …}`).
    StatusSend = "status_send",
    /// Gives a declared incident a channel of a chat app (payload `{"incident": id, "app": name}`).
    IncidentChannel = "incident_channel",
    /// A command in a pull request's comment (its event): who may, what it starts.
    PrCommand = "pr_command",
    /// Firewatch's answer on a pull request (payload `{"command": key}` or `{"trigger": id}`).
    ForgeComment = "forge_comment",
    /// Tells the routes of a merge the no-self-merge rule found (payload `{"source",
    /// "repository", "number"}`).
    ReviewFinding = "review_finding",
    /// Comments on the tracker's issues a merged pull request names (its event).
    TicketComment = "ticket_comment",
    /// What a successful deployment shipped, told to the tracker when it reached production
    /// (payload `{"deployment": id}`).
    DeploymentShipped = "deployment_shipped",
    /// A Terraform run that waits for confirmation becomes a change (its event).
    TerraformRun = "terraform_run",
    /// Reconciles a heartbeat's alert with its health (payload `{"name"}`, plus `"ping_at"`
    /// for a watchdog's ping recorded at intake).
    Heartbeat = "heartbeat",
    /// Carries out a change's decision where it stands (payload `{"change": id}`): a
    /// Terraform run applied or discarded.
    ChangeDecided = "change_decided",
}

impl ClaimedJob {
    pub fn job_kind(&self) -> Option<JobKind> {
        JobKind::parse(&self.kind)
    }
}

/// How an attempt ended, as the store records it.
#[derive(Debug, Clone)]
pub enum JobOutcome {
    Done {
        status: Option<i32>,
        /// The message a delivery through a chat app posted or updated.
        chat_message: Option<PostedMessage>,
    },
    Retry {
        at: Timestamp,
        status: Option<i32>,
        error: String,
    },
    Dead {
        status: Option<i32>,
        error: String,
    },
}

/// A chat message a delivery posted: the platform's id (Slack's `CHANNEL:TS`, a Mattermost
/// post id) and what it is about (`alert:ID`), when a later change should update it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PostedMessage {
    pub id: String,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct QueueCounts {
    pub pending: i64,
    pub dead: i64,
}

/// What a delivery job carries besides its destination: the template to render with.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct DeliveryPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template: Option<String>,
}

pub fn delivery_payload(target: &crate::core::routing::Target) -> String {
    serde_json::to_string(&DeliveryPayload {
        template: target.template.clone(),
    })
    .unwrap_or_else(|_| "{}".to_owned())
}

/// The one queue alert reports are applied from, in the order they were stored.
pub const ALERT_QUEUE: &str = "alerts";

#[async_trait::async_trait]
pub trait JobStore: Sync {
    /// Leases up to `limit` due jobs for `owner` until `lease_until`. Of the jobs sharing a queue
    /// only the oldest unfinished one is ever due, so a queue runs in order, one job at a time,
    /// across every replica.
    async fn claim_jobs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::ClaimedJob>> {
        let runs = self.claim_runs(owner, now, lease_until, limit, 1).await?;
        Ok(runs.into_iter().flatten().collect())
    }

    /// Records an attempt's outcome. False when the lease was lost to another worker, in which
    /// case nothing is changed.
    async fn finish_job(
        &self,
        seq: i64,
        owner: &str,
        outcome: &crate::store::JobOutcome,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool> {
        let outcomes = [(seq, outcome.clone())];
        let recorded = self.finish_jobs(owner, &outcomes, now).await?;
        Ok(recorded.first().copied().unwrap_or(false))
    }

    async fn insert_job(
        &self,
        job: &crate::store::NewJob,
        now: jiff::Timestamp,
    ) -> crate::store::Result<i64>;

    /// As `claim_jobs`, and a claimed queue head brings up to `run - 1` jobs queued right
    /// behind it, as long as each is due and free: one run, worked through in order by the one
    /// worker, for one claim. Each run starts with its head.
    async fn claim_runs(
        &self,
        owner: &str,
        now: jiff::Timestamp,
        lease_until: jiff::Timestamp,
        limit: i64,
        run: i64,
    ) -> crate::store::Result<Vec<Vec<crate::store::ClaimedJob>>>;

    /// Gives back `owner`'s leases on the pending jobs `seqs`, which it will not run now.
    async fn release_jobs(
        &self,
        owner: &str,
        seqs: &[i64],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()>;

    /// Records several attempts' outcomes in one transaction, with `finish_job`'s answer for
    /// each.
    async fn finish_jobs(
        &self,
        owner: &str,
        outcomes: &[(i64, crate::store::JobOutcome)],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Vec<bool>>;

    /// The earliest `run_at` of a pending job, to know how long a worker may sleep.
    async fn next_job_due(&self) -> crate::store::Result<Option<jiff::Timestamp>>;

    /// Inserts a job unless one with the same key exists; true when inserted.
    async fn schedule_job(
        &self,
        job: &crate::store::NewJob,
        dedup_key: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<bool>;

    /// Work waiting and dead letters. Timers (digests, silence checks) wait by design
    /// and are not backlog.
    async fn queue_counts(&self) -> crate::store::Result<crate::store::QueueCounts>;
}

#[cfg(test)]
mod tests {
    use super::JobKind;

    #[test]
    fn every_job_kind_has_its_own_stored_name() {
        let mut names = std::collections::HashSet::new();
        for kind in JobKind::ALL {
            assert!(names.insert(kind.as_str()), "{kind:?} shares its name");
            assert_eq!(JobKind::parse(kind.as_str()), Some(*kind));
        }
        assert_eq!(JobKind::parse("from_a_newer_version"), None);
    }
}
