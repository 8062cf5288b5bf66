//! The delivery worker. It leases due jobs from the job table, runs each, and records the
//! outcome; a job whose worker died is taken again when its lease runs out. Retries follow
//! `core::retry`; a job past its retry window, or refused outright, becomes a dead letter.

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
use crate::store::{ClaimedJob, JobOutcome, Store, StoreError};
use crate::telemetry::Metrics;

/// How often an idle worker looks for jobs that other replicas' leases released.
const IDLE_POLL: Duration = Duration::from_secs(1);

pub const DELIVER: &str = "deliver";

#[derive(Clone)]
pub struct DeliveryWorker {
    pub store: Store,
    pub config: ConfigHandle,
    pub clock: SharedClock,
    pub client: reqwest::Client,
    /// For built-in checks: follows no redirects.
    pub check_client: reqwest::Client,
    pub metrics: Arc<Metrics>,
    pub policy: RetryPolicy,
    /// Names this worker's leases; unique per process.
    pub owner: String,
}

impl DeliveryWorker {
    /// Claims the jobs due now and runs them concurrently (they belong to different queues).
    /// Returns how many ran.
    pub async fn step(&self) -> Result<usize, StoreError> {
        let now = self.clock.now();
        let delivery = self.config.current().delivery.clone();
        // The lease outlasts any attempt's timeout (checked with the config).
        let lease =
            SignedDuration::from_secs(i64::try_from(delivery.lease_seconds).unwrap_or(i64::MAX));
        let jobs = self
            .store
            .claim_jobs(
                &self.owner,
                now,
                now.saturating_add(lease).unwrap_or(now),
                delivery.concurrency as i64,
            )
            .await?;
        let count = jobs.len();
        let mut running = JoinSet::new();
        for job in jobs {
            let worker = self.clone();
            running.spawn(async move { worker.run_job(job).await });
        }
        while let Some(result) = running.join_next().await {
            if let Ok(Err(error)) = result {
                tracing::warn!(%error, "could not record a job's outcome");
            }
        }
        Ok(count)
    }

    async fn run_job(&self, job: ClaimedJob) -> Result<(), StoreError> {
        let outcome = match job.kind.as_str() {
            DELIVER => self.deliver(&job).await,
            super::digest::DIGEST => {
                let config = self.config.current();
                match super::digest::run(&self.store, &config, self.clock.now(), &job.payload).await
                {
                    Ok(()) => JobOutcome::Done { status: None },
                    Err(error) => {
                        self.retry_or_give_up(&job, None, None, format!("digest failed: {error}"))
                    }
                }
            }
            super::alerts::ALERT => {
                let config = self.config.current();
                match super::alerts::run(&self.store, &config, &job, self.clock.now()).await {
                    Ok(_) => JobOutcome::Done { status: None },
                    Err(error) => self.retry_or_give_up(
                        &job,
                        None,
                        None,
                        format!("applying alerts failed: {error}"),
                    ),
                }
            }
            super::alerts::SILENCE_CHECK => {
                let config = self.config.current();
                match super::alerts::check_silences(&self.store, &config, self.clock.now()).await {
                    Ok(_) => JobOutcome::Done { status: None },
                    Err(error) => self.retry_or_give_up(
                        &job,
                        None,
                        None,
                        format!("checking silences failed: {error}"),
                    ),
                }
            }
            super::alerts::GROUP_FLUSH_JOB | super::alerts::FLAP_CHECK_JOB => {
                let config = self.config.current();
                let now = self.clock.now();
                let result = if job.kind == super::alerts::GROUP_FLUSH_JOB {
                    super::alerts::flush_group(&self.store, &config, &job, now).await
                } else {
                    super::alerts::settle(&self.store, &config, &job, now).await
                };
                match result {
                    Ok(()) => JobOutcome::Done { status: None },
                    Err(error) => self.retry_or_give_up(
                        &job,
                        None,
                        None,
                        format!("{} failed: {error}", job.kind),
                    ),
                }
            }
            super::checks::CHECK_RUN_JOB => {
                let config = self.config.current();
                let now = self.clock.now();
                match super::checks::run(&self.store, &config, &self.check_client, &job, now).await
                {
                    Ok(()) => JobOutcome::Done { status: None },
                    Err(error) => self.retry_or_give_up(
                        &job,
                        None,
                        None,
                        format!("running a check failed: {error}"),
                    ),
                }
            }
            super::alerts::TASK_CHECK_JOB => {
                let config = self.config.current();
                match super::alerts::check_task(&self.store, &config, &job, self.clock.now()).await
                {
                    Ok(_) => JobOutcome::Done { status: None },
                    Err(error) => self.retry_or_give_up(
                        &job,
                        None,
                        None,
                        format!("checking for a task failed: {error}"),
                    ),
                }
            }
            other => JobOutcome::Dead {
                status: None,
                error: format!(
                    "this version of Firewatch has no handler for jobs of kind \"{other}\""
                ),
            },
        };
        let recorded = self
            .store
            .finish_job(job.seq, &self.owner, &outcome, self.clock.now())
            .await?;
        if !recorded {
            tracing::warn!(job = job.seq, "lease lost before the outcome was recorded");
        }
        Ok(())
    }

    async fn deliver(&self, job: &ClaimedJob) -> JobOutcome {
        let destination_name = job.destination.clone().unwrap_or_default();
        let config = self.config.current();
        let Some(destination) = config.destination(&destination_name) else {
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
        let result = outbound::deliver(
            &self.client,
            destination,
            &settings,
            &message,
            &key,
            self.clock.now(),
            timeout,
        )
        .await;
        let outcome = match result {
            DeliveryResult::Delivered { status } => JobOutcome::Done {
                status: Some(i32::from(status)),
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

    /// Runs jobs until `shutdown`; the job in hand is finished first.
    pub async fn run(self, jobs_added: Arc<Notify>, shutdown: CancellationToken) {
        loop {
            if shutdown.is_cancelled() {
                return;
            }
            match self.step().await {
                Ok(count) if count > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "could not claim jobs"),
            }
            let next_due = self.store.next_job_due().await.ok().flatten();
            let clock = self.clock.clone();
            let until_due = async move {
                match next_due {
                    Some(due) if due > clock.now() => clock.sleep_until(due).await,
                    _ => std::future::pending().await,
                }
            };
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = jobs_added.notified() => {}
                _ = until_due => {}
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}
