//! `[[heartbeats]]`: jobs that ping Firewatch on a schedule. (An `alertmanager`
//! integration's `watchdog` is one too: `integrations::inbound::config::WatchdogConfig`.)

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::alert::Severity;
use crate::core::heartbeat::{Expect, Schedule};
use crate::core::problem::Problems;

/// How long a ping may be late by default.
const DEFAULT_GRACE: &str = "5m";

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HeartbeatConfig {
    /// Its URL is `/heartbeats/NAME`; also the alert's rule.
    pub name: String,
    pub service: Option<String>,
    /// A ping at least this often (`"24h"`). Either this or `cron`.
    pub every: Option<String>,
    /// A ping after each occurrence of this five-field cron, in `timezone`.
    pub cron: Option<String>,
    #[serde(default = "utc")]
    pub timezone: String,
    /// How late a ping may be before it is an alert.
    #[serde(default = "default_grace")]
    pub grace: String,
    #[serde(default = "critical")]
    pub severity: Severity,
    /// What a ping must present: `Authorization: Bearer TOKEN` or `?token=TOKEN`.
    pub token: Option<String>,
}

fn utc() -> String {
    "UTC".into()
}

pub(crate) fn default_grace() -> String {
    DEFAULT_GRACE.into()
}

fn critical() -> Severity {
    Severity::Critical
}

pub(crate) fn duration(text: &str) -> Result<SignedDuration, String> {
    crate::core::silence::parse_duration(text).map_err(|error| error.to_string())
}

impl HeartbeatConfig {
    /// Its schedule; the config check refused what does not parse.
    pub fn schedule(&self) -> Result<Schedule, String> {
        let expect = match (&self.every, &self.cron) {
            (Some(every), None) => {
                let every = duration(every)?;
                if !every.is_positive() {
                    return Err("every must be more than 0".into());
                }
                Expect::Every(every)
            }
            (None, Some(cron)) => Expect::cron(cron, &self.timezone)?,
            _ => return Err("give either every (as \"24h\") or cron (as \"0 3 * * *\")".into()),
        };
        Ok(Schedule {
            expect,
            grace: duration(&self.grace)?,
        })
    }
}

pub fn validate(
    heartbeats: &[HeartbeatConfig],
    services: &[crate::config::org::ServiceConfig],
    problems: &mut Problems,
) {
    let mut names = std::collections::HashSet::new();
    for (index, heartbeat) in heartbeats.iter().enumerate() {
        let path = format!("heartbeats[{index}]");
        if !crate::core::problem::is_valid_name(&heartbeat.name) {
            problems.error(
                format!("{path}.name"),
                format!(
                    "\"{}\" is not a name: use letters, digits, '-', '_' and '.' (it is part of the ping URL)",
                    heartbeat.name
                ),
            );
        }
        if !names.insert(heartbeat.name.as_str()) {
            problems.error(
                format!("{path}.name"),
                format!("heartbeat \"{}\" is defined twice", heartbeat.name),
            );
        }
        if let Err(problem) = heartbeat.schedule() {
            problems.error(path.clone(), problem);
        }
        if let Some(service) = &heartbeat.service {
            if !services.iter().any(|known| &known.id == service) {
                problems.error(
                    format!("{path}.service"),
                    format!("unknown service \"{service}\""),
                );
            }
        }
        if heartbeat.token.is_none() {
            problems.warn(
                path,
                format!(
                    "heartbeat \"{}\" has no token: anyone who can reach Firewatch can ping or fail it",
                    heartbeat.name
                ),
            );
        }
    }
}
