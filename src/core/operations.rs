//! Operations metrics over a window, from plain facts: MTTA and MTTR (mean and median),
//! incidents per week by severity, post-mortem completion, and action items closed, overdue
//! and outstanding. No I/O; each figure with no value says why.

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

/// An incident as the figures need it. Declined and merged incidents are left out by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incident {
    pub id: String,
    /// `SEV1` … `SEV4`.
    pub severity: String,
    pub started_at: Timestamp,
    pub acknowledged_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    /// `draft`, `in_review` or `published`; `None` when it has none.
    pub postmortem: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionItem {
    /// `outstanding`, `completed` or `not_doing`.
    pub status: String,
    pub created_at: Timestamp,
    pub overdue_at: Timestamp,
    pub done_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Duration {
    pub mean_seconds: Option<i64>,
    pub median_seconds: Option<i64>,
    pub count: usize,
    pub method: &'static str,
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Week {
    pub week_start: Timestamp,
    pub total: usize,
    pub by_severity: BTreeMap<String, usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incidents {
    pub total: usize,
    pub by_severity: BTreeMap<String, usize>,
    pub per_week: Vec<Week>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Postmortems {
    /// Resolved incidents of the window: each needs a post-mortem.
    pub required: usize,
    pub published: usize,
    pub in_review: usize,
    pub draft: usize,
    pub missing: usize,
    /// Published over required.
    pub completion: Option<f64>,
    pub na_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionItems {
    /// Made in the window.
    pub created: usize,
    /// Completed or dropped in the window.
    pub closed: usize,
    /// Outstanding at the window's end and past due.
    pub overdue: usize,
    /// Outstanding at the window's end.
    pub outstanding: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub from: Timestamp,
    pub to: Timestamp,
    pub mtta: Duration,
    pub mttr: Duration,
    pub incidents: Incidents,
    pub postmortems: Postmortems,
    pub action_items: ActionItems,
}

pub const SEVERITIES: [&str; 4] = ["SEV1", "SEV2", "SEV3", "SEV4"];

fn duration(mut values: Vec<i64>, method: &'static str, none: impl FnOnce() -> String) -> Duration {
    values.sort_unstable();
    let count = values.len();
    if count == 0 {
        return Duration {
            mean_seconds: None,
            median_seconds: None,
            count,
            method,
            na_reason: Some(none()),
        };
    }
    let middle = count / 2;
    let median = if count % 2 == 1 {
        values[middle]
    } else {
        (values[middle - 1] + values[middle]) / 2
    };
    let sum: i128 = values.iter().map(|v| i128::from(*v)).sum();
    Duration {
        mean_seconds: i64::try_from(sum / count as i128).ok(),
        median_seconds: Some(median),
        count,
        method,
        na_reason: None,
    }
}

/// The figures for incidents that started in `[from, to)` and the action items of any
/// incident asked about.
pub fn report(
    incidents: &[Incident],
    items: &[ActionItem],
    from: Timestamp,
    to: Timestamp,
) -> Report {
    let inside: Vec<&Incident> = incidents
        .iter()
        .filter(|i| from <= i.started_at && i.started_at < to)
        .collect();
    let none = |what: &str| {
        if inside.is_empty() {
            "no incidents started in the window".to_owned()
        } else {
            format!("none of the window's {} incidents was {what}", inside.len())
        }
    };
    let since_start = |at: Option<Timestamp>, incident: &Incident| {
        at.map(|at| at.duration_since(incident.started_at).as_secs().max(0))
    };
    let mtta = duration(
        inside
            .iter()
            .filter_map(|i| since_start(i.acknowledged_at, i))
            .collect(),
        MTTA_METHOD,
        || none("acknowledged"),
    );
    let mttr = duration(
        inside
            .iter()
            .filter_map(|i| since_start(i.resolved_at, i))
            .collect(),
        MTTR_METHOD,
        || none("resolved"),
    );

    let empty_severities =
        || -> BTreeMap<String, usize> { SEVERITIES.iter().map(|s| ((*s).to_owned(), 0)).collect() };
    let mut by_severity = empty_severities();
    let mut per_week: Vec<Week> = Vec::new();
    let mut start = from;
    while start < to {
        per_week.push(Week {
            week_start: start,
            total: 0,
            by_severity: empty_severities(),
        });
        start = start
            .saturating_add(SignedDuration::from_hours(24 * 7))
            .unwrap_or(to);
    }
    for incident in &inside {
        *by_severity.entry(incident.severity.clone()).or_default() += 1;
        let week = (incident.started_at.duration_since(from).as_secs() / (7 * 86_400)) as usize;
        if let Some(week) = per_week.get_mut(week) {
            week.total += 1;
            *week
                .by_severity
                .entry(incident.severity.clone())
                .or_default() += 1;
        }
    }

    let resolved: Vec<&&Incident> = inside.iter().filter(|i| i.resolved_at.is_some()).collect();
    let state_count = |state: &str| {
        resolved
            .iter()
            .filter(|i| i.postmortem.as_deref() == Some(state))
            .count()
    };
    let published = state_count("published");
    let postmortems = Postmortems {
        required: resolved.len(),
        published,
        in_review: state_count("in_review"),
        draft: state_count("draft"),
        missing: resolved.iter().filter(|i| i.postmortem.is_none()).count(),
        completion: (!resolved.is_empty()).then(|| published as f64 / resolved.len() as f64),
        na_reason: resolved.is_empty().then(|| none("resolved")),
    };

    let in_window = |at: Timestamp| from <= at && at < to;
    let open_at_end = |item: &&ActionItem| {
        item.created_at < to
            && (item.status == "outstanding" || item.done_at.is_some_and(|at| at >= to))
    };
    let action_items = ActionItems {
        created: items.iter().filter(|i| in_window(i.created_at)).count(),
        closed: items
            .iter()
            .filter(|i| i.status != "outstanding" && i.done_at.is_some_and(in_window))
            .count(),
        overdue: items
            .iter()
            .filter(open_at_end)
            .filter(|i| i.overdue_at < to)
            .count(),
        outstanding: items.iter().filter(open_at_end).count(),
    };

    Report {
        from,
        to,
        mtta,
        mttr,
        incidents: Incidents {
            total: inside.len(),
            by_severity,
            per_week,
        },
        postmortems,
        action_items,
    }
}

const MTTA_METHOD: &str = "from impact started (else detected, else declared) to acknowledged, over the incidents that started in the window and were acknowledged";
const MTTR_METHOD: &str = "from impact started (else detected, else declared) to resolved, over the incidents that started in the window and were resolved";

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn incident(
        severity: &str,
        start: &str,
        ack: Option<&str>,
        resolved: Option<&str>,
        pm: Option<&str>,
    ) -> Incident {
        Incident {
            id: format!("{severity}-{start}"),
            severity: severity.into(),
            started_at: at(start),
            acknowledged_at: ack.map(at),
            resolved_at: resolved.map(at),
            postmortem: pm.map(str::to_owned),
        }
    }

    #[test]
    fn figures_computed_by_hand() {
        let from = at("2026-11-02T00:00:00Z");
        let to = at("2026-11-16T00:00:00Z");
        let incidents = [
            // Acknowledged after 4 and 10 minutes; resolved after 1 h and 3 h.
            incident(
                "SEV2",
                "2026-11-03T10:00:00Z",
                Some("2026-11-03T10:04:00Z"),
                Some("2026-11-03T11:00:00Z"),
                Some("published"),
            ),
            incident(
                "SEV3",
                "2026-11-10T10:00:00Z",
                Some("2026-11-10T10:10:00Z"),
                Some("2026-11-10T13:00:00Z"),
                Some("draft"),
            ),
            // Never acknowledged, still open.
            incident("SEV1", "2026-11-11T00:00:00Z", None, None, None),
            // Before the window: not counted.
            incident(
                "SEV1",
                "2026-10-30T00:00:00Z",
                Some("2026-10-30T00:01:00Z"),
                Some("2026-10-30T05:00:00Z"),
                None,
            ),
        ];
        let items = [
            ActionItem {
                status: "completed".into(),
                created_at: at("2026-11-04T00:00:00Z"),
                overdue_at: at("2026-11-08T00:00:00Z"),
                done_at: Some(at("2026-11-07T00:00:00Z")),
            },
            ActionItem {
                status: "outstanding".into(),
                created_at: at("2026-11-04T00:00:00Z"),
                overdue_at: at("2026-11-09T00:00:00Z"),
                done_at: None,
            },
            ActionItem {
                status: "outstanding".into(),
                created_at: at("2026-11-12T00:00:00Z"),
                overdue_at: at("2026-11-30T00:00:00Z"),
                done_at: None,
            },
        ];
        let report = report(&incidents, &items, from, to);
        assert_eq!(report.mtta.count, 2);
        assert_eq!(report.mtta.median_seconds, Some(420));
        assert_eq!(report.mtta.mean_seconds, Some(420));
        assert_eq!(report.mttr.median_seconds, Some(7200));
        assert_eq!(report.incidents.total, 3);
        assert_eq!(report.incidents.by_severity["SEV1"], 1);
        assert_eq!(report.incidents.per_week.len(), 2);
        assert_eq!(report.incidents.per_week[0].total, 1);
        assert_eq!(report.incidents.per_week[1].by_severity["SEV3"], 1);
        assert_eq!(report.incidents.per_week[1].by_severity["SEV1"], 1);
        assert_eq!(
            (
                report.postmortems.required,
                report.postmortems.published,
                report.postmortems.draft
            ),
            (2, 1, 1)
        );
        assert_eq!(report.postmortems.completion, Some(0.5));
        assert_eq!(report.action_items.created, 3);
        assert_eq!(report.action_items.closed, 1);
        assert_eq!(report.action_items.outstanding, 2);
        assert_eq!(report.action_items.overdue, 1);

        let empty = super::report(&[], &[], from, to);
        assert_eq!(
            empty.mtta.na_reason.as_deref(),
            Some("no incidents started in the window")
        );
        assert_eq!(empty.postmortems.completion, None);
        let unacknowledged = super::report(&incidents[2..3], &[], from, to);
        assert_eq!(
            unacknowledged.mtta.na_reason.as_deref(),
            Some("none of the window's 1 incidents was acknowledged")
        );
    }
}
