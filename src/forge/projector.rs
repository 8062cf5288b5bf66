//! The state projector: reads stored forge events in order and keeps pull/merge requests and
//! build outcomes up to date, so digests read state. It records how far it has read in the
//! same transaction as the state, so a restart resumes where it stopped. It reads only events
//! no concurrent intake transaction can still commit behind (`Store::forge_events_after`).

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::core::forge_state::{self, StateUpdate};
use crate::store::{Store, StoreError};

pub const PROJECTION: &str = "forge_state";
const BATCH: i64 = 500;
const IDLE_POLL: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub struct StateProjector {
    pub store: Store,
}

impl StateProjector {
    /// Applies the next batch of events; returns how many were read.
    pub async fn step(&self) -> Result<usize, StoreError> {
        let position = self.store.projection_position(PROJECTION).await?;
        let records = self.store.forge_events_after(position, BATCH).await?;
        let Some(last) = records.last().map(|record| record.position) else {
            return Ok(0);
        };
        let updates: Vec<StateUpdate> = records
            .iter()
            .filter_map(|record| {
                record.event.as_ref().map(|event| {
                    forge_state::updates(&record.id, &record.source, event, record.received_at)
                })
            })
            .flatten()
            .collect();
        self.store.apply_state(&updates, PROJECTION, last).await?;
        Ok(records.len())
    }

    /// Applies everything stored so far.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        while self.step().await? > 0 {}
        Ok(())
    }

    pub async fn run(self, shutdown: CancellationToken) {
        loop {
            match self.step().await {
                Ok(count) if count > 0 => continue,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "state projection failed; retrying"),
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(IDLE_POLL) => {}
            }
        }
    }
}
