//! DORA's five keys over a window, from plain facts: production deployments (with when each
//! of their changes was first committed), and incidents. No I/O: the store gathers the facts,
//! and each figure comes back with its method and, when it has no value, the reason.
//!
//! - Deployment frequency: successful production deployments per day, week and month.
//! - Change lead time: the median, over changes, of first commit → the deployment that
//!   shipped it finishing. A squash-merged pull request counts from its own first commit
//!   (`change_times`), so lead time survives squash merges. A service's first deployment is a
//!   seed (nothing before it to count from) and one whose commits are unknown is left out,
//!   never counted as zero.
//! - Change failure rate: failed deployments over deployments. A deployment failed when an
//!   incident names it (`causing_deployment`); when the next deployment of its service and
//!   environment is a rollback, revert or hotfix; or when an incident that names no
//!   deployment started on its service within `attribution_window` after it finished, and it
//!   was that service's latest deployment then. Never by an incident weeks later.
//! - Failed deployment recovery time: the median from a failed deployment to recovery: its
//!   incident's mitigation (else its resolution), else the deployment that replaced it.
//! - Deployment rework rate: unplanned deployments (rollback, revert, hotfix) over all.

use std::collections::HashMap;
use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rustc_hash::FxHashMap;
use serde::Serialize;

/// Why a deployment happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeployKind {
    Planned,
    Hotfix,
    Rollback,
    Revert,
}

impl DeployKind {
    pub fn parse(text: &str) -> Option<DeployKind> {
        match text {
            "planned" => Some(DeployKind::Planned),
            "hotfix" => Some(DeployKind::Hotfix),
            "rollback" => Some(DeployKind::Rollback),
            "revert" => Some(DeployKind::Revert),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DeployKind::Planned => "planned",
            DeployKind::Hotfix => "hotfix",
            DeployKind::Rollback => "rollback",
            DeployKind::Revert => "revert",
        }
    }

    /// Work nobody planned: it fixes or undoes an earlier deployment.
    pub fn unplanned(self) -> bool {
        self != DeployKind::Planned
    }
}

/// What a deployment shipped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "lead_seconds")]
pub enum Changes {
    /// The first deployment of its service and environment: nothing before it to count from.
    Seed,
    /// Its commits are not in the stored pushes and pull requests.
    Unknown,
    /// Each change's lead: whole seconds from its first commit to the deployment finishing
    /// (below zero when a clock was wrong; counted as zero).
    Known(Vec<i64>),
}

/// A successful deployment to a production environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub id: String,
    /// Shared: a year of an organisation is ~100k deployments of a few dozen services.
    pub service: Arc<str>,
    pub environment: Arc<str>,
    pub finished_at: Timestamp,
    pub kind: DeployKind,
    pub changes: Changes,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    pub services: Vec<String>,
    pub started_at: Timestamp,
    pub resolved_at: Option<Timestamp>,
    pub causing_deployment: Option<String>,
}

/// A commit as a push lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Commit {
    pub sha: String,
    pub at: Timestamp,
}

/// The changes of a deployment that finished at `finished`, from its commits (`shas`): a
/// commit that merged a pull request (`pulls`: merge or squash commit → the request's first
/// commit) counts from the request's first commit; any other from its own time. Commits found
/// nowhere are left out; when none is found the changes are unknown.
pub fn change_times(
    shas: &[String],
    commits: &HashMap<String, Timestamp>,
    pulls: &HashMap<String, Timestamp>,
    finished: Timestamp,
) -> Changes {
    let leads: Vec<i64> = shas
        .iter()
        .filter_map(|sha| first_commit(sha, commits, pulls))
        .map(|first| finished.duration_since(first).as_secs())
        .collect();
    if leads.is_empty() {
        Changes::Unknown
    } else {
        Changes::Known(leads)
    }
}

/// When the change a commit brings was first committed: the pull request it merged counts
/// from the request's first commit, any other commit from its own time.
pub fn first_commit(
    sha: &str,
    commits: &HashMap<String, Timestamp>,
    pulls: &HashMap<String, Timestamp>,
) -> Option<Timestamp> {
    match (pulls.get(sha).copied(), commits.get(sha).copied()) {
        (Some(pull), Some(own)) => Some(pull.min(own)),
        (pull, own) => pull.or(own),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// How long after a deployment an incident on its service is put down to it.
    pub attribution_window: SignedDuration,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            attribution_window: SignedDuration::from_hours(24),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frequency {
    pub deployments: usize,
    pub per_day: f64,
    pub per_week: f64,
    pub per_month: f64,
    /// DORA's answer choices: `on_demand`, `daily_to_weekly`, `weekly_to_monthly`,
    /// `monthly_to_biannually`, `less_than_biannually`.
    pub class: Option<&'static str>,
    pub method: &'static str,
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LeadTime {
    pub median_seconds: Option<i64>,
    /// Changes counted, and deployments left out.
    pub changes: usize,
    pub seeds: usize,
    pub unknown: usize,
    pub method: &'static str,
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rate {
    pub value: Option<f64>,
    pub count: usize,
    pub of: usize,
    pub method: &'static str,
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recovery {
    pub median_seconds: Option<i64>,
    pub recovered: usize,
    pub not_recovered: usize,
    pub method: &'static str,
    pub na_reason: Option<String>,
}

/// Why a deployment counts as failed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "by")]
pub enum FailedBy {
    /// An incident names it.
    Incident { incident: String },
    /// The next deployment undid or fixed it.
    Followup { followed_by: String },
    /// An incident on its service started soon after it.
    Time { incident: String },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Failed {
    pub deployment: String,
    #[serde(flatten)]
    pub by: FailedBy,
    pub recovered_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: Timestamp,
    pub to: Timestamp,
    pub deployment_frequency: Frequency,
    pub lead_time: LeadTime,
    pub change_failure_rate: Rate,
    pub recovery_time: Recovery,
    pub rework_rate: Rate,
    /// The failed deployments in the window, with why: the drill-down.
    pub failed: Vec<Failed>,
}

/// The median of whole seconds; of an even count, the mean of the middle two.
fn median(mut values: Vec<i64>) -> Option<i64> {
    if values.is_empty() {
        return None;
    }
    // A year of an organisation is about a million changes: selecting the middle is linear
    // where sorting them is not.
    let middle = values.len() / 2;
    let odd = values.len() % 2 == 1;
    let (below, &mut upper, _) = values.select_nth_unstable(middle);
    Some(if odd {
        upper
    } else {
        // The lower middle is the largest of those below.
        let lower = below.iter().copied().max().unwrap_or(upper);
        (lower + upper) / 2
    })
}

fn frequency_class(per_day: f64) -> &'static str {
    if per_day >= 1.0 {
        "on_demand"
    } else if per_day >= 1.0 / 7.0 {
        "daily_to_weekly"
    } else if per_day >= 1.0 / 30.44 {
        "weekly_to_monthly"
    } else if per_day >= 1.0 / 182.6 {
        "monthly_to_biannually"
    } else {
        "less_than_biannually"
    }
}

/// The five keys for the deployments finished in `[from, to)`. `deployments` holds every
/// production deployment the store has for the services asked about, inside the window and
/// before and after it (the one after a deployment says whether it was rolled back), and
/// `incidents` those of the same services.
pub fn report(
    deployments: &[Deployment],
    incidents: &[Incident],
    from: Timestamp,
    to: Timestamp,
    settings: &Settings,
) -> Report {
    History::new(deployments, incidents, settings).report(from, to)
}

/// Deployments in time order with which of them failed and how they recovered: what does not
/// depend on the window, worked out once, so a trend's weeks are each a slice of it.
pub struct History<'d> {
    /// In time order (ties by id).
    all: Vec<&'d Deployment>,
    /// Per deployment (by its place in `all`): why it failed and when it recovered.
    failure: Vec<Option<(FailedBy, Option<Timestamp>)>>,
}

impl<'d> History<'d> {
    pub fn new(
        deployments: &'d [Deployment],
        incidents: &[Incident],
        settings: &Settings,
    ) -> History<'d> {
        let mut all: Vec<&Deployment> = deployments.iter().collect();
        // The store hands them over in time order already; a stable sort of sorted input is
        // one pass.
        all.sort_by(|a, b| a.finished_at.cmp(&b.finished_at).then(a.id.cmp(&b.id)));
        // Each service's (and each service and environment's) deployments, in time order, as
        // places in `all`: the next one and the latest before an instant are a step or a
        // binary search away.
        let mut next: Vec<Option<usize>> = vec![None; all.len()];
        let mut last_in: FxHashMap<(&str, &str), usize> = FxHashMap::default();
        let mut by_service: FxHashMap<&str, Vec<usize>> = FxHashMap::default();
        for (index, deployment) in all.iter().enumerate() {
            let key = (&*deployment.service, &*deployment.environment);
            match last_in.get_mut(&key) {
                Some(previous) => {
                    next[*previous] = Some(index);
                    *previous = index;
                }
                None => {
                    last_in.insert(key, index);
                }
            }
            match by_service.get_mut(&*deployment.service) {
                Some(list) => list.push(index),
                None => {
                    by_service.insert(&deployment.service, vec![index]);
                }
            }
        }
        // Only the deployments incidents name are looked up by id.
        let mut named: FxHashMap<&str, Option<usize>> = incidents
            .iter()
            .filter_map(|incident| incident.causing_deployment.as_deref())
            .map(|id| (id, None))
            .collect();
        if !named.is_empty() {
            for (index, deployment) in all.iter().enumerate() {
                if let Some(place) = named.get_mut(deployment.id.as_str()) {
                    *place = Some(index);
                }
            }
        }
        let latest_before = |service: &str, at: Timestamp| -> Option<usize> {
            let list = by_service.get(service)?;
            let after = list.partition_point(|&index| all[index].finished_at <= at);
            after.checked_sub(1).map(|place| list[place])
        };
        let mut failure: Vec<Option<(FailedBy, Option<Timestamp>)>> = vec![None; all.len()];
        // A deployment two incidents point at failed by the earlier.
        let mut incidents: Vec<&Incident> = incidents.iter().collect();
        incidents.sort_by(|a, b| a.started_at.cmp(&b.started_at).then(a.id.cmp(&b.id)));
        for incident in incidents {
            let blamed: Option<usize> = match &incident.causing_deployment {
                Some(cause) => named.get(cause.as_str()).copied().flatten(),
                None => incident
                    .services
                    .iter()
                    .filter_map(|service| latest_before(service, incident.started_at))
                    .filter(|&index| {
                        incident.started_at.duration_since(all[index].finished_at)
                            <= settings.attribution_window
                    })
                    // `all` is in time order, ties by id: the latest is the furthest along.
                    .max(),
            };
            let Some(index) = blamed else { continue };
            if failure[index].is_some() {
                continue;
            }
            let by = if incident.causing_deployment.is_some() {
                FailedBy::Incident {
                    incident: incident.id.clone(),
                }
            } else {
                FailedBy::Time {
                    incident: incident.id.clone(),
                }
            };
            failure[index] = Some((by, incident.resolved_at));
        }
        for index in 0..all.len() {
            if failure[index].is_some() {
                continue;
            }
            if let Some(next) = next[index].filter(|&next| all[next].kind.unplanned()) {
                failure[index] = Some((
                    FailedBy::Followup {
                        followed_by: all[next].id.clone(),
                    },
                    Some(all[next].finished_at),
                ));
            }
        }
        History { all, failure }
    }

    /// The five keys for the deployments finished in `[from, to)`.
    pub fn report(&self, from: Timestamp, to: Timestamp) -> Report {
        let start = self.all.partition_point(|d| d.finished_at < from);
        let end = self.all.partition_point(|d| d.finished_at < to).max(start);
        let inside = &self.all[start..end];
        let days = to.duration_since(from).as_secs_f64() / 86_400.0;
        let empty_window = days <= 0.0;
        let no_deployments = || {
            if empty_window {
                "the window is empty".to_owned()
            } else {
                "no production deployments in the window".to_owned()
            }
        };

        let deployment_frequency = if empty_window {
            Frequency {
                deployments: 0,
                per_day: 0.0,
                per_week: 0.0,
                per_month: 0.0,
                class: None,
                method: FREQUENCY_METHOD,
                na_reason: Some(no_deployments()),
            }
        } else {
            let per_day = inside.len() as f64 / days;
            Frequency {
                deployments: inside.len(),
                per_day,
                per_week: per_day * 7.0,
                per_month: per_day * 30.44,
                class: Some(frequency_class(per_day)),
                method: FREQUENCY_METHOD,
                na_reason: None,
            }
        };

        // Lead time: every known change of the window's deployments.
        let known: usize = inside
            .iter()
            .map(|deployment| match &deployment.changes {
                Changes::Known(leads) => leads.len(),
                _ => 0,
            })
            .sum();
        let (mut leads, mut seeds, mut unknown) = (Vec::with_capacity(known), 0, 0);
        for deployment in inside {
            match &deployment.changes {
                Changes::Seed => seeds += 1,
                Changes::Unknown => unknown += 1,
                Changes::Known(times) => leads.extend(times.iter().map(|lead| (*lead).max(0))),
            }
        }
        let lead_reason = if inside.is_empty() {
            Some(no_deployments())
        } else if leads.is_empty() && seeds + unknown == 0 {
            Some("the window's deployments shipped no new commits (redeployments)".to_owned())
        } else if leads.is_empty() {
            Some(format!(
                "no deployment in the window has known commits ({seeds} seeds, {unknown} with commits not in the stored pushes)"
            ))
        } else {
            None
        };
        let lead_time = LeadTime {
            changes: leads.len(),
            median_seconds: median(leads),
            seeds,
            unknown,
            method: LEAD_METHOD,
            na_reason: lead_reason,
        };

        // In time order, as `inside` is.
        let failed: Vec<Failed> = (start..end)
            .filter_map(|index| {
                let (by, recovered_at) = self.failure[index].clone()?;
                Some(Failed {
                    deployment: self.all[index].id.clone(),
                    by,
                    recovered_at,
                })
            })
            .collect();
        let change_failure_rate = Rate {
            value: (!inside.is_empty()).then(|| failed.len() as f64 / inside.len() as f64),
            count: failed.len(),
            of: inside.len(),
            method: FAILURE_METHOD,
            na_reason: inside.is_empty().then(no_deployments),
        };

        let recoveries: Vec<i64> = (start..end)
            .filter_map(|index| {
                let at = self.failure[index].as_ref()?.1?;
                Some(
                    at.duration_since(self.all[index].finished_at)
                        .as_secs()
                        .max(0),
                )
            })
            .collect();
        let not_recovered = failed.len() - recoveries.len();
        let recovery_reason = if inside.is_empty() {
            Some(no_deployments())
        } else if failed.is_empty() {
            Some("no deployment in the window failed".to_owned())
        } else if recoveries.is_empty() {
            Some(format!(
                "none of the {} failed deployments has recovered yet",
                failed.len()
            ))
        } else {
            None
        };
        let recovery_time = Recovery {
            recovered: recoveries.len(),
            median_seconds: median(recoveries),
            not_recovered,
            method: RECOVERY_METHOD,
            na_reason: recovery_reason,
        };

        let unplanned = inside.iter().filter(|d| d.kind.unplanned()).count();
        let rework_rate = Rate {
            value: (!inside.is_empty()).then(|| unplanned as f64 / inside.len() as f64),
            count: unplanned,
            of: inside.len(),
            method: REWORK_METHOD,
            na_reason: inside.is_empty().then(no_deployments),
        };

        Report {
            from,
            to,
            deployment_frequency,
            lead_time,
            change_failure_rate,
            recovery_time,
            rework_rate,
            failed,
        }
    }
}

const FREQUENCY_METHOD: &str =
    "successful production deployments finished in the window, over its length";
const LEAD_METHOD: &str = "median over changes of first commit → production deployment finished; a squash-merged pull request counts from its first commit; seeds and deployments with unknown commits are left out";
const FAILURE_METHOD: &str = "deployments named by an incident, followed by a rollback, revert or hotfix, or that were their service's latest within the attribution window before an incident, over all deployments";
const RECOVERY_METHOD: &str = "median from a failed deployment finishing to its incident mitigated (else resolved), else to the deployment that replaced it";
const REWORK_METHOD: &str = "rollback, revert and hotfix deployments over all deployments";

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;

    fn at(seconds: i64) -> Timestamp {
        // Monday 2 November 2026, 00:00 UTC, plus `seconds`.
        Timestamp::from_second(1_793_577_600 + seconds).unwrap()
    }

    fn deploy(
        id: &str,
        env: &str,
        finished: i64,
        kind: DeployKind,
        changes: Changes,
    ) -> Deployment {
        Deployment {
            id: id.into(),
            service: "api".into(),
            environment: env.into(),
            finished_at: at(finished),
            kind,
            changes: match changes {
                Changes::Known(commits) => {
                    Changes::Known(commits.iter().map(|commit| finished - commit).collect())
                }
                other => other,
            },
        }
    }

    /// Changes first committed at these seconds; `deploy` turns them into leads.
    fn known(commits: &[i64]) -> Changes {
        Changes::Known(commits.to_vec())
    }

    fn incident(id: &str, started: i64, resolved: Option<i64>, cause: Option<&str>) -> Incident {
        Incident {
            id: id.into(),
            services: vec!["api".into()],
            started_at: at(started),
            resolved_at: resolved.map(at),
            causing_deployment: cause.map(str::to_owned),
        }
    }

    fn week(deployments: &[Deployment], incidents: &[Incident]) -> Report {
        report(
            deployments,
            incidents,
            at(0),
            at(7 * DAY),
            &Settings::default(),
        )
    }

    #[test]
    fn a_squash_merged_pull_request_counts_from_its_first_commit() {
        // main got one squash commit s1 on day 3; the request's first commit was on day 1.
        let commits = HashMap::from([
            ("s1".to_owned(), at(3 * DAY)),
            ("c2".to_owned(), at(3 * DAY + 3600)),
        ]);
        let pulls = HashMap::from([("s1".to_owned(), at(DAY))]);
        let changes = change_times(
            &["s1".into(), "c2".into(), "gone".into()],
            &commits,
            &pulls,
            at(4 * DAY),
        );
        assert_eq!(changes, Changes::Known(vec![3 * DAY, DAY - 3600]));
        assert_eq!(
            change_times(&["gone".into()], &commits, &pulls, at(4 * DAY)),
            Changes::Unknown
        );
        let changes = known(&[DAY, 3 * DAY + 3600]);
        let deployments = [
            deploy("d0", "production", -DAY, DeployKind::Planned, Changes::Seed),
            deploy("d1", "production", 4 * DAY, DeployKind::Planned, changes),
        ];
        let lead = week(&deployments, &[]).lead_time;
        // 3 days for the request, 20 hours for c2: the median of two is their mean.
        assert_eq!(lead.median_seconds, Some((3 * DAY + (DAY - 3600)) / 2));
        assert_eq!(lead.changes, 2);
        assert_eq!(lead.na_reason, None);
    }

    #[test]
    fn two_production_environments_count_each_deployment_and_follow_each_environment() {
        let deployments = [
            deploy(
                "eu1",
                "production-eu",
                DAY,
                DeployKind::Planned,
                known(&[0]),
            ),
            deploy(
                "us1",
                "production-us",
                DAY + 600,
                DeployKind::Planned,
                known(&[0]),
            ),
            deploy(
                "eu2",
                "production-eu",
                2 * DAY,
                DeployKind::Planned,
                known(&[DAY + 3600]),
            ),
            // Rolls back us1 only: eu1's next deployment in its own environment was planned.
            deploy(
                "us2",
                "production-us",
                2 * DAY + 600,
                DeployKind::Rollback,
                Changes::Unknown,
            ),
        ];
        let report = week(&deployments, &[]);
        assert_eq!(report.deployment_frequency.deployments, 4);
        assert!((report.deployment_frequency.per_week - 4.0).abs() < 1e-9);
        assert_eq!(report.deployment_frequency.class, Some("daily_to_weekly"));
        assert_eq!(report.change_failure_rate.count, 1);
        assert_eq!(report.change_failure_rate.value, Some(0.25));
        assert_eq!(
            report.failed[0].by,
            FailedBy::Followup {
                followed_by: "us2".into()
            }
        );
        assert_eq!(report.recovery_time.median_seconds, Some(DAY));
        assert_eq!(report.rework_rate.value, Some(0.25));
        // Lead times 1 d, 1 d 10 min, 23 h: median 1 d.
        assert_eq!(report.lead_time.median_seconds, Some(DAY));
        assert_eq!(report.lead_time.unknown, 1);
    }

    #[test]
    fn a_rollback_fails_the_deployment_it_undoes_and_is_rework() {
        let deployments = [
            deploy("d1", "production", DAY, DeployKind::Planned, known(&[0])),
            deploy(
                "d2",
                "production",
                2 * DAY,
                DeployKind::Planned,
                known(&[DAY + 60]),
            ),
            deploy(
                "d3",
                "production",
                2 * DAY + 1800,
                DeployKind::Rollback,
                Changes::Unknown,
            ),
        ];
        let report = week(&deployments, &[]);
        assert_eq!(report.change_failure_rate.count, 1);
        assert_eq!(report.change_failure_rate.of, 3);
        assert_eq!(report.failed[0].deployment, "d2");
        assert_eq!(report.recovery_time.median_seconds, Some(1800));
        assert_eq!(report.rework_rate.count, 1);
        assert_eq!(report.rework_rate.of, 3);
    }

    #[test]
    fn a_revert_deployment_and_an_incident_naming_its_cause() {
        let deployments = [
            deploy("d1", "production", DAY, DeployKind::Planned, known(&[0])),
            deploy(
                "d2",
                "production",
                3 * DAY,
                DeployKind::Planned,
                known(&[2 * DAY]),
            ),
            deploy(
                "d3",
                "production",
                3 * DAY + 7200,
                DeployKind::Revert,
                Changes::Unknown,
            ),
        ];
        // The incident names d1, found days later; it was resolved 5 days after d1.
        let incidents = [incident("i1", 4 * DAY, Some(6 * DAY), Some("d1"))];
        let report = week(&deployments, &incidents);
        let failed: Vec<(&str, &FailedBy)> = report
            .failed
            .iter()
            .map(|f| (f.deployment.as_str(), &f.by))
            .collect();
        assert_eq!(
            failed,
            [
                (
                    "d1",
                    &FailedBy::Incident {
                        incident: "i1".into()
                    }
                ),
                (
                    "d2",
                    &FailedBy::Followup {
                        followed_by: "d3".into()
                    }
                )
            ]
        );
        assert_eq!(report.change_failure_rate.value, Some(2.0 / 3.0));
        // Recoveries: 5 days and 2 hours; the median of two is their mean.
        assert_eq!(
            report.recovery_time.median_seconds,
            Some((5 * DAY + 7200) / 2)
        );
    }

    #[test]
    fn an_incident_with_no_deployment_before_it_fails_nothing() {
        let deployments = [deploy(
            "d1",
            "production",
            5 * DAY,
            DeployKind::Planned,
            known(&[4 * DAY]),
        )];
        let incidents = [incident("i1", 2 * DAY, Some(2 * DAY + 600), None)];
        let report = week(&deployments, &incidents);
        assert_eq!(report.change_failure_rate.value, Some(0.0));
        assert_eq!(report.failed, []);
        assert_eq!(
            report.recovery_time.na_reason.as_deref(),
            Some("no deployment in the window failed")
        );
    }

    #[test]
    fn an_incident_a_month_after_the_last_deployment_is_not_attributed() {
        let deployments = [deploy(
            "d1",
            "production",
            DAY,
            DeployKind::Planned,
            known(&[0]),
        )];
        let month_later = [incident("i1", 31 * DAY, Some(31 * DAY + 600), None)];
        let window = report(
            &deployments,
            &month_later,
            at(0),
            at(40 * DAY),
            &Settings::default(),
        );
        assert_eq!(window.change_failure_rate.count, 0);
        // The same incident two hours after the deployment is put down to it.
        let soon = [incident("i1", DAY + 7200, Some(DAY + 9000), None)];
        let window = week(&deployments, &soon);
        assert_eq!(
            window.failed[0].by,
            FailedBy::Time {
                incident: "i1".into()
            }
        );
        assert_eq!(window.recovery_time.median_seconds, Some(9000));
    }

    #[test]
    fn an_empty_window_says_why_each_figure_has_no_value() {
        let deployments = [deploy(
            "d1",
            "production",
            30 * DAY,
            DeployKind::Planned,
            known(&[0]),
        )];
        let report = week(&deployments, &[]);
        assert_eq!(report.deployment_frequency.deployments, 0);
        assert_eq!(
            report.deployment_frequency.class,
            Some("less_than_biannually")
        );
        let reason = Some("no production deployments in the window".to_owned());
        assert_eq!(report.lead_time.median_seconds, None);
        assert_eq!(report.lead_time.na_reason, reason);
        assert_eq!(report.change_failure_rate.value, None);
        assert_eq!(report.change_failure_rate.na_reason, reason);
        assert_eq!(report.recovery_time.na_reason, reason);
        assert_eq!(report.rework_rate.na_reason, reason);
        let nothing = report_at_instant(&deployments);
        assert_eq!(
            nothing.deployment_frequency.na_reason.as_deref(),
            Some("the window is empty")
        );
    }

    fn report_at_instant(deployments: &[Deployment]) -> Report {
        report(deployments, &[], at(DAY), at(DAY), &Settings::default())
    }

    #[test]
    fn seeds_and_unknown_commits_are_left_out_of_lead_time_never_zero() {
        let deployments = [
            deploy("d1", "production", DAY, DeployKind::Planned, Changes::Seed),
            deploy(
                "d2",
                "production",
                2 * DAY,
                DeployKind::Planned,
                Changes::Unknown,
            ),
        ];
        let lead = week(&deployments, &[]).lead_time;
        assert_eq!(lead.median_seconds, None);
        assert_eq!((lead.seeds, lead.unknown), (1, 1));
        assert_eq!(
            lead.na_reason.as_deref(),
            Some(
                "no deployment in the window has known commits (1 seeds, 1 with commits not in the stored pushes)"
            )
        );
    }
}
