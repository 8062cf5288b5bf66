//! Incidents as data (PRODUCT.md §2.7): severity apart from priority, the internal lifecycle
//! and which moves it allows, the public vocabulary of status updates, and the key times kept
//! in order. The incidents domain stores and tells; what may happen is decided here.

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How bad: SEV1 is the worst.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Severity {
    #[serde(rename = "SEV1")]
    Sev1,
    #[serde(rename = "SEV2")]
    Sev2,
    #[serde(rename = "SEV3")]
    Sev3,
    #[serde(rename = "SEV4")]
    Sev4,
}

impl Severity {
    pub fn parse(text: &str) -> Option<Severity> {
        match text.trim().to_ascii_uppercase().as_str() {
            "SEV1" | "1" => Some(Severity::Sev1),
            "SEV2" | "2" => Some(Severity::Sev2),
            "SEV3" | "3" => Some(Severity::Sev3),
            "SEV4" | "4" => Some(Severity::Sev4),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "SEV1",
            Severity::Sev2 => "SEV2",
            Severity::Sev3 => "SEV3",
            Severity::Sev4 => "SEV4",
        }
    }

    /// SEV1 and SEV2 are told to the wider team (`[incidents] heads_up`).
    pub fn needs_heads_up(self) -> bool {
        self <= Severity::Sev2
    }
}

/// How urgent: who is paged and how often updates are due. P1 is the most urgent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Priority {
    P1,
    P2,
    P3,
    P4,
}

impl Priority {
    pub fn parse(text: &str) -> Option<Priority> {
        match text.trim().to_ascii_uppercase().as_str() {
            "P1" => Some(Priority::P1),
            "P2" => Some(Priority::P2),
            "P3" => Some(Priority::P3),
            "P4" => Some(Priority::P4),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Priority::P1 => "P1",
            Priority::P2 => "P2",
            Priority::P3 => "P3",
            Priority::P4 => "P4",
        }
    }

    /// The priority a severity implies when none is given.
    pub fn for_severity(severity: Severity) -> Priority {
        match severity {
            Severity::Sev1 => Priority::P1,
            Severity::Sev2 => Priority::P2,
            Severity::Sev3 => Priority::P3,
            Severity::Sev4 => Priority::P4,
        }
    }
}

/// The internal lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Triage,
    Active,
    Mitigated,
    Resolved,
    /// Resolved; the post-mortem and its action items are under way.
    Learning,
    Closed,
    /// Not an incident after all.
    Declined,
    /// Folded into another incident.
    Merged,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Triage,
        State::Active,
        State::Mitigated,
        State::Resolved,
        State::Learning,
        State::Closed,
        State::Declined,
        State::Merged,
    ];

    pub fn parse(text: &str) -> Option<State> {
        State::ALL
            .into_iter()
            .find(|state| state.as_str() == text.trim())
    }

    pub fn as_str(self) -> &'static str {
        match self {
            State::Triage => "triage",
            State::Active => "active",
            State::Mitigated => "mitigated",
            State::Resolved => "resolved",
            State::Learning => "learning",
            State::Closed => "closed",
            State::Declined => "declined",
            State::Merged => "merged",
        }
    }

    /// Still being worked on: paging, reminders and joins apply.
    pub fn is_open(self) -> bool {
        matches!(self, State::Triage | State::Active | State::Mitigated)
    }

    /// Where the incident may go from here. A resolved incident may reopen (it came back
    /// before anyone moved on); one that is closed, declined or merged is over, and a return
    /// is a new incident that shows this one as earlier.
    pub fn next(self) -> &'static [State] {
        match self {
            State::Triage => &[
                State::Active,
                State::Mitigated,
                State::Resolved,
                State::Declined,
                State::Merged,
            ],
            State::Active => &[State::Mitigated, State::Resolved, State::Merged],
            State::Mitigated => &[State::Active, State::Resolved],
            State::Resolved => &[State::Active, State::Learning, State::Closed],
            State::Learning => &[State::Closed],
            State::Closed | State::Declined | State::Merged => &[],
        }
    }

    /// Whether the move is allowed; a sentence saying why not otherwise.
    pub fn move_to(self, to: State) -> Result<(), Refused> {
        if self == to {
            return Err(Refused(format!(
                "the incident is already {}",
                self.as_str()
            )));
        }
        if self.next().contains(&to) {
            return Ok(());
        }
        let allowed = self.next();
        Err(Refused(if allowed.is_empty() {
            format!(
                "the incident is {} and cannot change state any more; declare a new incident",
                self.as_str()
            )
        } else {
            format!(
                "an incident cannot go from {} to {}; from {} it can go to {}",
                self.as_str(),
                to.as_str(),
                self.as_str(),
                allowed
                    .iter()
                    .map(|state| state.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }))
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a change was refused, as a sentence for the person who asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Refused(pub String);

/// The public vocabulary of status updates (as status pages use), apart from the states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateStatus {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl UpdateStatus {
    pub fn parse(text: &str) -> Option<UpdateStatus> {
        match text.trim() {
            "investigating" => Some(UpdateStatus::Investigating),
            "identified" => Some(UpdateStatus::Identified),
            "monitoring" => Some(UpdateStatus::Monitoring),
            "resolved" => Some(UpdateStatus::Resolved),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateStatus::Investigating => "investigating",
            UpdateStatus::Identified => "identified",
            UpdateStatus::Monitoring => "monitoring",
            UpdateStatus::Resolved => "resolved",
        }
    }

    /// The state an update implies for an open incident: "monitoring" means the fix is in
    /// (mitigated), "resolved" resolves it; the others mean work is under way.
    pub fn implied_state(self) -> State {
        match self {
            UpdateStatus::Investigating | UpdateStatus::Identified => State::Active,
            UpdateStatus::Monitoring => State::Mitigated,
            UpdateStatus::Resolved => State::Resolved,
        }
    }
}

/// The key times, in the order they must keep.
/// The end of every refusal of times out of order: the API answers those with its own code.
pub const TIMES_IN_ORDER: &str =
    "key times go impact started, detected, acknowledged, mitigated, resolved";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyTimes {
    pub impact_started: Option<Timestamp>,
    pub detected: Option<Timestamp>,
    pub acknowledged: Option<Timestamp>,
    pub mitigated: Option<Timestamp>,
    pub resolved: Option<Timestamp>,
}

impl KeyTimes {
    fn named(&self) -> [(&'static str, Option<Timestamp>); 5] {
        [
            ("impact started", self.impact_started),
            ("detected", self.detected),
            ("acknowledged", self.acknowledged),
            ("mitigated", self.mitigated),
            ("resolved", self.resolved),
        ]
    }

    /// The times set are in order: impact started ≤ detected ≤ acknowledged ≤ mitigated ≤
    /// resolved. Unset ones are skipped.
    pub fn check_order(&self) -> Result<(), Refused> {
        let named = self.named();
        for (index, (later, at)) in named.iter().enumerate() {
            let Some(at) = at else { continue };
            if let Some((earlier, before)) = named[..index]
                .iter()
                .rev()
                .find_map(|(name, time)| time.map(|time| (name, time)))
                .filter(|(_, before)| before > at)
            {
                return Err(Refused(format!(
                    "{later} ({at}) would come before {earlier} ({before}); {TIMES_IN_ORDER}"
                )));
            }
        }
        Ok(())
    }

    /// The times a move fills in when they are not set yet (an edit made earlier is kept).
    /// Reopening clears mitigated and resolved: they are to come again.
    pub fn after_move(mut self, to: State, now: Timestamp) -> KeyTimes {
        let fill = |slot: &mut Option<Timestamp>| {
            if slot.is_none() {
                *slot = Some(now);
            }
        };
        match to {
            State::Active => {
                self.mitigated = None;
                self.resolved = None;
            }
            State::Mitigated => fill(&mut self.mitigated),
            State::Resolved => {
                fill(&mut self.mitigated);
                fill(&mut self.resolved);
            }
            State::Triage | State::Learning | State::Closed | State::Declined | State::Merged => {}
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + minute * 60).unwrap()
    }

    #[test]
    fn only_moves_that_make_sense_are_allowed() {
        use State::*;
        // (from, to, allowed), written out rather than derived from `next`.
        let table = [
            (Triage, Active, true),
            (Triage, Declined, true),
            (Triage, Merged, true),
            (Triage, Resolved, true),
            (Triage, Learning, false),
            (Triage, Closed, false),
            (Active, Mitigated, true),
            (Active, Resolved, true),
            (Active, Merged, true),
            (Active, Triage, false),
            (Active, Declined, false),
            (Active, Closed, false),
            (Mitigated, Active, true),
            (Mitigated, Resolved, true),
            (Mitigated, Learning, false),
            (Resolved, Active, true),
            (Resolved, Learning, true),
            (Resolved, Closed, true),
            (Resolved, Mitigated, false),
            (Learning, Closed, true),
            (Learning, Active, false),
            (Closed, Active, false),
            (Declined, Active, false),
            (Merged, Triage, false),
            (Active, Active, false),
        ];
        for (from, to, allowed) in table {
            assert_eq!(from.move_to(to).is_ok(), allowed, "{from} → {to}");
        }
        assert_eq!(
            State::Active
                .move_to(State::Closed)
                .unwrap_err()
                .to_string(),
            "an incident cannot go from active to closed; from active it can go to mitigated, resolved, merged"
        );
        assert_eq!(
            State::Closed
                .move_to(State::Active)
                .unwrap_err()
                .to_string(),
            "the incident is closed and cannot change state any more; declare a new incident"
        );
        assert_eq!(
            State::Active
                .move_to(State::Active)
                .unwrap_err()
                .to_string(),
            "the incident is already active"
        );
    }

    #[test]
    fn key_times_keep_their_order() {
        let times = KeyTimes {
            impact_started: Some(at(0)),
            detected: Some(at(5)),
            acknowledged: Some(at(7)),
            mitigated: None,
            resolved: Some(at(30)),
        };
        assert!(times.check_order().is_ok());
        let edited = KeyTimes {
            impact_started: Some(at(6)),
            ..times
        };
        assert_eq!(
            edited.check_order().unwrap_err().to_string(),
            "detected (2027-01-15T08:05:00Z) would come before impact started (2027-01-15T08:06:00Z); key times go impact started, detected, acknowledged, mitigated, resolved"
        );
        // An unset time in between is skipped, not treated as zero.
        let skipping = KeyTimes {
            acknowledged: None,
            mitigated: Some(at(6)),
            ..times
        };
        assert!(skipping.check_order().is_ok());
        let backwards = KeyTimes {
            resolved: Some(at(6)),
            ..times
        };
        assert!(backwards.check_order().is_err());
    }

    #[test]
    fn moves_fill_the_times_they_mark_and_keep_edits() {
        let declared = KeyTimes {
            detected: Some(at(0)),
            ..KeyTimes::default()
        };
        let mitigated = declared.after_move(State::Mitigated, at(10));
        assert_eq!(mitigated.mitigated, Some(at(10)));
        let resolved = mitigated.after_move(State::Resolved, at(20));
        assert_eq!(resolved.mitigated, Some(at(10)), "an earlier time is kept");
        assert_eq!(resolved.resolved, Some(at(20)));
        assert!(resolved.check_order().is_ok());
        // Resolved straight from triage marks both.
        let quick = declared.after_move(State::Resolved, at(3));
        assert_eq!(
            (quick.mitigated, quick.resolved),
            (Some(at(3)), Some(at(3)))
        );
        // Reopened: mitigated and resolved are to come again.
        let reopened = resolved.after_move(State::Active, at(25));
        assert_eq!((reopened.mitigated, reopened.resolved), (None, None));
        assert_eq!(reopened.detected, Some(at(0)));
    }

    #[test]
    fn vocabulary_severity_and_priority() {
        assert_eq!(Severity::parse("sev2"), Some(Severity::Sev2));
        assert_eq!(Severity::parse("SEV5"), None);
        assert!(Severity::Sev1.needs_heads_up() && Severity::Sev2.needs_heads_up());
        assert!(!Severity::Sev3.needs_heads_up());
        assert_eq!(Priority::for_severity(Severity::Sev3), Priority::P3);
        assert_eq!(Priority::parse("p1"), Some(Priority::P1));
        assert_eq!(
            UpdateStatus::parse("monitoring").map(UpdateStatus::implied_state),
            Some(State::Mitigated)
        );
        assert_eq!(UpdateStatus::parse("fixed"), None);
        assert_eq!(serde_json::to_string(&Severity::Sev1).unwrap(), "\"SEV1\"");
        assert_eq!(State::parse("learning"), Some(State::Learning));
        assert!(State::Mitigated.is_open() && !State::Resolved.is_open());
    }
}
