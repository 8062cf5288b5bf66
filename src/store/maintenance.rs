//! Store housekeeping in the background: checkpoints (SQLite), and every 10 minutes the
//! expired sessions, old delivery attempts and check results, and what `[retention]` keeps
//! no longer, in small batches, with the space given back.

use std::future::Future;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::clock::SharedClock;
use crate::core::retention::{Pruned, Retention};
use crate::store::retention::{JobEnd, Window};
use crate::store::{Result, Store};

/// How often the store does its housekeeping (SQLite: a passive WAL checkpoint), and how
/// soon it goes again while it is behind.
const MAINTENANCE_INTERVAL: Duration = Duration::from_secs(1);
const MAINTENANCE_CATCH_UP: Duration = Duration::from_millis(20);

/// How often expired sessions and old delivery attempts are deleted.
const PRUNE_INTERVAL: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// Delivery attempts are kept this long for the delivery-health views.
pub const ATTEMPT_RETENTION: jiff::SignedDuration = jiff::SignedDuration::from_hours(24 * 30);

/// Rows per pruning statement: a few milliseconds of SQLite's single writer.
const PRUNE_BATCH: i64 = 500;
/// Between two statements, so that intake's commits go in between.
const PRUNE_PAUSE: Duration = Duration::from_millis(20);
/// Statements of one kind per pass (100,000 rows); what is left waits for the next pass.
const MOST_BATCHES: u32 = 200;
/// Steps of giving space back per pass (each a few MiB).
const MOST_GIVE_BACK_STEPS: u32 = 256;

/// What the loop reads at each pass and tells after it: the `[retention]` in force (it
/// follows reloads) and what a pass removed.
pub struct Housekeeping {
    pub retention: Box<dyn Fn() -> Retention + Send + Sync>,
    pub pruned: Box<dyn Fn(&Pruned) + Send + Sync>,
}

pub async fn run(
    store: Store,
    clock: SharedClock,
    housekeeping: Housekeeping,
    shutdown: CancellationToken,
) {
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
            tokio::select! {
                _ = shutdown.cancelled() => return,
                result = prune(&store, (housekeeping.retention)(), now) => match result {
                    Ok(pruned) => (housekeeping.pruned)(&pruned),
                    Err(error) => tracing::warn!(%error, "pruning past [retention] failed"),
                },
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

/// One pass of `[retention]`: each kind in windows from its oldest row, then the space back.
/// A kind stops at its batch limit (the next pass goes on) or where its rows get too new.
pub async fn prune(store: &Store, retention: Retention, now: jiff::Timestamp) -> Result<Pruned> {
    let mut pruned = Pruned::default();
    if let Some(before) = Retention::cutoff(retention.payloads, now) {
        pruned.payloads =
            in_batches(|after| store.prune_payloads(before, now, after, PRUNE_BATCH)).await?;
    }
    if let Some(before) = Retention::cutoff(retention.events, now) {
        pruned.events = in_batches(|after| {
            store.prune_events(before, retention.what_changed, after, PRUNE_BATCH)
        })
        .await?;
    }
    if let Some(before) = Retention::cutoff(retention.finished_jobs, now) {
        pruned.finished_jobs =
            in_batches(|after| store.prune_jobs(JobEnd::Done, before, after, PRUNE_BATCH)).await?;
    }
    if let Some(before) = Retention::cutoff(retention.dead_letters, now) {
        pruned.dead_letters =
            in_batches(|after| store.prune_jobs(JobEnd::Dead, before, after, PRUNE_BATCH)).await?;
    }
    if pruned.total() > 0 {
        tracing::info!(
            payloads = pruned.payloads,
            events = pruned.events,
            finished_jobs = pruned.finished_jobs,
            dead_letters = pruned.dead_letters,
            "pruned what [retention] keeps no longer"
        );
        for _ in 0..MOST_GIVE_BACK_STEPS {
            if !store.give_back_space().await? {
                break;
            }
            tokio::time::sleep(PRUNE_PAUSE).await;
        }
    }
    Ok(pruned)
}

/// Walks one kind's rows a window at a time from the oldest, until a window says there is
/// no more to look at or the pass has done its share.
async fn in_batches<F, Fut>(mut window: F) -> Result<u64>
where
    F: FnMut(i64) -> Fut,
    Fut: Future<Output = Result<Window>>,
{
    let (mut total, mut after) = (0, 0);
    for _ in 0..MOST_BATCHES {
        let found = window(after).await?;
        total += found.removed;
        match found.last {
            Some(last) if found.more => after = last,
            _ => break,
        }
        tokio::time::sleep(PRUNE_PAUSE).await;
    }
    Ok(total)
}
