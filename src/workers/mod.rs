//! Background work: the delivery worker that runs jobs from the durable job table, and store
//! housekeeping. Each exposes one step so tests can drive it.

pub mod delivery;
pub mod digest;
pub mod state;

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::store::Store;

/// How often the store does its housekeeping (SQLite: a passive WAL checkpoint), and how
/// soon it goes again while it is behind.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);
const MAINTENANCE_CATCH_UP: Duration = Duration::from_millis(20);

pub async fn run_maintenance(store: Store, shutdown: CancellationToken) {
    let mut wait = MAINTENANCE_INTERVAL;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        wait = match store.maintain().await {
            Ok(true) => MAINTENANCE_CATCH_UP,
            Ok(false) => MAINTENANCE_INTERVAL,
            Err(error) => {
                tracing::warn!(%error, "store maintenance failed");
                MAINTENANCE_INTERVAL
            }
        };
    }
}
