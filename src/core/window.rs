//! A report's window from its query: the last N days up to `to` (default now), or `from`/`to`
//! as RFC 3339. Every problem is a sentence the API and the pages show.

use jiff::{SignedDuration, Timestamp};

/// Whether a time a person or a sender gave is one Firewatch should record: from 2000 up to
/// 2100. Year 1 or 9999 is a typo or a probe, and would throw every report that reads it.
pub fn sensible_time(time: Timestamp) -> bool {
    const EARLIEST: i64 = 946_684_800; // 2000-01-01T00:00:00Z
    const LATEST: i64 = 4_102_444_800; // 2100-01-01T00:00:00Z
    (EARLIEST..LATEST).contains(&time.as_second())
}

/// The sentence for a time outside [`sensible_time`].
pub fn insensible_time(name: &str, time: Timestamp) -> String {
    format!("{name} {time} is outside 2000-01-01 to 2100-01-01")
}

/// A time a person gave as `name`: RFC 3339 and within [`sensible_time`], or the sentence
/// saying what is wrong.
pub fn parse_time(name: &str, text: &str) -> Result<Timestamp, String> {
    let time = text
        .parse::<Timestamp>()
        .map_err(|_| format!("{name} must be a time like 2026-11-02T00:00:00Z"))?;
    if sensible_time(time) {
        Ok(time)
    } else {
        Err(insensible_time(name, time))
    }
}

/// The longest window a report reads.
pub const MOST_DAYS: i64 = 366;

fn given(text: Option<&str>) -> Option<&str> {
    text.filter(|t| !t.is_empty())
}

pub fn window(
    from: Option<&str>,
    to: Option<&str>,
    days: Option<&str>,
    default_days: i64,
    now: Timestamp,
) -> Result<(Timestamp, Timestamp), String> {
    let to = match given(to) {
        Some(text) => parse_time("to", text)?,
        None => now,
    };
    let from = match (given(from), given(days)) {
        (Some(_), Some(_)) => return Err("give either days or from, not both".into()),
        (Some(text), None) => parse_time("from", text)?,
        (None, days) => {
            let days = match days {
                None => default_days,
                Some(text) => text
                    .parse::<i64>()
                    .ok()
                    .filter(|d| (1..=MOST_DAYS).contains(d))
                    .ok_or(format!("days must be a whole number from 1 to {MOST_DAYS}"))?,
            };
            to.saturating_sub(SignedDuration::from_hours(24 * days))
                .map_err(|_| "the window starts before the calendar does")?
        }
    };
    if from >= to {
        return Err("from must be before to".into());
    }
    if to.duration_since(from) > SignedDuration::from_hours(24 * MOST_DAYS) {
        return Err(format!("the window may be at most {MOST_DAYS} days"));
    }
    Ok((from, to))
}
