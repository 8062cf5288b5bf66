//! Group commit. Every accepted request hands its event to the committer and waits; the
//! committer takes whatever has queued up while the previous transaction was committing and
//! writes it all in one transaction. Under load many requests share one fsync; when idle a lone
//! request commits at once: there is no fixed wait to fill batches. A request is answered only
//! after the transaction holding its event has committed.

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
    #[error("the store could not commit the event: {0}")]
    Store(#[from] StoreError),
    #[error("Firewatch is shutting down")]
    ShuttingDown,
}

struct Pending {
    event: NewEvent,
    reply: oneshot::Sender<Result<Accepted, Arc<StoreError>>>,
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
        for _ in 0..store.parallel_writers() {
            let committer = Committer {
                receiver: receiver.clone(),
                store: store.clone(),
                clock: clock.clone(),
                metrics: metrics.clone(),
                durability,
                jobs_added: jobs_added.clone(),
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
            Ok(Err(error)) => Err(IntakeError::Store(match Arc::try_unwrap(error) {
                Ok(error) => error,
                Err(shared) => StoreError::Database(sqlx::Error::Protocol(shared.to_string())),
            })),
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
    jobs_added: Arc<Notify>,
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
        let adds_jobs = events.iter().any(|event| !event.destinations.is_empty());
        match self.store.insert_events(&events, self.clock.now()).await {
            Ok(accepted) => {
                for (accepted, reply) in accepted.into_iter().zip(replies) {
                    let _ = reply.send(Ok(accepted));
                }
            }
            Err(error) if events.len() > 1 => {
                // One event the database refuses must not fail the others: commit them one by one.
                tracing::warn!(%error, batch = events.len(), "intake batch failed; committing its events one by one");
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
                    let _ = reply.send(result);
                }
            }
            Err(error) => {
                tracing::error!(%error, "intake commit failed");
                let error = Arc::new(error);
                for reply in replies {
                    let _ = reply.send(Err(error.clone()));
                }
            }
        }
        if adds_jobs {
            self.jobs_added.notify_one();
        }
    }
}
