//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore`, `Db` and the lock
//! fragments come from the including module.

use super::SqlStore;

#[async_trait::async_trait]
impl crate::store::forge::ForgeStore for SqlStore {
    async fn forge_events_after(
        &self,
        after: crate::store::forge::ForgePosition,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::ForgeRecord>> {
        use sqlx::Row as _;
        // Taken before the read, so every transaction below it has ended by the time
        // the read's snapshot is.
        let horizon = self.forge_horizon().await?;
        let rows = sqlx::query(
            "SELECT tx, seq, id, source, received_at, normalized FROM events \
             WHERE (tx, seq) > ($1, $2) AND tx < $3 AND normalized IS NOT NULL \
             ORDER BY tx, seq LIMIT $4",
        )
        .bind(after.tx)
        .bind(after.seq)
        .bind(horizon)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut records = Vec::with_capacity(rows.len());
        for row in rows {
            let normalized: String = row.try_get("normalized")?;
            let event = serde_json::from_str(&normalized).ok();
            records.push(crate::store::forge::ForgeRecord {
                position: crate::store::forge::ForgePosition {
                    tx: row.try_get("tx")?,
                    seq: row.try_get("seq")?,
                },
                id: row.try_get("id")?,
                source: row.try_get("source")?,
                received_at: crate::clock::from_millis(row.try_get("received_at")?),
                event,
            });
        }
        Ok(records)
    }

    async fn projection_position(
        &self,
        name: &str,
    ) -> crate::store::Result<crate::store::forge::ForgePosition> {
        let position: Option<(i64, i64)> =
            sqlx::query_as("SELECT tx, position FROM projections WHERE name = $1")
                .bind(name)
                .fetch_optional(self.reader())
                .await?;
        Ok(position
            .map(|(tx, seq)| crate::store::forge::ForgePosition { tx, seq })
            .unwrap_or_default())
    }

    async fn apply_state(
        &self,
        updates: &[crate::core::forge_state::StateUpdate],
        projection: &str,
        position: crate::store::forge::ForgePosition,
    ) -> crate::store::Result<()> {
        use crate::core::forge_state::StateUpdate;
        let mut transaction = self.writer().begin().await?;
        for update in updates {
            match update {
                StateUpdate::Change(change) => {
                    sqlx::query(
                        "INSERT INTO changes (source, repository, number, title, url, author, state, draft, head_branch, base_branch, head_sha, review_state, requested_reviewers, labels, opened_at, updated_at, merge_commit_sha) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
                         ON CONFLICT (source, repository, number) DO UPDATE SET \
                           title = CASE WHEN excluded.title <> '' THEN excluded.title ELSE changes.title END, \
                           url = COALESCE(excluded.url, changes.url), \
                           author = COALESCE(changes.author, excluded.author), \
                           state = excluded.state, \
                           draft = excluded.draft, \
                           head_branch = COALESCE(excluded.head_branch, changes.head_branch), \
                           base_branch = COALESCE(excluded.base_branch, changes.base_branch), \
                           head_sha = COALESCE(excluded.head_sha, changes.head_sha), \
                           review_state = COALESCE(excluded.review_state, changes.review_state), \
                           requested_reviewers = excluded.requested_reviewers, \
                           labels = excluded.labels, \
                           updated_at = excluded.updated_at, \
                           merge_commit_sha = COALESCE(excluded.merge_commit_sha, changes.merge_commit_sha)",
                    )
                    .bind(&change.source)
                    .bind(&change.repository)
                    .bind(change.number)
                    .bind(&change.title)
                    .bind(&change.url)
                    .bind(&change.author)
                    .bind(&change.state)
                    .bind(i32::from(change.draft))
                    .bind(&change.head_branch)
                    .bind(&change.base_branch)
                    .bind(&change.head_sha)
                    .bind(&change.review_state)
                    .bind(serde_json::to_string(&change.requested_reviewers).unwrap_or_default())
                    .bind(serde_json::to_string(&change.labels).unwrap_or_default())
                    .bind(change.opened_at.as_millisecond())
                    .bind(change.updated_at.as_millisecond())
                    .bind(&change.merge_commit_sha)
                    .execute(&mut *transaction)
                    .await?;
                }
                StateUpdate::Build(build) => {
                    sqlx::query(
                        "INSERT INTO builds (source, repository, sha, name, outcome, url, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7) \
                         ON CONFLICT (source, repository, sha, name) DO UPDATE SET \
                           outcome = excluded.outcome, url = COALESCE(excluded.url, builds.url), \
                           updated_at = excluded.updated_at",
                    )
                    .bind(&build.source)
                    .bind(&build.repository)
                    .bind(&build.sha)
                    .bind(&build.name)
                    .bind(build.outcome.as_str())
                    .bind(&build.url)
                    .bind(build.updated_at.as_millisecond())
                    .execute(&mut *transaction)
                    .await?;
                    Self::answer_pr_triggers(&mut transaction, build).await?;
                }
                StateUpdate::Commits(commits) => {
                    Self::insert_commits(&mut transaction, commits).await?;
                }
                StateUpdate::Deployment(deployment) => {
                    Self::project_deployment(&mut transaction, deployment).await?;
                    if deployment.status == crate::core::forge::Outcome::Success {
                        let timer = crate::store::Timer::deployment_shipped(
                            &deployment.id,
                            deployment.finished_at,
                        );
                        Self::insert_timers(&mut transaction, &[timer], deployment.finished_at)
                            .await?;
                    }
                }
                StateUpdate::Review(review) => {
                    sqlx::query(
                        "INSERT INTO pr_reviews (source, repository, number, reviewer, state, commit_sha, by_author, at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                         ON CONFLICT (source, repository, number, reviewer) DO UPDATE SET \
                           state = excluded.state, commit_sha = excluded.commit_sha, \
                           by_author = COALESCE(excluded.by_author, pr_reviews.by_author), at = excluded.at \
                         WHERE excluded.at >= pr_reviews.at",
                    )
                    .bind(&review.source)
                    .bind(&review.repository)
                    .bind(review.number)
                    .bind(&review.reviewer)
                    .bind(&review.state)
                    .bind(&review.commit_sha)
                    .bind(review.by_author.map(i32::from))
                    .bind(review.at.as_millisecond())
                    .execute(&mut *transaction)
                    .await?;
                }
                StateUpdate::Merge(merge) => {
                    Self::judge_merge(&mut transaction, merge).await?;
                }
                StateUpdate::Pipeline(run) => {
                    Self::project_pipeline(&mut transaction, run).await?;
                }
            }
        }
        sqlx::query(
            "INSERT INTO projections (name, tx, position) VALUES ($1, $2, $3) \
             ON CONFLICT (name) DO UPDATE SET tx = excluded.tx, position = excluded.position",
        )
        .bind(projection)
        .bind(position.tx)
        .bind(position.seq)
        .execute(&mut *transaction)
        .await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn pr_triggers(
        &self,
        command_key: &str,
    ) -> crate::store::Result<Vec<crate::store::forge::PrTrigger>> {
        let rows = sqlx::query("SELECT * FROM pr_triggers WHERE command_key = $1 ORDER BY id")
            .bind(command_key)
            .fetch_all(self.writer())
            .await?;
        rows.iter().map(pr_trigger_row).collect()
    }

    async fn get_pr_trigger(
        &self,
        id: &str,
    ) -> crate::store::Result<crate::store::forge::PrTrigger> {
        let row = sqlx::query("SELECT * FROM pr_triggers WHERE id = $1")
            .bind(id)
            .fetch_optional(self.writer())
            .await?
            .ok_or(crate::store::StoreError::NotFound)?;
        pr_trigger_row(&row)
    }

    async fn save_pr_triggers(
        &self,
        rows: &[crate::store::forge::PrTrigger],
        timers: &[crate::store::Timer],
        now: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        let mut transaction = self.writer().begin().await?;
        for row in rows {
            sqlx::query(
                "INSERT INTO pr_triggers (id, command_key, source, repository, number, target, expects, sha, branch, requested_by, requested_at, state, detail) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
                 ON CONFLICT (id) DO UPDATE SET sha = excluded.sha, branch = excluded.branch, \
                   state = excluded.state, detail = excluded.detail",
            )
            .bind(&row.id)
            .bind(&row.command_key)
            .bind(&row.source)
            .bind(&row.repository)
            .bind(row.number)
            .bind(&row.target)
            .bind(&row.expects)
            .bind(&row.sha)
            .bind(&row.branch)
            .bind(&row.requested_by)
            .bind(row.requested_at.as_millisecond())
            .bind(row.state.as_str())
            .bind(&row.detail)
            .execute(&mut *transaction)
            .await?;
        }
        Self::insert_timers(&mut transaction, timers, now).await?;
        transaction.commit().await?;
        Ok(())
    }

    async fn pipeline_repositories(
        &self,
    ) -> crate::store::Result<Vec<crate::store::forge::PipelineRepository>> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT repository, MAX(updated_at) AS last_seen, \
               (SELECT p.default_branch FROM pipeline_runs p WHERE p.repository = r.repository \
                  AND p.default_branch IS NOT NULL ORDER BY p.updated_at DESC LIMIT 1) AS default_branch \
             FROM pipeline_runs r GROUP BY repository ORDER BY last_seen DESC, repository LIMIT 100",
        )
        .fetch_all(self.reader())
        .await?;
        let mut repositories = Vec::with_capacity(rows.len());
        for row in rows {
            repositories.push(crate::store::forge::PipelineRepository {
                repository: row.try_get("repository")?,
                default_branch: row.try_get("default_branch")?,
                last_seen: crate::clock::from_millis(row.try_get("last_seen")?),
            });
        }
        Ok(repositories)
    }

    async fn pipeline_runs(
        &self,
        repository: &str,
        branch: &str,
        commits: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::PipelineRow>> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT r.source, r.repository, r.body, r.first_seen, c.title, c.author \
             FROM pipeline_runs r LEFT JOIN commits c ON c.sha = r.sha \
             WHERE r.repository = $1 AND r.branch = $2 AND r.sha IN ( \
               SELECT sha FROM pipeline_runs WHERE repository = $1 AND branch = $2 AND sha IS NOT NULL \
               GROUP BY sha ORDER BY MIN(first_seen) DESC LIMIT $3) \
             ORDER BY r.first_seen",
        )
        .bind(repository)
        .bind(branch)
        .bind(commits)
        .fetch_all(self.reader())
        .await?;
        let mut runs = Vec::with_capacity(rows.len());
        for row in rows {
            let body: String = row.try_get("body")?;
            let Ok(pipeline) = serde_json::from_str(&body) else {
                continue;
            };
            runs.push(crate::store::forge::PipelineRow {
                source: row.try_get("source")?,
                repository: row.try_get("repository")?,
                pipeline,
                first_seen: crate::clock::from_millis(row.try_get("first_seen")?),
                commit_title: row.try_get("title")?,
                commit_author: row.try_get("author")?,
            });
        }
        Ok(runs)
    }

    async fn merge_reviews(
        &self,
        repository: Option<&str>,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<Vec<crate::store::forge::MergeReview>> {
        let rows = sqlx::query(
            "SELECT * FROM merge_reviews WHERE merged_at >= $1 AND merged_at < $2 \
             AND ($3 IS NULL OR repository = $3) ORDER BY merged_at DESC, repository, number",
        )
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .bind(repository)
        .fetch_all(self.reader())
        .await?;
        rows.iter().map(merge_review_row).collect()
    }

    async fn get_merge_review(
        &self,
        source: &str,
        repository: &str,
        number: i64,
    ) -> crate::store::Result<crate::store::forge::MergeReview> {
        let row = sqlx::query(
            "SELECT * FROM merge_reviews WHERE source = $1 AND repository = $2 AND number = $3",
        )
        .bind(source)
        .bind(repository)
        .bind(number)
        .fetch_optional(self.writer())
        .await?
        .ok_or(crate::store::StoreError::NotFound)?;
        merge_review_row(&row)
    }

    async fn merged_changes(
        &self,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
        limit: i64,
    ) -> crate::store::Result<Vec<crate::store::forge::MergedChange>> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT source, repository, number, title, url, author, updated_at \
             FROM changes WHERE state = 'merged' AND updated_at >= $1 AND updated_at < $2 \
             ORDER BY updated_at DESC, repository, number LIMIT $3",
        )
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        let mut changes = Vec::with_capacity(rows.len());
        for row in rows {
            changes.push(crate::store::forge::MergedChange {
                source: row.try_get("source")?,
                repository: row.try_get("repository")?,
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                url: row.try_get("url")?,
                author: row.try_get("author")?,
                merged_at: crate::clock::from_millis(row.try_get("updated_at")?),
            });
        }
        Ok(changes)
    }

    async fn open_changes(&self) -> crate::store::Result<Vec<crate::store::forge::OpenChange>> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT c.source, c.repository, c.number, c.title, c.url, c.author, c.draft, c.head_branch, \
                    c.base_branch, c.review_state, c.requested_reviewers, c.labels, c.opened_at, b.outcome \
             FROM changes c LEFT JOIN builds b \
               ON b.source = c.source AND b.repository = c.repository AND b.sha = c.head_sha \
             WHERE c.state = 'open' ORDER BY c.repository, c.opened_at, c.number",
        )
        .fetch_all(self.reader())
        .await?;
        let mut changes: Vec<crate::store::forge::OpenChange> = Vec::new();
        let mut outcomes: Vec<Vec<crate::core::forge::Outcome>> = Vec::new();
        for row in rows {
            let source: String = row.try_get("source")?;
            let repository: String = row.try_get("repository")?;
            let number: i64 = row.try_get("number")?;
            let outcome = row
                .try_get::<Option<String>, _>("outcome")?
                .and_then(|o| crate::core::forge::Outcome::parse(&o));
            let same = changes.last().is_some_and(|last| {
                last.source == source && last.repository == repository && last.number == number
            });
            if !same {
                let reviewers: String = row.try_get("requested_reviewers")?;
                let labels: String = row.try_get("labels")?;
                changes.push(crate::store::forge::OpenChange {
                    source,
                    repository,
                    number,
                    title: row.try_get("title")?,
                    url: row.try_get("url")?,
                    author: row.try_get("author")?,
                    draft: row.try_get::<i32, _>("draft")? != 0,
                    head_branch: row.try_get("head_branch")?,
                    base_branch: row.try_get("base_branch")?,
                    review_state: row.try_get("review_state")?,
                    requested_reviewers: serde_json::from_str(&reviewers).unwrap_or_default(),
                    labels: serde_json::from_str(&labels).unwrap_or_default(),
                    opened_at: crate::clock::from_millis(row.try_get("opened_at")?),
                    ci: None,
                });
                outcomes.push(Vec::new());
            }
            if let (Some(outcome), Some(list)) = (outcome, outcomes.last_mut()) {
                list.push(outcome);
            }
        }
        for (change, list) in changes.iter_mut().zip(outcomes) {
            change.ci = crate::core::forge_state::ci_state(&list);
        }
        Ok(changes)
    }
}

fn pr_trigger_row(
    row: &<super::Db as sqlx::Database>::Row,
) -> crate::store::Result<crate::store::forge::PrTrigger> {
    use sqlx::Row as _;
    Ok(crate::store::forge::PrTrigger {
        id: row.try_get("id")?,
        command_key: row.try_get("command_key")?,
        source: row.try_get("source")?,
        repository: row.try_get("repository")?,
        number: row.try_get("number")?,
        target: row.try_get("target")?,
        expects: row.try_get("expects")?,
        sha: row.try_get("sha")?,
        branch: row.try_get("branch")?,
        requested_by: row.try_get("requested_by")?,
        requested_at: crate::clock::from_millis(row.try_get("requested_at")?),
        state: crate::store::forge::TriggerState::parse(&row.try_get::<String, _>("state")?),
        detail: row.try_get("detail")?,
        outcome: row.try_get("outcome")?,
        outcome_url: row.try_get("outcome_url")?,
        build_name: row.try_get("build_name")?,
        finished_at: row
            .try_get::<Option<i64>, _>("finished_at")?
            .map(crate::clock::from_millis),
    })
}

impl SqlStore {
    /// A finished build of a commit that a command started a build of answers that command's
    /// waiting targets (the first finished build of the CI that runs the target, after the
    /// request), each with one comment on the pull request. A webhook target's builds cannot
    /// be told apart from others, so it is not followed.
    async fn answer_pr_triggers(
        transaction: &mut sqlx::Transaction<'_, super::Db>,
        build: &crate::core::forge_state::BuildState,
    ) -> crate::store::Result<()> {
        use crate::core::forge::Outcome;
        if !matches!(
            build.outcome,
            Outcome::Success | Outcome::Failure | Outcome::Cancelled
        ) {
            return Ok(());
        }
        let at = build.updated_at.as_millisecond();
        let answered: Vec<String> = sqlx::query_scalar(
            "UPDATE pr_triggers SET outcome = $1, outcome_url = $2, build_name = $3, finished_at = $4 \
             WHERE sha = $5 AND outcome IS NULL AND state = 'started' AND requested_at <= $4 \
               AND expects = $6 \
             RETURNING id",
        )
        .bind(build.outcome.as_str())
        .bind(&build.url)
        .bind(&build.name)
        .bind(at)
        .bind(&build.sha)
        .bind(&build.source)
        .fetch_all(&mut **transaction)
        .await?;
        let timers: Vec<crate::store::Timer> = answered
            .iter()
            .map(|id| crate::store::Timer::build_outcome_answer(id, build.updated_at))
            .collect();
        Self::insert_timers(transaction, &timers, build.updated_at).await
    }
}

fn merge_review_row(
    row: &<super::Db as sqlx::Database>::Row,
) -> crate::store::Result<crate::store::forge::MergeReview> {
    use sqlx::Row as _;
    Ok(crate::store::forge::MergeReview {
        source: row.try_get("source")?,
        repository: row.try_get("repository")?,
        number: row.try_get("number")?,
        title: row.try_get("title")?,
        url: row.try_get("url")?,
        author: row.try_get("author")?,
        merged_by: row.try_get("merged_by")?,
        head_sha: row.try_get("head_sha")?,
        merged_at: crate::clock::from_millis(row.try_get("merged_at")?),
        finding: row
            .try_get::<Option<String>, _>("finding")?
            .and_then(|text| serde_json::from_str(&text).ok()),
    })
}

impl SqlStore {
    /// Merges what a CI event says of a run into the stored run (`core::pipeline::merge`).
    async fn project_pipeline(
        transaction: &mut sqlx::Transaction<'_, super::Db>,
        state: &crate::core::forge_state::PipelineState,
    ) -> crate::store::Result<()> {
        let stored: Option<String> = sqlx::query_scalar(
            "SELECT body FROM pipeline_runs WHERE source = $1 AND repository = $2 AND run = $3",
        )
        .bind(&state.source)
        .bind(&state.repository)
        .bind(&state.pipeline.run)
        .fetch_optional(&mut **transaction)
        .await?;
        let stored = stored.and_then(|body| serde_json::from_str(&body).ok());
        let run = crate::core::pipeline::merge(stored, state.pipeline.clone());
        let at = state.at.as_millisecond();
        sqlx::query(
            "INSERT INTO pipeline_runs (source, repository, run, sha, branch, default_branch, body, first_seen, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
             ON CONFLICT (source, repository, run) DO UPDATE SET sha = excluded.sha, \
               branch = excluded.branch, default_branch = excluded.default_branch, \
               body = excluded.body, updated_at = excluded.updated_at",
        )
        .bind(&state.source)
        .bind(&state.repository)
        .bind(&run.run)
        .bind(&run.sha)
        .bind(&run.branch)
        .bind(&run.default_branch)
        .bind(serde_json::to_string(&run).unwrap_or_default())
        .bind(at)
        .execute(&mut **transaction)
        .await?;
        Ok(())
    }

    /// Judges a merge by the reviews projected so far (`core::review_rule`), keeps the verdict,
    /// and asks for the routes to be told of a finding. A merge projected again (a redelivered
    /// event) keeps its first verdict.
    async fn judge_merge(
        transaction: &mut sqlx::Transaction<'_, super::Db>,
        merge: &crate::core::forge_state::MergeState,
    ) -> crate::store::Result<()> {
        use sqlx::Row as _;
        let rows = sqlx::query(
            "SELECT reviewer, state, commit_sha, by_author FROM pr_reviews \
             WHERE source = $1 AND repository = $2 AND number = $3",
        )
        .bind(&merge.source)
        .bind(&merge.repository)
        .bind(merge.number)
        .fetch_all(&mut **transaction)
        .await?;
        let mut reviews = Vec::with_capacity(rows.len());
        for row in rows {
            reviews.push(crate::core::review_rule::ReviewFact {
                reviewer: row.try_get("reviewer")?,
                state: row.try_get("state")?,
                commit_sha: row.try_get("commit_sha")?,
                by_author: row
                    .try_get::<Option<i32>, _>("by_author")?
                    .map(|flag| flag != 0),
            });
        }
        let author = match &merge.author {
            Some(author) => Some(author.clone()),
            None => sqlx::query_scalar::<_, Option<String>>(
                "SELECT author FROM changes WHERE source = $1 AND repository = $2 AND number = $3",
            )
            .bind(&merge.source)
            .bind(&merge.repository)
            .bind(merge.number)
            .fetch_optional(&mut **transaction)
            .await?
            .flatten(),
        };
        let finding =
            crate::core::review_rule::judge(author.as_deref(), merge.head_sha.as_deref(), &reviews);
        let inserted = sqlx::query(
            "INSERT INTO merge_reviews (source, repository, number, title, url, author, merged_by, head_sha, merged_at, finding) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT DO NOTHING",
        )
        .bind(&merge.source)
        .bind(&merge.repository)
        .bind(merge.number)
        .bind(&merge.title)
        .bind(&merge.url)
        .bind(&author)
        .bind(&merge.merged_by)
        .bind(&merge.head_sha)
        .bind(merge.merged_at.as_millisecond())
        .bind(finding.as_ref().and_then(|finding| serde_json::to_string(finding).ok()))
        .execute(&mut **transaction)
        .await?
        .rows_affected();
        if inserted > 0 && finding.is_some() {
            let timer = crate::store::Timer::review_finding(
                &merge.source,
                &merge.repository,
                merge.number,
                merge.merged_at,
            );
            Self::insert_timers(transaction, &[timer], merge.merged_at).await?;
        }
        Ok(())
    }
}
