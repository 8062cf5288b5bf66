//! The public status page's rules: what an incident does to a component's status, the page's
//! overall state, and the 90 days of history, each day coloured by its worst state.
//!
//! The mapping, written down: an open public incident makes each of its components
//! - SEV1: major outage;
//! - SEV2: partial outage;
//! - SEV3 and SEV4: degraded performance;
//! - and, once mitigated (monitoring), degraded performance whatever its severity.
//!
//! A maintenance window in force makes a component "under maintenance" unless an incident
//! makes it worse. A status set by hand wins over both, and says so.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::core::incident::{Severity, State};

/// Statuspage's names, so widgets written for it read ours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ComponentStatus {
    Operational,
    UnderMaintenance,
    DegradedPerformance,
    PartialOutage,
    MajorOutage,
}

impl ComponentStatus {
    pub const ALL: [ComponentStatus; 5] = [
        ComponentStatus::Operational,
        ComponentStatus::UnderMaintenance,
        ComponentStatus::DegradedPerformance,
        ComponentStatus::PartialOutage,
        ComponentStatus::MajorOutage,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "operational",
            ComponentStatus::UnderMaintenance => "under_maintenance",
            ComponentStatus::DegradedPerformance => "degraded_performance",
            ComponentStatus::PartialOutage => "partial_outage",
            ComponentStatus::MajorOutage => "major_outage",
        }
    }

    pub fn parse(text: &str) -> Option<ComponentStatus> {
        ComponentStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
    }

    pub fn label(self) -> &'static str {
        match self {
            ComponentStatus::Operational => "Operational",
            ComponentStatus::UnderMaintenance => "Under maintenance",
            ComponentStatus::DegradedPerformance => "Degraded performance",
            ComponentStatus::PartialOutage => "Partial outage",
            ComponentStatus::MajorOutage => "Major outage",
        }
    }
}

/// What an open public incident does to its components.
pub fn from_incident(severity: Severity, state: State) -> ComponentStatus {
    if state == State::Mitigated {
        return ComponentStatus::DegradedPerformance;
    }
    match severity {
        Severity::Sev1 => ComponentStatus::MajorOutage,
        Severity::Sev2 => ComponentStatus::PartialOutage,
        Severity::Sev3 | Severity::Sev4 => ComponentStatus::DegradedPerformance,
    }
}

/// Statuspage's page `status`: its indicator and the sentence people read.
pub fn overall(worst: ComponentStatus) -> (&'static str, &'static str) {
    match worst {
        ComponentStatus::Operational => ("none", "All Systems Operational"),
        ComponentStatus::UnderMaintenance => ("maintenance", "Service Under Maintenance"),
        ComponentStatus::DegradedPerformance => ("minor", "Minor Service Outage"),
        ComponentStatus::PartialOutage => ("major", "Partial System Outage"),
        ComponentStatus::MajorOutage => ("critical", "Major System Outage"),
    }
}

/// A stretch of time in which something held a component at a status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: Timestamp,
    /// `None`: still going.
    pub end: Option<Timestamp>,
    pub status: ComponentStatus,
    /// What people read when they hover the day: the incident's or maintenance's name.
    pub what: String,
}

/// One day of a component's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Day {
    pub date: jiff::civil::Date,
    pub status: ComponentStatus,
    pub events: Vec<String>,
}

/// The last `days` days (today last) in `zone`: each day's worst status among the spans that
/// touch it, and what they were.
pub fn history(spans: &[Span], now: Timestamp, zone: &jiff::tz::TimeZone, days: i64) -> Vec<Day> {
    let today = now.to_zoned(zone.clone()).date();
    (0..days)
        .rev()
        .filter_map(|back| {
            let date = today.checked_sub(jiff::Span::new().days(back)).ok()?;
            let start = date.to_zoned(zone.clone()).ok()?.timestamp();
            let end = date
                .tomorrow()
                .ok()?
                .to_zoned(zone.clone())
                .ok()?
                .timestamp();
            let mut day = Day {
                date,
                status: ComponentStatus::Operational,
                events: Vec::new(),
            };
            for span in spans {
                let span_end = span.end.unwrap_or(now);
                if span.start < end && span_end > start && span.start <= now {
                    day.status = day.status.max(span.status);
                    if !day.events.contains(&span.what) {
                        day.events.push(span.what.clone());
                    }
                }
            }
            Some(day)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_incident_colours_its_components_by_severity_until_mitigated() {
        let cases = [
            (Severity::Sev1, State::Active, ComponentStatus::MajorOutage),
            (Severity::Sev1, State::Triage, ComponentStatus::MajorOutage),
            (
                Severity::Sev2,
                State::Active,
                ComponentStatus::PartialOutage,
            ),
            (
                Severity::Sev3,
                State::Active,
                ComponentStatus::DegradedPerformance,
            ),
            (
                Severity::Sev4,
                State::Triage,
                ComponentStatus::DegradedPerformance,
            ),
            (
                Severity::Sev1,
                State::Mitigated,
                ComponentStatus::DegradedPerformance,
            ),
        ];
        for (severity, state, expected) in cases {
            assert_eq!(
                from_incident(severity, state),
                expected,
                "{severity:?} {state:?}"
            );
        }
        assert!(ComponentStatus::UnderMaintenance < ComponentStatus::DegradedPerformance);
        assert_eq!(
            overall(ComponentStatus::Operational).1,
            "All Systems Operational"
        );
    }

    #[test]
    fn a_day_takes_the_worst_state_of_what_touched_it() {
        let zone = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
        let now: Timestamp = "2026-11-02T03:00:00Z".parse().unwrap(); // 12:00 in Seoul
        let at = |text: &str| -> Timestamp { text.parse().unwrap() };
        let spans = [
            Span {
                start: at("2026-10-31T15:00:00Z"),
                end: Some(at("2026-10-31T17:00:00Z")),
                status: ComponentStatus::PartialOutage,
                what: "Checkout fails".into(),
            },
            Span {
                start: at("2026-10-31T16:00:00Z"),
                end: Some(at("2026-10-31T16:30:00Z")),
                status: ComponentStatus::DegradedPerformance,
                what: "Search is slow".into(),
            },
            Span {
                start: at("2026-11-02T02:00:00Z"),
                end: None,
                status: ComponentStatus::UnderMaintenance,
                what: "Database upgrade".into(),
            },
        ];
        let days = history(&spans, now, &zone, 90);
        assert_eq!(days.len(), 90);
        let last: Vec<(String, ComponentStatus, usize)> = days[87..]
            .iter()
            .map(|d| (d.date.to_string(), d.status, d.events.len()))
            .collect();
        // 31 Oct 15:00 UTC is 1 Nov 00:00 in Seoul.
        assert_eq!(
            last,
            [
                ("2026-10-31".to_owned(), ComponentStatus::Operational, 0),
                ("2026-11-01".to_owned(), ComponentStatus::PartialOutage, 2),
                (
                    "2026-11-02".to_owned(),
                    ComponentStatus::UnderMaintenance,
                    1
                ),
            ]
        );
        assert_eq!(days[88].events, ["Checkout fails", "Search is slow"]);
    }
}
