//! `[incidents]`: where incidents are told, who hears of the bad ones, how often updates are
//! due, and how automatic incidents gather their alerts.

use std::collections::BTreeMap;

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::incident::{Priority, Severity};
use crate::core::problem::Problems;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IncidentsConfig {
    /// Destinations told of every incident's declaration, updates and resolution, besides the
    /// owning teams' channels.
    pub channels: Vec<String>,
    /// Destinations told of every SEV1 and SEV2 as well: the broadcast that warns the wider team.
    pub heads_up: Vec<String>,
    /// Per priority: the commander is reminded when no update was posted for this long.
    pub update_every: BTreeMap<String, String>,
    /// A later critical alert of the same service and group joins the open automatic incident
    /// when the last alert joined within this long.
    pub join_window: String,
    /// The severity of an incident a critical alert opens.
    pub auto_severity: String,
    /// How far before impact started "what changed" looks.
    pub what_changed_window: String,
}

impl Default for IncidentsConfig {
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            heads_up: Vec::new(),
            update_every: [("P1", "30m"), ("P2", "1h"), ("P3", "4h")]
                .into_iter()
                .map(|(p, d)| (p.to_owned(), d.to_owned()))
                .collect(),
            join_window: "2h".into(),
            auto_severity: "SEV2".into(),
            what_changed_window: "24h".into(),
        }
    }
}

fn duration(text: &str, fallback: SignedDuration) -> SignedDuration {
    crate::core::silence::parse_duration(text).unwrap_or(fallback)
}

impl IncidentsConfig {
    /// How long an incident of `priority` may go without an update; `None`: no reminders.
    pub fn update_every(&self, priority: Priority) -> Option<SignedDuration> {
        self.update_every
            .get(priority.as_str())
            .and_then(|text| crate::core::silence::parse_duration(text).ok())
            .filter(|d| d.is_positive())
    }

    pub fn join_window(&self) -> SignedDuration {
        duration(&self.join_window, SignedDuration::from_hours(2))
    }

    pub fn auto_severity(&self) -> Severity {
        Severity::parse(&self.auto_severity).unwrap_or(Severity::Sev2)
    }

    pub fn what_changed_window(&self) -> SignedDuration {
        duration(&self.what_changed_window, SignedDuration::from_hours(24))
    }

    /// Checks the durations and names; destinations are checked by `Config::validate`.
    pub fn validate(&self, problems: &mut Problems) {
        for (priority, text) in &self.update_every {
            if Priority::parse(priority).is_none() {
                problems.error(
                    format!("incidents.update_every.{priority}"),
                    format!("\"{priority}\" is not a priority: use P1, P2, P3 or P4"),
                );
            }
            if let Err(error) = crate::core::silence::parse_duration(text) {
                problems.error(
                    format!("incidents.update_every.{priority}"),
                    error.to_string(),
                );
            }
        }
        for (key, text) in [
            ("join_window", &self.join_window),
            ("what_changed_window", &self.what_changed_window),
        ] {
            if let Err(error) = crate::core::silence::parse_duration(text) {
                problems.error(format!("incidents.{key}"), error.to_string());
            }
        }
        if Severity::parse(&self.auto_severity).is_none() {
            problems.error(
                "incidents.auto_severity".into(),
                format!("\"{}\" is not SEV1 to SEV4", self.auto_severity),
            );
        }
    }
}
