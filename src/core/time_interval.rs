//! Named time intervals: "evenings", "weekends", "the last week of the quarter". Routes refer to
//! them by name to stay quiet (or to be active) only at those times.
//!
//! The format and the rules are Prometheus Alertmanager's `time_intervals` (formerly
//! `mute_time_intervals`), so an interval copied from an Alertmanager config means the same here:
//! each field is a list, a missing or empty list matches everything, every present field must
//! match, and a named interval is active when any of its intervals contains the instant. Times
//! of day are minutes, end exclusive; weekday, day, month and year ranges are inclusive; days of
//! the month may count back from the month's end (-1 is the last day); all fields are read on the
//! wall clock of `location` (UTC when absent).
//!
//! Deliberate differences: month numbers outside 1 to 12 are refused rather than accepted and
//! never matched; the location `Local` is refused, because the server's own zone is an accident
//! of deployment rather than a choice someone made; and a day range such as "28:-1" is accepted,
//! since -1 is the 28th in the shortest month (Alertmanager counts it as the 27th and refuses it).

use std::collections::HashSet;
use std::fmt;

use jiff::Timestamp;
use jiff::civil::DateTime;
use jiff::tz::TimeZone;
use serde::{Deserialize, Deserializer};

/// A named list of intervals, as written under `[[time_intervals]]`. Active when any of its
/// intervals contains the instant; with no intervals it is never active.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NamedTimeInterval {
    #[serde(deserialize_with = "non_blank_name")]
    pub name: String,
    #[serde(default)]
    pub time_intervals: Vec<TimeInterval>,
}

impl NamedTimeInterval {
    pub fn contains(&self, at: Timestamp) -> bool {
        self.time_intervals
            .iter()
            .any(|interval| interval.contains(at))
    }
}

/// Checks what deserializing alone cannot: every name is given and used only once (routes refer
/// to intervals by name, so a duplicate would make one of them unreachable).
pub fn check_names(intervals: &[NamedTimeInterval]) -> Result<(), String> {
    let mut seen = HashSet::new();
    for interval in intervals {
        check_name(&interval.name)?;
        if !seen.insert(interval.name.as_str()) {
            return Err(format!(
                "the time interval \"{}\" is defined more than once; give each a different name",
                interval.name
            ));
        }
    }
    Ok(())
}

/// The names among `names` whose interval is active at `at`, in the order given; an error names
/// the first that is not defined. This is how a route's mute (or active) intervals are read.
pub fn active_intervals<'a>(
    intervals: &[NamedTimeInterval],
    names: &'a [String],
    at: Timestamp,
) -> Result<Vec<&'a str>, String> {
    let mut active = Vec::new();
    for name in names {
        let interval = intervals
            .iter()
            .find(|interval| &interval.name == name)
            .ok_or_else(|| format!("the time interval \"{name}\" is not defined"))?;
        if interval.contains(at) {
            active.push(name.as_str());
        }
    }
    Ok(active)
}

fn check_name(name: &str) -> Result<(), String> {
    if name.trim().is_empty() {
        Err("a time interval needs a name, such as name = \"offhours\"".to_owned())
    } else {
        Ok(())
    }
}

fn non_blank_name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    let name = String::deserialize(deserializer)?;
    check_name(&name).map_err(serde::de::Error::custom)?;
    Ok(name)
}

/// One interval. Each list matches when any of its ranges does; an empty list matches every
/// instant; the interval contains an instant when all its lists match.
///
/// Build it in code from the parsed ranges with `..Default::default()`; the default contains
/// every instant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TimeInterval {
    pub times: Vec<TimeRange>,
    pub weekdays: Vec<WeekdayRange>,
    pub days_of_month: Vec<DayOfMonthRange>,
    pub months: Vec<MonthRange>,
    pub years: Vec<YearRange>,
    /// The zone whose wall clock the other fields are read on; UTC when absent.
    pub location: Option<Location>,
}

impl TimeInterval {
    pub fn contains(&self, at: Timestamp) -> bool {
        let local = match &self.location {
            Some(location) => location.zone.to_datetime(at),
            None => TimeZone::UTC.to_datetime(at),
        };
        matches_any(&self.times, |range| range.contains(&local))
            && matches_any(&self.weekdays, |range| range.contains(&local))
            && matches_any(&self.days_of_month, |range| range.contains(&local))
            && matches_any(&self.months, |range| range.contains(&local))
            && matches_any(&self.years, |range| range.contains(&local))
    }
}

fn matches_any<T>(ranges: &[T], matches: impl Fn(&T) -> bool) -> bool {
    ranges.is_empty() || ranges.iter().any(matches)
}

/// Minutes of the day from `start_time` up to, not including, `end_time` ("24:00" is the end of
/// the day). On a day when the clocks change, the wall clock decides: a range inside a skipped
/// hour never matches that day, and one inside a repeated hour matches both times through it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "TimeRangeSpec")]
pub struct TimeRange {
    start_minute: u16,
    end_minute: u16,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TimeRangeSpec {
    start_time: Option<String>,
    end_time: Option<String>,
}

impl TryFrom<TimeRangeSpec> for TimeRange {
    type Error = String;

    fn try_from(spec: TimeRangeSpec) -> Result<Self, String> {
        match (spec.start_time, spec.end_time) {
            (Some(start), Some(end)) => TimeRange::new(&start, &end),
            _ => Err(
                "a time range needs both start_time and end_time, such as { start_time = \"09:00\", end_time = \"17:00\" }"
                    .to_owned(),
            ),
        }
    }
}

impl TimeRange {
    /// From "HH:MM" times: two-digit hours 00 to 23 (or "24:00" as an end), two-digit minutes.
    pub fn new(start_time: &str, end_time: &str) -> Result<TimeRange, String> {
        let start_minute = parse_clock(start_time)?;
        let end_minute = parse_clock(end_time)?;
        if start_minute >= end_minute {
            return Err(format!(
                "the time range {start_time} to {end_time} is empty: start_time must be before end_time (ranges cannot cross midnight; split one that does at 24:00)"
            ));
        }
        Ok(TimeRange {
            start_minute,
            end_minute,
        })
    }

    /// The first minute of the day in the range (0 is 00:00).
    pub fn start_minute(self) -> u16 {
        self.start_minute
    }

    /// The first minute of the day after the range (1440 is 24:00).
    pub fn end_minute(self) -> u16 {
        self.end_minute
    }

    fn contains(self, local: &DateTime) -> bool {
        // Hours and minutes are at most 23 and 59, so the sum fits easily.
        let minute = i32::from(local.hour()) * 60 + i32::from(local.minute());
        i32::from(self.start_minute) <= minute && minute < i32::from(self.end_minute)
    }
}

/// "HH:MM" to minutes since midnight. Exactly two digits each, as Alertmanager requires, so
/// "9:00" is refused rather than guessed at.
fn parse_clock(text: &str) -> Result<u16, String> {
    let invalid = || {
        format!(
            "`{}` is not a time of day; write HH:MM from 00:00 to 23:59, or 24:00 for the end of the day",
            snippet(text)
        )
    };
    if text == "24:00" {
        return Ok(24 * 60);
    }
    let bytes = text.as_bytes();
    if bytes.len() != 5 || bytes[2] != b':' {
        return Err(invalid());
    }
    let two_digits = |pair: &[u8]| -> Option<u16> {
        match pair {
            [tens @ b'0'..=b'9', ones @ b'0'..=b'9'] => {
                Some(u16::from(tens - b'0') * 10 + u16::from(ones - b'0'))
            }
            _ => None,
        }
    };
    let hours = two_digits(&bytes[..2]).filter(|hours| *hours < 24);
    let minutes = two_digits(&bytes[3..]).filter(|minutes| *minutes < 60);
    match (hours, minutes) {
        (Some(hours), Some(minutes)) => Ok(hours * 60 + minutes),
        _ => Err(invalid()),
    }
}

/// Days of the week by name, such as "saturday" or "monday:friday" (case does not matter).
/// The week runs Sunday to Saturday and a range cannot wrap, so a weekend is two entries,
/// "saturday" and "sunday".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct WeekdayRange {
    // Days since Sunday, as Alertmanager numbers them.
    first: i8,
    last: i8,
}

const WEEKDAYS: [&str; 7] = [
    "sunday",
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
];

impl WeekdayRange {
    pub fn parse(text: &str) -> Result<WeekdayRange, String> {
        let (first, last) = split_range(text, "weekday")?;
        let day = |name: &str| {
            index_of_name(&WEEKDAYS, name).ok_or_else(|| {
                format!(
                    "`{}` is not a weekday; use a name from sunday to saturday, or a range such as monday:friday",
                    snippet(name)
                )
            })
        };
        let (first, last) = (day(first)?, day(last)?);
        if first > last {
            return Err(format!(
                "the weekday range `{}` ends before it starts; weeks run sunday to saturday, so list the days on each side of the weekend separately",
                snippet(text)
            ));
        }
        Ok(WeekdayRange { first, last })
    }

    fn contains(self, local: &DateTime) -> bool {
        let day = local.weekday().to_sunday_zero_offset();
        self.first <= day && day <= self.last
    }
}

impl TryFrom<String> for WeekdayRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        WeekdayRange::parse(&text)
    }
}

/// Days of the month, such as "1", "1:15" or "-3:-1"; negative days count back from the month's
/// end (-1 is its last day). A range reaching past the end of a shorter month stops there, and
/// one starting past it ("30:31" in February) does not match that month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct DayOfMonthRange {
    first: i8,
    last: i8,
}

impl DayOfMonthRange {
    pub fn parse(text: &str) -> Result<DayOfMonthRange, String> {
        let (first, last) = split_range(text, "day of the month")?;
        let day = |number: &str| {
            let out_of_range = || {
                format!(
                    "`{}` is not a day of the month; use 1 to 31, or -1 to -31 to count back from the month's last day",
                    snippet(number)
                )
            };
            let day: i64 = number.parse().map_err(|_| out_of_range())?;
            if day == 0 || !(-31..=31).contains(&day) {
                return Err(out_of_range());
            }
            i8::try_from(day).map_err(|_| out_of_range())
        };
        let (first, last) = (day(first)?, day(last)?);
        if first < 0 && last > 0 {
            return Err(format!(
                "the day range `{}` starts counting from the end of the month but ends counting from the start; make the end negative too",
                snippet(text)
            ));
        }
        // Negative days move with the month's length. As in Alertmanager, a range must hold at
        // least one day in the shortest month, 28 days, where -1 is the 28th.
        let in_shortest_month = |day: i8| if day < 0 { 28 + day + 1 } else { day };
        if in_shortest_month(first) > in_shortest_month(last) {
            return Err(format!(
                "the day range `{}` ends before it starts in a 28-day month; a range must hold at least one day in every month",
                snippet(text)
            ));
        }
        Ok(DayOfMonthRange { first, last })
    }

    fn contains(self, local: &DateTime) -> bool {
        let days_in_month = local.days_in_month();
        let resolve = |day: i8| {
            if day < 0 {
                days_in_month + day + 1
            } else {
                day
            }
        };
        // No clamping is needed: the day itself never passes the month's end, so a start past
        // it simply never matches and an end past it reaches the last day.
        let day = local.day();
        resolve(self.first) <= day && day <= resolve(self.last)
    }
}

impl TryFrom<String> for DayOfMonthRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        DayOfMonthRange::parse(&text)
    }
}

/// Months by name or number, such as "december", "1:3" or "january:march" (case does not
/// matter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct MonthRange {
    // 1 is January.
    first: i8,
    last: i8,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

impl MonthRange {
    pub fn parse(text: &str) -> Result<MonthRange, String> {
        let (first, last) = split_range(text, "month")?;
        let month = |name: &str| {
            let invalid = || {
                format!(
                    "`{}` is not a month; use a name such as march or a number from 1 to 12",
                    snippet(name)
                )
            };
            match index_of_name(&MONTHS, name) {
                Some(index) => Ok(index + 1),
                None => name
                    .parse::<i8>()
                    .ok()
                    .filter(|number| (1..=12).contains(number))
                    .ok_or_else(invalid),
            }
        };
        let (first, last) = (month(first)?, month(last)?);
        if first > last {
            return Err(format!(
                "the month range `{}` ends before it starts; a range cannot wrap past december, so list the months on each side of the new year separately",
                snippet(text)
            ));
        }
        Ok(MonthRange { first, last })
    }

    fn contains(self, local: &DateTime) -> bool {
        let month = local.month();
        self.first <= month && month <= self.last
    }
}

impl TryFrom<String> for MonthRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        MonthRange::parse(&text)
    }
}

/// Years, such as "2026" or "2020:2022".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct YearRange {
    first: i32,
    last: i32,
}

impl YearRange {
    pub fn parse(text: &str) -> Result<YearRange, String> {
        let (first, last) = split_range(text, "year")?;
        let year = |number: &str| {
            number
                .parse::<i32>()
                .map_err(|_| format!("`{}` is not a year such as 2026", snippet(number)))
        };
        let (first, last) = (year(first)?, year(last)?);
        if first > last {
            return Err(format!(
                "the year range `{}` ends before it starts: {last} is before {first}",
                snippet(text)
            ));
        }
        Ok(YearRange { first, last })
    }

    fn contains(self, local: &DateTime) -> bool {
        let year = i32::from(local.year());
        self.first <= year && year <= self.last
    }
}

impl TryFrom<String> for YearRange {
    type Error = String;

    fn try_from(text: String) -> Result<Self, String> {
        YearRange::parse(&text)
    }
}

/// An IANA time zone such as "Australia/Sydney", resolved when the config is read so a typo
/// is reported then rather than silently read as UTC later.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "String")]
pub struct Location {
    name: String,
    zone: TimeZone,
}

impl Location {
    /// An empty name is UTC, as in Alertmanager.
    pub fn parse(name: &str) -> Result<Location, String> {
        if name.is_empty() {
            return Ok(Location {
                name: "UTC".to_owned(),
                zone: TimeZone::UTC,
            });
        }
        if name.eq_ignore_ascii_case("local") {
            return Err(
                "the location `Local` depends on the server's settings; name the zone instead, such as Europe/Berlin"
                    .to_owned(),
            );
        }
        let unknown = || {
            format!(
                "`{}` is not an IANA time zone such as Europe/Berlin or UTC",
                snippet(name)
            )
        };
        // The zone database answers "Etc/Unknown" with a stand-in zone; that is not a place.
        if name.eq_ignore_ascii_case("etc/unknown") {
            return Err(unknown());
        }
        let zone = TimeZone::get(name).map_err(|_| unknown())?;
        Ok(Location {
            name: name.to_owned(),
            zone,
        })
    }

    /// The name as written.
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }
}

impl TryFrom<String> for Location {
    type Error = String;

    fn try_from(name: String) -> Result<Self, String> {
        Location::parse(&name)
    }
}

/// "a" is the range a to a; "a:b" is a to b.
fn split_range<'t>(text: &'t str, what: &str) -> Result<(&'t str, &'t str), String> {
    let mut parts = text.split(':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(single), None, _) => Ok((single, single)),
        (Some(first), Some(last), None) => Ok((first, last)),
        _ => Err(format!(
            "`{}` is not a {what} range; write one value, or the first and last joined by a colon",
            snippet(text)
        )),
    }
}

/// The position of `name` among `names`, ignoring case.
fn index_of_name(names: &[&str], name: &str) -> Option<i8> {
    let index = names
        .iter()
        .position(|candidate| candidate.eq_ignore_ascii_case(name))?;
    i8::try_from(index).ok()
}

/// Echoed user text in errors is cut short so a pasted novel does not become the message.
fn snippet(text: &str) -> String {
    const LIMIT: usize = 40;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

impl fmt::Display for TimeRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let clock = |minute: u16| format!("{:02}:{:02}", minute / 60, minute % 60);
        write!(f, "{}-{}", clock(self.start_minute), clock(self.end_minute))
    }
}

/// Writes "first" or "first:last", the form [`WeekdayRange::parse`] and the others read.
fn write_range<T: fmt::Display + PartialEq>(
    f: &mut fmt::Formatter<'_>,
    first: T,
    last: T,
) -> fmt::Result {
    if first == last {
        write!(f, "{first}")
    } else {
        write!(f, "{first}:{last}")
    }
}

fn name_at(names: &[&'static str], index: i8) -> &'static str {
    usize::try_from(index)
        .ok()
        .and_then(|index| names.get(index))
        .copied()
        .unwrap_or("?")
}

impl fmt::Display for WeekdayRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(
            f,
            name_at(&WEEKDAYS, self.first),
            name_at(&WEEKDAYS, self.last),
        )
    }
}

impl fmt::Display for DayOfMonthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.first, self.last)
    }
}

impl fmt::Display for MonthRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(
            f,
            name_at(&MONTHS, self.first - 1),
            name_at(&MONTHS, self.last - 1),
        )
    }
}

impl fmt::Display for YearRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_range(f, self.first, self.last)
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Alertmanager's test times are RFC 822 with a numeric zone, as in "02 Jan 06 15:04 +0000".
    fn at(text: &str) -> Timestamp {
        jiff::fmt::strtime::parse("%d %b %y %H:%M %z", text)
            .unwrap()
            .to_timestamp()
            .unwrap()
    }

    fn interval(toml_text: &str) -> TimeInterval {
        toml::from_str(toml_text).unwrap_or_else(|error| panic!("{toml_text}: {error}"))
    }

    fn interval_error(toml_text: &str) -> String {
        match toml::from_str::<TimeInterval>(toml_text) {
            Ok(parsed) => panic!("{toml_text} parsed as {parsed:?}"),
            Err(error) => error.to_string(),
        }
    }

    fn check(case: &str, interval: &TimeInterval, contains: &[&str], excludes: &[&str]) {
        for time in contains {
            assert!(interval.contains(at(time)), "{case}: should contain {time}");
        }
        for time in excludes {
            assert!(
                !interval.contains(at(time)),
                "{case}: should exclude {time}"
            );
        }
    }

    /// Alertmanager's `timeIntervalTestCases`, written in the config form.
    #[test]
    fn contains_alertmanagers_cases() {
        let cases: &[(&str, &str, &[&str], &[&str])] = &[
            (
                "empty interval contains everything",
                "",
                &[
                    "02 Jan 06 15:04 +0000",
                    "03 Jan 07 10:04 +0000",
                    "04 Jan 06 09:04 +0000",
                ],
                &[],
            ),
            (
                "9am to 5pm, monday to friday",
                r#"times = [{ start_time = "09:00", end_time = "17:00" }]
                   weekdays = ["monday:friday"]"#,
                &[
                    "04 May 20 15:04 +0000",
                    "05 May 20 10:04 +0000",
                    "09 Jun 20 09:04 +0000",
                ],
                &[
                    "03 May 20 15:04 +0000",
                    "04 May 20 08:59 +0000",
                    "05 May 20 05:00 +0000",
                ],
            ),
            (
                "Easter 2020",
                r#"days_of_month = ["4:6"]
                   months = ["4"]
                   years = ["2020"]"#,
                &[
                    "04 Apr 20 15:04 +0000",
                    "05 Apr 20 00:00 +0000",
                    "06 Apr 20 23:05 +0000",
                ],
                &[
                    "03 May 18 15:04 +0000",
                    "03 Apr 20 23:59 +0000",
                    "04 Jun 20 23:59 +0000",
                    "06 Apr 19 23:59 +0000",
                    "07 Apr 20 00:00 +0000",
                ],
            ),
            (
                "last 3 days of each month",
                r#"days_of_month = ["-3:-1"]"#,
                &[
                    "31 Jan 20 15:04 +0000",
                    "30 Jan 20 15:04 +0000",
                    "29 Jan 20 15:04 +0000",
                    "30 Jun 20 00:00 +0000",
                    "29 Feb 20 23:05 +0000",
                ],
                &[
                    "03 May 18 15:04 +0000",
                    "27 Jan 20 15:04 +0000",
                    "03 Apr 20 23:59 +0000",
                    "04 Jun 20 23:59 +0000",
                    "06 Apr 19 23:59 +0000",
                    "07 Apr 20 00:00 +0000",
                    "01 Mar 20 00:00 +0000",
                ],
            ),
            (
                "days past the month's end stop at it",
                r#"months = ["2"]
                   days_of_month = ["1:31"]"#,
                &["29 Feb 20 00:00 +0000", "28 Feb 21 23:59 +0000"],
                &["31 Jan 20 00:00 +0000", "01 Mar 21 00:00 +0000"],
            ),
            (
                "Sydney 9am to 5pm, monday to friday",
                r#"times = [{ start_time = "09:00", end_time = "17:00" }]
                   weekdays = ["monday:friday"]
                   location = "Australia/Sydney""#,
                &["06 Apr 21 13:00 +1000"],
                &["06 Apr 21 13:00 +0000"],
            ),
            (
                "Sydney during daylight saving time",
                r#"times = [{ start_time = "09:00", end_time = "17:00" }]
                   weekdays = ["monday:friday"]
                   months = ["11"]
                   location = "Australia/Sydney""#,
                &["01 Nov 21 09:00 +1100", "31 Oct 21 22:00 +0000"],
                &["31 Oct 21 21:00 +0000"],
            ),
            (
                "last day does not shift in a spring-forward month",
                r#"days_of_month = ["-1"]
                   location = "America/New_York""#,
                &["31 Mar 21 12:00 -0400"],
                &["30 Mar 21 12:00 -0400"],
            ),
        ];
        for (case, toml_text, contains, excludes) in cases {
            check(case, &interval(toml_text), contains, excludes);
        }

        // Alertmanager builds this one directly: the config refuses "-31:31" (a negative start
        // needs a negative end), but the clamping it checks still holds.
        let june = TimeInterval {
            months: vec![MonthRange { first: 6, last: 6 }],
            days_of_month: vec![DayOfMonthRange {
                first: -31,
                last: 31,
            }],
            ..TimeInterval::default()
        };
        check(
            "out-of-bound days are clamped to the month",
            &june,
            &["30 Jun 20 00:00 +0000", "01 Jun 20 00:00 +0000"],
            &["31 May 20 00:00 +0000", "1 Jul 20 00:00 +0000"],
        );
    }

    /// Alertmanager's `yamlUnmarshalTestCases` that parse, with what they contain.
    #[test]
    fn parses_and_contains_alertmanagers_examples() {
        let business_hours = interval(
            r#"weekdays = ["monday:friday"]
               times = [{ start_time = "09:00", end_time = "17:00" }]"#,
        );
        assert_eq!(
            business_hours,
            TimeInterval {
                weekdays: vec![WeekdayRange { first: 1, last: 5 }],
                times: vec![TimeRange {
                    start_minute: 540,
                    end_minute: 1020
                }],
                ..TimeInterval::default()
            }
        );
        check(
            "business hours",
            &business_hours,
            &[
                "08 Jul 20 09:00 +0000",
                "08 Jul 20 16:59 +0000",
                "01 Apr 21 13:00 +0000",
            ],
            &["08 Jul 20 05:00 +0000", "08 Jul 20 08:59 +0000"],
        );

        // Last week, except Saturday, of the first quarter, in business hours, 2020 to 2025
        // and 2030 to 2035.
        let quarter_end = interval(
            r#"weekdays = ["monday:friday", "sunday"]
               months = ["january:march"]
               days_of_month = ["-7:-1"]
               years = ["2020:2025", "2030:2035"]
               times = [{ start_time = "09:00", end_time = "17:00" }]"#,
        );
        assert_eq!(
            quarter_end,
            TimeInterval {
                weekdays: vec![
                    WeekdayRange { first: 1, last: 5 },
                    WeekdayRange { first: 0, last: 0 }
                ],
                times: vec![TimeRange::new("09:00", "17:00").unwrap()],
                months: vec![MonthRange { first: 1, last: 3 }],
                days_of_month: vec![DayOfMonthRange {
                    first: -7,
                    last: -1
                }],
                years: vec![
                    YearRange {
                        first: 2020,
                        last: 2025
                    },
                    YearRange {
                        first: 2030,
                        last: 2035
                    }
                ],
                location: None,
            }
        );
        check(
            "quarter end",
            &quarter_end,
            &[
                "27 Jan 21 09:00 +0000",
                "28 Jan 21 16:59 +0000",
                "29 Jan 21 13:00 +0000",
                "31 Mar 25 13:00 +0000",
                "31 Jan 35 13:00 +0000",
            ],
            &[
                "30 Jan 21 13:00 +0000", // Saturday
                "01 Apr 21 13:00 +0000", // April
                "30 Jan 26 13:00 +0000", // 2026
                "31 Jan 35 17:01 +0000", // after 5pm
            ],
        );

        assert_eq!(
            interval(r#"days_of_month = ["1:-1"]"#).days_of_month,
            [DayOfMonthRange { first: 1, last: -1 }]
        );
        assert_eq!(
            interval(r#"months = ["January:december"]"#).months,
            [MonthRange { first: 1, last: 12 }]
        );
        let sydney = interval(
            r#"years = ["2020:2022"]
               location = "Australia/Sydney""#,
        );
        assert_eq!(
            sydney.years,
            [YearRange {
                first: 2020,
                last: 2022
            }]
        );
        assert_eq!(
            sydney.location.as_ref().map(Location::name),
            Some("Australia/Sydney")
        );
        assert_eq!(
            sydney.location.as_ref().map(Location::zone),
            Some(&TimeZone::get("Australia/Sydney").unwrap())
        );
    }

    /// Alertmanager's `completeTestCases`.
    #[test]
    fn contains_alertmanagers_complete_cases() {
        check(
            "mixed fields",
            &interval(
                r#"weekdays = ["monday:wednesday", "saturday", "sunday"]
                   times = [{ start_time = "13:00", end_time = "15:00" }]
                   days_of_month = ["1", "10", "20:-1"]
                   years = ["2020:2023"]
                   months = ["january:march"]"#,
            ),
            &["10 Jan 21 13:00 +0000", "30 Jan 21 14:24 +0000"],
            &[
                "09 Jan 21 13:00 +0000",
                "20 Jan 21 12:59 +0000",
                "02 Feb 21 13:00 +0000",
            ],
        );
        // A start past the end of a short month must not be clamped into it.
        check(
            "30:31 in february",
            &interval(
                r#"days_of_month = ["30:31"]
                   years = ["2020:2023"]
                   months = ["february"]"#,
            ),
            &[],
            &["28 Feb 21 13:00 +0000"],
        );
    }

    /// Alertmanager's `timeStringTestCases`.
    #[test]
    fn parses_time_ranges_as_alertmanager_does() {
        let good: &[(&str, &str, u16, u16)] = &[
            ("00:00", "24:00", 0, 1440),
            ("01:35", "17:39", 95, 1059),
            ("09:35", "09:39", 575, 579),
            ("23:59", "24:00", 1439, 1440),
        ];
        for (start, end, start_minute, end_minute) in good {
            let range = TimeRange::new(start, end).unwrap();
            assert_eq!(
                (range.start_minute(), range.end_minute()),
                (*start_minute, *end_minute),
                "{start}-{end}"
            );
        }
        let bad: &[(&str, &str, &str)] = &[
            ("17:31", "17:31", "the time range 17:31 to 17:31 is empty"),
            ("12:30", "24:01", "`24:01` is not a time of day"),
            ("09:30", "07:41", "the time range 09:30 to 07:41 is empty"),
            ("24:00", "17:41", "the time range 24:00 to 17:41 is empty"),
            ("01:99", "23:59", "`01:99` is not a time of day"),
            ("00:00", "99:99", "`99:99` is not a time of day"),
            ("9:00", "17:00", "`9:00` is not a time of day"),
            ("09:00", "17:0", "`17:0` is not a time of day"),
            ("09-00", "17:00", "`09-00` is not a time of day"),
            ("+9:00", "17:00", "`+9:00` is not a time of day"),
            ("", "17:00", "`` is not a time of day"),
            ("０9:00", "17:00", "`０9:00` is not a time of day"),
        ];
        for (start, end, expected) in bad {
            let error = TimeRange::new(start, end).unwrap_err();
            assert!(error.starts_with(expected), "{start}-{end}: {error}");
        }
        let missing = interval_error(r#"times = [{ start_time = "14:03" }]"#);
        assert!(
            missing.contains("needs both start_time and end_time"),
            "{missing}"
        );
    }

    /// Alertmanager's `yamlUnmarshalTestCases` that must fail, plus the ranges it leaves to us.
    #[test]
    fn refuses_bad_values_with_a_sentence() {
        let cases: &[(&str, &str)] = &[
            (
                r#"times = [{ start_time = "01:99", end_time = "23:59" }]"#,
                "`01:99` is not a time of day",
            ),
            (
                r#"times = [{ start_time = "00:00", end_time = "99:99" }]"#,
                "`99:99` is not a time of day",
            ),
            (
                r#"weekdays = ["friday:monday"]"#,
                "the weekday range `friday:monday` ends before it starts",
            ),
            (
                r#"weekdays = ["blurgsday:flurgsday"]"#,
                "`blurgsday` is not a weekday",
            ),
            (r#"weekdays = ["1:3"]"#, "`1` is not a weekday"),
            (r#"weekdays = ["-2:-1"]"#, "`-2` is not a weekday"),
            (r#"weekdays = [""]"#, "`` is not a weekday"),
            (
                r#"weekdays = ["monday:tuesday:friday"]"#,
                "`monday:tuesday:friday` is not a weekday range",
            ),
            (r#"days_of_month = ["0"]"#, "`0` is not a day of the month"),
            (
                r#"days_of_month = ["-50:-20"]"#,
                "`-50` is not a day of the month",
            ),
            (
                r#"days_of_month = ["1:50"]"#,
                "`50` is not a day of the month",
            ),
            (
                r#"days_of_month = ["first"]"#,
                "`first` is not a day of the month",
            ),
            (
                r#"days_of_month = ["-15:5"]"#,
                "the day range `-15:5` starts counting from the end of the month",
            ),
            (
                r#"days_of_month = ["10:-25"]"#,
                "the day range `10:-25` ends before it starts in a 28-day month",
            ),
            (
                r#"days_of_month = ["20:10"]"#,
                "the day range `20:10` ends before it starts",
            ),
            (r#"months = ["martius:june"]"#, "`martius` is not a month"),
            (r#"months = ["march:junius"]"#, "`junius` is not a month"),
            (
                r#"months = ["december:january"]"#,
                "the month range `december:january` ends before it starts",
            ),
            (r#"months = ["13"]"#, "`13` is not a month"),
            (r#"months = ["0:3"]"#, "`0` is not a month"),
            (
                r#"years = ["2022:2020"]"#,
                "the year range `2022:2020` ends before it starts: 2020 is before 2022",
            ),
            (r#"years = ["twenty"]"#, "`twenty` is not a year"),
            (
                r#"location = "Mars/Olympus_Mons""#,
                "`Mars/Olympus_Mons` is not an IANA time zone",
            ),
            (
                r#"location = "Etc/Unknown""#,
                "`Etc/Unknown` is not an IANA",
            ),
            (r#"location = "Local""#, "the location `Local` depends on"),
            (r#"weekday = ["monday"]"#, "unknown field `weekday`"),
            (
                r#"times = [{ start_time = "09:00", end_time = "17:00", zone = "UTC" }]"#,
                "unknown field `zone`",
            ),
        ];
        for (toml_text, expected) in cases {
            let error = interval_error(toml_text);
            assert!(error.contains(expected), "{toml_text}: {error}");
        }
    }

    #[test]
    fn names_and_numbers_ignore_case_and_accept_a_sign() {
        assert_eq!(
            WeekdayRange::parse("Monday:FRIDAY").unwrap(),
            WeekdayRange { first: 1, last: 5 }
        );
        assert_eq!(
            MonthRange::parse("1:March").unwrap(),
            MonthRange { first: 1, last: 3 }
        );
        assert_eq!(
            DayOfMonthRange::parse("+1:+5").unwrap(),
            DayOfMonthRange { first: 1, last: 5 }
        );
        assert_eq!(
            DayOfMonthRange::parse("-31:-1").unwrap(),
            DayOfMonthRange {
                first: -31,
                last: -1
            }
        );
        // The 28th to the last day holds a day even in February (Alertmanager counts -1 as the
        // 27th there and refuses it).
        assert_eq!(
            DayOfMonthRange::parse("28:-1").unwrap(),
            DayOfMonthRange {
                first: 28,
                last: -1
            }
        );
        assert!(DayOfMonthRange::parse("29:-1").is_err());
        assert!(DayOfMonthRange::parse("-28:1").is_err());
        assert!(DayOfMonthRange::parse("-1:-2").is_err());
        // Whitespace is not trimmed, as in Alertmanager; the error shows it.
        assert!(
            WeekdayRange::parse(" monday")
                .unwrap_err()
                .starts_with("` monday`")
        );
        assert!(
            YearRange::parse("99999999999")
                .unwrap_err()
                .starts_with("`99999999999` is not a year")
        );
    }

    #[test]
    fn displays_in_the_form_it_reads() {
        for text in ["monday", "monday:friday", "saturday"] {
            assert_eq!(WeekdayRange::parse(text).unwrap().to_string(), text);
        }
        for text in ["1", "1:5", "-3:-1", "10:-1"] {
            assert_eq!(DayOfMonthRange::parse(text).unwrap().to_string(), text);
        }
        assert_eq!(
            MonthRange::parse("1:3").unwrap().to_string(),
            "january:march"
        );
        assert_eq!(MonthRange::parse("12").unwrap().to_string(), "december");
        assert_eq!(
            YearRange::parse("2020:2022").unwrap().to_string(),
            "2020:2022"
        );
        assert_eq!(
            TimeRange::new("09:05", "24:00").unwrap().to_string(),
            "09:05-24:00"
        );
        assert_eq!(
            Location::parse("Asia/Seoul").unwrap().to_string(),
            "Asia/Seoul"
        );
        assert_eq!(Location::parse("").unwrap().to_string(), "UTC");
    }

    /// The wall clock decides on days the clocks change: in Berlin the hour from 02:00 is skipped
    /// on 2021-03-28 and repeated on 2021-10-31.
    #[test]
    fn follows_the_wall_clock_across_daylight_saving_changes() {
        let two_to_three = interval(
            r#"times = [{ start_time = "02:00", end_time = "03:00" }]
               location = "Europe/Berlin""#,
        );
        check(
            "spring forward",
            &two_to_three,
            &[],
            &[
                "28 Mar 21 00:59 +0000", // 01:59 CET
                "28 Mar 21 01:00 +0000", // 03:00 CEST, straight after 01:59:59
            ],
        );
        check(
            "fall back",
            &two_to_three,
            &[
                "31 Oct 21 00:00 +0000", // 02:00 CEST
                "31 Oct 21 00:59 +0000", // 02:59 CEST
                "31 Oct 21 01:00 +0000", // 02:00 CET, the second time
                "31 Oct 21 01:59 +0000", // 02:59 CET
            ],
            &["31 Oct 21 02:00 +0000"], // 03:00 CET
        );
        // A whole local day is 23 hours in spring.
        let sunday = interval(
            r#"weekdays = ["sunday"]
               location = "Europe/Berlin""#,
        );
        check(
            "short sunday",
            &sunday,
            &["27 Mar 21 23:00 +0000", "28 Mar 21 21:59 +0000"],
            &["27 Mar 21 22:59 +0000", "28 Mar 21 22:00 +0000"],
        );
    }

    /// Alertmanager's `TestIntervener_Mutes`.
    #[test]
    fn active_intervals_match_alertmanagers_intervener() {
        let config: Config = toml::from_str(
            r#"
            [[time_intervals]]
            name = "evenings"
            time_intervals = [
              { times = [ { start_time = "00:00", end_time = "09:00" }, { start_time = "17:00", end_time = "24:00" } ], location = "Australia/Sydney" },
            ]

            [[time_intervals]]
            name = "weekends"
            time_intervals = [ { weekdays = ["saturday", "sunday"], location = "Australia/Sydney" } ]
            "#,
        )
        .unwrap();
        let intervals = config.time_intervals;
        check_names(&intervals).unwrap();
        let names = ["evenings".to_owned(), "weekends".to_owned()];
        let sydney = TimeZone::get("Australia/Sydney").unwrap();
        let local = |text: &str| {
            text.parse::<jiff::civil::DateTime>()
                .unwrap()
                .to_zoned(sydney.clone())
                .unwrap()
                .timestamp()
        };
        let cases: &[(&str, Timestamp, &[&str])] = &[
            (
                "outside working hours",
                local("2024-01-01T00:00"),
                &["evenings"],
            ),
            ("during working hours", local("2024-01-01T09:00"), &[]),
            ("weekend", local("2024-01-06T10:00"), &["weekends"]),
            (
                "weekend evening",
                local("2024-01-06T17:00"),
                &["evenings", "weekends"],
            ),
            (
                "noon UTC on a weekday",
                "2024-01-01T10:00:00Z".parse().unwrap(),
                &["evenings"],
            ),
            (
                "noon UTC on a weekend",
                "2024-01-06T10:00:00Z".parse().unwrap(),
                &["evenings", "weekends"],
            ),
        ];
        for (case, time, expected) in cases {
            assert_eq!(
                active_intervals(&intervals, &names, *time).unwrap(),
                *expected,
                "{case}"
            );
        }
        let error = active_intervals(
            &intervals,
            &["holidays".to_owned()],
            local("2024-01-01T00:00"),
        )
        .unwrap_err();
        assert_eq!(error, "the time interval \"holidays\" is not defined");
    }

    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Config {
        time_intervals: Vec<NamedTimeInterval>,
    }

    #[test]
    fn reads_the_documented_config() {
        let config: Config = toml::from_str(
            r#"
            [[time_intervals]]
            name = "offhours"
            time_intervals = [ { weekdays = ["saturday", "sunday"] },
                               { times = [ { start_time = "18:00", end_time = "24:00" } ], location = "Asia/Seoul" } ]
            "#,
        )
        .unwrap();
        let offhours = &config.time_intervals[0];
        assert_eq!(offhours.name, "offhours");
        assert_eq!(offhours.time_intervals.len(), 2);
        let utc = |text: &str| text.parse::<Timestamp>().unwrap();
        // 2024-01-06 is a Saturday in UTC.
        assert!(offhours.contains(utc("2024-01-06T12:00:00Z")));
        // Wednesday 18:00 in Seoul is 09:00 UTC.
        assert!(offhours.contains(utc("2024-01-03T09:00:00Z")));
        assert!(offhours.contains(utc("2024-01-03T14:59:59Z")));
        assert!(!offhours.contains(utc("2024-01-03T08:59:59Z")));
        // Midnight in Seoul ends the evening.
        assert!(!offhours.contains(utc("2024-01-03T15:00:00Z")));
    }

    #[test]
    fn named_intervals_need_a_unique_name() {
        let parse = |text: &str| toml::from_str::<Config>(text).map(|config| config.time_intervals);
        let blank = parse("[[time_intervals]]\nname = \" \"\ntime_intervals = []\n").unwrap_err();
        assert!(
            blank.to_string().contains("a time interval needs a name"),
            "{blank}"
        );
        let missing = parse("[[time_intervals]]\ntime_intervals = []\n").unwrap_err();
        assert!(
            missing.to_string().contains("missing field `name`"),
            "{missing}"
        );
        let unknown = parse("[[time_intervals]]\nname = \"x\"\ntime_intervals = []\nmute = true\n")
            .unwrap_err();
        assert!(
            unknown.to_string().contains("unknown field `mute`"),
            "{unknown}"
        );

        let twice = parse(
            "[[time_intervals]]\nname = \"x\"\ntime_intervals = []\n[[time_intervals]]\nname = \"x\"\ntime_intervals = []\n",
        )
        .unwrap();
        assert_eq!(
            check_names(&twice).unwrap_err(),
            "the time interval \"x\" is defined more than once; give each a different name"
        );
        let built = [NamedTimeInterval {
            name: String::new(),
            time_intervals: Vec::new(),
        }];
        assert!(check_names(&built).is_err());
    }

    #[test]
    fn a_named_interval_without_intervals_is_never_active() {
        let never = NamedTimeInterval {
            name: "never".to_owned(),
            time_intervals: Vec::new(),
        };
        assert!(!never.contains(Timestamp::UNIX_EPOCH));
        let always = NamedTimeInterval {
            name: "always".to_owned(),
            time_intervals: vec![TimeInterval::default()],
        };
        assert!(always.contains(Timestamp::UNIX_EPOCH));
    }

    #[test]
    fn empty_lists_match_everything() {
        let empty =
            interval("times = []\nweekdays = []\ndays_of_month = []\nmonths = []\nyears = []");
        assert_eq!(empty, TimeInterval::default());
        assert!(empty.contains(at("02 Jan 06 15:04 +0000")));
    }

    #[test]
    fn location_utc_and_empty_are_utc() {
        for name in ["UTC", "utc", ""] {
            let location = Location::parse(name).unwrap();
            assert_eq!(location.zone(), &TimeZone::UTC, "{name}");
        }
        let business = TimeInterval {
            times: vec![TimeRange::new("09:00", "17:00").unwrap()],
            location: Some(Location::parse("").unwrap()),
            ..TimeInterval::default()
        };
        assert!(business.contains(at("04 May 20 09:00 +0000")));
    }

    /// The extremes of time, read in zones with the largest offsets, do not panic.
    #[test]
    fn extreme_instants_do_not_panic() {
        let zones = ["Pacific/Kiritimati", "Etc/GMT+12", "America/St_Johns", ""];
        for zone in zones {
            let everything = TimeInterval {
                times: vec![TimeRange::new("00:00", "24:00").unwrap()],
                weekdays: vec![WeekdayRange::parse("sunday:saturday").unwrap()],
                days_of_month: vec![DayOfMonthRange::parse("1:-1").unwrap()],
                months: vec![MonthRange::parse("1:12").unwrap()],
                years: vec![YearRange::parse("-2147483648:2147483647").unwrap()],
                location: Some(Location::parse(zone).unwrap()),
            };
            for instant in [Timestamp::MIN, Timestamp::MAX, Timestamp::UNIX_EPOCH] {
                assert!(everything.contains(instant), "{zone} {instant}");
            }
        }
    }

    #[test]
    fn odd_input_is_refused_without_panicking() {
        let odd = [
            "",
            ":",
            "::",
            "-",
            "+",
            "-0",
            "+0",
            "−1",
            "é:00",
            "１",
            "\0",
            "24:00:00",
            "2147483648",
            "-2147483649",
            "1:",
            ":1",
            "monday:",
            "é",
            "00:0é",
        ];
        for text in odd {
            let _ = TimeRange::new(text, "24:00");
            let _ = TimeRange::new("00:00", text);
            let _ = WeekdayRange::parse(text);
            let _ = DayOfMonthRange::parse(text);
            let _ = MonthRange::parse(text);
            let _ = YearRange::parse(text);
            let _ = Location::parse(text);
        }
        assert!(DayOfMonthRange::parse("-0").is_err());
        assert!(YearRange::parse("1:").is_err());
    }

    #[test]
    fn long_input_is_cut_short_in_errors() {
        let long = "x".repeat(10_000);
        let error = WeekdayRange::parse(&long).unwrap_err();
        assert!(error.len() < 200, "{error}");
        let error = Location::parse(&long).unwrap_err();
        assert!(error.len() < 200, "{error}");
    }
}
