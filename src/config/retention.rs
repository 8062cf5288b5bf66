//! `[retention]`: how long what arrives is kept (`core::retention`).

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::problem::Problems;
use crate::core::retention::Retention;

/// A hundred years: past this a number of days is a mistake, not a wish.
const MOST_DAYS: u32 = 36_500;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RetentionConfig {
    /// Days an event keeps its raw headers and body; 0 keeps them for good.
    pub payload_days: u32,
    /// Days an event is kept at all; 0 keeps events for good.
    pub event_days: u32,
    /// Days a job that succeeded is kept; 0 keeps them for good.
    pub finished_job_days: u32,
    /// Days a notification that gave up waits for a re-drive; 0 keeps them for good.
    pub dead_letter_days: u32,
}

impl Default for RetentionConfig {
    fn default() -> Self {
        Self {
            payload_days: 30,
            event_days: 365,
            finished_job_days: 7,
            dead_letter_days: 30,
        }
    }
}

impl RetentionConfig {
    /// The retention in force, with the stretch before each incident whose changes stay
    /// (`[incidents] what_changed_window`).
    pub fn retention(&self, what_changed: SignedDuration) -> Retention {
        let days = |days: u32| {
            (days > 0).then(|| SignedDuration::from_hours(24 * i64::from(days.min(MOST_DAYS))))
        };
        Retention {
            payloads: days(self.payload_days),
            events: days(self.event_days),
            finished_jobs: days(self.finished_job_days),
            dead_letters: days(self.dead_letter_days),
            what_changed,
        }
    }

    pub fn validate(&self, problems: &mut Problems) {
        for (key, days) in [
            ("payload_days", self.payload_days),
            ("event_days", self.event_days),
            ("finished_job_days", self.finished_job_days),
            ("dead_letter_days", self.dead_letter_days),
        ] {
            if days > MOST_DAYS {
                problems.error(
                    format!("retention.{key}"),
                    format!("must be at most {MOST_DAYS} (a hundred years); 0 keeps for good"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_become_durations_and_zero_keeps_for_good() {
        let retention = RetentionConfig {
            event_days: 0,
            ..RetentionConfig::default()
        }
        .retention(SignedDuration::from_hours(24));
        assert_eq!(retention.payloads, Some(SignedDuration::from_hours(720)));
        assert_eq!(retention.events, None);
        assert_eq!(
            retention.finished_jobs,
            Some(SignedDuration::from_hours(168))
        );
        let mut problems = Problems::default();
        RetentionConfig {
            payload_days: 40_000,
            ..RetentionConfig::default()
        }
        .validate(&mut problems);
        assert_eq!(problems.errors.len(), 1);
    }
}
