//! The job runner. It leases due jobs from the job table, runs each through its kind's
//! handler (`Runner::execute`, one exhaustive match over `JobKind`), and records the outcome;
//! a job whose runner died is taken again when its lease runs out. Retries follow
//! `core::retry`; a job past its retry window, or refused outright, becomes a dead letter. The
//! `deliver` handler, which sends a notification to its destination, lives here too.

pub mod wording;

use std::sync::Arc;
use std::time::Duration;

use jiff::SignedDuration;
use tokio::sync::Notify;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::config::ConfigHandle;
use crate::core::retry::{RetryDecision, RetryPolicy};
use crate::integrations::outbound::message::RenderSettings;
use crate::integrations::outbound::{self, DeliveryResult, EventMessage};
use crate::store::{ClaimedJob, JobKind, JobOutcome, Store, StoreError};
use crate::telemetry::Metrics;

/// How often an idle worker looks for jobs that other replicas' leases released.
const IDLE_POLL: Duration = Duration::from_secs(1);

/// How soon to claim again when a job became due while the last claim ran.
const RECLAIM_SOON: Duration = Duration::from_millis(5);

/// The most jobs of one queue a worker leases at once (a burst of alert reports).
const QUEUE_RUN: i64 = 64;

/// The jobs this worker's tasks hold, by seq. Locked across a claim and its check against
/// them, so a task cannot finish a job and leave `running` between the two: that job would
/// look free and run again.
type InFlight = Arc<tokio::sync::Mutex<Flying>>;

#[derive(Default)]
struct Flying {
    running: std::collections::HashSet<i64>,
    /// Claimed again while still held here (its lease ran out, or its task was just ending):
    /// the claim's fresh lease is given back when the holding task ends, or the job, if it is
    /// still pending, would wait out that lease for nothing.
    reclaimed: std::collections::HashSet<i64>,
}

/// The most outcomes of a run held before they are recorded together.
const RECORD_BATCH: usize = 16;

/// About how much of alert reports' JSON one transaction applies (a few hundred signals).
const ALERT_BATCH_BYTES: usize = 16 * 1024;

#[derive(Clone)]
pub struct Runner {
    pub store: Store,
    pub config: ConfigHandle,
    pub clock: SharedClock,
    pub client: reqwest::Client,
    /// For built-in checks: follows no redirects.
    pub check_client: reqwest::Client,
    /// For addresses the public gave (status page webhooks): public networks only.
    pub public_client: reqwest::Client,
    pub metrics: Arc<Metrics>,
    pub policy: RetryPolicy,
    /// Names this worker's leases; unique per process.
    pub owner: String,
}

impl Runner {
    /// Claims up to `slots` due jobs and starts each in `running`; a queue's head brings the
    /// due jobs behind it, which run in order in the same task. Returns how many it started.
    ///
    /// A claim can return a job this worker is still running, when its lease ran out first
    /// (a stalled destination, or a test's clock jumping ahead), or was just ending; `in_flight`
    /// keeps it from running twice, the jobs claimed behind it are given back, and the lease on
    /// it is given back when the task holding it ends.
    async fn start_due(
        &self,
        slots: usize,
        running: &mut JoinSet<Result<(), StoreError>>,
        in_flight: &InFlight,
        shutdown: &CancellationToken,
    ) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let delivery = self.config.current().delivery.clone();
        // The lease outlasts any attempt's timeout (checked with the config).
        let lease =
            SignedDuration::from_secs(i64::try_from(delivery.lease_seconds).unwrap_or(i64::MAX));
        let lease_until = now.saturating_add(lease).unwrap_or(now);
        let mut flying = in_flight.lock().await;
        let runs = self
            .store
            .claim_runs(
                &self.owner,
                now,
                lease_until,
                i64::try_from(slots).unwrap_or(i64::MAX),
                QUEUE_RUN,
            )
            .await?;
        let count = runs.len();
        for run in runs {
            let seqs: Vec<i64> = run.iter().map(|job| job.seq).collect();
            // Some(idle jobs to give back) when the run's head is already running here.
            let busy = if flying.running.contains(&seqs[0]) {
                let (held, idle): (Vec<i64>, Vec<i64>) =
                    seqs.iter().partition(|s| flying.running.contains(s));
                flying.reclaimed.extend(held);
                Some(idle)
            } else {
                flying.running.extend(seqs.iter().copied());
                None
            };
            if let Some(idle) = busy {
                self.store.release_jobs(&self.owner, &idle, now).await?;
                continue;
            }
            let worker = self.clone();
            let shutdown = shutdown.clone();
            let in_flight = in_flight.clone();
            running.spawn(async move {
                let result = worker.run_queue(run, lease_until, shutdown).await;
                let reclaimed: Vec<i64> = {
                    let mut flying = in_flight.lock().await;
                    for seq in &seqs {
                        flying.running.remove(seq);
                    }
                    seqs.iter()
                        .copied()
                        .filter(|seq| flying.reclaimed.remove(seq))
                        .collect()
                };
                // The main loop claims again when this task ends, so released first.
                let released = worker
                    .store
                    .release_jobs(&worker.owner, &reclaimed, worker.clock.now())
                    .await;
                result.and(released)
            });
        }
        Ok(count)
    }

    /// Runs a claimed run in order. The first job that does not finish, a shutdown, or a lease
    /// too close to its end to see another attempt through gives the rest back, so nothing in
    /// the queue passes it and no job runs twice at once.
    async fn run_queue(
        &self,
        jobs: Vec<ClaimedJob>,
        lease_until: jiff::Timestamp,
        shutdown: CancellationToken,
    ) -> Result<(), StoreError> {
        let timeout = SignedDuration::from_secs(
            i64::try_from(self.config.current().delivery.timeout_seconds).unwrap_or(i64::MAX),
        );
        let in_lease = |clock: &SharedClock| {
            clock
                .now()
                .saturating_add(timeout)
                .is_ok_and(|end| end < lease_until)
        };
        let mut next = 0;
        // Outcomes are recorded a few at a time, in one commit: the attempts are not held
        // back, only their bookkeeping (a crash before it repeats them, as it would anyway).
        let mut outcomes: Vec<(i64, JobOutcome)> = Vec::new();
        while next < jobs.len() && !shutdown.is_cancelled() && (next == 0 || in_lease(&self.clock))
        {
            if jobs[next].job_kind() == Some(JobKind::Alert) {
                // Consecutive alert reports apply together, in one transaction.
                if !self.record(&mut outcomes).await? {
                    break;
                }
                // Up to about `ALERT_BATCH_BYTES` of reports per transaction: SQLite has one
                // writer, and a storm's long transaction would hold up every other write, a
                // page's among them, for as long as it lasts.
                let mut bytes = 0;
                let reports = jobs[next..]
                    .iter()
                    .take_while(|job| job.job_kind() == Some(JobKind::Alert))
                    .take_while(|job| {
                        let first = bytes == 0;
                        bytes += job.payload.len();
                        first || bytes <= ALERT_BATCH_BYTES
                    })
                    .count();
                let config = self.config.current();
                let batch = &jobs[next..next + reports];
                match crate::alerts::jobs::run_batch(
                    &self.store,
                    &config,
                    &self.owner,
                    batch,
                    self.clock.as_ref(),
                )
                .await
                {
                    Ok(batch) if batch.lease_lost => {
                        tracing::warn!("lease lost before alert reports were applied");
                        return Ok(());
                    }
                    Ok(batch) if batch.applied > 0 => {
                        next += batch.applied;
                        continue;
                    }
                    Ok(_) => {}
                    Err(error) => {
                        tracing::warn!(%error, "applying alert reports together failed; one at a time");
                    }
                }
            }
            let job = &jobs[next];
            next += 1;
            let outcome = self.execute(job).await;
            let done = matches!(outcome, JobOutcome::Done { .. });
            outcomes.push((job.seq, outcome));
            // What is not done holds up the queue: the run ends, and it is recorded below.
            if !done || (outcomes.len() >= RECORD_BATCH && !self.record(&mut outcomes).await?) {
                break;
            }
        }
        self.record(&mut outcomes).await?;
        if next < jobs.len() {
            let rest: Vec<i64> = jobs[next..].iter().map(|job| job.seq).collect();
            self.store
                .release_jobs(&self.owner, &rest, self.clock.now())
                .await?;
        }
        Ok(())
    }

    /// Records `outcomes` and empties it; false when a lease was lost (another worker has the
    /// queue now).
    async fn record(&self, outcomes: &mut Vec<(i64, JobOutcome)>) -> Result<bool, StoreError> {
        if outcomes.is_empty() {
            return Ok(true);
        }
        let recorded = self
            .store
            .finish_jobs(&self.owner, outcomes, self.clock.now())
            .await?;
        let mut all = true;
        for ((seq, _), recorded) in outcomes.iter().zip(recorded) {
            if !recorded {
                tracing::warn!(job = seq, "lease lost before the outcome was recorded");
                all = false;
            }
        }
        outcomes.clear();
        Ok(all)
    }

    /// Runs one job; the caller records the outcome.
    async fn execute(&self, job: &ClaimedJob) -> JobOutcome {
        use crate::alerts::jobs as alerts;
        let config = self.config.current();
        let store = &self.store;
        let now = self.clock.now();
        let Some(kind) = job.job_kind() else {
            return JobOutcome::Dead {
                status: None,
                error: format!(
                    "this version of Firewatch has no handler for jobs of kind \"{}\"",
                    job.kind
                ),
            };
        };
        // Every kind has its handler here: the match is exhaustive.
        match kind {
            JobKind::Deliver => self.deliver(job).await,
            JobKind::Digest => self.outcome(
                job,
                "digest failed",
                crate::forge::digest::run(store, &config, now, &job.payload).await,
            ),
            JobKind::Alert => self.outcome(
                job,
                "applying alerts failed",
                alerts::run(store, &config, job, self.clock.as_ref()).await,
            ),
            JobKind::SilenceCheck => self.outcome(
                job,
                "checking silences failed",
                alerts::check_silences(store, &config, self.clock.as_ref()).await,
            ),
            JobKind::AlertExpiry => self.outcome(
                job,
                "resolving ended alerts failed",
                alerts::expire(store, &config, job, self.clock.as_ref()).await,
            ),
            JobKind::Heartbeat => self.outcome(
                job,
                "heartbeat failed",
                crate::checks::heartbeats::run(store, &config, job, self.clock.as_ref()).await,
            ),
            JobKind::AlertGroup => self.outcome(
                job,
                "alert_group failed",
                alerts::flush_group(store, &config, job, now).await,
            ),
            JobKind::FlapCheck => self.outcome(
                job,
                "flap_check failed",
                alerts::settle(store, &config, job, now).await,
            ),
            JobKind::CheckRun => self.outcome(
                job,
                "running a check failed",
                crate::checks::jobs::run(
                    store,
                    &config,
                    &self.check_client,
                    job,
                    self.clock.as_ref(),
                )
                .await,
            ),
            JobKind::TaskCheck => self.outcome(
                job,
                "checking for a task failed",
                alerts::check_task(store, &config, job, now).await,
            ),
            JobKind::EscalationStep => self.outcome(
                job,
                "escalation step failed",
                crate::oncall::jobs::run_step(store, &config, job, now).await,
            ),
            JobKind::PageSend => self.send_page(job).await,
            JobKind::IncidentReminder => self.outcome(
                job,
                "incident reminder failed",
                crate::incidents::ops::remind(store, &config, job, now).await,
            ),
            JobKind::PostmortemDraft => self.outcome(
                job,
                "drafting a post-mortem failed",
                crate::postmortems::ops::draft_job(store, &config, job, now).await,
            ),
            JobKind::ActionItemOverdue => self.outcome(
                job,
                "an action item reminder failed",
                crate::postmortems::ops::remind_overdue(store, &config, job, now).await,
            ),
            JobKind::ChangeExpiry => self.outcome(
                job,
                "expiring a change failed",
                crate::changes::ops::expire(store, &config, job, now).await,
            ),
            JobKind::ActionItemIssue => {
                let timeout = Duration::from_secs(config.delivery.timeout_seconds);
                let result = crate::postmortems::tracker::create(
                    &self.client,
                    store,
                    &config,
                    job,
                    timeout,
                    now,
                )
                .await;
                self.sent(
                    job,
                    result,
                    "the tracker refused the issue",
                    "making the issue failed",
                )
            }
            JobKind::StatusFanout => self.outcome(
                job,
                "telling status page subscribers failed",
                crate::statuspage::subscribers::fanout(store, &config, job, now).await,
            ),
            JobKind::PrCommand | JobKind::ForgeComment => {
                let calls = crate::forge::commands::Calls {
                    client: &self.client,
                    timeout: Duration::from_secs(config.delivery.timeout_seconds),
                    now,
                };
                let result = if kind == JobKind::PrCommand {
                    crate::forge::commands::run(&calls, store, &config, job).await
                } else {
                    crate::forge::commands::answer(&calls, store, &config, job).await
                };
                self.sent(job, result, "refused", "answering the pull request failed")
            }
            JobKind::TicketComment | JobKind::DeploymentShipped => {
                let calls = crate::forge::commands::Calls {
                    client: &self.client,
                    timeout: Duration::from_secs(config.delivery.timeout_seconds),
                    now,
                };
                let result = if kind == JobKind::TicketComment {
                    crate::forge::jira::merged(&calls, store, &config, job).await
                } else {
                    crate::forge::jira::deployed(&calls, store, &config, job).await
                };
                self.sent(job, result, "refused", "commenting on Jira failed")
            }
            JobKind::TerraformRun | JobKind::ChangeDecided => {
                let calls = crate::forge::commands::Calls {
                    client: &self.client,
                    timeout: Duration::from_secs(config.delivery.timeout_seconds),
                    now,
                };
                let result = if kind == JobKind::TerraformRun {
                    crate::forge::terraform::announce(&calls, store, &config, job).await
                } else {
                    crate::forge::terraform::carry_out(&calls, store, &config, job).await
                };
                self.sent(
                    job,
                    result,
                    "refused",
                    "confirming the Terraform run failed",
                )
            }
            JobKind::ReviewFinding => {
                match crate::forge::compliance::notify(store, &config, job, now).await {
                    Ok(()) => JobOutcome::Done {
                        status: None,
                        chat_message: None,
                    },
                    Err(error) => self.retry_or_give_up(
                        job,
                        None,
                        None,
                        format!("telling of a review finding failed: {error}"),
                    ),
                }
            }
            JobKind::StatusSend => {
                let clients = crate::statuspage::subscribers::Clients {
                    public: &self.public_client,
                    any: &self.client,
                };
                let timeout = Duration::from_secs(config.delivery.timeout_seconds);
                let result = crate::statuspage::subscribers::send(
                    &clients, store, &config, job, timeout, now,
                )
                .await;
                self.sent(job, result, "refused", "sending to a subscriber failed")
            }
            JobKind::IncidentChannel => {
                use crate::oncall::channels::{ChannelError, open};
                match open(&self.client, store, &config, job, now).await {
                    Ok(()) => JobOutcome::Done {
                        status: None,
                        chat_message: None,
                    },
                    Err(ChannelError::Retry(why)) => self.retry_or_give_up(
                        job,
                        None,
                        None,
                        format!("making the incident's channel failed: {why}"),
                    ),
                    Err(ChannelError::Refused(why)) => JobOutcome::Dead {
                        status: None,
                        error: format!("the platform refused the incident's channel: {why}"),
                    },
                }
            }
        }
    }

    /// A send's result as its job's outcome: a refusal is dead at once, the rest retried.
    fn sent(
        &self,
        job: &ClaimedJob,
        result: Result<DeliveryResult, StoreError>,
        refused: &str,
        failed: &str,
    ) -> JobOutcome {
        match result {
            Ok(DeliveryResult::Delivered {
                status,
                chat_message,
            }) => JobOutcome::Done {
                status: (status > 0).then_some(i32::from(status)),
                // A page through a chat app: kept, though nothing updates it yet.
                chat_message: chat_message
                    .map(|id| crate::store::PostedMessage { id, subject: None }),
            },
            Ok(DeliveryResult::Rejected { status, error }) => JobOutcome::Dead {
                status: (status > 0).then_some(i32::from(status)),
                error: format!("{refused}: {error}"),
            },
            Ok(DeliveryResult::Retry {
                status,
                retry_after,
                error,
            }) => self.retry_or_give_up(job, status, retry_after, error),
            Err(error) => self.retry_or_give_up(job, None, None, format!("{failed}: {error}")),
        }
    }

    /// A page through its contact method; one that fails at last is recorded as failed.
    async fn send_page(&self, job: &ClaimedJob) -> JobOutcome {
        let config = self.config.current();
        let sender = crate::oncall::send::Sender {
            client: &self.client,
            timeout: Duration::from_secs(config.delivery.timeout_seconds),
        };
        let now = self.clock.now();
        let result = crate::oncall::jobs::send_page(&self.store, &config, &sender, job, now).await;
        let outcome = self.sent(job, result, "refused", "sending a page failed");
        if let JobOutcome::Dead { error, .. } = &outcome {
            if let Ok(payload) = serde_json::from_str::<serde_json::Value>(&job.payload) {
                if let Some(page) = payload["page"].as_str() {
                    tracing::warn!(page, %error, "page failed");
                    let failed = crate::store::oncall::PageOutcome::Failed(error.clone());
                    if let Err(store_error) = self.store.finish_page(page, &failed, now).await {
                        tracing::warn!(page, error = %store_error, "could not record a failed page");
                    }
                }
            }
        }
        outcome
    }

    /// A handler's result as its job's outcome: done, or retried (at last dead) saying what
    /// failed and why.
    fn outcome<T>(
        &self,
        job: &ClaimedJob,
        what: &str,
        result: Result<T, StoreError>,
    ) -> JobOutcome {
        match result {
            Ok(_) => JobOutcome::Done {
                status: None,
                chat_message: None,
            },
            Err(error) => self.retry_or_give_up(job, None, None, format!("{what}: {error}")),
        }
    }

    async fn deliver(&self, job: &ClaimedJob) -> JobOutcome {
        let destination_name = job.destination.clone().unwrap_or_default();
        let config = self.config.current();
        let Some(destination) = config.delivery_destination(&destination_name) else {
            self.metrics.count_delivery(&destination_name, "dead");
            return JobOutcome::Dead {
                status: None,
                error: format!("destination \"{destination_name}\" is no longer configured"),
            };
        };
        let event = match job.event_id.as_deref() {
            Some(event_id) => self.store.get_event(event_id).await,
            None => Err(StoreError::NotFound),
        };
        let event = match event {
            Ok(event) => event,
            Err(StoreError::NotFound) => {
                return JobOutcome::Dead {
                    status: None,
                    error: "the event this notification is about no longer exists".into(),
                };
            }
            Err(error) => {
                return self.retry_or_give_up(job, None, None, format!("store error: {error}"));
            }
        };
        let message = EventMessage::from_event(&event);
        let key = format!("{}.{}", event.id, destination_name);
        let timeout = Duration::from_secs(config.delivery.timeout_seconds);
        let template = serde_json::from_str::<crate::store::DeliveryPayload>(&job.payload)
            .ok()
            .and_then(|payload| payload.template)
            .and_then(|name| config.templates.iter().find(|t| t.name == name).cloned());
        let settings = RenderSettings {
            tickets: config.tickets.clone(),
            template,
        };
        // The domain's wording in the destination's language, then the route's template and
        // ticket links.
        let locale = destination.locale().unwrap_or(config.server.locale);
        let words = outbound::message::render(
            &message,
            &wording::default_message(&message, locale),
            &settings,
        );
        // Through a chat app, an acknowledge or a resolve updates the message the fire posted.
        let app = destination.app().and_then(|app| config.chat_app(app));
        let subject = app.and_then(|_| wording::chat_subject(&message));
        let replaces = match &subject {
            Some((about, true)) => {
                match self
                    .store
                    .chat_message_about(&destination_name, about)
                    .await
                {
                    Ok(posted) => posted,
                    Err(error) => {
                        return self.retry_or_give_up(
                            job,
                            None,
                            None,
                            format!("store error: {error}"),
                        );
                    }
                }
            }
            _ => None,
        };
        let buttons = if destination.takes_clicks() {
            wording::chat_buttons(&message, locale)
        } else {
            Vec::new()
        };
        // Mattermost posts a click to the URL each button names.
        let callback = outbound::click_callback(&config.server.base_url(), app);
        let result = outbound::deliver(
            &self.client,
            outbound::Target {
                destination: &destination,
                app,
                replaces: replaces.as_deref(),
                buttons: &buttons,
                callback: callback.as_deref(),
            },
            &message,
            &words,
            &key,
            self.clock.now(),
            timeout,
        )
        .await;
        let outcome = match result {
            DeliveryResult::Delivered {
                status,
                chat_message,
            } => JobOutcome::Done {
                status: Some(i32::from(status)),
                chat_message: chat_message.map(|id| crate::store::PostedMessage {
                    id,
                    subject: subject.map(|(about, _)| about),
                }),
            },
            DeliveryResult::Rejected { status, error } => JobOutcome::Dead {
                status: Some(i32::from(status)),
                error: format!("refused by the destination: {error}"),
            },
            DeliveryResult::Retry {
                status,
                retry_after,
                error,
            } => self.retry_or_give_up(job, status, retry_after, error),
        };
        let label = match &outcome {
            JobOutcome::Done { .. } => "delivered",
            JobOutcome::Retry { .. } => "retry",
            JobOutcome::Dead { .. } => "dead",
        };
        self.metrics.count_delivery(&destination_name, label);
        if let JobOutcome::Dead { error, .. } = &outcome {
            tracing::warn!(destination = %destination_name, event_id = %event.id, %error, "notification is a dead letter");
        }
        outcome
    }

    fn retry_or_give_up(
        &self,
        job: &ClaimedJob,
        status: Option<u16>,
        retry_after: Option<SignedDuration>,
        error: String,
    ) -> JobOutcome {
        let attempts = u32::try_from(job.attempts).unwrap_or(0).saturating_add(1);
        let status = status.map(i32::from);
        match self.policy.next(
            attempts,
            self.clock.now(),
            job.expires_at,
            retry_after,
            fastrand::f64(),
        ) {
            RetryDecision::RetryAt(at) => JobOutcome::Retry { at, status, error },
            RetryDecision::GiveUp => JobOutcome::Dead {
                status,
                error: format!("gave up after {attempts} attempts: {error}"),
            },
        }
    }

    /// Runs jobs until `shutdown`, up to `delivery.concurrency` at once: a slot is refilled as
    /// soon as its job ends, so a slow destination or a long alert run holds up only its own
    /// slot. The jobs in hand are finished first.
    pub async fn run(self, jobs_added: Arc<Notify>, shutdown: CancellationToken) {
        let mut running = JoinSet::new();
        let in_flight = InFlight::default();
        loop {
            if shutdown.is_cancelled() {
                break;
            }
            let concurrency = self.config.current().delivery.concurrency.max(1);
            let free = concurrency.saturating_sub(running.len());
            let mut full = free == 0;
            if !full {
                match self
                    .start_due(free, &mut running, &in_flight, &shutdown)
                    .await
                {
                    // Every slot taken: more may be due, claimed when a slot frees.
                    Ok(started) => full = started == free,
                    Err(error) => tracing::warn!(%error, "could not claim jobs"),
                }
            }
            let next_due = if full {
                None
            } else {
                self.store.next_job_due().await.ok().flatten()
            };
            let clock = self.clock.clone();
            let until_due = async move {
                match next_due {
                    Some(due) if due > clock.now() => clock.sleep_until(due).await,
                    // Became due between the claim and this read (a timer of 20 due at once,
                    // say): claim again soon rather than at the idle poll, a second later.
                    // Not at once: a job this worker still holds past its lease reads as due.
                    Some(_) => tokio::time::sleep(RECLAIM_SOON).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(result) = running.join_next(), if !running.is_empty() => log_outcome(result),
                _ = jobs_added.notified(), if !full => {}
                _ = until_due, if !full => {}
                _ = tokio::time::sleep(IDLE_POLL), if !full => {}
            }
        }
        while let Some(result) = running.join_next().await {
            log_outcome(result);
        }
    }
}

fn log_outcome(result: Result<Result<(), StoreError>, tokio::task::JoinError>) {
    match result {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::warn!(%error, "could not record a job's outcome"),
        Err(error) => tracing::error!(%error, "a job's task failed"),
    }
}
