//! SQL compiled once per backend (`store/sqlite.rs`, `store/postgres.rs`): `SqlStore` and `Db`
//! come from the including module.

use std::collections::HashMap;
use std::sync::Arc;

use sqlx::Row as _;

use super::{Db, SqlStore};
use crate::clock::from_millis;
use crate::core::dora::{self, Changes, DeployKind};
use crate::core::forge::Outcome;
use crate::core::forge_state::{CommitState, DeploymentState};
use crate::store::StoreError;
use crate::store::metrics::{Deployment, DeploymentFilter, DoraFacts, ShippedChange, Waiting};

const COLUMNS: &str = "seq, id, source, repository, service, environment, version, sha, status, kind, url, started_at, finished_at, changes, change_count, actor";

/// Commits followed back from a deployment at most: a longer gap is cut there.
const MOST_COMMITS: i64 = 1000;

fn row_to(row: &<Db as sqlx::Database>::Row) -> crate::store::Result<(i64, Deployment)> {
    Ok((
        row.try_get("seq")?,
        Deployment {
            id: row.try_get("id")?,
            source: row.try_get("source")?,
            repository: row.try_get("repository")?,
            service: row.try_get("service")?,
            environment: row.try_get("environment")?,
            version: row.try_get("version")?,
            sha: row.try_get("sha")?,
            status: row.try_get("status")?,
            kind: row.try_get("kind")?,
            url: row.try_get("url")?,
            started_at: row
                .try_get::<Option<i64>, _>("started_at")?
                .map(from_millis),
            finished_at: from_millis(row.try_get("finished_at")?),
            changes: row.try_get("changes")?,
            change_count: row.try_get("change_count")?,
            actor: row.try_get("actor")?,
        },
    ))
}

/// A deployment's DORA record as stored (`migrations/*/0022_deployment_records.sql`):
/// `id|service|environment|kind|finished_at|changes|leads`, each lead being a known change's
/// seconds from first commit to finished, comma-separated. No field holds '|' or ';' (what
/// the query joins records with): ids are generated, kinds and states are words, and services
/// and environments are checked names.
fn record(deployment: &DeploymentState, label: &str, changes: Option<&Changes>) -> String {
    let leads = match changes {
        Some(Changes::Known(leads)) => leads
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(","),
        _ => String::new(),
    };
    format!(
        "{}|{}|{}|{}|{}|{label}|{leads}",
        deployment.id,
        deployment.service,
        deployment.environment,
        deployment.kind.as_str(),
        deployment.finished_at.as_millisecond()
    )
}

/// The records `string_agg` joined with ';', back, leaving out any that is not one. Fields
/// and leads are cut byte by byte: a year of an organisation is ~100k records and a million
/// leads, and `str::split` on each separator in turn costs more than the query.
fn parse_records(packed: &str) -> Vec<dora::Deployment> {
    let mut names: rustc_hash::FxHashMap<&str, Arc<str>> = rustc_hash::FxHashMap::default();
    let mut deployments = Vec::new();
    for record in packed.split(';') {
        if let Some(deployment) = parse_record(record, &mut names) {
            deployments.push(deployment);
        }
    }
    deployments
}

fn parse_record<'p>(
    record: &'p str,
    names: &mut rustc_hash::FxHashMap<&'p str, Arc<str>>,
) -> Option<dora::Deployment> {
    let mut rest = record;
    let mut field = || -> Option<&'p str> {
        let end = rest.bytes().position(|byte| byte == b'|')?;
        let (field, after) = rest.split_at(end);
        rest = &after[1..];
        Some(field)
    };
    let (id, service, environment, kind, finished, changes) =
        (field()?, field()?, field()?, field()?, field()?, field()?);
    let leads = rest;
    let mut name = |text: &'p str| names.entry(text).or_insert_with(|| text.into()).clone();
    let finished_at = from_millis(finished.parse().ok()?);
    Some(dora::Deployment {
        id: id.to_owned(),
        service: name(service),
        environment: name(environment),
        finished_at,
        kind: DeployKind::parse(kind).unwrap_or(DeployKind::Planned),
        changes: match changes {
            "seed" => Changes::Seed,
            "known" => Changes::Known(parse_leads(leads).collect()),
            _ => Changes::Unknown,
        },
    })
}

/// Comma-separated whole numbers (a lead is negative when a clock was wrong), in one pass;
/// an item that is not one is skipped.
fn parse_leads(text: &str) -> impl Iterator<Item = i64> + '_ {
    text.as_bytes()
        .split(|&byte| byte == b',')
        .filter_map(|item| {
            let (negative, digits) = match item.split_first() {
                Some((b'-', digits)) => (true, digits),
                _ => (false, item),
            };
            if digits.is_empty() || digits.len() > 18 || !digits.iter().all(u8::is_ascii_digit) {
                return None;
            }
            let value = digits
                .iter()
                .fold(0_i64, |value, digit| value * 10 + i64::from(digit - b'0'));
            Some(if negative { -value } else { value })
        })
}

type Connection = <Db as sqlx::Database>::Connection;

impl SqlStore {
    /// Keeps pushed commits as first pushed: a commit pushed again (to another branch, in a
    /// merge) keeps its first branch and parent.
    pub(super) async fn insert_commits(
        connection: &mut Connection,
        commits: &[CommitState],
    ) -> crate::store::Result<()> {
        for chunk in commits.chunks(500) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO commits (sha, repository, parent, branch, committed_at, title, author) ",
            );
            builder.push_values(chunk, |mut row, commit| {
                row.push_bind(&commit.sha)
                    .push_bind(&commit.repository)
                    .push_bind(&commit.parent)
                    .push_bind(&commit.branch)
                    .push_bind(commit.committed_at.map(|at| at.as_millisecond()))
                    .push_bind(&commit.title)
                    .push_bind(&commit.author);
            });
            builder.push(" ON CONFLICT (sha) DO NOTHING");
            builder.build().execute(&mut *connection).await?;
        }
        Ok(())
    }

    /// The commits from `sha` back through their parents, stopping at a commit the service's
    /// environment already had (one a successful deployment of it finished by `finished`
    /// deployed) or where the stored pushes end. A rollback or a redeploy of a commit it had
    /// therefore walks nothing.
    async fn commits_back(
        connection: &mut Connection,
        sha: &str,
        deployment: &DeploymentState,
        finished: i64,
    ) -> crate::store::Result<Vec<String>> {
        let rows = sqlx::query(
            "WITH RECURSIVE deployed (sha) AS ( \
               SELECT sha FROM deployments WHERE service = $2 AND environment = $3 \
               AND status = 'success' AND finished_at <= $4 AND sha IS NOT NULL \
             ), chain (sha, parent, depth) AS ( \
               SELECT sha, parent, 1 FROM commits WHERE sha = $1 AND sha NOT IN (SELECT sha FROM deployed) \
               UNION ALL \
               SELECT c.sha, c.parent, chain.depth + 1 FROM commits c JOIN chain ON c.sha = chain.parent \
               WHERE c.sha NOT IN (SELECT sha FROM deployed) AND chain.depth < $5 \
             ) SELECT sha FROM chain",
        )
        .bind(sha)
        .bind(&deployment.service)
        .bind(&deployment.environment)
        .bind(finished)
        .bind(MOST_COMMITS)
        .fetch_all(&mut *connection)
        .await?;
        rows.iter().map(|row| Ok(row.try_get("sha")?)).collect()
    }

    /// Which of `shas` the service's environment already had by `finished`: deployed as a
    /// deployment's commit, or shipped as one of its changes. Each change counts once, at its
    /// first arrival.
    async fn already_shipped(
        connection: &mut Connection,
        shas: &[String],
        deployment: &DeploymentState,
        finished: i64,
    ) -> crate::store::Result<std::collections::HashSet<String>> {
        let mut shipped = std::collections::HashSet::new();
        for chunk in shas.chunks(500) {
            let mut builder =
                sqlx::QueryBuilder::<Db>::new("SELECT d.sha AS sha FROM deployments d WHERE ");
            let scope = |builder: &mut sqlx::QueryBuilder<'_, Db>| {
                builder
                    .push("d.service = ")
                    .push_bind(deployment.service.clone())
                    .push(" AND d.environment = ")
                    .push_bind(deployment.environment.clone())
                    .push(" AND d.status = 'success' AND d.finished_at <= ")
                    .push_bind(finished);
            };
            scope(&mut builder);
            builder.push(" AND d.sha IN (");
            let mut separated = builder.separated(", ");
            for sha in chunk {
                separated.push_bind(sha.clone());
            }
            builder.push(") UNION SELECT c.sha AS sha FROM deployments d JOIN deployment_changes c ON c.deployment_id = d.id WHERE ");
            scope(&mut builder);
            builder.push(" AND c.sha IN (");
            let mut separated = builder.separated(", ");
            for sha in chunk {
                separated.push_bind(sha.clone());
            }
            builder.push(")");
            for row in builder.build().fetch_all(&mut *connection).await? {
                shipped.insert(row.try_get("sha")?);
            }
        }
        Ok(shipped)
    }

    /// When each of `shas` was committed, and for those that merged a pull request, when the
    /// request's first commit was: the earliest commit of its head branch behind its head.
    async fn change_inputs(
        connection: &mut Connection,
        shas: &[String],
    ) -> crate::store::Result<(
        HashMap<String, jiff::Timestamp>,
        HashMap<String, jiff::Timestamp>,
    )> {
        let mut commits = HashMap::new();
        let mut pulls = HashMap::new();
        for chunk in shas.chunks(500) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(
                "SELECT sha, committed_at FROM commits WHERE sha IN (",
            );
            let mut separated = builder.separated(", ");
            for sha in chunk {
                separated.push_bind(sha.clone());
            }
            builder.push(")");
            for row in builder.build().fetch_all(&mut *connection).await? {
                if let Some(at) = row.try_get::<Option<i64>, _>("committed_at")? {
                    commits.insert(row.try_get("sha")?, from_millis(at));
                }
            }
            let mut builder = sqlx::QueryBuilder::<Db>::new(
                "SELECT merge_commit_sha, head_sha, head_branch FROM changes WHERE state = 'merged' AND merge_commit_sha IN (",
            );
            let mut separated = builder.separated(", ");
            for sha in chunk {
                separated.push_bind(sha.clone());
            }
            builder.push(")");
            let merged = builder.build().fetch_all(&mut *connection).await?;
            for row in merged {
                let merge: String = row.try_get("merge_commit_sha")?;
                let (Some(head), Some(branch)) = (
                    row.try_get::<Option<String>, _>("head_sha")?,
                    row.try_get::<Option<String>, _>("head_branch")?,
                ) else {
                    continue;
                };
                let first: Option<i64> = sqlx::query_scalar(
                    "WITH RECURSIVE chain (sha, parent, committed_at, depth) AS ( \
                       SELECT sha, parent, committed_at, 1 FROM commits WHERE sha = $1 \
                       UNION ALL \
                       SELECT c.sha, c.parent, c.committed_at, chain.depth + 1 FROM commits c \
                       JOIN chain ON c.sha = chain.parent WHERE c.branch = $2 AND chain.depth < $3 \
                     ) SELECT MIN(committed_at) FROM chain",
                )
                .bind(&head)
                .bind(&branch)
                .bind(MOST_COMMITS)
                .fetch_one(&mut *connection)
                .await?;
                if let Some(first) = first {
                    pulls.insert(merge, from_millis(first));
                }
            }
        }
        Ok((commits, pulls))
    }

    /// Stores a finished deployment with the changes it shipped: the commits back from it to
    /// what its service and environment already had, read from the stored pushes (or the ones
    /// the sender listed), less any the environment had before. Projected again, it changes
    /// nothing.
    pub(super) async fn project_deployment(
        connection: &mut Connection,
        deployment: &DeploymentState,
    ) -> crate::store::Result<()> {
        let known: Option<i64> = sqlx::query_scalar("SELECT seq FROM deployments WHERE id = $1")
            .bind(&deployment.id)
            .fetch_optional(&mut *connection)
            .await?;
        if known.is_some() {
            return Ok(());
        }
        let finished = deployment.finished_at.as_millisecond();
        let (changes, shas) = if deployment.status != Outcome::Success {
            (None, Vec::new())
        } else {
            // The first of its service and environment is the seed: what it shipped is unknowable.
            let earlier: Option<i64> = sqlx::query_scalar(
                "SELECT seq FROM deployments WHERE service = $1 AND environment = $2 \
                 AND status = 'success' AND finished_at <= $3 LIMIT 1",
            )
            .bind(&deployment.service)
            .bind(&deployment.environment)
            .bind(finished)
            .fetch_optional(&mut *connection)
            .await?;
            match earlier {
                None => (Some(Changes::Seed), Vec::new()),
                Some(_) => {
                    let mut shas = match (&deployment.sha, deployment.commits.is_empty()) {
                        (_, false) => deployment.commits.clone(),
                        (Some(sha), true) => {
                            Self::commits_back(connection, sha, deployment, finished).await?
                        }
                        (None, true) => Vec::new(),
                    };
                    let asked: Vec<String> = shas
                        .iter()
                        .chain(deployment.sha.as_ref())
                        .cloned()
                        .collect();
                    let shipped =
                        Self::already_shipped(connection, &asked, deployment, finished).await?;
                    shas.retain(|sha| !shipped.contains(sha));
                    let (commits, pulls) = Self::change_inputs(connection, &shas).await?;
                    // A commit the environment already had (a rollback, a redeploy) ships
                    // nothing new.
                    let had_it = shas.is_empty()
                        && deployment.commits.is_empty()
                        && deployment
                            .sha
                            .as_ref()
                            .is_some_and(|sha| shipped.contains(sha));
                    let changes = if had_it {
                        Changes::Known(Vec::new())
                    } else {
                        dora::change_times(&shas, &commits, &pulls, deployment.finished_at)
                    };
                    let shipped = shas
                        .into_iter()
                        .map(|sha| {
                            let first = dora::first_commit(&sha, &commits, &pulls);
                            (sha, first)
                        })
                        .collect();
                    (Some(changes), shipped)
                }
            }
        };
        let (label, count) = match &changes {
            None => ("none", 0),
            Some(Changes::Seed) => ("seed", 0),
            Some(Changes::Unknown) => ("unknown", 0),
            Some(Changes::Known(times)) => ("known", times.len()),
        };
        sqlx::query(
            "INSERT INTO deployments (id, source, repository, service, environment, version, sha, status, kind, url, started_at, finished_at, changes, record, change_count, actor) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        )
        .bind(&deployment.id)
        .bind(&deployment.source)
        .bind(&deployment.repository)
        .bind(&deployment.service)
        .bind(&deployment.environment)
        .bind(&deployment.version)
        .bind(&deployment.sha)
        .bind(deployment.status.as_str())
        .bind(deployment.kind.as_str())
        .bind(&deployment.url)
        .bind(deployment.started_at.map(|at| at.as_millisecond()))
        .bind(finished)
        .bind(label)
        .bind(record(deployment, label, changes.as_ref()))
        .bind(i64::try_from(count).unwrap_or(i64::MAX))
        .bind(&deployment.actor)
        .execute(&mut *connection)
        .await?;
        for chunk in shas.chunks(500) {
            let mut builder = sqlx::QueryBuilder::<Db>::new(
                "INSERT INTO deployment_changes (deployment_id, sha, first_commit_at) ",
            );
            builder.push_values(chunk, |mut row, (sha, first)| {
                row.push_bind(&deployment.id)
                    .push_bind(sha)
                    .push_bind(first.map(|at| at.as_millisecond()));
            });
            builder.push(" ON CONFLICT (deployment_id, sha) DO NOTHING");
            builder.build().execute(&mut *connection).await?;
        }
        Ok(())
    }
}

impl SqlStore {
    /// The successful deployments finished in `[from, to)` (milliseconds), in time order.
    async fn deployment_records(
        &self,
        services: Option<&[String]>,
        environments: &[String],
        from: i64,
        to: i64,
    ) -> crate::store::Result<Vec<dora::Deployment>> {
        if from >= to {
            return Ok(Vec::new());
        }
        // The records come packed into one string: taking ~100k rows one at a time, or
        // packing them here, costs several times what reading one column does.
        let mut builder = sqlx::QueryBuilder::<Db>::new(
            "SELECT string_agg(record, ';') FROM deployments \
             WHERE status = 'success' AND finished_at >= ",
        );
        builder
            .push_bind(from)
            .push(" AND finished_at < ")
            .push_bind(to)
            .push(" AND environment IN (");
        let mut separated = builder.separated(", ");
        for environment in environments {
            separated.push_bind(environment.clone());
        }
        builder.push(")");
        if let Some(services) = services {
            builder.push(" AND service IN (");
            let mut separated = builder.separated(", ");
            for service in services {
                separated.push_bind(service.clone());
            }
            builder.push(")");
        }
        let packed: Option<String> = builder.build().fetch_one(self.reader()).await?.try_get(0)?;
        let Some(packed) = packed else {
            return Ok(Vec::new());
        };
        // Parsing a year takes tens of milliseconds: off the async workers, which keep
        // taking webhooks meanwhile.
        tokio::task::spawn_blocking(move || parse_records(&packed))
            .await
            .map_err(|error| std::io::Error::other(error.to_string()).into())
    }

    /// The incidents that started in `[from, to)` (milliseconds) on any of the services, and
    /// those, whenever they started, that name a deployment finished in it: a named cause
    /// counts however late it was found. Declined and merged incidents were not incidents.
    async fn dora_incidents(
        &self,
        services: Option<&[String]>,
        from: i64,
        to: i64,
    ) -> crate::store::Result<Vec<dora::Incident>> {
        // Packed the same way: `id|started|restored|services|cause`. Service is restored
        // when the incident is mitigated (else resolved). The cause is last, and free text:
        // a ';' in it becomes a '|', which no deployment id holds either.
        let packed: Option<String> = sqlx::query_scalar(
            "SELECT string_agg(id || '|' || CAST(COALESCE(impact_started_at, detected_at, created_at) AS TEXT) \
             || '|' || COALESCE(CAST(COALESCE(mitigated_at, resolved_at) AS TEXT), '') || '|' || services \
             || '|' || COALESCE(replace(causing_deployment, ';', '|'), ''), ';') FROM incidents \
             WHERE state NOT IN ('declined', 'merged') \
             AND ((COALESCE(impact_started_at, detected_at, created_at) >= $1 \
             AND COALESCE(impact_started_at, detected_at, created_at) < $2) \
             OR causing_deployment IN (SELECT id FROM deployments WHERE finished_at >= $1 AND finished_at < $2))",
        )
        .bind(from)
        .bind(to)
        .fetch_one(self.reader())
        .await?;
        let mut incidents = Vec::new();
        for record in packed.as_deref().unwrap_or_default().split(';') {
            let mut fields = record.splitn(5, '|');
            let (Some(id), Some(started), Some(restored), Some(services_text), Some(cause)) = (
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
                fields.next(),
            ) else {
                continue;
            };
            let incident_services: Vec<String> =
                serde_json::from_str(services_text).unwrap_or_default();
            if let Some(wanted) = services {
                if !incident_services.iter().any(|s| wanted.contains(s)) {
                    continue;
                }
            }
            let Ok(started) = started.parse() else {
                continue;
            };
            incidents.push(dora::Incident {
                id: id.to_owned(),
                services: incident_services,
                started_at: from_millis(started),
                resolved_at: restored.parse().ok().map(from_millis),
                causing_deployment: Some(cause.to_owned()).filter(|cause| !cause.is_empty()),
            });
        }
        Ok(incidents)
    }
}

#[async_trait::async_trait]
impl crate::store::metrics::MetricsStore for SqlStore {
    async fn list_deployments(
        &self,
        filter: &DeploymentFilter,
    ) -> crate::store::Result<Vec<(i64, Deployment)>> {
        let mut builder =
            sqlx::QueryBuilder::<Db>::new(format!("SELECT {COLUMNS} FROM deployments WHERE 1 = 1"));
        if let Some(services) = &filter.services {
            if services.is_empty() {
                return Ok(Vec::new());
            }
            builder.push(" AND service IN (");
            let mut separated = builder.separated(", ");
            for service in services {
                separated.push_bind(service.clone());
            }
            builder.push(")");
        }
        if let Some(environment) = &filter.environment {
            builder
                .push(" AND environment = ")
                .push_bind(environment.clone());
        }
        if let Some(from) = filter.from {
            builder
                .push(" AND finished_at >= ")
                .push_bind(from.as_millisecond());
        }
        if let Some(to) = filter.to {
            builder
                .push(" AND finished_at < ")
                .push_bind(to.as_millisecond());
        }
        if let Some(before) = filter.before {
            builder.push(" AND seq < ").push_bind(before);
        }
        builder
            .push(" ORDER BY seq DESC LIMIT ")
            .push_bind(filter.limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter().map(row_to).collect()
    }

    async fn deployed_now(&self) -> crate::store::Result<Vec<Deployment>> {
        // The newest successful row of each service and environment: one pass to find them,
        // then each by its key.
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM deployments WHERE seq IN \
             (SELECT MAX(seq) FROM deployments WHERE status = 'success' \
              GROUP BY service, environment) \
             ORDER BY service, environment"
        ))
        .fetch_all(self.reader())
        .await?;
        rows.iter()
            .map(|row| row_to(row).map(|(_, deployment)| deployment))
            .collect()
    }

    async fn waiting_to_ship(
        &self,
        service: &str,
        repositories: &[String],
        environments: &[String],
        limit: i64,
    ) -> crate::store::Result<Vec<Waiting>> {
        if repositories.is_empty() || environments.is_empty() {
            return Ok(Vec::new());
        }
        let production = |builder: &mut sqlx::QueryBuilder<'_, Db>| {
            builder
                .push("d.service = ")
                .push_bind(service.to_owned())
                .push(" AND d.status = 'success' AND d.environment IN (");
            let mut separated = builder.separated(", ");
            for environment in environments {
                separated.push_bind(environment.clone());
            }
            builder.push(")");
        };
        let mut builder = sqlx::QueryBuilder::<Db>::new(
            "SELECT c.source, c.repository, c.number, c.title, c.url, c.author, \
             c.merge_commit_sha, c.updated_at FROM changes c \
             WHERE c.state = 'merged' AND c.merge_commit_sha IS NOT NULL AND c.repository IN (",
        );
        let mut separated = builder.separated(", ");
        for repository in repositories {
            separated.push_bind(repository.clone());
        }
        // Since the service first reached production: what merged before that was never
        // tracked as shipped.
        builder.push(") AND c.updated_at > (SELECT MIN(d.finished_at) FROM deployments d WHERE ");
        production(&mut builder);
        builder.push(
            ") AND NOT EXISTS (SELECT 1 FROM deployment_changes s \
             JOIN deployments d ON d.id = s.deployment_id WHERE s.sha = c.merge_commit_sha AND ",
        );
        production(&mut builder);
        builder.push(
            ") AND NOT EXISTS (SELECT 1 FROM deployments d WHERE d.sha = c.merge_commit_sha AND ",
        );
        production(&mut builder);
        builder
            .push(") ORDER BY c.updated_at, c.repository, c.number LIMIT ")
            .push_bind(limit.max(1));
        let rows = builder.build().fetch_all(self.reader()).await?;
        rows.iter()
            .map(|row| {
                Ok(Waiting {
                    source: row.try_get("source")?,
                    repository: row.try_get("repository")?,
                    number: row.try_get("number")?,
                    title: row.try_get("title")?,
                    url: row.try_get("url")?,
                    author: row.try_get("author")?,
                    commit: row.try_get("merge_commit_sha")?,
                    merged_at: from_millis(row.try_get("updated_at")?),
                })
            })
            .collect()
    }

    async fn shipped_pulls(
        &self,
        deployment_id: &str,
    ) -> crate::store::Result<Vec<crate::store::metrics::ShippedPull>> {
        let rows = sqlx::query(
            "SELECT DISTINCT c.source, c.repository, c.number, c.title, c.url, c.head_branch \
             FROM changes c JOIN deployment_changes s ON s.sha = c.merge_commit_sha \
             WHERE s.deployment_id = $1 AND c.state = 'merged' \
             ORDER BY c.repository, c.number",
        )
        .bind(deployment_id)
        .fetch_all(self.reader())
        .await?;
        let mut pulls = Vec::with_capacity(rows.len());
        for row in rows {
            pulls.push(crate::store::metrics::ShippedPull {
                source: row.try_get("source")?,
                repository: row.try_get("repository")?,
                number: row.try_get("number")?,
                title: row.try_get("title")?,
                url: row.try_get("url")?,
                head_branch: row.try_get("head_branch")?,
            });
        }
        Ok(pulls)
    }

    async fn ticket_commented(&self, issue: &str, subject: &str) -> crate::store::Result<bool> {
        let found: Option<i64> =
            sqlx::query_scalar("SELECT at FROM ticket_comments WHERE issue = $1 AND subject = $2")
                .bind(issue)
                .bind(subject)
                .fetch_optional(self.writer())
                .await?;
        Ok(found.is_some())
    }

    async fn mark_ticket_comment(
        &self,
        issue: &str,
        subject: &str,
        at: jiff::Timestamp,
    ) -> crate::store::Result<()> {
        sqlx::query(
            "INSERT INTO ticket_comments (issue, subject, at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
        )
        .bind(issue)
        .bind(subject)
        .bind(at.as_millisecond())
        .execute(self.writer())
        .await?;
        Ok(())
    }

    async fn get_deployment(
        &self,
        id: &str,
    ) -> crate::store::Result<(Deployment, Vec<ShippedChange>)> {
        let mut connection = self.reader().acquire().await?;
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM deployments WHERE id = $1"))
            .bind(id)
            .fetch_optional(&mut *connection)
            .await?
            .ok_or(StoreError::NotFound)?;
        let (_, deployment) = row_to(&row)?;
        let rows = sqlx::query(
            "SELECT d.sha, d.first_commit_at, c.title, c.author, c.repository \
             FROM deployment_changes d LEFT JOIN commits c ON c.sha = d.sha \
             WHERE d.deployment_id = $1 ORDER BY d.first_commit_at, d.sha",
        )
        .bind(id)
        .fetch_all(&mut *connection)
        .await?;
        let changes = rows
            .iter()
            .map(|row| {
                Ok(ShippedChange {
                    sha: row.try_get("sha")?,
                    first_commit_at: row
                        .try_get::<Option<i64>, _>("first_commit_at")?
                        .map(from_millis),
                    title: row.try_get("title")?,
                    author: row.try_get("author")?,
                    repository: row.try_get("repository")?,
                })
            })
            .collect::<crate::store::Result<Vec<_>>>()?;
        Ok((deployment, changes))
    }

    async fn dora_facts(
        &self,
        services: Option<&[String]>,
        environments: &[String],
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<DoraFacts> {
        if environments.is_empty() || services.is_some_and(<[String]>::is_empty) {
            return Ok(DoraFacts::default());
        }
        // A year of an organisation is ~100k deployments: the window's two halves are read
        // and parsed at once, beside the incidents, so a long window takes both cores.
        let (from_ms, to_ms) = (from.as_millisecond(), to.as_millisecond());
        let middle = from_ms + (to_ms - from_ms).max(0) / 2;
        let (mut deployments, later, incidents) = tokio::try_join!(
            self.deployment_records(services, environments, from_ms, middle),
            self.deployment_records(services, environments, middle, to_ms),
            self.dora_incidents(services, from_ms, to_ms),
        )?;
        deployments.extend(later);
        Ok(DoraFacts {
            deployments,
            incidents,
        })
    }

    async fn ops_facts(
        &self,
        services: Option<&[String]>,
        from: jiff::Timestamp,
        to: jiff::Timestamp,
    ) -> crate::store::Result<(
        Vec<crate::core::operations::Incident>,
        Vec<crate::core::operations::ActionItem>,
    )> {
        use crate::core::operations::{ActionItem, Incident};
        let wanted = |text: &str| -> bool {
            let listed: Vec<String> = serde_json::from_str(text).unwrap_or_default();
            services.is_none_or(|wanted| listed.iter().any(|s| wanted.contains(s)))
        };
        let rows = sqlx::query(
            "SELECT i.id, i.severity, i.services, i.impact_started_at, i.detected_at, i.created_at, \
                    i.acknowledged_at, i.resolved_at, p.state AS postmortem \
             FROM incidents i LEFT JOIN postmortems p ON p.incident_id = i.id \
             WHERE i.state NOT IN ('declined', 'merged') \
               AND COALESCE(i.impact_started_at, i.detected_at, i.created_at) >= $1 \
               AND COALESCE(i.impact_started_at, i.detected_at, i.created_at) < $2",
        )
        .bind(from.as_millisecond())
        .bind(to.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        let mut incidents = Vec::new();
        for row in rows {
            if !wanted(&row.try_get::<String, _>("services")?) {
                continue;
            }
            let time = |column: &str| -> crate::store::Result<Option<jiff::Timestamp>> {
                Ok(row.try_get::<Option<i64>, _>(column)?.map(from_millis))
            };
            incidents.push(Incident {
                id: row.try_get("id")?,
                severity: row.try_get("severity")?,
                started_at: time("impact_started_at")?
                    .or(time("detected_at")?)
                    .unwrap_or(from_millis(row.try_get("created_at")?)),
                acknowledged_at: time("acknowledged_at")?,
                resolved_at: time("resolved_at")?,
                postmortem: row.try_get("postmortem")?,
            });
        }
        let rows = sqlx::query(
            "SELECT a.status, a.created_at, a.overdue_at, a.done_at, i.services \
             FROM action_items a JOIN incidents i ON i.id = a.incident_id WHERE a.created_at < $1",
        )
        .bind(to.as_millisecond())
        .fetch_all(self.reader())
        .await?;
        let mut items = Vec::new();
        for row in rows {
            if !wanted(&row.try_get::<String, _>("services")?) {
                continue;
            }
            items.push(ActionItem {
                status: row.try_get("status")?,
                created_at: from_millis(row.try_get("created_at")?),
                overdue_at: from_millis(row.try_get("overdue_at")?),
                done_at: row.try_get::<Option<i64>, _>("done_at")?.map(from_millis),
            });
        }
        Ok((incidents, items))
    }
}
