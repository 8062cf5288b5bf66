//! Built-in checks as plain decisions: what one run found (`Outcome`), when a run of failures
//! becomes an alert and a run of successes resolves it (`CheckTracker`), when a check runs next
//! (`next_run`, with jitter), and how results are summed into minute, hour and day buckets
//! (`Resolution`, `Rollup`). The probes in `crate::checks` do the network part; keeping these
//! decisions here lets them be tested with plain values and no clock.

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// The integration name check alerts carry (an `[[integrations]]` entry may not take it).
pub const CHECK_INTEGRATION: &str = "checks";

/// What one run of a check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcome {
    pub ok: bool,
    /// How long the exchange took, when there was one to time: `None` when nothing answered
    /// (refused, timed out, unresolvable name).
    pub latency_ms: Option<u64>,
    /// One sentence: why it failed, or what it saw ("status 503, expected 200",
    /// "certificate expires in 5 days (2026-11-27)").
    pub detail: String,
}

impl Outcome {
    pub fn success(latency_ms: Option<u64>, detail: impl Into<String>) -> Outcome {
        Outcome {
            ok: true,
            latency_ms,
            detail: detail.into(),
        }
    }

    pub fn failure(latency_ms: Option<u64>, detail: impl Into<String>) -> Outcome {
        Outcome {
            ok: false,
            latency_ms,
            detail: detail.into(),
        }
    }
}

/// A change of a check's alert that a result causes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Transition {
    /// The failures reached the threshold: report the alert firing.
    Fire,
    /// While alerting, the successes reached the threshold: report it resolved.
    Resolve,
}

/// Counts consecutive results, so that one lost packet does not page anyone and one lucky
/// answer does not resolve an outage. It is stored (as JSON) beside the check's state, so a
/// restart neither forgets a firing alert nor fires it again.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct CheckTracker {
    pub consecutive_failures: u32,
    pub consecutive_successes: u32,
    /// An alert was fired and not yet resolved.
    pub alerting: bool,
}

impl CheckTracker {
    /// Records one result. Returns `Fire` once, on the failure that reaches
    /// `failures_to_alert` in a row, and `Resolve` once, on the success that reaches
    /// `successes_to_resolve` in a row while alerting; every other result returns `None`.
    ///
    /// Thresholds are compared with `>=`, so lowering one in the config while a streak is
    /// running takes effect at the next result. A threshold of 0 counts as 1 (config
    /// validation refuses 0; this only keeps a bad value from meaning "never").
    pub fn record(
        &mut self,
        ok: bool,
        failures_to_alert: u32,
        successes_to_resolve: u32,
    ) -> Option<Transition> {
        if ok {
            self.consecutive_failures = 0;
            self.consecutive_successes = self.consecutive_successes.saturating_add(1);
            if self.alerting && self.consecutive_successes >= successes_to_resolve.max(1) {
                self.alerting = false;
                return Some(Transition::Resolve);
            }
        } else {
            self.consecutive_successes = 0;
            self.consecutive_failures = self.consecutive_failures.saturating_add(1);
            if !self.alerting && self.consecutive_failures >= failures_to_alert.max(1) {
                self.alerting = true;
                return Some(Transition::Fire);
            }
        }
        None
    }
}

/// The most a run moves from its interval: a tenth of the interval, capped by the caller's
/// `max_jitter`. A tenth is enough to pull apart checks that were started together (a reload
/// puts them all on the same second) while keeping "every 60 s" close to true.
pub const JITTER_SHARE: f64 = 0.1;

/// When a check next runs: `interval` after `after`, moved by up to half the jitter span
/// either way.
///
/// The span is `min(interval × JITTER_SHARE, max_jitter)` and the offset is
/// `(jitter_fraction − ½) × span`, so the average period is exactly the interval (the schedule
/// does not drift later over a day), and two checks that ran together are apart after a few
/// runs because each run draws a new fraction. Pass the time the run was due, not when it
/// finished, so the probe's own duration does not add up over runs either.
///
/// `jitter_fraction` is a random number in `[0, 1)` from the caller (anything else is
/// clamped; NaN counts as ½). A non-positive interval counts as one second, so a bad value
/// cannot make a scheduler spin.
pub fn next_run(
    after: Timestamp,
    interval: SignedDuration,
    jitter_fraction: f64,
    max_jitter: SignedDuration,
) -> Timestamp {
    let interval = interval.max(SignedDuration::from_secs(1));
    let span_nanos =
        (interval.as_nanos() as f64 * JITTER_SHARE).min(max_jitter.as_nanos().max(0) as f64);
    let fraction = if jitter_fraction.is_nan() {
        0.5
    } else {
        jitter_fraction.clamp(0.0, 1.0)
    };
    // `as` from f64 saturates, and the span is at most a tenth of an i64-sized interval, so the
    // offset fits.
    let offset_nanos = ((fraction - 0.5) * span_nanos) as i128;
    let delay = interval
        .as_nanos()
        .saturating_add(offset_nanos)
        .clamp(0, i128::from(i64::MAX));
    after
        .saturating_add(SignedDuration::from_nanos_i128(delay))
        .unwrap_or(Timestamp::MAX)
}

/// How far apart the first runs of checks that start together are spread, at most.
pub const FIRST_RUN_SPREAD: SignedDuration = SignedDuration::from_secs(60);

/// When a check that has never run (a new check, or the first start) runs first: somewhere in
/// the first `min(interval, FIRST_RUN_SPREAD)` after `start`, so that a config with fifty
/// checks does not send fifty requests in the same second, yet an hourly check still runs
/// within a minute of being added. `jitter_fraction` is as for `next_run`.
pub fn first_run(start: Timestamp, interval: SignedDuration, jitter_fraction: f64) -> Timestamp {
    let spread = interval
        .max(SignedDuration::ZERO)
        .min(FIRST_RUN_SPREAD)
        .as_secs_f64();
    let fraction = if jitter_fraction.is_nan() {
        0.0
    } else {
        jitter_fraction.clamp(0.0, 1.0)
    };
    // `spread` is at most 60 s, so this cannot overflow.
    let offset = SignedDuration::from_nanos((fraction * spread * 1e9) as i64);
    start.saturating_add(offset).unwrap_or(Timestamp::MAX)
}

/// How long raw results (one row per run) are kept: enough to read each failure of the last
/// day or so; older ones are in the buckets.
pub const RAW_RETENTION: SignedDuration = SignedDuration::from_hours(2 * 24);

/// The width of a rollup bucket. Buckets start at whole minutes, hours and days in UTC, so
/// replicas and restarts always agree on which bucket a result belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Resolution {
    Minute,
    Hour,
    Day,
}

impl Resolution {
    /// Finest first.
    pub const ALL: [Resolution; 3] = [Resolution::Minute, Resolution::Hour, Resolution::Day];

    pub fn as_str(self) -> &'static str {
        match self {
            Resolution::Minute => "minute",
            Resolution::Hour => "hour",
            Resolution::Day => "day",
        }
    }

    pub fn parse(text: &str) -> Option<Resolution> {
        Resolution::ALL
            .into_iter()
            .find(|resolution| resolution.as_str() == text)
    }

    /// The length of one bucket.
    pub fn width(self) -> SignedDuration {
        match self {
            Resolution::Minute => SignedDuration::from_mins(1),
            Resolution::Hour => SignedDuration::from_hours(1),
            Resolution::Day => SignedDuration::from_hours(24),
        }
    }

    /// The start of the bucket `at` falls in. A UTC day is always 86,400 s (timestamps have no
    /// leap seconds), so this is whole-second arithmetic.
    pub fn floor(self, at: Timestamp) -> Timestamp {
        let width = self.width().as_secs();
        Timestamp::from_second(at.as_second().div_euclid(width) * width).unwrap_or(Timestamp::MIN)
    }

    /// How long buckets of this width are kept:
    ///
    /// - minute: 8 days, so the last week can be drawn at full detail, with a day to spare
    ///   for the partial day at either end;
    /// - hour: 90 days, a quarter at hourly detail;
    /// - day: 400 days, a full year plus a month, so "the last 12 months" and the same month
    ///   a year ago are always complete.
    ///
    /// At the default 60 s interval that is about 11,500 minute rows, 2,200 hour rows and 400
    /// day rows per check.
    pub fn retention(self) -> SignedDuration {
        match self {
            Resolution::Minute => SignedDuration::from_hours(8 * 24),
            Resolution::Hour => SignedDuration::from_hours(90 * 24),
            Resolution::Day => SignedDuration::from_hours(400 * 24),
        }
    }

    /// Buckets that start before this instant are past their retention and may be deleted.
    pub fn cutoff(self, now: Timestamp) -> Timestamp {
        self.floor(
            now.saturating_sub(self.retention())
                .unwrap_or(Timestamp::MIN),
        )
    }

    /// The next coarser width: minute buckets add up into hours, hours into days.
    pub fn coarser(self) -> Option<Resolution> {
        match self {
            Resolution::Minute => Some(Resolution::Hour),
            Resolution::Hour => Some(Resolution::Day),
            Resolution::Day => None,
        }
    }

    /// The finest width whose retention still covers a window reaching `window` back from
    /// now: what a chart of that window should read. Day buckets beyond their retention hold
    /// nothing, so anything longer gets days too.
    pub fn finest_for(window: SignedDuration) -> Resolution {
        Resolution::ALL
            .into_iter()
            .find(|resolution| resolution.retention() >= window)
            .unwrap_or(Resolution::Day)
    }
}

/// Runs summed over one bucket. Sums and a maximum (rather than averages) are what can be
/// merged without loss: two minute rollups added give the same as the runs added one by one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Rollup {
    pub runs: u64,
    pub failures: u64,
    /// Runs that had a latency. Timeouts and refusals have none, and counting them in the mean
    /// would make an outage look fast.
    pub latency_runs: u64,
    pub latency_sum_ms: u64,
    pub latency_max_ms: u64,
}

impl Rollup {
    pub fn add(&mut self, outcome: &Outcome) {
        self.runs = self.runs.saturating_add(1);
        if !outcome.ok {
            self.failures = self.failures.saturating_add(1);
        }
        if let Some(latency_ms) = outcome.latency_ms {
            self.latency_runs = self.latency_runs.saturating_add(1);
            self.latency_sum_ms = self.latency_sum_ms.saturating_add(latency_ms);
            self.latency_max_ms = self.latency_max_ms.max(latency_ms);
        }
    }

    pub fn merge(&mut self, other: &Rollup) {
        self.runs = self.runs.saturating_add(other.runs);
        self.failures = self.failures.saturating_add(other.failures);
        self.latency_runs = self.latency_runs.saturating_add(other.latency_runs);
        self.latency_sum_ms = self.latency_sum_ms.saturating_add(other.latency_sum_ms);
        self.latency_max_ms = self.latency_max_ms.max(other.latency_max_ms);
    }

    /// The share of runs that succeeded, from 0 to 1; `None` for a bucket with no runs (not
    /// 100 %: nothing was measured).
    pub fn availability(&self) -> Option<f64> {
        if self.runs == 0 {
            return None;
        }
        let successes = self.runs.saturating_sub(self.failures);
        Some(successes as f64 / self.runs as f64)
    }

    /// The mean latency of the runs that had one.
    pub fn mean_latency_ms(&self) -> Option<f64> {
        (self.latency_runs > 0).then(|| self.latency_sum_ms as f64 / self.latency_runs as f64)
    }
}

/// How a certificate's expiry reads against the threshold, as the TLS probe reports it.
/// `untrusted` is why verification failed, if it did: a certificate that browsers refuse is a
/// failure however long it has left, but its expiry is still worth saying.
pub fn certificate_outcome(
    not_after: Timestamp,
    now: Timestamp,
    expires_within_days: u32,
    untrusted: Option<&str>,
    latency_ms: Option<u64>,
) -> Outcome {
    let date = not_after.to_zoned(TimeZone::UTC).date();
    let left = not_after.duration_since(now);
    if !left.is_positive() {
        let ago = describe_span(left.checked_neg().unwrap_or(SignedDuration::MAX));
        return Outcome::failure(
            latency_ms,
            format!("certificate expired {ago} ago ({date})"),
        );
    }
    let expiry = format!("expires in {} ({date})", describe_span(left));
    if let Some(reason) = untrusted {
        return Outcome::failure(
            latency_ms,
            format!("certificate is not trusted: {reason}; it {expiry}"),
        );
    }
    let threshold = SignedDuration::from_hours(i64::from(expires_within_days) * 24);
    if left < threshold {
        Outcome::failure(latency_ms, format!("certificate {expiry}"))
    } else {
        Outcome::success(latency_ms, format!("certificate is valid and {expiry}"))
    }
}

/// "5 days", "1 day", "7 hours", "12 minutes": whole units, rounded down, in the largest unit
/// that is at least one.
fn describe_span(span: SignedDuration) -> String {
    let seconds = span.as_secs().max(0);
    let (count, unit) = if seconds >= 86_400 {
        (seconds / 86_400, "day")
    } else if seconds >= 3_600 {
        (seconds / 3_600, "hour")
    } else if seconds >= 60 {
        (seconds / 60, "minute")
    } else {
        (seconds, "second")
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    /// Feeds `results` ('F' failure, 'S' success) to a fresh tracker with thresholds 3/2 and
    /// returns what each result caused ('f' fire, 'r' resolve, '.' nothing).
    fn transitions(results: &str) -> String {
        let mut tracker = CheckTracker::default();
        results
            .chars()
            .map(|result| match tracker.record(result == 'S', 3, 2) {
                Some(Transition::Fire) => 'f',
                Some(Transition::Resolve) => 'r',
                None => '.',
            })
            .collect()
    }

    #[test]
    fn fires_on_the_third_failure_and_resolves_on_the_second_success() {
        assert_eq!(transitions("FFFFFSS"), "..f...r");
        // Once each: more failures while alerting, or more successes after resolving, say nothing.
        assert_eq!(transitions("FFFFFFSSSSS"), "..f....r...");
        // A second outage fires again.
        assert_eq!(transitions("FFFSSFFF"), "..f.r..f");
    }

    #[test]
    fn flapping_below_the_thresholds_changes_nothing() {
        // Two failures then a success, over and over: never three in a row.
        assert_eq!(transitions("FFSFFSFFSFFS"), "............");
        // While alerting, a single success between failures never resolves it.
        assert_eq!(transitions("FFFSFSFSFSF"), "..f........");
        // Successes before any alert resolve nothing.
        assert_eq!(transitions("SSSS"), "....");
    }

    #[test]
    fn tracker_counts_and_round_trips_as_json() {
        let mut tracker = CheckTracker::default();
        for ok in [false, false, false, true] {
            tracker.record(ok, 3, 2);
        }
        assert_eq!(
            tracker,
            CheckTracker {
                consecutive_failures: 0,
                consecutive_successes: 1,
                alerting: true,
            }
        );
        let json = serde_json::to_string(&tracker).unwrap();
        assert_eq!(
            json,
            r#"{"consecutive_failures":0,"consecutive_successes":1,"alerting":true}"#
        );
        assert_eq!(
            serde_json::from_str::<CheckTracker>(&json).unwrap(),
            tracker
        );
        // A stored row from before a field existed still loads.
        assert_eq!(
            serde_json::from_str::<CheckTracker>("{}").unwrap(),
            CheckTracker::default()
        );
    }

    #[test]
    fn thresholds_of_one_and_zero() {
        let mut tracker = CheckTracker::default();
        assert_eq!(tracker.record(false, 1, 1), Some(Transition::Fire));
        assert_eq!(tracker.record(true, 1, 1), Some(Transition::Resolve));
        // 0 is treated as 1, not as "never" or "always".
        assert_eq!(tracker.record(true, 0, 0), None);
        assert_eq!(tracker.record(false, 0, 0), Some(Transition::Fire));
        assert_eq!(tracker.record(true, 0, 0), Some(Transition::Resolve));
    }

    #[test]
    fn lowering_a_threshold_mid_streak_fires_at_the_next_failure() {
        let mut tracker = CheckTracker::default();
        for _ in 0..4 {
            assert_eq!(tracker.record(false, 5, 2), None);
        }
        assert_eq!(tracker.record(false, 3, 2), Some(Transition::Fire));
    }

    #[test]
    fn next_run_jitters_around_the_interval() {
        let start = at("2026-01-01T00:00:00Z");
        let minute = SignedDuration::from_secs(60);
        let cap = SignedDuration::from_secs(30);
        // 10% of 60 s is a 6 s span: from 57 s to 63 s, 60 s in the middle.
        assert_eq!(
            next_run(start, minute, 0.0, cap),
            at("2026-01-01T00:00:57Z")
        );
        assert_eq!(
            next_run(start, minute, 0.5, cap),
            at("2026-01-01T00:01:00Z")
        );
        assert_eq!(
            next_run(start, minute, 0.75, cap),
            at("2026-01-01T00:01:01.5Z")
        );
        // An hour's 6 minutes are capped to 30 s: 59:45 to 60:15.
        let hour = SignedDuration::from_hours(1);
        assert_eq!(next_run(start, hour, 0.0, cap), at("2026-01-01T00:59:45Z"));
        assert_eq!(next_run(start, hour, 1.0, cap), at("2026-01-01T01:00:15Z"));
        // No jitter allowed: exactly the interval.
        assert_eq!(
            next_run(start, minute, 0.9, SignedDuration::ZERO),
            at("2026-01-01T00:01:00Z")
        );
    }

    #[test]
    fn next_run_survives_bad_inputs() {
        let start = at("2026-01-01T00:00:00Z");
        let cap = SignedDuration::from_secs(30);
        let minute = SignedDuration::from_secs(60);
        // Out-of-range and NaN fractions are clamped or centred.
        assert_eq!(
            next_run(start, minute, -5.0, cap),
            at("2026-01-01T00:00:57Z")
        );
        assert_eq!(
            next_run(start, minute, 7.0, cap),
            at("2026-01-01T00:01:03Z")
        );
        assert_eq!(
            next_run(start, minute, f64::NAN, cap),
            at("2026-01-01T00:01:00Z")
        );
        // A zero or negative interval still moves forward.
        assert!(next_run(start, SignedDuration::ZERO, 0.0, cap) > start);
        assert!(next_run(start, SignedDuration::from_secs(-60), 0.0, cap) > start);
        // Negative jitter cap means none.
        assert_eq!(
            next_run(start, minute, 0.0, SignedDuration::from_secs(-5)),
            at("2026-01-01T00:01:00Z")
        );
        // Near the end of time it saturates instead of panicking.
        assert_eq!(
            next_run(
                Timestamp::MAX,
                SignedDuration::MAX,
                1.0,
                SignedDuration::MAX
            ),
            Timestamp::MAX
        );
    }

    #[test]
    fn first_runs_spread_over_at_most_a_minute() {
        let start = at("2026-01-01T00:00:00Z");
        let hour = SignedDuration::from_hours(1);
        assert_eq!(first_run(start, hour, 0.0), start);
        assert_eq!(first_run(start, hour, 0.5), at("2026-01-01T00:00:30Z"));
        assert_eq!(first_run(start, hour, 1.0), at("2026-01-01T00:01:00Z"));
        // A 20 s check spreads over its own interval.
        let twenty = SignedDuration::from_secs(20);
        assert_eq!(first_run(start, twenty, 0.5), at("2026-01-01T00:00:10Z"));
        assert_eq!(first_run(start, twenty, f64::NAN), start);
    }

    #[test]
    fn floors_are_utc_bucket_starts() {
        let instant = at("2026-03-29T01:59:59.999Z");
        assert_eq!(
            Resolution::Minute.floor(instant),
            at("2026-03-29T01:59:00Z")
        );
        assert_eq!(Resolution::Hour.floor(instant), at("2026-03-29T01:00:00Z"));
        assert_eq!(Resolution::Day.floor(instant), at("2026-03-29T00:00:00Z"));
        // A bucket start is its own floor.
        let start = at("2026-03-29T00:00:00Z");
        for resolution in Resolution::ALL {
            assert_eq!(resolution.floor(start), start, "{resolution:?}");
        }
        // Before 1970 rounds down, not toward zero.
        assert_eq!(
            Resolution::Day.floor(at("1969-12-31T23:00:00Z")),
            at("1969-12-31T00:00:00Z")
        );
        assert_eq!(Resolution::Day.floor(Timestamp::MIN), Timestamp::MIN);
    }

    #[test]
    fn retention_keeps_a_year_and_finer_detail_for_less() {
        assert_eq!(RAW_RETENTION, SignedDuration::from_hours(48));
        let days = |resolution: Resolution| resolution.retention().as_hours() / 24;
        assert_eq!(Resolution::ALL.map(days), [8, 90, 400], "minute, hour, day");
        assert!(Resolution::Day.retention() >= SignedDuration::from_hours(366 * 24));
        let now = at("2026-06-15T12:34:56Z");
        assert_eq!(Resolution::Minute.cutoff(now), at("2026-06-07T12:34:00Z"));
        assert_eq!(Resolution::Hour.cutoff(now), at("2026-03-17T12:00:00Z"));
        assert_eq!(Resolution::Day.cutoff(now), at("2025-05-11T00:00:00Z"));
        assert_eq!(Resolution::Minute.coarser(), Some(Resolution::Hour));
        assert_eq!(Resolution::Hour.coarser(), Some(Resolution::Day));
        assert_eq!(Resolution::Day.coarser(), None);
        let days = |count: i64| SignedDuration::from_hours(count * 24);
        assert_eq!(Resolution::finest_for(days(1)), Resolution::Minute);
        assert_eq!(Resolution::finest_for(days(30)), Resolution::Hour);
        assert_eq!(Resolution::finest_for(days(365)), Resolution::Day);
        assert_eq!(Resolution::finest_for(days(5000)), Resolution::Day);
        for resolution in Resolution::ALL {
            assert_eq!(Resolution::parse(resolution.as_str()), Some(resolution));
        }
        assert_eq!(Resolution::parse("week"), None);
    }

    #[test]
    fn rollups_add_and_merge_to_the_same_sums() {
        let outcomes = [
            Outcome::success(Some(100), "status 200"),
            Outcome::failure(Some(900), "status 503, expected 200"),
            Outcome::failure(None, "connection refused"),
            Outcome::success(Some(50), "status 200"),
        ];
        let mut whole = Rollup::default();
        for outcome in &outcomes {
            whole.add(outcome);
        }
        assert_eq!(
            whole,
            Rollup {
                runs: 4,
                failures: 2,
                latency_runs: 3,
                latency_sum_ms: 1050,
                latency_max_ms: 900,
            }
        );
        assert_eq!(whole.availability(), Some(0.5));
        assert_eq!(whole.mean_latency_ms(), Some(350.0));

        // Two minute buckets merged into an hour give the same as adding the runs one by one.
        let (first, second) = outcomes.split_at(1);
        let mut early = Rollup::default();
        first.iter().for_each(|outcome| early.add(outcome));
        let mut late = Rollup::default();
        second.iter().for_each(|outcome| late.add(outcome));
        let mut hour = Rollup::default();
        hour.merge(&early);
        hour.merge(&late);
        assert_eq!(hour, whole);

        let empty = Rollup::default();
        assert_eq!(empty.availability(), None);
        assert_eq!(empty.mean_latency_ms(), None);
        let mut merged = whole;
        merged.merge(&empty);
        assert_eq!(merged, whole);
    }

    #[test]
    fn rollup_sums_saturate() {
        let mut rollup = Rollup {
            runs: u64::MAX,
            failures: 0,
            latency_runs: u64::MAX,
            latency_sum_ms: u64::MAX,
            latency_max_ms: 5,
        };
        rollup.add(&Outcome::failure(Some(u64::MAX), "slow"));
        assert_eq!(rollup.runs, u64::MAX);
        assert_eq!(rollup.latency_sum_ms, u64::MAX);
        assert_eq!(rollup.latency_max_ms, u64::MAX);
        assert!(rollup.availability().is_some());
    }

    #[test]
    fn certificate_outcomes_read_as_sentences() {
        let now = at("2026-11-22T12:00:00Z");
        let check = |not_after: &str, untrusted: Option<&str>| {
            let outcome = certificate_outcome(at(not_after), now, 14, untrusted, Some(8));
            (outcome.ok, outcome.detail)
        };
        assert_eq!(
            check("2026-11-27T18:00:00Z", None),
            (
                false,
                "certificate expires in 5 days (2026-11-27)".to_owned()
            )
        );
        assert_eq!(
            check("2027-02-20T12:00:00Z", None),
            (
                true,
                "certificate is valid and expires in 90 days (2027-02-20)".to_owned()
            )
        );
        assert_eq!(
            check("2026-11-22T19:30:00Z", None),
            (
                false,
                "certificate expires in 7 hours (2026-11-22)".to_owned()
            )
        );
        assert_eq!(
            check("2026-11-19T00:00:00Z", None),
            (
                false,
                "certificate expired 3 days ago (2026-11-19)".to_owned()
            )
        );
        assert_eq!(
            check("2026-11-22T12:00:00Z", None),
            (
                false,
                "certificate expired 0 seconds ago (2026-11-22)".to_owned()
            )
        );
        assert_eq!(
            check("2027-02-20T12:00:00Z", Some("unknown issuer")),
            (
                false,
                "certificate is not trusted: unknown issuer; it expires in 90 days (2027-02-20)"
                    .to_owned()
            )
        );
        // Exactly the threshold left passes; a second less fails.
        let limit = certificate_outcome(at("2026-12-06T12:00:00Z"), now, 14, None, None);
        assert!(limit.ok, "{}", limit.detail);
        let under = certificate_outcome(at("2026-12-06T11:59:59Z"), now, 14, None, None);
        assert!(!under.ok, "{}", under.detail);
        assert_eq!(under.detail, "certificate expires in 13 days (2026-12-06)");
        // 0 days: only an expired certificate fails.
        assert!(certificate_outcome(at("2026-11-22T12:00:01Z"), now, 0, None, None).ok);
        assert_eq!(
            certificate_outcome(at("2026-11-22T12:01:00Z"), now, 1, None, Some(3)),
            Outcome::failure(Some(3), "certificate expires in 1 minute (2026-11-22)")
        );
    }
}
