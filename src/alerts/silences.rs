//! Silences and maintenance windows as people ask for them: one request shape (Alertmanager's
//! API v2 silence, plus a maintenance window's `kind`, `service` and schedule) that the API,
//! the page and the CLI all check the same way, and the one JSON view of a silence.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::json;

use crate::core::silence::{self, Matcher, Schedule};
use crate::store::alerts::{NewSilence, Silence, SilenceKind};

/// What a person or script asks for; every form (API, CLI, page) comes down to this.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SilenceRequest {
    #[serde(default)]
    pub kind: Option<SilenceKind>,
    #[serde(default)]
    pub service: Option<String>,
    /// Alertmanager's matcher objects, or one string such as `alertname="X", env=~"prod|dr"`.
    #[serde(default)]
    pub matchers: Option<MatchersInput>,
    pub starts_at: Option<Timestamp>,
    pub ends_at: Option<Timestamp>,
    /// Instead of `endsAt`: how long from the start, as `2h` or `90m`.
    pub duration: Option<String>,
    /// A recurring maintenance window: five-field cron in `timezone`, each lasting `duration`.
    pub cron: Option<String>,
    pub timezone: Option<String>,
    pub created_by: Option<String>,
    #[serde(default)]
    pub comment: String,
}

#[derive(Debug)]
pub enum MatchersInput {
    List(Vec<Matcher>),
    Text(String),
}

impl<'de> Deserialize<'de> for MatchersInput {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        match serde_json::Value::deserialize(deserializer)? {
            serde_json::Value::String(text) => Ok(MatchersInput::Text(text)),
            list @ serde_json::Value::Array(_) => serde_json::from_value(list)
                .map(MatchersInput::List)
                .map_err(D::Error::custom),
            _ => Err(D::Error::custom(
                "matchers must be a list of {\"name\", \"value\", \"isRegex\"} objects or a string such as alertname=\"DiskFull\"",
            )),
        }
    }
}

impl SilenceRequest {
    /// Checks the request and makes the row to store. `who` is the default `createdBy`.
    pub fn validate(self, who: &str, now: Timestamp) -> Result<NewSilence, String> {
        let kind = self.kind.unwrap_or(if self.service.is_some() {
            SilenceKind::Maintenance
        } else {
            SilenceKind::Silence
        });
        let service = self
            .service
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        let mut matchers = match self.matchers {
            None => Vec::new(),
            Some(MatchersInput::List(list)) => list,
            Some(MatchersInput::Text(text)) if text.trim().is_empty() => Vec::new(),
            Some(MatchersInput::Text(text)) => {
                silence::parse_matchers(&text).map_err(|error| format!("matchers: {error}"))?
            }
        };
        match (kind, &service) {
            (SilenceKind::Maintenance, None) => {
                return Err("a maintenance window needs the service it is for".into());
            }
            (SilenceKind::Maintenance, Some(service)) => {
                let matcher = Matcher::new("service", silence::MatchOp::Equal, service)
                    .map_err(|error| format!("service: {error}"))?;
                matchers.insert(0, matcher);
            }
            (SilenceKind::Silence, _) if matchers.is_empty() => {
                return Err(
                    "a silence needs at least one matcher, such as alertname=\"HighLatency\""
                        .into(),
                );
            }
            (SilenceKind::Silence, _) => {}
        }
        if matchers.len() > 32 {
            return Err("a silence takes at most 32 matchers".into());
        }
        let comment = self.comment.trim().to_owned();
        if comment.is_empty() {
            return Err("say why in comment: whoever finds the alert quiet will look there".into());
        }
        if comment.chars().count() > 2000 {
            return Err("comment is longer than 2000 characters".into());
        }
        let duration = self
            .duration
            .as_deref()
            .map(silence::parse_duration)
            .transpose()
            .map_err(|error| format!("duration: {error}"))?;
        let schedule = match self.cron {
            Some(cron) => {
                if kind != SilenceKind::Maintenance {
                    return Err("only a maintenance window (with a service) may recur".into());
                }
                Schedule::Recurring {
                    cron,
                    duration: duration.ok_or("a recurring window needs its duration, as 2h")?,
                    timezone: self.timezone.unwrap_or_else(|| "UTC".into()),
                }
            }
            None => {
                let starts_at = self.starts_at.unwrap_or(now);
                let ends_at = match (self.ends_at, duration) {
                    (Some(ends_at), _) => ends_at,
                    (None, Some(duration)) => starts_at
                        .checked_add(duration)
                        .map_err(|_| "duration is too long".to_owned())?,
                    (None, None) => return Err("give endsAt or a duration, as 2h".into()),
                };
                if ends_at <= now {
                    return Err(format!("endsAt {ends_at} is already past"));
                }
                for (name, time) in [("startsAt", starts_at), ("endsAt", ends_at)] {
                    if !crate::core::window::sensible_time(time) {
                        return Err(crate::core::window::insensible_time(name, time));
                    }
                }
                Schedule::Once { starts_at, ends_at }
            }
        };
        schedule.validate().map_err(|error| error.to_string())?;
        let created_by = self
            .created_by
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| who.to_owned());
        Ok(NewSilence {
            kind,
            service,
            matchers,
            schedule,
            created_by: created_by.chars().take(200).collect(),
            comment,
        })
    }
}

/// A silence as the API and pages show it: the stored row plus what is true of it now.
pub fn view(silence: &Silence, now: Timestamp) -> serde_json::Value {
    let mut value = serde_json::to_value(silence).unwrap_or_default();
    let window = silence
        .schedule
        .window_at(now)
        .or_else(|| silence.schedule.next_window_after(now));
    if let Some(object) = value.as_object_mut() {
        object.insert("status".into(), json!(silence.status(now)));
        object.insert(
            "matchers_text".into(),
            json!(silence::format_matchers(&silence.matchers)),
        );
        // The window in force, else the next one: what a person wants to know first.
        object.insert("starts_at".into(), json!(window.map(|(start, _)| start)));
        object.insert("ends_at".into(), json!(window.map(|(_, end)| end)));
    }
    value
}
