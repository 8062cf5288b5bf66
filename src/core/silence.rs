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
mod tests;
