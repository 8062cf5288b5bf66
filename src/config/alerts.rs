//! `[alerts]`: flapping detection and tasks for unhandled alerts.

use serde::Deserialize;

use crate::core::problem::Problems;

/// How alerts are treated beyond routes: flapping detection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AlertsConfig {
    /// Firing cycles within `flapping_window` that make an alert flap; 0 turns detection off.
    pub flapping_cycles: u32,
    pub flapping_window: String,
    /// An alert (other than info) still firing unacknowledged this long becomes a task for
    /// its team; "off" turns it off.
    pub task_unacknowledged_after: String,
    /// An alert that fires this many times within `task_recurrence_window` becomes a task; 0
    /// turns it off.
    pub task_recurrences: u32,
    pub task_recurrence_window: String,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            flapping_cycles: crate::core::alert::Flapping::DEFAULT.cycles,
            flapping_window: "1h".into(),
            task_unacknowledged_after: "1h".into(),
            task_recurrences: 3,
            task_recurrence_window: "1d".into(),
        }
    }
}

impl AlertsConfig {
    /// The unacknowledged-task threshold, `None` when off.
    pub fn task_after(&self) -> Option<jiff::SignedDuration> {
        match self.task_unacknowledged_after.trim() {
            "off" => None,
            text => crate::core::silence::parse_duration(text).ok(),
        }
    }

    /// Recurrences and their window, `None` when off.
    pub fn task_recurrence(&self) -> Option<(u32, jiff::SignedDuration)> {
        let window = crate::core::silence::parse_duration(&self.task_recurrence_window).ok()?;
        (self.task_recurrences > 0).then_some((self.task_recurrences, window))
    }

    pub fn flapping(&self) -> crate::core::alert::Flapping {
        crate::core::alert::Flapping {
            cycles: self.flapping_cycles,
            window: crate::core::silence::parse_duration(&self.flapping_window)
                .unwrap_or(crate::core::alert::Flapping::DEFAULT.window),
        }
    }
}

impl AlertsConfig {
    pub fn validate(&self, problems: &mut Problems) {
        if let Err(problem) = crate::core::silence::parse_duration(&self.flapping_window) {
            problems.error("alerts.flapping_window".into(), problem.to_string());
        }
        if self.task_unacknowledged_after.trim() != "off" {
            if let Err(problem) =
                crate::core::silence::parse_duration(&self.task_unacknowledged_after)
            {
                problems.error(
                    "alerts.task_unacknowledged_after".into(),
                    format!("{problem} (or \"off\")"),
                );
            }
        }
        if let Err(problem) = crate::core::silence::parse_duration(&self.task_recurrence_window) {
            problems.error("alerts.task_recurrence_window".into(), problem.to_string());
        }
    }
}
