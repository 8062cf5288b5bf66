//! Heartbeats (dead man's switches): a job pings on a schedule, and a ping that does not come
//! by its deadline, or a ping that says the job failed, is an alert. Time comes in as
//! arguments; nothing here reads the clock.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// The integration heartbeat alerts come from; `check-config` reserves the name.
pub const HEARTBEAT_INTEGRATION: &str = "heartbeats";

/// When pings are expected.
#[derive(Debug, Clone)]
pub enum Expect {
    /// At least once every this long.
    Every(SignedDuration),
    /// At each occurrence of a five-field cron in a zone (`0 3 * * *`: a nightly job).
    Cron {
        cron: Box<croner::Cron>,
        zone: TimeZone,
    },
}

impl Expect {
    /// A cron and its IANA zone, checked; the error is a sentence naming what is wrong.
    pub fn cron(pattern: &str, timezone: &str) -> Result<Expect, String> {
        let cron = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Disallowed)
            .build()
            .parse(pattern)
            .map_err(|error| {
                format!("`{pattern}` is not a cron expression with 5 fields (minute hour day month weekday, as in 0 3 * * *): {error}")
            })?;
        let zone = TimeZone::get(timezone)
            .map_err(|_| format!("`{timezone}` is not an IANA time zone such as Asia/Seoul"))?;
        let expect = Expect::Cron {
            cron: Box::new(cron),
            zone,
        };
        if expect.next_after(Timestamp::UNIX_EPOCH).is_none() {
            return Err(format!("`{pattern}` never matches a date"));
        }
        Ok(expect)
    }

    /// The first expected ping after `since`: `since` plus the interval, or the cron's next
    /// occurrence.
    pub fn next_after(&self, since: Timestamp) -> Option<Timestamp> {
        match self {
            Expect::Every(every) => since.checked_add(*every).ok(),
            Expect::Cron { cron, zone } => cron
                .find_next_occurrence(&since.to_zoned(zone.clone()), false)
                .ok()
                .map(|at| at.timestamp()),
        }
    }
}

/// A heartbeat's schedule: when pings are expected, and how late one may be.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub expect: Expect,
    pub grace: SignedDuration,
}

/// What is stored of a heartbeat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pings {
    /// When Firewatch began to expect it: the clock runs from here until the first ping.
    pub since: Timestamp,
    pub last_ping: Option<Timestamp>,
    /// The last `/fail`.
    pub last_failure: Option<Timestamp>,
}

/// Where a heartbeat stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Health {
    /// Never pinged yet, and not late.
    Waiting { deadline: Timestamp },
    /// Pinged in time; the next ping is due by `deadline`.
    Up { deadline: Timestamp },
    /// The deadline passed with no ping.
    Late { deadline: Timestamp },
    /// The job said it failed (`/fail`) and has not pinged since.
    Failed { at: Timestamp },
}

impl Health {
    pub fn as_str(self) -> &'static str {
        match self {
            Health::Waiting { .. } => "waiting",
            Health::Up { .. } => "up",
            Health::Late { .. } => "late",
            Health::Failed { .. } => "failed",
        }
    }

    /// Whether it is an alert.
    pub fn is_down(self) -> bool {
        matches!(self, Health::Late { .. } | Health::Failed { .. })
    }

    /// The instant that changes it if nothing else does (a deadline still ahead).
    pub fn next_change(self) -> Option<Timestamp> {
        match self {
            Health::Waiting { deadline } | Health::Up { deadline } => Some(deadline),
            Health::Late { .. } | Health::Failed { .. } => None,
        }
    }
}

/// The deadline after the last ping (or since expecting one): the next expected ping plus
/// the grace.
pub fn deadline(schedule: &Schedule, pings: &Pings) -> Timestamp {
    let from = pings.last_ping.unwrap_or(pings.since);
    schedule
        .expect
        .next_after(from)
        .and_then(|due| due.checked_add(schedule.grace).ok())
        .unwrap_or(Timestamp::MAX)
}

pub fn health(schedule: &Schedule, pings: &Pings, now: Timestamp) -> Health {
    if let Some(failed) = pings
        .last_failure
        .filter(|failed| pings.last_ping.is_none_or(|ping| *failed >= ping))
    {
        return Health::Failed { at: failed };
    }
    let deadline = deadline(schedule, pings);
    if now >= deadline {
        Health::Late { deadline }
    } else if pings.last_ping.is_some() {
        Health::Up { deadline }
    } else {
        Health::Waiting { deadline }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn every(hours: i64, grace_mins: i64) -> Schedule {
        Schedule {
            expect: Expect::Every(SignedDuration::from_hours(hours)),
            grace: SignedDuration::from_mins(grace_mins),
        }
    }

    #[test]
    fn an_interval_heartbeat_is_late_once_interval_and_grace_pass_without_a_ping() {
        let schedule = every(24, 30);
        let mut pings = Pings {
            since: at("2026-12-01T00:00:00Z"),
            last_ping: None,
            last_failure: None,
        };
        assert_eq!(
            health(&schedule, &pings, at("2026-12-01T12:00:00Z")),
            Health::Waiting {
                deadline: at("2026-12-02T00:30:00Z")
            }
        );
        assert!(health(&schedule, &pings, at("2026-12-02T00:30:00Z")).is_down());
        pings.last_ping = Some(at("2026-12-02T00:40:00Z"));
        assert_eq!(
            health(&schedule, &pings, at("2026-12-02T01:00:00Z")),
            Health::Up {
                deadline: at("2026-12-03T01:10:00Z")
            }
        );
    }

    #[test]
    fn a_cron_heartbeat_is_due_after_each_occurrence_in_its_zone() {
        // A nightly job at 03:00 in Seoul (18:00 UTC the day before) with 30 minutes' grace.
        let schedule = Schedule {
            expect: Expect::cron("0 3 * * *", "Asia/Seoul").unwrap(),
            grace: SignedDuration::from_mins(30),
        };
        let pings = Pings {
            since: at("2026-12-01T10:00:00Z"),
            last_ping: Some(at("2026-12-01T18:05:00Z")),
            last_failure: None,
        };
        assert_eq!(deadline(&schedule, &pings), at("2026-12-02T18:30:00Z"));
        assert!(!health(&schedule, &pings, at("2026-12-02T18:29:59Z")).is_down());
        assert_eq!(
            health(&schedule, &pings, at("2026-12-02T18:30:00Z")).as_str(),
            "late"
        );
        assert!(Expect::cron("0 3 * *", "UTC").is_err());
        assert!(Expect::cron("0 3 * * *", "Mars/Olympus").is_err());
        assert!(Expect::cron("0 0 30 2 *", "UTC").is_err());
    }

    #[test]
    fn a_failure_stands_until_the_next_ping() {
        let schedule = every(1, 5);
        let mut pings = Pings {
            since: at("2026-12-01T00:00:00Z"),
            last_ping: Some(at("2026-12-01T00:10:00Z")),
            last_failure: Some(at("2026-12-01T00:20:00Z")),
        };
        let now = at("2026-12-01T00:21:00Z");
        assert_eq!(
            health(&schedule, &pings, now),
            Health::Failed {
                at: at("2026-12-01T00:20:00Z")
            }
        );
        pings.last_ping = Some(at("2026-12-01T00:21:00Z"));
        assert_eq!(health(&schedule, &pings, now).as_str(), "up");
    }
}
