//! On-call as people ask about it, shared by the API, the pages and the CLI: who is on call
//! (per schedule, team or service), the shifts over a range, the coverage gaps ahead, and
//! overrides checked before they are stored.

use std::collections::BTreeSet;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use crate::config::Config;
use crate::config::oncall::Target;
use crate::core::oncall::{Shift, gaps};
use crate::store::oncall::{NewOverride, OverrideRow};
use crate::store::{Store, StoreError};

/// How far ahead gaps are looked for.
pub const GAP_HORIZON: SignedDuration = SignedDuration::from_hours(14 * 24);

/// The longest range one shifts request may cover.
pub const MAX_RANGE: SignedDuration = SignedDuration::from_hours(92 * 24);

/// Which schedules a question is about.
#[derive(Debug, Clone, Copy)]
pub enum Scope<'a> {
    All,
    Schedule(&'a str),
    /// The schedules the team's services page through.
    Team(&'a str),
    /// The schedules the service's escalation policy pages through.
    Service(&'a str),
}

#[derive(Debug, thiserror::Error)]
pub enum ViewError {
    #[error("no {0} \"{1}\"")]
    Unknown(&'static str, String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The schedules `scope` names, in config order.
pub fn schedules<'c>(config: &'c Config, scope: Scope<'_>) -> Result<Vec<&'c str>, ViewError> {
    let from_policy = |policy: Option<&str>| -> Vec<String> {
        policy
            .and_then(|id| config.escalation_policy(id))
            .map(|policy| {
                policy
                    .steps
                    .iter()
                    .flat_map(|step| step.targets())
                    .filter_map(|target| match target {
                        Target::Schedule(id) => Some(id),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    let wanted: Option<BTreeSet<String>> = match scope {
        Scope::All => None,
        Scope::Schedule(id) => {
            config
                .schedule(id)
                .ok_or_else(|| ViewError::Unknown("schedule", id.to_owned()))?;
            Some(BTreeSet::from([id.to_owned()]))
        }
        Scope::Service(id) => {
            let service = config
                .service(id)
                .ok_or_else(|| ViewError::Unknown("service", id.to_owned()))?;
            Some(
                from_policy(service.escalation_policy.as_deref())
                    .into_iter()
                    .collect(),
            )
        }
        Scope::Team(id) => {
            config
                .team(id)
                .ok_or_else(|| ViewError::Unknown("team", id.to_owned()))?;
            Some(
                config
                    .services
                    .iter()
                    .filter(|service| service.team.as_deref() == Some(id))
                    .flat_map(|service| from_policy(service.escalation_policy.as_deref()))
                    .collect(),
            )
        }
    };
    Ok(config
        .schedules
        .iter()
        .map(|schedule| schedule.id.as_str())
        .filter(|id| wanted.as_ref().is_none_or(|wanted| wanted.contains(*id)))
        .collect())
}

/// One person on call, as `GET /oncall` lists them.
#[derive(Debug, Clone, Serialize)]
pub struct OnCall {
    pub schedule: String,
    pub person: String,
    pub name: String,
    pub start: Timestamp,
    pub end: Timestamp,
    #[serde(rename = "override")]
    pub override_id: Option<String>,
}

/// The shifts of one schedule over `[from, to)`, with its stored overrides.
pub async fn shifts(
    store: &Store,
    config: &Config,
    schedule: &str,
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<Shift>, ViewError> {
    let compiled = config
        .schedule(schedule)
        .ok_or_else(|| ViewError::Unknown("schedule", schedule.to_owned()))?
        .compile()
        .map_err(|_| ViewError::Invalid(format!("schedule \"{schedule}\" does not compile")))?;
    let overrides: Vec<_> = store
        .list_overrides(Some(schedule), from, to)
        .await?
        .iter()
        .map(OverrideRow::as_core)
        .collect();
    Ok(compiled.shifts(&overrides, from, to))
}

/// Who is on call at `at` on each schedule `scope` names.
pub async fn on_call(
    store: &Store,
    config: &Config,
    scope: Scope<'_>,
    at: Timestamp,
) -> Result<Vec<OnCall>, ViewError> {
    let mut entries = Vec::new();
    for schedule in schedules(config, scope)? {
        let Some(Ok(compiled)) = config.schedule(schedule).map(|s| s.compile()) else {
            continue;
        };
        let window = SignedDuration::from_hours(10 * 24);
        let overrides: Vec<_> = store
            .list_overrides(Some(schedule), at - window, at + window)
            .await?
            .iter()
            .map(OverrideRow::as_core)
            .collect();
        for shift in compiled.on_call_at(&overrides, at) {
            entries.push(OnCall {
                schedule: schedule.to_owned(),
                name: config
                    .person(&shift.person)
                    .map_or(shift.person.clone(), |p| p.display_name().to_owned()),
                person: shift.person,
                start: shift.start,
                end: shift.end,
                override_id: shift.override_id,
            });
        }
    }
    Ok(entries)
}

/// One schedule as a glance answers it: who is on call now and until when, and who comes
/// next and when.
#[derive(Debug, Clone, Serialize)]
pub struct NowAndNext {
    pub schedule: String,
    pub schedule_name: String,
    /// Display names; several when layers overlap, none in a gap.
    pub now: Vec<String>,
    pub until: Option<Timestamp>,
    pub next: Option<String>,
    pub next_at: Option<Timestamp>,
}

/// Who is on call now and next on each schedule `scope` names, looking two weeks ahead.
pub async fn now_and_next(
    store: &Store,
    config: &Config,
    scope: Scope<'_>,
    now: Timestamp,
) -> Result<Vec<NowAndNext>, ViewError> {
    let name_of = |person: &str| {
        config
            .person(person)
            .map_or(person.to_owned(), |p| p.display_name().to_owned())
    };
    let mut out = Vec::new();
    for schedule in schedules(config, scope)? {
        let all = match shifts(store, config, schedule, now, now + GAP_HORIZON).await {
            Ok(all) => all,
            // A schedule that does not compile is check-config's to report.
            Err(ViewError::Invalid(_)) => continue,
            Err(error) => return Err(error),
        };
        let current: Vec<&Shift> = all
            .iter()
            .filter(|shift| shift.start <= now && now < shift.end)
            .collect();
        let until = current.iter().map(|shift| shift.end).min();
        let after = until.unwrap_or(now);
        let now_people: Vec<&str> = current.iter().map(|shift| shift.person.as_str()).collect();
        let next = all
            .iter()
            .filter(|shift| shift.start >= after && !now_people.contains(&shift.person.as_str()))
            .min_by_key(|shift| shift.start);
        out.push(NowAndNext {
            schedule: schedule.to_owned(),
            schedule_name: config
                .schedule(schedule)
                .map_or(schedule, |s| s.display_name())
                .to_owned(),
            now: current.iter().map(|shift| name_of(&shift.person)).collect(),
            until,
            next: next.map(|shift| name_of(&shift.person)),
            next_at: next.map(|shift| shift.start),
        });
    }
    Ok(out)
}

/// A stretch when nobody is on call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    /// `schedule:ID`, or `policy:ID` for a policy's first step.
    pub what: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// The gaps in the next 14 days: each schedule's, and each policy's first step's (where none
/// of its targets has anyone). Overrides count when `store` is given; `check-config` has none.
pub async fn coverage_gaps(
    store: Option<&Store>,
    config: &Config,
    now: Timestamp,
) -> Result<Vec<Gap>, StoreError> {
    let to = now + GAP_HORIZON;
    let mut by_schedule = std::collections::HashMap::new();
    let mut found = Vec::new();
    for schedule in &config.schedules {
        let Ok(compiled) = schedule.compile() else {
            continue;
        };
        let overrides: Vec<_> = match store {
            Some(store) => store
                .list_overrides(Some(&schedule.id), now, to)
                .await?
                .iter()
                .map(OverrideRow::as_core)
                .collect(),
            None => Vec::new(),
        };
        let shifts = compiled.shifts(&overrides, now, to);
        for (start, end) in gaps(&shifts, now, to) {
            found.push(Gap {
                what: format!("schedule:{}", schedule.id),
                start,
                end,
            });
        }
        by_schedule.insert(schedule.id.as_str(), shifts);
    }
    for policy in &config.escalation_policies {
        let Some(first) = policy.steps.first() else {
            continue;
        };
        let targets = first.targets();
        // A person or a team channel is always there to be told.
        if targets
            .iter()
            .any(|target| matches!(target, Target::Person(_) | Target::Team(_)))
        {
            continue;
        }
        let covered: Vec<Shift> = targets
            .iter()
            .filter_map(|target| match target {
                Target::Schedule(id) => by_schedule.get(id.as_str()),
                _ => None,
            })
            .flatten()
            .cloned()
            .collect();
        for (start, end) in gaps(&covered, now, to) {
            found.push(Gap {
                what: format!("policy:{}", policy.id),
                start,
                end,
            });
        }
    }
    Ok(found)
}

/// An override request checked against the config: the schedule and people exist, and the
/// range is a real one.
pub fn check_override<'a>(
    config: &Config,
    new: NewOverride<'a>,
) -> Result<NewOverride<'a>, ViewError> {
    config
        .schedule(new.schedule)
        .ok_or_else(|| ViewError::Unknown("schedule", new.schedule.to_owned()))?;
    config
        .person(new.person)
        .ok_or_else(|| ViewError::Unknown("person", new.person.to_owned()))?;
    if let Some(replaced) = new.replaces {
        config
            .person(replaced)
            .ok_or_else(|| ViewError::Unknown("person", replaced.to_owned()))?;
        if replaced == new.person {
            return Err(ViewError::Invalid(
                "an override cannot replace a person with themselves".into(),
            ));
        }
    }
    if new.end <= new.start {
        return Err(ViewError::Invalid("end must be after start".into()));
    }
    if new.end.duration_since(new.start) > MAX_RANGE {
        return Err(ViewError::Invalid(
            "an override may last at most 92 days; change the schedule for longer".into(),
        ));
    }
    Ok(new)
}
