//! `[metrics]`: which environments are production (for every service, or per service in
//! `[[services]] production_environments`), and how long after a deployment an incident on its
//! service is put down to it.

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::problem::{Problems, is_valid_name};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    pub production_environments: Vec<String>,
    /// An incident that names no deployment is put down to its service's latest deployment
    /// when it started within this long after it; never to one from weeks before.
    pub attribution_window: String,
    /// Which benchmark table the bands come from by default (`2024`, `2023`, `2021`).
    pub bands: String,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            production_environments: vec!["production".into(), "prod".into()],
            attribution_window: "24h".into(),
            bands: "2024".into(),
        }
    }
}

impl MetricsConfig {
    pub fn attribution_window(&self) -> SignedDuration {
        crate::core::silence::parse_duration(&self.attribution_window)
            .unwrap_or(SignedDuration::from_hours(24))
    }

    pub fn validate(&self, problems: &mut Problems) {
        if let Err(error) = crate::core::silence::parse_duration(&self.attribution_window) {
            problems.error("metrics.attribution_window".into(), error.to_string());
        }
        if !crate::core::bands::years().contains(&self.bands.as_str()) {
            problems.error(
                "metrics.bands".into(),
                format!(
                    "there is no \"{}\" table (there are {})",
                    self.bands,
                    crate::core::bands::years().join(", ")
                ),
            );
        }
        validate_environments(
            "metrics.production_environments",
            &self.production_environments,
            problems,
        );
    }
}

pub fn validate_environments(path: &str, environments: &[String], problems: &mut Problems) {
    for (index, environment) in environments.iter().enumerate() {
        if !is_valid_name(environment) {
            problems.error(
                format!("{path}[{index}]"),
                format!("\"{environment}\" may hold only letters, digits, '-', '_' and '.'"),
            );
        }
    }
}
