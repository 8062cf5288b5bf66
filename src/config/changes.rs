//! `[changes]`: where announcements are told besides the service's team channel, and how
//! long an approval may take.

use jiff::SignedDuration;
use serde::Deserialize;

use crate::core::problem::Problems;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChangesConfig {
    pub channels: Vec<String>,
    /// A change nobody approved or rejected in this long expires.
    pub approval_expires: String,
}

impl Default for ChangesConfig {
    fn default() -> Self {
        Self {
            channels: Vec::new(),
            approval_expires: "24h".into(),
        }
    }
}

impl ChangesConfig {
    pub fn approval_expires(&self) -> SignedDuration {
        crate::core::silence::parse_duration(&self.approval_expires)
            .unwrap_or(SignedDuration::from_hours(24))
    }

    pub fn validate(&self, problems: &mut Problems) {
        if let Err(error) = crate::core::silence::parse_duration(&self.approval_expires) {
            problems.error("changes.approval_expires".into(), error.to_string());
        }
    }
}
