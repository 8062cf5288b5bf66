//! On-call schedules as data: rotation layers in a time zone, `restrict` windows and overrides,
//! and what they make: the shifts over a range, who is on call at an instant, and the gaps.
//!
//! Handoffs and windows are wall-clock times in the schedule's zone, stepped in civil time and
//! only then turned into instants. So a "09:00" handoff stays at 09:00 across a DST change, and
//! a 12-hour shift over one lasts 11 or 13 real hours, as a person reading the rota expects. A
//! wall-clock time the change skips starts at the first instant after the gap; one the change
//! repeats starts at its first occurrence (jiff's "compatible" choice, as RFC 5545 calendars do).

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan, Unit};
use serde::Serialize;

/// How often a layer hands over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rotation {
    Daily,
    Weekly,
    /// Every N wall-clock hours.
    Hours(u32),
}

/// The longest N-hour rotation: a week. Longer ones are written `weekly`.
pub const MAX_ROTATION_HOURS: u32 = 168;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleProblem {
    #[error(
        "\"{0}\" is not a rotation; write daily, weekly, or a whole number of hours such as \"12h\""
    )]
    Rotation(String),
    #[error("\"{0}\" is not a handoff; a weekly one is \"DAY HH:MM\" (\"mon 09:00\")")]
    WeeklyHandoff(String),
    #[error("\"{0}\" is not a handoff time; write \"HH:MM\" (\"09:00\")")]
    Handoff(String),
    #[error("\"{0}\" is not a date; write \"YYYY-MM-DD\"")]
    Date(String),
    #[error(
        "\"{0}\" is not a time of day; write \"HH:MM\" (\"18:00\", or \"24:00\" for midnight at the end)"
    )]
    WindowTime(String),
    #[error("\"{0}\" names no days; write \"mon-fri\", \"sat,sun\" or \"mon,wed-fri\"")]
    Days(String),
    #[error("the window starts and ends at the same time ({0}); it would cover nothing")]
    EmptyWindow(String),
    #[error("\"{0}\" is not an IANA time zone (such as \"Asia/Seoul\" or \"America/New_York\")")]
    TimeZone(String),
}

impl Rotation {
    pub fn parse(text: &str) -> Result<Rotation, ScheduleProblem> {
        let trimmed = text.trim().to_ascii_lowercase();
        match trimmed.as_str() {
            "daily" => return Ok(Rotation::Daily),
            "weekly" => return Ok(Rotation::Weekly),
            _ => {}
        }
        trimmed
            .strip_suffix('h')
            .and_then(|hours| hours.parse::<u32>().ok())
            .filter(|hours| (1..=MAX_ROTATION_HOURS).contains(hours))
            .map(Rotation::Hours)
            .ok_or_else(|| ScheduleProblem::Rotation(text.to_owned()))
    }
}

/// When a layer hands over: a weekday for weekly rotations, and a wall-clock time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handoff {
    pub weekday: Option<Weekday>,
    pub time: Time,
}

impl Handoff {
    pub fn parse(rotation: Rotation, text: &str) -> Result<Handoff, ScheduleProblem> {
        let words: Vec<&str> = text.split_whitespace().collect();
        match (rotation, words.as_slice()) {
            (Rotation::Weekly, [day, time]) => Ok(Handoff {
                weekday: Some(
                    parse_weekday(day)
                        .ok_or_else(|| ScheduleProblem::WeeklyHandoff(text.into()))?,
                ),
                time: parse_clock(time)
                    .filter(|minutes| *minutes < MINUTES_PER_DAY)
                    .map(time_of)
                    .ok_or_else(|| ScheduleProblem::WeeklyHandoff(text.into()))?,
            }),
            (Rotation::Weekly, _) => Err(ScheduleProblem::WeeklyHandoff(text.into())),
            (_, [time]) => Ok(Handoff {
                weekday: None,
                time: parse_clock(time)
                    .filter(|minutes| *minutes < MINUTES_PER_DAY)
                    .map(time_of)
                    .ok_or_else(|| ScheduleProblem::Handoff(text.into()))?,
            }),
            _ => Err(ScheduleProblem::Handoff(text.into())),
        }
    }
}

const MINUTES_PER_DAY: u16 = 24 * 60;

/// "HH:MM" as minutes after midnight, 0 to 1440 ("24:00").
fn parse_clock(text: &str) -> Option<u16> {
    let (hours, minutes) = text.trim().split_once(':')?;
    if hours.is_empty() || hours.len() > 2 || minutes.len() != 2 {
        return None;
    }
    let hours: u16 = hours.parse().ok()?;
    let minutes: u16 = minutes.parse().ok()?;
    let total = hours.checked_mul(60)? + minutes;
    (minutes < 60 && total <= MINUTES_PER_DAY).then_some(total)
}

fn time_of(minutes: u16) -> Time {
    // Both parts are in range: `parse_clock` keeps minutes below 1440 here.
    Time::constant(0, 0, 0, 0)
        .with()
        .hour((minutes / 60) as i8)
        .minute((minutes % 60) as i8)
        .build()
        .unwrap_or(Time::MIN)
}

fn parse_weekday(text: &str) -> Option<Weekday> {
    let lower = text.trim().to_ascii_lowercase();
    let days = [
        ("mon", Weekday::Monday),
        ("tue", Weekday::Tuesday),
        ("wed", Weekday::Wednesday),
        ("thu", Weekday::Thursday),
        ("fri", Weekday::Friday),
        ("sat", Weekday::Saturday),
        ("sun", Weekday::Sunday),
    ];
    days.iter()
        .find(|(short, day)| lower == *short || lower == format!("{day:?}").to_ascii_lowercase())
        .map(|(_, day)| *day)
}

/// A `restrict` window: the layer has someone on call only inside it. A window whose end is
/// not after its start runs past midnight into the next day; `days` are the days it starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Monday first.
    pub days: [bool; 7],
    pub from: u16,
    pub to: u16,
}

impl Window {
    pub fn parse(days: &str, from: &str, to: &str) -> Result<Window, ScheduleProblem> {
        let mut set = [false; 7];
        for part in days.split(',') {
            let part = part.trim();
            let (first, last) = match part.split_once('-') {
                Some((first, last)) => (first, last),
                None => (part, part),
            };
            let (Some(first), Some(last)) = (parse_weekday(first), parse_weekday(last)) else {
                return Err(ScheduleProblem::Days(days.to_owned()));
            };
            let (first, last) = (monday_index(first), monday_index(last));
            let mut day = first;
            loop {
                set[day] = true;
                if day == last {
                    break;
                }
                day = (day + 1) % 7;
            }
        }
        let from_minutes = parse_clock(from)
            .filter(|minutes| *minutes < MINUTES_PER_DAY)
            .ok_or_else(|| ScheduleProblem::WindowTime(from.to_owned()))?;
        // "00:00" as an end means the midnight that ends the day.
        let to_minutes = match parse_clock(to) {
            Some(0) => MINUTES_PER_DAY,
            Some(minutes) => minutes,
            None => return Err(ScheduleProblem::WindowTime(to.to_owned())),
        };
        if from_minutes == to_minutes {
            return Err(ScheduleProblem::EmptyWindow(format!("{from}-{to}")));
        }
        Ok(Window {
            days: set,
            from: from_minutes,
            to: to_minutes,
        })
    }
}

fn monday_index(day: Weekday) -> usize {
    day.to_monday_zero_offset() as usize
}

/// One rotation layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Layer {
    pub rotation: Rotation,
    pub handoff: Handoff,
    /// The first handoff on or after this date starts `members[0]`.
    pub start: Date,
    pub members: Vec<String>,
    pub restrict: Vec<Window>,
}

pub fn parse_date(text: &str) -> Result<Date, ScheduleProblem> {
    text.trim()
        .parse::<Date>()
        .map_err(|_| ScheduleProblem::Date(text.to_owned()))
}

pub fn parse_time_zone(name: &str) -> Result<TimeZone, ScheduleProblem> {
    TimeZone::get(name).map_err(|_| ScheduleProblem::TimeZone(name.to_owned()))
}

/// A schedule: layers in one zone, later layers winning wherever they have someone.
#[derive(Debug, Clone)]
pub struct Schedule {
    pub time_zone: TimeZone,
    pub layers: Vec<Layer>,
}

/// A change made at run time: `person` takes over from `replaces` wherever that person is on
/// call in the range, or, with no `replaces`, is on call beside whoever is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    pub id: String,
    pub person: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub replaces: Option<String>,
}

/// A stretch of time one person is on call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shift {
    pub person: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// The layer (0-based) the shift comes from; `None` for an override that adds someone.
    pub layer: Option<usize>,
    /// The override that made this shift, if one did.
    #[serde(rename = "override")]
    pub override_id: Option<String>,
    /// Which turn of its layer's rotation, so two turns of the same person stay two shifts.
    #[serde(skip)]
    pub turn: i64,
}

/// The longest stretch a shift found by [`on_call_at`] may reach on each side: a week's turn
/// plus a DST change, with room to spare.
const AROUND: SignedDuration = SignedDuration::from_hours(9 * 24);

/// A cap on the turns one layer may produce for one range, so no config or request makes the
/// computation unbounded (an hourly rotation over ten years is 87,600).
const MAX_TURNS: usize = 100_000;

impl Layer {
    /// The wall-clock time of the rotation's first handoff.
    fn first_handoff(&self) -> DateTime {
        let date = match (self.rotation, self.handoff.weekday) {
            (Rotation::Weekly, Some(weekday)) => {
                let ahead = (7 + monday_index(weekday) as i64
                    - monday_index(self.start.weekday()) as i64)
                    % 7;
                self.start.checked_add(ahead.days()).unwrap_or(self.start)
            }
            _ => self.start,
        };
        date.to_datetime(self.handoff.time)
    }

    /// The wall-clock time of handoff `turn`.
    fn handoff_at(&self, first: DateTime, turn: i64) -> Option<DateTime> {
        match self.rotation {
            Rotation::Daily => first.checked_add(turn.days()).ok(),
            Rotation::Weekly => first.checked_add((turn * 7).days()).ok(),
            Rotation::Hours(hours) => first.checked_add((turn * i64::from(hours)).hours()).ok(),
        }
    }

    /// The turn under way at wall-clock time `at`; negative before the first handoff.
    fn turn_near(&self, first: DateTime, at: DateTime) -> i64 {
        let periods = match self.rotation {
            Rotation::Daily => first
                .date()
                .until((Unit::Day, at.date()))
                .map(|span| i64::from(span.get_days())),
            Rotation::Weekly => first
                .date()
                .until((Unit::Day, at.date()))
                .map(|span| i64::from(span.get_days()).div_euclid(7)),
            Rotation::Hours(hours) => first
                .until((Unit::Hour, at))
                .map(|span| i64::from(span.get_hours()).div_euclid(i64::from(hours))),
        };
        periods.unwrap_or(0)
    }

    /// The turns over `[from, to)`, clipped to it: (member, start, end, turn).
    fn turns(
        &self,
        zone: &TimeZone,
        from: Timestamp,
        to: Timestamp,
    ) -> Vec<(usize, Timestamp, Timestamp, i64)> {
        let mut turns = Vec::new();
        if self.members.is_empty() || from >= to {
            return turns;
        }
        let first = self.first_handoff();
        let instant = |turn: i64| {
            self.handoff_at(first, turn)
                .and_then(|wall| zone.to_ambiguous_timestamp(wall).compatible().ok())
        };
        // Start a turn early, then step: the estimate from wall-clock arithmetic can be one
        // off around a DST change.
        let mut turn = (self.turn_near(first, zone.to_datetime(from)) - 1).max(0);
        while turns.len() < MAX_TURNS {
            let (Some(start), Some(end)) = (instant(turn), instant(turn + 1)) else {
                break;
            };
            if start >= to {
                break;
            }
            if end > from && end > start {
                let member = turn.rem_euclid(self.members.len() as i64) as usize;
                turns.push((member, start.max(from), end.min(to), turn));
            }
            turn += 1;
        }
        turns
    }

    /// The instants inside the layer's `restrict` windows over `[from, to)`, merged; `None`
    /// when the layer has no restriction.
    fn allowed(
        &self,
        zone: &TimeZone,
        from: Timestamp,
        to: Timestamp,
    ) -> Option<Vec<(Timestamp, Timestamp)>> {
        if self.restrict.is_empty() {
            return None;
        }
        let mut windows = Vec::new();
        // A window starting the day before `from` may run into it.
        let mut date = zone.to_datetime(from).date().yesterday().ok()?;
        let last = zone.to_datetime(to).date();
        while date <= last {
            for window in &self.restrict {
                if !window.days[monday_index(date.weekday())] {
                    continue;
                }
                let start = wall_instant(zone, date, window.from);
                let end = if window.to > window.from {
                    wall_instant(zone, date, window.to)
                } else {
                    date.tomorrow()
                        .ok()
                        .and_then(|next| wall_instant(zone, next, window.to))
                };
                if let (Some(start), Some(end)) = (start, end) {
                    if end > from && start < to && end > start {
                        windows.push((start.max(from), end.min(to)));
                    }
                }
            }
            date = date.tomorrow().ok()?;
        }
        windows.sort();
        Some(merge(windows))
    }
}

/// `minutes` after midnight on `date`, as an instant (1440 is the next midnight).
fn wall_instant(zone: &TimeZone, date: Date, minutes: u16) -> Option<Timestamp> {
    let (date, minutes) = if minutes >= MINUTES_PER_DAY {
        (date.tomorrow().ok()?, minutes - MINUTES_PER_DAY)
    } else {
        (date, minutes)
    };
    zone.to_ambiguous_timestamp(date.to_datetime(time_of(minutes)))
        .compatible()
        .ok()
}

/// Sorted intervals merged where they touch or overlap.
fn merge(sorted: Vec<(Timestamp, Timestamp)>) -> Vec<(Timestamp, Timestamp)> {
    let mut merged: Vec<(Timestamp, Timestamp)> = Vec::with_capacity(sorted.len());
    for (start, end) in sorted {
        match merged.last_mut() {
            Some(last) if start <= last.1 => last.1 = last.1.max(end),
            _ => merged.push((start, end)),
        }
    }
    merged
}

/// The parts of `[start, end)` inside `allowed` (sorted, merged).
fn intersect(
    start: Timestamp,
    end: Timestamp,
    allowed: &[(Timestamp, Timestamp)],
) -> Vec<(Timestamp, Timestamp)> {
    allowed
        .iter()
        .filter(|(from, to)| *to > start && *from < end)
        .map(|(from, to)| ((*from).max(start), (*to).min(end)))
        .collect()
}

impl Schedule {
    /// Every shift over `[from, to)`, clipped to it, earliest first: the layers combined (a
    /// later layer wins where it has someone), then the overrides in the order given.
    pub fn shifts(&self, overrides: &[Override], from: Timestamp, to: Timestamp) -> Vec<Shift> {
        if from >= to {
            return Vec::new();
        }
        // Each layer's own shifts, restricted.
        let layers: Vec<Vec<(Timestamp, Timestamp, &str, i64)>> = self
            .layers
            .iter()
            .map(|layer| {
                let allowed = layer.allowed(&self.time_zone, from, to);
                let mut pieces = Vec::new();
                for (member, start, end, turn) in layer.turns(&self.time_zone, from, to) {
                    let person = layer.members[member].as_str();
                    match &allowed {
                        None => pieces.push((start, end, person, turn)),
                        Some(allowed) => pieces.extend(
                            intersect(start, end, allowed)
                                .into_iter()
                                .map(|(start, end)| (start, end, person, turn)),
                        ),
                    }
                }
                pieces
            })
            .collect();
        // Sweep every boundary; in each elementary stretch the last layer with someone wins.
        let mut boundaries: Vec<Timestamp> = layers
            .iter()
            .flatten()
            .flat_map(|(start, end, _, _)| [*start, *end])
            .collect();
        boundaries.sort();
        boundaries.dedup();
        let mut cursors = vec![0usize; layers.len()];
        let mut shifts: Vec<Shift> = Vec::new();
        for pair in boundaries.windows(2) {
            let (start, end) = (pair[0], pair[1]);
            let mut winner = None;
            for (index, pieces) in layers.iter().enumerate() {
                while cursors[index] < pieces.len() && pieces[cursors[index]].1 <= start {
                    cursors[index] += 1;
                }
                if let Some(piece) = pieces.get(cursors[index]) {
                    if piece.0 <= start && piece.1 >= end {
                        winner = Some((index, piece.2, piece.3));
                    }
                }
            }
            let Some((layer, person, turn)) = winner else {
                continue;
            };
            match shifts.last_mut() {
                Some(last)
                    if last.end == start
                        && last.layer == Some(layer)
                        && last.turn == turn
                        && last.person == person =>
                {
                    last.end = end;
                }
                _ => shifts.push(Shift {
                    person: person.to_owned(),
                    start,
                    end,
                    layer: Some(layer),
                    override_id: None,
                    turn,
                }),
            }
        }
        for change in overrides {
            let (start, end) = (change.start.max(from), change.end.min(to));
            if start >= end {
                continue;
            }
            match &change.replaces {
                None => shifts.push(Shift {
                    person: change.person.clone(),
                    start,
                    end,
                    layer: None,
                    override_id: Some(change.id.clone()),
                    turn: 0,
                }),
                Some(replaced) => {
                    let mut next = Vec::with_capacity(shifts.len() + 2);
                    for shift in shifts {
                        if shift.person != *replaced || shift.end <= start || shift.start >= end {
                            next.push(shift);
                            continue;
                        }
                        if shift.start < start {
                            next.push(Shift {
                                end: start,
                                ..shift.clone()
                            });
                        }
                        next.push(Shift {
                            person: change.person.clone(),
                            start: shift.start.max(start),
                            end: shift.end.min(end),
                            layer: shift.layer,
                            override_id: Some(change.id.clone()),
                            turn: shift.turn,
                        });
                        if shift.end > end {
                            next.push(Shift {
                                start: end,
                                ..shift
                            });
                        }
                    }
                    shifts = next;
                }
            }
        }
        shifts.sort_by(|a, b| {
            (a.start, a.end, &a.person, a.layer).cmp(&(b.start, b.end, &b.person, b.layer))
        });
        shifts
    }

    /// Who is on call at `at`, each once, with the whole shift they are in (as far as a week
    /// and two days either side). Someone an override adds while they are on call anyway is
    /// listed with the shift that lasts longer.
    pub fn on_call_at(&self, overrides: &[Override], at: Timestamp) -> Vec<Shift> {
        let from = at.checked_sub(AROUND).unwrap_or(at);
        let to = at.checked_add(AROUND).unwrap_or(at);
        let mut found: Vec<Shift> = Vec::new();
        for shift in self
            .shifts(overrides, from, to)
            .into_iter()
            .filter(|shift| shift.start <= at && at < shift.end)
        {
            match found.iter_mut().find(|known| known.person == shift.person) {
                Some(known) if shift.end > known.end => *known = shift,
                Some(_) => {}
                None => found.push(shift),
            }
        }
        found
    }
}

/// The stretches of `[from, to)` that no shift covers.
pub fn gaps(shifts: &[Shift], from: Timestamp, to: Timestamp) -> Vec<(Timestamp, Timestamp)> {
    let mut covered: Vec<(Timestamp, Timestamp)> = shifts
        .iter()
        .map(|shift| (shift.start.max(from), shift.end.min(to)))
        .filter(|(start, end)| start < end)
        .collect();
    covered.sort();
    let mut gaps = Vec::new();
    let mut cursor = from;
    for (start, end) in merge(covered) {
        if start > cursor {
            gaps.push((cursor, start));
        }
        cursor = cursor.max(end);
    }
    if cursor < to {
        gaps.push((cursor, to));
    }
    gaps
}

/// One event of an iCal feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Stable across fetches, so calendar apps update an event rather than duplicate it.
    pub uid: String,
    pub summary: String,
    pub start: Timestamp,
    pub end: Timestamp,
}

/// An RFC 5545 calendar: CRLF line ends, text escaped, lines folded at 75 octets, times in UTC.
pub fn calendar(name: &str, events: &[CalendarEvent], now: Timestamp) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//Firewatch//On-call//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        format!("X-WR-CALNAME:{}", escape_text(name)),
    ];
    for event in events {
        lines.extend([
            "BEGIN:VEVENT".to_owned(),
            format!("UID:{}", escape_text(&event.uid)),
            format!("DTSTAMP:{}", utc(now)),
            format!("DTSTART:{}", utc(event.start)),
            format!("DTEND:{}", utc(event.end)),
            format!("SUMMARY:{}", escape_text(&event.summary)),
            "TRANSP:OPAQUE".to_owned(),
            "END:VEVENT".to_owned(),
        ]);
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut text = String::new();
    for line in lines {
        fold(&line, &mut text);
    }
    text
}

fn utc(at: Timestamp) -> String {
    at.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// RFC 5545 §3.3.11: backslash, semicolon, comma and newline are escaped in TEXT values.
fn escape_text(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '\\' => escaped.push_str("\\\\"),
            ';' => escaped.push_str("\\;"),
            ',' => escaped.push_str("\\,"),
            '\n' => escaped.push_str("\\n"),
            '\r' => {}
            other => escaped.push(other),
        }
    }
    escaped
}

/// RFC 5545 §3.1: lines longer than 75 octets continue on the next line after a space, never
/// splitting a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for character in line.chars() {
        let size = character.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(character);
        width += size;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests;
