//! Background work: the delivery worker that runs jobs from the durable job table, and store
//! housekeeping. Each exposes one step so tests can drive it.

pub mod delivery;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How often the store does its housekeeping (SQLite: a passive WAL checkpoint).
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);

pub async fn run_maintenance(store: Store, shutdown: CancellationToken) {
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(MAINTENANCE_INTERVAL) => {}
        }
        if let Err(error) = store.maintain().await {
            tracing::warn!(%error, "store maintenance failed");
        }
    }
}
