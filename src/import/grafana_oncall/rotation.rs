//! OnCall rotations as data: what a `rolling_users` (or `recurrent_event`) shift says, and
//! the Firewatch layer that renders the same people at the same times, or why there is none.
//!
//! OnCall renders a rotation as iCal events in the shift's zone (engine/apps/schedules/models/
//! custom_on_call_shift.py): group `k` of `rolling_users` holds turn `k`, each turn `interval`
//! hours, days or weeks long and on call for `duration` from its start. `by_day` changes the
//! counting: a daily rotation turns only on the listed days; a weekly one holds every listed day
//! of its week.

use jiff::civil::{Date, DateTime, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan, Unit};

use super::{Layer, Restrict};
use crate::import::week::{DAY_NAMES, day_list, hhmm};

/// The longest member list an exact translation of a weekday-only daily rotation may write.
const MAX_EXPANDED_MEMBERS: usize = 700;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Frequency {
    Hourly,
    Daily,
    Weekly,
}

/// A rotation as OnCall stores it, in its zone's wall-clock time.
#[derive(Debug, Clone)]
pub(super) struct Pattern {
    pub(super) frequency: Frequency,
    /// Each turn lasts `interval` hours, days or weeks.
    pub(super) interval: i64,
    /// The first occurrence.
    pub(super) start: DateTime,
    /// The first turn ending after this starts the first group (OnCall's web UI edits a
    /// rotation by starting a new one here).
    pub(super) rotation_start: DateTime,
    /// Seconds each turn is on call, from the turn's start.
    pub(super) duration: i64,
    pub(super) by_day: Vec<Weekday>,
    pub(super) week_start: Weekday,
    /// Person ids, each turn's group; the first is on at the first turn.
    pub(super) groups: Vec<Vec<String>>,
    pub(super) until: Option<DateTime>,
}

pub(super) fn civil(text: &str) -> Result<DateTime, String> {
    text.trim_end_matches('Z')
        .parse::<DateTime>()
        .map_err(|_| format!("\"{text}\" is not a date and time"))
}

pub(super) fn instant(zone: &TimeZone, at: DateTime) -> Result<Timestamp, String> {
    zone.to_ambiguous_timestamp(at)
        .compatible()
        .map_err(|_| format!("{at} does not exist in the schedule's zone"))
}

pub(super) fn weekday(code: &str) -> Option<Weekday> {
    let day = match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return None,
    };
    Some(day)
}

fn day_name(day: Weekday) -> &'static str {
    DAY_NAMES[day.to_monday_zero_offset() as usize]
}

/// "mon-fri", "sat,sun", "mon,wed-fri".
pub(super) fn days_text(days: &[Weekday]) -> String {
    let mut set = [false; 7];
    for day in days {
        set[day.to_monday_zero_offset() as usize] = true;
    }
    day_list(&set)
}

fn clock(minutes: i64) -> String {
    hhmm(usize::try_from(minutes).unwrap_or(0))
}

pub(super) const ALL_DAYS: [Weekday; 7] = [
    Weekday::Monday,
    Weekday::Tuesday,
    Weekday::Wednesday,
    Weekday::Thursday,
    Weekday::Friday,
    Weekday::Saturday,
    Weekday::Sunday,
];

/// A window starting at `from` (minutes after midnight) on `days`, shorter than a day.
fn window(days: &[Weekday], from: i64, length: i64) -> Restrict {
    let end = from + length;
    let to = if end > 1440 { end - 1440 } else { end };
    Restrict {
        days: days_text(days),
        from: clock(from),
        to: clock(to),
    }
}

/// A window of several days from `day` at `from`, as per-day windows.
fn long_window(day: Weekday, from: i64, length: i64) -> Vec<Restrict> {
    let end = from + length;
    let mut windows = Vec::new();
    let mut offset = 0;
    while offset * 1440 < end {
        let day_start = offset * 1440;
        let start = from.max(day_start) - day_start;
        let stop = end.min(day_start + 1440) - day_start;
        if stop > start {
            windows.push(window(&[day.wrapping_add(offset)], start, stop - start));
        }
        offset += 1;
    }
    windows
}

/// One member per turn: the group's first person; a note when a group has more.
fn members(groups: &[Vec<String>], repeat: usize, notes: &mut Vec<String>) -> Vec<String> {
    if groups.iter().any(|group| group.len() > 1) {
        notes.push(
            "some turns put several people on call together; a Firewatch layer has one person \
             per turn, so each turn keeps the first person listed"
                .to_owned(),
        );
    }
    groups
        .iter()
        .filter_map(|group| group.first())
        .flat_map(|person| std::iter::repeat_n(person.clone(), repeat))
        .collect()
}

/// The rotation as a layer (without name), with notes where it is approximate; or why
/// it cannot be one.
pub(super) fn translate(pattern: &Pattern) -> Result<(Layer, Vec<String>), String> {
    // OnCall's web UI offers intervals up to a few dozen; this bound keeps the arithmetic
    // below far from overflowing on a corrupt value.
    if !(1..=10_000).contains(&pattern.interval) {
        return Err(format!("the rotation's interval is {}", pattern.interval));
    }
    if pattern.duration <= 0 {
        return Err("the rotation's shifts last no time".to_owned());
    }
    if pattern.duration % 60 != 0
        || pattern.start.second() != 0
        || pattern.start.subsec_nanosecond() != 0
    {
        return Err(
            "the rotation starts or ends on a second that is not a whole minute".to_owned(),
        );
    }
    if pattern.by_day.is_empty() {
        every_turn(pattern)
    } else {
        match pattern.frequency {
            Frequency::Daily => daily_on_days(pattern),
            Frequency::Weekly => weekly_on_days(pattern),
            Frequency::Hourly => {
                Err("an hourly rotation limited to some weekdays has no Firewatch form".to_owned())
            }
        }
    }
}

/// The turn's length in minutes.
fn turn_minutes(pattern: &Pattern) -> i64 {
    pattern.interval
        * match pattern.frequency {
            Frequency::Hourly => 60,
            Frequency::Daily => 1440,
            Frequency::Weekly => 7 * 1440,
        }
}

fn add_minutes(at: DateTime, minutes: i64) -> Result<DateTime, String> {
    at.checked_add(minutes.minutes())
        .map_err(|_| "the rotation's dates are out of range".to_owned())
}

/// The first turn's start: the first occurrence that ends after `rotation_start`.
fn first_turn(pattern: &Pattern) -> Result<DateTime, String> {
    let turn = turn_minutes(pattern);
    let length = pattern.duration / 60;
    let gap = pattern
        .start
        .until((Unit::Minute, pattern.rotation_start))
        .map(|span| span.get_minutes())
        .unwrap_or(0);
    let mut turns = ((gap - length) / turn).max(0);
    loop {
        let begin = add_minutes(pattern.start, turns * turn)?;
        if add_minutes(begin, length)? > pattern.rotation_start {
            return Ok(begin);
        }
        turns += 1;
    }
}

/// A rotation on every day: each turn on call from its start for `duration`.
fn every_turn(pattern: &Pattern) -> Result<(Layer, Vec<String>), String> {
    let mut notes = Vec::new();
    let first = first_turn(pattern)?;
    let turn = turn_minutes(pattern);
    let length = pattern.duration / 60;
    let at = i64::from(first.hour()) * 60 + i64::from(first.minute());
    let interval =
        usize::try_from(pattern.interval).map_err(|_| "interval too large".to_owned())?;
    let (rotation, handoff, repeat) = match pattern.frequency {
        Frequency::Hourly if pattern.interval <= 168 => {
            (format!("{}h", pattern.interval), clock(at), 1)
        }
        Frequency::Hourly => {
            return Err("a rotation of more than 168 hours is written weekly or daily".to_owned());
        }
        Frequency::Daily if pattern.interval == 7 => (
            "weekly".to_owned(),
            format!("{} {}", day_name(first.weekday()), clock(at)),
            1,
        ),
        Frequency::Daily => ("daily".to_owned(), clock(at), interval),
        Frequency::Weekly => (
            "weekly".to_owned(),
            format!("{} {}", day_name(first.weekday()), clock(at)),
            interval,
        ),
    };
    let restrict = if length == turn {
        Vec::new()
    } else if length > turn {
        return Err("each turn's shift is longer than the turn, so turns overlap".to_owned());
    } else {
        match pattern.frequency {
            _ if turn <= 1440 && 1440 % turn == 0 => (0..1440 / turn)
                .map(|index| window(&ALL_DAYS, (at + index * turn) % 1440, length))
                .collect(),
            Frequency::Weekly if pattern.interval == 1 => long_window(first.weekday(), at, length),
            _ => {
                return Err(format!(
                    "each turn is on call for only {} of its {} minutes, in a pattern that does \
                     not repeat daily or weekly",
                    length, turn
                ));
            }
        }
    };
    let layer = Layer {
        rotation,
        handoff,
        start: first.date().to_string(),
        members: members(&pattern.groups, repeat, &mut notes),
        restrict,
        ..Layer::default()
    };
    Ok((layer, notes))
}

/// The first occurrence on one of `by_day`, OnCall's way: moved forward to the first listed
/// day counted from `week_start` when the start is not on one.
fn first_on_days(pattern: &Pattern) -> Result<DateTime, String> {
    let length = pattern.duration / 60;
    let on_days = |at: &DateTime| pattern.by_day.contains(&at.weekday());
    if pattern.start == pattern.rotation_start {
        if on_days(&pattern.start) {
            return Ok(pattern.start);
        }
        let expected = (0..7)
            .map(|offset| pattern.week_start.wrapping_add(offset))
            .find(|day| pattern.by_day.contains(day))
            .unwrap_or(pattern.start.weekday());
        let ahead = pattern.start.weekday().until(expected);
        return add_minutes(pattern.start, i64::from(ahead) * 1440);
    }
    let days_late = pattern
        .start
        .date()
        .until((Unit::Day, pattern.rotation_start.date()))
        .map(|span| i64::from(span.get_days()))
        .unwrap_or(0);
    let mut at = add_minutes(pattern.start, (days_late - 1).max(0) * 1440)?;
    for _ in 0..14 {
        if on_days(&at) && add_minutes(at, length)? > pattern.rotation_start {
            return Ok(at);
        }
        at = add_minutes(at, 1440)?;
    }
    Err("the rotation has no occurrence after its rotation start".to_owned())
}

fn on_days_window(pattern: &Pattern, first: DateTime) -> Result<Restrict, String> {
    let length = pattern.duration / 60;
    if length >= 1440 {
        return Err("a rotation limited to weekdays has shifts of a day or longer".to_owned());
    }
    let at = i64::from(first.hour()) * 60 + i64::from(first.minute());
    Ok(window(&pattern.by_day, at, length))
}

/// OnCall's daily rotation on some weekdays turns only on those days (Mon..Fri of two people:
/// A B A B A, then B A B A B). Firewatch's daily rotation turns every day, so the plain form
/// is used when it gives the same people, and otherwise the whole cycle is spelled out.
fn daily_on_days(pattern: &Pattern) -> Result<(Layer, Vec<String>), String> {
    let mut notes = Vec::new();
    let first = first_on_days(pattern)?;
    let restrict = vec![on_days_window(pattern, first)?];
    let interval =
        usize::try_from(pattern.interval).map_err(|_| "interval too large".to_owned())?;
    let plain = members(&pattern.groups, interval, &mut notes);
    let cycle = plain.len();
    // Who OnCall has on, day by day from `first`, over a span both forms repeat in.
    let days = 7 * cycle * pattern.by_day.len().max(1);
    let mut oncall: Vec<Option<&String>> = Vec::with_capacity(days);
    let mut counted = 0;
    for offset in 0..days {
        let date = first
            .date()
            .checked_add((offset as i64).days())
            .map_err(|_| "the rotation's dates are out of range".to_owned())?;
        if pattern.by_day.contains(&date.weekday()) {
            oncall.push(Some(&plain[counted % cycle]));
            counted += 1;
        } else {
            oncall.push(None);
        }
    }
    let same = oncall
        .iter()
        .enumerate()
        .all(|(offset, person)| person.is_none_or(|person| *person == plain[offset % cycle]));
    let members = if same {
        plain.clone()
    } else {
        // The pattern repeats after `lcm(cycle, days a week)` working days: that many weeks.
        let weeks = lcm(cycle, pattern.by_day.len()) / pattern.by_day.len();
        let length = 7 * weeks;
        if length > MAX_EXPANDED_MEMBERS {
            return Err(format!(
                "OnCall turns this rotation on listed weekdays only; written as a Firewatch daily \
                 rotation it would need {length} members"
            ));
        }
        spelled_out(&oncall[..length])
    };
    let at = i64::from(first.hour()) * 60 + i64::from(first.minute());
    let layer = Layer {
        rotation: "daily".to_owned(),
        handoff: clock(at),
        start: first.date().to_string(),
        members,
        restrict,
        note: (!same).then(|| {
            "OnCall turns this rotation on its listed weekdays only, so the members spell out \
             the whole cycle day by day (days outside `restrict` repeat a neighbour)"
                .to_owned()
        }),
        ..Layer::default()
    };
    Ok((layer, notes))
}

/// Each day's person; days nobody is on (outside the restriction) repeat the previous one.
fn spelled_out(days: &[Option<&String>]) -> Vec<String> {
    let first = days.iter().flatten().next().map(|person| (*person).clone());
    let mut previous = first.unwrap_or_default();
    days.iter()
        .map(|person| {
            if let Some(person) = person {
                previous = (*person).clone();
            }
            previous.clone()
        })
        .collect()
}

fn lcm(a: usize, b: usize) -> usize {
    fn gcd(a: usize, b: usize) -> usize {
        if b == 0 { a } else { gcd(b, a % b) }
    }
    if a == 0 || b == 0 {
        0
    } else {
        a / gcd(a, b) * b
    }
}

/// OnCall's weekly rotation on some weekdays: a group holds every listed day of its week(s),
/// the week counted from `week_start`. The handoff sits at the week's start at the shifts'
/// time, which no shift (shorter than a day) straddles.
fn weekly_on_days(pattern: &Pattern) -> Result<(Layer, Vec<String>), String> {
    let mut notes = Vec::new();
    let first = first_on_days(pattern)?;
    let restrict = vec![on_days_window(pattern, first)?];
    if pattern.interval != 1 {
        // OnCall repeats each group's days every `interval × groups` weeks from its first
        // week, so the other weeks of a turn have nobody: no Firewatch rotation says that.
        return Err(format!(
            "a weekly rotation on listed weekdays every {} weeks leaves weeks with nobody on call",
            pattern.interval
        ));
    }
    let back = pattern.week_start.until(first.weekday());
    let week_began: Date = first
        .date()
        .checked_sub(i64::from(back).days())
        .map_err(|_| "the rotation's dates are out of range".to_owned())?;
    if back != 0 {
        notes.push(format!(
            "OnCall starts this rotation on {}, mid-week; in Firewatch the first person also \
             covers the listed days before it in that week (from {week_began})",
            first.date()
        ));
    }
    let at = i64::from(first.hour()) * 60 + i64::from(first.minute());
    let layer = Layer {
        rotation: "weekly".to_owned(),
        handoff: format!("{} {}", day_name(pattern.week_start), clock(at)),
        start: week_began.to_string(),
        members: members(&pattern.groups, 1, &mut notes),
        restrict,
        ..Layer::default()
    };
    Ok((layer, notes))
}
