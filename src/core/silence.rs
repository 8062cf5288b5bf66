//! Silences and maintenance windows: which alerts to keep quiet, and when. Matchers follow
//! Prometheus Alertmanager (text form, API v2 JSON, anchored regexes, absent label = empty), so
//! people can paste what they already write there. Time comes in as arguments; nothing here reads
//! the clock.

use std::collections::BTreeMap;
use std::fmt;

use jiff::tz::TimeZone;
use jiff::{SignedDuration, Span, SpanRelativeTo, Timestamp};
use serde::{Deserialize, Serialize};

/// Longest matcher value (and label name), in characters. Values are typed by people; a limit
/// keeps hostile input from reaching the regex compiler or the database at any size.
pub const MAX_VALUE_CHARS: usize = 1024;

/// Compiled-size limit for one matcher regex, so a short hostile pattern (`(a{999}){999}`)
/// cannot take large amounts of memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// Longest maintenance window that repeats. Longer ones are almost always a typo for a silence.
pub const MAX_RECURRING_DURATION: SignedDuration = SignedDuration::from_hours(7 * 24);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum MatchOp {
    Equal,
    NotEqual,
    Regex,
    NotRegex,
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Equal => "=",
            MatchOp::NotEqual => "!=",
            MatchOp::Regex => "=~",
            MatchOp::NotRegex => "!~",
        }
    }

    pub fn parse(text: &str) -> Option<MatchOp> {
        Some(match text {
            "=" => MatchOp::Equal,
            "!=" => MatchOp::NotEqual,
            "=~" => MatchOp::Regex,
            "!~" => MatchOp::NotRegex,
            _ => return None,
        })
    }

    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Regex | MatchOp::NotRegex)
    }

    /// `=` and `=~` (Alertmanager's `isEqual`).
    pub fn is_equal(self) -> bool {
        matches!(self, MatchOp::Equal | MatchOp::Regex)
    }

    fn from_flags(is_regex: bool, is_equal: bool) -> MatchOp {
        match (is_regex, is_equal) {
            (false, true) => MatchOp::Equal,
            (false, false) => MatchOp::NotEqual,
            (true, true) => MatchOp::Regex,
            (true, false) => MatchOp::NotRegex,
        }
    }
}

impl fmt::Display for MatchOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One label matcher. Alertmanager semantics: regexes are fully anchored (`^(?:re)$`); a label
/// that is absent counts as the empty string (so `env!="prod"` matches an alert with no env label,
/// and `env=""` matches an alert without env).
///
/// Build it with [`Matcher::new`] or [`Matcher::parse`]; the regex is compiled from `value` then,
/// so changing the public fields afterwards does not change what a regex matcher matches.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(try_from = "MatcherJson", into = "MatcherJson")]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<regex::Regex>,
}

impl Matcher {
    pub fn new(name: &str, op: MatchOp, value: &str) -> Result<Matcher, MatcherError> {
        check_name(name)?;
        let chars = value.chars().count();
        if chars > MAX_VALUE_CHARS {
            return Err(MatcherError::ValueTooLong {
                name: name.to_owned(),
                chars,
            });
        }
        let regex = if op.is_regex() {
            Some(compile_anchored(value)?)
        } else {
            None
        };
        Ok(Matcher {
            name: name.to_owned(),
            op,
            value: value.to_owned(),
            regex,
        })
    }

    /// One matcher in Alertmanager's text form: `alertname="HighLatency"`, `severity=~"critical|page"`,
    /// `env!=prod` (unquoted values allowed), whitespace around the operator allowed, quoted values with \" and \\ escapes.
    ///
    /// As in Alertmanager, `\n` is a newline and any other backslash is kept, so `=~"\d+"` needs no
    /// doubling.
    pub fn parse(text: &str) -> Result<Matcher, MatcherError> {
        let text = text.trim();
        // Label names cannot contain `=` or `!`, so the first of them starts the operator.
        let Some(op_start) = text.find(['=', '!']) else {
            return Err(MatcherError::MissingOperator {
                text: snippet(text),
            });
        };
        let name = text[..op_start].trim();
        if name.is_empty() {
            return Err(MatcherError::MissingName {
                text: snippet(text),
            });
        }
        let rest = &text[op_start..];
        let op = [
            MatchOp::Regex,
            MatchOp::NotRegex,
            MatchOp::NotEqual,
            MatchOp::Equal,
        ]
        .into_iter()
        .find(|op| rest.starts_with(op.as_str()))
        .ok_or_else(|| MatcherError::MissingOperator {
            text: snippet(text),
        })?;
        let raw_value = rest[op.as_str().len()..].trim();
        let value = unquote(raw_value, text)?;
        Matcher::new(name, op, &value)
    }

    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        let actual = labels.get(&self.name).map_or("", String::as_str);
        match (self.op, &self.regex) {
            (MatchOp::Equal, _) => actual == self.value,
            (MatchOp::NotEqual, _) => actual != self.value,
            (MatchOp::Regex, Some(regex)) => regex.is_match(actual),
            (MatchOp::NotRegex, Some(regex)) => !regex.is_match(actual),
            // `new` always compiles a regex for the regex operators; only a field changed after
            // construction gets here, and matching nothing is the safe answer for a silence.
            (MatchOp::Regex | MatchOp::NotRegex, None) => false,
        }
    }
}

impl PartialEq for Matcher {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name && self.op == other.op && self.value == other.value
    }
}

impl Eq for Matcher {}

impl fmt::Display for Matcher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}\"", self.name, self.op)?;
        for ch in self.value.chars() {
            match ch {
                '"' => f.write_str("\\\"")?,
                '\\' => f.write_str("\\\\")?,
                '\n' => f.write_str("\\n")?,
                other => fmt::Write::write_char(f, other)?,
            }
        }
        f.write_str("\"")
    }
}

/// Alertmanager API v2's matcher object.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct MatcherJson {
    name: String,
    value: String,
    is_regex: bool,
    #[serde(default = "is_equal_default")]
    is_equal: bool,
}

fn is_equal_default() -> bool {
    true
}

impl TryFrom<MatcherJson> for Matcher {
    type Error = MatcherError;

    fn try_from(json: MatcherJson) -> Result<Self, Self::Error> {
        Matcher::new(
            &json.name,
            MatchOp::from_flags(json.is_regex, json.is_equal),
            &json.value,
        )
    }
}

impl From<Matcher> for MatcherJson {
    fn from(matcher: Matcher) -> Self {
        MatcherJson {
            is_regex: matcher.op.is_regex(),
            is_equal: matcher.op.is_equal(),
            name: matcher.name,
            value: matcher.value,
        }
    }
}

/// A list like `{alertname="X", env!~"dev|test"}` or `alertname=X,env!~"dev|test"` (braces optional,
/// commas inside quoted values do not split). Empty list is an error ("a silence needs at least one matcher").
/// One trailing comma is allowed, as in PromQL.
pub fn parse_matchers(text: &str) -> Result<Vec<Matcher>, MatcherError> {
    let trimmed = text.trim();
    let inner = match (trimmed.strip_prefix('{'), trimmed.ends_with('}')) {
        (Some(rest), true) => &rest[..rest.len() - 1],
        (None, false) => trimmed,
        _ => {
            return Err(MatcherError::UnbalancedBraces {
                text: snippet(trimmed),
            });
        }
    };
    if inner.trim().is_empty() {
        return Err(MatcherError::Empty);
    }
    let mut items = split_outside_quotes(inner);
    if items.len() > 1 && items.last().is_some_and(|item| item.trim().is_empty()) {
        items.pop();
    }
    items
        .into_iter()
        .map(|item| {
            if item.trim().is_empty() {
                Err(MatcherError::EmptyItem {
                    text: snippet(trimmed),
                })
            } else {
                Matcher::parse(item)
            }
        })
        .collect()
}

/// The canonical list form, `{alertname="X", env!~"dev|test"}`; [`parse_matchers`] reads it back.
pub fn format_matchers(matchers: &[Matcher]) -> String {
    let items: Vec<String> = matchers.iter().map(Matcher::to_string).collect();
    format!("{{{}}}", items.join(", "))
}

/// True when every matcher matches (Alertmanager: a silence applies when all its matchers match).
/// An empty list matches nothing: a silence without matchers must not mute every alert.
pub fn all_match(matchers: &[Matcher], labels: &BTreeMap<String, String>) -> bool {
    !matchers.is_empty() && matchers.iter().all(|matcher| matcher.matches(labels))
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatcherError {
    #[error("a silence needs at least one matcher, such as alertname=\"HighLatency\"")]
    Empty,
    #[error("`{text}` has an empty matcher between commas")]
    EmptyItem { text: String },
    #[error(
        "`{text}` opens or closes a brace without the other; write {{a=\"b\", c=\"d\"}} or a=\"b\", c=\"d\""
    )]
    UnbalancedBraces { text: String },
    #[error("`{text}` has no operator; use =, !=, =~ or !~, as in env=\"prod\"")]
    MissingOperator { text: String },
    #[error("`{text}` has no label name before its operator")]
    MissingName { text: String },
    #[error(
        "`{name}` is not a label name: use letters, digits and underscores, not starting with a digit"
    )]
    InvalidName { name: String },
    #[error("the value for `{name}` is {chars} characters long; the limit is {MAX_VALUE_CHARS}")]
    ValueTooLong { name: String, chars: usize },
    #[error("`{text}` has a double quote inside its value; write it as \\\" inside double quotes")]
    UnescapedQuote { text: String },
    #[error("`{text}` is missing the closing double quote of its value")]
    UnterminatedQuote { text: String },
    #[error("`{value}` is not a valid regular expression: {reason}")]
    InvalidRegex { value: String, reason: String },
}

/// A Prometheus label name: letters, digits and underscores, not starting with a digit.
pub fn is_label_name(name: &str) -> bool {
    check_name(name).is_ok()
}

fn check_name(name: &str) -> Result<(), MatcherError> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_');
    // The ASCII check also bounds the length: names are at most MAX_VALUE_CHARS bytes.
    if first_ok
        && name.len() <= MAX_VALUE_CHARS
        && chars.all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
    {
        Ok(())
    } else {
        Err(MatcherError::InvalidName {
            name: snippet(name),
        })
    }
}

fn compile_anchored(value: &str) -> Result<regex::Regex, MatcherError> {
    let build = |pattern: &str| {
        regex::RegexBuilder::new(pattern)
            .size_limit(REGEX_SIZE_LIMIT)
            .build()
            .map_err(|error| MatcherError::InvalidRegex {
                value: snippet(value),
                reason: error.to_string(),
            })
    };
    // Compiling the value alone first rejects `a)|(b`, which would otherwise close the anchoring
    // group early and match unanchored; it also reports errors against what the person wrote.
    build(value)?;
    build(&format!("^(?:{value})$"))
}

/// Reads a value as Alertmanager does: optionally in double quotes; `\"`, `\\` and `\n` are
/// escapes and any other backslash stays literal.
fn unquote(raw: &str, whole: &str) -> Result<String, MatcherError> {
    let (body, quoted) = match raw.strip_prefix('"') {
        Some(body) => (body, true),
        None => (raw, false),
    };
    let mut value = String::with_capacity(body.len());
    let mut closed = false;
    let mut chars = body.char_indices();
    while let Some((index, ch)) = chars.next() {
        match ch {
            '\\' => match chars.next() {
                Some((_, 'n')) => value.push('\n'),
                Some((_, escaped @ ('"' | '\\'))) => value.push(escaped),
                Some((_, other)) => {
                    value.push('\\');
                    value.push(other);
                }
                None => value.push('\\'),
            },
            '"' if quoted && index + 1 == body.len() => closed = true,
            '"' => {
                return Err(MatcherError::UnescapedQuote {
                    text: snippet(whole),
                });
            }
            other => value.push(other),
        }
    }
    if quoted && !closed {
        return Err(MatcherError::UnterminatedQuote {
            text: snippet(whole),
        });
    }
    Ok(value)
}

/// Splits on commas that are not inside a double-quoted value.
fn split_outside_quotes(text: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let mut start = 0;
    let mut in_quotes = false;
    let mut escaped = false;
    for (index, ch) in text.char_indices() {
        match ch {
            _ if escaped => escaped = false,
            '\\' if in_quotes => escaped = true,
            '"' => in_quotes = !in_quotes,
            ',' if !in_quotes => {
                items.push(&text[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    items.push(&text[start..]);
    items
}

/// Echoed user text in errors is cut short so a 1 MB paste does not become a 1 MB message.
fn snippet(text: &str) -> String {
    const LIMIT: usize = 80;
    match text.char_indices().nth(LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// When a maintenance window is in force.
///
/// Serialized as `{"kind": "once", "starts_at", "ends_at"}` or
/// `{"kind": "recurring", "cron", "duration", "timezone"}`; deserializing does not validate, so
/// call [`Schedule::validate`] on input.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Schedule {
    /// One-off: [starts_at, ends_at).
    Once {
        starts_at: Timestamp,
        ends_at: Timestamp,
    },
    /// Recurring: starts at each cron occurrence (5 fields: minute hour day month weekday, e.g. "0 2 * * sun"),
    /// read in the IANA time zone, and lasts `duration`.
    ///
    /// The duration is elapsed time, so a window that spans a DST change covers one hour more or
    /// less on the wall clock. A start that falls in a spring-forward gap (02:30 in Europe/Berlin
    /// on the last Sunday of March) begins at the first instant after the gap (03:00) and still
    /// lasts `duration`; a start in a repeated autumn hour begins once, at its first occurrence.
    /// This is croner's behaviour for fixed-time patterns.
    Recurring {
        cron: String,
        duration: SignedDuration,
        timezone: String,
    },
}

impl Schedule {
    /// Checks it: ends after starts; cron parses; timezone exists; duration positive and at most 7 days.
    pub fn validate(&self) -> Result<(), ScheduleError> {
        match self {
            Schedule::Once { starts_at, ends_at } => {
                if ends_at <= starts_at {
                    return Err(ScheduleError::EndsBeforeStart {
                        starts_at: *starts_at,
                        ends_at: *ends_at,
                    });
                }
                Ok(())
            }
            Schedule::Recurring {
                cron,
                duration,
                timezone,
            } => {
                let recurrence = Recurrence::new(cron, *duration, timezone)?;
                // A pattern such as `0 0 30 2 *` parses but never fires; croner then searches for
                // years on every call, so refuse it here. Any fixed reference instant will do.
                let reference = Timestamp::UNIX_EPOCH.to_zoned(recurrence.zone.clone());
                if recurrence
                    .cron
                    .find_next_occurrence(&reference, false)
                    .is_err()
                {
                    return Err(ScheduleError::NeverOccurs { cron: cron.clone() });
                }
                Ok(())
            }
        }
    }

    /// The window in force at `now` as [start, end), if any. For Recurring: the latest occurrence
    /// at or before `now` whose start + duration is after `now`; when a long duration overlaps the
    /// next occurrence, the latest start wins. Invalid schedules are never active.
    pub fn window_at(&self, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
        match self {
            Schedule::Once { starts_at, ends_at } => {
                (*starts_at <= now && now < *ends_at).then_some((*starts_at, *ends_at))
            }
            Schedule::Recurring {
                cron,
                duration,
                timezone,
            } => {
                let recurrence = Recurrence::new(cron, *duration, timezone).ok()?;
                let start = recurrence
                    .cron
                    .find_previous_occurrence(&now.to_zoned(recurrence.zone.clone()), true)
                    .ok()?
                    .timestamp();
                // Every window lasts the same, so if the latest start's window is over, so are
                // all earlier ones.
                let end = start.checked_add(recurrence.duration).ok()?;
                (now < end).then_some((start, end))
            }
        }
    }

    /// True when a window is in force at `now`.
    pub fn is_active(&self, now: Timestamp) -> bool {
        self.window_at(now).is_some()
    }

    /// The next window starting strictly after `after` (for the UI's "next: …").
    pub fn next_window_after(&self, after: Timestamp) -> Option<(Timestamp, Timestamp)> {
        match self {
            Schedule::Once { starts_at, ends_at } => {
                (*starts_at > after && ends_at > starts_at).then_some((*starts_at, *ends_at))
            }
            Schedule::Recurring {
                cron,
                duration,
                timezone,
            } => {
                let recurrence = Recurrence::new(cron, *duration, timezone).ok()?;
                let start = recurrence
                    .cron
                    .find_next_occurrence(&after.to_zoned(recurrence.zone.clone()), false)
                    .ok()?
                    .timestamp();
                Some((start, start.checked_add(recurrence.duration).ok()?))
            }
        }
    }
}

impl Schedule {
    /// The windows that overlap `[from, to)`, oldest first, at most `limit` (the status
    /// page's history draws a recurring window's past runs).
    pub fn windows_between(
        &self,
        from: Timestamp,
        to: Timestamp,
        limit: usize,
    ) -> Vec<(Timestamp, Timestamp)> {
        let mut windows = Vec::new();
        let mut next = self
            .window_at(from)
            .or_else(|| self.next_window_after(from));
        while let Some((start, end)) = next {
            if start >= to || windows.len() >= limit {
                break;
            }
            if end > from {
                windows.push((start, end));
            }
            next = self.next_window_after(start);
        }
        windows
    }
}

/// A recurring schedule's parts, parsed.
struct Recurrence {
    cron: croner::Cron,
    zone: TimeZone,
    duration: SignedDuration,
}

impl Recurrence {
    fn new(cron: &str, duration: SignedDuration, timezone: &str) -> Result<Self, ScheduleError> {
        let parser = croner::parser::CronParser::builder()
            .seconds(croner::parser::Seconds::Disallowed)
            .build();
        let parsed = parser
            .parse(cron)
            .map_err(|error| ScheduleError::InvalidCron {
                cron: cron.to_owned(),
                reason: error.to_string(),
            })?;
        let zone = TimeZone::get(timezone).map_err(|_| ScheduleError::UnknownTimezone {
            timezone: timezone.to_owned(),
        })?;
        if !duration.is_positive() {
            return Err(ScheduleError::DurationNotPositive { duration });
        }
        if duration > MAX_RECURRING_DURATION {
            return Err(ScheduleError::DurationTooLong { duration });
        }
        Ok(Recurrence {
            cron: parsed,
            zone,
            duration,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("the window ends at {ends_at}, which is not after its start at {starts_at}")]
    EndsBeforeStart {
        starts_at: Timestamp,
        ends_at: Timestamp,
    },
    #[error(
        "`{cron}` is not a cron expression with 5 fields (minute hour day month weekday, as in 0 2 * * sun): {reason}"
    )]
    InvalidCron { cron: String, reason: String },
    #[error("`{cron}` never matches a date (such as the 30th of February)")]
    NeverOccurs { cron: String },
    #[error("`{timezone}` is not an IANA time zone such as Europe/Berlin")]
    UnknownTimezone { timezone: String },
    #[error("the duration {duration:#} is not positive")]
    DurationNotPositive { duration: SignedDuration },
    #[error("the duration {duration:#} is longer than a recurring window may be (7 days)")]
    DurationTooLong { duration: SignedDuration },
    #[error("`{text}` is not a duration; write it like 90m, 2h, 1h30m, 45s or 3d")]
    InvalidDuration { text: String },
}

/// Parses a duration a person typed: "90m", "2h", "1h30m", "45s", "3d" (jiff's friendly format,
/// or ISO 8601 such as PT2H). A day is 24 hours and a week 7 days; months and years are refused
/// because their length depends on the date. Zero and negative durations are refused.
pub fn parse_duration(text: &str) -> Result<SignedDuration, ScheduleError> {
    let text = text.trim();
    let invalid = || ScheduleError::InvalidDuration {
        text: snippet(text),
    };
    // SignedDuration refuses days, which people do write ("3d"), so fall back to a Span with
    // 24-hour days.
    let duration = match text.parse::<SignedDuration>() {
        Ok(duration) => duration,
        Err(_) => text
            .parse::<Span>()
            .map_err(|_| invalid())?
            .to_duration(SpanRelativeTo::days_are_24_hours())
            .map_err(|_| invalid())?,
    };
    if !duration.is_positive() {
        return Err(ScheduleError::DurationNotPositive { duration });
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn past_runs_of_a_recurring_window_are_listed_in_order() {
        let weekly = Schedule::Recurring {
            cron: "0 2 * * sun".into(),
            duration: SignedDuration::from_hours(2),
            timezone: "Europe/Berlin".into(),
        };
        // Sundays 1, 8, 15 and 22 November 2026, 02:00 in Berlin (CET, UTC+1).
        let from: Timestamp = "2026-11-01T00:30:00Z".parse().unwrap();
        let to: Timestamp = "2026-11-22T01:30:00Z".parse().unwrap();
        let runs = weekly.windows_between(from, to, 100);
        let starts: Vec<String> = runs.iter().map(|(s, _)| s.to_string()).collect();
        assert_eq!(
            starts,
            [
                "2026-11-01T01:00:00Z",
                "2026-11-08T01:00:00Z",
                "2026-11-15T01:00:00Z",
                "2026-11-22T01:00:00Z"
            ]
        );
        assert_eq!(weekly.windows_between(from, to, 2).len(), 2);
        let once = Schedule::Once {
            starts_at: "2026-11-03T10:00:00Z".parse().unwrap(),
            ends_at: "2026-11-03T12:00:00Z".parse().unwrap(),
        };
        assert_eq!(once.windows_between(from, to, 10).len(), 1);
        assert!(
            once.windows_between(
                to,
                to.checked_add(SignedDuration::from_hours(1)).unwrap(),
                10
            )
            .is_empty()
        );
    }

    use jiff::Zoned;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect()
    }

    /// Parses `matcher` and checks it against each label set.
    fn check(matcher: &str, cases: &[(&[(&str, &str)], bool)]) {
        let parsed = Matcher::parse(matcher).unwrap();
        for (pairs, expected) in cases {
            assert_eq!(
                parsed.matches(&labels(pairs)),
                *expected,
                "{matcher} against {pairs:?}"
            );
        }
    }

    fn parse_error(text: &str) -> String {
        Matcher::parse(text).unwrap_err().to_string()
    }

    /// A wall-clock time in a zone, as `2026-06-07T03:30[Europe/Berlin]`; add an offset to pick
    /// one side of a repeated hour.
    fn at(text: &str) -> Timestamp {
        text.parse::<Zoned>().unwrap().timestamp()
    }

    fn recurring(cron: &str, duration: &str, timezone: &str) -> Schedule {
        Schedule::Recurring {
            cron: cron.to_owned(),
            duration: parse_duration(duration).unwrap(),
            timezone: timezone.to_owned(),
        }
    }

    #[test]
    fn equal_and_not_equal_treat_absent_labels_as_empty() {
        let no_env: &[(&str, &str)] = &[("alertname", "X")];
        let prod: &[(&str, &str)] = &[("env", "prod")];
        let dev: &[(&str, &str)] = &[("env", "dev")];
        let empty_env: &[(&str, &str)] = &[("env", "")];
        check(
            r#"env="prod""#,
            &[(prod, true), (dev, false), (no_env, false)],
        );
        check(
            r#"env!="prod""#,
            &[(prod, false), (dev, true), (no_env, true)],
        );
        check(
            r#"env="""#,
            &[(no_env, true), (empty_env, true), (prod, false)],
        );
        check(
            r#"env!="""#,
            &[(no_env, false), (empty_env, false), (prod, true)],
        );
    }

    #[test]
    fn regex_operators_are_anchored_and_see_absent_labels_as_empty() {
        let critical: &[(&str, &str)] = &[("severity", "critical")];
        let crit: &[(&str, &str)] = &[("severity", "crit")];
        let page: &[(&str, &str)] = &[("severity", "page")];
        let none: &[(&str, &str)] = &[];
        check(
            r#"severity=~"crit""#,
            &[(crit, true), (critical, false), (none, false)],
        );
        check(
            r#"severity=~"critical|page""#,
            &[(critical, true), (page, true), (crit, false)],
        );
        check(
            r#"severity!~"critical|page""#,
            &[(critical, false), (page, false), (crit, true), (none, true)],
        );
        check(r#"severity=~".*""#, &[(none, true), (crit, true)]);
        check(r#"severity=~".+""#, &[(none, false), (crit, true)]);
        check(r#"severity!~".+""#, &[(none, true), (crit, false)]);
        // The anchors also hold for an alternation that ends in a wildcard.
        check(r#"severity=~"cr|x.*""#, &[(crit, false), (critical, false)]);
    }

    #[test]
    fn a_value_cannot_break_out_of_the_anchoring_group() {
        let error = Matcher::new("env", MatchOp::Regex, "a)|(b").unwrap_err();
        assert!(
            matches!(&error, MatcherError::InvalidRegex { value, .. } if value == "a)|(b"),
            "{error:?}"
        );
    }

    #[test]
    fn all_match_needs_every_matcher_and_at_least_one() {
        let matchers = parse_matchers(r#"{alertname="HighLatency", env!~"dev|test"}"#).unwrap();
        let alert = labels(&[("alertname", "HighLatency"), ("env", "prod")]);
        assert!(all_match(&matchers, &alert));
        let dev = labels(&[("alertname", "HighLatency"), ("env", "dev")]);
        assert!(!all_match(&matchers, &dev));
        let no_env = labels(&[("alertname", "HighLatency")]);
        assert!(all_match(&matchers, &no_env));
        assert!(!all_match(&[], &alert));
    }

    #[test]
    fn parse_reads_the_text_forms() {
        let cases = [
            (
                r#"alertname="HighLatency""#,
                "alertname",
                MatchOp::Equal,
                "HighLatency",
            ),
            (
                r#"severity=~"critical|page""#,
                "severity",
                MatchOp::Regex,
                "critical|page",
            ),
            ("env!=prod", "env", MatchOp::NotEqual, "prod"),
            (
                "  env  !~  dev|test  ",
                "env",
                MatchOp::NotRegex,
                "dev|test",
            ),
            (
                r#"env = "with spaces  ""#,
                "env",
                MatchOp::Equal,
                "with spaces  ",
            ),
            (
                r#"summary="say \"hi\"""#,
                "summary",
                MatchOp::Equal,
                r#"say "hi""#,
            ),
            (r#"path="C:\\tmp""#, "path", MatchOp::Equal, r"C:\tmp"),
            (r#"text="a\nb""#, "text", MatchOp::Equal, "a\nb"),
            // Any other backslash stays, so regexes need no doubling.
            (
                r#"instance=~"host\d+""#,
                "instance",
                MatchOp::Regex,
                r"host\d+",
            ),
            (r#"env="""#, "env", MatchOp::Equal, ""),
            ("env=", "env", MatchOp::Equal, ""),
            ("_private=x", "_private", MatchOp::Equal, "x"),
            ("a==b", "a", MatchOp::Equal, "=b"),
            (r#"city="Zürich""#, "city", MatchOp::Equal, "Zürich"),
        ];
        for (text, name, op, value) in cases {
            let matcher = Matcher::parse(text).unwrap();
            assert_eq!(
                (matcher.name.as_str(), matcher.op, matcher.value.as_str()),
                (name, op, value),
                "{text}"
            );
        }
    }

    #[test]
    fn display_is_canonical_and_parses_back() {
        let cases = [
            (r#"alertname="HighLatency""#, r#"alertname="HighLatency""#),
            ("severity =~ critical|page", r#"severity=~"critical|page""#),
            ("env!=prod", r#"env!="prod""#),
            ("env!~dev", r#"env!~"dev""#),
            (r#"summary="say \"hi\"""#, r#"summary="say \"hi\"""#),
            (r#"instance=~"host\d+""#, r#"instance=~"host\\d+""#),
            (r#"text="a\nb""#, r#"text="a\nb""#),
            ("env=", r#"env="""#),
        ];
        for (text, canonical) in cases {
            let matcher = Matcher::parse(text).unwrap();
            assert_eq!(matcher.to_string(), canonical);
            assert_eq!(Matcher::parse(canonical).unwrap(), matcher);
        }
        let tricky = Matcher::new("v", MatchOp::Equal, "\\\"\n,}{ end\\").unwrap();
        assert_eq!(Matcher::parse(&tricky.to_string()).unwrap(), tricky);
        let list = vec![tricky, Matcher::parse("b!~x|y").unwrap()];
        assert_eq!(parse_matchers(&format_matchers(&list)).unwrap(), list);
        assert_eq!(format_matchers(&list[1..]), r#"{b!~"x|y"}"#);
    }

    #[test]
    fn parse_errors_name_the_text() {
        assert_eq!(
            parse_error("alertname"),
            "`alertname` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
        );
        assert_eq!(
            parse_error("env!prod"),
            "`env!prod` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
        );
        assert_eq!(
            parse_error(r#"="x""#),
            "`=\"x\"` has no label name before its operator"
        );
        assert_eq!(
            parse_error(r#"1env="x""#),
            "`1env` is not a label name: use letters, digits and underscores, not starting with a digit"
        );
        assert_eq!(
            parse_error(r#"my env="x""#),
            "`my env` is not a label name: use letters, digits and underscores, not starting with a digit"
        );
        assert_eq!(
            parse_error(r#"env-name="x""#),
            "`env-name` is not a label name: use letters, digits and underscores, not starting with a digit"
        );
        assert_eq!(
            parse_error(r#"env="prod"#),
            "`env=\"prod` is missing the closing double quote of its value"
        );
        assert_eq!(
            parse_error(r#"env="prod\""#),
            "`env=\"prod\\\"` is missing the closing double quote of its value"
        );
        assert_eq!(
            parse_error(r#"env="a"b""#),
            "`env=\"a\"b\"` has a double quote inside its value; write it as \\\" inside double quotes"
        );
        assert_eq!(
            parse_error(r#"env=a"b"#),
            "`env=a\"b` has a double quote inside its value; write it as \\\" inside double quotes"
        );
        let regex_error = parse_error(r#"severity=~"crit(""#);
        assert!(
            regex_error.starts_with("`crit(` is not a valid regular expression: "),
            "{regex_error}"
        );
        assert!(regex_error.contains("unclosed group"), "{regex_error}");
    }

    #[test]
    fn limits_keep_hostile_input_small() {
        let long_value = "x".repeat(MAX_VALUE_CHARS + 1);
        assert_eq!(
            Matcher::new("env", MatchOp::Equal, &long_value)
                .unwrap_err()
                .to_string(),
            "the value for `env` is 1025 characters long; the limit is 1024"
        );
        // Counted in characters, not bytes.
        assert!(Matcher::new("env", MatchOp::Equal, &"é".repeat(MAX_VALUE_CHARS)).is_ok());

        let error = Matcher::new("env", MatchOp::Regex, "((a{100}){100}){100}").unwrap_err();
        assert!(
            matches!(&error, MatcherError::InvalidRegex { reason, .. } if reason.contains("size limit")),
            "{error:?}"
        );

        let long_name = "n".repeat(5000);
        let message = Matcher::new(&long_name, MatchOp::Equal, "x")
            .unwrap_err()
            .to_string();
        assert!(message.len() < 200, "{message}");
        assert!(
            message.starts_with(&format!("`{}…`", "n".repeat(80))),
            "{message}"
        );
    }

    #[test]
    fn parse_matchers_reads_lists() {
        let expected = vec![
            Matcher::new("alertname", MatchOp::Equal, "X").unwrap(),
            Matcher::new("env", MatchOp::NotRegex, "dev|test").unwrap(),
        ];
        for text in [
            r#"{alertname="X", env!~"dev|test"}"#,
            r#"alertname=X,env!~"dev|test""#,
            r#"  { alertname = "X" ,  env !~ "dev|test" , }  "#,
            r#"alertname="X",env!~"dev|test","#,
        ] {
            assert_eq!(parse_matchers(text).unwrap(), expected, "{text}");
        }
        let with_commas = parse_matchers(r#"{summary="a, b", msg=~"x\",y", n="}"}"#).unwrap();
        let values: Vec<&str> = with_commas.iter().map(|m| m.value.as_str()).collect();
        assert_eq!(values, vec!["a, b", "x\",y", "}"]);
    }

    #[test]
    fn parse_matchers_errors() {
        for text in ["", "   ", "{}", "{ }"] {
            assert_eq!(parse_matchers(text), Err(MatcherError::Empty), "{text:?}");
        }
        assert_eq!(
            MatcherError::Empty.to_string(),
            "a silence needs at least one matcher, such as alertname=\"HighLatency\""
        );
        assert_eq!(
            parse_matchers("a=b,,c=d").unwrap_err().to_string(),
            "`a=b,,c=d` has an empty matcher between commas"
        );
        assert_eq!(
            parse_matchers("{a=b").unwrap_err().to_string(),
            "`{a=b` opens or closes a brace without the other; write {a=\"b\", c=\"d\"} or a=\"b\", c=\"d\""
        );
        assert!(matches!(
            parse_matchers("a=b}"),
            Err(MatcherError::UnbalancedBraces { .. })
        ));
        assert_eq!(
            parse_matchers(r#"a="b", c"#).unwrap_err().to_string(),
            "`c` has no operator; use =, !=, =~ or !~, as in env=\"prod\""
        );
        assert!(matches!(
            parse_matchers(r#"a="b, c=d"#),
            Err(MatcherError::UnterminatedQuote { .. })
        ));
    }

    #[test]
    fn json_is_alertmanager_api_v2() {
        let matcher: Matcher = serde_json::from_str(
            r#"{"name":"alertname","value":"HighLatency","isRegex":false,"isEqual":true}"#,
        )
        .unwrap();
        assert_eq!(
            matcher,
            Matcher::new("alertname", MatchOp::Equal, "HighLatency").unwrap()
        );
        assert_eq!(
            serde_json::to_string(&matcher).unwrap(),
            r#"{"name":"alertname","value":"HighLatency","isRegex":false,"isEqual":true}"#
        );

        let cases = [
            (false, true, MatchOp::Equal),
            (false, false, MatchOp::NotEqual),
            (true, true, MatchOp::Regex),
            (true, false, MatchOp::NotRegex),
        ];
        for (is_regex, is_equal, op) in cases {
            let json = serde_json::json!({
                "name": "env", "value": "dev|test", "isRegex": is_regex, "isEqual": is_equal,
            });
            let matcher: Matcher = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(matcher.op, op);
            assert_eq!(serde_json::to_value(&matcher).unwrap(), json);
        }

        // Older clients leave isEqual out.
        let without_is_equal: Matcher =
            serde_json::from_str(r#"{"name":"env","value":"d.*","isRegex":true}"#).unwrap();
        assert_eq!(without_is_equal.op, MatchOp::Regex);
        assert!(without_is_equal.matches(&labels(&[("env", "dev")])));

        let bad_regex = serde_json::from_str::<Matcher>(
            r#"{"name":"env","value":"(","isRegex":true,"isEqual":true}"#,
        )
        .unwrap_err()
        .to_string();
        assert!(
            bad_regex.starts_with("`(` is not a valid regular expression"),
            "{bad_regex}"
        );
        let bad_name =
            serde_json::from_str::<Matcher>(r#"{"name":"a b","value":"x","isRegex":false}"#)
                .unwrap_err()
                .to_string();
        assert!(
            bad_name.starts_with("`a b` is not a label name"),
            "{bad_name}"
        );
        assert!(serde_json::from_str::<Matcher>(r#"{"name":"env","value":"x"}"#).is_err());
    }

    #[test]
    fn match_op_text() {
        for op in [
            MatchOp::Equal,
            MatchOp::NotEqual,
            MatchOp::Regex,
            MatchOp::NotRegex,
        ] {
            assert_eq!(MatchOp::parse(op.as_str()), Some(op));
            assert_eq!(op.to_string(), op.as_str());
        }
        assert_eq!(MatchOp::parse("=="), None);
    }

    #[test]
    fn once_includes_its_start_and_excludes_its_end() {
        let starts_at: Timestamp = "2026-06-07T10:00:00Z".parse().unwrap();
        let ends_at: Timestamp = "2026-06-07T12:00:00Z".parse().unwrap();
        let once = Schedule::Once { starts_at, ends_at };
        assert_eq!(once.validate(), Ok(()));
        let window = Some((starts_at, ends_at));
        assert_eq!(
            once.window_at("2026-06-07T09:59:59.999Z".parse().unwrap()),
            None
        );
        assert_eq!(once.window_at(starts_at), window);
        assert_eq!(
            once.window_at("2026-06-07T11:59:59.999Z".parse().unwrap()),
            window
        );
        assert_eq!(once.window_at(ends_at), None);
        assert!(!once.is_active(ends_at));

        assert_eq!(
            once.next_window_after("2026-06-07T09:00:00Z".parse().unwrap()),
            window
        );
        assert_eq!(once.next_window_after(starts_at), None);

        let backwards = Schedule::Once {
            starts_at: ends_at,
            ends_at: starts_at,
        };
        assert_eq!(
            backwards.validate().unwrap_err().to_string(),
            "the window ends at 2026-06-07T10:00:00Z, which is not after its start at 2026-06-07T12:00:00Z"
        );
        assert_eq!(backwards.window_at(starts_at), None);
        let empty = Schedule::Once {
            starts_at,
            ends_at: starts_at,
        };
        assert!(empty.validate().is_err());
        assert_eq!(empty.window_at(starts_at), None);
        assert_eq!(
            empty.next_window_after("2026-01-01T00:00:00Z".parse().unwrap()),
            None
        );
    }

    #[test]
    fn sunday_night_maintenance_in_berlin() {
        let sunday = recurring("0 2 * * sun", "2h", "Europe/Berlin");
        assert_eq!(sunday.validate(), Ok(()));
        assert_eq!(
            "2026-06-07".parse::<jiff::civil::Date>().unwrap().weekday(),
            jiff::civil::Weekday::Sunday
        );
        let start = at("2026-06-07T02:00[Europe/Berlin]");
        // Summer time: 02:00 in Berlin is 00:00 UTC.
        assert_eq!(start, "2026-06-07T00:00:00Z".parse().unwrap());
        let window = Some((start, at("2026-06-07T04:00[Europe/Berlin]")));
        assert_eq!(
            sunday.window_at(at("2026-06-07T01:59:59[Europe/Berlin]")),
            None
        );
        assert_eq!(
            sunday.window_at(at("2026-06-07T02:00[Europe/Berlin]")),
            window
        );
        assert_eq!(
            sunday.window_at(at("2026-06-07T03:30[Europe/Berlin]")),
            window
        );
        assert_eq!(
            sunday.window_at(at("2026-06-07T04:00[Europe/Berlin]")),
            None
        );
        assert_eq!(
            sunday.window_at(at("2026-06-08T03:30[Europe/Berlin]")),
            None
        );
        assert_eq!(
            sunday.window_at(at("2026-06-06T03:30[Europe/Berlin]")),
            None
        );

        assert_eq!(
            sunday.next_window_after(at("2026-06-07T03:30[Europe/Berlin]")),
            Some((
                at("2026-06-14T02:00[Europe/Berlin]"),
                at("2026-06-14T04:00[Europe/Berlin]"),
            ))
        );
        assert_eq!(
            sunday.next_window_after(at("2026-06-05T12:00[Europe/Berlin]")),
            window
        );
        // Strictly after: a window starting exactly then is not the next one.
        assert_eq!(
            sunday
                .next_window_after(at("2026-06-07T02:00[Europe/Berlin]"))
                .unwrap()
                .0,
            at("2026-06-14T02:00[Europe/Berlin]")
        );
    }

    #[test]
    fn daily_window_across_dst_changes() {
        let daily = recurring("30 1 * * *", "1h", "Europe/Berlin");

        // Spring forward (2026-03-29, 02:00 CET -> 03:00 CEST): 01:30 exists, and an hour of
        // elapsed time ends at 03:30 on the wall clock.
        let spring_end = at("2026-03-29T03:30+02:00[Europe/Berlin]");
        assert_eq!(spring_end, "2026-03-29T01:30:00Z".parse().unwrap());
        let spring = Some((at("2026-03-29T01:30+01:00[Europe/Berlin]"), spring_end));
        assert_eq!(
            daily.window_at(at("2026-03-29T01:45[Europe/Berlin]")),
            spring
        );
        assert_eq!(
            daily.window_at(at("2026-03-29T03:29[Europe/Berlin]")),
            spring
        );
        assert_eq!(daily.window_at(at("2026-03-29T03:30[Europe/Berlin]")), None);
        // The day before and after keep local 01:30, so their UTC start moves by an hour.
        assert_eq!(
            daily
                .window_at(at("2026-03-28T01:30[Europe/Berlin]"))
                .unwrap()
                .0,
            "2026-03-28T00:30:00Z".parse().unwrap()
        );
        assert_eq!(
            daily
                .window_at(at("2026-03-30T01:30[Europe/Berlin]"))
                .unwrap()
                .0,
            "2026-03-29T23:30:00Z".parse().unwrap()
        );

        // Fall back (2026-10-25, 03:00 CEST -> 02:00 CET): 01:30 CEST plus an hour ends at the
        // first 02:30, and the repeated 02:00-03:00 hour is outside the window.
        let autumn = Some((
            at("2026-10-25T01:30+02:00[Europe/Berlin]"),
            at("2026-10-25T02:30+02:00[Europe/Berlin]"),
        ));
        assert_eq!(
            daily.window_at(at("2026-10-25T02:29+02:00[Europe/Berlin]")),
            autumn
        );
        assert_eq!(
            daily.window_at(at("2026-10-25T02:30+02:00[Europe/Berlin]")),
            None
        );
        assert_eq!(
            daily.window_at(at("2026-10-25T02:15+01:00[Europe/Berlin]")),
            None
        );
        assert_eq!(
            daily.next_window_after(at("2026-10-24T12:00[Europe/Berlin]")),
            autumn
        );
        assert_eq!(
            daily
                .next_window_after(at("2026-10-25T01:30+02:00[Europe/Berlin]"))
                .unwrap()
                .0,
            at("2026-10-26T01:30[Europe/Berlin]")
        );
    }

    #[test]
    fn a_start_inside_the_dst_gap_moves_to_the_end_of_the_gap() {
        // 02:30 does not exist in Berlin on 2026-03-29; the window starts at 03:00 CEST, the
        // first instant after the gap, and still lasts its full hour.
        let daily = recurring("30 2 * * *", "1h", "Europe/Berlin");
        let gap_day = Some((
            at("2026-03-29T03:00+02:00[Europe/Berlin]"),
            at("2026-03-29T04:00+02:00[Europe/Berlin]"),
        ));
        assert_eq!(
            daily.next_window_after(at("2026-03-28T12:00[Europe/Berlin]")),
            gap_day
        );
        assert_eq!(
            daily.window_at(at("2026-03-29T03:00[Europe/Berlin]")),
            gap_day
        );
        assert_eq!(
            daily.window_at(at("2026-03-29T03:59[Europe/Berlin]")),
            gap_day
        );
        assert_eq!(daily.window_at(at("2026-03-29T04:00[Europe/Berlin]")), None);
        assert_eq!(daily.window_at(at("2026-03-29T01:59[Europe/Berlin]")), None);
        // Back to 02:30 local the next day.
        assert_eq!(
            daily
                .next_window_after(at("2026-03-29T04:00[Europe/Berlin]"))
                .unwrap()
                .0,
            at("2026-03-30T02:30[Europe/Berlin]")
        );

        // In the repeated autumn hour it starts once, at the first 02:30 (CEST).
        let first = (
            at("2026-10-25T02:30+02:00[Europe/Berlin]"),
            at("2026-10-25T02:30+01:00[Europe/Berlin]"),
        );
        assert_eq!(
            daily.window_at(at("2026-10-25T02:45+02:00[Europe/Berlin]")),
            Some(first)
        );
        assert_eq!(
            daily.window_at(at("2026-10-25T02:15+01:00[Europe/Berlin]")),
            Some(first)
        );
        assert_eq!(
            daily.window_at(at("2026-10-25T02:30+01:00[Europe/Berlin]")),
            None
        );
        assert_eq!(
            daily
                .next_window_after(at("2026-10-25T02:30+02:00[Europe/Berlin]"))
                .unwrap()
                .0,
            at("2026-10-26T02:30[Europe/Berlin]")
        );
    }

    #[test]
    fn overlapping_windows_report_the_latest_start() {
        // Every hour, lasting 90 minutes: at 10:45 both the 09:00 and 10:00 windows cover it.
        let hourly = recurring("0 * * * *", "90m", "UTC");
        assert_eq!(
            hourly.window_at("2026-06-07T10:45:00Z".parse().unwrap()),
            Some((
                "2026-06-07T10:00:00Z".parse().unwrap(),
                "2026-06-07T11:30:00Z".parse().unwrap(),
            ))
        );
        // Sub-second instants: the window that started on the whole minute covers them.
        let every_minute = recurring("* * * * *", "30s", "UTC");
        assert_eq!(
            every_minute.window_at("2026-06-07T10:45:00.5Z".parse().unwrap()),
            Some((
                "2026-06-07T10:45:00Z".parse().unwrap(),
                "2026-06-07T10:45:30Z".parse().unwrap(),
            ))
        );
        assert_eq!(
            every_minute.window_at("2026-06-07T10:45:30Z".parse().unwrap()),
            None
        );
    }

    #[test]
    fn validate_recurring() {
        let error = |schedule: Schedule| schedule.validate().unwrap_err().to_string();
        assert_eq!(recurring("0 2 * * sun", "7d", "UTC").validate(), Ok(()));
        assert_eq!(recurring("@daily", "1h", "Asia/Seoul").validate(), Ok(()));
        assert!(
            error(recurring("0 0 2 * * sun", "2h", "UTC"))
                .starts_with("`0 0 2 * * sun` is not a cron expression with 5 fields"),
        );
        assert!(error(recurring("not cron", "2h", "UTC")).starts_with("`not cron` is not a cron"));
        assert_eq!(
            error(recurring("0 0 30 2 *", "2h", "UTC")),
            "`0 0 30 2 *` never matches a date (such as the 30th of February)"
        );
        assert_eq!(
            error(recurring("0 2 * * sun", "2h", "Europe/Berlinn")),
            "`Europe/Berlinn` is not an IANA time zone such as Europe/Berlin"
        );
        let too_long = Schedule::Recurring {
            cron: "0 2 * * sun".into(),
            duration: SignedDuration::from_hours(7 * 24 + 1),
            timezone: "UTC".into(),
        };
        assert_eq!(
            error(too_long.clone()),
            "the duration 169h is longer than a recurring window may be (7 days)"
        );
        let zero = Schedule::Recurring {
            cron: "0 2 * * sun".into(),
            duration: SignedDuration::ZERO,
            timezone: "UTC".into(),
        };
        assert_eq!(error(zero.clone()), "the duration 0s is not positive");

        // Invalid schedules are never active and have no next window.
        let sunday = at("2026-06-07T02:30[UTC]");
        for invalid in [
            too_long,
            zero,
            recurring("0 2 * * sun", "2h", "Nowhere/City"),
            recurring("bad", "2h", "UTC"),
        ] {
            assert_eq!(invalid.window_at(sunday), None, "{invalid:?}");
            assert_eq!(invalid.next_window_after(sunday), None, "{invalid:?}");
        }
    }

    #[test]
    fn schedule_json() {
        let schedule = recurring("0 2 * * sun", "2h", "Europe/Berlin");
        let json = serde_json::to_value(&schedule).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "recurring", "cron": "0 2 * * sun", "duration": "PT2H",
                "timezone": "Europe/Berlin",
            })
        );
        assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), schedule);
        let once = Schedule::Once {
            starts_at: "2026-06-07T10:00:00Z".parse().unwrap(),
            ends_at: "2026-06-07T12:00:00Z".parse().unwrap(),
        };
        let json = serde_json::to_value(&once).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "kind": "once", "starts_at": "2026-06-07T10:00:00Z",
                "ends_at": "2026-06-07T12:00:00Z",
            })
        );
        assert_eq!(serde_json::from_value::<Schedule>(json).unwrap(), once);
    }

    #[test]
    fn parse_duration_reads_what_people_write() {
        let cases = [
            ("90m", SignedDuration::from_mins(90)),
            ("2h", SignedDuration::from_hours(2)),
            ("1h30m", SignedDuration::from_mins(90)),
            ("1h 30m", SignedDuration::from_mins(90)),
            ("45s", SignedDuration::from_secs(45)),
            ("3d", SignedDuration::from_hours(72)),
            ("1d12h", SignedDuration::from_hours(36)),
            ("1w", SignedDuration::from_hours(168)),
            ("2 hours", SignedDuration::from_hours(2)),
            (" 2h ", SignedDuration::from_hours(2)),
            ("PT2H", SignedDuration::from_hours(2)),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_duration(text), Ok(expected), "{text}");
        }
        assert_eq!(
            parse_duration("0s").unwrap_err().to_string(),
            "the duration 0s is not positive"
        );
        assert_eq!(
            parse_duration("-2h").unwrap_err().to_string(),
            "the duration 2h ago is not positive"
        );
        assert!(matches!(
            parse_duration("2h ago"),
            Err(ScheduleError::DurationNotPositive { .. })
        ));
        for text in ["", "2", "soon", "2mo", "1y", "h2"] {
            assert_eq!(
                parse_duration(text),
                Err(ScheduleError::InvalidDuration {
                    text: text.to_owned()
                }),
                "{text}"
            );
        }
        assert_eq!(
            parse_duration("soon").unwrap_err().to_string(),
            "`soon` is not a duration; write it like 90m, 2h, 1h30m, 45s or 3d"
        );
    }
}
