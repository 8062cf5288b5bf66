//! Notification groups, as Alertmanager users expect them: alerts that share a route's
//! `group_by` label values are told together. A new group waits `group_wait` for company,
//! later joiners wait until `group_interval` has passed since the group's last notice, and a
//! group still firing with nothing new is told again every `repeat_interval`. Resolves and
//! acknowledgements are not grouped: they go out at once (see `alerts::notices::plan`).

use std::collections::BTreeMap;

use jiff::{SignedDuration, Timestamp};
use sha2::{Digest, Sha256};

/// The group's stable key: the route's position, its `group_by`, and the alert's values for
/// those labels. Hashed so any label text fits a key column.
pub fn group_key(route: usize, by: Option<&[String]>, labels: &BTreeMap<String, String>) -> String {
    let mut hash = Sha256::new();
    hash.update(route.to_le_bytes());
    match by {
        Some(by) => {
            for name in by {
                hash.update([0]);
                hash.update(name.as_bytes());
            }
        }
        None => hash.update(b"\x01..."),
    }
    for (name, value) in labels {
        hash.update([2]);
        hash.update(name.as_bytes());
        hash.update([3]);
        hash.update(value.as_bytes());
    }
    hex::encode(&hash.finalize()[..16])
}

/// A group's timing as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupTiming {
    /// When the group last sent a notice (`None`: never yet).
    pub last_notified_at: Option<Timestamp>,
    /// When its next flush is due (`None`: idle, nothing to tell).
    pub next_flush_at: Option<Timestamp>,
}

/// When the group should flush after an alert joins it at `now`: a group waiting for its
/// first notice keeps its time; otherwise the joiner is told no sooner than `interval` after
/// the last notice (and no later than a flush already planned).
pub fn flush_after_join(
    timing: GroupTiming,
    now: Timestamp,
    wait: SignedDuration,
    interval: SignedDuration,
) -> Timestamp {
    match (timing.last_notified_at, timing.next_flush_at) {
        (None, Some(next)) => next,
        (None, None) => now.saturating_add(wait).unwrap_or(now),
        (Some(last), planned) => {
            let earliest = last.saturating_add(interval).unwrap_or(last).max(now);
            planned.map_or(earliest, |planned| planned.min(earliest))
        }
    }
}

/// What a due flush does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flush {
    /// Send one notice listing every firing alert, then look again at `next` (the repeat).
    Notify { next: Timestamp },
    /// Nothing new and the repeat is not due: look again at `next`.
    Wait { next: Timestamp },
    /// Nothing fires: the group goes idle until an alert joins.
    Idle,
}

/// The decision at a flush: `firing` alerts of which `untold` were never told in this group.
pub fn flush(
    firing: usize,
    untold: usize,
    last_notified_at: Option<Timestamp>,
    repeat: SignedDuration,
    now: Timestamp,
) -> Flush {
    let next = now.saturating_add(repeat).unwrap_or(now);
    if firing == 0 {
        return Flush::Idle;
    }
    if untold > 0 {
        return Flush::Notify { next };
    }
    match last_notified_at.and_then(|last| last.saturating_add(repeat).ok()) {
        Some(due) if due > now => Flush::Wait { next: due },
        _ => Flush::Notify { next },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        format!("2026-11-22T{text}Z").parse().unwrap()
    }

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn keys_depend_on_route_labels_and_values_only() {
        let by = vec!["alertname".to_owned()];
        let a = group_key(0, Some(&by), &labels(&[("alertname", "X")]));
        assert_eq!(a, group_key(0, Some(&by), &labels(&[("alertname", "X")])));
        assert_ne!(a, group_key(1, Some(&by), &labels(&[("alertname", "X")])));
        assert_ne!(a, group_key(0, Some(&by), &labels(&[("alertname", "Y")])));
        assert_ne!(a, group_key(0, None, &labels(&[("alertname", "X")])));
        assert_eq!(a.len(), 32);
    }

    #[test]
    fn joining_waits_for_the_group_wait_then_the_interval() {
        let wait = SignedDuration::from_secs(30);
        let interval = SignedDuration::from_mins(5);
        let new = GroupTiming {
            last_notified_at: None,
            next_flush_at: None,
        };
        assert_eq!(
            flush_after_join(new, at("10:00:00"), wait, interval),
            at("10:00:30")
        );
        let waiting = GroupTiming {
            last_notified_at: None,
            next_flush_at: Some(at("10:00:30")),
        };
        assert_eq!(
            flush_after_join(waiting, at("10:00:10"), wait, interval),
            at("10:00:30")
        );
        // Told at 10:00:30 and planning its repeat at 14:00:30: a joiner at 10:01 is told
        // at 10:05:30; one long after the interval is told at once.
        let told = GroupTiming {
            last_notified_at: Some(at("10:00:30")),
            next_flush_at: Some(at("14:00:30")),
        };
        assert_eq!(
            flush_after_join(told, at("10:01:00"), wait, interval),
            at("10:05:30")
        );
        assert_eq!(
            flush_after_join(told, at("11:00:00"), wait, interval),
            at("11:00:00")
        );
        let idle = GroupTiming {
            last_notified_at: Some(at("10:00:30")),
            next_flush_at: None,
        };
        assert_eq!(
            flush_after_join(idle, at("10:02:00"), wait, interval),
            at("10:05:30")
        );
    }

    #[test]
    fn flushes_tell_new_alerts_repeat_and_go_idle() {
        let repeat = SignedDuration::from_hours(4);
        assert_eq!(
            flush(2, 1, Some(at("10:00:00")), repeat, at("10:05:00")),
            Flush::Notify {
                next: at("14:05:00")
            }
        );
        assert_eq!(
            flush(2, 0, Some(at("10:00:00")), repeat, at("10:05:00")),
            Flush::Wait {
                next: at("14:00:00")
            }
        );
        assert_eq!(
            flush(2, 0, Some(at("10:00:00")), repeat, at("14:00:00")),
            Flush::Notify {
                next: at("18:00:00")
            }
        );
        assert_eq!(
            flush(0, 0, Some(at("10:00:00")), repeat, at("14:00:00")),
            Flush::Idle
        );
    }
}
