//! The noise report (seed 003's calibration loop): per alert rule, service or team over a
//! window, how often alerts fired and were told, how many people handled, how many went away
//! on their own within minutes, how many flapped, how fast they were acknowledged and
//! resolved, and how many critical fires (each one a page) a week against the team's budget.

use std::collections::{BTreeMap, HashMap};

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;

use super::alert::Severity;

/// One recorded alert change, with the alert's rule, service and severity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRow {
    pub alert_id: String,
    pub rule: String,
    pub service: Option<String>,
    pub severity: Severity,
    /// `fired`, `acknowledged`, `resolved`, `silenced`, `flapping`, `steady`.
    pub change: String,
    pub at: Timestamp,
    pub cause: String,
}

/// One time people were told of an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRow {
    pub rule: String,
    pub service: Option<String>,
    pub at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Rule,
    Service,
    Team,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::Rule => "rule",
            By::Service => "service",
            By::Team => "team",
        }
    }

    pub fn parse(text: &str) -> Option<By> {
        Some(match text {
            "rule" => By::Rule,
            "service" => By::Service,
            "team" => By::Team,
            _ => return None,
        })
    }
}

/// Whether a change was made by a person (the web UI's `user:`, the API's `token:`), not by
/// the monitoring tool.
pub fn by_person(cause: &str) -> bool {
    cause.starts_with("user:") || cause.starts_with("token:")
}

/// A fire that starts a cycle: not a silence ending or flapping settling, which tell an
/// existing cycle again.
fn starts_cycle(row: &ChangeRow) -> bool {
    row.change == "fired" && !row.cause.starts_with("silence") && !row.cause.starts_with("flapping")
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NoiseRow {
    /// The rule, service or team ("(none)" for alerts without one).
    pub key: String,
    pub fires: u64,
    pub notifications: u64,
    pub acknowledged: u64,
    pub share_acknowledged: f64,
    pub auto_resolved: u64,
    pub share_auto_resolved: f64,
    pub flapping: u64,
    pub median_seconds_to_acknowledge: Option<f64>,
    pub median_seconds_to_resolve: Option<f64>,
    /// Critical fires: each pages someone.
    pub pages: u64,
    pub pages_per_week: f64,
    /// The team's `page_budget_per_week` (team rows, and service rows through their team).
    pub page_budget_per_week: Option<u32>,
    pub over_budget: bool,
}

/// What the report needs to know beyond the rows.
pub struct Settings<'a> {
    pub by: By,
    /// Resolved by the sender within this long after firing counts as auto-resolved.
    pub auto_resolve_within: SignedDuration,
    /// The window's length in weeks, for the per-week rates.
    pub weeks: f64,
    /// The owning team of a service.
    pub team_of: &'a dyn Fn(&str) -> Option<String>,
    /// A team's page budget.
    pub budget_of: &'a dyn Fn(&str) -> Option<u32>,
}

const NONE: &str = "(none)";

#[derive(Default)]
struct Tally {
    fires: u64,
    notifications: u64,
    acknowledged: u64,
    auto_resolved: u64,
    flapping: u64,
    pages: u64,
    to_acknowledge: Vec<f64>,
    to_resolve: Vec<f64>,
    team: Option<String>,
}

/// The report, busiest first (fires, then notifications, then key).
pub fn report(
    changes: &[ChangeRow],
    notices: &[NoticeRow],
    settings: &Settings<'_>,
) -> Vec<NoiseRow> {
    let key_of = |rule: &str, service: Option<&str>| -> (String, Option<String>) {
        let team = service.and_then(|service| (settings.team_of)(service));
        let key = match settings.by {
            By::Rule => rule.to_owned(),
            By::Service => service.unwrap_or(NONE).to_owned(),
            By::Team => team.clone().unwrap_or_else(|| NONE.to_owned()),
        };
        (key, team)
    };
    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    // The open cycle of each alert: when it fired, and whether it was acknowledged yet.
    let mut open: HashMap<&str, (Timestamp, bool)> = HashMap::new();
    for row in changes {
        let (key, team) = key_of(&row.rule, row.service.as_deref());
        let tally = tallies.entry(key).or_default();
        if tally.team.is_none() {
            tally.team = team;
        }
        match row.change.as_str() {
            "fired" if starts_cycle(row) => {
                tally.fires += 1;
                if row.severity == Severity::Critical {
                    tally.pages += 1;
                }
                open.insert(&row.alert_id, (row.at, false));
            }
            "acknowledged" => {
                if let Some((fired, acknowledged)) = open.get_mut(row.alert_id.as_str()) {
                    if !*acknowledged {
                        *acknowledged = true;
                        tally.acknowledged += 1;
                        tally.to_acknowledge.push(seconds(*fired, row.at));
                    }
                }
            }
            "resolved" => {
                if let Some((fired, _)) = open.remove(row.alert_id.as_str()) {
                    let took = row.at.duration_since(fired);
                    tally.to_resolve.push(seconds(fired, row.at));
                    if !by_person(&row.cause) && took <= settings.auto_resolve_within {
                        tally.auto_resolved += 1;
                    }
                }
            }
            "flapping" => tally.flapping += 1,
            _ => {}
        }
    }
    for notice in notices {
        let (key, team) = key_of(&notice.rule, notice.service.as_deref());
        let tally = tallies.entry(key).or_default();
        tally.notifications += 1;
        if tally.team.is_none() {
            tally.team = team;
        }
    }
    let mut rows: Vec<NoiseRow> = tallies
        .into_iter()
        .map(|(key, mut tally)| {
            let share = |part: u64| {
                if tally.fires == 0 {
                    0.0
                } else {
                    part as f64 / tally.fires as f64
                }
            };
            let budget_team = match settings.by {
                By::Team => (key != NONE).then(|| key.clone()),
                By::Service => tally.team.clone(),
                By::Rule => None,
            };
            let budget = budget_team.and_then(|team| (settings.budget_of)(&team));
            let pages_per_week = if settings.weeks > 0.0 {
                tally.pages as f64 / settings.weeks
            } else {
                0.0
            };
            NoiseRow {
                fires: tally.fires,
                notifications: tally.notifications,
                acknowledged: tally.acknowledged,
                share_acknowledged: share(tally.acknowledged),
                auto_resolved: tally.auto_resolved,
                share_auto_resolved: share(tally.auto_resolved),
                flapping: tally.flapping,
                median_seconds_to_acknowledge: median(&mut tally.to_acknowledge),
                median_seconds_to_resolve: median(&mut tally.to_resolve),
                pages: tally.pages,
                pages_per_week,
                page_budget_per_week: budget,
                over_budget: budget.is_some_and(|budget| pages_per_week > f64::from(budget)),
                key,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        b.fires
            .cmp(&a.fires)
            .then(b.notifications.cmp(&a.notifications))
            .then(a.key.cmp(&b.key))
    });
    rows
}

/// A duration for people: the two largest units, as `4m 10s`, `2h 5m` or `3d 4h`.
pub fn human_duration(seconds: f64) -> String {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds.round() as u64
    } else {
        0
    };
    let units = [(86_400, "d"), (3_600, "h"), (60, "m"), (1, "s")];
    let Some(first) = units.iter().position(|(size, _)| total >= *size) else {
        return "0s".into();
    };
    let (size, unit) = units[first];
    let mut text = format!("{}{unit}", total / size);
    if let Some((next_size, next_unit)) = units.get(first + 1) {
        let rest = (total % size) / next_size;
        if rest > 0 {
            text.push_str(&format!(" {rest}{next_unit}"));
        }
    }
    text
}

fn seconds(from: Timestamp, to: Timestamp) -> f64 {
    to.duration_since(from).as_secs_f64()
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let middle = values.len() / 2;
    Some(if values.len() % 2 == 0 {
        (values[middle - 1] + values[middle]) / 2.0
    } else {
        values[middle]
    })
}

/// The report as CSV, one header line then one line per row.
pub fn csv(by: By, rows: &[NoiseRow]) -> String {
    let mut out = format!(
        "{},fires,notifications,acknowledged,share_acknowledged,auto_resolved,share_auto_resolved,flapping,median_seconds_to_acknowledge,median_seconds_to_resolve,pages,pages_per_week,page_budget_per_week,over_budget\n",
        by.as_str()
    );
    let optional = |value: Option<f64>| value.map(|v| format!("{v:.0}")).unwrap_or_default();
    for row in rows {
        out.push_str(&format!(
            "{},{},{},{},{:.3},{},{:.3},{},{},{},{},{:.2},{},{}\n",
            csv_field(&row.key),
            row.fires,
            row.notifications,
            row.acknowledged,
            row.share_acknowledged,
            row.auto_resolved,
            row.share_auto_resolved,
            row.flapping,
            optional(row.median_seconds_to_acknowledge),
            optional(row.median_seconds_to_resolve),
            row.pages,
            row.pages_per_week,
            row.page_budget_per_week
                .map(|b| b.to_string())
                .unwrap_or_default(),
            row.over_budget,
        ));
    }
    out
}

/// Quotes a field when it holds a comma, quote or line break (RFC 4180); a leading `=`, `+`,
/// `-` or `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
pub fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_794_000_000 + minute * 60).unwrap()
    }

    fn change(
        alert: &str,
        rule: &str,
        service: &str,
        severity: Severity,
        change: &str,
        minute: i64,
        cause: &str,
    ) -> ChangeRow {
        ChangeRow {
            alert_id: alert.into(),
            rule: rule.into(),
            service: Some(service.into()),
            severity,
            change: change.into(),
            at: at(minute),
            cause: cause.into(),
        }
    }

    fn rows() -> Vec<ChangeRow> {
        use Severity::{Critical, Warning};
        let am = "alertmanager:prometheus";
        vec![
            // a-1: fires, auto-resolves after 2 minutes, twice; then flaps.
            change("a-1", "DiskFull", "db", Warning, "fired", 0, am),
            change("a-1", "DiskFull", "db", Warning, "resolved", 2, am),
            change("a-1", "DiskFull", "db", Warning, "fired", 10, am),
            change("a-1", "DiskFull", "db", Warning, "resolved", 12, am),
            change("a-1", "DiskFull", "db", Warning, "fired", 20, am),
            change("a-1", "DiskFull", "db", Warning, "flapping", 20, am),
            // a-2: critical, acknowledged after 4 minutes, resolved by hand after 30.
            change("a-2", "HighLatency", "api", Critical, "fired", 0, am),
            change(
                "a-2",
                "HighLatency",
                "api",
                Critical,
                "acknowledged",
                4,
                "user:ana",
            ),
            change(
                "a-2",
                "HighLatency",
                "api",
                Critical,
                "resolved",
                30,
                "user:ana",
            ),
            // a-3: critical, a silence's end is not a new cycle.
            change("a-3", "HighLatency", "api", Critical, "fired", 5, am),
            change(
                "a-3",
                "HighLatency",
                "api",
                Critical,
                "silenced",
                6,
                "silence:s-1",
            ),
            change(
                "a-3",
                "HighLatency",
                "api",
                Critical,
                "fired",
                50,
                "silence:s-1 ended",
            ),
            change(
                "a-3",
                "HighLatency",
                "api",
                Critical,
                "acknowledged",
                55,
                "token:ci",
            ),
        ]
    }

    fn settings(by: By) -> Settings<'static> {
        Settings {
            by,
            auto_resolve_within: SignedDuration::from_mins(5),
            weeks: 1.0,
            team_of: &|service| (service == "api").then(|| "cloud".to_owned()),
            budget_of: &|team| (team == "cloud").then_some(1),
        }
    }

    #[test]
    fn counts_cycles_shares_medians_and_pages() {
        let notices = vec![
            NoticeRow {
                rule: "HighLatency".into(),
                service: Some("api".into()),
                at: at(0),
            },
            NoticeRow {
                rule: "DiskFull".into(),
                service: Some("db".into()),
                at: at(0),
            },
        ];
        let report = report(&rows(), &notices, &settings(By::Rule));
        assert_eq!(report.len(), 2);
        let disk = &report[0];
        assert_eq!(disk.key, "DiskFull");
        assert_eq!(
            (
                disk.fires,
                disk.auto_resolved,
                disk.flapping,
                disk.notifications
            ),
            (3, 2, 1, 1)
        );
        assert!((disk.share_auto_resolved - 2.0 / 3.0).abs() < 1e-9);
        assert_eq!(disk.median_seconds_to_resolve, Some(120.0));
        assert_eq!(disk.pages, 0);
        let latency = &report[1];
        assert_eq!(
            (latency.fires, latency.acknowledged, latency.pages),
            (2, 2, 2)
        );
        assert_eq!(latency.share_acknowledged, 1.0);
        // 4 min and 50 min: the median of two is their mean.
        assert_eq!(latency.median_seconds_to_acknowledge, Some(27.0 * 60.0));
        assert_eq!(latency.auto_resolved, 0, "resolved by a person");
        assert_eq!(latency.page_budget_per_week, None, "rules have no budget");
    }

    #[test]
    fn teams_are_measured_against_their_budget() {
        let report = report(&rows(), &[], &settings(By::Team));
        let cloud = report.iter().find(|row| row.key == "cloud").unwrap();
        assert_eq!(
            (cloud.pages, cloud.page_budget_per_week, cloud.over_budget),
            (2, Some(1), true)
        );
        let none = report.iter().find(|row| row.key == "(none)").unwrap();
        assert_eq!(none.fires, 3);
        let by_service = report_csv();
        assert!(by_service.starts_with("service,fires,"), "{by_service}");
        assert!(
            by_service.contains("\napi,2,0,2,1.000,0,0.000,0,1620,1800,2,2.00,1,true\n"),
            "{by_service}"
        );
    }

    fn report_csv() -> String {
        csv(By::Service, &report(&rows(), &[], &settings(By::Service)))
    }

    #[test]
    fn durations_read_as_their_two_largest_units() {
        assert_eq!(human_duration(0.0), "0s");
        assert_eq!(human_duration(42.4), "42s");
        assert_eq!(human_duration(250.0), "4m 10s");
        assert_eq!(human_duration(240.0), "4m");
        assert_eq!(human_duration(3_725.0), "1h 2m");
        assert_eq!(human_duration(93_600.0), "1d 2h");
        assert_eq!(human_duration(f64::NAN), "0s");
    }

    #[test]
    fn csv_fields_are_quoted_and_defused() {
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
