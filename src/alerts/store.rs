//! What the alerts domain keeps: alerts and their changes, notification groups, silences, tasks.

#[async_trait::async_trait]
pub trait AlertStore {
    /// Applies a monitoring tool's reports in order, in one transaction; returns the state
    /// changes they made (re-sent reports make none).
    async fn apply_alert_signals(
        &self,
        report: &crate::store::AlertReport<'_>,
        now: jiff::Timestamp,
        silencer: &crate::store::Silencer<'_>,
        notices: &crate::store::Notices<'_>,
    ) -> crate::store::Result<Vec<crate::store::AlertTransition>>;

    /// Applies the reports of a run of alert jobs leased by `owner`, in order, and marks each
    /// job done, all in one transaction: one commit for a burst of reports. Stops before a job
    /// whose lease was lost; returns each applied job's changes.
    async fn apply_alert_jobs(
        &self,
        owner: &str,
        jobs: &[crate::store::ReportJob<'_>],
        now: jiff::Timestamp,
    ) -> crate::store::Result<Vec<Vec<crate::store::AlertTransition>>>;

    /// A change by a person (acknowledge, resolve) or a silence starting or ending (with the
    /// silence's id); `None` when the alert's state does not allow it.
    async fn change_alert(
        &self,
        id: &str,
        change: crate::core::alert::Change,
        cause: &str,
        silence: Option<&str>,
        now: jiff::Timestamp,
        notices: &crate::store::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::AlertTransition>>;

    /// Runs a due group flush: tells the group's firing alerts when some are new to it or
    /// the repeat is due, and plans the next flush. `current` gives the group's destinations
    /// under the config now; with none, the group is dropped. `None` when the flush was not due
    /// (a later join moved it) or the group is gone.
    async fn flush_alert_group(
        &self,
        key: &str,
        now: jiff::Timestamp,
        current: &crate::store::GroupDestinations<'_>,
        notice: &crate::store::GroupNotices<'_>,
    ) -> crate::store::Result<Option<crate::core::grouping::Flush>>;

    /// Ends a flapping alert's flapping when no fire or resolve came within `window`, and
    /// tells its state then. `None` when it still flaps or never did.
    async fn settle_flapping(
        &self,
        id: &str,
        window: jiff::SignedDuration,
        now: jiff::Timestamp,
        notices: &crate::store::Notices<'_>,
    ) -> crate::store::Result<Option<crate::store::AlertTransition>>;

    async fn get_alert(&self, id: &str) -> crate::store::Result<crate::store::Alert>;

    async fn list_alerts(
        &self,
        filter: &crate::store::AlertFilter,
    ) -> crate::store::Result<Vec<crate::store::Alert>>;

    async fn alert_changes(
        &self,
        alert_id: &str,
    ) -> crate::store::Result<Vec<crate::store::AlertChangeRecord>>;

    /// Firing cycles of an alert started since `since` (fires after a silence ended are not
    /// new cycles).
    async fn alert_fires_since(
        &self,
        alert_id: &str,
        since: jiff::Timestamp,
    ) -> crate::store::Result<i64>;

    /// Every alert change and notice in `[from, to)`, for the noise report.
    async fn alert_activity(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::AlertActivity>;
}

#[async_trait::async_trait]
pub trait SilenceStore {
    async fn create_silence(
        &self,
        silence: &crate::store::NewSilence,
        now: jiff::Timestamp,
    ) -> crate::store::Result<crate::store::Silence>;

    /// Every silence and maintenance window, newest first (the table stays small).
    async fn list_silences(&self) -> crate::store::Result<Vec<crate::store::Silence>>;

    async fn get_silence(&self, id: &str) -> crate::store::Result<crate::store::Silence>;

    /// Ends a silence now; `None` when it was already expired by hand.
    async fn expire_silence(
        &self,
        id: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::Silence>>;
}

#[async_trait::async_trait]
pub trait TaskStore {
    /// Opens a task with its notice; `None` when the alert already has an open one.
    async fn open_task(
        &self,
        task: &crate::store::Task,
        notice: Option<crate::store::NewEvent>,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::Task>>;

    /// Open tasks (`open`), or every task, newest first.
    async fn list_tasks(
        &self,
        open: bool,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::Task>>;

    /// Closes a task by hand; `None` when it was already closed.
    async fn close_task(
        &self,
        id: &str,
        by: &str,
        now: jiff::Timestamp,
    ) -> crate::store::Result<Option<crate::store::Task>>;
}
