//! How long what arrives is kept (`[retention]`), and what one pass of pruning removed.
//!
//! Only what nothing else is made from goes: an event's raw payload (its normalized facts
//! stay), whole events after longer, and jobs that finished. Deployments, changes,
//! incidents, their timelines, post-mortems, alerts and the audit log are never pruned: the
//! reports and the audit chain read them for as far back as anyone asks. Nor are the forge
//! events an incident's "what changed" lists.

use jiff::{SignedDuration, Timestamp};

/// Each `None` keeps that kind of row for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// An event's headers and body.
    pub payloads: Option<SignedDuration>,
    /// The event itself (the Events page and `GET /api/v1/events`).
    pub events: Option<SignedDuration>,
    /// Jobs that succeeded (sent notifications and the rest).
    pub finished_jobs: Option<SignedDuration>,
    /// Notifications that gave up, still there to be re-driven.
    pub dead_letters: Option<SignedDuration>,
    /// How long before an incident began its "what changed" looks: the forge events in that
    /// stretch are kept while the incident is, so its timeline reads the same.
    pub what_changed: SignedDuration,
}

impl Retention {
    /// The time before which rows kept for `keep` go, if they go at all.
    pub fn cutoff(keep: Option<SignedDuration>, now: Timestamp) -> Option<Timestamp> {
        keep.map(|keep| now.saturating_sub(keep).unwrap_or(Timestamp::MIN))
    }
}

/// Rows one pass removed, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Pruned {
    pub payloads: u64,
    pub events: u64,
    pub finished_jobs: u64,
    pub dead_letters: u64,
}

impl Pruned {
    pub fn total(&self) -> u64 {
        self.payloads + self.events + self.finished_jobs + self.dead_letters
    }

    /// Each kind with its name, as the metric labels them.
    pub fn by_kind(&self) -> [(&'static str, u64); 4] {
        [
            ("payloads", self.payloads),
            ("events", self.events),
            ("finished_jobs", self.finished_jobs),
            ("dead_letters", self.dead_letters),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cutoff_is_now_less_the_keep_and_none_keeps_for_good() {
        let now: Timestamp = "2027-01-31T00:00:00Z".parse().unwrap();
        assert_eq!(Retention::cutoff(None, now), None);
        assert_eq!(
            Retention::cutoff(Some(SignedDuration::from_hours(24 * 30)), now),
            Some("2027-01-01T00:00:00Z".parse().unwrap())
        );
        // Longer than time itself: everything before the earliest time, i.e. nothing.
        assert_eq!(
            Retention::cutoff(Some(SignedDuration::MAX), now),
            Some(Timestamp::MIN)
        );
    }
}
