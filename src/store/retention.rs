//! Removing what `[retention]` keeps no longer (`core::retention`), a small batch per call so
//! that no call holds SQLite's single writer for long. The loop is `maintenance::prune`.

/// How a job ended, for the two kinds of finished jobs kept for different lengths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobEnd {
    /// Succeeded (`done`).
    Done,
    /// Gave up and waits for a re-drive (`dead`).
    Dead,
}

impl JobEnd {
    pub fn as_str(self) -> &'static str {
        match self {
            JobEnd::Done => "done",
            JobEnd::Dead => "dead",
        }
    }
}

/// What one call found in its window of rows and removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub removed: u64,
    /// The last row the window looked at, where the next call goes on from.
    pub last: Option<i64>,
    /// Whether rows after the window may still go: it was full, and all of it older than
    /// the cutoff (rows are walked in the order they were made, so once one was made after
    /// the cutoff, the rest were too).
    pub more: bool,
}

/// Each call looks at the next `limit` rows of its kind after row `after` (oldest first),
/// removes those past the cutoff and says where to go on. Rows that must stay for now (a
/// notification still to be sent or re-driven about an event, a job made long ago that ended
/// recently) are stepped over, so they never hold the rest up. The newest row of a table is
/// never removed, so SQLite never hands its number out again (the projector's cursor and the
/// delivery attempts name rows by number).
#[async_trait::async_trait]
pub trait RetentionStore {
    /// Empties the headers and body of events received before `before`, marking them
    /// pruned at `now`. Their normalized facts stay.
    async fn prune_payloads(
        &self,
        before: jiff::Timestamp,
        now: jiff::Timestamp,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window>;

    /// Deletes events received before `before`, except the forge events received within
    /// `what_changed` before an incident began (its "what changed" lists them).
    async fn prune_events(
        &self,
        before: jiff::Timestamp,
        what_changed: jiff::SignedDuration,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window>;

    /// Deletes jobs that ended as `end` before `before`.
    async fn prune_jobs(
        &self,
        end: JobEnd,
        before: jiff::Timestamp,
        after: i64,
        limit: i64,
    ) -> crate::store::Result<Window>;
}
