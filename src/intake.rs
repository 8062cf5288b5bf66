//! Group commit. Every accepted request hands its event to the committer and waits; the
//! committer takes whatever has queued up while the previous transaction was committing and
//! writes it all in one transaction. Under load many requests share one fsync; when idle a lone
//! request commits at once: there is no fixed wait to fill batches. A request is answered only
//! after the transaction holding its event is durable.
//!
//! On SQLite the fsync is a stage of its own: the committer writes a batch and hands its
//! answers to the syncer, which syncs the WAL once for every batch handed over so far and
//! then answers them, while the committer is already writing the next batch.

use std::sync::Arc;

use tokio::sync::{Mutex, Notify, mpsc, oneshot};
use tokio::task::JoinSet;

use crate::clock::SharedClock;
use crate::store::{Accepted, NewEvent, Store, StoreError};
use crate::telemetry::Metrics;

/// Most events one transaction takes.
const MAX_BATCH: usize = 1024;
/// Requests that may wait for the committer before new ones wait to enqueue.
const QUEUE_CAPACITY: usize = 8192;

/// Whether events reach the store. `Discard` exists only so the benchmark can measure the
/// server without the store in the same run; `serve` exposes it as a hidden flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    #[default]
    Store,
    Discard,
}

#[derive(Debug, thiserror::Error)]
pub enum IntakeError {
    /// One error may answer a whole batch, so it is shared.
    #[error("the store could not commit the event: {0}")]
    Store(Arc<StoreError>),
    #[error("Firewatch is shutting down")]
    ShuttingDown,
}

type Reply = oneshot::Sender<Result<Accepted, Arc<StoreError>>>;

struct Pending {
    event: NewEvent,
    reply: Reply,
}

/// A written batch's answers, held until the sync that makes it durable.
struct Written {
    answers: Vec<(Reply, Result<Accepted, Arc<StoreError>>)>,
    adds_jobs: bool,
}

/// The handle requests submit through. Cheap to clone.
#[derive(Clone)]
pub struct Intake {
    sender: mpsc::Sender<Pending>,
}

impl Intake {
    /// Starts the committers on `tasks`; they stop once every `Intake` clone is dropped and the
    /// queue is drained.
    pub fn start(
        store: Store,
        clock: SharedClock,
        metrics: Arc<Metrics>,
        durability: Durability,
        jobs_added: Arc<Notify>,
        tasks: &mut JoinSet<&'static str>,
    ) -> Intake {
        let (sender, receiver) = mpsc::channel(QUEUE_CAPACITY);
        let receiver = Arc::new(Mutex::new(receiver));
        let (written, to_sync) = mpsc::unbounded_channel();
        tasks.spawn({
            let store = store.clone();
            let jobs_added = jobs_added.clone();
            let metrics = metrics.clone();
            async move {
                sync_and_answer(store, to_sync, jobs_added, metrics).await;
                "intake syncer"
            }
        });
        for _ in 0..store.parallel_writers() {
            let committer = Committer {
                receiver: receiver.clone(),
                store: store.clone(),
                clock: clock.clone(),
                metrics: metrics.clone(),
                durability,
                written: written.clone(),
            };
            tasks.spawn(async move {
                committer.run().await;
                "intake committer"
            });
        }
        Intake { sender }
    }

    /// Resolves once the event is committed (or found to be a redelivery).
    pub async fn submit(&self, event: NewEvent) -> Result<Accepted, IntakeError> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send(Pending { event, reply })
            .await
            .map_err(|_| IntakeError::ShuttingDown)?;
        match answer.await {
            Ok(Ok(accepted)) => Ok(accepted),
            Ok(Err(error)) => Err(IntakeError::Store(error)),
            Err(_) => Err(IntakeError::ShuttingDown),
        }
    }
}

struct Committer {
    receiver: Arc<Mutex<mpsc::Receiver<Pending>>>,
    store: Store,
    clock: SharedClock,
    metrics: Arc<Metrics>,
    durability: Durability,
    written: mpsc::UnboundedSender<Written>,
}

impl Committer {
    async fn run(self) {
        loop {
            let mut batch = Vec::new();
            {
                let mut receiver = self.receiver.lock().await;
                match receiver.recv().await {
                    Some(pending) => batch.push(pending),
                    None => return,
                }
                while batch.len() < MAX_BATCH {
                    match receiver.try_recv() {
                        Ok(pending) => batch.push(pending),
                        Err(_) => break,
                    }
                }
            }
            self.commit(batch).await;
        }
    }

    async fn commit(&self, batch: Vec<Pending>) {
        self.metrics.commit_batch_size.observe(batch.len() as f64);
        let (events, replies): (Vec<NewEvent>, Vec<_>) =
            batch.into_iter().map(|p| (p.event, p.reply)).unzip();
        if self.durability == Durability::Discard {
            for (event, reply) in events.into_iter().zip(replies) {
                let _ = reply.send(Ok(Accepted {
                    id: event.id,
                    duplicate: false,
                }));
            }
            return;
        }
        // Alert reports are routed nowhere but add an `alert` job: they wake the worker too.
        let adds_jobs = events
            .iter()
            .any(|event| !event.destinations.is_empty() || !event.jobs.is_empty());
        // Durations are measured on the monotonic clock: they are metrics, not schedule.
        let started = std::time::Instant::now();
        let answers = match self.store.insert_events(&events, self.clock.now()).await {
            Ok(accepted) => replies
                .into_iter()
                .zip(accepted.into_iter().map(Ok))
                .collect(),
            Err(error) if events.len() > 1 => {
                // One event the database refuses must not fail the others: write them one by one.
                tracing::warn!(%error, batch = events.len(), "intake batch failed; writing its events one by one");
                let mut written = Vec::with_capacity(events.len());
                for (event, reply) in events.into_iter().zip(replies) {
                    let result = self
                        .store
                        .insert_events(std::slice::from_ref(&event), self.clock.now())
                        .await
                        .map(|mut accepted| accepted.remove(0))
                        .map_err(Arc::new);
                    if let Err(error) = &result {
                        tracing::error!(%error, event_id = %event.id, "intake commit failed");
                    }
                    written.push((reply, result));
                }
                written
            }
            Err(error) => {
                tracing::error!(%error, "intake commit failed");
                let error = Arc::new(error);
                replies
                    .into_iter()
                    .map(|reply| (reply, Err(error.clone())))
                    .collect()
            }
        };
        self.metrics
            .commit_seconds
            .observe(started.elapsed().as_secs_f64());
        // The syncer outlives every committer, so this send cannot fail while we run.
        let _ = self.written.send(Written { answers, adds_jobs });
    }
}

/// Answers written batches once a sync has made them durable. One sync covers every batch
/// that was written before it started.
async fn sync_and_answer(
    store: Store,
    mut written: mpsc::UnboundedReceiver<Written>,
    jobs_added: Arc<Notify>,
    metrics: Arc<Metrics>,
) {
    while let Some(first) = written.recv().await {
        let mut batches = vec![first];
        while let Ok(more) = written.try_recv() {
            batches.push(more);
        }
        let started = std::time::Instant::now();
        let synced = store.sync_durable().await.map_err(Arc::new);
        metrics
            .sync_seconds
            .observe(started.elapsed().as_secs_f64());
        if let Err(error) = &synced {
            tracing::error!(%error, "could not sync the store; answering the batch with errors");
        }
        // Workers hear of new jobs only now, so nothing goes out about an event not yet durable.
        if synced.is_ok() && batches.iter().any(|batch| batch.adds_jobs) {
            jobs_added.notify_one();
        }
        for (reply, result) in batches.into_iter().flat_map(|batch| batch.answers) {
            let answer = match (&synced, result) {
                (Ok(()), result) => result,
                (Err(error), _) => Err(error.clone()),
            };
            let _ = reply.send(answer);
        }
    }
}
