//! Store housekeeping in the background: checkpoints (SQLite), and every 10 minutes the
//! expired sessions, old delivery attempts and check results past their retention.

use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::store::Store;

/// How often the store does its housekeeping (SQLite: a passive WAL checkpoint), and how
/// soon it goes again while it is behind.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);
const MAINTENANCE_CATCH_UP: Duration = Duration::from_millis(20);

/// How often expired sessions and old delivery attempts are deleted.
const PRUNE_INTERVAL: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// Delivery attempts are kept this long for the delivery-health views.
pub const ATTEMPT_RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 30);

pub async fn run(store: Store, clock: SharedClock, shutdown: CancellationToken) {
    let mut wait = MAINTENANCE_INTERVAL;
    let mut pruned_at: Option<jiff::Timestamp> = None;
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tokio::time::sleep(wait) => {}
        }
        let now = clock.now();
        if pruned_at.is_none_or(|at| now.duration_since(at) >= PRUNE_INTERVAL) {
            pruned_at = Some(now);
            match store.prune(now, now - ATTEMPT_RETENTION).await {
                Ok(0) => {}
                Ok(rows) => {
                    tracing::debug!(rows, "expired sessions and old delivery attempts deleted")
                }
                Err(error) => tracing::warn!(%error, "pruning failed"),
            }
            if let Err(error) = store.prune_checks(now).await {
                tracing::warn!(%error, "pruning check results failed");
            }
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
