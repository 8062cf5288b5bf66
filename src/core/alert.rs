//! The alert model: what monitoring tools report (a signal per alert), the states an alert
//! goes through, and which reports change that state. Senders re-send whole groups on every
//! change (Alertmanager) or repeat triggers (PagerDuty clients); deciding on state changes here,
//! not per request, is what keeps re-sends from notifying twice.

use std::collections::BTreeMap;
use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Critical,
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }

    /// Reads the usual spellings (`critical`, `page`, `P1`, `high`, `warn`, …).
    pub fn parse(text: &str) -> Option<Severity> {
        Some(match text.trim().to_ascii_lowercase().as_str() {
            "critical" | "crit" | "page" | "p1" | "fatal" | "emergency" | "alert" => {
                Severity::Critical
            }
            "error" | "err" | "high" | "p2" | "major" => Severity::Error,
            "warning" | "warn" | "medium" | "p3" | "minor" => Severity::Warning,
            "info" | "information" | "low" | "p4" | "p5" | "none" | "ok" => Severity::Info,
            _ => return None,
        })
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a sender says about one alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignalStatus {
    Firing,
    Resolved,
    /// Someone acknowledged it at the sender (PagerDuty's `acknowledge`).
    Acknowledged,
}

/// One alert as a sender reported it, normalized.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSignal {
    /// Identifies the alert across reports (Alertmanager's fingerprint, PagerDuty's dedup key).
    pub fingerprint: String,
    /// The sender's group (Alertmanager's `groupKey`), if it groups.
    pub group_key: Option<String>,
    pub status: SignalStatus,
    /// The rule that fired (`alertname`), for grouping and the noise report.
    pub rule: String,
    pub summary: String,
    pub severity: Severity,
    /// The owning service when the sender names one (label `service`).
    pub service: Option<String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// Where a person reads more (Prometheus's graph, the sender's link).
    pub url: Option<String>,
    /// The report says only the new status (PagerDuty's acknowledge and resolve carry no
    /// payload): the alert keeps its wording, labels and severity.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub status_only: bool,
    /// A firing alert resolves by itself unless a report refreshes it before then
    /// (Alertmanager API v2's `endsAt`, which Prometheus moves forward on every re-send).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Timestamp>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertState {
    Firing,
    Acknowledged,
    Resolved,
    /// Firing, but a silence or maintenance window covers it: recorded, not notified.
    Silenced,
}

impl AlertState {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Firing => "firing",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Resolved => "resolved",
            AlertState::Silenced => "silenced",
        }
    }

    pub fn parse(text: &str) -> Option<AlertState> {
        Some(match text {
            "firing" => AlertState::Firing,
            "acknowledged" => AlertState::Acknowledged,
            "resolved" => AlertState::Resolved,
            "silenced" => AlertState::Silenced,
            _ => return None,
        })
    }

    pub fn is_open(self) -> bool {
        self != AlertState::Resolved
    }
}

/// A change of an alert's state, and what caused it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertChange {
    /// First seen firing, firing again after it resolved, or no longer silenced.
    Fired,
    Acknowledged,
    Resolved,
    /// Firing under a silence or maintenance window.
    Silenced,
}

impl AlertChange {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertChange::Fired => "fired",
            AlertChange::Acknowledged => "acknowledged",
            AlertChange::Resolved => "resolved",
            AlertChange::Silenced => "silenced",
        }
    }

    pub fn new_state(self) -> AlertState {
        match self {
            AlertChange::Fired => AlertState::Firing,
            AlertChange::Acknowledged => AlertState::Acknowledged,
            AlertChange::Resolved => AlertState::Resolved,
            AlertChange::Silenced => AlertState::Silenced,
        }
    }

    /// The states a change made between reports (by a person, or by a silence starting or
    /// ending) may start from. Reports decide with [`change_for`]. The store makes the change
    /// only from these, so a report that got there first wins.
    pub fn allowed_from(self) -> &'static [AlertState] {
        use AlertState as S;
        match self {
            AlertChange::Fired => &[S::Silenced],
            AlertChange::Acknowledged => &[S::Firing, S::Silenced],
            AlertChange::Resolved => &[S::Firing, S::Acknowledged, S::Silenced],
            AlertChange::Silenced => &[S::Firing],
        }
    }
}

/// The change a report makes to an alert in `current` state (`None`: not seen before), if
/// any, given whether a silence covers it now. A re-sent firing alert changes nothing; a
/// resolved one fires again; a firing one falls silent under a silence and fires again when
/// no silence covers it any more.
pub fn change_for(
    current: Option<AlertState>,
    report: SignalStatus,
    silenced: bool,
) -> Option<AlertChange> {
    use AlertState as S;
    use SignalStatus as R;
    match (current, report, silenced) {
        (None | Some(S::Resolved), R::Firing, false) => Some(AlertChange::Fired),
        (None | Some(S::Resolved | S::Firing), R::Firing, true) => Some(AlertChange::Silenced),
        (Some(S::Silenced), R::Firing, false) => Some(AlertChange::Fired),
        (Some(S::Firing | S::Acknowledged | S::Silenced), R::Resolved, _) => {
            Some(AlertChange::Resolved)
        }
        (Some(S::Firing | S::Silenced), R::Acknowledged, _) => Some(AlertChange::Acknowledged),
        // A resolve for an alert never seen firing is kept for the record, not announced;
        // an acknowledged alert stays acknowledged under a silence.
        _ => None,
    }
}

/// When an alert flaps: `cycles` firing cycles started within `window` (0 cycles: never).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flapping {
    pub cycles: u32,
    pub window: jiff::SignedDuration,
}

impl Flapping {
    pub const DEFAULT: Flapping = Flapping {
        cycles: 3,
        window: jiff::SignedDuration::from_hours(1),
    };

    /// Whether `fires`, the cycles started within the window counting this one, make the
    /// alert flap.
    pub fn flaps(self, fires: u32) -> bool {
        self.cycles > 0 && fires >= self.cycles
    }
}

/// A stored alert, as far as a report's decision goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub state: AlertState,
    pub flapping: bool,
}

/// What one report does to the alert it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReportEffect {
    pub change: Option<AlertChange>,
    /// Firing after a resolve: a new cycle (fired again, acknowledgement cleared).
    pub new_cycle: bool,
    /// The alert flaps: this fire or resolve is recorded, not told.
    pub damped: bool,
    /// This fire completes the flapping window's cycles: the alert flaps from now.
    pub started_flapping: bool,
}

impl ReportEffect {
    /// A flapping alert is looked at again once it has been steady for the window.
    pub fn needs_flap_check(&self) -> bool {
        self.started_flapping || self.damped
    }
}

/// Whether deciding needs the resolves within the flapping window: only a fire that starts a
/// new cycle of an alert not flapping yet can make it flap.
pub fn counts_cycles(current: Option<Standing>, status: SignalStatus, silenced: bool) -> bool {
    current.is_some_and(|standing| {
        !standing.flapping
            && standing.state == AlertState::Resolved
            && change_for(Some(standing.state), status, silenced) == Some(AlertChange::Fired)
    })
}

/// What a report does to an alert in `current` standing (`None`: not seen before), given
/// whether a silence covers it and, when `counts_cycles` says so, the resolves that ended
/// its earlier cycles within the flapping window.
pub fn report_effect(
    current: Option<Standing>,
    status: SignalStatus,
    silenced: bool,
    resolves_in_window: Option<u32>,
    flapping: Flapping,
) -> ReportEffect {
    let change = change_for(current.map(|standing| standing.state), status, silenced);
    let Some(standing) = current else {
        return ReportEffect {
            change,
            new_cycle: false,
            damped: false,
            started_flapping: false,
        };
    };
    let new_cycle = standing.state == AlertState::Resolved;
    let damped =
        standing.flapping && matches!(change, Some(AlertChange::Fired | AlertChange::Resolved));
    // The cycles in the window: the resolves that ended earlier ones, and this one.
    let started_flapping = !standing.flapping
        && new_cycle
        && change == Some(AlertChange::Fired)
        && resolves_in_window.is_some_and(|resolves| flapping.flaps(resolves.saturating_add(1)));
    ReportEffect {
        change,
        new_cycle,
        damped,
        started_flapping,
    }
}

/// The cause a change is recorded with: the silence for a silencing, else the report's own.
pub fn change_cause(change: AlertChange, silence: Option<&str>, cause: &str) -> String {
    match (silence, change) {
        // An inhibition (`inhibit:FINGERPRINT`) says so itself.
        (Some(by), AlertChange::Silenced) if by.starts_with("inhibit:") => by.to_owned(),
        (Some(silence), AlertChange::Silenced) => format!("silence:{silence}"),
        _ => cause.to_owned(),
    }
}

/// The change a silence starting or ending makes to an alert between reports.
pub fn change_for_silence(current: AlertState, silenced: bool) -> Option<AlertChange> {
    match (current, silenced) {
        (AlertState::Firing, true) => Some(AlertChange::Silenced),
        (AlertState::Silenced, false) => Some(AlertChange::Fired),
        _ => None,
    }
}

/// The labels silences and maintenance windows match on: the alert's own, plus its rule as
/// `alertname`, its `severity`, `service` and `integration` where the labels lack them.
pub fn matching_labels(
    labels: &BTreeMap<String, String>,
    rule: &str,
    severity: Severity,
    service: Option<&str>,
    integration: &str,
) -> BTreeMap<String, String> {
    let mut all = labels.clone();
    all.entry("alertname".into())
        .or_insert_with(|| rule.to_owned());
    all.entry("severity".into())
        .or_insert_with(|| severity.as_str().to_owned());
    if let Some(service) = service {
        all.entry("service".into())
            .or_insert_with(|| service.to_owned());
    }
    all.entry("integration".into())
        .or_insert_with(|| integration.to_owned());
    all
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn re_sends_change_nothing_and_resolved_alerts_fire_again() {
        use AlertState as S;
        use SignalStatus as R;
        let change_for = |current, report| change_for(current, report, false);
        assert_eq!(change_for(None, R::Firing), Some(AlertChange::Fired));
        assert_eq!(change_for(Some(S::Firing), R::Firing), None);
        assert_eq!(change_for(Some(S::Acknowledged), R::Firing), None);
        assert_eq!(
            change_for(Some(S::Firing), R::Resolved),
            Some(AlertChange::Resolved)
        );
        assert_eq!(
            change_for(Some(S::Acknowledged), R::Resolved),
            Some(AlertChange::Resolved)
        );
        assert_eq!(change_for(Some(S::Resolved), R::Resolved), None);
        assert_eq!(
            change_for(Some(S::Resolved), R::Firing),
            Some(AlertChange::Fired)
        );
        assert_eq!(
            change_for(Some(S::Firing), R::Acknowledged),
            Some(AlertChange::Acknowledged)
        );
        assert_eq!(change_for(Some(S::Resolved), R::Acknowledged), None);
        assert_eq!(change_for(None, R::Resolved), None);
    }

    #[test]
    fn silences_mute_firing_and_their_end_fires_again() {
        use AlertState as S;
        use SignalStatus as R;
        assert_eq!(
            change_for(None, R::Firing, true),
            Some(AlertChange::Silenced)
        );
        assert_eq!(
            change_for(Some(S::Firing), R::Firing, true),
            Some(AlertChange::Silenced)
        );
        assert_eq!(change_for(Some(S::Silenced), R::Firing, true), None);
        assert_eq!(
            change_for(Some(S::Silenced), R::Firing, false),
            Some(AlertChange::Fired)
        );
        assert_eq!(
            change_for(Some(S::Silenced), R::Resolved, true),
            Some(AlertChange::Resolved)
        );
        assert_eq!(change_for(Some(S::Acknowledged), R::Firing, true), None);
        assert_eq!(
            change_for_silence(S::Firing, true),
            Some(AlertChange::Silenced)
        );
        assert_eq!(
            change_for_silence(S::Silenced, false),
            Some(AlertChange::Fired)
        );
        assert_eq!(change_for_silence(S::Acknowledged, true), None);
        assert_eq!(change_for_silence(S::Resolved, false), None);
        for change in [
            AlertChange::Fired,
            AlertChange::Acknowledged,
            AlertChange::Resolved,
            AlertChange::Silenced,
        ] {
            for from in change.allowed_from() {
                assert_ne!(*from, change.new_state(), "{change:?} is a change");
            }
        }
    }

    #[test]
    fn severities_read_common_spellings() {
        assert_eq!(Severity::parse("CRITICAL"), Some(Severity::Critical));
        assert_eq!(Severity::parse("page"), Some(Severity::Critical));
        assert_eq!(Severity::parse("warn"), Some(Severity::Warning));
        assert_eq!(Severity::parse("P2"), Some(Severity::Error));
        assert_eq!(Severity::parse("whatever"), None);
    }

    #[test]
    fn a_report_decides_cycles_damping_and_flapping_from_the_stored_alert() {
        let flapping = Flapping {
            cycles: 3,
            window: jiff::SignedDuration::from_hours(1),
        };
        let standing = |state, flapping| Some(Standing { state, flapping });
        use AlertState as S;
        use SignalStatus as R;
        // Never seen: fired, nothing else to decide.
        let first = report_effect(None, R::Firing, false, None, flapping);
        assert_eq!(first.change, Some(AlertChange::Fired));
        assert!(!first.new_cycle && !first.needs_flap_check());
        // A re-send changes nothing.
        let again = report_effect(standing(S::Firing, false), R::Firing, false, None, flapping);
        assert_eq!(again.change, None);
        // Firing after a resolve is a new cycle; the window's count is asked for only then.
        assert!(counts_cycles(
            standing(S::Resolved, false),
            R::Firing,
            false
        ));
        assert!(!counts_cycles(
            standing(S::Resolved, false),
            R::Firing,
            true
        ));
        assert!(!counts_cycles(
            standing(S::Resolved, true),
            R::Firing,
            false
        ));
        assert!(!counts_cycles(
            standing(S::Firing, false),
            R::Resolved,
            false
        ));
        let second = report_effect(
            standing(S::Resolved, false),
            R::Firing,
            false,
            Some(1),
            flapping,
        );
        assert!(second.new_cycle && !second.started_flapping);
        // The third cycle in the window starts flapping.
        let third = report_effect(
            standing(S::Resolved, false),
            R::Firing,
            false,
            Some(2),
            flapping,
        );
        assert!(third.started_flapping && third.needs_flap_check());
        // While flapping, fires and resolves are damped; an acknowledge is not.
        let damped = report_effect(
            standing(S::Firing, true),
            R::Resolved,
            false,
            None,
            flapping,
        );
        assert!(damped.damped);
        let told = report_effect(
            standing(S::Firing, true),
            R::Acknowledged,
            false,
            None,
            flapping,
        );
        assert_eq!(told.change, Some(AlertChange::Acknowledged));
        assert!(!told.damped);
        // Never flaps with cycles = 0.
        let off = Flapping {
            cycles: 0,
            ..flapping
        };
        assert!(
            !report_effect(standing(S::Resolved, false), R::Firing, false, Some(9), off)
                .started_flapping
        );
        assert_eq!(
            change_cause(AlertChange::Silenced, Some("s1"), "alertmanager:p"),
            "silence:s1"
        );
        assert_eq!(
            change_cause(AlertChange::Fired, Some("s1"), "alertmanager:p"),
            "alertmanager:p"
        );
    }
}
